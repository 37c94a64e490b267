"""Shared fixtures: the repository, the samples, and the CLI's records to
compare against (the CLI is the reference: the bindings must give the
same record for the same bytes at the same path)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples-synthetic"


def cli_binary() -> Path:
    """``target/release/iisweep`` (or ``$IISWEEP_BIN``). Missing: a skip
    when run by hand, a failure under CI."""
    path = Path(os.environ.get("IISWEEP_BIN", REPO / "target" / "release" / "iisweep"))
    if not path.is_file():
        msg = f"{path} is missing: build it with `cargo build --release`"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def per_file_flags() -> List[str]:
    """The flags that turn off what a per-file API does not do: the server
    view (registrations from the IIS configuration), the dedupe cache
    (``duplicate_of``) and, where the CLI has it, opening archives (records
    of entries inside ZIP, gzip and tar files)."""
    flags = ["--no-iis-config", "--no-dedupe"]
    help_text = subprocess.run([str(cli_binary()), "scan", "--help"], stdout=subprocess.PIPE,
                               check=True).stdout.decode()
    if "--no-archives" in help_text:
        flags.append("--no-archives")
    return flags


def cli_records(*roots: Path, extra=(), archives: bool = False) -> Dict[str, str]:
    """The CLI's NDJSON ``file`` lines by path, for a sweep of ``roots``
    with :func:`per_file_flags` (archives opened when ``archives``)."""
    flags = [f for f in per_file_flags() if archives is False or f != "--no-archives"]
    cmd = [str(cli_binary()), "scan", "--format", "ndjson", *flags,
           "-q", *extra, *map(str, roots)]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    # Exit bits: 1 = a file reached --fail-level, 4 = per-file errors;
    # 2 is a usage or fatal error.
    assert out.returncode in (0, 1, 4, 5), out.stderr.decode(errors="replace")
    lines: Dict[str, str] = {}
    for raw in out.stdout.decode("utf-8").splitlines():
        rec = json.loads(raw)
        if rec["record"] == "file":
            lines[rec["file"]["path"]] = raw
    return lines


@pytest.fixture(scope="session")
def samples_cli() -> Dict[str, str]:
    lines = cli_records(SAMPLES)
    assert len(lines) > 200, f"the CLI reported only {len(lines)} sample files"
    return lines


def manifest_entries():
    """Every entry of every ``samples-synthetic/*/manifest.json``."""
    out = []
    for m in sorted(SAMPLES.glob("*/manifest.json")):
        for entry in json.loads(m.read_text()).get("samples", []):
            out.append(entry)
    return out
