#!/usr/bin/env python3
"""Check behaviour/manifest.json against the built samples.

For every sample:
- roles: native role exports (pefile) or managed component types
  (list_web_components.py) must equal `roles`; `managed_types` must equal
  the public, concrete component types.
- entry_points: native entries must be exports; managed entries
  (`Ns.Type::Method`, nested types `Outer+Inner`) must be MethodDefs.
- behaviour.reaches: every evidence string must be reached from the entry
  points:
  * native `DLL!Function`: an import whose IAT slot is referenced by an
    instruction reachable from a role export (recursive descent over
    objdump's disassembly, following direct calls and jumps);
    `Struct::Field` evidence (ISAPI / httpserv callbacks) is not checked;
  * managed `Type::Member`: a MemberRef or MethodDef called, loaded
    (ldftn) or constructed from a method reachable from the entry points
    (call graph over the IL: call/callvirt/newobj/ldftn/ldvirtftn to
    MethodDefs; constructing, initialising or touching the fields of a type
    defined in the assembly makes all its methods reachable, which covers
    lambdas, iterators, async state machines and framework-called
    overrides; touching a static field adds the type's .cctor);
  * managed `dll!Function`: a P/Invoke (ImplMap) method reached that way.
- request_names must occur in the file (ASCII or UTF-16LE);
- reflection_names must not be TypeRefs of the assembly (they are hidden).

Exit 1 on any mismatch. Needs pefile, dnfile and the mingw objdump.
"""
import json
import os
import re
import struct
import subprocess
import sys

import dnfile
import pefile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # samples-synthetic/
sys.path.insert(0, HERE)
import list_web_components  # noqa: E402

errors = []


def err(sample, msg):
    errors.append("%s: %s" % (sample, msg))


# ---------------------------------------------------------------- native --

def native_roles(pe):
    names = set()
    if hasattr(pe, "DIRECTORY_ENTRY_EXPORT"):
        names = {s.name.decode() for s in pe.DIRECTORY_ENTRY_EXPORT.symbols if s.name}
    roles = set()
    if "RegisterModule" in names:
        roles.add("native_module")
    if {"GetExtensionVersion", "HttpExtensionProc"} <= names:
        roles.add("isapi_extension")
    if {"GetFilterVersion", "HttpFilterProc"} <= names:
        roles.add("isapi_filter")
    return roles, names


INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
HEX = re.compile(r"0x([0-9a-f]+)")


def native_reached_imports(path, pe, entries):
    is64 = pe.FILE_HEADER.Machine == 0x8664
    objdump = "x86_64-w64-mingw32-objdump" if is64 else "i686-w64-mingw32-objdump"
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    insns = {}
    order = []
    for line in out.splitlines():
        m = INSN.match(line)
        if not m:
            continue
        a = int(m.group(1), 16)
        insns[a] = (m.group(2), m.group(3))
        order.append(a)
    nxt = {a: b for a, b in zip(order, order[1:])}
    iat = {}
    for d in getattr(pe, "DIRECTORY_ENTRY_IMPORT", []):
        for i in d.imports:
            if i.name:
                iat[i.address] = "%s!%s" % (d.dll.decode(), i.name.decode())
    base = pe.OPTIONAL_HEADER.ImageBase
    exp = {s.name.decode(): base + s.address
           for s in pe.DIRECTORY_ENTRY_EXPORT.symbols if s.name}
    seen = set()
    work = [exp[e] for e in entries if e in exp]
    found = set()
    while work:
        a = work.pop()
        while a in insns and a not in seen:
            seen.add(a)
            mn, ops = insns[a]
            for h in HEX.findall(ops):
                v = int(h, 16)
                if v in iat:
                    found.add(iat[v])
            direct = None
            if not ops.startswith("*"):
                m = re.match(r"^(?:0x)?([0-9a-f]+)\b", ops)
                if m:
                    direct = int(m.group(1), 16)
            if mn.startswith("call"):
                if direct is not None:
                    work.append(direct)
            elif mn.startswith("j"):
                if direct is not None:
                    work.append(direct)
                if mn.startswith("jmp"):
                    break
            elif mn.startswith("ret") or mn in ("ud2", "int3", "hlt"):
                break
            a = nxt.get(a)
    return found


def check_native(s, path):
    pe = pefile.PE(path)
    roles, exports = native_roles(pe)
    if roles != set(s.get("roles", [])):
        err(s["path"], "roles %s != manifest %s" % (sorted(roles), s.get("roles")))
    b = s.get("behaviour", {})
    entries = b.get("entry_points", [])
    for e in entries:
        if e not in exports:
            err(s["path"], "entry point %s is not an export" % e)
    reached = native_reached_imports(path, pe, entries)
    for cap, ev in b.get("reaches", {}).items():
        for x in ev:
            if "!" in x:
                if x not in reached:
                    err(s["path"], "%s evidence %s not reached from %s" % (cap, x, entries))
            elif "::" not in x:
                err(s["path"], "bad evidence %r" % x)
    return reached


# --------------------------------------------------------------- managed --

# operand sizes of one-byte CIL opcodes (-1: token, -2: switch)
OP1 = {}
for o in range(0x00, 0xE1):
    OP1[o] = 0
for o in (0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x1F, 0xDE):
    OP1[o] = 1
for o in range(0x2B, 0x38):
    OP1[o] = 1
for o in range(0x38, 0x45):
    OP1[o] = 4
for o in (0x20, 0x22, 0xDD):
    OP1[o] = 4
for o in (0x21, 0x23):
    OP1[o] = 8
for o in (0x27, 0x28, 0x29, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x79,
          0x7B, 0x7C, 0x7D, 0x7E, 0x7F, 0x80, 0x81, 0x8C, 0x8D, 0x8F, 0xA3,
          0xA4, 0xA5, 0xC2, 0xC6, 0xD0):
    OP1[o] = -1
OP1[0x45] = -2
OP2 = {o: 0 for o in range(0x00, 0x1F)}
for o in (0x06, 0x07, 0x15, 0x16, 0x1C):
    OP2[o] = -1
for o in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E):
    OP2[o] = 2
for o in (0x12, 0x19):
    OP2[o] = 1


def il_tokens(code):
    """(opcode, token) for every token operand in an IL byte string."""
    i = 0
    n = len(code)
    while i < n:
        op = code[i]
        i += 1
        if op == 0xFE:
            op2 = code[i]
            i += 1
            sz = OP2.get(op2, 0)
            key = 0xFE00 | op2
        else:
            sz = OP1.get(op, 0)
            key = op
        if sz == -1:
            yield key, struct.unpack_from("<I", code, i)[0]
            i += 4
        elif sz == -2:
            cnt = struct.unpack_from("<I", code, i)[0]
            i += 4 + 4 * cnt
        else:
            i += sz


def method_body(pe, rva):
    if not rva:
        return b""
    hdr = pe.get_data(rva, 12)
    if hdr[0] & 3 == 2:
        size = hdr[0] >> 2
        return pe.get_data(rva + 1, size)
    hsize = (hdr[1] >> 4) * 4
    size = struct.unpack_from("<I", hdr, 4)[0]
    return pe.get_data(rva + hsize, size)


def uncompress(b, i):
    x = b[i]
    if x & 0x80 == 0:
        return x, i + 1
    if x & 0xC0 == 0x80:
        return ((x & 0x3F) << 8) | b[i + 1], i + 2
    return ((x & 0x1F) << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3], i + 4


def tdor(v):
    tag = v & 3
    return ({0: 0x02, 1: 0x01, 2: 0x1B}[tag] << 24) | (v >> 2)


def sig_type_tokens(b, i, out):
    """Parse one type in a signature blob at i; collect TypeDefOrRef tokens."""
    e = b[i]
    i += 1
    if e in (0x11, 0x12):
        v, i = uncompress(b, i)
        out.append(tdor(v))
    elif e in (0x0F, 0x10, 0x1D, 0x45):
        i = sig_type_tokens(b, i, out)
    elif e in (0x13, 0x1E):
        _, i = uncompress(b, i)
    elif e == 0x15:
        i = sig_type_tokens(b, i, out)
        cnt, i = uncompress(b, i)
        for _ in range(cnt):
            i = sig_type_tokens(b, i, out)
    elif e == 0x14:
        i = sig_type_tokens(b, i, out)
        _, i = uncompress(b, i)
        ns, i = uncompress(b, i)
        for _ in range(ns):
            _, i = uncompress(b, i)
        nl, i = uncompress(b, i)
        for _ in range(nl):
            _, i = uncompress(b, i)
    elif e in (0x1F, 0x20):
        _, i = uncompress(b, i)
        i = sig_type_tokens(b, i, out)
    return i


class Assembly:
    def __init__(self, path):
        self.pe = dnfile.dnPE(path)
        md = self.pe.net.mdtables
        self.md = md
        self.tdefs = list(md.TypeDef.rows) if md.TypeDef else []
        self.mdefs = list(md.MethodDef.rows) if md.MethodDef else []
        self.nested = {}
        if md.NestedClass:
            for r in md.NestedClass.rows:
                self.nested[r.NestedClass.row_index] = r.EnclosingClass.row_index
        self.meth_owner = {}
        self.field_owner = {}
        self.type_methods = {}
        for ti, t in enumerate(self.tdefs, 1):
            ms = [m.row_index for m in t.MethodList]
            self.type_methods[ti] = ms
            for m in ms:
                self.meth_owner[m] = ti
            for f in t.FieldList:
                self.field_owner[f.row_index] = ti
        self.pinvoke = {}
        if md.ImplMap:
            for r in md.ImplMap.rows:
                if type(r.MemberForwarded.table).__name__ == "MethodDef":
                    self.pinvoke[r.MemberForwarded.row_index] = "%s!%s" % (
                        str(r.ImportScope.row.Name), str(r.ImportName))

    def typedef_name(self, i):
        parts = []
        while True:
            t = self.tdefs[i - 1]
            parts.append(str(t.TypeName))
            if i in self.nested:
                i = self.nested[i]
                continue
            ns = str(t.TypeNamespace or "")
            if ns:
                parts[-1] = ns + "." + parts[-1]
            break
        return "+".join(reversed(parts))

    def typeref_name(self, row):
        ns = str(row.TypeNamespace or "")
        n = str(row.TypeName)
        scope = row.ResolutionScope
        if scope is not None and type(scope.table).__name__ == "TypeRef":
            return self.typeref_name(scope.row) + "+" + n
        return (ns + "." if ns else "") + n

    def token_type_name(self, tok):
        t, r = tok >> 24, tok & 0xFFFFFF
        if t == 0x02:
            return self.typedef_name(r)
        if t == 0x01:
            return self.typeref_name(self.md.TypeRef.rows[r - 1])
        if t == 0x1B:
            sig = self.md.TypeSpec.rows[r - 1].Signature
            b = sig.value if hasattr(sig, "value") else bytes(sig)
            toks = []
            sig_type_tokens(b, 0, toks)
            return self.token_type_name(toks[0]) if toks else "?"
        return "?"

    def method_name(self, i):
        return "%s::%s" % (self.typedef_name(self.meth_owner[i]), str(self.mdefs[i - 1].Name))

    def find_method(self, full):
        for i in range(1, len(self.mdefs) + 1):
            if self.method_name(i) == full:
                return i
        return None

    def typerefs(self):
        if not self.md.TypeRef:
            return set()
        return {self.typeref_name(r) for r in self.md.TypeRef.rows}

    def reach(self, entries):
        """(reached MethodDef indexes, set of Type::Member / dll!fn strings)."""
        seen = set()
        refs = set()
        work = list(entries)
        types_added = set()

        def add_type(ti):
            if ti in types_added:
                return
            types_added.add(ti)
            work.extend(self.type_methods.get(ti, []))

        def add_cctor(ti):
            for m in self.type_methods.get(ti, []):
                if str(self.mdefs[m - 1].Name) == ".cctor":
                    work.append(m)

        while work:
            mi = work.pop()
            if mi in seen:
                continue
            seen.add(mi)
            if mi in self.pinvoke:
                refs.add(self.pinvoke[mi])
            body = method_body(self.pe, self.mdefs[mi - 1].Rva)
            for op, tok in il_tokens(body):
                t, r = tok >> 24, tok & 0xFFFFFF
                if t == 0x06:
                    work.append(r)
                    refs.add(self.method_name(r))
                    if op == 0x73:
                        add_type(self.meth_owner[r])
                    add_cctor(self.meth_owner[r])
                elif t == 0x0A:
                    mr = self.md.MemberRef.rows[r - 1]
                    cls = mr.Class
                    ctn = type(cls.table).__name__
                    if ctn == "TypeRef":
                        owner = self.typeref_name(cls.row)
                    elif ctn == "TypeDef":
                        owner = self.typedef_name(cls.row_index)
                    elif ctn == "TypeSpec":
                        owner = self.token_type_name((0x1B << 24) | cls.row_index)
                        sig = self.md.TypeSpec.rows[cls.row_index - 1].Signature
                        b = sig.value if hasattr(sig, "value") else bytes(sig)
                        toks = []
                        sig_type_tokens(b, 0, toks)
                        for tk in toks:
                            if tk >> 24 == 0x02:
                                add_type(tk & 0xFFFFFF)
                    else:
                        owner = "?"
                    refs.add("%s::%s" % (owner, str(mr.Name)))
                elif t == 0x2B:
                    ms = self.md.MethodSpec.rows[r - 1]
                    meth = ms.Method
                    tok2 = ((0x06 if type(meth.table).__name__ == "MethodDef" else 0x0A) << 24) | meth.row_index
                    # re-dispatch the generic method itself
                    if tok2 >> 24 == 0x06:
                        work.append(meth.row_index)
                        refs.add(self.method_name(meth.row_index))
                    else:
                        mr = self.md.MemberRef.rows[meth.row_index - 1]
                        owner = self.token_type_name(
                            {"TypeRef": 0x01, "TypeDef": 0x02, "TypeSpec": 0x1B}.get(
                                type(mr.Class.table).__name__, 0) << 24 | mr.Class.row_index)
                        refs.add("%s::%s" % (owner, str(mr.Name)))
                    inst = ms.Instantiation
                    b = inst.value if hasattr(inst, "value") else bytes(inst)
                    toks = []
                    if b and b[0] == 0x0A:
                        cnt, i = uncompress(b, 1)
                        for _ in range(cnt):
                            i = sig_type_tokens(b, i, toks)
                    for tk in toks:
                        if tk >> 24 == 0x02:
                            add_type(tk & 0xFFFFFF)
                elif t == 0x04:
                    ow = self.field_owner.get(r)
                    if ow:
                        if op in (0x7E, 0x7F, 0x80):
                            add_cctor(ow)
                        else:
                            add_type(ow)
                elif t == 0x02:
                    add_type(r)
        return seen, refs


def check_managed(s, path):
    r = list_web_components.analyse(path)
    comps = [c for c in r["components"] if not c["interface"]]
    roles = set()
    for c in comps:
        for x in c["roles"]:
            roles.add("managed_handler" if x == "managed_handler_factory" else x)
    if roles != set(s.get("roles", [])):
        err(s["path"], "roles %s != manifest %s" % (sorted(roles), s.get("roles")))
    concrete = sorted(c["type"] for c in comps if c["public"] and not c["abstract"])
    if concrete != sorted(s.get("managed_types", [])):
        err(s["path"], "managed_types %s != manifest %s" % (concrete, s.get("managed_types")))
    asm = Assembly(path)
    b = s.get("behaviour", {})
    entries = []
    for e in b.get("entry_points", []):
        mi = asm.find_method(e)
        if mi is None:
            err(s["path"], "entry point %s is not a MethodDef" % e)
        else:
            entries.append(mi)
    _, refs = asm.reach(entries)
    for cap, ev in b.get("reaches", {}).items():
        for x in ev:
            if x not in refs:
                err(s["path"], "%s evidence %s not reached from the entry points" % (cap, x))
    trefs = asm.typerefs()
    for n in b.get("reflection_names", []):
        if n in trefs:
            err(s["path"], "reflection name %s is a TypeRef (not hidden)" % n)
    return refs


def main():
    with open(os.path.join(HERE, "manifest.json")) as f:
        man = json.load(f)
    verbose = "-v" in sys.argv
    for s in man["samples"]:
        path = os.path.join(ROOT, s["path"])
        if not os.path.exists(path):
            err(s["path"], "missing")
            continue
        data = open(path, "rb").read()
        for n in s.get("behaviour", {}).get("request_names", []):
            if n.encode() not in data and n.encode("utf-16-le") not in data:
                err(s["path"], "request name %r not in the file" % n)
        try:
            is_net = dnfile.dnPE(path).net is not None
        except Exception:
            is_net = False
        refs = check_managed(s, path) if is_net else check_native(s, path)
        if verbose:
            print(s["path"])
            for x in sorted(refs):
                print("   ", x)
    for e in errors:
        print("FAIL", e)
    print("%d samples checked, %d problems" % (len(man["samples"]), len(errors)))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
