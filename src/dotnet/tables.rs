//! The `#~` (and uncompressed `#-`) metadata table stream: ECMA-335 II.24.2.6
//! header, row counts, and the exact row layout of all 45 tables (II.22).
//!
//! Error policy: the header is read field by field; a row count above
//! [`MAX_ROWS_PER_TABLE`] makes that table unreadable (its declared count is
//! still used for index sizes and layout, as the runtime would); a table that
//! runs past the end of the stream keeps the rows that fit. Every problem is
//! reported as a message naming the stream's file offset. Cell reads return
//! `None` for rows outside the readable range, never panic.

use super::bytes::{u16_at, u32_at, u64_at, u8_at};
use super::{Errors, MAX_ROWS_PER_TABLE};

/// Number of table ids defined by ECMA-335 (0x00 ..= 0x2C).
pub(crate) const TABLE_COUNT: usize = 45;

pub(crate) const MODULE: usize = 0x00;
pub(crate) const TYPE_REF: usize = 0x01;
pub(crate) const TYPE_DEF: usize = 0x02;
pub(crate) const FIELD: usize = 0x04;
pub(crate) const METHOD_PTR: usize = 0x05;
pub(crate) const METHOD_DEF: usize = 0x06;
pub(crate) const PARAM: usize = 0x08;
pub(crate) const INTERFACE_IMPL: usize = 0x09;
pub(crate) const MEMBER_REF: usize = 0x0A;
pub(crate) const DECL_SECURITY: usize = 0x0E;
pub(crate) const STAND_ALONE_SIG: usize = 0x11;
pub(crate) const EVENT: usize = 0x14;
pub(crate) const PROPERTY: usize = 0x17;
pub(crate) const MODULE_REF: usize = 0x1A;
pub(crate) const TYPE_SPEC: usize = 0x1B;
pub(crate) const IMPL_MAP: usize = 0x1C;
pub(crate) const ASSEMBLY: usize = 0x20;
pub(crate) const ASSEMBLY_REF: usize = 0x23;
pub(crate) const FILE: usize = 0x26;
pub(crate) const EXPORTED_TYPE: usize = 0x27;
pub(crate) const MANIFEST_RESOURCE: usize = 0x28;
pub(crate) const NESTED_CLASS: usize = 0x29;
pub(crate) const GENERIC_PARAM: usize = 0x2A;
pub(crate) const METHOD_SPEC: usize = 0x2B;
pub(crate) const GENERIC_PARAM_CONSTRAINT: usize = 0x2C;

/// Spec names of the tables, indexed by table id.
pub(crate) const TABLE_NAMES: [&str; TABLE_COUNT] = [
    "Module",
    "TypeRef",
    "TypeDef",
    "FieldPtr",
    "Field",
    "MethodPtr",
    "MethodDef",
    "ParamPtr",
    "Param",
    "InterfaceImpl",
    "MemberRef",
    "Constant",
    "CustomAttribute",
    "FieldMarshal",
    "DeclSecurity",
    "ClassLayout",
    "FieldLayout",
    "StandAloneSig",
    "EventMap",
    "EventPtr",
    "Event",
    "PropertyMap",
    "PropertyPtr",
    "Property",
    "MethodSemantics",
    "MethodImpl",
    "ModuleRef",
    "TypeSpec",
    "ImplMap",
    "FieldRVA",
    "ENCLog",
    "ENCMap",
    "Assembly",
    "AssemblyProcessor",
    "AssemblyOS",
    "AssemblyRef",
    "AssemblyRefProcessor",
    "AssemblyRefOS",
    "File",
    "ExportedType",
    "ManifestResource",
    "NestedClass",
    "GenericParam",
    "MethodSpec",
    "GenericParamConstraint",
];

/// Name of a table id for messages (`table 0x3f` when unknown).
pub(crate) fn table_name(t: usize) -> String {
    TABLE_NAMES
        .get(t)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("table 0x{t:02x}"))
}

/// Coded index kinds, ECMA-335 II.24.2.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coded {
    TypeDefOrRef,
    HasConstant,
    HasCustomAttribute,
    HasFieldMarshal,
    HasDeclSecurity,
    MemberRefParent,
    HasSemantics,
    MethodDefOrRef,
    MemberForwarded,
    Implementation,
    CustomAttributeType,
    ResolutionScope,
    TypeOrMethodDef,
}

impl Coded {
    /// Target tables by tag value (`None` = tag value not used).
    pub(crate) fn targets(self) -> &'static [Option<usize>] {
        match self {
            Coded::TypeDefOrRef => &[Some(TYPE_DEF), Some(TYPE_REF), Some(TYPE_SPEC)],
            Coded::HasConstant => &[Some(FIELD), Some(PARAM), Some(PROPERTY)],
            Coded::HasCustomAttribute => &[
                Some(METHOD_DEF),
                Some(FIELD),
                Some(TYPE_REF),
                Some(TYPE_DEF),
                Some(PARAM),
                Some(INTERFACE_IMPL),
                Some(MEMBER_REF),
                Some(MODULE),
                Some(DECL_SECURITY),
                Some(PROPERTY),
                Some(EVENT),
                Some(STAND_ALONE_SIG),
                Some(MODULE_REF),
                Some(TYPE_SPEC),
                Some(ASSEMBLY),
                Some(ASSEMBLY_REF),
                Some(FILE),
                Some(EXPORTED_TYPE),
                Some(MANIFEST_RESOURCE),
                Some(GENERIC_PARAM),
                Some(GENERIC_PARAM_CONSTRAINT),
                Some(METHOD_SPEC),
            ],
            Coded::HasFieldMarshal => &[Some(FIELD), Some(PARAM)],
            Coded::HasDeclSecurity => &[Some(TYPE_DEF), Some(METHOD_DEF), Some(ASSEMBLY)],
            Coded::MemberRefParent => &[
                Some(TYPE_DEF),
                Some(TYPE_REF),
                Some(MODULE_REF),
                Some(METHOD_DEF),
                Some(TYPE_SPEC),
            ],
            Coded::HasSemantics => &[Some(EVENT), Some(PROPERTY)],
            Coded::MethodDefOrRef => &[Some(METHOD_DEF), Some(MEMBER_REF)],
            Coded::MemberForwarded => &[Some(FIELD), Some(METHOD_DEF)],
            Coded::Implementation => &[Some(FILE), Some(ASSEMBLY_REF), Some(EXPORTED_TYPE)],
            Coded::CustomAttributeType => &[None, None, Some(METHOD_DEF), Some(MEMBER_REF), None],
            Coded::ResolutionScope => &[
                Some(MODULE),
                Some(MODULE_REF),
                Some(ASSEMBLY_REF),
                Some(TYPE_REF),
            ],
            Coded::TypeOrMethodDef => &[Some(TYPE_DEF), Some(METHOD_DEF)],
        }
    }

    /// Number of tag bits (ceil(log2(number of targets))).
    pub(crate) fn tag_bits(self) -> u32 {
        match self {
            Coded::HasCustomAttribute => 5,
            Coded::MemberRefParent | Coded::CustomAttributeType => 3,
            Coded::TypeDefOrRef
            | Coded::HasConstant
            | Coded::HasDeclSecurity
            | Coded::Implementation
            | Coded::ResolutionScope => 2,
            _ => 1,
        }
    }

    /// Splits a raw coded value into (table id, 1-based row); `None` for an
    /// unused tag. Row 0 means a null reference.
    pub(crate) fn decode(self, v: u32) -> Option<(usize, u32)> {
        let bits = self.tag_bits();
        let tag = (v & ((1u32 << bits) - 1)) as usize;
        let row = v >> bits;
        let t = (*self.targets().get(tag)?)?;
        Some((t, row))
    }
}

/// One column of a table row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Col {
    U16,
    U32,
    Str,
    Guid,
    Blob,
    /// Simple index into the given table.
    T(usize),
    /// Coded index.
    C(Coded),
}

/// Column schema of each table, ECMA-335 II.22.2 .. II.22.39.
pub(crate) fn schema(t: usize) -> &'static [Col] {
    use Coded::*;
    use Col::*;
    match t {
        0x00 => &[U16, Str, Guid, Guid, Guid],
        0x01 => &[C(ResolutionScope), Str, Str],
        0x02 => &[U32, Str, Str, C(TypeDefOrRef), T(FIELD), T(METHOD_DEF)],
        0x03 => &[T(FIELD)],
        0x04 => &[U16, Str, Blob],
        0x05 => &[T(METHOD_DEF)],
        0x06 => &[U32, U16, U16, Str, Blob, T(PARAM)],
        0x07 => &[T(PARAM)],
        0x08 => &[U16, U16, Str],
        0x09 => &[T(TYPE_DEF), C(TypeDefOrRef)],
        0x0A => &[C(MemberRefParent), Str, Blob],
        0x0B => &[U16, C(HasConstant), Blob], // Type (1 byte) + padding (1 byte)
        0x0C => &[C(HasCustomAttribute), C(CustomAttributeType), Blob],
        0x0D => &[C(HasFieldMarshal), Blob],
        0x0E => &[U16, C(HasDeclSecurity), Blob],
        0x0F => &[U16, U32, T(TYPE_DEF)],
        0x10 => &[U32, T(FIELD)],
        0x11 => &[Blob],
        0x12 => &[T(TYPE_DEF), T(EVENT)],
        0x13 => &[T(EVENT)],
        0x14 => &[U16, Str, C(TypeDefOrRef)],
        0x15 => &[T(TYPE_DEF), T(PROPERTY)],
        0x16 => &[T(PROPERTY)],
        0x17 => &[U16, Str, Blob],
        0x18 => &[U16, T(METHOD_DEF), C(HasSemantics)],
        0x19 => &[T(TYPE_DEF), C(MethodDefOrRef), C(MethodDefOrRef)],
        0x1A => &[Str],
        0x1B => &[Blob],
        0x1C => &[U16, C(MemberForwarded), Str, T(MODULE_REF)],
        0x1D => &[U32, T(FIELD)],
        0x1E => &[U32, U32],
        0x1F => &[U32],
        0x20 => &[U32, U16, U16, U16, U16, U32, Blob, Str, Str],
        0x21 => &[U32],
        0x22 => &[U32, U32, U32],
        0x23 => &[U16, U16, U16, U16, U32, Blob, Str, Str, Blob],
        0x24 => &[U32, T(ASSEMBLY_REF)],
        0x25 => &[U32, U32, U32, T(ASSEMBLY_REF)],
        0x26 => &[U32, Str, Blob],
        0x27 => &[U32, U32, Str, Str, C(Implementation)],
        0x28 => &[U32, U32, Str, C(Implementation)],
        0x29 => &[T(TYPE_DEF), T(TYPE_DEF)],
        0x2A => &[U16, U16, C(TypeOrMethodDef), Str],
        0x2B => &[C(MethodDefOrRef), Blob],
        0x2C => &[T(GENERIC_PARAM), C(TypeDefOrRef)],
        _ => &[],
    }
}

/// Maximum number of columns in any table (Assembly / AssemblyRef).
const MAX_COLS: usize = 9;

/// Index-size inputs: heap-size flags and declared row counts.
#[derive(Clone, Debug)]
pub(crate) struct Sizing {
    /// `HeapSizes` bit 0x01: #Strings indices are 4 bytes.
    pub(crate) str4: bool,
    /// `HeapSizes` bit 0x02: #GUID indices are 4 bytes.
    pub(crate) guid4: bool,
    /// `HeapSizes` bit 0x04: #Blob indices are 4 bytes.
    pub(crate) blob4: bool,
    /// `#JTD` present (uncompressed `#-` only): every index is 4 bytes.
    pub(crate) all4: bool,
    /// Declared row counts, by table id (ids >= 45 are unknown tables).
    pub(crate) rows: [u32; 64],
}

impl Sizing {
    /// Byte size of one column.
    pub(crate) fn col_size(&self, c: Col) -> usize {
        let wide = |b: bool| if b || self.all4 { 4 } else { 2 };
        match c {
            Col::U16 => 2,
            Col::U32 => 4,
            Col::Str => wide(self.str4),
            Col::Guid => wide(self.guid4),
            Col::Blob => wide(self.blob4),
            Col::T(t) => wide(self.rows[t] > 0xFFFF),
            Col::C(k) => {
                let limit = 1u32 << (16 - k.tag_bits());
                let big = k.targets().iter().flatten().any(|&t| self.rows[t] >= limit);
                wide(big)
            }
        }
    }

    /// Byte size of one row of table `t`.
    #[cfg(test)]
    pub(crate) fn row_size(&self, t: usize) -> usize {
        schema(t).iter().map(|&c| self.col_size(c)).sum()
    }
}

/// A parsed table stream: layout plus the bytes it indexes.
pub(crate) struct Tables<'a> {
    data: &'a [u8],
    /// Index sizes and declared counts.
    pub(crate) sizing: Sizing,
    start: [usize; TABLE_COUNT],
    readable: [u32; TABLE_COUNT],
    col_off: [[u8; MAX_COLS]; TABLE_COUNT],
    col_len: [[u8; MAX_COLS]; TABLE_COUNT],
    row_size: [usize; TABLE_COUNT],
}

impl<'a> Tables<'a> {
    /// Parses the `#~` / `#-` header at the start of `data` (`file_off` is
    /// its file offset, for messages). `jtd` is true when a `#JTD` stream
    /// accompanies an uncompressed `#-` stream.
    #[allow(clippy::needless_range_loop)] // table ids index several parallel arrays
    pub(crate) fn parse(
        data: &'a [u8],
        file_off: usize,
        name: &str,
        jtd: bool,
        errs: &mut Errors,
    ) -> Option<Tables<'a>> {
        let here = format!("{name} stream at 0x{file_off:x}");
        let (Some(heap_sizes), Some(valid)) = (u8_at(data, 6), u64_at(data, 8)) else {
            errs.push(format!(
                "{here}: header truncated (stream is {} bytes, need 24)",
                data.len()
            ));
            return None;
        };
        let mut rows = [0u32; 64];
        let mut pos = 24usize;
        let mut unknown = Vec::new();
        for (t, slot) in rows.iter_mut().enumerate() {
            if valid & (1u64 << t) == 0 {
                continue;
            }
            let Some(n) = u32_at(data, pos) else {
                errs.push(format!(
                    "{here}: row count of {} at 0x{:x} past end of stream",
                    table_name(t),
                    file_off + pos
                ));
                return None;
            };
            *slot = n;
            pos += 4;
            if t >= TABLE_COUNT {
                unknown.push(t);
            }
        }
        if !unknown.is_empty() {
            errs.push(format!(
                "{here}: Valid mask 0x{valid:016x} sets bits of tables unknown to ECMA-335 ({unknown:x?}); they are ignored"
            ));
        }
        if heap_sizes & 0x40 != 0 {
            // "Extra data" flag: 4 bytes follow the row counts.
            pos += 4;
        }
        let sizing = Sizing {
            str4: heap_sizes & 0x01 != 0,
            guid4: heap_sizes & 0x02 != 0,
            blob4: heap_sizes & 0x04 != 0,
            all4: jtd,
            rows,
        };
        let mut tables = Tables {
            data,
            sizing,
            start: [0; TABLE_COUNT],
            readable: [0; TABLE_COUNT],
            col_off: [[0; MAX_COLS]; TABLE_COUNT],
            col_len: [[0; MAX_COLS]; TABLE_COUNT],
            row_size: [0; TABLE_COUNT],
        };
        let mut lost = false; // layout beyond this point cannot be computed / is past the end
        for t in 0..TABLE_COUNT {
            let mut off = 0usize;
            for (i, &c) in schema(t).iter().enumerate() {
                let s = tables.sizing.col_size(c);
                tables.col_off[t][i] = off as u8;
                tables.col_len[t][i] = s as u8;
                off += s;
            }
            tables.row_size[t] = off;
            let n = tables.sizing.rows[t];
            if n == 0 {
                continue;
            }
            if lost {
                errs.push(format!("{here}: {} table ({n} rows) cannot be located: earlier tables run past the end", TABLE_NAMES[t]));
                continue;
            }
            tables.start[t] = pos;
            let total = (n as usize).checked_mul(off);
            let avail = data.len().saturating_sub(pos) / off.max(1);
            if n > MAX_ROWS_PER_TABLE {
                errs.push(format!(
                    "{here}: {} row count {n} exceeds MAX_ROWS_PER_TABLE",
                    TABLE_NAMES[t]
                ));
            } else if (n as usize) > avail {
                errs.push(format!(
                    "{here}: {} table at 0x{:x} declares {n} rows of {off} bytes but only {avail} fit in the stream",
                    TABLE_NAMES[t],
                    file_off.saturating_add(pos)
                ));
                tables.readable[t] = avail as u32;
            } else {
                tables.readable[t] = n;
            }
            match total.and_then(|x| pos.checked_add(x)) {
                Some(p) if p <= data.len() => pos = p,
                _ => lost = true,
            }
        }
        Some(tables)
    }

    /// Number of rows of table `t` that can be read.
    pub(crate) fn rows(&self, t: usize) -> u32 {
        self.readable.get(t).copied().unwrap_or(0)
    }

    /// Declared row count of table `t` (may exceed what can be read).
    pub(crate) fn declared_rows(&self, t: usize) -> u32 {
        self.sizing.rows.get(t).copied().unwrap_or(0)
    }

    /// Reads column `col` of 1-based `row` in table `t`.
    pub(crate) fn get(&self, t: usize, row: u32, col: usize) -> Option<u32> {
        if t >= TABLE_COUNT || row == 0 || row > self.readable[t] || col >= schema(t).len() {
            return None;
        }
        let off = self.start[t]
            .checked_add((row as usize - 1).checked_mul(self.row_size[t])?)?
            .checked_add(self.col_off[t][col] as usize)?;
        match self.col_len[t][col] {
            2 => u16_at(self.data, off).map(u32::from),
            _ => u32_at(self.data, off),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_covers_all_tables() {
        for t in 0..TABLE_COUNT {
            assert!(!schema(t).is_empty(), "{}", TABLE_NAMES[t]);
            assert!(schema(t).len() <= MAX_COLS);
        }
        assert!(schema(TABLE_COUNT).is_empty());
    }

    #[test]
    fn row_sizes_small_and_large() {
        let mut s = Sizing {
            str4: false,
            guid4: false,
            blob4: false,
            all4: false,
            rows: [0; 64],
        };
        assert_eq!(s.row_size(TYPE_DEF), 4 + 2 + 2 + 2 + 2 + 2);
        assert_eq!(s.row_size(MODULE), 10);
        assert_eq!(s.row_size(ASSEMBLY), 4 + 8 + 4 + 2 + 2 + 2);
        // TypeDefOrRef has 2 tag bits: 2^14 rows in TypeSpec widen it.
        s.rows[TYPE_SPEC] = 0x3FFF;
        assert_eq!(s.col_size(Col::C(Coded::TypeDefOrRef)), 2);
        s.rows[TYPE_SPEC] = 0x4000;
        assert_eq!(s.col_size(Col::C(Coded::TypeDefOrRef)), 4);
        // HasCustomAttribute has 5 tag bits: 2^11.
        s.rows[METHOD_SPEC] = 0x800;
        assert_eq!(s.col_size(Col::C(Coded::HasCustomAttribute)), 4);
        // Simple index: > 0xFFFF rows.
        s.rows[FIELD] = 0xFFFF;
        assert_eq!(s.col_size(Col::T(FIELD)), 2);
        s.rows[FIELD] = 0x10000;
        assert_eq!(s.col_size(Col::T(FIELD)), 4);
        s.str4 = true;
        assert_eq!(s.row_size(MODULE_REF), 4);
        s.all4 = true;
        assert_eq!(s.row_size(NESTED_CLASS), 8);
        // Unused CustomAttributeType tags do not count.
        assert_eq!(Coded::CustomAttributeType.decode(0), None);
        assert_eq!(
            Coded::CustomAttributeType.decode(0x1B),
            Some((MEMBER_REF, 3))
        );
    }
}
