#!/usr/bin/env bash
# classroom.sh - the course's partitions experiment (shared/seeds/000) on a real broker, with the
# course's own stack: Python and confluent-kafka (librdkafka underneath), consumers as separate
# processes that print every message. See scripts/classroom/experiment.py for what is timed.
#
#   scripts/classroom.sh run [--repetitions 5] [--out plots/classroom-real] [experiment.py flags]
#   scripts/classroom.sh smoke            # CI: 2,000 records, 1 repetition, two points
#   scripts/classroom.sh compare [DIR]    # kafkasim calibrate --from-csv DIR/measurements.csv,
#                                         # then DIR/summary.md (scripts/classroom/report.py)
#   scripts/classroom.sh loop-cost        # the Python thread's CPU per record: poll(), print
#                                         # (→ plots/classroom-real/loop-cost.txt)
#
# `run` installs confluent-kafka into target/lab-venv (first run), starts the project's local
# Apache Kafka (scripts/kafka-local.sh) when nothing listens on the bootstrap address and stops
# it again at the end if it started it. Measure on a quiet machine: each phase records the load
# and is flagged when other work used the CPU (see runs.csv's `busy` column).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lab/venv.sh"   # VENV, PY, ensure_venv
BOOTSTRAP=${KAFKASIM_BOOTSTRAP:-127.0.0.1:${KAFKASIM_KAFKA_PORT:-19092}}
OUT_DEFAULT=$ROOT/plots/classroom-real

say() { echo "classroom: $*" >&2; }
die() { say "$*"; exit 1; }


STARTED=0
ensure_broker() {
    local host=${BOOTSTRAP%:*} port=${BOOTSTRAP##*:}
    if timeout 2 bash -c ": >/dev/tcp/$host/$port" 2>/dev/null; then return; fi
    [[ $host == 127.0.0.1 || $host == localhost ]] || die "nothing listens on $BOOTSTRAP (not a local address: start that broker yourself)"
    KAFKASIM_KAFKA_PORT=$port "$ROOT/scripts/kafka-local.sh" start >/dev/null
    STARTED=1
}
cleanup() { if ((STARTED)); then "$ROOT/scripts/kafka-local.sh" stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

cmd=${1:-}
shift || true
case $cmd in
    run)
        ensure_venv
        ensure_broker
        args=("$@")
        [[ " ${args[*]} " == *" --out "* ]] || args+=(--out "$OUT_DEFAULT")
        "$PY" "$ROOT/scripts/classroom/experiment.py" --bootstrap "$BOOTSTRAP" "${args[@]}"
        ;;
    smoke)
        ensure_venv
        ensure_broker
        out=$ROOT/target/classroom-smoke
        rm -rf "$out"
        "$PY" "$ROOT/scripts/classroom/experiment.py" --bootstrap "$BOOTSTRAP" --out "$out" \
            --records 2000 --repetitions 1 --warmup 0 --only p1-none --only p2-random --print-to devnull \
            --max-foreign-cores 100
        "$PY" - "$out/runs.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = {"p1-none/produce", "p1-none/consume-1", "p1-none/consume-4", "p2-random/produce",
        "p2-random/consume-1", "p2-random/consume-2"}
got = {r["point"] for r in rows}
assert got == want, f"points {sorted(got)} != {sorted(want)}"
for r in rows:
    assert int(r["records"]) == 2000, f"{r['point']}: {r['records']} records, expected 2000"
    if r["phase"] == "consume":
        assert float(r["join_s"]) > 2.5, f"{r['point']}: join {r['join_s']} s < the 3 s initial delay"
        n = int(r["consumers"])
        assert sum(map(int, r["records_per_consumer"].split(";"))) == 2000
        if r["point"] == "p1-none/consume-4":
            assert r["idle_consumers"] == "3", f"4 consumers on 1 partition: {r['idle_consumers']} idle, expected 3"
print(f"classroom smoke: {len(rows)} phases measured, every record read once, 3 idle of 4 on 1 partition")
PYEOF
        ;;
    compare)
        dir=${1:-$OUT_DEFAULT}
        [[ -f $dir/measurements.csv ]] || die "$dir/measurements.csv not found: run 'scripts/classroom.sh run' first"
        cd "$ROOT"
        cores=$(sed -n 's/^cores: //p' "$dir/machine.txt")
        notes=()
        while IFS= read -r line; do notes+=(--note "$line"); done < <(grep -v '^cores: \|^cluster: ' "$dir/machine.txt")
        settings=()
        [[ -f $dir/broker-settings.txt ]] && settings=(--broker-settings "$dir/broker-settings.txt")
        cargo run --release --quiet -- calibrate --from-csv "$dir/measurements.csv" --out "$dir" \
            --set "host.cores=${cores:-2}" --set cluster.layout=single-host "${settings[@]}" "${notes[@]}"
        ensure_venv
        "$PY" "$ROOT/scripts/classroom/report.py" "$dir" "$ROOT/target/release/kafkasim"
        ;;
    loop-cost)
        ensure_venv
        ensure_broker
        out=$OUT_DEFAULT/loop-cost.txt
        "$PY" "$ROOT/scripts/classroom/loop_cost.py" --bootstrap "$BOOTSTRAP" "$@" >"$out.tmp"
        mv "$out.tmp" "$out"
        cat "$out"
        ;;
    *)
        sed -n 2,16p "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        [[ -z $cmd || $cmd == -h || $cmd == --help ]] || exit 2
        ;;
esac
