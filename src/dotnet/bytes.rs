//! Bounds-checked little-endian readers over `&[u8]`.
//!
//! Error policy: every reader returns `None` when the requested bytes are
//! not fully inside the slice; callers turn that into a named error.

/// Reads a `u8` at `off`.
pub(crate) fn u8_at(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

/// Reads a little-endian `u16` at `off`.
pub(crate) fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads a little-endian `u32` at `off`.
pub(crate) fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a little-endian `u64` at `off`.
pub(crate) fn u64_at(d: &[u8], off: usize) -> Option<u64> {
    let lo = u32_at(d, off)? as u64;
    let hi = u32_at(d, off.checked_add(4)?)? as u64;
    Some(lo | (hi << 32))
}

/// Decodes an ECMA-335 II.23.2 compressed unsigned integer at `off`.
/// Returns the value and the number of bytes it occupied.
pub(crate) fn compressed_u32(d: &[u8], off: usize) -> Option<(u32, usize)> {
    let b0 = u8_at(d, off)? as u32;
    if b0 & 0x80 == 0 {
        Some((b0, 1))
    } else if b0 & 0xC0 == 0x80 {
        let b1 = u8_at(d, off.checked_add(1)?)? as u32;
        Some((((b0 & 0x3F) << 8) | b1, 2))
    } else if b0 & 0xE0 == 0xC0 {
        let b = d.get(off.checked_add(1)?..off.checked_add(4)?)?;
        Some((
            ((b0 & 0x1F) << 24) | ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32,
            4,
        ))
    } else {
        None
    }
}

/// Lowercase hex of a byte slice.
pub(crate) fn hex(d: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::new();
    for &b in d {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_forms() {
        assert_eq!(compressed_u32(&[0x03], 0), Some((3, 1)));
        assert_eq!(compressed_u32(&[0x80, 0x80], 0), Some((0x80, 2)));
        assert_eq!(
            compressed_u32(&[0xC0, 0x00, 0x40, 0x00], 0),
            Some((0x4000, 4))
        );
        assert_eq!(compressed_u32(&[0xC0, 0x00], 0), None);
        assert_eq!(compressed_u32(&[0xFF], 0), None);
        assert_eq!(u32_at(&[1, 2, 3], 0), None);
        assert_eq!(u16_at(&[1, 2], usize::MAX), None);
    }
}
