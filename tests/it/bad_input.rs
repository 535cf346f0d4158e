//! Bad input gets a clear message naming the key or flag, the value and what is accepted;
//! exit code 2; no panic; no output files.

use super::kafkasim;
use std::process::Command;

/// Run `text` as a scenario with `--out` into a fresh folder; expect exit 2 and `needles` in stderr.
fn rejects(text: &str, extra: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out_dir = tmp.path().join("out");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = kafkasim(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code for {text:?} {extra:?}; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(
        !out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none(),
        "output written despite the error"
    );
}

#[test]
fn malformed_toml_names_the_line() {
    rejects(
        "[topic\npartitions = 2\n",
        &[],
        &["not valid TOML", "line 1"],
    );
}

#[test]
fn unknown_key_suggests_the_nearest() {
    rejects(
        "[producer]\nlinger_ms = 5\n",
        &[],
        &[
            "unknown key `producer.linger_ms`",
            "did you mean `producer.linger.ms`",
        ],
    );
    rejects(
        "",
        &["--set", "topic.partition=3"],
        &["unknown key `topic.partition`", "topic.partitions"],
    );
}

#[test]
fn out_of_range_values_name_key_value_and_range() {
    rejects(
        "[topic]\npartitions = 0\n",
        &[],
        &["`topic.partitions` = 0", "from 1 to 100000"],
    );
    rejects(
        "[producer]\nrate_per_s = -5.0\n",
        &[],
        &["`producer.rate_per_s` = -5", "from 0 to"],
    );
    rejects(
        "[consumer]\ncount = 20000\n",
        &[],
        &["`consumer.count` = 20000", "from 0 to 10000"],
    );
    rejects(
        "",
        &["--set", "producer.acks=2"],
        &["`producer.acks` = 2", "one of 0, 1, all, -1"],
    );
    rejects(
        "",
        &["--vary", "topic.partitions=1,x"],
        &["`topic.partitions` = x", "whole number"],
    );
    // Kafka's segment.bytes is an int: a larger segment is refused, not simulated.
    rejects(
        "[broker]\n\"log.segment.bytes\" = 4294967296\n",
        &[],
        &[
            "`broker.log.segment.bytes` = 4294967296",
            "from 14 to 2147483647",
        ],
    );
}

#[test]
fn values_that_conflict_are_explained() {
    rejects(
        "[producer]\n\"batch.size\" = 2000000\n",
        &[],
        &[
            "producer.batch.size = 2000000",
            "producer.max.request.size = 1048576",
        ],
    );
    rejects(
        "[consumer]\n\"heartbeat.interval.ms\" = 50000\n",
        &[],
        &[
            "consumer.heartbeat.interval.ms = 50000",
            "session.timeout.ms = 45000",
        ],
    );
    rejects(
        "[consumer]\n\"partition.assignment.strategy\" = \"range,fancy\"\n",
        &[],
        &["`consumer.partition.assignment.strategy` = fancy", "range"],
    );
    rejects(
        "",
        &["--set", "linger.ms"],
        &["--set `linger.ms`: expected KEY=VALUE"],
    );
}

#[test]
fn a_missing_file_or_unwritable_directory_is_an_error() {
    let o = kafkasim(&["run", "/nonexistent/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("cannot read scenario file `/nonexistent/scenario.toml`"));
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let bad_out = blocker.join("out");
    let o = kafkasim(&[
        "run",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/disk-bottleneck.toml"
        ),
        "--out",
        bad_out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err.contains("--out") && err.contains("cannot create the output directory"),
        "{err}"
    );
}

#[test]
fn a_runaway_scenario_stops_at_its_budget_with_the_reproduce_command() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(
        &file,
        "[run]\nmax_events = 1000\n[producer]\nrecords = 1000000\n",
    )
    .unwrap();
    let o = kafkasim(&["run", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("run.max_events = 1000") && err.contains("reproduce with: kafkasim run"),
        "{err}"
    );
}

#[test]
fn bad_events_name_the_event_field_and_what_is_accepted() {
    rejects(
        "[[events]]\nat_ms = -10\naction = \"consumer.crash\"\nconsumer = 0\n",
        &[],
        &["events[0].at_ms", "-10", "≥ 0"],
    );
    rejects(
        "[consumer]\ncount = 2\n[[events]]\nat_ms = 10\naction = \"consumer.crash\"\nconsumer = 5\n",
        &[],
        &["events[0].consumer", "= 5", "from 0 to 1"],
    );
    rejects(
        "[[events]]\nat_ms = 10\naction = \"consumer.vanish\"\nconsumer = 0\n",
        &[],
        &["events[0].action", "consumer.vanish", "consumer.crash"],
    );
    rejects(
        "[[events]]\nat_ms = 10\naction = \"consumer.slow\"\nconsumer = 0\n",
        &[],
        &["events[0].process_us_per_record", "required"],
    );
    // The count is checked per sweep point: consumer 2 exists at count 3, not at count 2.
    rejects(
        "[[events]]\nat_ms = 10\naction = \"consumer.join\"\nconsumer = 2\n[sweep]\n\"consumer.count\" = [3, 2]\n",
        &[],
        &["events[0].consumer", "consumer.count = 2"],
    );
    rejects(
        "[consumer]\n\"group.protocol\" = \"eager\"\n",
        &[],
        &["consumer.group.protocol", "classic", "consumer"],
    );
    rejects(
        "[run]\ndescribe_at_ms = \"5s\"\n",
        &[],
        &["run.describe_at_ms", "milliseconds"],
    );
    // kafka-consumer-groups refuses to reset a group with members: consumer 1 never left.
    rejects(
        "[consumer]\ncount = 2\n[[events]]\nat_ms = 10\naction = \"consumer.leave\"\nconsumer = 0\n[[events]]\nat_ms = 20\naction = \"group.reset_offsets\"\nto = \"earliest\"\n",
        &[],
        &["events[1].action", "group.reset_offsets", "consumer 1 is still a member", "consumer.leave"],
    );
    rejects(
        "[[events]]\nat_ms = 20\naction = \"group.reset_offsets\"\nto = \"yesterday\"\n",
        &[],
        &["events[0].to", "yesterday", "datetime"],
    );
}

#[test]
fn replication_settings_that_cannot_work_are_refused() {
    rejects(
        "[topic]\n\"replication.factor\" = 3\n",
        &[],
        &[
            "topic.replication.factor = 3 is above cluster.brokers = 1",
            "InvalidReplicationFactorException",
        ],
    );
    rejects(
        "[cluster]\nbrokers = 3\n[topic]\n\"replication.factor\" = 2\n\"min.insync.replicas\" = 3\n",
        &[],
        &[
            "topic.min.insync.replicas = 3 is above topic.replication.factor = 2",
            "NOT_ENOUGH_REPLICAS",
        ],
    );
    rejects(
        "",
        &["--set", "topic.replication.factor=65"],
        &["`topic.replication.factor` = 65", "from 1 to 64"],
    );
}

#[test]
fn idempotence_conflicts_use_kafkas_own_words() {
    rejects(
        "[producer]\nacks = \"1\"\n\"enable.idempotence\" = true\n",
        &[],
        &[
            "producer.acks = 1 with producer.enable.idempotence = true",
            "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
        ],
    );
    rejects(
        "[producer]\n\"enable.idempotence\" = true\n\"max.in.flight.requests.per.connection\" = 6\n",
        &[],
        &[
            "producer.max.in.flight.requests.per.connection = 6",
            "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.",
        ],
    );
    rejects(
        "client = \"librdkafka\"\n[producer]\n\"enable.idempotence\" = true\n\"max.in.flight.requests.per.connection\" = 10\n",
        &[],
        &["`max.in.flight` must be set <= 5 when `enable.idempotence` is true"],
    );
    rejects(
        "client = \"librdkafka\"\n[producer]\n\"enable.idempotence\" = true\nacks = \"1\"\n",
        &[],
        &["`acks` must be set to `all` when `enable.idempotence` is true"],
    );
    rejects(
        "[producer]\n\"enable.idempotence\" = true\nretries = 0\n",
        &[],
        &["Must set retries to non-zero when using the idempotent producer."],
    );
    rejects(
        "[producer]\n\"delivery.timeout.ms\" = 1000\n",
        &[],
        &["delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"],
    );
}

#[test]
fn failure_events_must_name_existing_brokers() {
    rejects(
        "[cluster]\nbrokers = 3\n[[events]]\nat_ms = 100\naction = \"broker.crash\"\nbroker = 3\n",
        &[],
        &[
            "`events[0].broker` = 3",
            "a broker index from 0 to 2 (cluster.brokers = 3)",
        ],
    );
    rejects(
        "[cluster]\nbrokers = 2\nlayout = \"dedicated\"\n[[events]]\nat_ms = 100\naction = \"network.cut\"\nfrom = \"clients\"\nto = \"broker:7\"\nduration_ms = 10\n",
        &[],
        &["`events[0].to` = \"broker:7\"", "\"clients\" or \"broker:N\" with N from 0 to 1"],
    );
    rejects(
        "[[events]]\nat_ms = 100\naction = \"network.cut\"\nfrom = \"clients\"\nto = \"broker:0\"\nduration_ms = 10\n",
        &[],
        &["network.cut event needs cluster.layout = \"dedicated\""],
    );
    rejects(
        "[[events]]\nat_ms = 100\naction = \"requests.fail\"\nprobability = 1.5\nduration_ms = 10\n",
        &[],
        &["`events[0].probability` = 1.5", "from 0 to 1"],
    );
}

#[test]
fn hardware_settings_that_cannot_exist_are_refused() {
    rejects(
        "[host]\ndirty_background_ratio_pct = 30\ndirty_ratio_pct = 20\n",
        &[],
        &[
            "host.dirty_background_ratio_pct = 30",
            "above the hard dirty limit",
            "host.dirty_ratio_pct = 20",
        ],
    );
    rejects(
        "[host]\ndirty_ratio_pct = 101\n",
        &[],
        &["host.dirty_ratio_pct", "101", "0 to 100"],
    );
    rejects(
        "client = \"python\"\n",
        &[],
        &["client", "python", "confluent-kafka-python"],
    );
    rejects(
        "[consumer]\n\"fetch.queue.backoff.ms\" = -1\n",
        &[],
        &["consumer.fetch.queue.backoff.ms", "-1"],
    );
    rejects(
        "[host]\ndisk = \"floppy\"\n",
        &[],
        &["host.disk", "floppy", "gp3-250"],
    );
    rejects(
        "[network]\nnic_gbps = 0\n",
        &[],
        &["network.nic_gbps", "0.001"],
    );
    rejects(
        "[broker]\n\"log.dirs\" = 0\n",
        &[],
        &["broker.log.dirs", "1 to 64"],
    );
    rejects(
        "[cluster]\nclient_hosts = 2\n",
        &[],
        &["cluster.client_hosts = 2", "cluster.layout = \"dedicated\""],
    );
    rejects(
        "[cluster]\nlayout = \"dedicated\"\nclient_hosts = 2\n[producer]\ncount = 2\nhosts = \"0,5\"\n",
        &[],
        &["producer.hosts = \"0,5\"", "`5` is not a client host", "0 to 1"],
    );
    rejects(
        "[cluster]\nlayout = \"dedicated\"\n[consumer]\ncount = 2\nhosts = \"0\"\n",
        &[],
        &["consumer.hosts", "1 host(s) for 2"],
    );
}

#[test]
fn a_closed_or_full_standard_output_is_not_a_panic() {
    use std::process::Stdio;
    // `kafkasim config | head -0`: the reader is gone before kafkasim writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .arg("config")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // `kafkasim run … > /dev/full`: a clear error, exit 1, no panic.
    let full = std::fs::File::create("/dev/full").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .args(["config"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_fair_share_gate_needs_a_count_that_divides_the_partitions() {
    rejects(
        "[topic]\npartitions = 4\n[consumer]\ncount = 3\nfair_share_gate = true\n",
        &[],
        &[
            "consumer.fair_share_gate",
            "divides the group's 4 partitions",
        ],
    );
}

#[test]
fn a_shared_cpu_cannot_take_a_quota() {
    rejects(
        "[cluster]\nlayout = \"dedicated\"\nshared_cpu = true\n[host]\nbroker_cpu_quota_cores = 0.5\n",
        &[],
        &["cluster.shared_cpu", "host.broker_cpu_quota_cores"],
    );
}

#[test]
fn background_cpu_must_leave_the_brokers_some() {
    // A quota of 0.2 core cannot hold 0.25 core of background work.
    rejects(
        "[cluster]\nlayout = \"dedicated\"\n[host]\nbroker_cpu_quota_cores = 0.2\n[broker]\nbackground_cpu_cores = 0.25\n",
        &[],
        &["broker.background_cpu_cores = 0.25", "0.2 cores"],
    );
    // Three brokers on one 2-core machine: 3 × 0.7 = 2.1 cores.
    rejects(
        "[cluster]\nbrokers = 3\nlayout = \"single-host\"\n[host]\ncores = 2\n[broker]\nbackground_cpu_cores = 0.7\n",
        &[],
        &["broker.background_cpu_cores = 0.7", "2.1 of 2 cores", "every broker's"],
    );
}
