//! `kafkasim calibrate` without a broker: perf-test output in, profile and comparison out; bad
//! input refused clearly. (The run against a real broker is scripts/calibrate-e2e.sh, in CI.)

use super::kafkasim;
use std::time::{Duration, Instant};

const PRODUCER: &str = "\
# kafkasim: name=p1 topic.partitions=1 producer.records=50000
50000 records sent, 48001.536049 records/sec (4.58 MB/sec), 120.50 ms avg latency, 402.00 ms max latency, 110 ms 50th, 300 ms 95th, 380 ms 99th, 400 ms 99.9th.
50000 records sent, 51020.408163 records/sec (4.87 MB/sec), 110.10 ms avg latency, 380.00 ms max latency, 100 ms 50th, 280 ms 95th, 360 ms 99th, 378 ms 99.9th.
# kafkasim: name=p1-1k topic.partitions=1
20000 records sent, 15600.624025 records/sec (14.88 MB/sec), 300.00 ms avg latency, 700.00 ms max latency, 280 ms 50th, 600 ms 95th, 680 ms 99th, 700 ms 99.9th.
# kafkasim: name=p4 topic.partitions=4
50000 records sent, 61349.693252 records/sec (5.85 MB/sec), 80.00 ms avg latency, 300.00 ms max latency, 70 ms 50th, 200 ms 95th, 280 ms 99th, 299 ms 99.9th.
";

#[test]
fn perf_test_output_gives_a_profile_and_a_comparison_with_held_out_error() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("producer.txt");
    std::fs::write(&input, PRODUCER).unwrap();
    let out = tmp.path().join("cal");
    let o = kafkasim(&[
        "calibrate",
        "--from-perf-test",
        input.to_str().unwrap(),
        "--set",
        "host.cores=4",
        "--max-evals",
        "60",
        "--seeds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    for f in [
        "measurements.csv",
        "profile.toml",
        "comparison.csv",
        "comparison.txt",
        "comparison.png",
        "comparison.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} missing; {err}");
    }
    assert!(
        err.contains("held-out median |error| of throughput:") && err.contains("on 1 point(s)"),
        "{err}"
    );
    assert!(
        err.contains("warning: fitting") && err.contains("fewer points than parameters"),
        "{err}"
    );
    let zero = kafkasim(&[
        "calibrate",
        "--from-perf-test",
        input.to_str().unwrap(),
        "--max-evals",
        "0",
        "--out",
        tmp.path().join("zero").to_str().unwrap(),
    ]);
    let zerr = String::from_utf8_lossy(&zero.stderr);
    assert_eq!(zero.status.code(), Some(2), "{zerr}");
    assert!(zerr.contains("--max-evals") && zerr.contains('0'), "{zerr}");
    assert!(
        !tmp.path().join("zero").exists(),
        "nothing written for a refused flag"
    );
    let table = std::fs::read_to_string(out.join("comparison.txt")).unwrap();
    assert!(
        table.contains("p4/produce") && table.contains("held-out"),
        "{table}"
    );
    let profile = std::fs::read_to_string(out.join("profile.toml")).unwrap();
    assert!(profile.contains("\"cores\" = 4") && profile.contains("send_cpu_us_per_record"));
    // The measurements read back, and a scenario can include the profile.
    let again = tmp.path().join("again");
    let o = kafkasim(&[
        "calibrate",
        "--from-csv",
        out.join("measurements.csv").to_str().unwrap(),
        "--max-evals",
        "20",
        "--seeds",
        "1",
        "--no-plots",
        "--note",
        "machine: 2 core(s), the measured one",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A refit elsewhere names the machine measured, not the one refitting.
    let refit = std::fs::read_to_string(again.join("profile.toml")).unwrap();
    let machines: Vec<&str> = refit
        .lines()
        .filter(|l| l.starts_with("# machine: "))
        .collect();
    assert_eq!(
        machines,
        ["# machine: 2 core(s), the measured one"],
        "{refit}"
    );
    let sc = out.join("with-profile.toml");
    std::fs::write(
        &sc,
        "include = [\"profile.toml\"]\n[producer]\nrecords = 1000\n",
    )
    .unwrap();
    let o = kafkasim(&["run", sc.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_measurement_file_of_unknown_format_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("notes.txt");
    std::fs::write(&input, "hello\n").unwrap();
    let out = tmp.path().join("out");
    let o = kafkasim(&[
        "calibrate",
        "--from-perf-test",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("notes.txt") && err.contains("unknown format"),
        "{err}"
    );
    assert!(!out.join("profile.toml").exists());
    let o = kafkasim(&["calibrate", "--from-csv", input.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a kafkasim measurements.csv"), "{err}");
    let o = kafkasim(&["calibrate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// An unreachable broker (a closed port) fails clearly within 15 s — or, without the
/// `calibrate` feature, --bootstrap says how to get it.
#[test]
fn an_unreachable_broker_fails_clearly_within_15_s() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let t = Instant::now();
    let o = kafkasim(&[
        "calibrate",
        "--bootstrap",
        "127.0.0.1:1",
        "--plan",
        "small",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "took {:?}",
        t.elapsed()
    );
    if cfg!(feature = "calibrate") {
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("127.0.0.1:1") && err.contains("unreachable"),
            "{err}"
        );
    } else {
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("--features calibrate"), "{err}");
    }
}

#[test]
fn the_perf_test_lines_kafkasim_prints_are_read_back_with_the_tools_units() {
    // The tools' MB is 2^20 bytes: the record size read back from MB/sec over records/sec is
    // the scenario's (100-byte values), and every record produced and consumed is counted.
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    );
    let o = kafkasim(&[
        "run",
        file,
        "--seeds",
        "1",
        "--no-plots",
        "--set",
        "topic.partitions=1",
        "--set",
        "consumer.count=1",
        "--set",
        "producer.keys=none",
        "--set",
        "producer.records=20000",
    ]);
    let table = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{table}");
    let text = format!("# kafkasim: name=roundtrip topic.partitions=1\n{table}");
    let points = kafkasim::calibrate::perftest::parse(&text, "roundtrip.txt")
        .unwrap_or_else(|e| panic!("{e}\n{table}"));
    assert_eq!(points.len(), 2, "a produce and a consume point: {points:?}");
    for s in points.iter().flat_map(|p| &p.samples) {
        assert_eq!(s.records, 20_000, "{points:?}");
        let size = s.bytes as f64 / s.records as f64;
        assert!(
            (size - 100.0).abs() <= 1.0,
            "record size {size} from {table}"
        );
    }
}
