//! What iisweep reads from the table model: identity, references, types,
//! member references, P/Invoke, resources, and (on request) a listing of
//! every TypeDef, TypeRef and MemberRef row.

use std::borrow::Cow;

use super::evidence;
use super::facts::{
    AssemblyIdentity, AssemblyRefInfo, DotnetInfo, MemberRefInfo, PInvokeInfo, ResourceInfo,
    TypeDefInfo, TypeRefInfo,
};
use super::heaps::format_guid;
use super::limits::MAX_PUBLIC_KEY_LEN;
use super::model::Model;
use super::names::{nest_links, Names};
use super::tables::{
    col, ASSEMBLY, ASSEMBLY_REF, FILE, IMPL_MAP, INTERFACE_IMPL, MANIFEST_RESOURCE, MEMBER_REF,
    METHOD_DEF, METHOD_PTR, MODULE, MODULE_REF, NESTED_CLASS, TABLE_NAMES, TYPE_DEF, TYPE_REF,
    TYPE_SPEC,
};
use super::token;
use crate::util::{hex, u32_at};

fn version(a: u32, b: u32, c: u32, d: u32) -> String {
    format!("{a}.{b}.{c}.{d}")
}

fn token_of(key: &[u8]) -> Option<String> {
    (!key.is_empty() && key.len() <= MAX_PUBLIC_KEY_LEN).then(|| token::public_key_token(key))
}

impl Model<'_, '_> {
    pub(super) fn read(&mut self, info: &mut DotnetInfo, resources: Option<(&[u8], usize)>) {
        self.read_module(info);
        self.read_assembly(info);
        self.read_assembly_refs(info);
        for r in 1..=self.t.rows(MODULE_REF) {
            let n = self.s(col::ModuleRef::Name, r).into_owned();
            info.module_refs.push(n);
        }
        self.read_type_refs();
        self.check_methods();
        self.read_type_defs();
        self.check_type_specs();
        self.member_evidence(info);
        self.read_impl_map(info);
        self.read_resources(info, resources);
        self.components(info);
        evidence::pinvoke_evidence(info);
    }

    pub(super) fn read_module(&mut self, info: &mut DotnetInfo) {
        if self.t.rows(MODULE) == 0 {
            return;
        }
        info.module_name = Some(self.s(col::Module::Name, 1).into_owned());
        let idx = self.col(col::Module::Mvid, 1);
        match self.guid.guid(idx) {
            Ok(g) => info.mvid = g.map(|g| format_guid(&g)),
            Err(e) => self.errs.push(format!("Module row 1 Mvid: {e}")),
        }
    }

    pub(super) fn read_assembly(&mut self, info: &mut DotnetInfo) {
        if self.t.rows(ASSEMBLY) == 0 {
            return;
        }
        use col::Assembly as A;
        let key = self.b(A::PublicKey, 1);
        info.assembly = Some(AssemblyIdentity {
            name: self.s(A::Name, 1).into_owned(),
            version: version(
                self.col(A::MajorVersion, 1),
                self.col(A::MinorVersion, 1),
                self.col(A::BuildNumber, 1),
                self.col(A::RevisionNumber, 1),
            ),
            culture: self.s(A::Culture, 1).into_owned(),
            flags: self.col(A::Flags, 1),
            hash_alg_id: self.col(A::HashAlgId, 1),
            public_key_len: key.len(),
            public_key_token: token_of(key),
        });
    }

    pub(super) fn read_assembly_refs(&mut self, info: &mut DotnetInfo) {
        for r in 1..=self.t.rows(ASSEMBLY_REF) {
            use col::AssemblyRef as A;
            let flags = self.col(A::Flags, r);
            let key = self.b(A::PublicKeyOrToken, r);
            let token = if flags & 1 != 0 {
                token_of(key)
            } else {
                (!key.is_empty()).then(|| hex(key))
            };
            info.assembly_refs.push(AssemblyRefInfo {
                name: self.s(col::AssemblyRef::Name, r).into_owned(),
                version: version(
                    self.col(A::MajorVersion, r),
                    self.col(A::MinorVersion, r),
                    self.col(A::BuildNumber, r),
                    self.col(A::RevisionNumber, r),
                ),
                culture: self.s(col::AssemblyRef::Culture, r).into_owned(),
                flags,
                public_key_or_token: hex(&key[..key.len().min(MAX_PUBLIC_KEY_LEN)]),
                public_key_token: token,
            });
        }
    }

    pub(super) fn read_type_refs(&mut self) {
        let n = self.t.rows(TYPE_REF);
        let mut simple = Vec::with_capacity(n as usize);
        let mut scope = Vec::with_capacity(n as usize);
        for r in 1..=n {
            let name = self.s(col::TypeRef::TypeName, r);
            let ns = self.s(col::TypeRef::TypeNamespace, r);
            scope.push(self.coded(col::TypeRef::ResolutionScope, r));
            simple.push((ns, name));
        }
        let parent = |i: usize| match scope[i] {
            Some((TYPE_REF, r)) => Some(r as usize - 1),
            _ => None,
        };
        let (parent, root) = nest_links(
            simple.len(),
            parent,
            self.errs,
            "TypeRef table: ResolutionScope of TypeRef row",
        );
        self.typerefs = Names {
            simple,
            parent,
            root,
        };
        self.typeref_scope = scope;
    }

    /// Checks every MethodDef name (errors only; names are read on demand).
    pub(super) fn check_methods(&mut self) {
        for r in 1..=self.t.rows(METHOD_DEF) {
            self.check_s(col::MethodDef::Name, r);
        }
    }

    pub(super) fn read_type_defs(&mut self) {
        let n = self.t.rows(TYPE_DEF);
        // NestedClass: nested -> enclosing
        let mut enclosing: Vec<Option<usize>> = vec![None; n as usize];
        for r in 1..=self.t.rows(NESTED_CLASS) {
            let (Some(a), Some(b)) = (
                self.index(col::NestedClass::NestedClass, r),
                self.index(col::NestedClass::EnclosingClass, r),
            ) else {
                continue;
            };
            let slot = &mut enclosing[a as usize - 1];
            if slot.is_none() {
                *slot = Some(b as usize - 1);
            }
        }
        let method_list_len = if self.t.declared_rows(METHOD_PTR) > 0 {
            self.t.rows(METHOD_PTR)
        } else {
            self.t.rows(METHOD_DEF)
        };
        let mut simple = Vec::with_capacity(n as usize);
        let mut method_cursor = 1u32;
        for r in 1..=n {
            let flags = self.col(col::TypeDef::Flags, r);
            let name = self.s(col::TypeDef::TypeName, r);
            let ns = self.s(col::TypeDef::TypeNamespace, r);
            let ext = self.coded(col::TypeDef::Extends, r);
            self.extends_raw.push(ext);
            self.ifaces_raw.push(Vec::new());
            self.typedef_flags.push(flags);
            let start = self.col(col::TypeDef::MethodList, r);
            let end = if r < n {
                self.col(col::TypeDef::MethodList, r + 1)
            } else {
                method_list_len.saturating_add(1)
            };
            let mut range = (0, 0);
            if start != 0 && start <= end {
                // Runs must not overlap: never revisit methods already assigned,
                // which keeps the total work linear in the MethodDef count.
                let first = start.max(method_cursor);
                let last = end.min(method_list_len.saturating_add(1));
                method_cursor = method_cursor.max(last);
                range = (first, last.max(first));
            } else if start > end && start <= method_list_len {
                self.errs.push(format!(
                    "TypeDef row {r}: MethodList {start} is above the next row's {end}"
                ));
            }
            self.method_ranges.push(range);
            simple.push((ns, name));
        }
        let (parent, root) = nest_links(
            simple.len(),
            |i| enclosing[i],
            self.errs,
            "NestedClass table: TypeDef row",
        );
        self.typedefs = Names {
            simple,
            parent,
            root,
        };
        self.typedef_enclosing = enclosing;
        // InterfaceImpl
        for r in 1..=self.t.rows(INTERFACE_IMPL) {
            let Some(class) = self.index(col::InterfaceImpl::Class, r) else {
                continue;
            };
            if let Some(iface) = self.coded(col::InterfaceImpl::Interface, r) {
                self.ifaces_raw[class as usize - 1].push(iface);
            }
        }
    }

    /// Checks every TypeSpec blob (errors only; rendering is on demand).
    pub(super) fn check_type_specs(&mut self) {
        let n = self.t.rows(TYPE_SPEC);
        for r in 1..=n {
            self.b(col::TypeSpec::Signature, r);
        }
        self.typespec = vec![None; n as usize];
    }

    /// HTTP event subscriptions and capability evidence from MemberRef rows.
    pub(super) fn member_evidence(&mut self, info: &mut DotnetInfo) {
        let mut class = std::mem::take(&mut self.scratch);
        for r in 1..=self.t.rows(MEMBER_REF) {
            self.member_parent_into(r, &mut class, false);
            if evidence::class_of_interest(&class) {
                let name = self.s(col::MemberRef::Name, r);
                evidence::member_ref(info, &class, &name);
            } else {
                self.check_s(col::MemberRef::Name, r);
            }
        }
        self.scratch = class;
    }

    pub(super) fn read_impl_map(&mut self, info: &mut DotnetInfo) {
        for r in 1..=self.t.rows(IMPL_MAP) {
            let member = match self.coded(col::ImplMap::MemberForwarded, r) {
                Some((METHOD_DEF, m)) => self.method_name(m).into_owned(),
                Some((_, f)) => self.s(col::Field::Name, f).into_owned(),
                None => String::new(),
            };
            let import_name = self.s(col::ImplMap::ImportName, r).into_owned();
            let module = match self.index(col::ImplMap::ImportScope, r) {
                Some(m) => self.s(col::ModuleRef::Name, m).into_owned(),
                None => String::new(),
            };
            let system_dll = evidence::is_system_dll(&module);
            info.pinvokes.push(PInvokeInfo {
                module,
                import_name,
                member,
                system_dll,
            });
        }
    }

    pub(super) fn read_resources(
        &mut self,
        info: &mut DotnetInfo,
        resources: Option<(&[u8], usize)>,
    ) {
        for r in 1..=self.t.rows(MANIFEST_RESOURCE) {
            let offset = self.col(col::ManifestResource::Offset, r);
            let flags = self.col(col::ManifestResource::Flags, r);
            let name = self.s(col::ManifestResource::Name, r).into_owned();
            let (location, size) = match self.coded(col::ManifestResource::Implementation, r) {
                None => {
                    let size = match resources {
                        Some((d, off)) => {
                            let len = u32_at(d, offset as usize);
                            let fits = len.is_some_and(|l| {
                                (offset as usize)
                                    .saturating_add(4)
                                    .saturating_add(l as usize)
                                    <= d.len()
                            });
                            if !fits {
                                self.errs.push(format!(
                                    "ManifestResource row {r} ({name}): resource at 0x{:x} (offset 0x{offset:x}) runs past the CLR Resources directory (0x{:x} bytes)",
                                    off.saturating_add(offset as usize),
                                    d.len()
                                ));
                            }
                            len.filter(|_| fits)
                        }
                        None => {
                            self.errs.push(format!("ManifestResource row {r} ({name}): embedded but the CLR Resources directory is absent"));
                            None
                        }
                    };
                    ("embedded".to_string(), size)
                }
                Some((FILE, f)) => (format!("file:{}", self.s(col::File::Name, f)), None),
                Some((ASSEMBLY_REF, a)) => (
                    format!("assembly:{}", self.s(col::AssemblyRef::Name, a)),
                    None,
                ),
                Some(_) => ("exported_type".to_string(), None),
            };
            info.resources.push(ResourceInfo {
                name,
                flags,
                offset,
                location,
                size,
            });
        }
    }

    /// Fills [`DotnetInfo::type_defs`], [`DotnetInfo::type_refs`] and
    /// [`DotnetInfo::member_refs`]: one owned record per row, for tests and
    /// differential checks. Reports nothing (the read already did).
    pub(super) fn list_tables(&mut self, info: &mut DotnetInfo) {
        for i in 0..self.typerefs.simple.len() {
            let (ns, name) = &self.typerefs.simple[i];
            info.type_refs.push(TypeRefInfo {
                namespace: ns.to_string(),
                name: name.to_string(),
                full_name: self.typerefs.full(i),
                scope_assembly: self.typeref_assembly(i).map(Cow::into_owned),
            });
        }
        for i in 0..self.typedefs.simple.len() {
            let flags = self.typedef_flags[i];
            let vis = flags & 0x7;
            let extends = self.extends_raw[i].map(|(t, r)| self.type_name(t, r));
            let interfaces = self.ifaces_raw[i]
                .clone()
                .into_iter()
                .map(|(t, r)| self.type_name(t, r))
                .collect();
            let (first, last) = self.method_ranges[i];
            let methods = (first..last)
                .filter_map(|p| self.method_at(p).filter(|&m| m >= 1))
                .filter(|&m| m <= self.t.rows(METHOD_DEF))
                .map(|m| self.method_name(m).into_owned())
                .collect();
            let (ns, name) = &self.typedefs.simple[i];
            info.type_defs.push(TypeDefInfo {
                namespace: ns.to_string(),
                name: name.to_string(),
                full_name: self.typedefs.full(i),
                flags,
                is_public: vis == 1 || vis == 2,
                is_abstract: flags & 0x80 != 0,
                is_interface: flags & 0x20 != 0,
                is_sealed: flags & 0x100 != 0,
                extends,
                interfaces,
                enclosing: self.typedef_enclosing[i].map(|p| self.typedefs.full(p)),
                methods,
            });
        }
        let mut class = String::new();
        for r in 1..=self.t.rows(MEMBER_REF) {
            let table = self.member_parent_into(r, &mut class, true);
            info.member_refs.push(MemberRefInfo {
                class: class.clone(),
                class_table: if table == MEMBER_REF {
                    "none".to_string()
                } else {
                    TABLE_NAMES[table].to_string()
                },
                name: self.s_quiet(col::MemberRef::Name, r).into_owned(),
            });
        }
    }
}
