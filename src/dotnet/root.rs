//! From the CLR runtime header to the metadata streams: the
//! `IMAGE_COR20_HEADER`, the metadata root (ECMA-335 II.24.2.1) and its
//! stream headers (II.24.2.2). RVAs map through the PE [`Image`]'s one
//! layout.
//!
//! Error policy: each problem is a message naming the structure and its
//! file offset; a truncated stream keeps the bytes that exist.

use super::facts::{ClrFlags, DotnetInfo};
use super::heaps::Heap;
use super::limits::{MAX_STREAMS, MAX_STRING_LEN};
use crate::pe::Image;
use crate::util::{u16_at, u32_at, Problems};

/// Size of `IMAGE_COR20_HEADER` in bytes.
const COR20_SIZE: u32 = 72;
/// `BSJB`: metadata root signature.
const METADATA_SIGNATURE: u32 = 0x424A_5342;

/// The streams found in the metadata root.
#[derive(Default)]
pub(crate) struct Streams<'a> {
    /// `#~` or `#-`: bytes, file offset, name.
    pub(crate) tables: Option<(&'a [u8], usize, &'static str)>,
    /// A `#JTD` stream is present.
    pub(crate) jtd: bool,
    pub(crate) strings: Heap<'a>,
    pub(crate) us: Heap<'a>,
    pub(crate) guid: Heap<'a>,
    pub(crate) blob: Heap<'a>,
}

/// What the CLR header points at.
pub(crate) struct Cor20<'a> {
    /// File offset of the header, for messages.
    pub(crate) offset: usize,
    /// `MetaData` directory (RVA, size).
    pub(crate) metadata: (u32, u32),
    /// The `Resources` directory bytes and their file offset.
    pub(crate) resources: Option<(&'a [u8], usize)>,
}

/// Reads `IMAGE_COR20_HEADER` at `clr_rva` into `info` (flags, runtime
/// version); `None` when it cannot be read at all.
pub(crate) fn read_cor20<'a>(
    image: &Image<'a>,
    clr_rva: u32,
    clr_size: u32,
    info: &mut DotnetInfo,
    errs: &mut Problems,
) -> Option<Cor20<'a>> {
    let file = image.bytes;
    let Some(cor) = image.offset(clr_rva) else {
        errs.push(format!(
            "IMAGE_COR20_HEADER at RVA 0x{clr_rva:x}: not inside any section's raw data"
        ));
        return None;
    };
    if clr_size < COR20_SIZE {
        errs.push(format!(
            "IMAGE_COR20_HEADER at 0x{cor:x}: directory size {clr_size} is below {COR20_SIZE}"
        ));
    }
    let field = |o: usize| u32_at(file, cor.checked_add(o)?);
    let (Some(cb), Some(md_rva), Some(md_size), Some(flags)) =
        (field(0), field(8), field(12), field(16))
    else {
        errs.push(format!(
            "IMAGE_COR20_HEADER at 0x{cor:x}: truncated by end of file (0x{:x})",
            file.len()
        ));
        return None;
    };
    info.has_cor20_header = true;
    if cb < COR20_SIZE {
        errs.push(format!(
            "IMAGE_COR20_HEADER at 0x{cor:x}: cb {cb} is below {COR20_SIZE}"
        ));
    }
    info.major_runtime_version = u16_at(file, cor + 4).unwrap_or(0);
    info.minor_runtime_version = u16_at(file, cor + 6).unwrap_or(0);
    info.flags = ClrFlags {
        raw: flags,
        il_only: flags & 0x1 != 0,
        requires_32bit: flags & 0x2 != 0,
        prefers_32bit: flags & 0x2_0000 != 0,
        strong_name_signed: flags & 0x8 != 0,
        native_entry_point: flags & 0x10 != 0,
    };
    info.mixed_mode = !info.flags.il_only;
    let resources = match (field(24), field(28)) {
        (Some(rva), Some(size)) if rva != 0 && size != 0 => match image.offset(rva) {
            Some(off) => {
                let end = off.saturating_add(size as usize).min(file.len());
                file.get(off..end).map(|d| (d, off))
            }
            None => {
                errs.push(format!("IMAGE_COR20_HEADER at 0x{cor:x}: Resources RVA 0x{rva:x} not inside any section"));
                None
            }
        },
        _ => None,
    };
    Some(Cor20 {
        offset: cor,
        metadata: (md_rva, md_size),
        resources,
    })
}

/// Reads the metadata root the CLR header names: the version string into
/// `info`, and the streams. `None` when there is no usable root.
pub(crate) fn read_metadata_root<'a>(
    image: &Image<'a>,
    cor: &Cor20<'a>,
    info: &mut DotnetInfo,
    errs: &mut Problems,
) -> Option<(Streams<'a>, usize)> {
    let file = image.bytes;
    let (md_rva, md_size) = cor.metadata;
    let Some(md_off) = image.offset(md_rva) else {
        errs.push(format!(
            "IMAGE_COR20_HEADER at 0x{:x}: MetaData RVA 0x{md_rva:x} not inside any section",
            cor.offset
        ));
        return None;
    };
    let md_end = md_off.saturating_add(md_size as usize);
    if md_end > file.len() {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: size 0x{md_size:x} runs past end of file (0x{:x}); truncated",
            file.len()
        ));
    }
    let Some(md) = file.get(md_off..md_end.min(file.len())) else {
        errs.push(format!("metadata root at 0x{md_off:x}: past end of file"));
        return None;
    };
    if u32_at(md, 0) != Some(METADATA_SIGNATURE) {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: signature is not BSJB"
        ));
        return None;
    }
    let Some(ver_len) = u32_at(md, 12) else {
        errs.push(format!("metadata root at 0x{md_off:x}: header truncated"));
        return None;
    };
    if ver_len > 255 {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: version length {ver_len} exceeds 255"
        ));
    }
    let ver_bytes = md
        .get(16..16usize.saturating_add(ver_len as usize).min(md.len()))
        .unwrap_or(&[]);
    let ver_bytes = &ver_bytes[..ver_bytes
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(ver_bytes.len())];
    info.runtime_version = Some(
        String::from_utf8_lossy(&ver_bytes[..ver_bytes.len().min(MAX_STRING_LEN)]).into_owned(),
    );
    let pos = 16usize.saturating_add((ver_len as usize).saturating_add(3) & !3);
    let Some(n_streams) = u16_at(md, pos.saturating_add(2)) else {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: stream count past end of metadata"
        ));
        return None;
    };
    if n_streams as usize > MAX_STREAMS {
        errs.push(format!("metadata root at 0x{md_off:x}: {n_streams} streams exceeds MAX_STREAMS; reading {MAX_STREAMS}"));
    }
    let streams = read_streams(md, md_off, pos + 4, n_streams as usize, errs);
    Some((streams, md_off))
}

/// Stream headers from `pos` in the metadata root `md` (at file offset
/// `md_off`): the first of each known name is kept.
fn read_streams<'a>(
    md: &'a [u8],
    md_off: usize,
    mut pos: usize,
    n_streams: usize,
    errs: &mut Problems,
) -> Streams<'a> {
    let mut st = Streams::default();
    for i in 0..n_streams.min(MAX_STREAMS) {
        let hdr = md_off + pos;
        let (Some(off), Some(size)) = (u32_at(md, pos), u32_at(md, pos + 4)) else {
            errs.push(format!(
                "stream header {i} at 0x{hdr:x}: past end of metadata"
            ));
            break;
        };
        let name_start = pos + 8;
        let name_area = md
            .get(name_start..(name_start + 32).min(md.len()))
            .unwrap_or(&[]);
        let Some(nul) = name_area.iter().position(|&b| b == 0) else {
            errs.push(format!(
                "stream header {i} at 0x{hdr:x}: name not NUL-terminated within 32 bytes"
            ));
            break;
        };
        let name = String::from_utf8_lossy(&name_area[..nul]).into_owned();
        pos = name_start + ((nul + 1 + 3) & !3);
        let start = off as usize;
        let end = start.saturating_add(size as usize);
        let data = if end > md.len() {
            errs.push(format!(
                "stream {name} (header at 0x{hdr:x}): offset 0x{off:x} size 0x{size:x} runs past end of metadata (0x{:x}); truncated",
                md.len()
            ));
            md.get(start..).unwrap_or(&[])
        } else {
            &md[start..end]
        };
        let file_off = md_off + start.min(md.len());
        let heap_name: &'static str = match name.as_str() {
            "#~" | "#-" => {
                // The runtime takes the last table stream (CoreCLR
                // LiteWeightStgdb::InitOnMem, dnlib): a decoy placed first
                // must not be what we read.
                if st.tables.is_some() {
                    errs.push(format!(
                        "stream {name} at 0x{file_off:x}: duplicate table stream; the runtime uses this last one, so does iisweep (an earlier one is a decoy)"
                    ));
                }
                st.tables = Some((data, file_off, if name == "#~" { "#~" } else { "#-" }));
                continue;
            }
            "#JTD" => {
                st.jtd = true;
                continue;
            }
            "#Strings" => "#Strings",
            "#US" => "#US",
            "#GUID" => "#GUID",
            "#Blob" => "#Blob",
            _ => continue,
        };
        let slot = match heap_name {
            "#Strings" => &mut st.strings,
            "#US" => &mut st.us,
            "#GUID" => &mut st.guid,
            _ => &mut st.blob,
        };
        if !slot.name.is_empty() {
            errs.push(format!(
                "stream {name} at 0x{file_off:x}: duplicate heap; the runtime uses this last one, so does iisweep (an earlier one is a decoy)"
            ));
        }
        *slot = Heap {
            data,
            file_off,
            name: heap_name,
        };
    }
    for (h, n) in [
        (&mut st.strings, "#Strings"),
        (&mut st.us, "#US"),
        (&mut st.guid, "#GUID"),
        (&mut st.blob, "#Blob"),
    ] {
        if h.name.is_empty() {
            h.name = n;
        }
    }
    st
}
