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
