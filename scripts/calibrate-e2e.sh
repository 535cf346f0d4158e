#!/usr/bin/env bash
# calibrate-e2e.sh — end-to-end test of `kafkasim calibrate` against a real local Kafka broker.
#
# Builds kafkasim with the `calibrate` feature, checks the bad-input paths (an unreachable
# broker fails clearly within 15 s; a file of unknown format is refused), starts a broker of its
# own (scripts/kafka-local.sh, state under the output folder, its own port), runs the small
# measurement plan, checks that measurements, profile and comparison were written and that the
# held-out error was reported, checks that a scenario can include the profile, and stops the
# broker (also on failure or Ctrl-C). Any failed check exits non-zero with a message.
#
# Usage: scripts/calibrate-e2e.sh [OUT_DIR]      (default target/calibrate-e2e)
# Environment: KAFKASIM_E2E_PORT first client port of the test broker [19392]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-target/calibrate-e2e}
BIN=target/release/kafkasim
export KAFKASIM_KAFKA_DIR=$ROOT/$OUT/kafka
export KAFKASIM_KAFKA_PORT=${KAFKASIM_E2E_PORT:-19392}
T0=$SECONDS

say() { printf 'calibrate-e2e: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

rm -rf "$OUT/run" "$OUT/unreachable" "$OUT/bad-input"
mkdir -p "$OUT"
say "building kafkasim with the calibrate feature (librdkafka from source) ..."
cargo build --release --features calibrate

# 1. An unreachable broker (a closed port): a clear error within 15 s, exit code 1.
start=$SECONDS
set +e
msg=$("$BIN" calibrate --bootstrap 127.0.0.1:1 --plan small --out "$OUT/unreachable" 2>&1)
rc=$?
set -e
took=$((SECONDS - start))
[[ $rc == 1 ]] || fail "unreachable broker: exit code $rc, expected 1; output: $msg"
((took <= 15)) || fail "unreachable broker: took ${took}s, expected at most 15s"
grep -q "unreachable" <<<"$msg" || fail "unreachable broker: the message does not say so: $msg"
say "ok: unreachable broker -> exit 1 after ${took}s: $(grep -m1 unreachable <<<"$msg")"

# 2. A measurement file of unknown format: exit code 2, naming the file.
mkdir -p "$OUT/bad-input"
printf 'this is not perf-test output\n' >"$OUT/bad-input/notes.txt"
set +e
msg=$("$BIN" calibrate --from-perf-test "$OUT/bad-input/notes.txt" --out "$OUT/bad-input/out" 2>&1)
rc=$?
set -e
[[ $rc == 2 ]] || fail "unknown format: exit code $rc, expected 2; output: $msg"
grep -q "notes.txt" <<<"$msg" && grep -q "unknown format" <<<"$msg" || fail "unknown format: unclear message: $msg"
say "ok: unknown format -> exit 2: $msg"

# 3. A real broker, the small plan, the outputs.
trap 'scripts/kafka-local.sh stop || true' EXIT
bootstrap=$(scripts/kafka-local.sh start | tail -n 1)
say "broker ready at $bootstrap"
start=$SECONDS
"$BIN" calibrate --bootstrap "$bootstrap" --broker-settings "$KAFKASIM_KAFKA_DIR/broker-settings.txt" \
    --plan small --repetitions 2 --warmup 1 --max-evals 400 --out "$OUT/run" \
    --note "CI end-to-end test (small plan)" 2>&1 | tee "$OUT/run.log"
say "calibration took $((SECONDS - start))s"
for f in measurements.csv profile.toml comparison.csv comparison.txt comparison.png comparison.svg; do
    [[ -s $OUT/run/$f ]] || fail "$OUT/run/$f is missing or empty"
done
rows=$(($(wc -l <"$OUT/run/measurements.csv") - 1))
((rows >= 20)) || fail "measurements.csv has $rows measurement(s), expected at least 20"
grep -q "held-out median |error| of throughput: [0-9.]*% on [1-9]" "$OUT/run.log" ||
    fail "the held-out error was not reported"
grep -q "held-out" "$OUT/run/comparison.csv" || fail "comparison.csv marks no held-out point"
say "$(grep -m1 'held-out median |error| of throughput' "$OUT/run.log")"

# 4. The profile is a scenario file others can include.
cat >"$OUT/run/with-profile.toml" <<'TOML'
include = ["profile.toml"]
client = "librdkafka"
[topic]
partitions = 2
[producer]
records = 20000
[consumer]
count = 2
start_after_produce = true
"auto.offset.reset" = "earliest"
TOML
"$BIN" run "$OUT/run/with-profile.toml" --format csv >/dev/null ||
    fail "a scenario including the profile does not run"
say "ok: a scenario includes $OUT/run/profile.toml"

scripts/kafka-local.sh stop
trap - EXIT
say "passed in $((SECONDS - T0))s"
