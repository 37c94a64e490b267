#!/usr/bin/env bash
# Fetches real, benign managed web assemblies (classes implementing
# System.Web.IHttpModule / IHttpHandler / IHttpHandlerFactory) from Debian
# packages into DEST, for false-positive tests (see BENIGN_CORPUS.md).
#
#   bash fetch_benign_web.sh DEST
#
# Uses `apt-get download` (no install, no root needed once the package
# lists exist; runs `apt-get update` first when root and a download fails)
# and `dpkg-deb -x`, one folder per package:
#   DEST/<package>/usr/lib/mono/gac/<Assembly>/<version>__<token>/<Assembly>.dll
# The /usr/lib/mono/4.5*/ symlinks into the GAC are removed so each
# assembly is present once. DEST/PACKAGES.tsv records package and version;
# DEST/COMPONENTS.txt lists the component types found (needs python3 with
# dnfile; skipped otherwise).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DEST" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
dest="$(cd "$1" && pwd)"

# Packages whose assemblies define managed web components (first block),
# then two related packages kept as controls: their classes only derive
# from System.Web.UI.Page / UserControl (handlers only through a base class
# in another assembly) or have no component at all.
packages=(
    libmono-system-web-extensions4.0-cil     # System.Web.Extensions.dll
    libmono-system-web-services4.0-cil       # System.Web.Services.dll
    libmono-system-web-mvc3.0-cil            # System.Web.Mvc.dll (3.0)
    libmono-system-web-webpages2.0-cil       # System.Web.WebPages.dll
    libmono-system-web-http-webhost4.0-cil   # System.Web.Http.WebHost.dll
    libmono-system-runtime4.0-cil            # System.Runtime.Remoting.dll (+ System.Runtime.dll)
    libmono-system-servicemodel4.0a-cil      # System.ServiceModel.dll
    libmono-http4.0-cil                      # Mono.Http.dll
    libmono-system-web-dynamicdata4.0-cil    # control: UserControl-derived only
    asp.net-examples                         # control: Page/UserControl-derived demo DLLs
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

download() {
    (cd "$work" && apt-get download -q "$1" >/dev/null 2>&1)
}

updated=0
: > "$dest/PACKAGES.tsv"
for p in "${packages[@]}"; do
    if ! download "$p"; then
        if [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then
            apt-get update -qq >/dev/null 2>&1 || true
            updated=1
        fi
        download "$p" || { echo "fetch_benign_web: cannot download $p" >&2; exit 1; }
    fi
    deb="$(ls "$work"/"${p}"_*.deb | head -n1)"
    ver="$(dpkg-deb -f "$deb" Version)"
    rm -rf "${dest:?}/$p"
    mkdir -p "$dest/$p"
    dpkg-deb -x "$deb" "$dest/$p"
    rm -f "$deb"
    printf '%s\t%s\n' "$p" "$ver" >> "$dest/PACKAGES.tsv"
    echo "fetched $p $ver"
done

# One copy of each assembly: drop the /usr/lib/mono/4.5 symlinks into the
# GAC (everything else, e.g. the examples' .aspx/.cs files, is kept).
find "$dest" -type l -delete
find "$dest" -type d -empty -delete

if python3 -c 'import dnfile' 2>/dev/null; then
    python3 "$here/list_web_components.py" "$dest" > "$dest/COMPONENTS.txt" 2>/dev/null
    echo "component types: $dest/COMPONENTS.txt"
fi
