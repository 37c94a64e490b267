//! Bounds-checked little-endian reads over `&[u8]`.
//!
//! Every reader returns `None` when the requested bytes are not all inside
//! the slice (offsets near `usize::MAX` included); callers turn that into a
//! message naming the structure. Nothing allocates.

/// The byte at `off`.
pub fn u8_at(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

/// Little-endian `u16` at `off`.
pub fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Little-endian `u32` at `off`.
pub fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Little-endian `u64` at `off`.
pub fn u64_at(d: &[u8], off: usize) -> Option<u64> {
    let b = d.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// NUL-terminated byte string at `off`, at most `max` bytes long (the NUL
/// not counted). `None` when no NUL is found within `max` bytes or before
/// the end of `d`.
pub fn cstr_at(d: &[u8], off: usize, max: usize) -> Option<&[u8]> {
    let tail = d.get(off..)?;
    let window = &tail[..tail.len().min(max.saturating_add(1))];
    let end = memchr::memchr(0, window)?;
    Some(&window[..end])
}

/// Like [`cstr_at`], but a string that runs to the end of `d` (within
/// `max`) ends there: in the loaded image the bytes past the file's end
/// are zeros, so the loader reads it as terminated.
pub fn cstr_at_or_eof(d: &[u8], off: usize, max: usize) -> Option<&[u8]> {
    cstr_at(d, off, max).or_else(|| {
        let tail = d.get(off..)?;
        (!tail.is_empty() && tail.len() <= max).then_some(tail)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_may_end_at_the_end_of_the_file() {
        assert_eq!(cstr_at(b"ab\0c", 0, 8), Some(&b"ab"[..]));
        assert_eq!(cstr_at(b"abc", 0, 8), None);
        assert_eq!(cstr_at_or_eof(b"abc", 0, 8), Some(&b"abc"[..]));
        assert_eq!(cstr_at_or_eof(b"abc", 0, 2), None);
        assert_eq!(cstr_at_or_eof(b"abc", 3, 8), None);
    }

    #[test]
    fn reads_stop_at_end() {
        let b = [1u8, 2, 3, 4, 5];
        assert_eq!(u8_at(&b, 4), Some(5));
        assert_eq!(u8_at(&b, 5), None);
        assert_eq!(u16_at(&b, 3), Some(0x0504));
        assert_eq!(u32_at(&b, 0), Some(0x0403_0201));
        assert_eq!(u32_at(&b, 2), None);
        assert_eq!(u16_at(&b, usize::MAX), None);
        assert_eq!(u64_at(&b, 0), None);
        assert_eq!(
            u64_at(&[1, 0, 0, 0, 0, 0, 0, 1], 0),
            Some(0x0100_0000_0000_0001)
        );
    }

    #[test]
    fn cstr_needs_terminator_within_limit() {
        let b = b"abc\0def";
        assert_eq!(cstr_at(b, 0, 10), Some(&b"abc"[..]));
        assert_eq!(cstr_at(b, 3, 10), Some(&b""[..]));
        assert_eq!(cstr_at(b, 4, 10), None, "no NUL before end of input");
        assert_eq!(cstr_at(b, 0, 2), None, "longer than the limit");
        assert_eq!(cstr_at(b, 0, 3), Some(&b"abc"[..]), "exactly the limit");
        assert_eq!(cstr_at(b, 99, 2), None);
    }
}
