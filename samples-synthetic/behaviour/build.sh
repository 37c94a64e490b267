#!/usr/bin/env bash
# Builds the inert behaviour samples in this folder (see README.md).
# Needs: gcc-mingw-w64-x86-64, gcc-mingw-w64-i686, mono-mcs,
# libmono-system-web4.0-cil, python3 (+ pefile, dnfile for the checks).
# Deterministic: gcc with --no-insert-timestamp, -fno-ident, -s; mcs 6.8
# writes PE timestamp 0 and derives the MVID from the content.
# Outputs are committed beside the sources; manifest.json says what each
# one is and what an analyzer must establish about it.
set -euo pipefail
cd "$(dirname "$0")"

CC64=x86_64-w64-mingw32-gcc
CC32=i686-w64-mingw32-gcc
CFLAGS=(-O2 -Wall -Wextra -Wno-unused-parameter -fno-ident -shared -s
        -static-libgcc -Wl,--no-insert-timestamp)

# native ARCH SOURCE OUTPUT DEF [libs...]
native() {
    local arch=$1 src=$2 out=$3 def=$4
    shift 4
    local cc=$CC64 extra=()
    if [ "$arch" = x86 ]; then
        cc=$CC32
        extra=(-Wl,--enable-stdcall-fixup)
    fi
    "$cc" "${CFLAGS[@]}" "${extra[@]}" -o "$out.tmp" "$src" "$def" "$@"
    mv "$out.tmp" "$out"
    echo "built $out ($arch)"
}

MCSFLAGS=(-nologo -target:library -debug- -optimize+ -warnaserror+ -nowarn:1685)
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
printf 'class P {}\n' > "$probe/p.cs"
if mcs -deterministic -target:library -out:"$probe/p.dll" "$probe/p.cs" >/dev/null 2>&1; then
    MCSFLAGS+=(-deterministic)
fi

# managed OUTPUT SOURCE
managed() {
    # Compile under the final name (mcs records it as the module name), in a
    # scratch folder, then move into place.
    mcs "${MCSFLAGS[@]}" -r:System.dll -r:System.Core.dll -r:System.Web.dll \
        -out:"$probe/$1" "$2"
    mv "$probe/$1" "$1"
    echo "built $1 (.NET)"
}

# --- native (C) ---
native x64 edge_trace_filter.c    edge_trace_filter.dll    isapi_filter.def
native x64 affinity_sync_module.c affinity_sync_module.dll module.def
native x86 content_boost_module.c content_boost_module.dll module.def -lwininet
native x64 sso_bridge_ext.c       sso_bridge_ext.dll       isapi_ext.def
native x64 frame_options_module.c frame_options_module.dll module.def

# --- managed (C#) ---
managed Fabrikam.Analytics.Web.dll       Fabrikam.Analytics.Web.cs
managed Contoso.Telemetry.dll            Contoso.Telemetry.cs
managed Tailspin.Ops.Probes.dll          Tailspin.Ops.Probes.cs
managed Northwind.Reporting.Export.dll   Northwind.Reporting.Export.cs
managed Contoso.Identity.Audit.dll       Contoso.Identity.Audit.cs
managed AdventureWorks.Web.Optimizer.dll AdventureWorks.Web.Optimizer.cs
managed Litware.Diagnostics.Agent.dll    Litware.Diagnostics.Agent.cs
managed WideWorld.Web.SecurityHeaders.dll WideWorld.Web.SecurityHeaders.cs

# --- checks ---
python3 check_no_family_strings.py
if python3 -c 'import pefile, dnfile' 2>/dev/null; then
    python3 check_manifest.py
else
    echo "skipping check_manifest.py (needs pefile and dnfile)"
fi
