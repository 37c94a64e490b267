//! The rule globals, declared once: name, type, meaning, and how each
//! file's value is computed from its facts. The compiler defines them, the
//! scanner sets them per file, the reasons of a verdict quote the ones a
//! rule mentions, `iisweep rules globals` lists them, and a test checks
//! that `signatures/README.md` documents every one. Adding a global is one
//! entry in [`GLOBALS`].

use std::path::Path;

use crate::model::{FactValue, Facts, RegistrationRef, Role};
use crate::util::path::{extension, file_name_lower};

/// What a file's global values are computed from.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The path as walked or given.
    pub path: &'a Path,
    /// The file's facts.
    pub facts: &'a Facts,
    /// The server registrations that load it.
    pub registrations: &'a [RegistrationRef],
}

/// How a global's value is computed.
#[derive(Clone, Copy)]
pub enum Getter {
    /// A boolean global.
    Bool(fn(&Subject<'_>) -> bool),
    /// A string global.
    Str(fn(&Subject<'_>) -> String),
}

/// One rule global.
#[derive(Clone, Copy)]
pub struct Global {
    /// Identifier in rule conditions.
    pub name: &'static str,
    /// What it means, as `signatures/README.md` documents it.
    pub doc: &'static str,
    /// How its value is computed.
    pub get: Getter,
}

impl std::fmt::Debug for Global {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Global").field("name", &self.name).finish()
    }
}

impl Global {
    const fn bool(name: &'static str, doc: &'static str, f: fn(&Subject<'_>) -> bool) -> Global {
        Global {
            name,
            doc,
            get: Getter::Bool(f),
        }
    }

    const fn string(
        name: &'static str,
        doc: &'static str,
        f: fn(&Subject<'_>) -> String,
    ) -> Global {
        Global {
            name,
            doc,
            get: Getter::Str(f),
        }
    }

    /// `bool` or `string`.
    pub fn type_name(&self) -> &'static str {
        match self.get {
            Getter::Bool(_) => "bool",
            Getter::Str(_) => "string",
        }
    }

    /// The value for one file.
    pub fn value(&self, s: &Subject<'_>) -> FactValue {
        match self.get {
            Getter::Bool(f) => FactValue::Bool(f(s)),
            Getter::Str(f) => FactValue::Str(f(s)),
        }
    }

    /// The value every global has before a file sets it (`false`, `""`).
    pub fn default_value(&self) -> FactValue {
        match self.get {
            Getter::Bool(_) => FactValue::Bool(false),
            Getter::Str(_) => FactValue::Str(String::new()),
        }
    }
}

fn signature<'a>(s: &Subject<'a>) -> Option<&'a crate::authenticode::CodeSignature> {
    s.facts.code_signature.as_ref()
}

/// Every global, in the order rules see them.
pub static GLOBALS: &[Global] = &[
    Global::bool("iis_native_module", "exports `RegisterModule` (as IIS would find it)", |s| {
        s.facts.has_role(Role::NativeModule)
    }),
    Global::bool("iis_isapi_extension", "exports `GetExtensionVersion` + `HttpExtensionProc`", |s| {
        s.facts.has_role(Role::IsapiExtension)
    }),
    Global::bool("iis_isapi_filter", "exports `GetFilterVersion` + `HttpFilterProc`", |s| {
        s.facts.has_role(Role::IsapiFilter)
    }),
    Global::bool(
        "iis_managed_module",
        "a .NET class implements `System.Web.IHttpModule` (following base classes)",
        |s| s.facts.has_role(Role::ManagedModule),
    ),
    Global::bool(
        "iis_managed_handler",
        "a .NET class implements `IHttpHandler` / `IHttpAsyncHandler`",
        |s| s.facts.has_role(Role::ManagedHandler),
    ),
    Global::bool("iis_component", "any of the above", |s| s.facts.is_component()),
    Global::bool(
        "iis_near_miss",
        "exports part of a role's export set, or the set only under stdcall-decorated names (IIS would not load it in that role)",
        |s| s.facts.is_near_miss(),
    ),
    Global::bool("is_dotnet", "has .NET metadata", |s| {
        s.facts.pe.as_ref().is_some_and(|p| p.is_dotnet())
    }),
    Global::bool(
        "is_signed",
        "has an Authenticode certificate table (proves nothing by itself)",
        |s| s.facts.pe.as_ref().is_some_and(|p| p.has_certificate_table()),
    ),
    Global::bool(
        "signature_valid",
        "the primary signature verifies against the file: image digest, message digest and signer signature",
        |s| signature(s).is_some_and(|c| c.digest_valid && c.signature_valid),
    ),
    Global::bool(
        "chain_trusted",
        "`signature_valid` and the signer chains, each link verified, to an embedded root (`src/authenticode/roots/ROOTS.md`) or a `--trust-root`",
        |s| signature(s).is_some_and(|c| c.chain_trusted),
    ),
    Global::bool(
        "microsoft_signed",
        "some signature (primary or nested) is valid and chains to a Microsoft code-signing root; a certificate that only says \"Microsoft\" does not count",
        |s| signature(s).is_some_and(|c| c.microsoft_signed),
    ),
    Global::bool(
        "iis_registered",
        "the server's configuration registers the file (a global module, module, ISAPI filter, handler, CGI or FastCGI program)",
        |s| !s.registrations.is_empty(),
    ),
    Global::string(
        "iis_registered_as",
        "how it is registered: the registration kinds, comma-separated and sorted (`global_module,module`), `\"\"` if not",
        |s| {
            let mut k: Vec<&str> = s.registrations.iter().map(|r| r.kind).collect();
            k.sort_unstable();
            k.dedup();
            k.join(",")
        },
    ),
    Global::bool(
        "iis_registered_enabled",
        "some registration of the file is in effect (a global module some application enables, an enabled filter, a module, handler or program)",
        |s| s.registrations.iter().any(|r| r.enabled != Some(false)),
    ),
    Global::bool(
        "request_input",
        "a request handler reads request input: a managed entry point reaches a request accessor (headers, cookies, form, query, body, server variables), or the file has a native role (its export is handed the request)",
        |s| s.facts.request_input(),
    ),
    Global::bool(
        "request_decodes",
        "a request handler that reads input also decodes (base64, decompression, decryption)",
        |s| s.facts.request_reaches("decodes"),
    ),
    Global::bool(
        "request_runs_process",
        "a request handler that reads input also starts processes (directly, or through reflection on a type name it builds)",
        |s| s.facts.request_reaches("runs_process"),
    ),
    Global::bool(
        "request_loads_code",
        "a request handler that reads input also loads assemblies or compiles code",
        |s| s.facts.request_reaches("loads_code"),
    ),
    Global::bool(
        "request_injects",
        "a request handler that reads input also writes code into another process and runs it (P/Invoke or imports: VirtualAllocEx/WriteProcessMemory with CreateRemoteThread/QueueUserAPC)",
        |s| s.facts.request_reaches("pinvoke_injection"),
    ),
    Global::bool(
        "request_writes_files",
        "a request handler that reads input also writes files",
        |s| s.facts.request_reaches("writes_files"),
    ),
    Global::bool(
        "request_network",
        "a request handler that reads input also opens outbound connections",
        |s| s.facts.request_reaches("network_egress"),
    ),
    Global::bool(
        "request_rewrites_response",
        "a module's request path that reads input also writes the body, status, filter or location of the response (managed only; adding a header does not count, nor a handler writing its own response)",
        |s| s.facts.request_reaches("rewrites_response"),
    ),
    Global::bool(
        "request_credentials",
        "a request handler reads credential fields (form, server variables or body beside password-like field names)",
        |s| s.facts.request_reaches("reads_credentials"),
    ),
    Global::bool(
        "request_decode_load",
        "one request handler reads input, decodes and loads code: the combination the code-loading backdoors need",
        |s| s.facts.request_combo(&["decodes", "loads_code"], &[]),
    ),
    Global::bool(
        "request_decode_run",
        "one request handler reads input, decodes and starts processes",
        |s| s.facts.request_combo(&["decodes", "runs_process"], &[]),
    ),
    Global::bool(
        "request_credentials_out",
        "one request handler reads credential fields and writes files or opens outbound connections",
        |s| s.facts.request_combo(&["reads_credentials"], &["writes_files", "network_egress"]),
    ),
    Global::bool(
        "request_fetch_rewrite",
        "one module request path reads input, opens outbound connections and rewrites the response",
        |s| s.facts.request_combo(&["network_egress", "rewrites_response"], &[]),
    ),
    Global::string(
        "capabilities",
        "every capability the file has anywhere, reached from a handler or not, comma-separated and sorted (`network_egress,runs_process`)",
        |s| s.facts.capabilities().join(","),
    ),
    Global::string(
        "http_events",
        "the `HttpApplication` events the file subscribes to, comma-separated in file order (`add_BeginRequest,add_EndRequest`)",
        |s| {
            s.facts
                .dotnet
                .as_ref()
                .map(|d| d.http_events.join(","))
                .unwrap_or_default()
        },
    ),
    Global::string(
        "custom_request_names",
        "custom header names (`X-…`, standard ones excluded) the component reads or sets, comma-separated",
        |s| s.facts.custom_request_names().join(","),
    ),
    Global::string(
        "reflection_names",
        "type names a managed component passes to reflection, after folding constant concatenations, comma-separated",
        |s| {
            s.facts
                .dotnet
                .as_ref()
                .and_then(|d| d.behaviour.as_ref())
                .map(|b| b.reflection_names.join(","))
                .unwrap_or_default()
        },
    ),
    Global::string("file_name", "base name, lowercased", |s| file_name_lower(s.path)),
    Global::string("file_ext", "extension, lowercased, without the dot, `\"\"` if none", |s| {
        extension(s.path).unwrap_or_default()
    }),
    Global::string("file_path", "full path as given", |s| {
        s.path.to_str().unwrap_or("").to_string()
    }),
];

/// The value of every global for one file, in [`GLOBALS`] order.
pub fn values(s: &Subject<'_>) -> Vec<FactValue> {
    GLOBALS.iter().map(|g| g.value(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_identifiers() {
        let mut seen = std::collections::BTreeSet::new();
        for g in GLOBALS {
            assert!(seen.insert(g.name), "{} declared twice", g.name);
            assert!(g
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
            assert!(!g.doc.is_empty());
        }
    }

    /// `signatures/README.md` documents every global with its type.
    #[test]
    fn the_pack_readme_documents_every_global() {
        let readme = include_str!("../../signatures/README.md");
        for g in GLOBALS {
            let row = format!("| `{}` | {} | {} |", g.name, g.type_name(), g.doc);
            assert!(
                readme.contains(&row),
                "signatures/README.md lacks the row {row:?}"
            );
        }
    }

    #[test]
    fn values_follow_the_facts() {
        let facts = Facts {
            roles: vec![Role::IsapiFilter],
            ..Facts::default()
        };
        let regs = [RegistrationRef {
            kind: "isapi_filter",
            name: Some("F".into()),
            config: "/img/Windows/System32/inetsrv/config/applicationHost.config".into(),
            line: 3,
            scope: String::new(),
            enabled: Some(false),
        }];
        let v = values(&Subject {
            path: Path::new("/srv/Bin/Filter.DLL"),
            facts: &facts,
            registrations: &regs,
        });
        let get = |n: &str| &v[GLOBALS.iter().position(|g| g.name == n).unwrap()];
        assert_eq!(get("iis_isapi_filter"), &FactValue::Bool(true));
        assert_eq!(get("iis_component"), &FactValue::Bool(true));
        assert_eq!(get("iis_native_module"), &FactValue::Bool(false));
        assert_eq!(get("file_name"), &FactValue::Str("filter.dll".into()));
        assert_eq!(get("file_ext"), &FactValue::Str("dll".into()));
        assert_eq!(
            get("file_path"),
            &FactValue::Str("/srv/Bin/Filter.DLL".into())
        );
    }
}
