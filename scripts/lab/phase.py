#!/usr/bin/env python3
"""phase.py — the lab's CPU and latency folded over the KRaft controller's no-op period.

    python3 scripts/lab/phase.py DIR [PERIOD_MS]

DIR holds cpu.csv[.gz] (scripts/lab/cpu_trace.py) and, optionally, traces/*.csv[.gz] (client.py
produce --trace-dir). The active controller appends a no-op record to the metadata log every
metadata.max.idle.interval.ms (500 ms by default: KRaftConfigs.java; QuorumController.java
schedules it), and every node fetches and applies it. If that costs CPU in a burst, each host's
CPU folded over the period shows a peak at one phase and the records sent then wait longer.

Prints, per SEG_S segment of cpu.csv and per host: the mean CPU (cores) over the segment, the CPU in the peak 20 ms of the period and the bins either side above the host's
median bin (the burst, µs per period), and the phase of the peak; then per trace, the share of records over 3 ms
by phase bin (the bins of the CPU fold, aligned on wall-clock time modulo the period)."""
import csv
import glob
import gzip
import os
import statistics
import sys

BIN_MS = 20
SEG_S = 10


def fold(rows, period_s, nbins):
    """CPU ns per phase bin of the period, summed over the periods covered."""
    bins = [0] * nbins
    for t, ns in rows:
        bins[int((t % period_s) / period_s * nbins) % nbins] += ns
    return bins


def segments(rows, seg_s):
    """Split time-ordered (t, host, ns) rows into consecutive segments of seg_s seconds."""
    out = {}
    t0 = rows[0][0]
    for r in rows:
        out.setdefault(int((r[0] - t0) // seg_s), []).append(r)
    return [out[k] for k in sorted(out)]


def opener(path):
    return gzip.open(path, "rt") if path.endswith(".gz") else open(path)


def main(d, period_ms):
    period_s = period_ms / 1000
    nbins = int(period_ms // BIN_MS)
    cpu = os.path.join(d, "cpu.csv")
    with opener(cpu if os.path.exists(cpu) else cpu + ".gz") as f:
        rows = [(float(r["unix_s"]), r["host"], int(r["cpu_ns"])) for r in csv.DictReader(f)]
    rows.sort()
    print(f"# CPU folded over {period_ms:g} ms ({d})\n")
    print("| segment from (UTC s) | host | mean cores | burst µs/period | peak bin ms |")
    print("|---|---|---|---|---|")
    for w in segments(rows, SEG_S):
        t0, t1 = w[0][0], w[-1][0]
        if t1 - t0 < SEG_S / 2:
            continue
        periods = (t1 - t0) / period_s
        for host in sorted({h for _, h, _ in w}):
            hr = [(t, ns) for t, h, ns in w if h == host]
            total = sum(ns for _, ns in hr)
            if total / (t1 - t0) < 0.005e9:
                continue
            b = fold(hr, period_s, nbins)
            med = statistics.median(b)
            peak = max(range(nbins), key=lambda i: b[i])
            near = sum(b[(peak + k) % nbins] - med for k in (-1, 0, 1))
            print(f"| {t0:.0f} | {host} | {total / (t1 - t0) / 1e9:.3f} | "
                  f"{near / periods / 1e3:.0f} | {peak * BIN_MS} |")
    traces = sorted(glob.glob(os.path.join(d, "traces", "*.csv*")))
    if traces:
        print(f"\n# Records over 3 ms by phase ({BIN_MS} ms bins of {period_ms:g} ms)\n")
    for path in traces:
        over = [0] * nbins
        with opener(path) as f:
            for r in csv.DictReader(f):
                lat = float(r["latency_s"])
                sent = float(r["delivered_unix_s"]) - lat
                over[int((sent % period_s) / period_s * nbins) % nbins] += lat > 0.003
        print(f"{os.path.basename(path)}: " + " ".join(f"{o}" for o in over))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 500.0)
