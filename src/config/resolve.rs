//! Registrations to files: native paths through the image (environment
//! variables, case, WOW64), managed `type=` strings through the
//! application's `bin/`, `App_Code/` and the GAC, each assembly checked
//! for the type (found and an IIS module or handler, found but not one,
//! or not defined at all).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::image::Location;
use super::server::{self, ServedList};
use super::{RegistrationKind, ServerView, Status, ValueKind};
use crate::util::{u16_at, u32_at};

/// Largest assembly read to check a registered type.
pub const MAX_ASSEMBLY_BYTES: u64 = 64 << 20;
/// Most `bin/` assemblies searched for a type without an assembly name.
pub const MAX_BIN_ASSEMBLIES: usize = 256;

/// An assembly-qualified type name (`Ns.Type, Assembly, Version=...,
/// Culture=..., PublicKeyToken=...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeRef {
    /// `Ns.Outer+Inner`.
    pub type_name: String,
    /// The assembly's simple name.
    pub assembly: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `Culture` (`neutral` as written).
    pub culture: Option<String>,
    /// `PublicKeyToken` (lowercase; `None` for `null`).
    pub token: Option<String>,
}

/// Parses an assembly-qualified name.
pub fn parse_type(s: &str) -> TypeRef {
    let mut depth = 0i32;
    let mut parts: Vec<String> = vec![String::new()];
    for ch in s.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(ch);
        }
    }
    let mut t = TypeRef {
        type_name: parts[0].trim().to_string(),
        ..TypeRef::default()
    };
    if let Some(a) = parts.get(1).map(|a| a.trim()).filter(|a| !a.is_empty()) {
        t.assembly = Some(a.to_string());
    }
    for p in parts.iter().skip(2) {
        let Some((k, val)) = p.split_once('=') else {
            continue;
        };
        let val = val.trim().to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "version" => t.version = Some(val),
            "culture" => t.culture = Some(val),
            "publickeytoken" if !val.eq_ignore_ascii_case("null") => {
                t.token = Some(val.to_ascii_lowercase())
            }
            _ => {}
        }
    }
    t
}

/// What an assembly defines: every type (web.config names) and the IIS
/// components among them.
#[derive(Debug, Clone, Default)]
struct AssemblyTypes {
    all: Vec<String>,
    components: Vec<String>,
}

/// Assemblies read so far, by host path (`None`: not a .NET assembly).
#[derive(Default)]
struct Cache {
    assemblies: HashMap<PathBuf, Option<AssemblyTypes>>,
}

impl Cache {
    fn types(&mut self, path: &Path) -> Option<&AssemblyTypes> {
        self.assemblies
            .entry(path.to_path_buf())
            .or_insert_with(|| read_types(path))
            .as_ref()
    }
}

fn read_types(path: &Path) -> Option<AssemblyTypes> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_ASSEMBLY_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let pe = crate::pe::analyze(&bytes).ok()?;
    let (rva, size) = pe.layout.clr_header()?;
    let image = crate::pe::Image {
        bytes: &bytes,
        layout: &pe.layout,
    };
    let d = crate::dotnet::parse_with_tables(&image, rva, size);
    Some(AssemblyTypes {
        all: d.type_defs.iter().map(|t| t.full_name.clone()).collect(),
        components: d.components.iter().map(|c| c.type_name.clone()).collect(),
    })
}

/// Resolves every registration.
pub fn resolve_all(v: &mut ServerView, served: &ServedList) {
    let mut cache = Cache::default();
    for i in 0..v.registrations.len() {
        let r = &v.registrations[i];
        let (Some(value), Some(vk)) = (r.value.clone(), r.value_kind) else {
            continue;
        };
        let base = v
            .files
            .get(r.pos.file)
            .and_then(|f| f.host.parent().map(Path::to_path_buf));
        let (status, resolved, note) = if vk == ValueKind::Type {
            resolve_type(v, served, &r.scope, &value, &mut cache)
        } else {
            let file = match vk {
                ValueKind::ScriptProcessor | ValueKind::FullPath => {
                    value.split('|').next().unwrap_or("").to_string()
                }
                _ => value.clone(),
            };
            resolve_native(
                v,
                &file,
                base.as_deref(),
                server::wants_wow64(r.precondition.as_deref()),
            )
        };
        let bitness = resolved
            .as_deref()
            .filter(|_| vk != ValueKind::Type)
            .and_then(machine_bits);
        let r = &mut v.registrations[i];
        r.status = status;
        r.resolved = resolved;
        r.bitness = bitness;
        r.note = note;
    }
    server::copy_global_status(v);
}

/// A native path: found (a regular file), missing, or off the image.
fn resolve_native(
    v: &ServerView,
    path: &str,
    base: Option<&Path>,
    wow64: bool,
) -> (Status, Option<PathBuf>, Option<String>) {
    match v.image.locate(path, base, wow64) {
        Location::Found { host } if host.is_file() => (Status::Resolved, Some(host), None),
        Location::Found { host } | Location::Missing { host } => (
            Status::Missing,
            None,
            Some(format!("nothing at {}", v.image.rel(&host))),
        ),
        Location::Outside { why } => (Status::OutsideImage, None, Some(why)),
    }
}

/// Bitness of the PE at `path` from its COFF machine (32 or 64).
fn machine_bits(path: &Path) -> Option<u8> {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    head.truncate(n);
    let pe = u32_at(&head, 0x3c)? as usize;
    (u32_at(&head, pe)? == 0x4550).then_some(())?;
    match u16_at(&head, pe + 4)? {
        0x014c | 0x01c4 => Some(32),
        0x8664 | 0xaa64 | 0x0200 => Some(64),
        _ => None,
    }
}

/// Namespaces of types the .NET Framework itself provides (resolved by the
/// framework's own configuration, not by the site).
const FRAMEWORK: &[&str] = &[
    "System.",
    "Microsoft.AspNet.",
    "Microsoft.Web.",
    "Microsoft.Owin.",
];

/// A managed `type=`: where its assembly is, and whether it defines it.
fn resolve_type(
    v: &ServerView,
    served: &ServedList,
    scope: &str,
    value: &str,
    cache: &mut Cache,
) -> (Status, Option<PathBuf>, Option<String>) {
    let t = parse_type(value);
    let app_root = if scope.is_empty() {
        None
    } else {
        server::serving(served, scope).and_then(|s| s.app_root.clone())
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(asm) = &t.assembly {
        if t.token.is_some() {
            candidates.extend(gac(v, &t, asm));
        }
        if let Some(root) = &app_root {
            let file = format!("{asm}.dll");
            if let Location::Found { host } = v.image.lookup(root, &["bin", &file]) {
                candidates.push(host);
            }
        }
    } else if let Some(root) = &app_root {
        candidates.extend(bin_assemblies(v, root));
    }
    let mut first_assembly = None;
    for c in &candidates {
        let Some(types) = cache.types(c) else {
            continue;
        };
        if types.components.iter().any(|n| *n == t.type_name) {
            return (Status::TypeFound, Some(c.clone()), None);
        }
        if types.all.iter().any(|n| *n == t.type_name) {
            return (Status::TypeNotComponent, Some(c.clone()), None);
        }
        first_assembly.get_or_insert_with(|| c.clone());
    }
    if t.assembly.is_some() {
        if let Some(a) = first_assembly {
            return (Status::TypeMissing, Some(a), None);
        }
    }
    if let Some(src) = app_root
        .as_deref()
        .and_then(|r| app_code_source(v, r, &t.type_name))
    {
        return (Status::SourceOnly, Some(src), None);
    }
    if first_assembly.is_some() {
        return (
            Status::TypeMissing,
            first_assembly,
            Some("no assembly in bin/ defines the type".into()),
        );
    }
    if FRAMEWORK.iter().any(|p| t.type_name.starts_with(p))
        && t.assembly
            .as_deref()
            .is_none_or(|a| a.starts_with("System") || a.starts_with("Microsoft"))
    {
        return (
            Status::TypeFound,
            None,
            Some("provided by the .NET Framework (not checked)".into()),
        );
    }
    (
        Status::AssemblyMissing,
        None,
        Some(match &t.assembly {
            Some(a) => format!("assembly {a} is in neither bin/ nor the GAC"),
            None => "no assembly in bin/ and no App_Code source defines the type".into(),
        }),
    )
}

/// GAC folders that may hold `asm` with `t`'s version, culture and token.
fn gac(v: &ServerView, t: &super::resolve::TypeRef, asm: &str) -> Vec<PathBuf> {
    let token = t.token.as_deref().unwrap_or("");
    let culture = t
        .culture
        .as_deref()
        .filter(|c| !c.eq_ignore_ascii_case("neutral"))
        .unwrap_or("");
    let file = format!("{asm}.dll");
    let mut out = Vec::new();
    let roots: [(&[&str], &str); 2] = [
        (&["Windows", "Microsoft.NET", "assembly"], "v4.0_"),
        (&["Windows", "assembly"], ""),
    ];
    for (base, prefix) in roots {
        for gac in ["GAC_MSIL", "GAC_64", "GAC_32", "GAC"] {
            let mut comps: Vec<&str> = base.to_vec();
            comps.push(gac);
            comps.push(asm);
            let Location::Found { host: dir } = v.image.lookup(v.image.root(), &comps) else {
                continue;
            };
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut versions: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().to_lowercase())
                        .unwrap_or_default();
                    let Some(rest) = n.strip_prefix(prefix) else {
                        return false;
                    };
                    let want_tail = format!("_{}_{token}", culture.to_lowercase());
                    rest.ends_with(&want_tail)
                        && t.version
                            .as_deref()
                            .is_none_or(|ver| rest.starts_with(&format!("{ver}_")))
                })
                .collect();
            versions.sort();
            for d in versions {
                if let Location::Found { host } = v.image.lookup(&d, &[&file]) {
                    out.push(host);
                }
            }
        }
    }
    out
}

/// `bin/*.dll` of an application, sorted, at most [`MAX_BIN_ASSEMBLIES`].
fn bin_assemblies(v: &ServerView, root: &Path) -> Vec<PathBuf> {
    let Location::Found { host: bin } = v.image.lookup(root, &["bin"]) else {
        return Vec::new();
    };
    let Ok(rd) = std::fs::read_dir(&bin) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("dll")))
        .collect();
    out.sort();
    out.truncate(MAX_BIN_ASSEMBLIES);
    out
}

/// An `App_Code` source file that declares the type's class.
fn app_code_source(v: &ServerView, root: &Path, type_name: &str) -> Option<PathBuf> {
    let simple = type_name.rsplit(['.', '+']).next()?;
    let Location::Found { host: dir } = v.image.lookup(root, &["App_Code"]) else {
        return None;
    };
    let mut stack = vec![(dir, 0usize)];
    let mut files = Vec::new();
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() && depth < 8 {
                stack.push((p, depth + 1));
            } else if ft.is_file()
                && p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("cs") || x.eq_ignore_ascii_case("vb"))
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files.into_iter().find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.len() <= 1 << 20)
            && std::fs::read_to_string(p).is_ok_and(|text| {
                text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .collect::<Vec<_>>()
                    .windows(2)
                    .any(|w| w[0].eq_ignore_ascii_case("class") && w[1] == simple)
            })
    })
}

/// Registrations of native files (the ones a worker process loads or runs).
pub fn is_native(kind: RegistrationKind, vk: Option<ValueKind>) -> bool {
    vk.is_some_and(|k| k != ValueKind::Type) || (kind == RegistrationKind::Module && vk.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembly_qualified_names() {
        let t = parse_type(
            "Ns.A+B, My.Asm, Version=1.2.3.4, Culture=neutral, PublicKeyToken=ABCDEF0123456789",
        );
        assert_eq!(t.type_name, "Ns.A+B");
        assert_eq!(t.assembly.as_deref(), Some("My.Asm"));
        assert_eq!(t.version.as_deref(), Some("1.2.3.4"));
        assert_eq!(t.token.as_deref(), Some("abcdef0123456789"));
        let t = parse_type("Ns.Type");
        assert_eq!((t.type_name.as_str(), t.assembly), ("Ns.Type", None));
        let t = parse_type("G`1[[System.String, mscorlib]], Asm, PublicKeyToken=null");
        assert_eq!(t.type_name, "G`1[[System.String, mscorlib]]");
        assert_eq!(t.assembly.as_deref(), Some("Asm"));
        assert_eq!(t.token, None);
    }
}
