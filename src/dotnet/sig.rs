//! Best-effort rendering of `TypeSpec` signatures (ECMA-335 II.23.2.14) to
//! C#-ish strings such as ``System.Collections.Generic.IEnumerable`1<System.String>``.
//!
//! Error policy: never fails; an unreadable or unsupported element renders as
//! `?` and the rest of the signature is abandoned. Nesting is capped at
//! [`MAX_SIG_DEPTH`] and output at [`MAX_STRING_LEN`] bytes.

use super::heaps::compressed_u32;
use super::limits::MAX_STRING_LEN;
use crate::util::{truncate_utf8, u8_at};

/// Maximum nesting of element types in one signature.
pub(crate) const MAX_SIG_DEPTH: u32 = 16;
/// Maximum number of generic arguments rendered per instantiation.
const MAX_GENERIC_ARGS: u32 = 64;

/// Renders the type at the start of a `TypeSpec` blob. `name_of(tag, row)`
/// resolves a TypeDefOrRefEncoded token (tag 0 TypeDef, 1 TypeRef, 2
/// TypeSpec) to a full name.
pub(crate) fn render_typespec(blob: &[u8], name_of: &dyn Fn(u32, u32) -> String) -> String {
    let mut pos = 0usize;
    let mut out = render(blob, &mut pos, 0, name_of).unwrap_or_else(|| "?".to_string());
    truncate_utf8(&mut out, MAX_STRING_LEN);
    out
}

fn primitive(e: u8) -> Option<&'static str> {
    Some(match e {
        0x01 => "System.Void",
        0x02 => "System.Boolean",
        0x03 => "System.Char",
        0x04 => "System.SByte",
        0x05 => "System.Byte",
        0x06 => "System.Int16",
        0x07 => "System.UInt16",
        0x08 => "System.Int32",
        0x09 => "System.UInt32",
        0x0A => "System.Int64",
        0x0B => "System.UInt64",
        0x0C => "System.Single",
        0x0D => "System.Double",
        0x0E => "System.String",
        0x16 => "System.TypedReference",
        0x18 => "System.IntPtr",
        0x19 => "System.UIntPtr",
        0x1C => "System.Object",
        _ => return None,
    })
}

fn cu(b: &[u8], pos: &mut usize) -> Option<u32> {
    let (v, n) = compressed_u32(b, *pos)?;
    *pos += n;
    Some(v)
}

fn type_def_or_ref(
    b: &[u8],
    pos: &mut usize,
    name_of: &dyn Fn(u32, u32) -> String,
) -> Option<String> {
    let v = cu(b, pos)?;
    Some(name_of(v & 3, v >> 2))
}

fn render(
    b: &[u8],
    pos: &mut usize,
    depth: u32,
    name_of: &dyn Fn(u32, u32) -> String,
) -> Option<String> {
    if depth > MAX_SIG_DEPTH {
        return None;
    }
    let e = u8_at(b, *pos)?;
    *pos += 1;
    if let Some(p) = primitive(e) {
        return Some(p.to_string());
    }
    match e {
        0x0F => Some(format!("{}*", render(b, pos, depth + 1, name_of)?)),
        0x10 => Some(format!("{}&", render(b, pos, depth + 1, name_of)?)),
        0x11 | 0x12 => type_def_or_ref(b, pos, name_of),
        0x13 => Some(format!("!{}", cu(b, pos)?)),
        0x1E => Some(format!("!!{}", cu(b, pos)?)),
        0x1D => Some(format!("{}[]", render(b, pos, depth + 1, name_of)?)),
        0x14 => {
            let elem = render(b, pos, depth + 1, name_of)?;
            let rank = cu(b, pos)?;
            let nsizes = cu(b, pos)?;
            for _ in 0..nsizes {
                cu(b, pos)?;
            }
            let nlo = cu(b, pos)?;
            for _ in 0..nlo {
                cu(b, pos)?; // signed compressed ints share the length encoding
            }
            let commas = ",".repeat(rank.saturating_sub(1).min(32) as usize);
            Some(format!("{elem}[{commas}]"))
        }
        0x15 => {
            let kind = u8_at(b, *pos)?;
            if kind != 0x11 && kind != 0x12 {
                return None;
            }
            *pos += 1;
            let base = type_def_or_ref(b, pos, name_of)?;
            let n = cu(b, pos)?;
            if n == 0 || n > MAX_GENERIC_ARGS {
                return None;
            }
            let mut args = Vec::new();
            for _ in 0..n {
                args.push(render(b, pos, depth + 1, name_of)?);
            }
            Some(format!("{base}<{}>", args.join(",")))
        }
        0x1F | 0x20 => {
            // custom modifier, then the modified type
            type_def_or_ref(b, pos, name_of)?;
            render(b, pos, depth + 1, name_of)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_instance() {
        let names = |tag: u32, row: u32| format!("T{tag}_{row}");
        // GENERICINST CLASS TypeRef#3 2 args: string, SZARRAY !0
        let b = [0x15, 0x12, (3 << 2) | 1, 2, 0x0E, 0x1D, 0x13, 0];
        assert_eq!(render_typespec(&b, &names), "T1_3<System.String,!0[]>");
        assert_eq!(render_typespec(&[0x15, 0x12], &names), "?");
        // deep nesting is cut off
        let deep = vec![0x1D; 1000];
        assert_eq!(render_typespec(&deep, &names), "?");
        // ARRAY int32 rank 2
        assert_eq!(
            render_typespec(&[0x14, 0x08, 2, 0, 0], &names),
            "System.Int32[,]"
        );
    }
}
