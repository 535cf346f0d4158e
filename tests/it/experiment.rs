//! The classroom experiment's claims, asserted over a sweep of seeds.

use super::{experiment_text, repro, run_text};
use kafkasim::kafka::consumer::LIBRDKAFKA_RESET_QUERY_DELAY_NS;

const SEEDS: std::ops::Range<u64> = 1..11;

fn point(p: u32, c: u32, keys: &str, seed: u64) -> (kafkasim::experiment::RunOutput, String) {
    let sets = [
        format!("topic.partitions={p}"),
        format!("consumer.count={c}"),
        format!("producer.keys={keys}"),
    ];
    let sets: Vec<&str> = sets.iter().map(|s| s.as_str()).collect();
    let out = run_text(&experiment_text(), &sets, seed);
    assert!(
        out.violations.is_empty(),
        "violations {:?}\nreproduce: {}",
        out.violations,
        repro(&sets, seed)
    );
    assert_eq!(
        out.summary.records_consumed,
        100_000,
        "reproduce: {}",
        repro(&sets, seed)
    );
    (out, repro(&sets, seed))
}

#[test]
fn four_consumers_on_one_partition_read_no_faster_and_three_are_idle() {
    for seed in SEEDS {
        let (one, _) = point(1, 1, "none", seed);
        let (four, cmd) = point(1, 4, "none", seed);
        assert_eq!(four.summary.idle_consumers, 3, "reproduce: {cmd}");
        let ratio = four.summary.consume_after_join_s / one.summary.consume_after_join_s;
        assert!(
            (0.98..1.02).contains(&ratio),
            "after the group formed, 4 consumers took {ratio:.3}× the time of 1; reproduce: {cmd}"
        );
    }
}

#[test]
fn n_consumers_on_n_partitions_reach_close_to_n_times_one() {
    for seed in SEEDS {
        for n in [2u32, 4] {
            let (one, _) = point(n, 1, "random", seed);
            let (group, cmd) = point(n, n, "random", seed);
            // Every member first waits librdkafka's offset query delay (no committed offset),
            // once; the reading after it is what N partitions divide.
            let d = LIBRDKAFKA_RESET_QUERY_DELAY_NS as f64 / 1e9;
            let speedup =
                (one.summary.consume_after_join_s - d) / (group.summary.consume_after_join_s - d);
            assert!(
                speedup >= 0.85 * n as f64 && speedup <= n as f64 * 1.05,
                "{n} consumers on {n} partitions read {speedup:.2}× as fast as one, once \
                 started; reproduce: {cmd}"
            );
            assert_eq!(group.summary.idle_consumers, 0);
        }
    }
}

#[test]
fn join_takes_one_initial_delay_alone_and_two_in_a_group() {
    for seed in SEEDS {
        let (one, cmd1) = point(2, 1, "none", seed);
        let (two, cmd2) = point(2, 2, "none", seed);
        assert!(
            (3.0..3.05).contains(&one.summary.join_s),
            "lone consumer joined in {} s; reproduce: {cmd1}",
            one.summary.join_s
        );
        assert!(
            (6.0..6.05).contains(&two.summary.join_s),
            "group of 2 joined in {} s; reproduce: {cmd2}",
            two.summary.join_s
        );
    }
}

#[test]
fn a_fixed_key_puts_every_record_in_one_partition() {
    for seed in SEEDS {
        let (out, cmd) = point(4, 1, "fixed", seed);
        let used: Vec<_> = out
            .summary
            .partition_records
            .iter()
            .filter(|&&n| n > 0)
            .collect();
        assert_eq!(used, vec![&100_000], "reproduce: {cmd}");
    }
}

#[test]
fn random_keys_spread_evenly_in_every_run() {
    for seed in SEEDS {
        let (out, cmd) = point(4, 1, "random", seed);
        for &n in &out.summary.partition_records {
            assert!(
                (23_750..=26_250).contains(&n),
                "partition got {n} of 100,000 (±5% of 25,000 expected); reproduce: {cmd}"
            );
        }
    }
}

#[test]
fn null_keys_spread_evenly_over_seeds_though_sticky_runs_are_lumpy() {
    // librdkafka sticks to one partition per 10 ms window: ~40 windows per run, so one run is
    // lumpy; over 30 seeds (~1,200 windows) each share is 0.25 ± 0.0125 (1σ); ±20% is ~4σ.
    let seeds = 1..31;
    let mut totals = [0u64; 4];
    for seed in seeds.clone() {
        let (out, cmd) = point(4, 1, "none", seed);
        for (t, &n) in totals.iter_mut().zip(&out.summary.partition_records) {
            assert!(n > 0, "a partition got nothing; reproduce: {cmd}");
            *t += n;
        }
    }
    let runs = seeds.count() as u64;
    for t in totals {
        let share = t as f64 / (runs * 100_000) as f64;
        assert!(
            (0.20..0.30).contains(&share),
            "mean share {share:.3} over {runs} seeds (0.25 ± 20% expected); totals {totals:?}"
        );
    }
}

#[test]
fn latest_reset_skips_earlier_records_without_calling_them_lost() {
    let text = "[topic]\npartitions = 2\n[producer]\nrecords = 5000\n[consumer]\ncount = 2\nstart_after_produce = true\n";
    let out = run_text(text, &[], 1);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    assert_eq!(
        out.summary.records_consumed, 0,
        "latest starts at the log end"
    );
    // Producing at 500 records/s for 10 s while the group forms (≈ 6 s): only what comes after
    // the join is read, and nothing counts as lost.
    let out = run_text(
        text,
        &[
            "consumer.start_after_produce=false",
            "producer.rate_per_s=500",
        ],
        1,
    );
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let read = out.summary.records_consumed;
    assert!(
        (1500..2500).contains(&read),
        "read {read} of 5,000 records produced over 10 s"
    );
}

#[test]
fn a_producer_with_nothing_to_send_finishes_at_once() {
    let out = run_text(
        "[producer]\nrecords = 0\n[consumer]\ncount = 1\nstart_after_produce = true\n",
        &[],
        1,
    );
    assert_eq!(
        (out.summary.records_produced, out.summary.records_consumed),
        (0, 0)
    );
    assert!(
        out.summary.sim_end_s < 1.0,
        "ended at {} s",
        out.summary.sim_end_s
    );
}

#[test]
fn a_cold_hdd_makes_more_consumers_useless() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/disk-bottleneck.toml"
    ))
    .unwrap();
    for seed in 1..4 {
        let one = run_text(&text, &["consumer.count=1"], seed);
        let four = run_text(&text, &["consumer.count=4"], seed);
        assert!(one.violations.is_empty() && four.violations.is_empty());
        assert!(
            one.summary.cache_hit_ratio < 0.05,
            "cold cache: hit ratio {}",
            one.summary.cache_hit_ratio
        );
        let speedup = four.summary.consume_records_per_s_after_join
            / one.summary.consume_records_per_s_after_join;
        assert!(speedup < 1.5, "4 consumers on a cold HDD (4x if consumer-bound) went {speedup:.2}× faster; reproduce: kafkasim run scenarios/disk-bottleneck.toml --seed {seed} --seeds 1 --set consumer.count=4");
    }
}

#[test]
fn every_bundled_scenarios_resolved_toml_reads_back_as_the_same_scenario() {
    // Keys at their default are written commented out: a default that depends on other keys
    // (enable.idempotence under acks=1) must stay a default, or the file would not run.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let sc = kafkasim::scenario::Scenario::load(&f.to_string_lossy()).unwrap();
        let text = String::from_utf8(kafkasim::report::export::resolved_toml(&sc)).unwrap();
        let back = kafkasim::scenario::Scenario::parse(&text, "resolved")
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", f.display()));
        let points = |s: &kafkasim::scenario::Scenario| -> Vec<String> {
            let p = s
                .resolve_all()
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            p.iter().map(|(p, _)| p.config.to_toml()).collect()
        };
        assert_eq!(points(&sc), points(&back), "{}", f.display());
    }
}

#[test]
fn a_point_that_fails_on_its_first_seed_does_not_take_the_next_points_runs() {
    // Point 1 runs out of events on every seed; point 2 finishes both of its seeds.
    let mut sc = kafkasim::scenario::Scenario::parse(&experiment_text(), "test").unwrap();
    sc.sweep.clear();
    sc.apply_vary("run.max_events=1000,100000000").unwrap();
    sc.apply_set("seeds=2").unwrap();
    sc.apply_set("topic.partitions=1").unwrap();
    let out = kafkasim::experiment::run_all(&sc, 1).unwrap();
    assert_eq!(out.failed.len(), 1, "only the first point fails");
    assert_eq!(out.results.len(), 1);
    let r = &out.results[0];
    assert_eq!(r.point.name(), "run.max_events=100000000");
    let seeds: Vec<u64> = r.runs.iter().map(|run| run.seed).collect();
    assert_eq!(seeds, [r.config.seed, r.config.seed + 1]);
    assert!(r.runs.iter().all(|run| run.summary.records_consumed > 0));
}
