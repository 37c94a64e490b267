//! PE facts: headers, sections, imports, exports, debug and version data.
//!
//! goblin parses the DOS, COFF and optional headers, the section table, the
//! export directory header, the debug directory and the resource tree (in
//! `ParseMode::Permissive`); what it read becomes the one [`Layout`] every
//! later reader maps RVAs through. The export, import and delay-import
//! tables are read by hand (see their modules for why). Each data directory
//! is parsed on its own: a broken one adds a message to `PeFacts::errors`
//! and never hides the others. Only a file whose headers cannot be read at
//! all is an error.

pub mod capabilities;
pub mod exports;
pub mod imports;
pub mod layout;
pub mod ordinals;
pub mod roles;
pub mod version;

use goblin::pe::header::Header;
use goblin::pe::options::{ParseMode, ParseOptions};
use goblin::pe::section_table::SectionTable;

pub use exports::{Export, ExportTable};
pub use imports::{ImportedDll, ImportedFunction};
pub use layout::{DataDirectory, Layout, OptionalHeader, SectionHeader};
pub use roles::{ExportRoles, RoleExport};

use crate::util::{u16_at, u32_at, Problems};

/// Most sections read from the section table: every one the field can
/// declare. Windows Vista and later map up to 65,535 (XP stopped at 96); a
/// cap below that would hide what sits in the sections past it.
pub const MAX_SECTIONS: usize = u16::MAX as usize;

/// Strings from the `VS_VERSIONINFO` resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionInfo {
    /// `OriginalFilename`.
    pub original_file_name: Option<String>,
    /// `InternalName`.
    pub internal_name: Option<String>,
    /// `CompanyName`.
    pub company: Option<String>,
    /// `FileDescription`.
    pub description: Option<String>,
    /// `ProductName`.
    pub product: Option<String>,
    /// `FileVersion`.
    pub file_version: Option<String>,
    /// `ProductVersion`.
    pub product_version: Option<String>,
    /// `LegalCopyright`.
    pub legal_copyright: Option<String>,
}

impl VersionInfo {
    /// True when no string was found.
    pub fn is_empty(&self) -> bool {
        *self == VersionInfo::default()
    }
}

/// A byte range of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// File offset.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
}

/// The bytes of a PE file with its layout: what every structure reader
/// (exports, imports, .NET, Authenticode) takes.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    /// The whole file.
    pub bytes: &'a [u8],
    /// Its layout.
    pub layout: &'a Layout,
}

impl Image<'_> {
    /// File offset of `rva` (see [`Layout::rva_to_offset`]).
    pub fn offset(&self, rva: u32) -> Option<usize> {
        self.layout.rva_to_offset(rva)
    }
}

/// Everything read from one PE file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeFacts {
    /// Headers, sections and data directories.
    pub layout: Layout,
    /// Regular imports.
    pub imports: Vec<ImportedDll>,
    /// Delay-load imports.
    pub delay_imports: Vec<ImportedDll>,
    /// Export table (with ordinal-only entries).
    pub exports: Option<ExportTable>,
    /// IIS roles decided from the exports.
    pub export_roles: ExportRoles,
    /// pefile-compatible import hash.
    pub imphash: Option<String>,
    /// CodeView PDB path.
    pub pdb_path: Option<String>,
    /// Version resource strings.
    pub version_info: VersionInfo,
    /// Bytes after the last section's raw data.
    pub overlay: Option<Span>,
    /// Shannon entropy (bits per byte) of each section's raw data present
    /// in the file, in section order; empty when not computed.
    pub section_entropy: Vec<f64>,
    /// What the imports can do: capability -> `DLL!Function` (IIS
    /// components only; see [`capabilities`]).
    pub capabilities: std::collections::BTreeMap<&'static str, Vec<String>>,
    /// Header, server-variable and credential field names among the
    /// strings of a native component (see [`capabilities::request_names`]).
    pub request_names: Vec<String>,
    /// Structural problems met while reading; facts above are what could be read.
    pub errors: Vec<String>,
}

impl PeFacts {
    /// Machine name (`x86`, `x86_64`, `arm64`, ...) or the hex value.
    pub fn machine(&self) -> String {
        machine_name(self.layout.machine)
    }

    /// Subsystem name (empty without an optional header).
    pub fn subsystem(&self) -> String {
        self.layout
            .optional
            .as_ref()
            .map(|o| subsystem_name(o.subsystem))
            .unwrap_or_default()
    }

    /// `AddressOfEntryPoint` (0 without an optional header).
    pub fn entry_point(&self) -> u32 {
        self.layout.optional.as_ref().map_or(0, |o| o.entry_point)
    }

    /// `ImageBase` (0 without an optional header).
    pub fn image_base(&self) -> u64 {
        self.layout.optional.as_ref().map_or(0, |o| o.image_base)
    }

    /// The file has a CLR runtime header (a .NET assembly).
    pub fn is_dotnet(&self) -> bool {
        self.layout.clr_header().is_some()
    }

    /// The file has an Authenticode certificate table.
    pub fn has_certificate_table(&self) -> bool {
        self.layout.certificate_table().is_some()
    }
}

/// Why a file with the `MZ` magic yielded no PE facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPe(pub String);

/// The parse options iisweep hands to goblin.
pub fn goblin_options() -> ParseOptions {
    let mut o = ParseOptions::default()
        .with_parse_mode(ParseMode::Permissive)
        .with_parse_tls_data(false)
        .with_parse_imports(false);
    o.resolve_rva = true;
    o.parse_attribute_certificates = false;
    o
}

/// Read the PE facts of `bytes`. `Err` only when the headers cannot be read;
/// everything past them is best effort with messages in `errors`.
pub fn analyze(bytes: &[u8]) -> Result<PeFacts, NotPe> {
    let mut errors = Problems::new();
    let (layout, sections) = read_layout(bytes, &mut errors)?;
    let mut f = PeFacts {
        layout,
        ..PeFacts::default()
    };
    if f.layout.optional.is_some() {
        check_sections(&mut f, &mut errors);
        read_directories(bytes, &mut f, &sections, &mut errors);
    }
    f.errors = errors.finish();
    Ok(f)
}

/// Headers and section table as goblin reads them, turned into the
/// [`Layout`]; goblin's own section list is returned too, for goblin's
/// debug and resource parsers.
fn read_layout(bytes: &[u8], errors: &mut Problems) -> Result<(Layout, Vec<SectionTable>), NotPe> {
    let patched;
    let header = match Header::parse(bytes) {
        Ok(h) => h,
        Err(e) => {
            // Windows reads at most 16 data directories whatever
            // NumberOfRvaAndSizes says; goblin refuses larger counts. Parse a
            // copy of the headers with the count clamped, so the field cannot
            // hide the export table.
            match clamp_rva_count(bytes) {
                Some(copy) => {
                    patched = copy;
                    errors.push("optional header: NumberOfRvaAndSizes above 16; read as 16, as Windows does");
                    Header::parse(&patched).map_err(|e| NotPe(format!("PE headers: {e}")))?
                }
                None => {
                    // goblin refuses headers the loader accepts (an NT
                    // header inside the DOS header, an unknown optional
                    // magic): read them ourselves.
                    if let Some(l) = read_layout_by_hand(bytes, &format!("{e}"), errors) {
                        return Ok(l);
                    }
                    return coff_only(bytes, format!("{e}"), errors).map(|l| (l, Vec::new()));
                }
            }
        }
    };
    if header.signature != 0x0000_4550 {
        return Err(NotPe(format!(
            "no PE signature at e_lfanew {:#x}",
            header.dos_header.pe_pointer
        )));
    }
    let coff = header.coff_header;
    let e_lfanew = header.dos_header.pe_pointer as usize;
    let mut layout = coff_layout(bytes.len(), e_lfanew, &coff);
    let Some(opt) = header.optional_header else {
        // SizeOfOptionalHeader 0: goblin reads no optional header, but the
        // loader reads it at its fixed place all the same (and the section
        // table right after the COFF header, over it).
        if let Some(l) = read_layout_by_hand(bytes, "SizeOfOptionalHeader is 0", errors) {
            return Ok(l);
        }
        errors.push("no optional header: not an image");
        return Ok((layout, Vec::new()));
    };
    layout.optional = Some(optional_header(&opt, e_lfanew));
    let sections = read_section_table(bytes, &coff, layout.section_table_offset, errors);
    layout.sections = sections.iter().map(section_header).collect();
    layout.index_sections();
    Ok((layout, sections))
}

/// A layout with the COFF header's fields; the section table follows the
/// optional header's declared size.
fn coff_layout(file_len: usize, e_lfanew: usize, coff: &goblin::pe::header::CoffHeader) -> Layout {
    Layout {
        file_len,
        e_lfanew,
        machine: coff.machine,
        number_of_sections: coff.number_of_sections,
        time_date_stamp: coff.time_date_stamp,
        size_of_optional_header: coff.size_of_optional_header,
        characteristics: coff.characteristics,
        section_table_offset: e_lfanew
            .saturating_add(layout::PE_SIGNATURE_AND_COFF)
            .saturating_add(coff.size_of_optional_header as usize),
        ..Layout::default()
    }
}

/// The headers as the loader reads them, where goblin refuses them: `MZ`,
/// `e_lfanew` (any offset, the NT headers may overlap the DOS header), the
/// PE signature, the COFF header, and the optional header at its fixed
/// place whatever `SizeOfOptionalHeader` says (that field only places the
/// section table). PE32 or PE32+ comes from the magic, or from the machine
/// when the magic is neither. `None` when even that cannot be read.
fn read_layout_by_hand(
    bytes: &[u8],
    why: &str,
    errors: &mut Problems,
) -> Option<(Layout, Vec<SectionTable>)> {
    let e_lfanew = pe_signature_offset(bytes)?;
    let mut off = e_lfanew + 4;
    let coff = goblin::pe::header::CoffHeader::parse(bytes, &mut off).ok()?;
    let opt = e_lfanew + layout::PE_SIGNATURE_AND_COFF;
    let magic = u16_at(bytes, opt)?;
    let pe64 = match magic {
        goblin::pe::optional_header::MAGIC_64 => true,
        goblin::pe::optional_header::MAGIC_32 => false,
        // AMD64, ARM64, IA-64.
        _ => matches!(coff.machine, 0x8664 | 0xAA64 | 0x200),
    };
    let (dirs_at, count_at) = if pe64 { (112, 108) } else { (96, 92) };
    let count = (u32_at(bytes, opt + count_at)? as usize).min(layout::MAX_DATA_DIRECTORIES);
    let image_base = if pe64 {
        crate::util::u64_at(bytes, opt + 24)?
    } else {
        u64::from(u32_at(bytes, opt + 28)?)
    };
    let data_directories = (0..count)
        .map_while(|i| {
            let at = opt + dirs_at + i * 8;
            Some(DataDirectory {
                virtual_address: u32_at(bytes, at)?,
                size: u32_at(bytes, at + 4)?,
            })
        })
        .collect();
    let optional = OptionalHeader {
        offset: opt,
        magic,
        pe64,
        entry_point: u32_at(bytes, opt + 16)?,
        image_base,
        section_alignment: u32_at(bytes, opt + 32)?,
        file_alignment: u32_at(bytes, opt + 36)?,
        size_of_image: u32_at(bytes, opt + 56)?,
        size_of_headers: u32_at(bytes, opt + 60)?,
        subsystem: u16_at(bytes, opt + 68)?,
        checksum_offset: opt + 64,
        data_directories_offset: opt + dirs_at,
        data_directories,
    };
    errors.push(format!(
        "PE headers at {e_lfanew:#x} read by iisweep's own reader, as the loader reads them (goblin: {why})"
    ));
    let mut layout = coff_layout(bytes.len(), e_lfanew, &coff);
    layout.optional = Some(optional);
    let sections = read_section_table(bytes, &coff, layout.section_table_offset, errors);
    layout.sections = sections.iter().map(section_header).collect();
    layout.index_sections();
    Some((layout, sections))
}

/// The optional header's fields and positions (`e_lfanew` locates it).
fn optional_header(
    opt: &goblin::pe::optional_header::OptionalHeader,
    e_lfanew: usize,
) -> OptionalHeader {
    let pe64 = opt.standard_fields.magic == goblin::pe::optional_header::MAGIC_64;
    let offset = e_lfanew + layout::PE_SIGNATURE_AND_COFF;
    let w = &opt.windows_fields;
    let count = (w.number_of_rva_and_sizes as usize).min(layout::MAX_DATA_DIRECTORIES);
    OptionalHeader {
        offset,
        magic: opt.standard_fields.magic,
        pe64,
        entry_point: opt.standard_fields.address_of_entry_point,
        image_base: w.image_base,
        section_alignment: w.section_alignment,
        file_alignment: w.file_alignment,
        size_of_image: w.size_of_image,
        size_of_headers: w.size_of_headers,
        subsystem: w.subsystem,
        checksum_offset: offset + 64,
        data_directories_offset: offset + if pe64 { 112 } else { 96 },
        data_directories: opt.data_directories.data_directories[..count]
            .iter()
            .map(|d| {
                d.map(|(_, d)| DataDirectory {
                    virtual_address: d.virtual_address,
                    size: d.size,
                })
                .unwrap_or_default()
            })
            .collect(),
    }
}

/// Section headers from `at`, at most [`MAX_SECTIONS`], stopping at the
/// first one that cannot be read.
fn read_section_table(
    bytes: &[u8],
    coff: &goblin::pe::header::CoffHeader,
    at: usize,
    errors: &mut Problems,
) -> Vec<SectionTable> {
    let mut sections = Vec::new();
    if coff.number_of_sections as usize > MAX_SECTIONS {
        errors.push(format!(
            "section table at {at:#x}: NumberOfSections {} exceeds MAX_SECTIONS ({MAX_SECTIONS})",
            coff.number_of_sections
        ));
    }
    let mut off = at;
    // Long section names ("/123") index the COFF string table after the symbols.
    let strtab = (coff.pointer_to_symbol_table as usize)
        .saturating_add((coff.number_of_symbol_table as usize).saturating_mul(18));
    for i in 0..(coff.number_of_sections as usize).min(MAX_SECTIONS) {
        let start = off;
        match SectionTable::parse(bytes, &mut off, strtab) {
            Ok(s) => sections.push(s),
            // The loader never reads section names: a "/name" that is not a
            // string-table offset is only bytes, and the header is still
            // used (goblin refuses it).
            Err(_) if bytes.len() >= start.saturating_add(40) => {
                sections.push(raw_section_header(&bytes[start..start + 40]));
                off = start + 40;
            }
            Err(e) => {
                errors.push(format!("section table at {at:#x}: section {i}: {e}"));
                break;
            }
        }
    }
    sections
}

/// A 40-byte section header read as the loader reads it, the name as its
/// eight bytes.
fn raw_section_header(h: &[u8]) -> SectionTable {
    let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let mut name = [0u8; 8];
    name.copy_from_slice(&h[..8]);
    SectionTable {
        name,
        real_name: None,
        virtual_size: u32_at(8),
        virtual_address: u32_at(12),
        size_of_raw_data: u32_at(16),
        pointer_to_raw_data: u32_at(20),
        pointer_to_relocations: u32_at(24),
        pointer_to_linenumbers: u32_at(28),
        number_of_relocations: u16_at(32),
        number_of_linenumbers: u16_at(34),
        characteristics: u32_at(36),
    }
}

fn section_header(s: &SectionTable) -> SectionHeader {
    let name = match &s.real_name {
        Some(n) => n.clone(),
        None => {
            let end = s.name.iter().position(|&c| c == 0).unwrap_or(8);
            String::from_utf8_lossy(&s.name[..end]).into_owned()
        }
    };
    SectionHeader {
        name,
        virtual_address: s.virtual_address,
        virtual_size: s.virtual_size,
        pointer_to_raw_data: s.pointer_to_raw_data,
        size_of_raw_data: s.size_of_raw_data,
        characteristics: s.characteristics,
    }
}

/// Raw data past the end of the file, and the overlay after the last
/// section's raw data.
fn check_sections(f: &mut PeFacts, errors: &mut Problems) {
    let len = f.layout.file_len as u64;
    let mut raw_end = 0u64;
    for s in &f.layout.sections {
        let start = u64::from(s.pointer_to_raw_data);
        let end = start + u64::from(s.size_of_raw_data);
        if s.size_of_raw_data > 0 && end > len {
            errors.push(format!(
                "section {}: raw data {:#x}..{:#x} runs past end of file ({:#x})",
                s.name, start, end, len
            ));
        }
        if s.size_of_raw_data > 0 {
            raw_end = raw_end.max(end.min(len));
        }
    }
    if raw_end > 0 && len > raw_end {
        f.overlay = Some(Span {
            offset: raw_end,
            size: len - raw_end,
        });
    }
}

/// Every data directory iisweep reads, each on its own.
fn read_directories(
    bytes: &[u8],
    f: &mut PeFacts,
    sections: &[SectionTable],
    errors: &mut Problems,
) {
    use layout::{DIR_DEBUG, DIR_DELAY_IMPORT, DIR_EXPORT, DIR_IMPORT, DIR_RESOURCE};
    let image = Image {
        bytes,
        layout: &f.layout,
    };
    let pe64 = f.layout.optional.as_ref().is_some_and(|o| o.pe64);
    let image_base = f.image_base();
    if let Some(d) = f.layout.directory(DIR_EXPORT) {
        if let Some(t) = exports::read_exports(&image, d.virtual_address, d.size, errors) {
            f.export_roles = roles::classify(&t.exports);
            f.exports = Some(t);
        }
    }
    if let Some(d) = f.layout.directory(DIR_IMPORT) {
        let table = imports::Table::Import;
        f.imports =
            imports::read_imports(&image, table, d.virtual_address, pe64, image_base, errors);
        f.imphash = imports::imphash(&f.imports);
    }
    if let Some(d) = f.layout.directory(DIR_DELAY_IMPORT) {
        let table = imports::Table::Delay;
        f.delay_imports =
            imports::read_imports(&image, table, d.virtual_address, pe64, image_base, errors);
    }
    let opts = goblin_options();
    let file_alignment = f.layout.file_alignment();
    let goblin_dir = |d: DataDirectory| goblin::pe::data_directories::DataDirectory {
        virtual_address: d.virtual_address,
        size: d.size,
    };
    if let Some(d) = f.layout.directory(DIR_DEBUG) {
        match goblin::pe::debug::DebugData::parse_with_opts(
            bytes,
            goblin_dir(d),
            sections,
            file_alignment,
            &opts,
        ) {
            Ok(dbg) => f.pdb_path = pdb_path(&dbg),
            Err(e) => errors.push(format!(
                "debug directory at RVA {:#x}: {e}",
                d.virtual_address
            )),
        }
    }
    if let Some(d) = f.layout.directory(DIR_RESOURCE) {
        // Read by hand, through the one layout, as VerQueryValue reads it
        // (goblin drops blocks Windows reads: docs/decisions.md).
        f.version_info = version::read(bytes, &f.layout, d.virtual_address).unwrap_or_default();
    }
    if let Some(span) = f.layout.certificate_table() {
        if span.offset + span.size > bytes.len() as u64 {
            errors.push(format!(
                "certificate table at {:#x} (+{:#x}) runs past end of file",
                span.offset, span.size
            ));
        }
    }
}

/// The CodeView PDB path (PDB 7.0, else 2.0), up to its NUL.
fn pdb_path(dbg: &goblin::pe::debug::DebugData<'_>) -> Option<String> {
    let raw = dbg
        .codeview_pdb70_debug_info
        .map(|c| c.filename)
        .or(dbg.codeview_pdb20_debug_info.map(|c| c.filename))?;
    let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
    Some(String::from_utf8_lossy(&raw[..end]).into_owned())
}

/// Offset of the PE signature, when `bytes` has one at `e_lfanew`.
fn pe_signature_offset(bytes: &[u8]) -> Option<usize> {
    let lfanew = u32_at(bytes, 0x3c)? as usize;
    (u32_at(bytes, lfanew)? == 0x0000_4550).then_some(lfanew)
}

/// A copy of the headers with NumberOfRvaAndSizes clamped to 16, when that
/// field is what is wrong.
fn clamp_rva_count(bytes: &[u8]) -> Option<Vec<u8>> {
    let pe = pe_signature_offset(bytes)?;
    let opt = pe.checked_add(layout::PE_SIGNATURE_AND_COFF)?;
    let field = match u16_at(bytes, opt)? {
        goblin::pe::optional_header::MAGIC_32 => opt + 92,
        goblin::pe::optional_header::MAGIC_64 => opt + 108,
        _ => return None,
    };
    if u32_at(bytes, field)? <= 16 {
        return None;
    }
    let mut copy = bytes[..bytes.len().min(field.saturating_add(4096))].to_vec();
    copy[field..field + 4].copy_from_slice(&16u32.to_le_bytes());
    Some(copy)
}

/// The layout from the COFF header alone, for a file with a PE signature
/// whose optional header goblin cannot read (truncated, bogus magic).
fn coff_only(bytes: &[u8], why: String, errors: &mut Problems) -> Result<Layout, NotPe> {
    let Some(pe) = pe_signature_offset(bytes) else {
        return Err(NotPe(format!("PE headers: {why}")));
    };
    let mut off = pe + 4;
    let coff = goblin::pe::header::CoffHeader::parse(bytes, &mut off)
        .map_err(|e| NotPe(format!("COFF header at {:#x}: {e}", pe + 4)))?;
    errors.push(format!(
        "optional header at {off:#x}: {why}; only the COFF header was read"
    ));
    Ok(Layout {
        optional_unreadable: true,
        ..coff_layout(bytes.len(), pe, &coff)
    })
}

/// Fill in the entropy of every section from the file bytes.
pub fn compute_entropy(facts: &mut PeFacts, bytes: &[u8]) {
    facts.section_entropy = facts
        .layout
        .sections
        .iter()
        .map(|s| {
            let start = (s.pointer_to_raw_data as usize).min(bytes.len());
            let end = start
                .saturating_add(s.size_of_raw_data as usize)
                .min(bytes.len());
            entropy(&bytes[start..end])
        })
        .collect();
}

/// Shannon entropy in bits per byte (0 for an empty slice), rounded to
/// three decimals.
pub fn entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    // Four histograms, so consecutive equal bytes do not serialize on one
    // counter (about 3x faster on long runs); u32 is enough per histogram
    // for any file under 16 GiB.
    let mut h = [[0u32; 256]; 4];
    let mut quads = data.chunks_exact(4);
    for q in &mut quads {
        h[0][q[0] as usize] += 1;
        h[1][q[1] as usize] += 1;
        h[2][q[2] as usize] += 1;
        h[3][q[3] as usize] += 1;
    }
    for &b in quads.remainder() {
        h[0][b as usize] += 1;
    }
    let n = data.len() as f64;
    let e: f64 = (0..256)
        .map(|i| h.iter().map(|t| u64::from(t[i])).sum::<u64>())
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    // `+ 0.0` turns the -0.0 of a constant section into 0.0.
    (e * 1000.0).round() / 1000.0 + 0.0
}

/// `r`, `w`, `x` flags of section characteristics, e.g. `"r-x"`.
pub fn section_flags(c: u32) -> String {
    use goblin::pe::section_table::{
        IMAGE_SCN_MEM_EXECUTE, IMAGE_SCN_MEM_READ, IMAGE_SCN_MEM_WRITE,
    };
    [
        (IMAGE_SCN_MEM_READ, 'r'),
        (IMAGE_SCN_MEM_WRITE, 'w'),
        (IMAGE_SCN_MEM_EXECUTE, 'x'),
    ]
    .iter()
    .map(|&(bit, ch)| if c & bit != 0 { ch } else { '-' })
    .collect()
}

fn machine_name(m: u16) -> String {
    match m {
        0x014c => "x86".into(),
        0x8664 => "x86_64".into(),
        0xaa64 => "arm64".into(),
        0x01c4 => "armnt".into(),
        0x01c0 => "arm".into(),
        0x0200 => "ia64".into(),
        0xa641 => "arm64ec".into(),
        _ => format!("{m:#06x}"),
    }
}

fn subsystem_name(s: u16) -> String {
    match s {
        1 => "native".into(),
        2 => "windows_gui".into(),
        3 => "windows_cui".into(),
        9 => "windows_ce_gui".into(),
        10 => "efi_application".into(),
        14 => "xbox".into(),
        16 => "windows_boot_application".into(),
        0 => "unknown".into(),
        _ => format!("{s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[7; 100]), 0.0);
        assert!(entropy(&[7; 100]).is_sign_positive(), "never -0.0");
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(entropy(&all), 8.0);
    }

    #[test]
    fn flags() {
        assert_eq!(section_flags(0x6000_0020), "r-x");
        assert_eq!(section_flags(0xc000_0040), "rw-");
        assert_eq!(section_flags(0), "---");
    }

    #[test]
    fn garbage_is_not_pe() {
        assert!(analyze(b"MZ").is_err());
        assert!(analyze(&[0u8; 4096]).is_err());
    }
}
