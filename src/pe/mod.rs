//! PE facts: headers, sections, imports, exports, debug and version data.
//!
//! goblin parses the DOS, COFF and optional headers, the section table, the
//! export directory header, the debug directory and the resource tree (in
//! `ParseMode::Permissive`). The export, import and delay-import tables are
//! read by hand (see their modules for why). Each data directory is parsed on
//! its own: a broken one adds a message to `PeFacts::errors` and never hides
//! the others. Only a file whose headers cannot be read at all is an error.

pub mod exports;
pub mod imports;
pub mod ordinals;
pub mod read;
pub mod roles;

use goblin::pe::header::Header;
use goblin::pe::options::{ParseMode, ParseOptions};
use goblin::pe::section_table::SectionTable;
use serde::Serialize;

pub use exports::{Export, ExportTable};
pub use imports::{ImportedDll, ImportedFunction};
pub use roles::{ExportRoles, Role, RoleExport};

use read::Rva;

/// Most sections read from the section table.
pub const MAX_SECTIONS: usize = 96;

/// One section header, plus entropy when computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Name (the 8-byte field, or the long name goblin resolved).
    pub name: String,
    /// `VirtualAddress`.
    pub virtual_address: u32,
    /// `VirtualSize`.
    pub virtual_size: u32,
    /// `PointerToRawData`.
    pub raw_offset: u32,
    /// `SizeOfRawData`.
    pub raw_size: u32,
    /// `Characteristics`.
    pub characteristics: u32,
    /// `r`, `w`, `x` flags from the characteristics, e.g. `"r-x"`.
    pub flags: String,
    /// Shannon entropy (bits per byte) of the raw data present in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
}

/// Strings from the `VS_VERSIONINFO` resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// `OriginalFilename`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file_name: Option<String>,
    /// `InternalName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_name: Option<String>,
    /// `CompanyName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// `FileDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `ProductName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `FileVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_version: Option<String>,
    /// `ProductVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    /// `LegalCopyright`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_copyright: Option<String>,
}

impl VersionInfo {
    fn is_empty(&self) -> bool {
        *self == VersionInfo::default()
    }
}

/// A byte range of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// File offset.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
}

/// Everything read from one PE file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PeFacts {
    /// Machine name (`x86`, `x86_64`, `arm64`, ...) or the hex value.
    pub machine: String,
    /// `PE32` or `PE32+` (or `none` without an optional header).
    pub format: &'static str,
    /// `IMAGE_FILE_DLL` is set.
    pub is_dll: bool,
    /// Subsystem name.
    pub subsystem: String,
    /// COFF `TimeDateStamp`.
    pub timestamp: u32,
    /// The time stamp as RFC 3339 UTC.
    pub timestamp_utc: String,
    /// `AddressOfEntryPoint` (RVA).
    pub entry_point: u32,
    /// `ImageBase`.
    pub image_base: u64,
    /// Section table.
    pub sections: Vec<Section>,
    /// Regular imports.
    pub imports: Vec<ImportedDll>,
    /// Delay-load imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub delay_imports: Vec<ImportedDll>,
    /// Export table (with ordinal-only entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exports: Option<ExportTable>,
    /// IIS roles decided from the exports (serialized at the top of the
    /// record as `iisweep.roles`, `incomplete_roles`, ... instead).
    #[serde(skip)]
    pub export_roles: ExportRoles,
    /// pefile-compatible import hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imphash: Option<String>,
    /// CodeView PDB path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdb_path: Option<String>,
    /// Version resource strings.
    #[serde(skip_serializing_if = "VersionInfo::is_empty")]
    pub version_info: VersionInfo,
    /// Bytes after the last section's raw data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<Span>,
    /// The Authenticode certificate table (`IMAGE_DIRECTORY_ENTRY_SECURITY`), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_table: Option<Span>,
    /// The CLR runtime header directory (RVA, size), present on .NET assemblies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clr_header: Option<(u32, u32)>,
    /// Structural problems met while reading; facts above are what could be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
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
    let opts = goblin_options();
    let mut early_errors = Vec::new();
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
                    early_errors.push("optional header: NumberOfRvaAndSizes above 16; read as 16, as Windows does".to_string());
                    Header::parse(&patched).map_err(|e| NotPe(format!("PE headers: {e}")))?
                }
                None => return coff_only(bytes, format!("{e}")),
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
    let mut f = PeFacts {
        errors: early_errors,
        machine: machine_name(coff.machine),
        is_dll: coff.characteristics & goblin::pe::characteristic::IMAGE_FILE_DLL != 0,
        timestamp: coff.time_date_stamp,
        timestamp_utc: rfc3339(coff.time_date_stamp as i64),
        format: "none",
        ..PeFacts::default()
    };
    let Some(opt) = header.optional_header else {
        f.errors.push("no optional header: not an image".into());
        return Ok(f);
    };
    let pe64 = opt.standard_fields.magic == goblin::pe::optional_header::MAGIC_64;
    f.format = if pe64 { "PE32+" } else { "PE32" };
    f.subsystem = subsystem_name(opt.windows_fields.subsystem);
    f.entry_point = opt.standard_fields.address_of_entry_point as u32;
    f.image_base = opt.windows_fields.image_base;
    let file_alignment = opt.windows_fields.file_alignment;

    // Section table.
    let sect_off = (header.dos_header.pe_pointer as usize)
        .saturating_add(4 + goblin::pe::header::SIZEOF_COFF_HEADER)
        .saturating_add(coff.size_of_optional_header as usize);
    let mut sections: Vec<SectionTable> = Vec::new();
    if coff.number_of_sections as usize > MAX_SECTIONS {
        f.errors.push(format!("section table at {sect_off:#x}: NumberOfSections {} exceeds MAX_SECTIONS ({MAX_SECTIONS})", coff.number_of_sections));
    }
    let mut off = sect_off;
    // Long section names ("/123") index the COFF string table after the symbols.
    let strtab = (coff.pointer_to_symbol_table as usize)
        .saturating_add((coff.number_of_symbol_table as usize).saturating_mul(18));
    for i in 0..(coff.number_of_sections as usize).min(MAX_SECTIONS) {
        match SectionTable::parse(bytes, &mut off, strtab) {
            Ok(s) => sections.push(s),
            Err(e) => {
                f.errors
                    .push(format!("section table at {sect_off:#x}: section {i}: {e}"));
                break;
            }
        }
    }
    let len = bytes.len() as u64;
    let mut raw_end = 0u64;
    for s in &sections {
        let start = s.pointer_to_raw_data as u64;
        let end = start + s.size_of_raw_data as u64;
        if s.size_of_raw_data > 0 && end > len {
            f.errors.push(format!(
                "section {}: raw data {:#x}..{:#x} runs past end of file ({:#x})",
                section_name(s),
                start,
                end,
                len
            ));
        }
        if s.size_of_raw_data > 0 {
            raw_end = raw_end.max(end.min(len));
        }
        f.sections.push(Section {
            name: section_name(s),
            virtual_address: s.virtual_address,
            virtual_size: s.virtual_size,
            raw_offset: s.pointer_to_raw_data,
            raw_size: s.size_of_raw_data,
            characteristics: s.characteristics,
            flags: section_flags(s.characteristics),
            entropy: None,
        });
    }
    if raw_end > 0 && len > raw_end {
        f.overlay = Some(Span {
            offset: raw_end,
            size: len - raw_end,
        });
    }

    let rva = Rva {
        bytes,
        sections: &sections,
        file_alignment,
        opts: &opts,
    };
    let dd = &opt.data_directories;

    if let Some(d) = dd.get_export_table().filter(|d| d.virtual_address != 0) {
        if let Some(t) = exports::read_exports(&rva, d.virtual_address, d.size, &mut f.errors) {
            f.export_roles = roles::classify(&t.exports);
            f.exports = Some(t);
        }
    }
    if let Some(d) = dd.get_import_table().filter(|d| d.virtual_address != 0) {
        f.imports = imports::read_imports(
            &rva,
            imports::Table::Import,
            d.virtual_address,
            pe64,
            f.image_base,
            &mut f.errors,
        );
        f.imphash = imports::imphash(&f.imports);
    }
    if let Some(d) = dd
        .get_delay_import_descriptor()
        .filter(|d| d.virtual_address != 0)
    {
        f.delay_imports = imports::read_imports(
            &rva,
            imports::Table::Delay,
            d.virtual_address,
            pe64,
            f.image_base,
            &mut f.errors,
        );
    }
    if let Some(d) = dd.get_debug_table().filter(|d| d.virtual_address != 0) {
        match goblin::pe::debug::DebugData::parse_with_opts(
            bytes,
            *d,
            &sections,
            file_alignment,
            &opts,
        ) {
            Ok(dbg) => {
                let raw = dbg
                    .codeview_pdb70_debug_info
                    .map(|c| c.filename)
                    .or(dbg.codeview_pdb20_debug_info.map(|c| c.filename));
                if let Some(raw) = raw {
                    let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
                    f.pdb_path = Some(String::from_utf8_lossy(&raw[..end]).into_owned());
                }
            }
            Err(e) => f.errors.push(format!(
                "debug directory at RVA {:#x}: {e}",
                d.virtual_address
            )),
        }
    }
    if let Some(d) = dd.get_resource_table().filter(|d| d.virtual_address != 0) {
        match goblin::pe::resource::ResourceData::parse_with_opts(
            bytes,
            *d,
            &sections,
            file_alignment,
            &opts,
        ) {
            Ok(res) => {
                if let Some(v) = res.version_info {
                    let s = &v.string_info;
                    f.version_info = VersionInfo {
                        original_file_name: s.original_filename(),
                        internal_name: s.internal_name(),
                        company: s.company_name(),
                        description: s.file_description(),
                        product: s.product_name(),
                        file_version: s.file_version(),
                        product_version: s.product_version(),
                        legal_copyright: s.legal_copyright(),
                    };
                }
            }
            Err(e) => f.errors.push(format!(
                "resource directory at RVA {:#x}: {e}",
                d.virtual_address
            )),
        }
    }
    if let Some(d) = dd
        .get_certificate_table()
        .filter(|d| d.virtual_address != 0 && d.size != 0)
    {
        // The security directory holds a file offset, not an RVA.
        let span = Span {
            offset: d.virtual_address as u64,
            size: d.size as u64,
        };
        if span.offset + span.size > len {
            f.errors.push(format!(
                "certificate table at {:#x} (+{:#x}) runs past end of file",
                span.offset, span.size
            ));
        }
        f.certificate_table = Some(span);
    }
    if let Some(d) = dd
        .get_clr_runtime_header()
        .filter(|d| d.virtual_address != 0)
    {
        f.clr_header = Some((d.virtual_address, d.size));
    }
    Ok(f)
}

/// Offset of the PE signature, when `bytes` has one at `e_lfanew`.
fn pe_signature_offset(bytes: &[u8]) -> Option<usize> {
    let lfanew = read::read_u32(bytes, 0x3c)? as usize;
    (read::read_u32(bytes, lfanew)? == 0x0000_4550).then_some(lfanew)
}

/// A copy of the headers with NumberOfRvaAndSizes clamped to 16, when that
/// field is what is wrong.
fn clamp_rva_count(bytes: &[u8]) -> Option<Vec<u8>> {
    let pe = pe_signature_offset(bytes)?;
    let opt = pe.checked_add(4 + goblin::pe::header::SIZEOF_COFF_HEADER)?;
    let field = match read::read_u16(bytes, opt)? {
        goblin::pe::optional_header::MAGIC_32 => opt + 92,
        goblin::pe::optional_header::MAGIC_64 => opt + 108,
        _ => return None,
    };
    if read::read_u32(bytes, field)? <= 16 {
        return None;
    }
    let mut copy = bytes[..bytes.len().min(field.saturating_add(4096))].to_vec();
    copy[field..field + 4].copy_from_slice(&16u32.to_le_bytes());
    Some(copy)
}

/// Facts from the COFF header alone, for a file with a PE signature whose
/// optional header goblin cannot read (truncated, bogus magic).
fn coff_only(bytes: &[u8], why: String) -> Result<PeFacts, NotPe> {
    let Some(pe) = pe_signature_offset(bytes) else {
        return Err(NotPe(format!("PE headers: {why}")));
    };
    let mut off = pe + 4;
    let coff = goblin::pe::header::CoffHeader::parse(bytes, &mut off)
        .map_err(|e| NotPe(format!("COFF header at {:#x}: {e}", pe + 4)))?;
    Ok(PeFacts {
        machine: machine_name(coff.machine),
        format: "unknown",
        is_dll: coff.characteristics & goblin::pe::characteristic::IMAGE_FILE_DLL != 0,
        timestamp: coff.time_date_stamp,
        timestamp_utc: rfc3339(coff.time_date_stamp as i64),
        errors: vec![format!(
            "optional header at {off:#x}: {why}; only the COFF header was read"
        )],
        ..PeFacts::default()
    })
}

/// Fill in the entropy of every section from the file bytes.
pub fn compute_entropy(facts: &mut PeFacts, bytes: &[u8]) {
    for s in &mut facts.sections {
        let start = (s.raw_offset as usize).min(bytes.len());
        let end = start.saturating_add(s.raw_size as usize).min(bytes.len());
        s.entropy = Some(entropy(&bytes[start..end]));
    }
}

/// Shannon entropy in bits per byte (0 for an empty slice).
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
    (e * 1000.0).round() / 1000.0
}

fn section_name(s: &SectionTable) -> String {
    if let Some(n) = &s.real_name {
        return n.clone();
    }
    let end = s.name.iter().position(|&c| c == 0).unwrap_or(8);
    String::from_utf8_lossy(&s.name[..end]).into_owned()
}

fn section_flags(c: u32) -> String {
    use goblin::pe::section_table::{
        IMAGE_SCN_MEM_EXECUTE, IMAGE_SCN_MEM_READ, IMAGE_SCN_MEM_WRITE,
    };
    let mut s = String::with_capacity(3);
    s.push(if c & IMAGE_SCN_MEM_READ != 0 {
        'r'
    } else {
        '-'
    });
    s.push(if c & IMAGE_SCN_MEM_WRITE != 0 {
        'w'
    } else {
        '-'
    });
    s.push(if c & IMAGE_SCN_MEM_EXECUTE != 0 {
        'x'
    } else {
        '-'
    });
    s
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

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Seconds since the Unix epoch as RFC 3339 UTC (`1970-01-01T00:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(0xffff_ffff), "2106-02-07T06:28:15Z");
    }

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(entropy(&all), 8.0);
    }

    #[test]
    fn garbage_is_not_pe() {
        assert!(analyze(b"MZ").is_err());
        assert!(analyze(&[0u8; 4096]).is_err());
    }
}
