//! The `#~` (and uncompressed `#-`) metadata table stream: ECMA-335 II.24.2.6
//! header, row counts, and the exact row layout of all 45 tables (II.22),
//! with every column named as the specification names it.
//!
//! Error policy: the header is read field by field; a row count above
//! [`MAX_ROWS_PER_TABLE`] makes that table unreadable (its declared count is
//! still used for index sizes and layout, as the runtime would); a table that
//! runs past the end of the stream keeps the rows that fit. Every problem is
//! reported as a message naming the stream's file offset. Cell reads return
//! `None` for rows outside the readable range, never panic.

use super::limits::MAX_ROWS_PER_TABLE;
use crate::util::{u16_at, u32_at, u64_at, u8_at, Problems};

/// Number of table ids defined by ECMA-335 (0x00 ..= 0x2C).
pub(crate) const TABLE_COUNT: usize = 45;

/// One column of one table: the table id and the column's position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    /// Table id.
    pub(crate) table: usize,
    /// Position in the row.
    pub(crate) index: usize,
}

/// Declares every table once: its id constant, its spec name, an enum of
/// its columns (`col::TypeDef::Extends`) and its column schema.
macro_rules! tables {
    ($( $id:literal $konst:ident $name:ident $spec:literal { $($col:ident: $kind:expr),+ $(,)? } )+) => {
        $(
            #[doc = concat!("Table id of `", $spec, "`.")]
            #[allow(dead_code)]
            pub(crate) const $konst: usize = $id;
        )+
        /// Columns by their ECMA-335 II.22 names, one enum per table.
        #[allow(dead_code, clippy::enum_variant_names)]
        pub(crate) mod col {
            $(
                #[doc = concat!("Columns of the `", $spec, "` table.")]
                #[derive(Clone, Copy, Debug)]
                pub(crate) enum $name { $($col),+ }
                impl From<$name> for super::Column {
                    fn from(c: $name) -> super::Column {
                        super::Column { table: super::$konst, index: c as usize }
                    }
                }
            )+
        }
        /// Spec names of the tables, indexed by table id.
        pub(crate) const TABLE_NAMES: [&str; TABLE_COUNT] = [$($spec),+];
        /// The table id constants, in declaration order (checked against
        /// their positions by a test).
        #[cfg(test)]
        const DECLARED_IDS: [usize; TABLE_COUNT] = [$($konst),+];
        /// Column schema of each table, ECMA-335 II.22.2 .. II.22.39.
        pub(crate) fn schema(t: usize) -> &'static [Col] {
            #[allow(unused_imports)]
            use Coded::*;
            #[allow(unused_imports)]
            use Col::*;
            match t {
                $($konst => &[$($kind),+],)+
                _ => &[],
            }
        }
    };
}

tables! {
    0x00 MODULE Module "Module" { Generation: U16, Name: Str, Mvid: Guid, EncId: Guid, EncBaseId: Guid }
    0x01 TYPE_REF TypeRef "TypeRef" { ResolutionScope: C(ResolutionScope), TypeName: Str, TypeNamespace: Str }
    0x02 TYPE_DEF TypeDef "TypeDef" {
        Flags: U32, TypeName: Str, TypeNamespace: Str, Extends: C(TypeDefOrRef),
        FieldList: T(FIELD), MethodList: T(METHOD_DEF),
    }
    0x03 FIELD_PTR FieldPtr "FieldPtr" { Field: T(FIELD) }
    0x04 FIELD Field "Field" { Flags: U16, Name: Str, Signature: Blob }
    0x05 METHOD_PTR MethodPtr "MethodPtr" { Method: T(METHOD_DEF) }
    0x06 METHOD_DEF MethodDef "MethodDef" {
        Rva: U32, ImplFlags: U16, Flags: U16, Name: Str, Signature: Blob, ParamList: T(PARAM),
    }
    0x07 PARAM_PTR ParamPtr "ParamPtr" { Param: T(PARAM) }
    0x08 PARAM Param "Param" { Flags: U16, Sequence: U16, Name: Str }
    0x09 INTERFACE_IMPL InterfaceImpl "InterfaceImpl" { Class: T(TYPE_DEF), Interface: C(TypeDefOrRef) }
    0x0A MEMBER_REF MemberRef "MemberRef" { Class: C(MemberRefParent), Name: Str, Signature: Blob }
    // Type is one byte followed by one byte of padding.
    0x0B CONSTANT Constant "Constant" { Type: U16, Parent: C(HasConstant), Value: Blob }
    0x0C CUSTOM_ATTRIBUTE CustomAttribute "CustomAttribute" {
        Parent: C(HasCustomAttribute), Type: C(CustomAttributeType), Value: Blob,
    }
    0x0D FIELD_MARSHAL FieldMarshal "FieldMarshal" { Parent: C(HasFieldMarshal), NativeType: Blob }
    0x0E DECL_SECURITY DeclSecurity "DeclSecurity" { Action: U16, Parent: C(HasDeclSecurity), PermissionSet: Blob }
    0x0F CLASS_LAYOUT ClassLayout "ClassLayout" { PackingSize: U16, ClassSize: U32, Parent: T(TYPE_DEF) }
    0x10 FIELD_LAYOUT FieldLayout "FieldLayout" { Offset: U32, Field: T(FIELD) }
    0x11 STAND_ALONE_SIG StandAloneSig "StandAloneSig" { Signature: Blob }
    0x12 EVENT_MAP EventMap "EventMap" { Parent: T(TYPE_DEF), EventList: T(EVENT) }
    0x13 EVENT_PTR EventPtr "EventPtr" { Event: T(EVENT) }
    0x14 EVENT Event "Event" { EventFlags: U16, Name: Str, EventType: C(TypeDefOrRef) }
    0x15 PROPERTY_MAP PropertyMap "PropertyMap" { Parent: T(TYPE_DEF), PropertyList: T(PROPERTY) }
    0x16 PROPERTY_PTR PropertyPtr "PropertyPtr" { Property: T(PROPERTY) }
    0x17 PROPERTY Property "Property" { Flags: U16, Name: Str, Type: Blob }
    0x18 METHOD_SEMANTICS MethodSemantics "MethodSemantics" {
        Semantics: U16, Method: T(METHOD_DEF), Association: C(HasSemantics),
    }
    0x19 METHOD_IMPL MethodImpl "MethodImpl" {
        Class: T(TYPE_DEF), MethodBody: C(MethodDefOrRef), MethodDeclaration: C(MethodDefOrRef),
    }
    0x1A MODULE_REF ModuleRef "ModuleRef" { Name: Str }
    0x1B TYPE_SPEC TypeSpec "TypeSpec" { Signature: Blob }
    0x1C IMPL_MAP ImplMap "ImplMap" {
        MappingFlags: U16, MemberForwarded: C(MemberForwarded), ImportName: Str, ImportScope: T(MODULE_REF),
    }
    0x1D FIELD_RVA FieldRva "FieldRVA" { Rva: U32, Field: T(FIELD) }
    0x1E ENC_LOG EncLog "ENCLog" { Token: U32, FuncCode: U32 }
    0x1F ENC_MAP EncMap "ENCMap" { Token: U32 }
    0x20 ASSEMBLY Assembly "Assembly" {
        HashAlgId: U32, MajorVersion: U16, MinorVersion: U16, BuildNumber: U16, RevisionNumber: U16,
        Flags: U32, PublicKey: Blob, Name: Str, Culture: Str,
    }
    0x21 ASSEMBLY_PROCESSOR AssemblyProcessor "AssemblyProcessor" { Processor: U32 }
    0x22 ASSEMBLY_OS AssemblyOs "AssemblyOS" { OsPlatformId: U32, OsMajorVersion: U32, OsMinorVersion: U32 }
    0x23 ASSEMBLY_REF AssemblyRef "AssemblyRef" {
        MajorVersion: U16, MinorVersion: U16, BuildNumber: U16, RevisionNumber: U16, Flags: U32,
        PublicKeyOrToken: Blob, Name: Str, Culture: Str, HashValue: Blob,
    }
    0x24 ASSEMBLY_REF_PROCESSOR AssemblyRefProcessor "AssemblyRefProcessor" { Processor: U32, AssemblyRef: T(ASSEMBLY_REF) }
    0x25 ASSEMBLY_REF_OS AssemblyRefOs "AssemblyRefOS" {
        OsPlatformId: U32, OsMajorVersion: U32, OsMinorVersion: U32, AssemblyRef: T(ASSEMBLY_REF),
    }
    0x26 FILE File "File" { Flags: U32, Name: Str, HashValue: Blob }
    0x27 EXPORTED_TYPE ExportedType "ExportedType" {
        Flags: U32, TypeDefId: U32, TypeName: Str, TypeNamespace: Str, Implementation: C(Implementation),
    }
    0x28 MANIFEST_RESOURCE ManifestResource "ManifestResource" {
        Offset: U32, Flags: U32, Name: Str, Implementation: C(Implementation),
    }
    0x29 NESTED_CLASS NestedClass "NestedClass" { NestedClass: T(TYPE_DEF), EnclosingClass: T(TYPE_DEF) }
    0x2A GENERIC_PARAM GenericParam "GenericParam" { Number: U16, Flags: U16, Owner: C(TypeOrMethodDef), Name: Str }
    0x2B METHOD_SPEC MethodSpec "MethodSpec" { Method: C(MethodDefOrRef), Instantiation: Blob }
    0x2C GENERIC_PARAM_CONSTRAINT GenericParamConstraint "GenericParamConstraint" {
        Owner: T(GENERIC_PARAM), Constraint: C(TypeDefOrRef),
    }
}

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
        errs: &mut Problems,
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

    /// Reads column `c` of 1-based `row`.
    pub(crate) fn get(&self, c: impl Into<Column>, row: u32) -> Option<u32> {
        let c = c.into();
        self.cell(c.table, row, c.index)
    }

    /// Reads column `col` of 1-based `row` in table `t`.
    fn cell(&self, t: usize, row: u32, col: usize) -> Option<u32> {
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
    #[allow(clippy::needless_range_loop)]
    fn schema_covers_all_tables() {
        for t in 0..TABLE_COUNT {
            assert!(!schema(t).is_empty(), "{}", TABLE_NAMES[t]);
            assert!(schema(t).len() <= MAX_COLS);
        }
        assert!(schema(TABLE_COUNT).is_empty());
        for (i, &id) in DECLARED_IDS.iter().enumerate() {
            assert_eq!(i, id, "table {} is declared out of order", TABLE_NAMES[i]);
        }
        assert_eq!(TABLE_NAMES[TYPE_DEF], "TypeDef");
        assert_eq!(
            TABLE_NAMES[GENERIC_PARAM_CONSTRAINT],
            "GenericParamConstraint"
        );
        let c: Column = col::Assembly::Name.into();
        assert_eq!((c.table, c.index), (ASSEMBLY, 7));
        assert!(matches!(schema(ASSEMBLY)[7], Col::Str));
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
