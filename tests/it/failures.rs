//! Failures as scenario events: a leader crash and restart, transient produce errors, an
//! unclean election, a network cut. Each asserts what Kafka guarantees (or does not) over a
//! few seeds, printing the seed on failure.

use super::run_text;
use kafkasim::experiment::RunOutput;

/// Three brokers, RF 3, min ISR 2, a keyed producer at a steady rate, one consumer.
const BASE: &str = r#"
name = "failures"
[cluster]
brokers = 3
layout = "dedicated"
[topic]
partitions = 3
"replication.factor" = 3
"min.insync.replicas" = 2
[producer]
records = 60000
rate_per_s = 10000
keys = "uniform"
[consumer]
count = 1
"auto.offset.reset" = "earliest"
[broker]
"group.initial.rebalance.delay.ms" = 0
"#;

fn with(events: &str) -> String {
    format!("{BASE}\n{events}")
}

fn check(out: &RunOutput, what: &str, seed: u64, sets: &[&str]) {
    let sets: String = sets.iter().map(|s| format!(" --set {s}")).collect();
    assert!(
        out.violations.is_empty(),
        "{what}: {:?}\nseed {seed}{sets}",
        &out.violations[..out.violations.len().min(3)]
    );
}

const CRASH_LEADER: &str = r#"
[[events]]
at_ms = 2000
action = "broker.crash"
broker = 0
[[events]]
at_ms = 20000
action = "broker.restart"
broker = 0
"#;

#[test]
fn a_leader_crash_with_acks_all_loses_nothing_and_keeps_order() {
    for seed in 1..4 {
        let out = run_text(&with(CRASH_LEADER), &[], seed);
        check(
            &out,
            "idempotent acks=all through a leader crash",
            seed,
            &[],
        );
        let g = &out.summary.guarantees;
        assert!(g.leader_elections >= 1, "seed {seed}: no election: {g:?}");
        assert_eq!(out.summary.records_consumed, 60_000, "seed {seed}");
        assert_eq!((out.summary.lost, g.unclean_elections), (0, 0));
        assert!(
            out.summary.publish_latency.max_ms > 9_000.0,
            "seed {seed}: records waited for the controller's session timeout (9 s): max {} ms",
            out.summary.publish_latency.max_ms
        );
    }
}

const FAIL: &str = r#"
[[events]]
at_ms = 500
action = "requests.fail"
probability = 0.2
duration_ms = 1000
stage = "STAGE"
"#;

fn fail(stage: &str) -> String {
    with(&FAIL.replace("STAGE", stage))
}

#[test]
fn without_idempotence_retries_reorder_and_duplicate() {
    let plain = [
        "producer.enable.idempotence=false",
        "producer.max.in.flight.requests.per.connection=5",
    ];
    let (mut reordered, mut duplicated) = (0, 0);
    for seed in 1..4 {
        let lost_in = run_text(&fail("before_append"), &plain, seed);
        reordered += lost_in.summary.guarantees.reordered;
        let lost_out = run_text(&fail("after_append"), &plain, seed);
        duplicated += lost_out.summary.guarantees.log_duplicates;
        assert_eq!(
            lost_out.summary.lost, 0,
            "seed {seed}: retries lose nothing"
        );
    }
    assert!(
        reordered > 0,
        "a request lost before the append, retried after a later one, reorders"
    );
    assert!(
        duplicated > 0,
        "a response lost after the append makes the retry a duplicate"
    );
}

#[test]
fn idempotence_or_one_in_flight_keeps_per_key_order() {
    let mut retried = 0;
    for seed in 1..4 {
        for stage in ["before_append", "after_append", "either"] {
            let out = run_text(&fail(stage), &["producer.enable.idempotence=true"], seed);
            let g = &out.summary.guarantees;
            retried += g.retries;
            // Kafka's promise holds while the producer keeps its epoch: a batch given up (here
            // after 120 s of out-of-window retries) makes it bump the epoch and resend what was
            // in doubt under new sequence numbers, which may duplicate or reorder.
            if g.failed_records == 0 {
                check(&out, "idempotent producer, transient errors", seed, &[]);
                assert_eq!(
                    (g.log_duplicates, g.reordered),
                    (0, 0),
                    "seed {seed} {stage}"
                );
            }
            let sets = [
                "producer.enable.idempotence=false",
                "producer.max.in.flight.requests.per.connection=1",
            ];
            let one = run_text(&fail(stage), &sets, seed);
            assert_eq!(
                one.summary.guarantees.reordered, 0,
                "seed {seed} {stage}: {:?}",
                one.violations
            );
        }
    }
    assert!(retried > 0);
}

/// Two brokers: the follower crashes and drops out of the ISR; the leader goes on alone; then
/// the leader crashes just as the follower returns.
const UNCLEAN: &str = r#"
name = "unclean"
[cluster]
brokers = 2
layout = "dedicated"
[topic]
partitions = 1
"replication.factor" = 2
"min.insync.replicas" = 1
[producer]
records = 200000
rate_per_s = 10000
[consumer]
count = 1
"auto.offset.reset" = "earliest"
[broker]
"group.initial.rebalance.delay.ms" = 0
[[events]]
at_ms = 2000
action = "broker.crash"
broker = 1
[[events]]
at_ms = 15000
action = "broker.crash"
broker = 0
[[events]]
at_ms = 15000
action = "broker.restart"
broker = 1
[[events]]
at_ms = 30000
action = "broker.restart"
broker = 0
"#;

#[test]
fn an_unclean_election_loses_acknowledged_records_a_clean_one_waits() {
    let unclean = run_text(UNCLEAN, &["topic.unclean.leader.election.enable=true"], 1);
    let g = &unclean.summary.guarantees;
    assert_eq!(g.unclean_elections, 1, "{g:?}");
    // The leader alone took ~13 s of records (~130,000) the returning follower never copied.
    assert!(
        (100_000..140_000).contains(&unclean.summary.lost),
        "lost {} ({g:?})",
        unclean.summary.lost
    );
    assert!(unclean.violations.iter().any(|v| v.check == "no-loss"));
    let clean = run_text(UNCLEAN, &[], 1);
    check(
        &clean,
        "clean election (the partition waits offline)",
        1,
        &[],
    );
    assert_eq!(clean.summary.guarantees.offline_events, 1);
    assert_eq!(clean.summary.records_consumed, 200_000);
}

const CUT: &str = r#"
[[events]]
at_ms = 2000
action = "network.cut"
from = "clients"
to = "broker:0"
duration_ms = 3000
"#;

#[test]
fn a_network_cut_times_requests_out_and_they_are_retried() {
    for seed in 1..3 {
        let out = run_text(&with(CUT), &["producer.request.timeout.ms=2000"], seed);
        check(
            &out,
            "network cut",
            seed,
            &["producer.request.timeout.ms=2000"],
        );
        assert_eq!(out.summary.records_consumed, 60_000, "seed {seed}");
        assert!(out.summary.guarantees.retries > 0);
        assert!(out.summary.publish_latency.max_ms > 2_000.0);
    }
}

#[test]
fn a_slow_disk_slows_readers_that_miss_the_page_cache() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/disk-bottleneck.toml"
    ))
    .unwrap();
    let slow = format!(
        "{text}\n[[events]]\nat_ms = 0\naction = \"broker.slow_disk\"\nbroker = 0\nfactor = 4.0\nduration_ms = 600000\n"
    );
    let sets = ["consumer.count=1"];
    let base = run_text(&text, &sets, 1);
    let slowed = run_text(&slow, &sets, 1);
    check(&slowed, "slow disk", 1, &sets);
    let ratio = slowed.summary.consume_after_join_s / base.summary.consume_after_join_s;
    assert!(
        ratio > 2.0,
        "a disk 4x slower (cold cache, every read from disk) made reading only {ratio:.2}x slower"
    );
}
