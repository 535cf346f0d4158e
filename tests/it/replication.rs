//! Replication without failures: every replica ends with the same log, consumers read
//! everything, and acks=all costs a follower round trip more than acks=1.

use super::run_text;

const RF3: &str = r#"
name = "rf3"
[cluster]
brokers = 3
layout = "dedicated"
[topic]
partitions = 6
"replication.factor" = 3
"min.insync.replicas" = 2
[producer]
records = 50000
keys = "uniform"
[consumer]
count = 2
"auto.offset.reset" = "earliest"
[broker]
"group.initial.rebalance.delay.ms" = 0
"#;

fn repro(sets: &[&str], seed: u64) -> String {
    let s: String = sets.iter().map(|x| format!(" --set {x}")).collect();
    format!("(the RF3 scenario of tests/it/replication.rs) --seed {seed}{s}")
}

#[test]
fn a_replicated_topic_delivers_everything_in_order() {
    for seed in 1..4 {
        for acks in ["0", "1", "all"] {
            let set = format!("producer.acks={acks}");
            let sets = [set.as_str(), "producer.enable.idempotence=false"];
            let out = run_text(RF3, &sets, seed);
            assert!(
                out.violations.is_empty(),
                "{:?}\nreproduce: {}",
                out.violations,
                repro(&sets, seed)
            );
            assert_eq!(
                out.summary.records_consumed,
                50_000,
                "reproduce: {}",
                repro(&sets, seed)
            );
        }
        let out = run_text(RF3, &[], seed);
        assert!(
            out.violations.is_empty(),
            "{:?} (idempotent, seed {seed})",
            out.violations
        );
        assert_eq!(out.summary.records_consumed, 50_000);
    }
}

#[test]
fn acks_all_waits_for_the_followers() {
    for seed in 1..4 {
        let lat = |acks: &str| {
            let set = format!("producer.acks={acks}");
            let out = run_text(
                RF3,
                &[set.as_str(), "producer.enable.idempotence=false"],
                seed,
            );
            out.summary.publish_latency.p50_ms
        };
        let (one, all) = (lat("1"), lat("all"));
        // A follower learns of a batch from its next fetch (long-polled at the leader) and
        // reports it with the fetch after: at least two more network crossings.
        assert!(
            all > one + 0.2,
            "seed {seed}: acks=all p50 {all} ms vs acks=1 {one} ms"
        );
        let rf1 = run_text(
            RF3,
            &["topic.replication.factor=1", "topic.min.insync.replicas=1"],
            seed,
        );
        let rf3 = run_text(RF3, &[], seed);
        assert!(
            rf3.summary.publish_latency.p50_ms > rf1.summary.publish_latency.p50_ms,
            "seed {seed}: acks=all with RF 3 should cost more than with RF 1"
        );
    }
}

#[test]
fn a_replicated_run_is_reproducible() {
    let a = run_text(RF3, &[], 7);
    let b = run_text(RF3, &[], 7);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.partition_series, b.partition_series);
}
