#!/usr/bin/env bash
# Fetch real Microsoft-signed DLLs for the Authenticode tests: the x64 VC++
# runtime DLLs shipped in the PyPI wheel `msvc-runtime` (pinned version).
# Usage: fetch_msvc_runtime.sh [DIR]   (default /tmp/iisweep-msvc-runtime)
# Leaves DIR/*.dll and DIR/VERSION. Idempotent: does nothing if DIR already
# holds the DLLs of this version. Needs python3 with pip, and PyPI.
# Note: the win32 wheels of msvc-runtime (14.42 .. 14.51) ship the same x64
# DLLs, so there is no x86 set to fetch from this package.
set -euo pipefail

VERSION="${MSVC_RUNTIME_VERSION:-14.51.36231}"
DIR="${1:-/tmp/iisweep-msvc-runtime}"
DLLS=(concrt140.dll msvcp140.dll msvcp140_1.dll msvcp140_2.dll msvcp140_atomic_wait.dll
      msvcp140_codecvt_ids.dll vcamp140.dll vccorlib140.dll vcomp140.dll vcruntime140.dll
      vcruntime140_1.dll vcruntime140_threads.dll)

fail() { echo "fetch_msvc_runtime.sh: $*" >&2; exit 1; }

have_all() {
  [ -f "$DIR/VERSION" ] && [ "$(cat "$DIR/VERSION")" = "$VERSION" ] || return 1
  local d; for d in "${DLLS[@]}"; do [ -s "$DIR/$d" ] || return 1; done
}
if have_all; then
  echo "msvc-runtime $VERSION already in $DIR"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 not found"
python3 -m pip --version >/dev/null 2>&1 || fail "pip not available (python3 -m pip)"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
ok=0
for i in 1 2 3; do
  if python3 -m pip download --quiet --disable-pip-version-check --no-deps \
       --only-binary=:all: --platform win_amd64 --python-version 3.12 \
       -d "$TMP/wheel" "msvc-runtime==$VERSION" >"$TMP/pip.log" 2>&1; then ok=1; break; fi
  sleep 5
done
[ "$ok" = 1 ] || { cat "$TMP/pip.log" >&2; fail "pip download of msvc-runtime==$VERSION (win_amd64) failed"; }
WHEEL="$(ls "$TMP"/wheel/msvc_runtime-*win_amd64.whl 2>/dev/null | head -n1)"
[ -n "$WHEEL" ] || fail "no win_amd64 wheel in pip's download"

mkdir -p "$TMP/out"
python3 - "$WHEEL" "$TMP/out" "${DLLS[@]}" <<'PY' || fail "unpacking $WHEEL failed"
import sys, zipfile, os
wheel, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    members = {}
    for n in z.namelist():
        base = n.rsplit("/", 1)[-1]
        # the same DLLs sit in .data/data/ and .data/data/Scripts/; take any one
        if ".data/data/" in n and base.lower().endswith(".dll"):
            members.setdefault(base, n)
    missing = [n for n in names if n not in members]
    if missing:
        sys.exit("missing from wheel: " + ", ".join(missing))
    for n in names:
        with open(os.path.join(out, n), "wb") as f:
            f.write(z.read(members[n]))
PY
mkdir -p "$DIR"
cp "$TMP"/out/*.dll "$DIR"/
echo "$VERSION" > "$DIR/VERSION"
have_all || fail "DLLs not all in $DIR after unpacking"
echo "msvc-runtime $VERSION: ${#DLLS[@]} DLLs in $DIR"
