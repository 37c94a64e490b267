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

use super::Image;
use crate::util::{cstr_at, u16_at, u32_at, Problems};

/// Most Export Address Table entries read. Ordinals are 16-bit in the
/// name-ordinal table, so a real DLL never has more.
pub const MAX_EXPORTS: u32 = 65_536;
/// Most bytes of one export or forwarder name.
pub const MAX_NAME_LEN: usize = 1024;
/// Most bytes of export and forwarder names kept per file. Many names may
/// point at one long string; this bounds what a small file can make us build.
pub const MAX_NAME_BYTES: usize = 4 << 20;

/// One exported symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Biased ordinal (`OrdinalBase` + index into the Export Address Table).
    pub ordinal: u32,
    /// Exported name; `None` for an ordinal-only export.
    pub name: Option<String>,
    /// RVA from the Export Address Table (for a forwarder, the RVA of its string).
    pub rva: u32,
    /// Forwarder target (`OTHERDLL.Name` or `OTHERDLL.#12`) when the export is forwarded.
    pub forwarder: Option<String>,
}

/// What the export directory holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    image: &Image<'_>,
    dir_rva: u32,
    dir_size: u32,
    errors: &mut Problems,
) -> Option<ExportTable> {
    let (dir, dir_off) = read_directory(image, dir_rva, errors)?;
    let mut table = ExportTable {
        ordinal_base: dir.ordinal_base,
        dll_name: name_at(image, dir.name_rva),
        ..ExportTable::default()
    };
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
    let eat = read_address_table(image, &dir, n_funcs, dir_off, errors);
    let reader = Entries {
        image,
        eat: &eat,
        ordinal_base: dir.ordinal_base,
        forwarders: u64::from(dir_rva)..u64::from(dir_rva) + u64::from(dir_size),
    };
    let named = read_names(&reader, &dir, n_names, dir_off, &mut table.exports, errors);
    // Ordinal-only exports: address table entries no name points at.
    for (i, &f) in eat.iter().enumerate() {
        if !named[i] && f != 0 {
            table.exports.push(reader.export(i, None));
        }
    }
    table
        .exports
        .sort_by(|a, b| a.ordinal.cmp(&b.ordinal).then_with(|| a.name.cmp(&b.name)));
    Some(table)
}

/// `IMAGE_EXPORT_DIRECTORY` at `dir_rva`, and its file offset.
fn read_directory(
    image: &Image<'_>,
    dir_rva: u32,
    errors: &mut Problems,
) -> Option<(ExportDirectoryTable, usize)> {
    let Some(dir_off) = image.offset(dir_rva) else {
        errors.push(format!(
            "export directory RVA {dir_rva:#x} maps to no file offset"
        ));
        return None;
    };
    if dir_off
        .checked_add(SIZEOF_EXPORT_DIRECTORY_TABLE)
        .is_none_or(|end| end > image.bytes.len())
    {
        errors.push(format!(
            "export directory at {dir_off:#x}: IMAGE_EXPORT_DIRECTORY past end of file"
        ));
        return None;
    }
    match ExportDirectoryTable::parse(image.bytes, dir_off) {
        Ok(d) => Some((d, dir_off)),
        Err(e) => {
            errors.push(format!("export directory at {dir_off:#x}: {e}"));
            None
        }
    }
}

/// NUL-terminated name at `rva` (at most [`MAX_NAME_LEN`] bytes).
fn name_at(image: &Image<'_>, rva: u32) -> Option<String> {
    image
        .offset(rva)
        .and_then(|o| cstr_at(image.bytes, o, MAX_NAME_LEN))
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

/// The Export Address Table's first `n_funcs` entries.
fn read_address_table(
    image: &Image<'_>,
    dir: &ExportDirectoryTable,
    n_funcs: u32,
    dir_off: usize,
    errors: &mut Problems,
) -> Vec<u32> {
    let mut eat = Vec::new();
    if n_funcs == 0 {
        return eat;
    }
    let Some(off) = image.offset(dir.export_address_table_rva) else {
        errors.push(format!(
            "export directory at {dir_off:#x}: AddressOfFunctions RVA {:#x} maps to no file offset",
            dir.export_address_table_rva
        ));
        return eat;
    };
    for i in 0..n_funcs as usize {
        match u32_at(image.bytes, off + i * 4) {
            Some(v) => eat.push(v),
            None => {
                errors.push(format!(
                    "export directory at {dir_off:#x}: address table at {off:#x} ends at entry {i} of {n_funcs} (end of file)"
                ));
                break;
            }
        }
    }
    eat
}

/// Builds [`Export`]s from address table entries.
struct Entries<'i, 'a> {
    image: &'i Image<'a>,
    eat: &'i [u32],
    ordinal_base: u32,
    /// RVAs inside the export directory: entries pointing there are forwarders.
    forwarders: std::ops::Range<u64>,
}

impl Entries<'_, '_> {
    fn export(&self, index: usize, name: Option<String>) -> Export {
        let f_rva = self.eat[index];
        let forwarder = if self.forwarders.contains(&u64::from(f_rva)) {
            name_at(self.image, f_rva)
        } else {
            None
        };
        Export {
            ordinal: self.ordinal_base.wrapping_add(index as u32),
            name,
            rva: f_rva,
            forwarder,
        }
    }
}

/// Named exports from the name pointer and name-ordinal tables, pushed onto
/// `out`; returns which address table entries a name points at.
fn read_names(
    e: &Entries<'_, '_>,
    dir: &ExportDirectoryTable,
    n_names: u32,
    dir_off: usize,
    out: &mut Vec<Export>,
    errors: &mut Problems,
) -> Vec<bool> {
    let bytes = e.image.bytes;
    let mut named = vec![false; e.eat.len()];
    if n_names == 0 {
        return named;
    }
    let (Some(no), Some(oo)) = (
        e.image.offset(dir.name_pointer_rva),
        e.image.offset(dir.ordinal_table_rva),
    ) else {
        errors.push(format!(
            "export directory at {dir_off:#x}: AddressOfNames {:#x} or AddressOfNameOrdinals {:#x} maps to no file offset",
            dir.name_pointer_rva, dir.ordinal_table_rva
        ));
        return named;
    };
    let mut name_bytes = 0usize;
    for i in 0..n_names as usize {
        let (Some(name_rva), Some(idx)) = (u32_at(bytes, no + i * 4), u16_at(bytes, oo + i * 2))
        else {
            errors.push(format!(
                "export directory at {dir_off:#x}: name tables end at entry {i} of {n_names} (end of file)"
            ));
            break;
        };
        let idx = idx as usize;
        if idx >= e.eat.len() {
            errors.push(format!(
                "export directory at {dir_off:#x}: name {i} has ordinal index {idx} outside the address table ({} entries)",
                e.eat.len()
            ));
            continue;
        }
        let Some(name) = e
            .image
            .offset(name_rva)
            .and_then(|o| cstr_at(bytes, o, MAX_NAME_LEN))
        else {
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
        out.push(e.export(idx, Some(String::from_utf8_lossy(name).into_owned())));
    }
    named
}

fn capped(n: u32, field: &str, dir_off: usize, errors: &mut Problems) -> u32 {
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
    use crate::pe::{Layout, SectionHeader};

    /// A flat layout whose one section maps RVA == file offset.
    fn flat(bytes: &[u8]) -> Layout {
        let s = SectionHeader {
            virtual_address: 0,
            virtual_size: bytes.len() as u32,
            pointer_to_raw_data: 0,
            size_of_raw_data: bytes.len() as u32,
            ..SectionHeader::default()
        };
        Layout::synthetic(bytes.len(), vec![s])
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
        let layout = flat(&b);
        let image = Image {
            bytes: &b,
            layout: &layout,
        };
        let mut errors = Problems::new();
        let t = read_exports(&image, 0x20, 40, &mut errors).unwrap();
        let errors = errors.finish();
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
