#!/usr/bin/env bash
# Whole-process comparison: iisweep against `yr scan` (YARA-X CLI) and
# classic `yara` on the same tree, same thread count, several runs each;
# prints median wall time, median peak RSS and ratios against yr.
#
#   benches/compare.sh [-n RUNS] [-j THREADS] [-b IISWEEP] TREE
#
# Needs: a release build of iisweep (cargo build --release), `yr`
# (cargo install yara-x-cli), `yara` (Debian), GNU time (/usr/bin/time).
# Runs every command once untimed first so the page cache is hot.
set -euo pipefail
runs=5 threads=2 bin="$(dirname "$0")/../target/release/iisweep"
while getopts n:j:b: o; do
  case $o in n) runs=$OPTARG ;; j) threads=$OPTARG ;; b) bin=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
tree=${1:?usage: compare.sh [-n RUNS] [-j THREADS] [-b IISWEEP] TREE}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The one-rule file of the issue: is this a native IIS module?
cat > "$work/one.yar" <<'YAR'
import "pe"
rule native_iis_module { condition: pe.exports("RegisterModule") }
YAR
# yr needs the iisweep globals defined to compile the pack: iisweep lists them
# (an older binary without `rules globals` borrows this checkout's build).
mapfile -t defs < <("$bin" rules globals --yr-defines 2>/dev/null ||
  "$repo/target/release/iisweep" rules globals --yr-defines)
[ ${#defs[@]} -gt 0 ] || { echo "compare.sh: no rule globals from $bin" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A WALL RSS
measure() { # name cmd...
  local name=$1; shift
  local rc=0
  "$@" >/dev/null 2>"$work/err" || rc=$? # warm-up, hot cache
  # iisweep exits 1/4/5 for findings and per-file errors, yr and yara 0:
  # anything else means the command did not run.
  if [ "$rc" -ge 2 ] && [ "$rc" -ne 4 ] && [ "$rc" -ne 5 ]; then
    echo "compare.sh: $name failed (exit $rc): $(head -c 300 "$work/err")" >&2
  fi
  local walls=() rsss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || true
    read -r w m < <(tail -1 "$work/t")
    walls+=("$w"); rsss+=("$m")
  done
  WALL[$name]=$(printf '%s\n' "${walls[@]}" | median)
  RSS[$name]=$(printf '%s\n' "${rsss[@]}" | median)
  printf '%-34s wall %7.3f s (runs: %s)  peak RSS %7.1f MiB\n' "$name" "${WALL[$name]}" "${walls[*]}" "$(echo "${RSS[$name]} / 1024" | bc -l)"
}

files=$(find "$tree" -type f | wc -l)
bytes=$(du -sb "$tree" | cut -f1)
echo "tree: $tree ($files files, $((bytes / 1048576)) MiB); threads $threads; $runs runs each; $(date -u +%FT%TZ)"
echo "iisweep: $("$bin" --version); $(yr --version); yara $(yara --version)"
measure "iisweep structural (no rules)" "$bin" scan -q -j "$threads" --no-default-rules --format ndjson "$tree"
measure "iisweep full (embedded pack)" "$bin" scan -q -j "$threads" --format ndjson "$tree"
measure "yr scan one-rule" yr scan -p "$threads" -r "$work/one.yar" "$tree"
measure "yr scan pack (signatures/)" yr scan -p "$threads" -r "${defs[@]}" "$repo/signatures" "$tree"
measure "yara one-rule" yara -p "$threads" -r "$work/one.yar" "$tree"
ratio() { echo "scale=3; ${WALL[$1]} / ${WALL[$2]}" | bc -l; }
echo "ratio structural / yr one-rule:   $(ratio 'iisweep structural (no rules)' 'yr scan one-rule')"
echo "ratio full / yr pack:             $(ratio 'iisweep full (embedded pack)' 'yr scan pack (signatures/)')"
echo "ratio yr pack / full (speed-up):  $(ratio 'yr scan pack (signatures/)' 'iisweep full (embedded pack)')"
echo "ratio yr one-rule / structural:   $(ratio 'yr scan one-rule' 'iisweep structural (no rules)')"
echo "peak RSS full / yr pack:          $(echo "scale=3; ${RSS['iisweep full (embedded pack)']} / ${RSS['yr scan pack (signatures/)']}" | bc -l)"
