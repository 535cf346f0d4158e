#!/usr/bin/env bash
# Where kafkasim's time goes, for the README's "Performance" section: perf over the capacity
# case, the paced producer and the classroom experiment (the profiling build keeps line
# tables), the top symbols of each in plots/performance/profile-<case>.txt. Needs perf.
#   scripts/profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 2; }
cargo build --profile profiling --quiet
bin=target/profiling/kafkasim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp benches/scale.toml benches/paced.toml "$tmp/"
cp scenarios/partitions-experiment.toml "$tmp/classroom.toml"
mkdir -p plots/performance
echo -20 > /proc/self/autogroup 2>/dev/null || true
for case in scale paced classroom; do
  perf record -q -F 1999 -o "$tmp/$case.data" "$bin" run "$tmp/$case.toml" --no-plots --quiet --threads 1 \
    > /dev/null 2>&1
  {
    echo "# perf record -F 1999 over kafkasim run ($case, one thread) at $(git rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
    perf report -i "$tmp/$case.data" --no-children --percent-limit 2 --stdio --sort sym 2>/dev/null \
      | grep -E '^ +[0-9]' | sed -E 's/ +$//' | head -15
  } > "plots/performance/profile-$case.txt"
  cat "plots/performance/profile-$case.txt"
done
