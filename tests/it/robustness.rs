//! Never panic, never hang, never eat the machine (issue 12): each class of input that once
//! panicked, blocked or allocated without bound has its regression test here. Failures print
//! the input that reproduces them.

use super::{kafkasim, stderr};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A small run of `text` (with `sets`): it must end cleanly — 0, 1 (a budget) or 2 (a conflict
/// between keys, with a message) — never a panic.
fn ends_cleanly(text: &str, sets: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--no-plots",
        "--format",
        "csv",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = kafkasim(&args);
    let err = stderr(&o);
    assert!(
        matches!(o.status.code(), Some(0..=2))
            && (o.status.code() != Some(2) || err.starts_with("error: "))
            && !err.contains("panicked"),
        "exit {:?} for {text:?} {sets:?}: {err}",
        o.status.code()
    );
    o
}

#[test]
fn time_values_at_the_top_of_their_range_mean_never_not_a_panic() {
    // Once: ≥ 1.8·10¹³ ms overflowed ms → ns and wrapped `now + delay` into the past.
    let base = "[producer]\nrecords = 2000\n[consumer]\ncount = 2\n[run]\nmax_sim_time_s = 20\n";
    let top = "2305843009213693951"; // the accepted maximum, i64::MAX / 4
    for key in [
        "consumer.heartbeat.interval.ms",
        "consumer.session.timeout.ms",
        "consumer.max.poll.interval.ms",
        "consumer.fetch.max.wait.ms",
        "consumer.retry.backoff.ms",
        "consumer.request.timeout.ms",
        "consumer.auto.commit.interval.ms",
        "consumer.fetch.queue.backoff.ms",
        "producer.linger.ms",
        "producer.retry.backoff.ms",
        "producer.request.timeout.ms",
        "producer.delivery.timeout.ms",
        "broker.group.initial.rebalance.delay.ms",
        "broker.replica.lag.time.max.ms",
        "broker.log.flush.interval.ms",
        "broker.log.retention.check.interval.ms",
        "broker.log.initial.task.delay.ms",
        "topic.retention.ms",
        "topic.segment.ms",
    ] {
        ends_cleanly(base, &[&format!("{key}={top}")]);
        ends_cleanly(base, &[&format!("{key}={top}"), "topic.retention.bytes=0"]);
    }
    // A heartbeat must stay below the session timeout: both far out, still no panic.
    let o = ends_cleanly(
        base,
        &[
            "consumer.heartbeat.interval.ms=1000000000000",
            &format!("consumer.session.timeout.ms={top}"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for event in [
        "at_ms = 2305843009213693951\naction = \"consumer.leave\"\nconsumer = 0",
        "at_ms = 100\naction = \"consumer.stall\"\nconsumer = 0\nduration_ms = 2305843009213693951",
        "at_ms = 100\naction = \"consumer.pause\"\nconsumer = 0\nduration_ms = 2305843009213693951",
        "at_ms = 100\naction = \"group.rolling_restart\"\ninterval_ms = 2305843009213693951\ndown_ms = 2305843009213693951",
        "at_ms = 2305843009213693951\naction = \"group.reset_offsets\"\nto = \"duration\"\nduration_ms = 2305843009213693951",
    ] {
        ends_cleanly(&format!("{base}[[events]]\n{event}\n"), &[]);
    }
    // Found by the fuzzer: the fifth consumer's stop at 4 × the top interval wrapped around.
    let five = base.replace("count = 2", "count = 5");
    let event = "at_ms = 4801\naction = \"group.rolling_restart\"\ninterval_ms = 2305843009213693951\ndown_ms = 0";
    ends_cleanly(&format!("{five}[[events]]\n{event}\n"), &[]);
}

#[test]
fn a_huge_thread_count_is_refused_naming_the_flag() {
    let o = kafkasim(&[
        "run",
        "scenarios/partitions-experiment.toml",
        "--threads",
        "100000",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--threads") && err.contains("100000") && err.contains("0..=256"),
        "{err}"
    );
}

#[test]
fn devices_and_fifos_are_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let inc = tmp.path().join("inc.toml");
    std::fs::write(&inc, "include = [\"/dev/zero\"]\n").unwrap();
    let fifo = tmp.path().join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = tmp.path().join("cal");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", inc.to_str().unwrap()], "/dev/zero"),
        (vec!["run", "/dev/zero"], "/dev/zero"),
        (vec!["run", fifo.to_str().unwrap()], "fifo.toml"),
        (
            vec![
                "calibrate",
                "--from-csv",
                "/dev/zero",
                "--out",
                out.to_str().unwrap(),
            ],
            "/dev/zero",
        ),
    ];
    for (args, name) in cases {
        let t = Instant::now();
        let o = kafkasim(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(name) && err.contains("not a regular file"),
            "{args:?}: {err}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}",
            t.elapsed()
        );
    }
}

#[test]
fn an_include_bomb_stops_at_the_file_limit() {
    // 14 levels, each file including the next three times: 3¹⁴ reads if nothing stopped it.
    let tmp = tempfile::tempdir().unwrap();
    for level in 0..14 {
        let next = format!("l{}.toml", level + 1);
        let text = format!("include = [\"{next}\", \"{next}\", \"{next}\"]\n");
        std::fs::write(tmp.path().join(format!("l{level}.toml")), text).unwrap();
    }
    std::fs::write(tmp.path().join("l14.toml"), "[producer]\nrecords = 10\n").unwrap();
    let t = Instant::now();
    let o = kafkasim(&["run", tmp.path().join("l0.toml").to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("more than 64 files"), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn an_oversized_sweep_is_refused_before_it_is_built() {
    // 1,000³ = 10⁹ points: building the grid first would exhaust memory.
    let list: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let list = list.join(",");
    let a = format!("producer.records={list}");
    let b = format!("producer.value_bytes={list}");
    let c = format!("consumer.process_us_per_record={list}");
    let t = Instant::now();
    let o = kafkasim(&[
        "run",
        "scenarios/partitions-experiment.toml",
        "--vary",
        &a,
        "--vary",
        &b,
        "--vary",
        &c,
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("at most 100000"), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn the_reproduce_command_carries_the_users_overrides_and_fails_the_same_way() {
    // Only the user's --set makes these runs fail: a reproduce command without it exits 0.
    let o = kafkasim(&[
        "run",
        "scenarios/partitions-experiment.toml",
        "--set",
        "run.max_sim_time_s=0.5",
        "--vary",
        "topic.partitions=2",
        "--seeds",
        "1",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let cmd = err
        .lines()
        .find_map(|l| l.split("reproduce with: ").nth(1))
        .and_then(|c| c.split(": ").next())
        .unwrap_or_else(|| panic!("no reproduce command in {err}"));
    assert!(cmd.contains("--set run.max_sim_time_s=0.5"), "{cmd}");
    assert!(cmd.contains("--set topic.partitions=2"), "{cmd}");
    let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    let again = kafkasim(&args);
    assert_eq!(again.status.code(), Some(1), "{cmd}: {}", stderr(&again));
    assert!(
        stderr(&again).contains("run.max_sim_time_s = 0.500"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_megabyte_key_is_named_not_echoed_and_an_unwritable_out_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, format!("{} = 1\n", "k".repeat(1_000_000))).unwrap();
    let o = kafkasim(&["run", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}", &err[..err.len().min(300)]);
    assert!(
        err.len() < 1000 && err.contains("(1000000 bytes)"),
        "{} bytes: {}",
        err.len(),
        &err[..err.len().min(300)]
    );
    std::fs::write(&file, "[producer]\nrecords = 10\n").unwrap();
    let o = kafkasim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        "/proc/kafkasim-cannot-be-here",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/proc/kafkasim-cannot-be-here"), "{err}");
}

/// The classroom scenario at 1 partition, 1 consumer, no key, one seed, into `out`, with `extra`.
fn classroom_point_into(out: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "scenarios/partitions-experiment.toml",
        "--set",
        "topic.partitions=1",
        "--set",
        "consumer.count=1",
        "--set",
        "producer.keys=none",
        "--seeds",
        "1",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kafkasim(&args)
}

#[test]
fn a_sweep_with_one_failing_point_writes_the_others_and_lists_the_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = classroom_point_into(&out, &["--vary", "run.max_sim_time_s=0.5,60"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("1 of 2 point(s) did not finish"), "{err}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(
        summary.lines().count(),
        2,
        "header + the point that finished: {summary}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.txt")).unwrap();
    assert!(
        manifest.contains("points: 1 finished, 1 failed") && manifest.contains("\nfailed.txt "),
        "{manifest}"
    );
    let failed = std::fs::read_to_string(out.join("failed.txt")).unwrap();
    assert!(
        failed.contains("--set run.max_sim_time_s=0.5")
            && failed.contains("--set topic.partitions=1"),
        "{failed}"
    );
    // A later run where everything finishes leaves no stale failed.txt behind.
    let o = classroom_point_into(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.join("failed.txt").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.txt")).unwrap();
    assert!(
        manifest.contains("points: 1 finished, 0 failed") && manifest.contains("\nsummary.csv "),
        "{manifest}"
    );
    // A rerun in which nothing finishes removes the manifest first: the outputs left are stale.
    let o = classroom_point_into(&out, &["--set", "run.max_sim_time_s=0.5"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !out.join("manifest.txt").exists(),
        "a failed run left a manifest"
    );
}

#[test]
fn a_model_that_cannot_fit_is_refused_before_it_is_built() {
    // Once: 10⁴ producers × 10⁵ partitions grew to 24 GB before the kernel killed kafkasim.
    let t = Instant::now();
    let o = ends_cleanly(
        "name = \"huge\"\n",
        &[
            "producer.count=10000",
            "topic.partitions=100000",
            "producer.records=1",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("run.max_memory_mb = 4096")
            && err.contains("10000 producer(s) × 100000 partition(s)"),
        "{err}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "refused in {:?}",
        t.elapsed()
    );
}

#[test]
fn a_run_stops_when_it_holds_more_than_its_memory_budget() {
    let o = ends_cleanly(
        "name = \"grows\"\n",
        &[
            "topic.partitions=1000",
            "producer.records=100000000",
            "run.max_memory_mb=32",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("more than run.max_memory_mb = 32"), "{err}");
}

#[test]
fn a_run_stops_at_its_wall_time_guard() {
    let t = Instant::now();
    let o = ends_cleanly(
        "name = \"long\"\n",
        &["producer.records=100000000", "run.max_wall_s=0.5"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("run.max_wall_s = 0.5 s"), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "stopped after {:?}",
        t.elapsed()
    );
}

#[test]
fn tiny_segments_with_huge_pages_and_thousands_of_partitions_stay_within_budgets() {
    // Once: 1-record segments on 2 MiB pages slowed down faster than linearly (per-page maps).
    for text in [
        "[broker]\n\"log.segment.bytes\" = 14\n[host]\npage_bytes = 2097152\n[producer]\nrecords = 20000\n",
        "[topic]\npartitions = 10000\n[consumer]\ncount = 4\n[producer]\nrecords = 20000\n",
    ] {
        kafkasim::experiment::untrusted::check(text).unwrap_or_else(|e| panic!("{e} for\n{text}"));
        let o = ends_cleanly(text, &["run.max_wall_s=20"]);
        assert_eq!(o.status.code(), Some(0), "{text}: {}", stderr(&o));
    }
}

#[test]
fn a_killed_run_leaves_no_manifest_and_the_next_run_clears_its_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(classroom_point_into(&out, &[]).status.code(), Some(0));
    assert!(out.join("manifest.txt").exists());
    // Killed (SIGKILL, no chance to clean up) while it runs: the manifest is already gone.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .args([
            "run",
            "scenarios/partitions-experiment.toml",
            "--set",
            "producer.records=100000000",
        ])
        .args(["--seeds", "1", "--out", out.to_str().unwrap()])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while out.join("manifest.txt").exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.join("manifest.txt").exists(),
        "a killed run's folder kept the manifest"
    );
    // What a kill in the middle of a write leaves: hidden temporary files.
    for stale in [".summary.csv.tmp", ".lag.4242.tmp.png", ".lag.4242.tmp.svg"] {
        std::fs::write(out.join(stale), b"half").unwrap();
    }
    let o = classroom_point_into(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "stale temporary files kept: {left:?}");
    assert!(out.join("manifest.txt").exists());
}

#[test]
fn a_what_if_runs_figures_name_its_overrides_in_their_captions() {
    // Once: a figure made with --set/--vary claimed to be the bundled scenario.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = kafkasim(&[
        "run",
        "scenarios/partitions-experiment.toml",
        "--seeds",
        "1",
        "--set",
        "producer.linger.ms=20",
        "--vary",
        "topic.partitions=1,4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("records-per-partition.svg")).unwrap();
    assert!(
        svg.contains(
            "scenario partitions-experiment (--set producer.linger.ms=20 --vary topic.partitions) · seed 1"
        ),
        "caption: {:?}",
        svg.find("kafkasim ·").map(|i| &svg[i..(i + 160).min(svg.len())])
    );
}

#[test]
fn a_sweeps_finished_runs_keep_within_their_share_of_the_memory_budget() {
    // 2 points × 3 seeds of 2,000 partitions under 64 MiB: each finished run may keep
    // 64 / 2 / 6 ≈ 5.3 MiB, less than the first run's series would take unthinned.
    let sets = [
        "topic.partitions=2000",
        "producer.records=4000",
        "run.max_memory_mb=64",
        "run.series_interval_ms=20",
        "seeds=3",
    ];
    let mut sc = kafkasim::scenario::Scenario::parse(&crate::experiment_text(), "test").unwrap();
    for s in sets {
        sc.apply_set(s).unwrap();
    }
    sc.apply_vary("consumer.count=1,2").unwrap();
    sc.apply_vary("producer.keys=random").unwrap();
    let out = kafkasim::experiment::run_all(&sc, 2).unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert_eq!(out.results.len(), 2);
    let share = (64u64 << 20) / 2 / 6;
    let rows = kafkasim::kafka::metrics::Metrics::series_rows_within(share);
    for r in &out.results {
        assert_eq!(r.config.budget.max_output_bytes, share);
        for (k, run) in r.runs.iter().enumerate() {
            let held = run.held_bytes();
            assert!(
                held <= share,
                "{} seed {}: {held} > {share}",
                r.point.name(),
                run.seed
            );
            let series =
                run.partition_series.len() + run.consumer_series.len() + run.host_series.len();
            if k == 0 {
                assert!(
                    series > 0 && series <= rows,
                    "{series} rows, at most {rows}"
                );
                // Thinned: fewer samples than the run's length over the interval.
                let last = run.partition_series.last().unwrap().time_ns;
                let samples = run.partition_series.len() / 2000;
                assert!(
                    (samples as u64) < last / 20_000_000,
                    "{samples} samples over {last} ns"
                );
            } else {
                assert_eq!(
                    series, 0,
                    "seed {} kept series only the first run writes",
                    run.seed
                );
            }
        }
    }
    // A share too small for even a summary fails the run, naming the budget.
    let mut run = out.results[0].runs[1].clone();
    let err = run.keep_within(false, 1024, 6).unwrap_err();
    assert!(
        matches!(err, kafkasim::engine::BudgetExceeded::Outputs { .. })
            && err.to_string().contains("run.max_memory_mb"),
        "{err}"
    );
}
