#!/usr/bin/env python3
"""compare.py - the lab's measurements next to kafkasim's predictions (standard library only).

  compare.py KAFKASIM SUMMARY_CSV SCENARIO_DIR OUT_DIR

Runs kafkasim on every lab scenario (lab/scenarios/*.toml, the same constraints as the lab, see
lab/regimes.md), reads the lab's means and standard deviations (SUMMARY_CSV, written by
`scripts/lab.sh all`) and writes OUT_DIR/comparison.csv and OUT_DIR/comparison.md: per regime and
metric, measured mean ± sd (repetitions, how many under load), simulated, relative error, and
whether it is within the issue's bounds (throughput 15 %, p50 latency 25 %, p99 latency 2×);
and OUT_DIR/cpu.csv (a table in comparison.md too): CPU per record sent by host, the lab's cgroups'
counts against kafkasim's hosts (consumer-group aside: its counts cover the consuming alone).
The disk latencies the flush regimes need are this run's own probes (p50s): the device's cache
flush is a clean file's fsync (flush-disk / clean-fsync-probe: host.disk_flush_us), and a
write's own cost is what an appending write + fsync takes more (fsync-probe minus that:
host.disk_seek_us; kafkasim adds the page's transfer, 8.5 µs at the ssd profile's 480 MB/s);
the eden of the brokers' JVMs (G1 sizes it to its pause goal, smaller with three JVMs on 2 cores
than with one) is this run's too: the MiB the acks=all brokers allocated per young collection,
and (runs since 2026-12-03) their young pauses' length, from their GC logs (measured.csv notes
"gc:b0=YOUNG/MIB/MS,...", scripts/lab/jvm.sh).
LAB_CALIBRATION=DIR (relative to the repository; default plots/calibration): the calibration
the scenarios include (its profile.toml and broker-cpu.toml), for a lab run on another machine.
"""
import csv
import json
import math
import os
import re
import statistics
import subprocess
import sys

from results import used_reps

# (regime, variant prefix, scenario, sweep point or None, metrics, extra --set overrides)
THROUGHPUT = ("throughput records/s", "produce_records_per_s", "throughput_records_s")
CONSUMED = ("throughput records/s", "consume_records_per_s_after_join", "throughput_records_s")
P50 = ("p50 latency ms", "publish_latency.p50_ms", "p50_ms")
P99 = ("p99 latency ms", "publish_latency.p99_ms", "p99_ms")
UNFLUSHED = "broker.log.flush.interval.messages=2305843009213693951"  # kafkasim's "never"
CLIENT_REQUEST = "producer.request_cpu_us"
ROWS = [
    ("producer-nic", "", "producer-nic", None, [THROUGHPUT], []),
    ("replication-nic", "", "replication-nic", None, [THROUGHPUT], []),
    ("broker-cpu", "quota=", "broker-cpu", None, [THROUGHPUT], []),
    ("flush-disk", "per-record", "flush-disk", None, [THROUGHPUT], []),
    ("flush-disk", "unflushed,per-record", "flush-disk", None, [THROUGHPUT], [UNFLUSHED]),
    ("flush-disk", "write=", "flush-disk-bandwidth", None, [THROUGHPUT], []),
    ("consumer-group", "consumers=1", "consumer-group", "consumer.count=1", [CONSUMED], []),
    ("consumer-group", "consumers=2", "consumer-group", "consumer.count=2", [CONSUMED], []),
    ("consumer-group", "consumers=4", "consumer-group", "consumer.count=4", [CONSUMED], []),
    ("acks-all-latency", "rate=500/s", "acks-all-latency", None, [P50, P99], []),
    ("acks-all-latency", "rate=200/s", "acks-all-latency", None, [P50, P99],
     ["producer.rate_per_s=200", "producer.records=4000"]),
    # A check, as unflushed is: the same replication without the wait for the followers.
    ("acks-all-latency", "acks=1,rate=500/s", "acks-all-latency", None, [P50, P99], ["producer.acks=1"]),
]
# Where the simulations' outputs go (regenerated, not kept).
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SIM_DIR = os.path.join(ROOT, "target", "lab-sim")
BOUND = {"throughput records/s": ("rel", 0.15), "p50 latency ms": ("rel", 0.25), "p99 latency ms": ("ratio", 2.0)}


def get(d, path):
    for k in path.split("."):
        d = d[k]
    return float(d)


def mean_of(values):
    """The mean of summaries of the same shape: numbers averaged, dicts by key, lists by
    position, anything else (names) taken from the first."""
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, (int, float, dict, list)):
        return first
    if isinstance(first, dict):
        return {k: mean_of([v[k] for v in values]) for k in first}
    if isinstance(first, list):
        return [mean_of(list(vs)) for vs in zip(*values)]
    return statistics.fmean(values)


def simulate(kafkasim, scenario, out, sets):
    """Each point's summary, averaged over the scenario's seeds (a regime whose tail depends on
    where its runs fall in the periods of GC and of the controller's no-op record runs several,
    as the lab runs several repetitions)."""
    cmd = [kafkasim, "run", scenario, "--out", out, "--no-plots"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        runs = {}
        for r in json.load(f):
            runs.setdefault(r["point"], []).append(r["summary"])
    return {point: mean_of(summaries) for point, summaries in runs.items()}, cmd


# The broker's CPU costs scaled by broker-cpu's single-record reference (below).
BROKER_CPU_KEYS = ("broker.request_cpu_us", "broker.produce_cpu_us_per_batch", "broker.produce_cpu_ns_per_byte",
                   "broker.wake_cpu_us")
SINGLE = ["producer.batch.num.messages=1", "producer.records=10000"]  # as scripts/lab.sh runs them (BCPU_SINGLE_RECORDS)


def resolved(out, keys):
    """Values of `keys` in a run's scenario.resolved.toml (set or, commented out, default)."""
    vals = {}
    with open(os.path.join(out, "scenario.resolved.toml")) as f:
        for line in f:
            m = re.match(r'^(?:# )?"([a-z_.]+)" = ([0-9.]+)', line)
            if m and m.group(1) in keys:
                vals[m.group(1)] = float(m.group(2))
    return vals


def speed(kafkasim, scenario, out, measured_single):
    """The factor k on the broker's CPU costs (BROKER_CPU_KEYS) at which kafkasim's single-record
    requests under the quota go as fast as the lab's, measured beside the regime's repetitions.
    It was meant as the machine's speed then; three runs on 2026-12-02 refuted that (the lab's
    15-record requests cost 8.3-12.7 times a single-record one, kafkasim's 13.7), so it is only
    reported. Under a binding quota throughput goes as 1/k, so k is found in a few steps.
    Returns (k, --set overrides)."""
    k, sets = 1.0, []
    for _ in range(4):
        sims, _ = simulate(kafkasim, scenario, out, sets + SINGLE)
        s = get(next(iter(sims.values())), "produce_records_per_s")
        if abs(s / measured_single - 1) < 0.002:
            break
        if not sets:
            base = resolved(out, BROKER_CPU_KEYS)
        k *= s / measured_single
        sets = [f"{key}={v * k:.6g}" for key, v in base.items()]
    return k, sets


def matched_cycle(kafkasim, scenario, out, sets, measured_tput):
    """The client's CPU per request (CLIENT_REQUEST) at which kafkasim's unflushed one-in-flight
    cycle (flush-disk's unflushed check: one record per request, one request in flight) takes as
    long as the lab's, measured in the same run. That cycle is mostly wake-ups across the vCPUs,
    whose cost drifts over hours on a shared VM (lab/results/one-in-flight.txt); with it matched,
    flush per record tests what it is for: the fsync's share of the cycle. One record in flight,
    so 1/throughput is the cycle and moves µs for µs with the cost: a few steps.
    Returns (the cost in µs, --set overrides, kafkasim's cycle in µs), the cost clamped at 0
    (then the rest of kafkasim's cycle alone is longer than the lab's)."""
    extra, cost = [], None
    for _ in range(4):
        sims, _ = simulate(kafkasim, scenario, out, sets + [UNFLUSHED] + extra)
        s = get(next(iter(sims.values())), "produce_records_per_s")
        if cost is None:
            cost = resolved(out, (CLIENT_REQUEST,))[CLIENT_REQUEST]
        if abs(s / measured_tput - 1) < 0.002 or (cost == 0 and s < measured_tput):
            break
        cost = max(cost + (1 / measured_tput - 1 / s) * 1e6, 0.0)
        extra = [f"{CLIENT_REQUEST}={cost:.4g}"]
    return cost, extra, 1e6 / s


GC_PAUSE_SIGMA = 0.5  # broker.gc.pause_ms is the median of a lognormal of this sigma (src/scenario/keys.rs)


def gc(measured_csv, regime):
    """A regime's brokers' young collections over all its repetitions, from measured.csv's notes
    "gc:b0=YOUNG/MIB[/MS],...": (MiB allocated per young collection, the median pause in ms as
    broker.gc.pause_ms means it: the measured mean pause over e^(sigma^2/2)), each None when the
    notes lack it (runs from before 2026-12-03 carry no pauses)."""
    young = mib = ms = 0
    timed = True
    with open(measured_csv, newline="") as f:
        for r in csv.DictReader(f):
            if r["regime"] == regime:
                for n, m, p in re.findall(r"b\d=(\d+)/([0-9.]+)(?:/([0-9.]+))?", r["notes"].partition(" gc:")[2]):
                    young, mib, ms = young + int(n), mib + float(m), ms + float(p or 0)
                    timed = timed and p != ""
    if not young:
        return None, None
    median = round(ms / young / math.exp(GC_PAUSE_SIGMA ** 2 / 2), 2) if timed else None
    return round(mib / young), median


def roles(cpu_s):
    """CPU seconds by role from {host: seconds} (lab "b0"/"c0" or kafkasim "broker 0"/"client
    host 0"): the busiest broker (the leader), the other brokers' mean, all client hosts."""
    brokers = sorted((v for h, v in cpu_s.items() if h.startswith("b")), reverse=True)
    clients = [v for h, v in cpu_s.items() if h.startswith("c")]
    out = {"leader": brokers[0]} if brokers else {}
    if len(brokers) > 1:
        out["other brokers (mean)"] = statistics.fmean(brokers[1:])
    if clients:
        out["client hosts"] = sum(clients)
    return out


# What scripts/lab.sh sent untimed before each timed run, for rows written before the client
# noted it (untimed_records=, since 2026-12-03): WARMUP_RECORDS = 1000 records, and in the
# acks-all regime ACKS_WARMUP_S = 10 s more at its rate (both unchanged since the lab began).
LAB_WARMUP_RECORDS, ACKS_WARMUP_S = 1000, 10


def records_sent(r):
    """Records a producer repetition sent in all: its timed records and the untimed ones before
    them, which its CPU and GC counts cover as well."""
    m = re.search(r"untimed_records=(\d+)", r["notes"])
    if m:
        untimed = int(m.group(1))
    else:
        rate = re.search(r"rate=(\d+)/s", r["variant"]) if r["regime"] == "acks-all-latency" else None
        untimed = LAB_WARMUP_RECORDS + (int(rate.group(1)) * ACKS_WARMUP_S if rate else 0)
    return int(r["records"]) + untimed


def measured_cpu(measured_csv, regime, variant):
    """Per role, µs of CPU per record sent in each repetition the summary is over (its cgroups'
    counts, measured.csv notes "cpu_s:b0=...,c0=..."; the whole repetition: the untimed records
    before the timed ones, client start-up and exit, the JVMs' idle work)."""
    with open(measured_csv, newline="") as f:
        rs = [r for r in csv.DictReader(f) if r["regime"] == regime and r["variant"] == variant]
    per = {}
    for r in used_reps(rs):
        m = re.search(r"cpu_s:(\S+)", r["notes"])
        if not m or not r["records"]:
            continue
        cpu = {h: float(v) for h, v in (kv.split("=") for kv in m.group(1).split(",")) if h != "steal"}
        for role, secs in roles(cpu).items():
            per.setdefault(role, []).append(secs / records_sent(r) * 1e6)
    return per


def simulated_cpu(summary):
    """Per role, µs of CPU per record produced in a kafkasim run's summary."""
    cpu = {h["name"].replace("client host", "c").replace("broker", "b"): h["cpu_s"] for h in summary["hosts"]}
    return {role: secs / summary["records_produced"] * 1e6 for role, secs in roles(cpu).items()}


def with_calibration(scenario_dir, cal):
    """scenario_dir itself, or for another calibration than plots/calibration a copy of its
    scenarios (target/lab-sim/scenarios) that include that calibration's files instead."""
    if cal == "plots/calibration":
        return scenario_dir
    copy = os.path.join(SIM_DIR, "scenarios")
    os.makedirs(copy, exist_ok=True)
    to = os.path.relpath(os.path.join(ROOT, cal), copy)
    for name in os.listdir(scenario_dir):
        if name.endswith(".toml"):
            text = open(os.path.join(scenario_dir, name)).read()
            with open(os.path.join(copy, name), "w") as f:
                f.write(text.replace('"../../plots/calibration/', f'"{to}/'))
    return copy


def main(kafkasim, summary_csv, scenario_dir, out_dir):
    cal = os.environ.get("LAB_CALIBRATION", "plots/calibration").rstrip("/")
    scenario_dir = with_calibration(scenario_dir, cal)
    with open(summary_csv, newline="") as f:
        measured = list(csv.DictReader(f))

    def find(regime, variant):
        for m in measured:
            if m["regime"] == regime and m["variant"].startswith(variant):
                return m
        return None

    def p50_us(variant):
        m = find("flush-disk", variant)
        return round(float(m["p50_ms_mean"]) * 1000, 1) if m and m["p50_ms_mean"] else None

    # The machine measured (scripts/lab.sh's machine.txt) and the one the CPU costs come from.
    lab_cpu = None
    machine_txt = os.path.join(os.path.dirname(summary_csv), "machine.txt")
    if os.path.exists(machine_txt):
        lab_cpu = re.search(r"^cpu: (.*)$", open(machine_txt).read(), re.M).group(1)
    profile_text = open(os.path.join(ROOT, cal, "profile.toml")).read()
    calib_cpu = re.search(r"^# machine: [^,]*, (.*)$", profile_text, re.M).group(1)
    write_fsync_us, flush_us = p50_us("fsync-probe"), p50_us("clean-fsync-probe")
    disk = []
    if write_fsync_us and flush_us:
        disk = [f"host.disk_flush_us={flush_us}", f"host.disk_seek_us={round(max(write_fsync_us - flush_us, 0), 1)}"]
    elif write_fsync_us:  # a run from before the clean probe: the whole write + fsync as the flush
        disk = [f"host.disk_flush_us={write_fsync_us}"]
    # The namespaces' one-way latency: the profile's loopback latency (fitted on this machine,
    # syscalls included) plus half of what a round trip between two namespaces takes more than
    # one over loopback (the network probe: the same Python ping-pong on both paths).
    net = []
    veth, lo = find("network", "veth-rtt"), find("network", "loopback-rtt")
    if veth and lo:
        lo_us = float(re.search(r'^"loopback_latency_us" = ([0-9.]+)', profile_text, re.M).group(1))
        extra_us = (float(veth["p50_ms_mean"]) - float(lo["p50_ms_mean"])) * 1000 / 2
        net = [f"network.latency_us={round(max(lo_us + extra_us, 0), 2)}"]
    eden_mib, pause_ms = gc(os.path.join(os.path.dirname(summary_csv), "measured.csv"), "acks-all-latency")
    os.makedirs(out_dir, exist_ok=True)
    rows, cpu_rows, commands, speed_k, matched, client_p50 = [], [], [], None, None, []
    for regime, variant, scenario, point, metrics, extra in ROWS:
        m = find(regime, variant)
        if m is None:
            continue
        scenario_toml = os.path.join(scenario_dir, scenario + ".toml")
        sets = list(net) + (list(disk) if scenario.startswith("flush") else [])
        if regime == "acks-all-latency":
            sets += [f"broker.gc.young_every_mb={eden_mib}"] if eden_mib else []
            sets += [f"broker.gc.pause_ms={pause_ms}"] if pause_ms else []
        reference = find(regime, "single-record") if regime == "broker-cpu" else None
        if reference:
            k, scaled = speed(kafkasim, scenario_toml,
                              os.path.join(SIM_DIR, scenario + "-single"), float(reference["throughput_records_s_mean"]))
            speed_k = k
            scaled_sims, _ = simulate(kafkasim, scenario_toml,
                                      os.path.join(SIM_DIR, scenario + "-scaled"), scaled)
            scaled_tput = get(next(iter(scaled_sims.values())), THROUGHPUT[1])
            scaled_err = scaled_tput / float(m[THROUGHPUT[2] + "_mean"]) - 1
        unflushed = find(regime, "unflushed,per-record") if (regime, variant) == ("flush-disk", "per-record") else None
        if unflushed:
            matched = matched_cycle(kafkasim, scenario_toml, os.path.join(SIM_DIR, scenario + "-cycle"), sets,
                                    float(unflushed["throughput_records_s_mean"]))
            cycle_sims, _ = simulate(kafkasim, scenario_toml, os.path.join(SIM_DIR, scenario + "-matched"),
                                     sets + matched[1])
            matched_tput = get(next(iter(cycle_sims.values())), THROUGHPUT[1])
            matched_err = matched_tput / float(m[THROUGHPUT[2] + "_mean"]) - 1
            unflushed_us = 1e6 / float(unflushed["throughput_records_s_mean"])
        sets += extra
        if regime == "acks-all-latency" and matched and matched[1] and m[P50[2] + "_mean"]:
            # The same with the client's cost per request the unflushed check matched: how much of
            # the p50 the calibration's client cost stands in for.
            client_sims, _ = simulate(kafkasim, scenario_toml, os.path.join(SIM_DIR, scenario + "-client"),
                                      sets + matched[1])
            p50 = get(next(iter(client_sims.values())), P50[1])
            client_p50.append((m["variant"], p50, p50 / float(m[P50[2] + "_mean"]) - 1))
        sim_out = os.path.join(SIM_DIR, scenario + ("-" + variant.replace("/", "") if extra else ""))
        sims, cmd = simulate(kafkasim, scenario_toml, sim_out, sets)
        shown = " ".join(os.path.relpath(c, ROOT) if c.startswith("/") else c for c in cmd)
        if shown not in commands:
            commands.append(shown)
        sim = sims[point] if point else next(iter(sims.values()))
        if regime != "consumer-group":  # its cgroups count the consuming phase alone
            sim_cpu = simulated_cpu(sim)
            for role, v in measured_cpu(os.path.join(os.path.dirname(summary_csv), "measured.csv"),
                                        regime, m["variant"]).items():
                sd = statistics.stdev(v) if len(v) > 1 else 0.0
                cpu_rows.append({"regime": regime, "variant": m["variant"], "host": role,
                                 "measured_us_per_record": round(statistics.fmean(v), 1), "measured_sd": round(sd, 1),
                                 "reps": len(v), "simulated_us_per_record": round(sim_cpu.get(role, 0.0), 1)})
        for name, sim_path, col in metrics:
            if not m[col + "_mean"]:
                continue
            mean, sd = float(m[col + "_mean"]), float(m[col + "_sd"] or 0)
            s = get(sim, sim_path)
            kind, bound = BOUND[name]
            err = s / mean - 1 if mean else float("inf")
            ok = abs(err) <= bound if kind == "rel" else (1 / bound <= s / mean <= bound)
            rows.append({"regime": regime, "variant": m["variant"], "metric": name,
                         "measured_mean": round(mean, 3), "measured_sd": round(sd, 3), "reps": m["reps"],
                         "loaded_reps": m["loaded_reps"], "stats_over": m.get("stats_over") or "all",
                         "simulated": round(s, 3),
                         "error_pct": round(100 * err, 1), "bound": f"{'±' if kind == 'rel' else '×'}{bound if kind == 'ratio' else int(bound * 100)}{'%' if kind == 'rel' else ''}",
                         "within": "yes" if ok else "no"})
    with open(os.path.join(out_dir, "comparison.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out_dir, "cpu.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(cpu_rows[0].keys()))
        w.writeheader()
        w.writerows(cpu_rows)
    with open(os.path.join(out_dir, "comparison.md"), "w") as f:
        f.write("| regime | variant | metric | measured (mean ± sd, reps, loaded: dropped when ≥ 3 are quiet) | simulated | error | bound | within |\n")
        f.write("|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['regime']} | {r['variant']} | {r['metric']} | {r['measured_mean']:,} ± {r['measured_sd']:,} "
                    f"({r['reps']}, {r['loaded_reps']}{' dropped' if r['stats_over'] == 'quiet' and r['loaded_reps'] != '0' else ''}) | {r['simulated']:,} | {r['error_pct']:+.1f}% | {r['bound']} | {r['within']} |\n")
        f.write("\nCPU per record sent by host, µs: the lab's cgroups over each repetition whole (the client's "
                "start-up and exit, the JVMs' idle work) divided by every record it sent (the untimed ones "
                "before the timed part too), against kafkasim's hosts (the leader: the busiest broker):\n\n"
                "| regime | variant | host | measured (mean ± sd, reps) | simulated | simulated / measured |\n"
                "|---|---|---|---|---|---|\n")
        for r in cpu_rows:
            f.write(f"| {r['regime']} | {r['variant']} | {r['host']} | {r['measured_us_per_record']:,} ± {r['measured_sd']:,} "
                    f"({r['reps']}) | {r['simulated_us_per_record']:,} | "
                    f"{r['simulated_us_per_record'] / r['measured_us_per_record']:.2f}× |\n")
        if net:
            f.write(f"\nNetwork given to every regime (this run's probe, p50s: namespace to namespace "
                    f"{float(veth['p50_ms_mean']) * 1000:.1f} µs, loopback {float(lo['p50_ms_mean']) * 1000:.1f} µs, "
                    f"as the profile's loopback latency plus half the difference): {net[0]}.\n")
        f.write(f"\nDisk given to the flush regimes (this run's probes, p50s: write + fsync {write_fsync_us} µs, "
                f"clean fsync {flush_us} µs): {' '.join(disk) or 'none'}.\n")
        if speed_k:
            f.write(f"broker-cpu's single-record reference (measured after each repetition, under the same quota): kafkasim "
                    f"runs it as fast with the broker's CPU costs ×{speed_k:.3f}, and then gives {scaled_tput:,.0f} records/s for "
                    f"the regime ({100 * scaled_err:+.1f}%); the table gives the calibration's costs, unscaled.\n")
        if matched:
            f.write(f"flush-disk's unflushed check is this run's one-in-flight cycle ({unflushed_us:.1f} µs a record); "
                    + (f"kafkasim takes as long with {CLIENT_REQUEST} = {matched[0]:.1f} µs" if matched[0] > 0 else
                       f"kafkasim's cycle takes {matched[2]:.1f} µs even with {CLIENT_REQUEST} = 0 (its broker, wake-ups and "
                       f"network alone)")
                    + f", and then gives flush per record {matched_tput:,.0f} records/s ({100 * matched_err:+.1f}%), "
                    f"the fsync's share tested alone; the table gives the calibration's cost.\n")
        if client_p50:
            f.write(f"The acks-all p50s with that {CLIENT_REQUEST} ({matched[0]:.1f} µs): "
                    + ", ".join(f"{v} {p:.3f} ms ({100 * e:+.1f}%)" for v, p, e in client_p50)
                    + ": the part of the table's p50s that the calibration's client cost per request stands for.\n")
        if eden_mib:
            f.write(f"Eden given to the acks-all regime: {eden_mib} MiB (its brokers' GC logs: MiB allocated per young collection)"
                    + (f"; young pauses {pause_ms} ms (the logs' mean pause as a lognormal's median, σ = {GC_PAUSE_SIGMA}).\n"
                       if pause_ms else ".\n"))
        same = lab_cpu is not None and lab_cpu.startswith(calib_cpu)
        f.write(f"Measured on {lab_cpu or 'a machine not recorded (no machine.txt)'}; the CPU costs are "
                f"{calib_cpu}'s ({cal}/profile.toml, broker-cpu.toml)"
                + ("." if same else ": another machine, so what CPU decides compares two machines.") + "\n")
        f.write("Simulated with:\n\n" + "".join(f"    {c}\n" for c in commands))
    print(open(os.path.join(out_dir, "comparison.md")).read(), end="")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
