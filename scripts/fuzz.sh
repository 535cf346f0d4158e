#!/usr/bin/env bash
# The libFuzzer target over scenario text (fuzz/, issue 12): installs the nightly toolchain and
# cargo-fuzz when missing, builds a dictionary of every scenario key and event action (so
# mutations reach valid scenarios), and fuzzes for SECONDS (default 60) from the bundled
# scenarios (fuzz/seeds/) and the corpus kept in fuzz/corpus/. A crash (a panic, a run past its
# wall-time guard, a run over its memory budget) stops it with exit 1; the input is in
# fuzz/artifacts/scenario_text/ and `cargo +nightly fuzz run scenario_text FILE` replays it.
#
#   scripts/fuzz.sh 60      # CI's bounded run
#   scripts/fuzz.sh 3600    # the long run (README, "Limits")
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2; exit 2; }
cargo +nightly --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo build --release --quiet
mkdir -p fuzz/corpus/scenario_text fuzz/target
dict=fuzz/target/scenario.dict
{
    target/release/kafkasim config | awk 'NR > 1 { n = split($1, p, "."); printf "\"%s\"\n\"%s\"\n", $1, p[n] }'
    grep -o 'name: "[a-z_.-]*"' src/scenario/events.rs | sed 's/name: //'
    printf '"[[events]]"\n"at_ms = "\n"action = "\n"[sweep]"\n"include = "\n'
} | grep -v '^""$' | sort -u >"$dict"
cd fuzz
cargo +nightly fuzz run scenario_text corpus/scenario_text seeds -O -- \
    -dict=target/scenario.dict -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1
