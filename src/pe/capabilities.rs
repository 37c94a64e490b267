//! What a native component can do, from its imports, and the request
//! names it carries, from its strings.
//!
//! Imports: each function maps to at most one capability (process creation,
//! the injection triad, network, crypto, registry, service control, file
//! writes, credentials). Evidence is `DLL!Function` as the file writes the
//! DLL name. Injection is established only with both halves: writing into
//! another process and running code there. Decryption, base64 and
//! decompression functions are `decodes`; the rest of the crypto APIs
//! `cryptography`.
//!
//! Strings: the header, cookie, server-variable and form-field names a
//! component could read or answer with, found as ASCII or UTF-16LE strings:
//! `X-…` header names, `HTTP_…` / `AUTH_…` / `CERT_…` server variables, and
//! credential field names. Not a fixed list of published names.
//!
//! Why no disassembly: see `docs/decisions.md` ("Native capabilities from
//! imports, not from disassembly").

use std::collections::BTreeMap;

use super::ImportedDll;

/// Functions that write code into another process.
pub const INJECTION_WRITE: &[&str] = &[
    "VirtualAllocEx",
    "WriteProcessMemory",
    "NtWriteVirtualMemory",
    "NtMapViewOfSection",
];
/// Functions that run code in another process.
pub const INJECTION_RUN: &[&str] = &[
    "CreateRemoteThread",
    "CreateRemoteThreadEx",
    "QueueUserAPC",
    "NtQueueApcThread",
    "NtCreateThreadEx",
    "RtlCreateUserThread",
    "SetThreadContext",
];
/// Functions that go with injection but do not inject by themselves.
const INJECTION_OTHER: &[&str] = &["OpenProcess", "ResumeThread", "NtUnmapViewOfSection"];

/// `function` without the `A`/`W` suffix of the APIs that have both.
fn base_name(function: &str) -> &str {
    function
        .strip_suffix('A')
        .or_else(|| function.strip_suffix('W'))
        .unwrap_or(function)
}

/// Capability of a Windows API function by name alone, whoever imports it
/// (a native import or a .NET P/Invoke): process creation, injection,
/// credentials.
pub fn api_capability(function: &str) -> Option<&'static str> {
    let f = base_name(function);
    if [INJECTION_WRITE, INJECTION_RUN, INJECTION_OTHER]
        .iter()
        .any(|l| l.contains(&function) || l.contains(&f))
    {
        return Some("pinvoke_injection");
    }
    Some(match f {
        "CreateProcess"
        | "CreateProcessAsUser"
        | "CreateProcessWithLogon"
        | "CreateProcessWithToken"
        | "WinExec"
        | "ShellExecute"
        | "ShellExecuteEx"
        | "CreatePipe" => "runs_process",
        "LogonUser"
        | "CredRead"
        | "CredEnumerate"
        | "LsaRetrievePrivateData"
        | "AcceptSecurityContext" => "reads_credentials",
        _ => return None,
    })
}

/// True when `evidence` (`DLL!Function` strings) holds both halves of
/// injection: writing into another process and running code there.
pub fn injection_complete<'e>(evidence: impl IntoIterator<Item = &'e String>) -> bool {
    let (mut writes, mut runs) = (false, false);
    for e in evidence {
        let f = e.rsplit('!').next().unwrap_or("");
        writes |= INJECTION_WRITE.contains(&f);
        runs |= INJECTION_RUN.contains(&f);
    }
    writes && runs
}

/// Capability of one imported function.
fn capability(dll: &str, function: &str) -> Option<&'static str> {
    let dll = dll.to_ascii_lowercase();
    let dll = dll.strip_suffix(".dll").unwrap_or(&dll);
    if let Some(c) = api_capability(function) {
        return Some(c);
    }
    let f = base_name(function);
    Some(match (dll, f) {
        (
            "ws2_32" | "wsock32",
            "connect" | "WSAConnect" | "socket" | "WSASocket" | "send" | "sendto",
        )
        | ("wininet", _)
        | ("winhttp", _)
        | ("urlmon", "URLDownloadToFile" | "URLOpenBlockingStream") => "network_egress",
        ("advapi32", "CryptDecrypt")
        | ("bcrypt", "BCryptDecrypt")
        | ("ncrypt", "NCryptDecrypt")
        | ("crypt32", "CryptStringToBinary" | "CryptUnprotectData")
        | ("cabinet", "Decompress")
        | ("ntdll", "RtlDecompressBuffer" | "RtlDecompressBufferEx") => "decodes",
        ("bcrypt" | "ncrypt", _) => "cryptography",
        ("advapi32", cf) if cf.starts_with("Crypt") => "cryptography",
        ("crypt32", "CryptProtectData") => "cryptography",
        ("advapi32", rf) if rf.starts_with("RegSetValue") || rf.starts_with("RegCreateKey") => {
            "registry"
        }
        (
            "advapi32",
            "OpenSCManager"
            | "CreateService"
            | "StartService"
            | "ChangeServiceConfig"
            | "ControlService"
            | "DeleteService",
        ) => "service_control",
        ("kernel32" | "kernelbase", "WriteFile" | "CreateFile") => "writes_files",
        _ => return None,
    })
}

/// Capability -> `DLL!Function` evidence, over regular and delay imports.
pub fn from_imports(lists: &[&[ImportedDll]]) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for dll in lists.iter().flat_map(|l| l.iter()) {
        for f in &dll.functions {
            let Some(name) = &f.name else { continue };
            if let Some(cap) = capability(&dll.dll, name) {
                let ev = format!("{}!{name}", dll.dll);
                let list = out.entry(cap).or_default();
                if !list.contains(&ev) && list.len() < 32 {
                    list.push(ev);
                }
            }
        }
    }
    // Both halves of injection, or none.
    if out
        .get("pinvoke_injection")
        .is_some_and(|l| !injection_complete(l))
    {
        out.remove("pinvoke_injection");
    }
    // Writing files needs both opening and writing.
    if let Some(list) = out.get("writes_files") {
        let open = list.iter().any(|e| e.contains("!CreateFile"));
        let write = list.iter().any(|e| e.ends_with("!WriteFile"));
        if !(open && write) {
            out.remove("writes_files");
        }
    }
    out
}

/// Most request names reported.
const MAX_NAMES: usize = 64;

/// Standard request and response header names that say nothing by
/// themselves (lowercase).
const COMMON_HEADERS: &[&str] = &[
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-powered-by",
    "x-aspnet-version",
    "x-frame-options",
    "x-content-type-options",
    "x-xss-protection",
    "x-requested-with",
    "x-ua-compatible",
    "x-original-url",
    "x-rewrite-url",
];

/// Classifies one candidate string.
fn request_name(s: &str) -> bool {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok_chars || !(3..=64).contains(&s.len()) {
        return false;
    }
    let header = (s.starts_with("X-") || s.starts_with("x-")) && s.len() > 3;
    let servervar = ["HTTP_", "AUTH_", "CERT_", "LOGON_", "REMOTE_"]
        .iter()
        .any(|p| s.starts_with(p) && s.len() > p.len());
    header || servervar || crate::dotnet::is_credential_name(s)
}

/// Whether `s` is a standard header (reported, but not custom).
pub fn is_common_header(s: &str) -> bool {
    COMMON_HEADERS.contains(&s.to_ascii_lowercase().as_str())
}

/// Request names among the file's ASCII and UTF-16LE strings (runs of
/// printable characters between non-printable ones), in file order.
pub fn request_names(bytes: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        // "X-Name:" as an ISAPI filter asks for it, "field=" as a body holds it.
        let s = s.trim_end_matches([':', '=', ' ']);
        if out.len() < MAX_NAMES && request_name(s) && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    let printable = |b: u8| (0x20..0x7f).contains(&b);
    // ASCII runs.
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (printable(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s <= 64 && bytes.get(i) == Some(&0) {
                    add(std::str::from_utf8(&bytes[s..i]).unwrap_or(""));
                }
                start = None;
            }
            _ => {}
        }
    }
    // UTF-16LE runs (printable ASCII code units).
    for parity in 0..2 {
        let mut run = String::new();
        let mut i = parity;
        while i + 1 < bytes.len() {
            let (lo, hi) = (bytes[i], bytes[i + 1]);
            if hi == 0 && printable(lo) {
                run.push(lo as char);
            } else {
                if run.len() >= 3 && lo == 0 && hi == 0 {
                    add(&run);
                }
                run.clear();
            }
            i += 2;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pe::ImportedFunction;

    fn dll(name: &str, fs: &[&str]) -> ImportedDll {
        ImportedDll {
            dll: name.into(),
            functions: fs
                .iter()
                .map(|f| ImportedFunction {
                    name: Some(f.to_string()),
                    ordinal: None,
                })
                .collect(),
        }
    }

    #[test]
    fn imports_map_to_capabilities() {
        let d = [
            dll(
                "KERNEL32.dll",
                &[
                    "CreateProcessA",
                    "OpenProcess",
                    "VirtualAllocEx",
                    "CreateFileW",
                ],
            ),
            dll("WININET.DLL", &["InternetOpenA"]),
        ];
        let c = from_imports(&[&d]);
        assert_eq!(c["runs_process"], vec!["KERNEL32.dll!CreateProcessA"]);
        assert_eq!(c["network_egress"], vec!["WININET.DLL!InternetOpenA"]);
        // Half of injection, and opening files without writing: neither counts.
        assert!(!c.contains_key("pinvoke_injection"));
        assert!(!c.contains_key("writes_files"));
        let d = [dll(
            "kernel32.dll",
            &[
                "WriteProcessMemory",
                "QueueUserAPC",
                "WriteFile",
                "CreateFileA",
            ],
        )];
        let c = from_imports(&[&d]);
        assert_eq!(c["pinvoke_injection"].len(), 2);
        assert_eq!(c["writes_files"].len(), 2);
    }

    #[test]
    fn request_names_in_both_encodings() {
        let mut b = b"\0X-Req-Trace-Ctx:\0passwd=\0junk\x01HTTP_COOKIE\0Hello world\0".to_vec();
        // UTF-16LE strings sit 2-aligned after NUL padding.
        b.extend_from_slice(&[0, 0]);
        for u in "txtPwd".encode_utf16().chain([0]) {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b.extend_from_slice(b"\0X-\0");
        let n = request_names(&b);
        assert_eq!(
            n,
            vec!["X-Req-Trace-Ctx", "passwd", "HTTP_COOKIE", "txtPwd"]
        );
        assert!(is_common_header("X-Frame-Options"));
    }
}
