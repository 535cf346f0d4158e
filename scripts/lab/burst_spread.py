#!/usr/bin/env python3
"""How much a node's KRaft no-op burst varies from one 500 ms period to the next.

    python3 scripts/lab/burst_spread.py lab/results/2026-12-04-amd-tail/cpu.csv.gz

Reads a lab CPU trace (scripts/lab/cpu_trace.py: each host's cpuacct.usage every ~2.4 ms) and,
for each broker, takes every 500 ms period (metadata.max.idle.interval.ms) in which the node was
idle (under 0.07 cores: no records in flight to blur it). A period's burst is its busiest 20 ms
window's CPU less that window's share at the period's median rate. Prints, per broker, the mean
burst and its quantiles as multiples of the mean: an exponential, which kafkasim draws each
burst from (broker.metadata_noop_cpu_spread), gives 0.11×, 0.69× and 2.30× at the 10th, 50th
and 90th percentiles. The busiest window of a period with no burst is not empty (the JVM's
timers and the sampler's noise), so the low quantiles read high; a burst that lasts longer than
20 ms (phase.py: most of it within ~10 ms, the rest over ~20) reads low in its mean.
"""
import collections
import csv
import gzip
import statistics
import sys

PERIOD_S, WINDOW_S, IDLE_CORES = 0.5, 0.02, 0.07


def main(path):
    opener = gzip.open if path.endswith(".gz") else open
    samples = collections.defaultdict(list)
    with opener(path, "rt") as f:
        for r in csv.DictReader(f):
            samples[r["host"]].append((float(r["unix_s"]), int(r["cpu_ns"])))
    print("| broker | idle periods | mean burst µs | p10 / mean | p50 / mean | p90 / mean |")
    print("|---|---|---|---|---|---|")
    for host in sorted(h for h in samples if h.startswith("b")):
        s = samples[host]
        steps = [(s[i][0], (s[i][1] - s[i - 1][1]) / 1e9, s[i][0] - s[i - 1][0]) for i in range(1, len(s))]
        dt = statistics.median(x[2] for x in steps)
        periods = collections.defaultdict(list)
        for t, cpu_s, _ in steps:
            periods[int((t - steps[0][0]) / PERIOD_S)].append(cpu_s)
        w = max(1, round(WINDOW_S / dt))
        bursts = []
        for cpu in periods.values():
            if len(cpu) < 0.9 * PERIOD_S / dt or sum(cpu) / PERIOD_S > IDLE_CORES:
                continue
            busiest = max(sum(cpu[i:i + w]) for i in range(len(cpu) - w + 1))
            bursts.append((busiest - statistics.median(cpu) * w) * 1e6)
        if len(bursts) < 10:
            print(f"| {host} | {len(bursts)} | too few | | | |")
            continue
        bursts.sort()
        mean = statistics.fmean(bursts)
        q = lambda p: bursts[int(p * (len(bursts) - 1))] / mean
        print(f"| {host} | {len(bursts)} | {mean:.0f} | {q(0.1):.2f} | {q(0.5):.2f} | {q(0.9):.2f} |")


if __name__ == "__main__":
    main(sys.argv[1])
