//! The one reading of a PE file's layout: where the headers are, the
//! section table, the alignments, the data directories, the checksum and
//! security-directory fields, the certificate table, and the one mapping
//! from an RVA to a file offset.
//!
//! Every reader of PE structures (exports, imports, .NET metadata,
//! Authenticode, and the IL and disassembly work to come) takes its offsets
//! from here, so two readers can never map the same RVA differently.
//!
//! Error policy: a `Layout` holds only values read from the file; nothing
//! here reads past the end of the file or panics.

use super::Span;

/// `IMAGE_DIRECTORY_ENTRY_EXPORT`.
pub const DIR_EXPORT: usize = 0;
/// `IMAGE_DIRECTORY_ENTRY_IMPORT`.
pub const DIR_IMPORT: usize = 1;
/// `IMAGE_DIRECTORY_ENTRY_RESOURCE`.
pub const DIR_RESOURCE: usize = 2;
/// `IMAGE_DIRECTORY_ENTRY_SECURITY` (a file offset, not an RVA).
pub const DIR_SECURITY: usize = 4;
/// `IMAGE_DIRECTORY_ENTRY_DEBUG`.
pub const DIR_DEBUG: usize = 6;
/// `IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT`.
pub const DIR_DELAY_IMPORT: usize = 13;
/// `IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR` (the CLR runtime header).
pub const DIR_CLR: usize = 14;
/// Data directories the loader reads at most (`IMAGE_NUMBEROF_DIRECTORY_ENTRIES`).
pub const MAX_DATA_DIRECTORIES: usize = 16;

/// Size of the PE signature plus `IMAGE_FILE_HEADER`.
pub const PE_SIGNATURE_AND_COFF: usize = 4 + 20;
/// Size of one `IMAGE_SECTION_HEADER`.
pub const SECTION_HEADER_SIZE: usize = 40;

/// One `IMAGE_SECTION_HEADER`, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionHeader {
    /// Name (the 8-byte field up to its NUL, or the long name from the COFF
    /// string table), invalid UTF-8 replaced.
    pub name: String,
    /// `VirtualAddress`.
    pub virtual_address: u32,
    /// `VirtualSize` (`Misc`).
    pub virtual_size: u32,
    /// `PointerToRawData`.
    pub pointer_to_raw_data: u32,
    /// `SizeOfRawData`.
    pub size_of_raw_data: u32,
    /// `Characteristics`.
    pub characteristics: u32,
}

/// One `IMAGE_DATA_DIRECTORY`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataDirectory {
    /// `VirtualAddress` (a file offset for the security directory).
    pub virtual_address: u32,
    /// `Size`.
    pub size: u32,
}

/// The optional header's fields iisweep uses, with their file positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalHeader {
    /// File offset of the optional header.
    pub offset: usize,
    /// `Magic` (0x10b PE32, 0x20b PE32+).
    pub magic: u16,
    /// PE32+ (64-bit fields).
    pub pe64: bool,
    /// `AddressOfEntryPoint`.
    pub entry_point: u32,
    /// `ImageBase`.
    pub image_base: u64,
    /// `SectionAlignment`.
    pub section_alignment: u32,
    /// `FileAlignment`.
    pub file_alignment: u32,
    /// `SizeOfImage`.
    pub size_of_image: u32,
    /// `SizeOfHeaders`.
    pub size_of_headers: u32,
    /// `Subsystem`.
    pub subsystem: u16,
    /// File offset of the `CheckSum` field.
    pub checksum_offset: usize,
    /// File offset of the first `IMAGE_DATA_DIRECTORY`.
    pub data_directories_offset: usize,
    /// The data directories as the loader reads them (at most
    /// [`MAX_DATA_DIRECTORIES`], whatever `NumberOfRvaAndSizes` says).
    pub data_directories: Vec<DataDirectory>,
}

/// The layout of one PE file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Length of the file in bytes.
    pub file_len: usize,
    /// `e_lfanew`: file offset of the PE signature.
    pub e_lfanew: usize,
    /// COFF `Machine`.
    pub machine: u16,
    /// COFF `NumberOfSections` as declared.
    pub number_of_sections: u16,
    /// COFF `TimeDateStamp`.
    pub time_date_stamp: u32,
    /// COFF `SizeOfOptionalHeader`.
    pub size_of_optional_header: u16,
    /// COFF `Characteristics`.
    pub characteristics: u16,
    /// The optional header; `None` when absent or unreadable.
    pub optional: Option<OptionalHeader>,
    /// The optional header is present but could not be read (only the COFF
    /// header was).
    pub optional_unreadable: bool,
    /// File offset of the section table.
    pub section_table_offset: usize,
    /// The section headers that could be read.
    pub sections: Vec<SectionHeader>,
    /// The sections' mapped extents ascend in table order without
    /// overlapping (as the loader requires), so an RVA is found by binary
    /// search; otherwise by a scan in table order. Set by
    /// [`Layout::index_sections`].
    pub sections_sorted: bool,
}

impl Layout {
    /// `IMAGE_FILE_DLL` is set.
    pub fn is_dll(&self) -> bool {
        self.characteristics & 0x2000 != 0
    }

    /// `PE32`, `PE32+`, `none` (no optional header) or `unknown` (one that
    /// could not be read).
    pub fn format(&self) -> &'static str {
        match &self.optional {
            Some(o) if o.pe64 => "PE32+",
            Some(_) => "PE32",
            None if self.optional_unreadable => "unknown",
            None => "none",
        }
    }

    /// Data directory `index` when present and non-zero in address.
    pub fn directory(&self, index: usize) -> Option<DataDirectory> {
        self.optional
            .as_ref()?
            .data_directories
            .get(index)
            .copied()
            .filter(|d| d.virtual_address != 0)
    }

    /// File offset of the security directory entry (8 bytes), when the
    /// optional header has one.
    pub fn security_directory_offset(&self) -> Option<usize> {
        let o = self.optional.as_ref()?;
        (o.data_directories.len() > DIR_SECURITY)
            .then(|| o.data_directories_offset + DIR_SECURITY * 8)
    }

    /// The Authenticode certificate table (the security directory holds a
    /// file offset, not an RVA), when present and non-empty.
    pub fn certificate_table(&self) -> Option<Span> {
        self.directory(DIR_SECURITY)
            .filter(|d| d.size != 0)
            .map(|d| Span {
                offset: u64::from(d.virtual_address),
                size: u64::from(d.size),
            })
    }

    /// The CLR runtime header directory (RVA, size), present on .NET assemblies.
    pub fn clr_header(&self) -> Option<(u32, u32)> {
        self.directory(DIR_CLR).map(|d| (d.virtual_address, d.size))
    }

    /// `FileAlignment`, 0 without an optional header.
    pub fn file_alignment(&self) -> u32 {
        self.optional.as_ref().map_or(0, |o| o.file_alignment)
    }

    /// Decides [`Layout::sections_sorted`]; call after filling `sections`.
    pub fn index_sections(&mut self) {
        let fa = self.file_alignment() as usize;
        self.sections_sorted = fa.is_power_of_two()
            && self.sections.windows(2).all(|w| {
                let end = w[0].virtual_address as usize + read_size(&w[0], fa);
                end <= w[1].virtual_address as usize && w[0].virtual_address <= w[1].virtual_address
            });
    }

    /// Low-alignment image: `SectionAlignment` below a page and equal to
    /// `FileAlignment`. The loader maps the file as it is, so every RVA is
    /// its own file offset (sections or none).
    fn low_alignment(&self) -> bool {
        self.optional.as_ref().is_some_and(|o| {
            o.section_alignment < 0x1000
                && o.section_alignment == o.file_alignment
                && o.file_alignment != 0
        })
    }

    /// File offset of `rva`, when a section (or the headers) holds it and
    /// it lies inside the file.
    ///
    /// A section maps `[VirtualAddress, VirtualAddress + read size)` to
    /// `PointerToRawData + delta`, where the read size follows Peter
    /// Ferrie's rules (the raw extent rounded by `FileAlignment`, capped by
    /// the raw and virtual sizes rounded up to 4 KiB; nothing for a section
    /// with no raw data). RVAs below the first section's raw data map one
    /// to one (the headers), as pefile does.
    pub fn rva_to_offset(&self, rva: u32) -> Option<usize> {
        if self.low_alignment() {
            return ((rva as usize) < self.file_len).then_some(rva as usize);
        }
        let off = self.section_offset(rva).or_else(|| {
            // Without sections the headers' mapping is all there is; it
            // covers the file (as pefile maps it).
            let first = match self.sections.is_empty() {
                true => u32::try_from(self.file_len).unwrap_or(u32::MAX),
                false => self
                    .sections
                    .iter()
                    .map(|s| s.pointer_to_raw_data)
                    .filter(|&p| p > 0)
                    .min()?,
            };
            (rva < first).then_some(rva as usize)
        })?;
        (off < self.file_len).then_some(off)
    }

    /// Offset of `rva` through the first section whose mapped extent holds
    /// it; `None` when `FileAlignment` is not a power of two.
    fn section_offset(&self, rva: u32) -> Option<usize> {
        let fa = self.file_alignment() as usize;
        if fa == 0 || !fa.is_power_of_two() {
            return None;
        }
        let rva = rva as usize;
        let map = |s: &SectionHeader| {
            let start = s.virtual_address as usize;
            let end = start + read_size(s, fa);
            (start <= rva && rva < end).then(|| raw_start(s, fa) + (rva - start))
        };
        if self.sections_sorted {
            let i = self
                .sections
                .partition_point(|s| s.virtual_address as usize <= rva);
            return i.checked_sub(1).and_then(|i| map(&self.sections[i]));
        }
        self.sections.iter().find_map(map)
    }

    /// A layout with only a section table, for tests and fuzz targets that
    /// hand a reader synthetic sections (`FileAlignment` 0x200).
    pub fn synthetic(file_len: usize, sections: Vec<SectionHeader>) -> Layout {
        Layout {
            file_len,
            optional: Some(OptionalHeader {
                file_alignment: 0x200,
                section_alignment: 0x1000,
                ..OptionalHeader::default()
            }),
            sections_sorted: false,
            sections,
            ..Layout::default()
        }
    }
}

/// Where a section's raw data starts: `PointerToRawData` rounded down to
/// 512 bytes when `FileAlignment` is at least that (the image mapper keeps
/// only the sector number, WRK `MiCreateImageFileMap`; pefile's
/// `adjust_FileAlignment` does the same).
fn raw_start(s: &SectionHeader, file_alignment: usize) -> usize {
    let p = s.pointer_to_raw_data as usize;
    if file_alignment >= 0x200 {
        p & !0x1ff
    } else {
        p
    }
}

/// How many bytes from `VirtualAddress` a section maps to its raw data.
fn read_size(s: &SectionHeader, file_alignment: usize) -> usize {
    let page = |n: usize| (n + 0xfff) & !0xfff;
    let raw = s.size_of_raw_data as usize;
    if raw == 0 {
        return 0;
    }
    let ptr = s.pointer_to_raw_data as usize;
    let aligned_ptr = ptr & !0x1ff;
    let size = ((ptr + raw + file_alignment - 1) & !(file_alignment - 1)) - aligned_ptr;
    let size = size.min(page(raw));
    match s.virtual_size as usize {
        0 => size,
        v => size.min(page(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(va: u32, vsize: u32, ptr: u32, raw: u32) -> SectionHeader {
        SectionHeader {
            virtual_address: va,
            virtual_size: vsize,
            pointer_to_raw_data: ptr,
            size_of_raw_data: raw,
            ..SectionHeader::default()
        }
    }

    /// What the .NET reader used to do on its own: raw data only, no
    /// headers, no rounding.
    fn old_dotnet_mapper(l: &Layout, rva: u32) -> Option<usize> {
        l.sections.iter().find_map(|s| {
            let delta = rva.checked_sub(s.virtual_address)?;
            let span = s.virtual_size.max(s.size_of_raw_data);
            (delta < span && delta < s.size_of_raw_data)
                .then(|| s.pointer_to_raw_data as usize + delta as usize)
        })
    }

    #[test]
    fn headers_map_one_to_one_below_the_first_section() {
        let l = Layout::synthetic(0x3000, vec![section(0x1000, 0x800, 0x400, 0x800)]);
        // A CLR header placed in the headers: the loader maps it (the headers
        // are mapped at RVA 0), the old .NET mapper did not.
        assert_eq!(l.rva_to_offset(0x80), Some(0x80));
        assert_eq!(old_dotnet_mapper(&l, 0x80), None);
        assert_eq!(l.rva_to_offset(0x1010), Some(0x410));
        assert_eq!(
            l.rva_to_offset(0x400),
            None,
            "past the headers, in no section"
        );
    }

    #[test]
    fn mapping_stops_at_the_file_and_at_the_rounded_extent() {
        let l = Layout::synthetic(0x1000, vec![section(0x2000, 0x100, 0x200, 0x2000)]);
        // Virtual size rounds up to one page: 0x2000..0x3000 maps.
        assert_eq!(l.rva_to_offset(0x2010), Some(0x210));
        assert_eq!(
            l.rva_to_offset(0x2fff),
            None,
            "offset 0x11ff is past the file"
        );
        let l = Layout {
            file_len: 0x10000,
            ..l
        };
        assert_eq!(l.rva_to_offset(0x2fff), Some(0x11ff));
        assert_eq!(l.rva_to_offset(0x3000), None);
        // A section without raw data maps nothing.
        let l = Layout::synthetic(0x10000, vec![section(0x1000, 0x1000, 0x400, 0)]);
        assert_eq!(l.rva_to_offset(0x1000), None);
    }

    #[test]
    fn no_mapping_without_a_power_of_two_alignment() {
        let mut l = Layout::synthetic(0x10000, vec![section(0x1000, 0x1000, 0x400, 0x1000)]);
        l.optional.as_mut().unwrap().file_alignment = 0x300;
        assert_eq!(l.rva_to_offset(0x1000), None);
        assert_eq!(l.rva_to_offset(0x10), Some(0x10), "headers still map");
    }
}
