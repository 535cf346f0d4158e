//! The log's life: segments roll by size and time, retention deletes whole old segments below
//! the high watermark and never the active one, and a consumer that falls behind retention is
//! answered OFFSET_OUT_OF_RANGE and applies auto.offset.reset, its unread records counted as
//! deleted, not lost.

use kafkasim::checks::retention::problems;
use kafkasim::kafka::log::{LogBatch, PartitionLog, Retention};
use proptest::prelude::*;

/// One step on a log: append (records, bytes, ms later), move the HW, or a retention pass.
#[derive(Clone, Debug)]
enum Op {
    Append(u32, u32, u64),
    Hw(u64),
    Pass,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u32..20, 1u32..3000, 0u64..400).prop_map(|(r, b, ms)| Op::Append(r, b, ms)),
        2 => (0u64..=100).prop_map(Op::Hw),
        1 => Just(Op::Pass),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn retention_keeps_the_active_segment_and_stays_below_the_hw(
        segment_bytes in 100u64..10_000, roll_ms in prop::option::of(1u64..2000),
        time_ms in prop::option::of(0u64..3000), limit in prop::option::of(0u64..20_000),
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let ms = 1_000_000u64;
        let r = Retention { time_ns: time_ms.map(|t| t * ms), bytes: limit };
        let mut log = PartitionLog::new(segment_bytes);
        log.roll_ns = roll_ms.map_or(u64::MAX, |t| t * ms);
        let mut now = 0;
        for o in &ops {
            let kept: u64 = log.segments().map(|s| s.bytes).sum();
            prop_assert_eq!(log.size_bytes(), kept, "the size kept differs from the segments'");
            match *o {
                Op::Append(n, bytes, later) => {
                    now += later * ms;
                    log.append(now, LogBatch::plain(n, bytes, now));
                }
                Op::Hw(percent) => {
                    let (start, leo) = (log.hw(), log.leo());
                    log.set_hw(start + (leo - start) * percent / 100);
                }
                Op::Pass => {
                    let start = log.log_start();
                    let active = log.pass_shape(None).active;
                    let d = log.delete_old_segments(now, r);
                    let shape = log.pass_shape(active);
                    prop_assert!(problems(&shape).is_empty(), "{:?} after {ops:?}", problems(&shape));
                    prop_assert!(log.log_start() >= start, "the log start went back");
                    prop_assert_eq!(d.segments.is_empty(), log.log_start() == start && d.batches.is_empty() || d.segments.iter().all(|s| s.bytes == 0));
                    if let (Some(limit), true) = (limit, log.hw() == log.leo()) {
                        let oldest = log.segments().next().map_or(0, |s| s.bytes);
                        prop_assert!(log.size_bytes() < limit + oldest || log.segments().count() <= 1,
                            "{} bytes kept over a limit of {limit}", log.size_bytes());
                    }
                    if log.leo() > log.log_start() {
                        let read = log.read(log.log_start(), 1, log.leo());
                        prop_assert!(read.batches.first().is_some_and(|b| b.base_offset <= log.log_start()),
                            "the log start is not readable");
                    }
                }
            }
        }
    }
}

/// A paced producer, a slow group and a short retention: `partitions`, `consumers`,
/// retention.ms, segment.ms, auto.offset.reset, replication factor.
fn lagging(p: u32, c: u32, retention_ms: u32, segment_ms: u32, reset: &str, rf: u32) -> String {
    format!(
        "client = \"java\"\n[cluster]\nbrokers = {rf}\n[broker]\n\"log.retention.check.interval.ms\" = 500\n\"log.initial.task.delay.ms\" = 500\n\
         [topic]\npartitions = {p}\n\"replication.factor\" = {rf}\n\"retention.ms\" = {retention_ms}\n\"segment.ms\" = {segment_ms}\n\
         [producer]\nrecords = 20000\nrate_per_s = 2000.0\nvalue_bytes = 200\nkeys = \"random\"\n\
         [consumer]\ncount = {c}\nprocess_us_per_record = 800.0\n\"auto.offset.reset\" = \"{reset}\"\n\
         [run]\nmax_sim_time_s = 120.0\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn a_group_behind_retention_loses_only_deleted_records(
        p in 1u32..5, c in 1u32..4, retention_ms in 500u32..6000, segment_ms in 100u32..3000,
        earliest in any::<bool>(), rf in prop::sample::select(vec![1u32, 3]), seed in 0u64..1000,
    ) {
        let text = lagging(p, c, retention_ms, segment_ms, if earliest { "earliest" } else { "latest" }, rf);
        let out = super::run_text(&text, &[], seed);
        let s = &out.summary;
        let again = format!("seed {seed}, scenario:\n{text}");
        prop_assert!(out.violations.is_empty(), "{:?}\n{again}", out.violations);
        prop_assert_eq!(s.duplicates, 0, "{}", again);
        prop_assert_eq!(s.lost, 0, "{}", again);
        prop_assert!(s.records_consumed + s.storage.deleted_unread <= s.records_produced, "{}", again);
        if earliest {
            prop_assert_eq!(s.records_consumed + s.storage.deleted_unread, s.records_produced, "{}", again);
        }
    }
}

fn bundled() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/retention-lag.toml"
    ))
    .expect("bundled scenario")
}

#[test]
fn a_group_too_small_for_its_producers_loses_records_to_retention() {
    let text = bundled();
    let one = super::run_text(&text, &["consumer.count=1"], 1);
    let three = super::run_text(&text, &["consumer.count=3"], 1);
    let again = "kafkasim run scenarios/retention-lag.toml --set consumer.count=N --seed 1";
    let (s1, s3) = (&one.summary, &three.summary);
    assert!(
        one.violations.is_empty() && three.violations.is_empty(),
        "{again}"
    );
    assert!(
        s1.storage.deleted_unread > s1.records_produced / 2,
        "one consumer at a third of the rate loses most records: {} ({again})",
        s1.storage.deleted_unread
    );
    assert_eq!(
        s1.records_consumed + s1.storage.deleted_unread,
        s1.records_produced,
        "{again}"
    );
    assert!(s1.storage.stats.out_of_range_resets > 0, "{again}");
    assert_eq!(
        s3.storage.deleted_unread, 0,
        "three consumers keep up ({again})"
    );
    assert_eq!(s3.records_consumed, s3.records_produced, "{again}");
    assert!(
        s3.storage.stats.segments_deleted > 0,
        "retention still deletes what was read ({again})"
    );
}

#[test]
fn the_default_retention_deletes_nothing_and_schedules_no_pass() {
    let text = super::experiment_text();
    let out = super::run_text(&text, &[], 1);
    assert_eq!(out.summary.storage.stats.segments_deleted, 0);
    let short = super::run_text(
        &text,
        &["topic.retention.ms=-1", "topic.retention.bytes=-1"],
        1,
    );
    assert_eq!(
        out.summary.events, short.summary.events,
        "a 7-day retention adds no events to a short run"
    );
}
