#!/usr/bin/env bash
# Regenerate the reference outputs in plots/ for every bundled scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# The calibrations first: scenarios/classroom-cores.toml includes plots/classroom-real/profile.toml.
scripts/refit.sh
for f in scenarios/*.toml; do
  name=$(basename "$f" .toml)
  rm -rf "plots/$name" # no figure a scenario stopped drawing stays behind
  mkdir -p "plots/$name"
  ./target/release/kafkasim run "$f" --out "plots/$name" > "plots/$name/table.txt"
done
# kafkasim check on the guarantees scenario (README "Checking guarantees"): as written, under
# the crash-and-cut faults and under every fault kind, no promised property breaks; acks=1
# loses records, retries without idempotence reorder, unclean elections lose: all expected.
rm -rf plots/check
mkdir -p plots/check
k=./target/release/kafkasim
g=scenarios/guarantees-check.toml
$k check $g --runs 200 --faults broker-crash,network-cut,slow-disk,consumer-crash,consumer-stall \
  --out plots/check/acks-all > plots/check/acks-all.txt
$k check $g --runs 200 --set producer.acks=1 --property no-loss --out plots/check/acks-1 \
  > plots/check/acks-1.txt
$k check $g --runs 200 --out plots/check/all-faults > plots/check/all-faults.txt
$k check $g --runs 200 --set producer.enable.idempotence=false \
  --set producer.max.in.flight.requests.per.connection=2 --property key-order \
  --faults requests-fail --out plots/check/reorder > plots/check/reorder.txt
$k check $g --runs 200 --set topic.unclean.leader.election.enable=true \
  --set topic.replication.factor=2 --set topic.min.insync.replicas=1 --property no-loss \
  --faults broker-crash --out plots/check/unclean > plots/check/unclean.txt
# The OpenMessaging Benchmark example (README "OpenMessaging Benchmark workloads"): OMB's result
# JSON on stdout, the usual tables and series in the folder.
rm -rf plots/omb
mkdir -p plots/omb
$k run --omb-workload examples/omb/1-topic-16-partitions-1kb.yaml \
  --omb-driver examples/omb/kafka-driver.yaml --format omb --no-plots --quiet --out plots/omb \
  > plots/omb/result.json 2> plots/omb/not-simulated.txt
