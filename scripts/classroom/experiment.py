#!/usr/bin/env python3
"""experiment.py - the course's partitions experiment (shared/seeds/000), measured for real.

Run by scripts/classroom.sh (which creates the venv and starts the local broker); by hand:

  experiment.py --bootstrap 127.0.0.1:19092 --out DIR [--repetitions 5] [--records 100000]
                [--print-to file|devnull] [--max-foreign-cores 0.25] [--only p1-none ...]

What it does, as the course describes it, with the course's own stack (Python, confluent-kafka):
for topics of 1, 2 and 4 partitions and keys none / random / fixed, a producer sends --records
messages of 100 bytes as fast as a Python loop can (produce() then poll(0) per message); then
one consumer reads them all, then N consumers (N = partitions; and 4 on the 1-partition topic),
each a separate process in one group, each running the course's loop (poll(1.0), print every
message). Every repetition uses new topics and groups, deleted at the end (and on Ctrl-C).

What is timed (time.time(), one clock shared by every process of the machine):
- produce: first produce() to the last delivery report (flush returned);
- consume: every consumer process is started and has created its Consumer first; they all
  subscribe at once (t0). join = t0 to the moment the last consumer got its first assignment
  (on_assign); total = t0 to the last record of the last partition (positions reach the high
  watermarks read after producing); after join = total - join.

Load: each phase records /proc/loadavg and the CPU time the machine spent on anything that is
not this experiment (busy time from /proc/stat minus the CPU of this process, its consumer
processes and the broker, from /proc/PID/stat), as cores. A phase where that exceeds
--max-foreign-cores, or the hypervisor stole more than that, is flagged `busy`: kept in
runs.csv, left out of measurements.csv (kafkasim calibrate's input) unless --include-busy.

Outputs in --out, written only when every repetition finished (temporary names, then renamed):
runs.csv (one row per phase and repetition, with records per partition and per consumer, idle
consumers, load), measurements.csv (kafkasim calibrate --from-csv), machine.txt.
"""
import argparse
import csv
import gc
import io
import multiprocessing as mp
import os
import platform
import random
import signal
import sys
import tempfile
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, libversion, version
from confluent_kafka.admin import AdminClient, NewTopic

CLK_TCK = os.sysconf("SC_CLK_TCK")
VALUE_BYTES = 100  # like the course's weather messages; the simulator's producer.value_bytes
CONNECT_TIMEOUT_S = 10  # an unreachable broker fails within this (plus Python's start-up)
PHASE_TIMEOUT_S = 180  # a consume phase that has not read everything by then fails


class Interrupted(Exception):
    pass


def proc_cpu_s(pid):
    """utime + stime of process pid (all its threads), s; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def threads_cpu_s():
    """(main thread, other threads) CPU seconds of this process: the Python application thread
    and librdkafka's own threads (main, one per broker, ...)."""
    main = other = 0.0
    me = os.getpid()
    for tid in os.listdir("/proc/self/task"):
        t = proc_cpu_s(f"{me}/task/{tid}")
        if int(tid) == me:
            main += t
        else:
            other += t
    return main, other


def machine_cpu_s():
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class LoadMeter:
    """CPU the machine spends on work that is not ours during one phase, in cores."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.load = loadavg()
        self.t = time.time()
        self.busy, self.steal = machine_cpu_s()
        self.ours = {p: proc_cpu_s(p) for p in self.pids}

    def add(self, pid):
        self.pids.append(pid)
        self.ours[pid] = proc_cpu_s(pid)

    def used(self, pids):
        """CPU seconds processes `pids` (among ours) used since the start."""
        return sum(proc_cpu_s(p) - self.ours[p] for p in pids)

    def stop(self):
        """Returns (loadavg at start, foreign cores, steal cores) for the phase so far."""
        dt = max(time.time() - self.t, 1e-6)
        busy, steal = machine_cpu_s()
        ours = self.used(self.pids)
        foreign = max(0.0, (busy - self.busy) - ours) / dt
        return self.load, foreign, (steal - self.steal) / dt


def broker_pids(kafka_dir):
    pids = []
    if os.path.isdir(kafka_dir):
        for d in sorted(os.listdir(kafka_dir)):
            try:
                with open(os.path.join(kafka_dir, d, "pid")) as f:
                    pid = int(f.read().strip())
                os.kill(pid, 0)
                pids.append(pid)
            except (OSError, ValueError):
                pass
    return pids


# ------------------------------------------------------------------------------------- producer
def produce(bootstrap, topic, records, keys, seed, stop):
    """The course's producer: one produce() per message, as fast as Python goes. Returns stats."""
    p = Producer({"bootstrap.servers": bootstrap})  # librdkafka's defaults, like the course
    rng = random.Random(seed)
    value = bytes(rng.randrange(32, 127) for _ in range(VALUE_BYTES))
    state = {"delivered": 0, "errors": 0, "first": None, "last": None}

    def on_delivery(err, msg):
        if err is not None:
            state["errors"] += 1
            return
        now = time.time()
        state["delivered"] += 1
        state["first"] = state["first"] or now
        state["last"] = now

    p.list_topics(topic, timeout=CONNECT_TIMEOUT_S)  # connection and metadata before the clock
    t0 = time.time()
    for i in range(records):
        if stop.is_set():
            raise Interrupted()
        if keys == "none":
            key = None
        elif keys == "fixed":
            key = b"fixed-key"
        else:
            key = str(rng.getrandbits(32)).encode()
        while True:
            try:
                p.produce(topic, value=value, key=key, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    left = p.flush(60)
    if left or state["errors"]:
        raise SystemExit(f"produce to {topic}: {left} undelivered, {state['errors']} failed")
    del p  # its threads stop now, not at the next collection
    gc.collect()
    return {"wall_s": state["last"] - t0, "first_record_s": state["first"] - t0}


# ------------------------------------------------------------------------------------- consumer
def consumer_worker(idx, bootstrap, topic, group, ends, print_to, logdir, barrier, stop, q):
    """One consumer process: the course's loop, plus the bookkeeping the measurement needs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    if print_to == "file":
        out = open(os.path.join(logdir, f"consumer-{idx}.log"), "w")
    else:
        out = open(os.devnull, "w")
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",  # the course: read everything from the start
        "enable.auto.commit": True,
    })
    st = {"assign_ts": None, "assigned": []}

    def on_assign(consumer, parts):
        st["assign_ts"] = st["assign_ts"] or time.time()
        st["assigned"] = sorted(tp.partition for tp in parts)
        for tp in parts:
            if ends.get(tp.partition, 0) == 0:  # nothing to read there: done already
                q.put(("done", tp.partition, time.time()))

    barrier.wait()
    cpu0 = threads_cpu_s()
    c.subscribe([topic], on_assign=on_assign)
    # The course's loop; the measurement adds only a count per partition and an offset
    # comparison per message (a clock read at the first and at each partition's last record;
    # the stop flag is looked at only when poll() comes back empty), ≈ 0.2 µs of ~3 µs.
    counts = {}
    last_offset = {p: e - 1 for p, e in ends.items()}
    first_ts = None
    while True:
        msg = c.poll(1.0)
        if msg is None:
            if stop.is_set():
                break
            continue
        if msg.error():
            print(f"[{idx}] Erreur: {msg.error()}", file=out)
            continue
        print(f"[{idx}] Partition {msg.partition()} | {msg.value().decode(errors='replace')}", file=out)
        p = msg.partition()
        counts[p] = counts.get(p, 0) + 1
        if first_ts is None:
            first_ts = time.time()
        if msg.offset() == last_offset[p]:
            q.put(("done", p, time.time()))
    st["counts"], st["first_ts"] = counts, first_ts
    out.flush()
    cpu1 = threads_cpu_s()
    st["app_cpu_s"], st["lib_cpu_s"] = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    c.close()
    out.close()
    q.put(("stats", idx, st))


def consume(ctx, bootstrap, topic, group, n, ends, print_to, logdir, stop, kafka_pids):
    """Runs n consumer processes in one group until every record was read. Returns stats."""
    barrier = ctx.Barrier(n + 1)
    q = ctx.Queue()
    cstop = ctx.Event()
    procs = [
        ctx.Process(target=consumer_worker,
                    args=(i, bootstrap, topic, group, ends, print_to, logdir, barrier, cstop, q))
        for i in range(n)
    ]
    for pr in procs:
        pr.start()
    try:
        barrier.wait(timeout=60)  # every process started and created its Consumer
        meter = LoadMeter([os.getpid(), *kafka_pids, *(pr.pid for pr in procs)])
        t0 = time.time()
        waiting = {p for p, e in ends.items()}
        done_ts = {}
        while waiting:
            if stop.is_set():
                raise Interrupted()
            if time.time() - t0 > PHASE_TIMEOUT_S:
                raise SystemExit(f"consume {topic}: partitions {sorted(waiting)} not read within {PHASE_TIMEOUT_S} s")
            try:
                kind, p, ts = q.get(timeout=0.2)
            except Exception:  # queue.Empty
                continue
            if kind == "done" and p in waiting:
                waiting.discard(p)
                done_ts[p] = ts
        load, foreign, steal = meter.stop()
        broker_cpu = meter.used(kafka_pids)  # the broker's CPU while the group read
        consumers_cpu = meter.used([pr.pid for pr in procs])
        cstop.set()
        stats = {}
        deadline = time.time() + 30
        while len(stats) < n and time.time() < deadline:
            try:
                kind, idx, st = q.get(timeout=1)
            except Exception:
                continue
            if kind == "stats":
                stats[idx] = st
        if len(stats) < n:
            raise SystemExit(f"consume {topic}: {n - len(stats)} consumer(s) did not report")
    finally:
        cstop.set()
        for pr in procs:
            pr.join(timeout=15)
            if pr.is_alive():
                pr.terminate()
                pr.join()
    consumers = [stats[i] for i in range(n)]
    join = max(s["assign_ts"] for s in consumers) - t0
    total = max(done_ts.values()) - t0
    firsts = [s["first_ts"] for s in consumers if s["first_ts"]]
    return {
        "wall_s": total, "join_s": join, "first_record_s": (min(firsts) - t0) if firsts else None,
        "consumers": consumers, "loadavg": load, "foreign_cores": foreign, "steal_cores": steal,
        "broker_cpu_s": broker_cpu, "client_cpu_s": consumers_cpu,
    }


# ------------------------------------------------------------------------------------- plan
def points(only):
    """(partitions, keys, consumer counts) in the course's order."""
    out = []
    for parts in (1, 2, 4):
        for keys in ("none", "random", "fixed"):
            name = f"p{parts}-{keys}"
            if only and name not in only:
                continue
            out.append((parts, keys, [1, 4] if parts == 1 else [1, parts]))
    return out


def settings(parts, keys, consumers, records):
    # Scenario keys that make kafkasim run the same workload (see scenarios/partitions-experiment.toml).
    s = [
        "client=confluent-kafka-python", f"topic.partitions={parts}", f"producer.records={records}",
        f"producer.value_bytes={VALUE_BYTES}", f"producer.keys={keys}", f"consumer.count={consumers}",
        "consumer.start_after_produce=true", "consumer.auto.offset.reset=earliest",
        "consumer.enable.auto.commit=true",
    ]
    return ";".join(s)


MEAS_HEADER = ["point", "role", "phase", "consumers", "settings", "repetition", "cold", "records",
               "bytes", "wall_s", "first_record_s", "group_join_s", "records_per_consumer",
               "records_per_s", "records_per_s_after_join"]
RUNS_HEADER = ["point", "phase", "partitions", "keys", "consumers", "repetition", "cold", "records",
               "wall_s", "join_s", "after_join_s", "first_record_s", "records_per_s_after_join",
               "records_per_partition", "records_per_consumer", "assigned_per_consumer",
               "idle_consumers", "client_cpu_s", "app_cpu_s", "lib_cpu_s", "broker_cpu_s", "loadavg", "foreign_cores", "steal_cores", "busy"]


def fmt(x, nd=6):
    return "" if x is None else f"{x:.{nd}f}"


def run(a):
    bootstrap = a.bootstrap
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": CONNECT_TIMEOUT_S * 1000})
    try:
        md = admin.list_topics(timeout=CONNECT_TIMEOUT_S)
    except KafkaException as e:
        raise SystemExit(f"cannot reach a Kafka broker at {bootstrap} within {CONNECT_TIMEOUT_S} s ({e}); "
                         "start one with scripts/kafka-local.sh start")
    nbrokers = len(md.brokers)
    kafka_pids = broker_pids(a.kafka_dir)
    ctx = mp.get_context("spawn")  # librdkafka threads in this process: never fork them
    stop = ctx.Event()
    created_topics, created_groups = [], []

    def on_signal(signum, frame):
        stop.set()
        raise Interrupted()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    tag = f"kafkasim-class-{os.getpid()}-{int(time.time())}"
    logdir = tempfile.mkdtemp(prefix="kafkasim-classroom-")  # the consumers' printed lines
    runs, meas = [], []
    plan = points(a.only)
    total_reps = a.warmup + a.repetitions
    try:
        for rep in range(total_reps):
            cold = rep < a.warmup
            r = rep - a.warmup
            for parts, keys, counts in plan:
                name = f"p{parts}-{keys}"
                topic = f"{tag}-r{rep}-{name}"
                fut = admin.create_topics([NewTopic(topic, parts, 1)])[topic]
                created_topics.append(topic)
                fut.result(timeout=30)
                wait_for_leaders(admin, topic, parts)
                meter = LoadMeter([os.getpid(), *kafka_pids])
                cpu0 = time.process_time()
                pr = produce(bootstrap, topic, a.records, keys, a.seed + rep, stop)
                load, foreign, steal = meter.stop()
                produce_broker_cpu = meter.used(kafka_pids)
                ends = high_watermarks(bootstrap, topic, parts)
                busy = foreign > a.max_foreign_cores or steal > a.max_foreign_cores
                runs.append({
                    "point": f"{name}/produce", "phase": "produce", "partitions": parts, "keys": keys,
                    "consumers": 0, "repetition": r if not cold else -1, "cold": cold,
                    "records": sum(ends.values()), "wall_s": pr["wall_s"], "join_s": None,
                    "after_join_s": None, "first_record_s": pr["first_record_s"],
                    "records_per_s_after_join": sum(ends.values()) / pr["wall_s"],
                    "records_per_partition": [ends[p] for p in range(parts)],
                    "records_per_consumer": [], "assigned_per_consumer": [], "idle_consumers": None,
                    "client_cpu_s": time.process_time() - cpu0, "broker_cpu_s": produce_broker_cpu,
                    "loadavg": load, "foreign_cores": foreign, "steal_cores": steal, "busy": busy,
                })
                say(runs[-1], a)
                for n in counts:
                    group = f"{topic}-g{n}"
                    created_groups.append(group)
                    cr = consume(ctx, bootstrap, topic, group, n, ends, a.print_to, logdir, stop, kafka_pids)
                    cons = cr["consumers"]
                    per_consumer = [sum(s["counts"].values()) for s in cons]
                    idle = sum(1 for s in cons if sum(s["counts"].values()) == 0)
                    busy = cr["foreign_cores"] > a.max_foreign_cores or cr["steal_cores"] > a.max_foreign_cores
                    runs.append({
                        "point": f"{name}/consume-{n}", "phase": "consume", "partitions": parts,
                        "keys": keys, "consumers": n, "repetition": r if not cold else -1, "cold": cold,
                        "records": sum(per_consumer), "wall_s": cr["wall_s"], "join_s": cr["join_s"],
                        "after_join_s": cr["wall_s"] - cr["join_s"], "first_record_s": cr["first_record_s"],
                        "records_per_s_after_join": sum(per_consumer) / max(cr["wall_s"] - cr["join_s"], 1e-9),
                        "records_per_partition": [ends[p] for p in range(parts)],
                        "records_per_consumer": per_consumer,
                        "assigned_per_consumer": ["+".join(map(str, s["assigned"])) or "-" for s in cons],
                        "idle_consumers": idle, "client_cpu_s": cr["client_cpu_s"],
                        "app_cpu_s": sum(s["app_cpu_s"] for s in cons),
                        "lib_cpu_s": sum(s["lib_cpu_s"] for s in cons),
                        "broker_cpu_s": cr["broker_cpu_s"],
                        "loadavg": cr["loadavg"], "foreign_cores": cr["foreign_cores"],
                        "steal_cores": cr["steal_cores"], "busy": busy,
                    })
                    say(runs[-1], a)
                delete(admin, [topic], [f"{topic}-g{n}" for n in counts])
                created_topics.remove(topic)
                for n in counts:
                    created_groups.remove(f"{topic}-g{n}")
    except Interrupted:
        print("interrupted: deleting the topics and groups this run created; no result written", file=sys.stderr)
        delete(admin, created_topics, created_groups)
        remove_tree(logdir)
        return 130
    except BaseException:
        delete(admin, created_topics, created_groups)
        remove_tree(logdir)
        raise
    remove_tree(logdir)
    write_outputs(a, runs, nbrokers)
    return 0


def wait_for_leaders(admin, topic, parts):
    deadline = time.time() + 30
    while time.time() < deadline:
        t = admin.list_topics(topic, timeout=10).topics[topic]
        if t.error is None and len(t.partitions) == parts and all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.1)
    raise SystemExit(f"topic {topic}: not every partition has a leader after 30 s")


def high_watermarks(bootstrap, topic, parts):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-hw", "enable.auto.commit": False})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(parts)}
    finally:
        c.close()


def delete(admin, topics, groups):
    try:
        if groups:
            for f in admin.delete_consumer_groups(list(groups), request_timeout=10).values():
                try:
                    f.result(timeout=15)
                except Exception:
                    pass  # a group that never formed, or is already gone
        if topics:
            for f in admin.delete_topics(list(topics), operation_timeout=15).values():
                try:
                    f.result(timeout=20)
                except Exception:
                    pass
    except Exception as e:  # best effort: never hide the original error
        print(f"warning: cleaning up {topics} {groups}: {e}", file=sys.stderr)


def remove_tree(d):
    if os.path.isdir(d):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


def say(row, a):
    if a.quiet:
        return
    flag = " BUSY" if row["busy"] else ""
    cold = " (warm-up)" if row["cold"] else f" rep {row['repetition']}"
    if row["phase"] == "produce":
        print(f"{row['point']:<22}{cold}: {row['wall_s']:.3f} s, per partition {row['records_per_partition']}"
              f"  [load {row['loadavg']:.2f}, foreign {row['foreign_cores']:.2f} cores]{flag}", flush=True)
    else:
        print(f"{row['point']:<22}{cold}: join {row['join_s']:.3f} s, after join {row['after_join_s']:.3f} s, "
              f"per consumer {row['records_per_consumer']}  [load {row['loadavg']:.2f}, "
              f"foreign {row['foreign_cores']:.2f} cores]{flag}", flush=True)


def write_outputs(a, runs, nbrokers):
    os.makedirs(a.out, exist_ok=True)

    def atomic(name, text):
        path = os.path.join(a.out, name)
        tmp = path + f".tmp-{os.getpid()}"
        with open(tmp, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(RUNS_HEADER)
    for r in runs:
        w.writerow([
            r["point"], r["phase"], r["partitions"], r["keys"], r["consumers"], r["repetition"],
            str(r["cold"]).lower(), r["records"], fmt(r["wall_s"]), fmt(r["join_s"]),
            fmt(r["after_join_s"]), fmt(r["first_record_s"]), f"{r['records_per_s_after_join']:.1f}",
            ";".join(map(str, r["records_per_partition"])), ";".join(map(str, r["records_per_consumer"])),
            ";".join(r["assigned_per_consumer"]), "" if r["idle_consumers"] is None else r["idle_consumers"],
            fmt(r["client_cpu_s"], 3), fmt(r.get("app_cpu_s"), 3), fmt(r.get("lib_cpu_s"), 3),
            fmt(r["broker_cpu_s"], 3), f"{r['loadavg']:.2f}", f"{r['foreign_cores']:.3f}",
            f"{r['steal_cores']:.3f}", str(r["busy"]).lower(),
        ])
    atomic("runs.csv", buf.getvalue())

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MEAS_HEADER)
    for r in runs:
        if r["busy"] and not a.include_busy:
            continue
        fit = r["partitions"] == 1 and r["consumers"] <= 1  # fit on 1 partition / 1 consumer only
        after = r["records_per_s_after_join"]
        w.writerow([
            r["point"], "fit" if fit else "held-out", r["phase"], r["consumers"],
            settings(r["partitions"], r["keys"], r["consumers"], a.records),
            max(r["repetition"], 0), str(r["cold"]).lower(), r["records"], r["records"] * VALUE_BYTES,
            fmt(r["wall_s"]), fmt(r["first_record_s"]), fmt(r["join_s"]),
            ";".join(map(str, r["records_per_consumer"])), f"{r['records'] / r['wall_s']:.1f}", f"{after:.1f}",
        ])
    atomic("measurements.csv", buf.getvalue())

    busy = sum(1 for r in runs if r["busy"])
    lines = [
        f"measured: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by scripts/classroom.sh",
        f"cores: {os.cpu_count()}",
        f"machine: {os.cpu_count()} core(s), {cpu_model()}, {platform.system()} {platform.release()}",
        f"cluster: {nbrokers} broker(s) at {a.bootstrap}; {broker_version(a.kafka_dir)}",
        f"client: Python {platform.python_version()}, confluent-kafka {version()}, librdkafka {libversion()[0]}",
        f"plan: {a.repetitions} repetition(s) after {a.warmup} warm-up, {a.records} records of {VALUE_BYTES} bytes, "
        f"consumers print every message to {a.print_to}",
        f"load: {busy} of {len(runs)} phase(s) flagged busy (> {a.max_foreign_cores} foreign cores)"
        + ("; kept in measurements.csv (--include-busy)" if a.include_busy and busy else ""),
    ]
    atomic("machine.txt", "\n".join(lines) + "\n")
    settings_file = os.path.join(a.kafka_dir, "broker-settings.txt")
    if os.path.isfile(settings_file):  # read by `classroom.sh compare` (kafkasim calibrate)
        with open(settings_file) as f:
            atomic("broker-settings.txt", f.read())
    print(f"wrote {a.out}/runs.csv, measurements.csv, machine.txt ({busy} busy phase(s) of {len(runs)})")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def broker_version(kafka_dir):
    path = os.path.join(kafka_dir, "broker-settings.txt")
    try:
        with open(path) as f:
            return "; ".join(l.strip() for l in f if l.strip() and not l.startswith("#"))
    except OSError:
        return "broker settings unknown"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default="127.0.0.1:19092")
    ap.add_argument("--out", required=True)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed first repetitions (JIT, page cache)")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--print-to", choices=["file", "devnull"], default="file",
                    help="where each consumer prints every message (a terminal would be slower)")
    ap.add_argument("--max-foreign-cores", type=float, default=0.25)
    ap.add_argument("--include-busy", action="store_true", help="keep busy phases in measurements.csv")
    ap.add_argument("--only", action="append", default=[], help="point p1-none .. p4-fixed (repeatable)")
    ap.add_argument("--kafka-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "target", "kafka-local"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    for name, v, lo in (("--repetitions", a.repetitions, 1), ("--records", a.records, 1), ("--warmup", a.warmup, 0)):
        if v < lo:
            ap.error(f"{name} {v}: must be at least {lo}")
    valid = {f"p{p}-{k}" for p in (1, 2, 4) for k in ("none", "random", "fixed")}
    for o in a.only:
        if o not in valid:
            ap.error(f"--only {o}: not a point; use one of {', '.join(sorted(valid))}")
    return run(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
