#!/usr/bin/env bash
# The Windows build, checked under wine64 (issue 14, README "Windows").
#
# 1. Cross-builds iisweep.exe for x86_64-pc-windows-gnu with Debian's
#    rustc-web/cargo-web (Rust >= 1.95, which yara-x needs) and their std
#    source: -Zbuild-std under RUSTC_BOOTSTRAP=1, mingw-w64 as the linker
#    (rustup cannot download the Windows std here).
# 2. Makes a throw-away wine prefix under /tmp with a test-only
#    bcryptprimitives.dll (wine 8.0 lacks the ProcessPrng that Rust's std
#    imports; tests/windows/bcryptprimitives_shim.c). It is never shipped.
# 3. Runs tests/windows/check.py: the .exe's records on the samples must
#    equal the Linux build's (target/release/iisweep) apart from path
#    separators and timing, with the same exit codes in every format, and
#    the Windows-only behaviour (C:\ and \\?\ paths, long paths,
#    --all-drives, the live server view, --low-priority, --cpu-limit).
#
# Needs the Linux release binary built first (.ci/run does it).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

toolchain_ok() {
  local v
  v=$(/usr/bin/rustc --version 2>/dev/null | awk '{print $2}') || return 1
  [ -n "$v" ] && [ -d /usr/lib/rustlib/src/rust/library/std ] &&
    python3 -c 'import sys; a=[int(x) for x in sys.argv[1].split(".")[:2]]; sys.exit(0 if a >= [1, 95] else 1)' "$v"
}
need=()
for pkg in gcc-mingw-w64-x86-64 wine64; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ] || ! toolchain_ok; then
  # bookworm's own rustc-web is 1.85; bookworm-security carries 1.96, so
  # the package lists must be fresh.
  for i in 1 2 3; do apt-get update -qq && break || sleep 10; done
  for i in 1 2 3; do
    apt-get install -y -qq "${need[@]}" rustc-web cargo-web rust-web-src >/dev/null && break || sleep 10
  done
fi
toolchain_ok || { echo "windows.sh: rustc-web >= 1.95 with rust-web-src is needed" >&2; exit 1; }

echo "== cross-building iisweep.exe ($(/usr/bin/rustc --version))"
export RUSTC_BOOTSTRAP=1
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_DIR="${IISWEEP_WIN_TARGET:-$PWD/target-win}"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
start=$(date +%s)
/usr/bin/cargo build --locked --profile release-win -Zbuild-std=std,panic_unwind \
  --target x86_64-pc-windows-gnu --bin iisweep
echo "cross-build took $(( $(date +%s) - start )) s"
exe="$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/release-win/iisweep.exe"

echo "== wine prefix with the test-only bcryptprimitives shim"
export WINEPREFIX=/tmp/iisweep-wineprefix
export WINEDEBUG=-all
export WINE=${WINE:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine)
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  WINEDLLOVERRIDES="mscoree,mshtml=" "$WINE" wineboot --init >/dev/null 2>&1 || true
  # wineboot returns before wineserver has written the prefix out.
  /usr/lib/wine/wineserver -w 2>/dev/null || wineserver -w 2>/dev/null || true
fi
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  tests/windows/bcryptprimitives_shim.c -ladvapi32

x86_64-w64-mingw32-gcc -O2 -o /tmp/iisweep-holdopen.exe tests/windows/holdopen.c

echo "== Windows checks under wine64"
python3 tests/windows/check.py --exe "$exe" --linux target/release/iisweep --wine "$WINE" \
  --prefix "$WINEPREFIX" --holdopen /tmp/iisweep-holdopen.exe
