#!/usr/bin/env python3
"""Derive "loader-accepted evasion" fixtures from the built, inert samples.

Each fixture is a PE file that the Windows loader (or the CLR) accepts, or is
documented to accept, but that makes a naive PE reader see less than Windows
does: exports in section 97, a PointerToRawData that must be rounded down,
headers goblin refuses, import descriptors after a terminator, a decoy
metadata stream, a version resource goblin's parser drops. EVASIONS.md
describes every trick; evasions.json lists every fixture with what the loader
sees (roles, exports, imports, types, version strings), what pefile / dnfile
see, what Wine did with it and what the pre-fix iisweep reports.

Only structures of the inert samples are moved or patched: no code is added
and every entry point is the sample's own, so no fixture can do anything its
source sample could not.

Stdlib only and deterministic (same input bytes -> same output bytes):

    python3 samples-synthetic/malformed/make_evasions.py    # fixtures + evasions.json
    python3 samples-synthetic/malformed/check_evasions.py   # re-measure the tool observations

Observations that need tools (Wine, pefile, dnfile, mono, the pre-fix
iisweep) are measured by check_evasions.py into evasions_observed.json, which
this script merges into evasions.json (so this script stays stdlib-only and
its output depends only on its inputs).
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # samples-synthetic/
NATIVE = os.path.join(ROOT, "native")
DOTNET = os.path.join(ROOT, "dotnet")
DOTNET_OUT = os.path.join(DOTNET, "malformed")
sys.path.insert(0, DOTNET)
import ecma335  # noqa: E402  (dotnet/ecma335.py, read-only use)

SAMPLES = []
ROLE_EXPORTS = {
    "native_module": ["RegisterModule"],
    "isapi_extension": ["GetExtensionVersion", "HttpExtensionProc"],
    "isapi_filter": ["GetFilterVersion", "HttpFilterProc"],
}


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def align(v, a):
    return (v + a - 1) // a * a


def load(path):
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------
# A PE split into its parts and rebuilt from them
# --------------------------------------------------------------------------
class Sec:
    def __init__(self, name, va, vsize, chars, raw):
        self.name, self.va, self.vsize, self.chars = name, va, vsize, chars
        self.raw = bytearray(raw)

    def end(self):
        return self.va + max(self.vsize, len(self.raw))


class Image:
    """Headers as byte fields plus sections with their raw bytes.

    build() lays the file out again: headers, then every section's raw data
    at FileAlignment, and recomputes NumberOfSections, SizeOfHeaders,
    SizeOfImage and the checksum. RVAs are kept as they are.
    """

    def __init__(self, data):
        d = bytes(data)
        self.e_lfanew = u32(d, 0x3C)
        fh = self.e_lfanew + 4
        self.dos = bytearray(d[:self.e_lfanew])
        self.coff = bytearray(d[fh:fh + 20])
        sooh = u16(self.coff, 16)
        self.opt = bytearray(d[fh + 20:fh + 20 + sooh])
        self.pe64 = u16(self.opt, 0) == 0x20B
        self.sections = []
        sec = fh + 20 + sooh
        end = 0
        for i in range(u16(self.coff, 2)):
            o = sec + 40 * i
            name = d[o:o + 8]
            vsize, va, rsize, rptr = struct.unpack_from("<IIII", d, o + 8)
            chars = u32(d, o + 36)
            assert rptr % 0x200 == 0, "source sections are expected to be aligned"
            self.sections.append(Sec(name, va, vsize, chars, d[rptr:rptr + rsize]))
            if rsize:
                end = max(end, rptr + rsize)
        self.overlay = d[end:]

    # optional header fields
    @property
    def dd_off(self):
        return 112 if self.pe64 else 96

    def get_dir(self, i):
        return struct.unpack_from("<II", self.opt, self.dd_off + 8 * i)

    def set_dir(self, i, rva, size):
        struct.pack_into("<II", self.opt, self.dd_off + 8 * i, rva, size)

    @property
    def image_base(self):
        return u64(self.opt, 24) if self.pe64 else u32(self.opt, 28)

    def opt32(self, off, val=None):
        if val is None:
            return u32(self.opt, off)
        struct.pack_into("<I", self.opt, off, val)

    # section access by RVA
    def sec_of(self, rva):
        for s in self.sections:
            if s.va <= rva < s.va + max(s.vsize, len(s.raw)):
                return s
        raise ValueError("RVA %#x in no section" % rva)

    def read(self, rva, n):
        s = self.sec_of(rva)
        o = rva - s.va
        return bytes(s.raw[o:o + n]).ljust(n, b"\0")

    def write(self, rva, b):
        s = self.sec_of(rva)
        o = rva - s.va
        if o + len(b) > len(s.raw):
            s.raw.extend(b"\0" * (o + len(b) - len(s.raw)))
        s.raw[o:o + len(b)] = b

    def r32(self, rva):
        return u32(self.read(rva, 4), 0)

    def w32(self, rva, v):
        self.write(rva, struct.pack("<I", v))

    def r64(self, rva):
        return u64(self.read(rva, 8), 0)

    def w64(self, rva, v):
        self.write(rva, struct.pack("<Q", v))

    def cstr(self, rva):
        s = self.sec_of(rva)
        o = rva - s.va
        return bytes(s.raw[o:s.raw.index(b"\0", o)])

    def section(self, name):
        for s in self.sections:
            if s.name.rstrip(b"\0") == name:
                return s
        raise KeyError(name)

    def build(self, file_align=None, sect_align=None, headers_min=0):
        fa = file_align or u32(self.opt, 36)
        sa = sect_align or u32(self.opt, 32)
        struct.pack_into("<II", self.opt, 32, sa, fa)
        coff = bytearray(self.coff)
        struct.pack_into("<H", coff, 2, len(self.sections))
        struct.pack_into("<H", coff, 16, len(self.opt))
        hdr_len = len(self.dos) + 4 + 20 + len(self.opt) + 40 * len(self.sections)
        soh = align(max(hdr_len, headers_min), fa)
        rptrs, cur = [], soh
        for s in self.sections:
            if s.raw:
                rptrs.append(cur)
                cur += align(len(s.raw), fa)
            else:
                rptrs.append(0)
        soi = align(max([s.va + s.vsize for s in self.sections] + [soh]), sa)
        opt = self.opt
        struct.pack_into("<II", opt, 56, soi, soh)
        out = bytearray(cur)
        out[:len(self.dos)] = self.dos
        struct.pack_into("<I", out, 0x3C, len(self.dos))
        p = len(self.dos)
        out[p:p + 4] = b"PE\0\0"
        out[p + 4:p + 24] = coff
        out[p + 24:p + 24 + len(opt)] = opt
        t = p + 24 + len(opt)
        for s, rp in zip(self.sections, rptrs):
            rsize = align(len(s.raw), fa) if s.raw else 0
            out[t:t + 40] = s.name.ljust(8, b"\0")[:8] + struct.pack(
                "<IIIIIIHHI", s.vsize, s.va, rsize, rp, 0, 0, 0, 0, s.chars)
            t += 40
            if s.raw:
                out[rp:rp + len(s.raw)] = s.raw
        out += self.overlay
        return fix_checksum(out)


def fix_checksum(data):
    """Recompute the optional-header CheckSum (the imagehlp algorithm)."""
    data = bytearray(data)
    lf = u32(data, 0x3C)
    ck = lf + 24 + 64
    if ck + 4 > len(data) or data[lf:lf + 4] != b"PE\0\0":
        return bytes(data)
    if u32(data, ck) == 0:
        return bytes(data)  # a zero CheckSum (mcs, some ld builds) stays zero
    struct.pack_into("<I", data, ck, 0)
    s = 0
    padded = bytes(data) + b"\0" * (len(data) % 2)
    for (w,) in struct.iter_unpack("<H", padded):
        s += w
        s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    struct.pack_into("<I", data, ck, (s + len(data)) & 0xFFFFFFFF)
    return bytes(data)


# --------------------------------------------------------------------------
# Structure walkers used to move / check things
# --------------------------------------------------------------------------
def exports_of(img):
    """(dll name, [(name, ordinal, rva)]) of the export directory."""
    rva, _ = img.get_dir(0)
    d = img.read(rva, 40)
    name, base, nfun, nnam, afun, anam, aord = struct.unpack_from("<IIIIIII", d, 12)
    out = []
    for i in range(nnam):
        n = img.cstr(img.r32(anam + 4 * i)).decode()
        idx = u16(img.read(aord + 2 * i, 2), 0)
        out.append((n, base + idx, img.r32(afun + 4 * idx)))
    return img.cstr(name).decode(), out


def relocate_export_dir(img, old_lo, old_hi, delta):
    """Add delta to every RVA of the export directory that points into [old_lo, old_hi)."""
    rva, size = img.get_dir(0)
    fix = lambda v: v + delta if old_lo <= v < old_hi else v  # noqa: E731
    name, base, nfun, nnam, afun, anam, aord = struct.unpack_from("<IIIIIII", img.read(rva, 40), 12)
    for i in range(nfun):
        img.w32(afun + 4 * i, fix(img.r32(afun + 4 * i)))  # forwarders live inside the directory
    for i in range(nnam):
        img.w32(anam + 4 * i, fix(img.r32(anam + 4 * i)))
    struct_rva = rva
    img.w32(struct_rva + 12, fix(name))
    img.w32(struct_rva + 28, fix(afun))
    img.w32(struct_rva + 32, fix(anam))
    img.w32(struct_rva + 36, fix(aord))
    img.set_dir(0, fix(rva), size)


def import_descriptors(img):
    rva, _ = img.get_dir(1)
    out = []
    while True:
        oft, ts, fwd, name, ft = struct.unpack("<IIIII", img.read(rva, 20))
        if not (oft or ts or fwd or name or ft):
            return out
        out.append(dict(rva=rva, oft=oft, name=name, ft=ft))
        rva += 20


def thunk_list(img, rva):
    size = 8 if img.pe64 else 4
    out = []
    while True:
        v = img.r64(rva) if img.pe64 else img.r32(rva)
        if v == 0:
            return out
        out.append((rva, v))
        rva += size


def base_relocs(img):
    """[(entry_rva_in_block_table, type, target_rva)] and the block header RVAs."""
    rva, size = img.get_dir(5)
    blocks, entries = [], []
    p = rva
    while p < rva + size:
        page, bsize = img.r32(p), img.r32(p + 4)
        if bsize < 8:
            break
        blocks.append(p)
        for k in range((bsize - 8) // 2):
            e = u16(img.read(p + 8 + 2 * k, 2), 0)
            if e >> 12:
                entries.append((e >> 12, page + (e & 0xFFF)))
        p += bsize
    return blocks, entries


def shift_image(img, delta):
    """Move every section up by delta (a multiple of SectionAlignment) and fix
    every RVA and every relocated absolute address the samples contain
    (export, import, IAT, base-relocation directories, entry point)."""
    ib = img.image_base
    # 1. contents, located with the old RVAs
    blocks, relocs = base_relocs(img)
    for typ, target in relocs:
        if typ == 10:
            img.w64(target, img.r64(target) + delta)
        elif typ == 3:
            img.w32(target, img.r32(target) + delta)
        else:
            raise ValueError("relocation type %d" % typ)
    for b in blocks:
        img.w32(b, img.r32(b) + delta)
    ordflag = 1 << 63 if img.pe64 else 1 << 31
    for dsc in import_descriptors(img):
        for field_off, v in ((0, dsc["oft"]), (12, dsc["name"]), (16, dsc["ft"])):
            if v:
                img.w32(dsc["rva"] + field_off, v + delta)
        for tl in {dsc["oft"], dsc["ft"]} - {0}:
            for trva, v in thunk_list(img, tl):
                if not v & ordflag:
                    if img.pe64:
                        img.w64(trva, v + delta)
                    else:
                        img.w32(trva, v + delta)
    relocate_export_dir(img, 0, 1 << 32, delta)
    # 2. headers
    img.opt32(16, img.opt32(16) + delta)  # AddressOfEntryPoint
    img.opt32(20, img.opt32(20) + delta)  # BaseOfCode
    if not img.pe64:
        img.opt32(24, img.opt32(24) + delta)  # BaseOfData
    for i in range(u32(img.opt, img.dd_off - 4)):
        r, s = img.get_dir(i)
        if r and i not in (0, 4):  # export already moved; 4 holds a file offset
            img.set_dir(i, r + delta, s)
    for s in img.sections:
        s.va += delta
    del ib


# --------------------------------------------------------------------------
# Fixture bookkeeping
# --------------------------------------------------------------------------
def imphash_of(imports):
    """pefile's get_imphash over [(dll, [function names])] (names only)."""
    parts = []
    for dll, funcs in imports:
        lib = dll.lower()
        for ext in ("ocx", "sys", "dll"):
            if lib.endswith("." + ext):
                lib = lib[:-len(ext) - 1]
                break
        for f in funcs:
            parts.append("%s.%s" % (lib, f.lower()))
    return hashlib.md5(",".join(parts).encode()).hexdigest()


def is_pe(data):
    if len(data) < 0x40 or data[:2] != b"MZ":
        return False
    lf = u32(data, 0x3C)
    return lf + 24 <= len(data) and data[lf:lf + 4] == b"PE\0\0"


def emit(name, data, trick, source, description, windows_loads, windows_note, roles=None,
         exports=None, dll_name=None, imports=None, delay_imports=None, managed_types=None,
         version_info=None, out_dir=HERE, rel_dir="malformed", extra=None):
    data = bytes(data)
    assert len(data) < 100 * 1024, name
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
    e = {
        "path": rel_dir + "/" + name,
        "description": description,
        "trick": trick,
        "source": source,
        "is_pe": is_pe(data),
        "windows_loads": windows_loads,
        "windows_note": windows_note,
        "roles": roles if roles is not None else [],
    }
    if exports is not None:
        e["exports"] = exports
    if dll_name is not None:
        e["dll_name"] = dll_name
    if imports is not None:
        e["imports"] = [{"dll": d, "functions": f} for d, f in imports]
        e["imphash_loader_view"] = imphash_of(imports)
    if delay_imports is not None:
        e["delay_imports"] = [{"dll": d, "functions": f} for d, f in delay_imports]
    if managed_types is not None:
        e["managed_types"] = managed_types
    if version_info is not None:
        e["version_info"] = version_info
    if extra:
        e.update(extra)
    e["sha256"] = hashlib.sha256(data).hexdigest()
    obs = dict(OBSERVED.get(e["path"], {}))
    if trick in WINE_CONTEXT and obs.get("wine_loads") is not None:
        obs["wine_note"] = "; ".join(x for x in (obs.get("wine_note"), WINE_CONTEXT[trick]) if x)
    for k in ("wine_loads", "wine_resolves", "wine_note", "wine_loadlibrary", "pefile_agrees", "imphash",
              "pefile_imphash", "pefile_view", "dnfile_agrees", "dnfile_view", "mono_view", "iisweep_base_sees"):
        if k in obs:
            e[k] = obs[k]
    SAMPLES.append(e)
    return e


def role_exports(names_ords, roles):
    want = {n for r in roles for n in ROLE_EXPORTS.get(r, [])}
    return [{"name": n, "ordinal": o} for n, o, _ in names_ords if n in want]


# --------------------------------------------------------------------------
# 1. more than 96 sections
# --------------------------------------------------------------------------
FILLER_CHARS = 0xC0000080  # uninitialized data, read/write


def sections_over_96(arch, src="module.dll", total=100, export_index=96):
    rel = "native/%s/%s" % (arch, src)
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    # Room for 100 section headers: the headers need more than the first page,
    # so every section moves up one page (all RVAs and relocated addresses fixed).
    shift_image(img, 0x1000)
    ed = img.section(b".edata")
    pos = img.sections.index(ed)
    lo, hi = ed.va, ed.va + 0x1000
    first_pad = align(max(s.end() for s in img.sections), 0x1000)
    new_va = first_pad + 0x1000 * (export_index - len(img.sections))
    relocate_export_dir(img, lo, hi, new_va - lo)  # RVAs inside .edata, read at the old place
    # the export section's old slot stays, as an empty (virtual) page
    img.sections[pos] = Sec(b".pad%03d" % pos, ed.va, 0x1000, FILLER_CHARS, b"")
    va = first_pad
    while len(img.sections) < export_index:
        img.sections.append(Sec(b".pad%03d" % len(img.sections), va, 0x1000, FILLER_CHARS, b""))
        va += 0x1000
    assert va == new_va
    img.sections.append(Sec(b".edata", va, ed.vsize, ed.chars, ed.raw))
    va += 0x1000
    while len(img.sections) < total:
        img.sections.append(Sec(b".pad%03d" % len(img.sections), va, 0x1000, FILLER_CHARS, b""))
        va += 0x1000
    data = img.build()
    dll2, names2 = exports_of(Image(data))
    assert dll2 == dll and [n for n, _, _ in names2] == [n for n, _, _ in names]
    emit("sections_%d_edata_in_%d_%s_module.dll" % (total, export_index + 1, arch), data, "sections_over_96", rel,
         "%d sections; the export directory is in section %d (%s at RVA %#x). Every section of %s moved up one "
         "page to make room for the section table (RVAs, the IAT and the relocated addresses fixed), the old "
         ".edata slot and the padding sections are one-page uninitialized sections." % (
             total, export_index + 1, ".edata", va - 0x1000, rel),
         True, "Windows Vista/7+ map up to 65,535 sections (corkami 65535sects.exe, maxsecW7.exe); XP and "
               "Server 2003 stop at 96 (MM_MAXIMUM_IMAGE_SECTIONS in WRK creasect.c; corkami maxsecXP.exe)",
         roles=["native_module"], exports=role_exports(names2, ["native_module"]), dll_name=dll2)


# --------------------------------------------------------------------------
# 2. PointerToRawData that only works rounded down
# --------------------------------------------------------------------------
def edata_header(data):
    """File offset of the .edata section header."""
    lf = u32(data, 0x3C)
    sec = lf + 24 + u16(data, lf + 20)
    for i in range(u16(data, lf + 6)):
        o = sec + 40 * i
        if data[o:o + 8].rstrip(b"\0") == b".edata":
            return o
    raise ValueError("no .edata section")


def rawptr_unaligned(arch):
    rel = "native/%s/module.dll" % arch
    data = bytearray(load(os.path.join(ROOT, rel)))
    img = Image(data)
    dll, names = exports_of(img)
    o = edata_header(data)
    old = u32(data, o + 20)
    struct.pack_into("<I", data, o + 20, old + 0xFF)
    data = fix_checksum(data)
    emit("rawptr_unaligned_edata_%s_module.dll" % arch, data, "rawptr_unaligned", rel,
         ".edata PointerToRawData = %#x; the export data really starts at %#x. FileAlignment is 0x200, so "
         "Windows reads the section from PointerToRawData & ~0x1FF; a reader that uses the field as it is "
         "reads the directory 0xFF bytes too late." % (old + 0xFF, old),
         True, "the image mapper keeps only the sector number: StartingSector = PointerToRawData >> 9 (WRK "
               "creasect.c MiCreateImageFileMap); corkami duphead.exe relies on the same rounding",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def section_name_not_a_string_offset(arch):
    """A section named "/abc": COFF long-name syntax that is no string-table offset."""
    rel = "native/%s/module.dll" % arch
    data = bytearray(load(os.path.join(ROOT, rel)))
    img = Image(data)
    dll, names = exports_of(img)
    o = edata_header(data)
    data[o:o + 8] = b"/abc\0\0\0\0"
    data = fix_checksum(data)
    emit("section_name_slash_not_offset_%s_module.dll" % arch, data, "section_name_not_a_string_offset", rel,
         "the .edata section is renamed \"/abc\": the COFF syntax for a long name held in the string table, "
         "with no number after the slash. goblin refuses the header (\"invalid indirect section name\"), "
         "and a reader that stops there loses this section and every later one, with the export directory.",
         True, "the image loader never reads section names (WRK creasect.c MiCreateImageFileMap uses only "
               "addresses, sizes and characteristics); found by the roles fuzz target's oracle",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


# --------------------------------------------------------------------------
# 3. headers
# --------------------------------------------------------------------------
def lfanew_low(arch, lfanew=0x10):
    """NT headers moved to e_lfanew = 0x10, inside the DOS header."""
    rel = "native/%s/module.dll" % arch
    src = load(os.path.join(ROOT, rel))
    img = Image(src)
    dll, names = exports_of(img)
    old = img.e_lfanew
    nt_len = 24 + len(img.opt) + 40 * len(img.sections)
    data = bytearray(src)
    nt = bytearray(src[old:old + nt_len])
    data[lfanew:old + nt_len] = b"\0" * (old + nt_len - lfanew)
    data[lfanew:lfanew + nt_len] = nt
    # e_lfanew (0x3C) now lies inside the optional header: at BaseOfCode (optional
    # header + 20 for both PE32 and PE32+), a field the loader does not use.
    assert 0x3C == lfanew + 24 + 20
    struct.pack_into("<I", data, 0x3C, lfanew)
    data = fix_checksum(data)
    emit("lfanew_0x%x_%s_module.dll" % (lfanew, arch), data, "lfanew_low", rel,
         "e_lfanew = %#x: the PE signature overwrites the DOS header from offset %#x on; e_lfanew itself "
         "is the optional header's BaseOfCode field (so BaseOfCode = %#x). Nothing else changed." % (
             lfanew, lfanew, lfanew),
         True, "the loader needs only 'MZ' and a 4-byte-aligned e_lfanew (MiVerifyImageHeader checks NT headers "
               "% 4); corkami tiny.exe / tinyW7x64.exe / tinydll.dll use e_lfanew = 4",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def flat(arch, fa=0x200):
    """A low-alignment copy of the module: file offset == RVA, FileAlignment ==
    SectionAlignment == fa, headers cleared of their section table."""
    rel = "native/%s/module.dll" % arch
    src = load(os.path.join(ROOT, rel))
    img = Image(src)
    soi = u32(img.opt, 56)
    out = bytearray(soi)
    soh = u32(img.opt, 60)
    out[:soh] = src[:soh]
    for s in img.sections:
        out[s.va:s.va + len(s.raw)] = s.raw[:max(0, min(len(s.raw), soi - s.va))]
    lf = img.e_lfanew
    struct.pack_into("<II", out, lf + 24 + 32, fa, fa)  # SectionAlignment, FileAlignment
    return img, out, lf


def no_sections(arch):
    img, out, lf = flat(arch)
    dll, names = exports_of(img)
    sec = lf + 24 + u16(out, lf + 20)
    nsec = u16(out, lf + 6)
    out[sec:sec + 40 * nsec] = b"\0" * (40 * nsec)
    struct.pack_into("<H", out, lf + 6, 0)
    rel = "native/%s/module.dll" % arch
    emit("no_sections_%s_module.dll" % arch, fix_checksum(out), "no_sections", rel,
         "NumberOfSections = 0, FileAlignment = SectionAlignment = 0x200 (low alignment): the file is the "
         "memory image (every file offset equals its RVA, SizeOfImage = file size), so the export, import and "
         "relocation directories are read from the headers' mapping. The section table was zeroed.",
         True, "low-alignment images with no section load on Vista/7+ (corkami nosectionW7.exe, tinyW7x64.exe, "
               "tinydll.dll); MiVerifyImageHeader allows FileAlignment == SectionAlignment below 0x200",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def sizeofoptionalheader_zero(arch):
    rel = "native/%s/module.dll" % arch
    img, out, lf = flat(arch)
    dll, names = exports_of(img)
    sec = lf + 24 + u16(out, lf + 20)
    nsec = u16(out, lf + 6)
    out[sec:sec + 40 * nsec] = b"\0" * (40 * nsec)
    struct.pack_into("<H", out, lf + 6, 0)
    struct.pack_into("<H", out, lf + 20, 0)
    emit("sizeofoptionalheader_0_%s_module.dll" % arch, fix_checksum(out), "sizeofoptionalheader_zero", rel,
         "SizeOfOptionalHeader = 0 with the full optional header still in place, NumberOfSections = 0, "
         "low alignment (FileAlignment = SectionAlignment = 0x200, file offset == RVA). The loader reads the "
         "optional header at e_lfanew + 24 whatever the field says; it only uses the field to find the "
         "section table, which is empty here.",
         True, "corkami tiny.exe, tinyW7.exe, tinyW7x64.exe (PE32+), tinydll.dll: SizeOfOptionalHeader 0, no "
               "section; MiVerifyImageHeader rejects only Machine == 0 together with SizeOfOptionalHeader == 0",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def sizeofoptionalheader_zero_overlap(arch):
    """SizeOfOptionalHeader 0 and one section whose header IS the first 40 bytes
    of the optional header (corkami nullSOH-XP.exe)."""
    rel = "native/%s/module.dll" % arch
    img, out, lf = flat(arch)
    dll, names = exports_of(img)
    opt = lf + 24
    sec = opt + u16(out, lf + 20)
    nsec = u16(out, lf + 6)
    out[sec:sec + 40 * nsec] = b"\0" * (40 * nsec)
    soi = u32(out, opt + 56)
    ep = u32(out, opt + 16)
    # section 0 = optional header bytes 0..40:
    #   VirtualSize = SizeOfInitializedData, VirtualAddress = SizeOfUninitializedData,
    #   SizeOfRawData = AddressOfEntryPoint, PointerToRawData = BaseOfCode,
    #   Characteristics = FileAlignment. The section covers the last ep bytes of
    #   the image (VA == file offset, as low alignment requires); everything below
    #   it is headers.
    x = soi - ep
    struct.pack_into("<I", out, opt + 8, ep)    # SizeOfInitializedData -> VirtualSize
    struct.pack_into("<I", out, opt + 12, x)    # SizeOfUninitializedData -> VirtualAddress
    struct.pack_into("<I", out, opt + 20, x)    # BaseOfCode -> PointerToRawData
    struct.pack_into("<I", out, opt + 60, x)    # SizeOfHeaders: everything below the section
    struct.pack_into("<H", out, lf + 6, 1)
    struct.pack_into("<H", out, lf + 20, 0)
    emit("sizeofoptionalheader_0_section_overlaps_%s_module.dll" % arch, fix_checksum(out),
         "sizeofoptionalheader_zero", rel,
         "SizeOfOptionalHeader = 0 and NumberOfSections = 1: the section table starts right after the COFF "
         "header, so section 0's header is the optional header's first 40 bytes (VirtualSize = "
         "SizeOfInitializedData = %#x, VirtualAddress = SizeOfUninitializedData = %#x, SizeOfRawData = "
         "AddressOfEntryPoint = %#x, PointerToRawData = BaseOfCode = %#x, Characteristics = FileAlignment). Low "
         "alignment, file offset == RVA, SizeOfHeaders = %#x." % (ep, x, ep, x, x),
         "unknown", "corkami's equivalent, nullSOH-XP.exe, is in its XP-only set; later versions are not "
                    "documented either way (the optional header itself is read, as in tiny.exe)",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def sizeofoptionalheader_odd(arch):
    rel = "native/%s/module.dll" % arch
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    img.opt += b"\0"  # one byte more: the section table starts at an odd offset
    data = img.build()
    emit("sizeofoptionalheader_odd_%s_module.dll" % arch, data, "sizeofoptionalheader_odd", rel,
         "SizeOfOptionalHeader = %d (the real size + 1): the section table starts one byte after the optional "
         "header, at an odd file offset. Everything else is as in %s." % (len(img.opt), rel),
         False, "MiVerifyImageHeader (Windows 10+ decompilation) rejects SizeOfOptionalHeader & 7 != 0 with "
                "STATUS_INVALID_IMAGE_FORMAT; older loaders only used the field to find the section table",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def optional_magic_zero(arch):
    rel = "native/%s/module.dll" % arch
    src = load(os.path.join(ROOT, rel))
    img = Image(src)
    dll, names = exports_of(img)
    data = bytearray(src)
    struct.pack_into("<H", data, img.e_lfanew + 24, 0)
    emit("optional_magic_0_%s_module.dll" % arch, fix_checksum(data), "optional_magic_zero", rel,
         "optional header Magic = 0 (neither 0x10B nor 0x20B); the rest of the optional header is the "
         "%s one of %s. Windows refuses it; the export table is intact, so a reader can still recover the "
         "export facts (decoding the optional header by Machine) and report the anomaly." % (
             "PE32+" if img.pe64 else "PE32", rel),
         False, "MiVerifyImageHeader requires Magic 0x10B or 0x20B matching Machine, else "
                "STATUS_INVALID_IMAGE_FORMAT (Windows 10+ decompilation; corkami has no loadable magic-0 file)",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def section_table_outside_file(arch):
    rel = "native/%s/module.dll" % arch
    img, out, lf = flat(arch)
    dll, names = exports_of(img)
    opt = lf + 24
    sec = opt + u16(out, lf + 20)
    nsec = u16(out, lf + 6)
    out[sec:sec + 40 * nsec] = b"\0" * (40 * nsec)
    sooh = align(len(out) - opt + 0x100, 8)
    struct.pack_into("<H", out, lf + 20, sooh)
    struct.pack_into("<H", out, lf + 6, 2)
    emit("section_table_outside_file_%s_module.dll" % arch, fix_checksum(out), "section_table_outside_file", rel,
         "NumberOfSections = 2 but SizeOfOptionalHeader = %#x puts the section table at %#x, 0x100 bytes past "
         "the end of the file; low alignment (file offset == RVA), so every directory lies in the headers' "
         "mapping and the (absent, all-zero) section table adds nothing." % (sooh, opt + sooh),
         "unknown", "corkami virtsectblXP.exe (section table past EOF, low alignment) is in its XP-only set; "
                    "later loaders read the section table from the file and are not documented to accept one "
                    "past EOF",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


def duplicate_header(arch):
    """corkami duphead.exe: a section whose PointerToRawData rounds down to 0,
    so it maps the complete file (headers included) a second time."""
    rel = "native/%s/module.dll" % arch
    src = load(os.path.join(ROOT, rel))
    img = Image(src)
    dll, names = exports_of(img)
    size = len(src)
    va = align(max(s.end() for s in img.sections), 0x1000)
    ed = img.section(b".edata")
    ed_off = None
    # file offset of the export directory in the source
    lf = img.e_lfanew
    sec = lf + 24 + len(img.opt)
    for i in range(len(img.sections)):
        o = sec + 40 * i
        if src[o:o + 8].rstrip(b"\0") == b".edata":
            ed_off = u32(src, o + 20) + img.get_dir(0)[0] - ed.va
    data = bytearray(src)
    nsec = len(img.sections)
    o = sec + 40 * nsec
    assert o + 40 <= u32(img.opt, 60)
    data[o:o + 40] = b".dup\0\0\0\0" + struct.pack("<IIIIIIHHI", size, va, size - 0x1FF, 0x1FF, 0, 0, 0, 0,
                                                   0x40000040)
    struct.pack_into("<H", data, lf + 6, nsec + 1)
    struct.pack_into("<I", data, lf + 24 + 56, align(va + size, 0x1000))  # SizeOfImage
    _, esize = img.get_dir(0)
    struct.pack_into("<II", data, lf + 24 + img.dd_off, va + ed_off, esize)
    emit("duplicate_header_section_maps_file_%s_module.dll" % arch, fix_checksum(data), "duplicate_header", rel,
         "extra last section '.dup' with PointerToRawData = 0x1FF and SizeOfRawData = file size - 0x1FF: Windows "
         "rounds the pointer down to 0, so the section maps the whole file - DOS and PE headers included - a "
         "second time at RVA %#x. The export data directory points into that copy (RVA %#x = %#x + the export "
         "directory's file offset %#x); the directory's own RVAs still point at the original .edata." % (
             va, va + ed_off, va, ed_off),
         True, "corkami duphead.exe: 'section mapping the complete PE (offset rounded down to 0x200)'; WRK "
               "creasect.c StartingSector = PointerToRawData >> 9",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll)


# --------------------------------------------------------------------------
# 4. import tables
# --------------------------------------------------------------------------
def hint_name(hint, name):
    b = struct.pack("<H", hint) + name + b"\0"
    return b + b"\0" * (len(b) % 2)


def import_layout(img):
    """Real descriptor, its names, and a free area in .idata for new data."""
    sec = img.section(b".idata")
    dsc = import_descriptors(img)
    assert len(dsc) == 1
    d = dsc[0]
    funcs = [img.cstr(v + 2).decode() for _, v in thunk_list(img, d["ft"])]
    return sec, d, img.cstr(d["name"]).decode(), funcs


class Blob:
    """Appends data to a section at a cursor and hands back RVAs."""

    def __init__(self, img, sec, start):
        self.img, self.sec, self.cur = img, sec, start

    def put(self, b, al=8):
        self.cur = align(self.cur, al)
        r = self.cur
        self.img.write(r, b)
        self.cur += len(b)
        return r


def thunks(img, rvas):
    fmt = "<Q" if img.pe64 else "<I"
    return b"".join(struct.pack(fmt, r) for r in rvas) + struct.pack(fmt, 0)


def import_zero_descriptor(arch, which):
    rel = "native/%s/module.dll" % arch
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    sec, real, real_dll, real_funcs = import_layout(img)
    bl = Blob(img, sec, sec.va + align(sec.vsize, 0x10))
    made_up = [("madeup_alpha.dll", "MadeUpFunctionAlpha"), ("madeup_beta.dll", "MadeUpFunctionBeta")]
    descs = []
    for dname, fname in made_up:
        hn = bl.put(hint_name(0, fname.encode()), 2)
        nm = bl.put(dname.encode() + b"\0", 2)
        int_ = bl.put(thunks(img, [hn]))
        iat = bl.put(thunks(img, [hn]))
        descs.append((int_, nm, iat))
    zhn = bl.put(hint_name(0, b"MadeUpFunctionZero"), 2)
    znm = bl.put(b"madeup_zero.dll\0", 2)
    zint = bl.put(thunks(img, [zhn]))
    ziat = bl.put(thunks(img, [zhn]))
    if which == "name":
        stop = (zint, 0, ziat)      # Name == 0, thunks valid
    else:
        stop = (zint, znm, 0)       # FirstThunk == 0, name and INT valid
    table = struct.pack("<IIIII", real["oft"], 0, 0, real["name"], real["ft"])
    table += struct.pack("<IIIII", stop[0], 0, 0, stop[1], stop[2])
    for int_, nm, iat in descs:
        table += struct.pack("<IIIII", int_, 0, 0, nm, iat)
    table += b"\0" * 20
    trva = bl.put(table, 4)
    sec.vsize = bl.cur - sec.va
    img.set_dir(1, trva, len(table))
    data = img.build()
    field = "Name" if which == "name" else "FirstThunk"
    emit("import_zero_%s_stops_%s_module.dll" % ("name" if which == "name" else "firstthunk", arch), data,
         "import_zero_descriptor_stops", rel,
         "import directory moved to the free end of .idata: the real %s descriptor, then a descriptor with %s = 0 "
         "(its other fields valid, naming madeup_zero.dll!MadeUpFunctionZero), then two made-up descriptors "
         "(madeup_alpha.dll!MadeUpFunctionAlpha, madeup_beta.dll!MadeUpFunctionBeta), then the all-zero "
         "terminator. The loader stops at the first descriptor whose Name or FirstThunk is 0, so only %s is "
         "imported; the made-up DLLs do not exist and are never loaded." % (real_dll, field, real_dll),
         True, "Windows' import walk runs while (Name && FirstThunk) (ReactOS LdrpWalkImportDescriptor, modelled "
               "on NT); corkami imports_badterm.exe: 'non-null import terminator'",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll,
         imports=[(real_dll, real_funcs)])


def import_int_invalid(arch, where):
    rel = "native/%s/module.dll" % arch
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    sec, real, real_dll, real_funcs = import_layout(img)
    soi = align(max(s.end() for s in img.sections), 0x1000)
    if where == "past_image":
        bad = soi + 0x10000
        how = "OriginalFirstThunk = %#x, past SizeOfImage (%#x)" % (bad, soi)
    else:
        bad = 0x10
        how = ("OriginalFirstThunk = 0x10, inside the DOS header (below SizeOfHeaders): read as thunks it is "
               "garbage")
    img.w32(real["rva"], bad)
    data = img.build()
    emit("import_int_%s_iat_fallback_%s_module.dll" % (where, arch), data, "import_int_invalid_iat_fallback", rel,
         "the only import descriptor's %s; FirstThunk (the IAT, which on disk holds the same hint/name RVAs) is "
         "intact. Windows snaps the imports from the IAT." % how,
         True, "the loader uses FirstThunk when OriginalFirstThunk < SizeOfHeaders or >= SizeOfImage "
               "(ReactOS LdrpSnapIAT: 'Refuse it, this is a strange linked file'); corkami imports_noint.exe",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll,
         imports=[(real_dll, real_funcs)])


def rebase(img, new_base):
    """Change ImageBase, applying the base relocations to the stored addresses."""
    delta = new_base - img.image_base
    _, relocs = base_relocs(img)
    for typ, target in relocs:
        if typ == 10:
            img.w64(target, (img.r64(target) + delta) % (1 << 64))
        elif typ == 3:
            img.w32(target, (img.r32(target) + delta) % (1 << 32))
        else:
            raise ValueError("relocation type %d" % typ)
    if img.pe64:
        struct.pack_into("<Q", img.opt, 24, new_base)
    else:
        struct.pack_into("<I", img.opt, 28, new_base)


def delay_descriptors(img):
    rva, _ = img.get_dir(13)
    out = []
    while True:
        f = struct.unpack("<8I", img.read(rva, 32))
        if not any(f):
            return out
        out.append((rva, list(f)))
        rva += 32


def delay_va_x64():
    rel = "native/x64/rich.dll"
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    new_base = 0x10000000
    rebase(img, new_base)
    dl = []
    for rva, f in delay_descriptors(img):
        assert f[0] & 1
        name = img.cstr(f[1]).decode()
        funcs = [img.cstr(v + 2).decode() for _, v in thunk_list(img, f[4])]
        dl.append((name, funcs))
        for trva, v in thunk_list(img, f[4]):  # INT entries: hint/name VAs (by-ordinal entries stay)
            if not v >> 63:
                img.w64(trva, v + new_base)
        f[0] = 0
        for i in range(1, 7):  # Name, ModuleHandle, IAT, INT, BoundIAT, UnloadIAT -> VAs
            if f[i]:
                f[i] += new_base
        img.write(rva, struct.pack("<8I", *f))
    data = img.build()
    _delay_emit("x64", rel, data, new_base, dll, names, dl,
                "ImageBase lowered from 0x302790000 to 0x10000000 (base relocations applied) so that 32-bit VAs "
                "exist, then the version.dll delay descriptor rewritten in the pre-VC7 form")


def delay_va_x86():
    """x86/module.dll has no delay import: add one old-style descriptor (never
    used: nothing in the code calls through it) in .idata's free space."""
    rel = "native/x86/module.dll"
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    base = img.image_base
    sec = img.section(b".idata")
    bl = Blob(img, sec, sec.va + align(sec.vsize, 0x10))
    name = bl.put(b"version.dll\0", 2)
    hn = bl.put(hint_name(0, b"GetFileVersionInfoSizeA"), 2)
    hmod = bl.put(b"\0" * 4, 4)
    int_ = bl.put(thunks(img, [base + hn]), 4)
    iat = bl.put(thunks(img, [0]), 4)  # filled by a delay helper on first call; never called
    desc = struct.pack("<8I", 0, base + name, base + hmod, base + iat, base + int_, 0, 0, 0) + b"\0" * 32
    d = bl.put(desc, 4)
    sec.vsize = bl.cur - sec.va
    img.set_dir(13, d, 64)
    data = img.build()
    _delay_emit("x86", rel, data, base, dll, names, [("version.dll", ["GetFileVersionInfoSizeA"])],
                "an old-style (VC6) delay-load descriptor for version.dll!GetFileVersionInfoSizeA added in .idata's "
                "free space; nothing calls through it")


def _delay_emit(arch, rel, data, base, dll, names, dl, how):
    emit("delay_import_va_descriptor_%s_%s.dll" % (arch, os.path.basename(rel)[:-4]), data,
         "delay_import_va_descriptor", rel,
         "%s: Attributes = 0 and every pointer field (DllName, ModuleHandle, IAT, INT) holds a VA (ImageBase "
         "%#x + RVA), the INT entries too. Delay imports are not processed at load time." % (how, base),
         True, "the image loader never reads the delay-import directory; pre-VC7 delay helpers used these "
               "fields as VAs (delayimp.h: dlattrRva clear = VAs), the VC7+ helper refuses them on first call",
         roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll,
         delay_imports=dl)


# --------------------------------------------------------------------------
# 5. .NET metadata streams
# --------------------------------------------------------------------------
def md_rebuild(src, stream_list):
    """New metadata root with the given [(name, bytes)] streams, placed at the end
    of .text (its raw data grown; later sections moved in the file, not in
    memory); the old metadata block is zeroed. Returns the new file."""
    md = ecma335.Metadata(src)
    root = md.md_offset
    vlen = u32(src, root + 12)
    head = bytearray(src[root:root + 16 + vlen]) + struct.pack("<HH", 0, len(stream_list))
    hdrs = b""
    for name, body in stream_list:
        nm = name.encode() + b"\0"
        hdrs += b"\0" * 8 + nm + b"\0" * (align(len(nm), 4) - len(nm))
    off = align(len(head) + len(hdrs), 4)
    blob = bytearray(head + hdrs + b"\0" * (off - len(head) - len(hdrs)))
    p = len(head)
    for name, body in stream_list:
        struct.pack_into("<II", blob, p, off if body else 0, len(body))
        nm = name.encode() + b"\0"
        p += 8 + align(len(nm), 4)
        if body:
            blob += body + b"\0" * (align(len(body), 4) - len(body))
            off = len(blob)
    img = Image(src)
    text = img.sec_of(md.md_rva)
    # zero the old metadata (nothing else points at it) and append the new one
    o = md.md_rva - text.va
    text.raw[o:o + md.md_size] = b"\0" * md.md_size
    new_rva = text.va + align(text.vsize, 16)
    text.raw[new_rva - text.va:] = b""
    text.raw += b"\0" * (new_rva - text.va - len(text.raw)) + blob
    text.vsize = new_rva - text.va + len(blob)
    nxt = min(s.va for s in img.sections if s.va > text.va)
    assert text.va + text.vsize <= nxt
    clr_rva, _ = img.get_dir(14)
    img.write(clr_rva + 8, struct.pack("<II", new_rva, len(blob)))
    return img.build()


def streams_of(data):
    md = ecma335.Metadata(data)
    return md, [(n, bytes(data[s["offset"]:s["offset"] + s["size"]])) for n, s in md.streams.items()]


def dotnet_emit(name, data, trick, source, desc, note, types, extra=None):
    return emit(name, data, trick, source, desc, True, note, roles=["managed_module"], managed_types=types,
                out_dir=DOTNET_OUT, rel_dir="dotnet/malformed", extra=extra)


def dotnet_duplicate_strings():
    rel = "dotnet/DirectModule.dll"
    src = load(os.path.join(ROOT, rel))
    md, streams = streams_of(src)
    st = dict(streams)["#Strings"]
    decoy = st.replace(b"\0IHttpModule\0", b"\0IHttpXodule\0").replace(b"\0System.Web\0", b"\0System.Xeb\0")
    assert decoy != st and len(decoy) == len(st)
    order = [("#Strings", decoy)] + streams
    data = md_rebuild(src, order)
    dotnet_emit("evasion_duplicate_strings_last_wins_DirectModule.dll", data, "dotnet_duplicate_stream_last_wins",
                rel,
                "metadata root with 6 streams: a decoy #Strings first, then the real #~, #Strings, #US, #GUID, "
                "#Blob. The decoy is the real heap with 'IHttpModule' -> 'IHttpXodule' and 'System.Web' -> "
                "'System.Xeb' (same offsets), so a first-wins reader sees DirectModule implement "
                "System.Xeb.IHttpXodule. The CLR uses the last #Strings. Metadata moved to the end of .text.",
                "CoreCLR CLiteWeightStgdb::InitOnMem re-initialises the heap for every stream of that name, so "
                "the last one stays (mono and dnlib: last wins too)",
                ["Synthetic.Direct.DirectModule"])


def dotnet_duplicate_tables():
    rel = "dotnet/DirectModule.dll"
    src = load(os.path.join(ROOT, rel))
    md, streams = streams_of(src)
    T = ecma335.TABLE_NUMBER
    tb = bytearray(dict(streams)["#~"])
    # decoy #~: InterfaceImpl.Interface of every row re-pointed at the TypeRef System.Object
    obj = next(r for r in range(1, md.nrows(T["TypeRef"]) + 1) if md.typeref_name(r) == "System.Object")
    base = md.tables_stream["offset"]
    for r in range(1, md.nrows(T["InterfaceImpl"]) + 1):
        off, size = md.cell_offset(T["InterfaceImpl"], r, "Interface")
        tb[off - base:off - base + size] = md.encode("TypeDefOrRef", T["TypeRef"], obj).to_bytes(size, "little")
    order = [("#~", bytes(tb))] + streams
    data = md_rebuild(src, order)
    dotnet_emit("evasion_duplicate_tables_last_wins_DirectModule.dll", data, "dotnet_duplicate_stream_last_wins",
                rel,
                "metadata root with 6 streams: a decoy #~ first, then the real #~, #Strings, #US, #GUID, #Blob. "
                "The decoy is the real table stream with every InterfaceImpl.Interface re-pointed at the TypeRef "
                "System.Object, so a first-wins reader sees no IHttpModule implementation.",
                "CoreCLR CLiteWeightStgdb::InitOnMem calls CMiniMd::InitOnMem for every #~ stream, the last one "
                "stays (mono: last wins). Whether the CLR tolerates two #~ streams without error is not "
                "documented; mono loads it (see mono_view)",
                ["Synthetic.Direct.DirectModule"])


def dotnet_streams_over_16(pad=17):
    rel = "dotnet/DirectModule.dll"
    src = load(os.path.join(ROOT, rel))
    md, streams = streams_of(src)
    order = [("#Pad%02d" % i, b"") for i in range(pad)] + streams
    data = md_rebuild(src, order)
    dotnet_emit("evasion_streams_over_16_DirectModule.dll", data, "dotnet_streams_over_16", rel,
                "metadata root with %d streams: %d empty streams with unknown names (#Pad00..#Pad%02d, offset 0, "
                "size 0) before the real #~, #Strings, #US, #GUID, #Blob, so a reader that stops after 16 stream "
                "headers finds no table stream." % (pad + len(streams), pad, pad - 1),
                "CoreCLR CLiteWeightStgdb::InitOnMem walks all iStreams headers and ignores unknown names; no "
                "stream-count limit",
                ["Synthetic.Direct.DirectModule"])


# --------------------------------------------------------------------------
# 6. version resources
# --------------------------------------------------------------------------
VERSION_STRINGS = [
    ("CompanyName", "Synthetic Samples Ltd"),
    ("FileDescription", "iisweep synthetic rich native module"),
    ("FileVersion", "7.5.1.42"),
    ("InternalName", "richmod"),
    ("OriginalFilename", "richmod.dll"),
    ("ProductName", "iisweep test corpus"),
    ("ProductVersion", "7.5.1.42"),
]


def vs_node(key, value=b"", vlen=None, typ=1, children=b"", pad_after_value=b"", wlength=None):
    """One VS_VERSIONINFO-style node: wLength, wValueLength, wType, szKey, pad, Value, pad, children."""
    k = key.encode("utf-16-le") + b"\0\0"
    body = k
    body += b"\0" * (align(6 + len(body), 4) - 6 - len(body))
    body += value
    if children:
        body += b"\0" * (align(6 + len(body), 4) - 6 - len(body))
    body += pad_after_value + children
    if vlen is None:
        vlen = len(value) // 2 if typ == 1 else len(value)
    n = 6 + len(body)
    return struct.pack("<HHH", wlength if wlength is not None else n, vlen, typ) + body


def pad4(b):
    return b + b"\0" * (align(len(b), 4) - len(b))


def version_blob(variant):
    fixed = struct.pack("<13I", 0xFEEF04BD, 0x10000, 0x70005, 0x1002A, 0x70005, 0x1002A, 0x3F, 0, 0x40004, 2, 0, 0, 0)
    strings = []
    for i, (k, v) in enumerate(VERSION_STRINGS):
        val = v.encode("utf-16-le") + b"\0\0"
        if variant == "string_wtype_0":
            node = vs_node(k, val, vlen=len(val) // 2, typ=0)
        elif variant == "value_length_in_bytes":
            node = vs_node(k, val, vlen=len(val), typ=1)
        elif variant == "zero_padding_between_strings" and i == 0:
            node = vs_node(k, val, pad_after_value=b"\0" * (align(len(val), 4) - len(val)) + b"\0" * 8)
        elif variant == "junk_after_string_value" and i == 0:
            node = vs_node(k, val, pad_after_value=b"\0" * (align(len(val), 4) - len(val)) + b"JUNKJUNK")
        else:
            node = vs_node(k, val)
        strings.append(pad4(node))
    table = vs_node("040904b0", children=b"".join(strings))
    sfi = vs_node("StringFileInfo", children=pad4(table))
    var = vs_node("Translation", struct.pack("<HH", 0x409, 1200), typ=0)
    vfi = vs_node("VarFileInfo", children=pad4(var))
    if variant == "varfileinfo_first":
        kids = pad4(vfi) + pad4(sfi)
    else:
        kids = pad4(sfi) + pad4(vfi)
    return vs_node("VS_VERSION_INFO", fixed, typ=0, children=kids)


def resource_section(va, entries):
    """.rsrc bytes for [(type_id, name (int or str), lang, data)] (one type: RT_VERSION)."""
    # layout: root dir, type dir, name dirs, data entries, name strings, data
    names = []
    for _, nm, lang, data in entries:
        if nm not in names:
            names.append(nm)
    named = [n for n in names if isinstance(n, str)]
    ids = [n for n in names if not isinstance(n, str)]
    order = named + ids  # the directory order Windows expects: names first, then IDs
    langs = {n: [(lang, data) for _, nm, lang, data in entries if nm == n] for n in order}
    root = 16 + 8
    type_dir = root
    name_dirs = type_dir + 16 + 8 * len(order)
    off = name_dirs
    name_dir_off = {}
    for n in order:
        name_dir_off[n] = off
        off += 16 + 8 * len(langs[n])
    data_entries = off
    n_data = sum(len(v) for v in langs.values())
    strs = data_entries + 16 * n_data
    str_off = {}
    p = strs
    for n in named:
        str_off[n] = p
        p += 2 + 2 * len(n)
    p = align(p, 8)
    out = bytearray(p)
    struct.pack_into("<IIHHHH", out, 0, 0, 0, 0, 0, 0, 1)
    struct.pack_into("<II", out, 16, 16, 0x80000000 | type_dir)
    struct.pack_into("<IIHHHH", out, type_dir, 0, 0, 0, 0, len(named), len(ids))
    for i, n in enumerate(order):
        nid = (0x80000000 | str_off[n]) if isinstance(n, str) else n
        struct.pack_into("<II", out, type_dir + 16 + 8 * i, nid, 0x80000000 | name_dir_off[n])
    de = data_entries
    blobs = []
    for n in order:
        d = name_dir_off[n]
        struct.pack_into("<IIHHHH", out, d, 0, 0, 0, 0, 0, len(langs[n]))
        for j, (lang, data) in enumerate(langs[n]):
            struct.pack_into("<II", out, d + 16 + 8 * j, lang, de)
            blobs.append((de, data))
            de += 16
    for n in named:
        struct.pack_into("<H", out, str_off[n], len(n))
        out[str_off[n] + 2:str_off[n] + 2 + 2 * len(n)] = n.encode("utf-16-le")
    for de, data in blobs:
        p = align(len(out), 8)
        out += b"\0" * (p - len(out)) + data
        struct.pack_into("<IIII", out, de, va + p, len(data), 0, 0)
    return out


def version_fixture(variant, description, entries=None):
    rel = "native/x64/rich.dll"
    img = Image(load(os.path.join(ROOT, rel)))
    dll, names = exports_of(img)
    rs = img.section(b".rsrc")
    if entries is None:
        entries = [(16, 1, 0x409, version_blob(variant))]
    raw = resource_section(rs.va, entries)
    nxt = min(s.va for s in img.sections if s.va > rs.va)
    assert rs.va + len(raw) <= nxt
    rs.raw = bytearray(raw)
    rs.vsize = len(raw)
    img.set_dir(2, rs.va, len(raw))
    data = img.build()
    vi = dict(VERSION_STRINGS)
    return emit("version_info_%s_x64_rich.dll" % variant, data, "version_info_goblin_drops", rel, description,
                True, "GetFileVersionInfo finds RT_VERSION / ID 1 and VerQueryValue walks the blocks by wLength "
                      "(DWORD-aligned), as pefile does",
                roles=["native_module"], exports=role_exports(names, ["native_module"]), dll_name=dll,
                version_info={k: vi[k] for k in ("OriginalFilename", "InternalName", "CompanyName",
                                                  "FileDescription", "FileVersion", "ProductName",
                                                  "ProductVersion")})


# Tried and read correctly by goblin, so not written as fixtures: the standard
# layout re-serialized by version_blob("baseline"), VarFileInfo before
# StringFileInfo ("varfileinfo_first").
VERSION_VARIANTS = {
    "string_wtype_0": "every String child of the StringTable has wType = 0 ('binary') although it holds text; "
                      "wValueLength still counts WCHARs. Layout by wLength is unchanged.",
    "value_length_in_bytes": "every String child's wValueLength counts bytes instead of WCHARs (as some resource "
                             "compilers write it); wLength and the layout are correct.",
    "zero_padding_between_strings": "the first String (CompanyName) carries 8 extra zero bytes after its value, "
                                    "counted in its wLength; the next String starts after them.",
    "junk_after_string_value": "the first String (CompanyName) carries 8 bytes 'JUNKJUNK' after its value, "
                               "counted in its wLength.",
}


# --------------------------------------------------------------------------
# Observations from tools (recorded from a --check run; see check())
# --------------------------------------------------------------------------
# What Wine does differently from Windows for a trick (checked by hand).
WINE_CONTEXT = {
    "sections_over_96": "Wine 8 keeps the XP limit of 96 sections: the same layout built with 96 sections "
                        "loads, with 97 it fails with ERROR_BAD_EXE_FORMAT (Windows Vista+ accepts 65,535)",
    "import_int_invalid_iat_fallback": "Wine uses OriginalFirstThunk without the range check Windows applies "
                                       "(SizeOfHeaders <= OFT < SizeOfImage), so Wine is not the reference here",
    "section_table_outside_file": "Wine refuses a section table past EOF (ERROR_BAD_EXE_FORMAT)",
}

OBSERVED = {}
OBSERVED_PATH = os.path.join(HERE, "evasions_observed.json")
if os.path.exists(OBSERVED_PATH):
    with open(OBSERVED_PATH) as _f:
        OBSERVED = json.load(_f)


def build_all():
    for arch in ("x64", "x86"):
        sections_over_96(arch)
        rawptr_unaligned(arch)
        section_name_not_a_string_offset(arch)
        lfanew_low(arch)
        sizeofoptionalheader_zero(arch)
        sizeofoptionalheader_odd(arch)
        optional_magic_zero(arch)
        no_sections(arch)
        duplicate_header(arch)
        for which in ("name", "firstthunk"):
            import_zero_descriptor(arch, which)
        for where in ("past_image", "in_headers"):
            import_int_invalid(arch, where)
    sizeofoptionalheader_zero_overlap("x64")
    section_table_outside_file("x64")
    delay_va_x64()
    delay_va_x86()
    dotnet_duplicate_strings()
    dotnet_duplicate_tables()
    dotnet_streams_over_16()
    for v, desc in VERSION_VARIANTS.items():
        version_fixture(v, desc)


def main():
    build_all()
    with open(os.path.join(HERE, "evasions.json"), "w") as f:
        json.dump({"samples": SAMPLES}, f, indent=2)
        f.write("\n")
    print("make_evasions.py: wrote %d fixtures" % len(SAMPLES))


if __name__ == "__main__":
    main()
