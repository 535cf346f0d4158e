//! Sweeps split over machines: `run --shard I/N` then `merge` gives what one machine gives,
//! byte for byte, and refuses a set of shards that is not one complete sweep.

use super::{kafkasim, stderr};
use std::path::{Path, PathBuf};

/// Every file under `dir`, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Run `sweep` on one machine into `one`, and as `n` shards merged (in reverse order) into
/// `merged`; both runs' stdout and exit code must agree.
fn one_and_merged(sweep: &[&str], n: u32, tmp: &Path, merge_flags: &[&str]) -> (PathBuf, PathBuf) {
    let (one, shards, merged) = (tmp.join("one"), tmp.join("shards"), tmp.join("merged"));
    let mut args = [
        &["run"],
        sweep,
        merge_flags,
        &["--out", one.to_str().unwrap()],
    ]
    .concat();
    let single = kafkasim(&args);
    let mut names = vec![];
    for i in 1..=n {
        let shard = format!("{i}/{n}");
        args = [
            &["run"],
            sweep,
            &["--shard", &shard, "--out", shards.to_str().unwrap()],
        ]
        .concat();
        let o = kafkasim(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "kafkasim {}: {}",
            args.join(" "),
            stderr(&o)
        );
        assert!(o.stdout.is_empty(), "a shard prints nothing on stdout");
        names.push(shards.join(format!("shard-{i}-of-{n}.shard")));
    }
    names.reverse();
    let names: Vec<&str> = names.iter().map(|p| p.to_str().unwrap()).collect();
    args = [
        &["merge"],
        &names[..],
        merge_flags,
        &["--out", merged.to_str().unwrap()],
    ]
    .concat();
    let joined = kafkasim(&args);
    assert_eq!(
        joined.status.code(),
        single.status.code(),
        "merge: {}\nsingle: {}",
        stderr(&joined),
        stderr(&single)
    );
    assert!(
        joined.stdout == single.stdout,
        "stdout differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&single.stdout),
        String::from_utf8_lossy(&joined.stdout)
    );
    (one, merged)
}

fn assert_same_files(one: &Path, merged: &Path) {
    let (a, b) = (files(one), files(merged));
    let names = |xs: &[(String, Vec<u8>)]| xs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between one machine and merged shards"
        );
    }
}

#[test]
fn merged_shards_write_the_bytes_one_machine_writes() {
    let tmp = tempfile::tempdir().unwrap();
    // 2 × 2 points × 2 seeds = 8 runs over 3 shards (3, 3 and 2); the points with a tiny
    // event budget fail, so failed.txt and the exit code 1 must come through as well.
    let sweep = [
        "scenarios/partitions-experiment.toml",
        "--vary",
        "topic.partitions=1,4",
        "--vary",
        "run.max_events=1000,100000000",
        "--only-vary",
        "--seeds",
        "2",
    ];
    let (one, merged) = one_and_merged(&sweep, 3, tmp.path(), &[]);
    assert!(one.join("failed.txt").exists(), "a point failed");
    assert!(files(&one).iter().any(|(n, _)| n.ends_with(".png")));
    assert_same_files(&one, &merged);
    let summary = std::fs::read_to_string(one.join("summary.csv")).unwrap();
    assert_eq!(
        summary.lines().count(),
        1 + 2 * 2,
        "two points × two seeds finished"
    );
}

#[test]
fn an_openmessaging_benchmark_run_merges_to_the_same_result_json() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = [
        "--omb-workload",
        "examples/omb/1-topic-16-partitions-1kb.yaml",
        "--omb-driver",
        "examples/omb/kafka-driver.yaml",
        "--set",
        "producer.records=20000",
        "--vary",
        "topic.partitions=4,16",
    ];
    let (one, merged) = one_and_merged(&sweep, 2, tmp.path(), &["--format", "omb", "--no-plots"]);
    assert_same_files(&one, &merged);
}

#[test]
fn more_shards_than_runs_leave_some_empty_and_still_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = [
        "scenarios/partitions-experiment.toml",
        "--set",
        "topic.partitions=2",
        "--set",
        "consumer.count=2",
        "--seeds",
        "2",
    ];
    let (one, merged) = one_and_merged(&sweep, 5, tmp.path(), &["--format", "json", "--no-plots"]);
    assert_same_files(&one, &merged);
}

#[test]
fn a_set_of_shards_that_is_not_one_complete_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let base = [
        "run",
        "scenarios/partitions-experiment.toml",
        "--set",
        "topic.partitions=1",
        "--set",
        "consumer.count=1",
        "--seeds",
        "3",
    ];
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let o = kafkasim(&[&base[..], &["--shard", &shard, "--out", dir]].concat());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let other = tmp.path().join("other");
    let o = kafkasim(
        &[
            &base[..],
            &[
                "--set",
                "producer.linger.ms=7",
                "--shard",
                "2/3",
                "--out",
                other.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = |i: u32| format!("{dir}/shard-{i}-of-3.shard");
    let alien = format!("{}/shard-2-of-3.shard", other.display());
    let junk = format!("{dir}/junk.shard");
    std::fs::write(&junk, "not a shard").unwrap();
    let cut = format!("{dir}/cut.shard");
    let bytes = std::fs::read(s(3)).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![s(1), s(3)], "2/3 missing"),
        (vec![s(1), s(2), s(2), s(3)], "both shard 2/3"),
        (vec![s(1), alien.clone(), s(3)], "another sweep"),
        (vec![s(1), s(2), junk.clone()], "not a kafkasim shard file"),
        (vec![s(1), s(2), cut.clone()], "damaged shard file"),
        (vec![format!("{dir}/absent.shard")], "absent.shard"),
    ];
    for (shards, needle) in cases {
        let args: Vec<&str> = std::iter::once("merge")
            .chain(shards.iter().map(|s| s.as_str()))
            .collect();
        let o = kafkasim(&args);
        let err = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "kafkasim {}: {err}",
            args.join(" ")
        );
        assert!(
            err.contains(needle),
            "kafkasim {}: wanted `{needle}` in: {err}",
            args.join(" ")
        );
    }
    // The complete set merges.
    let o = kafkasim(&["merge", &s(3), &s(1), &s(2)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_bad_shard_flag_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let scen = "scenarios/partitions-experiment.toml";
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/2000000"] {
        let o = kafkasim(&["run", scen, "--shard", bad, "--out", dir]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}: {err}");
        assert!(
            err.contains("--shard") && err.contains(bad),
            "--shard {bad}: {err}"
        );
    }
    // A shard needs a folder to write to, and draws and prints nothing itself.
    let o = kafkasim(&["run", scen, "--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
    let o = kafkasim(&[
        "run", scen, "--shard", "1/2", "--out", dir, "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        std::fs::read_dir(dir).unwrap().next().is_none(),
        "nothing written"
    );
}
