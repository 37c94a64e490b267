#!/usr/bin/env bash
# Builds every sample in samples-synthetic/native/ (then runs ../malformed/make.py).
# Needs: gcc-mingw-w64-x86-64, gcc-mingw-w64-i686 (binutils >= 2.40 for --pdb), python3.
# All binaries are inert: entry points return an error code / FALSE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
CC64=x86_64-w64-mingw32-gcc
CC32=i686-w64-mingw32-gcc
DLLTOOL64=x86_64-w64-mingw32-dlltool
WINDRES64=x86_64-w64-mingw32-windres

# Small, CRT-free, timestamp-free DLLs.
COMMON=(-shared -O1 -s -nostdlib -fno-asynchronous-unwind-tables -fno-ident
        -Wl,--no-insert-timestamp -Wl,--file-alignment=512)
ENTRY64=(-Wl,-e,DllMain)
ENTRY32=(-Wl,-e,_DllMain@12)

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p x64 x86

# name  arch  source  defines...
b64() { local out=$1 src=$2; shift 2
        "$CC64" "${COMMON[@]}" "${ENTRY64[@]}" -o "x64/$out" "$src" "$@" -lkernel32; echo "built x64/$out"; }
b32() { local out=$1 src=$2; shift 2
        "$CC32" "${COMMON[@]}" "${ENTRY32[@]}" -o "x86/$out" "$src" "$@" -lkernel32; echo "built x86/$out"; }

MOD=(-DWITH_IIS_STRINGS -DF_RM)
EXT=(-DF_GEV -DF_HEP -DF_TE)
FLT=(-DF_GFV -DF_HFP -DF_TF)

# Native IIS modules
b64 module.dll            iis_sample.c "${MOD[@]}" defs/module_x64.def
b32 module.dll            iis_sample.c "${MOD[@]}" defs/module_x86.def
# ISAPI extension / filters
b64 isapi_ext.dll         iis_sample.c "${EXT[@]}" defs/isapi_ext_x64.def
b64 isapi_filter.dll      iis_sample.c "${FLT[@]}" defs/isapi_filter_x64.def
b32 isapi_filter.dll      iis_sample.c "${FLT[@]}" defs/isapi_filter_x86.def
# Every role in one DLL
b64 all_roles.dll         iis_sample.c "${MOD[@]}" "${EXT[@]}" "${FLT[@]}" defs/all_roles_x64.def
# Proxy: RegisterModule forwarded to realmod.RegisterModule
b64 proxy.dll             proxy.c defs/proxy_x64.def
# Incomplete export sets
b64 ext_proc_only.dll     iis_sample.c -DF_HEP defs/ext_proc_only_x64.def
b64 filter_getver_only.dll iis_sample.c -DF_GFV defs/filter_getver_only_x64.def
# stdcall-decorated exports only (IIS would not find them)
b32 decorated_ext.dll     iis_sample.c -DF_GEV -DF_HEP defs/decorated_ext_x86.def
b32 decorated_module.dll  iis_sample.c "${MOD[@]}" defs/decorated_module_x86.def
# Ordinals
b64 ordinal_mixed.dll     iis_sample.c "${MOD[@]}" -DF_HELPERS defs/ordinal_mixed_x64.def
b64 ordinal1_named.dll    iis_sample.c "${MOD[@]}" defs/ordinal1_named_x64.def
b64 ordinal1_noname.dll   iis_sample.c "${MOD[@]}" defs/ordinal1_noname_x64.def
# Look-alike names and plain benign DLL
b64 lookalike.dll         lookalike.c defs/lookalike_x64.def
b64 benign.dll            benign.c defs/benign_x64.def
# Native module under a non-DLL name (IIS-Raid derivatives used thumbs.db etc.)
cp x64/module.dll x64/thumbs.db; echo "built x64/thumbs.db (copy of x64/module.dll)"

# Rich native module: ordinal imports, delay import, PDB path, VERSIONINFO, overlay
# (dlltool embeds the output name in symbol names: run it inside $TMP with
# relative names so the result does not depend on the temp path.)
( cd "$TMP" &&
  "$DLLTOOL64" -d "$HERE/defs/ws2_32_ord_x64.def"    -l libws2_32_ord.a &&
  "$DLLTOOL64" -d "$HERE/defs/oleaut32_ord_x64.def"  -l liboleaut32_ord.a &&
  "$DLLTOOL64" -d "$HERE/defs/version_delay_x64.def" -y libversion_delay.a &&
  "$WINDRES64" -O coff -I"$HERE" -i "$HERE/rich.rc" -o rich_res.o )
# ld writes the PDB file relative to the cwd under the literal name it embeds;
# link inside $TMP so that file is thrown away.
( cd "$TMP" && "$CC64" "${COMMON[@]}" "${ENTRY64[@]}" -I"$HERE" \
    '-Wl,--pdb=C:\build\IISRich\x64\Release\richmod.pdb' -Wl,-Map=rich.map \
    -o rich.dll "$HERE/rich.c" rich_res.o "$HERE/defs/rich_x64.def" \
    libws2_32_ord.a liboleaut32_ord.a libversion_delay.a -lmingwex -lkernel32 )
python3 patch_delay_dir.py "$TMP/rich.dll" "$TMP/rich.map" __DELAY_IMPORT_DESCRIPTOR_libversion_delay_a 1
cp "$TMP/rich.dll" x64/rich.dll
# Overlay: 512 deterministic bytes after the last section.
python3 - <<'PY'
data = b"IISWEEP-OVERLAY\x00" + bytes((i * 37 + 11) & 0xFF for i in range(496))
with open("x64/rich.dll", "ab") as f:
    f.write(data)
PY
echo "built x64/rich.dll"

# Non-PE inputs
printf 'This is a plain text file, not a PE image.\nRegisterModule GetExtensionVersion HttpFilterProc\n' > not_pe.txt
printf 'MZ this file starts with MZ but has no PE header at all.\n' > mz_not_pe.bin
echo "built not_pe.txt mz_not_pe.bin"

python3 ../malformed/make.py
