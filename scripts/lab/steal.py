#!/usr/bin/env python3
"""steal.py — when the machine's host takes its vCPUs: each vCPU's steal counter (/proc/stat,
ticks of 10 ms) read every PERIOD_S, one line per change, until killed or for SECONDS.

    python3 scripts/lab/steal.py OUT.csv [SECONDS]

OUT.csv: unix_s, cpu (cpu0, cpu1, ...), steal ticks since the previous line of that cpu. Run
beside a lab run; scripts/lab/tail.py puts each latency stall beside the steal it overlaps. It
wakes 200 times a second (about 1 % of a core here)."""
import sys
import time

PERIOD_S = 0.005


def steal():
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                fields = line.split()
                out[fields[0]] = int(fields[8])  # user nice system idle iowait irq softirq steal
    return out


def main(path, seconds):
    end = time.time() + seconds
    last = steal()
    with open(path, "w", buffering=1) as f:
        f.write("unix_s,cpu,steal_ticks\n")
        while time.time() < end:
            time.sleep(PERIOD_S)
            now, cur = time.time(), steal()
            for cpu, v in cur.items():
                if v != last.get(cpu, v):
                    f.write(f"{now:.4f},{cpu},{v - last[cpu]}\n")
            last = cur


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else float("inf"))
