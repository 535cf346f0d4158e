#!/usr/bin/env bash
# broker-cpu.sh — what the real broker's CPU costs, by its own accounting, against kafkasim.
#
# Starts the project's local Apache Kafka (scripts/kafka-local.sh, 1 node on 127.0.0.1), warms
# its JIT, then measures the broker process's CPU time (/proc/<pid>/stat utime + stime) over
#   idle      10 s with no client: the background work of a combined KRaft node
#   single    10,000 records of 1 KiB flat out, one record per request (acks=1, linger.ms=0,
#             batch.num.messages=1): the cost of a request to threads that stay warm
#   single-1  the same with one request in flight (max.in.flight=1): a record's whole cycle,
#             and librdkafka's round trip (rtt), with threads that sleep only between requests
#   batched   200,000 records of 1 KiB flat out in 16 KiB batches (linger.ms=5): bytes, a check
#   paced-R   10 s of single-record requests at R = 100, 200, 500 a second: the CPU of the
#             broker's network and I/O threads ("data-plane-*", /proc/<pid>/task/*/schedstat),
#             which wake for each request, cold
#   fetched-500  paced-500 with a consumer reading each record as it comes (one Fetch a
#             record): what a Fetch request allocates (the broker's GC log, scripts/lab/jvm.sh)
# and, beside each, the client process's own CPU over the timed part (client_cpu_s: client.py's
# getrusage, all its threads) and the broker's JIT compiler threads' (jit_cpu_s; both since
# 2026-12-04, and left out of the broker's costs when recorded),
# each REPS times (default 5) with the load average, using confluent-kafka (librdkafka) from
# target/lab-venv. Then kafkasim runs the same workloads with this machine's calibration
# (plots/calibration/profile.toml; the broker alone on its host) and reports the broker's CPU
# both ways; it solves for the cost of a request (single) and fits the cost of waking a thread
# (broker.wake_cpu_us, broker.wake_half_ms: src/hardware/pool.rs) to the paced runs. Writes
# plots/calibration/broker-cpu.csv, broker-cpu.md and broker-cpu.toml.
#   scripts/broker-cpu.sh [REPS] [--append]   # --append: keep the stored runs, add REPS more
#                                               # (the machine's speed drifts: measure around
#                                               # the lab, before and after it)
#   scripts/broker-cpu.sh compare     # only the kafkasim side, from the stored CSV
#   WORKLOADS="single-1" scripts/broker-cpu.sh 5 --append   # measure only some workloads
#   BCPU_DIR=plots/calibration-xeon scripts/broker-cpu.sh compare   # another machine's calibration:
#       # its profile.toml, the CSV's runs on its machine, its broker-cpu.{md,toml}
#   BCPU_SINCE=2026-12-03T04:00 BCPU_UNTIL=... ...   # only the runs of one sitting (UTC times)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "broker-cpu: $*" >&2; }
die() { say "$*"; exit 2; }
source "$ROOT/scripts/lab/venv.sh"   # VENV, PY, ensure_venv
source "$ROOT/scripts/lab/jvm.sh"    # gc_mark, gc_span
CSV=plots/calibration/broker-cpu.csv    # every machine's runs, each naming its CPU
OUT=${BCPU_DIR:-plots/calibration}      # the calibration (profile.toml) the costs complete
[[ $OUT != /* ]] || die "BCPU_DIR must be a folder relative to the repository, got '$OUT'"
K=target/release/kafkasim

measure() {
    local reps=$1 append=${2:-} first=1
    [[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer, got '$reps'"
    ensure_venv
    cargo build --release --quiet
    echo -20 > /proc/self/autogroup 2>/dev/null || true
    scripts/kafka-local.sh start --brokers 1 >/dev/null
    trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true' EXIT INT TERM
    local b pid
    b=$(scripts/kafka-local.sh bootstrap)
    pid=$(<target/kafka-local/node-1/pid)
    client() { "$PY" scripts/lab/client.py "$@"; }
    cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat"; }
    now() { date +%s.%N; }
    # CPU seconds the host took from this VM's vCPUs (/proc/stat steal, all CPUs): other tenants.
    steal() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", $9 / hz }' /proc/stat; }
    # CPU seconds of the broker's network and I/O threads (KafkaRequestHandler and the
    # SocketServer processors, named data-plane-kafka-*), from the scheduler's own ns.
    dataplane() {
        local t sum=0 ns comm
        for t in /proc/"$pid"/task/*; do
            read -r comm <"$t/comm" 2>/dev/null || continue
            [[ $comm == data-plane* ]] || continue
            read -r ns _ <"$t/schedstat" 2>/dev/null || continue
            sum=$((sum + ns))
        done
        echo "scale=4; $sum / 1000000000" | bc
    }
    # The JIT's compiler threads ("C1/C2 CompilerThread"), still compiling after the warm-up in
    # some runs (scripts/lab/broker-threads.sh: 0.2-180 us a request): thread id and ns on a CPU,
    # then the seconds the threads took since such a snapshot (one that exited meanwhile loses
    # its last CPU).
    jit_snap() {
        local t comm ns
        for t in /proc/"$pid"/task/*; do
            read -r comm <"$t/comm" 2>/dev/null || continue
            [[ $comm == *CompilerThre* ]] || continue
            read -r ns _ <"$t/schedstat" 2>/dev/null || continue
            echo "${t##*/} $ns"
        done
    }
    jit_since() { jit_snap | awk -v f="$1" 'BEGIN { while ((getline l < f) > 0) { split(l, a, " "); b[a[1]] = a[2] } }
        { s += $2 - ($1 in b ? b[$1] : 0) } END { printf "%.4f", s / 1e9 }'; }
    local gclog=target/kafka-local/node-1/logs/gc.log
    # The first timed single-record run after a shorter warm-up cost 3-4x the later ones.
    say "warming the broker's JIT (400,000 batched records, 30,000 single-record requests) ..."
    client topic --bootstrap "$b" --topic warm >/dev/null
    client produce --bootstrap "$b" --topic warm --records 400000 --size 1024 --linger-ms 5 \
        --batch-size 16384 >/dev/null
    client produce --bootstrap "$b" --topic warm --records 30000 --size 1024 --rate 1000 \
        --linger-ms 0 --batch-num-messages 1 >/dev/null
    local tmp=$CSV.tmp
    local old="workload,rep,records,requests,fetch_requests,elapsed_s,broker_cpu_s,dataplane_cpu_s,steal_s,young_gcs,alloc_mib,p50_ms,p99_ms,loadavg_before,loadavg_after,utc"
    local header="$old,rtt_ms,cpu,client_cpu_s,jit_cpu_s" cpu_model
    # Runs before the cpu column were all on AMD EPYC machines (profile.toml, bench.txt).
    cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr -d ,)
    if [[ $append == --append && -s $CSV ]]; then
        first=$(($(tail -n +2 "$CSV" | cut -d, -f2 | sort -n | tail -n 1) + 1))
        if [[ $(head -n 1 "$CSV") == "$old" ]]; then # from before rtt_ms: that column empty
            { echo "$header"; tail -n +2 "$CSV" | sed 's/$/,,AMD EPYC,,/'; } >"$tmp"
        elif [[ $(head -n 1 "$CSV") == "$old,rtt_ms" ]]; then
            { echo "$header"; tail -n +2 "$CSV" | sed 's/$/,AMD EPYC,,/'; } >"$tmp"
        elif [[ $(head -n 1 "$CSV") == "$old,rtt_ms,cpu" ]]; then # from before client_cpu_s
            { echo "$header"; tail -n +2 "$CSV" | sed 's/$/,,/'; } >"$tmp"
        elif [[ $(head -n 1 "$CSV") == "$old,rtt_ms,cpu,client_cpu_s" ]]; then # before jit_cpu_s
            { echo "$header"; tail -n +2 "$CSV" | sed 's/$/,/'; } >"$tmp"
        else
            [[ $(head -n 1 "$CSV") == "$header" ]] || die "$CSV has other columns: cannot --append to it"
            cp "$CSV" "$tmp"
        fi
    else
        echo "$header" > "$tmp"
    fi
    local r w c0 c1 d0 d1 s0 s1 t0 t1 l0 g0 g1 out args cpid fetches jit
    for r in $(seq "$first" $((first + reps - 1))); do
        for w in ${WORKLOADS:-idle single single-1 batched paced-100 paced-200 paced-500 fetched-500}; do
            l0=$(cut -d' ' -f1-3 /proc/loadavg)
            case $w in
                idle) args=() ;;
                single) args=(--records 10000 --size 1024 --linger-ms 0 --batch-num-messages 1) ;;
                single-1) args=(--records 10000 --size 1024 --linger-ms 0 --batch-num-messages 1 --max-in-flight 1) ;;
                batched) args=(--records 200000 --size 1024 --linger-ms 5 --batch-size 16384) ;;
                paced-* | fetched-*) args=(--records $((${w#*-} * 10)) --size 1024 --rate "${w#*-}" --linger-ms 0
                    --batch-num-messages 1) ;;
            esac
            [[ $w == idle ]] || client topic --bootstrap "$b" --topic "$w-$r" >/dev/null
            fetches=0
            if [[ $w == fetched-* ]]; then # joined and long-polling before the marks
                client consume --bootstrap "$b" --topic "$w-$r" --group "$w-$r" --max-records "${args[1]}" \
                    --idle-s 3 >"$CSV.consumer" &
                cpid=$!
                sleep 6
            fi
            jit_snap >"$CSV.jit"
            g0=$(gc_mark "$gclog" "$pid"); c0=$(cpu); d0=$(dataplane); s0=$(steal); t0=$(now)
            if [[ $w == idle ]]; then sleep 10; out='{}'; else
                out=$(client produce --bootstrap "$b" --topic "$w-$r" "${args[@]}"); fi
            c1=$(cpu); d1=$(dataplane); s1=$(steal); t1=$(now); g1=$(gc_mark "$gclog" "$pid")
            jit=$(jit_since "$CSV.jit")
            if [[ $w == fetched-* ]]; then
                wait "$cpid"
                fetches=$(grep -o '"fetch_requests": [0-9]*' "$CSV.consumer" | grep -o '[0-9]*$' || echo 0)
            fi
            printf '%s,%s,%s,%s,%s,%.3f,%.2f,%.4f,%.2f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$w" "$r" \
                "$([[ $w == idle ]] && echo 0 || echo "${args[1]}")" \
                "$(grep -o '"produce_requests": [0-9]*' <<<"$out" | grep -o '[0-9]*$' || echo 0)" "$fetches" \
                "$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)" "$(echo "$d1 - $d0" | bc)" \
                "$(echo "$s1 - $s0" | bc)" $(gc_span "$gclog" "$g0" "$g1") \
                "$(grep -o '"p50_ms": [0-9.]*' <<<"$out" | grep -o '[0-9.]*$' || true)" \
                "$(grep -o '"p99_ms": [0-9.]*' <<<"$out" | grep -o '[0-9.]*$' || true)" "$l0" \
                "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%FT%TZ)" \
                "$(grep -o '"rtt_ms": {"mean": [0-9.]*' <<<"$out" | grep -o '[0-9.]*$' || true)" "$cpu_model" \
                "$(grep -o '"client_cpu_s": [0-9.]*' <<<"$out" | grep -o '[0-9.]*$' || true)" "$jit" >> "$tmp"
            tail -1 "$tmp" >&2
        done
    done
    rm -f "$CSV.consumer" "$CSV.jit"
    mv "$tmp" "$CSV"
}

compare() {
    [[ -f $CSV ]] || die "$CSV not found: run scripts/broker-cpu.sh first"
    [[ -x $K ]] || cargo build --release --quiet
    local dir=target/broker-cpu
    mkdir -p "$dir"
    # The same workloads, described to kafkasim: the broker alone on its host, the client on
    # another (the CPU compared is the broker's only).
    [[ -f $OUT/profile.toml ]] || die "$OUT/profile.toml not found (BCPU_DIR names a calibration's folder)"
    printf 'name = "broker-cpu"\ninclude = ["../../%s/profile.toml"]\n' "$OUT" > "$dir/workload.toml"
    python3 - "$CSV" "$dir" "$OUT/profile.toml" "$OUT/broker-cpu.toml" "$K" > "$dir/broker-cpu.md" <<'PYEOF'
import csv, json, math, os, re, statistics as st, subprocess, sys
csv_path, sim_dir, profile, toml_out, kafkasim = sys.argv[1:6]
RATES = (100, 200, 500)
WORK = ["idle", "single", "batched"] + [f"paced-{r}" for r in RATES] + ["fetched-500"]  # single-1: when measured
# The runs of the machine profile.toml was measured on (its "# machine:" line): costs differ by
# machine (an Intel Xeon ran the broker's requests 2.3 times cheaper than the AMD EPYC, 2026-12-02).
machine = re.search(r"^# machine: [^,]*, (.*)$", open(profile).read(), re.M).group(1)
every = list(csv.DictReader(open(csv_path)))
rows = [r for r in every if machine.startswith(r["cpu"])]
# BCPU_SINCE / BCPU_UNTIL (UTC times, 2026-12-03T04:00): only the runs from, before then: those
# of one sitting (a machine's speed drifts by the hour: lab/regimes.md).
since, until = os.environ.get("BCPU_SINCE", ""), os.environ.get("BCPU_UNTIL", "~")
rows = [r for r in rows if since <= r["utc"] < until]
window = " ".join(w for w in (f"from {since}" if since else "", f"before {until}" if until != "~" else "") if w)
mismatch = not rows  # a CSV measured only elsewhere (a fresh run on another machine): fit it, and say so
if mismatch:
    rows = every
# Quiet: a 1-minute load average below 1.5 before the run, and (where recorded) less than 5% of a
# core lost to steal during it.
quiet = [r for r in rows if float(r["loadavg_before"].split()[0]) < 1.5
         and float(r.get("steal_s") or 0) < 0.05 * float(r["elapsed_s"])]
loaded = not set(WORK) <= {r["workload"] for r in quiet}
if loaded:  # every workload needs a run: keep them all, and say so
    quiet = rows
fitted = {m[0]: float(m[1]) for m in re.findall(r'^"([a-z_.]+)" = ([0-9.]+)', open(profile).read().split("[broker]")[1].split("[")[0], re.M)}
# The client reaches the broker over loopback: the hosts one loopback's latency apart.
lo_us = float(re.search(r'^"loopback_latency_us" = ([0-9.]+)', open(profile).read(), re.M).group(1))
COMMON = ["cluster.layout=dedicated", "consumer.count=0", "producer.keys=none", "producer.value_bytes=1024",
          "producer.acks=1", "client=librdkafka", f"network.latency_us={lo_us}"]
ONE = ["producer.linger.ms=0", "producer.batch.num.messages=1"]
ARGS = {"single": ["producer.records=10000"] + ONE,
        "single-1": ["producer.records=10000", "producer.max.in.flight.requests.per.connection=1"] + ONE,
        "batched": ["producer.records=200000", "producer.linger.ms=5", "producer.batch.size=16384"]}
ARGS.update({f"paced-{r}": [f"producer.records={r * 10}", f"producer.rate_per_s={r}"] + ONE for r in RATES})


def run_sim(w, sets):
    """kafkasim's summary of workload w."""
    out = f"{sim_dir}/{w}"
    cmd = [kafkasim, "run", f"{sim_dir}/workload.toml", "--out", out, "--no-plots", "--quiet"]
    for kv in COMMON + ARGS[w] + sets:
        cmd += ["--set", kv]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(f"{out}/summary.json"))[0]["summary"]


def sim(w, sets):
    """kafkasim's broker CPU per record (µs) and records per batch, for workload w."""
    s = run_sim(w, sets)
    host = next(h for h in s["hosts"] if h["name"] == "broker 0")
    return host["cpu_s"] / s["records_produced"] * 1e6, s["records_per_batch"]


def stat(w, f):
    xs = sorted(f(r) for r in quiet if r["workload"] == w)
    return st.median(xs), min(xs), max(xs), len(xs)


idle = stat("idle", lambda r: float(r["broker_cpu_s"]) / float(r["elapsed_s"]))
# Net of the idle broker's CPU and, where recorded, of the JIT's compiler threads' (compiling
# code a steady broker no longer compiles).
net = lambda r: ((float(r["broker_cpu_s"]) - idle[0] * float(r["elapsed_s"]) - float(r.get("jit_cpu_s") or 0))
                 / int(r["records"]) * 1e6)
per_request = lambda r: float(r["dataplane_cpu_s"]) / (int(r["requests"]) or int(r["records"])) * 1e6
m1, mb = stat("single", net), stat("batched", net)
paced = {r: stat(f"paced-{r}", per_request) for r in RATES}
cold = ["broker.wake_cpu_us=0"]
(s1, _), (sb, nb) = sim("single", cold), sim("batched", cold)
# Both workloads keep the broker's threads awake. Per request, a single-record request costs
# request_cpu_us + produce_cpu_us_per_batch + its wire bytes at produce_cpu_ns_per_byte; per
# record, a batch of nb records costs that request's 1/nb + its bytes: two equations for the cost
# of a request and of a byte (kafkasim's own bytes per request and per record, by a finite
# difference), the cost per batch kept as fitted.
p0 = fitted["produce_cpu_ns_per_byte"]
more = [f"broker.produce_cpu_ns_per_byte={p0 + 1}"]
b1, bb = sim("single", cold + more)[0] - s1, sim("batched", cold + more)[0] - sb  # bytes (µs per ns/B)
dp = ((mb[0] - sb) - (m1[0] - s1) / nb) / (bb - b1 / nb)  # ns/B
r_new = fitted["request_cpu_us"] + (m1[0] - s1) - b1 * dp
p_new = p0 + dp
solved = r_new > 0 and p_new > 0
if not solved:
    r_new, p_new = fitted["request_cpu_us"], p0
req = [f"broker.request_cpu_us={r_new:.1f}", f"broker.produce_cpu_ns_per_byte={p_new:.3f}"]
# Paced requests wake a network and an I/O thread each (kafkasim's two jobs per request), after
# a sleep of about 1/rate: their CPU beyond kafkasim's warm cost is 2 · W · g / (g + h). Fit W
# and h by least squares on 1/wake = 1/W + (h/W) / g (the linear form of the saturation).
points = []
for r in RATES:
    warm, _ = sim(f"paced-{r}", req + cold)
    points.append((1000.0 / r, (paced[r][0] - warm) / 2))  # (sleep ms, wake µs)
wake, wake_direct = None, False
if all(w > 0 for _, w in points):
    xs, ys = [1 / g for g, _ in points], [1 / w for _, w in points]
    mx, my = st.mean(xs), st.mean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a = my - b * mx
    if a > 0 and b > 0:
        wake = (1 / a, b / a)
    else:
        # The linear form weights each point by 1/wake², so a small point dominates it (a warm
        # cost flat out that comes out high leaves little beyond it at short sleeps). Then least
        # squares on wake itself: h on a grid of 0.1-100 ms, W solved for each h.
        best = None
        for i in range(61):
            h = 0.1 * 10 ** (i / 20)
            f = [g / (g + h) for g, _ in points]
            w_ = sum(fi * w for fi, (_, w) in zip(f, points)) / sum(fi * fi for fi in f)
            err = sum((w_ * fi - w) ** 2 for fi, (_, w) in zip(f, points))
            if best is None or err < best[0]:
                best = (err, w_, h)
        wake = (best[1], best[2])
        wake_direct = True
sets = req + ([f"broker.wake_cpu_us={wake[0]:.1f}", f"broker.wake_half_ms={wake[1]:.2f}"] if wake else cold)
check = {w: sim(w, sets)[0] for w in ["single", "batched"] + [f"paced-{r}" for r in RATES]}
# One request in flight flat out: µs from one record's request to the next (client included),
# and librdkafka's round trip (request written to response read), when measured.
one = [r for r in quiet if r["workload"] == "single-1"]
cycle_us = lambda summary: 1e6 / summary["produce_records_per_s"]
cycle = None
if one:
    cycle = (stat("single-1", lambda r: float(r["elapsed_s"]) / int(r["records"]) * 1e6),
             stat("single-1", lambda r: float(r["rtt_ms"]) * 1e3) if all(r.get("rtt_ms") for r in one) else None)
# The JVM's garbage (src/kafka/jvm.rs): per request, a fixed part plus the request's bytes. From
# the GC log's allocation, net of the idle broker's: per request a + b · (value bytes of a request),
# two equations from single and batched; eden from the allocation per young collection.
gc = None
if all(r.get("alloc_mib") for r in quiet):
    idle_mib = stat("idle", lambda r: float(r["alloc_mib"]) / float(r["elapsed_s"]))[0]
    total_kib = lambda r: (float(r["alloc_mib"]) - idle_mib * float(r["elapsed_s"])) * 1024
    kib = lambda r: total_kib(r) / int(r["requests"])
    value_kib = lambda w: next(int(r["records"]) / int(r["requests"]) for r in quiet if r["workload"] == w)
    k1, kb = stat("single", kib)[0], stat("batched", kib)[0]
    per_byte = (kb - k1) / (value_kib("batched") - value_kib("single"))
    per_request = k1 - per_byte * value_kib("single")
    # A Fetch: what fetched-500 allocated beyond its produce requests, per Fetch the consumer sent.
    per_fetch = stat("fetched-500", lambda r: (total_kib(r) - int(r["requests"]) * (per_request + per_byte))
                     / max(1, int(r["fetch_requests"] or 0)))
    busy = [r for r in quiet if r["workload"] != "idle"]
    eden = sum(float(r["alloc_mib"]) for r in busy) / max(1, sum(int(r["young_gcs"]) for r in busy))
    gc = (per_request, per_byte, eden, idle_mib, {w: stat(w, kib) for w in WORK[1:-1]}, per_fetch)
print("# The local broker's CPU, by its own accounting, against kafkasim")
print()
others = len(every) - len(rows)
where = rows[0]["cpu"] if mismatch else f"{machine}, profile.toml's machine"
print(f"Measured by `scripts/broker-cpu.sh` on {where} ({len(rows)} runs, "
      f"{rows[0]['utc']} to {rows[-1]['utc']}; {others} on other machines"
      + (f" or outside the sitting ({window})" if window else "") + " left out, "
      f"{len(quiet)} with a 1-minute load "
      "average below 1.5 and, where recorded, under 5% of a core of steal kept); simulated by `scripts/broker-cpu.sh compare` with "
      f"{profile} and the costs solved below. Median (min–max).")
if mismatch:
    print()
    print(f"**Another machine**: no run on {machine}, profile.toml's machine; fitted to the runs on "
          + ", ".join(sorted({r['cpu'] for r in every})) + ", beside a profile that does not describe it.")
if loaded:
    print()
    print("**Measured under load**: no quiet run of some workload, so every run is kept.")
print()
print(f"Idle broker (KRaft controller, GC, timers of a combined node): {idle[0]:.4f} core "
      f"({idle[1]:.4f}–{idle[2]:.4f}, {idle[3]} runs); kafkasim takes it from the broker's cores or "
      f"quota (`broker.background_cpu_cores`), where its requests cannot use it (src/hardware/cpu.rs).")
print()
print("| workload | measured µs of broker CPU | kafkasim | measured / kafkasim |")
print("|---|---|---|---|")
net_of = "net of idle CPU" + (" and the JIT's" if any(r.get("jit_cpu_s") for r in quiet) else "")
table = [(f"single: per request (1 record of 1 KiB) flat out, {net_of}", m1, check["single"]),
         (f"batched: per record (16 KiB batches, {nb:.1f} records), {net_of}", mb, check["batched"])]
table += [(f"paced {r}/s: per request, network and I/O threads", paced[r], check[f"paced-{r}"]) for r in RATES]
for name, m, s in table:
    print(f"| {name} | {m[0]:.1f} ({m[1]:.1f}–{m[2]:.1f}, {m[3]} runs) | {s:.1f} | {m[0] / s:.2f}× |")
print()
if solved:
    print(f"The costs of a request and of a byte, which the fit barely identifies (its batches are "
          f"large and the producer binds), from the two workloads sent flat out (the broker's threads "
          f"stay awake): `broker.request_cpu_us` {r_new:.1f} (fitted {fitted['request_cpu_us']}), "
          f"`broker.produce_cpu_ns_per_byte` {p_new:.3f} (fitted {p0}); the cost per batch kept as "
          "fitted. Both vary between runs of the JVM (its JIT compiles differently).")
else:
    print("**Not solved**: the two workloads give a negative cost of a request or of a byte: "
          "broker-cpu.toml keeps the fitted costs.")
if cycle:
    (c, c_lo, c_hi, n), rtt = cycle
    print()
    print(f"One request in flight, flat out (single-1): a record's whole cycle (client included) is {c:.1f} µs "
          f"({c_lo:.1f}–{c_hi:.1f}, {n} runs), kafkasim {cycle_us(run_sim('single-1', sets)):.1f} µs without the "
          "waits below." + (f" librdkafka's round trip (request written to response read) {rtt[0]:.1f} µs "
          f"({rtt[1]:.1f}–{rtt[2]:.1f}); less the loopback's two ways ({2 * lo_us:.1f} µs, profile.toml) the "
          f"broker's path is {rtt[0] - 2 * lo_us:.1f} µs, against the {check['single']:.1f} µs of CPU kafkasim "
          "puts on it (all of a single-record request's, above)." if rtt else ""))
print()
print("Waking a thread (src/hardware/pool.rs): at R requests a second the broker's network and "
      "I/O threads sleep about 1/R between requests and cost more CPU the longer they slept. "
      "Beyond kafkasim's warm cost, each of its two thread jobs per request costs (µs):")
print()
print("| rate | sleep g (ms) | measured, per thread job | fitted W · g / (g + h) |")
print("|---|---|---|---|")
for (g, w), r in zip(points, RATES):
    fit = wake[0] * g / (g + wake[1]) if wake else 0
    print(f"| {r}/s | {g:.1f} | {w:.1f} | {fit:.1f} |")
print()
if wake:
    how = ("on wake itself (the linear form 1/wake = 1/W + (h/W)/g gives no positive W and h "
           "here), h on a grid of 0.1-100 ms" if wake_direct else "on 1/wake = 1/W + (h/W)/g")
    print(f"Fitted by least squares {how}: `broker.wake_cpu_us` (W) "
          f"{wake[0]:.1f}, `broker.wake_half_ms` (h) {wake[1]:.2f}.")
else:
    print("**Not fitted**: the paced requests cost no more than warm ones, or not along a "
          "saturating curve: broker-cpu.toml sets no wake cost.")
# A woken thread's wait for a core behind work kafkasim does not model (hardware::WakeStall):
# the paced runs' latency tail. On a grid of (wake-ups that wait per million, longest wait),
# kafkasim's p99 at 100, 200 and 500/s against the measured medians, least squares on log p99.
paced_lat = {r: [x for x in quiet if x["workload"] == f"paced-{r}" and x.get("p99_ms")] for r in RATES}
stall = None
if all(paced_lat.values()):
    lat = {r: (st.median(float(x["p50_ms"]) for x in paced_lat[r]),
               st.median(float(x["p99_ms"]) for x in paced_lat[r]), len(paced_lat[r])) for r in RATES}

    def sim_lat(ppm, ms):
        more = [f"broker.wake_stall_ppm={ppm}", f"broker.wake_stall_ms={ms}"]
        return {r: run_sim(f"paced-{r}", sets + more)["publish_latency"] for r in RATES}

    def sim_cycle(ppm, ms):
        more = [f"broker.wake_stall_ppm={ppm}", f"broker.wake_stall_ms={ms}"]
        return cycle_us(run_sim("single-1", sets + more)) if cycle else None

    def err(got, c):  # the tail at three rates, and (measured) the mean cost at one in flight
        e = sum((math.log(got[r]["p99_ms"]) - math.log(lat[r][1])) ** 2 for r in RATES)
        return e + ((math.log(c) - math.log(cycle[0][0])) ** 2 if cycle else 0)

    none = sim_lat(0, 0)
    grid = [(ppm, ms) for ppm in (1250, 2500, 5000, 10000, 20000, 40000, 80000) for ms in (0.5, 1, 2, 4, 8, 16)]
    best = min(((err(g, c), ppm, ms, g, c) for ppm, ms in grid for g, c in [(sim_lat(ppm, ms), sim_cycle(ppm, ms))]),
               key=lambda t: t[0])
    stall = (best[1], best[2], none, best[3], lat, best[4])
if gc:
    per_request, per_byte, eden, idle_mib, kibs, per_fetch = gc
    print()
    print("Garbage (src/kafka/jvm.rs), from the broker's GC log (kafka-local.sh's -Xlog:gc: what each "
          "pause freed since the previous one) and jstat's eden at the marks, net of the idle broker's "
          f"{idle_mib * 1024:.0f} KiB/s; KiB allocated per request:")
    print()
    print("| workload | measured KiB per request | value bytes per request, KiB | fixed part a + b · bytes |")
    print("|---|---|---|---|")
    for w in WORK[1:-1]:
        v = next(int(r["records"]) / int(r["requests"]) for r in quiet if r["workload"] == w)
        m = kibs[w]
        print(f"| {w} | {m[0]:.1f} ({m[1]:.1f}–{m[2]:.1f}, {m[3]} runs) | {v:.1f} | {per_request + per_byte * v:.1f} |")
    print()
    print(f"Solved from single and batched: a = {per_request:.1f} KiB per request (`broker.gc.request_kb`), "
          f"b = {per_byte:.2f} bytes allocated per byte of records (kafkasim allocates each request's "
          f"bytes once: 1); {eden:.0f} MiB allocated per young collection (eden, `broker.gc.young_every_mb`, "
          "of this heap: kafka-local.sh's -Xms256m -Xmx512m).")
    print()
    print(f"A Fetch request (fetched-500: a consumer reading each record as it comes, beside paced-500's "
          f"produce requests) allocates {per_fetch[0]:.1f} KiB ({per_fetch[1]:.1f}–{per_fetch[2]:.1f}, "
          f"{per_fetch[3]} runs; `broker.gc.fetch_kb`) beyond the produce requests' a + b · bytes.")
if stall:
    ppm, ms, none, got, lat, c = stall
    print()
    print("A woken thread's wait for a core (src/hardware/pool.rs `WakeStall`): the paced runs' "
          "produce → delivery latency (the client's own waits included), median of the quiet runs, "
          "against kafkasim without waits and with the fitted ones (ms):")
    print()
    print("| rate | measured p50 | measured p99 | kafkasim p50 / p99, no wait | fitted: p50 / p99 |")
    print("|---|---|---|---|---|")
    for r in RATES:
        print(f"| {r}/s | {lat[r][0]:.3f} | {lat[r][1]:.3f} ({lat[r][2]} runs) | {none[r]['p50_ms']:.3f} / "
              f"{none[r]['p99_ms']:.3f} | {got[r]['p50_ms']:.3f} / {got[r]['p99_ms']:.3f} |")
    print()
    after = next(line.split()[1] for line in subprocess.run([kafkasim, "config"], capture_output=True, text=True,
                 check=True).stdout.splitlines() if line.startswith("broker.wake_stall_after_ms "))
    print(f"Fitted on a grid, least squares on log p99" + (" and on the log of single-1's cycle" if c else "")
          + f": {ppm} wake-ups per million wait (`broker.wake_stall_ppm`), each up to {ms} ms "
          f"(`broker.wake_stall_ms`), of threads that slept at least {after} ms (`broker.wake_stall_after_ms`, "
          "kafkasim's default: single-1's threads sleep ~0.1 ms, the paced ones 2–10 ms)"
          + (f"; single-1's cycle with them {c:.1f} µs (measured {cycle[0][0]:.1f})." if c else "."))
with open(toml_out, "w") as f:
    f.write("# The local broker's CPU cost per request and of waking a thread, measured by its own\n"
            "# accounting (/proc/<pid>/stat, /proc/<pid>/task/*/schedstat) by scripts/broker-cpu.sh:\n"
            "# see broker-cpu.md. Include it after profile.toml, whose fit leaves them unidentified.\n[broker]\n")
    f.write(f'"background_cpu_cores" = {idle[0]:.4f}  # idle, no client: a KRaft node\'s own work\n')
    how = f"single-record requests and 16 KiB batches flat out, {net_of}" if solved else "fitted (not solved: see broker-cpu.md)"
    f.write(f'"request_cpu_us" = {r_new:.1f}  # {how}\n'
            f'"produce_cpu_ns_per_byte" = {p_new:.3f}  # idem, with 16 KiB batches\n')
    if wake:
        f.write(f'"wake_cpu_us" = {wake[0]:.1f}  # paced single-record requests (network and I/O threads)\n'
                f'"wake_half_ms" = {wake[1]:.2f}  # idem\n')
    if stall:
        fitted_to = "paced single-record requests' latency tail" + (" and one in flight's cycle" if stall[5] else "")
        f.write(f'"wake_stall_ppm" = {stall[0]}  # {fitted_to}\n'
                f'"wake_stall_ms" = {stall[1]}  # idem\n')
    if gc:
        f.write(f'"gc.request_kb" = {round(gc[0])}  # the GC log: allocation per request beyond its bytes\n'
                f'"gc.fetch_kb" = {round(gc[5][0])}  # idem, per Fetch request (a consumer reading as records come)\n'
                f'"gc.young_every_mb" = {round(gc[2])}  # idem, per young collection (kafka-local.sh heap)\n')
PYEOF
    mv "$dir/broker-cpu.md" "$OUT/broker-cpu.md"
    cat "$OUT/broker-cpu.md"
}

case ${1:-5} in
    compare) compare ;;
    -h|--help) sed -n 2,16p "$0" | sed 's/^# \{0,1\}//' ;;
    *) measure "${1:-5}" "${2:-}"; compare ;;
esac
