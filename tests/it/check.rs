//! `kafkasim check` (issue 14): the search is deterministic, tells promised from expected
//! breaks, shrinks to a scenario that replays, and refuses what it cannot test. Failures print
//! the command that reproduces them.

use super::kafkasim;
use kafkasim::check::{self, faults::FaultKind, properties::Property, Plan};
use kafkasim::scenario::Scenario;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/guarantees-check.toml"
);

fn scenario(sets: &[&str]) -> Scenario {
    let mut sc = Scenario::load(FILE).unwrap();
    for s in sets {
        sc.apply_set(s).unwrap();
    }
    sc
}

fn plan(runs: u32, threads: usize, faults: &[FaultKind], properties: &[Property]) -> Plan {
    Plan {
        runs,
        seed: 7,
        properties: properties.to_vec(),
        threads,
        max_wall_s: None,
        faults: faults.to_vec(),
    }
}

fn repro(sets: &[&str], runs: u32, faults: &str) -> String {
    let s: String = sets.iter().map(|x| format!(" --set {x}")).collect();
    format!("kafkasim check scenarios/guarantees-check.toml{s} --seed 7 --runs {runs} --faults {faults}")
}

/// Each anomaly Kafka does not promise away under these settings: check finds it, says it
/// is expected, and shrinks it to a scenario that replays it from its text alone.
#[test]
fn check_finds_shrinks_and_replays_each_anomaly_the_configuration_allows() {
    let cases: [(&[&str], Property, FaultKind, &str); 4] = [
        (
            &[
                "producer.enable.idempotence=false",
                "producer.max.in.flight.requests.per.connection=2",
            ],
            Property::KeyOrder,
            FaultKind::RequestsFail,
            "requests-fail",
        ),
        (
            &["producer.acks=1"],
            Property::NoLoss,
            FaultKind::BrokerCrash,
            "broker-crash",
        ),
        (
            &[
                "topic.unclean.leader.election.enable=true",
                "topic.replication.factor=2",
                "topic.min.insync.replicas=1",
            ],
            Property::NoLoss,
            FaultKind::BrokerCrash,
            "broker-crash",
        ),
        (
            &[],
            Property::NoRedelivery,
            FaultKind::ConsumerCrash,
            "consumer-crash",
        ),
    ];
    for (sets, property, kind, faults) in cases {
        let mut all = sets.to_vec();
        all.push("producer.records=30000");
        let sc = scenario(&all);
        let cmd = repro(&all, 60, faults);
        let r = check::check(&sc, &plan(60, 0, &[kind], &[property]), &mut |_, _| {}).unwrap();
        let v = &r.verdicts[0];
        assert!(
            !v.promise.promised,
            "{} is not promised here: {cmd}",
            property.name()
        );
        assert!(v.broken_runs > 0, "{} never broke: {cmd}", property.name());
        assert!(!r.promise_broken(), "{cmd}");
        let cx = r.counterexample.expect("a counterexample");
        assert!(
            cx.events.len() <= cx.events_before && !cx.events.is_empty(),
            "{cmd}"
        );
        // The file replays: same property broken, from the text alone.
        let text = cx.file_text(&cmd);
        let replay = Scenario::parse(&text, "counterexample").unwrap();
        match check::run_once(&replay).unwrap() {
            check::Outcome::Finished(v) => assert!(
                !property.broken_by(&v).is_empty(),
                "the counterexample did not replay: {cmd}\n{text}"
            ),
            check::Outcome::Unfinished(e) => panic!("{cmd}: {e}"),
        }
    }
}

#[test]
fn the_search_and_its_shrink_are_the_same_at_any_thread_count() {
    let sets = ["producer.acks=1", "producer.records=6000"];
    let sc = scenario(&sets);
    let text = |threads| {
        let r = check::check(&sc, &plan(10, threads, &[], &[]), &mut |_, _| {}).unwrap();
        let broken: Vec<(u32, Option<u32>)> = r
            .verdicts
            .iter()
            .map(|v| (v.broken_runs, v.first))
            .collect();
        (broken, r.counterexample.map(|c| c.file_text("x")))
    };
    let one = text(1);
    assert!(one.1.is_some(), "{}", repro(&sets, 10, "all"));
    assert_eq!(one, text(2), "{}", repro(&sets, 10, "all"));
}

#[test]
fn acks_all_with_idempotence_keeps_every_promise_under_every_fault_kind() {
    let sets = ["producer.records=12000"];
    let sc = scenario(&sets);
    let kinds = kafkasim::check::faults::ALL;
    let r = check::check(&sc, &plan(24, 0, &kinds, &[]), &mut |_, _| {}).unwrap();
    let cmd = repro(
        &sets,
        24,
        "broker-crash,network-cut,slow-disk,consumer-crash,consumer-stall,requests-fail",
    );
    assert_eq!(r.runs_done, 24);
    for v in &r.verdicts {
        if v.property == Property::NoRedelivery {
            assert!(!v.promise.promised, "consumers are at-least-once: {cmd}");
            continue;
        }
        assert!(
            v.promise.promised,
            "{:?} should be promised: {cmd}",
            v.property
        );
        assert_eq!(v.broken_runs, 0, "{} broken: {cmd}", v.property.name());
    }
}

#[test]
fn a_broken_expectation_exits_3_with_a_counterexample_that_kafkasim_run_replays() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = [
        "check",
        FILE,
        "--set",
        "producer.acks=1",
        "--set",
        "expect.no_loss=yes",
        "--set",
        "producer.records=12000",
        "--property",
        "no-loss",
        "--faults",
        "broker-crash",
        "--runs",
        "16",
        "--seed",
        "7",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = kafkasim(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("PROMISED"), "{stdout}");
    assert!(
        stderr.contains("a promised guarantee was broken: no-loss")
            && stderr.contains("--property no-loss --faults broker-crash --seed 7 --runs 16"),
        "the reproduce command carries every flag: {stderr}"
    );
    let file = out.join("counterexample.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("# what broke:\n#   no-loss: "), "{text}");
    assert!(out.join("manifest.txt").exists() && out.join("summary.json").exists());
    // `run` replays it, byte for byte each time, and exits 3 too: the scenario promises what
    // the run broke.
    let o = kafkasim(&["run", file.to_str().unwrap(), "--format", "json"]);
    let again = kafkasim(&["run", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        o.stdout, again.stdout,
        "the counterexample replays differently"
    );
    let json = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(json.contains("\"check\": \"no-loss\""), "{json}");
    assert!(
        err.contains("no-loss at point `base`, seed ")
            && err.contains("reproduce with: kafkasim run "),
        "{err}"
    );
    // A later search into the same folder that finds nothing removes the old counterexample.
    let o = kafkasim(&[
        "check",
        FILE,
        "--set",
        "producer.records=6000",
        "--property",
        "partition-order",
        "--faults",
        "slow-disk",
        "--runs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!file.exists(), "a stale counterexample stayed");
}

#[test]
fn what_check_cannot_test_is_refused_naming_the_flag() {
    let sweep = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    );
    for (args, says) in [
        (vec!["check", sweep], "pick one with --set"),
        (
            vec!["check", FILE, "--property", "fast"],
            "--property `fast`: not a property; accepted: partition-order",
        ),
        (
            vec!["check", FILE, "--faults", "meteor"],
            "--faults `meteor`: not a fault kind",
        ),
        (
            vec![
                "check",
                FILE,
                "--set",
                "cluster.layout=single-host",
                "--faults",
                "network-cut",
            ],
            "--faults network-cut: this cluster cannot have it",
        ),
        (vec!["check", FILE, "--runs", "0"], "--runs"),
        (
            vec![
                "check",
                FILE,
                "--set",
                "producer.acks=0",
                "--set",
                "expect.no_loss=yes",
            ],
            "expect.no_loss = \"yes\" with producer.acks = 0",
        ),
        (vec!["check", FILE, "--max-wall-s=0"], "--max-wall-s"),
    ] {
        let o = kafkasim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn a_batch_given_up_after_later_ones_were_acknowledged_was_written_so_no_epoch_bump() {
    // What check first found (run 56 of `kafkasim check scenarios/guarantees-check.toml --runs
    // 200`): responses lost after the append half the time for 27 s. A batch retried until
    // delivery.timeout.ms fails, but later batches of its epoch were acknowledged, so the broker
    // had it: Java resolves the sequence (TransactionManager.maybeResolveSequences) and keeps
    // the epoch. Bumping it re-sent a retried batch under new sequences: in the log twice and
    // after newer records.
    let mut sc = scenario(&[
        "seed=389539678854148",
        "producer.records=7500",
        "consumer.count=1",
    ]);
    sc.base.events.push({
        let t: toml::Table = toml::from_str(
            "at_ms = 0\naction = \"requests.fail\"\nprobability = 0.47\nduration_ms = 27299\nstage = \"after_append\"",
        )
        .unwrap();
        kafkasim::scenario::events::RawEvent::from_toml(0, &t).unwrap()
    });
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    let out = kafkasim::experiment::simulate(&cfg, cfg.seed).unwrap();
    let g = &out.summary.guarantees;
    assert!(g.failed_records > 0, "the case needs a batch given up");
    assert_eq!(
        (g.log_duplicates, g.reordered),
        (0, 0),
        "{:?}",
        out.violations
    );
    assert!(out.violations.is_empty(), "{:?}", out.violations);
}
