//! `group.reset_offsets`, as `kafka-consumer-groups --reset-offsets --execute` does it: the
//! committed offsets it writes are the ones the tool computes (checked against the describe
//! view the run writes), the group re-reads exactly what a reset sent it back over, and a
//! group with members is refused.

use proptest::prelude::*;

/// Committed offset per partition in the describe view taken at `t_s`.
fn offsets_at(describes: &[String], t_s: &str) -> Vec<u64> {
    let view = describes
        .iter()
        .find(|d| d.contains(&format!("At t = {t_s} s")))
        .unwrap_or_else(|| panic!("no describe view at {t_s} s"));
    view.lines()
        .filter(|l| l.starts_with("kafkasim "))
        .map(|l| l.split_whitespace().nth(3).unwrap().parse().unwrap())
        .collect()
}

/// One paced producer (1,000 records/s for `secs` s) into `partitions`, two consumers that stop
/// at `secs + 5` s, a reset at `+1` s (described at `+1.5` s), a restart at `+2` s.
fn replay(partitions: u32, secs: u64, reset: &str) -> String {
    let (stop, at, look, back) = (
        secs * 1000 + 5000,
        secs * 1000 + 6000,
        secs * 1000 + 6500,
        secs * 1000 + 7000,
    );
    format!(
        "client = \"java\"\n[topic]\npartitions = {partitions}\n[producer]\nrecords = {}\nrate_per_s = 1000.0\nkeys = \"random\"\n\
         [consumer]\ncount = 2\n\"auto.offset.reset\" = \"earliest\"\n[run]\ndescribe_at_ms = \"{look}\"\n\
         [[events]]\nat_ms = {stop}\naction = \"consumer.leave\"\nconsumer = 0\n[[events]]\nat_ms = {stop}\naction = \"consumer.leave\"\nconsumer = 1\n\
         [[events]]\nat_ms = {at}\naction = \"group.reset_offsets\"\n{reset}\n\
         [[events]]\nat_ms = {back}\naction = \"consumer.restart\"\nconsumer = 0\n[[events]]\nat_ms = {back}\naction = \"consumer.restart\"\nconsumer = 1\n",
        secs * 1000
    )
}

/// How the tool resets, and what it should give for a partition holding `leo` records that the
/// group had read and committed to the end, with records created at 1,000/s from time 0.
#[derive(Clone, Debug)]
enum To {
    Earliest,
    Latest,
    Current,
    Offset(u64),
    ShiftBy(i64),
    Datetime(u64),
}

impl To {
    fn toml(&self) -> String {
        match self {
            To::Earliest => "to = \"earliest\"".into(),
            To::Latest => "to = \"latest\"".into(),
            To::Current => "to = \"current\"".into(),
            To::Offset(o) => format!("to = \"offset\"\noffset = {o}"),
            To::ShiftBy(d) => format!("to = \"shift-by\"\noffset = {d}"),
            To::Datetime(ms) => format!("to = \"datetime\"\ntimestamp_ms = {ms}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn reset_offsets_are_the_tools_and_the_group_rereads_exactly_them(
        partitions in 1u32..5, secs in 2u64..8, seed in 0u64..1000,
        to in prop_oneof![
            Just(To::Earliest), Just(To::Latest), Just(To::Current),
            (0u64..5000).prop_map(To::Offset), (-3000i64..3000).prop_map(To::ShiftBy),
            (0u64..9000).prop_map(To::Datetime),
        ],
    ) {
        let text = replay(partitions, secs, &to.toml());
        let out = super::run_text(&text, &[], seed);
        let again = format!("seed {seed}, scenario:\n{text}");
        prop_assert!(out.violations.is_empty(), "{:?}\n{again}", out.violations);
        prop_assert!(out.summary.refused_events.is_empty(), "{:?}\n{again}", out.summary.refused_events);
        let look = format!("{:.3}", (secs * 1000 + 6500) as f64 / 1000.0);
        let got = offsets_at(&out.describes, &look);
        let leo = &out.summary.partition_records;
        prop_assert_eq!(got.len(), leo.len());
        let mut rewound = 0;
        for (p, (&g, &end)) in got.iter().zip(leo).enumerate() {
            let want = match to {
                To::Earliest => Some(0),
                To::Latest | To::Current => Some(end),
                To::Offset(o) => Some(o.min(end)),
                To::ShiftBy(d) => Some(end.saturating_add_signed(d).min(end)),
                To::Datetime(_) => None,
            };
            if let Some(w) = want {
                prop_assert_eq!(g, w, "partition {}\n{}", p, again);
            }
            prop_assert!(g <= end);
            rewound += end - g;
        }
        if let To::Datetime(ms) = to {
            // Records are created at 1,000/s: those before the time number about `ms`.
            let before = leo.iter().sum::<u64>() - rewound;
            let expect = ms.min(secs * 1000);
            prop_assert!(before.abs_diff(expect) <= 10 * partitions as u64, "{before} records before {ms} ms, expected about {expect}\n{again}");
        }
        prop_assert_eq!(out.summary.duplicates, rewound, "re-read exactly what the reset rewound\n{}", again);
    }
}

#[test]
fn the_bundled_replay_rereads_the_last_ten_seconds() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/offsets-reset.toml"
    ))
    .unwrap();
    let out = super::run_text(&text, &[], 1);
    let again = "kafkasim run scenarios/offsets-reset.toml";
    assert!(out.violations.is_empty(), "{:?} ({again})", out.violations);
    let before = offsets_at(&out.describes, "35.500");
    let after = offsets_at(&out.describes, "36.500");
    assert_eq!(
        before, out.summary.partition_records,
        "all read and committed on close ({again})"
    );
    assert_eq!(
        after.iter().sum::<u64>(),
        40_000,
        "2,000 records/s × 20 s created before the reset time ({again})"
    );
    assert_eq!(out.summary.duplicates, 20_000, "{again}");
    assert_eq!(out.summary.offset_resets, 1);
}

#[test]
fn a_group_with_members_is_refused_at_run_time() {
    // A crashed member stays in the group until its session expires (45 s).
    let text = replay(2, 3, "to = \"earliest\"").replace("consumer.leave", "consumer.crash");
    let out = super::run_text(&text, &[], 1);
    assert_eq!(
        out.summary.refused_events.len(),
        1,
        "{:?}",
        out.summary.refused_events
    );
    assert!(
        out.summary.refused_events[0].contains("2 active member(s)"),
        "{:?}",
        out.summary.refused_events
    );
    assert_eq!((out.summary.offset_resets, out.summary.duplicates), (0, 0));
    // Shifting needs a committed offset, as the tool says.
    let text = replay(2, 3, "to = \"shift-by\"\noffset = -10").replace(
        "at_ms = 8000\naction = \"consumer.leave\"",
        "at_ms = 0\naction = \"consumer.leave\"",
    );
    let out = super::run_text(&text, &["consumer.start_ms=100000"], 1);
    assert!(
        out.summary
            .refused_events
            .first()
            .is_some_and(|e| e.contains("no committed offset")),
        "{:?}",
        out.summary.refused_events
    );
}
