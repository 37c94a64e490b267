#!/usr/bin/env python3
"""Set the Delay Import data directory (index 13) of a PE file.

GNU ld builds the delay-import descriptor from a dlltool --output-delaylib
library but leaves data directory 13 empty. build.sh reads the descriptor
symbol's address from the linker map and calls this script:

    patch_delay_dir.py FILE.dll MAPFILE SYMBOL COUNT

COUNT is the number of descriptors; the size written covers them plus the
all-zero terminator (32 bytes each). Stdlib only.
"""
import re
import struct
import sys


def main():
    path, mapfile, symbol, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    addr = None
    with open(mapfile, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"\s+0x([0-9a-fA-F]+)\s+(\S+)\s*$", line)
            if m and m.group(2) == symbol:
                addr = int(m.group(1), 16)
    if addr is None:
        sys.exit(f"symbol {symbol} not found in {mapfile}")
    data = bytearray(open(path, "rb").read())
    e_lfanew = struct.unpack_from("<I", data, 0x3C)[0]
    opt = e_lfanew + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    if magic == 0x20B:
        image_base = struct.unpack_from("<Q", data, opt + 24)[0]
        dd = opt + 112
    else:
        image_base = struct.unpack_from("<I", data, opt + 28)[0]
        dd = opt + 96
    rva = addr - image_base
    struct.pack_into("<II", data, dd + 13 * 8, rva, 32 * (count + 1))
    open(path, "wb").write(data)
    print(f"{path}: delay import directory rva=0x{rva:x} size={32 * (count + 1)}")


if __name__ == "__main__":
    main()
