//! JSON as serde_json writes it, with one difference: every character that
//! [`crate::util::escape`] escapes for a terminal is also written as a
//! `\uXXXX` escape in JSON strings.
//!
//! serde_json escapes only C0 controls, `"` and `\`. A name carrying a C1
//! control (U+009B is a CSI on many terminals), a bidirectional override or
//! a zero-width character would otherwise reach a log viewer, `jq` or a
//! terminal `cat` raw. The escaped text decodes to the same string, so
//! consumers see no difference in value; only the bytes on the wire are
//! safe to print.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::util::escape::needs_escape;

/// A formatter that escapes what serde_json leaves raw.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Fast path: printable ASCII (serde_json has already escaped C0).
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // Everything else as the wrapped formatter writes it.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, f: &str) -> io::Result<()> {
        self.0.write_raw_fragment(w, f)
    }
}

/// `serde_json::to_writer`, escaping as the module says.
pub fn to_writer<W: Write, T: ?Sized + Serialize>(w: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(CompactFormatter));
    value.serialize(&mut ser)
}

/// `serde_json::to_writer_pretty`, escaping as the module says.
pub fn to_writer_pretty<W: Write, T: ?Sized + Serialize>(
    w: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// `serde_json::value::to_raw_value`, escaping as the module says.
pub fn to_raw_value<T: ?Sized + Serialize>(
    value: &T,
) -> serde_json::Result<Box<serde_json::value::RawValue>> {
    let mut buf = Vec::with_capacity(512);
    to_writer(&mut buf, value)?;
    // The serializer writes UTF-8 only.
    let s = String::from_utf8(buf).map_err(serde::ser::Error::custom)?;
    serde_json::value::RawValue::from_string(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(s: &str) -> String {
        let mut v = Vec::new();
        to_writer(&mut v, s).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes_what_serde_leaves_raw() {
        assert_eq!(compact("a\u{9b}2Jb"), r#""a\u009b2Jb""#);
        assert_eq!(compact("x\u{202e}y\u{200b}"), r#""x\u202ey\u200b""#);
        assert_eq!(compact("del\u{7f}"), r#""del\u007f""#);
        assert_eq!(compact("\u{feff}"), r#""\ufeff""#);
        // serde's own escapes are kept.
        assert_eq!(compact("q\"\\\n\u{1b}"), r#""q\"\\\n\u001b""#);
        // Printable text, non-ASCII included, stays as it is.
        assert_eq!(
            compact("Zürich 東京 \u{1f600}"),
            "\"Zürich 東京 \u{1f600}\""
        );
    }

    #[test]
    fn decodes_to_the_same_string() {
        for s in ["a\u{9b}b", "\u{2066}x\u{2069}", "plain", "\u{ad}\u{2028}"] {
            let back: String = serde_json::from_str(&compact(s)).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn pretty_and_raw_agree_with_serde_on_plain_values() {
        let v = serde_json::json!({"a": [1, "b", {"c": null}], "d": "e\u{9b}"});
        let mut p = Vec::new();
        to_writer_pretty(&mut p, &v).unwrap();
        let plain = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(
            String::from_utf8(p).unwrap(),
            plain.replace('\u{9b}', "\\u009b")
        );
        let raw = to_raw_value(&v).unwrap();
        assert_eq!(
            raw.get(),
            serde_json::to_string(&v)
                .unwrap()
                .replace('\u{9b}', "\\u009b")
        );
    }
}
