//! Property tests over random small scenarios: every run keeps Kafka's per-partition order,
//! loses no acknowledged record, gives each partition one owner per generation, reads every
//! record, and is reproducible from its seed.

use proptest::prelude::*;

fn scenario(
    client: &str,
    partitions: u32,
    consumers: u32,
    records: u32,
    keys: &str,
    linger_ms: u32,
    batch: u32,
    group: bool,
) -> String {
    format!(
        "client = \"{client}\"\n[topic]\npartitions = {partitions}\n[producer]\nrecords = {records}\nkeys = \"{keys}\"\n\"linger.ms\" = {linger_ms}\n\"batch.size\" = {batch}\n\
         [consumer]\ncount = {consumers}\nmode = \"{}\"\n\"auto.offset.reset\" = \"earliest\"\n[broker]\n\"group.initial.rebalance.delay.ms\" = 100\n",
        if group { "group" } else { "standalone" }
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold_in_random_scenarios(
        java in any::<bool>(), partitions in 1u32..7, consumers in 1u32..6, records in 1u32..4000,
        keys in prop::sample::select(vec!["none", "fixed", "random", "uniform", "zipf"]),
        linger_ms in 0u32..20, batch in prop::sample::select(vec![500u32, 4096, 16384, 100_000]),
        group in any::<bool>(), seed in 0u64..1_000_000,
    ) {
        let text = scenario(if java { "java" } else { "librdkafka" }, partitions, consumers, records, keys, linger_ms, batch, group);
        let a = super::run_text(&text, &[], seed);
        prop_assert!(a.violations.is_empty(), "seed {seed}: {:?}\nscenario:\n{text}", a.violations);
        prop_assert_eq!(a.summary.records_produced, records as u64);
        prop_assert_eq!(a.summary.records_consumed, records as u64, "seed {}, scenario:\n{}", seed, text);
        prop_assert_eq!(a.summary.partition_records.iter().sum::<u64>(), records as u64);
        let b = super::run_text(&text, &[], seed);
        prop_assert_eq!(a.summary, b.summary, "not reproducible from seed {}", seed);
    }
}

/// A random churn scenario: protocol, assignor, static membership, and a few consumer events.
fn churn_scenario(
    protocol: &str,
    strategy: &str,
    static_ids: bool,
    partitions: u32,
    consumers: u32,
    events: &[(u64, &str, u32, u64)],
) -> String {
    let mut s = format!(
        "client = \"java\"\n[topic]\npartitions = {partitions}\n[producer]\nrecords = 60000\nrate_per_s = 10000\nkeys = \"random\"\n\
         [consumer]\ncount = {consumers}\n\"auto.offset.reset\" = \"earliest\"\nprocess_us_per_record = 50.0\n\
         \"group.protocol\" = \"{protocol}\"\n\"partition.assignment.strategy\" = \"{strategy}\"\n\"group.instance.id\" = \"{}\"\n\
         \"session.timeout.ms\" = 6000\n\"heartbeat.interval.ms\" = 1000\n\
         [broker]\n\"group.initial.rebalance.delay.ms\" = 500\n\"group.consumer.heartbeat.interval.ms\" = 1000\n\"group.consumer.session.timeout.ms\" = 6000\n",
        if static_ids { "app" } else { "" }
    );
    let mut push = |at: u64, action: &str, c: u32| {
        s.push_str(&format!(
            "[[events]]\nat_ms = {at}\naction = \"{action}\"\nconsumer = {}\n",
            c % consumers
        ));
    };
    for &(at, action, c, down_ms) in events {
        push(at, action, c);
        if action != "consumer.join" {
            // Every consumer that stops comes back, so someone is left to read every record.
            push(at + down_ms, "consumer.restart", c);
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// Whatever the churn, protocol and assignor: order holds, no partition has two owners at
    /// once, no record acknowledged is lost (auto-commit after processing), and every record
    /// is read.
    #[test]
    fn group_invariants_hold_under_random_churn(
        protocol in prop::sample::select(vec!["classic", "consumer"]),
        strategy in prop::sample::select(vec!["range", "roundrobin", "sticky", "cooperative-sticky"]),
        static_ids in any::<bool>(), partitions in 1u32..9, consumers in 1u32..5,
        events in prop::collection::vec(
            (0u64..8000, prop::sample::select(vec!["consumer.leave", "consumer.crash", "consumer.join"]), 0u32..4, 0u64..3000),
            0..5),
        seed in 0u64..1000,
    ) {
        let text = churn_scenario(protocol, strategy, static_ids, partitions, consumers, &events);
        let out = super::run_text(&text, &[], seed);
        prop_assert!(out.violations.is_empty(), "seed {seed}: {:?}\nscenario:\n{text}", out.violations);
        prop_assert_eq!(out.summary.lost, 0, "seed {}, scenario:\n{}", seed, text);
        prop_assert_eq!(out.summary.records_consumed, 60_000 + out.summary.duplicates, "seed {}, scenario:\n{}", seed, text);
    }
}
