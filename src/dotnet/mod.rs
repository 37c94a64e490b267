//! ECMA-335 (.NET) metadata reader: the facts iisweep needs about a managed
//! assembly, read from the CLR runtime header (`IMAGE_COR20_HEADER`), the
//! metadata root, its heaps (`#Strings`, `#US`, `#GUID`, `#Blob`) and the
//! `#~` / `#-` table stream.
//!
//! Why it exists: managed IIS modules and handlers are recognised by the
//! types they define (`System.Web.IHttpModule` implementers), the framework
//! members they reference (`HttpApplication::add_BeginRequest`,
//! `Process::Start`) and their user strings. See
//! `knowledge/iis-components.md` §1.1.
//!
//! Input: whole file bytes plus what the PE parser already knows (the COM
//! descriptor data directory and the section table); [`parse`] is a pure
//! function of them.
//!
//! Error policy: the input is hostile. [`parse`] never panics and never
//! fails as a whole: it returns a [`DotnetInfo`] holding whatever could be
//! read, with one entry in [`DotnetInfo::errors`] per structural problem,
//! naming the structure and its file offset. Every count, size, offset and
//! depth read from the file is checked against the data and against a named
//! cap ([`MAX_ROWS_PER_TABLE`], [`MAX_STREAMS`], [`MAX_NESTING`],
//! [`MAX_BASE_CHAIN`], [`MAX_STRING_LEN`], ...); no allocation is sized from
//! a file-supplied count. A broken table leaves the other tables readable.

mod bytes;
mod evidence;
mod heaps;
mod sig;
mod tables;
mod token;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use bytes::{hex, u16_at, u32_at};
use heaps::{format_guid, Heap};
use tables::*;

/// Rows above this count make a table unreadable (its layout is still honoured).
pub const MAX_ROWS_PER_TABLE: u32 = 1 << 20;
/// Stream headers read from the metadata root; further ones are ignored.
pub const MAX_STREAMS: usize = 16;
/// Longest `#Strings` entry (bytes) and rendered type name accepted.
pub const MAX_STRING_LEN: usize = 1024;
/// Deepest `NestedClass` (and nested `TypeRef`) chain followed.
pub const MAX_NESTING: usize = 64;
/// Longest `extends` chain (and interface inheritance depth) walked for components.
pub const MAX_BASE_CHAIN: usize = 64;
/// Interfaces visited per type when following interface inheritance.
pub const MAX_INTERFACE_CLOSURE: usize = 256;
/// Error messages kept; further ones are counted in one final message.
pub const MAX_ERRORS: usize = 200;
/// User strings walked in the `#US` heap.
pub const MAX_USER_STRINGS: usize = 1 << 20;
/// Interesting user strings reported.
pub const MAX_INTERESTING_STRINGS: usize = 64;
/// Characters kept of each reported interesting string.
pub const MAX_INTERESTING_STRING_CHARS: usize = 200;
/// Evidence entries kept per capability.
pub const MAX_EVIDENCE_PER_CAPABILITY: usize = 64;
/// Public keys longer than this are not hashed into a token.
pub const MAX_PUBLIC_KEY_LEN: usize = 16 * 1024;

/// Size of `IMAGE_COR20_HEADER` in bytes.
const COR20_SIZE: u32 = 72;
/// `BSJB`: metadata root signature.
const METADATA_SIGNATURE: u32 = 0x424A_5342;

/// One entry of the PE section table, as far as RVA mapping needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SectionMap {
    /// `VirtualAddress` of the section.
    pub virtual_address: u32,
    /// `VirtualSize` (`Misc`) of the section.
    pub virtual_size: u32,
    /// `PointerToRawData` of the section.
    pub pointer_to_raw_data: u32,
    /// `SizeOfRawData` of the section.
    pub size_of_raw_data: u32,
}

/// `IMAGE_COR20_HEADER.Flags`, decoded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClrFlags {
    /// Raw flag bits.
    pub raw: u32,
    /// `COMIMAGE_FLAGS_ILONLY` (0x1).
    pub il_only: bool,
    /// `COMIMAGE_FLAGS_32BITREQUIRED` (0x2).
    pub requires_32bit: bool,
    /// `COMIMAGE_FLAGS_32BITPREFERRED` (0x20000).
    pub prefers_32bit: bool,
    /// `COMIMAGE_FLAGS_STRONGNAMESIGNED` (0x8).
    pub strong_name_signed: bool,
    /// `COMIMAGE_FLAGS_NATIVE_ENTRYPOINT` (0x10).
    pub native_entry_point: bool,
}

/// Identity from the `Assembly` table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AssemblyIdentity {
    /// Simple name.
    pub name: String,
    /// `Major.Minor.Build.Revision`.
    pub version: String,
    /// Culture; empty for neutral.
    pub culture: String,
    /// `AssemblyFlags`.
    pub flags: u32,
    /// `HashAlgId`.
    pub hash_alg_id: u32,
    /// Length in bytes of the public key blob (0 when not strong-named).
    pub public_key_len: usize,
    /// Public key token (hex of the reversed last 8 bytes of SHA-1 of the key).
    pub public_key_token: Option<String>,
}

/// One `AssemblyRef` row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AssemblyRefInfo {
    /// Simple name.
    pub name: String,
    /// `Major.Minor.Build.Revision`.
    pub version: String,
    /// Culture; empty for neutral.
    pub culture: String,
    /// `AssemblyFlags` (0x1 = the blob is a full public key).
    pub flags: u32,
    /// Hex of the `PublicKeyOrToken` blob.
    pub public_key_or_token: String,
    /// The token: the blob itself when 8 bytes, or derived from a full key.
    pub public_key_token: Option<String>,
}

/// One `TypeDef` row, with names resolved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypeDefInfo {
    /// `TypeNamespace` (empty for nested types).
    pub namespace: String,
    /// `TypeName`.
    pub name: String,
    /// Name as web.config writes it: `Ns.Outer+Inner`.
    pub full_name: String,
    /// `TypeAttributes`.
    pub flags: u32,
    /// Public or nested public.
    pub is_public: bool,
    /// `Abstract` (0x80).
    pub is_abstract: bool,
    /// `Interface` (0x20).
    pub is_interface: bool,
    /// `Sealed` (0x100).
    pub is_sealed: bool,
    /// Full name of the base type (`TypeSpec` rendered best effort).
    pub extends: Option<String>,
    /// Full names of interfaces from `InterfaceImpl`.
    pub interfaces: Vec<String>,
    /// Full name of the enclosing type (`NestedClass`).
    pub enclosing: Option<String>,
    /// Names of the methods in this type's `MethodList` range.
    pub methods: Vec<String>,
}

/// One `TypeRef` row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypeRefInfo {
    /// `TypeNamespace`.
    pub namespace: String,
    /// `TypeName`.
    pub name: String,
    /// `Ns.Name`, or `Ns.Outer+Inner` when scoped by another `TypeRef`.
    pub full_name: String,
    /// Name of the `AssemblyRef` the (outermost) type resolves to.
    pub scope_assembly: Option<String>,
}

/// One `MemberRef` row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MemberRefInfo {
    /// Parent: type full name, module name (`ModuleRef`), method name
    /// (`MethodDef`) or rendered `TypeSpec`.
    pub class: String,
    /// Table the parent lives in (`TypeRef`, `TypeDef`, `TypeSpec`, ...).
    pub class_table: String,
    /// Member name.
    pub name: String,
}

/// A concrete type that implements an IIS extension interface.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Component {
    /// Type name in web.config form.
    pub type_name: String,
    /// `module`, `handler`, `async_handler`, `handler_factory`.
    pub kinds: Vec<String>,
    /// iisweep roles: `managed_module`, `managed_handler`.
    pub roles: Vec<String>,
    /// Full names from this type up to the one declaring the first interface found.
    pub base_chain: Vec<String>,
}

/// One P/Invoke import (`ImplMap` row).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PInvokeInfo {
    /// `ModuleRef` name (the DLL).
    pub module: String,
    /// `ImportName`.
    pub import_name: String,
    /// Name of the forwarding managed member.
    pub member: String,
    /// The DLL is a Windows system DLL (kernel32, ntdll, advapi32, ...).
    pub system_dll: bool,
}

/// A user string that looks like evidence.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InterestingString {
    /// The string, truncated to [`MAX_INTERESTING_STRING_CHARS`] characters.
    pub value: String,
    /// Why it was kept: `command_shell`, `windows_path`, `http_header`,
    /// `credential_keyword`, `cookie_keyword`, `base64_blob`.
    pub reasons: Vec<String>,
}

/// One `ManifestResource` row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResourceInfo {
    /// Resource name.
    pub name: String,
    /// `ManifestResourceAttributes` (1 public, 2 private).
    pub flags: u32,
    /// Offset into the CLR resources directory.
    pub offset: u32,
    /// `embedded`, `file:<name>` or `assembly:<name>`.
    pub location: String,
    /// Byte size from the 4-byte length prefix (embedded resources only).
    pub size: Option<u32>,
}

/// Everything read from one assembly's CLR header and metadata.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DotnetInfo {
    /// An `IMAGE_COR20_HEADER` was read.
    pub has_cor20_header: bool,
    /// Metadata root version string, e.g. `v4.0.30319`.
    pub runtime_version: Option<String>,
    /// `IMAGE_COR20_HEADER.MajorRuntimeVersion`.
    pub major_runtime_version: u16,
    /// `IMAGE_COR20_HEADER.MinorRuntimeVersion`.
    pub minor_runtime_version: u16,
    /// `IMAGE_COR20_HEADER.Flags`.
    pub flags: ClrFlags,
    /// Not IL-only: carries native code (C++/CLI).
    pub mixed_mode: bool,
    /// `Assembly` row, when present.
    pub assembly: Option<AssemblyIdentity>,
    /// `Module` name.
    pub module_name: Option<String>,
    /// `Module.Mvid`, lowercase registry form.
    pub mvid: Option<String>,
    /// `AssemblyRef` rows.
    pub assembly_refs: Vec<AssemblyRefInfo>,
    /// `ModuleRef` names (P/Invoke targets).
    pub module_refs: Vec<String>,
    /// `TypeDef` rows (including `<Module>`).
    #[serde(skip_serializing)]
    pub type_defs: Vec<TypeDefInfo>,
    /// `TypeRef` rows.
    #[serde(skip_serializing)]
    pub type_refs: Vec<TypeRefInfo>,
    /// `MemberRef` rows.
    #[serde(skip_serializing)]
    pub member_refs: Vec<MemberRefInfo>,
    /// IIS modules and handlers defined here.
    pub components: Vec<Component>,
    /// `System.Web.HttpApplication::add_*` members referenced (e.g. `add_BeginRequest`).
    pub http_events: Vec<String>,
    /// Capability name -> `Type::Member` (or `dll!import`) evidence.
    pub capabilities: BTreeMap<String, Vec<String>>,
    /// `ImplMap` rows.
    pub pinvokes: Vec<PInvokeInfo>,
    /// Non-empty strings in the `#US` heap.
    pub user_string_count: usize,
    /// User strings that look like evidence (at most [`MAX_INTERESTING_STRINGS`]).
    pub interesting_strings: Vec<InterestingString>,
    /// `ManifestResource` rows.
    pub resources: Vec<ResourceInfo>,
    /// Structural problems, each naming the structure and file offset.
    pub errors: Vec<String>,
}

/// Bounded error collector.
pub(crate) struct Errors {
    list: Vec<String>,
    dropped: usize,
}

impl Errors {
    fn new() -> Self {
        Errors {
            list: Vec::new(),
            dropped: 0,
        }
    }

    /// Records one problem (kept while under [`MAX_ERRORS`]).
    pub(crate) fn push(&mut self, msg: String) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(msg);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list.push(format!(
                "{} further errors not shown (MAX_ERRORS)",
                self.dropped
            ));
        }
        self.list
    }
}

/// Maps an RVA to a file offset through the section table.
fn rva_to_offset(rva: u32, sections: &[SectionMap]) -> Option<usize> {
    sections.iter().find_map(|s| {
        let delta = rva.checked_sub(s.virtual_address)?;
        let span = s.virtual_size.max(s.size_of_raw_data);
        (delta < span && delta < s.size_of_raw_data)
            .then(|| s.pointer_to_raw_data as usize + delta as usize)
    })
}

/// Reads the CLR header and metadata of one PE file.
///
/// `file`: whole file bytes; `clr_rva`/`clr_size`: the COM descriptor (CLR
/// runtime header) data directory; `sections`: section table. Never panics;
/// problems are listed in [`DotnetInfo::errors`].
pub fn parse(file: &[u8], clr_rva: u32, clr_size: u32, sections: &[SectionMap]) -> DotnetInfo {
    parse_with(file, clr_rva, clr_size, sections, false)
}

/// Like [`parse`], and also lists every row of the TypeDef, TypeRef and
/// MemberRef tables with resolved names in [`DotnetInfo::type_defs`],
/// [`DotnetInfo::type_refs`] and [`DotnetInfo::member_refs`]. A sweep does
/// not need them (they are not serialized) and [`parse`] leaves them empty:
/// listing costs one owned string per name.
pub fn parse_with_tables(
    file: &[u8],
    clr_rva: u32,
    clr_size: u32,
    sections: &[SectionMap],
) -> DotnetInfo {
    parse_with(file, clr_rva, clr_size, sections, true)
}

fn parse_with(
    file: &[u8],
    clr_rva: u32,
    clr_size: u32,
    sections: &[SectionMap],
    list_tables: bool,
) -> DotnetInfo {
    let mut info = DotnetInfo::default();
    let mut errs = Errors::new();
    parse_into(
        &mut info,
        &mut errs,
        file,
        clr_rva,
        clr_size,
        sections,
        list_tables,
    );
    info.errors = errs.finish();
    info
}

/// The streams found in the metadata root.
#[derive(Default)]
struct Streams<'a> {
    tables: Option<(&'a [u8], usize, &'static str)>,
    jtd: bool,
    strings: Heap<'a>,
    us: Heap<'a>,
    guid: Heap<'a>,
    blob: Heap<'a>,
}

fn parse_into(
    info: &mut DotnetInfo,
    errs: &mut Errors,
    file: &[u8],
    clr_rva: u32,
    clr_size: u32,
    sections: &[SectionMap],
    list_tables: bool,
) {
    // IMAGE_COR20_HEADER
    let Some(cor) = rva_to_offset(clr_rva, sections) else {
        errs.push(format!(
            "IMAGE_COR20_HEADER at RVA 0x{clr_rva:x}: not inside any section's raw data"
        ));
        return;
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
        return;
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
        (Some(rva), Some(size)) if rva != 0 && size != 0 => match rva_to_offset(rva, sections) {
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

    // Metadata root (II.24.2.1)
    let Some(md_off) = rva_to_offset(md_rva, sections) else {
        errs.push(format!(
            "IMAGE_COR20_HEADER at 0x{cor:x}: MetaData RVA 0x{md_rva:x} not inside any section"
        ));
        return;
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
        return;
    };
    if u32_at(md, 0) != Some(METADATA_SIGNATURE) {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: signature is not BSJB"
        ));
        return;
    }
    let Some(ver_len) = u32_at(md, 12) else {
        errs.push(format!("metadata root at 0x{md_off:x}: header truncated"));
        return;
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
    let mut pos = 16usize.saturating_add((ver_len as usize).saturating_add(3) & !3);
    let Some(n_streams) = u16_at(md, pos.saturating_add(2)) else {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: stream count past end of metadata"
        ));
        return;
    };
    pos += 4;
    if n_streams as usize > MAX_STREAMS {
        errs.push(format!("metadata root at 0x{md_off:x}: {n_streams} streams exceeds MAX_STREAMS; reading {MAX_STREAMS}"));
    }
    let mut st = Streams::default();
    for i in 0..(n_streams as usize).min(MAX_STREAMS) {
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
        let heap = |name: &'static str| Heap {
            data,
            file_off,
            name,
        };
        let slot: Option<&mut Heap> = match name.as_str() {
            "#~" | "#-" => {
                if st.tables.is_some() {
                    errs.push(format!(
                        "stream {name} at 0x{file_off:x}: duplicate table stream ignored"
                    ));
                } else {
                    st.tables = Some((data, file_off, if name == "#~" { "#~" } else { "#-" }));
                }
                None
            }
            "#JTD" => {
                st.jtd = true;
                None
            }
            "#Strings" => Some(&mut st.strings),
            "#US" => Some(&mut st.us),
            "#GUID" => Some(&mut st.guid),
            "#Blob" => Some(&mut st.blob),
            _ => None,
        };
        if let Some(slot) = slot {
            if slot.name.is_empty() {
                *slot = heap(match name.as_str() {
                    "#Strings" => "#Strings",
                    "#US" => "#US",
                    "#GUID" => "#GUID",
                    _ => "#Blob",
                });
            } else {
                errs.push(format!(
                    "stream {name} at 0x{file_off:x}: duplicate heap ignored"
                ));
            }
        }
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

    evidence::user_strings(info, errs, &st.us);

    let Some((tdata, toff, tname)) = st.tables else {
        errs.push(format!(
            "metadata root at 0x{md_off:x}: no #~ or #- table stream"
        ));
        return;
    };
    let jtd = st.jtd && tname == "#-";
    let Some(tables) = Tables::parse(tdata, toff, tname, jtd, errs) else {
        return;
    };
    let mut m = Model {
        t: &tables,
        strings: st.strings,
        blob: st.blob,
        guid: st.guid,
        errs,
        typedefs: Names::default(),
        typerefs: Names::default(),
        typeref_scope: Vec::new(),
        typedef_flags: Vec::new(),
        typedef_enclosing: Vec::new(),
        typespec: Vec::new(),
        extends_raw: Vec::new(),
        ifaces_raw: Vec::new(),
        method_ranges: Vec::new(),
        scratch: String::new(),
    };
    m.read(info, resources);
    if list_tables {
        m.list_tables(info);
    }
}

/// Simple names of one table's types and the links that build their full
/// names. Names borrow the `#Strings` heap when it holds valid UTF-8, so
/// reading a table allocates one vector, not one string per row.
#[derive(Default)]
struct Names<'a> {
    /// (namespace, name) per row.
    simple: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Enclosing row (0-based) used when rendering: acyclic by construction.
    parent: Vec<Option<usize>>,
    /// Outermost row reached from each row.
    root: Vec<usize>,
}

impl Names<'_> {
    /// Writes the full name of 0-based row `i` (`Ns.Outer+Inner`), capped at
    /// [`MAX_STRING_LEN`] bytes, into `buf` (cleared first).
    fn full_into(&self, i: usize, buf: &mut String) {
        buf.clear();
        if i < self.simple.len() {
            self.push_name(i, buf, 0);
        }
        cap_in_place(buf);
    }

    fn push_name(&self, i: usize, buf: &mut String, depth: usize) {
        let (ns, name) = &self.simple[i];
        // `parent` is acyclic and at most about 2 * MAX_NESTING deep; the depth
        // check is a second guard, and the length check stops early.
        match self.parent[i].filter(|_| depth <= 4 * MAX_NESTING) {
            Some(p) => {
                self.push_name(p, buf, depth + 1);
                if buf.len() <= MAX_STRING_LEN {
                    buf.push('+');
                    buf.push_str(name);
                }
            }
            None if ns.is_empty() => buf.push_str(name),
            None => {
                buf.push_str(ns);
                buf.push('.');
                buf.push_str(name);
            }
        }
    }

    /// Full name of 0-based row `i` as a new string.
    fn full(&self, i: usize) -> String {
        let mut s = String::new();
        self.full_into(i, &mut s);
        s
    }
}

/// Truncates `s` to at most [`MAX_STRING_LEN`] bytes on a char boundary.
fn cap_in_place(s: &mut String) {
    if s.len() > MAX_STRING_LEN {
        let mut cut = MAX_STRING_LEN;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// Nesting links for `n` rows, where `parent(i)` gives the 0-based enclosing
/// row as the file claims it. Returns the links used to render full names
/// (`Ns.Outer+Inner`) and, per row, the outermost row reached. Linear work,
/// cycle-safe, and chains are cut at [`MAX_NESTING`] with an error naming
/// the row.
fn nest_links(
    n: usize,
    parent: impl Fn(usize) -> Option<usize>,
    errs: &mut Errors,
    what: &str,
) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut link: Vec<Option<usize>> = vec![None; n];
    let mut root: Vec<usize> = (0..n).collect();
    let mut done = vec![false; n];
    let mut on_chain = vec![false; n];
    let mut depth = vec![0usize; n];
    let mut chain = Vec::new();
    for i in 0..n {
        if done[i] {
            continue;
        }
        chain.clear();
        chain.push(i);
        on_chain[i] = true;
        let mut cur = i;
        while let Some(p) = parent(cur).filter(|&p| p < n) {
            if done[p] {
                break;
            }
            if on_chain[p] || chain.len() > MAX_NESTING {
                errs.push(format!(
                    "{what} {}: enclosing chain is cyclic or deeper than MAX_NESTING",
                    cur + 1
                ));
                break;
            }
            on_chain[p] = true;
            chain.push(p);
            cur = p;
        }
        // Link from the outermost element of the walked chain down to `i`;
        // every row links to one finalized before it, so links never cycle.
        let top = *chain.last().unwrap_or(&i);
        let (mut up, top_root, mut d) = match parent(top).filter(|&p| p < n) {
            Some(p) if done[p] => {
                if depth[p] >= MAX_NESTING {
                    errs.push(format!(
                        "{what} {}: enclosing chain is deeper than MAX_NESTING",
                        top + 1
                    ));
                    (None, top, 0)
                } else {
                    (Some(p), root[p], depth[p] + 1)
                }
            }
            _ => (None, top, 0),
        };
        for &c in chain.iter().rev() {
            depth[c] = d;
            d += 1;
            link[c] = up;
            root[c] = top_root;
            on_chain[c] = false;
            done[c] = true;
            up = Some(c);
        }
    }
    (link, root)
}

fn version(a: u32, b: u32, c: u32, d: u32) -> String {
    format!("{a}.{b}.{c}.{d}")
}

fn token_of(key: &[u8]) -> Option<String> {
    (!key.is_empty() && key.len() <= MAX_PUBLIC_KEY_LEN).then(|| token::public_key_token(key))
}

/// Name resolution state over one table stream. Holds borrowed names and
/// raw row links; full names are built only where they are reported.
pub(crate) struct Model<'a, 'e> {
    t: &'a Tables<'a>,
    strings: Heap<'a>,
    blob: Heap<'a>,
    guid: Heap<'a>,
    errs: &'e mut Errors,
    typedefs: Names<'a>,
    typerefs: Names<'a>,
    /// Decoded `ResolutionScope` per TypeRef.
    typeref_scope: Vec<Option<(usize, u32)>>,
    /// `TypeAttributes` per TypeDef.
    typedef_flags: Vec<u32>,
    /// Enclosing TypeDef (0-based) as `NestedClass` claims it.
    typedef_enclosing: Vec<Option<usize>>,
    /// Rendered TypeSpecs, filled on first use.
    typespec: Vec<Option<String>>,
    /// Decoded `Extends` per TypeDef (table, row).
    extends_raw: Vec<Option<(usize, u32)>>,
    /// Decoded interfaces per TypeDef (table, row).
    ifaces_raw: Vec<Vec<(usize, u32)>>,
    /// `MethodList` positions [first, last) owned by each TypeDef.
    method_ranges: Vec<(u32, u32)>,
    /// Reused buffer for names that are only compared.
    scratch: String,
}

impl<'a> Model<'a, '_> {
    /// Column value; 0 when the row is unreadable (callers iterate readable rows).
    fn col(&self, t: usize, row: u32, c: usize) -> u32 {
        self.t.get(t, row, c).unwrap_or(0)
    }

    /// `#Strings` lookup with a table/row context on error.
    fn s(&mut self, t: usize, row: u32, c: usize) -> Cow<'a, str> {
        let idx = self.col(t, row, c);
        match self.strings.string(idx) {
            Ok(s) => s,
            Err(e) => {
                self.errs.push(format!("{} row {row}: {e}", TABLE_NAMES[t]));
                Cow::Borrowed("")
            }
        }
    }

    /// Checks a `#Strings` column (bounds and terminator, no decoding; see
    /// [`Heap::check_string`]).
    fn check_s(&mut self, t: usize, row: u32, c: usize) {
        let idx = self.col(t, row, c);
        if let Err(e) = self.strings.check_string(idx) {
            self.errs.push(format!("{} row {row}: {e}", TABLE_NAMES[t]));
        }
    }

    /// `#Strings` lookup that reports nothing (for rows already checked).
    fn s_quiet(&self, t: usize, row: u32, c: usize) -> Cow<'a, str> {
        self.strings
            .string(self.col(t, row, c))
            .unwrap_or(Cow::Borrowed(""))
    }

    /// `#Blob` lookup with a table/row context on error.
    fn b(&mut self, t: usize, row: u32, c: usize) -> &'a [u8] {
        let idx = self.col(t, row, c);
        match self.blob.blob(idx) {
            Ok(b) => b,
            Err(e) => {
                self.errs.push(format!("{} row {row}: {e}", TABLE_NAMES[t]));
                &[]
            }
        }
    }

    /// Decodes a coded index column; reports unused tags and rows out of range.
    fn coded(&mut self, t: usize, row: u32, c: usize, kind: Coded) -> Option<(usize, u32)> {
        let v = self.col(t, row, c);
        let Some((target, r)) = kind.decode(v) else {
            self.errs.push(format!(
                "{} row {row}: {kind:?} coded index 0x{v:x} has an unused tag",
                TABLE_NAMES[t]
            ));
            return None;
        };
        if r == 0 {
            return None;
        }
        if r > self.t.rows(target) {
            self.errs.push(format!(
                "{} row {row}: {kind:?} coded index 0x{v:x} points to {} row {r}, out of range ({} rows)",
                TABLE_NAMES[t],
                TABLE_NAMES[target],
                self.t.rows(target)
            ));
            return None;
        }
        Some((target, r))
    }

    /// Coded index decode that reports nothing (for rows already checked).
    fn coded_quiet(&self, t: usize, row: u32, c: usize, kind: Coded) -> Option<(usize, u32)> {
        let (target, r) = kind.decode(self.col(t, row, c))?;
        (r != 0 && r <= self.t.rows(target)).then_some((target, r))
    }

    /// Simple index column into `target`; reports rows out of range.
    fn index(&mut self, t: usize, row: u32, c: usize, target: usize) -> Option<u32> {
        let r = self.col(t, row, c);
        if r == 0 {
            return None;
        }
        if r > self.t.rows(target) {
            self.errs.push(format!(
                "{} row {row}: index {r} into {} out of range ({} rows)",
                TABLE_NAMES[t],
                TABLE_NAMES[target],
                self.t.rows(target)
            ));
            return None;
        }
        Some(r)
    }

    /// Writes the full name of a TypeDef / TypeRef / TypeSpec row into `buf`
    /// (`?` for anything else). TypeSpecs are rendered once and remembered.
    fn type_name_into(&mut self, target: usize, row: u32, buf: &mut String) {
        let i = (row as usize).wrapping_sub(1);
        match target {
            TYPE_DEF if i < self.typedefs.simple.len() => self.typedefs.full_into(i, buf),
            TYPE_REF if i < self.typerefs.simple.len() => self.typerefs.full_into(i, buf),
            TYPE_SPEC if i < self.typespec.len() => {
                buf.clear();
                buf.push_str(self.typespec_name(i));
            }
            _ => {
                buf.clear();
                buf.push('?');
            }
        }
    }

    /// Full name of a TypeDef / TypeRef / TypeSpec row as a new string.
    fn type_name(&mut self, target: usize, row: u32) -> String {
        let mut s = String::new();
        self.type_name_into(target, row, &mut s);
        s
    }

    /// Rendered 0-based TypeSpec `i` (rendered on first use).
    fn typespec_name(&mut self, i: usize) -> &str {
        if self.typespec[i].is_none() {
            let blob = self
                .blob
                .blob(self.col(TYPE_SPEC, i as u32 + 1, 0))
                .unwrap_or(&[]);
            let (defs, refs) = (&self.typedefs, &self.typerefs);
            let name_of = |tag: u32, row: u32| -> String {
                let names = match tag {
                    0 => defs,
                    1 => refs,
                    _ => return "?".to_string(),
                };
                match row.checked_sub(1).map(|r| r as usize) {
                    Some(r) if r < names.simple.len() => names.full(r),
                    _ => "?".to_string(),
                }
            };
            self.typespec[i] = Some(sig::render_typespec(blob, &name_of));
        }
        self.typespec[i].as_deref().unwrap_or("?")
    }

    fn read(&mut self, info: &mut DotnetInfo, resources: Option<(&[u8], usize)>) {
        self.read_module(info);
        self.read_assembly(info);
        self.read_assembly_refs(info);
        for r in 1..=self.t.rows(MODULE_REF) {
            let n = self.s(MODULE_REF, r, 0).into_owned();
            info.module_refs.push(n);
        }
        self.read_type_refs();
        self.check_methods();
        self.read_type_defs();
        self.check_type_specs();
        self.member_evidence(info);
        self.read_impl_map(info);
        self.read_resources(info, resources);
        self.components(info);
        evidence::pinvoke_evidence(info);
    }

    fn read_module(&mut self, info: &mut DotnetInfo) {
        if self.t.rows(MODULE) == 0 {
            return;
        }
        info.module_name = Some(self.s(MODULE, 1, 1).into_owned());
        let idx = self.col(MODULE, 1, 2);
        match self.guid.guid(idx) {
            Ok(g) => info.mvid = g.map(|g| format_guid(&g)),
            Err(e) => self.errs.push(format!("Module row 1 Mvid: {e}")),
        }
    }

    fn read_assembly(&mut self, info: &mut DotnetInfo) {
        if self.t.rows(ASSEMBLY) == 0 {
            return;
        }
        let c = |m: &Self, i| m.col(ASSEMBLY, 1, i);
        let key = self.b(ASSEMBLY, 1, 6);
        info.assembly = Some(AssemblyIdentity {
            name: self.s(ASSEMBLY, 1, 7).into_owned(),
            version: version(c(self, 1), c(self, 2), c(self, 3), c(self, 4)),
            culture: self.s(ASSEMBLY, 1, 8).into_owned(),
            flags: c(self, 5),
            hash_alg_id: c(self, 0),
            public_key_len: key.len(),
            public_key_token: token_of(key),
        });
    }

    fn read_assembly_refs(&mut self, info: &mut DotnetInfo) {
        for r in 1..=self.t.rows(ASSEMBLY_REF) {
            let c = |m: &Self, i| m.col(ASSEMBLY_REF, r, i);
            let flags = c(self, 4);
            let key = self.b(ASSEMBLY_REF, r, 5);
            let token = if flags & 1 != 0 {
                token_of(key)
            } else {
                (!key.is_empty()).then(|| hex(key))
            };
            info.assembly_refs.push(AssemblyRefInfo {
                name: self.s(ASSEMBLY_REF, r, 6).into_owned(),
                version: version(c(self, 0), c(self, 1), c(self, 2), c(self, 3)),
                culture: self.s(ASSEMBLY_REF, r, 7).into_owned(),
                flags,
                public_key_or_token: hex(&key[..key.len().min(MAX_PUBLIC_KEY_LEN)]),
                public_key_token: token,
            });
        }
    }

    fn read_type_refs(&mut self) {
        let n = self.t.rows(TYPE_REF);
        let mut simple = Vec::with_capacity(n as usize);
        let mut scope = Vec::with_capacity(n as usize);
        for r in 1..=n {
            let name = self.s(TYPE_REF, r, 1);
            let ns = self.s(TYPE_REF, r, 2);
            scope.push(self.coded(TYPE_REF, r, 0, Coded::ResolutionScope));
            simple.push((ns, name));
        }
        let parent = |i: usize| match scope[i] {
            Some((TYPE_REF, r)) => Some(r as usize - 1),
            _ => None,
        };
        let (parent, root) = nest_links(
            simple.len(),
            parent,
            self.errs,
            "TypeRef table: ResolutionScope of TypeRef row",
        );
        self.typerefs = Names {
            simple,
            parent,
            root,
        };
        self.typeref_scope = scope;
    }

    /// Name of the AssemblyRef that 0-based TypeRef `i` resolves to, if any.
    fn typeref_assembly(&self, i: usize) -> Option<Cow<'a, str>> {
        let root = *self.typerefs.root.get(i)?;
        match self.typeref_scope.get(root).copied().flatten() {
            Some((ASSEMBLY_REF, r)) => Some(self.s_quiet(ASSEMBLY_REF, r, 6)),
            _ => None,
        }
    }

    /// Checks every MethodDef name (errors only; names are read on demand).
    fn check_methods(&mut self) {
        for r in 1..=self.t.rows(METHOD_DEF) {
            self.check_s(METHOD_DEF, r, 3);
        }
    }

    /// Method row for a MethodList position, through `MethodPtr` when present.
    fn method_at(&self, pos: u32) -> Option<u32> {
        if self.t.declared_rows(METHOD_PTR) > 0 {
            self.t.get(METHOD_PTR, pos, 0)
        } else {
            Some(pos)
        }
    }

    /// Name of 1-based MethodDef `m`, empty when out of range.
    fn method_name(&self, m: u32) -> Cow<'a, str> {
        if m == 0 || m > self.t.rows(METHOD_DEF) {
            return Cow::Borrowed("");
        }
        self.s_quiet(METHOD_DEF, m, 3)
    }

    fn read_type_defs(&mut self) {
        let n = self.t.rows(TYPE_DEF);
        // NestedClass: nested -> enclosing
        let mut enclosing: Vec<Option<usize>> = vec![None; n as usize];
        for r in 1..=self.t.rows(NESTED_CLASS) {
            let (Some(a), Some(b)) = (
                self.index(NESTED_CLASS, r, 0, TYPE_DEF),
                self.index(NESTED_CLASS, r, 1, TYPE_DEF),
            ) else {
                continue;
            };
            let slot = &mut enclosing[a as usize - 1];
            if slot.is_none() {
                *slot = Some(b as usize - 1);
            }
        }
        let method_list_len = if self.t.declared_rows(METHOD_PTR) > 0 {
            self.t.rows(METHOD_PTR)
        } else {
            self.t.rows(METHOD_DEF)
        };
        let mut simple = Vec::with_capacity(n as usize);
        let mut method_cursor = 1u32;
        for r in 1..=n {
            let flags = self.col(TYPE_DEF, r, 0);
            let name = self.s(TYPE_DEF, r, 1);
            let ns = self.s(TYPE_DEF, r, 2);
            let ext = self.coded(TYPE_DEF, r, 3, Coded::TypeDefOrRef);
            self.extends_raw.push(ext);
            self.ifaces_raw.push(Vec::new());
            self.typedef_flags.push(flags);
            let start = self.col(TYPE_DEF, r, 5);
            let end = if r < n {
                self.col(TYPE_DEF, r + 1, 5)
            } else {
                method_list_len.saturating_add(1)
            };
            let mut range = (0, 0);
            if start != 0 && start <= end {
                // Runs must not overlap: never revisit methods already assigned,
                // which keeps the total work linear in the MethodDef count.
                let first = start.max(method_cursor);
                let last = end.min(method_list_len.saturating_add(1));
                method_cursor = method_cursor.max(last);
                range = (first, last.max(first));
            } else if start > end && start <= method_list_len {
                self.errs.push(format!(
                    "TypeDef row {r}: MethodList {start} is above the next row's {end}"
                ));
            }
            self.method_ranges.push(range);
            simple.push((ns, name));
        }
        let (parent, root) = nest_links(
            simple.len(),
            |i| enclosing[i],
            self.errs,
            "NestedClass table: TypeDef row",
        );
        self.typedefs = Names {
            simple,
            parent,
            root,
        };
        self.typedef_enclosing = enclosing;
        // InterfaceImpl
        for r in 1..=self.t.rows(INTERFACE_IMPL) {
            let Some(class) = self.index(INTERFACE_IMPL, r, 0, TYPE_DEF) else {
                continue;
            };
            if let Some(iface) = self.coded(INTERFACE_IMPL, r, 1, Coded::TypeDefOrRef) {
                self.ifaces_raw[class as usize - 1].push(iface);
            }
        }
    }

    /// Checks every TypeSpec blob (errors only; rendering is on demand).
    fn check_type_specs(&mut self) {
        let n = self.t.rows(TYPE_SPEC);
        for r in 1..=n {
            self.b(TYPE_SPEC, r, 0);
        }
        self.typespec = vec![None; n as usize];
    }

    /// Parent of MemberRef row `r` written into `buf`, and its table.
    fn member_parent_into(&mut self, r: u32, buf: &mut String, quiet: bool) -> usize {
        let parent = if quiet {
            self.coded_quiet(MEMBER_REF, r, 0, Coded::MemberRefParent)
        } else {
            self.coded(MEMBER_REF, r, 0, Coded::MemberRefParent)
        };
        match parent {
            Some((t @ (TYPE_DEF | TYPE_REF | TYPE_SPEC), row)) => {
                self.type_name_into(t, row, buf);
                t
            }
            Some((MODULE_REF, row)) => {
                buf.clear();
                buf.push_str(&self.s_quiet(MODULE_REF, row, 0));
                MODULE_REF
            }
            Some((t, row)) => {
                buf.clear();
                buf.push_str(&self.method_name(row));
                t
            }
            None => {
                buf.clear();
                MEMBER_REF
            }
        }
    }

    /// HTTP event subscriptions and capability evidence from MemberRef rows.
    fn member_evidence(&mut self, info: &mut DotnetInfo) {
        let mut class = std::mem::take(&mut self.scratch);
        for r in 1..=self.t.rows(MEMBER_REF) {
            self.member_parent_into(r, &mut class, false);
            if evidence::class_of_interest(&class) {
                let name = self.s(MEMBER_REF, r, 1);
                evidence::member_ref(info, &class, &name);
            } else {
                self.check_s(MEMBER_REF, r, 1);
            }
        }
        self.scratch = class;
    }

    fn read_impl_map(&mut self, info: &mut DotnetInfo) {
        for r in 1..=self.t.rows(IMPL_MAP) {
            let member = match self.coded(IMPL_MAP, r, 1, Coded::MemberForwarded) {
                Some((METHOD_DEF, m)) => self.method_name(m).into_owned(),
                Some((_, f)) => self.s(FIELD, f, 1).into_owned(),
                None => String::new(),
            };
            let import_name = self.s(IMPL_MAP, r, 2).into_owned();
            let module = match self.index(IMPL_MAP, r, 3, MODULE_REF) {
                Some(m) => self.s(MODULE_REF, m, 0).into_owned(),
                None => String::new(),
            };
            let system_dll = evidence::is_system_dll(&module);
            info.pinvokes.push(PInvokeInfo {
                module,
                import_name,
                member,
                system_dll,
            });
        }
    }

    fn read_resources(&mut self, info: &mut DotnetInfo, resources: Option<(&[u8], usize)>) {
        for r in 1..=self.t.rows(MANIFEST_RESOURCE) {
            let offset = self.col(MANIFEST_RESOURCE, r, 0);
            let flags = self.col(MANIFEST_RESOURCE, r, 1);
            let name = self.s(MANIFEST_RESOURCE, r, 2).into_owned();
            let (location, size) = match self.coded(MANIFEST_RESOURCE, r, 3, Coded::Implementation)
            {
                None => {
                    let size = match resources {
                        Some((d, off)) => {
                            let len = u32_at(d, offset as usize);
                            let fits = len.is_some_and(|l| {
                                (offset as usize)
                                    .saturating_add(4)
                                    .saturating_add(l as usize)
                                    <= d.len()
                            });
                            if !fits {
                                self.errs.push(format!(
                                    "ManifestResource row {r} ({name}): resource at 0x{:x} (offset 0x{offset:x}) runs past the CLR Resources directory (0x{:x} bytes)",
                                    off.saturating_add(offset as usize),
                                    d.len()
                                ));
                            }
                            len.filter(|_| fits)
                        }
                        None => {
                            self.errs.push(format!("ManifestResource row {r} ({name}): embedded but the CLR Resources directory is absent"));
                            None
                        }
                    };
                    ("embedded".to_string(), size)
                }
                Some((FILE, f)) => (format!("file:{}", self.s(FILE, f, 1)), None),
                Some((ASSEMBLY_REF, a)) => {
                    (format!("assembly:{}", self.s(ASSEMBLY_REF, a, 6)), None)
                }
                Some(_) => ("exported_type".to_string(), None),
            };
            info.resources.push(ResourceInfo {
                name,
                flags,
                offset,
                location,
                size,
            });
        }
    }

    /// Fills [`DotnetInfo::type_defs`], [`DotnetInfo::type_refs`] and
    /// [`DotnetInfo::member_refs`]: one owned record per row, for tests and
    /// differential checks. Reports nothing (the read already did).
    fn list_tables(&mut self, info: &mut DotnetInfo) {
        for i in 0..self.typerefs.simple.len() {
            let (ns, name) = &self.typerefs.simple[i];
            info.type_refs.push(TypeRefInfo {
                namespace: ns.to_string(),
                name: name.to_string(),
                full_name: self.typerefs.full(i),
                scope_assembly: self.typeref_assembly(i).map(Cow::into_owned),
            });
        }
        for i in 0..self.typedefs.simple.len() {
            let flags = self.typedef_flags[i];
            let vis = flags & 0x7;
            let extends = self.extends_raw[i].map(|(t, r)| self.type_name(t, r));
            let interfaces = self.ifaces_raw[i]
                .clone()
                .into_iter()
                .map(|(t, r)| self.type_name(t, r))
                .collect();
            let (first, last) = self.method_ranges[i];
            let methods = (first..last)
                .filter_map(|p| self.method_at(p).filter(|&m| m >= 1))
                .filter(|&m| m <= self.t.rows(METHOD_DEF))
                .map(|m| self.method_name(m).into_owned())
                .collect();
            let (ns, name) = &self.typedefs.simple[i];
            info.type_defs.push(TypeDefInfo {
                namespace: ns.to_string(),
                name: name.to_string(),
                full_name: self.typedefs.full(i),
                flags,
                is_public: vis == 1 || vis == 2,
                is_abstract: flags & 0x80 != 0,
                is_interface: flags & 0x20 != 0,
                is_sealed: flags & 0x100 != 0,
                extends,
                interfaces,
                enclosing: self.typedef_enclosing[i].map(|p| self.typedefs.full(p)),
                methods,
            });
        }
        let mut class = String::new();
        for r in 1..=self.t.rows(MEMBER_REF) {
            let table = self.member_parent_into(r, &mut class, true);
            info.member_refs.push(MemberRefInfo {
                class: class.clone(),
                class_table: if table == MEMBER_REF {
                    "none".to_string()
                } else {
                    TABLE_NAMES[table].to_string()
                },
                name: self.s_quiet(MEMBER_REF, r, 1).into_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests;
