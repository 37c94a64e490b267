#!/usr/bin/env bash
# Builds the managed (.NET) samples in this folder with mono's mcs and then
# derives the malformed fixtures (malformed/) with make_malformed.py.
# Needs Debian's mono-mcs, libmono-system-web4.0-cil, python3 and the
# python package dnfile (used by make_malformed.py to cross-check offsets).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v mcs >/dev/null || { echo "build.sh: mcs not found (apt-get install mono-mcs libmono-system-web4.0-cil)" >&2; exit 1; }

# Common flags. No debug info (no .mdb, no embedded paths), optimised IL.
# mcs 6.8 accepts -deterministic; its output is already byte-for-byte
# reproducible for the same source and output name (MVID derived from the
# content, PE timestamp 0), so the flag is only added when accepted.
flags=(-target:library -debug- -optimize+ -warnaserror+ -nowarn:1685)
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
printf 'class P {}\n' > "$probe/p.cs"
if mcs -deterministic -target:library -out:"$probe/p.dll" "$probe/p.cs" >/dev/null 2>&1; then
    flags+=(-deterministic)
fi

web=(-r:System.Web.dll)

build() { # build <out.dll> <refs...> -- <sources...>
    local out="$1"; shift
    local refs=()
    while [[ "$1" != "--" ]]; do refs+=("$1"); shift; done
    shift
    echo "mcs -> $out"
    mcs "${flags[@]}" ${refs[@]+"${refs[@]}"} -out:"$out" "$@"
}

build DirectModule.dll       "${web[@]}" -- DirectModule.cs
build AbstractBaseModule.dll "${web[@]}" -- AbstractBaseModule.cs
build NestedModule.dll       "${web[@]}" -- NestedModule.cs
build Handlers.dll           "${web[@]}" -- Handlers.cs
build BackdoorTraits.dll     "${web[@]}" -- BackdoorTraits.cs
build ObfuscatedModule.dll   "${web[@]}" -- ObfuscatedModule.cs
build ModuleAndHandler.dll   "${web[@]}" -- ModuleAndHandler.cs
# Negative samples: no System.Web reference at all.
build PlainLibrary.dll                   -- PlainLibrary.cs
build LookalikeInterface.dll             -- LookalikeInterface.cs

python3 make_malformed.py
