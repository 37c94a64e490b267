#!/usr/bin/env python3
"""Reference PE export/import dump made with pefile, for differential tests.

Usage:
    pe_reference.py FILE...
    pe_reference.py --list PATHS.txt      (one path per line; blank lines ignored)

Prints one JSON object per input file, one per line, in input order:

    {"path": str, "ok": bool, "error": str|null,
     "exports": [{"ordinal": int, "name": str|null, "rva": int, "forwarder": str|null}],
     "dll_name": str|null,
     "imports": [{"dll": str, "name": str|null, "ordinal": int|null}],
     "delay_imports": [same shape as imports],
     "imphash": str}

- Byte strings are decoded as latin-1, so every byte survives (JSON escapes
  control characters such as ESC as \\u001b).
- exports are sorted by (ordinal, name); imports and delay_imports are in
  file order (descriptor order, then thunk order).
- For imports by ordinal, "name" is null and "ordinal" is the ordinal, even
  though pefile itself fills in a name from its ordlookup tables; for imports
  by name "ordinal" is null.
- The file is loaded with fast_load=True and then only the export, import and
  delay-import directories are parsed (everything imphash and this dump need).
- ok=false means pefile raised; "error" holds the exception text and the
  other fields hold whatever was collected before the failure.

This is pefile's view, quirks included: import names with characters outside
[A-Za-z0-9._?@$()<>] are dropped, as are imports by ordinal 0 and empty
names; import DLL names with characters outside pefile's filename set become
"*invalid*"; export names outside its relaxed set stop the export walk; export
and import counts are capped (MAX_SYMBOL_EXPORT_COUNT, MAX_IMPORT_SYMBOLS).
Compare against it only on inputs where those quirks do not apply.
"""
import argparse
import json
import sys

import pefile

DIRS = [
    pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
    pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
    pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
]


def s(b):
    if b is None:
        return None
    if isinstance(b, str):
        return b
    return bytes(b).decode("latin-1")


def import_list(entries):
    out = []
    for entry in entries:
        dll = s(entry.dll)
        for imp in entry.imports:
            if imp.import_by_ordinal:
                out.append({"dll": dll, "name": None, "ordinal": imp.ordinal})
            else:
                out.append({"dll": dll, "name": s(imp.name), "ordinal": None})
    return out


def dump(path):
    res = {
        "path": path,
        "ok": False,
        "error": None,
        "exports": [],
        "dll_name": None,
        "imports": [],
        "delay_imports": [],
        "imphash": "",
    }
    pe = None
    try:
        pe = pefile.PE(path, fast_load=True)
        pe.parse_data_directories(directories=DIRS)
        exp = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
        if exp is not None:
            res["dll_name"] = s(getattr(exp, "name", None))
            syms = [
                {
                    "ordinal": sym.ordinal,
                    "name": s(sym.name),
                    "rva": sym.address,
                    "forwarder": s(sym.forwarder),
                }
                for sym in getattr(exp, "symbols", [])
            ]
            syms.sort(key=lambda e: (e["ordinal"], e["name"] or ""))
            res["exports"] = syms
        res["imports"] = import_list(getattr(pe, "DIRECTORY_ENTRY_IMPORT", []))
        res["delay_imports"] = import_list(getattr(pe, "DIRECTORY_ENTRY_DELAY_IMPORT", []))
        res["imphash"] = pe.get_imphash()
        res["ok"] = True
    except Exception as e:  # noqa: BLE001 - robustness per file is the point
        res["ok"] = False
        res["error"] = f"{type(e).__name__}: {e}"
    finally:
        if pe is not None:
            try:
                pe.close()
            except Exception:  # noqa: BLE001
                pass
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--list", dest="list_file", help="file with one path per line")
    args = ap.parse_args(argv)
    paths = list(args.paths)
    if args.list_file:
        with open(args.list_file, encoding="utf-8", errors="surrogateescape") as f:
            paths.extend(line.rstrip("\r\n") for line in f if line.strip())
    for p in paths:
        sys.stdout.write(json.dumps(dump(p)) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
