#!/usr/bin/env bash
# kafka-local.sh — a local Apache Kafka (KRaft) for kafkasim's calibration mode.
#
# The broker jars come from Maven Central through kafka-local/pom.xml (no tarball, no docker).
# Everything listens on 127.0.0.1 only (unless KAFKASIM_KAFKA_HOSTS says otherwise); data, logs and PIDs live under $KAFKASIM_KAFKA_DIR
# (default: <repo>/target/kafka-local).
#
# Usage:
#   scripts/kafka-local.sh start [--brokers 1|3] [--keep-data] [--node I]
#   scripts/kafka-local.sh stop
#   scripts/kafka-local.sh status
#   scripts/kafka-local.sh bootstrap          # prints e.g. 127.0.0.1:19092
#   scripts/kafka-local.sh libs               # fetches the jars only; prints their folder
#
# Layout: 1 broker = one combined broker+controller node; 3 brokers = three combined nodes
# forming a 3-voter KRaft quorum. Node i (1-based) listens for clients on PORT+i-1 and for the
# controller quorum on CONTROLLER_PORT+i-1. `start` formats fresh storage with a new cluster id
# each time unless --keep-data is given (then storage already formatted for the same layout is
# reused). `--node I` formats and starts node I of that layout only (I = 1..N; used by
# scripts/lab.sh to run each node of a 3-node quorum in its own network namespace: run the N
# calls concurrently, with the same KAFKASIM_KAFKA_CLUSTER_ID, since a node of a 3-voter quorum
# is ready only once a majority is up).
#
# Environment (defaults in brackets):
#   KAFKASIM_KAFKA_DIR                     state directory [<repo>/target/kafka-local]
#   KAFKASIM_KAFKA_PORT                    first client port [19092]
#   KAFKASIM_KAFKA_CONTROLLER_PORT         first controller port [KAFKASIM_KAFKA_PORT+100]
#   KAFKASIM_KAFKA_VERSION                 Kafka version fetched by Maven [the pom's kafka.version]
#   KAFKASIM_KAFKA_HEAP                    JVM heap flags per node [-Xms256m -Xmx512m]
#   KAFKASIM_KAFKA_START_TIMEOUT_S         readiness wait [90]
#   KAFKASIM_KAFKA_STOP_TIMEOUT_S          SIGTERM grace before SIGKILL [30]
#   KAFKASIM_GROUP_INITIAL_REBALANCE_DELAY_MS  group.initial.rebalance.delay.ms [3000, Kafka's default]
#   KAFKASIM_NUM_NETWORK_THREADS           num.network.threads [3]
#   KAFKASIM_NUM_IO_THREADS                num.io.threads [8]
#   KAFKASIM_LOG_SEGMENT_BYTES             log.segment.bytes [1073741824]
#   KAFKASIM_KAFKA_EXTRA_PROPERTIES        a file whose lines are appended to every server.properties
#   KAFKASIM_KAFKA_HOSTS                   listen/advertised address of node 1,2,3, comma-separated
#                                          (a shorter list repeats its last entry) [127.0.0.1]
#   KAFKASIM_KAFKA_CLUSTER_ID              KRaft cluster id to format with [a new random one]
#   JAVA_HOME                              java to use [java on PATH]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KDIR=${KAFKASIM_KAFKA_DIR:-$ROOT/target/kafka-local}
LIBS=$KDIR/libs
POM=$ROOT/kafka-local/pom.xml
LOG4J=$ROOT/kafka-local/log4j2.xml
PORT_BASE=${KAFKASIM_KAFKA_PORT:-19092}
CTRL_PORT_BASE=${KAFKASIM_KAFKA_CONTROLLER_PORT:-$((PORT_BASE + 100))}
HEAP=${KAFKASIM_KAFKA_HEAP:--Xms256m -Xmx512m}
START_TIMEOUT_S=${KAFKASIM_KAFKA_START_TIMEOUT_S:-90}
STOP_TIMEOUT_S=${KAFKASIM_KAFKA_STOP_TIMEOUT_S:-30}
REBALANCE_DELAY_MS=${KAFKASIM_GROUP_INITIAL_REBALANCE_DELAY_MS:-3000}
NET_THREADS=${KAFKASIM_NUM_NETWORK_THREADS:-3}
IO_THREADS=${KAFKASIM_NUM_IO_THREADS:-8}
SEGMENT_BYTES=${KAFKASIM_LOG_SEGMENT_BYTES:-1073741824}
EXTRA_PROPS=${KAFKASIM_KAFKA_EXTRA_PROPERTIES:-}
IFS=, read -r -a HOSTS <<<"${KAFKASIM_KAFKA_HOSTS:-127.0.0.1}"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
READY_LINE='Kafka Server started'
MAX_NODES=3

# Seconds since $1 (an $EPOCHREALTIME value), with millisecond precision.
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

node_dir() { printf '%s/node-%s' "$KDIR" "$1"; }
client_port() { echo $((PORT_BASE + $1 - 1)); }
ctrl_port() { echo $((CTRL_PORT_BASE + $1 - 1)); }
# Address of node $1: the $1-th entry of KAFKASIM_KAFKA_HOSTS, else its last entry.
node_host() { local k=$(($1 - 1)); ((k < ${#HOSTS[@]})) || k=$((${#HOSTS[@]} - 1)); echo "${HOSTS[k]}"; }

# True when something accepts TCP connections on $2 (default 127.0.0.1), port $1.
port_open() { timeout 2 bash -c ": >/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null; }

# Prints the PID of node $1 if it is alive and really is our broker (guards against PID reuse).
node_pid() {
    local pidfile pid
    pidfile="$(node_dir "$1")/pid"
    [[ -f $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(node_dir "$1")/server.properties" || return 1
    echo "$pid"
}

running_nodes() {
    local i
    for ((i = 1; i <= MAX_NODES; i++)); do
        if node_pid "$i" >/dev/null; then echo "$i"; fi
    done
}

bootstrap_for() {
    local n=$1 i out=""
    for ((i = 1; i <= n; i++)); do out+="${out:+,}$(node_host "$i"):$(client_port "$i")"; done
    echo "$out"
}

pom_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n 1; }

# Fetches the broker jars once (mvn -B -q) into $LIBS; later runs reuse them.
ensure_libs() {
    local version=${KAFKASIM_KAFKA_VERSION:-$(pom_version)}
    [[ -n $version ]] || die "cannot read <kafka.version> from $POM"
    if [[ -f $LIBS/.complete && $(<"$LIBS/.complete") == "$version" ]]; then
        KAFKA_VERSION=$version
        return
    fi
    command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch Kafka $version from Maven Central (apt-get install maven)"
    say "fetching Apache Kafka $version and its runtime dependencies from Maven Central (first run) ..."
    local tmp=$LIBS.tmp.$$
    rm -rf "$tmp"
    mkdir -p "$KDIR"
    if ! mvn -B -q -Dstyle.color=never --no-transfer-progress -f "$POM" dependency:copy-dependencies \
        -Dkafka.libs.dir="$tmp" -Dkafka.version="$version" >"$KDIR/mvn.log" 2>&1; then
        tail -n 40 "$KDIR/mvn.log" >&2
        rm -rf "$tmp"
        die "mvn could not fetch Kafka $version (output above, full log in $KDIR/mvn.log); is Maven Central reachable?"
    fi
    compgen -G "$tmp/kafka_2.13-$version.jar" >/dev/null || { rm -rf "$tmp"; die "mvn finished but kafka_2.13-$version.jar is missing in $tmp"; }
    echo "$version" >"$tmp/.complete"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    KAFKA_VERSION=$version
    say "cached $(find "$LIBS" -name '*.jar' | wc -l) jars in $LIBS"
}

# A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'
# (what `kafka-storage random-uuid` produces), without paying for a JVM start.
new_cluster_id() {
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        [[ $id != -* ]] && { echo "$id"; return; }
    done
}

# The settings that matter for kafkasim measurements, written explicitly (Kafka's default noted).
measurement_settings() {
    local n=$1 rf isr
    if ((n >= 3)); then rf=3 isr=2; else rf=1 isr=1; fi
    cat <<EOF
# --- settings that matter for kafkasim measurements (Kafka default in brackets) ---
group.initial.rebalance.delay.ms=$REBALANCE_DELAY_MS
# [3000]; the sample server.properties in the Kafka tarball uses 0
num.network.threads=$NET_THREADS
# [3]
num.io.threads=$IO_THREADS
# [8]
num.replica.fetchers=1
# [1]
queued.max.requests=500
# [500]
log.segment.bytes=$SEGMENT_BYTES
# [1073741824]
log.retention.hours=168
# [168]
log.retention.bytes=-1
# [-1]; no log.flush.* settings: no fsync per message, page cache + OS writeback (Kafka's default)
num.partitions=1
# [1]
default.replication.factor=1
# [1]
min.insync.replicas=1
# [1]
auto.create.topics.enable=false
# [true]; calibration creates its own topics explicitly
offsets.topic.replication.factor=$rf
# [3]
offsets.topic.num.partitions=50
# [50]
transaction.state.log.replication.factor=$rf
# [3]
transaction.state.log.min.isr=$isr
# [2]
share.coordinator.state.topic.replication.factor=$rf
# [3]
share.coordinator.state.topic.min.isr=$isr
# [2]
socket.send.buffer.bytes=102400
# [102400]
socket.receive.buffer.bytes=102400
# [102400]
socket.request.max.bytes=104857600
# [104857600]
replica.lag.time.max.ms=30000
# [30000]
EOF
}

write_server_properties() {
    local i=$1 n=$2 dir voters="" j
    dir=$(node_dir "$i")
    for ((j = 1; j <= n; j++)); do voters+="${voters:+,}$j@$(node_host "$j"):$(ctrl_port "$j")"; done
    {
        echo "# Generated by scripts/kafka-local.sh — node $i of $n (KRaft, combined broker+controller)"
        echo "process.roles=broker,controller"
        echo "node.id=$i"
        echo "controller.quorum.voters=$voters"
        echo "listeners=PLAINTEXT://$(node_host "$i"):$(client_port "$i"),CONTROLLER://$(node_host "$i"):$(ctrl_port "$i")"
        echo "advertised.listeners=PLAINTEXT://$(node_host "$i"):$(client_port "$i")"
        echo "controller.listener.names=CONTROLLER"
        echo "inter.broker.listener.name=PLAINTEXT"
        echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        echo "log.dirs=$dir/data"
        measurement_settings "$n"
        if [[ -n $EXTRA_PROPS ]]; then
            echo "# --- appended from $EXTRA_PROPS ---"
            cat "$EXTRA_PROPS"
        fi
    } >"$dir/server.properties"
}

write_broker_settings() {
    local n=$1 cid=$2
    {
        echo "# kafkasim local broker settings, written by scripts/kafka-local.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "kafka.version=$KAFKA_VERSION"
        echo "java.version=$("$JAVA" -version 2>&1 | head -n 1)"
        echo "host.cores=$(nproc)"
        echo "nodes=$n"
        echo "layout=$n combined broker+controller node(s), KRaft static quorum"
        echo "cluster.id=$cid"
        echo "bootstrap=$(bootstrap_for "$n")"
        echo "heap=$HEAP"
        measurement_settings "$n" | grep -v '^#'
        if [[ -n $EXTRA_PROPS ]]; then grep -v '^[[:space:]]*#' "$EXTRA_PROPS" | grep -v '^[[:space:]]*$' || true; fi
    } >"$KDIR/broker-settings.txt"
}

show_tail() {
    local dir
    dir=$(node_dir "$1")
    say "---- last lines of $dir/logs/server.log ----"
    tail -n 30 "$dir/logs/server.log" >&2 2>/dev/null || true
    if [[ -s $dir/stdout.log ]]; then
        say "---- last lines of $dir/stdout.log ----"
        tail -n 15 "$dir/stdout.log" >&2
    fi
}

# Formats the storage of nodes $3.. (default 1..$1) with cluster id $2.
format_storage() {
    local n=$1 cid=$2 i k pids=() dir nodes
    shift 2
    if (($#)); then nodes=("$@"); else mapfile -t nodes < <(seq 1 "$n"); fi
    for i in "${nodes[@]}"; do
        dir=$(node_dir "$i")
        "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J" -Dkafka.logs.dir="$dir/logs/format" \
            -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" \
            >"$dir/format.log" 2>&1 &
        pids+=($!)
    done
    for ((k = 0; k < ${#nodes[@]}; k++)); do
        i=${nodes[k]}
        if ! wait "${pids[k]}"; then
            cat "$(node_dir "$i")/format.log" >&2
            die "formatting storage of node $i failed (see above)"
        fi
    done
}

launch_node() {
    local i=$1 dir
    dir=$(node_dir "$i")
    [[ -f $dir/logs/server.log ]] && mv -f "$dir/logs/server.log" "$dir/logs/server.log.prev"
    # setsid: the broker must not die with the caller's terminal or Ctrl-C.
    # shellcheck disable=SC2086
    setsid "$JAVA" $HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
        -Xlog:gc,safepoint:file="$dir/logs/gc.log":utctime,uptime:filecount=0 \
        -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J" -Dkafka.logs.dir="$dir/logs" \
        -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" \
        </dev/null >"$dir/stdout.log" 2>&1 &
    local pid=$! k
    echo "$pid" >"$dir/pid"
    # Until the forked shell has exec'd java, node_pid would not recognise it: wait for that.
    for ((k = 0; k < 100; k++)); do
        kill -0 "$pid" 2>/dev/null || break
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/server.properties" && break
        sleep 0.05
    done
}

# Polls until every node (of 1..$1, or only $2 if given) accepts connections and logged
# READY_LINE; bounded by START_TIMEOUT_S.
wait_ready() {
    local n=$1 only=${2:-} i deadline dir pending
    deadline=$((SECONDS + START_TIMEOUT_S))
    while :; do
        pending=0
        for ((i = 1; i <= n; i++)); do
            [[ -z $only || $i == "$only" ]] || continue
            dir=$(node_dir "$i")
            if ! node_pid "$i" >/dev/null; then
                say "node $i (pid $(cat "$dir/pid" 2>/dev/null)) exited during startup"
                show_tail "$i"
                stop_nodes "$only"
                die "Kafka did not start"
            fi
            if ! grep -qF "$READY_LINE" "$dir/logs/server.log" 2>/dev/null || ! port_open "$(client_port "$i")" "$(node_host "$i")"; then
                pending=$i
            fi
        done
        ((pending == 0)) && return 0
        if ((SECONDS >= deadline)); then
            dir=$(node_dir "$pending")
            say "node $pending not ready after ${START_TIMEOUT_S}s: port $(client_port "$pending") $(port_open "$(client_port "$pending")" "$(node_host "$pending")" && echo open || echo closed), '$READY_LINE' $(grep -qF "$READY_LINE" "$dir/logs/server.log" 2>/dev/null && echo logged || echo 'not logged')"
            show_tail "$pending"
            stop_nodes "$only"
            die "Kafka did not become ready within ${START_TIMEOUT_S}s (KAFKASIM_KAFKA_START_TIMEOUT_S)"
        fi
        sleep 0.5
    done
}

cmd_start() {
    local n=1 keep=0 only=""
    while (($#)); do
        case $1 in
            --brokers) [[ $# -ge 2 ]] || die "--brokers needs a value (1 or 3)"; n=$2; shift 2 ;;
            --brokers=*) n=${1#*=}; shift ;;
            --keep-data) keep=1; shift ;;
            --node) [[ $# -ge 2 ]] || die "--node needs a value (1..N)"; only=$2; shift 2 ;;
            --node=*) only=${1#*=}; shift ;;
            *) die "unknown option for start: $1 (expected --brokers 1|3, --keep-data, --node I)" ;;
        esac
    done
    [[ $n == 1 || $n == 3 ]] || die "--brokers must be 1 or 3, got '$n'"
    if [[ -n $only ]]; then
        start_one_node "$n" "$only" "$keep"
        return
    fi

    local running
    running=$(running_nodes | wc -l)
    if ((running > 0)); then
        local have
        have=$(sed -n 's/^nodes=//p' "$KDIR/broker-settings.txt" 2>/dev/null || echo "$running")
        if [[ $have == "$n" && $running == "$n" ]]; then
            say "already running ($n broker(s)); bootstrap $(bootstrap_for "$n")"
            bootstrap_for "$n"
            return 0
        fi
        die "already running with $running live node(s) of ${have:-?}; run '$0 stop' before starting $n broker(s)"
    fi

    command -v "$JAVA" >/dev/null || die "java not found (Java 17+ needed; apt-get install openjdk-17-jre-headless)"
    local i
    for ((i = 1; i <= n; i++)); do
        port_open "$(client_port "$i")" "$(node_host "$i")" && die "port $(client_port "$i") on $(node_host "$i") is in use (set KAFKASIM_KAFKA_PORT)"
        port_open "$(ctrl_port "$i")" "$(node_host "$i")" && die "port $(ctrl_port "$i") on $(node_host "$i") is in use (set KAFKASIM_KAFKA_CONTROLLER_PORT)"
    done
    [[ -z $EXTRA_PROPS || -f $EXTRA_PROPS ]] || die "KAFKASIM_KAFKA_EXTRA_PROPERTIES=$EXTRA_PROPS is not a file"

    ensure_libs
    local t0=$EPOCHREALTIME cid reuse=0
    if ((keep)) && [[ -f $KDIR/cluster.id && $(sed -n 's/^nodes=//p' "$KDIR/broker-settings.txt" 2>/dev/null) == "$n" ]]; then
        reuse=1
        cid=$(<"$KDIR/cluster.id")
    else
        cid=$(new_cluster_id)
    fi
    for ((i = 1; i <= MAX_NODES; i++)); do
        ((reuse)) || rm -rf "$(node_dir "$i")"
    done
    for ((i = 1; i <= n; i++)); do
        mkdir -p "$(node_dir "$i")/data" "$(node_dir "$i")/logs"
        write_server_properties "$i" "$n"
    done
    echo "$cid" >"$KDIR/cluster.id"
    write_broker_settings "$n" "$cid"
    if ((reuse)); then
        say "reusing formatted storage (cluster id $cid)"
    else
        format_storage "$n" "$cid"
    fi
    say "starting Kafka $KAFKA_VERSION: $n node(s), bootstrap $(bootstrap_for "$n"), state in $KDIR"
    for ((i = 1; i <= n; i++)); do launch_node "$i"; done
    wait_ready "$n"
    say "ready in $(elapsed_since "$t0")s (pids: $(for ((i = 1; i <= n; i++)); do printf '%s ' "$(<"$(node_dir "$i")/pid")"; done))"
    bootstrap_for "$n"
}

# `start --node I`: formats and starts node I of an N-node layout only, and waits for it alone.
# Every node of one cluster needs the same KAFKASIM_KAFKA_CLUSTER_ID; call `libs` first when
# several of these run concurrently, so that they do not all fetch the jars at once.
start_one_node() {
    local n=$1 i=$2 keep=$3 cid=${KAFKASIM_KAFKA_CLUSTER_ID:-}
    if ! [[ $i =~ ^[0-9]+$ ]] || ((i < 1 || i > n)); then die "--node must be 1..$n, got '$i'"; fi
    ((keep == 0)) || die "--keep-data cannot be combined with --node"
    [[ -n $cid || $n == 1 ]] || die "--node with --brokers $n needs KAFKASIM_KAFKA_CLUSTER_ID (the same for every node)"
    [[ -n $cid ]] || cid=$(new_cluster_id)
    node_pid "$i" >/dev/null && die "node $i is already running; run '$0 stop' first"
    command -v "$JAVA" >/dev/null || die "java not found (Java 17+ needed; apt-get install openjdk-17-jre-headless)"
    local host
    host=$(node_host "$i")
    port_open "$(client_port "$i")" "$host" && die "port $(client_port "$i") on $host is in use (set KAFKASIM_KAFKA_PORT)"
    port_open "$(ctrl_port "$i")" "$host" && die "port $(ctrl_port "$i") on $host is in use (set KAFKASIM_KAFKA_CONTROLLER_PORT)"
    [[ -z $EXTRA_PROPS || -f $EXTRA_PROPS ]] || die "KAFKASIM_KAFKA_EXTRA_PROPERTIES=$EXTRA_PROPS is not a file"
    ensure_libs
    local t0=$EPOCHREALTIME
    rm -rf "$(node_dir "$i")"
    mkdir -p "$(node_dir "$i")/data" "$(node_dir "$i")/logs"
    write_server_properties "$i" "$n"
    if ((i == 1)); then
        echo "$cid" >"$KDIR/cluster.id"
        write_broker_settings "$n" "$cid"
    fi
    format_storage "$n" "$cid" "$i"
    say "starting Kafka $KAFKA_VERSION: node $i of $n at $host:$(client_port "$i"), state in $KDIR"
    launch_node "$i"
    wait_ready "$n" "$i"
    say "node $i ready in $(elapsed_since "$t0")s (pid $(<"$(node_dir "$i")/pid"))"
    bootstrap_for "$n"
}

# SIGTERM every live node (or only node $1), wait up to STOP_TIMEOUT_S, then SIGKILL what is left.
stop_nodes() {
    local i pid pids=() nodes=() only=${1:-}
    for ((i = 1; i <= MAX_NODES; i++)); do
        [[ -z $only || $i == "$only" ]] || continue
        if pid=$(node_pid "$i"); then
            pids+=("$pid")
            nodes+=("$i")
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    ((${#pids[@]})) || return 1
    say "stopping ${#pids[@]} node(s) (pids ${pids[*]}) ..."
    local deadline=$((SECONDS + STOP_TIMEOUT_S)) alive
    while :; do
        alive=()
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
        ((${#alive[@]})) || break
        if ((SECONDS >= deadline)); then
            say "still alive after ${STOP_TIMEOUT_S}s, sending SIGKILL to ${alive[*]}"
            for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
            sleep 0.5
            break
        fi
        sleep 0.2
    done
    for i in "${nodes[@]}"; do rm -f "$(node_dir "$i")/pid"; done
    return 0
}

cmd_stop() {
    local t0=$EPOCHREALTIME
    if stop_nodes; then
        say "stopped in $(elapsed_since "$t0")s"
    else
        say "not running"
    fi
}

cmd_status() {
    local i n pid any=0
    n=$(sed -n 's/^nodes=//p' "$KDIR/broker-settings.txt" 2>/dev/null || true)
    n=${n:-1}
    for ((i = 1; i <= MAX_NODES; i++)); do
        [[ -d $(node_dir "$i") ]] || continue
        if pid=$(node_pid "$i"); then
            any=1
            echo "node $i: running (pid $pid), $(node_host "$i"):$(client_port "$i") $(port_open "$(client_port "$i")" "$(node_host "$i")" && echo accepting || echo 'not accepting')"
        elif ((i <= n)); then
            echo "node $i: stopped"
        fi
    done
    if ((any)); then
        echo "bootstrap: $(bootstrap_for "$n")"
        echo "settings: $KDIR/broker-settings.txt"
        return 0
    fi
    echo "not running"
    return 3
}

cmd_bootstrap() {
    local n
    [[ -n $(running_nodes) ]] || die "not running (start it with: $0 start)"
    n=$(sed -n 's/^nodes=//p' "$KDIR/broker-settings.txt" 2>/dev/null || echo 1)
    bootstrap_for "${n:-1}"
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
        start) cmd_start "$@" ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        bootstrap) cmd_bootstrap ;;
        libs) ensure_libs; echo "$LIBS" ;;
        -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
        *) die "usage: $0 start [--brokers 1|3] [--keep-data] [--node I] | stop | status | bootstrap | libs" ;;
    esac
}

main "$@"
