#!/usr/bin/env python3
"""report.py - the classroom measurement against kafkasim, as a table a teacher can read.

  report.py DIR KAFKASIM

Reads DIR/runs.csv (scripts/classroom.sh run) and DIR/comparison.csv (kafkasim calibrate
--from-csv, fitted on the 1-partition, 1-consumer points only), simulates the no-key points again
with DIR/profile.toml to compare how unevenly records spread over partitions, and writes
DIR/summary.md: per point, the time after the group formed (measured mean ± sd over the warm,
quiet repetitions; simulated; error), the join time, the speed-up over one consumer, idle
consumers, and where the CPU went (Python thread, librdkafka threads, broker) per record.
"""
import csv
import os
import statistics
import subprocess
import sys
import tempfile


def mean_sd(v):
    return (statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0) if v else (float("nan"), 0.0)


def spread(counts):
    """Coefficient of variation of per-partition counts (0 = perfectly even)."""
    m = statistics.fmean(counts)
    return statistics.pstdev(counts) / m if m else 0.0


def simulated_spread(kafkasim, d, parts, cores):
    """Mean per-partition coefficient of variation of no-key runs, seeds 1-5, with the profile."""
    text = (
        f'include = ["{os.path.abspath(os.path.join(d, "profile.toml"))}"]\n'
        'name = "classroom-real-split"\nclient = "confluent-kafka-python"\nseed = 1\nseeds = 5\n'
        f"[host]\ncores = {cores}\n[topic]\npartitions = {parts}\n"
        '[producer]\nrecords = 100000\nvalue_bytes = 100\nkeys = "none"\n[consumer]\ncount = 0\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(text)
    try:
        out = subprocess.run([kafkasim, "run", f.name, "--format", "csv"], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    rows = list(csv.DictReader(out.splitlines()))
    return [spread([int(x) for x in r["records_per_partition"].split(";")]) for r in rows]


def short(line):
    """machine.txt's line, with the broker settings cut to those that matter here."""
    if not line.startswith("cluster:"):
        return line
    keep = ("kafka.version", "java.version", "group.initial.rebalance.delay.ms", "num.io.threads")
    head, _, rest = line.partition(";")
    return "; ".join([head] + [kv.strip() for kv in rest.split(";") if kv.strip().startswith(keep)])


def main(argv):
    d, kafkasim = argv
    runs = [r for r in csv.DictReader(open(os.path.join(d, "runs.csv")))
            if r["cold"] == "false" and r["busy"] == "false"]
    comp = {r["point"]: r for r in csv.DictReader(open(os.path.join(d, "comparison.csv")))}
    machine = open(os.path.join(d, "machine.txt")).read().splitlines()
    cores = next((int(l.split(":")[1]) for l in machine if l.startswith("cores:")), 2)
    by = {}
    for r in runs:
        by.setdefault(r["point"], []).append(r)

    def sim_after(point):
        c = comp.get(point)
        return float(c["simulated_after_join_s"]) if c and c["simulated_after_join_s"] else float("nan")

    lines = [f"# The classroom experiment on this machine, measured and simulated", ""]
    lines += [f"- {short(l)}" for l in machine if not l.startswith("cores:")]
    lines += ["- simulated: kafkasim with `profile.toml`, fitted on the 1-partition, 1-consumer points "
              "only (`scripts/classroom.sh compare`); every other point is a prediction", ""]
    lines += ["| topic | keys | consumers | after join, measured (s) | simulated (s) | error | "
              "join, measured / simulated (s) | speed-up measured / simulated | idle | "
              "consumers' CPU per record: Python thread / librdkafka threads (µs) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    errors, parallel = [], []
    for point, rs in by.items():
        if not point.endswith(tuple(f"consume-{n}" for n in (1, 2, 4))):
            continue
        parts, keys, n = int(rs[0]["partitions"]), rs[0]["keys"], int(rs[0]["consumers"])
        after, sd = mean_sd([float(r["after_join_s"]) for r in rs])
        join, _ = mean_sd([float(r["join_s"]) for r in rs])
        sim = sim_after(point)
        c = comp.get(point, {})
        sim_join = float(c["simulated_join_s"]) if c.get("simulated_join_s") else float("nan")
        err = (sim / after - 1) * 100
        one = f"p{parts}-{keys}/consume-1"
        speed = ""
        if n > 1 and one in by:
            m1, _ = mean_sd([float(r["after_join_s"]) for r in by[one]])
            speed = f"{m1 / after:.2f}× / {sim_after(one) / sim:.2f}×"
        idle = statistics.fmean(int(r["idle_consumers"]) for r in rs)
        recs = statistics.fmean(int(r["records"]) for r in rs)
        cpu = lambda k: statistics.fmean(float(r[k]) for r in rs if r[k]) / recs * 1e6
        lines.append(
            f"| {parts} partition(s) | {keys} | {n} | {after:.3f} ± {sd:.3f} | {sim:.3f} | {err:+.1f}% | "
            f"{join:.3f} / {sim_join:.3f} | {speed or '-'} | {idle:.0f} | "
            f"{cpu('app_cpu_s'):.1f} / {cpu('lib_cpu_s'):.1f} |")
        if c.get("role") == "held-out":
            errors.append(abs(err))
            per = [int(x) for x in rs[0]["records_per_consumer"].split(";")]
            if sum(1 for x in per if x > 0) >= 2:
                parallel.append(abs(err))
    lines += ["", f"Held-out points: median |error| of the time after the join "
              f"{statistics.median(errors):.1f}% ({len(errors)} points); worst where two or more consumers "
              f"read in parallel {max(parallel):.1f}% ({len(parallel)} points)." if errors and parallel else ""]
    lines += ["", "No key (librdkafka's sticky partitioner, sticky.partitioning.linger.ms = 10 ms): how "
              "unevenly one run of 100,000 records spreads (standard deviation of the per-partition "
              "counts / their mean):", ""]
    for parts in (2, 4):
        key = f"p{parts}-none/produce"
        if key not in by:
            continue
        meas = [spread([int(x) for x in r["records_per_partition"].split(";")]) for r in by[key]]
        sim = simulated_spread(kafkasim, d, parts, cores)
        (mm, ms), (sm, ss) = mean_sd(meas), mean_sd(sim)
        lines.append(f"- {parts} partitions: measured {mm * 100:.0f}% ± {ms * 100:.0f}% over {len(meas)} runs, "
                     f"simulated {sm * 100:.0f}% ± {ss * 100:.0f}% over {len(sim)} seeds")
    lines += ["", "Consumers' CPU per record: the Python thread (poll() and the course's print) and "
              "librdkafka's threads (parsing Fetch responses) of the consumer processes, summed, from "
              "/proc (10 ms ticks). The speed-up divides the one-consumer time by the group's for the "
              "same topic and keys. Regenerate: `scripts/classroom.sh run` (≈ 15 min, on a quiet "
              "machine), then `scripts/classroom.sh compare`.", ""]
    path = os.path.join(d, "summary.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
