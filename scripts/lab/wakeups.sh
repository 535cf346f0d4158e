#!/usr/bin/env bash
# wakeups.sh — where a real broker's threads spend CPU at a low request rate, on loopback.
#
# Starts the project's local Kafka (scripts/kafka-local.sh, BROKERS nodes on 127.0.0.1, its own
# state dir and ports), warms the JIT with JIT single-record requests flat out, then for each
# RATE runs REPS times: a new 1-partition topic (RF = BROKERS), WS s untimed then SECS s timed of
# single-record requests at RATE/s (confluent-kafka, linger.ms=0, acks=ACKS). Around each run
# it snapshots /proc/<pid>/task/*/schedstat and voluntary context switches of every broker
# thread (scripts/lab/sched.py) and prints the client's latency and librdkafka statistics, and
# per broker and per thread name: CPU, wake-ups and run-queue wait per record. Not part of the
# lab's regimes: it is how lab/regimes.md found why acks=all is slow at low rates. PERF_SCHED=1
# also records `perf sched` over each run and prints each thread group's wake-to-run delays.
#   BROKERS=3 ACKS=all RATES="200 500" scripts/lab/wakeups.sh    (the acks-all-latency workload)
#   BROKERS=1 ACKS=1 MISR=1 RATES="100 200 500" SECS=10 WS=3 scripts/lab/wakeups.sh
# Outputs of 2026-12-01: lab/results/wakeups/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source scripts/lab/venv.sh   # VENV, PY, ensure_venv
say() { echo "wakeups: $*" >&2; }
die() { say "$*"; exit 2; }
ensure_venv
export KAFKASIM_KAFKA_DIR=${KAFKASIM_KAFKA_DIR:-$ROOT/target/wakeups} KAFKASIM_KAFKA_PORT=${KAFKASIM_KAFKA_PORT:-19492}
BROKERS=${BROKERS:-3} ACKS=${ACKS:-all} MISR=${MISR:-2} JIT=${JIT:-60000} REPS=${REPS:-3}
SECS=${SECS:-20} WS=${WS:-5} LINES_OUT=${LINES_OUT:-12}
read -r -a RATES <<<"${RATES:-200 500}"
C=scripts/lab/client.py S=scripts/lab/sched.py T=$KAFKASIM_KAFKA_DIR/tmp
echo -20 > /proc/self/autogroup 2>/dev/null || true
trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true' EXIT INT TERM
scripts/kafka-local.sh start --brokers "$BROKERS" >"$KAFKASIM_KAFKA_DIR.start.log" 2>&1 || die "broker start failed: $KAFKASIM_KAFKA_DIR.start.log"
mkdir -p "$T"
BOOT=$(tail -n1 "$KAFKASIM_KAFKA_DIR.start.log"); echo "boot $BOOT"
PIDS=$(cat "$KAFKASIM_KAFKA_DIR"/node-*/pid | tr '\n' ' '); echo "pids $PIDS"
"$PY" $C topic --bootstrap "$BOOT" --topic jit --partitions 3 --rf "$BROKERS" --config "min.insync.replicas=$MISR" >/dev/null
"$PY" $C produce --bootstrap "$BOOT" --topic jit --records "$JIT" --size 1024 --acks "$ACKS" --linger-ms 0 \
    --batch-num-messages 1 --partitions 3 | grep -o '"throughput_records_s": [0-9.]*'
for rate in "${RATES[@]}"; do
    for r in $(seq 1 "$REPS"); do
        t=a$rate-$r
        "$PY" $C topic --bootstrap "$BOOT" --topic "$t" --partitions 1 --rf "$BROKERS" --config "min.insync.replicas=$MISR" >/dev/null
        sleep 2
        for _ in $(seq 60); do awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l >= 1.5) }' || break; sleep 1; done
        # shellcheck disable=SC2086
        python3 $S snap $PIDS >"$T/s0.json"
        l0=$(cut -d' ' -f1 /proc/loadavg)
        [[ ${PERF_SCHED:-0} != 1 ]] || { perf sched record -a -o "$T/sched.data" -- sleep $((SECS + WS)) >/dev/null 2>&1 & }
        out=$("$PY" $C produce --bootstrap "$BOOT" --topic "$t" --records $((rate * SECS)) --rate "$rate" --size 1024 \
            --acks "$ACKS" --linger-ms 0 --batch-size 131072 --warmup-s "$WS")
        # shellcheck disable=SC2086
        python3 $S snap $PIDS >"$T/s1.json"
        echo "== rate $rate rep $r load $l0 $(python3 $S pick "$out")"
        python3 $S diff "$T/s0.json" "$T/s1.json" $((rate * (SECS + WS))) | sed -n "1,${LINES_OUT}p"
        # shellcheck disable=SC2086
        [[ ${PERF_SCHED:-0} != 1 ]] || { wait; python3 $S delays "$T/sched.data" $PIDS; }
    done
done
