#!/usr/bin/env bash
# Recreates the seed corpora fuzz/corpus/{analyze,dotnet,authenticode}/ (git-ignored).
#
#   analyze: the sample binaries copied as they are (signed/ included).
#   dotnet:  each managed sample prefixed with the 16-byte header the dotnet
#            target expects (see fuzz_targets/dotnet.rs): CLR RVA, CLR size
#            and the real mapping of the section holding the CLR header, so
#            the seed's metadata RVAs resolve as in the real image.
#
# Usage: fuzz/seed.sh            (from anywhere; needs python3)
#        MONO_DIR=/path fuzz/seed.sh   to take the Mono assemblies elsewhere
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
mono="${MONO_DIR:-/usr/lib/mono/4.5}"
max_mono=10          # Mono assemblies taken (smallest first)
max_size=307200      # ... each under 300 KB

a="$here/corpus/analyze"
d="$here/corpus/dotnet"
mkdir -p "$a" "$d"

managed=()
for f in "$root"/samples-synthetic/dotnet/*.dll "$root"/samples-synthetic/dotnet/malformed/*.dll "$root"/samples-synthetic/behaviour/*.dll; do
    [ -f "$f" ] || continue
    managed+=("$f")
done

# Smallest regular (symlinks followed) Mono assemblies under $max_size bytes.
if [ -d "$mono" ]; then
    while IFS= read -r f; do
        managed+=("$f")
    done < <(for f in "$mono"/*.dll; do
                 s=$(stat -L -c %s "$f" 2>/dev/null) || continue
                 [ "$s" -lt "$max_size" ] && printf '%s\t%s\n' "$s" "$f"
             done | sort -n | head -n "$max_mono" | cut -f2)
else
    echo "seed.sh: $mono not found; no Mono seeds" >&2
fi

native=()
for f in "$root"/samples-synthetic/native/x64/*.dll; do
    [ -f "$f" ] && native+=("$f")
done
for f in "$root"/samples-synthetic/signed/*.dll; do
    [ -f "$f" ] && native+=("$f")
done

# analyze: plain copies (cp -L: copy the file, never a symlink).
for f in "${managed[@]}" "${native[@]}"; do
    case "$f" in
        */malformed/*) name="malformed-$(basename "$f")" ;;
        "$mono"/*)     name="mono-$(basename "$f")" ;;
        */native/*)    name="native-$(basename "$f")" ;;
        */signed/*)    name="signed-$(basename "$f")" ;;
        *)             name="dotnet-$(basename "$f")" ;;
    esac
    cp -L "$f" "$a/$name"
done

# dotnet: prefixed managed files.
python3 - "$d" "$mono" "${managed[@]}" <<'PY'
import os, struct, sys

out, mono, files = sys.argv[1], sys.argv[2], sys.argv[3:]

def prefix(data):
    """16-byte prefix: clr_rva - 0x2000, clr_size, section VA, section raw ptr."""
    try:
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        if data[pe:pe + 4] != b"PE\0\0":
            raise ValueError("no PE signature")
        nsec, = struct.unpack_from("<H", data, pe + 6)
        opt_size, = struct.unpack_from("<H", data, pe + 20)
        opt = pe + 24
        magic, = struct.unpack_from("<H", data, opt)
        dd = opt + (96 if magic == 0x10B else 112)
        clr_rva, clr_size = struct.unpack_from("<II", data, dd + 14 * 8)
        secs = []
        for i in range(nsec):
            s = opt + opt_size + 40 * i
            vsize, va, rsize, rptr = struct.unpack_from("<IIII", data, s + 8)
            secs.append((va, max(vsize, rsize), rptr))
        va, rptr = 0, 0
        for sva, span, sptr in secs:
            if sva <= clr_rva < sva + span:
                va, rptr = sva, sptr
                break
        # The target computes clr_rva = 0x2000 + v % len(file).
        v = (clr_rva - 0x2000) % (1 << 32)
        return struct.pack("<IIII", v, clr_size, va, rptr)
    except (struct.error, ValueError):
        return bytes(16)

for f in files:
    data = open(f, "rb").read()
    base = os.path.basename(f)
    tag = "malformed-" if "/malformed/" in f else ("mono-" if f.startswith(mono) else "dotnet-")
    with open(os.path.join(out, tag + base + ".seed"), "wb") as o:
        o.write(prefix(data) + data)
PY

echo "seeded: $(ls "$a" | wc -l) analyze, $(ls "$d" | wc -l) dotnet inputs"

# authenticode: the certificate table of each signed sample (and of the
# msvc-runtime DLLs when fetched), cut out with the security directory.
c="$here/corpus/authenticode"
mkdir -p "$c"
python3 - "$c" "$root"/samples-synthetic/signed/*.dll /tmp/iisweep-msvc-runtime/*.dll <<'PY'
import os, struct, sys
out = sys.argv[1]
for p in sys.argv[2:]:
    if not os.path.isfile(p):
        continue
    b = open(p, "rb").read()
    try:
        pe = struct.unpack_from("<I", b, 0x3C)[0]
        opt = pe + 24
        magic = struct.unpack_from("<H", b, opt)[0]
        dirs = opt + (96 if magic == 0x10B else 112)
        off, size = struct.unpack_from("<II", b, dirs + 4 * 8)
    except struct.error:
        continue
    if off and size:
        open(os.path.join(out, os.path.basename(p) + ".certtable"), "wb").write(b[off:off + size])
PY
