//! Metadata heaps: `#Strings`, `#Blob`, `#GUID` and `#US` (ECMA-335 II.24.2.2
//! .. II.24.2.5).
//!
//! Error policy: each lookup returns `Err(message)` naming the heap, its file
//! offset and the bad index; a missing heap behaves as an empty one. Strings
//! are capped at [`MAX_STRING_LEN`] bytes and decoded lossily.

use std::borrow::Cow;

use super::limits::MAX_STRING_LEN;
use crate::util::u8_at;

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

/// One heap stream.
#[derive(Clone, Copy, Default)]
pub(crate) struct Heap<'a> {
    /// Heap bytes (bounded by the stream header and the file).
    pub(crate) data: &'a [u8],
    /// File offset of the heap, for messages.
    pub(crate) file_off: usize,
    /// Stream name, for messages.
    pub(crate) name: &'static str,
}

impl<'a> Heap<'a> {
    fn bad(&self, idx: u32, what: &str) -> String {
        format!(
            "{} heap at 0x{:x} (size 0x{:x}): index 0x{idx:x} {what}",
            self.name,
            self.file_off,
            self.data.len()
        )
    }

    /// `#Strings`: NUL-terminated UTF-8 at `idx`, borrowed from the heap
    /// unless it must be repaired (invalid UTF-8 is decoded lossily).
    pub(crate) fn string(&self, idx: u32) -> Result<Cow<'a, str>, String> {
        let raw = self.string_bytes(idx)?;
        Ok(match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(raw),
        })
    }

    /// Checks that a `#Strings` index is usable without reading the entry:
    /// when the heap ends in NUL every in-bounds index is terminated, so only
    /// other heaps are searched. (An over-long entry is reported when read.)
    pub(crate) fn check_string(&self, idx: u32) -> Result<(), String> {
        let terminated = self.data.last() == Some(&0);
        if (idx == 0 && self.data.is_empty()) || (terminated && (idx as usize) < self.data.len()) {
            return Ok(());
        }
        self.string_bytes(idx).map(|_| ())
    }

    /// `#Strings`: the bytes of the NUL-terminated entry at `idx`, checked
    /// for bounds and length but not decoded.
    pub(crate) fn string_bytes(&self, idx: u32) -> Result<&'a [u8], String> {
        let start = idx as usize;
        if idx == 0 && self.data.is_empty() {
            return Ok(&[]);
        }
        let Some(rest) = self.data.get(start..) else {
            return Err(self.bad(idx, "past end of heap"));
        };
        if rest.is_empty() {
            return Err(self.bad(idx, "past end of heap"));
        }
        let window = &rest[..rest.len().min(MAX_STRING_LEN + 1)];
        match memchr::memchr(0, window) {
            Some(n) => Ok(&window[..n]),
            None if window.len() > MAX_STRING_LEN => Err(self.bad(
                idx,
                &format!("string longer than MAX_STRING_LEN ({MAX_STRING_LEN})"),
            )),
            None => Err(self.bad(idx, "string not NUL-terminated before end of heap")),
        }
    }

    /// `#Blob` / `#US`: compressed-length-prefixed bytes at `idx`.
    pub(crate) fn blob(&self, idx: u32) -> Result<&'a [u8], String> {
        let start = idx as usize;
        if start >= self.data.len() {
            if idx == 0 {
                return Ok(&[]);
            }
            return Err(self.bad(idx, "past end of heap"));
        }
        let Some((len, n)) = compressed_u32(self.data, start) else {
            return Err(self.bad(idx, "has an invalid or truncated length prefix"));
        };
        let from = start + n;
        match from
            .checked_add(len as usize)
            .and_then(|end| self.data.get(from..end))
        {
            Some(b) => Ok(b),
            None => Err(self.bad(idx, &format!("blob of {len} bytes runs past end of heap"))),
        }
    }

    /// `#GUID`: 1-based 16-byte entry; `Ok(None)` for the null index 0.
    pub(crate) fn guid(&self, idx: u32) -> Result<Option<[u8; 16]>, String> {
        if idx == 0 {
            return Ok(None);
        }
        let off = (idx as usize - 1).checked_mul(16);
        match off.and_then(|o| self.data.get(o..o.checked_add(16)?)) {
            Some(b) => {
                let mut g = [0u8; 16];
                g.copy_from_slice(b);
                Ok(Some(g))
            }
            None => Err(self.bad(idx, "past end of heap")),
        }
    }
}

/// Formats a GUID in the registry form, lowercase, without braces.
pub(crate) fn format_guid(g: &[u8; 16]) -> String {
    let d1 = u32::from_le_bytes([g[0], g[1], g[2], g[3]]);
    let d2 = u16::from_le_bytes([g[4], g[5]]);
    let d3 = u16::from_le_bytes([g[6], g[7]]);
    format!(
        "{d1:08x}-{d2:04x}-{d3:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]
    )
}

/// Walks the `#US` heap, calling `f` with the UTF-16LE code units of each
/// non-empty user string (at most `max_chars` units, without the trailing
/// flag byte). Stops after `max_count` strings or at the first malformed
/// entry; returns (count, error).
pub(crate) fn walk_user_strings(
    us: &Heap<'_>,
    max_count: usize,
    max_chars: usize,
    mut f: impl FnMut(&[u8]),
) -> (usize, Option<String>) {
    let d = us.data;
    let mut pos = 1usize.min(d.len()); // entry 0 is the empty string
    let mut count = 0usize;
    while pos < d.len() {
        if count >= max_count {
            return (
                count,
                Some(format!(
                    "#US heap at 0x{:x}: more than {max_count} user strings; rest not read",
                    us.file_off
                )),
            );
        }
        let Some((len, n)) = compressed_u32(d, pos) else {
            return (
                count,
                Some(format!(
                    "#US heap at 0x{:x}: invalid length prefix at 0x{:x}",
                    us.file_off,
                    us.file_off + pos
                )),
            );
        };
        let from = pos + n;
        let Some(body) = from.checked_add(len as usize).and_then(|e| d.get(from..e)) else {
            return (
                count,
                Some(format!(
                    "#US heap at 0x{:x}: user string at 0x{:x} ({len} bytes) runs past end of heap",
                    us.file_off,
                    us.file_off + pos
                )),
            );
        };
        pos = from + len as usize;
        if len == 0 {
            continue; // padding
        }
        count += 1;
        let units = body.len() & !1;
        f(&body[..units.min(max_chars.saturating_mul(2))]);
    }
    (count, None)
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
    }
}
