#!/usr/bin/env bash
# lab.sh — real Apache Kafka in Linux network namespaces with limited NICs (tc tbf) and CPU quotas
# (cgroup v1), measured with a real librdkafka client; the figures the simulator is checked against.
#
# Usage (as root):
#   scripts/lab.sh up                      # namespaces, bridge, veths, cgroups; left up (no brokers)
#   scripts/lab.sh down                    # undoes everything lab.sh can have set up
#   scripts/lab.sh run REGIME [--reps N] [--scale F]
#   scripts/lab.sh all [--reps N] [--scale F]
#   scripts/lab.sh smoke                   # short producer-nic check for CI; non-zero on failure
#   scripts/lab.sh status
#   scripts/lab.sh compare                 # lab/results/summary.csv vs kafkasim on lab/scenarios/
# REGIME: producer-nic replication-nic broker-cpu flush-disk consumer-group acks-all-latency
# --reps N: repetitions per regime/variant [5]; --scale F multiplies record counts (quick checks).
#
# Layout: namespace ksl-sw holds bridge br0; each host namespace (brokers ksl-b0..b2, clients
# ksl-c0..c3) has eth0, a veth whose peer v-<host> is a port of br0. Addresses are 10.77.0.0/24,
# configured only inside these namespaces: no namespace has a default route, so traffic can only go
# between them (or to each namespace's own 127.0.0.1). The root namespace is never touched.
# A host's NIC limit is tbf on egress of eth0 (= its TX) and of v-<host> (= its RX). Each host's
# processes run in cpu cgroup /sys/fs/cgroup/cpu/ksl-<host>, where a quota can be set.
# run/all/smoke set the lab up and always tear it down (trap on EXIT/INT/TERM); results go to
# lab/results/ (measured.csv, summary.csv); the constraints are described in lab/regimes.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=$ROOT/target/lab                 # broker data, logs, client output of the current lab
RESULTS=${LAB_RESULTS:-$ROOT/lab/results}
source "$ROOT/scripts/lab/venv.sh"   # VENV, PY, ensure_venv
source "$ROOT/scripts/lab/jvm.sh"    # gc_mark, gc_span
CLIENT=$ROOT/scripts/lab/client.py
RESULTS_PY=$ROOT/scripts/lab/results.py
KAFKA_LOCAL=$ROOT/scripts/kafka-local.sh
export KAFKASIM_KAFKA_DIR=$STATE/kafka
export KAFKASIM_KAFKA_STOP_TIMEOUT_S=15
export KAFKASIM_GROUP_INITIAL_REBALANCE_DELAY_MS=0   # ms; no 3 s wait before a group's first assignment

NET=10.77.0                            # the lab's /24, used only inside ksl-* namespaces
SW=ksl-sw
HOSTS=(b0 b1 b2 c0 c1 c2 c3)
declare -A ADDR=([b0]=$NET.10 [b1]=$NET.11 [b2]=$NET.12 [c0]=$NET.20 [c1]=$NET.21 [c2]=$NET.22 [c3]=$NET.23)
# Broker i (1-based) listens on port 19092+i-1 (controller 19192+i-1) at its own address.
CG=/sys/fs/cgroup/cpu
CPUACCT=/sys/fs/cgroup/cpuacct         # per-host CPU time used (cpuacct.usage, ns): which CPU binds
BLK=/sys/fs/cgroup/blkio
CFS_PERIOD_US=100000                   # µs; quota = cores × period
SHARES=10240                           # cpu.shares of every ksl-* group (default 1024): measurement first
TBF_LIMIT=4194304                      # bytes of tbf queue: deep enough that the shaper never drops (TCP
                                       # send buffers max 4 MiB); a 20 ms queue dropped and cost ~30 % of
                                       # the link in tail-loss timeouts. A lossless FIFO link is modelled.
REPS=5
SCALE=1

# ---- regimes' parameters (see lab/regimes.md); each can be overridden from the environment ----
RECORD_BYTES=${RECORD_BYTES:-1024}            # bytes of value per record, no key (1 KiB: the Python client is not the bottleneck)
BATCH_BYTES=${BATCH_BYTES:-131072}            # producer batch.size of flat-out runs, bytes (1 MB batches, librdkafka's
                                              # default, replicate in coarse steps: leader TX only ~70 % busy)
WARMUP_RECORDS=${WARMUP_RECORDS:-1000}        # untimed records sent and flushed before each timed run (connections, JIT)
PNIC_MBIT=${PNIC_MBIT:-40}                    # producer-nic: ksl-c0's NIC, Mbit/s each way
PNIC_RECORDS=${PNIC_RECORDS:-60000}           #   ~13 s at 40 Mbit/s
RNIC_MBIT=${RNIC_MBIT:-50}                    # replication-nic: every broker's NIC, Mbit/s each way (leader TX carries 2 copies)
RNIC_RECORDS=${RNIC_RECORDS:-40000}           #   ~14 s at ~23 Mbit/s of input
BCPU_CORES=${BCPU_CORES:-0.2}                 # broker-cpu: the broker's CPU quota, cores
BCPU_RECORDS=${BCPU_RECORDS:-100000}          #   records per timed repetition (~4 s: ≥ 30 CFS periods)
BCPU_QUOTA_WARMUP=${BCPU_QUOTA_WARMUP:-1500000} #  then records sent untimed under the quota: 12 repetitions of 20,000
                                              #   right after the quota was set rose from 9,800 to 32,700 records/s
                                              #   (2026-12-01): the throttled JVM was still compiling; after 400,000
                                              #   the 16 timed ones still rose from ~8,000 to ~17,000 (2026-12-02)
BCPU_WARMUP=${BCPU_WARMUP:-1500000}           #   records sent to a warm-up topic before the quota is set (~30 s): the
                                              #   JIT compiles the produce path (C2 after ~10^4 calls) at full
                                              #   speed, as on a broker that has been up for a while
BCPU_MIN_REPS=${BCPU_MIN_REPS:-16}            #   at least this many repetitions: the throttled JVM's CPU per record
                                              #   varies 3x between them (sd ~37 % of the mean over 16)
BCPU_SINGLE_RECORDS=${BCPU_SINGLE_RECORDS:-10000} #   single-record requests after each repetition (~6 s): a reference
BCPU_IDLE_S=${BCPU_IDLE_S:-5}                 #   then the broker's idle CPU (controller, GC) is measured this long
PINGS=${PINGS:-5000}                          # network: 1-byte TCP round trips from ksl-c0 to ksl-b0, and over
PING_PORT=${PING_PORT:-19500}                 #   loopback inside ksl-b0, per repetition (~0.5 s each)
LONG_MAX=9223372036854775807                 # Kafka's "never" (Long.MAX_VALUE)
FLUSH_RECORDS=${FLUSH_RECORDS:-3000}          # flush-disk per-record: one record per request, an fsync per request
FLUSH_WARMUP=${FLUSH_WARMUP:-15000}           #   sent untimed first (~12 s): the restarted broker's JIT compiles the
                                              #   flush path (repetitions right after start ran at 626 then 1,104
                                              #   records/s, later ones ~1,500; 2026-12-02); then as many to a
                                              #   topic that never flushes: the unflushed check's path (without it
                                              #   its repetitions sped up from 213 to 160-169 us a record, 2026-12-03 night;
                                              #   scripts/lab/broker-threads.sh: the compiler threads' CPU)
FLUSH_BW_BYTES_S=${FLUSH_BW_BYTES_S:-4194304} # flush-disk write=4MiBps: blkio write limit of the broker, bytes/s
FLUSH_BW_RECORDS=${FLUSH_BW_RECORDS:-20000}   #   ~5 s at 4 MiB/s
FSYNC_PROBES=${FSYNC_PROBES:-1000}            # write(1 KiB)+fsync() samples in the broker's log dir, per repetition
GROUP_MBIT=${GROUP_MBIT:-20}                  # consumer-group: every consumer's NIC, Mbit/s each way
GROUP_RECORDS=${GROUP_RECORDS:-40000}         #   records pre-filled into 4 partitions; 1 consumer reads them in ~17 s
GROUP_SIZES=(1 2 4)                           #   consumers per group, each in its own namespace ksl-c0..c3
read -r -a ACKS_RATES <<<"${ACKS_RATES:-500 200}" # acks-all-latency: records/s, one variant each (500/s kept
                                              #   the 2 cores nearly full with 3 JVMs + client; 200/s ~1.3 cores)
ACKS_ONE_RATE=${ACKS_ONE_RATE:-500}           #   and the same with acks=1 (variant acks=1,rate=N/s; 0 = not run): what the
                                              #   leader allocates without acks=all's own purgatory work
ACKS_SECONDS=${ACKS_SECONDS:-20}              #   seconds per repetition
ACKS_WARMUP_S=${ACKS_WARMUP_S:-10}            #   untimed seconds at that rate first (JIT of the per-record path)
ACKS_JIT_RECORDS=${ACKS_JIT_RECORDS:-60000}   #   once, before: single-record acks=all requests flat out to a topic
                                              #   led by each broker in turn (JIT of the replication path; with only
                                              #   the 10 s at 200/s the leader's CPU fell 14 -> 6 s in 3 repetitions)
ACKS_PACED_S=${ACKS_PACED_S:-40}              #   then seconds at the first rate to a topic led by each broker in turn:
                                              #   G1's first young collections after the flat-out part pause 2-3x
                                              #   longer (22-36 ms, then 10-12); without it the first repetition's
                                              #   p99 was its run's highest in 10 of 12 runs (lab/regimes.md)
ACKS_SETTLE_S=${ACKS_SETTLE_S:-90}            #   and then up to this for the 1-min load to settle (the warm-ups leave
                                              #   it at 3-4; it decays with a 1-min time constant)
SETTLE_S=${SETTLE_S:-30}                      # before each repetition, wait up to this for the 1-min load < LOAD_FLAG
LOAD_FLAG=1.5                                 # results.py flags repetitions whose 1-min load was above this
SMOKE_RECORDS=${SMOKE_RECORDS:-20000}         # smoke: producer-nic, ~4.5 s at 40 Mbit/s
# LAB_PRODUCE_ARGS (environment): extra client.py produce options appended to every timed run,
# for experiments (e.g. "--max-in-flight 1000000"); results then no longer match lab/regimes.md.

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# settle: wait (at most SETTLE_S) until the 1-minute load average is below LOAD_FLAG.
settle() {
    local end=$((SECONDS + SETTLE_S))
    while ((SECONDS < end)) && awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v f="$LOAD_FLAG" 'BEGIN { exit !(l >= f) }'; do
        sleep 1
    done
}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v < 100 ? 100 : v) }'; }

# ---------------------------------------------------------------- checks, venv
preflight() {
    [[ $(id -u) == 0 ]] || die "must run as root (network namespaces, tc, cgroups)"
    command -v ip >/dev/null || die "'ip' (iproute2) is missing: apt-get install iproute2"
    command -v tc >/dev/null || die "'tc' (iproute2) is missing: apt-get install iproute2"
    ip netns list >/dev/null 2>&1 && [[ -e /proc/self/ns/net ]] || die "network namespaces are not supported here ('ip netns list' fails)"
    [[ -w $CG/cgroup.procs && -w $CG/cpu.cfs_quota_us ]] || die "cgroup v1 cpu controller not found at $CG"
    local left
    left=$(ip netns list | awk '{print $1}' | grep '^ksl-' | tr '\n' ' ' || true)
    [[ -z $left ]] || die "lab namespaces already exist ($left); run 'scripts/lab.sh down' first"
    left=$(cd "$CG" && compgen -G 'ksl-*' | tr '\n' ' ' || true)
    [[ -z $left ]] || die "lab cgroups already exist in $CG ($left); run 'scripts/lab.sh down' first"
}


# ---------------------------------------------------------------- network, cgroups
net_up() {
    local h
    say "creating namespaces $SW ${HOSTS[*]/#/ksl-}, bridge, veths ($NET.0/24)"
    ip netns add "$SW"
    ip -n "$SW" link set lo up
    tc -n "$SW" qdisc add dev lo root tbf rate 1gbit burst 64kb limit 1mb 2>/dev/null ||
        die "tc cannot add a tbf qdisc (kernel without sch_tbf?)"
    tc -n "$SW" qdisc del dev lo root
    ip -n "$SW" link add br0 type bridge
    ip -n "$SW" link set br0 up
    for h in "${HOSTS[@]}"; do
        ip netns add "ksl-$h"
        ip -n "$SW" link add "v-$h" type veth peer name eth0 netns "ksl-$h"
        ip -n "$SW" link set "v-$h" master br0 up
        ip -n "ksl-$h" link set lo up
        ip -n "ksl-$h" addr add "${ADDR[$h]}/24" dev eth0
        ip -n "ksl-$h" link set eth0 up
    done
}

cg_up() {
    local h
    for h in "${HOSTS[@]}"; do
        mkdir "$CG/ksl-$h"
        echo "$SHARES" >"$CG/ksl-$h/cpu.shares"
        echo "$CFS_PERIOD_US" >"$CG/ksl-$h/cpu.cfs_period_us"
        echo -1 >"$CG/ksl-$h/cpu.cfs_quota_us"
        [[ ! -d $CPUACCT ]] || mkdir "$CPUACCT/ksl-$h"
    done
}

# steal_s: CPU seconds this VM's vCPUs were runnable but the host ran something else (/proc/stat's
# steal, all CPUs): other tenants' load, which the load average does not show.
steal_s() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", $9 / hz }' /proc/stat; }
# cpu_used: "b0=SECONDS c0=SECONDS ... steal=SECONDS" CPU time each host's processes have used so
# far, and the machine's steal.
cpu_used() {
    local h out=""
    [[ -d $CPUACCT/ksl-b0 ]] || return 0
    for h in "${HOSTS[@]}"; do out+="$h=$(awk '{ printf "%.2f", $1 / 1e9 }' "$CPUACCT/ksl-$h/cpuacct.usage") "; done
    echo "${out}steal=$(steal_s)"
}

# cpu_delta BEFORE AFTER: "cpu_s:b0=1.20,c0=0.40" for the hosts that used ≥ 0.01 s in between.
cpu_delta() {
    awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " "); out = ""
        for (i = 1; i <= n; i++) { split(x[i], p, "="); split(y[i], q, "="); d = q[2] - p[2]
            if (d >= 0.01) out = out (out == "" ? "" : ",") p[1] "=" sprintf("%.2f", d) }
        print "cpu_s:" out }'
}

# quota HOST CORES: CPU quota of the host's cgroup (0 = unlimited).
quota() {
    local us=-1
    [[ $2 == 0 ]] || us=$(awk -v c="$2" -v p="$CFS_PERIOD_US" 'BEGIN { printf "%d", c * p }')
    echo "$us" >"$CG/ksl-$1/cpu.cfs_quota_us"
}

# tbf NS DEV MBIT: shape egress of DEV in NS to MBIT Mbit/s (10^6 bit/s of Ethernet frames;
# 0 = no qdisc). burst = 8 ms at the line rate (≥ 2 ticks at HZ=250, ≥ 16 KB) so shaping stays smooth.
tbf() {
    local ns=$1 dev=$2 mbit=$3 burst
    tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
    [[ $mbit == 0 ]] && return
    burst=$((mbit * 1000)); ((burst >= 16000)) || burst=16000
    tc -n "$ns" qdisc add dev "$dev" root tbf rate "${mbit}mbit" burst "$burst" limit "$TBF_LIMIT"
}

# nic HOST TX_MBIT RX_MBIT (0 = unlimited).
nic() { tbf "ksl-$1" eth0 "$2"; tbf "$SW" "v-$1" "$3"; }

# tc_stats FILE: every lab qdisc's counters (bytes sent, drops, overlimits), for the record.
tc_stats() {
    local h
    for h in "${HOSTS[@]}"; do
        printf '%s tx: %s\n%s rx: %s\n' "$h" "$(tc -s -n "ksl-$h" qdisc show dev eth0 root | tr -s '\n ' ' ')" \
            "$h" "$(tc -s -n "$SW" qdisc show dev "v-$h" root | tr -s '\n ' ' ')"
    done | grep tbf >"$1" || true
}

# throttled HOST: "periods throttled" of the host's cpu group (cpu.stat), counted while a quota is set.
throttled() { awk '/^nr_periods/ { p = $2 } /^nr_throttled/ { t = $2 } END { print p " " t }' "$CG/ksl-$1/cpu.stat"; }
# throttle_delta BEFORE AFTER: " b0_throttled=T/P" (periods of 100 ms) when b0 had a quota in between.
throttle_delta() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
        if (y[1] > x[1]) printf " b0_throttled_periods=%d/%d", y[2] - x[2], y[1] - x[1] }'
}

# gc_marks: "b0=LINES:EDEN_KIB ..." for each running broker's GC log (scripts/lab/jvm.sh).
gc_marks() {
    local n dir pid
    for n in 1 2 3; do
        dir=$KAFKASIM_KAFKA_DIR/node-$n
        pid=$(cat "$dir/pid" 2>/dev/null) || continue
        [[ -f $dir/logs/gc.log ]] && kill -0 "$pid" 2>/dev/null || continue
        printf 'b%d=%s ' $((n - 1)) "$(gc_mark "$dir/logs/gc.log" "$pid" | tr ' ' :)"
    done
}

# gc_delta BEFORE: " gc:b0=YOUNG/MIB/MS,..." each broker's young collections, MiB allocated and
# ms of young-collection pauses since.
gc_delta() {
    local m out="" h dir
    for m in $1; do
        h=${m%%=*} dir=$KAFKASIM_KAFKA_DIR/node-$((${m:1:1} + 1))
        out+="${out:+,}$h=$(gc_span "$dir/logs/gc.log" "$(tr : ' ' <<<"${m#*=}")" \
            "$(gc_mark "$dir/logs/gc.log" "$(<"$dir/pid")")" pauses | tr ' ' /)"
    done
    [[ -z $out ]] || echo " gc:$out"
}

reset_limits() {
    local h
    for h in "${HOSTS[@]}"; do nic "$h" 0 0; quota "$h" 0; done
    blkio_limit 0
}

# in_ns HOST CMD...: runs CMD in namespace ksl-HOST, inside the host's cpu (and blkio) cgroup.
# The cgroup is joined first: `ip netns exec` mounts a fresh /sys, without /sys/fs/cgroup.
in_ns() {
    local h=$1
    shift
    bash -c 'for g in "$0" "$1" "$2"; do [[ ! -d $g ]] || echo $$ >"$g/cgroup.procs"; done; shift 2; exec ip netns exec "$@"' \
        "$CG/ksl-$h" "$CPUACCT/ksl-$h" "$BLK/ksl-$h" "ksl-$h" "$@"
}

client() { local h=$1; shift; in_ns "$h" "$PY" "$CLIENT" "$@"; }

# blkio_limit BYTES_S: write bandwidth of broker ksl-b0's processes to the device holding its log
# dir (0 = none). cgroup v1 throttles only writes its tasks submit themselves (fsync, O_DIRECT),
# not page-cache writeback, so it binds only together with log.flush.interval.messages=1.
blkio_limit() {
    local dev
    [[ -d $BLK/ksl-b0 ]] || { [[ $1 == 0 ]] && return; mkdir "$BLK/ksl-b0"; }
    dev=$(findmnt -no MAJ:MIN -T "$STATE" | tr -d ' ')
    echo "$dev $1" >"$BLK/ksl-b0/blkio.throttle.write_bps_device"
}

# ---------------------------------------------------------------- brokers
brokers_up() { # brokers_up N [PROPERTIES_FILE]
    local n=$1 props=${2:-} cid i rc=0 pids=() hosts=${ADDR[b0]},${ADDR[b1]},${ADDR[b2]}
    "$KAFKA_LOCAL" libs >/dev/null
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | sed 's/^-/A/')
    for ((i = 1; i <= n; i++)); do
        KAFKASIM_KAFKA_HOSTS=$hosts KAFKASIM_KAFKA_CLUSTER_ID=$cid KAFKASIM_KAFKA_EXTRA_PROPERTIES=$props \
            in_ns "b$((i - 1))" "$KAFKA_LOCAL" start --brokers "$n" --node "$i" >"$STATE/broker-start-$i.log" 2>&1 &
        pids+=($!)
    done
    for ((i = 1; i <= n; i++)); do wait "${pids[i - 1]}" || { rc=1; cat "$STATE/broker-start-$i.log" >&2; }; done
    ((rc == 0)) || die "brokers did not start (logs under $KAFKASIM_KAFKA_DIR)"
    BOOT=$(tail -n 1 "$STATE/broker-start-1.log")
    say "$n broker(s) up: $BOOT"
}

brokers_down() {
    [[ -d $KAFKASIM_KAFKA_DIR ]] || return 0
    "$KAFKA_LOCAL" stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- teardown
teardown() {
    local ns pid pids g
    brokers_down
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ksl-' || true); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [[ -n $pids ]]; then
            for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
            sleep 2
            for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
            sleep 0.5
        fi
        ip netns del "$ns" 2>/dev/null || say "could not delete namespace $ns"
    done
    for g in "$CG"/ksl-* "$CPUACCT"/ksl-* "$BLK"/ksl-*; do
        [[ -d $g ]] || continue
        # Anything still inside (should be nothing) goes back to the root group, then the group goes.
        while read -r pid; do echo "$pid" >"${g%/*}/cgroup.procs" 2>/dev/null || true; done <"$g/cgroup.procs"
        rmdir "$g" 2>/dev/null || say "could not remove cgroup $g"
    done
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    say "tearing down ..."
    teardown
    exit "$rc"
}

setup_lab() { # namespaces + cgroups, torn down when this script exits (or is interrupted)
    preflight
    ensure_venv
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    echo -20 >/proc/self/autogroup 2>/dev/null || true  # this shell and its children first (root cgroup only)
    mkdir -p "$STATE" "$RESULTS"
    net_up
    cg_up
}

# ---------------------------------------------------------------- regimes
MEASURED=$RESULTS/measured.csv

# record row|group REGIME VARIANT REP LOAD_BEFORE LOAD_AFTER NOTE < client JSON: one measured.csv row.
record() { "$PY" "$RESULTS_PY" "$1" "$MEASURED" "${@:2}"; }

drop_topic() { client c0 topic --bootstrap "$BOOT" --topic "$1" --delete >/dev/null; }

new_topic() { # new_topic NAME PARTITIONS RF [k=v ...]
    local name=$1 parts=$2 rf=$3 cfg=()
    shift 3
    for kv in "$@"; do cfg+=(--config "$kv"); done
    client c0 topic --bootstrap "$BOOT" --topic "$name" --partitions "$parts" --rf "$rf" "${cfg[@]}" >/dev/null
}

# produce_reps REGIME VARIANT TOPIC_PREFIX PARTITIONS RF TOPIC_CFG PRODUCE_ARGS...: REPS repetitions,
# each on a fresh topic, from ksl-c0, numbered from FIRST_REP (1 unless set); with DROP_TOPICS=1
# each topic is deleted after its repetition.
produce_reps() {
    local regime=$1 variant=$2 prefix=$3 parts=$4 rf=$5 tcfg=$6 r lb out c0 t0 g0 r0=${FIRST_REP:-1}
    shift 6
    for ((r = r0; r < r0 + REPS; r++)); do
        # shellcheck disable=SC2086
        new_topic "$prefix-$r" "$parts" "$rf" $tcfg
        settle
        g0=$(gc_marks) lb=$(loadavg) c0=$(cpu_used) t0=$(throttled b0)
        # shellcheck disable=SC2086
        out=$(client c0 produce --bootstrap "$BOOT" --topic "$prefix-$r" --warmup "$WARMUP_RECORDS" "$@" ${LAB_PRODUCE_ARGS:-})
        record row "$regime" "$variant" "$r" "$lb" "$(loadavg)" "$(cpu_delta "$c0" "$(cpu_used)")$(throttle_delta "$t0" "$(throttled b0)")$(gc_delta "$g0")" <<<"$out" >&2
        tc_stats "$STATE/tc-$regime-$r.txt"
        [[ -z ${DROP_TOPICS:-} ]] || drop_topic "$prefix-$r"
        LAST_JSON=$out
    done
}

# warm_up WHAT TOPIC RECORDS PRODUCE_ARGS...: untimed records from ksl-c0 (the JIT compiles the
# path the regime times); says their rate and each host's CPU seconds.
warm_up() {
    local what=$1 topic=$2 records c0 out
    records=$(scaled "$3")
    shift 3
    c0=$(cpu_used)
    out=$(client c0 produce --bootstrap "$BOOT" --topic "$topic" --records "$records" "$@")
    say "$what: $records records: $(grep -o '"throughput_records_s": [0-9.]*' <<<"$out") $(cpu_delta "$c0" "$(cpu_used)")"
}

# ping_pair VARIANT REP SERVER_HOST ADDR CLIENT_HOST: one ping-pong repetition, recorded under network.
ping_pair() {
    local variant=$1 r=$2 server=$3 addr=$4 client=$5 lb out
    in_ns "$server" "$PY" "$CLIENT" ping --serve "$addr:$PING_PORT" &
    lb=$(loadavg)
    out=$(in_ns "$client" "$PY" "$CLIENT" ping --to "$addr:$PING_PORT" --count "$PINGS")
    wait
    record row network "$variant" "$r" "$lb" "$(loadavg)" "" <<<"$out" >&2
}

regime_network() { # the namespaces' round trip against loopback's, no Kafka: kafkasim's network.latency_us
    local r
    for ((r = 1; r <= REPS; r++)); do
        ping_pair veth-rtt "$r" b0 "${ADDR[b0]}" c0
        ping_pair loopback-rtt "$r" b0 127.0.0.1 b0
    done
}

regime_producer_nic() { # one producer whose own NIC binds
    nic c0 "$PNIC_MBIT" "$PNIC_MBIT"
    brokers_up 1
    produce_reps producer-nic "c0=${PNIC_MBIT}mbit" pnic 1 1 "" \
        --records "$(scaled "$PNIC_RECORDS")" --size "$RECORD_BYTES" --acks 1 --linger-ms 5 --batch-size "$BATCH_BYTES"
}

regime_replication_nic() { # 3 brokers' NICs; the leader's TX carries 2 follower copies
    local b
    for b in b0 b1 b2; do nic "$b" "$RNIC_MBIT" "$RNIC_MBIT"; done
    brokers_up 3
    produce_reps replication-nic "brokers=${RNIC_MBIT}mbit" rnic 1 3 "min.insync.replicas=2" \
        --records "$(scaled "$RNIC_RECORDS")" --size "$RECORD_BYTES" --acks all --linger-ms 5 --batch-size "$BATCH_BYTES"
}

regime_broker_cpu() { # the broker's CPU quota binds
    local args=(--size "$RECORD_BYTES" --acks 1 --linger-ms 0 --batch-size 16384) c0
    brokers_up 1
    new_topic bcpu-warm 1 1
    warm_up "broker-cpu: warm-up unthrottled" bcpu-warm "$BCPU_WARMUP" "${args[@]}"
    c0=$(cpu_used)
    sleep "$BCPU_IDLE_S"
    say "broker-cpu: idle CPU over ${BCPU_IDLE_S} s: $(cpu_delta "$c0" "$(cpu_used)")"
    quota b0 "$BCPU_CORES"
    warm_up "broker-cpu: warm-up under the quota" bcpu-warm "$BCPU_QUOTA_WARMUP" "${args[@]}"
    # Each repetition is followed by one of single-record requests under the same quota, meant
    # as the machine's speed at that moment; compare.py reports what kafkasim gives when its
    # broker CPU costs are scaled to match it (lab/regimes.md: it did not track the regime).
    local n=$((REPS < BCPU_MIN_REPS ? BCPU_MIN_REPS : REPS)) i
    for ((i = 1; i <= n; i++)); do
        FIRST_REP=$i REPS=1 produce_reps broker-cpu "quota=${BCPU_CORES}core" bcpu 1 1 "" --records "$(scaled "$BCPU_RECORDS")" "${args[@]}"
        FIRST_REP=$i REPS=1 produce_reps broker-cpu "single-record,quota=${BCPU_CORES}core" bcpu1 1 1 "" \
            --records "$(scaled "$BCPU_SINGLE_RECORDS")" "${args[@]}" --batch-num-messages 1
    done
    say "broker cgroup cpu.stat (since the quota was set): $(tr '\n' ' ' <"$CG/ksl-b0/cpu.stat")"
}

regime_flush_disk() { # fsync per message on the critical path; and the same bound by write bandwidth
    local props=$STATE/flush.properties lb r out dev
    printf '%s\n' "log.flush.interval.messages=1" >"$props"
    brokers_up 1 "$props"
    for ((r = 1; r <= REPS; r++)); do # this disk's fsync latency, in the broker's log dir: an appending
        lb=$(loadavg)                    # write + fsync, and the flush alone (fsync of a clean file)
        out=$(in_ns b0 "$PY" "$CLIENT" fsync --dir "$KAFKASIM_KAFKA_DIR/node-1/data" --size "$RECORD_BYTES" --count "$FSYNC_PROBES")
        record row flush-disk fsync-probe "$r" "$lb" "$(loadavg)" "" <<<"$out" >&2
        lb=$(loadavg)
        out=$(in_ns b0 "$PY" "$CLIENT" fsync --clean --dir "$KAFKASIM_KAFKA_DIR/node-1/data" --size "$RECORD_BYTES" --count "$FSYNC_PROBES")
        record row flush-disk clean-fsync-probe "$r" "$lb" "$(loadavg)" "" <<<"$out" >&2
    done
    local per_record=(--size "$RECORD_BYTES" --acks 1 --linger-ms 0 --batch-num-messages 1 --max-in-flight 1)
    new_topic flush-warm 1 1
    warm_up "flush-disk: warm-up, fsync per record" flush-warm "$FLUSH_WARMUP" "${per_record[@]}"
    drop_topic flush-warm
    new_topic flush-warm-unflushed 1 1 "flush.messages=$LONG_MAX"
    warm_up "flush-disk: warm-up, never flushed" flush-warm-unflushed "$FLUSH_WARMUP" "${per_record[@]}"
    drop_topic flush-warm-unflushed
    # Each repetition twice, alternating: as is, and on a topic that never flushes (topic config
    # flush.messages, over the broker's log.flush.interval.messages): what the flush adds, and
    # what the network and CPU on a request's path take without it.
    for ((i = 1; i <= REPS; i++)); do
        FIRST_REP=$i REPS=1 produce_reps flush-disk "per-record" flush 1 1 "" --records "$(scaled "$FLUSH_RECORDS")" "${per_record[@]}"
        FIRST_REP=$i REPS=1 produce_reps flush-disk "unflushed,per-record" unflushed 1 1 "flush.messages=$LONG_MAX" \
            --records "$(scaled "$FLUSH_RECORDS")" "${per_record[@]}"
    done
    dev=$(findmnt -no MAJ:MIN -T "$STATE" | tr -d ' ')
    if [[ $dev == 0:* ]]; then
        say "flush-disk bandwidth variant skipped: $STATE is on a virtual filesystem ($dev), blkio cannot throttle it"
        return
    fi
    blkio_limit "$FLUSH_BW_BYTES_S"
    # kafka-local.sh started the broker before ksl-b0's blkio group existed: move its JVM in.
    echo "$(<"$KAFKASIM_KAFKA_DIR/node-1/pid")" >"$BLK/ksl-b0/cgroup.procs"
    produce_reps flush-disk "write=$((FLUSH_BW_BYTES_S / 1048576))MiBps" flushbw 1 1 "" \
        --records "$(scaled "$FLUSH_BW_RECORDS")" --size "$RECORD_BYTES" --acks 1 --linger-ms 5 --batch-size "$BATCH_BYTES"
    say "broker blkio: $(grep -h Write "$BLK/ksl-b0/blkio.throttle.io_service_bytes" | head -n 1)"
}

regime_consumer_group() { # consumers' NICs bind; groups of 1, 2, 4 over 4 partitions
    local records lb out n r i at pids h c0
    records=$(scaled "$GROUP_RECORDS")
    brokers_up 1
    new_topic group 4 1
    client c0 produce --bootstrap "$BOOT" --topic group --records "$records" --size "$RECORD_BYTES" \
        --acks 1 --batch-size "$BATCH_BYTES" --partitions 4 >"$STATE/prefill.json"
    say "prefilled: $(cut -c1-200 "$STATE/prefill.json")"
    for h in c0 c1 c2 c3; do nic "$h" "$GROUP_MBIT" "$GROUP_MBIT"; done
    for n in "${GROUP_SIZES[@]}"; do
        for ((r = 1; r <= REPS; r++)); do
            settle
            lb=$(loadavg) c0=$(cpu_used)
            at=$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.3f", t + 3 }') # all subscribe at once
            pids=()
            for ((i = 0; i < n; i++)); do
                client "c$i" consume --bootstrap "$BOOT" --topic group --group "g$n-$r" --start-at "$at" \
                    --max-records $((records / n)) --expect-partitions $((4 / n)) --idle-s 5 >"$STATE/consumer-$i.json" &
                pids+=($!)
            done
            for i in "${pids[@]}"; do wait "$i"; done
            out=$(for ((i = 0; i < n; i++)); do cat "$STATE/consumer-$i.json"; done)
            record group consumer-group "consumers=$n" "$r" "$lb" "$(loadavg)" "$(cpu_delta "$c0" "$(cpu_used)")" <<<"$out" >&2
        done
    done
}

regime_acks_all_latency() { # latency of acks=all at fixed rates below the network's limits
    local rate n
    brokers_up 3
    new_topic acks-jit 3 3 "min.insync.replicas=2"
    warm_up "acks-all-latency: JIT warm-up, single-record requests" acks-jit "$ACKS_JIT_RECORDS" \
        --size "$RECORD_BYTES" --acks all --linger-ms 0 --batch-num-messages 1 --partitions 3
    # Only the repetition's topic on the brokers, as in kafkasim's scenario (every partition a
    # broker follows is in its fetch session; until 2026-12-02 every repetition's topic stayed,
    # 13 by the last one, and the leader allocated 80-108 KiB per record).
    drop_topic acks-jit
    new_topic acks-paced 3 3 "min.insync.replicas=2"
    warm_up "acks-all-latency: paced warm-up" acks-paced $((ACKS_RATES[0] * ACKS_PACED_S)) --rate "${ACKS_RATES[0]}" \
        --size "$RECORD_BYTES" --acks all --linger-ms 0 --batch-size "$BATCH_BYTES" --partitions 3
    drop_topic acks-paced
    SETTLE_S=$ACKS_SETTLE_S settle
    local gc_from=()                            # young-collection pauses of the timed part only
    for n in 1 2 3; do gc_from+=($(($(wc -l <"$KAFKASIM_KAFKA_DIR/node-$n/logs/gc.log") + 1))); done
    for rate in "${ACKS_RATES[@]}"; do
        DROP_TOPICS=1 produce_reps acks-all-latency "rate=${rate}/s" "acks$rate" 1 3 "min.insync.replicas=2" \
            --records "$(scaled $((rate * ACKS_SECONDS)))" --rate "$rate" --size "$RECORD_BYTES" \
            --acks all --linger-ms 0 --batch-size "$BATCH_BYTES" --warmup-s "$ACKS_WARMUP_S"
    done
    if ((ACKS_ONE_RATE > 0)); then # the same replication without the delayed produce: its garbage told apart
        DROP_TOPICS=1 produce_reps acks-all-latency "acks=1,rate=${ACKS_ONE_RATE}/s" "acks1-$ACKS_ONE_RATE" 1 3 "min.insync.replicas=2" \
            --records "$(scaled $((ACKS_ONE_RATE * ACKS_SECONDS)))" --rate "$ACKS_ONE_RATE" --size "$RECORD_BYTES" \
            --acks 1 --linger-ms 0 --batch-size "$BATCH_BYTES" --warmup-s "$ACKS_WARMUP_S"
    fi
    for n in 1 2 3; do # each JVM's young-collection pauses since the warm-up (kafka-local.sh's -Xlog:gc)
        say "acks-all-latency: broker $((n - 1)) young GC pauses (ms): $(tail -n "+${gc_from[n - 1]}" "$KAFKASIM_KAFKA_DIR/node-$n/logs/gc.log" | grep 'Pause Young' | grep -o '[0-9.]*ms$' | tr -d ms | tr '\n' ' ')"
    done
}

REGIMES=(network producer-nic replication-nic broker-cpu flush-disk consumer-group acks-all-latency)

run_regime() {
    local name=$1
    say "=== $name ($REPS repetition(s), scale $SCALE; load $(loadavg)) ==="
    reset_limits
    "$PY" "$RESULTS_PY" drop "$MEASURED" "$name"
    "regime_${name//-/_}"
    brokers_down
    reset_limits
}

# ---------------------------------------------------------------- commands
parse_opts() {
    while (($#)); do
        case $1 in
            --reps) REPS=$2; shift 2 ;;
            --scale) SCALE=$2; shift 2 ;;
            *) die "unknown option: $1 (expected --reps N, --scale F)" ;;
        esac
    done
    [[ $REPS =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"
}

cmd_run() {
    local name=${1:-}
    [[ " ${REGIMES[*]} " == *" $name "* ]] || die "unknown regime '$name' (one of: ${REGIMES[*]})"
    shift
    parse_opts "$@"
    setup_lab
    write_machine
    run_regime "$name"
    "$PY" "$RESULTS_PY" summary "$MEASURED" "$RESULTS/summary.csv"
}

# The machine measured (compare.py sets it beside the calibration's: costs differ by CPU).
write_machine() {
    printf 'cpu: %s\nkernel: %s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
        "$(uname -r)" >"$RESULTS/machine.txt"
}

cmd_all() {
    local name
    parse_opts "$@"
    setup_lab
    [[ ! -s $MEASURED ]] || mv "$MEASURED" "$RESULTS/measured-$(date -u +%Y%m%dT%H%M%SZ).csv"
    write_machine
    for name in "${REGIMES[@]}"; do run_regime "$name"; done
    "$PY" "$RESULTS_PY" summary "$MEASURED" "$RESULTS/summary.csv"
}

cmd_smoke() {
    local need=() mbit lo=0.70 hi=1.02 attempt
    command -v ip >/dev/null && command -v tc >/dev/null || need+=(iproute2)
    command -v java >/dev/null || need+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || need+=(maven)
    if ((${#need[@]})) && command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
        say "installing ${need[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    RESULTS=$STATE/smoke MEASURED=$STATE/smoke/measured.csv REPS=1 SETTLE_S=0
    rm -rf "$STATE/smoke"
    setup_lab
    nic c0 "$PNIC_MBIT" "$PNIC_MBIT"
    brokers_up 1
    # Payload Mbit/s must be a little under the tbf rate (framing: Ethernet+IP+TCP ≈ 4.4 %, Kafka
    # batch/record headers ≈ 1 %); far below means the limit did not bind, above means no limit.
    # A second attempt only if the first misses (a cold JVM on a busy machine can fall short).
    for attempt in 1 2; do
        produce_reps producer-nic "c0=${PNIC_MBIT}mbit" "smoke$attempt" 1 1 "" \
            --records "$SMOKE_RECORDS" --size "$RECORD_BYTES" --acks 1 --linger-ms 5 --batch-size "$BATCH_BYTES"
        mbit=$("$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["throughput_mb_s"] * 8)' <<<"$LAST_JSON")
        say "smoke attempt $attempt: producer through a ${PNIC_MBIT} Mbit/s NIC: ${mbit} Mbit/s of record values (load $(loadavg))"
        if awk -v m="$mbit" -v r="$PNIC_MBIT" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(m >= lo * r && m <= hi * r) }'; then
            say "smoke passed"
            return 0
        fi
    done
    die "smoke FAILED: ${mbit} Mbit/s is outside [${lo}, ${hi}] × ${PNIC_MBIT} Mbit/s"
}

cmd_up() {
    preflight
    ensure_venv
    trap on_exit EXIT INT TERM
    mkdir -p "$STATE"
    net_up
    cg_up
    trap - EXIT INT TERM
    say "lab is up (no brokers); e.g. ip netns exec ksl-c0 ip addr; 'scripts/lab.sh down' removes it"
}

cmd_status() {
    local ns h g
    ns=$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ksl-' | tr '\n' ' ' || true)
    echo "namespaces: ${ns:-none}"
    for h in "${HOSTS[@]}"; do
        ip netns list | grep -q "^ksl-$h\b" || continue
        printf '%s %s tx[%s] rx[%s] quota_us=%s\n' "ksl-$h" "${ADDR[$h]}" \
            "$(tc -n "ksl-$h" qdisc show dev eth0 root | head -n 1)" \
            "$(tc -n "$SW" qdisc show dev "v-$h" root 2>/dev/null | head -n 1)" \
            "$(cat "$CG/ksl-$h/cpu.cfs_quota_us" 2>/dev/null || echo none)"
    done
    for g in "$CG"/ksl-* "$CPUACCT"/ksl-* "$BLK"/ksl-*; do [[ -d $g ]] && echo "cgroup: $g ($(wc -l <"$g/cgroup.procs") processes)"; done
    if ip netns list | grep -q '^ksl-b0\b'; then
        KAFKASIM_KAFKA_HOSTS=${ADDR[b0]},${ADDR[b1]},${ADDR[b2]} ip netns exec ksl-b0 "$KAFKA_LOCAL" status || true
    fi
}

# The lab's measurements (lab/results/summary.csv) against kafkasim's predictions for the same
# constraints (lab/scenarios/): lab/results/comparison.{md,csv}. Runs no broker; needs no root.
cmd_compare() {
    (cd "$ROOT" && cargo build --release --quiet)
    python3 "$ROOT/scripts/lab/compare.py" "$ROOT/target/release/kafkasim" "$RESULTS/summary.csv" \
        "$ROOT/lab/scenarios" "$RESULTS"
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
        up) cmd_up ;;
        down) [[ $(id -u) == 0 ]] || die "must run as root"; teardown; say "down" ;;
        run) cmd_run "$@" ;;
        all) cmd_all "$@" ;;
        smoke) cmd_smoke ;;
        status) cmd_status ;;
        compare) cmd_compare ;;
        -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
        *) die "usage: $0 up | down | run REGIME [--reps N] [--scale F] | all [--reps N] [--scale F] | smoke | status | compare" ;;
    esac
}

main "$@"
