//! The export table (`IMAGE_EXPORT_DIRECTORY`), read by hand.
//!
//! Why by hand: goblin's `Export` list leaves out exports that have no name
//! (ordinal-only exports), and its `ExportData` reserves capacity from the
//! counts in the file. An IIS role is decided here, so every entry of the
//! Export Address Table matters, and every count is capped first.
//!
//! Error policy: a broken export directory yields the entries that could be
//! read plus messages naming the structure and offset; it never panics and
//! never allocates from an unchecked count.

use goblin::pe::export::{ExportDirectoryTable, SIZEOF_EXPORT_DIRECTORY_TABLE};
use serde::Serialize;

use super::read::{read_cstr, read_u16, read_u32, Rva};

/// Most Export Address Table entries read. Ordinals are 16-bit in the
/// name-ordinal table, so a real DLL never has more.
pub const MAX_EXPORTS: u32 = 65_536;
/// Most bytes of one export or forwarder name.
pub const MAX_NAME_LEN: usize = 1024;
/// Most bytes of export and forwarder names kept per file. Many names may
/// point at one long string; this bounds what a small file can make us build.
pub const MAX_NAME_BYTES: usize = 4 << 20;

/// One exported symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    /// Biased ordinal (`OrdinalBase` + index into the Export Address Table).
    pub ordinal: u32,
    /// Exported name; `None` for an ordinal-only export.
    pub name: Option<String>,
    /// RVA from the Export Address Table (for a forwarder, the RVA of its string).
    pub rva: u32,
    /// Forwarder target (`OTHERDLL.Name` or `OTHERDLL.#12`) when the export is forwarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarder: Option<String>,
}

/// What the export directory holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportTable {
    /// The DLL name recorded in the export directory (`Name` field).
    pub dll_name: Option<String>,
    /// `OrdinalBase`.
    pub ordinal_base: u32,
    /// Exports sorted by ordinal, then name: named ones and ordinal-only ones.
    pub exports: Vec<Export>,
}

/// Read the export directory at `dir_rva`/`dir_size`. Structural problems are
/// pushed onto `errors`; whatever could be read is returned.
pub fn read_exports(
    rva: &Rva<'_>,
    dir_rva: u32,
    dir_size: u32,
    errors: &mut Vec<String>,
) -> Option<ExportTable> {
    let bytes = rva.bytes;
    let Some(dir_off) = rva.to_offset(dir_rva) else {
        errors.push(format!(
            "export directory RVA {dir_rva:#x} maps to no file offset"
        ));
        return None;
    };
    if dir_off
        .checked_add(SIZEOF_EXPORT_DIRECTORY_TABLE)
        .is_none_or(|end| end > bytes.len())
    {
        errors.push(format!(
            "export directory at {dir_off:#x}: IMAGE_EXPORT_DIRECTORY past end of file"
        ));
        return None;
    }
    let dir = match ExportDirectoryTable::parse(bytes, dir_off) {
        Ok(d) => d,
        Err(e) => {
            errors.push(format!("export directory at {dir_off:#x}: {e}"));
            return None;
        }
    };
    let mut table = ExportTable {
        ordinal_base: dir.ordinal_base,
        ..ExportTable::default()
    };
    table.dll_name = rva
        .to_offset(dir.name_rva)
        .and_then(|o| read_cstr(bytes, o, MAX_NAME_LEN))
        .map(|s| String::from_utf8_lossy(s).into_owned());

    let n_funcs = capped(
        dir.address_table_entries,
        "NumberOfFunctions",
        dir_off,
        errors,
    );
    let n_names = capped(
        dir.number_of_name_pointers,
        "NumberOfNames",
        dir_off,
        errors,
    );

    // Export Address Table.
    let mut eat: Vec<u32> = Vec::new();
    if n_funcs > 0 {
        match rva.to_offset(dir.export_address_table_rva) {
            Some(off) => {
                for i in 0..n_funcs as usize {
                    match read_u32(bytes, off + i * 4) {
                        Some(v) => eat.push(v),
                        None => {
                            errors.push(format!(
                                "export directory at {dir_off:#x}: address table at {off:#x} ends at entry {i} of {n_funcs} (end of file)"
                            ));
                            break;
                        }
                    }
                }
            }
            None => errors.push(format!(
                "export directory at {dir_off:#x}: AddressOfFunctions RVA {:#x} maps to no file offset",
                dir.export_address_table_rva
            )),
        }
    }

    let forwarder_range = dir_rva as u64..dir_rva as u64 + dir_size as u64;
    let make = |index: usize, name: Option<String>| -> Export {
        let f_rva = eat[index];
        let forwarder = if forwarder_range.contains(&(f_rva as u64)) {
            rva.to_offset(f_rva)
                .and_then(|o| read_cstr(bytes, o, MAX_NAME_LEN))
                .map(|s| String::from_utf8_lossy(s).into_owned())
        } else {
            None
        };
        Export {
            ordinal: dir.ordinal_base.wrapping_add(index as u32),
            name,
            rva: f_rva,
            forwarder,
        }
    };

    // Name pointer table and name-ordinal table.
    let mut named = vec![false; eat.len()];
    let mut name_bytes = 0usize;
    if n_names > 0 {
        let names_off = rva.to_offset(dir.name_pointer_rva);
        let ords_off = rva.to_offset(dir.ordinal_table_rva);
        match (names_off, ords_off) {
            (Some(no), Some(oo)) => {
                for i in 0..n_names as usize {
                    let (Some(name_rva), Some(idx)) = (read_u32(bytes, no + i * 4), read_u16(bytes, oo + i * 2)) else {
                        errors.push(format!(
                            "export directory at {dir_off:#x}: name tables end at entry {i} of {n_names} (end of file)"
                        ));
                        break;
                    };
                    let idx = idx as usize;
                    if idx >= eat.len() {
                        errors.push(format!(
                            "export directory at {dir_off:#x}: name {i} has ordinal index {idx} outside the address table ({} entries)",
                            eat.len()
                        ));
                        continue;
                    }
                    let Some(name) = rva.to_offset(name_rva).and_then(|o| read_cstr(bytes, o, MAX_NAME_LEN)) else {
                        errors.push(format!(
                            "export directory at {dir_off:#x}: name pointer {i} (RVA {name_rva:#x}) is out of range"
                        ));
                        continue;
                    };
                    name_bytes += name.len() + 32; // + per-entry overhead
                    if name_bytes > MAX_NAME_BYTES {
                        errors.push(format!(
                            "export directory at {dir_off:#x}: names exceed MAX_NAME_BYTES ({MAX_NAME_BYTES}); stopped at name {i} of {n_names}"
                        ));
                        break;
                    }
                    named[idx] = true;
                    table.exports.push(make(idx, Some(String::from_utf8_lossy(name).into_owned())));
                }
            }
            _ => errors.push(format!(
                "export directory at {dir_off:#x}: AddressOfNames {:#x} or AddressOfNameOrdinals {:#x} maps to no file offset",
                dir.name_pointer_rva, dir.ordinal_table_rva
            )),
        }
    }
    // Ordinal-only exports: address table entries no name points at.
    for (i, &f) in eat.iter().enumerate() {
        if !named[i] && f != 0 {
            table.exports.push(make(i, None));
        }
    }
    table
        .exports
        .sort_by(|a, b| a.ordinal.cmp(&b.ordinal).then_with(|| a.name.cmp(&b.name)));
    Some(table)
}

fn capped(n: u32, field: &str, dir_off: usize, errors: &mut Vec<String>) -> u32 {
    if n > MAX_EXPORTS {
        errors.push(format!("export directory at {dir_off:#x}: {field} {n} exceeds MAX_EXPORTS ({MAX_EXPORTS}); reading the first {MAX_EXPORTS}"));
        MAX_EXPORTS
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goblin::pe::options::ParseOptions;
    use goblin::pe::section_table::SectionTable;

    /// A flat "image" whose one section maps RVA == file offset.
    fn image(bytes: &[u8]) -> (Vec<SectionTable>, ParseOptions) {
        let s = SectionTable {
            virtual_address: 0,
            virtual_size: bytes.len() as u32,
            pointer_to_raw_data: 0,
            size_of_raw_data: bytes.len() as u32,
            ..SectionTable::default()
        };
        (vec![s], ParseOptions::default())
    }

    fn put(b: &mut [u8], off: usize, v: u32) {
        b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// 65,536 names all pointing at one 1,000-byte string: the name budget
    /// stops the table well before 64 MiB of strings are built.
    #[test]
    fn many_names_sharing_one_long_string_are_bounded() {
        let n: usize = 65_536;
        let (eat, names, ords, long) =
            (0x1000usize, 0x1000 + 4 * n, 0x1000 + 8 * n, 0x1000 + 10 * n);
        let mut b = vec![0u8; long + 1001];
        put(&mut b, 0x20 + 16, 1); // OrdinalBase
        put(&mut b, 0x20 + 20, n as u32); // NumberOfFunctions
        put(&mut b, 0x20 + 24, n as u32); // NumberOfNames
        put(&mut b, 0x20 + 28, eat as u32);
        put(&mut b, 0x20 + 32, names as u32);
        put(&mut b, 0x20 + 36, ords as u32);
        for i in 0..n {
            put(&mut b, eat + 4 * i, 0x10);
            put(&mut b, names + 4 * i, long as u32);
        }
        b[long..long + 1000].fill(b'A');
        let (sections, opts) = image(&b);
        let rva = Rva {
            bytes: &b,
            sections: &sections,
            file_alignment: 0x200,
            opts: &opts,
        };
        let mut errors = Vec::new();
        let t = read_exports(&rva, 0x20, 40, &mut errors).unwrap();
        let kept: usize = t
            .exports
            .iter()
            .filter_map(|e| e.name.as_ref())
            .map(|s| s.len())
            .sum();
        assert!(kept <= MAX_NAME_BYTES, "{kept} bytes of names kept");
        assert!(
            errors.iter().any(|e| e.contains("MAX_NAME_BYTES")),
            "{errors:?}"
        );
    }
}
