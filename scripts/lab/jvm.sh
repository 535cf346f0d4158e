# jvm.sh — what a local broker's JVM allocated and how often it collected, from its GC log.
# Sourced by scripts/broker-cpu.sh and scripts/lab.sh. kafka-local.sh starts every broker with
# -Xlog:gc: each pause line reads "... Pause Young (Normal) (G1 Evacuation Pause) 261M->165M(295M)
# 10.0ms", and a pause frees what was allocated since the previous one (heap before it minus
# heap after the previous one). Eden in use at the marks (jstat, where the JDK has it) adds the
# part not yet collected.

# gc_mark LOG PID: "lines-of-the-log eden-KiB" now.
gc_mark() {
    local eu=0
    command -v jstat >/dev/null && eu=$(jstat -gc "$2" 2>/dev/null | awk 'NR == 2 { print $6 }')
    echo "$(wc -l <"$1") ${eu:-0}"
}

# gc_span LOG MARK0 MARK1 [pauses]: "young-collections MiB-allocated" between two marks; with
# `pauses`, a third field: the young collections' pauses summed, ms (the number ending the line).
gc_span() {
    local l0 e0 l1 e1
    read -r l0 e0 <<<"$2"
    read -r l1 e1 <<<"$3"
    awk -v l0="$l0" -v l1="$l1" -v e0="$e0" -v e1="$e1" -v pauses="${4:-}" '
        match($0, /Pause .* [0-9]+M->[0-9]+M/) {
            k = split(substr($0, RSTART, RLENGTH), a, " "); split(a[k], h, "M->")
            if (NR > l0 && NR <= l1) {
                alloc += h[1] - prev
                if ($0 ~ /Pause Young/) { n++; ms += $NF + 0 }
            }
            prev = h[2] + 0
        }
        NR >= l1 { exit }
        END { printf "%d %.1f", n, alloc + (e1 - e0) / 1024; if (pauses) printf " %.1f", ms }' "$1"
}
