#!/usr/bin/env python3
"""client.py - the lab's real Kafka client (confluent-kafka, i.e. librdkafka), one JSON line per run.

Run by scripts/lab.sh inside a client network namespace; usable by hand too:

  client.py topic   --bootstrap B --topic T --partitions P --rf R [--config k=v ...]
  client.py produce --bootstrap B --topic T --records N --size S [--rate R] [--acks 1|all|0]
                    [--linger-ms L] [--batch-size BYTES] [--batch-num-messages M]
                    [--max-in-flight K] [--partitions P] [--warmup W] [--warmup-s S] [--set k=v ...]
  client.py consume --bootstrap B --topic T --group G [--max-records N] [--idle-s T]
                    [--expect-partitions K] [--start-at EPOCH] [--timeout-s T]
  client.py fsync   --dir D [--size BYTES] [--count N] [--clean]
  client.py ping    --serve HOST:PORT | --to HOST:PORT [--count N]

produce: throughput is measured from the first timed produce() to the last delivery report;
latency of a record is librdkafka's produce()->delivery-report time (Message.latency()), which
includes time queued in the client, like the Java producer's send()->callback.
consume: reads until it has seen --max-records or nothing arrived for --idle-s after the first
record; prints the wall times of its first and last record, and when it started fetching (the
assignment that gave it its share), so that a group of consumers run in several namespaces can be
aggregated (the namespaces share one clock). The first record reaches the application only once
the whole first fetch response (up to max.partition.fetch.bytes = 1 MiB per partition) arrived.
"""
import argparse
import json
import os
import resource
import socket
import statistics
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def cpu_seconds():
    """User+system CPU seconds of this process (the client's own CPU use)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list; None when empty."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


STATS_MS = 100  # librdkafka statistics.interval.ms: how stale a reading of its counters may be


def requests_sent(handle, stats, kind="Produce"):
    """Requests of `kind` (Produce, Fetch) librdkafka has sent so far (all brokers), from a
    statistics report taken after the call: waits one statistics interval and serves the
    callback."""
    stats.pop("last", None)
    deadline = time.time() + 10 * STATS_MS / 1000
    while "last" not in stats and time.time() < deadline:
        handle.poll(STATS_MS / 1000)
    brokers = stats.get("last", {}).get("brokers", {}).values()
    return sum(b.get("req", {}).get(kind, 0) for b in brokers)


# librdkafka's per-broker latency windows (STATISTICS.md), µs, each reset at every statistics
# report: int_latency = produce() until the record is put in a request (the client's queue),
# outbuf_latency = a request waiting to be written to the socket, rtt = request written until
# its response is read (network + broker).
WINDOWS = ("int_latency", "outbuf_latency", "rtt")


def latency_windows(ws):
    """{mean, p50, p99} in ms over a run's windows (cnt, avg, p50, p99): the mean weighted by
    count, p50 and p99 the medians of the windows' own; None without samples."""
    n = sum(w[0] for w in ws)
    if n == 0:
        return None
    return {"mean": round(sum(w[0] * w[1] for w in ws) / n / 1e3, 3),
            "p50": round(statistics.median(w[2] for w in ws) / 1e3, 3),
            "p99": round(statistics.median(w[3] for w in ws) / 1e3, 3)}


def emit(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


def cmd_topic(a):
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    if a.delete:  # delete it and wait until the metadata no longer lists it
        admin.delete_topics([a.topic])[a.topic].result(timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline:
            if a.topic not in admin.list_topics(timeout=10).topics:
                emit({"mode": "topic-deleted", "topic": a.topic})
                return 0
            time.sleep(0.2)
        raise SystemExit(f"topic {a.topic}: still listed 30 s after its deletion")
    config = dict(kv.split("=", 1) for kv in a.config)
    fut = admin.create_topics([NewTopic(a.topic, a.partitions, a.rf, config=config)])[a.topic]
    fut.result(timeout=30)
    # Wait until every partition has a leader and a full ISR, so the first produce does not race.
    deadline = time.time() + 30
    while time.time() < deadline:
        md = admin.list_topics(a.topic, timeout=10).topics[a.topic]
        parts = md.partitions.values()
        if md.error is None and len(parts) == a.partitions and all(
            p.leader >= 0 and len(p.isrs) == a.rf for p in parts
        ):
            emit({"mode": "topic", "topic": a.topic, "partitions": a.partitions, "rf": a.rf, "config": config})
            return 0
        time.sleep(0.2)
    raise SystemExit(f"topic {a.topic}: partitions not all led with a full ISR after 30 s")


def cmd_produce(a):
    conf = {
        "bootstrap.servers": a.bootstrap,
        "acks": a.acks,
        "linger.ms": a.linger_ms,  # ms; librdkafka's default is 5
        "batch.size": a.batch_size,  # bytes per partition batch; librdkafka's default 1000000
        "batch.num.messages": a.batch_num_messages,  # records per batch; default 10000
        "max.in.flight.requests.per.connection": a.max_in_flight,  # default 1000000
        "queue.buffering.max.kbytes": a.queue_kbytes,  # client-side buffer, KiB (Java buffer.memory 32 MiB)
        "compression.type": "none",
        "enable.idempotence": False,
        # librdkafka's counters (CONFIGURATION.md, STATISTICS.md): produce requests sent per
        # broker, read before and after the timed part, give the records each request carried.
        "statistics.interval.ms": STATS_MS,
    }
    conf.update(kv.split("=", 1) for kv in a.set)  # any other librdkafka setting, for experiments
    stats = {"windows": None}

    def on_stats(text):
        s = json.loads(text)
        stats["last"] = s
        if stats["windows"] is not None:  # timed part: keep each broker's latency windows
            for b in s.get("brokers", {}).values():
                for k in WINDOWS:
                    w = b.get(k, {})
                    if w.get("cnt", 0) > 0:
                        stats["windows"].setdefault(k, []).append((w["cnt"], w["avg"], w["p50"], w["p99"]))

    conf["stats_cb"] = on_stats
    p = Producer(conf)
    payload = os.urandom(a.size)
    lat = []
    # --trace-dir: every timed record's delivery (wall clock, s) and latency (s), to line the tail
    # up with the brokers' GC logs (their utctime).
    trace = [] if a.trace_dir else None
    state = {"errors": 0, "last": 0.0, "first_error": None}

    def on_delivery(err, msg):
        if err is not None:
            state["errors"] += 1
            state["first_error"] = state["first_error"] or str(err)
            return
        lat.append(msg.latency())
        state["last"] = time.time()
        if trace is not None:
            trace.append((state["last"], lat[-1]))

    def send(i, cb):
        kw = {"partition": i % a.partitions} if a.partitions else {}
        while True:
            try:
                p.produce(a.topic, payload, on_delivery=cb, **kw)
                return
            except BufferError:  # client buffer full: wait for deliveries
                p.poll(0.005)

    for i in range(a.warmup):  # connections and metadata established before timing
        send(i, None)
    paced = int(a.rate * a.warmup_s) if a.rate > 0 and a.warmup_s > 0 else 0
    untimed = a.warmup + paced
    if paced:  # untimed, at the fixed rate: the broker's JIT warms this path
        w0 = time.time()
        for i in range(paced):
            while time.time() < w0 + i / a.rate:
                p.poll(0.001)
            send(i, None)
    if p.flush(30) != 0:
        raise SystemExit("warm-up records not delivered within 30 s")
    requests0 = requests_sent(p, stats)
    stats["windows"] = {}

    cpu0 = cpu_seconds()
    t0 = time.time()
    for i in range(a.records):
        if a.rate > 0:
            due = t0 + i / a.rate
            while True:
                now = time.time()
                if now >= due:
                    break
                # poll() takes whole milliseconds, rounded down: a wait under 1 ms is a 0 ms
                # poll, and the loop spun through the last millisecond before every send (a
                # third of a core at 500/s on the lab's 2 cores). At least 1 ms instead: the send
                # may go up to 1 ms after its turn (the turns stay where they were: the rate
                # holds), and a delivery report still wakes it at once (latency() counts until
                # its callback runs).
                p.poll(min(max(due - now, 0.001), 0.01))
        send(i, on_delivery)
        if i % 64 == 0:
            p.poll(0)
    left = p.flush(a.timeout_s)
    cpu = cpu_seconds() - cpu0
    requests = requests_sent(p, stats) - requests0
    windows = stats["windows"]
    wall = (state["last"] or time.time()) - t0
    if trace is not None:
        os.makedirs(a.trace_dir, exist_ok=True)
        with open(os.path.join(a.trace_dir, f"{a.topic}.csv"), "w") as f:
            f.write("delivered_unix_s,latency_s\n")
            f.writelines(f"{t:.6f},{l:.6f}\n" for t, l in trace)
    lat.sort()
    ok = len(lat)
    emit({
        "mode": "produce", "records": a.records, "record_bytes": a.size, "delivered": ok,
        # Sent before the timed part (the lab's CPU and GC counts cover them too).
        "untimed_records": untimed,
        "errors": state["errors"], "first_error": state["first_error"], "undelivered": left,
        "elapsed_s": round(wall, 4), "first_send": t0, "last_delivery": state["last"],
        "throughput_records_s": round(ok / wall, 2) if wall > 0 else None,
        "throughput_mb_s": round(ok * a.size / wall / 1e6, 4) if wall > 0 else None,
        "p50_ms": round(percentile(lat, 50) * 1e3, 3) if lat else None,
        "p99_ms": round(percentile(lat, 99) * 1e3, 3) if lat else None,
        "mean_ms": round(statistics.fmean(lat) * 1e3, 3) if lat else None,
        **{f"{k}_ms": latency_windows(windows.get(k, [])) for k in WINDOWS},
        "produce_requests": requests,
        "records_per_request": round(ok / requests, 2) if requests > 0 else None,
        "client_cpu_s": round(cpu, 3), "client_cpu_util": round(cpu / wall, 3) if wall > 0 else None,
        "rate": a.rate, "acks": a.acks, "linger_ms": a.linger_ms, "batch_size": a.batch_size,
        "batch_num_messages": a.batch_num_messages, "max_in_flight": a.max_in_flight,
    })
    return 0 if ok == a.records else 1


def cmd_consume(a):
    stats = {}
    c = Consumer({
        "bootstrap.servers": a.bootstrap,
        "group.id": a.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "partition.assignment.strategy": "range",  # classic protocol; 4 partitions split evenly
        "statistics.interval.ms": STATS_MS,  # Fetch requests sent, read at the end
        "stats_cb": lambda text: stats.__setitem__("last", json.loads(text)),
    })
    gate = {"assigned": 0, "open": a.expect_partitions <= 0, "open_ts": None}

    def on_assign(consumer, parts):
        # Hold fetching until this member owns its fair share, so the first member to join does
        # not read everything before the others arrive (they are started within ~0.1 s).
        gate["assigned"] = len(parts)
        consumer.assign(parts)
        if not gate["open"] and len(parts) != a.expect_partitions:
            consumer.pause(parts)
        else:
            gate["open"] = True
            gate["open_ts"] = gate["open_ts"] or time.time()  # fetching starts now

    if a.start_at > 0:
        time.sleep(max(0.0, a.start_at - time.time()))
    c.subscribe([a.topic], on_assign=on_assign)
    cpu0 = cpu_seconds()
    t_sub = time.time()
    count, nbytes, first, last = 0, 0, None, None
    ranges = {}
    deadline = t_sub + a.timeout_s
    while count < a.max_records and time.time() < deadline:
        if not gate["open"] and time.time() - t_sub > a.gate_s:  # never balanced: read anyway
            gate["open"] = True
            gate["open_ts"] = gate["open_ts"] or time.time()
            c.resume(c.assignment())
        msgs = c.consume(num_messages=500, timeout=0.2)
        now = time.time()
        if not msgs:
            if last is not None and now - last > a.idle_s:
                break
            continue
        for m in msgs:
            if m.error():
                continue
            count += 1
            nbytes += len(m.value() or b"")
            r = ranges.setdefault(m.partition(), [m.offset(), m.offset()])
            r[0], r[1] = min(r[0], m.offset()), max(r[1], m.offset())
        first = first or now
        last = now
    cpu = cpu_seconds() - cpu0
    fetches = requests_sent(c, stats, "Fetch")
    c.close()
    emit({
        "mode": "consume", "group": a.group, "count": count, "bytes": nbytes,
        "first_ts": first, "last_ts": last, "subscribed_ts": t_sub, "fetch_start_ts": gate["open_ts"],
        "partitions": {str(k): v for k, v in sorted(ranges.items())},
        "assigned": gate["assigned"], "client_cpu_s": round(cpu, 3), "fetch_requests": fetches,
        "client_cpu_util": round(cpu / (last - first), 3) if first and last and last > first else None,
    })
    return 0


def cmd_fsync(a):
    """write(size) + os.fsync() on one file in --dir, --count times: this disk's fsync latency.
    With --clean, fsync() of the same file once it is clean, after each write+fsync: the cache
    flush alone (on ext4 an fsync with nothing to write still sends the device a flush:
    fs/ext4/fsync.c, ext4_fsync_journal sets needs_barrier once the inode's transaction has
    committed). That is what Kafka's flush costs for an index with no new entry."""
    path = os.path.join(a.dir, "lab-fsync-probe.bin")
    buf = os.urandom(a.size)
    lat = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    try:
        for _ in range(a.count):
            t = time.perf_counter()
            os.write(fd, buf)
            os.fsync(fd)
            if a.clean:
                t = time.perf_counter()
                os.fsync(fd)
            lat.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    lat.sort()
    emit({
        "mode": "fsync-clean" if a.clean else "fsync", "dir": a.dir, "record_bytes": a.size, "count": a.count,
        "p50_ms": round(percentile(lat, 50) * 1e3, 4), "p99_ms": round(percentile(lat, 99) * 1e3, 4),
        "mean_ms": round(statistics.fmean(lat) * 1e3, 4),
        "fsyncs_per_s": round(len(lat) / sum(lat), 1),
    })
    return 0


def cmd_ping(a):
    """A 1-byte TCP ping-pong (TCP_NODELAY), --count round trips after 200 untimed: the network's
    round trip between two namespaces, or over loopback, with Python's syscalls on both ends
    (the same on both paths, so their difference is the path's). --serve answers one client."""
    host, port = (a.serve or a.to).rsplit(":", 1)
    if a.serve:
        with socket.create_server((host, int(port))) as srv:
            conn, _ = srv.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with conn:
                while b := conn.recv(1):
                    conn.sendall(b)
        return 0
    deadline = time.time() + 10
    while True:  # the server is started at the same time
        try:
            s = socket.create_connection((host, int(port)), timeout=10)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    lat = []
    with s:
        for i in range(200 + a.count):
            t = time.perf_counter()
            s.sendall(b"x")
            if not s.recv(1):
                raise SystemExit("ping: the server closed the connection")
            if i >= 200:
                lat.append(time.perf_counter() - t)
    lat.sort()
    emit({"mode": "ping", "to": a.to, "count": a.count, "p50_ms": round(percentile(lat, 50) * 1e3, 4),
          "p99_ms": round(percentile(lat, 99) * 1e3, 4), "mean_ms": round(statistics.fmean(lat) * 1e3, 4),
          "pings_per_s": round(len(lat) / sum(lat), 1)})
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("topic")
    t.add_argument("--bootstrap", required=True)
    t.add_argument("--topic", required=True)
    t.add_argument("--partitions", type=int, default=1)
    t.add_argument("--rf", type=int, default=1)
    t.add_argument("--config", action="append", default=[], help="topic config k=v (repeatable)")
    t.add_argument("--delete", action="store_true", help="delete the topic instead")

    p = sub.add_parser("produce")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--size", type=int, default=1024, help="value bytes per record (no key)")
    p.add_argument("--rate", type=float, default=0, help="records/s; 0 = flat out")
    p.add_argument("--acks", default="1")
    p.add_argument("--linger-ms", type=float, default=5)
    p.add_argument("--batch-size", type=int, default=1000000)
    p.add_argument("--batch-num-messages", type=int, default=10000)
    p.add_argument("--max-in-flight", type=int, default=5)
    p.add_argument("--queue-kbytes", type=int, default=32768)
    p.add_argument("--partitions", type=int, default=0, help="round-robin over P partitions; 0 = librdkafka's partitioner")
    p.add_argument("--warmup", type=int, default=0, help="untimed records sent and flushed first")
    p.add_argument("--warmup-s", type=float, default=0, help="then, with --rate, seconds of untimed records at that rate")
    p.add_argument("--trace-dir", help="write each timed record's delivery time and latency to DIR/TOPIC.csv")
    p.add_argument("--timeout-s", type=float, default=300)
    p.add_argument("--set", action="append", default=[], help="librdkafka setting k=v (repeatable)")

    c = sub.add_parser("consume")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--topic", required=True)
    c.add_argument("--group", required=True)
    c.add_argument("--max-records", type=int, default=1 << 62)
    c.add_argument("--idle-s", type=float, default=5)
    c.add_argument("--expect-partitions", type=int, default=0, help="pause until assigned exactly K; 0 = no gate")
    c.add_argument("--gate-s", type=float, default=15, help="give up waiting for a fair share after this")
    c.add_argument("--start-at", type=float, default=0, help="epoch seconds to subscribe at")
    c.add_argument("--timeout-s", type=float, default=300)

    f = sub.add_parser("fsync")
    f.add_argument("--dir", required=True)
    f.add_argument("--size", type=int, default=1024)
    f.add_argument("--count", type=int, default=500)
    f.add_argument("--clean", action="store_true", help="time fsync() of a clean file (the flush alone)")

    n = sub.add_parser("ping")
    g = n.add_mutually_exclusive_group(required=True)
    g.add_argument("--serve", metavar="HOST:PORT")
    g.add_argument("--to", metavar="HOST:PORT")
    n.add_argument("--count", type=int, default=2000)

    a = ap.parse_args(argv)
    try:
        return {"topic": cmd_topic, "produce": cmd_produce, "consume": cmd_consume, "fsync": cmd_fsync,
                "ping": cmd_ping}[a.cmd](a)
    except KafkaException as e:
        print(f"client.py {a.cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
