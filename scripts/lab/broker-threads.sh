#!/usr/bin/env bash
# broker-threads.sh — which of the local broker's threads spend its CPU on single-record requests,
# sent flat out (many in flight) and one in flight, after scripts/broker-cpu.sh's JIT warm-up.
# Why: broker-cpu.sh solves kafkasim's `broker.request_cpu_us` from the whole process's CPU
# (/proc/<pid>/stat); a request's path runs on the network and I/O threads ("data-plane-*")
# only, and the JIT's compiler threads ("C1/C2 CompilerThread") keep compiling after the warm-up.
# Per repetition and workload (10,000 records of 1 KiB, acks=1, one record a request), each
# thread group's CPU from /proc/<pid>/task/*/schedstat, µs per request, with the 1-minute load
# average and the machine's steal (ms) beside it.
#   scripts/lab/broker-threads.sh            (5 repetitions; writes lab/results/broker-threads.txt)
#   REPS=2 OUT=- scripts/lab/broker-threads.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
say() { echo "broker-threads: $*" >&2; }
die() { say "$*"; exit 2; }
source scripts/lab/venv.sh # VENV, PY, ensure_venv
REPS=${REPS:-5} OUT=${OUT:-lab/results/broker-threads.txt}
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer, got '$REPS'"
ensure_venv
echo -20 > /proc/self/autogroup 2>/dev/null || true
scripts/kafka-local.sh start --brokers 1 >/dev/null
raw=$(mktemp -d)
trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true; rm -rf "$raw"' EXIT INT TERM
b=$(scripts/kafka-local.sh bootstrap)
pid=$(<target/kafka-local/node-1/pid)
client() { "$PY" scripts/lab/client.py "$@"; }
# tid, ns on a CPU, and name of every thread of the broker.
snap() {
  local t c ns
  for t in /proc/"$pid"/task/*; do
    read -r c <"$t/comm" 2>/dev/null || continue
    read -r ns _ <"$t/schedstat" 2>/dev/null || continue
    echo "${t##*/} $ns ${c// /_}"
  done
}
steal_ms() { awk '/^cpu /{print $9 * 10}' /proc/stat; } # USER_HZ = 100
say "warming the broker's JIT as broker-cpu.sh does (400,000 batched records, 30,000 single-record requests) ..."
client topic --bootstrap "$b" --topic warm >/dev/null
client produce --bootstrap "$b" --topic warm --records 400000 --size 1024 --linger-ms 5 --batch-size 16384 >/dev/null
client produce --bootstrap "$b" --topic warm --records 30000 --size 1024 --rate 1000 --linger-ms 0 \
  --batch-num-messages 1 >/dev/null
{
  echo "# scripts/lab/broker-threads.sh, $(date -u +%FT%TZ), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) vCPUs"
  echo "# µs of CPU per request by thread group (digits in names folded to #), 10,000 records of 1 KiB a run"
  for r in $(seq "$REPS"); do
    for w in single single-1; do
      args=(--records 10000 --size 1024 --linger-ms 0 --batch-num-messages 1)
      [[ $w == single-1 ]] && args+=(--max-in-flight 1)
      client topic --bootstrap "$b" --topic "$w-$r" >/dev/null
      load=$(cut -d' ' -f1 /proc/loadavg) s0=$(steal_ms)
      snap >"$raw/before"
      client produce --bootstrap "$b" --topic "$w-$r" "${args[@]}" >/dev/null
      snap >"$raw/after"
      python3 - "$raw/before" "$raw/after" "$w" "$r" "$load" "$(($(steal_ms) - s0))" <<'PY'
import collections, re, sys
before, after, w, r, load, steal = sys.argv[1:]
was = {line.split()[0]: int(line.split()[1]) for line in open(before)}
groups = collections.Counter()
for line in open(after):
    tid, ns, name = line.split()
    groups[re.sub(r"[0-9]+", "#", name)] += int(ns) - was.get(tid, 0)
us = {k: v / 1e3 / 10000 for k, v in groups.items()}  # ns over 10,000 requests, in µs
dp = sum(v for k, v in us.items() if k.startswith("data-plane"))
jit = sum(v for k, v in us.items() if "CompilerThre" in k)
rest = sum(us.values()) - dp - jit
print(f"{w:9} rep {r}  load {load}  steal {steal} ms  total {sum(us.values()):6.1f}  data-plane {dp:6.1f}  "
      f"JIT compiler {jit:6.1f}  other {rest:5.1f}  (largest other: "
      + ", ".join(f"{k} {v:.1f}" for k, v in sorted(us.items(), key=lambda kv: -kv[1])
                  if not k.startswith("data-plane") and "CompilerThre" not in k)[:3 * 40] + ")")
PY
    done
  done
} >"$raw/out"
if [[ $OUT == - ]]; then cat "$raw/out"; else cp "$raw/out" "$OUT"; cat "$OUT"; fi
