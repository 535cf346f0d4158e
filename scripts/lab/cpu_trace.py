#!/usr/bin/env python3
"""cpu_trace.py — when each lab host uses its CPU: the cpuacct.usage counter (ns) of every
ksl-* cgroup read every PERIOD_S, one line per host whose counter moved, until killed or for
SECONDS.

    python3 scripts/lab/cpu_trace.py OUT.csv [SECONDS]

OUT.csv: unix_s, host (b0, b1, ..., c0, ...), CPU ns used since that host's previous line. Run
beside a lab run; scripts/lab/phase.py folds it (and a latency trace) over the KRaft
controller's no-op period. It wakes 500 times a second (1–2 % of a core here)."""
import glob
import os
import sys
import time

PERIOD_S = 0.002
CPUACCT = "/sys/fs/cgroup/cpuacct"


def usage(files):
    out = {}
    for host, path in files.items():
        try:
            with open(path) as f:
                out[host] = int(f.read())
        except OSError:  # the lab was torn down meanwhile
            pass
    return out


def main(path, seconds):
    end = time.time() + seconds
    files, last, found = {}, {}, 0.0
    with open(path, "w", buffering=1) as f:
        f.write("unix_s,host,cpu_ns\n")
        while time.time() < end:
            if time.time() - found > 1:  # the lab's cgroups come and go: looked up once a second
                found = time.time()
                files = {os.path.basename(g)[4:]: g + "/cpuacct.usage" for g in sorted(glob.glob(CPUACCT + "/ksl-*"))}
                last = {h: v for h, v in usage(files).items() if h not in last} | {h: v for h, v in last.items() if h in files}
            time.sleep(PERIOD_S)
            now, cur = time.time(), usage(files)
            for host, v in cur.items():
                if host in last and v > last[host]:
                    f.write(f"{now:.4f},{host},{v - last[host]}\n")
            last = cur


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else float("inf"))
