#!/usr/bin/env python3
"""Time commands run alternately (A B A B ...), so that drift on a shared
machine hits every command alike, and print each command's median wall
time with its change against the first. Each command runs once untimed
first (hot page cache). Output goes to /dev/null.

    python3 benches/alternate.py RUNS CMD_A CMD_B [CMD_C ...]

Example (the server view's overhead, issue 10):
    B="target/release/iisweep scan -q -j 2 --follow-symlinks --format ndjson"
    python3 benches/alternate.py 41 "$B --no-iis-config /tmp/img" "$B /tmp/img"
"""
import statistics
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    runs, cmds = int(argv[0]), argv[1:]
    times = {c: [] for c in cmds}
    for c in cmds:
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for c in cmds:
            start = time.perf_counter()
            subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[c].append(time.perf_counter() - start)
    base = statistics.median(times[cmds[0]])
    for c in cmds:
        m = statistics.median(times[c])
        q = statistics.quantiles(times[c], n=4)
        print("%9.1f ms median (IQR %.1f-%.1f) %+6.1f%%  %s"
              % (m * 1e3, q[0] * 1e3, q[2] * 1e3, (m / base - 1) * 100, c))


if __name__ == "__main__":
    main(sys.argv[1:])
