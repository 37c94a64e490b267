#!/usr/bin/env python3
"""Sweep files on Spark with the iisweep Python bindings.

Reads files with Spark's ``binaryFile`` source (a local folder, HDFS, S3,
ABFS, GCS: any Hadoop-compatible store), analyses each in ``mapInArrow``
with one ``iisweep.Scanner`` per executor Python process (the rule pack
compiles once per process, not per task or batch), and writes the ``file``
records: NDJSON (the lines ``iisweep scan --format ndjson`` writes, byte
for byte) or Parquet (the same records as nested columns, the schema
derived from ``docs/schema/iisweep.schema.json``).

What the CLI does that a per-file pipeline cannot: no server view (the
IIS configuration stage; ``iisweep scan --no-iis-config``), no dedupe cache
(``--no-dedupe``), no summary record. Everything else matches: the same
records for the same files, the files that a sweep reports (MZ files,
scripts with install traces, errors and skips; ``--report-all`` for all).

Two things ``binaryFile`` does not do, handled here:

* It skips names starting with ``_`` or ``.`` (Spark's hidden files) at any
  depth. The driver lists the inputs once more through Hadoop's FileSystem
  API and the executors read the files ``binaryFile`` skipped through
  ``pyarrow.fs`` (``--hidden skip`` turns this off).
* It reads every file whole (and fails on files over 2 GiB). Files over
  ``--max-filesize`` are left out of the ``binaryFile`` read (its
  ``length`` filter is pushed down, so their content is never read) and
  their first bytes are read through ``pyarrow.fs``, enough to report an
  MZ file as skipped (``too_large``), as the CLI does, and to read a
  script's install traces.

Run ``spark-submit iisweep_spark.py --help``; see README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

# Executors import this module's functions by value (cloudpickle); keep the
# imports they need inside them or at module level with no Spark objects.

SIZE_SUFFIXES = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}

#: Output columns of the analysis stage (before writing).
LINES_SCHEMA = "path string, record string"


def parse_size(text: str) -> int:
    """``64M`` -> 67108864, as ``--max-filesize`` reads it."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in SIZE_SUFFIXES and t[-1:] else ""
    number = t[: len(t) - len(unit)] if unit else t
    try:
        return int(number) * SIZE_SUFFIXES[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None


def record_path(uri: str, style: str) -> str:
    """The path a record carries. ``local``: a ``file:`` URI becomes the
    local path (what the CLI prints for the same file swept from the same
    absolute root); other stores keep the URI. ``uri``: always the URI."""
    if style == "local":
        if uri.startswith("file://"):
            return uri[len("file://"):]
        if uri.startswith("file:"):
            return uri[len("file:"):]
    return uri


# ---------------------------------------------------------------------------
# Executor side: these run in the executors' Python workers.


def _scanner(options: Dict[str, Any]) -> Any:
    import iisweep

    return iisweep.shared_scanner(**options)


def _open_input(uri: str) -> Any:
    """A pyarrow input stream over ``uri`` (local, HDFS, S3, GCS, ABFS)."""
    from pyarrow import fs

    if uri.startswith("file:"):
        return fs.LocalFileSystem().open_input_stream(record_path(uri, "local"))
    # Hadoop's S3 connectors are s3a:// (s3n://); pyarrow's S3 is s3://.
    for hadoop_scheme in ("s3a://", "s3n://"):
        if uri.startswith(hadoop_scheme):
            uri = "s3://" + uri[len(hadoop_scheme):]
    filesystem, path = fs.FileSystem.from_uri(uri)
    return filesystem.open_input_stream(path)


def _mtime_secs(us: Optional[int]) -> Optional[int]:
    return None if us is None else us // 1_000_000


def analyze_content(batches: Iterable[Any], options: Dict[str, Any], path_style: str,
                    report_all: bool) -> Iterator[Any]:
    """``mapInArrow`` over ``binaryFile`` rows (path, length, mtime_us,
    content): one record line per reported file."""
    import pyarrow as pa
    import iisweep

    scanner = _scanner(options)
    for batch in batches:
        cols = batch.to_pydict()
        out_paths: List[str] = []
        out_records: List[str] = []
        for uri, content, mtime_us in zip(cols["path"], cols["content"], cols["mtime_us"]):
            path = record_path(uri, path_style)
            # One record, or one per entry of an archive (as the CLI).
            for rec_path, line in _records(scanner, content, path, _mtime_secs(mtime_us)):
                if report_all or _reported(line, iisweep):
                    out_paths.append(rec_path)
                    out_records.append(line)
        yield pa.RecordBatch.from_arrays(
            [pa.array(out_paths, pa.string()), pa.array(out_records, pa.string())],
            names=["path", "record"])


def analyze_by_path(batches: Iterable[Any], options: Dict[str, Any], path_style: str,
                    report_all: bool) -> Iterator[Any]:
    """``mapInArrow`` over (path, length, mtime_us) rows of files that
    ``binaryFile`` does not read (hidden names, files over the cap): read
    through ``pyarrow.fs``, whole when under the cap, else only the head a
    sweep reads. A file that cannot be read gets the error record a sweep
    writes."""
    import pyarrow as pa
    import iisweep

    scanner = _scanner(options)
    cap = scanner.max_filesize
    for batch in batches:
        cols = batch.to_pydict()
        out_paths: List[str] = []
        out_records: List[str] = []
        for uri, length, mtime_us in zip(cols["path"], cols["length"], cols["mtime_us"]):
            path = record_path(uri, path_style)
            mtime = _mtime_secs(mtime_us)
            try:
                if length <= cap or (scanner.archives and _is_archive_head(uri, path)):
                    # An archive over the cap is opened all the same, as
                    # the CLI opens it (its entries are capped instead);
                    # the executor holds it in memory, as binaryFile would.
                    want = length
                elif scanner.traces and iisweep.is_trace_target(path):
                    want = min(length, iisweep.TRACE_HEAD_BYTES)
                else:
                    want = 2
                with _open_input(uri) as f:
                    data = f.read(want)
                if len(data) == length:
                    records = _records(scanner, data, path, mtime)
                else:
                    records = [(path, scanner.analyze_head_json(data, length, path, mtime=mtime))]
            except (OSError, ValueError) as e:
                # Unreadable, or changed since it was listed: the error
                # record a sweep writes for a file it cannot read.
                records = [(path, iisweep.error_record_json(path, str(e)))]
            for rec_path, line in records:
                if report_all or _reported(line, iisweep):
                    out_paths.append(rec_path)
                    out_records.append(line)
        yield pa.RecordBatch.from_arrays(
            [pa.array(out_paths, pa.string()), pa.array(out_records, pa.string())],
            names=["path", "record"])


def _records(scanner: Any, data: bytes, path: str, mtime: Optional[int]) -> List[Tuple[str, str]]:
    """(record path, NDJSON line) of a file: its one record, or a record
    per entry when the scanner opens it as an archive."""
    import iisweep

    lines = scanner.scan_json(data, path, mtime=mtime)
    if not (scanner.archives and iisweep.is_archive(data[:4], path)):
        return [(path, line) for line in lines]
    return [(json.loads(line)["file"]["path"], line) for line in lines]


def _is_archive_head(uri: str, path: str) -> bool:
    """Whether a sweep opens the file as an archive (the first four bytes
    and the name decide)."""
    import iisweep

    with _open_input(uri) as f:
        return iisweep.is_archive(f.read(4), path)


def _reported(line: str, iisweep: Any) -> bool:
    # Cheap test first: only non-MZ files are quiet, and their line says so.
    if '"status":"not_pe"' not in line:
        return True
    return iisweep.is_reported(json.loads(line))


# ---------------------------------------------------------------------------
# Driver side.


def _listing(spark: Any, inputs: Sequence[str]) -> List[Tuple[str, int, int]]:
    """Every regular file under ``inputs`` (path as Spark's ``path`` column
    gives it, length, mtime in microseconds), hidden names included: local
    paths walked here, other stores listed through Hadoop's FileSystem API
    (one py4j round trip per entry: slow on the driver for millions of
    files; ``--hidden skip`` does without)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    out: List[Tuple[str, int, int]] = []
    for inp in inputs:
        p = jvm.org.apache.hadoop.fs.Path(inp)
        fsys = p.getFileSystem(conf)
        qualified = fsys.makeQualified(p).toString()
        if qualified.startswith("file:"):
            out.extend(_local_listing(record_path(qualified, "local")))
            continue
        it = fsys.listFiles(fsys.makeQualified(p), True)
        while it.hasNext():
            st = it.next()
            if st.isFile():
                out.append((st.getPath().toString(), st.getLen(), st.getModificationTime() * 1000))
    return out


def _local_listing(root: str) -> List[Tuple[str, int, int]]:
    """Files under a local root, as Hadoop's local file system lists them
    (a symlink to a file counts as the file)."""
    def entry(path: str) -> Optional[Tuple[str, int, int]]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return ("file:" + path, st.st_size, st.st_mtime_ns // 1000)

    if not os.path.isdir(root):
        e = entry(root)
        return [e] if e else []
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            e = entry(os.path.join(d, n))
            if e:
                out.append(e)
    return out


def _hadoop_form(uri: str) -> str:
    """``inputFiles()`` gives URIs (``file:///a/b%20c``); the ``path``
    column and Hadoop's listing give ``Path.toString()`` (``file:/a/b c``)."""
    from urllib.parse import unquote, urlsplit

    sp = urlsplit(uri)
    return f"{sp.scheme}:" + (f"//{sp.netloc}" if sp.netloc else "") + unquote(sp.path)


def _ship_by_value() -> None:
    """Imported as a module (not run by spark-submit), this file is not on
    the executors' path: send its functions by value, as spark-submit's
    main script is sent."""
    if __name__ != "__main__":
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__name__])


def sweep(spark: Any, inputs: Sequence[str], *, scanner_options: Optional[Dict[str, Any]] = None,
          path_style: str = "local", report_all: bool = False, hidden: str = "read",
          path_glob: Optional[str] = None) -> Any:
    """The records of every file under ``inputs``, as a DataFrame of
    ``path string, record string`` (``record`` is the NDJSON line).

    ``scanner_options`` are :class:`iisweep.Scanner` keyword arguments
    (rules as ``rule_texts`` so that executors need no access to the
    driver's files); a scanner is built here first, so bad rules fail on
    the driver before any task runs."""
    from pyspark.sql import functions as F
    import iisweep

    options = dict(scanner_options or {})
    cap = iisweep.shared_scanner(**options).max_filesize  # validates on the driver
    _ship_by_value()

    reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    if path_glob:
        reader = reader.option("pathGlobFilter", path_glob)
    files = reader.load(list(inputs)).select(
        "path", "length", F.unix_micros("modificationTime").alias("mtime_us"), "content")
    # The length filter is pushed into the binaryFile reader: content over
    # the cap is never read.
    small = files.where(F.col("length") <= cap)
    # Only file statuses: a few tasks are enough.
    large = (files.where(F.col("length") > cap).select("path", "length", "mtime_us")
             .coalesce(max(1, spark.sparkContext.defaultParallelism)))

    def content_fn(batches: Iterable[Any]) -> Iterator[Any]:
        return analyze_content(batches, options, path_style, report_all)

    def by_path_fn(batches: Iterable[Any]) -> Iterator[Any]:
        return analyze_by_path(batches, options, path_style, report_all)

    out = small.mapInArrow(content_fn, LINES_SCHEMA).unionByName(
        large.mapInArrow(by_path_fn, LINES_SCHEMA))
    if hidden == "read" and path_glob is None:
        # binaryFile listed its files on the driver when the DataFrame was
        # made; what Hadoop lists beyond them is what Spark hid.
        listed = {_hadoop_form(u) for u in files.inputFiles()}
        skipped = [row for row in _listing(spark, inputs) if row[0] not in listed]
        if skipped:
            extra = spark.createDataFrame(skipped, "path string, length long, mtime_us long")
            out = out.unionByName(extra.repartition(
                max(1, min(len(skipped), spark.sparkContext.defaultParallelism)))
                .mapInArrow(by_path_fn, LINES_SCHEMA))
    return out


# ---------------------------------------------------------------------------
# The record schema as a Spark schema.

#: Fields whose integers can exceed a signed 64-bit long (a u64 in the
#: record that the file controls): stored as decimal(20,0).
UNSIGNED_64 = {("iisweep", "pe", "image_base")}


def spark_schema(json_schema: Optional[Dict[str, Any]] = None) -> Any:
    """The Spark ``StructType`` of the file record, derived from the JSON
    Schema (``iisweep.record_schema()``): objects become structs, maps
    (``additionalProperties``) map<string, ...>, arrays arrays, integers
    longs (decimal(20,0) for :data:`UNSIGNED_64`), numbers doubles,
    enums and consts the type of their values, ``[T, "null"]`` and ``oneOf [null, T]``
    nullable T; a value that is a boolean or a string (a rule's ``facts``)
    is a string (``"true"``/``"false"``). Every field is nullable: absent
    fields read as null."""
    from pyspark.sql import types as T
    import iisweep

    schema = json_schema or iisweep.record_schema()
    defs = schema["$defs"]

    def resolve(node: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in node or "allOf" in node:
            if "$ref" in node:
                node = defs[node["$ref"].rsplit("/", 1)[1]]
                continue
            # allOf: the parts' properties together.
            merged: Dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
            for part in node["allOf"]:
                part = resolve(part)
                for k, v in part.items():
                    if k == "properties":
                        merged.setdefault("properties", {}).update(v)
                    else:
                        merged.setdefault(k, v)
            node = merged
        return node

    def convert(node: Dict[str, Any], at: Tuple[str, ...]) -> Any:
        node = resolve(node)
        for key in ("oneOf", "anyOf"):
            if key in node:
                alts = [resolve(a) for a in node[key] if resolve(a).get("type") != "null"]
                if len(alts) != 1:
                    raise ValueError(f"{'.'.join(at)}: {key} with {len(alts)} non-null branches")
                return convert(alts[0], at)
        if "const" in node or "enum" in node:
            values = node["enum"] if "enum" in node else [node["const"]]
            if all(isinstance(v, str) for v in values):
                return T.StringType()
            if all(isinstance(v, bool) for v in values):
                return T.BooleanType()
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return T.LongType()
            raise ValueError(f"{'.'.join(at)}: enum of mixed types {values}")
        t = node.get("type")
        if isinstance(t, list):
            t = [x for x in t if x != "null"]
            if set(t) == {"boolean", "string"}:
                return T.StringType()
            if len(t) != 1:
                raise ValueError(f"{'.'.join(at)}: type {t}")
            node = dict(node, type=t[0])
            t = t[0]
        if t == "object":
            props = node.get("properties")
            extra = node.get("additionalProperties")
            if props:
                return T.StructType([
                    T.StructField(k, convert(v, at + (k,)), True) for k, v in props.items()])
            if isinstance(extra, dict):
                return T.MapType(T.StringType(), convert(extra, at + ("*",)), True)
            raise ValueError(f"{'.'.join(at)}: object without properties")
        if t == "array":
            items = node.get("items")
            if not isinstance(items, dict):
                raise ValueError(f"{'.'.join(at)}: array without one item schema")
            return T.ArrayType(convert(items, at + ("[]",)), True)
        if t == "integer":
            return T.DecimalType(20, 0) if at in UNSIGNED_64 else T.LongType()
        if t == "number":
            return T.DoubleType()
        if t == "boolean":
            return T.BooleanType()
        if t == "string":
            return T.StringType()
        raise ValueError(f"{'.'.join(at)}: no Spark type for {node}")

    return convert(defs["file_record"], ())


def as_columns(lines: Any, json_schema: Optional[Dict[str, Any]] = None) -> Any:
    """The records of ``sweep()`` as nested columns (``record``, ``file``,
    ``event``, ``threat``, ``iisweep``). Parsing is FAILFAST: a record the
    schema cannot hold fails the job instead of turning into nulls."""
    from pyspark.sql import functions as F

    return lines.select(F.from_json("record", spark_schema(json_schema),
                                    {"mode": "FAILFAST"}).alias("r")).select("r.*")


# ---------------------------------------------------------------------------
# Command line.


def arg_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="iisweep_spark.py",
        description="Sweep files for IIS components on Spark (iisweep Python bindings).")
    p.add_argument("inputs", nargs="+", help="folders or files: local paths or any Hadoop URI "
                   "(hdfs://, s3a://, abfss://, gs://)")
    p.add_argument("--output", "-o", required=True, help="output folder (Spark writes part files)")
    p.add_argument("--format", choices=["ndjson", "parquet"], default="ndjson")
    p.add_argument("--mode", choices=["error", "overwrite"], default="error",
                   help="when the output exists: fail (default) or replace it")
    p.add_argument("--rules", action="append", default=[], metavar="PATH",
                   help="extra YARA rules, a file or folder on the driver (repeatable); "
                        "shipped to the executors as text")
    p.add_argument("--no-default-rules", action="store_true")
    p.add_argument("--no-traces", action="store_true")
    p.add_argument("--max-filesize", type=parse_size, default=None, metavar="SIZE",
                   help="MZ files larger than SIZE are reported as skipped (default 64M)")
    p.add_argument("--rule-timeout", type=int, default=None, metavar="SECS")
    p.add_argument("--report-all", action="store_true", help="also write records of non-PE files")
    p.add_argument("--no-archives", action="store_true",
                   help="do not open ZIP, gzip and tar files (the CLI's --no-archives)")
    p.add_argument("--archive-password", action="append", default=[], metavar="PW",
                   help="also try PW on encrypted ZIP entries, after 'infected' (repeatable)")
    p.add_argument("--path-style", choices=["local", "uri"], default="local",
                   help="file: URIs as local paths (default; the CLI's paths) or keep URIs")
    p.add_argument("--hidden", choices=["read", "skip"], default="read",
                   help="read the files binaryFile skips (names starting with _ or .): "
                        "one more listing on the driver (default: read)")
    p.add_argument("--path-glob", default=None, metavar="GLOB",
                   help="binaryFile pathGlobFilter (e.g. '*.dll'): faster, but renamed "
                        "files are missed; implies --hidden skip")
    p.add_argument("--batch-rows", type=int, default=64,
                   help="files per Arrow batch handed to Python (memory: rows x file size)")
    p.add_argument("--coalesce", type=int, default=None, metavar="N",
                   help="write N output files")
    return p


def read_rule_texts(paths: Sequence[str]) -> Dict[str, str]:
    """The rule files under ``paths`` (a file, or ``*.yar``/``*.yara`` below
    a folder, sorted as the CLI sorts them), as ``{name: text}``."""
    texts: Dict[str, str] = {}
    for p in paths:
        if os.path.isfile(p):
            files = [p]
        elif os.path.isdir(p):
            files = sorted(os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs
                           if f.endswith((".yar", ".yara")))
            if not files:
                raise SystemExit(f"iisweep_spark: {p}: no .yar or .yara files")
        else:
            raise SystemExit(f"iisweep_spark: {p}: no such file or folder")
        for f in files:
            name = os.path.basename(f)
            n = 1
            while name in texts:
                n += 1
                name = f"{n}-{os.path.basename(f)}"
            with open(f, encoding="utf-8") as fh:
                texts[name] = fh.read()
    return texts


def scanner_options_from(args: argparse.Namespace) -> Dict[str, Any]:
    opts: Dict[str, Any] = {}
    if args.rules:
        opts["rule_texts"] = read_rule_texts(args.rules)
    if args.no_default_rules:
        opts["default_rules"] = False
    if args.no_traces:
        opts["traces"] = False
    if args.max_filesize is not None:
        opts["max_filesize"] = args.max_filesize
    if args.rule_timeout is not None:
        opts["rule_timeout"] = args.rule_timeout
    if args.no_archives:
        opts["archives"] = False
    if args.archive_password:
        opts["archive_passwords"] = list(args.archive_password)
    return opts


def configure(builder: Any, batch_rows: int = 64) -> Any:
    """Session settings the pipeline relies on."""
    return (builder
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
            # Python workers are reused across tasks: one Scanner per process.
            .config("spark.python.worker.reuse", "true"))


def write(lines: Any, output: str, fmt: str, mode: str = "error", coalesce: Optional[int] = None) -> None:
    if coalesce:
        lines = lines.coalesce(coalesce)
    if fmt == "ndjson":
        lines.select("record").write.mode(mode).text(output)
    else:
        as_columns(lines).write.mode(mode).parquet(output)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = arg_parser().parse_args(argv)
    from pyspark.sql import SparkSession

    try:
        options = scanner_options_from(args)
        import iisweep

        iisweep.shared_scanner(**options)
    except ValueError as e:
        print(f"iisweep_spark: {e}", file=sys.stderr)
        return 2
    spark = configure(SparkSession.builder.appName("iisweep"), args.batch_rows).getOrCreate()
    lines = sweep(spark, args.inputs, scanner_options=options, path_style=args.path_style,
                  report_all=args.report_all,
                  hidden="skip" if args.path_glob else args.hidden, path_glob=args.path_glob)
    write(lines, args.output, args.format, args.mode, args.coalesce)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
