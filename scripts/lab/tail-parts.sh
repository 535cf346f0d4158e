#!/usr/bin/env bash
# tail-parts.sh — which of kafkasim's tail sources make the lab's acks=all p99.
#
#   LAB_CALIBRATION=plots/calibration-amd-2026-12-04-pm-lo scripts/lab/tail-parts.sh \
#       lab/results/2026-12-04-amd-nospin-all > lab/results/2026-12-04-amd-nospin-all/tail-parts.md
#
# Runs scripts/lab/compare.py for the run in DIR (its tables into target/tail-parts, so DIR is
# left as it is; its scenarios, with LAB_CALIBRATION's costs, into target/lab-sim/scenarios),
# then the acks-all-latency scenario at 500 and 200 records/s with the same settings (the
# run's network probe, eden and GC pauses) and, one at a time, the KRaft no-op record's bursts
# (broker.metadata_noop_cpu_us), the young GC pauses (broker.gc.pause_ms) and the woken threads'
# waits (broker.wake_stall_ppm) switched off. Prints p50 and p99 (ms, the mean of the scenario's
# seeds) beside the measured ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: scripts/lab/tail-parts.sh LAB_RESULTS_DIR}
k=$PWD/target/release/kafkasim
[[ -x $k ]] || cargo build --release --quiet
out=target/tail-parts
mkdir -p "$out"
python3 scripts/lab/compare.py "$k" "$dir/summary.csv" lab/scenarios "$out" > /dev/null 2>&1
# The settings compare.py gave the regime (its command lines in comparison.md).
read -r -a base < <(grep -o -- '--set network.latency_us=[0-9.]* --set broker.gc.young_every_mb=[0-9]* --set broker.gc.pause_ms=[0-9.]*' \
  "$out/comparison.md" | head -1)
echo "# The acks=all tail, part by part ($dir, ${LAB_CALIBRATION:-plots/calibration})"
echo
echo "kafkasim with ${base[*]}; measured: $dir/summary.csv (mean of the quiet repetitions)."
echo
echo "| rate | switched off | p50 ms | p99 ms | measured p50 / p99 |"
echo "|---|---|---|---|---|"
for rate in 500 200; do
  measured=$(python3 -c "
import csv
r = next(r for r in csv.DictReader(open('$dir/summary.csv')) if r['regime'] == 'acks-all-latency' and r['variant'] == 'rate=$rate/s')
print(r['p50_ms_mean'], '/', r['p99_ms_mean'])")
  for off in "" broker.metadata_noop_cpu_us=0 broker.gc.pause_ms=0 broker.wake_stall_ppm=0 \
             "broker.metadata_noop_cpu_us=0 broker.gc.pause_ms=0"; do
    sets=()
    for kv in $off; do sets+=(--set "$kv"); done
    "$k" run target/lab-sim/scenarios/acks-all-latency.toml --out "$out/run" --no-plots --quiet "${base[@]}" \
      --set producer.rate_per_s=$rate --set producer.records=$((rate * 20)) ${sets[@]+"${sets[@]}"} > /dev/null
    python3 -c "
import json
p = [x['summary']['publish_latency'] for x in json.load(open('$out/run/summary.json'))]
print('| $rate/s | ${off:-nothing} | %.3f | %.3f | $measured |' % (sum(x['p50_ms'] for x in p) / len(p), sum(x['p99_ms'] for x in p) / len(p)))"
  done
done
