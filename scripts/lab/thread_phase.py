#!/usr/bin/env python3
"""thread_phase.py — which threads of running processes work in the KRaft no-op burst.

    python3 scripts/lab/thread_phase.py SECONDS PID...

Reads every thread's CPU time (/proc/PID/task/TID/schedstat, ns) every PERIOD_S for SECONDS,
folds it over the no-op period (metadata.max.idle.interval.ms, 500 ms; the period that makes
the fold sharpest between 500 and 502 ms, as the controller's timer drifts), finds the burst's
phase from all threads together, and prints per thread name the CPU it spends in the burst's
window above its own median (µs per period), each process's total, and how many of its threads
take part. kafkasim's broker.metadata_noop_cpu_us and broker.metadata_noop_threads come from
it (see lab/regimes.md). Reading ~100 threads per process costs about a millisecond a sample."""
import os
import statistics
import sys
import time

PERIOD_S = 0.005
BIN_MS = 5
WINDOW_BINS = 5  # the burst's window: 25 ms around its peak


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                out[(pid, int(tid))] = (ns, f.read().strip())
        except OSError:
            pass
    return out


def sample(pids, seconds):
    """[(t, {(pid, tid): (ns, name)})] every PERIOD_S."""
    out, end = [], time.time() + seconds
    while time.time() < end:
        t = time.time()
        snap = {}
        for pid in pids:
            snap.update(threads(pid))
        out.append((t, snap))
        time.sleep(max(0.0, PERIOD_S - (time.time() - t)))
    return out


def fold(samples, period_ms):
    """Per thread, CPU ns per BIN_MS bin of the period."""
    nbins = int(period_ms / BIN_MS)
    bins = {}
    for (t0, a), (t1, b) in zip(samples, samples[1:]):
        i = int((t1 * 1000 % period_ms) / BIN_MS) % nbins
        for k, (ns, name) in b.items():
            if k in a and ns > a[k][0]:
                bins.setdefault((k, name), [0] * nbins)[i] += ns - a[k][0]
    return bins


def sharpness(bins):
    total = [sum(v) for v in zip(*bins.values())]
    n = len(total)
    return max(sum(total[(i + k) % n] for k in range(WINDOW_BINS)) for i in range(n)), total


def main(seconds, pids):
    samples = sample(pids, seconds)
    span_s = samples[-1][0] - samples[0][0]
    folds = {p: fold(samples, p) for p in [500 + 0.25 * k for k in range(9)]}
    if not folds[500.0]:
        sys.exit(f"thread_phase: no thread of {' '.join(map(str, pids))} used CPU in {seconds:g} s")
    sharp = {p: sharpness(b) for p, b in folds.items()}
    period_ms = max(folds, key=lambda p: sharp[p][0])
    bins, total = folds[period_ms], sharp[period_ms][1]
    n = len(total)
    start = max(range(n), key=lambda i: sum(total[(i + k) % n] for k in range(WINDOW_BINS)))
    periods = span_s * 1000 / period_ms
    print(f"{len(samples)} samples over {span_s:.1f} s; period {period_ms} ms; burst window "
          f"{start * BIN_MS}–{(start + WINDOW_BINS) * BIN_MS} ms of it\n")
    print("| pid | thread | burst µs/period | threads |")
    print("|---|---|---|---|")
    for pid in pids:
        per_name, count = {}, {}
        for ((p, _), name), b in bins.items():
            if p != pid:
                continue
            extra = sum(b[(start + k) % n] for k in range(WINDOW_BINS)) - WINDOW_BINS * statistics.median(b)
            if extra / periods >= 50:  # threads that spend ≥ 50 µs a period in the burst
                per_name[name] = per_name.get(name, 0) + extra / periods
                count[name] = count.get(name, 0) + 1
        for name in sorted(per_name, key=per_name.get, reverse=True):
            print(f"| {pid} | {name} | {per_name[name] / 1e3:.0f} | {count[name]} |")
        print(f"| {pid} | all | {sum(per_name.values()) / 1e3:.0f} | {sum(count.values())} |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(float(sys.argv[1]), [int(p) for p in sys.argv[2:]])
