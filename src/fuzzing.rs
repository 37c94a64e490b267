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

/// Reads operation bytes for [`loader_preserving`]; zero once exhausted.
struct OpBytes<'a>(&'a [u8], usize);

impl OpBytes<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.0.get(self.1).copied().unwrap_or(0);
        self.1 += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
}

fn rd16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}
fn rd32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}
fn wr16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn wr32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn align_up(v: usize, a: usize) -> usize {
    v.div_ceil(a.max(1)) * a.max(1)
}

/// Rewrites `base` (a well-formed PE with sections) with changes the
/// Windows loader ignores, chosen by `ops`:
///
/// | flag bit (ops\[0\]) | change |
/// |---|---|
/// | 0x01 | empty sections appended after the last one (as many as fit before the first section's RVA) |
/// | 0x02 | slack added to each `PointerToRawData` that is a multiple of 512 (the loader rounds it down when `FileAlignment` >= 512) |
/// | 0x04 | the PE header moved further from the DOS header (`e_lfanew` + 8k) |
/// | 0x08 | `SizeOfOptionalHeader` grown with zero padding (the section table moves) |
/// | 0x10 | overlay bytes appended |
/// | 0x20 | fields the loader ignores scrubbed: `TimeDateStamp`, `CheckSum`, linker version, the DOS stub and Rich header |
/// | 0x40 | section names replaced |
/// | 0x80 | every section's raw data moved later in the file by whole `FileAlignment` units (RVAs unchanged) |
///
/// Returns `None` when `base` is not a PE this rewriter understands. Used
/// by the `roles` fuzz target and its regression test, whose oracle is
/// that the role set and the export names never change.
pub fn loader_preserving(base: &[u8], ops: &[u8]) -> Option<Vec<u8>> {
    let mut op = OpBytes(ops, 0);
    let flags = op.byte();
    let lfanew = rd32(base, 0x3C)? as usize;
    if lfanew < 0x40 || base.get(lfanew..lfanew + 4)? != b"PE\0\0" {
        return None;
    }
    let coff = lfanew + 4;
    let nsec = rd16(base, coff + 2)? as usize;
    let sizeopt = rd16(base, coff + 16)? as usize;
    let opt = coff + 20;
    let magic = rd16(base, opt)?;
    let (dd_count_at, dd_at) = match magic {
        0x10B => (opt + 92, opt + 96),
        0x20B => (opt + 108, opt + 112),
        _ => return None,
    };
    let sa = rd32(base, opt + 32)? as usize;
    let fa = rd32(base, opt + 36)? as usize;
    if nsec == 0 || !(0x200..=0x10000).contains(&fa) || sa < 0x1000 || !fa.is_power_of_two() {
        return None;
    }
    let dd_count = rd32(base, dd_count_at)? as usize;
    let sec_at = opt + sizeopt;
    let mut secs: Vec<[u8; 40]> = Vec::with_capacity(nsec);
    for i in 0..nsec {
        secs.push(
            base.get(sec_at + 40 * i..sec_at + 40 * i + 40)?
                .try_into()
                .ok()?,
        );
    }
    let va = |s: &[u8; 40]| rd32(s, 12).unwrap_or(0) as usize;
    let vsize = |s: &[u8; 40]| rd32(s, 8).unwrap_or(0) as usize;
    let rawsize = |s: &[u8; 40]| rd32(s, 16).unwrap_or(0) as usize;
    let rawptr = |s: &[u8; 40]| rd32(s, 20).unwrap_or(0) as usize;
    let first_va = secs.iter().map(va).min()?;
    let first_raw = secs
        .iter()
        .filter(|s| rawsize(s) > 0)
        .map(|s| rawptr(s) & !0x1ff)
        .min()?;
    if first_raw > base.len() || first_raw < sec_at + 40 * nsec {
        return None;
    }

    let mut shift = if flags & 0x04 != 0 {
        8 * (op.byte() as usize % 64)
    } else {
        0
    };
    let mut optpad = if flags & 0x08 != 0 {
        8 * (op.byte() as usize % 32)
    } else {
        0
    };
    let mut extra = if flags & 0x01 != 0 {
        op.byte() as usize
    } else {
        0
    };
    let headers_end = |shift: usize, optpad: usize, extra: usize| {
        lfanew + shift + 24 + sizeopt + optpad + 40 * (nsec + extra)
    };
    // Headers end before the first section's RVA, or the loader refuses.
    while headers_end(shift, optpad, extra) > first_va {
        if extra > 0 {
            extra = extra.saturating_sub(8);
        } else if optpad > 0 {
            optpad -= 8;
        } else if shift > 0 {
            shift -= 8;
        } else {
            return None;
        }
    }
    let end = headers_end(shift, optpad, extra);
    let mut delta = align_up(end.saturating_sub(first_raw), fa);
    if flags & 0x80 != 0 {
        delta += fa * (op.byte() as usize % 4);
    }
    let new_lfanew = lfanew + shift;
    let new_opt = new_lfanew + 24;
    let new_sec_at = new_opt + sizeopt + optpad;

    let mut out = vec![0u8; first_raw + delta];
    out[..0x40].copy_from_slice(&base[..0x40]);
    wr32(&mut out, 0x3C, new_lfanew as u32);
    if flags & 0x20 == 0 {
        out[0x40..lfanew].copy_from_slice(&base[0x40..lfanew]);
    } else {
        for b in &mut out[2..0x3C] {
            *b = op.byte();
        }
    }
    out[new_lfanew..new_opt].copy_from_slice(&base[lfanew..lfanew + 24]);
    wr16(&mut out, new_lfanew + 4 + 2, (nsec + extra) as u16);
    wr16(&mut out, new_lfanew + 4 + 16, (sizeopt + optpad) as u16);
    out[new_opt..new_opt + sizeopt].copy_from_slice(&base[opt..opt + sizeopt]);
    let o = |at: usize| at - opt + new_opt;
    if flags & 0x20 != 0 {
        let (t, c) = (op.u16() as u32 * 0x10001, op.u16() as u32 * 0x10001);
        wr32(&mut out, new_lfanew + 8, t);
        wr32(&mut out, o(opt + 64), c);
        out[o(opt + 2)] = op.byte();
        out[o(opt + 3)] = op.byte();
    }
    wr32(
        &mut out,
        o(opt + 60),
        align_up(end, fa).min(first_raw + delta) as u32,
    );
    // The certificate table is addressed by file offset.
    if dd_count > 4 {
        let cert = dd_at + 4 * 8;
        if let (Some(off), Some(size)) = (rd32(base, cert), rd32(base, cert + 4)) {
            if off != 0 && size != 0 && (off as usize) >= first_raw {
                wr32(&mut out, o(cert), off + delta as u32);
            }
        }
    }
    let mut last_end = 0;
    for (i, s) in secs.iter().enumerate() {
        let mut s = *s;
        let p = rawptr(&s);
        if p != 0 {
            let mut np = p + delta;
            if flags & 0x02 != 0 && np % 0x200 == 0 {
                np += op.u16() as usize % 0x200;
            }
            wr32(&mut s, 20, np as u32);
        }
        if flags & 0x40 != 0 {
            for b in &mut s[..8] {
                *b = b'!' + op.byte() % 90;
            }
        }
        last_end = last_end.max(va(&s) + vsize(&s).max(rawsize(&s)));
        out[new_sec_at + 40 * i..new_sec_at + 40 * i + 40].copy_from_slice(&s);
    }
    let mut next_va = align_up(last_end, sa);
    for i in nsec..nsec + extra {
        let mut s = [0u8; 40];
        s[..6].copy_from_slice(b".extra");
        wr32(&mut s, 8, 0x10);
        wr32(&mut s, 12, next_va as u32);
        wr32(&mut s, 36, 0x4000_0040);
        out[new_sec_at + 40 * i..new_sec_at + 40 * i + 40].copy_from_slice(&s);
        next_va += sa;
    }
    if extra > 0 {
        wr32(&mut out, o(opt + 56), next_va as u32);
    }
    out.extend_from_slice(&base[first_raw..]);
    if flags & 0x10 != 0 {
        let n = op.u16() as usize % 4096;
        out.extend((0..n).map(|_| op.byte()));
    }
    Some(out)
}

/// What the role oracle compares: the roles and the exported names.
fn role_view(data: &[u8]) -> (Vec<crate::Role>, Vec<String>) {
    let facts = crate::analyze_bytes(data, &crate::AnalyzeOptions::default());
    let names = facts
        .pe
        .as_ref()
        .and_then(|p| p.exports.as_ref())
        .map(|e| e.exports.iter().filter_map(|x| x.name.clone()).collect())
        .unwrap_or_default();
    (facts.roles, names)
}

/// The `roles` fuzz target's oracle: `base` rewritten by
/// [`loader_preserving`] with `ops` must keep its roles and exported
/// names. `Err` describes a difference; `Ok(false)` means the rewrite did
/// not apply.
pub fn roles_preserved(base: &[u8], ops: &[u8]) -> Result<bool, String> {
    let Some(mutated) = loader_preserving(base, ops) else {
        return Ok(false);
    };
    let (want, got) = (role_view(base), role_view(&mutated));
    if want != got {
        return Err(format!(
            "ops {ops:02x?}: roles/exports {:?} became {:?}",
            want, got
        ));
    }
    Ok(true)
}
