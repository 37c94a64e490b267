#!/usr/bin/env bash
# The OASIS SARIF 2.1.0 JSON schema, for tests/it/bulk.rs (validating
# `--format sarif`). It is not committed: it is taken from the serde-sarif
# crate on crates.io (the one registry CI reaches), which ships the OASIS
# file unchanged as src/schema.json, and checked against a pinned SHA-256.
#
#   bash tests/sarif/fetch_schema.sh DIR    # writes DIR/sarif-schema-2.1.0.json
set -euo pipefail
dir=${1:-/tmp/iisweep-sarif-schema}
want=af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea
out="$dir/sarif-schema-2.1.0.json"
if [ -f "$out" ] && echo "$want  $out" | sha256sum -c --quiet - 2>/dev/null; then
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3; do
  curl -sSfL -o "$tmp/c.crate" https://static.crates.io/crates/serde-sarif/serde-sarif-0.8.0.crate && break || sleep 5
done
tar -xzf "$tmp/c.crate" -C "$tmp" serde-sarif-0.8.0/src/schema.json
echo "$want  $tmp/serde-sarif-0.8.0/src/schema.json" | sha256sum -c --quiet -
cp "$tmp/serde-sarif-0.8.0/src/schema.json" "$out"
echo "SARIF 2.1.0 schema: $out"
