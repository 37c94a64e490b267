#!/usr/bin/env python3
"""Cross-checks manifest.json against the metadata of the built .NET samples.

For every non-malformed dotnet/ sample: prints each TypeDef with its flags,
Extends and InterfaceImpls (read with ecma335.py and, when installed, with
dnfile as a second opinion), derives the managed roles and the web.config
type names of the concrete components, and compares them with the manifest's
`roles` and `managed_types`. Exit status 1 on any mismatch.

Derivation rule (same as the one the samples are meant to exercise): a
TypeDef is a component when it is a class (not an interface), not abstract,
and it or a base class defined in the same assembly has an InterfaceImpl to a
TypeRef System.Web.IHttpModule (-> managed_module) or System.Web.IHttpHandler
/ IHttpAsyncHandler / IHttpHandlerFactory (-> managed_handler) whose
resolution scope is the AssemblyRef "System.Web".
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # keep the sample folder free of __pycache__
import ecma335  # noqa: E402
from ecma335 import TABLE_NUMBER as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # samples-synthetic/

ROLE_OF = {
    "System.Web.IHttpModule": "managed_module",
    "System.Web.IHttpHandler": "managed_handler",
    "System.Web.IHttpAsyncHandler": "managed_handler",
    "System.Web.IHttpHandlerFactory": "managed_handler",
}


def interfaces_of(md, row):
    ii = T["InterfaceImpl"]
    return [md.cell(ii, r, "Interface") for r in range(1, md.nrows(ii) + 1) if md.cell(ii, r, "Class") == row]


def web_interfaces(md, row):
    """System.Web interface names implemented by TypeDef row or its in-assembly bases."""
    found = set()
    seen = set()
    while row and row not in seen:
        seen.add(row)
        for coded in interfaces_of(md, row):
            tbl, idx = md.decode("TypeDefOrRef", coded)
            if tbl == T["TypeRef"] and md.typeref_scope(idx) == "System.Web":
                found.add(md.typeref_name(idx))
        tbl, idx = md.decode("TypeDefOrRef", md.cell(T["TypeDef"], row, "Extends"))
        row = idx if tbl == T["TypeDef"] else None
    return found


def analyse(path, verbose=True):
    md = ecma335.load(path)
    roles, types = set(), []
    td = T["TypeDef"]
    for row in range(1, md.nrows(td) + 1):
        flags = md.cell(td, row, "Flags")
        name = md.typedef_name(row)
        ext = md.describe_type(md.cell(td, row, "Extends"))
        ifaces = [md.describe_type(c) for c in interfaces_of(md, row)]
        kind = "interface" if flags & ecma335.TD_INTERFACE else "class"
        mods = [m for m, bit in (("abstract", ecma335.TD_ABSTRACT), ("sealed", ecma335.TD_SEALED)) if flags & bit]
        web = web_interfaces(md, row)
        component = kind == "class" and not flags & ecma335.TD_ABSTRACT and bool(web)
        if component:
            roles |= {ROLE_OF[w] for w in web if w in ROLE_OF}
            types.append(name)
        if verbose:
            print("  TypeDef[%d] %-40s flags=%#07x %s%s" % (row, name, flags, kind, "".join(" " + m for m in mods)))
            print("      extends    %s" % ext)
            for i in ifaces:
                print("      implements %s" % i)
            if component:
                print("      => component: %s" % ", ".join(sorted(web)))
    return md, roles, sorted(types)


def dnfile_view(path):
    try:
        import dnfile
    except ImportError:
        return None
    pe = dnfile.dnPE(path)
    t = pe.net.mdtables
    out = []
    for i, r in enumerate(t.TypeDef.rows, 1):
        ext = r.Extends
        e = "%s[%d]" % (ext.table.name, ext.row_index) if ext is not None and ext.table is not None and ext.row_index else "(none)"
        ifs = ["%s[%d]" % (x.Interface.table.name, x.Interface.row_index)
               for x in (t.InterfaceImpl.rows if t.InterfaceImpl else []) if x.Class.row_index == i]
        out.append((i, str(r.TypeNamespace), str(r.TypeName), e, ifs))
    pe.close()
    return out


def main():
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    failures = 0
    for s in manifest["samples"]:
        if s.get("malformed"):
            continue
        path = os.path.join(ROOT, s["path"])
        print("== %s" % s["path"])
        md, roles, types = analyse(path)
        dn = dnfile_view(path)
        if dn is not None:
            for i, ns, name, e, ifs in dn:
                # second opinion: dnfile's Extends / InterfaceImpl targets must agree with ecma335.py
                mine_e = md.decode("TypeDefOrRef", md.cell(T["TypeDef"], i, "Extends"))
                mine_e = "%s[%d]" % (ecma335.TABLES[mine_e[0]][0], mine_e[1]) if mine_e[1] else "(none)"
                mine_i = ["%s[%d]" % (ecma335.TABLES[a][0], b)
                          for a, b in (md.decode("TypeDefOrRef", c) for c in interfaces_of(md, i))]
                if (mine_e, mine_i) != (e, ifs):
                    print("  !! dnfile disagrees on TypeDef[%d] %s.%s: %s %s vs %s %s" % (i, ns, name, e, ifs, mine_e, mine_i))
                    failures += 1
            print("  dnfile agrees on %d TypeDefs" % len(dn))
        want_roles = set(s.get("roles", []))
        want_types = sorted(s.get("managed_types", []))
        ok = roles == want_roles and types == want_types
        print("  derived roles=%s types=%s -> %s" % (sorted(roles), types, "OK" if ok else "MISMATCH (manifest roles=%s types=%s)" % (sorted(want_roles), want_types)))
        if not ok:
            failures += 1
        us = md.user_strings()
        if us:
            print("  #US: %s" % us)
    print("failures: %d" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
