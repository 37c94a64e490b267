"""The bindings against the samples: the manifests' expected classifications,
and the CLI's own records for the same files, line for line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import iisweep

from conftest import REPO, SAMPLES, cli_records, manifest_entries

LEVELS = ["none", "info", "notice", "warning", "alert"]


@pytest.fixture(scope="module")
def scanner():
    return iisweep.Scanner()


def _record(scanner, rel):
    path = SAMPLES / rel
    return scanner.analyze(path.read_bytes(), str(path))


@pytest.mark.parametrize("entry", manifest_entries(), ids=lambda e: e["path"])
def test_manifest_expectations(scanner, entry):
    rec = _record(scanner, entry["path"])
    i = rec["iisweep"]
    assert i["status"] in ("analyzed", "not_pe"), i.get("message")
    assert i["is_pe"] == entry["is_pe"]
    if "malformed" in entry and "roles" not in entry:
        return  # the manifest promises only a clean per-file result
    assert set(i["roles"]) == set(entry.get("roles", []))
    assert set(i.get("incomplete_roles", [])) == set(entry.get("incomplete_roles", []))
    assert set(i.get("decorated_roles", [])) == set(entry.get("decorated_roles", []))
    fired = {r["rule"] for r in i.get("reasons", [])}
    if "level" in entry:
        assert i["verdict"]["level"] == entry["level"], (i["verdict"], sorted(fired))
    if "level_at_least" in entry:
        assert LEVELS.index(i["verdict"]["level"]) >= LEVELS.index(entry["level_at_least"])
    missing = set(entry.get("rules", [])) - fired
    assert not missing, f"rules that did not fire: {sorted(missing)} (fired: {sorted(fired)})"
    if "microsoft_signed" in entry and not entry.get("expect_error"):
        cs = i["code_signature"]
        assert cs["microsoft_signed"] == entry["microsoft_signed"]
        assert cs["chain_trusted"] == entry["chain_trusted"]
        assert cs["digest_valid"] == entry["digest_valid"]


def test_specific_verdicts(scanner):
    """A few classifications spelled out, so a regression reads plainly."""
    mod = _record(scanner, "native/x64/module.dll")["iisweep"]
    assert mod["roles"] == ["native_module"]
    assert {"id_native_module"} <= {r["rule"] for r in mod["reasons"]}
    raid = _record(scanner, "families/iisraid_like.dll")
    assert raid["iisweep"]["verdict"]["level"] == "alert"
    assert "fam_iisraid" in {r["rule"] for r in raid["iisweep"]["reasons"]}
    assert raid["event"]["risk_score"] >= 80
    assert "T1505.004" in raid["threat"]["technique"]["id"]
    flt = _record(scanner, "behaviour/edge_trace_filter.dll")["iisweep"]
    assert flt["roles"] == ["isapi_filter"]
    assert LEVELS.index(flt["verdict"]["level"]) >= LEVELS.index("warning")


def _mtime(path: Path) -> int:
    return os.stat(path, follow_symlinks=False).st_mtime_ns // 1_000_000_000


def test_same_lines_as_cli(scanner, samples_cli):
    """Every file record of ``iisweep scan --format ndjson`` over the samples
    equals, byte for byte, the line the bindings give for the same bytes,
    path and mtime; the files the CLI leaves out are the ones
    ``is_reported`` says it leaves out."""
    ours = {}
    quiet = 0
    for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file()):
        line = scanner.analyze_json(path.read_bytes(), str(path), mtime=_mtime(path))
        if iisweep.is_reported(json.loads(line)):
            ours[str(path)] = line
        else:
            quiet += 1
    assert quiet > 0
    assert sorted(ours) == sorted(samples_cli)
    diff = [p for p in ours if ours[p] != samples_cli[p]]
    assert not diff, f"{len(diff)} differ, first {diff[0]}:\nours {ours[diff[0]]}\ncli  {samples_cli[diff[0]]}"


def test_traces_match_cli(scanner, samples_cli):
    """Scripts and shell history carry install traces, as in a sweep."""
    with_traces = [p for p, line in samples_cli.items() if json.loads(line)["iisweep"].get("traces")]
    assert with_traces, "the samples hold scripts with install traces"
    for p in with_traces:
        rec = scanner.analyze(Path(p).read_bytes(), p)
        assert rec["iisweep"]["status"] == "not_pe"
        assert rec["iisweep"]["traces"] == json.loads(samples_cli[p])["iisweep"]["traces"]
        assert iisweep.is_reported(rec)


def test_analyze_file_equals_cli(scanner, samples_cli):
    for p in list(samples_cli)[::7]:
        assert scanner.analyze_file_json(p) == samples_cli[p], p


def test_options_match_cli_flags(tmp_path):
    """Non-default options give what the same CLI flags give."""
    rel = ["native/x64/module.dll", "families/iisraid_like.dll", "dotnet/DirectModule.dll", "dotnet/BackdoorTraits.dll"]
    files = [SAMPLES / r for r in rel if (SAMPLES / r).exists()]
    assert len(files) == 4
    for f in files:
        (tmp_path / f.name).write_bytes(f.read_bytes())
    cli = cli_records(tmp_path, extra=["--entropy-all", "--no-il", "--no-authenticode"])
    s = iisweep.Scanner(entropy_all=True, il=False, authenticode=False)
    for p, line in cli.items():
        assert s.analyze_json(Path(p).read_bytes(), p, mtime=_mtime(Path(p))) == line


def _archives(tmp_path: Path) -> Path:
    """A folder of archives holding samples: a plain ZIP, the same ZIP
    inside a tar.gz, a cut ZIP, and the encrypted fixtures of
    tests/fixtures/archives (ZipCrypto with the default password, and one
    whose password is not in the list; the zipfile module writes no
    encryption)."""
    import io
    import shutil
    import tarfile
    import zipfile
    names = ["native/x64/module.dll", "dotnet/ModuleAndHandler.dll", "families/iisraid_like.dll"]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.write(SAMPLES / n, "in/" + n.rsplit("/", 1)[-1])
        z.writestr("readme.txt", "not a PE")
    root = tmp_path / "archives"
    root.mkdir()
    (root / "plain.zip").write_bytes(plain.getvalue())
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as t:
        info = tarfile.TarInfo("sub/plain.zip")
        info.size = len(plain.getvalue())
        t.addfile(info, io.BytesIO(plain.getvalue()))
    (root / "nested.tgz").write_bytes(tgz.getvalue())
    fixtures = REPO / "tests" / "fixtures" / "archives"
    for f in ("zipcrypto.zip", "wrong_password.zip"):
        shutil.copy(fixtures / f, root / f)
    (root / "cut.zip").write_bytes(plain.getvalue()[:-10])
    return root


def test_scan_opens_archives_as_the_cli_does(scanner, tmp_path):
    root = _archives(tmp_path)
    # --report-all: not_pe entries show, as scan() returns them.
    cli = cli_records(root, extra=["--report-all"], archives=True)
    ours = {}
    for f in sorted(root.iterdir()):
        lines = scanner.scan_json(f.read_bytes(), str(f))
        assert lines, f
        for line in lines:
            ours[json.loads(line)["file"]["path"]] = line
    assert sorted(ours) == sorted(cli)
    diff = [p for p in ours if ours[p] != cli[p]]
    assert not diff, f"{len(diff)} differ, first {diff[0]}:\nours {ours[diff[0]]}\ncli  {cli[diff[0]]}"
    recs = {p: json.loads(line) for p, line in ours.items()}
    nested = [p for p in recs if "nested.tgz!sub/plain.zip!in/module.dll" in p]
    assert nested and len(recs[nested[0]]["iisweep"]["containers"]) == 2
    cut = recs[str(root / "cut.zip")]
    assert cut["iisweep"]["status"] == "error"
    # A DLL that is not an archive gives its one record; archives=False
    # gives the archive's own (not_pe) record.
    dll = SAMPLES / "native/x64/module.dll"
    assert scanner.scan_json(dll.read_bytes(), str(dll)) == [scanner.analyze_json(dll.read_bytes(), str(dll))]
    plain = (root / "plain.zip").read_bytes()
    off = iisweep.Scanner(archives=False, traces=False).scan(plain, "p.zip")
    assert [r["iisweep"]["status"] for r in off] == ["not_pe"]
    # is_archive: the sweep's probe (first four bytes, a .tar name, never MZ).
    assert iisweep.is_archive(plain[:4]) and iisweep.is_archive(b"\x1f\x8b\x08\x00")
    assert iisweep.is_archive(b"data", "x.tar") and not iisweep.is_archive(b"data", "x.txt")
    assert not iisweep.is_archive(b"MZ\x90\x00", "x.tar")
    # An extra password opens what the default list cannot.
    locked = (root / "wrong_password.zip").read_bytes()
    assert [r["iisweep"]["status"] for r in scanner.scan(locked, "w.zip")] == ["error"]
    opened = iisweep.Scanner(archive_passwords=["not-in-the-list"]).scan(locked, "w.zip")
    assert [r["iisweep"]["status"] for r in opened] == ["analyzed"]
    assert opened[0]["file"]["path"] == "w.zip!module.dll"
