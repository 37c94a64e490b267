//! Bounds-checked little-endian reads and RVA-to-offset mapping.
//!
//! Every read returns `None` past the end of the buffer; nothing here panics
//! or allocates from a value read from the file.

use goblin::pe::options::ParseOptions;
use goblin::pe::section_table::SectionTable;

/// Maps RVAs to file offsets over one file's section table (goblin's rules).
pub struct Rva<'a> {
    /// The whole file.
    pub bytes: &'a [u8],
    /// Section table as goblin parsed it.
    pub sections: &'a [SectionTable],
    /// `FileAlignment` from the optional header.
    pub file_alignment: u32,
    /// Options handed to goblin.
    pub opts: &'a ParseOptions,
}

impl Rva<'_> {
    /// File offset of `rva`, when a section (or the headers) holds it and it lies inside the file.
    pub fn to_offset(&self, rva: u32) -> Option<usize> {
        let off = goblin::pe::utils::find_offset(
            rva as usize,
            self.sections,
            self.file_alignment,
            self.opts,
        )
        .or_else(|| {
            // RVAs inside the headers map one to one (pefile does the same).
            let first = self
                .sections
                .iter()
                .map(|s| s.pointer_to_raw_data)
                .filter(|&p| p > 0)
                .min();
            match first {
                Some(p) if rva < p => Some(rva as usize),
                _ => None,
            }
        })?;
        (off < self.bytes.len()).then_some(off)
    }
}

/// `u16` at `off`.
pub fn read_u16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

/// `u32` at `off`.
pub fn read_u32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// `u64` at `off`.
pub fn read_u64(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// NUL-terminated byte string at `off`, at most `max` bytes long. `None` when
/// no NUL is found within `max` bytes or before the end of the file.
pub fn read_cstr(b: &[u8], off: usize, max: usize) -> Option<&[u8]> {
    let tail = b.get(off..)?;
    let window = &tail[..tail.len().min(max.saturating_add(1))];
    let end = window.iter().position(|&c| c == 0)?;
    Some(&window[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_end() {
        let b = [1u8, 2, 3, 4, 5];
        assert_eq!(read_u32(&b, 0), Some(0x0403_0201));
        assert_eq!(read_u32(&b, 2), None);
        assert_eq!(read_u16(&b, usize::MAX), None);
        assert_eq!(read_u64(&b, 0), None);
    }

    #[test]
    fn cstr_needs_terminator_within_limit() {
        let b = b"abc\0def";
        assert_eq!(read_cstr(b, 0, 10), Some(&b"abc"[..]));
        assert_eq!(read_cstr(b, 4, 10), None, "no NUL before end of file");
        assert_eq!(read_cstr(b, 0, 2), None, "longer than the limit");
        assert_eq!(read_cstr(b, 99, 2), None);
    }
}
