//! Many topics, producers and consumer groups in one scenario: each group reads its whole
//! subscription on its own; topics are placed and assigned as Kafka does; bad lists are refused.

use super::kafkasim;
use crate::run_text;
use proptest::prelude::*;

/// Three topics, one producer each, and `groups` groups reading `subs` (topic lists).
fn scenario(partitions: [u32; 3], groups: &[(&str, u32, &str)], records: u64) -> String {
    let mut s = format!(
        "name = \"t\"\nclient = \"java\"\n[producer]\nrecords = {records}\nkeys = \"random\"\n\
         [consumer]\n\"auto.offset.reset\" = \"earliest\"\n"
    );
    for (i, n) in partitions.iter().enumerate() {
        s.push_str(&format!("[[topics]]\nname = \"t{i}\"\npartitions = {n}\n"));
        s.push_str(&format!(
            "[[producers]]\nname = \"p{i}\"\ntopic = \"t{i}\"\n"
        ));
    }
    for (id, count, topics) in groups {
        s.push_str(&format!(
            "[[groups]]\n\"group.id\" = \"{id}\"\ncount = {count}\ntopics = [{topics}]\n"
        ));
    }
    s
}

#[test]
fn every_group_reads_every_record_of_its_subscription_once() {
    let text = scenario(
        [1, 2, 4],
        &[
            ("all", 2, "\"t0\", \"t1\", \"t2\""),
            ("one", 1, "\"t2\""),
            ("two", 3, "\"t0\", \"t1\""),
        ],
        3000,
    );
    let out = run_text(&text, &[], 7);
    let s = &out.summary;
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    assert_eq!(s.records_produced, 9000);
    let read: Vec<(String, u64, u64)> = s
        .groups
        .iter()
        .map(|g| (g.group_id.clone(), g.records_consumed, g.lag_end))
        .collect();
    assert_eq!(
        read,
        vec![
            ("all".into(), 9000, 0),
            ("one".into(), 3000, 0),
            ("two".into(), 6000, 0)
        ],
        "seed 7; reproduce by running this scenario text"
    );
    assert_eq!(s.records_consumed, 18000);
    let topics: Vec<(String, u64)> = s
        .topics
        .iter()
        .map(|t| (t.name.clone(), t.records))
        .collect();
    assert_eq!(
        topics,
        vec![
            ("t0".into(), 3000),
            ("t1".into(), 3000),
            ("t2".into(), 3000)
        ]
    );
}

#[test]
fn a_group_of_one_consumer_per_topic_gets_one_partition_of_each_topic_with_range() {
    // Range assigns per topic: with three one-partition topics and three members, the first
    // member takes partition 0 of every topic and the others idle (Kafka's RangeAssignor).
    let text = scenario([1, 1, 1], &[("g", 3, "\"t0\", \"t1\", \"t2\"")], 200)
        + "[cluster]\nbrokers = 1\n";
    let owned = |assignor: &str| -> Vec<Vec<u32>> {
        let set = format!("consumer.partition.assignment.strategy={assignor}");
        let out = run_text(&text, &[&set], 1);
        out.summary
            .consumers
            .iter()
            .map(|c| c.partitions.clone())
            .collect()
    };
    assert_eq!(owned("range"), vec![vec![0, 1, 2], vec![], vec![]]);
    assert_eq!(owned("roundrobin"), vec![vec![0], vec![1], vec![2]]);
}

#[test]
fn the_single_topic_form_and_one_entry_of_each_list_run_alike() {
    let single = "name = \"t\"\n[topic]\npartitions = 3\n[producer]\nrecords = 2000\n[consumer]\ncount = 2\n";
    let lists = "name = \"t\"\n[producer]\nrecords = 2000\n[[topics]]\nname = \"test\"\npartitions = 3\n\
                 [[producers]]\ntopic = \"test\"\n[[groups]]\n\"group.id\" = \"kafkasim\"\ncount = 2\n";
    let (a, b) = (run_text(single, &[], 3), run_text(lists, &[], 3));
    assert_eq!(a.summary.consume_s, b.summary.consume_s);
    assert_eq!(a.summary.partition_records, b.summary.partition_records);
    assert_eq!(a.summary.records_consumed, b.summary.records_consumed);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Any topics and any subscriptions: with nothing failing every group reads each record of
    /// its topics exactly once, and the checkers find nothing.
    #[test]
    fn groups_read_their_topics_independently(
        parts in prop::array::uniform3(1u32..5),
        subs in prop::collection::vec((1u32..4, 1u8..8), 1..4),
        seed in 0u64..1000,
    ) {
        let groups: Vec<(String, u32, String)> = subs
            .iter()
            .enumerate()
            .map(|(i, &(count, mask))| {
                let topics: Vec<String> = (0..3)
                    .filter(|t| mask & (1 << t) != 0)
                    .map(|t| format!("\"t{t}\""))
                    .collect();
                (format!("g{i}"), count, topics.join(", "))
            })
            .collect();
        let refs: Vec<(&str, u32, &str)> =
            groups.iter().map(|(a, b, c)| (a.as_str(), *b, c.as_str())).collect();
        let text = scenario(parts, &refs, 400);
        let out = run_text(&text, &[], seed);
        prop_assert!(out.violations.is_empty(), "seed {seed}: {:?}\n{text}", out.violations);
        prop_assert_eq!(out.summary.groups.len(), subs.len());
        for ((_, _, mask), g) in subs.iter().zip(&groups).map(|(s, g)| (g, s)).map(|(g, s)| (g, s, s.1)).zip(&out.summary.groups) {
            let expected = 400 * mask.count_ones() as u64;
            prop_assert_eq!(g.records_consumed, expected, "seed {}: group {}\n{}", seed, g.group_id, text);
            prop_assert_eq!(g.lag_end, 0);
        }
    }
}

/// Bad lists: exit 2 with the entry, the key and what is accepted; nothing written.
#[test]
fn bad_lists_are_refused_by_name() {
    let cases: &[(&str, &[&str])] = &[
        ("[[topics]]\nname = \"a\"\n[[topics]]\nname = \"a\"\n", &["topics[1].name", "\"a\"", "TopicExistsException"]),
        ("[[topics]]\nname = \"a\"\n[[groups]]\n\"group.id\" = \"g\"\ntopics = [\"b\"]\n", &["groups[0].topics", "\"b\"", "\"a\""]),
        ("[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"nope\"\n", &["producers[0].topic", "\"nope\"", "UNKNOWN_TOPIC_OR_PARTITION"]),
        ("[[groups]]\n\"group.id\" = \"g\"\n[[groups]]\n\"group.id\" = \"g\"\n", &["groups[1].group.id", "\"g\""]),
        ("[[topics]]\nname = \"a\"\n[[topics]]\nname = \"b\"\n", &["producers", "topic = "]),
        ("[[topics]]\npartitions = 2\n", &["topics[0].name"]),
        ("[[producers]]\nlinger = 5\n", &["producers[0].linger", "linger.ms"]),
        ("[[topics]]\nname = \"a\"\n\"replication.factor\" = 3\n", &["[[topics]] entry 0 (\"a\")", "replication.factor = 3"]),
        ("[[groups]]\n\"group.id\" = \"g\"\n[[events]]\nat_ms = 1\naction = \"group.reset_offsets\"\nto = \"earliest\"\ngroup = \"h\"\n", &["events[0].group", "\"h\"", "\"g\""]),
    ];
    for (text, needles) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("s.toml");
        std::fs::write(&file, format!("name = \"bad\"\n{text}")).unwrap();
        let out_dir = tmp.path().join("out");
        let o = kafkasim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for n in *needles {
            assert!(err.contains(n), "{text}: stderr lacks {n:?}: {err}");
        }
        assert!(!out_dir.exists(), "{text}: output written");
    }
}

#[test]
fn each_topic_and_group_is_described_and_resolved_toml_runs_again() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scen = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fan-out.toml");
    let o = kafkasim(&["run", scen, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let describe = std::fs::read_to_string(out.join("describe.txt")).unwrap();
    for g in ["billing", "analytics", "audit"] {
        assert!(
            describe.lines().any(|l| l.starts_with(g)),
            "{g} missing:\n{describe}"
        );
    }
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        table.contains("groups: ") && table.contains("analytics"),
        "{table}"
    );
    let again = tmp.path().join("again");
    let resolved = out.join("scenario.resolved.toml");
    let o2 = kafkasim(&[
        "run",
        resolved.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(
        o2.status.success(),
        "{}",
        String::from_utf8_lossy(&o2.stderr)
    );
    assert_eq!(
        std::fs::read(out.join("summary.csv")).unwrap(),
        std::fs::read(again.join("summary.csv")).unwrap()
    );
}

#[test]
fn events_name_a_consumer_within_its_group() {
    // consumer 1 of group "b" is consumer 3 overall (a has 2): crashing it at 12 s, after both
    // groups formed, is a rebalance of b alone; a rolling restart of a restarts a's two
    // consumers and nobody else.
    let base = scenario([2, 2, 2], &[("a", 2, "\"t0\""), ("b", 2, "\"t1\"")], 40_000)
        .replace("records = 40000", "records = 40000\nrate_per_s = 2000.0");
    let crash = format!(
        "{base}[[events]]\nat_ms = 12000\naction = \"consumer.crash\"\nconsumer = 1\ngroup = \"b\"\n"
    );
    let out = run_text(&crash, &[], 5);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let rebalanced: Vec<u32> = out.summary.groups.iter().map(|g| g.rebalances).collect();
    assert_eq!(
        rebalanced,
        vec![1, 2],
        "only b rebalanced after its member's crash"
    );
    let restart = format!(
        "{base}[[events]]\nat_ms = 12000\naction = \"group.rolling_restart\"\ngroup = \"a\"\ninterval_ms = 1000\ndown_ms = 500\n"
    );
    let out = run_text(&restart, &[], 5);
    let rebalanced: Vec<u32> = out.summary.groups.iter().map(|g| g.rebalances).collect();
    assert!(rebalanced[0] > 1 && rebalanced[1] == 1, "{rebalanced:?}");
    let bad = format!(
        "{base}[[events]]\nat_ms = 1\naction = \"consumer.crash\"\nconsumer = 2\ngroup = \"a\"\n"
    );
    let sc = kafkasim::scenario::Scenario::parse(&bad, "bad").unwrap();
    let err = sc.resolve_all().unwrap_err().to_string();
    assert!(
        err.contains("events[0].consumer") && err.contains("0 to 1"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    /// A compacted topic under any key count, tombstone share, segment size and readers: every
    /// cleaning keeps each key's latest record (the compaction checker runs inside), every
    /// group reads every record the cleaner left, and the cleaner did remove records when keys
    /// repeat.
    #[test]
    fn a_compacted_topic_keeps_the_latest_record_of_every_key(
        keys in 1u64..400,
        tombstones in 0.0f64..0.3,
        segment_kib in 16u64..128,
        consumers in 0u32..3,
        seed in 0u64..1000,
    ) {
        let text = format!(
            "name = \"c\"\nclient = \"java\"\n[broker]\n\"log.segment.bytes\" = {}\n\"log.cleaner.backoff.ms\" = 200\n\
             [topic]\npartitions = 2\n\"cleanup.policy\" = \"compact\"\n\"delete.retention.ms\" = 300\n\
             [producer]\nrecords = 20000\nrate_per_s = 10000.0\nkeys = \"uniform\"\nkey_count = {keys}\ntombstone_ratio = {tombstones}\n\
             [consumer]\ncount = {consumers}\n\"auto.offset.reset\" = \"earliest\"\n",
            segment_kib * 1024
        );
        let out = run_text(&text, &[], seed);
        prop_assert!(out.violations.is_empty(), "seed {seed}: {:?}\n{text}", out.violations);
        let cleaner = out.summary.storage.cleaner;
        prop_assert!(cleaner.is_some_and(|c| c.records_removed > 0), "seed {seed}: {cleaner:?}\n{text}");
    }
}

#[test]
fn a_compacted_topic_refuses_records_without_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(
        &file,
        "name = \"c\"\n[topic]\n\"cleanup.policy\" = \"compact\"\n",
    )
    .unwrap();
    let o = kafkasim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("producer.keys")
            && err.contains("Compacted topic cannot accept message without key"),
        "{err}"
    );
}

#[test]
fn a_group_subscribes_by_pattern_and_an_event_names_producers_by_entry() {
    let text = "name = \"p\"\nclient = \"java\"\n[producer]\nrecords = 6000\nrate_per_s = 1000.0\n\
        [consumer]\n\"auto.offset.reset\" = \"earliest\"\n\
        [[topics]]\nname = \"orders-eu\"\npartitions = 2\n\"segment.bytes\" = 65536\n\
        [[topics]]\nname = \"orders-us\"\npartitions = 2\n[[topics]]\nname = \"audit\"\n\
        [[producers]]\nname = \"eu\"\ntopic = \"orders-eu\"\ncount = 2\n\
        [[producers]]\nname = \"us\"\ntopic = \"orders-us\"\n[[producers]]\nname = \"a\"\ntopic = \"audit\"\n\
        [[groups]]\n\"group.id\" = \"orders\"\ntopics_pattern = \"orders-.*\"\ncount = 2\n\
        [[events]]\nat_ms = 1000\naction = \"producer.rate\"\nname = \"eu\"\nrate_per_s = 0.0\n";
    let out = run_text(text, &["run.describe_at_ms=500"], 2);
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let g = &out.summary.groups[0];
    assert_eq!(
        g.topics,
        vec!["orders-eu".to_string(), "orders-us".to_string()]
    );
    assert_eq!(
        g.records_consumed, 18_000,
        "the two eu producers and the us one"
    );
    // The eu producers went flat out from 1 s; us kept 1,000/s for 6 s.
    let s = &out.summary;
    assert!(s.produce_s > 5.9, "{}", s.produce_s);
    let topic = out.topic_describes.concat();
    assert!(topic.contains("segment.bytes=65536"), "{topic}");
    // A pattern that matches nothing and an unknown entry name are refused by name.
    for (bad, needle) in [
        (
            text.replace("orders-.*", "nothing.*"),
            "groups[0].topics_pattern",
        ),
        (
            text.replace("name = \"eu\"\nrate_per_s", "name = \"xx\"\nrate_per_s"),
            "events[0].name",
        ),
    ] {
        let sc = kafkasim::scenario::Scenario::parse(&bad, "bad").unwrap();
        let err = sc.resolve_all().unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn log_append_time_stamps_records_when_the_leader_appends_them() {
    // Batches collect 2 s of records (linger.ms = 2 s, 1,000 records/s) and carry one
    // timestamp: created at 0, 2 and 4 s, appended at 2, 4 and 6 s. A reset --to-datetime 3 s
    // finds the first batch stamped at or after 3 s: by creation time the one created at 4 s
    // (offset 4,000), by append time the one appended at 4 s (offset 2,000).
    let text = |ts: &str| {
        format!(
            "name = \"ts\"\nclient = \"java\"\n[topic]\n\"message.timestamp.type\" = \"{ts}\"\n\
             [producer]\nrecords = 6000\nrate_per_s = 1000.0\n\"linger.ms\" = 2000\n\"batch.size\" = 1000000\n\
             [consumer]\ncount = 1\n\"auto.offset.reset\" = \"earliest\"\n[run]\ndescribe_at_ms = \"11000\"\n\
             [[events]]\nat_ms = 9000\naction = \"consumer.leave\"\nconsumer = 0\n\
             [[events]]\nat_ms = 10000\naction = \"group.reset_offsets\"\nto = \"datetime\"\ntimestamp_ms = 3000\n\
             [[events]]\nat_ms = 12000\naction = \"consumer.restart\"\nconsumer = 0\n"
        )
    };
    let offset = |ts: &str| -> u64 {
        let out = run_text(&text(ts), &[], 1);
        let view = out.describes.concat();
        let row = view
            .lines()
            .find(|l| l.starts_with("kafkasim"))
            .expect(&view)
            .to_string();
        row.split_whitespace().nth(3).unwrap().parse().expect(&row)
    };
    let (create, append) = (offset("CreateTime"), offset("LogAppendTime"));
    assert_eq!((create, append), (4000, 2000));
    assert!(
        append + 1500 <= create,
        "append-time reset {append} vs create-time {create}"
    );
}

#[test]
fn disk_usage_is_written_per_broker_and_per_topic() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(
        &file,
        "name = \"disk\"\n[cluster]\nbrokers = 3\nlayout = \"dedicated\"\n[producer]\nrecords = 3000\nrate_per_s = 3000.0\n\
         [[topics]]\nname = \"a\"\npartitions = 3\n\"replication.factor\" = 3\n\
         [[topics]]\nname = \"b\"\npartitions = 1\n\"retention.bytes\" = 100000\n\
         \"segment.bytes\" = 50000\n[broker]\n\"log.retention.check.interval.ms\" = 100\n\
         \"log.initial.task.delay.ms\" = 100\n\
         [[producers]]\ntopic = \"a\"\n[[producers]]\ntopic = \"b\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = kafkasim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["brokers.csv", "disk-per-broker.png", "log-size.png"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // Topic a has a replica on every broker and b one: at the end broker 0 holds more, and the
    // three brokers together hold a's data three times and b's once.
    let csv = std::fs::read_to_string(out.join("brokers.csv")).unwrap();
    let last: Vec<f64> = csv
        .lines()
        .rev()
        .take(3)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    let topic_mb = |t: &str| -> f64 {
        let line = table
            .lines()
            .find(|l| l.starts_with("topics:") && l.split_whitespace().nth(2) == Some(t))
            .expect(&table);
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    let total: f64 = last.iter().sum();
    let expect = 3.0 * topic_mb("a") + topic_mb("b");
    assert!(
        (total - expect).abs() < 0.01 * expect + 0.01,
        "{total} vs {expect}\n{csv}"
    );
}

#[test]
fn a_sparser_offset_index_makes_every_fetch_scan_further() {
    // translateOffset scans the log from the last index entry at or below the fetch offset:
    // with one entry per 4 KiB the scan is short; with one per GiB a fetch re-reads its
    // segment from the start (page-cache hits after the first read).
    let text = "name = \"idx\"\nclient = \"java\"\n[producer]\nrecords = 20000\nvalue_bytes = 1000\n\
                [consumer]\n\"auto.offset.reset\" = \"earliest\"\nstart_after_produce = true\ncache = \"cold\"\n";
    let hit = |interval: &str| {
        let out = run_text(
            text,
            &[&format!("broker.log.index.interval.bytes={interval}")],
            1,
        );
        assert!(out.violations.is_empty(), "{:?}", out.violations);
        out.summary.cache_hit_ratio
    };
    let (dense, sparse) = (hit("4096"), hit("1073741824"));
    assert!(
        sparse > 2.0 * dense,
        "dense index {dense}, a GiB between entries {sparse}"
    );
}
