#!/usr/bin/env bash
# Instructions kafkasim executes per simulated record, counted by valgrind's callgrind: a measure
# of its speed that does not depend on the machine's load, for comparing two revisions on these
# shared 2-core machines, where wall times drift by tens of percent within minutes
# (cargo bench's ratios need back-to-back runs and still disagree by ±20 %). Instructions are not
# time (a division or a cache miss costs more than an add), so quote both.
# The cases, each on one thread: the paced producer (benches/paced.toml), the classroom
# experiment's seed 1 (scenarios/partitions-experiment.toml, 27 points) and the capacity case
# (benches/scale.toml) cut to 1 s of simulated time.
#   scripts/instructions.sh            # this checkout
#   scripts/instructions.sh REV        # REV (a worktree in target/instructions/REV) and this checkout
# The figures are kept in plots/performance/instructions.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count LABEL BINARY: one line per case, instructions in all and per record produced.
count() {
  local label=$1 bin=$2 case args out ir records
  for case in paced classroom scale; do
    case $case in
      paced) args=(benches/paced.toml) ;;
      classroom) args=(scenarios/partitions-experiment.toml --set seeds=1) ;;
      scale) args=(benches/scale.toml --set producer.records=62500) ;;  # 4 producers, 1 s at 250,000/s each
    esac
    out=$tmp/$label-$case
    valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$bin" run "${args[@]}" --out "$out" \
      --no-plots --quiet --threads 1 >/dev/null 2>"$out.err"
    ir=$(sed -n 's/^summary: //p' "$out.cg")
    records=$(python3 -c 'import json, sys; print(sum(r["summary"]["records_produced"] for r in json.load(open(sys.argv[1]))))' \
      "$out/summary.json")
    printf '%-10s %-10s %15s instructions  %12s records  %8.1f per record\n' "$label" "$case" "$ir" "$records" \
      "$(echo "$ir / $records" | bc -l)"
  done
}

out=plots/performance/instructions.txt
mkdir -p plots/performance
{
  echo "# scripts/instructions.sh $* at $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ): valgrind --tool=callgrind, one thread"
  if [[ $# -ge 1 ]]; then
    rev=$(git rev-parse --short "$1")
    wt=target/instructions/$rev
    [[ -d $wt ]] || { git worktree prune; git worktree add -q --detach "$wt" "$rev"; }
    (cd "$wt" && CARGO_TARGET_DIR="$PWD/../target-$rev" cargo build --release --quiet)
    count "$rev" "target/instructions/target-$rev/release/kafkasim"
  fi
  cargo build --release --quiet
  count "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo +)" target/release/kafkasim
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
