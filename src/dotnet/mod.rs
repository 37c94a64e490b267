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
//! Input: the PE [`Image`] (file bytes and the one layout every reader maps
//! RVAs through) and the COM descriptor data directory; [`parse`] is a pure
//! function of them.
//!
//! Layout: [`facts`] holds what is reported; [`limits`] the caps; `root`
//! reads the CLR header, the metadata root and its streams; `heaps` the
//! `#Strings` / `#Blob` / `#GUID` / `#US` heaps; `tables` the table stream
//! and its schema (columns by name); `model` the table model (cells,
//! coded indexes, type names); `names` full type names; `read` what is
//! read from the tables; `evidence` what it means (components, events,
//! capabilities, interesting strings); `sig` TypeSpec rendering; `token`
//! public key tokens.
//!
//! Error policy: the input is hostile. [`parse`] never panics and never
//! fails as a whole: it returns a [`DotnetInfo`] holding whatever could be
//! read, with one entry in [`DotnetInfo::errors`] per structural problem,
//! naming the structure and its file offset. Every count, size, offset and
//! depth read from the file is checked against the data and against a named
//! cap ([`limits`]: `MAX_ROWS_PER_TABLE`, `MAX_STREAMS`, `MAX_NESTING`,
//! `MAX_BASE_CHAIN`, `MAX_STRING_LEN`, ...); no allocation is sized from a
//! file-supplied count. A broken table leaves the other tables readable.

mod evidence;
pub mod facts;
mod flow;
mod heaps;
pub(crate) mod il;
pub mod limits;
mod model;
mod names;
mod read;
mod root;
mod sig;
mod tables;
mod token;

pub use facts::*;
pub use flow::is_credential_name;

use crate::pe::Image;
use crate::util::Problems;
use model::Model;
use tables::Tables;

/// Reads the CLR header and metadata of one PE file.
///
/// `image`: the file and its layout; `clr_rva`/`clr_size`: the COM
/// descriptor (CLR runtime header) data directory. Never panics; problems
/// are listed in [`DotnetInfo::errors`].
pub fn parse(image: &Image<'_>, clr_rva: u32, clr_size: u32) -> DotnetInfo {
    parse_with(image, clr_rva, clr_size, false, true)
}

/// Like [`parse`] without decoding method bodies ([`DotnetInfo::behaviour`]
/// stays `None`); for measuring the IL analysis' cost.
pub fn parse_without_il(image: &Image<'_>, clr_rva: u32, clr_size: u32) -> DotnetInfo {
    parse_with(image, clr_rva, clr_size, false, false)
}

/// Like [`parse`], and also lists every row of the TypeDef, TypeRef and
/// MemberRef tables with resolved names in [`DotnetInfo::type_defs`],
/// [`DotnetInfo::type_refs`] and [`DotnetInfo::member_refs`]. A sweep does
/// not need them (they are not reported) and [`parse`] leaves them empty:
/// listing costs one owned string per name.
pub fn parse_with_tables(image: &Image<'_>, clr_rva: u32, clr_size: u32) -> DotnetInfo {
    parse_with(image, clr_rva, clr_size, true, true)
}

fn parse_with(
    image: &Image<'_>,
    clr_rva: u32,
    clr_size: u32,
    list_tables: bool,
    il: bool,
) -> DotnetInfo {
    let mut info = DotnetInfo::default();
    let mut errs = Problems::new();
    parse_into(
        &mut info,
        &mut errs,
        image,
        clr_rva,
        clr_size,
        list_tables,
        il,
    );
    info.errors = errs.finish();
    info
}

fn parse_into(
    info: &mut DotnetInfo,
    errs: &mut Problems,
    image: &Image<'_>,
    clr_rva: u32,
    clr_size: u32,
    list_tables: bool,
    il: bool,
) {
    let Some(cor) = root::read_cor20(image, clr_rva, clr_size, info, errs) else {
        return;
    };
    let Some((st, md_off)) = root::read_metadata_root(image, &cor, info, errs) else {
        return;
    };
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
    let mut m = Model::new(&tables, st.strings, st.blob, st.guid, errs);
    m.read(info, cor.resources);
    if il {
        m.behaviour(info, image, &st.us);
    }
    if list_tables {
        m.list_tables(info);
    }
}

#[cfg(test)]
mod tests;
