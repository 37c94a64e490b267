//! IIS roles decided from the export table.
//!
//! IIS loads a native module by `GetProcAddress(h, "RegisterModule")`, an
//! ISAPI extension by `GetExtensionVersion` + `HttpExtensionProc`, a filter by
//! `GetFilterVersion` + `HttpFilterProc`. Those lookups are exact and
//! case-sensitive, so only exact names make a role. A forwarded export still
//! resolves, so it counts (and its target is reported: a forwarded
//! `RegisterModule` is a proxy DLL). Partial sets and stdcall-decorated sets
//! (`_Name@N`, `Name@N`) are reported separately: they would not load.

use super::exports::Export;
use crate::model::Role;

/// Export sets of the native roles: (role, required names, optional names).
pub const EXPORT_ROLES: &[(Role, &[&str], &[&str])] = &[
    (Role::NativeModule, &["RegisterModule"], &[]),
    (
        Role::IsapiExtension,
        &["GetExtensionVersion", "HttpExtensionProc"],
        &["TerminateExtension"],
    ),
    (
        Role::IsapiFilter,
        &["GetFilterVersion", "HttpFilterProc"],
        &["TerminateFilter"],
    ),
];

/// One export that took part in a role decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleExport {
    /// The role it belongs to.
    pub role: Role,
    /// The name as exported (possibly decorated).
    pub name: String,
    /// Its ordinal.
    pub ordinal: u32,
    /// Forwarder target when the export is forwarded.
    pub forwarder: Option<String>,
    /// True when the name is stdcall-decorated (`_Name@N` / `Name@N`).
    pub decorated: bool,
}

/// Roles found in one export table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRoles {
    /// Complete roles: IIS would load this DLL in that role.
    pub roles: Vec<Role>,
    /// Roles of which only part of the export set is present.
    pub incomplete: Vec<Role>,
    /// Roles whose set is complete only counting stdcall-decorated names.
    pub decorated: Vec<Role>,
    /// The exports behind all of the above.
    pub exports: Vec<RoleExport>,
}

/// Strip stdcall decoration: `_Name@12` and `Name@12` give `Name`.
pub fn undecorate(name: &str) -> Option<&str> {
    let (base, digits) = name.rsplit_once('@')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let base = base.strip_prefix('_').unwrap_or(base);
    (!base.is_empty()).then_some(base)
}

/// Decide the native IIS roles of an export list.
pub fn classify(exports: &[Export]) -> ExportRoles {
    let mut out = ExportRoles::default();
    for &(role, required, optional) in EXPORT_ROLES {
        let mut exact = 0usize;
        let mut any_decorated = false;
        let mut complete_with_decorated = true;
        let mut any_present = false;
        for (i, want) in required.iter().chain(optional.iter()).enumerate() {
            let is_required = i < required.len();
            let mut found_exact = false;
            let mut found_decorated = false;
            for e in exports {
                let Some(name) = e.name.as_deref() else {
                    continue;
                };
                let decorated = if name == *want {
                    false
                } else if undecorate(name) == Some(*want) {
                    true
                } else {
                    continue;
                };
                found_exact |= !decorated;
                found_decorated |= decorated;
                out.exports.push(RoleExport {
                    role,
                    name: name.to_owned(),
                    ordinal: e.ordinal,
                    forwarder: e.forwarder.clone(),
                    decorated,
                });
            }
            any_present |= found_exact || found_decorated;
            if is_required {
                if found_exact {
                    exact += 1;
                } else if found_decorated {
                    any_decorated = true;
                } else {
                    complete_with_decorated = false;
                }
            }
        }
        if exact == required.len() {
            out.roles.push(role);
        } else if complete_with_decorated && any_decorated {
            out.decorated.push(role);
        } else if any_present {
            out.incomplete.push(role);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(names: &[&str]) -> Vec<Export> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Export {
                ordinal: i as u32 + 1,
                name: Some(n.to_string()),
                rva: 0x1000,
                forwarder: None,
            })
            .collect()
    }

    #[test]
    fn undecorate_forms() {
        assert_eq!(
            undecorate("_HttpExtensionProc@4"),
            Some("HttpExtensionProc")
        );
        assert_eq!(undecorate("RegisterModule@12"), Some("RegisterModule"));
        assert_eq!(undecorate("RegisterModule"), None);
        assert_eq!(undecorate("Foo@bar"), None);
        assert_eq!(undecorate("_@4"), None);
        assert_eq!(undecorate("Name@"), None);
    }

    #[test]
    fn complete_sets_make_roles() {
        let r = classify(&ex(&[
            "RegisterModule",
            "GetExtensionVersion",
            "HttpExtensionProc",
            "GetFilterVersion",
            "HttpFilterProc",
        ]));
        assert_eq!(
            r.roles,
            vec![Role::NativeModule, Role::IsapiExtension, Role::IsapiFilter]
        );
        assert!(r.incomplete.is_empty() && r.decorated.is_empty());
    }

    #[test]
    fn partial_and_lookalike_sets() {
        let r = classify(&ex(&[
            "HttpExtensionProc",
            "RegisterModuleHelper",
            "MyGetExtensionVersion",
            "TerminateFilter",
        ]));
        assert!(r.roles.is_empty());
        assert_eq!(r.incomplete, vec![Role::IsapiExtension, Role::IsapiFilter]);
    }

    #[test]
    fn decorated_sets_do_not_load() {
        let r = classify(&ex(&[
            "_GetExtensionVersion@4",
            "_HttpExtensionProc@4",
            "RegisterModule@12",
        ]));
        assert!(r.roles.is_empty());
        assert_eq!(r.decorated, vec![Role::NativeModule, Role::IsapiExtension]);
        // Half exact, half decorated: still not loadable.
        let r = classify(&ex(&["GetFilterVersion", "_HttpFilterProc@12"]));
        assert_eq!(r.decorated, vec![Role::IsapiFilter]);
    }

    #[test]
    fn case_matters_and_forwarders_count() {
        let mut e = ex(&["registermodule"]);
        assert!(classify(&e).roles.is_empty());
        e.push(Export {
            ordinal: 9,
            name: Some("RegisterModule".into()),
            rva: 0x2000,
            forwarder: Some("real.RegisterModule".into()),
        });
        let r = classify(&e);
        assert_eq!(r.roles, vec![Role::NativeModule]);
        assert_eq!(
            r.exports[0].forwarder.as_deref(),
            Some("real.RegisterModule")
        );
    }
}
