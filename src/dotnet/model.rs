//! The table model: one table stream with its heaps, columns read by name
//! (`self.s(col::TypeDef::TypeName, row)`), coded indexes decoded with the
//! kind the schema gives each column, and type names resolved through the
//! TypeDef / TypeRef / TypeSpec tables.
//!
//! Error policy: an unreadable cell reads as 0 (callers iterate readable
//! rows only); a bad heap index, an unused coded-index tag or a row out of
//! range is reported once per cell with its table and row, and the lookup
//! gives an empty value.

use std::borrow::Cow;

use super::heaps::Heap;
use super::names::Names;
use super::sig;
use super::tables::{
    col, schema, Coded, Col, Column, Tables, ASSEMBLY_REF, MEMBER_REF, METHOD_DEF, METHOD_PTR,
    MODULE_REF, TABLE_NAMES, TYPE_DEF, TYPE_REF, TYPE_SPEC,
};
use crate::util::Problems;

/// Name resolution state over one table stream. Holds borrowed names and
/// raw row links; full names are built only where they are reported.
pub(crate) struct Model<'a, 'e> {
    pub(super) t: &'a Tables<'a>,
    pub(super) strings: Heap<'a>,
    pub(super) blob: Heap<'a>,
    pub(super) guid: Heap<'a>,
    pub(super) errs: &'e mut Problems,
    pub(super) typedefs: Names<'a>,
    pub(super) typerefs: Names<'a>,
    /// Decoded `ResolutionScope` per TypeRef.
    pub(super) typeref_scope: Vec<Option<(usize, u32)>>,
    /// `TypeAttributes` per TypeDef.
    pub(super) typedef_flags: Vec<u32>,
    /// Enclosing TypeDef (0-based) as `NestedClass` claims it.
    pub(super) typedef_enclosing: Vec<Option<usize>>,
    /// Rendered TypeSpecs, filled on first use.
    pub(super) typespec: Vec<Option<String>>,
    /// Decoded `Extends` per TypeDef (table, row).
    pub(super) extends_raw: Vec<Option<(usize, u32)>>,
    /// Decoded interfaces per TypeDef (table, row).
    pub(super) ifaces_raw: Vec<Vec<(usize, u32)>>,
    /// `MethodList` positions [first, last) owned by each TypeDef.
    pub(super) method_ranges: Vec<(u32, u32)>,
    /// Reused buffer for names that are only compared.
    pub(super) scratch: String,
}

impl<'a, 'e> Model<'a, 'e> {
    /// A model over `t` and its heaps; nothing is read yet.
    pub(super) fn new(
        t: &'a Tables<'a>,
        strings: Heap<'a>,
        blob: Heap<'a>,
        guid: Heap<'a>,
        errs: &'e mut Problems,
    ) -> Self {
        Model {
            t,
            strings,
            blob,
            guid,
            errs,
            typedefs: Names::default(),
            typerefs: Names::default(),
            typeref_scope: Vec::new(),
            typedef_flags: Vec::new(),
            typedef_enclosing: Vec::new(),
            typespec: Vec::new(),
            extends_raw: Vec::new(),
            ifaces_raw: Vec::new(),
            method_ranges: Vec::new(),
            scratch: String::new(),
        }
    }
}

impl<'a> Model<'a, '_> {
    /// Column value; 0 when the row is unreadable (callers iterate readable rows).
    pub(super) fn col(&self, c: impl Into<Column>, row: u32) -> u32 {
        self.t.get(c, row).unwrap_or(0)
    }

    /// `#Strings` lookup with a table/row context on error.
    pub(super) fn s(&mut self, c: impl Into<Column>, row: u32) -> Cow<'a, str> {
        let c = c.into();
        match self.strings.string(self.col(c, row)) {
            Ok(s) => s,
            Err(e) => {
                self.errs
                    .push(format!("{} row {row}: {e}", TABLE_NAMES[c.table]));
                Cow::Borrowed("")
            }
        }
    }

    /// Checks a `#Strings` column (bounds and terminator, no decoding; see
    /// [`Heap::check_string`]).
    pub(super) fn check_s(&mut self, c: impl Into<Column>, row: u32) {
        let c = c.into();
        if let Err(e) = self.strings.check_string(self.col(c, row)) {
            self.errs
                .push(format!("{} row {row}: {e}", TABLE_NAMES[c.table]));
        }
    }

    /// `#Strings` lookup that reports nothing (for rows already checked).
    pub(super) fn s_quiet(&self, c: impl Into<Column>, row: u32) -> Cow<'a, str> {
        self.strings
            .string(self.col(c, row))
            .unwrap_or(Cow::Borrowed(""))
    }

    /// `#Blob` lookup with a table/row context on error.
    pub(super) fn b(&mut self, c: impl Into<Column>, row: u32) -> &'a [u8] {
        let c = c.into();
        match self.blob.blob(self.col(c, row)) {
            Ok(b) => b,
            Err(e) => {
                self.errs
                    .push(format!("{} row {row}: {e}", TABLE_NAMES[c.table]));
                &[]
            }
        }
    }

    /// The coded-index kind of column `c`, from the schema.
    fn coded_kind(c: Column) -> Option<Coded> {
        match schema(c.table).get(c.index) {
            Some(Col::C(kind)) => Some(*kind),
            _ => None,
        }
    }

    /// Decodes a coded index column; reports unused tags and rows out of range.
    pub(super) fn coded(&mut self, c: impl Into<Column>, row: u32) -> Option<(usize, u32)> {
        let c = c.into();
        let kind = Self::coded_kind(c)?;
        let t = c.table;
        let v = self.col(c, row);
        let Some((target, r)) = kind.decode(v) else {
            self.errs.push(format!(
                "{} row {row}: {kind:?} coded index 0x{v:x} has an unused tag",
                TABLE_NAMES[t]
            ));
            return None;
        };
        if r == 0 {
            return None;
        }
        if r > self.t.rows(target) {
            self.errs.push(format!(
                "{} row {row}: {kind:?} coded index 0x{v:x} points to {} row {r}, out of range ({} rows)",
                TABLE_NAMES[t],
                TABLE_NAMES[target],
                self.t.rows(target)
            ));
            return None;
        }
        Some((target, r))
    }

    /// Coded index decode that reports nothing (for rows already checked).
    pub(super) fn coded_quiet(&self, c: impl Into<Column>, row: u32) -> Option<(usize, u32)> {
        let c = c.into();
        let (target, r) = Self::coded_kind(c)?.decode(self.col(c, row))?;
        (r != 0 && r <= self.t.rows(target)).then_some((target, r))
    }

    /// Simple index column (into the table the schema names); reports rows
    /// out of range.
    pub(super) fn index(&mut self, c: impl Into<Column>, row: u32) -> Option<u32> {
        let c = c.into();
        let Some(&Col::T(target)) = schema(c.table).get(c.index) else {
            return None;
        };
        let r = self.col(c, row);
        if r == 0 {
            return None;
        }
        if r > self.t.rows(target) {
            self.errs.push(format!(
                "{} row {row}: index {r} into {} out of range ({} rows)",
                TABLE_NAMES[c.table],
                TABLE_NAMES[target],
                self.t.rows(target)
            ));
            return None;
        }
        Some(r)
    }

    /// Writes the full name of a TypeDef / TypeRef / TypeSpec row into `buf`
    /// (`?` for anything else). TypeSpecs are rendered once and remembered.
    pub(super) fn type_name_into(&mut self, target: usize, row: u32, buf: &mut String) {
        let i = (row as usize).wrapping_sub(1);
        match target {
            TYPE_DEF if i < self.typedefs.simple.len() => self.typedefs.full_into(i, buf),
            TYPE_REF if i < self.typerefs.simple.len() => self.typerefs.full_into(i, buf),
            TYPE_SPEC if i < self.typespec.len() => {
                buf.clear();
                buf.push_str(self.typespec_name(i));
            }
            _ => {
                buf.clear();
                buf.push('?');
            }
        }
    }

    /// Full name of a TypeDef / TypeRef / TypeSpec row as a new string.
    pub(super) fn type_name(&mut self, target: usize, row: u32) -> String {
        let mut s = String::new();
        self.type_name_into(target, row, &mut s);
        s
    }

    /// Rendered 0-based TypeSpec `i` (rendered on first use).
    pub(super) fn typespec_name(&mut self, i: usize) -> &str {
        if self.typespec[i].is_none() {
            let blob = self
                .blob
                .blob(self.col(col::TypeSpec::Signature, i as u32 + 1))
                .unwrap_or(&[]);
            let (defs, refs) = (&self.typedefs, &self.typerefs);
            let name_of = |tag: u32, row: u32| -> String {
                let names = match tag {
                    0 => defs,
                    1 => refs,
                    _ => return "?".to_string(),
                };
                match row.checked_sub(1).map(|r| r as usize) {
                    Some(r) if r < names.simple.len() => names.full(r),
                    _ => "?".to_string(),
                }
            };
            self.typespec[i] = Some(sig::render_typespec(blob, &name_of));
        }
        self.typespec[i].as_deref().unwrap_or("?")
    }

    /// Name of the AssemblyRef that 0-based TypeRef `i` resolves to, if any.
    pub(super) fn typeref_assembly(&self, i: usize) -> Option<Cow<'a, str>> {
        let root = *self.typerefs.root.get(i)?;
        match self.typeref_scope.get(root).copied().flatten() {
            Some((ASSEMBLY_REF, r)) => Some(self.s_quiet(col::AssemblyRef::Name, r)),
            _ => None,
        }
    }

    /// Method row for a MethodList position, through `MethodPtr` when present.
    pub(super) fn method_at(&self, pos: u32) -> Option<u32> {
        if self.t.declared_rows(METHOD_PTR) > 0 {
            self.t.get(col::MethodPtr::Method, pos)
        } else {
            Some(pos)
        }
    }

    /// Name of 1-based MethodDef `m`, empty when out of range.
    pub(super) fn method_name(&self, m: u32) -> Cow<'a, str> {
        if m == 0 || m > self.t.rows(METHOD_DEF) {
            return Cow::Borrowed("");
        }
        self.s_quiet(col::MethodDef::Name, m)
    }

    /// True when MethodDef row `m` is named `name` (compared as bytes,
    /// without decoding).
    pub(super) fn method_name_is(&self, m: u32, name: &[u8]) -> bool {
        m >= 1
            && m <= self.t.rows(METHOD_DEF)
            && self
                .strings
                .string_bytes(self.col(col::MethodDef::Name, m))
                .is_ok_and(|b| b == name)
    }

    /// Parent of MemberRef row `r` written into `buf`, and its table.
    pub(super) fn member_parent_into(&mut self, r: u32, buf: &mut String, quiet: bool) -> usize {
        let parent = if quiet {
            self.coded_quiet(col::MemberRef::Class, r)
        } else {
            self.coded(col::MemberRef::Class, r)
        };
        match parent {
            Some((t @ (TYPE_DEF | TYPE_REF | TYPE_SPEC), row)) => {
                self.type_name_into(t, row, buf);
                t
            }
            Some((MODULE_REF, row)) => {
                buf.clear();
                buf.push_str(&self.s_quiet(col::ModuleRef::Name, row));
                MODULE_REF
            }
            Some((t, row)) => {
                buf.clear();
                buf.push_str(&self.method_name(row));
                t
            }
            None => {
                buf.clear();
                MEMBER_REF
            }
        }
    }
}
