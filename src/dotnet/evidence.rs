//! Interpretation of the parsed metadata: IIS components (types implementing
//! `System.Web.IHttpModule` & co.), `HttpApplication` event subscriptions,
//! capability evidence from `MemberRef` and `ImplMap` rows, and interesting
//! `#US` strings.
//!
//! Error policy: works only on already-bounded data; walks over `extends`
//! and interface chains are cycle-guarded and capped at
//! [`MAX_BASE_CHAIN`], reporting a cycle as an error.

use std::collections::BTreeSet;

use super::heaps::{walk_user_strings, Heap};
use super::tables::{TYPE_DEF, TYPE_REF};
use super::*;

/// IIS extension interfaces and the component kind each one means.
const IIS_INTERFACES: &[(&str, &str)] = &[
    ("System.Web.IHttpModule", "module"),
    ("System.Web.IHttpHandler", "handler"),
    ("System.Web.IHttpAsyncHandler", "async_handler"),
    ("System.Web.IHttpHandlerFactory", "handler_factory"),
];

fn role_of(kind: &str) -> &'static str {
    if kind == "module" {
        "managed_module"
    } else {
        "managed_handler"
    }
}

/// Interfaces of TypeDef `i` (0-based), including those inherited by
/// locally-defined interfaces, as (full name) strings. Cycle-safe.
fn interface_closure(
    i: usize,
    ifaces: &[Vec<(usize, u32)>],
    names: &[String],
    typeref: &dyn Fn(u32) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<((usize, u32), usize)> = ifaces[i].iter().map(|&x| (x, 0)).collect();
    while let Some(((t, r), depth)) = stack.pop() {
        if seen.len() >= MAX_INTERFACE_CLOSURE {
            break;
        }
        if !seen.insert((t, r)) || depth > MAX_BASE_CHAIN {
            continue;
        }
        match t {
            TYPE_DEF => {
                let j = r as usize - 1;
                if let Some(n) = names.get(j) {
                    out.push(n.clone());
                }
                if let Some(more) = ifaces.get(j) {
                    stack.extend(more.iter().map(|&x| (x, depth + 1)));
                }
            }
            TYPE_REF => out.push(typeref(r)),
            _ => {}
        }
    }
    out
}

/// Finds IIS components among the TypeDefs.
pub(crate) fn components(
    info: &mut DotnetInfo,
    extends: &[Option<(usize, u32)>],
    ifaces: &[Vec<(usize, u32)>],
    errs: &mut Errors,
) {
    // IIS casts a registered type to the interfaces of the real System.Web
    // assembly. An interface only counts when it resolves there: a TypeRef
    // scoped to AssemblyRef "System.Web", or a TypeDef of System.Web itself.
    // A type implementing a home-made `System.Web.IHttpModule` would never load.
    let is_system_web = info
        .assembly
        .as_ref()
        .is_some_and(|a| a.name.eq_ignore_ascii_case("System.Web"));
    let names: Vec<String> = info
        .type_defs
        .iter()
        .map(|t| {
            if is_system_web {
                t.full_name.clone()
            } else {
                String::new()
            }
        })
        .collect();
    let typeref_names: Vec<String> = info
        .type_refs
        .iter()
        .map(|t| {
            let scoped = t
                .scope_assembly
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("System.Web"));
            if scoped {
                t.full_name.clone()
            } else {
                String::new()
            }
        })
        .collect();
    let typeref = |r: u32| {
        typeref_names
            .get((r as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_default()
    };
    // IIS kinds each TypeDef declares itself (own interfaces and their local
    // ancestors), computed once so the extends walk below stays linear.
    let own: Vec<Vec<&'static str>> = (0..info.type_defs.len().min(ifaces.len()))
        .map(|i| {
            let mut k: Vec<&'static str> = Vec::new();
            for name in interface_closure(i, ifaces, &names, &typeref) {
                let found = IIS_INTERFACES.iter().find(|(n, _)| *n == name);
                if let Some((_, kind)) = found.filter(|(_, kind)| !k.contains(kind)) {
                    k.push(kind);
                }
            }
            k
        })
        .collect();
    let mut reported_cycle = BTreeSet::new();
    for (i, td) in info.type_defs.iter().enumerate() {
        if td.is_abstract || td.is_interface || i >= extends.len() || i >= own.len() {
            continue;
        }
        let mut chain = vec![td.full_name.clone()];
        let mut kinds: Vec<String> = Vec::new();
        let mut base_chain = Vec::new();
        let mut cur = i;
        let mut seen = vec![i];
        loop {
            for kind in &own[cur] {
                if !kinds.iter().any(|k| k == kind) {
                    kinds.push(kind.to_string());
                    if base_chain.is_empty() {
                        base_chain = chain.clone();
                    }
                }
            }
            match extends[cur] {
                Some((TYPE_DEF, r)) => {
                    let next = r as usize - 1;
                    if seen.contains(&next) || seen.len() > MAX_BASE_CHAIN {
                        if reported_cycle.insert(i) {
                            errs.push(format!(
                                "TypeDef row {} ({}): Extends chain is cyclic or longer than MAX_BASE_CHAIN",
                                i + 1,
                                td.full_name
                            ));
                        }
                        break;
                    }
                    seen.push(next);
                    chain.push(
                        info.type_defs
                            .get(next)
                            .map(|t| t.full_name.clone())
                            .unwrap_or_default(),
                    );
                    cur = next;
                }
                _ => break,
            }
        }
        if !kinds.is_empty() {
            let mut roles: Vec<String> = Vec::new();
            for k in &kinds {
                let r = role_of(k).to_string();
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
            info.components.push(Component {
                type_name: td.full_name.clone(),
                kinds,
                roles,
                base_chain,
            });
        }
    }
}

/// Windows system DLLs whose P/Invoke use is worth flagging.
const SYSTEM_DLLS: &[&str] = &[
    "kernel32",
    "kernelbase",
    "ntdll",
    "advapi32",
    "user32",
    "ws2_32",
    "wininet",
    "winhttp",
    "crypt32",
    "bcrypt",
    "ncrypt",
    "secur32",
    "psapi",
    "dbghelp",
    "shell32",
    "ole32",
    "oleaut32",
    "msvcrt",
    "netapi32",
    "iphlpapi",
    "urlmon",
    "wtsapi32",
    "userenv",
    "rpcrt4",
    "dnsapi",
    "mpr",
    "samlib",
    "wldap32",
];

/// True for a Windows system DLL name (case-insensitive, `.dll` optional).
pub(crate) fn is_system_dll(module: &str) -> bool {
    let m = module.to_ascii_lowercase();
    let m = m.strip_suffix(".dll").unwrap_or(&m);
    SYSTEM_DLLS.contains(&m)
}

/// Capability of a (parent full name, member name) pair, if any.
fn capability(class: &str, member: &str) -> Option<&'static str> {
    let class = class.split('<').next().unwrap_or(class);
    Some(match (class, member) {
        ("System.Diagnostics.Process", "Start") | ("System.Diagnostics.ProcessStartInfo", _) => {
            "process_creation"
        }
        (
            "System.Reflection.Assembly",
            "Load" | "LoadFrom" | "LoadFile" | "UnsafeLoadFrom" | "LoadWithPartialName",
        )
        | ("System.AppDomain", "Load" | "ExecuteAssembly")
        | ("System.Activator", "CreateInstance")
        | ("System.Reflection.MethodInfo" | "System.Reflection.MethodBase", "Invoke")
        | ("System.Type", "InvokeMember") => "assembly_loading",
        ("System.Convert", "FromBase64String" | "ToBase64String")
        | ("System.IO.Compression.GZipStream" | "System.IO.Compression.DeflateStream", _) => {
            "base64_compression"
        }
        (
            "System.Net.WebClient"
            | "System.Net.HttpWebRequest"
            | "System.Net.WebRequest"
            | "System.Net.Http.HttpClient",
            _,
        )
        | ("System.Net.Sockets.Socket" | "System.Net.Sockets.TcpClient", _) => "network",
        (
            "System.IO.File",
            "WriteAllBytes" | "WriteAllText" | "AppendAllText" | "WriteAllLines" | "AppendAllLines",
        )
        | ("System.IO.FileStream" | "System.IO.StreamWriter", ".ctor") => "file_write",
        (c, _) if c.starts_with("System.Security.Cryptography.") => "cryptography",
        (c, _) if c.starts_with("Microsoft.Win32.Registry") => "registry",
        _ => return None,
    })
}

fn add_evidence(info: &mut DotnetInfo, cap: &str, ev: String) {
    let list = info.capabilities.entry(cap.to_string()).or_default();
    if list.len() < MAX_EVIDENCE_PER_CAPABILITY && !list.contains(&ev) {
        list.push(ev);
    }
}

/// HTTP event subscriptions and capability evidence from MemberRef / ImplMap.
pub(crate) fn member_evidence(info: &mut DotnetInfo) {
    let refs: Vec<(String, String)> = info
        .member_refs
        .iter()
        .map(|m| (m.class.clone(), m.name.clone()))
        .collect();
    for (class, name) in refs {
        if class == "System.Web.HttpApplication"
            && name.starts_with("add_")
            && !info.http_events.contains(&name)
        {
            info.http_events.push(name.clone());
        }
        if let Some(cap) = capability(&class, &name) {
            add_evidence(info, cap, format!("{class}::{name}"));
        }
    }
    let pinv: Vec<String> = info
        .pinvokes
        .iter()
        .map(|p| format!("{}!{}", p.module, p.import_name))
        .collect();
    for p in pinv {
        add_evidence(info, "pinvoke", p);
    }
}

fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// Reasons a user string looks like evidence (empty when it does not).
pub(crate) fn string_reasons(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut r = Vec::new();
    if lower.contains("cmd.exe") || lower.contains("powershell") {
        r.push("command_shell");
    }
    let b = lower.as_bytes();
    // `C:\` with the letter not part of a word or an escape (`[\w:\.]` is a regex, not a path)
    let drive = (0..b.len().saturating_sub(2)).any(|i| {
        b[i].is_ascii_alphabetic()
            && b[i + 1] == b':'
            && b[i + 2] == b'\\'
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'\\' || b[i - 1] == b'_'))
    });
    if drive || lower.contains("\\windows\\temp") {
        r.push("windows_path");
    }
    let header = s.len() > 2
        && s.len() <= 64
        && (s.starts_with("X-") || s.starts_with("x-"))
        && s[2..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if header {
        r.push("http_header");
    }
    if lower.contains("pass") {
        r.push("credential_keyword");
    }
    if lower.contains("cookie") {
        r.push("cookie_keyword");
    }
    let mut run = 0usize;
    let mut best = 0usize;
    for c in s.chars() {
        run = if is_b64(c) { run + 1 } else { 0 };
        best = best.max(run);
    }
    if best >= 40 {
        r.push("base64_blob");
    }
    r.into_iter().map(String::from).collect()
}

/// Counts `#US` strings and keeps the interesting ones.
pub(crate) fn user_strings(info: &mut DotnetInfo, errs: &mut Errors, us: &Heap<'_>) {
    let mut kept = Vec::new();
    let (count, err) = walk_user_strings(us, MAX_USER_STRINGS, 4096, |s| {
        if kept.len() >= MAX_INTERESTING_STRINGS {
            return;
        }
        let reasons = string_reasons(&s);
        if !reasons.is_empty() {
            let value: String = s.chars().take(MAX_INTERESTING_STRING_CHARS).collect();
            kept.push(InterestingString { value, reasons });
        }
    });
    info.user_string_count = count;
    info.interesting_strings = kept;
    if let Some(e) = err {
        errs.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(string_reasons("X-Chrome-Variations"), vec!["http_header"]);
        assert!(string_reasons("C:\\Windows\\Temp\\creds.db").contains(&"windows_path".to_string()));
        assert!(string_reasons("/c cmd.exe").contains(&"command_shell".to_string()));
        assert!(string_reasons(&"QUJD".repeat(11)).contains(&"base64_blob".to_string()));
        assert!(string_reasons("hello world").is_empty());
        assert!(string_reasons("</[\\w:\\.]+\\s*?>").is_empty());
        assert!(string_reasons("path=d:\\inetpub").contains(&"windows_path".to_string()));
        assert!(is_system_dll("KERNEL32.dll"));
        assert!(!is_system_dll("mylib"));
        assert_eq!(
            capability("System.Diagnostics.Process", "Start"),
            Some("process_creation")
        );
        assert_eq!(
            capability("System.Security.Cryptography.Aes", "Create"),
            Some("cryptography")
        );
        assert_eq!(capability("System.String", "Concat"), None);
    }
}
