//! Consumer groups in time: rebalance timings and causes, eager vs cooperative vs static
//! membership, KIP-848, failures, max.poll.interval.ms, and what commits promise.

use super::run_text;
use kafkasim::experiment::RunOutput;

/// 8 partitions, 20,000 records/s for `secs` seconds, 4 consumers reading 10,000/s each.
fn churn(secs: u32, extra: &str) -> String {
    format!(
        "client = \"java\"\n[topic]\npartitions = 8\n[producer]\nrecords = {}\nrate_per_s = 20000\nkeys = \"random\"\n\
         [consumer]\ncount = 4\n\"auto.offset.reset\" = \"earliest\"\nprocess_us_per_record = 100.0\n{extra}",
        secs * 20_000
    )
}

fn event(at_ms: u64, action: &str, consumer: u32) -> String {
    format!("[[events]]\nat_ms = {at_ms}\naction = \"{action}\"\nconsumer = {consumer}\n")
}

fn checked(out: &RunOutput, what: &str) {
    assert!(
        out.violations.is_empty(),
        "{what} (seed {}): {:?}",
        out.seed,
        out.violations
    );
}

#[test]
fn a_crashed_member_is_noticed_after_its_session_timeout() {
    for session_ms in [45_000u64, 10_000] {
        let text = churn(
            60,
            &format!(
                "\"session.timeout.ms\" = {session_ms}\n{}",
                event(20_000, "consumer.crash", 1)
            ),
        );
        let out = run_text(&text, &[], 1);
        checked(&out, "crash");
        let r = &out.summary.rebalance_list[1];
        assert_eq!(r.cause, "consumer 1 session timed out");
        // Its last heartbeat was at most heartbeat.interval.ms (3 s) before the crash.
        let expire = 20.0 + session_ms as f64 / 1000.0;
        assert!(
            r.start_s > expire - 3.01 && r.start_s <= expire + 0.01,
            "session {session_ms} ms: rebalance started at {} s",
            r.start_s
        );
        assert!(
            out.summary.duplicates > 0,
            "records processed after the last auto-commit are read again"
        );
        assert_eq!(out.summary.lost, 0);
        assert_eq!(
            out.summary.records_consumed,
            out.summary.records_produced + out.summary.duplicates
        );
    }
}

#[test]
fn static_members_restart_without_a_rebalance() {
    let roll = "[[events]]\nat_ms = 20000\naction = \"group.rolling_restart\"\ninterval_ms = 10000\ndown_ms = 5000\n";
    let dynamic = run_text(&churn(70, roll), &[], 1);
    let fixed = run_text(
        &churn(70, &format!("\"group.instance.id\" = \"app\"\n{roll}")),
        &[],
        1,
    );
    checked(&dynamic, "dynamic rolling restart");
    checked(&fixed, "static rolling restart");
    assert_eq!(
        fixed.summary.rebalances, 1,
        "only the initial join: {:?}",
        fixed.summary.rebalance_list
    );
    assert_eq!(
        dynamic.summary.rebalances, 9,
        "initial + a leave and a join per consumer"
    );
    // A static member's partitions wait for it: 4 restarts × 5 s × 2 partitions.
    assert!(
        (fixed.summary.unowned_partition_s - 40.0).abs() < 0.5,
        "{}",
        fixed.summary.unowned_partition_s
    );
}

#[test]
fn cooperative_rebalancing_moves_partitions_in_two_rounds_and_keeps_the_rest_read() {
    let joins = format!(
        "{}{}",
        event(10_000, "consumer.join", 2),
        event(20_000, "consumer.join", 3)
    );
    let text = churn(
        40,
        &format!("\"partition.assignment.strategy\" = \"cooperative-sticky\"\n{joins}"),
    );
    let out = run_text(&text, &[], 3);
    checked(&out, "cooperative");
    let list = &out.summary.rebalance_list;
    let after_join: Vec<&str> = list.iter().skip(1).map(|r| r.cause.as_str()).collect();
    assert_eq!(after_join.len(), 4, "{list:?}");
    assert!(
        after_join[0] == "consumer 2 joined" && after_join[1].ends_with("rejoined"),
        "{after_join:?}"
    );
    // Every partition moved to the newcomer was withheld once, counted when taken away.
    assert!(
        list[1].partitions_moved >= 1 && list[2].partitions_moved == 0,
        "{list:?}"
    );
    // Owners that keep a partition never stop owning it: an eager run gaps every partition.
    let eager = run_text(&churn(40, &joins), &[], 3);
    checked(&eager, "eager");
    let gaps = |o: &RunOutput| {
        o.assignments
            .iter()
            .filter(|a| a.partitions.is_empty())
            .count()
    };
    assert!(
        gaps(&out) < gaps(&eager),
        "cooperative {} vs eager {} revocations of everything",
        gaps(&out),
        gaps(&eager)
    );
}

#[test]
fn kip848_has_no_initial_delay_and_no_barrier() {
    let text = churn(
        30,
        &format!(
            "\"group.protocol\" = \"consumer\"\n{}",
            event(10_000, "consumer.join", 3)
        ),
    );
    let text = text.replace("count = 4", "count = 4\n\"start_ms\" = 0");
    let out = run_text(&text, &[], 2);
    checked(&out, "kip848");
    assert!(
        out.summary.join_s < 0.01,
        "no group.initial.rebalance.delay.ms: {}",
        out.summary.join_s
    );
    let classic = run_text(&churn(30, &event(10_000, "consumer.join", 3)), &[], 2);
    assert!(
        (classic.summary.join_s - 6.0).abs() < 0.01,
        "classic waits two delays: {}",
        classic.summary.join_s
    );
    // A join moves only the newcomer's share; nobody else revokes everything.
    assert!(
        out.assignments
            .iter()
            .skip(4)
            .all(|a| !a.partitions.is_empty() || a.consumer == 3),
        "{:?}",
        out.assignments
    );
}

#[test]
fn a_member_stalled_beyond_max_poll_interval_leaves_the_group() {
    let text = churn(
        40,
        "\"max.poll.interval.ms\" = 5000\n[[events]]\nat_ms = 15000\naction = \"consumer.stall\"\nconsumer = 0\nduration_ms = 8000\n",
    );
    let out = run_text(&text, &[], 1);
    checked(&out, "stall");
    let causes: Vec<&str> = out
        .summary
        .rebalance_list
        .iter()
        .map(|r| r.cause.as_str())
        .collect();
    assert!(
        causes.contains(&"consumer 0 left"),
        "the heartbeat thread leaves: {causes:?}"
    );
    let left = out
        .summary
        .rebalance_list
        .iter()
        .find(|r| r.cause == "consumer 0 left")
        .unwrap();
    assert!(
        (left.start_s - 20.0).abs() < 0.6,
        "poll timeout 5 s after the last poll: {}",
        left.start_s
    );
    assert!(
        causes
            .iter()
            .filter(|c| c.starts_with("consumer 0 joined"))
            .count()
            >= 1,
        "it rejoins after the stall: {causes:?}"
    );
}

#[test]
fn a_batch_longer_than_max_poll_interval_makes_a_zombie_whose_commit_fails() {
    // 500 records × 20 ms = 10 s per batch, max.poll.interval.ms 5 s, manual commitSync.
    let text = churn(
        40,
        "\"max.poll.interval.ms\" = 5000\n\"enable.auto.commit\" = false\n[[events]]\nat_ms = 15000\naction = \"consumer.slow\"\nconsumer = 1\nprocess_us_per_record = 20000.0\n",
    );
    let out = run_text(&text, &[], 1);
    checked(&out, "zombie");
    assert!(
        out.summary.failed_commits >= 1,
        "CommitFailedException after the group moved on"
    );
    assert!(
        out.summary.duplicates > 0,
        "its batch was also read by the new owner"
    );
}

#[test]
fn commit_order_decides_between_duplicates_and_losses() {
    // Consumer 2 slows down (1 ms a record, so it is always mid-batch), then crashes.
    let base = |semantics: &str| {
        churn(
            40,
            &format!(
                "\"enable.auto.commit\" = false\ncommit_mode = \"sync\"\ncommit_every_records = 20000\ndelivery_semantics = \"{semantics}\"\n\"session.timeout.ms\" = 10000\n\
                 [[events]]\nat_ms = 15000\naction = \"consumer.slow\"\nconsumer = 2\nprocess_us_per_record = 1000.0\n{}",
                event(20_000, "consumer.crash", 2)
            ),
        )
    };
    let alo = run_text(&base("at-least-once"), &[], 4);
    checked(&alo, "at-least-once");
    assert!(
        alo.summary.duplicates > 0 && alo.summary.lost == 0,
        "{} dup, {} lost",
        alo.summary.duplicates,
        alo.summary.lost
    );
    let amo = run_text(&base("at-most-once"), &[], 4);
    checked(&amo, "at-most-once (losses are counted, not violations)");
    assert!(
        amo.summary.lost > 0 && amo.summary.duplicates == 0,
        "{} dup, {} lost",
        amo.summary.duplicates,
        amo.summary.lost
    );
    assert_eq!(
        amo.summary.records_consumed + amo.summary.lost,
        amo.summary.records_produced
    );
}

#[test]
fn describe_views_list_every_partition_with_offsets_and_owner() {
    let text = churn(20, "[run]\ndescribe_at_ms = \"15000\"\n");
    let out = run_text(&text, &[], 1);
    assert_eq!(out.describes.len(), 1);
    let view = &out.describes[0];
    assert!(
        view.contains("GROUP")
            && view.contains("CURRENT-OFFSET")
            && view.contains("LOG-END-OFFSET")
            && view.contains("LAG")
            && view.contains("CONSUMER-ID"),
        "{view}"
    );
    let rows: Vec<&str> = view
        .lines()
        .filter(|l| l.starts_with("kafkasim "))
        .collect();
    assert_eq!(rows.len(), 8, "{view}");
    for row in rows {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let (current, end, lag): (u64, u64, u64) = (
            cells[3].parse().unwrap(),
            cells[4].parse().unwrap(),
            cells[5].parse().unwrap(),
        );
        assert_eq!(end - current, lag, "{row}");
        assert!(
            (30_000..=45_000).contains(&end),
            "≈ 300,000 records over 8 partitions by 15 s: {row}"
        );
        assert!(cells[6].starts_with("consumer-"), "{row}");
    }
}

#[test]
fn a_producer_rate_change_and_a_pause_take_effect_at_their_times() {
    let text = churn(
        20,
        "[[events]]\nat_ms = 10000\naction = \"producer.rate\"\nrate_per_s = 5000.0\n\
         [[events]]\nat_ms = 12000\naction = \"consumer.pause\"\nconsumer = 1\nduration_ms = 4000\n",
    );
    let out = run_text(&text, &[], 1);
    checked(&out, "rate and pause");
    // 200,000 records at 20,000/s for 10 s, then the other 200,000 at 5,000/s: 50 s.
    assert!(
        (out.summary.produce_s - 50.0).abs() < 0.05,
        "{}",
        out.summary.produce_s
    );
    let before: u64 = out
        .partition_series
        .iter()
        .filter(|s| s.time_ns == 10_000_000_000)
        .map(|s| s.produced)
        .sum();
    assert!(
        (199_000..=201_000).contains(&before),
        "{before} records by 10 s"
    );
    // Paused: consumer 1 processes nothing from 12.5 s to 16 s, and no rebalance happens.
    let at = |t: u64| {
        out.consumer_series
            .iter()
            .find(|s| s.consumer == 1 && s.time_ns == t)
            .map(|s| s.records)
    };
    assert_eq!(
        at(12_500_000_000),
        at(16_000_000_000),
        "paused consumer kept reading"
    );
    assert!(at(20_000_000_000) > at(16_000_000_000), "it resumes");
    assert_eq!(out.summary.rebalances, 1);
}

#[test]
fn describe_lists_a_crashed_member_until_its_session_expires() {
    // As kafka-consumer-groups --describe asks the coordinator: consumer 1 crashes at 20 s and
    // keeps its partitions in the view, lag growing, until session.timeout.ms (45 s) after its
    // last heartbeat removes it.
    let text = r#"
        [run]
        describe_at_ms = "25000, 60000, 66000"
        [topic]
        partitions = 4
        [producer]
        records = 200000
        rate_per_s = 4000
        [consumer]
        count = 2
        "auto.offset.reset" = "earliest"
        [[events]]
        at_ms = 20000
        action = "consumer.crash"
        consumer = 1
    "#;
    let out = crate::run_text(text, &[], 1);
    let owner = |view: &str, p: u32| -> String {
        view.lines()
            .find(|l| l.split_whitespace().nth(2) == Some(&p.to_string()))
            .and_then(|l| l.split_whitespace().nth(8).map(str::to_string))
            .unwrap_or_default()
    };
    assert_eq!(out.describes.len(), 3, "{:?}", out.describes);
    for view in &out.describes[..2] {
        assert_eq!(owner(view, 3), "consumer-1", "still a member:\n{view}");
    }
    assert_eq!(
        owner(&out.describes[2], 3),
        "-",
        "removed:\n{}",
        out.describes[2]
    );
}

#[test]
fn a_gated_member_reads_nothing_until_it_holds_its_fair_share() {
    // The lab's group of 2 (lab/scenarios/consumer-group.toml: no initial rebalance delay, the
    // brokers' threads cost time to wake): one JoinGroup lands first and that member is given
    // all 4 partitions, then 2 after the rebalance. Ungated it reads meanwhile; gated, as the
    // lab's consumers (consumer.fair_share_gate), it reads nothing until it holds 2.
    let run = |gate: &str| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().to_str().unwrap().to_string();
        let gate = format!("consumer.fair_share_gate={gate}");
        let args = [
            "run",
            "lab/scenarios/consumer-group.toml",
            "--out",
            &out,
            "--no-plots",
        ];
        // The wake cost as scripts/broker-cpu.sh measured it (2026-12-01), whatever a rerun fits.
        let wake = [
            "--set",
            "broker.wake_cpu_us=614",
            "--set",
            "broker.wake_half_ms=14.4",
        ];
        let mine = ["--set", "consumer.count=2", "--set", &gate];
        let o = super::kafkasim(&[&args[..], &wake, &mine].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap();
        let secs = |line: &str| line.split(',').nth(2).unwrap().parse::<f64>().unwrap();
        let assignments = read("assignments.csv");
        let whole = assignments.lines().any(|l| l.ends_with(",0;1;2;3"));
        let last = assignments.lines().skip(1).map(secs).fold(0.0, f64::max);
        let consumers = read("consumers.csv");
        let rows: Vec<&str> = consumers.lines().skip(1).collect();
        let early = rows
            .iter()
            .filter(|l| secs(l) < last)
            .map(|l| l.rsplit(',').next().unwrap());
        let early_max = early.map(|r| r.parse::<u64>().unwrap()).max().unwrap_or(0);
        let total: u64 = (0..2)
            .map(|c| {
                rows.iter()
                    .filter(|l| l.split(',').nth(3) == Some(&c.to_string()))
                    .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        (whole, early_max, total)
    };
    let (whole, early, _) = run("false");
    assert!(
        whole,
        "one member first held every partition (the race this test needs)"
    );
    assert!(
        early > 0,
        "ungated, the first member reads before the rebalance"
    );
    let (whole, early, total) = run("true");
    assert!(whole, "gated too, one member first held every partition");
    assert_eq!(early, 0, "gated, nothing is read before the fair share");
    assert_eq!(total, 40_000, "then the group reads everything");
}
