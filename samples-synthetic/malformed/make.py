#!/usr/bin/env python3
"""Derive malformed PE fixtures from the built samples in ../native/.

Each output is named after its defect (plus the source sample) and listed in
malformed/manifest.json with `malformed` set. The only promise for these files
is a clean per-file result (no panic, no hang, no huge allocation); `roles`
(and `forwarded`) are given only where the defect leaves the export table
intact. `is_pe` follows the magic: "MZ" at 0, e_lfanew inside the file and
"PE\\0\\0" there.

Stdlib only, deterministic (same inputs -> same bytes). Run by
native/build.sh after the native samples are built; can be re-run alone:
    python3 samples-synthetic/malformed/make.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # samples-synthetic/
NATIVE = os.path.join(ROOT, "native")

SAMPLES = []


# --------------------------------------------------------------------------
# Minimal PE view (enough to find the structures we corrupt)
# --------------------------------------------------------------------------
class PE:
    def __init__(self, data):
        self.d = bytearray(data)
        d = self.d
        self.e_lfanew = struct.unpack_from("<I", d, 0x3C)[0]
        self.fh = self.e_lfanew + 4  # IMAGE_FILE_HEADER
        self.nsec = struct.unpack_from("<H", d, self.fh + 2)[0]
        self.opt_size = struct.unpack_from("<H", d, self.fh + 16)[0]
        self.opt = self.fh + 20
        self.magic = struct.unpack_from("<H", d, self.opt)[0]
        self.pe32plus = self.magic == 0x20B
        self.dd = self.opt + (112 if self.pe32plus else 96)
        self.size_of_image_off = self.opt + 56
        self.sec = self.opt + self.opt_size
        self.sections = []
        for i in range(self.nsec):
            o = self.sec + 40 * i
            name = bytes(d[o:o + 8]).rstrip(b"\0")
            vsize, va, rsize, rptr = struct.unpack_from("<IIII", d, o + 8)
            self.sections.append(dict(off=o, name=name, vsize=vsize, va=va, rsize=rsize, rptr=rptr))

    def dir(self, i):
        return struct.unpack_from("<II", self.d, self.dd + 8 * i)

    def set_dir(self, i, rva, size):
        struct.pack_into("<II", self.d, self.dd + 8 * i, rva, size)

    def off(self, rva):
        for s in self.sections:
            if s["va"] <= rva < s["va"] + max(s["vsize"], s["rsize"]):
                return s["rptr"] + rva - s["va"]
        raise ValueError(hex(rva))

    def rva(self, off):
        for s in self.sections:
            if s["rptr"] <= off < s["rptr"] + s["rsize"]:
                return s["va"] + off - s["rptr"]
        raise ValueError(hex(off))

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return s
        raise KeyError(name)

    # export directory helpers
    def exp(self):
        rva, _ = self.dir(0)
        o = self.off(rva)
        f = struct.unpack_from("<IIHHIIIIIII", self.d, o)
        keys = ("Characteristics", "TimeDateStamp", "Major", "Minor", "Name", "Base",
                "NumberOfFunctions", "NumberOfNames", "AddressOfFunctions",
                "AddressOfNames", "AddressOfNameOrdinals")
        e = dict(zip(keys, f))
        e["off"] = o
        return e

    def u32(self, off, val=None):
        if val is None:
            return struct.unpack_from("<I", self.d, off)[0]
        struct.pack_into("<I", self.d, off, val)

    def u16(self, off, val=None):
        if val is None:
            return struct.unpack_from("<H", self.d, off)[0]
        struct.pack_into("<H", self.d, off, val)

    def cstr(self, off):
        end = self.d.index(b"\0", off)
        return bytes(self.d[off:end])


def is_pe(data):
    if len(data) < 0x40 or data[:2] != b"MZ":
        return False
    lf = struct.unpack_from("<I", data, 0x3C)[0]
    # The signature and a whole COFF header: less than that is not a PE.
    return lf + 24 <= len(data) and data[lf:lf + 4] == b"PE\0\0"


def load(rel):
    with open(os.path.join(NATIVE, rel), "rb") as f:
        return f.read()


def tag(rel):
    return rel.replace("/", "_").rsplit(".", 1)[0]


def emit(name, data, defect, source, roles=None, forwarded=None, note=""):
    data = bytes(data)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    entry = {
        "path": "malformed/" + name,
        "description": f"{defect} (derived from native/{source}){': ' + note if note else ''}",
        "is_pe": is_pe(data),
        "malformed": defect,
    }
    if roles is not None:
        entry["roles"] = list(roles)
        entry["incomplete_roles"] = []
        entry["decorated_roles"] = []
    if forwarded:
        entry["forwarded"] = forwarded
    SAMPLES.append(entry)


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------
def export_extent(pe):
    """Largest file offset (exclusive) any export-table byte lives at."""
    e = pe.exp()
    ends = [e["off"] + 40]
    ends.append(pe.off(e["AddressOfFunctions"]) + 4 * e["NumberOfFunctions"])
    if e["NumberOfNames"]:
        ends.append(pe.off(e["AddressOfNames"]) + 4 * e["NumberOfNames"])
        ends.append(pe.off(e["AddressOfNameOrdinals"]) + 2 * e["NumberOfNames"])
        for i in range(e["NumberOfNames"]):
            n = pe.off(pe.u32(pe.off(e["AddressOfNames"]) + 4 * i))
            ends.append(n + len(pe.cstr(n)) + 1)
    n = pe.off(e["Name"])
    ends.append(n + len(pe.cstr(n)) + 1)
    return max(ends)


def truncations(rel, roles):
    data = load(rel)
    pe = PE(data)
    size = len(data)
    e = pe.exp()
    name0 = pe.off(pe.u32(pe.off(e["AddressOfNames"])))
    structural = [
        64,                                 # just the DOS header
        pe.e_lfanew + 2,                    # inside the PE signature
        pe.e_lfanew + 20,                   # inside IMAGE_FILE_HEADER
        pe.opt + 40,                        # inside the optional header
        pe.dd + 8 * 3,                      # inside the data directories
        pe.sec + 20,                        # inside the first section header
        pe.sec + 40 * pe.nsec - 1,          # last byte of the section table missing
        e["off"] + 20,                      # inside IMAGE_EXPORT_DIRECTORY
        pe.off(e["AddressOfNames"]) + 2,    # inside AddressOfNames
        name0 + 5,                          # inside the first export name
        size - 1,                           # one byte short
    ]
    cuts = sorted(set(c for c in structural if 64 <= c < size))
    # fill up to 16 with evenly spread cut points (finer spacing on collisions)
    parts = 16 - len(cuts) + 1
    while len(cuts) < 16:
        step = (size - 64) // parts
        for k in range(1, parts):
            c = 64 + k * step
            if len(cuts) < 16 and c not in cuts:
                cuts.append(c)
        parts += 1
    cuts.sort()
    extent = export_extent(pe)
    for c in cuts:
        intact = c >= extent
        emit(f"trunc_{c}_{tag(rel)}.dll", data[:c], "truncated", rel,
             roles=roles if intact else None,
             note=f"first {c} of {size} bytes" + ("; export table still complete" if intact else ""))


def export_dir_rva(rel, roles_unused):
    pe = PE(load(rel))
    soi = pe.u32(pe.size_of_image_off)
    pe.set_dir(0, soi + 0x1000, 0x60)
    emit(f"export_dir_rva_past_eof_{tag(rel)}.dll", pe.d, "export_dir_rva_past_eof", rel,
         note="export data directory RVA beyond SizeOfImage and EOF")
    pe = PE(load(rel))
    pe.set_dir(0, 0xFFFFFFF8, 0x100)
    emit(f"export_dir_rva_wraps_{tag(rel)}.dll", pe.d, "export_dir_rva_wraps", rel,
         note="export directory RVA 0xFFFFFFF8, size 0x100: RVA + size overflows u32")
    # RVA inside the last section's virtual range but past its raw data / EOF
    pe = PE(load(rel))
    last = pe.sections[-1]
    big = (last["rsize"] + 0x10000)
    pe.u32(last["off"] + 8, big)  # VirtualSize
    pe.u32(pe.size_of_image_off, last["va"] + ((big + 0xFFF) & ~0xFFF))
    pe.set_dir(0, last["va"] + last["rsize"] + 0x100, 0x28)
    emit(f"export_dir_in_virtual_tail_{tag(rel)}.dll", pe.d, "export_dir_in_virtual_tail", rel,
         note="export directory RVA inside the last section's VirtualSize but past its raw data (file offset past EOF)")


def export_names_out_of_range(rel, roles_unused):
    pe = PE(load(rel))
    e = pe.exp()
    names = pe.off(e["AddressOfNames"])
    bad = [0xFFFFFF00, 0x7FFFFFFF, pe.u32(pe.size_of_image_off) - 1, 0x80000000, 0x10, 0]
    for i in range(e["NumberOfNames"]):
        pe.u32(names + 4 * i, bad[i % len(bad)])
    emit(f"export_name_rvas_out_of_range_{tag(rel)}.dll", pe.d, "export_name_rvas_out_of_range", rel,
         note="AddressOfNames entries 0xFFFFFF00, 0x7FFFFFFF, SizeOfImage-1, 0x80000000, 0x10 (headers), 0")
    pe = PE(load(rel))
    pe.u32(pe.exp()["off"] + 32, 0xFFFFFFF0)
    emit(f"export_addressofnames_out_of_range_{tag(rel)}.dll", pe.d, "export_addressofnames_out_of_range", rel,
         note="AddressOfNames = 0xFFFFFFF0")
    pe = PE(load(rel))
    pe.u32(pe.exp()["off"] + 36, 0xFFFFFFF0)
    emit(f"export_ordinals_table_out_of_range_{tag(rel)}.dll", pe.d, "export_ordinals_table_out_of_range", rel,
         note="AddressOfNameOrdinals = 0xFFFFFFF0")
    pe = PE(load(rel))
    e = pe.exp()
    ords = pe.off(e["AddressOfNameOrdinals"])
    for i in range(e["NumberOfNames"]):
        pe.u16(ords + 2 * i, 0xFFFF - i)
    emit(f"export_name_ordinal_index_past_functions_{tag(rel)}.dll", pe.d,
         "export_name_ordinal_index_past_functions", rel,
         note="AddressOfNameOrdinals entries 0xFFFF, 0xFFFE, ... (index past NumberOfFunctions)")
    pe = PE(load(rel))
    pe.u32(pe.exp()["off"] + 16, 0xFFFFFFFF)
    emit(f"export_base_huge_{tag(rel)}.dll", pe.d, "export_base_huge", rel,
         note="ordinal Base = 0xFFFFFFFF: Base + index overflows u32 and u16")


def export_counts(rel, roles_unused):
    for which, offs in (("both", (20, 24)), ("functions", (20,)), ("names", (24,))):
        pe = PE(load(rel))
        for o in offs:
            pe.u32(pe.exp()["off"] + o, 0xFFFFFFF0)
        emit(f"export_count_huge_{which}_{tag(rel)}.dll", pe.d, f"export_count_huge_{which}", rel,
             note={"both": "NumberOfFunctions = NumberOfNames = 0xFFFFFFF0",
                   "functions": "NumberOfFunctions = 0xFFFFFFF0",
                   "names": "NumberOfNames = 0xFFFFFFF0"}[which])


def section_table_lies(rel, roles_unused):
    pe = PE(load(rel))
    s = pe.section(b".edata")
    pe.u32(s["off"] + 16, 0x7FFFFFF0)  # SizeOfRawData
    emit(f"section_rawsize_past_eof_{tag(rel)}.dll", pe.d, "section_rawsize_past_eof", rel,
         note=".edata SizeOfRawData = 0x7FFFFFF0 (far past EOF)")
    pe = PE(load(rel))
    s = pe.section(b".edata")
    pe.u32(s["off"] + 20, 0x7FFFFFF0)  # PointerToRawData
    emit(f"section_rawptr_past_eof_{tag(rel)}.dll", pe.d, "section_rawptr_past_eof", rel,
         note=".edata PointerToRawData = 0x7FFFFFF0 (past EOF)")
    pe = PE(load(rel))
    for s in pe.sections:
        pe.u32(s["off"] + 8, 0xFFFFFFFF)   # VirtualSize
        pe.u32(s["off"] + 16, 0xFFFFFFFF)  # SizeOfRawData
    emit(f"section_sizes_all_ffffffff_{tag(rel)}.dll", pe.d, "section_sizes_all_ffffffff", rel,
         note="every section VirtualSize and SizeOfRawData = 0xFFFFFFFF")
    pe = PE(load(rel))
    first = pe.sections[0]
    for s in pe.sections[1:]:
        pe.u32(s["off"] + 12, first["va"])  # all sections at the same VirtualAddress
    emit(f"sections_overlap_same_va_{tag(rel)}.dll", pe.d, "sections_overlap_same_va", rel,
         note="every section claims the first section's VirtualAddress")


def header_fields(rel, roles_unused):
    pe = PE(load(rel))
    pe.u16(pe.fh + 2, 0xFFFF)
    emit(f"nsections_ffff_{tag(rel)}.dll", pe.d, "nsections_ffff", rel,
         note="NumberOfSections = 0xFFFF (the table would run far past EOF)")
    pe = PE(load(rel))
    pe.u16(pe.fh + 2, 0)
    emit(f"nsections_zero_{tag(rel)}.dll", pe.d, "nsections_zero", rel, note="NumberOfSections = 0")
    pe = PE(load(rel))
    pe.u16(pe.fh + 16, 0xFFFF)
    emit(f"size_of_optional_header_ffff_{tag(rel)}.dll", pe.d, "size_of_optional_header_ffff", rel,
         note="SizeOfOptionalHeader = 0xFFFF (section table offset past EOF)")
    pe = PE(load(rel))
    pe.u32(pe.dd - 4, 0xFFFFFFFF)
    emit(f"number_of_rva_and_sizes_huge_{tag(rel)}.dll", pe.d, "number_of_rva_and_sizes_huge", rel,
         note="NumberOfRvaAndSizes = 0xFFFFFFFF")
    pe = PE(load(rel))
    pe.u16(pe.opt, 0x1234)
    emit(f"optional_magic_bogus_{tag(rel)}.dll", pe.d, "optional_magic_bogus", rel,
         note="optional header Magic = 0x1234 (neither PE32 nor PE32+)")
    data = bytearray(load(rel))
    struct.pack_into("<I", data, 0x3C, len(data) + 0x100)
    emit(f"e_lfanew_past_eof_{tag(rel)}.dll", data, "e_lfanew_past_eof", rel,
         note=f"e_lfanew = file size + 0x100")
    data = bytearray(load(rel))
    struct.pack_into("<I", data, 0x3C, len(data) - 2)
    emit(f"e_lfanew_straddles_eof_{tag(rel)}.dll", data, "e_lfanew_straddles_eof", rel,
         note="e_lfanew = file size - 2 (PE signature cut by EOF)")
    for label, val in (("negative", 0xFFFFFFFC), ("i32_min", 0x80000000), ("huge", 0x7FFFFFFF)):
        data = bytearray(load(rel))
        struct.pack_into("<I", data, 0x3C, val)
        emit(f"e_lfanew_{label}_{tag(rel)}.dll", data, f"e_lfanew_{label}", rel,
             note=f"e_lfanew = 0x{val:08X}")


def unterminated_name(rel, roles_unused):
    pe = PE(load(rel))
    e = pe.exp()
    last = max(pe.sections, key=lambda s: s["rptr"] + s["rsize"])
    end = last["rptr"] + last["rsize"]
    assert end == len(pe.d), "source must have no overlay"
    text = b"RegisterModule_no_terminator_XXXXXXXXXXXXXXXX"
    start = end - len(text)
    pe.d[start:end] = text
    pe.u32(pe.off(e["AddressOfNames"]), pe.rva(start))
    emit(f"export_name_unterminated_{tag(rel)}.dll", pe.d, "export_name_unterminated", rel,
         note="first export name RVA points at the last 46 bytes of the file, which hold "
              "'RegisterModule_no_terminator_XXX...' with no NUL before EOF")


def import_fixtures(rel, roles):
    # The export table is untouched by every import defect below.
    # Descriptor chain with no all-zero terminator before EOF.
    pe = PE(load(rel))
    irva, _ = pe.dir(1)
    desc = bytes(pe.d[pe.off(irva):pe.off(irva) + 20])
    last = max(pe.sections, key=lambda s: s["rptr"] + s["rsize"])
    end = last["rptr"] + last["rsize"]
    assert end == len(pe.d), "source must have no overlay"
    start = last["rptr"] + ((min(last["vsize"], last["rsize"]) + 0x1F) & ~0x1F)
    count = (end - start) // 20
    for i in range(count):
        pe.d[start + 20 * i:start + 20 * i + 20] = desc
    pe.d[start + 20 * count:end] = desc[:end - start - 20 * count]  # partial descriptor up to EOF
    pe.u32(last["off"] + 8, last["rsize"])  # VirtualSize covers the raw data
    pe.set_dir(1, pe.rva(start), 0xFFFFFFFF)
    emit(f"import_descriptors_unterminated_{tag(rel)}.dll", pe.d, "import_descriptors_unterminated", rel, roles=roles,
         note=f"import directory moved to the tail of the last section: {count} copies of the first "
              "descriptor then a partial one cut by EOF, no null terminator; directory size 0xFFFFFFFF")

    # ILT entry whose hint/name RVA points at the ILT entry itself.
    pe = PE(load(rel))
    irva, _ = pe.dir(1)
    d0 = pe.off(irva)
    oft = pe.u32(d0) or pe.u32(d0 + 16)
    ilt = pe.off(oft)
    ptr = 8 if pe.pe32plus else 4
    if ptr == 8:
        struct.pack_into("<Q", pe.d, ilt, oft)
    else:
        struct.pack_into("<I", pe.d, ilt, oft)
    emit(f"import_thunk_points_to_itself_{tag(rel)}.dll", pe.d, "import_thunk_points_to_itself", rel, roles=roles,
         note="first import lookup entry holds its own RVA (hint/name read from the thunk array)")

    # OriginalFirstThunk and FirstThunk point back at the descriptor table.
    pe = PE(load(rel))
    irva, _ = pe.dir(1)
    d0 = pe.off(irva)
    pe.u32(d0, irva)
    pe.u32(d0 + 16, irva)
    emit(f"import_thunks_point_to_descriptors_{tag(rel)}.dll", pe.d, "import_thunks_point_to_descriptors", rel, roles=roles,
         note="first descriptor's OriginalFirstThunk and FirstThunk = the import directory RVA")

    # Name RVA of the DLL out of range, and an import by ordinal 0.
    pe = PE(load(rel))
    irva, _ = pe.dir(1)
    d0 = pe.off(irva)
    pe.u32(d0 + 12, 0xFFFFFFF0)
    emit(f"import_dll_name_out_of_range_{tag(rel)}.dll", pe.d, "import_dll_name_out_of_range", rel, roles=roles,
         note="first import descriptor Name RVA = 0xFFFFFFF0")


def forwarder_escape(rel, roles):
    pe = PE(load(rel))
    e = pe.exp()
    funcs = pe.off(e["AddressOfFunctions"])
    fo = pe.off(pe.u32(funcs))
    old = pe.cstr(fo)
    new = b"\x1b[31mrealmod\x1b[0m.Reg\x07"
    assert len(new) <= len(old)
    pe.d[fo:fo + len(old)] = new + b"\0" * (len(old) - len(new))
    emit(f"export_forwarder_escape_bytes_{tag(rel)}.dll", pe.d, "export_forwarder_escape_bytes", rel,
         roles=roles, forwarded={"RegisterModule": new.decode("latin-1")},
         note="RegisterModule forwarder string contains ESC[31m ... ESC[0m and BEL; output must escape them")


def name_escape(rel, roles_unused):
    pe = PE(load(rel))
    e = pe.exp()
    no = pe.off(pe.u32(pe.off(e["AddressOfNames"])))
    old = pe.cstr(no)
    new = b"Reg\nModule\x1b[2J"
    assert len(new) <= len(old)
    pe.d[no:no + len(old)] = new + b"\0" * (len(old) - len(new))
    emit(f"export_name_newline_esc_{tag(rel)}.dll", pe.d, "export_name_newline_esc", rel, roles=[],
         note="the RegisterModule export name replaced by 'Reg\\nModule\\x1b[2J' (newline, ESC clear-screen): "
              "no exact role name remains; output must escape them")
    pe = PE(load(rel))
    e = pe.exp()
    no = pe.off(e["Name"])
    old = pe.cstr(no)
    new = b"\x1b]0;x\x07\r\nab"
    assert len(new) <= len(old)
    pe.d[no:no + len(old)] = new + b"\0" * (len(old) - len(new))
    emit(f"export_dll_name_escape_{tag(rel)}.dll", pe.d, "export_dll_name_escape", rel, roles=["native_module"],
         note="export directory DLL name is '\\x1b]0;x\\x07\\r\\nab' (OSC set-title sequence, BEL, CR LF)")


def main():
    for f in os.listdir(HERE):
        if f.endswith(".dll"):
            os.remove(os.path.join(HERE, f))
    NM = ["native_module"]
    truncations("x64/module.dll", NM)
    truncations("x86/module.dll", NM)
    truncations("x64/all_roles.dll", ["native_module", "isapi_extension", "isapi_filter"])
    export_dir_rva("x64/module.dll", NM)
    export_names_out_of_range("x64/all_roles.dll", None)
    export_counts("x64/module.dll", NM)
    export_counts("x86/module.dll", NM)
    section_table_lies("x64/module.dll", NM)
    header_fields("x64/module.dll", NM)
    header_fields("x86/module.dll", NM)
    unterminated_name("x64/module.dll", NM)
    import_fixtures("x64/module.dll", NM)
    import_fixtures("x86/module.dll", NM)
    forwarder_escape("x64/proxy.dll", NM)
    name_escape("x64/module.dll", NM)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"samples": SAMPLES}, f, indent=2)
        f.write("\n")
    print(f"malformed/make.py: wrote {len(SAMPLES)} fixtures")


if __name__ == "__main__":
    main()
