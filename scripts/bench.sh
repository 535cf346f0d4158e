#!/usr/bin/env bash
# kafkasim's speed, for the README's "Performance" section: cargo bench --bench throughput on
# this machine, its figures kept in plots/performance/bench.txt with the machine and its load.
# Run it on a quiet machine (nothing compiling); it gives itself priority over other sessions.
#   scripts/bench.sh            # about 2 minutes after the build
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench throughput --no-run --quiet
out=plots/performance/bench.txt
mkdir -p plots/performance
echo -20 > /proc/self/autogroup 2>/dev/null || true
{
  echo "# cargo bench --bench throughput at $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  cargo bench --bench throughput --quiet 2>/dev/null | grep -v '^$'
  echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
