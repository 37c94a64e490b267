#!/usr/bin/env python3
"""Derives malformed .NET fixtures from the built samples in this folder.

Each output in malformed/ is a copy of one built DLL with exactly one named
metadata defect. Offsets are found with ecma335.py (the ECMA-335 II.24.2
layout: heap-size flags, row counts, coded-index widths) and, when dnfile is
installed, cross-checked against dnfile's table offsets and row sizes.
After writing, every fixture is re-read to confirm that the patched value is
what the defect name claims, and (if dnfile is installed) opened with dnfile
in a child process with a timeout; dnfile may raise or warn, that is fine.

Deterministic: same inputs -> same bytes. Writes malformed/*.dll and
malformed/patches.json (table, row, column, file offset, old and new value).
Run by build.sh; stdlib only apart from the optional dnfile check.
"""

import json
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the sample folder free of __pycache__
import ecma335  # noqa: E402
from ecma335 import TABLE_NUMBER as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "malformed")

TYPEDEF, TYPEREF, NESTED = T["TypeDef"], T["TypeRef"], T["NestedClass"]


def read(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def crosscheck_with_dnfile(name, md):
    """Fail loudly if our layout disagrees with dnfile's for a well-formed input."""
    try:
        import dnfile
    except ImportError:
        return "dnfile not installed; layout not cross-checked"
    pe = dnfile.dnPE(os.path.join(HERE, name))
    try:
        for t in pe.net.mdtables.tables_list:
            mine = (md.table_offset(t.number), md.row_size(t.number), md.nrows(t.number))
            theirs = (t.file_offset, t.row_size, t.num_rows)
            if mine != theirs:
                raise SystemExit("layout mismatch in %s table %s: ecma335 %r dnfile %r" % (name, t.name, mine, theirs))
        ts = pe.net.metadata.streams_list[0]
        if ts.file_offset != md.tables_stream["offset"]:
            raise SystemExit("#~ offset mismatch in %s" % name)
    finally:
        pe.close()
    return "layout matches dnfile (%d tables)" % len(md.rows)


def put(buf, off, size, value):
    old = int.from_bytes(buf[off:off + size], "little")
    if value >= 1 << (8 * size):
        raise SystemExit("value %#x does not fit in %d bytes at %#x" % (value, size, off))
    buf[off:off + size] = value.to_bytes(size, "little")
    return old


def patch_cell(buf, md, table, row, col, value, record):
    off, size = md.cell_offset(table, row, col)
    old = put(buf, off, size, value)
    record["patches"].append({
        "table": ecma335.TABLES[table][0], "row": row, "column": col,
        "file_offset": off, "size": size, "old": old, "new": value,
    })


def new_record(defect, source, what):
    return {"defect": defect, "source": source, "what": what, "patches": []}


# --- the defects ------------------------------------------------------------------------

def stream_offset_past_end(md, buf, rec):
    s = md.tables_stream
    new = (md.md_size + 0x40 + 3) & ~3
    old = put(buf, s["header_offset"], 4, new)
    rec["patches"].append({"stream": "#~", "field": "StreamHeader.Offset", "file_offset": s["header_offset"],
                           "size": 4, "old": old, "new": new, "metadata_size": md.md_size})


def huge_row_count(md, buf, rec):
    off = md.rowcount_offset[TYPEDEF]
    old = put(buf, off, 4, 0xFFFFFFF0)
    rec["patches"].append({"table": "TypeDef", "field": "#~ Rows[TypeDef]", "file_offset": off, "size": 4,
                           "old": old, "new": 0xFFFFFFF0})


def coded_index_out_of_range(md, buf, rec):
    row = find_typedef(md, "Synthetic.Direct.DirectModule")
    bad_row = md.nrows(TYPEREF) + 0x100
    patch_cell(buf, md, TYPEDEF, row, "Extends", md.encode("TypeDefOrRef", TYPEREF, bad_row), rec)
    rec["patches"][-1]["decoded_new"] = "TypeRef row %d (TypeRef has %d rows)" % (bad_row, md.nrows(TYPEREF))


def string_index_past_heap(md, buf, rec):
    row = find_typedef(md, "Synthetic.Handlers.SyncHandler")
    heap = md.streams["#Strings"]["size"]
    patch_cell(buf, md, TYPEDEF, row, "TypeName", heap + 0x10, rec)
    rec["patches"][-1]["strings_heap_size"] = heap


def base_class_cycle(md, buf, rec):
    a = find_typedef(md, "Synthetic.Abstract.ModuleBase")
    b = find_typedef(md, "Synthetic.Abstract.ConcreteModule")
    # b already extends a (TypeDef coded index); make a extend b.
    assert md.decode("TypeDefOrRef", md.cell(TYPEDEF, b, "Extends")) == (TYPEDEF, a)
    patch_cell(buf, md, TYPEDEF, a, "Extends", md.encode("TypeDefOrRef", TYPEDEF, b), rec)
    rec["patches"][-1]["decoded_new"] = "TypeDef row %d (ConcreteModule); ConcreteModule already extends TypeDef row %d" % (b, a)


def nesting_cycle(md, buf, rec):
    a = find_typedef(md, "Synthetic.Nested.Outer+InnerModule")
    b = find_typedef(md, "Synthetic.Nested.Outer+Helper")
    rows = {md.cell(NESTED, r, "NestedClass"): r for r in range(1, md.nrows(NESTED) + 1)}
    # Keep the (sorted) NestedClass column, re-point EnclosingClass: a in b, b in a.
    patch_cell(buf, md, NESTED, rows[a], "EnclosingClass", b, rec)
    patch_cell(buf, md, NESTED, rows[b], "EnclosingClass", a, rec)


def clr_header_rva_outside_sections(md, buf, rec):
    pe = md.pe
    end = max(va + max(vs, rs) for _n, va, vs, _rp, rs in pe.sections)
    new = ((max(end, pe.size_of_image) + 0xFFF) & ~0xFFF) + 0x10000
    assert pe.section_of_rva(new) is None
    off = md.clr_dir_offset
    old = put(buf, off, 4, new)
    rec["patches"].append({"field": "OptionalHeader.DataDirectory[14].VirtualAddress (CLR header)", "file_offset": off,
                           "size": 4, "old": old, "new": new, "size_of_image": pe.size_of_image})


def metadata_signature_corrupted(md, buf, rec):
    off = md.md_offset
    old = bytes(buf[off:off + 4])
    buf[off:off + 4] = b"BSJX"
    rec["patches"].append({"field": "metadata root Signature", "file_offset": off, "size": 4,
                           "old": old.decode("latin-1"), "new": "BSJX"})


def tables_stream_truncated(md, buf, rec):
    first = min(md.layout)
    start = md.table_offset(first)
    cut = start + (md.tables_end - start) // 2
    inside = [ecma335.TABLES[n][0] for n in sorted(md.layout)
              if md.table_offset(n) <= cut < md.table_offset(n) + md.row_size(n) * md.nrows(n)]
    rec["patches"].append({"field": "file length", "old": len(buf), "new": cut, "tables_rows_start": start,
                           "tables_rows_end": md.tables_end, "cut_inside_table": inside[0] if inside else None})
    del buf[cut:]


DEFECTS = [
    # (defect name == output stem, source sample, function, description)
    ("stream_offset_past_end", "DirectModule.dll", stream_offset_past_end,
     "#~ stream header Offset set past the end of the metadata (metadata size + 0x40)"),
    ("huge_row_count", "DirectModule.dll", huge_row_count,
     "#~ row count of the TypeDef table set to 0xFFFFFFF0"),
    ("coded_index_out_of_range", "DirectModule.dll", coded_index_out_of_range,
     "TypeDef(DirectModule).Extends set to a TypeDefOrRef coded index naming TypeRef row (TypeRef rows + 0x100)"),
    ("string_index_past_heap", "Handlers.dll", string_index_past_heap,
     "TypeDef(SyncHandler).TypeName set to #Strings size + 0x10"),
    ("base_class_cycle", "AbstractBaseModule.dll", base_class_cycle,
     "TypeDef(ModuleBase).Extends set to TypeDef(ConcreteModule), which extends ModuleBase"),
    ("nesting_cycle", "NestedModule.dll", nesting_cycle,
     "NestedClass rows re-pointed: Outer+InnerModule enclosed by Helper, Helper enclosed by InnerModule"),
    ("clr_header_rva_outside_sections", "DirectModule.dll", clr_header_rva_outside_sections,
     "data directory 14 (CLR header) RVA set beyond SizeOfImage, outside every section"),
    ("metadata_signature_corrupted", "ModuleAndHandler.dll", metadata_signature_corrupted,
     "metadata root signature BSJB overwritten with BSJX"),
    ("tables_stream_truncated", "BackdoorTraits.dll", tables_stream_truncated,
     "file cut in the middle of the #~ table rows"),
]


def find_typedef(md, full):
    for r in range(1, md.nrows(TYPEDEF) + 1):
        if md.typedef_name(r) == full:
            return r
    raise SystemExit("TypeDef %s not found" % full)


# --- verification --------------------------------------------------------------------------

def verify(defect, data, orig_md):
    """Re-read the patched file and return a one-line statement of what it now holds."""
    u32 = lambda off: struct.unpack_from("<I", data, off)[0]
    if defect == "stream_offset_past_end":
        v = u32(orig_md.tables_stream["header_offset"])
        assert v > orig_md.md_size
        return "#~ Offset=%#x > metadata size %#x" % (v, orig_md.md_size)
    if defect == "huge_row_count":
        v = u32(orig_md.rowcount_offset[TYPEDEF])
        assert v == 0xFFFFFFF0
        return "Rows[TypeDef]=%#x" % v
    if defect == "clr_header_rva_outside_sections":
        pe = ecma335.Pe(data)
        _off, rva, _size = pe.datadir(14)
        assert pe.section_of_rva(rva) is None and rva >= pe.size_of_image
        return "CLR header RVA=%#x, SizeOfImage=%#x, in no section" % (rva, pe.size_of_image)
    if defect == "metadata_signature_corrupted":
        sig = data[orig_md.md_offset:orig_md.md_offset + 4]
        assert sig != b"BSJB"
        return "signature=%r" % sig
    if defect == "tables_stream_truncated":
        assert orig_md.table_offset(min(orig_md.layout)) < len(data) < orig_md.tables_end
        return "file length %d, table rows span %d..%d" % (len(data), orig_md.table_offset(min(orig_md.layout)), orig_md.tables_end)
    # Patched cells inside a table whose layout is unchanged: re-parse with ecma335.
    md = ecma335.Metadata(data)
    if defect == "coded_index_out_of_range":
        r = find_typedef_raw(md, "DirectModule")
        tbl, idx = md.decode("TypeDefOrRef", md.cell(TYPEDEF, r, "Extends"))
        assert tbl == TYPEREF and idx > md.nrows(TYPEREF)
        return "TypeDef[%d].Extends -> TypeRef row %d of %d" % (r, idx, md.nrows(TYPEREF))
    if defect == "string_index_past_heap":
        r = find_typedef(orig_md, "Synthetic.Handlers.SyncHandler")
        v = md.cell(TYPEDEF, r, "TypeName")
        assert v >= md.streams["#Strings"]["size"]
        try:
            md.string(v)
            raise AssertionError("string read succeeded")
        except IndexError as e:
            return "TypeDef[%d].TypeName=%#x (%s)" % (r, v, e)
    if defect == "base_class_cycle":
        a = find_typedef_raw(md, "ModuleBase")
        b = find_typedef_raw(md, "ConcreteModule")
        ea = md.decode("TypeDefOrRef", md.cell(TYPEDEF, a, "Extends"))
        eb = md.decode("TypeDefOrRef", md.cell(TYPEDEF, b, "Extends"))
        assert ea == (TYPEDEF, b) and eb == (TYPEDEF, a)
        return "TypeDef[%d].Extends=TypeDef[%d], TypeDef[%d].Extends=TypeDef[%d]" % (a, ea[1], b, eb[1])
    if defect == "nesting_cycle":
        enc = md.typedef_enclosing()
        a = find_typedef_raw(md, "InnerModule")
        b = find_typedef_raw(md, "Helper")
        assert enc[a] == b and enc[b] == a
        try:
            md.typedef_name(a)
            raise AssertionError("name resolution did not detect the cycle")
        except ValueError as e:
            return "NestedClass: %d in %d, %d in %d (%s)" % (a, enc[a], b, enc[b], e)
    raise AssertionError(defect)


def find_typedef_raw(md, name):
    for r in range(1, md.nrows(TYPEDEF) + 1):
        if md.string(md.cell(TYPEDEF, r, "TypeName")) == name:
            return r
    raise AssertionError(name)


DNFILE_PROBE = r"""
import sys, warnings
warnings.simplefilter("ignore")
import dnfile
pe = dnfile.dnPE(sys.argv[1])
net = pe.net
if net is None:
    print("dnfile: no .NET directory parsed"); sys.exit(0)
md = net.metadata
print("dnfile: metadata=%s" % (None if md is None else hex(md.struct.Signature)))
t = net.mdtables
if t is None:
    print("dnfile: no tables"); sys.exit(0)
td = t.TypeDef
if td is None:
    print("dnfile: no TypeDef table"); sys.exit(0)
print("dnfile: TypeDef num_rows=%d" % td.num_rows)
for i, r in enumerate(td.rows[:8], 1):
    try:
        e = r.Extends
        e = "%s[%d]" % (e.table.name if e.table else None, e.row_index) if e is not None else None
    except Exception as ex:
        e = "error %s" % type(ex).__name__
    try:
        n = str(r.TypeName)
    except Exception as ex:
        n = "error %s" % type(ex).__name__
    print("dnfile:   TypeDef[%d] name=%r extends=%s" % (i, n, e))
if t.NestedClass is not None:
    for r in t.NestedClass.rows:
        print("dnfile:   NestedClass %d in %d" % (r.NestedClass.row_index, r.EnclosingClass.row_index))
"""


def dnfile_probe(path):
    try:
        import dnfile  # noqa: F401
    except ImportError:
        return ["dnfile not installed"]
    try:
        p = subprocess.run([sys.executable, "-c", DNFILE_PROBE, path], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return ["dnfile: timed out after 60 s"]
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        lines.append("dnfile raised: %s" % last)
    return lines


def main():
    os.makedirs(OUT, exist_ok=True)
    records = []
    checked = set()
    for defect, source, fn, what in DEFECTS:
        data = read(source)
        md = ecma335.Metadata(data)
        if source not in checked:
            print("%s: %s" % (source, crosscheck_with_dnfile(source, md)))
            checked.add(source)
        buf = bytearray(data)
        rec = new_record(defect, source, what)
        fn(md, buf, rec)
        out = os.path.join(OUT, defect + ".dll")
        with open(out, "wb") as f:
            f.write(bytes(buf))
        rec["verified"] = verify(defect, bytes(buf), md)
        print("malformed/%s.dll <- %s: %s" % (defect, source, rec["verified"]))
        for line in dnfile_probe(out):
            print("    " + line)
        records.append(rec)
    with open(os.path.join(OUT, "patches.json"), "w") as f:
        json.dump({"fixtures": records}, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
