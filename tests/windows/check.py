#!/usr/bin/env python3
"""The Windows build, checked under wine64 against the Linux build.

Run by .ci/windows.sh after both builds:

    python3 tests/windows/check.py --exe target-win/.../iisweep.exe \
        --linux target/release/iisweep --wine /usr/lib/wine/wine64

What must hold (issue 14):

* On every sample tree (samples-synthetic, each mock server image) the
  .exe's NDJSON records equal the Linux build's apart from path separators
  and timing: roles, SHA-256, verdicts, rule hits, registrations, findings.
* The exit code of every format (ndjson, json, sarif, table) and of the
  inventory command is the Linux one; the JSON document's files equal, and
  so do the SARIF results.
* Paths given as `Z:\\...` and `\\\\?\\Z:\\...` give the same records; a file
  deeper than MAX_PATH (260 characters) is found and read.
* A file another process holds open (as w3wp.exe holds its modules) is
  read; one held with no sharing at all is a per-file error, and the sweep
  goes on.
* `--all-drives` sweeps the fixed drives, and on the system drive the
  server view resolves `%windir%` against the live system.
* `--low-priority` and `--cpu-limit` are applied and reported.

Where wine differs from Windows (ACLs, some locking, job objects), the
check says so in its output and tests what wine shows. Exits 1 on any
failure, listing each.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILURES = []
TIMING_KEYS = {"elapsed_secs", "files_per_sec", "mib_per_sec", "compile_ms"}


def check(cond, what):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        FAILURES.append(what)
    return cond


class Runner:
    def __init__(self, args):
        self.exe = os.path.abspath(args.exe)
        self.linux = os.path.abspath(args.linux)
        self.wine = args.wine
        self.env = dict(os.environ, WINEDEBUG="-all")

    def linux_run(self, argv, cwd=ROOT):
        return subprocess.run([self.linux] + argv, cwd=cwd, capture_output=True, timeout=600)

    def win_run(self, argv, cwd=ROOT, exe=None):
        return subprocess.run(
            [self.wine, exe or self.exe] + argv,
            cwd=cwd,
            capture_output=True,
            timeout=900,
            env=self.env,
        )


def unix_to_wine(path):
    """The Z: path wine gives a Unix path."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


SAMPLE_PATH = re.compile(r"samples-synthetic(?:[\\/][^\s\"',;()]*)?")


def norm_str(s, prefixes):
    for p in prefixes:
        if p and s.startswith(p):
            s = s[len(p):]
        if p:
            s = s.replace(p, "")
    return SAMPLE_PATH.sub(lambda m: m.group(0).replace("\\", "/"), s)


def norm(v, prefixes=()):
    """A record with path separators made '/' in every path under the
    samples, the given absolute prefixes removed, and timing dropped."""
    if isinstance(v, dict):
        return {k: norm(x, prefixes) for k, x in v.items() if k not in TIMING_KEYS}
    if isinstance(v, list):
        return [norm(x, prefixes) for x in v]
    if isinstance(v, str):
        return norm_str(v, prefixes)
    return v


def ndjson(out):
    recs = []
    for line in out.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            recs.append(json.loads(line))
    return recs


def keyed(records):
    """Records of one sweep, comparable whatever order the workers wrote
    them in: sorted by their JSON text."""
    return sorted(json.dumps(r, sort_keys=True) for r in records)


def body(records):
    """All records but the settings (paths spelled per system) and the
    summary's timing."""
    return [r for r in records if r.get("record") not in ("settings", "header")]


def first_difference(a, b):
    sa, sb = set(a), set(b)
    only_a = sorted(sa - sb)[:1]
    only_b = sorted(sb - sa)[:1]
    return f"linux-only: {only_a[0][:600] if only_a else '-'}\n     windows-only: {only_b[0][:600] if only_b else '-'}"


def compare_sweep(r, label, linux_args, win_args, prefixes=(), cwd=ROOT):
    lo = r.linux_run(linux_args, cwd=cwd)
    wo = r.win_run(win_args, cwd=cwd)
    check(
        lo.returncode == wo.returncode,
        f"{label}: exit code (linux {lo.returncode}, windows {wo.returncode})",
    )
    if wo.returncode not in (0, 1, 2, 3):
        print(wo.stderr.decode("utf-8", "replace")[-2000:])
    la = keyed(norm(x) for x in body(ndjson(lo.stdout)))
    wa = keyed(norm(x, prefixes) for x in body(ndjson(wo.stdout)))
    same = la == wa
    check(same and len(la) > 0, f"{label}: {len(la)} records equal")
    if not same:
        print("     " + first_difference(la, wa))
    return ndjson(lo.stdout), ndjson(wo.stdout)


def sweeps(r):
    base = ["scan", "--format", "ndjson", "-q", "-j", "2", "--no-dedupe"]
    compare_sweep(r, "samples-synthetic", base + ["samples-synthetic"], base + ["samples-synthetic"])
    compare_sweep(
        r,
        "samples-synthetic --report-all",
        base + ["--report-all", "samples-synthetic"],
        base + ["--report-all", "samples-synthetic"],
    )
    images = os.path.join(ROOT, "samples-synthetic", "iis-images")
    for name in sorted(os.listdir(images)):
        if not os.path.isdir(os.path.join(images, name)):
            continue
        rel = f"samples-synthetic/iis-images/{name}"
        compare_sweep(r, f"server image {name}", base + [rel], base + [rel.replace("/", "\\")])
    # Absolute drive paths and verbatim paths give the same records.
    absz = unix_to_wine(ROOT) + "\\"
    native = "samples-synthetic/native"
    compare_sweep(
        r,
        "Z:\\ absolute path",
        base + [native],
        base + [absz + native.replace("/", "\\")],
        prefixes=(absz,),
    )
    compare_sweep(
        r,
        "\\\\?\\ verbatim path",
        base + [native],
        base + ["\\\\?\\" + absz + native.replace("/", "\\")],
        prefixes=("\\\\?\\" + absz, absz),
    )


def formats(r):
    tree = "samples-synthetic/native"
    for fmt in ["json", "sarif", "table"]:
        argv = ["scan", "--format", fmt, "-q", "-j", "2", "--no-dedupe", tree]
        lo, wo = r.linux_run(argv), r.win_run(argv[:-1] + [tree.replace("/", "\\")])
        check(lo.returncode == wo.returncode, f"--format {fmt}: exit code {lo.returncode} / {wo.returncode}")
        if fmt == "json":
            lj, wj = json.loads(lo.stdout), json.loads(wo.stdout)
            check(
                keyed(norm(lj["files"])) == keyed(norm(wj["files"])) and lj["files"],
                f"--format json: {len(lj['files'])} files equal",
            )
            ls, ws = norm(lj["summary"]), norm(wj["summary"])
            check(ls == ws, "--format json: summary equal (timing aside)")
        elif fmt == "sarif":
            lj, wj = json.loads(lo.stdout), json.loads(wo.stdout)
            lres = keyed(norm(lj["runs"][0]["results"]))
            wres = keyed(norm(wj["runs"][0]["results"]))
            check(lres == wres and lres, f"--format sarif: {len(lres)} results equal")
            if lres != wres:
                print("     " + first_difference(lres, wres))
            check(
                lj["runs"][0]["tool"]["driver"]["rules"] == wj["runs"][0]["tool"]["driver"]["rules"],
                "--format sarif: rules equal",
            )
        else:
            lt = sorted(norm_str(x, ()) for x in lo.stdout.decode().splitlines() if "samples-synthetic" in x)
            wt = sorted(
                norm_str(x, ()) for x in wo.stdout.decode("utf-8", "replace").splitlines() if "samples-synthetic" in x
            )
            check(lt == wt and lt, f"--format table: {len(lt)} file lines equal")
    # Exit codes: a missing path is a file error (bit 2), a bad flag fatal.
    for label, argv in [
        ("missing path", ["scan", "-q", "--format", "ndjson", "no-such-folder"]),
        ("bad flag", ["scan", "--no-such-flag"]),
        ("--fail-level none", ["scan", "--fail-level", "none", "samples-synthetic\\native"]),
    ]:
        lo = r.linux_run([a.replace("\\", "/") for a in argv])
        wo = r.win_run(argv)
        check(lo.returncode == wo.returncode, f"exit code, {label}: {lo.returncode} / {wo.returncode}")
    img = "samples-synthetic/iis-images/basic"
    lo = r.linux_run(["inventory", "--json", img])
    wo = r.win_run(["inventory", "--json", img.replace("/", "\\")])
    check(lo.returncode == wo.returncode, f"inventory: exit code {lo.returncode} / {wo.returncode}")
    check(
        lo.stdout and keyed(norm(x) for x in ndjson(lo.stdout)) == keyed(norm(x) for x in ndjson(wo.stdout)),
        f"inventory --json: {len(ndjson(lo.stdout))} records equal",
    )


def long_paths(r, tmp):
    """A file past MAX_PATH: walked into and read."""
    deep = os.path.join(tmp, "long")
    p = deep
    while len(p) < 300:
        p = os.path.join(p, "a-folder-name-of-forty-characters-each--")
    os.makedirs(p)
    dll_path = sample_dlls(1)[0]
    dll = os.path.basename(dll_path)
    shutil.copy(dll_path, os.path.join(p, dll))
    argv = ["scan", "--format", "ndjson", "-q", "--no-dedupe"]
    lo = r.linux_run(argv + [deep])
    wo = r.win_run(argv + [unix_to_wine(deep)])
    lf = [x for x in ndjson(lo.stdout) if x.get("record") == "file"]
    wf = [x for x in ndjson(wo.stdout) if x.get("record") == "file"]
    check(len(wf) == 1 and len(lf) == 1, f"long path ({len(p) + len(dll) + 1} chars): one record each")
    if lf and wf:
        check(
            wf[0].get("file", {}).get("hash") == lf[0].get("file", {}).get("hash")
            and wf[0].get("iisweep", {}).get("roles") == lf[0].get("iisweep", {}).get("roles")
            and "error" not in json.dumps(wf[0].get("iisweep", {}).get("outcome", "")),
            "long path: read, same SHA-256 and roles",
        )


def sample_dlls(n):
    """The first n sample DLLs (sorted paths under samples-synthetic/native)."""
    found = []
    for base, _, files in os.walk(os.path.join(ROOT, "samples-synthetic", "native")):
        found += [os.path.join(base, f) for f in files if f.lower().endswith(".dll")]
    found.sort()
    assert len(found) >= n, "not enough sample DLLs"
    return found[:n]


def file_records(out):
    return [x for x in ndjson(out) if x.get("record") == "file"]


def by_name(records):
    return {x["file"]["name"]: x for x in records}


def locked_files(r, tmp, holdopen):
    """Files other processes hold open, as IIS holds its modules."""
    d = os.path.join(tmp, "locked")
    os.makedirs(d)
    dlls = sample_dlls(4)
    names = {"none": "held-no-sharing.dll", "read": "held-share-read.dll", "load": "held-loaded.dll"}
    for (mode, name), dll in zip(names.items(), dlls):
        shutil.copy(dll, os.path.join(d, name))
    shutil.copy(dlls[3], os.path.join(d, "free.dll"))
    holders = []
    try:
        for mode, name in names.items():
            h = subprocess.Popen(
                [r.wine, holdopen, mode, unix_to_wine(os.path.join(d, name)), "120"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=r.env,
            )
            holders.append(h)
            line = h.stdout.readline().decode().strip()
            check(line == "held", f"holdopen {mode}: file held ({line or h.stderr.read().decode()[:200]})")
        argv = ["scan", "--format", "ndjson", "-q", "--no-dedupe", "--report-all"]
        wo = r.win_run(argv + [unix_to_wine(d)])
    finally:
        for h in holders:
            h.kill()
            h.wait()
    lo = r.linux_run(argv + [d])
    lrec, wrec = by_name(file_records(lo.stdout)), by_name(file_records(wo.stdout))
    for name in ["held-share-read.dll", "held-loaded.dll", "free.dll"]:
        w, l = wrec.get(name, {}), lrec.get(name, {})
        check(
            w.get("iisweep", {}).get("status") == "analyzed"
            and w.get("file", {}).get("hash") == l.get("file", {}).get("hash"),
            f"{name}: read while held open, same SHA-256 as on Linux",
        )
    w = wrec.get("held-no-sharing.dll", {})
    msg = w.get("iisweep", {}).get("message", "")
    check(
        w.get("iisweep", {}).get("status") == "error" and "os error 32" in msg,
        f"held-no-sharing.dll: a per-file sharing-violation error ({msg!r})",
    )
    check(wo.returncode & 4 == 4, f"a held file sets the file-error exit bit (exit {wo.returncode})")


def unicode_names(r, tmp):
    """Names beyond ASCII keep their exact form in JSON."""
    d = os.path.join(tmp, "names")
    os.makedirs(d)
    # A component, so that the table lists every copy.
    dll = os.path.join(ROOT, "samples-synthetic", "native", "x64", "all_roles.dll")
    for name in ["mödule-ü.dll", "模块.dll", "имя с пробелом.dll", "emoji-\U0001F600.dll"]:
        shutil.copy(dll, os.path.join(d, name))
    argv = ["scan", "--format", "ndjson", "-q", "--no-dedupe"]
    lo = r.linux_run(argv + [d])
    wo = r.win_run(argv + [unix_to_wine(d)])
    ln = sorted(x["file"]["name"] for x in file_records(lo.stdout))
    wn = sorted(x["file"]["name"] for x in file_records(wo.stdout))
    check(ln == wn and len(ln) == 4, f"non-ASCII names equal: {wn}")
    check(
        all("path_hex" not in x["iisweep"] for x in file_records(wo.stdout)),
        "non-ASCII names are valid UTF-16: no path_hex",
    )
    wt = r.win_run(["scan", "-q", "--no-dedupe", unix_to_wine(d)]).stdout
    check(
        all(n in wt.decode("utf-8", "replace") for n in ln),
        "the table prints the names as UTF-8",
    )


def limits(r):
    argv = ["scan", "--format", "json", "-q", "--low-priority", "--cpu-limit", "50", "samples-synthetic\\native"]
    wo = r.win_run(argv)
    check(wo.returncode in (0, 1), f"--low-priority --cpu-limit 50: exit {wo.returncode}")
    if wo.returncode not in (0, 1):
        print(wo.stderr.decode("utf-8", "replace")[-1000:])
        return
    st = json.loads(wo.stdout)["settings"]
    lim = st.get("limits", {})
    check("below-normal" in str(lim.get("low_priority")), f"--low-priority applied: {lim.get('low_priority')}")
    cl = lim.get("cpu_limit", {})
    check(cl.get("percent") == 50, f"--cpu-limit reported: {cl}")
    ncpu = os.cpu_count() or 1
    want = max(1, -(-ncpu * 50 // 100))
    check(st.get("threads") == want, f"--cpu-limit 50 on {ncpu} CPUs: {st.get('threads')} threads (want {want})")
    if not cl.get("hard_cap"):
        print(f"     note: the job object's hard cap did not take under wine ({cl.get('hard_cap_error')})")
    lo = r.linux_run(["scan", "--all-drives", "-q", "samples-synthetic/native"])
    check(lo.returncode == 2 and b"--all-drives" in lo.stderr, "--all-drives on Linux: a clear fatal error")


def merge_into(src, dst):
    """Copies the tree `src` into `dst`, reusing folders whose names match
    case-insensitively (drive_c has `windows`, the images `Windows`)."""
    for entry in os.listdir(src):
        s = os.path.join(src, entry)
        existing = [e for e in os.listdir(dst) if e.lower() == entry.lower()]
        t = os.path.join(dst, existing[0] if existing else entry)
        if os.path.isdir(s):
            os.makedirs(t, exist_ok=True)
            merge_into(s, t)
        else:
            shutil.copy(s, t)


def live_server(r, prefix):
    """A sweep of the live system drive: --all-drives, and the server view
    with %windir% and the drives taken from the running system. Runs last:
    it takes the Z: drive away from the prefix, so that the fixed drives
    are C: alone."""
    drive_c = os.path.join(prefix, "drive_c")
    # wine links the profile's folders (Desktop, Documents, ...) to the
    # Unix home, and shows a Unix symlink to Windows programs as a plain
    # folder, not a reparse point, so the sweep would walk $HOME. Windows
    # has no such links; empty folders stand in for them.
    users = os.path.join(drive_c, "users")
    for base, dirs, files in os.walk(users):
        for n in dirs + files:
            p = os.path.join(base, n)
            if os.path.islink(p):
                os.remove(p)
                os.makedirs(p)
    image = os.path.join(ROOT, "samples-synthetic", "iis-images", "basic")
    merge_into(image, drive_c)
    exe = os.path.join(drive_c, "iisweep-test.exe")
    shutil.copy(r.exe, exe)
    z = os.path.join(prefix, "dosdevices", "z:")
    os.remove(z)
    t = time.time()
    try:
        # `c:\` is also the fixed drive C: it must be swept once.
        wo = r.win_run(["scan", "--all-drives", "c:\\", "--format", "ndjson", "-q", "-j", "2"], cwd=drive_c, exe=exe)
    finally:
        os.symlink("/", z)
    print(f"     (the sweep of C: took {time.time() - t:.1f} s)")
    lo = r.linux_run(["scan", "--format", "ndjson", "-q", "-j", "2", "samples-synthetic/iis-images/basic"])
    recs = ndjson(wo.stdout)
    check(wo.returncode in (0, 1, 4, 5), f"--all-drives on the live prefix: exit {wo.returncode}")
    walked = [x["file"]["path"] for x in recs if x.get("record") == "file"]
    check(
        walked and all(p.upper().startswith("C:\\") for p in walked)
        and any(p.lower() == "c:\\iisweep-test.exe" for p in walked),
        f"--all-drives swept C:\\ and nothing else ({len(walked)} file records)",
    )
    upper = [p.upper() for p in walked]
    check(len(set(upper)) == len(upper), "--all-drives with c:\\ given too: each file once")
    servers = [x["server"]["root"] for x in recs if x.get("record") == "server"]
    check([x.upper() for x in servers] == ["C:\\"], f"the live system drive is the server's C: ({servers})")

    def regs(records):
        out = set()
        for x in records:
            if x.get("record") == "registration":
                g = x["registration"]
                sha = (x.get("file") or {}).get("hash", {}).get("sha256")
                out.add((g.get("kind"), g.get("name"), g.get("status"), sha))
        return out

    lr, wr = regs(ndjson(lo.stdout)), regs(recs)
    check(lr and lr == wr, f"live server view: {len(wr)} registrations resolve as on the image ({len(lr)})")
    if lr != wr:
        print(f"     linux-only {sorted(lr - wr)[:5]}\n     windows-only {sorted(wr - lr)[:5]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--linux", required=True)
    ap.add_argument("--wine", default="/usr/lib/wine/wine64")
    ap.add_argument("--holdopen", help="tests/windows/holdopen.c built for Windows")
    ap.add_argument("--prefix", default=os.environ.get("WINEPREFIX", os.path.expanduser("~/.wine")))
    ap.add_argument("--only", help="run only this group")
    args = ap.parse_args()
    r = Runner(args)
    v = r.win_run(["--version"])
    if not check(v.returncode == 0, f"iisweep.exe runs under wine: {v.stdout.decode().strip()}"):
        print(v.stderr.decode("utf-8", "replace")[-3000:])
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="iisweep-win-")
    groups = {
        "sweeps": lambda: sweeps(r),
        "formats": lambda: formats(r),
        "long_paths": lambda: long_paths(r, tmp),
        "unicode_names": lambda: unicode_names(r, tmp),
        "limits": lambda: limits(r),
    }
    if args.holdopen:
        groups["locked_files"] = lambda: locked_files(r, tmp, args.holdopen)
    groups["live_server"] = lambda: live_server(r, args.prefix)
    for name, g in groups.items():
        if args.only and name != args.only:
            continue
        t = time.time()
        print(f"== {name}")
        g()
        print(f"   ({time.time() - t:.1f} s)")
    shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"\n{len(FAILURES)} Windows check(s) failed:")
        for f in FAILURES:
            print(f"  - {f}")
        sys.exit(1)
    print("\nall Windows checks passed")


if __name__ == "__main__":
    main()
