#!/usr/bin/env python3
"""tail.py — what makes the lab's latency tail: each timed record's latency (client.py produce
--trace-dir) lined up with the brokers' JVM pauses (their GC logs, -Xlog:gc,safepoint with
utctime, scripts/kafka-local.sh).

    python3 scripts/lab/tail.py DIR [STALL_MS] > DIR/tail.md

DIR holds traces/TOPIC.csv or .csv.gz (delivered_unix_s, latency_s per record), gc/node-N.log (the
brokers' gc.log, copied after the run) and, when scripts/lab/steal.py ran beside it, steal.csv
(the ticks of 10 ms the VM's host took from each vCPU, and when). A stall is a run of records each over STALL_MS late; it
is put down to a JVM pause when a young collection or a safepoint of over 1 ms on any broker
overlaps one of its records' flight. Prints, per trace, its p50 and p99, the p99 of the records
that no pause touched, and every stall (when, how long the worst record waited, how many records,
which pause if any)."""
import csv
import datetime
import glob
import gzip
import os
import re
import sys

STALL_MS = 10.0   # ms: a record this late is in a stall (the lab's p50 is about 1 ms)
PAUSE_MIN_MS = 1.0


def pauses(gc_dir):
    """(start, end, broker, kind, ms) of every young pause and safepoint over PAUSE_MIN_MS; a log
    line is written when its pause ends."""
    out = []
    for path in sorted(glob.glob(os.path.join(gc_dir, "node-*.log"))):
        broker = "b%d" % (int(re.search(r"node-(\d+)", path).group(1)) - 1)
        for line in open(path):
            m = re.match(r"\[(\d{4}-\S+?)\]\[[\d.]+s\] (.*)", line)
            if not m:
                continue
            end = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
            young = re.search(r"Pause Young.* ([\d.]+)ms$", m.group(2))
            safepoint = re.search(r'Safepoint "(\w+)".*Total: (\d+) ns', m.group(2))
            if young:
                kind, ms = "young GC", float(young.group(1))
            elif safepoint:
                kind, ms = "safepoint " + safepoint.group(1), int(safepoint.group(2)) / 1e6
            else:
                continue
            if ms > PAUSE_MIN_MS:
                out.append((end - ms / 1e3, end, broker, kind, ms))
    return sorted(out)


def steal_ticks(d):
    """(unix_s, ticks) of every steal.csv line, or None without the file."""
    path = os.path.join(d, "steal.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [(float(r["unix_s"]), int(r["steal_ticks"])) for r in csv.DictReader(f)]


def percentile(xs, q):
    return xs[max(0, int(q * len(xs)) - 1)] if xs else float("nan")


def main(d):
    ps = pauses(os.path.join(d, "gc"))
    st = steal_ticks(d)
    print(f"# The latency tail, record by record ({d})\n")
    print(f"Stall: consecutive records each over {STALL_MS:g} ms; pause: a young GC or safepoint over "
          f"{PAUSE_MIN_MS:g} ms on any broker overlapping a record's flight. Times in s from the first send.\n")
    total_tail = total_hit = 0
    stalls = {"a JVM pause": 0, "steal alone": 0, "neither": 0}
    for path in sorted(glob.glob(os.path.join(d, "traces", "*.csv*"))):
        with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
            rows = [(float(r["delivered_unix_s"]), float(r["latency_s"])) for r in csv.DictReader(f)]
        if not rows:
            continue
        sent = [(dl - l, dl, l) for dl, l in rows]
        t0 = min(s for s, _, _ in sent)

        def touching(s, e):
            return [p for p in ps if p[0] < e and p[1] > s]

        touched = [bool(touching(s, e)) for s, e, _ in sent]
        lats = sorted(l for _, _, l in sent)
        p99 = percentile(lats, 0.99)
        tail = [t for (_, _, l), t in zip(sent, touched) if l >= p99]
        hit = sum(tail)
        total_tail += len(tail)
        total_hit += hit
        clean = sorted(l for (_, _, l), t in zip(sent, touched) if not t)
        print(f"## {os.path.basename(path).split('.')[0]}\n")
        print(f"{len(rows)} records: p50 {percentile(lats, 0.5) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms; "
              f"the records at or over the p99 touched by a pause: {hit} of {len(tail)}; p99 of the "
              f"{len(clean)} records no pause touched: {percentile(clean, 0.99) * 1e3:.2f} ms.\n")
        steal_col = st is not None
        print("| stall at s | worst record ms | records | pause touching it |" + (" steal ms |" if steal_col else ""))
        print("|---|---|---|---|" + ("---|" if steal_col else ""))
        run = []
        for s, e, l in sent + [(None, None, 0.0)]:
            if l * 1e3 > STALL_MS:
                run.append((s, e, l))
                continue
            if run:
                s0, e1 = run[0][0], max(x[1] for x in run)
                why = touching(s0, e1)
                stolen = sum(k for t, k in st if s0 <= t <= e1 + 0.01) if steal_col else 0
                stalls["a JVM pause" if why else "steal alone" if stolen else "neither"] += 1
                print(f"| {s0 - t0:.3f} | {max(x[2] for x in run) * 1e3:.1f} | {len(run)} | "
                      + (", ".join(f"{p[2]} {p[3]} {p[4]:.1f} ms at {p[0] - t0:.3f}" for p in why[:3]) or "none")
                      + " |" + (f" {10 * stolen} |" if steal_col else ""))
                run = []
        print()
    print("Stalls touched by " + ", ".join(f"{k}: {v}" for k, v in stalls.items())
          + ("" if st is not None else " (no steal.csv: steal not looked at)") + ".\n")
    if total_tail:
        print(f"In all: {total_hit} of the {total_tail} records at or over their run's p99 were touched "
              f"by a JVM pause ({100 * total_hit / total_tail:.0f}%).")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    if len(sys.argv) == 3:  # a lower threshold for runs whose p99 is a few ms
        STALL_MS = float(sys.argv[2])
    main(sys.argv[1])
