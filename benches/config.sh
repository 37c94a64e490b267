#!/usr/bin/env bash
# The config stage's cost: builds a mock IIS image (make_bench_image.py:
# M wine64 DLLs (default: every one) registered as global modules, S sites,
# N web.config files), then
#  1. times config::load alone (cargo bench --bench analysis, medians),
#  2. times whole sweeps of the image with and without the configuration
#     (hyperfine, side by side in one run, medians), and
#  3. the same sweeps alternated run by run (benches/alternate.py, medians),
#     which a drifting machine disturbs less.
#
#   benches/config.sh [-n RUNS] [-j THREADS] [-w WEBCONFIGS] [-m MODULES] [-s SITES]
#
# A server-like image: -w 20 -s 2 -m 45 (docs/PERFORMANCE.md, issue 10).
#
# Needs: python3, wine64's DLL tree, hyperfine, a release build.
set -euo pipefail
runs=7 threads=2 webconfigs=10000 modules= sites=10
while getopts n:j:w:m:s: o; do
  case $o in
    n) runs=$OPTARG ;; j) threads=$OPTARG ;; w) webconfigs=$OPTARG ;;
    m) modules=$OPTARG ;; s) sites=$OPTARG ;; *) exit 2 ;;
  esac
done
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/target/release/iisweep"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$repo/samples-synthetic/iis-images/make_bench_image.py" "$work/img" \
  --webconfigs "$webconfigs" --sites "$sites" ${modules:+--modules "$modules"}
(cd "$repo" && IISWEEP_BENCH_CONFIG="$work/img" cargo bench -q --bench analysis 2>/dev/null)
# The DLLs are symlinks into the wine tree: both sweeps follow them.
hyperfine -N -w 2 -r "$runs" \
  -n "sweep, no configuration" "$bin scan -q --format ndjson -j $threads --follow-symlinks --no-iis-config $work/img" \
  -n "sweep with the server view" "$bin scan -q --format ndjson -j $threads --follow-symlinks $work/img"
sweep="exec $bin scan -q --format ndjson -j $threads --follow-symlinks"
python3 "$repo/benches/alternate.py" "$((runs * 3))" "$sweep --no-iis-config $work/img" "$sweep $work/img"
