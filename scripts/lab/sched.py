#!/usr/bin/env python3
"""Per-thread scheduler counters of processes, for scripts/lab/wakeups.sh.

  sched.py snap PID...            JSON {pid/tid: [comm, run ns, run-queue wait ns, timeslices,
                                  voluntary switches]} from /proc/PID/task/*/{schedstat,status}
  sched.py diff A.json B.json N   per process and per thread name (digits dropped): CPU, wake-ups
                                  (voluntary switches) and run-queue wait per record, N records
  sched.py pick JSON              the latency and statistics fields of a client.py result
  sched.py delays PERF.DATA PID... the scheduling delay of each wake-up (perf sched timehist's
                                  "sch delay": woken -> running) by thread group, percentiles
"""
import collections
import json
import os
import subprocess
import sys


def snap(pids):
    out = {}
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
                run, wait, n = map(int, open(f"/proc/{pid}/task/{tid}/schedstat").read().split())
                st = open(f"/proc/{pid}/task/{tid}/status").read()
                vol = int(st.split("voluntary_ctxt_switches:")[1].split()[0])
                out[f"{pid}/{tid}"] = [comm, run, wait, n, vol]
            except (OSError, IndexError, ValueError):
                pass  # the thread ended meanwhile
    return out


def diff(a, b, rec):
    per_pid = collections.defaultdict(lambda: [0, 0, 0, 0])
    per_name = collections.defaultdict(lambda: [0, 0, 0, 0])
    for k, v in b.items():
        o = a.get(k, [v[0], 0, 0, 0, 0])
        d = [v[i] - o[i] for i in range(1, 5)]
        pid = k.split("/")[0]
        name = pid + ":" + "".join(c for c in v[0] if not c.isdigit())
        for i in range(4):
            per_pid[pid][i] += d[i]
            per_name[name][i] += d[i]
    for pid, (run, wait, n, vol) in sorted(per_pid.items()):
        print(f"pid {pid}: cpu/rec {run / rec / 1e3:7.1f} us  wakes/rec {vol / rec:5.2f} slices/rec {n / rec:5.2f}"
              f"  wait/slice {wait / max(n, 1) / 1e3:6.1f} us  wait/rec {wait / rec / 1e3:6.1f} us")
    for name, (run, wait, n, vol) in sorted(per_name.items(), key=lambda x: -x[1][3]):
        print(f"  {name:32s} cpu/rec {run / rec / 1e3:7.1f} us  wakes/rec {vol / rec:5.2f}"
              f"  wait/slice {wait / max(n, 1) / 1e3:6.1f} us")


def delays(data, pids):
    """Percentiles of the wake-to-run delay per thread group: the brokers' data-plane threads,
    their other threads, the client (Python and librdkafka's rdk:* threads), everything else."""
    out = subprocess.run(["perf", "sched", "timehist", "-i", data], capture_output=True, text=True).stdout
    groups = collections.defaultdict(list)
    for line in out.splitlines()[3:]:
        f = line.split()
        if len(f) < 6 or "[" not in f[2]:
            continue
        name, ids = f[2].rsplit("[", 1)
        pid = ids.rstrip("]").split("/")[-1]
        if pid in pids:
            g = "broker data-plane" if name.startswith("data-plane") else "broker other"
        elif name.startswith(("rdk:", "python")):
            g = "client"
        else:
            g = "other"
        groups[g].append(float(f[-2]))
    for g, xs in sorted(groups.items()):
        xs.sort()
        q = lambda p: xs[min(len(xs) - 1, int(p / 100 * len(xs)))]
        print(f"  {g:18s} wake-ups {len(xs):7d}  sch delay ms p50 {q(50):.3f} p90 {q(90):.3f} p99 {q(99):.3f}"
              f" max {xs[-1]:.3f}  >0.5 ms {sum(x > 0.5 for x in xs) / len(xs):.2%}  >1 ms {sum(x > 1 for x in xs) / len(xs):.2%}")


if sys.argv[1] == "snap":
    json.dump(snap(sys.argv[2:]), sys.stdout)
elif sys.argv[1] == "diff":
    diff(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), float(sys.argv[4]))
elif sys.argv[1] == "delays":
    delays(sys.argv[2], set(sys.argv[3:]))
elif sys.argv[1] == "pick":
    d = json.loads(sys.argv[2])
    print({k: d[k] for k in d if k.startswith("p") or "rtt" in k or "notes" in k or "through" in k})
