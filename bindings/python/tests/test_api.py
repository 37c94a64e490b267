"""The Python API: arguments, errors, rules, size caps, threads."""

from __future__ import annotations

import os
import pickle
import re
import threading
import time
from pathlib import Path

import pytest

import iisweep

from conftest import REPO, SAMPLES

MODULE = SAMPLES / "native/x64/module.dll"
RAID = SAMPLES / "families/iisraid_like.dll"

USER_RULE = """
rule user_marks_module {
  meta:
    description = "test rule: the default-handler string"
    score = 70
    attack = "T1505.004"
  strings:
    $s = "CHttpModule::OnBeginRequest"
  condition:
    $s
}
"""


@pytest.fixture(scope="module")
def scanner():
    return iisweep.Scanner()


def test_version_and_constants():
    cargo = (REPO / "bindings/python/Cargo.toml").read_text()
    assert f'\nversion = "{iisweep.__version__}"\n' in cargo
    assert iisweep.SCHEMA_VERSION == 1
    assert iisweep.DEFAULT_MAX_FILESIZE == 64 << 20
    assert iisweep.TRACE_HEAD_BYTES == 8 << 20
    schema = iisweep.record_schema()
    assert "file_record" in schema["$defs"]


def test_module_level_analyze_uses_one_default_scanner():
    data = MODULE.read_bytes()
    a = iisweep.analyze(data, str(MODULE))
    assert a["iisweep"]["roles"] == ["native_module"]
    assert iisweep.default_scanner() is iisweep.default_scanner()
    from_file = iisweep.analyze_file(MODULE)
    assert from_file.pop("file").pop("mtime")
    a.pop("file")
    assert from_file == a


def test_record_shape(scanner):
    rec = scanner.analyze(MODULE.read_bytes(), str(MODULE), mtime=0)
    assert rec["record"] == "file"
    assert rec["file"]["path"] == str(MODULE)
    assert rec["file"]["name"] == "module.dll"
    assert rec["file"]["directory"] == str(MODULE.parent)
    assert rec["file"]["extension"] == "dll"
    assert rec["file"]["size"] == MODULE.stat().st_size
    assert rec["file"]["mtime"] == "1970-01-01T00:00:00Z"
    assert re.fullmatch(r"[0-9a-f]{64}", rec["file"]["hash"]["sha256"])
    assert rec["iisweep"]["is_pe"] is True


def test_path_is_optional(scanner):
    rec = scanner.analyze(MODULE.read_bytes())
    assert rec["file"]["path"] == ""
    assert rec["iisweep"]["roles"] == ["native_module"]
    assert "mtime" not in rec["file"]


def test_path_changes_name_based_facts(scanner):
    a = scanner.analyze(MODULE.read_bytes(), "/srv/a/module.dll")
    b = scanner.analyze(MODULE.read_bytes(), "/srv/b/other.DLL")
    assert b["file"]["extension"] == "dll"
    assert a["file"]["hash"] == b["file"]["hash"]


def test_mtime_forms(scanner):
    from datetime import datetime, timezone

    data = MODULE.read_bytes()
    when = datetime(2024, 5, 6, 7, 8, 9, 999000, tzinfo=timezone.utc)
    for m in (when, when.timestamp(), int(when.timestamp())):
        assert scanner.analyze(data, "x.dll", mtime=m)["file"]["mtime"] == "2024-05-06T07:08:09Z"
    with pytest.raises(TypeError):
        scanner.analyze(data, "x.dll", mtime="yesterday")


def test_bytes_like_inputs(scanner):
    data = MODULE.read_bytes()
    want = scanner.analyze_json(data, "m.dll")
    assert scanner.analyze_json(bytearray(data), "m.dll") == want
    assert scanner.analyze_json(memoryview(data), "m.dll") == want
    assert scanner.analyze_json(memoryview(data)[0:], "m.dll") == want


@pytest.mark.parametrize("bad", ["MZ text", 5, None, [77, 90]])
def test_non_bytes_is_type_error(scanner, bad):
    with pytest.raises(TypeError, match="bytes-like"):
        scanner.analyze(bad, "x.dll")


def test_not_mz(scanner):
    rec = scanner.analyze(b"hello", "/tmp/readme.txt", mtime=5)
    assert rec["iisweep"]["status"] == "not_pe"
    assert rec["file"]["size"] == 5
    assert "mtime" not in rec["file"]  # a sweep gives none for files it does not read
    assert not iisweep.is_reported(rec)
    assert iisweep.is_reported(rec, report_all=True)
    assert scanner.analyze(b"", "empty")["iisweep"]["status"] == "not_pe"


def test_mz_that_is_not_pe(scanner):
    rec = scanner.analyze(b"MZ" + b"\0" * 62, "stub.exe")
    assert rec["iisweep"]["status"] == "analyzed"
    assert rec["iisweep"]["is_pe"] is False
    assert rec["iisweep"]["not_pe_reason"]
    assert iisweep.is_reported(rec)


def test_install_traces_in_scripts(scanner):
    script = b"appcmd.exe install module /name:Evil /image:C:\\evil.dll\r\n"
    rec = scanner.analyze(script, "C:/deploy/install.cmd")
    traces = rec["iisweep"]["traces"]
    assert traces and traces[0]["line"] == 1
    assert iisweep.is_reported(rec)
    # The same text under a name the trace layer does not read.
    assert "traces" not in scanner.analyze(script, "notes.txt")["iisweep"]
    assert iisweep.is_trace_target("a/ConsoleHost_history.txt")
    assert not iisweep.is_trace_target("a/b.txt")
    # No trace layer when asked, or without the embedded pack (as the CLI).
    assert not iisweep.Scanner(traces=False).traces
    assert "traces" not in iisweep.Scanner(traces=False).analyze(script, "i.cmd")["iisweep"]


def test_user_rules_from_file_and_text(tmp_path):
    rule = tmp_path / "mine.yar"
    rule.write_text(USER_RULE)
    by_file = iisweep.Scanner([rule])
    by_text = iisweep.Scanner(rule_texts={"mine.yar": USER_RULE})
    single = iisweep.Scanner(rule)
    base = iisweep.Scanner()
    assert by_file.rule_count == base.rule_count + 1
    assert by_file.rule_paths == [str(rule)]
    for s in (by_file, by_text, single):
        rec = s.analyze(MODULE.read_bytes(), str(MODULE))
        hit = [r for r in rec["iisweep"]["reasons"] if r["rule"] == "user_marks_module"]
        assert hit and hit[0]["layer"] == "user" and hit[0]["score"] == 70
        assert hit[0]["evidence"][0]["pattern"] == "$s"
    assert by_file.analyze_json(MODULE.read_bytes(), "m.dll") == by_text.analyze_json(MODULE.read_bytes(), "m.dll")
    # Only user rules.
    only = iisweep.Scanner([rule], default_rules=False)
    assert only.rule_count == 1 and not only.traces
    reasons = only.analyze(MODULE.read_bytes(), "m.dll")["iisweep"]["reasons"]
    assert [r["rule"] for r in reasons] == ["user_marks_module"]
    # No rules at all.
    none = iisweep.Scanner(default_rules=False)
    assert none.rule_count == 0
    assert "reasons" not in none.analyze(MODULE.read_bytes(), "m.dll")["iisweep"]


def test_rule_folder(tmp_path):
    (tmp_path / "a.yar").write_text(USER_RULE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yara").write_text(USER_RULE.replace("user_marks_module", "user_two"))
    (tmp_path / "ignored.txt").write_text("not a rule")
    s = iisweep.Scanner([tmp_path], default_rules=False)
    assert sorted(s.rule_names) == ["default:user_marks_module", "default:user_two"]


def test_bad_rules_are_value_errors(tmp_path):
    bad = tmp_path / "broken.yar"
    bad.write_text("rule broken { condition: nonexistent_identifier }")
    with pytest.raises(ValueError, match="broken.yar"):
        iisweep.Scanner([bad])
    with pytest.raises(ValueError, match="broken.yar"):
        iisweep.Scanner(rule_texts={"broken.yar": bad.read_text()})
    with pytest.raises(ValueError, match="nope.yar"):
        iisweep.Scanner([tmp_path / "nope.yar"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no .yar or .yara files"):
        iisweep.Scanner([empty])
    with pytest.raises(ValueError, match="rule_timeout"):
        iisweep.Scanner(rule_timeout=0)
    with pytest.raises(ValueError, match="trust_roots"):
        iisweep.Scanner(trust_roots=[tmp_path / "missing.pem"])
    with pytest.raises(TypeError):
        iisweep.Scanner(max_filesize="64M")
    with pytest.raises(ValueError):
        iisweep.Scanner(max_filesize=-1)


def test_max_filesize_and_heads():
    data = RAID.read_bytes()
    small = iisweep.Scanner(max_filesize=1024)
    rec = small.analyze(data, "big.dll", mtime=7)
    assert rec["iisweep"]["status"] == "skipped"
    assert rec["iisweep"]["skip_reason"] == "too_large"
    assert rec["file"]["size"] == len(data)
    assert "mtime" not in rec["file"]
    assert small.max_filesize == 1024
    # From the first bytes only: the same record.
    assert small.analyze_head_json(data[:2], len(data), "big.dll") == small.analyze_json(data, "big.dll")
    assert small.analyze_head_json(data, len(data), "big.dll", mtime=7) == small.analyze_json(data, "big.dll", mtime=7)
    # A big text file: quiet, and nothing but the head is needed.
    text = b"x" * 5000
    assert small.analyze_head_json(text[:2], 5000, "big.log") == small.analyze_json(text, "big.log")
    # A file under the cap must come whole.
    with pytest.raises(ValueError, match="pass all its bytes"):
        iisweep.Scanner().analyze_head(data[:2], len(data), "m.dll")
    with pytest.raises(ValueError, match="more than size"):
        small.analyze_head(data, 10, "m.dll")
    # A big script: the trace layer reads its first 8 MiB.
    script = b"appcmd install module /name:x /image:y\r\n" + b"rem\r\n" * 2000
    head = script[:100]
    with pytest.raises(ValueError, match="install traces"):
        small.analyze_head(head, len(script), "big.cmd")
    assert small.analyze_head_json(script, len(script), "big.cmd") == small.analyze_json(script, "big.cmd")


def test_analyze_file_errors_are_records(tmp_path, scanner):
    rec = scanner.analyze_file(tmp_path / "missing.dll")
    assert rec["iisweep"]["status"] == "error"
    assert rec["iisweep"]["message"]
    link = tmp_path / "link.dll"
    link.symlink_to(MODULE)
    assert scanner.analyze_file(link)["iisweep"]["status"] == "error"
    followed = scanner.analyze_file(link, follow_symlinks=True)
    assert followed["iisweep"]["roles"] == ["native_module"]
    err = iisweep.error_record("/x/y.dll", "Permission denied")
    assert err["iisweep"]["status"] == "error" and err["file"]["name"] == "y.dll"


def test_threads_share_a_scanner(scanner):
    files = sorted((SAMPLES / "families").glob("*.dll")) + sorted((SAMPLES / "native").rglob("*.dll"))
    items = [(f.read_bytes(), str(f)) for f in files]
    serial = [scanner.analyze(d, p) for d, p in items]
    assert scanner.analyze_many(items, threads=4) == serial
    assert iisweep.shared_scanner(max_filesize=1 << 20) is iisweep.shared_scanner(max_filesize=1 << 20)
    assert iisweep.shared_scanner(max_filesize=1 << 20) is not iisweep.shared_scanner()


def test_gil_is_released_during_analysis(scanner):
    """While one thread analyses, another keeps running Python: with the
    GIL held through a call, the main loop would stall for its length."""
    # A native module with a 32 MiB overlay: hashed, parsed and rule-scanned
    # whole (a few tenths of a second).
    data = MODULE.read_bytes() + os.urandom(32 << 20)
    t0 = time.perf_counter()
    scanner.analyze(data, "big.dll")
    one = time.perf_counter() - t0
    if one < 0.05:
        pytest.skip(f"analysis too quick to measure ({one:.3f}s)")
    done = threading.Event()

    def work():
        for _ in range(3):
            scanner.analyze(data, "big.dll")
        done.set()

    t = threading.Thread(target=work)
    t.start()
    last, gap = time.perf_counter(), 0.0
    while not done.is_set():
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    t.join()
    assert gap < one / 2, f"main thread stalled {gap:.3f}s during {one:.3f}s analyses"


def test_scanner_pickles_by_options(tmp_path):
    s = iisweep.Scanner(rule_texts={"mine.yar": USER_RULE}, max_filesize=1 << 20)
    t = pickle.loads(pickle.dumps(s))
    assert t.rule_count == s.rule_count and t.max_filesize == 1 << 20
    assert t.analyze_json(MODULE.read_bytes(), "m.dll") == s.analyze_json(MODULE.read_bytes(), "m.dll")
    assert "rule_count=" in repr(s)


def test_mirrors_root_dev_dependencies():
    """The bindings repeat the root's dev-dependencies (see Cargo.toml) so
    the wheel reuses what `cargo test --release` compiled."""
    tomllib = pytest.importorskip("tomllib")
    root = tomllib.loads((REPO / "Cargo.toml").read_text())
    ours = tomllib.loads((REPO / "bindings/python/Cargo.toml").read_text())
    assert "bindings/python" in root["workspace"]["members"]
    for name, spec in root.get("dev-dependencies", {}).items():
        assert ours["dependencies"].get(name) == spec, (
            f"root dev-dependency {name} = {spec!r}: repeat it in bindings/python/Cargo.toml")
