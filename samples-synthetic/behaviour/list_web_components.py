#!/usr/bin/env python3
"""List the managed IIS components (System.Web IHttpModule / IHttpHandler /
IHttpAsyncHandler / IHttpHandlerFactory implementers) in .NET assemblies.

Usage: list_web_components.py [--json] PATH...   (files or directories)

A TypeDef counts when one of its InterfaceImpl rows names one of the four
System.Web interfaces (as a TypeRef, or as a TypeDef when the assembly is
System.Web itself), or when it extends, inside the same assembly, a TypeDef
that counts. Abstract types and interfaces are reported with a flag (IIS
cannot instantiate them). Classes that derive only from a System.Web base
type in another assembly (e.g. System.Web.UI.Page) are listed separately as
`inherits_external`: they are handlers only if the analyzer follows base
classes across assemblies.

Needs the python package dnfile.
"""
import json
import os
import sys

import dnfile

IFACES = {
    "IHttpModule": "managed_module",
    "IHttpHandler": "managed_handler",
    "IHttpAsyncHandler": "managed_handler",
    "IHttpHandlerFactory": "managed_handler_factory",
}
EXTERNAL_WEB_BASES = {
    ("System.Web.UI", "Page"), ("System.Web.UI", "UserControl"),
    ("System.Web.Services", "WebService"), ("System.Web", "HttpApplication"),
}

def _name(row):
    ns = str(row.TypeNamespace or "")
    return ns, str(row.TypeName or "")


def _resolve(tables, coded):
    """(table, ns, name) of a TypeDefOrRef coded index."""
    if coded is None or coded.row is None:
        return None
    t = type(coded.table).__name__
    row = coded.row
    if t == "TypeRef":
        ns, n = _name(row)
        return ("TypeRef", ns, n)
    if t == "TypeDef":
        ns, n = _name(row)
        return ("TypeDef", ns, n)
    return (t, "", "")


def _full(tdefs, idx):
    """web.config name of TypeDef row idx (1-based), with Outer+Inner."""
    row = tdefs[idx - 1]
    ns, n = _name(row)
    return (ns + "." if ns else "") + n


def analyse(path):
    try:
        pe = dnfile.dnPE(path, fast_load=False)
    except Exception as e:  # not PE
        return {"path": path, "error": str(e)}
    if pe.net is None or pe.net.mdtables is None:
        pe.close()
        return None
    md = pe.net.mdtables
    tdefs = list(md.TypeDef.rows) if md.TypeDef else []
    nested = {}
    if md.NestedClass:
        for r in md.NestedClass.rows:
            nested[r.NestedClass.row_index] = r.EnclosingClass.row_index

    def fullname(i):
        parts = []
        while True:
            ns, n = _name(tdefs[i - 1])
            parts.append(n)
            if i in nested:
                i = nested[i]
                continue
            if ns:
                parts[-1] = ns + "." + parts[-1]
            break
        return "+".join(reversed(parts))

    direct = {}  # td index -> set(role)
    if md.InterfaceImpl:
        for r in md.InterfaceImpl.rows:
            cls = r.Class.row_index
            res = _resolve(md, r.Interface)
            if not res:
                continue
            _, ns, n = res
            if ns == "System.Web" and n in IFACES:
                direct.setdefault(cls, set()).add(IFACES[n])
    # same-assembly inheritance
    extends = {}
    ext_bases = {}
    for i, row in enumerate(tdefs, 1):
        res = _resolve(md, row.Extends)
        if not res:
            continue
        if res[0] == "TypeDef" and row.Extends.row_index:
            extends[i] = row.Extends.row_index
        elif res[0] == "TypeRef" and (res[1], res[2]) in EXTERNAL_WEB_BASES:
            ext_bases[i] = res[1] + "." + res[2]
    roles = {}
    for i in range(1, len(tdefs) + 1):
        seen = set()
        j = i
        acc = set()
        while j and j not in seen:
            seen.add(j)
            acc |= direct.get(j, set())
            j = extends.get(j)
        if acc:
            roles[i] = acc
    comps = []
    for i, rs in sorted(roles.items()):
        fl = tdefs[i - 1].Flags
        comps.append({
            "type": fullname(i),
            "roles": sorted(rs),
            "abstract": bool(fl.tdAbstract),
            "interface": bool(fl.tdInterface),
            "public": bool(fl.tdPublic or fl.tdNestedPublic),
            "direct": i in direct,
        })
    inh = []
    for i, base in sorted(ext_bases.items()):
        if i not in roles:
            inh.append({"type": fullname(i), "base": base})
    pe.close()
    return {"path": path, "components": comps, "inherits_external": inh}


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, fs in os.walk(p):
                for f in sorted(fs):
                    if f.lower().endswith((".dll", ".exe")):
                        fp = os.path.join(d, f)
                        if not os.path.islink(fp):
                            yield fp
        else:
            yield p


def main(argv):
    as_json = "--json" in argv
    paths = [a for a in argv if a != "--json"]
    out = []
    for fp in walk(paths):
        r = analyse(fp)
        if r is None or (not r.get("components") and not r.get("inherits_external") and "error" not in r):
            continue
        out.append(r)
    if as_json:
        json.dump(out, sys.stdout, indent=1)
        print()
        return
    for r in out:
        if "error" in r:
            continue
        cs = [c for c in r["components"] if not c["interface"]]
        if not cs and not r["inherits_external"]:
            continue
        print(r["path"])
        for c in cs:
            fl = []
            if c["abstract"]:
                fl.append("abstract")
            if not c["public"]:
                fl.append("non-public")
            print("   %-70s %s %s" % (c["type"], ",".join(c["roles"]), " ".join(fl)))
        for c in r["inherits_external"]:
            print("   %-70s (extends %s)" % (c["type"], c["base"]))


if __name__ == "__main__":
    main(sys.argv[1:])
