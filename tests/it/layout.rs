//! The one PE layout on real files: a .NET assembly whose CLR header sits
//! in the PE headers, where the loader maps it (RVA == file offset below
//! the first section). The .NET reader used to map RVAs through sections
//! only and lost the assembly's components; through the one layout it sees
//! what the loader sees.

use iisweep::{analyze_bytes, AnalyzeOptions, Role};

use crate::common::samples_root;

fn u16_at(b: &[u8], o: usize) -> usize {
    u16::from_le_bytes([b[o], b[o + 1]]) as usize
}

fn u32_at(b: &[u8], o: usize) -> usize {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as usize
}

/// (VirtualAddress, VirtualSize, PointerToRawData, SizeOfRawData) per section.
fn sections(b: &[u8]) -> Vec<(usize, usize, usize, usize)> {
    let pe = u32_at(b, 0x3c);
    let n = u16_at(b, pe + 6);
    let table = pe + 24 + u16_at(b, pe + 20);
    (0..n)
        .map(|i| {
            let s = table + 40 * i;
            (
                u32_at(b, s + 12),
                u32_at(b, s + 8),
                u32_at(b, s + 20),
                u32_at(b, s + 16),
            )
        })
        .collect()
}

/// The mapping the .NET reader had of its own: raw data of a section only.
fn old_dotnet_mapper(b: &[u8], rva: usize) -> Option<usize> {
    sections(b).into_iter().find_map(|(va, vs, ptr, raw)| {
        let d = rva.checked_sub(va)?;
        (d < vs.max(raw) && d < raw).then_some(ptr + d)
    })
}

#[test]
fn a_clr_header_in_the_pe_headers_is_read_as_the_loader_reads_it() {
    let original = std::fs::read(samples_root().join("dotnet/DirectModule.dll")).unwrap();
    let mut b = original.clone();
    let pe = u32_at(&b, 0x3c);
    let opt = pe + 24;
    let pe64 = u16_at(&b, opt) == 0x20b;
    let clr_dir = opt + if pe64 { 112 } else { 96 } + 14 * 8;
    let clr_rva = u32_at(&b, clr_dir);
    let clr_off = old_dotnet_mapper(&b, clr_rva).expect("the sample's CLR header is in a section");
    // The DOS stub (0x40..e_lfanew), which the loader never reads: the
    // header's last 8 bytes (ManagedNativeHeader, unused by an IL-only
    // assembly) overlap the PE signature.
    let free = 0x40;
    assert_eq!(pe, 0x80, "mcs puts the PE header at 0x80");
    let cor20 = b[clr_off..clr_off + 64].to_vec();
    b[free..free + 64].copy_from_slice(&cor20);
    b[clr_dir..clr_dir + 4].copy_from_slice(&(free as u32).to_le_bytes());

    // The two old mappers disagree on this RVA: the PE reader mapped it
    // (headers map one to one), the .NET reader did not.
    assert_eq!(old_dotnet_mapper(&b, free), None);
    let opts = AnalyzeOptions::default();
    let patched = analyze_bytes(&b, &opts);
    let layout = &patched.pe.as_ref().unwrap().layout;
    assert_eq!(layout.rva_to_offset(free as u32), Some(free));

    // Through the one layout the assembly reads the same as before.
    let want = analyze_bytes(&original, &opts);
    let (got_d, want_d) = (patched.dotnet.unwrap(), want.dotnet.unwrap());
    assert!(got_d.errors.is_empty(), "{:?}", got_d.errors);
    assert_eq!(got_d.components, want_d.components);
    assert!(patched.roles.contains(&Role::ManagedModule));
    assert_eq!(patched.roles, want.roles);
}
