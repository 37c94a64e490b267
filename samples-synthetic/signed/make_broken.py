#!/usr/bin/env python3
"""Derive damaged Authenticode samples from a signed PE file.

    make_broken.py tamper    SIGNED OUT   one byte of .text raw data flipped
    make_broken.py garbage   SIGNED OUT   certificate table content replaced by garbage
    make_broken.py truncated SIGNED OUT   file cut in the middle of the certificate table

Only the named region changes: `tamper` touches one byte inside the first
section's raw data (not the headers, not the certificate table); `garbage`
and `truncated` touch only the certificate table (the security data
directory is left as it was). Output is a pure function of the input.
"""
import struct
import sys

SECURITY_DIR = 4
WIN_CERT_REVISION_2_0 = 0x0200
WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002


def pe_layout(data):
    """Return (security dir entry file offset, sections) of a PE image."""
    if data[:2] != b"MZ":
        sys.exit("not an MZ file")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        sys.exit("no PE signature")
    nsect = struct.unpack_from("<H", data, pe + 6)[0]
    opt_size = struct.unpack_from("<H", data, pe + 20)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    dirs = opt + {0x10B: 96, 0x20B: 112}[magic]
    sec_entry = dirs + 8 * SECURITY_DIR
    sections = []
    for i in range(nsect):
        s = opt + opt_size + 40 * i
        name = data[s:s + 8].rstrip(b"\0").decode("latin-1")
        raw_size, raw_ptr = struct.unpack_from("<II", data, s + 16)
        sections.append((name, raw_ptr, raw_size))
    return sec_entry, sections


def cert_table(data):
    sec_entry, _ = pe_layout(data)
    off, size = struct.unpack_from("<II", data, sec_entry)
    if off == 0 or size < 8 or off + size > len(data):
        sys.exit("input has no well-formed certificate table")
    length, rev, ctype = struct.unpack_from("<IHH", data, off)
    if length != size or rev != WIN_CERT_REVISION_2_0 or ctype != WIN_CERT_TYPE_PKCS_SIGNED_DATA:
        # osslsigncode writes one WIN_CERTIFICATE filling the directory
        sys.exit("unexpected WIN_CERTIFICATE header (%#x %#x %#x, dir size %#x)" % (length, rev, ctype, size))
    return off, size


def tamper(data):
    _, sections = pe_layout(data)
    name, ptr, size = next(s for s in sections if s[2] > 0)
    off = ptr + size // 2          # middle of the first section's raw data
    cstart, csize = cert_table(data)
    assert not (cstart <= off < cstart + csize)
    data[off] ^= 0xFF
    print("tamper: flipped byte at file offset %#x (section %s)" % (off, name))
    return data


def garbage(data):
    off, size = cert_table(data)
    # Keep the 8-byte WIN_CERTIFICATE header (length, revision, type all
    # valid); replace bCertificate (the PKCS#7 SignedData) with bytes that
    # are not DER: a fixed, deterministic pattern.
    body = bytes(((i * 131 + 7) ^ (i >> 3)) & 0xFF for i in range(size - 8))
    body = b"\xFFGARBAGE" + body[8:]     # 0xFF is not a valid DER SEQUENCE tag
    data[off + 8:off + size] = body
    print("garbage: replaced %d bytes of PKCS#7 at %#x" % (size - 8, off + 8))
    return data


def truncated(data):
    off, size = cert_table(data)
    assert off + size == len(data), "certificate table is not at the end of the file"
    cut = off + size // 2
    print("truncated: file cut at %#x; directory and dwLength (%#x bytes at %#x) now run %d bytes past EOF"
          % (cut, size, off, off + size - cut))
    return data[:cut]


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("tamper", "garbage", "truncated"):
        sys.exit(__doc__)
    mode, src, dst = sys.argv[1:]
    data = bytearray(open(src, "rb").read())
    out = globals()[mode](data)
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
