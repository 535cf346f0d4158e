#!/usr/bin/env python3
"""results.py - turns client.py JSON lines into the lab's CSV files (standard library only).

  results.py row     CSV REGIME VARIANT REP LOAD_BEFORE LOAD_AFTER NOTE  < one produce/fsync JSON line
  results.py group   CSV REGIME VARIANT REP LOAD_BEFORE LOAD_AFTER NOTE  < consume JSON lines (one per consumer)
  results.py drop    CSV REGIME                                      # removes REGIME's rows
  results.py summary CSV SUMMARY_CSV

Each `row`/`group` appends one row to CSV and prints it. LOAD_* are /proc/loadavg's first three
fields ("1m 5m 15m"); NOTE (CPU seconds per host and the machine's steal) is added to the notes
column; `summary` flags a repetition as loaded by either (see `loaded`).
`group` aggregates a consumer group: records = all records consumed, throughput = records /
(last record time - first fetch start, over all consumers); "first fetch start" is when the first
member got its share of partitions. (From the first *record* instead, the span would miss the
transfer of the first fetch response, up to 1 MiB per partition, +10 % at 20 Mbit/s for one
consumer of 40,000 records; noted as span_first_record_s.)
"""
import csv
import json
import os
import statistics
import sys
import time

COLUMNS = ["regime", "variant", "rep", "records", "record_bytes", "throughput_records_s",
           "throughput_mb_s", "p50_ms", "p99_ms", "loadavg_before", "loadavg_after",
           "client_cpu_util", "notes", "utc"]
LOAD_FLAG = 1.5  # a repetition whose 1-minute load average exceeded this before it ran is flagged
STEAL_FLAG = 0.05  # ... and one whose vCPUs lost more than this share of a core to the host (steal)


MIN_QUIET = 3  # repetitions: fewer quiet ones than this, and the summary keeps every one


def loaded(r):
    """Flagged: the 1-minute load average above LOAD_FLAG before the repetition, or steal (the
    `steal=` CPU seconds of its notes, over its `elapsed_s=` or `span_s=`) above STEAL_FLAG of a
    core."""
    if float(r["loadavg_before"].split()[0]) > LOAD_FLAG:
        return True
    note = dict(kv.split("=", 1) for kv in r["notes"].replace("cpu_s:", " ").replace(",", " ").split() if "=" in kv)
    try:
        return float(note["steal"]) / float(note.get("elapsed_s") or note["span_s"]) > STEAL_FLAG
    except (KeyError, ValueError, ZeroDivisionError):
        return False


def used_reps(rs):
    """The repetitions a summary is over: the quiet ones when at least MIN_QUIET of them are (the
    loaded ones dropped, as they measure the other tenants too), else all."""
    quiet = [r for r in rs if not loaded(r)]
    return quiet if len(quiet) >= MIN_QUIET else rs


def append(path, row):
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            w.writeheader()
        w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    print(",".join(str(row.get(k, "")) for k in COLUMNS))


def base(regime, variant, rep, lb, la):
    return {"regime": regime, "variant": variant, "rep": rep, "loadavg_before": lb,
            "loadavg_after": la, "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def cmd_row(path, regime, variant, rep, lb, la, note=""):
    d = json.loads(sys.stdin.readline())
    r = base(regime, variant, rep, lb, la)
    if d["mode"] == "ping":  # the network probe: "records" = round trips, throughput = round trips/s
        r.update(records=d["count"], throughput_records_s=d["pings_per_s"], p50_ms=d["p50_ms"],
                 p99_ms=d["p99_ms"], notes=f"tcp ping-pong mean_ms={d['mean_ms']}")
    elif d["mode"] in ("fsync", "fsync-clean"):  # the disk probes: "records" = fsyncs, throughput = fsyncs/s
        what = "clean fsync" if d["mode"] == "fsync-clean" else "write+fsync"
        r.update(records=d["count"], record_bytes=d["record_bytes"], throughput_records_s=d["fsyncs_per_s"],
                 p50_ms=d["p50_ms"], p99_ms=d["p99_ms"], notes=f"{what} mean_ms={d['mean_ms']}")
    else:
        notes = f"mean_ms={d['mean_ms']} elapsed_s={d['elapsed_s']} errors={d['errors']}"
        if d.get("untimed_records") is not None:
            notes += f" untimed_records={d['untimed_records']}"
        if d.get("records_per_request") is not None:
            notes += f" produce_requests={d['produce_requests']} records_per_request={d['records_per_request']}"
        for k in ("int_latency", "outbuf_latency", "rtt"):
            if d.get(f"{k}_ms"):
                notes += f" {k}_ms=" + "/".join(str(d[f"{k}_ms"][q]) for q in ("mean", "p50", "p99"))
        r.update(records=d["delivered"], record_bytes=d["record_bytes"],
                 throughput_records_s=d["throughput_records_s"], throughput_mb_s=d["throughput_mb_s"],
                 p50_ms=d["p50_ms"], p99_ms=d["p99_ms"], client_cpu_util=d["client_cpu_util"], notes=notes)
    r["notes"] = " ".join(x for x in (r.get("notes"), note) if x)
    append(path, r)


def cmd_group(path, regime, variant, rep, lb, la, note=""):
    ds = [json.loads(line) for line in sys.stdin if line.strip()]
    got = [d for d in ds if d["count"] > 0]
    records = sum(d["count"] for d in ds)
    nbytes = sum(d["bytes"] for d in ds)
    r = base(regime, variant, rep, lb, la)
    r.update(records=records, record_bytes=round(nbytes / records) if records else "")
    if got:
        last = max(d["last_ts"] for d in got)
        span = last - min(d["fetch_start_ts"] or d["first_ts"] for d in got)
        span_first = last - min(d["first_ts"] for d in got)
        if span > 0:
            r.update(throughput_records_s=round(records / span, 2), throughput_mb_s=round(nbytes / span / 1e6, 4))
        cpu = [d["client_cpu_util"] for d in got if d["client_cpu_util"] is not None]
        r["client_cpu_util"] = max(cpu) if cpu else None
        r["notes"] = (f"span_s={span:.3f} span_first_record_s={span_first:.3f} per_consumer={'/'.join(str(d['count']) for d in ds)} "
                      f"assigned={'/'.join(str(d['assigned']) for d in ds)}")
    r["notes"] = " ".join(x for x in (r.get("notes"), note) if x)
    append(path, r)


def cmd_drop(path, regime):
    if not os.path.exists(path):
        return
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["regime"] != regime]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def cmd_summary(path, out):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    groups = {}
    for r in rows:
        groups.setdefault((r["regime"], r["variant"]), []).append(r)

    def stats(rs, key):
        v = [float(r[key]) for r in rs if r[key] not in ("", None)]
        if not v:
            return "", ""
        return round(statistics.fmean(v), 4), (round(statistics.stdev(v), 4) if len(v) > 1 else "")

    cols = ["regime", "variant", "reps"]
    for k in ("throughput_records_s", "throughput_mb_s", "p50_ms", "p99_ms"):
        cols += [k + "_mean", k + "_sd"]
    cols += ["loaded_reps", "loaded_rep_ids", "stats_over"]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for (regime, variant), rs in groups.items():
            quiet, used = [r for r in rs if not loaded(r)], used_reps(rs)
            line = [regime, variant, len(rs)]
            for k in ("throughput_records_s", "throughput_mb_s", "p50_ms", "p99_ms"):
                line += list(stats(used, k))
            flagged = [r["rep"] for r in rs if r not in quiet]
            line += [len(flagged), " ".join(flagged), "quiet" if len(quiet) >= MIN_QUIET else "all"]
            w.writerow(line)
    print(open(out).read(), end="")


def main(a):
    cmd = a[0]
    if cmd == "row":
        cmd_row(*a[1:8])
    elif cmd == "group":
        cmd_group(*a[1:8])
    elif cmd == "drop":
        cmd_drop(*a[1:3])
    elif cmd == "summary":
        cmd_summary(*a[1:3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
