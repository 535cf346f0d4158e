#!/usr/bin/env bash
# Refit the stored calibrations from their stored measurements, for when the model changes and
# the brokers did not: plots/calibration (kafkasim calibrate --from-csv, with the measured
# machine and the provenance lines of the profile it replaces) and plots/classroom-real
# (scripts/classroom.sh compare). Then the broker's costs solved from its measured CPU
# (scripts/broker-cpu.sh compare) and the lab's comparison, whose scenarios include both
# plots/calibration/profile.toml and broker-cpu.toml. Nothing here contacts a broker.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
k=./target/release/kafkasim
# The machine and cluster measured (each profile.toml says so in its header): the AMD EPYC
# machine's calibration, and an Intel Xeon machine's of the same kind (2026-12-02).
machine=(--set host.cores=2 --set cluster.layout=single-host --set cluster.brokers=1
  --set broker.group.initial.rebalance.delay.ms=3000 --set broker.num.network.threads=3
  --set broker.num.io.threads=8)
for dir in plots/calibration plots/calibration-xeon; do
  notes=()
  while IFS= read -r line; do notes+=(--note "$line"); done < <(
    grep -E '^# (machine: |cluster: |measured |client: |measurements: plan )' "$dir/profile.toml" | sed 's/^# //')
  $k calibrate --from-csv "$dir/measurements.csv" --out "$dir" --quiet "${machine[@]}" "${notes[@]}"
done
scripts/classroom.sh compare plots/classroom-real
scripts/broker-cpu.sh compare
BCPU_DIR=plots/calibration-xeon scripts/broker-cpu.sh compare
scripts/lab.sh compare
xeon=lab/results/2026-12-02T1010Z-xeon   # the Xeon's lab run, against the AMD's costs and its own
python3 scripts/lab/compare.py "$PWD/$k" "$xeon/summary.csv" lab/scenarios "$xeon"
LAB_CALIBRATION=plots/calibration-xeon python3 scripts/lab/compare.py "$PWD/$k" "$xeon/summary.csv" lab/scenarios \
  "$xeon/xeon-calibration"
