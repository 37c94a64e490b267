#!/usr/bin/env python3
"""Generate src/pe/ordinals.rs from pefile's ordlookup tables.

Usage: python3 tests/diff/gen_ordinals.py [OUTPUT]   (default: <repo>/src/pe/ordinals.rs)
Needs the `pefile` package (which ships the `ordlookup` package). Output is
deterministic.

pefile get_imphash() -- the exact algorithm (pefile 2024.8.26, read from
site-packages/pefile.py PE.get_imphash, parse_import_directory, parse_imports
and ordlookup/__init__.py):

 1. Only DIRECTORY_ENTRY_IMPORT (the normal import directory) is used.
    Delay imports (DIRECTORY_ENTRY_DELAY_IMPORT) and bound imports are NOT
    included. The import directory is only parsed when its data-directory
    VirtualAddress is non-zero (Size is not checked), and the attribute is
    only set when at least one descriptor survived (step 5). No attribute ->
    the result is "" (empty string, not a hash): no import directory, an
    unparsable one, or one whose descriptors all have empty thunk lists. Every
    surviving descriptor contributes >= 1 string, so md5("") does not occur
    in practice.
 2. Descriptors in file order, thunks in file order; one string per import:
    "<libname>.<funcname>", both lowercased (Python str.lower()), all joined
    with "," (no trailing comma), then md5 hexdigest (lowercase hex) of the
    UTF-8 bytes.
 3. libname: the descriptor's DLL name decoded (UTF-8, but pefile only keeps
    names made of [A-Za-z0-9!#$%&'()-@^_`{}~+,.;=[]:\\/] -- anything else
    becomes the literal "*invalid*"), lowercased, then split once at the LAST
    "."; the part after it is dropped only if it is exactly "ocx", "sys" or
    "dll" (after lowercasing). So "WS2_32.DLL" -> "ws2_32",
    "foo.drv" -> "foo.drv", "a.b.dll" -> "a.b", "noext" -> "noext".
 4. funcname:
    - import by name: the name as stored. pefile drops (skips entirely, so it
      never reaches the hash) any name containing characters outside
      [A-Za-z0-9._?@$()<>], and drops empty names.
    - import by ordinal (IMAGE_ORDINAL_FLAG set; ordinal = value & 0xFFFF):
      looked up in ordlookup with key = the FULL raw DLL name, ASCII-lowercased
      (bytes.lower(), extension kept): b"ws2_32.dll", b"wsock32.dll",
      b"oleaut32.dll" are the only keys. Hit -> the table name (then lowercased
      by step 2, e.g. WSAStartup -> "wsastartup"); DLL not in the table, or
      ordinal not in that DLL's table -> "ord%d" with the ordinal in decimal
      (e.g. "ord115"). A DLL named "ws2_32" (no extension) therefore gets
      "ordN" names. wsock32 has its own table (75 entries), NOT the same as
      ws2_32 (196 entries); they agree on most low ordinals but differ e.g. at
      10 (wsock32: inet_addr, ws2_32: ioctlsocket).
    - an import by ordinal 0 is dropped by parse_imports (value "0 or None"),
      as is a thunk with neither name nor ordinal.
 5. Descriptors whose thunk list parses to nothing are skipped (they are not
    in DIRECTORY_ENTRY_IMPORT); descriptors with an invalid DLL name are kept
    with dll "*invalid*" (libname "*invalid*").
 6. If an ordinal lookup returned nothing get_imphash raises PEFormatError
    ("Unable to look up ordinal"); with make_name=True this cannot happen.

The generated Rust: `ordinal_name(dll_lower, ordinal)` returns the table name
(original case) for exactly pefile's keys; the caller builds "ord{N}" on None
and lowercases the result, per steps 2-4.
"""
import os
import sys

import ordlookup
import pefile

TABLES = [
    # (pefile ordLookup key, Rust static name)
    (b"oleaut32.dll", "OLEAUT32"),
    (b"ws2_32.dll", "WS2_32"),
    (b"wsock32.dll", "WSOCK32"),
]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rust_str(b):
    out = []
    for c in b.decode("ascii"):
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= ord(c) < 0x7F:
            out.append(c)
        else:
            out.append("\\u{%x}" % ord(c))
    return '"' + "".join(out) + '"'


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "src", "pe", "ordinals.rs")
    keys = sorted(ordlookup.ords.keys())
    expected = sorted(k for k, _ in TABLES)
    if keys != expected:
        sys.exit(f"ordlookup keys changed: {keys!r} (expected {expected!r}); update TABLES")
    ordlookup_ver = getattr(pefile, "__version__", "unknown")
    lines = []
    w = lines.append
    w("//! Ordinal -> name tables for imports by ordinal, so that imphash matches")
    w("//! pefile exactly.")
    w("//!")
    w("//! GENERATED FILE, do not edit: produced by `tests/diff/gen_ordinals.py` from")
    w(f"//! pefile's `ordlookup` tables (pefile {ordlookup_ver}, MIT licence,")
    w("//! Copyright (c) Ero Carrera). Re-run the script to update.")
    w("//!")
    w("//! pefile keys its tables by the import descriptor's DLL name lowercased")
    w("//! (ASCII) *with* its extension: only \"oleaut32.dll\", \"ws2_32.dll\" and")
    w("//! \"wsock32.dll\" have tables (wsock32 has its own, smaller table). For an")
    w("//! unknown DLL or ordinal pefile uses `ord{N}` (decimal); that fallback is")
    w("//! the caller's job. Names are returned in their original case; imphash")
    w("//! lowercases them.")
    w("")
    w("/// Name pefile's ordlookup gives `ordinal` of `dll_lower` (the DLL name")
    w("/// ASCII-lowercased, extension included, e.g. `\"ws2_32.dll\"`), if any.")
    w("pub fn ordinal_name(dll_lower: &str, ordinal: u16) -> Option<&'static str> {")
    w("    let table: &[(u16, &str)] = match dll_lower {")
    for key, rname in TABLES:
        w(f"        {rust_str(key)} => {rname},")
    w("        _ => return None,")
    w("    };")
    w("    table")
    w("        .binary_search_by_key(&ordinal, |&(o, _)| o)")
    w("        .ok()")
    w("        .map(|i| table[i].1)")
    w("}")
    for key, rname in TABLES:
        table = ordlookup.ords[key]
        items = sorted(table.items())
        for o, _ in items:
            if not (0 <= o <= 0xFFFF):
                sys.exit(f"{key!r}: ordinal {o} does not fit u16")
        w("")
        w(f"/// pefile ordlookup table for `{key.decode()}` ({len(items)} entries).")
        w(f"static {rname}: &[(u16, &str)] = &[")
        for o, name in items:
            w(f"    ({o}, {rust_str(name)}),")
        w("];")
    # small self-check tests, derived from the same data
    w("")
    w("#[cfg(test)]")
    w("mod tests {")
    w("    use super::*;")
    w("")
    w("    #[test]")
    w("    fn tables_sorted_and_unique() {")
    w("        for t in [" + ", ".join(r for _, r in TABLES) + "] {")
    w("            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));")
    w("        }")
    w("    }")
    w("")
    w("    #[test]")
    w("    fn known_values() {")
    for key, rname in TABLES:
        table = ordlookup.ords[key]
        for o in sorted(table)[:: max(1, len(table) // 3)][:3]:
            w(f"        assert_eq!(ordinal_name({rust_str(key)}, {o}), Some({rust_str(table[o])}));")
    missing = next(o for o in range(1, 0x10000) if o not in ordlookup.ords[b"ws2_32.dll"])
    w(f"        assert_eq!(ordinal_name(\"ws2_32.dll\", {missing}), None);")
    w("        assert_eq!(ordinal_name(\"ws2_32\", 115), None);")
    w("        assert_eq!(ordinal_name(\"kernel32.dll\", 1), None);")
    w("    }")
    w("}")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    n = sum(len(ordlookup.ords[k]) for k, _ in TABLES)
    print(f"wrote {out_path}: {n} entries")


if __name__ == "__main__":
    main()
