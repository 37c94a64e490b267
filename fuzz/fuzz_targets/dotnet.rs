//! The ECMA-335 metadata reader alone (`iisweep::dotnet::parse_with_tables`,
//! which runs the lean read a sweep uses and then lists every table row).
//!
//! Input layout: a 16-byte prefix, then the "file".
//!
//! | prefix bytes | meaning                                                   |
//! |--------------|-----------------------------------------------------------|
//! | 0..4         | CLR header RVA, taken as `0x2000 + (v % file.len())`       |
//! | 4..8         | CLR directory size (raw)                                  |
//! | 8..12        | section A `VirtualAddress`                                |
//! | 12..16       | section A `PointerToRawData` (taken modulo `file.len()`)  |
//!
//! Sections: A (from the prefix, covering `file[ptr..]`) first, then B at
//! RVA 0x2000 covering the whole file. The CLR RVA always lands inside B
//! (or inside A, which is tried first), so every non-empty input reaches
//! the COR20 header reader. `seed.sh` writes the real mapping of each seed
//! assembly's CLR section into A, so the seeds' metadata RVAs resolve as in
//! the real image and their mutants keep reaching the metadata root, heap
//! and table readers. The regression test `tests/fuzz_regressions.rs`
//! repeats this decoding; change both together.
#![no_main]

use iisweep::dotnet::{parse_with_tables, SectionMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (prefix, file) = data.split_at(16);
    let word = |i: usize| u32::from_le_bytes(prefix[i..i + 4].try_into().unwrap());
    let len = file.len() as u32;
    let clr_rva = 0x2000u32.wrapping_add(word(0) % len.max(1));
    let clr_size = word(4);
    let a_ptr = word(12) % len.max(1);
    let sections = [
        SectionMap {
            virtual_address: word(8),
            virtual_size: len - a_ptr,
            pointer_to_raw_data: a_ptr,
            size_of_raw_data: len - a_ptr,
        },
        SectionMap {
            virtual_address: 0x2000,
            virtual_size: len,
            pointer_to_raw_data: 0,
            size_of_raw_data: len,
        },
    ];
    let _ = parse_with_tables(file, clr_rva, clr_size, &sections);
});
