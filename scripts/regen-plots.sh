#!/usr/bin/env bash
# Regenerate the reference outputs in plots/ for every bundled scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for f in scenarios/*.toml; do
  name=$(basename "$f" .toml)
  rm -rf "plots/$name" # no figure a scenario stopped drawing stays behind
  mkdir -p "plots/$name"
  ./target/release/kafkasim run "$f" --out "plots/$name" > "plots/$name/table.txt"
done
