//! Property tests of Kafka's ordering and durability guarantees over random small replicated
//! scenarios with failures, and searches that must find (and shrink) a counterexample where
//! Kafka promises nothing. A counterexample is written as a scenario file; the test replays it
//! with `kafkasim run FILE --seed N` and checks the same violation comes back.

use super::run_text;
use kafkasim::experiment::RunOutput;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::fmt::Write;
use std::process::Command;

/// A failure in a generated scenario.
#[derive(Clone, Debug)]
pub enum Ev {
    Crash {
        at_ms: u64,
        broker: u32,
    },
    Restart {
        at_ms: u64,
        broker: u32,
    },
    Fail {
        at_ms: u64,
        permille: u32,
        duration_ms: u64,
        stage: &'static str,
    },
}

/// A small replicated scenario.
#[derive(Clone, Debug)]
pub struct Case {
    pub brokers: u32,
    pub rf: u32,
    pub min_isr: u32,
    pub partitions: u32,
    pub acks: &'static str,
    pub idempotence: bool,
    pub in_flight: u32,
    pub unclean: bool,
    pub latency_us: u32,
    pub records: u32,
    pub rate_per_s: u32,
    pub seed: u64,
    pub events: Vec<Ev>,
}

impl Case {
    /// The scenario file (the seed included).
    pub fn toml(&self) -> String {
        let mut s = format!(
            "name = \"counterexample\"\nseed = {}\nclient = \"java\"\n\n[cluster]\nbrokers = {}\nlayout = \"dedicated\"\n\n[network]\nlatency_us = {}\n\n\
             [topic]\npartitions = {}\n\"replication.factor\" = {}\n\"min.insync.replicas\" = {}\n\"unclean.leader.election.enable\" = {}\n\n\
             [producer]\nrecords = {}\nrate_per_s = {}\nkeys = \"uniform\"\nkey_count = 50\nacks = \"{}\"\n\"enable.idempotence\" = {}\n\
             \"max.in.flight.requests.per.connection\" = {}\n\n[consumer]\ncount = 1\n\"auto.offset.reset\" = \"earliest\"\n\n\
             [broker]\n\"group.initial.rebalance.delay.ms\" = 0\n",
            self.seed, self.brokers, self.latency_us, self.partitions, self.rf, self.min_isr, self.unclean,
            self.records, self.rate_per_s, self.acks, self.idempotence, self.in_flight
        );
        for e in &self.events {
            let _ = match e {
                Ev::Crash { at_ms, broker } => write!(s, "\n[[events]]\nat_ms = {at_ms}\naction = \"broker.crash\"\nbroker = {broker}\n"),
                Ev::Restart { at_ms, broker } => write!(s, "\n[[events]]\nat_ms = {at_ms}\naction = \"broker.restart\"\nbroker = {broker}\n"),
                Ev::Fail { at_ms, permille, duration_ms, stage } => write!(
                    s,
                    "\n[[events]]\nat_ms = {at_ms}\naction = \"requests.fail\"\nprobability = {}\nduration_ms = {duration_ms}\nstage = \"{stage}\"\n",
                    *permille as f64 / 1000.0
                ),
            };
        }
        s
    }

    pub fn run(&self) -> RunOutput {
        run_text(&self.toml(), &[], self.seed)
    }
}

fn stage() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["before_append", "after_append", "either"])
}

/// A crash of one broker (optionally restarted later) and a window of transient errors:
/// at most one broker down at a time.
fn failures(brokers: u32) -> impl Strategy<Value = Vec<Ev>> {
    (
        0..brokers,
        300u64..3000,
        prop::option::of(1000u64..15_000),
        prop::option::of((100u64..3000, 1u32..100, 100u64..2000, stage())),
    )
        .prop_map(|(broker, at_ms, restart_after, fail)| {
            let mut v = vec![Ev::Crash { at_ms, broker }];
            if let Some(d) = restart_after {
                v.push(Ev::Restart {
                    at_ms: at_ms + d,
                    broker,
                });
            }
            if let Some((at_ms, permille, duration_ms, stage)) = fail {
                v.push(Ev::Fail {
                    at_ms,
                    permille,
                    duration_ms,
                    stage,
                });
            }
            v
        })
}

/// Random small scenarios: 1–4 brokers, RF up to 3, 1–4 partitions, acks 1 or all, with or
/// without idempotence (≤ 5 in flight when on), a broker crash and transient errors.
fn any_case() -> impl Strategy<Value = Case> {
    (
        1u32..=4,
        1u32..=4,
        any::<bool>(),
        1u32..=5,
        any::<bool>(),
        100u32..2000,
        2000u32..6000,
        0u64..1000,
    )
        .prop_flat_map(
            |(brokers, partitions, idempotence, in_flight, acks_all, latency_us, records, seed)| {
                (1..=brokers.min(3), Just(())).prop_flat_map(move |(rf, _)| {
                    (1..=rf, failures(brokers)).prop_map(move |(min_isr, events)| Case {
                        brokers,
                        rf,
                        min_isr,
                        partitions,
                        acks: if idempotence || acks_all { "all" } else { "1" },
                        idempotence,
                        in_flight,
                        unclean: false,
                        latency_us,
                        records,
                        rate_per_s: 2000,
                        seed,
                        events,
                    })
                })
            },
        )
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..Config::default()
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        config(cases),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn explain(c: &Case, out: &RunOutput) -> String {
    format!(
        "seed {}: {:?}\nscenario:\n{}",
        c.seed,
        &out.violations[..out.violations.len().min(3)],
        c.toml()
    )
}

#[test]
fn idempotence_or_one_request_in_flight_keeps_per_key_order() {
    let cases = any_case().prop_map(|mut c| {
        if !c.idempotence {
            c.in_flight = 1;
        }
        c
    });
    runner(128)
        .run(&cases, |c| {
            let out = c.run();
            let broken: Vec<_> = out
                .violations
                .iter()
                .filter(|v| v.check == "key-order")
                .collect();
            prop_assert!(broken.is_empty(), "{}", explain(&c, &out));
            Ok(())
        })
        .unwrap();
}

#[test]
fn acks_all_with_min_isr_2_and_clean_elections_loses_nothing() {
    let cases = (
        3u32..=4,
        2u32..=3,
        any::<bool>(),
        1u32..=5,
        100u32..2000,
        2000u32..6000,
        0u64..1000,
    )
        .prop_flat_map(
            |(brokers, min_isr, idempotence, in_flight, latency_us, records, seed)| {
                failures(brokers).prop_map(move |events| Case {
                    brokers,
                    rf: 3,
                    min_isr,
                    partitions: 3,
                    acks: "all",
                    idempotence,
                    in_flight: if idempotence {
                        in_flight
                    } else {
                        in_flight.max(1)
                    },
                    unclean: false,
                    latency_us,
                    records,
                    rate_per_s: 2000,
                    seed,
                    events,
                })
            },
        );
    runner(128)
        .run(&cases, |c| {
            let out = c.run();
            prop_assert_eq!(out.summary.lost, 0, "{}", explain(&c, &out));
            prop_assert!(
                !out.violations
                    .iter()
                    .any(|v| v.check == "no-loss" || v.check == "below-hw"),
                "{}",
                explain(&c, &out)
            );
            Ok(())
        })
        .unwrap();
}

/// Search `cases` for a run where `holds` is false; the search must find one. The shrunk
/// counterexample is written as a scenario file, replayed with the CLI, and printed.
fn must_break(
    name: &str,
    cases: impl Strategy<Value = Case>,
    check: &'static str,
    holds: fn(&RunOutput) -> bool,
) {
    let result = runner(48).run(&cases, |c| {
        let out = c.run();
        if holds(&out) {
            Ok(())
        } else {
            Err(TestCaseError::fail(explain(&c, &out)))
        }
    });
    let c = match result {
        Err(TestError::Fail(_, c)) => c,
        other => panic!("{name}: no counterexample found ({other:?})"),
    };
    let out = c.run();
    let expected = out
        .violations
        .iter()
        .find(|v| v.check == check)
        .unwrap_or_else(|| {
            panic!(
                "{name}: the shrunk case shows no `{check}` violation:\n{}",
                c.toml()
            )
        });
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("counterexamples");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, c.toml()).unwrap();
    let replay = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--seed",
            &c.seed.to_string(),
            "--format",
            "json",
        ])
        .output()
        .expect("kafkasim runs");
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(
        stdout.contains(&serde_json::to_string(&expected.detail).unwrap()),
        "{name}: replaying {} did not show {:?}",
        file.display(),
        expected
    );
    println!(
        "{name}: counterexample (shrunk), replay with: kafkasim run {} --seed {}\n  {}: {}\n{}",
        file.display(),
        c.seed,
        expected.check,
        expected.detail,
        c.toml()
    );
}

#[test]
fn without_idempotence_retries_with_several_requests_in_flight_break_order() {
    let cases = (
        2u32..=5,
        1u32..=3,
        (100u64..2000, 10u32..300, 100u64..3000),
        0u64..1000,
    )
        .prop_map(
            |(in_flight, partitions, (at_ms, permille, duration_ms), seed)| Case {
                brokers: 1,
                rf: 1,
                min_isr: 1,
                partitions,
                acks: "all",
                idempotence: false,
                in_flight,
                unclean: false,
                latency_us: 100,
                records: 5000,
                rate_per_s: 5000,
                seed,
                events: vec![Ev::Fail {
                    at_ms,
                    permille,
                    duration_ms,
                    stage: "before_append",
                }],
            },
        );
    must_break("reorder-without-idempotence", cases, "key-order", |o| {
        o.summary.guarantees.reordered == 0
    });
}

#[test]
fn acks_1_loses_records_when_the_leader_dies_before_its_followers_copy_them() {
    let cases = (2u32..=3, 200u64..3000, 1000u32..20_000, 0u64..1000).prop_map(
        |(rf, at_ms, latency_us, seed)| Case {
            brokers: 3,
            rf,
            min_isr: 1,
            partitions: 1,
            acks: "1",
            idempotence: false,
            in_flight: 5,
            unclean: false,
            latency_us,
            records: 5000,
            rate_per_s: 2000,
            seed,
            events: vec![
                Ev::Crash { at_ms, broker: 0 },
                Ev::Restart {
                    at_ms: at_ms + 12_000,
                    broker: 0,
                },
            ],
        },
    );
    must_break("acks1-leader-crash", cases, "no-loss", |o| {
        o.summary.lost == 0
    });
}

#[test]
fn unclean_election_loses_acknowledged_records() {
    let cases = (500u64..2000, 10_000u64..14_000, 0u64..3000, 0u64..1000).prop_map(
        |(t1, gap, back, seed)| Case {
            brokers: 2,
            rf: 2,
            min_isr: 1,
            partitions: 1,
            acks: "all",
            idempotence: true,
            in_flight: 5,
            unclean: true,
            latency_us: 100,
            records: 20_000,
            rate_per_s: 1000,
            seed,
            events: vec![
                Ev::Crash {
                    at_ms: t1,
                    broker: 1,
                },
                Ev::Crash {
                    at_ms: t1 + gap,
                    broker: 0,
                },
                Ev::Restart {
                    at_ms: t1 + gap + back,
                    broker: 1,
                },
                Ev::Restart {
                    at_ms: t1 + gap + 20_000,
                    broker: 0,
                },
            ],
        },
    );
    must_break("unclean-election", cases, "no-loss", |o| {
        o.summary.lost == 0
    });
}
