//! The trace layer: install traces in scripts and shell history. The trace
//! pack (`signatures/traces.yar`) runs only on files whose name says they
//! hold commands (`*.ps1`, `*.psm1`, `*.bat`, `*.cmd`, PSReadLine's
//! `ConsoleHost_history.txt`), only up to [`MAX_TRACE_BYTES`], and each
//! match becomes a [`Trace`] on the line where it starts.

use std::io::Read;
use std::path::Path;

use super::RuleSet;
use crate::model::{FactValue, Trace};

/// Largest script or history file read for traces (PSReadLine keeps 4096
/// lines by default; scripts are small).
pub const MAX_TRACE_BYTES: u64 = 8 << 20;
/// Characters of a line kept in a trace.
pub const MAX_LINE_CHARS: usize = 300;
/// Most traces kept per file.
pub const MAX_TRACES_PER_FILE: usize = 200;

/// Is `path` a file the trace layer reads? Asked of every non-PE file on
/// the walker's threads, so it compares in place instead of lowercasing
/// copies of the name.
pub fn is_target(path: &Path) -> bool {
    let ext_is = |e: &str| {
        path.extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case(e))
    };
    ["ps1", "psm1", "bat", "cmd"].iter().any(|e| ext_is(e))
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("consolehost_history.txt"))
}

/// Reads `path` (without following a link or blocking on a special file)
/// up to [`MAX_TRACE_BYTES`] and scans it. `Err` names what went wrong.
pub fn scan_path(set: &RuleSet, path: &Path, follow_symlinks: bool) -> Result<Vec<Trace>, String> {
    let file = crate::platform::open_for_probe(path, follow_symlinks).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Ok(Vec::new());
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_TRACE_BYTES) as usize);
    file.take(MAX_TRACE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    scan_bytes(set, &bytes)
}

/// The traces in `bytes`: one per rule and line, in line order.
pub fn scan_bytes(set: &RuleSet, bytes: &[u8]) -> Result<Vec<Trace>, String> {
    let values: Vec<FactValue> = super::GLOBALS.iter().map(|g| g.default_value()).collect();
    let hits = set.scan(bytes, &values)?;
    let wide = is_utf16le(bytes);
    let mut out: Vec<Trace> = Vec::new();
    for h in hits {
        for e in &h.evidence {
            let (line, text) = line_at(bytes, e.offset, wide);
            if out.iter().any(|t| t.line == line && t.rule == h.rule) {
                continue;
            }
            out.push(Trace {
                rule: h.rule.clone(),
                kind: h.rule.strip_prefix("trace_").unwrap_or(&h.rule).to_string(),
                score: h.score,
                description: h.description.clone(),
                attack: h.attack.clone(),
                line,
                text,
            });
        }
    }
    out.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.rule.cmp(&b.rule)));
    out.truncate(MAX_TRACES_PER_FILE);
    Ok(out)
}

/// Is `bytes` UTF-16LE text (a BOM, or NULs as the high bytes of the first
/// characters), as PowerShell 5 writes redirected output?
fn is_utf16le(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE])
        || (bytes.len() >= 8 && bytes.iter().skip(1).step_by(2).take(4).all(|&b| b == 0))
}

/// The 1-based line holding `offset` and its text. In UTF-16LE text a line
/// ends at a `0A 00` unit on an even offset.
fn line_at(bytes: &[u8], offset: usize, wide: bool) -> (u32, String) {
    let offset = offset.min(bytes.len());
    let step = if wide { 2 } else { 1 };
    let is_nl = |i: usize| bytes[i] == b'\n' && (!wide || bytes.get(i + 1) == Some(&0));
    let mut line = 1u32;
    let mut start = 0;
    let mut i = 0;
    while i < offset {
        if is_nl(i) {
            line += 1;
            start = i + step;
        }
        i += step;
    }
    let mut end = start;
    while end < bytes.len() && !is_nl(end) {
        end += step;
    }
    let raw = &bytes[start.min(bytes.len())..end.min(bytes.len())];
    let text = if wide {
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(raw).into_owned()
    };
    let text = text
        .trim_matches(|c: char| c == '\r' || c == '\0' || c == '\u{feff}')
        .trim();
    let mut cut: String = text.chars().take(MAX_LINE_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    (line, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert!(is_target(Path::new("/x/Setup.BAT")));
        assert!(is_target(Path::new("inst.ps1")));
        assert!(is_target(Path::new(
            "/u/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
        )));
        assert!(!is_target(Path::new("notes.txt")));
        assert!(!is_target(Path::new("module.dll")));
    }

    #[test]
    fn lines() {
        let b = b"one\r\ntwo appcmd\r\nthree";
        assert!(!is_utf16le(b));
        assert_eq!(line_at(b, 0, false), (1, "one".into()));
        assert_eq!(line_at(b, 9, false), (2, "two appcmd".into()));
        assert_eq!(line_at(b, b.len(), false), (3, "three".into()));
        let w: Vec<u8> = "\u{feff}ab\r\nbc\nd\u{a0a}e\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert!(is_utf16le(&w));
        assert_eq!(line_at(&w, 4, true), (1, "ab".into()));
        assert_eq!(line_at(&w, 10, true), (2, "bc".into()));
        // U+0A0A holds 0x0A bytes but ends no line.
        assert_eq!(line_at(&w, 16, true), (3, "d\u{a0a}e".into()));
    }

    #[test]
    fn the_trace_pack_finds_an_install_and_not_a_listing() {
        let set = super::super::compile_traces(&Default::default()).unwrap();
        let t = scan_bytes(
            &set,
            b"@echo off\r\n%windir%\\system32\\inetsrv\\appcmd.exe install module /name:X /image:C:\\x.dll\r\nappcmd list modules\r\n",
        )
        .unwrap();
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].line, t[0].kind.as_str()),
            (2, "appcmd_install_module")
        );
        assert!(t[0].text.starts_with("%windir%"));
        assert!(scan_bytes(&set, b"Get-WebGlobalModule | ft\n")
            .unwrap()
            .is_empty());
    }
}
