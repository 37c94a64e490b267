//! The `VS_VERSIONINFO` resource, read as `VerQueryValue` reads it.
//!
//! The resource tree is walked through the one [`Layout`] mapping: type
//! `RT_VERSION` (16), its first name, its first language, the data entry.
//! In the version block, each `String` value is read from after its key
//! (DWORD-aligned) up to its NUL or the end of its node, whatever
//! `wValueLength` and `wType` say: files in the wild (and tricks) write the
//! length in bytes instead of characters, type 0 for text, junk after the
//! NUL, or zero padding between nodes, and Windows returns the strings all
//! the same. goblin's parser drops the whole block on each of those.
//!
//! Error policy: hostile input. Every offset is checked against the data;
//! node and entry counts are capped; a node of length 0 is stepped over
//! DWORD by DWORD; nothing here panics.

use super::layout::Layout;
use super::VersionInfo;
use crate::util::{u16_at, u32_at};

/// `RT_VERSION`.
const RT_VERSION: u32 = 16;
/// Directory entries looked at per resource directory.
const MAX_ENTRIES: usize = 4096;
/// Nodes visited in one version block.
const MAX_NODES: usize = 4096;
/// Characters kept of one string value.
const MAX_VALUE_CHARS: usize = 1024;

/// Version strings of the file, when it has a version resource.
pub fn read(bytes: &[u8], layout: &Layout, dir_rva: u32) -> Option<VersionInfo> {
    let root = layout.rva_to_offset(dir_rva)?;
    let res = bytes.get(root..)?;
    let type_dir = find_entry(res, 0, |id| id == Some(RT_VERSION))?;
    let name_dir = find_entry(res, type_dir, |_| true)?;
    let lang = first_leaf(res, name_dir)?;
    let data_rva = u32_at(res, lang)?;
    let size = u32_at(res, lang + 4)? as usize;
    let at = layout.rva_to_offset(data_rva)?;
    let block = bytes.get(at..at.checked_add(size)?.min(bytes.len()))?;
    let mut v = VersionInfo::default();
    let mut budget = MAX_NODES;
    walk(block, 0, block.len(), 0, &mut v, &mut budget);
    Some(v)
}

/// The subdirectory offset (relative to the resource root) of the first
/// entry of the directory at `dir` that is a subdirectory and whose id
/// (`None` for a named entry) passes `want`.
fn find_entry(res: &[u8], dir: usize, want: impl Fn(Option<u32>) -> bool) -> Option<usize> {
    let n = u16_at(res, dir + 12)? as usize + u16_at(res, dir + 14)? as usize;
    (0..n.min(MAX_ENTRIES)).find_map(|i| {
        let e = dir + 16 + i * 8;
        let name = u32_at(res, e)?;
        let off = u32_at(res, e + 4)?;
        let id = (name & 0x8000_0000 == 0).then_some(name);
        (off & 0x8000_0000 != 0 && want(id)).then_some((off & 0x7fff_ffff) as usize)
    })
}

/// The data entry of the first leaf of the directory at `dir`.
fn first_leaf(res: &[u8], dir: usize) -> Option<usize> {
    let n = u16_at(res, dir + 12)? as usize + u16_at(res, dir + 14)? as usize;
    (0..n.min(MAX_ENTRIES)).find_map(|i| {
        let off = u32_at(res, dir + 16 + i * 8 + 4)?;
        (off & 0x8000_0000 == 0).then_some(off as usize)
    })
}

fn align4(x: usize) -> usize {
    (x + 3) & !3
}

/// The UTF-16LE string at `at` up to its NUL or `end`; returns it and the
/// offset after the NUL.
fn wstr(d: &[u8], at: usize, end: usize, max: usize) -> (String, usize) {
    let mut units = Vec::new();
    let mut p = at;
    while p + 1 < end.min(d.len()) {
        let u = u16::from_le_bytes([d[p], d[p + 1]]);
        p += 2;
        if u == 0 {
            break;
        }
        if units.len() < max {
            units.push(u);
        }
    }
    (String::from_utf16_lossy(&units), p)
}

/// Walks the nodes in `[at, end)` at `depth`, filling `v` from the String
/// nodes (depth 3).
fn walk(
    d: &[u8],
    mut at: usize,
    end: usize,
    depth: usize,
    v: &mut VersionInfo,
    budget: &mut usize,
) {
    while at + 6 <= end && *budget > 0 {
        *budget -= 1;
        let len = u16_at(d, at).unwrap_or(0) as usize;
        if len == 0 {
            // Zero padding between nodes: step to the next DWORD.
            at = align4(at + 1);
            continue;
        }
        let node_end = (at + len).min(end);
        let (key, after_key) = wstr(d, at + 6, node_end, 64);
        let value_at = align4(after_key);
        match depth {
            // VS_VERSIONINFO: its value is VS_FIXEDFILEINFO; children follow it.
            0 => {
                let value_len = u16_at(d, at + 2).unwrap_or(0) as usize;
                walk(d, align4(value_at + value_len), node_end, 1, v, budget);
            }
            // StringFileInfo holds StringTables; VarFileInfo is skipped.
            1 if key == "StringFileInfo" => walk(d, value_at, node_end, 2, v, budget),
            2 => walk(d, value_at, node_end, 3, v, budget),
            3 => {
                let (value, _) = wstr(d, value_at, node_end, MAX_VALUE_CHARS);
                set(v, &key, value);
            }
            _ => {}
        }
        at = align4(at + len);
    }
}

/// Stores the first value of each known key.
fn set(v: &mut VersionInfo, key: &str, value: String) {
    let slot = match key {
        "OriginalFilename" => &mut v.original_file_name,
        "InternalName" => &mut v.internal_name,
        "CompanyName" => &mut v.company,
        "FileDescription" => &mut v.description,
        "ProductName" => &mut v.product,
        "FileVersion" => &mut v.file_version,
        "ProductVersion" => &mut v.product_version,
        "LegalCopyright" => &mut v.legal_copyright,
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, value: &[u8], wtype: u16, value_len: u16, children: &[Vec<u8>]) -> Vec<u8> {
        let mut n = vec![0u8; 6];
        for u in key.encode_utf16().chain([0]) {
            n.extend_from_slice(&u.to_le_bytes());
        }
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n.extend_from_slice(value);
        for c in children {
            while n.len() % 4 != 0 {
                n.push(0);
            }
            n.extend_from_slice(c);
        }
        let len = n.len() as u16;
        n[0..2].copy_from_slice(&len.to_le_bytes());
        n[2..4].copy_from_slice(&value_len.to_le_bytes());
        n[4..6].copy_from_slice(&wtype.to_le_bytes());
        n
    }

    fn text(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect()
    }

    #[test]
    fn strings_are_read_whatever_their_lengths_say() {
        // CompanyName: wType 0 and a byte count; ProductName: junk after the NUL.
        let mut junk = text("Product");
        junk.extend_from_slice(&[0x41, 0, 0x42, 0]);
        let table = node(
            "040904b0",
            &[],
            1,
            0,
            &[
                node("CompanyName", &text("Contoso"), 0, 16, &[]),
                vec![0, 0, 0, 0, 0, 0, 0, 0],
                node("ProductName", &junk, 1, 999, &[]),
            ],
        );
        let sfi = node("StringFileInfo", &[], 1, 0, &[table]);
        let root = node("VS_VERSION_INFO", &[0u8; 52], 0, 52, &[sfi]);
        let mut v = VersionInfo::default();
        let mut budget = MAX_NODES;
        walk(&root, 0, root.len(), 0, &mut v, &mut budget);
        assert_eq!(v.company.as_deref(), Some("Contoso"));
        assert_eq!(v.product.as_deref(), Some("Product"));
        // Truncated anywhere: no panic.
        for cut in 0..root.len() {
            let mut v = VersionInfo::default();
            let mut budget = MAX_NODES;
            walk(&root[..cut], 0, cut, 0, &mut v, &mut budget);
        }
    }
}
