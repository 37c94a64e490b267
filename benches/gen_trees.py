#!/usr/bin/env python3
"""Generate the benchmark trees (deterministic, seed 1).

    gen_trees.py small DIR     100,000 small non-PE files (100-2000 bytes) in 1,000 folders
    gen_trees.py webroot DIR   a web-root-like tree: ~20,000 scripts, pages, styles, images
                               and text files, plus a bin/ of 12 real DLLs (wine64) per app
    gen_trees.py signed DIR    a tree of signed DLLs: 20 folders, each with the 12 Microsoft-signed
                               msvc-runtime DLLs (tests/authenticode/fetch_msvc_runtime.sh) and the
                               9 synthetic signed samples (samples-synthetic/signed/), 420 files
    gen_trees.py dup DIR       10,000 PE files, 90% duplicates: 1,000 distinct contents (each PE
                               sample of samples-synthetic plus a distinct 64-byte overlay), each
                               copied under the same name onto 10 "hosts" (host00..host09)
    gen_trees.py million DIR   1,000,000 small non-PE files (100-2000 bytes) in 1,000 folders,
                               and DIR.list listing every one of them (for --files-from)
"""
import os, random, shutil, sys

PRINTABLE = bytes(32 + (i % 95) for i in range(256))

def text(rnd, n):
    return rnd.randbytes(n).translate(PRINTABLE)

def small(root, per_folder=100, listing=None):
    rnd = random.Random(1)
    for d in range(1000):
        p = os.path.join(root, "d%03d" % d)
        os.makedirs(p, exist_ok=True)
        for f in range(per_folder):
            name = os.path.join(p, ("f%04d.txt" if per_folder > 100 else "f%03d.txt") % f)
            with open(name, "wb") as fh:
                fh.write(text(rnd, rnd.randrange(100, 2000)))
            if listing is not None:
                listing.write(name + "\n")

def million(root):
    with open(root.rstrip("/") + ".list", "w") as listing:
        small(root, 1000, listing)

def pe_samples():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples-synthetic")
    found = []
    for d, dirs, files in os.walk(here):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                if fh.read(2) == b"MZ":
                    found.append(p)
    return found

def dup(root):
    rnd = random.Random(1)
    samples = pe_samples()
    for i in range(1000):
        src = samples[i % len(samples)]
        with open(src, "rb") as fh:
            data = fh.read() + b"IISWEEP-BENCH-OVERLAY-%06d" % i + rnd.randbytes(37)
        name = "%04d-%s" % (i, os.path.basename(src))
        for h in range(10):
            p = os.path.join(root, "host%02d" % h, "c%02d" % (i % 50))
            os.makedirs(p, exist_ok=True)
            with open(os.path.join(p, name), "wb") as fh:
                fh.write(data)

def webroot(root):
    rnd = random.Random(1)
    wine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"
    dlls = sorted(f for f in os.listdir(wine) if f.endswith(".dll"))[:60]
    kinds = [(".aspx", b"<%@ Page Language=\"C#\" %>\n<html><body>"), (".js", b"function f(){return 1;}\n"),
             (".css", b"body{margin:0}\n"), (".html", b"<!DOCTYPE html><html>"), (".txt", b"log line\n"),
             (".png", b"\x89PNG\r\n\x1a\n"), (".jpg", b"\xff\xd8\xff\xe0"), (".config", b"<configuration>")]
    for app in range(5):
        a = os.path.join(root, "site%d" % app)
        for d in range(40):
            p = os.path.join(a, "content", "d%02d" % d)
            os.makedirs(p, exist_ok=True)
            for f in range(100):
                ext, head = kinds[rnd.randrange(len(kinds))]
                size = rnd.randrange(200, 150_000) if ext in (".png", ".jpg") else rnd.randrange(100, 20_000)
                with open(os.path.join(p, "f%03d%s" % (f, ext)), "wb") as fh:
                    fh.write(head + (rnd.randbytes(size) if ext in (".png", ".jpg") else text(rnd, size)))
        b = os.path.join(a, "bin")
        os.makedirs(b, exist_ok=True)
        for name in dlls[app * 12:(app + 1) * 12]:
            shutil.copy(os.path.join(wine, name), os.path.join(b, name))

def signed(root):
    here = os.path.dirname(os.path.abspath(__file__))
    sources = ["/tmp/iisweep-msvc-runtime", os.path.join(here, "..", "samples-synthetic", "signed")]
    for i in range(1, 21):
        p = os.path.join(root, "c%d" % i)
        os.makedirs(p, exist_ok=True)
        for src in sources:
            for name in sorted(os.listdir(src)):
                if name.endswith(".dll"):
                    shutil.copy(os.path.join(src, name), os.path.join(p, name))

if __name__ == "__main__":
    kind, root = sys.argv[1], sys.argv[2]
    os.makedirs(root, exist_ok=True)
    {"small": small, "webroot": webroot, "signed": signed, "dup": dup, "million": million}[kind](root)
