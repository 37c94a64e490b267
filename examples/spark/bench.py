#!/usr/bin/env python3
"""Throughput of the Spark pipeline in local mode against ``iisweep scan``
on the same files (see README.md beside this file for the numbers).

    python3 examples/spark/bench.py [--master local[2]] [--runs 3] PATH...

Runs, each ``--runs`` times after one warm-up (page cache warm):

* ``iisweep scan --format ndjson --no-iis-config --no-dedupe -q -j N PATH...``
  (the records the pipeline reproduces; plus ``--no-archives`` where the
  CLI opens archives) and the CLI's defaults
  (``--format ndjson -q -j N``);
* the pipeline's NDJSON job in one Spark session (``sweep`` + ``write``;
  the session, JVM start-up and the Python workers' first rule compile
  are outside the timing, listed apart);
* ``spark-submit`` of the whole script, end to end (JVM start-up included).

Prints files, MiB, seconds (median) and MiB/s and files/s for each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import iisweep_spark  # noqa: E402


def corpus(paths):
    n = size = 0
    for p in paths:
        for d, _, fs in os.walk(p):
            for f in fs:
                st = os.lstat(os.path.join(d, f))
                n += 1
                size += st.st_size
    return n, size


def timed(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--threads", type=int, default=2, help="iisweep scan -j")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch-rows", type=int, default=64)
    ap.add_argument("--cli", default=str(REPO / "target/release/iisweep"))
    args = ap.parse_args()
    paths = [str(Path(p).resolve()) for p in args.paths]
    files, size = corpus(paths)
    mib = size / (1 << 20)
    rows = []

    def cli(extra):
        cmd = [args.cli, "scan", "--format", "ndjson", "-q", "-j", str(args.threads), *extra, *paths]
        return lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)

    per_file = ["--no-iis-config", "--no-dedupe"]
    if "--no-archives" in subprocess.run([args.cli, "scan", "--help"], stdout=subprocess.PIPE,
                                         check=True).stdout.decode():
        per_file.append("--no-archives")
    label = f"iisweep scan -j {args.threads} {' '.join(per_file)}"
    rows.append((label, *timed(cli(per_file), args.runs)))
    rows.append((f"iisweep scan -j {args.threads} (defaults)", *timed(cli([]), args.runs)))

    from pyspark.sql import SparkSession

    t = time.perf_counter()
    builder = (SparkSession.builder.master(args.master).appName("iisweep-bench")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", "2g"))
    spark = iisweep_spark.configure(builder, args.batch_rows).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    startup = time.perf_counter() - t
    out = tempfile.mkdtemp(prefix="iisweep-bench-")

    def job(fmt):
        def run():
            lines = iisweep_spark.sweep(spark, paths)
            iisweep_spark.write(lines, os.path.join(out, fmt), fmt, mode="overwrite")
        return run

    rows.append((f"spark {args.master} job, NDJSON", *timed(job("ndjson"), args.runs)))
    rows.append((f"spark {args.master} job, Parquet", *timed(job("parquet"), args.runs)))
    spark.stop()

    submit = ["spark-submit", "--master", args.master, "--conf", "spark.ui.enabled=false",
              "--conf", "spark.ui.showConsoleProgress=false", "--driver-memory", "2g",
              str(HERE / "iisweep_spark.py"), *paths, "--output", os.path.join(out, "submit"),
              "--mode", "overwrite", "--batch-rows", str(args.batch_rows)]
    rows.append((f"spark-submit {args.master}, NDJSON, end to end",
                 *timed(lambda: subprocess.run(submit, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL, check=True), args.runs)))
    shutil.rmtree(out, ignore_errors=True)

    print(f"corpus: {files} files, {mib:.1f} MiB ({', '.join(paths)})")
    print(f"spark session start-up (JVM, not in the job times): {startup:.1f} s")
    print(f"{'what':58} {'median s':>9} {'MiB/s':>8} {'files/s':>8}   runs")
    for what, med, times in rows:
        print(f"{what:58} {med:9.2f} {mib / med:8.1f} {files / med:8.0f}   "
              + " ".join(f"{x:.2f}" for x in times))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
