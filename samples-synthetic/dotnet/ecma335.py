"""Minimal ECMA-335 metadata reader (stdlib only) for the iisweep test fixtures.

Used by make_malformed.py (to find the file offsets of the fields it patches)
and check_samples.py (to list TypeDefs, Extends, InterfaceImpls). It parses
well-formed files only; on malformed input it raises.

Layout references: ECMA-335 6th ed., II.24.2 (metadata root, stream headers,
#~ stream) and II.22 (table schemas); PE/COFF data directory 14 (CLR header).
"""

import struct

# --- table schemas (ECMA-335 II.22) -------------------------------------------

# Column kinds: ("u8"|"u16"|"u32"), "str", "guid", "blob", ("idx", table), ("cod", coded-name)
TABLES = {
    0x00: ("Module", [("Generation", "u16"), ("Name", "str"), ("Mvid", "guid"), ("EncId", "guid"), ("EncBaseId", "guid")]),
    0x01: ("TypeRef", [("ResolutionScope", ("cod", "ResolutionScope")), ("TypeName", "str"), ("TypeNamespace", "str")]),
    0x02: ("TypeDef", [("Flags", "u32"), ("TypeName", "str"), ("TypeNamespace", "str"),
                       ("Extends", ("cod", "TypeDefOrRef")), ("FieldList", ("idx", 0x04)), ("MethodList", ("idx", 0x06))]),
    0x03: ("FieldPtr", [("Field", ("idx", 0x04))]),
    0x04: ("Field", [("Flags", "u16"), ("Name", "str"), ("Signature", "blob")]),
    0x05: ("MethodPtr", [("Method", ("idx", 0x06))]),
    0x06: ("MethodDef", [("RVA", "u32"), ("ImplFlags", "u16"), ("Flags", "u16"), ("Name", "str"),
                         ("Signature", "blob"), ("ParamList", ("idx", 0x08))]),
    0x07: ("ParamPtr", [("Param", ("idx", 0x08))]),
    0x08: ("Param", [("Flags", "u16"), ("Sequence", "u16"), ("Name", "str")]),
    0x09: ("InterfaceImpl", [("Class", ("idx", 0x02)), ("Interface", ("cod", "TypeDefOrRef"))]),
    0x0A: ("MemberRef", [("Class", ("cod", "MemberRefParent")), ("Name", "str"), ("Signature", "blob")]),
    0x0B: ("Constant", [("Type", "u16"), ("Parent", ("cod", "HasConstant")), ("Value", "blob")]),  # Type u8 + padding u8
    0x0C: ("CustomAttribute", [("Parent", ("cod", "HasCustomAttribute")), ("Type", ("cod", "CustomAttributeType")), ("Value", "blob")]),
    0x0D: ("FieldMarshal", [("Parent", ("cod", "HasFieldMarshal")), ("NativeType", "blob")]),
    0x0E: ("DeclSecurity", [("Action", "u16"), ("Parent", ("cod", "HasDeclSecurity")), ("PermissionSet", "blob")]),
    0x0F: ("ClassLayout", [("PackingSize", "u16"), ("ClassSize", "u32"), ("Parent", ("idx", 0x02))]),
    0x10: ("FieldLayout", [("Offset", "u32"), ("Field", ("idx", 0x04))]),
    0x11: ("StandAloneSig", [("Signature", "blob")]),
    0x12: ("EventMap", [("Parent", ("idx", 0x02)), ("EventList", ("idx", 0x14))]),
    0x13: ("EventPtr", [("Event", ("idx", 0x14))]),
    0x14: ("Event", [("EventFlags", "u16"), ("Name", "str"), ("EventType", ("cod", "TypeDefOrRef"))]),
    0x15: ("PropertyMap", [("Parent", ("idx", 0x02)), ("PropertyList", ("idx", 0x17))]),
    0x16: ("PropertyPtr", [("Property", ("idx", 0x17))]),
    0x17: ("Property", [("Flags", "u16"), ("Name", "str"), ("Type", "blob")]),
    0x18: ("MethodSemantics", [("Semantics", "u16"), ("Method", ("idx", 0x06)), ("Association", ("cod", "HasSemantics"))]),
    0x19: ("MethodImpl", [("Class", ("idx", 0x02)), ("MethodBody", ("cod", "MethodDefOrRef")), ("MethodDeclaration", ("cod", "MethodDefOrRef"))]),
    0x1A: ("ModuleRef", [("Name", "str")]),
    0x1B: ("TypeSpec", [("Signature", "blob")]),
    0x1C: ("ImplMap", [("MappingFlags", "u16"), ("MemberForwarded", ("cod", "MemberForwarded")), ("ImportName", "str"), ("ImportScope", ("idx", 0x1A))]),
    0x1D: ("FieldRVA", [("RVA", "u32"), ("Field", ("idx", 0x04))]),
    0x1E: ("EncLog", [("Token", "u32"), ("FuncCode", "u32")]),
    0x1F: ("EncMap", [("Token", "u32")]),
    0x20: ("Assembly", [("HashAlgId", "u32"), ("MajorVersion", "u16"), ("MinorVersion", "u16"), ("BuildNumber", "u16"),
                        ("RevisionNumber", "u16"), ("Flags", "u32"), ("PublicKey", "blob"), ("Name", "str"), ("Culture", "str")]),
    0x21: ("AssemblyProcessor", [("Processor", "u32")]),
    0x22: ("AssemblyOS", [("OSPlatformID", "u32"), ("OSMajorVersion", "u32"), ("OSMinorVersion", "u32")]),
    0x23: ("AssemblyRef", [("MajorVersion", "u16"), ("MinorVersion", "u16"), ("BuildNumber", "u16"), ("RevisionNumber", "u16"),
                           ("Flags", "u32"), ("PublicKeyOrToken", "blob"), ("Name", "str"), ("Culture", "str"), ("HashValue", "blob")]),
    0x24: ("AssemblyRefProcessor", [("Processor", "u32"), ("AssemblyRef", ("idx", 0x23))]),
    0x25: ("AssemblyRefOS", [("OSPlatformId", "u32"), ("OSMajorVersion", "u32"), ("OSMinorVersion", "u32"), ("AssemblyRef", ("idx", 0x23))]),
    0x26: ("File", [("Flags", "u32"), ("Name", "str"), ("HashValue", "blob")]),
    0x27: ("ExportedType", [("Flags", "u32"), ("TypeDefId", "u32"), ("TypeName", "str"), ("TypeNamespace", "str"),
                            ("Implementation", ("cod", "Implementation"))]),
    0x28: ("ManifestResource", [("Offset", "u32"), ("Flags", "u32"), ("Name", "str"), ("Implementation", ("cod", "Implementation"))]),
    0x29: ("NestedClass", [("NestedClass", ("idx", 0x02)), ("EnclosingClass", ("idx", 0x02))]),
    0x2A: ("GenericParam", [("Number", "u16"), ("Flags", "u16"), ("Owner", ("cod", "TypeOrMethodDef")), ("Name", "str")]),
    0x2B: ("MethodSpec", [("Method", ("cod", "MethodDefOrRef")), ("Instantiation", "blob")]),
    0x2C: ("GenericParamConstraint", [("Owner", ("idx", 0x2A)), ("Constraint", ("cod", "TypeDefOrRef"))]),
}
TABLE_NUMBER = {name: num for num, (name, _) in TABLES.items()}

# Coded index kinds (II.24.2.6): tag bits and the tables in tag order (None = unused tag).
CODED = {
    "TypeDefOrRef": (2, [0x02, 0x01, 0x1B]),
    "HasConstant": (2, [0x04, 0x08, 0x17]),
    "HasCustomAttribute": (5, [0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x00, 0x0E, 0x17, 0x14, 0x11, 0x1A,
                               0x1B, 0x20, 0x23, 0x26, 0x27, 0x28, 0x2A, 0x2C, 0x2B]),
    "HasFieldMarshal": (1, [0x04, 0x08]),
    "HasDeclSecurity": (2, [0x02, 0x06, 0x20]),
    "MemberRefParent": (3, [0x02, 0x01, 0x1A, 0x06, 0x1B]),
    "HasSemantics": (1, [0x14, 0x17]),
    "MethodDefOrRef": (1, [0x06, 0x0A]),
    "MemberForwarded": (1, [0x04, 0x06]),
    "Implementation": (2, [0x26, 0x23, 0x27]),
    "CustomAttributeType": (3, [None, None, 0x06, 0x0A, None]),
    "ResolutionScope": (2, [0x00, 0x1A, 0x23, 0x01]),
    "TypeOrMethodDef": (1, [0x02, 0x06]),
}

IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR = 14

# TypeAttributes (II.23.1.15)
TD_VISIBILITY_MASK = 0x7
TD_NESTED_PUBLIC = 0x2
TD_INTERFACE = 0x20
TD_ABSTRACT = 0x80
TD_SEALED = 0x100


class Pe:
    """Just enough PE parsing to reach the CLR header."""

    def __init__(self, data):
        self.data = data
        self.e_lfanew = struct.unpack_from("<I", data, 0x3C)[0]
        if data[self.e_lfanew:self.e_lfanew + 4] != b"PE\0\0":
            raise ValueError("no PE signature")
        coff = self.e_lfanew + 4
        self.nsections, = struct.unpack_from("<H", data, coff + 2)
        self.size_opt, = struct.unpack_from("<H", data, coff + 16)
        opt = coff + 20
        magic, = struct.unpack_from("<H", data, opt)
        if magic == 0x10B:
            dd = opt + 96
        elif magic == 0x20B:
            dd = opt + 112
        else:
            raise ValueError("bad optional header magic %#x" % magic)
        self.size_of_image, = struct.unpack_from("<I", data, opt + 56)
        self.datadir_offset = dd
        self.sections = []
        sec = opt + self.size_opt
        for i in range(self.nsections):
            name = data[sec:sec + 8].rstrip(b"\0").decode("latin-1")
            vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", data, sec + 8)
            self.sections.append((name, va, vsize, rawptr, rawsize))
            sec += 40

    def datadir(self, index):
        off = self.datadir_offset + 8 * index
        rva, size = struct.unpack_from("<II", self.data, off)
        return off, rva, size

    def section_of_rva(self, rva):
        for s in self.sections:
            name, va, vsize, rawptr, rawsize = s
            if va <= rva < va + max(vsize, rawsize):
                return s
        return None

    def rva_to_offset(self, rva):
        s = self.section_of_rva(rva)
        if s is None:
            raise ValueError("RVA %#x outside every section" % rva)
        name, va, vsize, rawptr, rawsize = s
        return rva - va + rawptr


class Metadata:
    """Metadata root, stream headers, #~ layout (offsets are file offsets)."""

    def __init__(self, data):
        self.data = data
        self.pe = Pe(data)
        self.clr_dir_offset, self.clr_rva, self.clr_size = self.pe.datadir(IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR)
        self.clr_offset = self.pe.rva_to_offset(self.clr_rva)
        # IMAGE_COR20_HEADER: cb u32, major u16, minor u16, MetaData {rva u32, size u32}, ...
        self.md_rva, self.md_size = struct.unpack_from("<II", data, self.clr_offset + 8)
        self.md_offset = self.pe.rva_to_offset(self.md_rva)
        root = self.md_offset
        if data[root:root + 4] != b"BSJB":
            raise ValueError("bad metadata signature %r" % data[root:root + 4])
        vlen, = struct.unpack_from("<I", data, root + 12)
        p = root + 16 + vlen
        _flags, nstreams = struct.unpack_from("<HH", data, p)
        p += 4
        self.streams = {}  # name -> dict(header_offset, offset(file), rel_offset, size)
        for _ in range(nstreams):
            rel, size = struct.unpack_from("<II", data, p)
            end = data.index(b"\0", p + 8)
            name = data[p + 8:end].decode("ascii")
            self.streams[name] = {"header_offset": p, "rel_offset": rel, "offset": root + rel, "size": size}
            p = p + 8 + ((end - (p + 8)) // 4 + 1) * 4
        tname = "#~" if "#~" in self.streams else "#-"
        self.tables_stream = self.streams[tname]
        self._parse_tables()

    def _parse_tables(self):
        d = self.data
        t = self.tables_stream["offset"]
        self.tables_header_offset = t
        self.heap_sizes = d[t + 6]
        self.valid, self.sorted = struct.unpack_from("<QQ", d, t + 8)
        p = t + 24
        self.rows = {}
        self.rowcount_offset = {}
        for n in range(64):
            if self.valid >> n & 1:
                self.rows[n] = struct.unpack_from("<I", d, p)[0]
                self.rowcount_offset[n] = p
                p += 4
        if self.heap_sizes & 0x40:  # extra data (II.24.2.6 note, used by some compilers)
            p += 4
        self.str_size = 4 if self.heap_sizes & 0x01 else 2
        self.guid_size = 4 if self.heap_sizes & 0x02 else 2
        self.blob_size = 4 if self.heap_sizes & 0x04 else 2
        self.layout = {}  # table -> (file offset, row size, [(col name, col offset, col size, kind)])
        for n in sorted(self.rows):
            if n not in TABLES:
                raise ValueError("unknown table %#x present" % n)
            name, cols = TABLES[n]
            colinfo = []
            off = 0
            for cname, kind in cols:
                size = self._col_size(kind)
                colinfo.append((cname, off, size, kind))
                off += size
            self.layout[n] = (p, off, colinfo)
            p += off * self.rows[n]
        self.tables_end = p

    def _col_size(self, kind):
        if kind == "u8":
            return 1
        if kind == "u16":
            return 2
        if kind == "u32":
            return 4
        if kind == "str":
            return self.str_size
        if kind == "guid":
            return self.guid_size
        if kind == "blob":
            return self.blob_size
        if kind[0] == "idx":
            return 2 if self.rows.get(kind[1], 0) < 0x10000 else 4
        if kind[0] == "cod":
            bits, tables = CODED[kind[1]]
            most = max(self.rows.get(x, 0) for x in tables if x is not None)
            return 2 if most < (1 << (16 - bits)) else 4
        raise ValueError(kind)

    # --- row access ------------------------------------------------------------
    def table_offset(self, table):
        return self.layout[table][0]

    def row_size(self, table):
        return self.layout[table][1]

    def cell_offset(self, table, row, col):
        """File offset and size of (table, 1-based row, column name)."""
        base, rsize, cols = self.layout[table]
        if not 1 <= row <= self.rows[table]:
            raise IndexError("row %d of %s" % (row, TABLES[table][0]))
        for cname, coff, csize, _kind in cols:
            if cname == col:
                return base + (row - 1) * rsize + coff, csize
        raise KeyError(col)

    def cell(self, table, row, col):
        off, size = self.cell_offset(table, row, col)
        return int.from_bytes(self.data[off:off + size], "little")

    def row(self, table, row):
        _base, _rsize, cols = self.layout[table]
        return {c[0]: self.cell(table, row, c[0]) for c in cols}

    def nrows(self, table):
        return self.rows.get(table, 0)

    # --- heaps ---------------------------------------------------------------------
    def string(self, index):
        s = self.streams["#Strings"]
        if index >= s["size"]:
            raise IndexError("#Strings index %#x past heap size %#x" % (index, s["size"]))
        start = s["offset"] + index
        end = self.data.index(b"\0", start)
        return self.data[start:end].decode("utf-8")

    def user_strings(self):
        s = self.streams.get("#US")
        out = []
        if not s:
            return out
        p, end = s["offset"] + 1, s["offset"] + s["size"]
        while p < end:
            b0 = self.data[p]
            if b0 & 0x80 == 0:
                n, p = b0, p + 1
            elif b0 & 0xC0 == 0x80:
                n, p = ((b0 & 0x3F) << 8) | self.data[p + 1], p + 2
            else:
                n, p = int.from_bytes(self.data[p:p + 4], "big") & 0x1FFFFFFF, p + 4
            if n == 0:
                continue
            out.append(self.data[p:p + n - 1].decode("utf-16-le"))
            p += n
        return out

    # --- coded index -----------------------------------------------------------------
    @staticmethod
    def decode(coded_kind, value):
        bits, tables = CODED[coded_kind]
        tag = value & ((1 << bits) - 1)
        tbl = tables[tag] if tag < len(tables) else None
        return tbl, value >> bits

    @staticmethod
    def encode(coded_kind, table, row):
        bits, tables = CODED[coded_kind]
        return (row << bits) | tables.index(table)

    # --- type names -------------------------------------------------------------------
    def typedef_enclosing(self):
        nc = TABLE_NUMBER["NestedClass"]
        return {self.cell(nc, r, "NestedClass"): self.cell(nc, r, "EnclosingClass")
                for r in range(1, self.nrows(nc) + 1)}

    def typedef_name(self, row, _seen=None):
        """web.config style name: Ns.Outer+Inner."""
        td = TABLE_NUMBER["TypeDef"]
        seen = _seen or set()
        if row in seen:
            raise ValueError("nesting cycle at TypeDef row %d" % row)
        seen.add(row)
        name = self.string(self.cell(td, row, "TypeName"))
        enc = self.typedef_enclosing().get(row)
        if enc:
            return self.typedef_name(enc, seen) + "+" + name
        ns = self.string(self.cell(td, row, "TypeNamespace"))
        return ns + "." + name if ns else name

    def typeref_name(self, row):
        tr = TABLE_NUMBER["TypeRef"]
        ns = self.string(self.cell(tr, row, "TypeNamespace"))
        name = self.string(self.cell(tr, row, "TypeName"))
        return ns + "." + name if ns else name

    def typeref_scope(self, row):
        """Name of the AssemblyRef a TypeRef resolves to (following nested TypeRefs), or None."""
        tr = TABLE_NUMBER["TypeRef"]
        seen = set()
        while row not in seen:
            seen.add(row)
            tbl, idx = self.decode("ResolutionScope", self.cell(tr, row, "ResolutionScope"))
            if tbl == TABLE_NUMBER["AssemblyRef"]:
                return self.string(self.cell(tbl, idx, "Name"))
            if tbl == TABLE_NUMBER["TypeRef"]:
                row = idx
                continue
            return None
        return None

    def describe_type(self, coded_value):
        tbl, idx = self.decode("TypeDefOrRef", coded_value)
        if idx == 0:
            return "(none)"
        if tbl == TABLE_NUMBER["TypeDef"]:
            return "TypeDef[%d] %s" % (idx, self.typedef_name(idx))
        if tbl == TABLE_NUMBER["TypeRef"]:
            return "TypeRef[%d] [%s]%s" % (idx, self.typeref_scope(idx), self.typeref_name(idx))
        if tbl == TABLE_NUMBER["TypeSpec"]:
            return "TypeSpec[%d]" % idx
        return "?(%#x)" % coded_value


def load(path):
    with open(path, "rb") as f:
        return Metadata(f.read())
