//! Client libraries as they run: the start-up between an assignment and the first Fetch, which
//! partitions a Fetch names, and the broker's long poll on empty partitions. Timings are those
//! read from librdkafka (`rdkafka_assignment.c`, `rdkafka_offset.c`, `rdkafka_fetcher.c`,
//! `rdkafka_broker.c`) and the Java consumer (`OffsetFetcher`, `Fetcher`); see
//! `src/kafka/consumer/reset.rs` and `poll.rs`. Failures print the reproducing command.

use super::run_text;
use kafkasim::experiment::RunOutput;

/// One consumer reading 20,000 records produced beforehand to `partitions` partitions.
fn read_all(client: &str, partitions: u32, keys: &str, sets: &[&str]) -> (RunOutput, String) {
    let text = format!(
        "name = \"clients\"\nclient = \"{client}\"\n[cluster]\nlayout = \"single-host\"\n[host]\ncores = 4\n\
         [topic]\npartitions = {partitions}\n[producer]\nrecords = 20000\nvalue_bytes = 100\nkeys = \"{keys}\"\n\
         [consumer]\nstart_after_produce = true\n\"auto.offset.reset\" = \"earliest\"\n"
    );
    let out = run_text(&text, sets, 1);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let sets: String = sets.iter().map(|s| format!(" --set {s}")).collect();
    (
        out,
        format!("kafkasim run <scenario {text:?}>{sets} --seed 1"),
    )
}

#[test]
fn librdkafka_waits_fetch_wait_max_ms_when_its_first_fetch_names_only_an_empty_partition() {
    // The fixed key's records all land on one partition; librdkafka starts the partitions
    // highest first, each with its own ListOffsets, and its first Fetch names only the first
    // one answered. That one is empty, so the broker holds the Fetch for fetch.wait.max.ms.
    let (fixed, cmd) = read_all("librdkafka", 4, "fixed", &[]);
    let busy = fixed
        .summary
        .partition_records
        .iter()
        .position(|&n| n > 0)
        .unwrap();
    assert!(
        busy < 3,
        "the fixed key landed on the last partition: choose another key"
    );
    let (spread, _) = read_all("librdkafka", 4, "random", &[]);
    let extra = fixed.summary.consume_after_join_s - spread.summary.consume_after_join_s;
    assert!(
        (0.45..0.56).contains(&extra),
        "fixed key on 4 partitions reads {extra:.3} s slower than random keys; expected ≈ 0.5 s \
         (fetch.wait.max.ms); reproduce: {cmd}"
    );
    let (short, cmd) = read_all(
        "librdkafka",
        4,
        "fixed",
        &["consumer.fetch.max.wait.ms=100"],
    );
    let extra = short.summary.consume_after_join_s - spread.summary.consume_after_join_s;
    assert!(
        (0.05..0.16).contains(&extra),
        "with fetch.wait.max.ms = 100 the wait is {extra:.3} s; reproduce: {cmd}"
    );
}

/// When the first record was processed, s of simulated time (5 ms buckets).
fn first_record_s(out: &RunOutput) -> f64 {
    out.consumer_series
        .iter()
        .find(|x| x.records > 0)
        .expect("records read")
        .time_ns as f64
        / 1e9
}

#[test]
fn the_java_consumer_resets_every_partition_of_a_broker_in_one_request_and_reads_at_once() {
    // OffsetFetcher.resetPositionsIfNeeded: one ListOffsets per leader for all four
    // partitions; the first Fetch names them all and the one with data answers at once, where
    // librdkafka's first Fetch (the highest partition only, empty) waits fetch.wait.max.ms.
    // (Later, the Java consumer too sends Fetches naming only the empty partitions while the
    // busy one still has buffered records, and those wait: that is not what this checks.)
    let sets = ["run.series_interval_ms=5"];
    for (client, lo, hi) in [("java", -0.02, 0.02), ("librdkafka", 0.45, 0.56)] {
        let (fixed, cmd) = read_all(client, 4, "fixed", &sets);
        let (spread, _) = read_all(client, 4, "random", &sets);
        let later = first_record_s(&fixed) - first_record_s(&spread);
        assert!(
            (lo..hi).contains(&later),
            "{client}: the first record of a fixed-key topic arrives {later:.3} s later than with \
             random keys; expected {lo}..{hi} s; reproduce: {cmd}"
        );
    }
}

#[test]
fn librdkafka_leaves_a_full_partition_out_of_fetches_for_fetch_queue_backoff_ms() {
    // queued.min.messages = 2,000 with a slow application: once a Fetch leaves more than 2,000
    // records queued, librdkafka does not ask for that partition again for 1 s, even though
    // the application drains it in 0.2 s (rd_kafka_toppar_fetch_decide).
    let sets = [
        "consumer.queued.min.messages=2000",
        "consumer.process_us_per_record=20",
    ];
    let (backoff, cmd) = read_all("librdkafka", 1, "none", &sets);
    let mut no_backoff_sets = sets.to_vec();
    no_backoff_sets.push("consumer.fetch.queue.backoff.ms=0");
    let (none, _) = read_all("librdkafka", 1, "none", &no_backoff_sets);
    let (b, n) = (
        backoff.summary.consume_after_join_s,
        none.summary.consume_after_join_s,
    );
    // A Fetch brings about 8,700 records (1 MiB per partition), so 20,000 records take three
    // Fetches and wait out two backoffs of 1 s.
    assert!(
        (1.9..2.3).contains(&b) && n < 0.6,
        "after join: {b:.3} s with fetch.queue.backoff.ms = 1000, {n:.3} s without; expected \
         two backoffs of 1 s (3 Fetches of ≈ 8,700 records) against 20,000 × 20 µs = 0.4 s \
         (+ 0.1 s of offset query); \
         reproduce: {cmd}"
    );
}

#[test]
fn librdkafka_asks_for_the_start_offset_100_ms_after_the_assignment_java_at_once() {
    // rdkafka_offset.c, rd_kafka_offset_reset: a reset for want of a committed offset carries
    // an error, so the ListOffsets waits `err ? 100 : 0` ms on the offset query timer. The
    // course's Python consumers read their first record 110 ± 2 ms after the assignment
    // (plots/classroom-real/runs.csv); the Java consumer resets at once.
    let sets = ["run.series_interval_ms=1"];
    // Beyond the delay: the ListOffsets and Fetch round trips and parsing the first 1 MiB.
    for (client, lo, hi) in [("librdkafka", 0.100, 0.112), ("java", 0.0, 0.012)] {
        let (out, cmd) = read_all(client, 1, "none", &sets);
        let s = &out.summary;
        let last_record = out
            .consumer_series
            .iter()
            .filter(|x| x.records == s.records_consumed)
            .map(|x| x.time_ns)
            .min()
            .expect("every record read") as f64
            / 1e9;
        let assigned = last_record - s.consume_s + s.join_s;
        let startup = first_record_s(&out) - assigned;
        assert!(
            (lo..hi).contains(&startup),
            "{client}: first record {startup:.4} s after the assignment; expected {lo}..{hi} s; \
             reproduce: {cmd}"
        );
    }
}

#[test]
fn perf_test_pacing_sends_bursts_of_two_milliseconds_at_the_same_rate() {
    // 20,000 records/s with linger.ms 0: one record at a time makes batches of about one
    // record; kafka-producer-perf-test's throttler sends 40 (2 ms of them) back to back, then
    // sleeps, so batches hold many records, and the rate over the run stays the same.
    let text = "name = \"pacing\"\n[topic]\npartitions = 1\n[producer]\nrecords = 20000\n\
                rate_per_s = 20000\n\"linger.ms\" = 0\n[consumer]\ncount = 0\n";
    let per_record = run_text(text, &[], 1).summary;
    let sets = ["producer.pacing=perf-test"];
    let bursts = run_text(text, &sets, 1).summary;
    let repro =
        "kafkasim run <the text in tests/it/clients.rs> --seed 1 --set producer.pacing=perf-test";
    assert!(
        per_record.records_per_batch < 1.5,
        "{}",
        per_record.records_per_batch
    );
    assert!(
        bursts.records_per_batch > 10.0,
        "{} records per batch; reproduce: {repro}",
        bursts.records_per_batch
    );
    for s in [&per_record, &bursts] {
        let rate = s.records_produced as f64 / s.produce_s;
        assert!(
            (rate - 20_000.0).abs() < 400.0,
            "{rate} records/s; reproduce: {repro}"
        );
    }
    assert_eq!(kafkasim::scenario::resolve::perf_test_burst(20_000_000), 40);
    assert_eq!(
        kafkasim::scenario::resolve::perf_test_burst(300_000),
        1,
        "300 records/s: one at a time"
    );
}
