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
# machine's calibration, and an Intel Xeon machine's of the same kind (2026-12-02, and again
# 2026-12-03 in one sitting with its broker-cpu runs and a full lab run, and that afternoon in
# one sitting with a full lab run, the runs under steal dropped), and the AMD's again on 2026-12-03
# in one evening sitting with its broker-cpu runs, a full lab run and a wake-up probe, and that night
# in one more sitting (calibrate, broker-cpu runs, lab run), and on 2026-12-04 in one sitting whose
# broker-cpu runs record the JIT's CPU, and that afternoon in one more with the lab's client no
# longer spinning.
machine=(--set host.cores=2 --set cluster.layout=single-host --set cluster.brokers=1
  --set broker.group.initial.rebalance.delay.ms=3000 --set broker.num.network.threads=3
  --set broker.num.io.threads=8)
xeon2=plots/calibration-xeon-2026-12-03
xeon3=plots/calibration-xeon-2026-12-03-pm
amd2=plots/calibration-amd-2026-12-03
amd3=plots/calibration-amd-2026-12-03-night
amd4=plots/calibration-amd-2026-12-04
amd5=plots/calibration-amd-2026-12-04-pm  # the afternoon sitting, client.py no longer spinning
# The provenance lines of a calibration's profile.toml, as --note options for its refit.
notes_of() {
  notes=()
  while IFS= read -r line; do notes+=(--note "$line"); done < <(
    grep -E '^# (machine: |cluster: |measured |client: |measurements: plan )' "$1/profile.toml" | sed 's/^# //')
}
for dir in plots/calibration plots/calibration-xeon $xeon2 $xeon3 $amd2 $amd3 $amd4 $amd5; do
  notes_of "$dir"
  $k calibrate --from-csv "$dir/measurements.csv" --out "$dir" --quiet "${machine[@]}" "${notes[@]}"
done
# The afternoon sitting's fit with loopback's one-way latency held at half the lab's loopback
# probe (p50 round trip 28.8 µs, lab/results/2026-12-04-amd-nospin-all/summary.csv), where the
# free fit puts 62.1 µs (the client's and the broker's CPU on a one-in-flight cycle trade against it).
amd5lo=$amd5-lo
notes_of "$amd5"
$k calibrate --from-csv "$amd5/measurements.csv" --out "$amd5lo" --quiet "${machine[@]}" "${notes[@]}" \
  --set network.loopback_latency_us=14.4 --note "network.loopback_latency_us held at the lab's loopback probe (half its p50 round trip)"
scripts/classroom.sh compare plots/classroom-real
BCPU_UNTIL=2026-12-03T17:00 scripts/broker-cpu.sh compare  # the AMD runs before its evening sitting
# Each Xeon calibration with the broker-cpu runs of its own sitting (both name the same CPU).
BCPU_DIR=plots/calibration-xeon BCPU_UNTIL=2026-12-03 scripts/broker-cpu.sh compare
BCPU_DIR=$xeon2 BCPU_SINCE=2026-12-03T03:50 scripts/broker-cpu.sh compare
BCPU_DIR=$xeon3 BCPU_SINCE=2026-12-03T03:50 scripts/broker-cpu.sh compare  # the same day's runs
BCPU_DIR=$amd2 BCPU_SINCE=2026-12-03T17:30 BCPU_UNTIL=2026-12-03T21:00 scripts/broker-cpu.sh compare
BCPU_DIR=$amd3 BCPU_SINCE=2026-12-03T22:09 BCPU_UNTIL=2026-12-04 scripts/broker-cpu.sh compare
BCPU_DIR=$amd4 BCPU_SINCE=2026-12-04T04:31 BCPU_UNTIL=2026-12-04T05:30 scripts/broker-cpu.sh compare  # with the JIT's CPU recorded
# The same fit with the broker-cpu runs taken after client.py stopped spinning between paced
# sends (2026-12-04 11:51-11:58 UTC): the morning's profile, this folder's broker costs.
amd4n=plots/calibration-amd-2026-12-04-nospin
cp "$amd4/profile.toml" "$amd4n/profile.toml"
BCPU_DIR=$amd4n BCPU_SINCE=2026-12-04T11:51 BCPU_UNTIL=2026-12-04T12:00 scripts/broker-cpu.sh compare
scripts/lab.sh compare
xeon=lab/results/2026-12-02T1010Z-xeon   # the Xeon's lab run, against the AMD's costs and its own
python3 scripts/lab/compare.py "$PWD/$k" "$xeon/summary.csv" lab/scenarios "$xeon"
LAB_CALIBRATION=plots/calibration-xeon python3 scripts/lab/compare.py "$PWD/$k" "$xeon/summary.csv" lab/scenarios \
  "$xeon/xeon-calibration"
acks=lab/results/2026-12-03-xeon-acks   # the acks-all regime a day after the Xeon's first calibration
LAB_CALIBRATION=plots/calibration-xeon python3 scripts/lab/compare.py "$PWD/$k" "$acks/summary.csv" lab/scenarios "$acks"
sitting=lab/results/2026-12-03-xeon     # the lab run of the second Xeon calibration's sitting
LAB_CALIBRATION=$xeon2 python3 scripts/lab/compare.py "$PWD/$k" "$sitting/summary.csv" lab/scenarios "$sitting"
noop=lab/results/2026-12-03-xeon-noop   # a full lab run after the KRaft no-op bursts were modelled
LAB_CALIBRATION=$xeon2 python3 scripts/lab/compare.py "$PWD/$k" "$noop/summary.csv" lab/scenarios "$noop"
pm=lab/results/2026-12-03-xeon-pm       # the lab run of the afternoon calibration's sitting
LAB_CALIBRATION=$xeon3 python3 scripts/lab/compare.py "$PWD/$k" "$pm/summary.csv" lab/scenarios "$pm"
eve=lab/results/2026-12-03-amd          # the lab run of the AMD's evening sitting
LAB_CALIBRATION=$amd2 python3 scripts/lab/compare.py "$PWD/$k" "$eve/summary.csv" lab/scenarios "$eve"
# acks-all-latency alone that night, the warm-ups changed run by run, and flush-disk (lab/results/README.md)
for acks in lab/results/2026-12-03-amd-{settle,rest,paced,paced-all,flush}; do
  LAB_CALIBRATION=$amd2 python3 scripts/lab/compare.py "$PWD/$k" "$acks/summary.csv" lab/scenarios "$acks"
done
night=lab/results/2026-12-03-amd-night  # the AMD's night sitting, against its own calibration and the evening's
LAB_CALIBRATION=$amd3 python3 scripts/lab/compare.py "$PWD/$k" "$night/summary.csv" lab/scenarios "$night"
LAB_CALIBRATION=$amd3 python3 scripts/lab/compare.py "$PWD/$k" "$night-acks/summary.csv" lab/scenarios "$night-acks"
LAB_CALIBRATION=$amd2 python3 scripts/lab/compare.py "$PWD/$k" "$night/summary.csv" lab/scenarios "$night/evening-calibration"
warm=lab/results/2026-12-04-amd-flush-warm  # flush-disk with its unflushed path warmed, the next morning
LAB_CALIBRATION=$amd3 python3 scripts/lab/compare.py "$PWD/$k" "$warm/summary.csv" lab/scenarios "$warm"
morning=lab/results/2026-12-04-amd     # the AMD's sitting of 2026-12-04 (broker costs net of the JIT)
LAB_CALIBRATION=$amd4 python3 scripts/lab/compare.py "$PWD/$k" "$morning/summary.csv" lab/scenarios "$morning"
nospin=lab/results/2026-12-04-amd-nospin  # acks-all-latency again, client.py no longer spinning between sends
LAB_CALIBRATION=$amd4n python3 scripts/lab/compare.py "$PWD/$k" "$nospin/summary.csv" lab/scenarios "$nospin"
# The afternoon sitting (12:45-13:51 UTC: lab, broker-cpu.sh, calibrate), client.py not spinning.
pmlab=lab/results/2026-12-04-amd-nospin-all
BCPU_DIR=$amd5 BCPU_SINCE=2026-12-04T13:21 scripts/broker-cpu.sh compare
BCPU_DIR=$amd5lo BCPU_SINCE=2026-12-04T13:21 scripts/broker-cpu.sh compare
LAB_CALIBRATION=$amd5 python3 scripts/lab/compare.py "$PWD/$k" "$pmlab/summary.csv" lab/scenarios "$pmlab"
LAB_CALIBRATION=$amd5lo python3 scripts/lab/compare.py "$PWD/$k" "$pmlab/summary.csv" lab/scenarios "$pmlab/loopback-held"
LAB_CALIBRATION=$amd5lo scripts/lab/tail-parts.sh "$pmlab" > "$pmlab/tail-parts.md"
# The evening sitting (lab only, 17:20 UTC on), after each no-op burst was drawn anew: the
# afternoon's calibrations.
evening=lab/results/2026-12-04-amd-evening
LAB_CALIBRATION=$amd5 python3 scripts/lab/compare.py "$PWD/$k" "$evening/summary.csv" lab/scenarios "$evening"
LAB_CALIBRATION=$amd5lo python3 scripts/lab/compare.py "$PWD/$k" "$evening/summary.csv" lab/scenarios "$evening/loopback-held"
