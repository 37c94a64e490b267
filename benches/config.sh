#!/usr/bin/env bash
# The config stage's cost: builds a mock IIS image (make_bench_image.py:
# every wine64 DLL registered as a global module, N web.config files), then
#  1. times config::load alone (cargo bench --bench analysis, medians), and
#  2. times whole sweeps of the image with and without the configuration
#     (hyperfine, side by side in one run, medians).
#
#   benches/config.sh [-n RUNS] [-j THREADS] [-w WEBCONFIGS]
#
# Needs: python3, wine64's DLL tree, hyperfine, a release build.
set -euo pipefail
runs=7 threads=2 webconfigs=10000
while getopts n:j:w: o; do
  case $o in n) runs=$OPTARG ;; j) threads=$OPTARG ;; w) webconfigs=$OPTARG ;; *) exit 2 ;; esac
done
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/target/release/iisweep"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$repo/samples-synthetic/iis-images/make_bench_image.py" "$work/img" --webconfigs "$webconfigs"
(cd "$repo" && IISWEEP_BENCH_CONFIG="$work/img" cargo bench -q --bench analysis 2>/dev/null)
# The DLLs are symlinks into the wine tree: both sweeps follow them.
hyperfine -N -w 2 -r "$runs" \
  -n "sweep, no configuration" "$bin scan -q --format ndjson -j $threads --follow-symlinks --no-iis-config $work/img" \
  -n "sweep with the server view" "$bin scan -q --format ndjson -j $threads --follow-symlinks $work/img"
