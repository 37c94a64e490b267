//! WTF-8 (<https://simonsapin.github.io/wtf-8/>): the lossless byte form of
//! a Windows path. A Windows path is a sequence of UTF-16 code units that
//! need not be valid UTF-16 (an unpaired surrogate is a legal file name).
//! WTF-8 writes every code unit sequence as UTF-8 would, and an unpaired
//! surrogate as the three bytes UTF-8 would use for its code point
//! (`U+D800` is `ED A0 80`). Valid UTF-16 gives exactly its UTF-8 bytes.
//! It is also the form Rust's `OsStr` holds on Windows.
//!
//! Pure functions over code units, compiled on every OS so the unit tests
//! run on Linux too.

/// WTF-8 bytes of UTF-16 code units.
pub fn encode(units: impl IntoIterator<Item = u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4];
    for r in char::decode_utf16(units) {
        match r {
            Ok(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            Err(e) => {
                let u = u32::from(e.unpaired_surrogate());
                out.push(0xE0 | (u >> 12) as u8);
                out.push(0x80 | ((u >> 6) & 0x3F) as u8);
                out.push(0x80 | (u & 0x3F) as u8);
            }
        }
    }
    out
}

/// UTF-16 code units of WTF-8 bytes: the inverse of [`encode`]. Bytes that
/// are not WTF-8 (say a Latin-1 `\xff` in a `--files-from` list written on
/// Linux) cannot name a Windows file; each such byte becomes U+FFFD.
pub fn decode(bytes: &[u8]) -> Vec<u16> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b0 = bytes[i];
        let (len, min, init) = match b0 {
            0x00..=0x7F => (1, 0, u32::from(b0)),
            0xC2..=0xDF => (2, 0x80, u32::from(b0 & 0x1F)),
            0xE0..=0xEF => (3, 0x800, u32::from(b0 & 0x0F)),
            0xF0..=0xF4 => (4, 0x1_0000, u32::from(b0 & 0x07)),
            _ => (0, 0, 0),
        };
        let mut cp = init;
        let mut ok = len > 0 && i + len <= bytes.len();
        if ok {
            for &b in &bytes[i + 1..i + len] {
                if b & 0xC0 != 0x80 {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | u32::from(b & 0x3F);
            }
        }
        ok = ok && cp >= min && cp <= 0x10_FFFF;
        if !ok {
            out.push(0xFFFD);
            i += 1;
            continue;
        }
        if cp >= 0x1_0000 {
            let c = cp - 0x1_0000;
            out.push(0xD800 | (c >> 10) as u16);
            out.push(0xDC00 | (c & 0x3FF) as u16);
        } else {
            // Surrogate code points (ED A0 80 ..= ED BF BF) are kept: they
            // are the unpaired surrogates encode wrote.
            out.push(cp as u16);
        }
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf16_is_utf8() {
        let s = "C:\\inetpub\\wwwroot\\bin\\m\u{f6}dule-\u{1F600}.dll";
        let units: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(encode(units.iter().copied()), s.as_bytes());
        assert_eq!(decode(s.as_bytes()), units);
    }

    #[test]
    fn unpaired_surrogates_survive() {
        // a\uD800b, a lone low surrogate at the end, and a pair split by a
        // character (two unpaired surrogates).
        let units = [0x61, 0xD800, 0x62, 0xD83D, 0x63, 0xDE00, 0xDC01];
        let bytes = encode(units);
        assert_eq!(
            bytes,
            b"a\xed\xa0\x80b\xed\xa0\xbdc\xed\xb8\x80\xed\xb0\x81".to_vec()
        );
        assert_eq!(decode(&bytes), units);
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(decode(b"a\xffb"), [0x61, 0xFFFD, 0x62]);
        // overlong, truncated, too big
        assert_eq!(decode(b"\xc0\x80"), [0xFFFD, 0xFFFD]);
        assert_eq!(decode(b"\xe2\x82"), [0xFFFD, 0xFFFD]);
        assert_eq!(decode(b"\xf4\x90\x80\x80")[0], 0xFFFD);
    }
}
