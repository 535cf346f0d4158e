#!/usr/bin/env python3
"""loop_cost.py - what one record costs the Python application thread of the course's consumer.

  loop_cost.py --bootstrap 127.0.0.1:19092 [--records 100000] [--repetitions 5]

Produces --records records of 100 bytes to a new 1-partition topic, then reads them with one
confluent-kafka consumer per repetition and per loop: `poll` (poll(1.0) and nothing else),
`print-file` (the course's f-string printed to a file) and `print-devnull` (the same to
/dev/null). It reports the CPU time of the Python thread per record (time.thread_time(), from the
first record to the last), which is what kafkasim's consumer.poll_cpu_us_per_record (the poll
call) and consumer.process_us_per_record (the application's work) stand for. The topic is
deleted at the end. One line per loop on stdout: mean ± sd over the repetitions, and the load.
"""
import argparse
import os
import statistics
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def read(bootstrap, topic, group, records, loop):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    out = None
    if loop == "print-file":
        out = open(f"/tmp/kafkasim-loop-cost-{os.getpid()}.log", "w")
    elif loop == "print-devnull":
        out = open(os.devnull, "w")
    n, cpu0 = 0, None
    try:
        while n < records:
            msg = c.poll(1.0)
            if msg is None or msg.error():
                continue
            if cpu0 is None:
                cpu0 = time.thread_time()
            if out is not None:
                print(f"[0] Partition {msg.partition()} | {msg.value().decode(errors='replace')}", file=out)
            n += 1
        return (time.thread_time() - cpu0) / records * 1e6
    finally:
        c.close()
        if out is not None:
            out.close()
            if loop == "print-file":
                os.unlink(out.name)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default="127.0.0.1:19092")
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--repetitions", type=int, default=5)
    a = ap.parse_args(argv)
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    try:
        admin.list_topics(timeout=10)
    except KafkaException as e:
        raise SystemExit(f"cannot reach a Kafka broker at {a.bootstrap} within 10 s ({e})")
    topic = f"kafkasim-loop-cost-{os.getpid()}-{int(time.time())}"
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    try:
        time.sleep(1)
        p = Producer({"bootstrap.servers": a.bootstrap})
        value = b"w" * 100
        for _ in range(a.records):
            p.produce(topic, value=value)
            p.poll(0)
        if p.flush(60):
            raise SystemExit("records not delivered within 60 s")
        del p
        loads = []
        costs = {loop: [] for loop in ("poll", "print-file", "print-devnull")}
        for rep in range(a.repetitions):
            for loop in costs:
                loads.append(float(open("/proc/loadavg").read().split()[0]))
                costs[loop].append(read(a.bootstrap, topic, f"{topic}-{loop}-{rep}", a.records, loop))
        for loop, v in costs.items():
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            print(f"{loop:<14} {statistics.fmean(v):.2f} ± {sd:.2f} µs of Python-thread CPU per record "
                  f"({len(v)} runs of {a.records} records; load {min(loads):.2f}–{max(loads):.2f})")
    finally:
        admin.delete_topics([topic], operation_timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
