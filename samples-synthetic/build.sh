#!/usr/bin/env bash
# Rebuild every synthetic sample from source (see README.md here).
# Needs Debian's gcc-mingw-w64-x86-64, gcc-mingw-w64-i686, mono-mcs,
# libmono-system-web4.0-cil and python3. The built files are committed, so
# tests never need this; run it after changing a source, then commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/native/build.sh"     # also derives malformed/ via malformed/make.py
bash "$here/dotnet/build.sh"     # also derives dotnet/malformed/
bash "$here/families/build.sh"
bash "$here/signed/build.sh"      # Authenticode samples from native/x64 (needs openssl, osslsigncode)
echo "samples rebuilt; check 'git status' and run the tests"
