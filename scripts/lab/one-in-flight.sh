#!/usr/bin/env bash
# one-in-flight.sh — a record's whole cycle with one request in flight (linger.ms=0, one record
# per request, max.in.flight=1), measured by both clients against one local broker, back to back:
# the Python client of the lab (scripts/lab/client.py, confluent-kafka) with the lab's records
# (1 KiB, acks=1) and with the calibration's (100 B, acks=all), then `kafkasim calibrate --plan
# small` (rdkafka from Rust), whose p1-one-in-flight point is the calibration's. Why: the Xeon's
# calibration (14:14 UTC) and its lab run (10:10) disagreed by 2x on this cycle; is it the client
# or the hour? Beside each Python repetition, the machine's cross-vCPU wake-up latency right
# before it (scripts/lab/wake-probe.c, 100 µs sleeps, p50), its steal and its load average.
# Builds kafkasim with the `calibrate` feature; creates target/lab-venv when missing.
#   scripts/lab/one-in-flight.sh [REPS]      (default 5; writes lab/results/one-in-flight.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${1:-5} OUT=${OUT:-lab/results/one-in-flight.txt}
K=target/release/kafkasim ROOT=$PWD
say() { echo "one-in-flight: $*" >&2; }
die() { say "$*"; exit 2; }
source scripts/lab/venv.sh # VENV, PY, ensure_venv
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer, got '$REPS'"
ensure_venv
cargo build --release --features calibrate --quiet # as scripts/calibrate-e2e.sh: rdkafka for the Rust side
mkdir -p target
cc -O2 -pthread -o target/wake-probe scripts/lab/wake-probe.c
echo -20 > /proc/self/autogroup 2>/dev/null || true
scripts/kafka-local.sh start --brokers 1 >/dev/null
work=$(mktemp -d)
trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT INT TERM
b=$(scripts/kafka-local.sh bootstrap)
client() { "$PY" scripts/lab/client.py "$@"; }
steal_ms() { awk '/^cpu /{print $9 * 10}' /proc/stat; } # USER_HZ = 100
field() { grep -o "\"$1\": [0-9.]*" <<<"$2" | grep -o '[0-9.]*$'; }
# The broker's JIT warmed as scripts/broker-cpu.sh warms it.
client topic --bootstrap "$b" --topic warm >/dev/null
client produce --bootstrap "$b" --topic warm --records 400000 --size 1024 --linger-ms 5 --batch-size 16384 >/dev/null
client produce --bootstrap "$b" --topic warm --records 30000 --size 1024 --rate 1000 --linger-ms 0 \
  --batch-num-messages 1 >/dev/null
for r in $(seq "$REPS"); do
  for v in "1 1024" "all 100"; do
    read -r acks size <<<"$v"
    wake=$(target/wake-probe 100 5000 | grep -o 'p50_us=[0-9.]*')
    client topic --bootstrap "$b" --topic "py-$r-$acks-$size" >/dev/null
    load=$(cut -d' ' -f1 /proc/loadavg) s0=$(steal_ms)
    out=$(client produce --bootstrap "$b" --topic "py-$r-$acks-$size" --records 10000 --size "$size" \
      --acks "$acks" --linger-ms 0 --batch-num-messages 1 --max-in-flight 1 --warmup 100)
    echo "client=python acks=$acks bytes=$size rep=$r records_per_s=$(field throughput_records_s "$out")" \
      "elapsed_s=$(field elapsed_s "$out") wake_$wake steal_ms=$(($(steal_ms) - s0)) load=$load" >>"$work/raw"
  done
done
load=$(cut -d' ' -f1 /proc/loadavg) s0=$(steal_ms) t0=$(date +%s%N)
"$K" calibrate --bootstrap "$b" --plan small --out "$work/cal" --quiet --repetitions "$REPS"
grep '^p1-one-in-flight/produce,' "$work/cal/measurements.csv" | awk -F, -v l="$load" \
  -v s=$(($(steal_ms) - s0)) -v w=$((($(date +%s%N) - t0) / 1000000)) '$7 == "false" { printf \
  "client=rust acks=all bytes=100 rep=%d records_per_s=%s steal_ms=%s(whole_plan) wall_ms=%s(whole_plan) load=%s\n", \
  $6 + 1, $(NF-1), s, w, l }' >>"$work/raw"
{
  echo "# scripts/lab/one-in-flight.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) vCPUs"
  python3 - "$work/raw" <<'PY'
import statistics as st, sys
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1])]
print()
print("| client | records | records/s (mean ± sd) | cycle µs (mean ± sd, min–max) | wake-up p50 µs before it (mean) | steal, % of a vCPU | reps |")
print("|---|---|---|---|---|---|---|")
num = lambda v: float(v.split("(")[0])
sd = lambda xs: st.stdev(xs) if len(xs) > 1 else 0.0
for key in dict.fromkeys((r["client"], r["acks"], r["bytes"]) for r in rows):
    q = [r for r in rows if (r["client"], r["acks"], r["bytes"]) == key]
    rate = [float(r["records_per_s"]) for r in q]
    cyc = [1e6 / x for x in rate]
    wake = [float(r["wake_p50_us"]) for r in q if "wake_p50_us" in r]
    # Python: each run's own; Rust: the whole calibration plan's, the same on every line.
    wall = [num(r["wall_ms"]) if "wall_ms" in r else float(r["elapsed_s"]) * 1e3 for r in q]
    steal = sum(num(r["steal_ms"]) for r in q) / sum(wall) * 100
    print(f"| {key[0]} | {key[2]} B, acks={key[1]} | {st.mean(rate):,.0f} ± {sd(rate):,.0f} | "
          f"{st.mean(cyc):.1f} ± {sd(cyc):.1f} ({min(cyc):.1f}–{max(cyc):.1f}) | "
          + (f"{st.mean(wake):.1f}" if wake else "—") + f" | {steal:.1f} | {len(q)} |")
print()
print("Every repetition (Rust: the calibration's p1-one-in-flight point, its warm runs):")
print()
for r in rows:
    print("    " + " ".join(f"{k}={v}" for k, v in r.items()))
PY
} >"${OUT/#-//dev/stdout}"
[[ $OUT == - ]] || cat "$OUT" >&2
