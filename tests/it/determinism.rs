//! Same scenario and seed → byte-identical outputs, across runs and thread counts.

use std::path::Path;
use std::process::Command;

fn run_cli(out: &Path, threads: &str) {
    run_scenario("partitions-experiment", out, threads);
}

fn run_scenario(name: &str, out: &Path, threads: &str) {
    let file = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .args([
            "run",
            &file,
            "--seeds",
            "2",
            "--threads",
            threads,
            "--format",
            "csv",
            "--out",
        ])
        .arg(out)
        .output()
        .expect("kafkasim runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    run_cli(&a, "1");
    run_cli(&b, "2");
    run_cli(&c, "1");
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    assert!(
        fa.iter().any(|(n, _)| n == "summary.csv")
            && fa.iter().any(|(n, _)| n.ends_with(".png"))
            && fa.iter().any(|(n, _)| n.ends_with(".svg")),
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((na, da), (nb, db)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(da == db, "{na} differs between 1 and 2 threads");
    }
    assert_eq!(fa, fc, "a second run differs");
}

#[test]
fn a_scenario_with_events_and_timelines_is_byte_identical_across_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_scenario("protocol-churn", &a, "1");
    run_scenario("protocol-churn", &b, "2");
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.iter().any(|(n, _)| n.starts_with("timeline")),
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(fa.len(), fb.len());
    for ((na, da), (nb, db)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(da == db, "{na} differs between 1 and 2 threads");
    }
}

#[test]
fn a_different_seed_changes_the_draws() {
    let text = super::experiment_text();
    let sets = [
        "topic.partitions=4",
        "consumer.count=4",
        "producer.keys=random",
    ];
    let a = super::run_text(&text, &sets, 1);
    let b = super::run_text(&text, &sets, 2);
    assert_ne!(a.summary.partition_records, b.summary.partition_records);
    assert_eq!(a.summary, super::run_text(&text, &sets, 1).summary);
}

/// A replicated scenario with a broker crash and restart: outputs (including the topic
/// describe views, the replica time series and the failover plots) are identical across runs
/// and thread counts.
#[test]
fn replicated_failover_outputs_are_byte_identical_across_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path, threads: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
            .args([
                "run",
                concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/leader-failure.toml"),
                "--seeds",
                "2",
                "--set",
                "producer.records=300000",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir)
            .output()
            .expect("kafkasim runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    run(&a, "1");
    run(&b, "2");
    run(&c, "2");
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    for needed in [
        "describe-topic.txt",
        "replicas.csv",
        "leaders-per-broker-1.png",
        "isr-size-1.svg",
    ] {
        assert!(fa.iter().any(|(n, _)| n == needed), "{needed} missing");
    }
    assert_eq!(fa.len(), fb.len());
    for ((na, da), (nb, db)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(da == db, "{na} differs between 1 and 2 threads");
    }
    assert!(fb == fc, "a second run differs");
}
