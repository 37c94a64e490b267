#!/usr/bin/env python3
"""Check the rule pack against this folder's manifest with the `yr` CLI.

For every sample in manifest.json, scans it with signatures/ (YARA-X `yr`),
defining the engine globals from the manifest roles, and checks that the set
of rules that fire is exactly the manifest's `rules`. Also checks that every
rule in the pack is named by some sample in samples-synthetic/*/manifest.json.

usage: python3 verify_rules.py [--yr PATH]
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
SIGS = os.path.join(os.path.dirname(SAMPLES), "signatures")

ROLE_GLOBALS = {
    "native_module": "iis_native_module",
    "isapi_extension": "iis_isapi_extension",
    "isapi_filter": "iis_isapi_filter",
    "managed_module": "iis_managed_module",
    "managed_handler": "iis_managed_handler",
}


def has_cert_table(path):
    """True if the PE's security data directory (index 4) is non-empty."""
    import struct
    data = open(path, "rb").read()
    try:
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        opt = pe + 24
        magic = struct.unpack_from("<H", data, opt)[0]
        dirs = opt + (96 if magic == 0x10B else 112)
        _, size = struct.unpack_from("<II", data, dirs + 4 * 8)
        return size > 0
    except struct.error:
        return False


def global_defaults(iisweep):
    """Every global iisweep defines, at its default value (`rules globals`)."""
    out = subprocess.run([iisweep, "rules", "globals", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return {g["name"]: ("false" if g["type"] == "bool" else '""') for g in json.loads(out)}


DEFAULTS = {}


def defines(sample, path):
    roles = set(sample.get("roles", []))
    d = dict(DEFAULTS)
    d.update({g: str(r in roles).lower() for r, g in ROLE_GLOBALS.items()})
    d["iis_component"] = str(bool(roles)).lower()
    d["is_dotnet"] = str(bool(roles & {"managed_module", "managed_handler"})).lower()
    d["is_signed"] = str(has_cert_table(path)).lower()
    name = os.path.basename(path).lower()
    ext = name.rsplit(".", 1)[1] if "." in name else ""
    d["file_name"] = json.dumps(name)
    d["file_ext"] = json.dumps(ext)
    d["file_path"] = json.dumps(path)
    args = []
    for k, v in d.items():
        args += ["--define", f"{k}={v}"]
    return args


def fired(yr, sample, path):
    out = subprocess.run(
        [yr, "scan", "--disable-console-logs", "-o", "ndjson", *defines(sample, path), SIGS, path],
        check=True, capture_output=True, text=True).stdout
    rules = set()
    for line in out.splitlines():
        if line.strip():
            rules |= {r["identifier"] for r in json.loads(line).get("rules", [])}
    return rules


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yr", default="yr")
    ap.add_argument("--iisweep", default=os.path.join(os.path.dirname(SAMPLES), "target", "release", "iisweep"))
    a = ap.parse_args()
    DEFAULTS.update(global_defaults(a.iisweep))
    manifest = json.load(open(os.path.join(HERE, "manifest.json")))
    bad = 0
    for s in manifest["samples"]:
        path = os.path.join(SAMPLES, s["path"])
        got = fired(a.yr, s, path)
        want = set(s.get("rules", []))
        if got != want:
            bad += 1
            print(f"FAIL {s['path']}: missing {sorted(want - got)} unexpected {sorted(got - want)}")
        else:
            print(f"ok   {s['path']}: {len(got)} rules")
    pack = set()
    for f in glob.glob(os.path.join(SIGS, "*.yar")):
        pack |= set(re.findall(r"^\s*rule\s+(\w+)", open(f, encoding="utf-8").read(), re.M))
    named = set()
    for m in glob.glob(os.path.join(SAMPLES, "*", "manifest.json")):
        for s in json.load(open(m)).get("samples", []):
            named |= set(s.get("rules", []))
    for r in sorted(pack - named):
        bad += 1
        print(f"FAIL rule {r} is named by no sample")
    print("FAILED" if bad else "all good")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
