//! Physics checks: the hardware binds the way real hardware does. Each failure prints the
//! scenario and seed that reproduce it.

use super::run_text;
use kafkasim::experiment::RunOutput;

/// A flat-out producer of `value_bytes` records on a dedicated layout (no consumers).
fn flat_out(records: u64, value_bytes: u64, extra: &str) -> String {
    format!(
        "name = \"hw\"\n[cluster]\nlayout = \"dedicated\"\n[producer]\nrecords = {records}\nvalue_bytes = {value_bytes}\nacks = \"1\"\n[consumer]\ncount = 0\n{extra}"
    )
}

fn run(text: &str, sets: &[&str]) -> RunOutput {
    let out = run_text(text, sets, 1);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    out
}

/// Records per second produced over the second half of the run (from the time series).
fn late_rate(out: &RunOutput) -> f64 {
    let end = out.partition_series.last().expect("sampled").time_ns;
    let at = |t: u64| -> u64 {
        let first = out
            .partition_series
            .iter()
            .find(|s| s.time_ns >= t)
            .expect("in range")
            .time_ns;
        out.partition_series
            .iter()
            .filter(|s| s.time_ns == first)
            .map(|s| s.produced)
            .sum()
    };
    let (t0, t1) = (end / 2, end * 9 / 10);
    (at(t1) - at(t0)) as f64 / ((t1 - t0) as f64 / 1e9)
}

/// CPU of `host` ("broker 0") per record produced, µs.
fn cpu_us_per_record(out: &RunOutput, host: &str) -> f64 {
    let h = out
        .summary
        .hosts
        .iter()
        .find(|h| h.name == host)
        .expect("that host");
    h.cpu_s / out.summary.records_produced as f64 * 1e6
}

/// `--set`s of a wake cost of `w_us` µs after a long sleep, half of it after `h_ms`.
fn wake_cost(w_us: f64, h_ms: f64) -> [String; 2] {
    [
        format!("broker.wake_cpu_us={w_us}"),
        format!("broker.wake_half_ms={h_ms}"),
    ]
}

#[test]
fn a_client_nic_caps_the_producer_at_its_line_rate() {
    // 40 Mbit/s = 5 MB/s each way; 1,000-byte values.
    let text = flat_out(20_000, 1000, "[network]\nclient_nic_gbps = 0.04\n");
    let out = run(&text, &[]);
    let s = &out.summary;
    assert!(
        s.produce_mb_per_s <= 5.0 && s.produce_mb_per_s > 0.9 * 5.0 * 1000.0 / 1100.0,
        "payload {:.2} MB/s through a 5 MB/s NIC; reproduce: kafkasim run with {text:?}",
        s.produce_mb_per_s
    );
    assert!(
        s.bottleneck.starts_with("NIC TX of client host 0"),
        "{}",
        s.bottleneck
    );
}

#[test]
fn one_client_nic_is_shared_by_its_flows_to_every_broker() {
    // Three brokers, three partitions (one leader each), one client host at 1 GbE: the client's
    // one NIC carries everything (the per-pair links this replaced allowed three times that).
    let text = flat_out(
        300_000,
        1000,
        "[topic]\npartitions = 3\n[network]\nnic_gbps = 1.0\n[cluster]\nbrokers = 3\n",
    )
    .replace("[cluster]\nlayout = \"dedicated\"\n", "")
    .replace(
        "[cluster]\nbrokers = 3\n",
        "[cluster]\nlayout = \"dedicated\"\nbrokers = 3\n",
    );
    let one = run(&text, &[]);
    assert!(
        one.summary.produce_mb_per_s <= 125.0,
        "one 1 GbE client pushed {:.1} MB/s of payload",
        one.summary.produce_mb_per_s
    );
    assert!(
        one.summary
            .bottleneck
            .starts_with("NIC TX of client host 0"),
        "{}",
        one.summary.bottleneck
    );
    // Three producers on three client hosts: each has its own NIC, brokers' NICs take them.
    let three = run(&text, &["cluster.client_hosts=3", "producer.count=3"]);
    let ratio = three.summary.produce_mb_per_s / one.summary.produce_mb_per_s;
    assert!(ratio > 2.5, "three client hosts gave {ratio:.2}× one");
    for h in &three.summary.hosts {
        assert!(h.nic_tx <= 1.0 && h.nic_rx <= 1.0, "{h:?}");
    }
}

#[test]
fn a_flat_out_producer_settles_at_the_disk_write_bandwidth() {
    // 10 kB records, RF 1, HDD writing 150 MB/s, a 1 GiB page cache (dirty limit 205 MiB):
    // 3 GB in all, so most of the run is past the dirty limit.
    let text = flat_out(
        300_000,
        10_000,
        "[host]\ndisk = \"hdd\"\npage_cache_mb = 1024\n",
    );
    let out = run(&text, &[]);
    let bytes_per_record = 10_000.0 + 80.0; // value + record/batch overhead on disk
    let expected = 150e6 / bytes_per_record;
    let rate = late_rate(&out);
    assert!(
        (rate / expected - 1.0).abs() < 0.06,
        "late rate {rate:.0} records/s, disk allows {expected:.0}"
    );
    assert!(
        out.summary.bottleneck.starts_with("disk of broker 0"),
        "{}",
        out.summary.bottleneck
    );
    // NVMe (2 GB/s) does not bind at the same load; a run that fits in the cache does not
    // see the disk at all.
    let nvme = run(&text, &["host.disk=nvme"]);
    assert!(
        late_rate(&nvme) > 1.2 * rate,
        "nvme {:.0} vs hdd {rate:.0}",
        late_rate(&nvme)
    );
    assert!(
        !nvme.summary.bottleneck.contains("disk"),
        "{}",
        nvme.summary.bottleneck
    );
    let short = |disk: &str| {
        let sets = [
            format!("host.disk={disk}"),
            "producer.records=5000".to_string(),
        ];
        let sets: Vec<&str> = sets.iter().map(|s| s.as_str()).collect();
        run(&text, &sets).summary.produce_records_per_s
    };
    let (h, n) = (short("hdd"), short("nvme"));
    assert!(
        (h / n - 1.0).abs() < 0.01,
        "50 MB fits the cache: hdd {h:.0} vs nvme {n:.0}"
    );
}

#[test]
fn fsync_per_message_is_bounded_by_the_flush_latency() {
    // log.flush.interval.messages = 1: every append flushes the segment, then its offset and
    // time indexes (Kafka's LogSegment.flush): three syncs of 8.3 ms on an HDD, a seek (8 ms)
    // before each file written; one request in flight, 10 a second: no queueing.
    let text = flat_out(
        300,
        1000,
        "[broker]\n\"log.flush.interval.messages\" = 1\n[host]\ndisk = \"hdd\"\n",
    )
    .replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"max.in.flight.requests.per.connection\" = 1\n\"linger.ms\" = 0\n\"enable.idempotence\" = false\nrate_per_s = 10\n",
    );
    let out = run(&text, &[]);
    let p50 = out.summary.publish_latency.p50_ms;
    assert!(
        (3.0 * 8.3..3.0 * (8.3 + 8.0) + 2.0).contains(&p50),
        "p50 {p50:.2} ms: at least three flushes (8.3 ms), at most three flushes and seeks + a round trip"
    );
    let never = run(
        &text,
        &["broker.log.flush.interval.messages=9223372036854775"],
    );
    assert!(never.summary.publish_latency.p50_ms < 1.0);
}

#[test]
fn log_dirs_spread_partitions_over_disks() {
    // Four partitions on two log dirs (two HDDs): twice one disk's bandwidth once the cache
    // is full.
    let text = flat_out(
        300_000,
        10_000,
        "[host]\ndisk = \"hdd\"\npage_cache_mb = 1024\n[topic]\npartitions = 4\n",
    );
    let one = late_rate(&run(&text, &[]));
    let two = late_rate(&run(&text, &["broker.log.dirs=2"]));
    assert!(two > 1.6 * one, "two disks {two:.0} vs one {one:.0}");
}

#[test]
fn consumers_on_one_host_scale_up_to_its_cores() {
    // Each consumer's application thread spends 50 µs per record (20,000 records/s alone);
    // the client host has 2 cores shared by every consumer's threads. N consumers on N of 4
    // partitions: about min(N, 2) times one consumer.
    let text = "name = \"cpu\"\nclient = \"librdkafka\"\n[cluster]\nlayout = \"dedicated\"\n[host]\ncores = 2\n[topic]\npartitions = 4\n[producer]\nrecords = 200000\nvalue_bytes = 100\npartitioner = \"java-round-robin\"\n[consumer]\ncount = 1\nstart_after_produce = true\n\"auto.offset.reset\" = \"earliest\"\nprocess_us_per_record = 50\n[broker]\n\"group.initial.rebalance.delay.ms\" = 0\n";
    let rate = |n: u32| {
        let set = format!("consumer.count={n}");
        let out = run(text, &[set.as_str()]);
        assert_eq!(out.summary.records_consumed, 200_000);
        out.summary.consume_records_per_s_after_join
    };
    let one = rate(1);
    assert!(
        (one / 20_000.0 - 1.0).abs() < 0.02,
        "one consumer {one:.0}/s"
    );
    for (n, expected) in [(2, 2.0), (4, 2.0)] {
        let speedup = rate(n) / one;
        assert!(
            (speedup / expected - 1.0).abs() < 0.03,
            "{n} consumers on 2 cores: {speedup:.2}× one, expected {expected}×"
        );
    }
}

#[test]
fn a_busy_consumer_shares_the_core_with_the_producer() {
    // One core; the consumer's poll loop spends 1 ms per record (500 ms per poll of 500
    // records), always behind the producer's 2,000 records/s. Processor sharing gives the
    // producer's short jobs half the core at once; FIFO with work reserved ahead kept them
    // behind the poll loop (p50 7.2 s).
    let text = "name = \"ps\"\nclient = \"java\"\n[host]\ncores = 1\n[producer]\nrecords = 20000\nrate_per_s = 2000\n[consumer]\ncount = 1\n\"auto.offset.reset\" = \"earliest\"\nprocess_us_per_record = 1000\n";
    let out = run(text, &[]);
    assert_eq!(out.summary.records_consumed, 20_000);
    let alone = run(text, &["consumer.count=0"]).summary.publish_latency;
    let shared = out.summary.publish_latency;
    assert!(
        shared.p99_ms < 2.0 * alone.p99_ms + 1.0,
        "publish p99 {:.2} ms beside the poll loop, {:.2} ms alone",
        shared.p99_ms,
        alone.p99_ms
    );
}

#[test]
fn java_clients_pause_for_gc_and_librdkafka_does_not() {
    // 100 MB produced at 20 MB/s; a young collection every 8 MiB the application allocates.
    let text = "name = \"gc\"\nclient = \"java\"\n[producer]\nrecords = 100000\nvalue_bytes = 1000\nrate_per_s = 20000\n[consumer]\ncount = 0\n[broker]\n\"gc.young_every_mb\" = 0\n";
    let max = |sets: &[&str]| run(text, sets).summary.publish_latency.max_ms;
    let (quiet, paused) = (max(&["producer.gc.young_every_mb=0"]), max(&[]));
    assert!(quiet < 2.0, "no GC: max {quiet:.2} ms");
    let paused_gc = max(&["producer.gc.young_every_mb=8"]);
    assert!(
        paused_gc > quiet + 2.0,
        "GC every 8 MiB: max {paused_gc:.2} ms vs {quiet:.2}"
    );
    assert!(
        paused < 2.0,
        "the default 256 MiB eden is not filled by 100 MB: {paused:.2} ms"
    );
    let c = |gc: &str| {
        let sets = ["client=librdkafka", gc];
        run(text, &sets).summary.publish_latency.max_ms
    };
    assert_eq!(
        c("producer.gc.young_every_mb=8"),
        c("producer.gc.young_every_mb=0")
    );
}

#[test]
fn a_thread_that_slept_costs_more_cpu_and_a_busy_one_does_not() {
    // Single-record requests (acks=1, linger.ms=0, batch.num.messages=1): each wakes a network
    // and an I/O thread of the broker, which slept about 1/rate, and costs 2 · W · g / (g + h)
    // more (src/hardware/pool.rs); flat out, they sleep only between back-to-back requests.
    let (w_us, h_ms) = (300.0, 5.0);
    let text = flat_out(2000, 1024, "").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\n",
    );
    let wake = wake_cost(w_us, h_ms);
    let cpu_per_record = |out: &RunOutput| cpu_us_per_record(out, "broker 0");
    let mut extra_at_100 = 0.0;
    for rate in [100.0, 500.0] {
        let paced = format!("producer.rate_per_s={rate}");
        let warm = run(&text, &[&paced]);
        let cold = run(&text, &[&paced, &wake[0], &wake[1]]);
        let g_ms = 1000.0 / rate;
        let expect = 2.0 * w_us * g_ms / (g_ms + h_ms);
        let extra_cpu = cpu_per_record(&cold) - cpu_per_record(&warm);
        assert!(
            (0.85 * expect..=1.0 * expect).contains(&extra_cpu),
            "{rate}/s: {extra_cpu:.1} µs more broker CPU a request, expected at most {expect:.1} \
             (a sleep of 1/rate less the request's own work) and within 15% of it"
        );
        if rate == 100.0 {
            extra_at_100 = extra_cpu;
        }
        // The wake-ups are on the request's path: its latency grows by that CPU.
        let extra_ms = cold.summary.publish_latency.p50_ms - warm.summary.publish_latency.p50_ms;
        assert!(
            (0.8 * extra_cpu / 1e3..=1.2 * extra_cpu / 1e3).contains(&extra_ms),
            "{rate}/s: p50 {extra_ms:.3} ms later for {extra_cpu:.1} µs more CPU on the path"
        );
    }
    let warm = run(&text, &[]);
    let cold = run(&text, &[&wake[0], &wake[1]]);
    let (a, b) = (cpu_per_record(&warm), cpu_per_record(&cold));
    assert!(
        b - a < 0.1 * extra_at_100,
        "flat out the threads sleep only between back-to-back requests: {b:.1} µs a request with \
         wake costs, {a:.1} without, against {extra_at_100:.1} more at 100/s"
    );
}

#[test]
fn a_follower_fetcher_that_slept_costs_more_cpu() {
    // RF 3, acks=all, one record every 5 ms: each follower's fetcher sleeps while the leader
    // long-polls its Fetch until the next record, then pays W · g / (g + h) to wake, once per
    // record (src/kafka/replication/fetcher.rs).
    let (w_us, h_ms, rate) = (300.0, 5.0, 200.0);
    let text = flat_out(1000, 1024, "[topic]\n\"replication.factor\" = 3\n")
        .replace(
            "layout = \"dedicated\"\n",
            "layout = \"dedicated\"\nbrokers = 3\n",
        )
        .replace(
            "acks = \"1\"\n",
            &format!("acks = \"all\"\n\"linger.ms\" = 0\nrate_per_s = {rate}\n"),
        );
    let follower_cpu_per_record = |out: &RunOutput| cpu_us_per_record(out, "broker 1");
    let warm = run(&text, &[]);
    let wake = wake_cost(w_us, h_ms);
    let cold = run(&text, &[&wake[0], &wake[1]]);
    let g_ms = 1000.0 / rate;
    let expect = w_us * g_ms / (g_ms + h_ms);
    let extra = follower_cpu_per_record(&cold) - follower_cpu_per_record(&warm);
    assert!(
        (0.8 * expect..=1.2 * expect).contains(&extra),
        "{extra:.1} µs more follower CPU a record, expected about {expect:.1} (one fetcher wake-up)"
    );
}

#[test]
fn a_broker_pauses_once_an_eden_of_its_requests_garbage() {
    // 5,000 single-record requests of 1 KiB at 500/s: each allocates broker.gc.request_kb
    // (13 KiB) plus its own bytes (about 1.2 KiB on the wire; src/kafka/jvm.rs), so a 10 MiB
    // eden fills about every 720 requests: 6 or 7 young collections of ~10 ms in 10 s, and the
    // records that arrive during one wait for its end.
    let text = flat_out(5000, 1024, "[broker]\n\"gc.young_every_mb\" = 10\n").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\nrate_per_s = 500\n",
    );
    let out = run(&text, &["broker.gc.request_kb=13"]);
    let eden = 10.0 * 1048576.0;
    let fills = |wire: f64| 5000.0 * (13.0 * 1024.0 + wire) / eden;
    let pauses = out.summary.gc_pauses[0] as f64;
    assert!(
        (fills(1024.0).floor()..=fills(1324.0).ceil()).contains(&pauses),
        "{pauses} young collections, expected {:.1}–{:.1}",
        fills(1024.0),
        fills(1324.0)
    );
    let lat = &out.summary.publish_latency;
    assert!(
        lat.p999_ms > lat.p50_ms + 2.0,
        "p99.9 {:.2} ms, p50 {:.2} ms: the pauses make a tail",
        lat.p999_ms,
        lat.p50_ms
    );
    // Without the fixed part, 5,000 requests' 6 MiB of bytes do not fill the eden: no tail.
    let bare = run(&text, &["broker.gc.request_kb=0"]);
    assert_eq!(bare.summary.gc_pauses[0], 0);
    let lat = &bare.summary.publish_latency;
    assert!(lat.p999_ms < lat.p50_ms + 0.5, "{lat:?}");
}

#[test]
fn a_leader_pays_for_its_followers_fetches_and_its_waiting_produces() {
    // RF 3, one partition, 5,000 single-record acks=all requests at 500/s, a 10 MiB eden. Per
    // record the leader handles one produce request (gc.request_kb + ~1.2 KiB of bytes), one
    // Fetch from each follower (gc.follower_fetch_kb each; a follower's fetch in purgatory
    // completes on the record's bytes) and one acks=all wait (gc.delayed_produce_kb).
    let base = flat_out(
        5000,
        1024,
        "[broker]\n\"gc.young_every_mb\" = 10\n\"gc.request_kb\" = 13\n[topic]\n\"replication.factor\" = 3\n\"min.insync.replicas\" = 2\n",
    )
    .replace(
        "acks = \"1\"\n",
        "acks = \"all\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\nrate_per_s = 500\n",
    )
    .replace("[cluster]\n", "[cluster]\nbrokers = 3\n");
    // KiB the leader allocated a record: its young collections × the 10 MiB eden / 5,000 records.
    let leader_kib_per_record = |sets: &[&str]| {
        let pauses = *run(&base, sets).summary.gc_pauses.iter().max().unwrap();
        pauses as f64 * 10.0 * 1024.0 / 5000.0
    };
    // (follower_fetch_kb, delayed_produce_kb, range): 13 + 2 × 27 + 3 = 70 KiB, and 13 + 2 × 14
    // = 41 as if a follower's Fetch cost what a consumer's does; plus ~1.3 KiB of request bytes
    // and the pauses' rounding.
    for (follower, delayed, range) in [(27, 3, 68.0..=75.0), (14, 0, 39.0..=46.0)] {
        let got = leader_kib_per_record(&[
            &format!("broker.gc.follower_fetch_kb={follower}"),
            &format!("broker.gc.delayed_produce_kb={delayed}"),
        ]);
        assert!(
            range.contains(&got),
            "{got:.1} KiB a record on the leader with follower_fetch_kb {follower} and delayed_produce_kb {delayed}, expected {range:?}"
        );
    }
}

#[test]
fn hosts_that_share_a_machine_share_its_cores() {
    // Single-record requests, 100 in flight, on 1-core hosts: the broker's CPU binds (0.46 s of
    // work for 20,000 requests) and its client host's is nearly as busy (0.41 s). On separate
    // machines (the dedicated layout) they work in parallel; as containers of one 1-core machine
    // (cluster.shared_cpu) their work together never exceeds that core: the run takes their sum.
    let text = flat_out(20_000, 100, "[host]\ncores = 1\n").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\n\"max.in.flight.requests.per.connection\" = 100\n\"enable.idempotence\" = false\n",
    );
    let cpu = |out: &RunOutput| -> (f64, f64) {
        let total: f64 = out.summary.hosts.iter().map(|h| h.cpu_s).sum();
        (total, out.summary.produce_s)
    };
    let apart = run(&text, &[]);
    let shared = run(&text, &["cluster.shared_cpu=true"]);
    let ((cpu_apart, span_apart), (cpu_shared, span_shared)) = (cpu(&apart), cpu(&shared));
    assert!(
        cpu_apart > 1.5 * span_apart,
        "apart, the two hosts use more than one core: {cpu_apart:.3} s of CPU in {span_apart:.3} s"
    );
    assert!(
        cpu_shared <= span_shared * 1.001 && cpu_shared > 0.95 * span_shared,
        "shared, one core kept busy: {cpu_shared:.3} s of CPU in {span_shared:.3} s"
    );
    assert!(
        (cpu_shared - cpu_apart).abs() < 0.02 * cpu_apart,
        "the same work either way: {cpu_shared:.3} s vs {cpu_apart:.3} s"
    );
    assert!(
        shared.summary.bottleneck.starts_with("CPU of the machine"),
        "{}",
        shared.summary.bottleneck
    );
    assert!(
        apart.summary.bottleneck.starts_with("CPU of broker 0"),
        "{}",
        apart.summary.bottleneck
    );
}

#[test]
fn woken_threads_that_wait_for_a_core_make_the_latency_tail() {
    // 20,000 single-record requests at 200/s, one broker: each wakes its network and its I/O
    // thread (2 wake-ups a record). With 2% of wake-ups waiting uniformly up to 4 ms
    // (hardware::WakeStall), 4% of records wait, 2 ms on average: the mean grows by
    // 2 · 0.02 · 2 ms = 0.08 ms, and the p99 record is the one whose wait 1% of records exceed:
    // P(wait > x) = 0.04 · (1 − x / 4 ms) = 0.01 at x = 3 ms. The median does not move.
    let text = flat_out(20_000, 1024, "").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\nrate_per_s = 200\n",
    );
    let calm = run(&text, &[]).summary.publish_latency;
    let stalled = run(
        &text,
        &["broker.wake_stall_ppm=20000", "broker.wake_stall_ms=4"],
    )
    .summary
    .publish_latency;
    assert!(
        (calm.p99_ms - calm.p50_ms).abs() < 0.01,
        "no waits, no tail: {calm:?}"
    );
    assert_eq!(
        stalled.p50_ms, calm.p50_ms,
        "the median record does not wait"
    );
    let tail = stalled.p99_ms - stalled.p50_ms;
    assert!(
        (2.6..=3.4).contains(&tail),
        "p99 − p50 {tail:.2} ms, expected about 3"
    );
    let mean = stalled.avg_ms - calm.avg_ms;
    assert!(
        (0.07..=0.09).contains(&mean),
        "mean wait per record {mean:.3} ms, expected 0.08"
    );
}

#[test]
fn threads_woken_soon_after_they_slept_never_wait_for_a_core() {
    // One single-record request in flight, flat out: the broker's network and I/O threads sleep
    // ~0.1 ms between requests, below `broker.wake_stall_after_ms` (1 ms by default), so the
    // same stalls as above leave the cycle alone. With the threshold at 0 every wake-up may
    // wait: 2 a record, 2% of them, 2 ms on average, 0.08 ms more per record.
    let text = flat_out(5_000, 1024, "").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\n\"max.in.flight.requests.per.connection\" = 1\n",
    );
    let stalls = ["broker.wake_stall_ppm=20000", "broker.wake_stall_ms=4"];
    // A record's cycle, ms: the run's span over its records.
    let cycle_ms = |sets: &[&str]| {
        let s = run(&text, sets).summary;
        s.produce_s * 1000.0 / s.records_produced as f64
    };
    let calm = cycle_ms(&[]);
    let soon = cycle_ms(&stalls);
    let always = cycle_ms(&[stalls[0], stalls[1], "broker.wake_stall_after_ms=0"]);
    assert!(
        calm < 0.5,
        "threads asleep well under 1 ms: {calm:.3} ms a record"
    );
    assert_eq!(soon, calm, "woken within 1 ms of sleeping: no waits");
    let more = always - calm;
    assert!(
        (0.06..=0.10).contains(&more),
        "every wake-up may wait: {more:.3} ms more per record, expected 0.08"
    );
}

#[test]
fn a_brokers_background_work_takes_its_share_of_a_quota() {
    // Single-record requests, 100 in flight, against a broker held to 0.2 core: its CPU binds.
    // 0.05 core of background work (a KRaft node's own) leaves 0.15 to the requests: the rate
    // falls to 3/4, and the broker's CPU per record does not change (the background is not a
    // request's).
    let text = flat_out(20_000, 100, "[host]\nbroker_cpu_quota_cores = 0.2\n").replace(
        "acks = \"1\"\n",
        "acks = \"1\"\n\"linger.ms\" = 0\n\"batch.num.messages\" = 1\n\"max.in.flight.requests.per.connection\" = 100\n\"enable.idempotence\" = false\n",
    );
    let alone = run(&text, &[]);
    let busy = run(&text, &["broker.background_cpu_cores=0.05"]);
    // The same background, 0.02 of it in the KRaft no-op bursts (10 ms every 500 ms, each the
    // same: over a run of a few periods, bursts drawn anew would not average out): the quota
    // loses the same share on average.
    let bursts = run(
        &text,
        &[
            "broker.background_cpu_cores=0.05",
            "broker.metadata_noop_cpu_us=10000",
            "broker.metadata_noop_cpu_spread=none",
        ],
    );
    let share = late_rate(&bursts) / late_rate(&busy);
    assert!(
        (share - 1.0).abs() < 0.03,
        "rate with a fifth of the background in bursts: {share:.3} of the steady one's"
    );
    assert!(
        alone.summary.bottleneck.starts_with("CPU of broker 0"),
        "{}",
        alone.summary.bottleneck
    );
    let ratio = late_rate(&busy) / late_rate(&alone);
    assert!(
        (ratio - 0.75).abs() < 0.02,
        "rate with 0.05 of 0.2 core taken: {ratio:.3} of the rate without (0.75)"
    );
    let (a, b) = (
        cpu_us_per_record(&alone, "broker 0"),
        cpu_us_per_record(&busy, "broker 0"),
    );
    assert!(
        (a - b).abs() < 0.01 * a,
        "CPU per record {b:.2} µs vs {a:.2} µs"
    );
}

#[test]
fn the_controllers_no_op_records_burst_every_brokers_cpu() {
    // Three brokers on one 2-core machine (cluster.shared_cpu), RF 3, acks=all at 500 records/s
    // for 20 s: every 500 ms (metadata.max.idle.interval.ms) each broker spends 6 ms of CPU on
    // the controller's no-op record on 4 threads, all at once. That CPU is counted: 3 · 6 ms
    // · 40 records of the metadata log more than without. It comes out of
    // broker.background_cpu_cores (0.03 cores, of which the bursts are 0.012): the steady
    // background left is 0.018 each (a_brokers_background_work_takes_its_share_of_a_quota checks
    // the sum). The median record, sent between bursts, does not move; the records sent during
    // a burst share the cores with its 12 threads and wait: the tail grows, but by no more than
    // the burst's 18 ms of CPU. (Each burst the same: broker.metadata_noop_cpu_spread = none;
    // drawn anew each period, the CPU is the same on average.)
    let text = "name = \"noop\"\n[cluster]\nlayout = \"dedicated\"\nbrokers = 3\nshared_cpu = true\n[host]\ncores = 2\n[broker]\nbackground_cpu_cores = 0.03\n\"gc.young_every_mb\" = 0\n[topic]\n\"replication.factor\" = 3\n[producer]\nrecords = 10000\nrate_per_s = 500\nacks = \"all\"\n\"linger.ms\" = 0\n[consumer]\ncount = 0\n";
    let calm = run(text, &[]);
    let sets = [
        "broker.metadata_noop_cpu_us=6000",
        "broker.metadata_noop_cpu_spread=none",
    ];
    let burst = run(text, &sets);
    let brokers_cpu_s = |out: &RunOutput| -> f64 {
        let hosts = out.summary.hosts.iter();
        hosts
            .filter(|h| h.name.starts_with("broker"))
            .map(|h| h.cpu_s)
            .sum()
    };
    let extra = brokers_cpu_s(&burst) - brokers_cpu_s(&calm);
    let ticks = (burst.summary.produce_s / 0.5).floor();
    assert!(
        (extra - 3.0 * 0.006 * ticks).abs() <= 3.0 * 0.006 * 1.5,
        "{extra:.4} s of CPU more, {ticks} no-op records of 3 · 6 ms"
    );
    let (c, b) = (
        &calm.summary.publish_latency,
        &burst.summary.publish_latency,
    );
    assert!(
        (b.p50_ms - c.p50_ms).abs() <= 0.02 * c.p50_ms,
        "the median record sent between bursts: {c:?} vs {b:?}"
    );
    assert!(
        b.p99_ms > 1.5 * c.p99_ms,
        "the records sent in a burst wait: {c:?} vs {b:?}"
    );
    assert!(
        b.max_ms <= c.max_ms + 18.0,
        "no record waits more than the bursts' 18 ms of CPU: {c:?} vs {b:?}"
    );
    // Exponential bursts: 3 · 40 draws, their mean within 25% of 6 ms (2.7 sd); a burst is at
    // most 4.2 times the mean (the table's last quantile).
    let spread = run(text, &["broker.metadata_noop_cpu_us=6000"]);
    let extra = brokers_cpu_s(&spread) - brokers_cpu_s(&calm);
    assert!(
        (extra / (3.0 * 0.006 * ticks) - 1.0).abs() < 0.25,
        "{extra:.4} s of CPU more with bursts drawn anew, {ticks} no-op records of 3 · 6 ms on average"
    );
    let s = &spread.summary.publish_latency;
    assert!(
        s.max_ms <= c.max_ms + 3.0 * 6.0 * 4.21,
        "no record waits more than the largest bursts' CPU: {c:?} vs {s:?}"
    );
}
