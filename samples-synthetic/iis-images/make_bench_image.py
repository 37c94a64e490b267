#!/usr/bin/env python3
"""Builds a large mock IIS image for the benchmark (run time only; its output is never committed).

    python3 make_bench_image.py DEST [--webconfigs N] [--sites S] [--modules M] [--wine DIR]

DEST/Windows/System32 gets one symlink per file of the wine64 PE DLL tree
(default /usr/lib/x86_64-linux-gnu/wine/x86_64-windows), so the DLLs are real
PE files but cost no disk space. DEST/Windows/System32/inetsrv/config/
applicationHost.config registers M of those DLLs as global modules (default:
every .dll, sorted), enables them server-wide, and declares S sites with N
applications in total; every application folder gets a web.config that adds,
removes and re-adds modules and maps one handler, so a reader has to merge N
configuration files. Deterministic for given arguments. Stdlib only.

The directories inetsrv/ and inetsrv/config/ are real folders created beside
the symlinks (the wine tree has no inetsrv/ folder).
"""

import argparse
import os
import sys

WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"
CRLF = "\r\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    ap.add_argument("--webconfigs", type=int, default=10000)
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--modules", type=int, default=None, help="how many wine DLLs to register (default: all)")
    ap.add_argument("--wine", default=WINE)
    a = ap.parse_args(argv)
    if not os.path.isdir(a.wine):
        sys.exit("make_bench_image.py: %s not found (apt-get install wine64)" % a.wine)
    if a.sites < 1 or a.webconfigs < a.sites:
        sys.exit("make_bench_image.py: need 1 <= --sites <= --webconfigs")
    if os.path.exists(a.dest) and os.listdir(a.dest):
        sys.exit("make_bench_image.py: %s exists and is not empty" % a.dest)

    sys32 = os.path.join(a.dest, "Windows", "System32")
    os.makedirs(sys32, exist_ok=True)
    dlls = []
    for name in sorted(os.listdir(a.wine)):
        src = os.path.join(a.wine, name)
        if os.path.isfile(src):
            os.symlink(src, os.path.join(sys32, name))
            if name.lower().endswith(".dll"):
                dlls.append(name)
    if a.modules is not None:
        dlls = dlls[:a.modules]
    cfg = os.path.join(sys32, "inetsrv", "config")
    os.makedirs(cfg, exist_ok=True)

    per_site = [a.webconfigs // a.sites + (1 if i < a.webconfigs % a.sites else 0) for i in range(a.sites)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>", "    <system.applicationHost>",
           "        <applicationPools>",
           '            <add name="BenchPool" managedRuntimeVersion="v4.0" managedPipelineMode="Integrated" />',
           "        </applicationPools>", "        <sites>"]
    for s in range(a.sites):
        out.append('            <site name="Bench Site %d" id="%d">' % (s + 1, s + 1))
        for i in range(per_site[s]):
            path = "/" if i == 0 else "/app%05d" % i
            phys = "%%SystemDrive%%\\inetpub\\bench\\site%02d\\app%05d" % (s + 1, i)
            out.append('                <application path="%s" applicationPool="BenchPool">' % path)
            out.append('                    <virtualDirectory path="/" physicalPath="%s" />' % phys)
            out.append("                </application>")
        out.append('                <bindings><binding protocol="http" bindingInformation="*:%d:" /></bindings>'
                   % (8000 + s))
        out.append("            </site>")
    out += ["        </sites>", "    </system.applicationHost>", "    <system.webServer>", "        <globalModules>"]
    for d in dlls:
        out.append('            <add name="Wine_%s" image="%%windir%%\\System32\\%s" />' % (d[:-4], d))
    out += ["        </globalModules>", "    </system.webServer>", '    <location path="" overrideMode="Allow">',
            "        <system.webServer>", "            <modules>"]
    for d in dlls:
        out.append('                <add name="Wine_%s" />' % d[:-4])
    out += ["            </modules>", "        </system.webServer>", "    </location>", "</configuration>"]
    with open(os.path.join(cfg, "applicationHost.config"), "w", encoding="utf-8", newline="") as f:
        f.write(CRLF.join(out) + CRLF)

    n = 0
    for s in range(a.sites):
        for i in range(per_site[s]):
            d = os.path.join(a.dest, "inetpub", "bench", "site%02d" % (s + 1), "app%05d" % i)
            os.makedirs(d, exist_ok=True)
            m = dlls[n % len(dlls)][:-4] if dlls else "None"
            wc = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>", "    <system.webServer>",
                  "        <modules>",
                  '            <remove name="Wine_%s" />' % m,
                  '            <add name="Wine_%s" />' % m,
                  '            <add name="BenchManaged%05d" type="Bench.Module%05d, Bench" preCondition="managedHandler" />'
                  % (n, n),
                  "        </modules>", "        <handlers>",
                  '            <add name="BenchIsapi%05d" path="*.b%d" verb="*" modules="IsapiModule" '
                  'scriptProcessor="%%windir%%\\System32\\%s" />' % (n, n % 10, dlls[(n * 7) % len(dlls)] if dlls else "x.dll"),
                  "        </handlers>", "    </system.webServer>", "</configuration>"]
            with open(os.path.join(d, "web.config"), "w", encoding="utf-8", newline="") as f:
                f.write(CRLF.join(wc) + CRLF)
            n += 1
    print("bench image: %s (%d DLL symlinks, %d global modules, %d sites, %d web.config files)"
          % (a.dest, len(os.listdir(sys32)) - 1, len(dlls), a.sites, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
