//! Hand-built metadata for well-formed and malformed cases. Every malformed
//! case asserts a partial result plus an error message, and no panic.

use std::collections::BTreeMap;

use super::limits::{MAX_NESTING, MAX_STRING_LEN};
use super::tables::{schema, Coded, Sizing, *};
use super::*;
use crate::model::Role;
use crate::pe::{Image, Layout, SectionHeader};

/// [`parse`] over `file` with a layout of `sections`.
fn run(file: &[u8], rva: u32, size: u32, sections: &[SectionHeader]) -> DotnetInfo {
    let layout = Layout::synthetic(file.len(), sections.to_vec());
    parse(
        &Image {
            bytes: file,
            layout: &layout,
        },
        rva,
        size,
    )
}

/// Synthetic file: `IMAGE_COR20_HEADER` at offset 0, metadata root after it;
/// one section maps RVA = offset + 0x1000.
struct Md {
    strings: Vec<u8>,
    blob: Vec<u8>,
    guid: Vec<u8>,
    us: Vec<u8>,
    rows: BTreeMap<usize, Vec<Vec<u32>>>,
    heap_sizes: u8,
    tables_name: &'static str,
    count_override: Vec<(usize, u32)>,
    /// (stream name, offset, size) replacing the computed header values.
    stream_override: Option<(&'static str, u32, u32)>,
}

const BASE_RVA: u32 = 0x1000;

impl Md {
    fn new() -> Md {
        Md {
            strings: vec![0],
            blob: vec![0],
            guid: Vec::new(),
            us: vec![0],
            rows: BTreeMap::new(),
            heap_sizes: 0,
            tables_name: "#~",
            count_override: Vec::new(),
            stream_override: None,
        }
    }

    fn s(&mut self, s: &str) -> u32 {
        let i = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        i
    }

    fn us(&mut self, s: &str) {
        let units: Vec<u16> = s.encode_utf16().collect();
        let len = units.len() * 2 + 1;
        assert!(len < 0x80);
        self.us.push(len as u8);
        for u in units {
            self.us.extend_from_slice(&u.to_le_bytes());
        }
        self.us.push(0);
    }

    fn row(&mut self, t: usize, cols: &[u32]) -> u32 {
        let v = self.rows.entry(t).or_default();
        v.push(cols.to_vec());
        v.len() as u32
    }

    #[allow(clippy::needless_range_loop)]
    fn tables(&self) -> Vec<u8> {
        let mut rows = [0u32; 64];
        for (&t, r) in &self.rows {
            rows[t] = r.len() as u32;
        }
        for &(t, n) in &self.count_override {
            rows[t] = n;
        }
        let sizing = Sizing {
            str4: self.heap_sizes & 1 != 0,
            guid4: self.heap_sizes & 2 != 0,
            blob4: self.heap_sizes & 4 != 0,
            all4: false,
            rows,
        };
        let valid: u64 = (0..64)
            .filter(|&t| rows[t] != 0)
            .fold(0, |m, t| m | (1u64 << t));
        let mut out = vec![0, 0, 0, 0, 2, 0, self.heap_sizes, 1];
        out.extend_from_slice(&valid.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        for t in 0..64 {
            if rows[t] != 0 {
                out.extend_from_slice(&rows[t].to_le_bytes());
            }
        }
        if self.heap_sizes & 0x40 != 0 {
            out.extend_from_slice(&0xDEADBEEFu32.to_le_bytes());
        }
        for (&t, rs) in &self.rows {
            for r in rs {
                for (i, &c) in schema(t).iter().enumerate() {
                    let v = r.get(i).copied().unwrap_or(0);
                    match sizing.col_size(c) {
                        2 => out.extend_from_slice(&(v as u16).to_le_bytes()),
                        _ => out.extend_from_slice(&v.to_le_bytes()),
                    }
                }
            }
        }
        out
    }

    fn build(&self) -> (Vec<u8>, u32, u32, Vec<SectionHeader>) {
        let pad = |v: &mut Vec<u8>| {
            while v.len() % 4 != 0 {
                v.push(0);
            }
        };
        let mut streams: Vec<(&str, Vec<u8>)> = vec![
            (self.tables_name, self.tables()),
            ("#Strings", self.strings.clone()),
            ("#US", self.us.clone()),
            ("#GUID", self.guid.clone()),
            ("#Blob", self.blob.clone()),
        ];
        for s in &mut streams {
            pad(&mut s.1);
        }
        let mut root = b"BSJB".to_vec();
        root.extend_from_slice(&[1, 0, 1, 0, 0, 0, 0, 0]);
        let ver = b"v4.0.30319\0\0";
        root.extend_from_slice(&(ver.len() as u32).to_le_bytes());
        root.extend_from_slice(ver);
        root.extend_from_slice(&[0, 0]);
        root.extend_from_slice(&(streams.len() as u16).to_le_bytes());
        let hdr_len: usize = streams
            .iter()
            .map(|(n, _)| 8 + ((n.len() + 1 + 3) & !3))
            .sum();
        let mut off = root.len() + hdr_len;
        let mut body = Vec::new();
        for (n, d) in &streams {
            let (o, sz) = match self.stream_override {
                Some((name, o, sz)) if name == *n => (o, sz),
                _ => (off as u32, d.len() as u32),
            };
            root.extend_from_slice(&o.to_le_bytes());
            root.extend_from_slice(&sz.to_le_bytes());
            let mut nb = n.as_bytes().to_vec();
            nb.push(0);
            pad(&mut nb);
            root.extend_from_slice(&nb);
            off += d.len();
            body.extend_from_slice(d);
        }
        root.extend_from_slice(&body);
        let mut file = vec![0u8; 72];
        file[0..4].copy_from_slice(&72u32.to_le_bytes());
        file[4..6].copy_from_slice(&2u16.to_le_bytes());
        file[6..8].copy_from_slice(&5u16.to_le_bytes());
        file[8..12].copy_from_slice(&(BASE_RVA + 72).to_le_bytes());
        file[12..16].copy_from_slice(&(root.len() as u32).to_le_bytes());
        file[16..20].copy_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&root);
        let n = file.len() as u32;
        let sec = SectionHeader {
            virtual_address: BASE_RVA,
            virtual_size: n,
            pointer_to_raw_data: 0,
            size_of_raw_data: n,
            ..SectionHeader::default()
        };
        (file, BASE_RVA, 72, vec![sec])
    }

    fn parse(&self) -> DotnetInfo {
        let (f, rva, size, secs) = self.build();
        let layout = Layout::synthetic(f.len(), secs);
        parse_with_tables(
            &Image {
                bytes: &f,
                layout: &layout,
            },
            rva,
            size,
        )
    }
}

fn cidx(kind: Coded, t: usize, row: u32) -> u32 {
    let tag = kind.targets().iter().position(|&x| x == Some(t)).unwrap() as u32;
    (row << kind.tag_bits()) | tag
}

fn has_err(info: &DotnetInfo, needles: &[&str]) -> bool {
    info.errors
        .iter()
        .any(|e| needles.iter().all(|n| e.contains(n)))
}

/// A small, valid assembly: a module, a handler base/derived pair, a nested
/// type, P/Invoke and member references.
fn sample() -> Md {
    let mut m = Md::new();
    m.guid = (0u8..16).collect();
    let n = m.s("Test.dll");
    m.row(MODULE, &[0, n, 1, 0, 0]);
    let sys_web = m.s("System.Web");
    m.row(ASSEMBLY_REF, &[4, 0, 0, 0, 0, 0, sys_web, 0, 0]);
    let ar = cidx(Coded::ResolutionScope, ASSEMBLY_REF, 1);
    let (imod, ihand) = (m.s("IHttpModule"), m.s("IHttpHandler"));
    m.row(TYPE_REF, &[ar, imod, sys_web]); // 1
    m.row(TYPE_REF, &[ar, ihand, sys_web]); // 2
    let (diag, proc_, obj, sys) = (
        m.s("System.Diagnostics"),
        m.s("Process"),
        m.s("Object"),
        m.s("System"),
    );
    m.row(TYPE_REF, &[ar, proc_, diag]); // 3
    m.row(TYPE_REF, &[ar, obj, sys]); // 4
    let happ = m.s("HttpApplication");
    m.row(TYPE_REF, &[ar, happ, sys_web]); // 5
    let ns = m.s("Ns");
    let obj_ref = cidx(Coded::TypeDefOrRef, TYPE_REF, 4);
    let names = ["<Module>", "Mod", "Base", "Derived", "Outer", "Inner"];
    let ids: Vec<u32> = names.iter().map(|s| m.s(s)).collect();
    m.row(TYPE_DEF, &[0, ids[0], 0, 0, 1, 1]); // 1
    m.row(TYPE_DEF, &[0x100001, ids[1], ns, obj_ref, 1, 1]); // 2 Mod
    m.row(TYPE_DEF, &[0x1, ids[2], ns, obj_ref, 1, 2]); // 3 Base
    m.row(
        TYPE_DEF,
        &[
            0x1,
            ids[3],
            ns,
            cidx(Coded::TypeDefOrRef, TYPE_DEF, 3),
            1,
            2,
        ],
    ); // 4 Derived
    m.row(TYPE_DEF, &[0x1, ids[4], ns, obj_ref, 1, 2]); // 5 Outer
    m.row(TYPE_DEF, &[0x2, ids[5], 0, obj_ref, 1, 2]); // 6 Inner
    let meth = m.s("Init");
    m.row(METHOD_DEF, &[0, 0, 0, meth, 0, 1]);
    m.row(INTERFACE_IMPL, &[2, cidx(Coded::TypeDefOrRef, TYPE_REF, 1)]);
    m.row(INTERFACE_IMPL, &[3, cidx(Coded::TypeDefOrRef, TYPE_REF, 2)]);
    m.row(NESTED_CLASS, &[6, 5]);
    let (start, add) = (m.s("Start"), m.s("add_BeginRequest"));
    m.row(
        MEMBER_REF,
        &[cidx(Coded::MemberRefParent, TYPE_REF, 3), start, 0],
    );
    m.row(
        MEMBER_REF,
        &[cidx(Coded::MemberRefParent, TYPE_REF, 5), add, 0],
    );
    let k32 = m.s("kernel32.dll");
    m.row(MODULE_REF, &[k32]);
    let vp = m.s("VirtualProtect");
    m.row(
        IMPL_MAP,
        &[0, cidx(Coded::MemberForwarded, METHOD_DEF, 1), vp, 1],
    );
    m.us("cmd.exe /c whoami");
    m.us("harmless");
    m.us("X-Chrome-Variations");
    m
}

#[test]
fn well_formed_sample() {
    let info = sample().parse();
    assert!(info.errors.is_empty(), "{:?}", info.errors);
    assert_eq!(info.runtime_version.as_deref(), Some("v4.0.30319"));
    assert_eq!(
        (info.major_runtime_version, info.minor_runtime_version),
        (2, 5)
    );
    assert!(info.flags.il_only && !info.mixed_mode);
    assert_eq!(info.module_name.as_deref(), Some("Test.dll"));
    assert_eq!(
        info.mvid.as_deref(),
        Some("03020100-0504-0706-0809-0a0b0c0d0e0f")
    );
    let full: Vec<&str> = info
        .type_defs
        .iter()
        .map(|t| t.full_name.as_str())
        .collect();
    assert_eq!(
        full,
        [
            "<Module>",
            "Ns.Mod",
            "Ns.Base",
            "Ns.Derived",
            "Ns.Outer",
            "Ns.Outer+Inner"
        ]
    );
    assert_eq!(info.type_defs[5].enclosing.as_deref(), Some("Ns.Outer"));
    assert_eq!(info.type_defs[3].extends.as_deref(), Some("Ns.Base"));
    assert_eq!(info.type_defs[1].interfaces, ["System.Web.IHttpModule"]);
    assert!(info.type_defs[0].methods.is_empty());
    assert_eq!(info.type_defs[1].methods, ["Init"]);
    assert_eq!(
        info.type_refs[0].scope_assembly.as_deref(),
        Some("System.Web")
    );
    let comps: Vec<(&str, &Vec<&str>, &Vec<String>)> = info
        .components
        .iter()
        .map(|c| (c.type_name.as_str(), &c.kinds, &c.base_chain))
        .collect();
    assert_eq!(comps.len(), 3, "{comps:?}");
    assert_eq!(comps[0].0, "Ns.Mod");
    assert_eq!(info.components[0].roles, [Role::ManagedModule]);
    assert_eq!(comps[2].0, "Ns.Derived");
    assert_eq!(
        comps[2].2,
        &vec!["Ns.Derived".to_string(), "Ns.Base".to_string()]
    );
    assert_eq!(info.http_events, ["add_BeginRequest"]);
    assert_eq!(
        info.capabilities["process_creation"],
        ["System.Diagnostics.Process::Start"]
    );
    assert_eq!(
        info.capabilities["pinvoke"],
        ["kernel32.dll!VirtualProtect"]
    );
    assert!(info.pinvokes[0].system_dll);
    assert_eq!(info.pinvokes[0].member, "Init");
    assert_eq!(info.user_string_count, 3);
    assert_eq!(info.interesting_strings.len(), 2);
}

#[test]
fn extra_data_flag_and_uncompressed_stream_name() {
    let mut m = sample();
    m.heap_sizes = 0x40;
    m.tables_name = "#-";
    let info = m.parse();
    assert!(info.errors.is_empty(), "{:?}", info.errors);
    assert_eq!(info.type_defs.len(), 6);
    assert_eq!(info.components.len(), 3);
}

#[test]
fn wide_heap_indices() {
    let mut m = sample();
    m.heap_sizes = 0x07;
    let info = m.parse();
    assert!(info.errors.is_empty(), "{:?}", info.errors);
    assert_eq!(info.type_defs[5].full_name, "Ns.Outer+Inner");
}

#[test]
fn stream_offset_past_end() {
    let mut m = sample();
    m.stream_override = Some(("#Strings", 0x7FFF_0000, 0x100));
    let info = m.parse();
    assert!(
        has_err(&info, &["#Strings", "past end of metadata"]),
        "{:?}",
        info.errors
    );
    // Tables are still read; names are empty and reported.
    assert_eq!(info.type_defs.len(), 6);
    assert!(has_err(&info, &["#Strings heap", "past end of heap"]));
    // A table stream past the end: no tables, but the header facts remain.
    let mut m = sample();
    m.stream_override = Some(("#~", 0xFFFF_FFF0, 0x100));
    let info = m.parse();
    assert!(
        has_err(&info, &["#~", "header truncated"]),
        "{:?}",
        info.errors
    );
    assert_eq!(info.runtime_version.as_deref(), Some("v4.0.30319"));
    assert_eq!(info.user_string_count, 3);
}

#[test]
fn huge_row_count() {
    let mut m = sample();
    m.count_override.push((TYPE_DEF, u32::MAX));
    let info = m.parse();
    assert!(
        has_err(
            &info,
            &[
                "TypeDef row count 4294967295 exceeds MAX_ROWS_PER_TABLE",
                "#~ stream at 0x"
            ]
        ),
        "{:?}",
        info.errors
    );
    assert!(info.type_defs.is_empty());
    // Tables before TypeDef are intact.
    assert_eq!(info.module_name.as_deref(), Some("Test.dll"));
    assert_eq!(info.type_refs.len(), 5);
    assert!(has_err(&info, &["cannot be located"]));
}

#[test]
fn row_count_beyond_stream() {
    let mut m = sample();
    m.count_override.push((MEMBER_REF, 1000));
    let info = m.parse();
    assert!(
        has_err(&info, &["MemberRef table at 0x", "declares 1000 rows"]),
        "{:?}",
        info.errors
    );
    assert_eq!(info.type_defs.len(), 6);
}

#[test]
fn coded_index_out_of_range() {
    let mut m = sample();
    m.rows.get_mut(&TYPE_DEF).unwrap()[3][3] = cidx(Coded::TypeDefOrRef, TYPE_REF, 99);
    m.rows.get_mut(&MEMBER_REF).unwrap()[0][0] = 0xFFFF; // tag 7: unused
    let info = m.parse();
    assert!(
        has_err(&info, &["TypeDef row 4", "TypeRef row 99, out of range"]),
        "{:?}",
        info.errors
    );
    assert!(
        has_err(&info, &["MemberRef row 1", "unused tag"]),
        "{:?}",
        info.errors
    );
    assert_eq!(info.type_defs[3].extends, None);
    assert_eq!(info.member_refs.len(), 2);
    assert_eq!(info.http_events, ["add_BeginRequest"]);
}

#[test]
fn heap_index_past_heap() {
    let mut m = sample();
    m.rows.get_mut(&TYPE_REF).unwrap()[0][1] = 0xFFF0;
    m.rows.get_mut(&MODULE).unwrap()[0][2] = 0x50; // GUID index past #GUID
    let info = m.parse();
    assert!(
        has_err(
            &info,
            &[
                "TypeRef row 1",
                "#Strings heap at 0x",
                "index 0xfff0 past end"
            ]
        ),
        "{:?}",
        info.errors
    );
    assert!(
        has_err(&info, &["Module row 1 Mvid", "#GUID"]),
        "{:?}",
        info.errors
    );
    assert_eq!(info.type_refs[0].name, "");
    assert_eq!(info.type_refs[1].name, "IHttpHandler");
}

#[test]
fn base_class_cycles() {
    // Derived extends itself.
    let mut m = sample();
    m.rows.get_mut(&TYPE_DEF).unwrap()[3][3] = cidx(Coded::TypeDefOrRef, TYPE_DEF, 4);
    let info = m.parse();
    assert!(
        has_err(&info, &["TypeDef row 4", "Extends chain is cyclic"]),
        "{:?}",
        info.errors
    );
    // Base <-> Derived: Base still implements IHttpHandler, both report it.
    let mut m = sample();
    m.rows.get_mut(&TYPE_DEF).unwrap()[2][3] = cidx(Coded::TypeDefOrRef, TYPE_DEF, 4);
    let info = m.parse();
    assert!(
        has_err(&info, &["Extends chain is cyclic"]),
        "{:?}",
        info.errors
    );
    assert!(info.components.iter().any(|c| c.type_name == "Ns.Derived"));
    assert!(info.components.iter().any(|c| c.type_name == "Ns.Base"));
}

#[test]
fn nested_class_cycle() {
    let mut m = sample();
    m.row(NESTED_CLASS, &[5, 6]); // Outer inside Inner, Inner inside Outer
    m.row(NESTED_CLASS, &[4, 4]); // Derived inside itself
    let info = m.parse();
    assert!(
        has_err(&info, &["NestedClass table", "cyclic"]),
        "{:?}",
        info.errors
    );
    assert_eq!(info.type_defs.len(), 6);
    assert!(info.type_defs[5].full_name.ends_with("Inner"));
    assert!(info.type_defs[3].full_name.ends_with("Derived"));
}

#[test]
fn truncations_and_bad_headers() {
    let (f, rva, size, secs) = sample().build();
    for cut in 0..f.len() {
        let info = run(&f[..cut], rva, size, &secs);
        if cut < f.len() {
            assert!(
                !info.errors.is_empty() || info.type_defs.len() == 6,
                "cut {cut}"
            );
        }
    }
    let info = run(&f, 0x5000_0000, 72, &secs);
    assert!(has_err(&info, &["IMAGE_COR20_HEADER at RVA 0x50000000"]));
    let mut bad = f.clone();
    bad[72] = b'X';
    let info = run(&bad, rva, size, &secs);
    assert!(has_err(&info, &["not BSJB"]));
    let info = run(&f, rva, 8, &[]);
    assert!(!info.errors.is_empty());
    let info = run(&[], rva, size, &secs);
    assert!(!info.errors.is_empty());
}

#[test]
fn overlapping_method_lists_stay_linear() {
    let mut m = sample();
    let meth = m.s("M");
    for _ in 0..50 {
        m.row(METHOD_DEF, &[0, 0, 0, meth, 0, 1]);
    }
    let n = m.s("T");
    for k in 0..200u32 {
        m.row(TYPE_DEF, &[1, n, 0, 0, 1, if k % 2 == 0 { 1 } else { 51 }]);
    }
    let info = m.parse();
    let total: usize = info.type_defs.iter().map(|t| t.methods.len()).sum();
    assert!(total <= 51, "{total}");
    assert!(has_err(&info, &["MethodList"]), "{:?}", info.errors);
}

#[test]
fn deep_nesting_is_capped() {
    let mut m = sample();
    let n = m.s("N");
    let first = m.rows[&TYPE_DEF].len() as u32 + 1;
    for k in 0..(MAX_NESTING as u32 + 10) {
        let row = m.row(TYPE_DEF, &[2, n, 0, 0, 1, 2]);
        assert_eq!(row, first + k);
        if k > 0 {
            m.row(NESTED_CLASS, &[row, row - 1]);
        }
    }
    let info = m.parse();
    assert!(
        has_err(&info, &["deeper than MAX_NESTING"]),
        "{:?}",
        info.errors
    );
    assert!(info
        .type_defs
        .iter()
        .all(|t| t.full_name.len() <= MAX_STRING_LEN));
}
