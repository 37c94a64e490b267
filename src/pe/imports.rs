//! Import and delay-load import tables, and the imphash.
//!
//! Read by hand, sharing one thunk reader: goblin has no delay-import parser,
//! and its import parser walks each descriptor's thunks to the end of the
//! file, which makes a hostile file with many descriptors quadratic. Here
//! every walk draws on one budget per file (`MAX_IMPORTS`), descriptors are
//! capped (`MAX_IMPORT_DLLS`), and names are capped in length.
//!
//! The imphash follows pefile's `get_imphash` exactly: regular imports only
//! (not delay-load), DLL name lowercased with a `.dll`/`.ocx`/`.sys`
//! extension removed, ordinals named through pefile's tables for ws2_32,
//! wsock32 and oleaut32 and `ord<N>` otherwise, entries `dll.func`
//! lowercased, joined by commas, MD5 in lowercase hex.
//!
//! Error policy: structural problems become messages naming the structure
//! and offset; the entries read up to that point are kept.

use md5::{Digest, Md5};

use super::ordinals::ordinal_name;
use super::Image;
use crate::util::{cstr_at_or_eof, hex, u16_at, u32_at, u64_at, Problems};

/// Most import descriptors (DLLs) read per table.
pub const MAX_IMPORT_DLLS: usize = 4096;
/// Most thunks read per file, over all descriptors of one table.
pub const MAX_IMPORTS: usize = 65_536;
/// Most bytes of a DLL or function name.
pub const MAX_IMPORT_NAME: usize = 512;
const IMAGE_IMPORT_DESCRIPTOR_SIZE: usize = 20;
const IMAGE_DELAYLOAD_DESCRIPTOR_SIZE: usize = 32;

/// One imported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFunction {
    /// Name, when imported by name.
    pub name: Option<String>,
    /// Ordinal, when imported by ordinal.
    pub ordinal: Option<u16>,
}

/// The functions imported from one DLL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDll {
    /// DLL name as written in the file.
    pub dll: String,
    /// Functions in table order.
    pub functions: Vec<ImportedFunction>,
}

/// Which table a descriptor list comes from.
#[derive(Clone, Copy)]
pub enum Table {
    /// `IMAGE_DIRECTORY_ENTRY_IMPORT` (`IMAGE_IMPORT_DESCRIPTOR`).
    Import,
    /// `IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT` (`IMAGE_DELAYLOAD_DESCRIPTOR`).
    Delay,
}

impl Table {
    fn descriptor_size(self) -> usize {
        match self {
            Table::Import => IMAGE_IMPORT_DESCRIPTOR_SIZE,
            Table::Delay => IMAGE_DELAYLOAD_DESCRIPTOR_SIZE,
        }
    }
}

/// One descriptor as read at a file offset.
enum Descriptor {
    /// The all-zero (or nameless) terminator.
    End,
    /// The descriptor runs past the end of the file.
    Truncated,
    /// A DLL: its name, lookup (name) table and address table RVAs.
    Entry {
        name: u32,
        lookup: u32,
        address: u32,
    },
}

/// The descriptor of `table` at `off`. Old-style delay descriptors
/// (Attributes bit 0 clear, before VC7) hold VAs: `image_base` is
/// subtracted.
fn descriptor(b: &[u8], off: usize, table: Table, image_base: u64) -> Descriptor {
    let field = |at: usize| u32_at(b, off.checked_add(at)?);
    match table {
        Table::Import => {
            let (Some(lookup), Some(name), Some(address)) = (field(0), field(12), field(16)) else {
                return Descriptor::Truncated;
            };
            // The loader stops at the first descriptor whose Name or
            // FirstThunk is 0 (the rest of the table is never read).
            if name == 0 || address == 0 {
                return Descriptor::End;
            }
            Descriptor::Entry {
                name,
                lookup,
                address,
            }
        }
        Table::Delay => {
            let (Some(attrs), Some(name), Some(address), Some(lookup)) =
                (field(0), field(4), field(12), field(16))
            else {
                return Descriptor::Truncated;
            };
            if name == 0 {
                return Descriptor::End;
            }
            let fix = |v: u32| {
                if attrs & 1 == 0 && v != 0 {
                    (v as u64).wrapping_sub(image_base) as u32
                } else {
                    v
                }
            };
            Descriptor::Entry {
                name: fix(name),
                lookup: fix(lookup),
                address: fix(address),
            }
        }
    }
}

/// Read the descriptors of `table` starting at `dir_rva`. `pe64` selects
/// 8-byte thunks; `image_base` converts old-style (VA) delay descriptors.
pub fn read_imports(
    image: &Image<'_>,
    table: Table,
    dir_rva: u32,
    pe64: bool,
    image_base: u64,
    errors: &mut Problems,
) -> Vec<ImportedDll> {
    let what = match table {
        Table::Import => "import directory",
        Table::Delay => "delay-import directory",
    };
    let mut out = Vec::new();
    let Some(mut off) = image.offset(dir_rva) else {
        errors.push(format!("{what} RVA {dir_rva:#x} maps to no file offset"));
        return out;
    };
    let start = off;
    let mut budget = MAX_IMPORTS;
    let b = image.bytes;
    loop {
        if out.len() >= MAX_IMPORT_DLLS {
            errors.push(format!("{what} at {start:#x}: more than MAX_IMPORT_DLLS ({MAX_IMPORT_DLLS}) descriptors; stopped"));
            break;
        }
        // Old-style delay descriptors (Attributes bit 0 clear) hold VAs,
        // in their thunks too.
        let delay_va = matches!(table, Table::Delay) && u32_at(b, off).is_some_and(|a| a & 1 == 0);
        let (name_rva, thunk_rva, iat_rva) = match descriptor(b, off, table, image_base) {
            Descriptor::End => break,
            Descriptor::Truncated => {
                errors.push(format!(
                    "{what} at {start:#x}: descriptor at {off:#x} runs past end of file"
                ));
                break;
            }
            Descriptor::Entry {
                name,
                lookup,
                address,
            } => (name, lookup, address),
        };
        off += table.descriptor_size();
        let Some(dll) = image
            .offset(name_rva)
            .and_then(|o| cstr_at_or_eof(b, o, MAX_IMPORT_NAME))
        else {
            errors.push(format!(
                "{what} at {start:#x}: DLL name RVA {name_rva:#x} is out of range"
            ));
            continue;
        };
        let dll = String::from_utf8_lossy(dll).into_owned();
        // Prefer the lookup (name) table; fall back to the address table
        // when it is absent or invalid (outside the image, or in the
        // headers), as the loader, pefile and yara-x do.
        let int_valid =
            thunk_rva != 0 && image.offset(thunk_rva).is_some() && inside_image(image, thunk_rva);
        let thunks = if int_valid { thunk_rva } else { iat_rva };
        let va_base = match table {
            Table::Delay if delay_va => Some(image_base),
            _ => None,
        };
        let functions = read_thunks(
            image,
            thunks,
            pe64,
            va_base,
            &mut budget,
            &dll,
            what,
            errors,
        );
        out.push(ImportedDll { dll, functions });
        if budget == 0 {
            errors.push(format!("{what} at {start:#x}: more than MAX_IMPORTS ({MAX_IMPORTS}) imported functions; stopped"));
            break;
        }
    }
    out
}

/// True when `rva` lies past the headers and below `SizeOfImage` (where a
/// lookup table can be; one in the headers or past the image is invalid).
fn inside_image(image: &Image<'_>, rva: u32) -> bool {
    match &image.layout.optional {
        Some(o) => rva >= o.size_of_headers && (o.size_of_image == 0 || rva < o.size_of_image),
        None => true,
    }
}

/// Reads one thunk array. `va_base`: the thunks hold VAs (old-style delay
/// descriptors); subtract it.
#[allow(clippy::too_many_arguments)]
fn read_thunks(
    image: &Image<'_>,
    thunks_rva: u32,
    pe64: bool,
    va_base: Option<u64>,
    budget: &mut usize,
    dll: &str,
    what: &str,
    errors: &mut Problems,
) -> Vec<ImportedFunction> {
    let mut out = Vec::new();
    let Some(mut off) = image.offset(thunks_rva) else {
        errors.push(format!(
            "{what}: thunks of {dll} at RVA {thunks_rva:#x} map to no file offset"
        ));
        return out;
    };
    let b = image.bytes;
    while *budget > 0 {
        let (value, by_ordinal) = if pe64 {
            let Some(v) = u64_at(b, off) else { break };
            off += 8;
            (v & 0x7fff_ffff_ffff_ffff, v >> 63 == 1)
        } else {
            let Some(v) = u32_at(b, off) else { break };
            off += 4;
            ((v & 0x7fff_ffff) as u64, v >> 31 == 1)
        };
        if value == 0 && !by_ordinal {
            return out;
        }
        *budget -= 1;
        if by_ordinal {
            out.push(ImportedFunction {
                name: None,
                ordinal: Some(value as u16),
            });
            continue;
        }
        let value = match va_base {
            Some(base) => value.wrapping_sub(base) & if pe64 { u64::MAX >> 1 } else { 0x7fff_ffff },
            None => value,
        };
        // IMAGE_IMPORT_BY_NAME: Hint (u16) then the name.
        let name = u32::try_from(value)
            .ok()
            .and_then(|r| image.offset(r))
            .filter(|&o| u16_at(b, o).is_some())
            .and_then(|o| cstr_at_or_eof(b, o + 2, MAX_IMPORT_NAME));
        match name {
            Some(n) => out.push(ImportedFunction {
                name: Some(String::from_utf8_lossy(n).into_owned()),
                ordinal: None,
            }),
            None => {
                errors.push(format!(
                    "{what}: {dll} hint/name RVA {value:#x} is out of range"
                ));
                return out;
            }
        }
    }
    if *budget > 0 {
        errors.push(format!("{what}: thunks of {dll} run past end of file"));
    }
    out
}

/// pefile-compatible imphash of the regular imports; `None` when there are none.
pub fn imphash(imports: &[ImportedDll]) -> Option<String> {
    if imports.is_empty() {
        return None;
    }
    let mut s = String::new();
    for d in imports {
        let dll_lower = d.dll.to_lowercase();
        let lib = match dll_lower.rsplit_once('.') {
            Some((stem, "dll" | "ocx" | "sys")) => stem,
            _ => dll_lower.as_str(),
        };
        for f in &d.functions {
            let func = match (&f.name, f.ordinal) {
                (Some(n), _) => n.to_lowercase(),
                (None, Some(o)) => match ordinal_name(&dll_lower, o) {
                    Some(n) => n.to_lowercase(),
                    None => format!("ord{o}"),
                },
                (None, None) => continue,
            };
            if !s.is_empty() {
                s.push(',');
            }
            s.push_str(lib);
            s.push('.');
            s.push_str(&func);
        }
    }
    let digest = Md5::digest(s.as_bytes());
    Some(hex(&digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str) -> ImportedFunction {
        ImportedFunction {
            name: Some(name.into()),
            ordinal: None,
        }
    }

    #[test]
    fn imphash_matches_pefile_rules() {
        // pefile: md5("kernel32.createfilea,ws2_32.socket,foo.ocx2.bar,oleaut32.sysallocstring,x.ord7")
        let imports = vec![
            ImportedDll {
                dll: "KERNEL32.dll".into(),
                functions: vec![f("CreateFileA")],
            },
            ImportedDll {
                dll: "WS2_32.dll".into(),
                functions: vec![ImportedFunction {
                    name: None,
                    ordinal: Some(23),
                }],
            },
            ImportedDll {
                dll: "foo.ocx2".into(),
                functions: vec![f("Bar")],
            },
            ImportedDll {
                dll: "OLEAUT32.dll".into(),
                functions: vec![ImportedFunction {
                    name: None,
                    ordinal: Some(2),
                }],
            },
            ImportedDll {
                dll: "x.dll".into(),
                functions: vec![ImportedFunction {
                    name: None,
                    ordinal: Some(7),
                }],
            },
        ];
        let expect = format!(
            "{:x}",
            Md5::digest(
                b"kernel32.createfilea,ws2_32.socket,foo.ocx2.bar,oleaut32.sysallocstring,x.ord7"
            )
        );
        assert_eq!(imphash(&imports).unwrap(), expect);
        assert_eq!(imphash(&[]), None);
    }
}
