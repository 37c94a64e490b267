//! Minimal DER walking for the few places where the typed decoders do not
//! fit: trailing padding after a PKCS #7 blob, the digest inside
//! `SpcIndirectDataContent`, and
//! `TSTInfo.genTime` with fractional seconds (which strict DER decoders
//! reject but time-stamping authorities emit).
//!
//! Error policy: every function returns `None` on malformed input; lengths
//! are checked against the slice, indefinite lengths are refused.

use const_oid::ObjectIdentifier;
use der::Tagged;

/// Splits one TLV off `b`: (tag, whole TLV, content, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8], &[u8])> {
    let tag = *b.first()?;
    if tag & 0x1F == 0x1F {
        return None; // high tag numbers do not occur here
    }
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 {
            return None; // indefinite or absurd length
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let whole = b.get(..end)?;
    Some((tag, whole, &whole[hdr..], &b[end..]))
}

/// Deepest nesting of constructed elements accepted before typed decoding.
pub(super) const MAX_DEPTH: usize = 64;
/// Most elements accepted in one constructed element. `der` sorts each SET
/// OF it decodes by insertion (quadratic), so a signature holding a set of
/// a million values would stall a worker for hours.
pub(super) const MAX_CHILDREN: usize = 1024;

/// True when the TLVs in `b` (one or more, back to back) nest at most
/// [`MAX_DEPTH`] deep and no constructed element has more than
/// [`MAX_CHILDREN`] elements. Linear in `b`; malformed encodings pass here
/// and are refused by the typed decoder.
pub(super) fn bounded(mut b: &[u8], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let mut n = 0usize;
    while !b.is_empty() {
        let Some((tag, _, content, rest)) = tlv(b) else {
            return true;
        };
        n += 1;
        if n > MAX_CHILDREN || (tag & 0x20 != 0 && !bounded(content, depth + 1)) {
            return false;
        }
        b = rest;
    }
    true
}

/// The first complete TLV of `b` (drops trailing padding).
pub(super) fn first_tlv(b: &[u8]) -> Option<&[u8]> {
    tlv(b).map(|(_, whole, _, _)| whole)
}

/// `SpcIndirectDataContent ::= SEQUENCE { data, messageDigest DigestInfo }`
/// with `DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }`:
/// returns the digest algorithm and the digest.
pub(super) fn indirect_digest(spc: &[u8]) -> Option<(ObjectIdentifier, &[u8])> {
    let (t, _, body, _) = tlv(spc)?;
    if t != 0x30 {
        return None;
    }
    let (_, _, _, rest) = tlv(body)?; // data
    let (t, _, digest_info, _) = tlv(rest)?;
    if t != 0x30 {
        return None;
    }
    let (t, _, alg, rest) = tlv(digest_info)?;
    if t != 0x30 {
        return None;
    }
    let (t, _, oid, _) = tlv(alg)?;
    if t != 0x06 {
        return None;
    }
    let oid = ObjectIdentifier::from_bytes(oid).ok()?;
    let (t, _, digest, _) = tlv(rest)?;
    (t == 0x04).then_some((oid, digest))
}

/// The DER `TSTInfo` inside an RFC 3161 time-stamp token:
/// `ContentInfo { OID, [0] SignedData { version, digestAlgorithms,
/// encapContentInfo { eContentType, [0] OCTET STRING } ... } }`.
pub(super) fn rfc3161_tst_info<'a>(
    token: &'a [u8],
    tst_oid: &ObjectIdentifier,
) -> Option<&'a [u8]> {
    let (t, _, ci, _) = tlv(token)?;
    if t != 0x30 {
        return None;
    }
    let (_, _, _, rest) = tlv(ci)?; // contentType
    let (t, _, explicit, _) = tlv(rest)?;
    if t != 0xA0 {
        return None;
    }
    let (t, _, sd, _) = tlv(explicit)?;
    if t != 0x30 {
        return None;
    }
    let (_, _, _, rest) = tlv(sd)?; // version
    let (_, _, _, rest) = tlv(rest)?; // digestAlgorithms
    let (t, _, eci, _) = tlv(rest)?;
    if t != 0x30 {
        return None;
    }
    let (t, _, oid, rest) = tlv(eci)?;
    if t != 0x06 || ObjectIdentifier::from_bytes(oid).ok()? != *tst_oid {
        return None;
    }
    let (t, _, explicit, _) = tlv(rest)?;
    if t != 0xA0 {
        return None;
    }
    let (t, _, octets, _) = tlv(explicit)?;
    (t == 0x04).then_some(octets)
}

/// `genTime` of a DER `TSTInfo` (RFC 3161): the first GeneralizedTime at
/// the top level of the SEQUENCE. Fractional seconds are dropped.
pub(super) fn tst_gen_time(tst: &[u8]) -> Option<der::DateTime> {
    let (t, _, mut body, _) = tlv(tst)?;
    if t != 0x30 {
        return None;
    }
    for _ in 0..8 {
        let (t, _, content, rest) = tlv(body)?;
        if t == 0x18 {
            return generalized_time(content);
        }
        body = rest;
    }
    None
}

/// `YYYYMMDDHHMMSS[.f*]Z`.
fn generalized_time(s: &[u8]) -> Option<der::DateTime> {
    if s.len() < 15 || s.last() != Some(&b'Z') || !s[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| {
        s[r].iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    der::DateTime::new(
        n(0..4) as u16,
        n(4..6) as u8,
        n(6..8) as u8,
        n(8..10) as u8,
        n(10..12) as u8,
        n(12..14) as u8,
    )
    .ok()
}

/// DER bodies of the `CERTIFICATE` blocks of a PEM file (others skipped;
/// a block that is not valid base64 is skipped too).
pub(super) fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(d) = body.take().and_then(|b| base64(&b)) {
                out.push(d);
            }
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    out
}

/// Standard base64 (with `=` padding) to bytes.
fn base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Text of a directory string (UTF8, Printable, IA5, Teletex, BMP, Universal).
pub(super) fn any_text(a: &der::Any) -> String {
    let v = a.value();
    match a.tag() {
        der::Tag::BmpString => {
            let units = v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .collect()
        }
        _ if a.tag().number().value() == 28 => v
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{FFFD}')
            })
            .collect(),
        _ => String::from_utf8_lossy(v).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_and_refuses() {
        assert_eq!(
            first_tlv(&[0x30, 0x02, 1, 2, 0, 0, 0]),
            Some(&[0x30, 2, 1, 2][..])
        );
        assert_eq!(
            first_tlv(&[0x04, 0x81, 0x01, 9, 7]),
            Some(&[4, 0x81, 1, 9][..])
        );
        assert_eq!(first_tlv(&[0x30, 0x80, 0, 0]), None, "indefinite length");
        assert_eq!(first_tlv(&[0x30, 0x05, 1]), None, "length past end");
        assert_eq!(first_tlv(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]), None);
        assert_eq!(first_tlv(&[]), None);
        // a SET of 2000 INTEGERs is refused, 1000 accepted; 70 levels refused
        let set = |n: usize| {
            let body: Vec<u8> = (0..n).flat_map(|_| [0x02, 0x01, 0x00]).collect();
            let mut v = vec![0x31, 0x82, (body.len() >> 8) as u8, body.len() as u8];
            v.extend(body);
            v
        };
        assert!(!bounded(&set(2000), 0));
        assert!(bounded(&set(1000), 0));
        let nest = |levels: usize| {
            let mut deep = vec![0x02, 0x01, 0x00];
            for _ in 0..levels {
                let n = deep.len();
                let mut v = vec![0x30, 0x82, (n >> 8) as u8, n as u8];
                v.extend(deep);
                deep = v;
            }
            deep
        };
        assert!(!bounded(&nest(70), 0));
        assert!(bounded(&nest(60), 0));
        let t = generalized_time(b"20260527101112.345Z").unwrap();
        assert_eq!(t.to_string(), "2026-05-27T10:11:12Z");
        assert!(generalized_time(b"2026052710111Z").is_none());
        assert!(generalized_time(b"20261327101112Z").is_none(), "month 13");
        assert_eq!(base64("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(base64("AAEC").unwrap(), [0, 1, 2]);
        assert!(base64("a*b").is_none());
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates(pem), vec![vec![0, 1, 2, 3]]);
    }
}
