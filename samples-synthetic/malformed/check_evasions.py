#!/usr/bin/env python3
"""Measure what other readers make of the evasion fixtures.

Reads evasions.json (written by make_evasions.py), and for every fixture
records, when the tool is present:
  - pefile: exports, export DLL name, imports, delay imports, imphash,
    version strings; pefile_agrees = same role exports / DLL name / import
    list / delay list / version strings as the loader's view in evasions.json;
  - dnfile (.NET): stream order, which heaps dnfile uses, the types it sees
    implementing System.Web.IHttpModule;
  - mono (.NET): monodis --interface, and clrcheck.exe (reflection-only load);
  - Wine (x64 native): loadcheck.exe with DONT_RESOLVE_DLL_REFERENCES, then
    with LoadLibraryA (-r) and -v (version resource);
  - the pre-fix iisweep at /tmp/iisweep-base (scan --report-all, inspect).
Writes evasions_observed.json, then re-runs make_evasions.py so that
evasions.json carries the observations. Nothing here changes a fixture.

    python3 samples-synthetic/malformed/check_evasions.py
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WINE = shutil.which("wine64") or ("/usr/lib/wine/wine64" if os.path.exists("/usr/lib/wine/wine64") else None)
BASE = "/tmp/iisweep-base"
CLRCHECK = "/tmp/clrcheck/clrcheck.exe"
# winedbg disabled: an unhandled fault inside the loader ends the process instead of waiting in the debugger
ENV = dict(os.environ, WINEDEBUG="-all", WINEDLLOVERRIDES="winedbg.exe=d",
           WINEPREFIX=os.environ.get("WINEPREFIX", "/tmp/wineprefix-evasions"))


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=ENV, cwd=ROOT)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout"


def dec(b):
    return b.decode("latin-1") if isinstance(b, bytes) else b


def pefile_view(path, e):
    import pefile
    v = {}
    try:
        pe = pefile.PE(path)
    except Exception as ex:  # noqa: BLE001
        return {"error": str(ex)}
    exp = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    v["dll_name"] = dec(exp.name) if exp and exp.name else None
    v["exports"] = [{"name": dec(s.name), "ordinal": s.ordinal} for s in exp.symbols if s.name] if exp else []
    v["imports"] = [{"dll": dec(i.dll), "functions": [dec(x.name) if x.name else "ord%d" % x.ordinal
                                                        for x in i.imports]}
                    for i in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    v["delay_imports"] = [{"dll": dec(i.dll), "functions": [dec(x.name) if x.name else "ord%d" % x.ordinal
                                                              for x in i.imports]}
                          for i in getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", [])]
    v["imphash"] = pe.get_imphash() or None
    vi = {}
    for fi in getattr(pe, "FileInfo", []) or []:
        for entry in fi:
            for st in getattr(entry, "StringTable", []) or []:
                for k, val in st.entries.items():
                    vi.setdefault(dec(k), dec(val))
    if vi:
        v["version_info"] = vi
    v["warnings"] = [w for w in pe.get_warnings() if "0x00 makes up" not in w][:4]
    return v


def agrees(e, v):
    if "error" in v:
        return False
    want = {x["name"]: x["ordinal"] for x in e.get("exports", [])}
    got = {x["name"]: x["ordinal"] for x in v["exports"] if x["name"] in want}
    ok = want == got
    if e.get("dll_name") is not None:
        ok = ok and v["dll_name"] == e["dll_name"]
    if "imports" in e:
        ok = ok and [(i["dll"], i["functions"]) for i in v["imports"]] == [(i["dll"], i["functions"]) for i in e["imports"]]
    if "delay_imports" in e:
        ok = ok and [(i["dll"], i["functions"]) for i in v["delay_imports"]] == [(i["dll"], i["functions"]) for i in e["delay_imports"]]
    if "version_info" in e:
        vi = v.get("version_info") or {}
        ok = ok and all(vi.get(k) == val for k, val in e["version_info"].items())
    return ok


def dnfile_view(path):
    import dnfile
    pe = dnfile.dnPE(path)
    out = {}
    try:
        md = pe.net.metadata
        out["streams"] = [dec(s.struct.Name).rstrip("\0") for s in md.streams_list]
        t = pe.net.mdtables
        names = []
        for ii in (t.InterfaceImpl.rows if t and t.InterfaceImpl else []):
            cls = ii.Class.row
            itf = ii.Interface.row
            nm = "%s.%s" % (cls.TypeNamespace, cls.TypeName)
            inm = "%s.%s" % (getattr(itf, "TypeNamespace", ""), getattr(itf, "TypeName", ""))
            names.append({"type": nm, "implements": inm})
        out["interface_impls"] = names
        out["managed_modules"] = [x["type"] for x in names if x["implements"] == "System.Web.IHttpModule"]
        out["warnings"] = [w for w in pe.get_warnings()][:3]
    except Exception as ex:  # noqa: BLE001
        out["error"] = "%s: %s" % (type(ex).__name__, ex)
    finally:
        pe.close()
    return out


def wine_view(rel):
    if not WINE:
        return None
    res = {}
    for mode, args in (("dont_resolve", []), ("resolve", ["-r", "-v"])):
        rc, out, err = run([WINE, "malformed/loadcheck.exe"] + args + [rel])
        line = next((l for l in out.splitlines() if l.startswith("{")), None)
        try:
            crash = [l for l in err.splitlines() if "nhandled" in l or "fault" in l] or err.strip().splitlines() or ["no output"]
            res[mode] = json.loads(line) if line else {"loaded": None, "crash": crash[0][:200]}
        except ValueError:
            res[mode] = {"loaded": None, "raw": line[:300]}
    return res


def base_view(rel):
    if not os.path.exists(BASE):
        return None
    rc, out, err = run([BASE, "scan", "--format", "ndjson", "--report-all", rel])
    recs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    rc2, out2, err2 = run([BASE, "inspect", "--json", rel])
    try:
        insp = json.loads(out2)
    except ValueError:
        insp = {"raw": out2[:500], "stderr": err2[:300]}
    return {"scan": recs, "inspect": insp, "scan_rc": rc, "inspect_rc": rc2}


def summarize_base(b):
    """One line: roles, exports, errors, version info."""
    if b is None:
        return None
    parts = []
    rec = b["scan"][0] if b["scan"] else {}
    iis = rec.get("iisweep", {})
    parts.append("roles=%s" % json.dumps(iis.get("roles", rec.get("roles"))))
    pe = (b["inspect"].get("file") or {}).get("pe") if isinstance(b["inspect"], dict) else None
    ipe = (b["inspect"].get("iisweep") or {}).get("pe") if isinstance(b["inspect"], dict) else None
    src = ipe or pe or {}
    ex = src.get("exports") or {}
    if ex:
        parts.append("dll_name=%r exports=%s" % (ex.get("dll_name") or ex.get("name"),
                                                [x.get("name") for x in (ex.get("exports") or [])][:6]))
    if src.get("imports") is not None:
        parts.append("imports=%s" % [(i.get("dll"), [f.get("name") or f.get("ordinal") for f in i.get("functions", [])])
                                     for i in src.get("imports", [])])
    if src.get("delay_imports"):
        parts.append("delay=%s" % [(i.get("dll"), [f.get("name") for f in i.get("functions", [])])
                                   for i in src.get("delay_imports", [])])
    if src.get("version_info"):
        parts.append("version_info=%s" % json.dumps(src["version_info"]))
    errs = src.get("errors") or []
    if errs:
        parts.append("errors=%s" % json.dumps(errs[:3]))
    dn = (b["inspect"].get("iisweep") or {}).get("dotnet") if isinstance(b["inspect"], dict) else None
    if dn:
        parts.append("dotnet components=%s errors=%s" % (
            json.dumps([c.get("type_name") for c in dn.get("components") or []]), json.dumps((dn.get("errors") or [])[:3])))
    return "; ".join(parts)


def main():
    with open(os.path.join(HERE, "evasions.json")) as f:
        samples = json.load(f)["samples"]
    observed = {}
    raw = {}
    for e in samples:
        rel = e["path"]
        path = os.path.join(ROOT, rel)
        o = {}
        try:
            v = pefile_view(path, e)
            o["pefile_view"] = v
            o["pefile_agrees"] = agrees(e, v)
            if "imports" in e:
                o["pefile_imphash"] = v.get("imphash")
                o["imphash"] = v.get("imphash") if o["pefile_agrees"] else None
        except ImportError:
            pass
        if rel.startswith("dotnet/"):
            o.pop("pefile_agrees", None)  # pefile has no metadata view; dnfile's is the comparison
            o.pop("pefile_view", None)
            try:
                o["dnfile_view"] = dnfile_view(path)
                o["dnfile_agrees"] = o["dnfile_view"].get("managed_modules") == e.get("managed_types")
            except ImportError:
                pass
            mv = {}
            if shutil.which("monodis"):
                rc, out, err = run(["monodis", "--interface", rel])
                mv["monodis_interface"] = [l for l in out.splitlines() if "implements" in l]
            if os.path.exists(CLRCHECK) and shutil.which("mono"):
                rc, out, err = run(["mono", CLRCHECK, rel])
                line = next((l for l in out.splitlines() if l.startswith("{")), None)
                mv["clrcheck"] = json.loads(line) if line else {"raw": out[:300]}
            o["mono_view"] = mv
            o["wine_loads"] = None
            o["wine_resolves"] = []
            o["wine_note"] = "not run under Wine (no wine-mono here); mono_view is the runtime check"
        elif "_x86_" in rel:
            o["wine_loads"] = None
            o["wine_resolves"] = []
            o["wine_note"] = "not run: this machine has only 64-bit Wine (wine32 missing)"
        else:
            w = wine_view(rel)
            if w is not None:
                dr, rs = w["dont_resolve"], w["resolve"]
                o["wine_loads"] = bool(dr.get("loaded"))
                o["wine_resolves"] = dr.get("resolves", [])
                o["wine_loadlibrary"] = rs
                note = []
                if rs.get("loaded") is None:
                    note.append("LoadLibraryA (imports resolved) crashed Wine's loader: %s" % rs.get("crash"))
                elif rs.get("loaded") is False:
                    note.append("LoadLibraryA failed too (error %s)" % rs.get("error"))
                if "import_descriptors" in rs:
                    note.append("descriptors the loader filled: %s" % [d["name"] for d in rs["import_descriptors"]
                                                                         if d.get("iat_resolved")])
                if rs.get("version_info") is not None:
                    note.append("VerQueryValueA: %s" % json.dumps(rs["version_info"]))
                o["wine_note"] = "; ".join(note)
        b = base_view(rel)
        if b is not None:
            raw[rel] = b
            o["iisweep_base_sees"] = summarize_base(b)
        observed[rel] = o
        print(rel, "pefile_agrees=%s" % o.get("pefile_agrees"), "wine=%s" % o.get("wine_loads"),
              "| base:", o.get("iisweep_base_sees"))
    with open(os.path.join(HERE, "evasions_observed.json"), "w") as f:
        json.dump(observed, f, indent=2, sort_keys=True)
        f.write("\n")
    with open("/tmp/evasions_base_raw.json", "w") as f:
        json.dump(raw, f, indent=1)
    subprocess.run([sys.executable, os.path.join(HERE, "make_evasions.py")], check=True)


if __name__ == "__main__":
    main()
