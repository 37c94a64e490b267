"""The Spark pipeline in local[2] mode against the CLI.

Over the samples and the wine64 tree, the pipeline's NDJSON lines must be
the CLI's (``iisweep scan --format ndjson --no-iis-config --no-dedupe``,
and ``--no-archives`` where the CLI opens archives)
byte for byte, and its Parquet output the same records. No field is
normalised: ``file.mtime`` comes from Spark's ``modificationTime``
(milliseconds, rounded down to the second as ``stat`` gives it) and the
path from Spark's ``file:`` URI made local, so both are the CLI's. The
Parquet comparison undoes only what a columnar layout changes: absent and
null are one (every column is nullable), a rule's ``facts`` values are
strings (``true`` -> ``"true"``) and ``image_base`` a decimal.
"""

from __future__ import annotations

import decimal
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))

import iisweep_spark  # noqa: E402

SAMPLES = REPO / "samples-synthetic"
WINE = Path(os.environ.get("IISWEEP_WINE", "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"))
MODULE = SAMPLES / "native/x64/module.dll"


def cli_binary() -> Path:
    path = Path(os.environ.get("IISWEEP_BIN", REPO / "target" / "release" / "iisweep"))
    if not path.is_file():
        pytest.fail(f"{path} is missing: build it with `cargo build --release`")
    return path


def per_file_flags():
    """What a per-file pipeline cannot do, turned off in the CLI: the server
    view, the dedupe cache and, where the CLI has it, opening archives."""
    flags = ["--no-iis-config", "--no-dedupe"]
    help_text = subprocess.run([str(cli_binary()), "scan", "--help"], stdout=subprocess.PIPE,
                               check=True).stdout.decode()
    if "--no-archives" in help_text:
        flags.append("--no-archives")
    return flags


def cli_lines(*roots: Path, extra=(), archives: bool = False) -> Dict[str, str]:
    flags = [f for f in per_file_flags() if archives is False or f != "--no-archives"]
    cmd = [str(cli_binary()), "scan", "--format", "ndjson", *flags,
           "-q", "-j", "2", *extra, *map(str, roots)]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert out.returncode in (0, 1, 4, 5), out.stderr.decode(errors="replace")
    lines = {}
    for raw in out.stdout.decode("utf-8").splitlines():
        rec = json.loads(raw)
        if rec["record"] == "file":
            assert rec["file"]["path"] not in lines
            lines[rec["file"]["path"]] = raw
    return lines


def read_ndjson(folder: Path) -> Dict[str, str]:
    lines = {}
    for part in sorted(folder.glob("part-*")):
        for raw in part.read_text(encoding="utf-8").splitlines():
            path = json.loads(raw)["file"]["path"]
            assert path not in lines, f"{path} twice"
            lines[path] = raw
    return lines


def assert_same_lines(ours: Dict[str, str], cli: Dict[str, str]) -> None:
    missing = sorted(set(cli) - set(ours))
    extra = sorted(set(ours) - set(cli))
    assert not missing and not extra, f"missing {missing[:5]} extra {extra[:5]}"
    diff = [p for p in cli if ours[p] != cli[p]]
    assert not diff, (f"{len(diff)} of {len(cli)} records differ; first {diff[0]}:\n"
                      f"spark {ours[diff[0]]}\ncli   {cli[diff[0]]}")


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master("local[2]").appName("iisweep-test")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "2g")
               .config("spark.sql.shuffle.partitions", "2"))
    session = iisweep_spark.configure(builder, batch_rows=16).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def corpus_out(spark, tmp_path_factory):
    """The pipeline over the samples and the wine tree, written both ways
    from one analysis."""
    assert WINE.is_dir(), f"{WINE} is missing (Debian package wine64)"
    out = tmp_path_factory.mktemp("corpus")
    lines = iisweep_spark.sweep(spark, [str(SAMPLES), str(WINE)]).persist()
    iisweep_spark.write(lines, str(out / "ndjson"), "ndjson")
    iisweep_spark.write(lines, str(out / "parquet"), "parquet")
    lines.unpersist()
    return out


@pytest.fixture(scope="session")
def corpus_cli():
    lines = cli_lines(SAMPLES, WINE)
    assert len(lines) > 800, len(lines)
    return lines


def test_ndjson_equals_cli(corpus_out, corpus_cli):
    ours = read_ndjson(corpus_out / "ndjson")
    assert_same_lines(ours, corpus_cli)
    # It covers what it should: components, alerts, traces, Microsoft-signed-looking DLLs.
    recs = [json.loads(x) for x in ours.values()]
    assert sum(1 for r in recs if r["iisweep"]["roles"]) > 50
    assert any(r["iisweep"].get("verdict", {}).get("level") == "alert" for r in recs)
    assert any(r["iisweep"].get("traces") for r in recs)
    assert sum(1 for r in recs if r["file"]["path"].startswith(str(WINE))) > 600


def _normalise_cli(v: Any, key: str = "") -> Any:
    """A CLI record as the Parquet columns give it back."""
    if isinstance(v, dict):
        out = {k: _normalise_cli(x, k) for k, x in v.items() if x is not None}
        if key == "facts":
            out = {k: (str(x).lower() if isinstance(x, bool) else x) for k, x in out.items()}
        return out
    if isinstance(v, list):
        return [_normalise_cli(x) for x in v]
    return v


def _from_parquet(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _from_parquet(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_from_parquet(x) for x in v]
    if isinstance(v, decimal.Decimal):
        return int(v)
    return v


def test_parquet_equals_cli(corpus_out, corpus_cli):
    import pyarrow.parquet as pq

    table = pq.read_table(corpus_out / "parquet")
    assert set(table.column_names) >= {"record", "file", "iisweep", "event", "threat"}
    assert table.schema.field("iisweep").type.get_field_index("verdict") >= 0
    ours = {}
    for row in table.to_pylist(maps_as_pydicts="strict"):
        rec = _from_parquet(row)
        ours[rec["file"]["path"]] = rec
    assert sorted(ours) == sorted(corpus_cli)
    diff = [p for p, line in corpus_cli.items() if ours[p] != _normalise_cli(json.loads(line))]
    assert not diff, (f"{len(diff)} differ; first {diff[0]}:\nparquet {ours[diff[0]]}\n"
                      f"cli     {_normalise_cli(json.loads(corpus_cli[diff[0]]))}")


def test_spark_schema_covers_the_record_schema():
    """Every property of the JSON Schema's file record is a column."""
    import iisweep

    schema = iisweep_spark.spark_schema()
    names = set(schema.fieldNames())
    assert names == set(iisweep.record_schema()["$defs"]["file_record"]["properties"])
    pe = schema["iisweep"].dataType["pe"].dataType
    assert pe["image_base"].dataType.typeName() == "decimal"
    assert pe["capabilities"].dataType.typeName() == "map"


def test_hidden_large_and_odd_names(spark, tmp_path):
    """What binaryFile alone gets wrong: names starting with _ or . (skipped
    by Spark), files over the cap (read whole, or failing over 2 GiB), and
    names with spaces, percent signs and non-ASCII letters."""
    root = tmp_path / "tree"
    (root / "_dir").mkdir(parents=True)
    (root / ".dotdir").mkdir()
    (root / "plain").mkdir()
    data = MODULE.read_bytes()
    for rel in ["_hidden.dll", ".dot.dll", "_dir/in_hidden_dir.dll", ".dotdir/x.dll",
                "plain/sp ace %41.dll", "plain/ünï.dll", "plain/a=b.dll"]:
        (root / rel).write_bytes(data)
    big = SAMPLES / "families/iisraid_like.dll"
    shutil.copy(big, root / "plain/big.dll")
    script = b"appcmd.exe install module /name:Evil /image:C:\\evil.dll\r\n" + b"rem pad\r\n" * 4000
    (root / "plain/big_install.cmd").write_bytes(script)
    (root / "_install.ps1").write_bytes(b"New-WebGlobalModule -Name Evil -Image C:\\evil.dll\r\n")
    (root / "plain/readme.txt").write_bytes(b"not a PE")
    cap = 10 * 1024
    assert big.stat().st_size > cap and len(script) > cap and len(data) <= cap
    lines = iisweep_spark.sweep(spark, [str(root)], scanner_options={"max_filesize": cap})
    ours = {r["path"]: r["record"] for r in lines.collect()}
    cli = cli_lines(root, extra=["--max-filesize", str(cap)])
    assert_same_lines(ours, cli)
    big_rec = json.loads(cli[str(root / "plain/big.dll")])
    assert big_rec["iisweep"]["skip_reason"] == "too_large"
    assert json.loads(cli[str(root / "plain/big_install.cmd")])["iisweep"]["traces"]
    assert str(root / "_dir/in_hidden_dir.dll") in ours
    # With --hidden skip, Spark's own listing: the hidden names are gone.
    skipped = iisweep_spark.sweep(spark, [str(root)], scanner_options={"max_filesize": cap},
                                  hidden="skip")
    assert {r["path"] for r in skipped.collect()} == {
        p for p in cli if "/_" not in p.replace(str(root), "") and "/." not in p.replace(str(root), "")}


def test_archives_as_the_cli_opens_them(spark, tmp_path):
    """Archives are opened as the CLI opens them: a ZIP read by binaryFile,
    a tar.gz inside it, a hidden ZIP and one over the cap (both read by
    path), each entry a record at ``archive!entry``."""
    import io
    import tarfile
    import zipfile

    root = tmp_path / "arch"
    root.mkdir()
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.write(MODULE, "m/module.dll")
        f.write(SAMPLES / "dotnet/ModuleAndHandler.dll", "ModuleAndHandler.dll")
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as t:
        info = tarfile.TarInfo("inner/plain.zip")
        info.size = len(z.getvalue())
        t.addfile(info, io.BytesIO(z.getvalue()))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as f:
        f.writestr("nested.tgz", tgz.getvalue())
        f.write(SAMPLES / "families/iisraid_like.dll", "iisraid_like.dll")
    (root / "plain.zip").write_bytes(z.getvalue())
    (root / "outer.zip").write_bytes(outer.getvalue())
    (root / "_hidden.zip").write_bytes(z.getvalue())
    cap = 64 * 1024
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as f:
        f.write(MODULE, "module.dll")
        f.writestr("pad.bin", os.urandom(2 * cap))
    (root / "big.zip").write_bytes(big.getvalue())
    assert (root / "big.zip").stat().st_size > cap >= MODULE.stat().st_size
    lines = iisweep_spark.sweep(spark, [str(root)], scanner_options={"max_filesize": cap})
    ours = {r["path"]: r["record"] for r in lines.collect()}
    cli = cli_lines(root, extra=["--max-filesize", str(cap)], archives=True)
    assert_same_lines(ours, cli)
    assert str(root / "outer.zip!nested.tgz!inner/plain.zip!m/module.dll") in ours
    assert str(root / "_hidden.zip!m/module.dll") in ours
    assert str(root / "big.zip!module.dll") in ours
    # --no-archives: the archives are quiet non-PE files, as in the CLI.
    off = iisweep_spark.sweep(spark, [str(root)], scanner_options={"archives": False})
    assert off.count() == 0


def test_spark_submit_with_user_rules(tmp_path):
    """The documented command: spark-submit, user rules shipped as text,
    Parquet out."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yar").write_text("""
rule user_default_handler {
  meta:
    description = "test: the default-handler string"
    score = 65
  strings:
    $s = "CHttpModule::OnBeginRequest"
  condition:
    $s
}
""")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(MODULE, src / "module.dll")
    shutil.copy(SAMPLES / "native/x64/isapi_ext.dll", src / "isapi_ext.dll")
    out = tmp_path / "out"
    cmd = ["spark-submit", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
           str(HERE.parent / "iisweep_spark.py"), str(src), "--output", str(out),
           "--format", "ndjson", "--rules", str(rules), "--coalesce", "1"]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    ours = read_ndjson(out)
    assert len(list(out.glob("part-*"))) == 1
    cli = cli_lines(src, extra=["--rules", str(rules)])
    assert_same_lines(ours, cli)
    rec = json.loads(ours[str(src / "module.dll")])
    assert "user_default_handler" in {r["rule"] for r in rec["iisweep"]["reasons"]}


def test_bad_rules_fail_before_spark(tmp_path, capsys):
    bad = tmp_path / "bad.yar"
    bad.write_text("rule bad { condition: no_such_thing }")
    assert iisweep_spark.main([str(tmp_path), "--output", str(tmp_path / "o"),
                               "--rules", str(bad)]) == 2
    assert "bad.yar" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_record_path():
    assert iisweep_spark.record_path("file:/a/b c.dll", "local") == "/a/b c.dll"
    assert iisweep_spark.record_path("file:///a/b.dll", "local") == "/a/b.dll"
    assert iisweep_spark.record_path("s3a://bkt/a.dll", "local") == "s3a://bkt/a.dll"
    assert iisweep_spark.record_path("file:/a/b.dll", "uri") == "file:/a/b.dll"
    assert iisweep_spark.parse_size("64M") == 64 << 20
    assert iisweep_spark.parse_size("1024") == 1024
