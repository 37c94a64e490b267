#!/usr/bin/env bash
# Builds the inert family and heuristic samples in this folder.
# Needs: gcc-mingw-w64-x86-64, gcc-mingw-w64-i686 (dlltool comes with them),
# mono-mcs + libmono-system-web4.0-cil, openssl, osslsigncode.
# Outputs are committed beside the sources; see manifest.json for what each
# one is and which rules must fire on it.
set -euo pipefail
cd "$(dirname "$0")"

CC64=x86_64-w64-mingw32-gcc
CC32=i686-w64-mingw32-gcc
DLLTOOL64=x86_64-w64-mingw32-dlltool
CFLAGS=(-O2 -Wall -Wextra -Wno-unused-parameter -fno-ident -shared -s
        -static-libgcc -Wl,--no-insert-timestamp)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# mingw ships no libmscoree.a: make an import library for CLRCreateInstance.
"$DLLTOOL64" -d mscoree_import.def -l "$TMP/libmscoree.a"

# native ARCH SOURCE OUTPUT DEF [extra linker args...]
native() {
    local arch=$1 src=$2 out=$3 def=$4
    shift 4
    local cc=$CC64 extra=()
    if [ "$arch" = x86 ]; then
        cc=$CC32
        extra=(-Wl,--enable-stdcall-fixup)
    fi
    "$cc" "${CFLAGS[@]}" "${extra[@]}" -o "$out" "$src" "$def" -L"$TMP" "$@"
    echo "built $out ($arch)"
}

# managed SOURCE OUTPUT
managed() {
    mcs -nologo -target:library -optimize+ -debug- -r:System.Web.dll \
        -out:"$1".tmp "$2" >/dev/null
    mv "$1".tmp "$1"
    echo "built $1 (.NET)"
}

# --- family samples (native) ---
native x64 iisraid_like.c          iisraid_like.dll          iisraid_like.def -lcrypt32
native x64 triplerriis_like.c      triplerriis_like.dll      module.def
native x64 xcookie_like.c          xcookie_like.dll          xcookie_like.def -lcrypt32
native x64 rgdoor_like.c           rgdoor_like.dll           rgdoor_like.def
native x64 iistealer_like.c        iistealer_like.dll        module.def
native x64 iisniff_like.c          iisniff_like.dll          module.def
native x64 iispy_like.c            iispy_like.dll            module.def -lmpr
native x64 gooddownload_like.c     gooddownload_like.dll     module.def
native x64 eset_g9_seo_like.c      eset_g9_seo_like.dll      module.def
native x86 eset_g10_injector_like.c eset_g10_injector_like.dll eset_g10_injector_like.def
native x64 onecmd_like.c           onecmd_like.dll           module.def -ldnsapi
native x64 eset_g12_proxy_like.c   eset_g12_proxy_like.dll   module.def
native x86 iiserpent_like.c        iiserpent_like.dll        module.def
native x86 eset_g14_seo_like.c     eset_g14_seo_like.dll     module.def
native x64 regeorgiis_like.c       regeorgiis_like.dll       module.def
native x64 sessionsiis_like.c      sessionsiis_like.dll      sessionsiis_like.def
native x64 tigeriis_like.c         tigeriis_like.dll         tigeriis_like.def
native x64 lighthandiis_like.c     lighthandiis_like.dll     module.def
native x64 cookiehash_like.c       cookiehash_like.dll       cookiehash_like.def
native x64 nosuch_like.c           nosuch_like.dll           module.def
native x64 sessionmanager_like.c   sessionmanager_like.dll   module.def
native x64 doorme_like.c           doorme_like.dll           doorme_like.def
native x64 threetrack_like.c       threetrack_like.dll       threetrack_like.def
native x64 blackmould_like.c       blackmould_like.dll       module.def
native x64 iisinjectorplus_like.c  iisinjectorplus_like.dll  module.def -lmscoree
native x64 iis_seo_like.c          iis_seo_like.dll          module.def
native x64 dongtai_like.c          dongtai_like.dll          module.def
native x64 dragonrank_badiis_like.c dragonrank_badiis_like.dll module.def
native x64 tollbooth_like.c        tollbooth_like.dll        module.def

# --- family samples (managed) ---
managed owowa_like.dll          owowa_like.cs
managed spiderexecute_like.dll  spiderexecute_like.cs
managed detele_like.dll         detele_like.cs
managed reviseiis_like.dll      reviseiis_like.cs
managed rainowa_like.dll        rainowa_like.cs
managed deployfilter_like.dll   deployfilter_like.cs
managed limitedcookie_like.dll  limitedcookie_like.cs
managed exowa_like.dll          exowa_like.cs

# --- heuristic-only samples ---
native x64 heur_authmd4.c          authmd4.dll               module.def
native x64 heur_clr_host.c         clr_host_module.dll       module.def -lmscoree
native x64 heur_cmd_cookie.c       cmd_cookie_module.dll     module.def
native x86 heur_seo_spider_filter.c seo_spider_filter.dll    isapi_filter.def
native x86 heur_owa_creds_filter.c owa_creds_filter.dll      isapi_filter.def
native x64 heur_w3wp_stack_ext.c   w3wp_stack_ext.dll        isapi_ext.def
native x64 heur_webcache_tmp.c     webcache.tmp              module.def
managed managed_loader.dll       managed_loader.cs
managed managed_exec_handler.dll managed_exec_handler.cs

# --- benign-looking module, signed with a throwaway self-signed cert ---
native x64 benign_headers.c        "$TMP/benign_headers.dll" module.def
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj "/CN=iisweep synthetic test signer/O=iisweep" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
osslsigncode sign -certs "$TMP/cert.pem" -key "$TMP/key.pem" \
    -n "iisweep header hygiene module (synthetic)" -h sha256 \
    -in "$TMP/benign_headers.dll" -out "$TMP/signed.dll" >/dev/null
mv "$TMP/signed.dll" benign_headers.dll
echo "built benign_headers.dll (x64, signed)"
