#!/usr/bin/env python3
"""Reference dump of .NET metadata via dnfile, for diffing iisweep's reader.

Usage: dotnet_reference.py [--list FILE] [PATH ...]
Prints one JSON object per input path, one per line:

  {"path", "ok", "error",
   "typedefs":        [full name per TypeDef row, row order],
   "typerefs":        [full name per TypeRef row, row order],
   "interface_impls": [[class full name, interface name] per InterfaceImpl row],
   "memberrefs":      [[parent name, member name] per MemberRef row],
   "assemblyrefs":    [Name per AssemblyRef row]}

Name conventions (identical to the Rust reader's `examples/dump.rs`):
- TypeDef full name: "Ns.Name"; a type listed as NestedClass.NestedClass is
  "<enclosing full name>+Name" (web.config form, "Ns.Outer+Inner"); the
  namespace used is the outermost type's; cycles stop the walk.
- TypeRef full name: "Ns.Name"; when ResolutionScope is another TypeRef,
  "<scope full name>+Name".
- Interface / MemberRef parent: TypeDef or TypeRef full name; ModuleRef ->
  module name; MethodDef -> method name; TypeSpec -> the signature rendered
  by `render_typespec` below (GENERICINST as "Base<Arg,...>", primitives as
  "System.Int32" etc., "!0"/"!!0" for generic params, "T[]", "T[,]", "T*",
  "T&"; anything else or unreadable -> "?"). dnfile does not render TypeSpec
  signatures itself, so that part is our own code over dnfile's blob bytes.
- Unresolvable references (dnfile gives no row) render as "" (empty).

"ok" is false when dnfile raised or reported warnings; "error" holds the
exception text or the warnings; "raised" is true only when dnfile raised
(then the name lists are missing or partial). pefile warns about benign
things (e.g. a file that is mostly zero bytes), so tests compare every
file that did not raise. Each file is handled on its own: one bad
file never stops the run.
"""
import json
import sys
import traceback
import warnings

import dnfile

PRIMS = {
    0x01: "System.Void", 0x02: "System.Boolean", 0x03: "System.Char", 0x04: "System.SByte",
    0x05: "System.Byte", 0x06: "System.Int16", 0x07: "System.UInt16", 0x08: "System.Int32",
    0x09: "System.UInt32", 0x0A: "System.Int64", 0x0B: "System.UInt64", 0x0C: "System.Single",
    0x0D: "System.Double", 0x0E: "System.String", 0x16: "System.TypedReference",
    0x18: "System.IntPtr", 0x19: "System.UIntPtr", 0x1C: "System.Object",
}


def cu(b, pos):
    """ECMA-335 II.23.2 compressed unsigned int -> (value, new pos)."""
    b0 = b[pos]
    if b0 & 0x80 == 0:
        return b0, pos + 1
    if b0 & 0xC0 == 0x80:
        return ((b0 & 0x3F) << 8) | b[pos + 1], pos + 2
    if b0 & 0xE0 == 0xC0:
        return ((b0 & 0x1F) << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3], pos + 4
    raise ValueError("bad compressed int")


def render_typespec(blob, name_of):
    def tdor(pos):
        v, pos = cu(blob, pos)
        return name_of(v & 3, v >> 2), pos

    def r(pos, depth):
        if depth > 16:
            raise ValueError("deep")
        e = blob[pos]
        pos += 1
        if e in PRIMS:
            return PRIMS[e], pos
        if e in (0x0F, 0x10, 0x1D):
            t, pos = r(pos, depth + 1)
            return t + {0x0F: "*", 0x10: "&", 0x1D: "[]"}[e], pos
        if e in (0x11, 0x12):
            return tdor(pos)
        if e in (0x13, 0x1E):
            v, pos = cu(blob, pos)
            return ("!" if e == 0x13 else "!!") + str(v), pos
        if e == 0x14:
            t, pos = r(pos, depth + 1)
            rank, pos = cu(blob, pos)
            n, pos = cu(blob, pos)
            for _ in range(n):
                _, pos = cu(blob, pos)
            n, pos = cu(blob, pos)
            for _ in range(n):
                _, pos = cu(blob, pos)
            return t + "[" + "," * min(max(rank - 1, 0), 32) + "]", pos
        if e == 0x15:
            if blob[pos] not in (0x11, 0x12):
                raise ValueError("bad genericinst")
            base, pos = tdor(pos + 1)
            n, pos = cu(blob, pos)
            if n == 0 or n > 64:
                raise ValueError("bad arg count")
            args = []
            for _ in range(n):
                a, pos = r(pos, depth + 1)
                args.append(a)
            return base + "<" + ",".join(args) + ">", pos
        if e in (0x1F, 0x20):
            _, pos = tdor(pos)
            return r(pos, depth + 1)
        raise ValueError("unsupported")

    try:
        return r(0, 0)[0]
    except (ValueError, IndexError):
        return "?"


def s(x):
    """dnfile heap item / str -> str."""
    if x is None:
        return ""
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    return str(x)


def blob_bytes(x):
    if x is None:
        return b""
    v = getattr(x, "value", x)
    return bytes(v) if v is not None else b""


def rows(md, name):
    t = getattr(md, name, None)
    return list(t.rows) if t is not None and t.rows else []


def dump(path):
    out = {"path": path, "ok": True, "raised": False, "error": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pe = dnfile.dnPE(path, fast_load=False)
        net = pe.net
        if net is None or net.mdtables is None:
            raise ValueError("no .NET metadata")
        md = net.mdtables
        tdefs = rows(md, "TypeDef")
        trefs = rows(md, "TypeRef")
        tspecs = rows(md, "TypeSpec")
        mdefs = rows(md, "MethodDef")
        mods = rows(md, "ModuleRef")

        enclosing = {}
        for nc in rows(md, "NestedClass"):
            try:
                a, b = nc.NestedClass.row_index, nc.EnclosingClass.row_index
            except AttributeError:
                continue
            if 1 <= a <= len(tdefs) and 1 <= b <= len(tdefs) and a not in enclosing:
                enclosing[a] = b

        def td_full(i):
            parts = [s(tdefs[i - 1].TypeName)]
            cur, seen = i, {i}
            while cur in enclosing:
                p = enclosing[cur]
                if p in seen or len(seen) > 64:
                    break
                seen.add(p)
                parts.append(s(tdefs[p - 1].TypeName))
                cur = p
            ns = s(tdefs[cur - 1].TypeNamespace)
            j = "+".join(reversed(parts))
            return ns + "." + j if ns else j

        td_names = [td_full(i) for i in range(1, len(tdefs) + 1)]

        def tr_full(i):
            parts = [s(trefs[i - 1].TypeName)]
            cur, seen = i, {i}
            while True:
                sc = trefs[cur - 1].ResolutionScope
                if sc is None or sc.table is None or sc.table.name != "TypeRef":
                    break
                p = sc.row_index
                if p in seen or len(seen) > 64 or not (1 <= p <= len(trefs)):
                    break
                seen.add(p)
                parts.append(s(trefs[p - 1].TypeName))
                cur = p
            ns = s(trefs[cur - 1].TypeNamespace)
            j = "+".join(reversed(parts))
            return ns + "." + j if ns else j

        tr_names = [tr_full(i) for i in range(1, len(trefs) + 1)]

        def by_tag(tag, row):
            lst = td_names if tag == 0 else tr_names if tag == 1 else None
            if lst is None or not (1 <= row <= len(lst)):
                return "?"
            return lst[row - 1]

        ts_names = [render_typespec(blob_bytes(t.Signature), by_tag) for t in tspecs]

        def ref_name(ci):
            if ci is None or ci.table is None:
                return ""
            i, t = ci.row_index, ci.table.name
            tables = {"TypeDef": td_names, "TypeRef": tr_names, "TypeSpec": ts_names}
            if t in tables:
                lst = tables[t]
                return lst[i - 1] if 1 <= i <= len(lst) else ""
            if t == "ModuleRef":
                return s(mods[i - 1].Name) if 1 <= i <= len(mods) else ""
            if t == "MethodDef":
                return s(mdefs[i - 1].Name) if 1 <= i <= len(mdefs) else ""
            return ""

        out["typedefs"] = td_names
        out["typerefs"] = tr_names
        impls = []
        for ii in rows(md, "InterfaceImpl"):
            c = ii.Class.row_index if ii.Class is not None else 0
            cls = td_names[c - 1] if 1 <= c <= len(td_names) else ""
            impls.append([cls, ref_name(ii.Interface)])
        out["interface_impls"] = impls
        out["memberrefs"] = [[ref_name(m.Class), s(m.Name)] for m in rows(md, "MemberRef")]
        out["assemblyrefs"] = [s(a.Name) for a in rows(md, "AssemblyRef")]
        pe.close()
    msgs = [str(w.message) for w in caught]
    msgs += [str(w) for w in getattr(pe, "get_warnings", lambda: [])()]
    if msgs:
        out["ok"] = False
        out["error"] = "; ".join(msgs)[:2000]
    return out


def main(argv):
    paths = []
    it = iter(argv)
    for a in it:
        if a == "--list":
            with open(next(it), encoding="utf-8") as f:
                paths += [l.strip() for l in f if l.strip()]
        else:
            paths.append(a)
    for p in paths:
        try:
            o = dump(p)
        except Exception as e:  # one bad file never stops the run
            o = {"path": p, "ok": False, "raised": True, "error": "%s: %s" % (type(e).__name__, e),
                 "trace": traceback.format_exc(limit=3)}
        print(json.dumps(o), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
