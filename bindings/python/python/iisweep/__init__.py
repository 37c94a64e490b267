"""iisweep for Python: find IIS components in bytes or files and judge them.

A record is a ``dict`` with exactly the values of the ``file`` record that
``iisweep scan --format ndjson`` writes for a file with the same bytes at
the same path (``docs/schema/iisweep.schema.json`` describes it;
:func:`record_schema` returns that schema)::

    import iisweep

    rec = iisweep.analyze(open("module.dll", "rb").read(), path="module.dll")
    rec["iisweep"]["roles"]            # ['native_module']
    rec["iisweep"]["verdict"]["level"]  # 'info', 'notice', 'warning', 'alert'

A :class:`Scanner` compiles the embedded rule pack (and your rules) once;
build one per process and reuse it. Module-level :func:`analyze` and
:func:`analyze_file` use a default scanner made on first use. Scanners are
immutable and release the GIL while they work, so threads may share one.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _native

__all__ = [
    "Scanner",
    "analyze",
    "analyze_file",
    "default_scanner",
    "error_record",
    "error_record_json",
    "shared_scanner",
    "is_archive",
    "is_reported",
    "is_trace_target",
    "record_schema",
    "DEFAULT_MAX_FILESIZE",
    "SCHEMA_VERSION",
    "TRACE_HEAD_BYTES",
    "__version__",
]

__version__: str = _native.__version__
#: ``schema_version`` of the records (see the README's "Output contract").
SCHEMA_VERSION: int = _native.SCHEMA_VERSION
#: The CLI's ``--max-filesize`` default: 64 MiB.
DEFAULT_MAX_FILESIZE: int = _native.DEFAULT_MAX_FILESIZE
#: How much of a script or shell history the trace layer reads (8 MiB).
TRACE_HEAD_BYTES: int = _native.TRACE_HEAD_BYTES

PathLike = Union[str, "os.PathLike[str]"]
Bytes = Union[bytes, bytearray, memoryview]
Record = Dict[str, Any]
MTime = Union[int, float, datetime, None]


def _mtime(mtime: MTime) -> Optional[int]:
    """Unix seconds, rounded down as ``stat`` gives them."""
    if mtime is None:
        return None
    if isinstance(mtime, datetime):
        mtime = mtime.timestamp()
    if isinstance(mtime, bool) or not isinstance(mtime, (int, float)):
        raise TypeError(f"mtime must be Unix seconds or a datetime, not {type(mtime).__name__}")
    return int(mtime // 1)


def _path(path: Optional[PathLike]) -> Optional[str]:
    return None if path is None else os.fspath(path)


class Scanner:
    """The rule pack (and your rules) compiled once, with a sweep's options.

    :param rules: extra YARA rule files or folders (``*.yar``, ``*.yara``),
        like ``--rules``; a single path is accepted too.
    :param rule_texts: extra rules as text, ``{file name: source}`` (for
        rules read on one machine and compiled on another, as the Spark
        pipeline does); compiled after ``rules``.
    :param default_rules: compile the embedded pack (``--no-default-rules``
        is ``False``). Without it and without ``rules`` no rules run.
    :param traces: look for install traces in scripts and shell history
        (only with the embedded pack, as the CLI).
    :param max_filesize: MZ files larger than this are reported as skipped
        (``status: "skipped"``, ``skip_reason: "too_large"``).
    :param rule_timeout: per-file rule scan timeout, seconds.
    :param max_matches_per_pattern: matches kept per pattern and file.
    :param rule_gating: scan a file only with the rules its facts can
        satisfy (``--no-rule-gating`` is ``False``; same records).
    :param gate_user_rules: let user rules requiring a component skip
        other files too.
    :param trust_roots: extra code-signing roots (PEM or DER files).
    :param entropy_all: section entropy for every PE, not only components.
    :param dotnet: read .NET metadata (``--no-dotnet`` is ``False``).
    :param il: analyse the IL of managed components (``--no-il``).
    :param authenticode: check signatures (``--no-authenticode``).
    :param archives: let :meth:`scan` open ZIP, gzip and tar data and
        report its entries (``--no-archives`` is ``False``).
    :param archive_passwords: passwords tried on encrypted ZIP entries
        after ``infected`` (``--archive-password``).
    :param archive_depth: nesting levels opened (``--archive-depth``).
    :param archive_max_total: most bytes expanded from one archive
        (``--archive-max-total``).
    :raises ValueError: a rule that does not compile, a missing rule path,
        an unreadable trust root, ``rule_timeout`` of 0.
    """

    __slots__ = ("_native", "_options")

    def __init__(
        self,
        rules: Union[PathLike, Sequence[PathLike]] = (),
        *,
        rule_texts: Optional[Dict[str, str]] = None,
        default_rules: bool = True,
        traces: bool = True,
        max_filesize: int = DEFAULT_MAX_FILESIZE,
        rule_timeout: int = 10,
        max_matches_per_pattern: int = 100,
        rule_gating: bool = True,
        gate_user_rules: bool = False,
        trust_roots: Sequence[PathLike] = (),
        entropy_all: bool = False,
        dotnet: bool = True,
        il: bool = True,
        authenticode: bool = True,
        archives: bool = True,
        archive_passwords: Sequence[str] = (),
        archive_depth: int = 3,
        archive_max_total: int = 4 << 30,
    ) -> None:
        if isinstance(rules, (str, os.PathLike)):
            rules = [rules]
        if isinstance(trust_roots, (str, os.PathLike)):
            trust_roots = [trust_roots]
        if isinstance(archive_passwords, str):
            archive_passwords = [archive_passwords]
        archive_passwords = [str(p) for p in archive_passwords]
        for name, value in (("max_filesize", max_filesize), ("rule_timeout", rule_timeout),
                            ("max_matches_per_pattern", max_matches_per_pattern),
                            ("archive_depth", archive_depth), ("archive_max_total", archive_max_total)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must not be negative")
        rules = [os.fspath(p) for p in rules]
        trust_roots = [os.fspath(p) for p in trust_roots]
        self._options = dict(
            rules=rules, rule_texts=dict(rule_texts) if rule_texts else None,
            default_rules=default_rules, traces=traces, max_filesize=max_filesize,
            rule_timeout=rule_timeout, max_matches_per_pattern=max_matches_per_pattern,
            rule_gating=rule_gating, gate_user_rules=gate_user_rules, trust_roots=trust_roots,
            entropy_all=entropy_all, dotnet=dotnet, il=il, authenticode=authenticode,
            archives=archives, archive_passwords=archive_passwords, archive_depth=archive_depth,
            archive_max_total=archive_max_total)
        archive = dict(archives=bool(archives), archive_passwords=archive_passwords,
                       archive_depth=archive_depth, archive_max_total=archive_max_total)
        if rule_texts:
            self._native = _with_rule_texts(rule_texts, lambda paths: self._build(
                rules + paths, default_rules, traces, max_filesize, rule_timeout,
                max_matches_per_pattern, rule_gating, gate_user_rules, trust_roots,
                entropy_all, dotnet, il, authenticode, archive))
        else:
            self._native = self._build(
                rules, default_rules, traces, max_filesize, rule_timeout,
                max_matches_per_pattern, rule_gating, gate_user_rules, trust_roots,
                entropy_all, dotnet, il, authenticode, archive)

    @staticmethod
    def _build(rules: List[str], default_rules: bool, traces: bool, max_filesize: int,
               rule_timeout: int, max_matches_per_pattern: int, rule_gating: bool,
               gate_user_rules: bool, trust_roots: Sequence[PathLike], entropy_all: bool,
               dotnet: bool, il: bool, authenticode: bool, archive: Dict[str, Any]) -> Any:
        return _native.Scanner(
            rules,
            default_rules=bool(default_rules),
            traces=bool(traces),
            max_filesize=max_filesize,
            rule_timeout=rule_timeout,
            max_matches_per_pattern=max_matches_per_pattern,
            rule_gating=bool(rule_gating),
            gate_user_rules=bool(gate_user_rules),
            trust_roots=list(trust_roots),
            entropy_all=bool(entropy_all),
            dotnet=bool(dotnet),
            il=bool(il),
            authenticode=bool(authenticode),
            **archive,
        )

    def analyze(self, data: Bytes, path: Optional[PathLike] = None, *, mtime: MTime = None) -> Record:
        """The ``file`` record of ``data`` as if it were the file at ``path``.

        ``path`` fills ``file.path``/``name``/``directory``/``extension``
        and the rules' ``file_path``/``file_name`` globals (empty when
        ``None``). ``mtime`` (Unix seconds or a datetime) becomes
        ``file.mtime`` of an analysed MZ file, as a sweep reports it.
        Data that is not MZ gives ``status: "not_pe"`` (a sweep prints such
        a record only with ``--report-all``, or when it carries install
        traces: see :func:`is_reported`).
        """
        return json.loads(self.analyze_json(data, path, mtime=mtime))

    def analyze_json(self, data: Bytes, path: Optional[PathLike] = None, *, mtime: MTime = None) -> str:
        """:meth:`analyze` as the NDJSON line itself (no newline), byte for
        byte what ``iisweep scan --format ndjson`` writes."""
        return self._native.analyze_json(data, _path(path), mtime=_mtime(mtime))

    def scan(self, data: Bytes, path: Optional[PathLike] = None, *, mtime: MTime = None) -> List[Record]:
        """The records a sweep writes for a file with ``data`` at ``path``.

        An archive a sweep opens (ZIP, gzip, tar; see ``archives``) gives
        one record per entry, in archive order, each at
        ``path!entry`` with ``iisweep.containers``, expanded in memory and
        never written; a corrupt archive ends with an error record on
        ``path``. Any other data gives ``[analyze(data, path)]``. As with
        :meth:`analyze`, records a sweep would not print (``not_pe``) are
        included: filter with :func:`is_reported`.
        """
        return [json.loads(line) for line in self.scan_json(data, path, mtime=mtime)]

    def scan_json(self, data: Bytes, path: Optional[PathLike] = None, *, mtime: MTime = None) -> List[str]:
        """:meth:`scan` as NDJSON lines (no newlines)."""
        return self._native.scan_json(data, _path(path), mtime=_mtime(mtime))

    def analyze_head(self, head: Bytes, size: int, path: Optional[PathLike] = None, *,
                     mtime: MTime = None) -> Record:
        """The record of a file of ``size`` bytes from its first bytes only.

        For files over ``max_filesize``, which a sweep reports without
        reading (an MZ file as skipped, ``too_large``). ``head`` must be the
        whole file when it is not over the cap, and hold the first
        ``min(size, TRACE_HEAD_BYTES)`` bytes of a file the trace layer
        reads (:func:`is_trace_target`); otherwise two bytes are enough.

        :raises ValueError: ``head`` too short for this file, or longer
            than ``size``.
        """
        return json.loads(self.analyze_head_json(head, size, path, mtime=mtime))

    def analyze_head_json(self, head: Bytes, size: int, path: Optional[PathLike] = None, *,
                          mtime: MTime = None) -> str:
        """:meth:`analyze_head` as the NDJSON line."""
        return self._native.analyze_head_json(head, size, _path(path), mtime=_mtime(mtime))

    def analyze_file(self, path: PathLike, *, follow_symlinks: bool = False) -> Record:
        """The record of the file at ``path``, read as a sweep reads it.

        Errors reading it (missing, permission, a symlink not followed)
        are the record's ``status: "error"`` and ``message``, as in a sweep.
        """
        return json.loads(self.analyze_file_json(path, follow_symlinks=follow_symlinks))

    def analyze_file_json(self, path: PathLike, *, follow_symlinks: bool = False) -> str:
        """:meth:`analyze_file` as the NDJSON line."""
        return self._native.analyze_file_json(os.fspath(path), follow_symlinks=bool(follow_symlinks))

    def analyze_many(self, items: Iterable[Any], *, threads: Optional[int] = None) -> List[Record]:
        """Records of many ``(data, path)`` or ``(data, path, mtime)`` items,
        in order, on ``threads`` threads (default: the CPUs) sharing this
        scanner."""
        from concurrent.futures import ThreadPoolExecutor

        def one(item: Any) -> Record:
            return self.analyze(*item[:2], mtime=item[2] if len(item) > 2 else None)

        with ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1) as pool:
            return list(pool.map(one, items))

    @property
    def rule_count(self) -> int:
        """Rules compiled (the pack and yours)."""
        return self._native.rule_count

    @property
    def rule_names(self) -> List[str]:
        """``namespace:name`` of every compiled rule."""
        return self._native.rule_names

    @property
    def rule_paths(self) -> List[str]:
        """The user rule paths given."""
        return [os.fspath(p) for p in self._native.rule_paths]

    @property
    def default_rules(self) -> bool:
        """Whether the embedded pack is compiled in."""
        return self._native.default_rules

    @property
    def traces(self) -> bool:
        """Whether scripts and shell history are read for install traces."""
        return self._native.traces

    @property
    def archives(self) -> bool:
        """Whether :meth:`scan` opens archives."""
        return bool(self._options["archives"])

    @property
    def max_filesize(self) -> int:
        """MZ files larger than this are skipped (and reported)."""
        return self._native.max_filesize

    @property
    def warnings(self) -> List[str]:
        """Rule compiler warnings."""
        return self._native.warnings

    def __reduce__(self) -> Any:
        # Pickled as its options: unpickling compiles the rules again (rule
        # paths must exist there; rule_texts travel inside).
        return (_rebuild, (self._options,))

    def __repr__(self) -> str:
        return repr(self._native)


def _rebuild(options: Dict[str, Any]) -> Scanner:
    return Scanner(**options)


def _with_rule_texts(texts: Dict[str, str], build: Any) -> Any:
    """Compile with ``texts`` written to a private folder, removed once the
    rules are compiled (compiling reads them; scanning does not). Error
    messages name the given file names, not the folder."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="iisweep-rules-") as tmp:
        paths = []
        for i, (name, text) in enumerate(texts.items()):
            base = os.path.basename(os.fspath(name)) or f"rules{i}.yar"
            if not base.endswith((".yar", ".yara")):
                base += ".yar"
            sub = os.path.join(tmp, str(i))
            os.mkdir(sub)
            path = os.path.join(sub, base)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            paths.append(path)
        try:
            return build(paths)
        except ValueError as e:
            msg = str(e)
            for i in range(len(paths)):
                msg = msg.replace(os.path.join(tmp, str(i)) + os.sep, "")
            raise ValueError(msg) from None


_default: Optional[Scanner] = None
_default_lock = threading.Lock()


def default_scanner() -> Scanner:
    """The scanner :func:`analyze` uses: the embedded pack, CLI defaults,
    compiled on first use (once per process)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Scanner()
    return _default


_shared: Dict[Any, Scanner] = {}


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def shared_scanner(**options: Any) -> Scanner:
    """One :class:`Scanner` per distinct set of ``options`` in this process,
    compiled on first use: what a worker of a distributed job (a Spark
    executor's Python worker, a Dask or Ray worker) calls for every batch,
    so the rules compile once per process however many tasks it runs."""
    key = _freeze(options)
    s = _shared.get(key)
    if s is None:
        with _default_lock:
            s = _shared.get(key)
            if s is None:
                s = _shared[key] = Scanner(**options)
    return s


def analyze(data: Bytes, path: Optional[PathLike] = None, *, mtime: MTime = None) -> Record:
    """:meth:`Scanner.analyze` with the :func:`default_scanner`."""
    return default_scanner().analyze(data, path, mtime=mtime)


def analyze_file(path: PathLike, *, follow_symlinks: bool = False) -> Record:
    """:meth:`Scanner.analyze_file` with the :func:`default_scanner`."""
    return default_scanner().analyze_file(path, follow_symlinks=follow_symlinks)


def is_reported(record: Record, *, report_all: bool = False) -> bool:
    """Whether ``iisweep scan`` prints this record: everything but a
    file that is not MZ and carries no install traces (unless
    ``report_all``, ``--report-all``)."""
    if report_all:
        return True
    iis = record.get("iisweep", {})
    return iis.get("status") != "not_pe" or bool(iis.get("traces"))


def is_trace_target(path: PathLike) -> bool:
    """Whether the trace layer reads a file of this name (``*.ps1``,
    ``*.psm1``, ``*.bat``, ``*.cmd``, ``ConsoleHost_history.txt``)."""
    return _native.is_trace_target(os.fspath(path))


def is_archive(head: Bytes, path: Optional[PathLike] = None) -> bool:
    """Whether a sweep (and :meth:`Scanner.scan`) opens a file starting
    with ``head`` at ``path`` as an archive: ZIP or gzip by their magic,
    tar by a ``.tar`` name, never an MZ file. Its first four bytes are
    enough."""
    return _native.is_archive(head, _path(path))


def error_record(path: PathLike, message: str) -> Record:
    """The record a sweep writes for a file it could not read."""
    return json.loads(error_record_json(path, message))


def error_record_json(path: PathLike, message: str) -> str:
    """:func:`error_record` as the NDJSON line."""
    return _native.error_record_json(os.fspath(path), str(message))


def record_schema() -> Dict[str, Any]:
    """The JSON Schema of the records (``docs/schema/iisweep.schema.json``);
    ``record_schema()["$defs"]["file_record"]`` is the file record."""
    return json.loads(_native.record_schema_json())
