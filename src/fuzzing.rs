//! Input decodings shared by the cargo-fuzz targets (`fuzz/fuzz_targets/`)
//! and their regression test (`tests/it/fuzz_regressions.rs`), so the two
//! cannot drift apart. Not part of the API a sweep uses.

use crate::dotnet::{parse_with_tables, DotnetInfo};
use crate::pe::{Image, Layout, SectionHeader};

/// The `dotnet` target's input: a 16-byte prefix, then the "file".
///
/// | prefix bytes | meaning                                                   |
/// |--------------|-----------------------------------------------------------|
/// | 0..4         | CLR header RVA, taken as `0x2000 + (v % file.len())`       |
/// | 4..8         | CLR directory size (raw)                                  |
/// | 8..12        | section A `VirtualAddress`                                |
/// | 12..16       | section A `PointerToRawData` (taken modulo `file.len()`)  |
///
/// Sections: A (from the prefix, covering `file[ptr..]`) first, then B at
/// RVA 0x2000 covering the whole file. The CLR RVA always lands inside B
/// (or inside A, which is tried first), so every non-empty input reaches
/// the COR20 header reader. `fuzz/seed.sh` writes the real mapping of each
/// seed assembly's CLR section into A, so the seeds' metadata RVAs resolve
/// as in the real image.
#[derive(Debug, Clone)]
pub struct DotnetInput<'a> {
    /// The file bytes (the input after the prefix).
    pub file: &'a [u8],
    /// Sections A and B.
    pub layout: Layout,
    /// CLR header RVA.
    pub clr_rva: u32,
    /// CLR directory size.
    pub clr_size: u32,
}

impl<'a> DotnetInput<'a> {
    /// Decodes `data`; `None` below 16 bytes.
    pub fn decode(data: &'a [u8]) -> Option<Self> {
        if data.len() < 16 {
            return None;
        }
        let (prefix, file) = data.split_at(16);
        let word =
            |i: usize| u32::from_le_bytes([prefix[i], prefix[i + 1], prefix[i + 2], prefix[i + 3]]);
        let len = u32::try_from(file.len()).unwrap_or(u32::MAX);
        let a_ptr = word(12) % len.max(1);
        let section = |va, ptr, size| SectionHeader {
            virtual_address: va,
            virtual_size: size,
            pointer_to_raw_data: ptr,
            size_of_raw_data: size,
            ..SectionHeader::default()
        };
        Some(DotnetInput {
            file,
            layout: Layout::synthetic(
                file.len(),
                vec![
                    section(word(8), a_ptr, len - a_ptr),
                    section(0x2000, 0, len),
                ],
            ),
            clr_rva: 0x2000u32.wrapping_add(word(0) % len.max(1)),
            clr_size: word(4),
        })
    }

    /// [`parse_with_tables`] over the decoded input.
    pub fn parse(&self) -> DotnetInfo {
        let image = Image {
            bytes: self.file,
            layout: &self.layout,
        };
        parse_with_tables(&image, self.clr_rva, self.clr_size)
    }
}

/// The `il` target: a method body header at the start of `data`, then its
/// instructions decoded to the end or the first malformed one. Returns the
/// number of instructions (for the regression test).
pub fn decode_il(data: &[u8]) -> usize {
    match crate::dotnet::il::body(data) {
        Ok(b) => crate::dotnet::il::Instructions::new(b.code).count(),
        Err(_) => 0,
    }
}
