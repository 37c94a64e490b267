//! Interpretation of the parsed metadata: IIS components (types implementing
//! `System.Web.IHttpModule` & co.), `HttpApplication` event subscriptions,
//! capability evidence from `MemberRef` and `ImplMap` rows, and interesting
//! `#US` strings.
//!
//! Error policy: works only on already-bounded data; walks over `extends`
//! and interface chains are cycle-guarded and capped at
//! [`MAX_BASE_CHAIN`], reporting a cycle as an error.

use std::collections::HashSet;

use super::facts::{Component, DotnetInfo, InterestingString};
use super::heaps::{walk_user_strings, Heap};
use super::limits::{
    MAX_BASE_CHAIN, MAX_EVIDENCE_PER_CAPABILITY, MAX_INTERESTING_STRINGS,
    MAX_INTERESTING_STRING_CHARS, MAX_INTERFACE_CLOSURE, MAX_USER_STRINGS,
};
use super::model::Model;
use super::tables::{TYPE_DEF, TYPE_REF};
use crate::model::Role;
use crate::util::Problems;

/// IIS extension interfaces and the component kind each one means.
const IIS_INTERFACES: &[(&str, &str)] = &[
    ("System.Web.IHttpModule", "module"),
    ("System.Web.IHttpHandler", "handler"),
    ("System.Web.IHttpAsyncHandler", "async_handler"),
    ("System.Web.IHttpHandlerFactory", "handler_factory"),
];

fn role_of(kind: &str) -> Role {
    if kind == "module" {
        Role::ManagedModule
    } else {
        Role::ManagedHandler
    }
}

impl Model<'_, '_> {
    /// IIS kind of interface `(table, row)` when it resolves to the real
    /// System.Web: a TypeRef scoped to AssemblyRef "System.Web", or a TypeDef
    /// when this assembly is System.Web itself. IIS casts a registered type to
    /// System.Web's interfaces, so a home-made `System.Web.IHttpModule` does
    /// not count (it would never load).
    fn iface_kind(&mut self, t: usize, r: u32, is_system_web: bool) -> Option<&'static str> {
        let i = (r as usize).wrapping_sub(1);
        let mut buf = std::mem::take(&mut self.scratch);
        let named = match t {
            TYPE_DEF if is_system_web && i < self.typedefs.simple.len() => {
                self.typedefs.full_into(i, &mut buf);
                true
            }
            TYPE_REF
                if i < self.typerefs.simple.len()
                    && self
                        .typeref_assembly(i)
                        .is_some_and(|a| a.eq_ignore_ascii_case("System.Web")) =>
            {
                self.typerefs.full_into(i, &mut buf);
                true
            }
            _ => false,
        };
        let kind = named
            .then(|| IIS_INTERFACES.iter().find(|(n, _)| *n == buf))
            .flatten()
            .map(|(_, k)| *k);
        self.scratch = buf;
        kind
    }

    /// IIS kinds TypeDef `i` (0-based) declares itself: its interfaces and
    /// those inherited by locally-defined interfaces, in discovery order.
    /// Cycle-safe; `seen` and `stack` are reused scratch space.
    fn own_kinds(
        &mut self,
        i: usize,
        is_system_web: bool,
        seen: &mut HashSet<(usize, u32)>,
        stack: &mut Vec<((usize, u32), usize)>,
    ) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = Vec::new();
        seen.clear();
        stack.clear();
        stack.extend(self.ifaces_raw[i].iter().map(|&x| (x, 0)));
        while let Some(((t, r), depth)) = stack.pop() {
            if seen.len() >= MAX_INTERFACE_CLOSURE {
                break;
            }
            if !seen.insert((t, r)) || depth > MAX_BASE_CHAIN {
                continue;
            }
            if let Some(kind) = self.iface_kind(t, r, is_system_web) {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            if t == TYPE_DEF {
                if let Some(more) = self.ifaces_raw.get(r as usize - 1) {
                    stack.extend(more.iter().map(|&x| (x, depth + 1)));
                }
            }
        }
        kinds
    }

    /// Finds IIS components among the TypeDefs: concrete types implementing
    /// an IIS interface themselves or through local base classes.
    pub(crate) fn components(&mut self, info: &mut DotnetInfo) {
        let is_system_web = info
            .assembly
            .as_ref()
            .is_some_and(|a| a.name.eq_ignore_ascii_case("System.Web"));
        let n = self
            .typedefs
            .simple
            .len()
            .min(self.ifaces_raw.len())
            .min(self.extends_raw.len())
            .min(self.typedef_flags.len());
        let mut seen = HashSet::new();
        let mut stack = Vec::new();
        // Own kinds once per TypeDef, so the extends walks below stay linear.
        let own: Vec<Vec<&'static str>> = (0..n)
            .map(|i| {
                if self.ifaces_raw[i].is_empty() {
                    Vec::new()
                } else {
                    self.own_kinds(i, is_system_web, &mut seen, &mut stack)
                }
            })
            .collect();
        if own.iter().all(Vec::is_empty) {
            return;
        }
        // `stamp[j] == i + 1` marks TypeDef j as on the chain walked from i.
        let mut stamp = vec![0usize; n];
        let mut chain: Vec<usize> = Vec::new();
        for i in 0..n {
            let flags = self.typedef_flags[i];
            if flags & 0x80 != 0 || flags & 0x20 != 0 {
                continue; // abstract or interface: IIS cannot instantiate it
            }
            chain.clear();
            chain.push(i);
            stamp[i] = i + 1;
            let mut kinds: Vec<&'static str> = Vec::new();
            let mut base_len = 0;
            let mut cur = i;
            loop {
                for &kind in &own[cur] {
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                        if base_len == 0 {
                            base_len = chain.len();
                        }
                    }
                }
                match self.extends_raw[cur] {
                    Some((TYPE_DEF, r)) if (r as usize) <= n => {
                        let next = r as usize - 1;
                        if stamp[next] == i + 1 || chain.len() > MAX_BASE_CHAIN {
                            self.errs.push(format!(
                                "TypeDef row {} ({}): Extends chain is cyclic or longer than MAX_BASE_CHAIN",
                                i + 1,
                                self.typedefs.full(i)
                            ));
                            break;
                        }
                        stamp[next] = i + 1;
                        chain.push(next);
                        cur = next;
                    }
                    _ => break,
                }
            }
            if kinds.is_empty() {
                continue;
            }
            let mut roles: Vec<Role> = Vec::new();
            for k in &kinds {
                let r = role_of(k);
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
            info.components.push(Component {
                type_name: self.typedefs.full(i),
                kinds,
                roles,
                base_chain: chain[..base_len]
                    .iter()
                    .map(|&j| self.typedefs.full(j))
                    .collect(),
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
    let class = class.find('<').map_or(class, |i| &class[..i]);
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

fn add_evidence(info: &mut DotnetInfo, cap: &'static str, ev: String) {
    let list = info.capabilities.entry(cap).or_default();
    if list.len() < MAX_EVIDENCE_PER_CAPABILITY && !list.contains(&ev) {
        list.push(ev);
    }
}

/// True when members of `class` can be evidence (a superset of the classes
/// [`member_ref`] looks at), so other members' names need not be decoded.
pub(crate) fn class_of_interest(class: &str) -> bool {
    class.starts_with("System.") || class.starts_with("Microsoft.Win32.")
}

/// HTTP event subscription and capability evidence from one MemberRef
/// (parent full name, member name).
pub(crate) fn member_ref(info: &mut DotnetInfo, class: &str, name: &str) {
    if class == "System.Web.HttpApplication"
        && name.starts_with("add_")
        && !info.http_events.iter().any(|e| e == name)
    {
        info.http_events.push(name.to_string());
    }
    if let Some(cap) = capability(class, name) {
        add_evidence(info, cap, format!("{class}::{name}"));
    }
}

/// Capability evidence from the ImplMap (P/Invoke) rows already read.
pub(crate) fn pinvoke_evidence(info: &mut DotnetInfo) {
    let pinv: Vec<String> = info
        .pinvokes
        .iter()
        .map(|p| format!("{}!{}", p.module, p.import_name))
        .collect();
    for p in pinv {
        add_evidence(info, "pinvoke", p);
    }
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

/// Reasons a user string looks like evidence (empty when it does not).
#[cfg(test)]
pub(crate) fn string_reasons(s: &str) -> Vec<&'static str> {
    let folded: Vec<u8> = s.chars().map(fold).collect();
    folded_reasons(&folded)
}

/// One byte per character: ASCII as is, anything else 0xFF (which no check
/// below matches).
#[cfg(test)]
fn fold(c: char) -> u8 {
    if c.is_ascii() {
        c as u8
    } else {
        0xFF
    }
}

/// [`string_reasons`] over a folded string (see [`fold`]). Allocates only
/// when there is a reason.
fn folded_reasons(b: &[u8]) -> Vec<&'static str> {
    let at = |i: usize, needle: &[u8]| {
        b.get(i..i + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    };
    let (mut shell, mut path, mut cred, mut cookie) = (false, false, false, false);
    let (mut run, mut best) = (0usize, 0usize);
    // One pass; each needle is tried only where its first byte occurs.
    for (i, &c) in b.iter().enumerate() {
        match c.to_ascii_lowercase() {
            b'c' => {
                shell = shell || at(i, b"cmd.exe");
                cookie = cookie || at(i, b"cookie");
            }
            b'p' => {
                shell = shell || at(i, b"powershell");
                cred = cred || at(i, b"pass");
            }
            b'\\' => path = path || at(i, b"\\windows\\temp"),
            // `C:\` with the letter not part of a word or an escape
            // (`[\w:\.]` is a regex, not a path)
            b':' if !path && i >= 1 && b.get(i + 1) == Some(&b'\\') => {
                let letter = b[i - 1];
                let before = i.checked_sub(2).map(|j| b[j]);
                path = letter.is_ascii_alphabetic()
                    && !before
                        .is_some_and(|p| p.is_ascii_alphanumeric() || p == b'\\' || p == b'_');
            }
            _ => {}
        }
        run = if is_b64(c) { run + 1 } else { 0 };
        best = best.max(run);
    }
    let header = b.len() > 2
        && b.len() <= 64
        && (b.starts_with(b"X-") || b.starts_with(b"x-"))
        && b[2..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    let mut r: Vec<&'static str> = Vec::new();
    for (hit, name) in [
        (shell, "command_shell"),
        (path, "windows_path"),
        (header, "http_header"),
        (cred, "credential_keyword"),
        (cookie, "cookie_keyword"),
        (best >= 40, "base64_blob"),
    ] {
        if hit {
            r.push(name);
        }
    }
    r
}

/// Quick filter over UTF-16LE `units`: false only when [`folded_reasons`]
/// would find nothing. Every reason needs a base64 run of 40, an `X-`
/// prefix, or one of the bigrams that start its needles (`cm`, `co`, `po`,
/// `pa`, `:\\`, `\\w`), compared case-insensitively.
fn may_have_reasons(units: &[u8]) -> bool {
    let lo = |k: usize| {
        let (l, h) = (units[2 * k], units[2 * k + 1]);
        if h == 0 && l < 0x80 {
            l | 0x20 // ASCII lowercase for letters; ':' stays, '\\' becomes '|'
        } else {
            0
        }
    };
    let n = units.len() / 2;
    if n >= 2 && lo(0) == b'x' && lo(1) == b'-' | 0x20 {
        return true;
    }
    let mut prev = 0u8;
    let mut run = 0usize;
    for k in 0..n {
        let c = lo(k);
        // The fold keeps every base64 character a base64 character (letters
        // become lowercase); a few controls fold into digits, which only
        // makes the filter accept more.
        run = if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=') {
            run + 1
        } else {
            0
        };
        if run >= 40 {
            return true;
        }
        if matches!(
            (prev, c),
            (b'c', b'm') | (b'c', b'o') | (b'p', b'o') | (b'p', b'a') | (b':', b'|') | (b'|', b'w')
        ) {
            return true;
        }
        prev = c;
    }
    false
}

/// Counts `#US` strings and keeps the interesting ones. Checks run on the
/// UTF-16 code units folded to bytes in one reused buffer; only kept
/// strings are decoded.
pub(crate) fn user_strings(info: &mut DotnetInfo, errs: &mut Problems, us: &Heap<'_>) {
    let mut kept = Vec::new();
    let mut folded: Vec<u8> = Vec::new();
    let (count, err) = walk_user_strings(us, MAX_USER_STRINGS, 4096, |units| {
        if kept.len() >= MAX_INTERESTING_STRINGS {
            return;
        }
        if !may_have_reasons(units) {
            return;
        }
        folded.clear();
        folded.extend(units.chunks_exact(2).map(|c| {
            let u = u16::from_le_bytes([c[0], c[1]]);
            if u < 0x80 {
                u as u8
            } else {
                0xFF
            }
        }));
        let reasons = folded_reasons(&folded);
        if !reasons.is_empty() {
            let value: String = char::decode_utf16(
                units
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            )
            .map(|r| r.unwrap_or('\u{FFFD}'))
            .take(MAX_INTERESTING_STRING_CHARS)
            .collect();
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
        assert!(string_reasons("C:\\Windows\\Temp\\creds.db").contains(&"windows_path"));
        assert!(string_reasons("/c cmd.exe").contains(&"command_shell"));
        assert!(string_reasons(&"QUJD".repeat(11)).contains(&"base64_blob"));
        assert!(string_reasons("hello world").is_empty());
        assert!(string_reasons("</[\\w:\\.]+\\s*?>").is_empty());
        assert!(string_reasons("path=d:\\inetpub").contains(&"windows_path"));
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

    /// The quick filter never hides a string the full check would keep.
    #[test]
    fn filter_keeps_every_reason() {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let samples = [
            "X-Chrome-Variations",
            "x-a",
            "C:\\Windows\\Temp\\creds.db",
            "path=d:\\inetpub",
            "/c CMD.EXE",
            "PowerShell -enc",
            "Password",
            "ASP.NET_SessionId cookie",
            "\\WINDOWS\\TEMP",
            &"QUJD".repeat(11),
            "hello world",
            "</[\\w:\\.]+\\s*?>",
            "Ünïcödé pass",
        ];
        for s in samples {
            let full = !string_reasons(s).is_empty();
            assert!(!full || may_have_reasons(&utf16(s)), "{s:?}");
        }
        assert!(!may_have_reasons(&utf16("hello world")));
        assert!(!may_have_reasons(&utf16("Value cannot be null.")));
    }
}
