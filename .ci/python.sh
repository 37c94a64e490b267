#!/usr/bin/env bash
# CI for the Python bindings (bindings/python) and the Spark pipeline
# (examples/spark): build the wheel with maturin, install it in a venv,
# run the bindings' pytest suite, then the pipeline's in Spark local[2]
# mode against the CLI's records over the samples and the wine64 tree.
#
# Runs after `cargo test --release` on a fresh Debian machine with Rust:
# the bindings are a member of the root workspace, so they reuse the
# root Cargo.lock and the yara-x artifacts already in target/release.
# Everything from PyPI is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-true}
export DEBIAN_FRONTEND=noninteractive
# Spark's JVM decodes file names with the locale: non-ASCII names need UTF-8.
export LC_ALL=C.UTF-8 LANG=C.UTF-8
start=$SECONDS
stamp() { echo "   ($((SECONDS - start)) s)"; }

PYTHON=${PYTHON:-python3}
VENV=${IISWEEP_VENV:-/tmp/iisweep-python-venv}
WHEELS=${IISWEEP_WHEELS:-/tmp/iisweep-wheels}
PINS=(
  "maturin==1.16.0"
  "pytest==9.2.0"
  "pyspark==4.3.0"
  "pyarrow==26.0.1"
  # pyspark 4.3 warns that it does not fully support pandas 3.
  "pandas==2.3.3"
)

echo "== python: prerequisites"
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ -d /usr/lib/x86_64-linux-gnu/wine/x86_64-windows ] || need+=(wine64)
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  for i in 1 2 3; do apt-get update -qq && break || sleep 10; done
  for i in 1 2 3; do apt-get install -y -qq "${need[@]}" >/dev/null && break || sleep 10; done
fi
java -version 2>&1 | head -1
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
for i in 1 2 3; do
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" && break
  [ "$i" = 3 ] && exit 1
  sleep 10
done
export PATH="$VENV/bin:$PATH"
stamp

echo "== python: the CLI to compare against"
[ -x target/release/iisweep ] || cargo build --release --bin iisweep
stamp

echo "== python: build the wheel (maturin, release profile, root target/)"
rm -rf "$WHEELS"
(cd bindings/python && maturin build --release --strip --quiet -o "$WHEELS")
pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/iisweep-*.whl
python -c 'import iisweep; print("iisweep", iisweep.__version__, "from", iisweep.__file__)'
stamp

echo "== python: bindings tests"
# From outside the source tree, so the installed wheel is what is tested.
(cd /tmp && python -m pytest -q -p no:cacheprovider "$OLDPWD/bindings/python/tests")
stamp

echo "== python: Spark pipeline, local[2], against the CLI"
(cd /tmp && python -m pytest -q -p no:cacheprovider "$OLDPWD/examples/spark/tests")
stamp
echo "== python: done in $((SECONDS - start)) s"
