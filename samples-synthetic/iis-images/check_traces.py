#!/usr/bin/env python3
"""Check signatures/traces.yar against the install traces in manifest.json.

For every image in samples-synthetic/iis-images/manifest.json this scans the
image's script files (*.ps1, *.bat, *.cmd and PSReadLine
ConsoleHost_history.txt) with `yr scan --print-strings` and the trace rules,
turns every match offset into a 1-based line number (rule `trace_<kind>` ->
kind) and compares the set of (path, line, kind) with the image's `traces`:
every expected trace must be found and no other may be reported. Files listed
in `not_traces` must produce no match at all. A match may not span a line.

Before that it compiles the rule file (`yr compile`; any warning fails) and
scans a built-in table of command lines (positives per kind and benign
negatives) so that the rules are checked beyond the sample strings.

Exit status 0 when everything agrees, 1 with a listing otherwise.

    python3 samples-synthetic/iis-images/check_traces.py [--yr PATH] [--rules PATH]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)  # samples-synthetic/
REPO = os.path.dirname(SAMPLES)
DEFAULT_RULES = os.path.join(REPO, "signatures", "traces.yar")
SCRIPT_EXTS = (".ps1", ".bat", ".cmd")
HISTORY_NAME = "consolehost_history.txt"
PREFIX = "trace_"
# manifest trace kinds (README "manifest.json"), plus the optional module_removed
KINDS = {
    "appcmd_install_module", "appcmd_add_module", "new_webglobalmodule",
    "enable_webglobalmodule", "gacutil_install", "enterpriseservices_publish",
    "logging_disabled", "module_removed",
}

# (kind or None, one line of script text). None: no trace rule may fire.
# Generalisation cases beyond the sample strings; every positive must be
# reported as exactly its kind on line 1, every negative must not match.
SELFTEST = [
    # appcmd install module
    ("appcmd_install_module", r'appcmd install module /name:Foo /image:C:\x\foo.dll'),
    ("appcmd_install_module", r'"C:\Windows\System32\inetsrv\appcmd.exe"  INSTALL   MODULE -name:Foo -image:"C:\x y\foo.dll" /add:false'),
    ("appcmd_install_module", r"& 'C:\Windows\system32\inetsrv\APPCMD.EXE' install module /name:Foo /image:%TEMP%\f.dll"),
    ("appcmd_install_module", r'& $appcmd install module /name:Foo /image:C:\x\foo.dll'),
    ("appcmd_install_module", r'%APPCMD% install module /name:Foo /image:C:\x\foo.dll'),
    # appcmd add module / set config /+ on module sections / PowerShell equivalents
    ("appcmd_add_module", r'appcmd add module /name:Foo /type:"Ns.Foo, Foo"'),
    ("appcmd_add_module", r'C:\Windows\System32\inetsrv\appcmd.exe ADD MODULE -name:Foo -app.name:"Default Web Site/"'),
    ("appcmd_add_module", r"""appcmd set config -section:system.webServer/globalModules /+"[name='Foo',image='C:\x\foo.dll']" /commit:apphost"""),
    ("appcmd_add_module", r"""appcmd.exe set config "Default Web Site" /section:modules /+[name='Foo',type='Ns.Foo']"""),
    ("appcmd_add_module", r"""appcmd set config /+"[name='Foo',image='C:\x\foo.dll']" /section:globalModules"""),
    ("appcmd_add_module", r"""New-WebManagedModule -Name Foo -Type 'Ns.Foo, Foo' -PSPath 'IIS:\Sites\Default Web Site'"""),
    ("appcmd_add_module", r"""Add-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter 'system.webServer/modules' -Name '.' -Value @{name='Foo';type='Ns.Foo'}"""),
    # gacutil
    ("gacutil_install", r'gacutil /i Foo.dll'),
    ("gacutil_install", r'"C:\Program Files (x86)\Microsoft SDKs\Windows\v10.0A\bin\NETFX 4.8 Tools\gacutil.exe" /nologo /if "C:\x\Foo.dll"'),
    ("gacutil_install", r'gacutil.exe -i C:\x\Foo.dll'),
    ("gacutil_install", r"Start-Process gacutil.exe -ArgumentList '/i C:\x\Foo.dll' -Wait"),
    # PowerShell WebAdministration
    ("new_webglobalmodule", r"New-WebGlobalModule -Name Foo -Image 'C:\x\foo.dll' -Precondition 'bitness64'"),
    ("new_webglobalmodule", r"new-webglobalmodule Foo C:\x\foo.dll"),
    ("new_webglobalmodule", r"Set-WebGlobalModule -Name Foo -Image C:\x\bar.dll"),
    ("new_webglobalmodule", r"""Add-WebConfiguration -Filter /system.webServer/globalModules -PSPath IIS:\ -Value @{name='Foo';image='C:\x\foo.dll'}"""),
    ("enable_webglobalmodule", r"Enable-WebGlobalModule Foo -PSPath 'IIS:\Sites\Default Web Site'"),
    # System.EnterpriseServices.Internal.Publish
    ("enterpriseservices_publish", r"""(New-Object System.EnterpriseServices.Internal.Publish).GacInstall("C:\x\Foo.dll")"""),
    ("enterpriseservices_publish", r"""[System.EnterpriseServices.Internal.Publish]::new().GacInstall('C:\x\Foo.dll')"""),
    ("enterpriseservices_publish", r"""$publish.GacInstall("C:\x\Foo.dll")"""),
    # logging off
    ("logging_disabled", r'appcmd set config /section:httpLogging /dontLog:true'),
    ("logging_disabled", r'"%windir%\system32\inetsrv\appcmd" set config "Default Web Site" -section:system.webServer/httpLogging -dontLog:"True" /commit:apphost'),
    ("logging_disabled", r'appcmd set site "Default Web Site" /logFile.enabled:false'),
    ("logging_disabled", r'appcmd set config -section:system.applicationHost/sites -siteDefaults.logFile.enabled:"False" /commit:apphost'),
    ("logging_disabled", r'appcmd set config -section:system.applicationHost/sites -siteDefaults.logFile.logTargetW3C:"File" /commit:apphost'),
    ("logging_disabled", r'appcmd set config -section:sites -siteDefaults.logFile.logTargetW3C:ETW'),
    ("logging_disabled", r"""appcmd set config /section:system.webServer/modules /-"[name='HttpLoggingModule']" """),
    ("logging_disabled", r'appcmd uninstall module HttpLoggingModule'),
    ("logging_disabled", r"Set-WebConfigurationProperty -Filter system.webServer/httpLogging -PSPath IIS:\ -Name dontLog -Value True"),
    ("logging_disabled", r"Set-WebConfigurationProperty -PSPath IIS:\ -Filter system.webServer/httpLogging -Value $true -Name dontLog"),
    ("logging_disabled", r"Set-WebConfiguration -Filter system.webServer/httpLogging -PSPath IIS:\ -Value @{dontLog=$true}"),
    ("logging_disabled", r"""Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter 'system.applicationHost/sites/siteDefaults/logFile' -Name 'enabled' -Value 'False'"""),
    ("logging_disabled", r"""Set-ItemProperty 'IIS:\Sites\Default Web Site' -Name logFile.enabled -Value $false"""),
    ("logging_disabled", r"""Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter 'system.applicationHost/sites/siteDefaults/logFile' -Name 'logTargetW3C' -Value 'File'"""),
    ("logging_disabled", r"Remove-WebGlobalModule -Name HttpLoggingModule"),
    # benign: listing, reading, removing, re-enabling logging
    (None, r'%windir%\system32\inetsrv\appcmd.exe list modules'),
    (None, r'appcmd list modules /app.name:"Default Web Site/"'),
    (None, r'appcmd list sites'),
    (None, r'appcmd list config /section:globalModules'),
    (None, r'appcmd list config /section:httpLogging'),
    (None, r'appcmd uninstall module Foo'),
    (None, r'appcmd delete module Foo /app.name:"Default Web Site/"'),
    (None, r"""appcmd set config /section:globalModules /-"[name='Foo']" """),
    (None, r'appcmd set config /section:httpLogging /dontLog:False'),
    (None, r'appcmd set site "Default Web Site" /logFile.enabled:true'),
    (None, r'appcmd set config -section:sites -siteDefaults.logFile.logTargetW3C:"File,ETW" /commit:apphost'),
    (None, r'Get-WebGlobalModule | Select-Object Name, Image'),
    (None, r'Get-WebGlobalModule -Name Foo'),
    (None, r'Remove-WebGlobalModule -Name Foo'),
    (None, r'Disable-WebGlobalModule -Name Foo'),
    (None, r'Get-WebManagedModule'),
    (None, r'Get-WebConfiguration -Filter system.webServer/globalModules/add'),
    (None, r'Get-WebConfigurationProperty -Filter system.webServer/httpLogging -Name dontLog'),
    (None, r'Set-WebConfigurationProperty -Filter system.webServer/httpLogging -PSPath IIS:\ -Name dontLog -Value $false'),
    (None, r"Remove-WebConfigurationProperty -PSPath IIS:\ -Filter system.webServer/modules -Name . -AtElement @{name='Foo'}"),
    (None, r'gacutil /l System.Web | findstr /i Foo'),
    (None, r'gacutil /u Foo'),
    (None, r'gacutil /l'),
    (None, r'[System.Reflection.Assembly]::Load("System.EnterpriseServices, Version=4.0.0.0")'),
    (None, r'Install-WindowsFeature Web-Server -IncludeManagementTools'),
    (None, r'Install-Module WebAdministration'),
    (None, r'Copy-Item .\bin\*.dll C:\inetpub\wwwroot\bin -Force'),
]


def fail_list(title, items):
    print(f"{title}:")
    for it in items:
        print(f"  {it}")


def is_script(name):
    low = name.lower()
    return low.endswith(SCRIPT_EXTS) or low == HISTORY_NAME


def line_of(data, offset):
    """1-based line of a byte offset; UTF-16 with a BOM is decoded first."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        text = data[2 : offset - (offset % 2)].decode(enc, errors="replace")
        return text.count("\n") + 1
    return data.count(b"\n", 0, offset) + 1


def unescape(text):
    r"""Bytes of a match as yr prints it (Rust escape_ascii: \\ \n \r \t \' \" \xNN)."""
    out = bytearray()
    i = 0
    simple = {"\\": 0x5C, "n": 0x0A, "r": 0x0D, "t": 0x09, "'": 0x27, '"': 0x22}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "x" and i + 3 < len(text):
                out.append(int(text[i + 2 : i + 4], 16))
                i += 4
                continue
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
        out.extend(c.encode("utf-8"))
        i += 1
    return bytes(out)


def compile_rules(yr, rules):
    """yr compile; returns a list of problems (errors or warnings)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "traces.yarc")
        p = subprocess.run([yr, "compile", "-o", out, rules], capture_output=True, text=True)
    problems = []
    text = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        problems.append(f"yr compile exited {p.returncode}")
    if text:
        problems.append("yr compile printed:\n" + text)
    return problems


def scan(yr, rules, files):
    """Scan `files` (absolute paths); returns {path: [(rule, string_id, offset, match)]}."""
    hits = {f: [] for f in files}
    if not files:
        return hits
    p = subprocess.run(
        [yr, "scan", "--print-strings=100000", "--output-format=ndjson",
         "--disable-console-logs", "--scan-list", rules, "-"],
        input="\n".join(files) + "\n", capture_output=True, text=True,
    )
    if p.returncode != 0:
        sys.exit(f"yr scan failed ({p.returncode}):\n{p.stderr}")
    for raw in p.stdout.splitlines():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        rec = json.loads(raw)
        path = os.path.abspath(rec["path"])
        for rule in rec.get("rules", []):
            for s in rule.get("strings", []):
                hits.setdefault(path, []).append(
                    (rule["identifier"], s["identifier"], s["offset"], unescape(s.get("match", ""))))
    return hits


def traces_of(path, file_hits, problems, rel):
    """(line, kind) set of one file; records matches that span lines or are not trace rules."""
    with open(path, "rb") as fh:
        data = fh.read()
    out = set()
    for rule, sid, off, match in file_hits:
        if not rule.startswith(PREFIX) or rule[len(PREFIX):] not in KINDS:
            problems.append(f"{rel}: rule {rule} is not trace_<kind> with a known kind")
        if data[off : off + len(match)] != match:
            problems.append(f"{rel}: {rule} {sid} at offset {off}: printed match {match!r} is not the file's bytes")
        core = match
        for end in (b"\r\x00\n\x00", b"\n\x00", b"\r\x00", b"\r\n", b"\n", b"\r"):
            if core.endswith(end):
                core = core[: -len(end)]
                break
        if b"\n" in core:
            # a pattern may end on the line terminator (e.g. `File` then \n), never cross it
            problems.append(f"{rel}: {rule} {sid} at offset {off} spans a line: {match!r}")
        out.add((line_of(data, off), rule[len(PREFIX):]))
    return out


def selftest(yr, rules):
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, (kind, text) in enumerate(SELFTEST):
            # a leading line checks the line arithmetic, CRLF like the samples
            f = os.path.join(tmp, f"case{i:03d}.ps1")
            with open(f, "wb") as fh:
                fh.write(b"# case\r\n" + text.encode("utf-8") + b"\r\nexit\r\n")
            files.append(f)
        # the same positives in UTF-16LE with a BOM (PowerShell 5 Out-File)
        wide = []
        for i, (kind, text) in enumerate(SELFTEST):
            if kind is None:
                continue
            f = os.path.join(tmp, f"wide{i:03d}.ps1")
            with open(f, "wb") as fh:
                fh.write(b"\xff\xfe" + ("# case\r\n" + text + "\r\nexit\r\n").encode("utf-16-le"))
            wide.append((f, kind, text))
        # and LF-only line ends (a pattern may end on the \n, the line is still 2)
        for i, (kind, text) in enumerate(SELFTEST):
            if kind is None:
                continue
            f = os.path.join(tmp, f"lf{i:03d}.ps1")
            with open(f, "wb") as fh:
                fh.write(("# case\n" + text + "\nexit\n").encode("utf-8"))
            wide.append((f, kind, text))
        hits = scan(yr, rules, files + [w[0] for w in wide])
        for f, (kind, text) in zip(files, SELFTEST):
            got = traces_of(f, hits.get(f, []), problems, os.path.basename(f))
            want = set() if kind is None else {(2, kind)}
            if got != want:
                problems.append(f"self-test {text!r}: expected {sorted(want)}, got {sorted(got)}")
        for f, kind, text in wide:
            got = traces_of(f, hits.get(f, []), problems, os.path.basename(f))
            if got != {(2, kind)}:
                form = "UTF-16LE" if os.path.basename(f).startswith("wide") else "LF"
                problems.append(f"self-test {form} {text!r}: expected [(2, {kind!r})], got {sorted(got)}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--yr", default=shutil.which("yr") or "/root/.cargo/bin/yr")
    ap.add_argument("--rules", default=DEFAULT_RULES)
    ap.add_argument("--manifest", default=os.path.join(HERE, "manifest.json"))
    args = ap.parse_args()

    ok = True
    problems = compile_rules(args.yr, args.rules)
    if problems:
        ok = False
        fail_list("COMPILE", problems)
    else:
        print(f"compile: {os.path.relpath(args.rules, REPO)} compiles without warnings")

    problems = selftest(args.yr, args.rules)
    npos = sum(1 for k, _ in SELFTEST if k)
    if problems:
        ok = False
        fail_list("SELF-TEST", problems)
    else:
        print(f"self-test: {npos} positive (CRLF, LF and UTF-16LE) and {len(SELFTEST) - npos} benign command lines as expected")

    with open(args.manifest, encoding="utf-8") as fh:
        manifest = json.load(fh)

    total_expected = total_found = 0
    for image in manifest["images"]:
        root_rel = image["root"]
        root = os.path.join(SAMPLES, root_rel)
        expected = {(t["path"], t["line"], t["kind"]) for t in image.get("traces", [])}
        not_traces = list(image.get("not_traces", []))
        scripts = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for n in sorted(filenames):
                full = os.path.join(dirpath, n)
                if is_script(n) and os.path.isfile(full) and not os.path.islink(full):
                    scripts.append(os.path.abspath(full))
        rel_of = {f: os.path.relpath(f, root).replace(os.sep, "/") for f in scripts}
        listed = {p for p, _, _ in expected} | set(not_traces)
        problems = []
        for p in sorted(listed):
            if not os.path.isfile(os.path.join(root, p)):
                problems.append(f"listed in the manifest but not on disk: {p}")
            elif p not in rel_of.values():
                problems.append(f"listed in the manifest but not a script file name: {p}")

        hits = scan(args.yr, args.rules, scripts)
        found = set()
        for f in scripts:
            for line, kind in traces_of(f, hits.get(f, []), problems, rel_of[f]):
                found.add((rel_of[f], line, kind))

        missing = sorted(expected - found)
        extra = sorted(found - expected)
        not_hit = sorted(t for t in found if t[0] in not_traces)
        unlisted = sorted(set(rel_of.values()) - listed)
        total_expected += len(expected)
        total_found += len(found & expected)

        status = "ok" if not (missing or extra or problems) else "MISMATCH"
        print(f"{root_rel}: {len(scripts)} script(s), {len(expected)} expected trace(s), "
              f"{len(found)} found, {len(not_traces)} not_traces -> {status}")
        for p, line, kind in sorted(found & expected):
            print(f"    found    {p}:{line} {kind}")
        if unlisted:
            for p in unlisted:
                print(f"    note     {p}: script in neither traces nor not_traces")
        if missing or extra or problems:
            ok = False
            for t in missing:
                print(f"    MISSING  {t[0]}:{t[1]} {t[2]}")
            for t in extra:
                tag = "NOT_TRACE" if t in not_hit else "EXTRA   "
                print(f"    {tag} {t[0]}:{t[1]} {t[2]}")
            for p in problems:
                print(f"    PROBLEM  {p}")

    print(f"total: {total_found}/{total_expected} expected traces found")
    if not ok:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
