//! Make attacker-controlled text safe for a terminal.
//!
//! File names, export names, .NET names, version strings and PDB paths come
//! from the files being swept. Before they reach a terminal, control
//! characters (C0, DEL, C1), Unicode bidirectional overrides, zero-width
//! and other invisible format characters, and bytes that are not UTF-8 are
//! written as visible escapes (`\n`, `\x1b`, `\u{202e}`, `\u{200b}`), so a
//! name cannot move the cursor, recolour the screen, reorder what a reader
//! sees, or look identical to another name. A character is written
//! `\u{…}` from U+0080 up and a raw byte that is not UTF-8 `\xNN`, so a
//! real U+009B and a 0x9B byte stay distinguishable. JSON output needs no such step: serde_json escapes control
//! characters, and paths that are not UTF-8 are carried as hex (README).

use std::borrow::Cow;
use std::fmt::Write;

/// Escape `s` for a terminal; borrowed when nothing needed escaping.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// Escape raw bytes (invalid UTF-8 becomes `\xNN`).
pub fn escape_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for &x in chunk.invalid() {
            let _ = write!(out, "\\x{x:02x}");
        }
    }
    out
}

/// Whether `c` is written as an escape: C0, DEL, C1, bidirectional
/// overrides, zero-width and other invisible format characters.
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{00ad}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn push_char(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_bidi_and_bad_utf8() {
        assert!(matches!(escape("plain.dll"), Cow::Borrowed(_)));
        assert_eq!(escape("a\x1b[31mb\nc"), "a\\x1b[31mb\\nc");
        assert_eq!(escape("evil\u{202e}lld.exe"), "evil\\u{202e}lld.exe");
        assert_eq!(escape("\u{9b}x"), "\\u{9b}x");
        assert_eq!(escape_bytes(b"\x9bx"), "\\x9bx");
        for c in [
            '\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{61c}', '\u{2028}', '\u{2029}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(escape(&s), format!("a\\u{{{:x}}}b", c as u32));
        }
        assert_eq!(escape_bytes(b"ok\xff\xfe.dll"), "ok\\xff\\xfe.dll");
    }
}
