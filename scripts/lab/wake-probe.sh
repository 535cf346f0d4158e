#!/usr/bin/env bash
# wake-probe.sh — how long a thread waits to run after another vCPU wakes it, against how long
# it slept (scripts/lab/wake-probe.c, built here with the system's cc). Why: kafkasim's
# `broker.wake_stall_after_ms` (src/hardware/pool.rs WakeStall), the sleep below which a woken
# broker thread never waits for a core. No broker, no network: two threads on vCPUs 0 and 1.
# For each SLEEP in µs, REPS repetitions of about 2 s each (at least 1,000 wake-ups), the 1-minute load average and the
# machine's steal (ms, /proc/stat) noted beside every line; then per SLEEP the median (min–max)
# over the quiet repetitions (load < 1.5, steal < 5% of a core) of the wake-up's p50, the share
# of wake-ups later than 1 ms, and the woken thread's CPU per wake-up.
#   scripts/lab/wake-probe.sh                 (writes lab/results/wake-probe.txt)
#   REPS=3 SLEEPS="100 2000" OUT=- scripts/lab/wake-probe.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${REPS:-5} OUT=${OUT:-lab/results/wake-probe.txt}
read -r -a SLEEPS <<<"${SLEEPS:-100 200 500 1000 2000 5000}"
[ "$(nproc)" -ge 2 ] || { echo "wake-probe: needs 2 vCPUs, this machine has $(nproc)" >&2; exit 2; }
mkdir -p target
cc -O2 -pthread -o target/wake-probe scripts/lab/wake-probe.c
echo -20 > /proc/self/autogroup 2>/dev/null || true
steal_ms() { awk '/^cpu /{print $9 * 10}' /proc/stat; }   # USER_HZ = 100
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for rep in $(seq "$REPS"); do
  for s in "${SLEEPS[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg) s0=$(steal_ms) t0=$(date +%s%N)
    count=$(( 2000000 / (s + 60) )); [ "$count" -ge 1000 ] || count=1000
    line=$(target/wake-probe "$s" "$count")
    echo "$line load=$load steal_ms=$(( $(steal_ms) - s0 )) wall_ms=$(( ($(date +%s%N) - t0) / 1000000 ))" >>"$raw"
  done
done
{
  echo "# scripts/lab/wake-probe.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) vCPUs, kernel $(uname -r), guest_halt_poll_ns=$(cat /sys/module/haltpoll/parameters/guest_halt_poll_ns 2>/dev/null || echo -)"
  python3 - "$raw" <<'PY'
import statistics as st, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1])]
for r in rows:
    r["quiet"] = float(r["load"]) < 1.5 and int(r["steal_ms"]) < 0.05 * int(r["wall_ms"])
print()
print("| sleep (µs) | wake-up p50 (µs) | p99 (µs) | later than 1 ms (per million) | woken thread's CPU per wake-up (µs) | quiet repetitions |")
print("|---|---|---|---|---|---|")
def m(xs):
    return f"{st.median(xs):.1f} ({min(xs):.1f}–{max(xs):.1f})"
for s in dict.fromkeys(r["sleep_us"] for r in rows):
    q = [r for r in rows if r["sleep_us"] == s and r["quiet"]]
    if not q:
        print(f"| {s} | — | — | — | — | 0 of {sum(r['sleep_us'] == s for r in rows)} |")
        continue
    f = lambda k: [float(r[k]) for r in q]
    print(f"| {s} | {m(f('p50_us'))} | {m(f('p99_us'))} | {m(f('over_1ms_ppm'))} | {m(f('woken_cpu_us'))} | "
          f"{len(q)} of {sum(r['sleep_us'] == s for r in rows)} |")
print()
print("Median (min–max) over the quiet repetitions (1-minute load < 1.5, steal < 5% of a core). Every repetition:")
print()
for r in rows:
    print("    " + " ".join(f"{k}={v}" for k, v in r.items()))
PY
} >"${OUT/#-//dev/stdout}"
