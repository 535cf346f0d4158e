//! What an installed kafkasim gives a user besides runs (issue 16): completions, a man page,
//! the bundled scenarios as examples, help with examples.

use super::kafkasim;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F _kafkasim"),
        ("zsh", "#compdef kafkasim"),
        ("fish", "complete -c kafkasim"),
    ] {
        let o = kafkasim(&["completions", shell]);
        let text = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..text.len().min(300)]
        );
        assert!(
            text.contains("check") && text.contains("example"),
            "{shell}: subcommands"
        );
    }
    let o = kafkasim(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let man = stdout(&kafkasim(&["manpage"]));
    assert!(
        man.contains(".TH kafkasim 1") && man.contains("Exit codes"),
        "{man}"
    );
}

#[test]
fn every_bundled_scenario_is_an_example_that_runs_from_where_it_is_written() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    on_disk.sort();
    let mut known: Vec<String> = kafkasim::examples::EXAMPLES
        .iter()
        .chain(kafkasim::examples::NOT_EMBEDDED)
        .map(|(n, _)| n.to_string())
        .collect();
    known.sort();
    assert_eq!(on_disk, known, "scenarios/ and src/examples.rs disagree");
    for (name, text) in kafkasim::examples::EXAMPLES {
        let file = format!("{dir}/{name}.toml");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), *text, "{name}");
        assert!(stdout(&kafkasim(&["example"])).contains(name));
    }
    // Written elsewhere, an example runs; it is never written over an existing file.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mine.toml");
    let f = file.to_str().unwrap();
    let o = kafkasim(&["example", "scale-out", "--out", f]);
    assert_eq!(o.status.code(), Some(0));
    let o = kafkasim(&["run", f, "--no-plots", "--set", "producer.records=2000"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = kafkasim(&["example", "scale-out", "--out", f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("the file exists"), "{err}");
    let o = kafkasim(&["example", "classroom-cores"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("not embedded") && err.contains("accepted: "),
        "{err}"
    );
}

#[test]
fn help_shows_examples_and_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
    ] {
        let text = stdout(&kafkasim(&args));
        assert!(text.contains("Examples:\n  kafkasim "), "{args:?}: {text}");
    }
    let text = stdout(&kafkasim(&["--help"]));
    assert!(text.contains("3 a promised guarantee was broken"), "{text}");
}

fn stderr_of(args: &[&str]) -> String {
    String::from_utf8_lossy(&kafkasim(args).stderr).into_owned()
}

#[test]
fn traps_are_named_once_on_stderr() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    );
    let quick = [
        "--seeds",
        "1",
        "--no-plots",
        "--set",
        "producer.records=2000",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec!["run", file];
        args.extend(quick);
        args.extend(extra);
        stderr_of(&args)
    };
    let err = run(&["--vary", "producer.linger.ms=0,5"]);
    assert!(
        err.contains("--vary adds to the scenario's own [sweep] (topic.partitions, consumer.count, producer.keys): 54 point(s)"),
        "{err}"
    );
    let err = run(&["--only-vary", "--vary", "producer.linger.ms=0,5"]);
    assert!(
        !err.contains("warning") && err.contains(", 2 run(s)"),
        "{err}"
    );
    let err = run(&["--vary", "consumer.count=1"]);
    assert!(err.contains("--vary consumer.count replaces"), "{err}");
    let err = run(&[
        "--only-vary",
        "--vary",
        "consumer.count=2",
        "--set",
        "consumer.auto.offset.reset=latest",
    ]);
    assert_eq!(err.matches("they will read nothing").count(), 1, "{err}");
}

#[test]
fn a_producer_only_scenario_shows_what_the_producers_did() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/acks-replication.toml"
    );
    let o = kafkasim(&[
        "run",
        file,
        "--seeds",
        "1",
        "--no-plots",
        "--set",
        "producer.records=3000",
        "--set",
        "producer.acks=1",
        "--set",
        "producer.rate_per_s=0",
        "--set",
        "topic.replication.factor=1",
    ]);
    let text = stdout(&o);
    let header = text.lines().nth(1).unwrap_or("");
    assert!(
        header.contains("records/s") && header.contains("publish p99 ms"),
        "{text}"
    );
    assert!(!header.contains("consume_s"), "{text}");
}

#[test]
fn quiet_and_verbose_change_only_what_stderr_says() {
    let scen = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    );
    let args = [
        "run",
        scen,
        "--set",
        "seeds=1",
        "--only-vary",
        "--vary",
        "topic.partitions=1,2",
    ];
    let plain = kafkasim(&args);
    let mut quiet_args = args.to_vec();
    quiet_args.push("--quiet");
    let quiet = kafkasim(&quiet_args);
    let mut verbose_args = args.to_vec();
    verbose_args.push("--verbose");
    let verbose = kafkasim(&verbose_args);
    for o in [&plain, &quiet, &verbose] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(plain.stdout, quiet.stdout, "the results are the same");
    assert_eq!(plain.stdout, verbose.stdout);
    let err = |o: &Output| String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        err(&plain).contains("kafkasim: scenario"),
        "{}",
        err(&plain)
    );
    assert!(
        !err(&quiet).contains("kafkasim: scenario"),
        "{}",
        err(&quiet)
    );
    let ran = err(&verbose)
        .lines()
        .filter(|l| l.starts_with("kafkasim: ran "))
        .count();
    assert_eq!(ran, 2, "one line per run: {}", err(&verbose));
    // Not a terminal: no progress bar drawn.
    assert!(!err(&plain).contains("elapsed"), "{}", err(&plain));
}

#[test]
fn an_openmessaging_benchmark_workload_runs_and_gives_omb_results() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/omb");
    let workload = format!("{dir}/1-topic-16-partitions-1kb.yaml");
    let driver = format!("{dir}/kafka-driver.yaml");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = kafkasim(&[
        "run",
        "--omb-workload",
        &workload,
        "--omb-driver",
        &driver,
        "--format",
        "omb",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("not simulated: ") && err.contains("commonConfig"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["partitions"], 16);
    assert_eq!(v["messageSize"], 1024);
    for field in [
        "aggregatedPublishLatency50pct",
        "aggregatedPublishLatency99pct",
        "aggregatedEndToEndLatency50pct",
        "aggregatedEndToEndLatency99pct",
    ] {
        assert!(
            v[field].as_f64().is_some_and(|x| x > 0.0),
            "{field}: {}",
            v[field]
        );
    }
    let rates = v["publishRate"].as_array().unwrap();
    assert_eq!(rates.len(), 6, "a minute in 10 s windows");
    assert!(
        rates
            .iter()
            .all(|r| (r.as_f64().unwrap() - 50_000.0).abs() < 500.0),
        "{rates:?}"
    );
    // The scenario kafkasim made of it is written and runs as it is.
    assert!(std::fs::read_to_string(out.join("scenario.resolved.toml"))
        .unwrap()
        .contains("omb-topic-0"));
    // Bad input: --format omb needs OMB files; an OMB field of the wrong kind is named.
    let scen = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fan-out.toml");
    let o = kafkasim(&["run", scen, "--format", "omb"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format omb"));
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&workload)
            .unwrap()
            .replace("topics: 1", "topics: one"),
    )
    .unwrap();
    let o = kafkasim(&[
        "run",
        "--omb-workload",
        bad.to_str().unwrap(),
        "--omb-driver",
        &driver,
        "--out",
        tmp.path().join("o2").to_str().unwrap(),
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("bad.yaml: topics"), "{e}");
    assert!(!tmp.path().join("o2").exists());
}
