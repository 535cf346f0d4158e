//! The text table printed on stdout: one line per sweep point (mean ± 95% CI over seeds), then,
//! for each point's first run, lines in the style of kafka-producer-perf-test and
//! kafka-consumer-perf-test.

use super::export::point_estimate;
use crate::experiment::{PointResult, RunOutput};
use std::fmt::Write;

fn pm(mean: f64, ci: f64, digits: usize) -> String {
    if ci > 0.0 {
        format!("{mean:.digits$} ± {ci:.digits$}")
    } else {
        format!("{mean:.digits$}")
    }
}

/// The perf-test tools' MB: 2^20 bytes (`ProducerPerformance`: `bytes / (1024.0 * 1024.0)`;
/// `ConsumerPerformance`: `totalBytesRead / (1024 * 1024)`).
const TOOLS_MB: f64 = 1024.0 * 1024.0;

/// A kafka-producer-perf-test style line for one run (its MB are 2^20 bytes, as the tool's;
/// `kafkasim calibrate --from-perf-test` reads it back).
pub fn producer_line(run: &RunOutput) -> String {
    let s = &run.summary;
    let l = &s.publish_latency;
    let mb_per_s = if s.produce_s > 0.0 {
        s.payload_bytes as f64 / TOOLS_MB / s.produce_s
    } else {
        0.0
    };
    format!(
        "{} records sent, {:.1} records/sec ({:.2} MB/sec), {:.2} ms avg latency, {:.2} ms max latency, {:.0} ms 50th, {:.0} ms 95th, {:.0} ms 99th, {:.0} ms 99.9th.",
        s.records_produced, s.produce_records_per_s, mb_per_s, l.avg_ms, l.max_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.p999_ms
    )
}

/// Simulated time `t_s` as kafka-consumer-perf-test prints its start and end times
/// (`yyyy-MM-dd HH:mm:ss:SSS`), the simulation starting at 1970-01-01 00:00:00:000.
fn tool_time(t_s: f64) -> String {
    let ms = (t_s.max(0.0) * 1e3).round() as u64;
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    // Civil date of a day count since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}:{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    )
}

/// A kafka-consumer-perf-test style header and line for one run (MB of 2^20 bytes).
pub fn consumer_lines(run: &RunOutput) -> [String; 2] {
    let s = &run.summary;
    let mb = s.payload_bytes as f64 / TOOLS_MB
        * (s.records_consumed as f64 / s.records_produced.max(1) as f64);
    let rate = |x: f64, t: f64| if t > 0.0 { x / t } else { 0.0 };
    [
        "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec".into(),
        format!(
            "{}, {}, {:.4}, {:.4}, {}, {:.4}, {:.0}, {:.0}, {:.4}, {:.4}",
            tool_time(s.sim_end_s - s.consume_s),
            tool_time(s.sim_end_s),
            mb,
            rate(mb, s.consume_s),
            s.records_consumed,
            rate(s.records_consumed as f64, s.consume_s),
            s.join_s * 1000.0,
            s.consume_after_join_s * 1000.0,
            rate(mb, s.consume_after_join_s),
            rate(s.records_consumed as f64, s.consume_after_join_s)
        ),
    ]
}

/// The point with the same settings as `r` but one consumer (for the speed-up column).
/// The invariant checkers' verdict over every run: held, or how many violations and of which
/// properties — those the configuration promises (a bug, exit 3) apart from those it does not
/// (acks=1 losing records on a leader's failure).
fn checks_line(results: &[PointResult]) -> String {
    use crate::check::properties::{Property, ALL};
    let mut promised: Vec<Property> = vec![];
    let mut expected: Vec<Property> = vec![];
    let mut count = 0;
    for r in results {
        for run in &r.runs {
            count += run.violations.len();
            for p in ALL {
                if p.broken_by(&run.violations).is_empty() {
                    continue;
                }
                let list = if p.promise(&r.config).promised {
                    &mut promised
                } else {
                    &mut expected
                };
                if !list.contains(&p) {
                    list.push(p);
                }
            }
        }
    }
    if count == 0 {
        return "partition order, per-key order, no-loss, high watermark and one-owner held in every run".into();
    }
    let names = |ps: &[Property]| ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
    let mut parts = vec![];
    if !promised.is_empty() {
        parts.push(format!(
            "{} BROKEN, which this configuration promises (exit 3)",
            names(&promised)
        ));
    }
    if !expected.is_empty() {
        parts.push(format!(
            "{}, which this configuration does not promise",
            names(&expected)
        ));
    }
    format!(
        "{count} violation(s): {} (see summary.json)",
        parts.join("; ")
    )
}

/// Records per partition, each when few (`25000/25000/25000/25000`), else their range
/// (`0–3 over 100000`): a wide topic's list would fill the terminal.
fn per_partition(records: &[u64]) -> String {
    if records.len() <= 8 {
        let each: Vec<String> = records.iter().map(|n| n.to_string()).collect();
        return each.join("/");
    }
    let min = records.iter().min().copied().unwrap_or(0);
    let max = records.iter().max().copied().unwrap_or(0);
    format!("{min}–{max} over {}", records.len())
}

fn one_consumer<'a>(results: &'a [PointResult], r: &PointResult) -> Option<&'a PointResult> {
    let key = "consumer.count";
    let same = |o: &PointResult| {
        o.point.label.len() == r.point.label.len()
            && o.point
                .label
                .iter()
                .zip(&r.point.label)
                .all(|(a, b)| a.0 == b.0 && (a.0 == key || a.1 == b.1))
    };
    results
        .iter()
        .find(|o| o.config.consumer_count() == 1 && same(o))
}

/// What retention did at each point, when it deleted anything.
fn storage_lines(results: &[PointResult]) -> String {
    let deleted = |r: &PointResult| {
        r.runs
            .iter()
            .any(|x| x.summary.storage.stats.segments_deleted > 0)
    };
    if !results.iter().any(deleted) {
        return String::new();
    }
    let mut out = format!(
        "\nstorage: {:<56} {:>16} {:>15} {:>14} {:>13}\n",
        "point", "segments_deleted", "records_deleted", "deleted_unread", "resets"
    );
    for r in results {
        let e = |f| point_estimate(r, f);
        writeln!(
            out,
            "storage: {:<56} {:>16.1} {:>15.0} {:>14.0} {:>13.1}",
            r.point.short_name(),
            e(|s| s.storage.stats.segments_deleted as f64).mean,
            e(|s| s.storage.stats.records_deleted as f64).mean,
            e(|s| s.storage.deleted_unread as f64).mean,
            e(|s| s.storage.stats.out_of_range_resets as f64).mean,
        )
        .ok();
    }
    out
}

/// The main table when consumers read: how long they took, join and speed-up.
fn consumer_table(out: &mut String, results: &[PointResult]) {
    writeln!(
        out,
        "{:<54} {:>16} {:>14} {:>16} {:>20} {:>8} {:>5} {:>26} {:>6}",
        "point",
        "consume_s",
        "join_s",
        "after_join_s",
        "records/s after join",
        "speed-up",
        "idle",
        "records per partition",
        "hit"
    )
    .ok();
    for r in results {
        let e = |f| point_estimate(r, f);
        let c = e(|s| s.consume_s);
        let j = e(|s| s.join_s);
        let a = e(|s| s.consume_after_join_s);
        let t = e(|s| s.consume_records_per_s_after_join);
        let idle = e(|s| s.idle_consumers as f64);
        let hit = e(|s| s.cache_hit_ratio);
        let parts = r
            .runs
            .first()
            .map(|x| per_partition(&x.summary.partition_records))
            .unwrap_or_default();
        let speedup = one_consumer(results, r)
            .map(|one| point_estimate(one, |s| s.consume_records_per_s_after_join).mean)
            .filter(|&one| one > 0.0 && t.mean > 0.0)
            .map_or("-".to_string(), |one| format!("{:.2}×", t.mean / one));
        writeln!(
            out,
            "{:<54} {:>16} {:>14} {:>16} {:>20} {:>8} {:>5.1} {:>26} {:>6.2}",
            r.point.name(),
            pm(c.mean, c.ci95, 3),
            pm(j.mean, j.ci95, 3),
            pm(a.mean, a.ci95, 3),
            pm(t.mean, t.ci95, 0),
            speedup,
            idle.mean,
            parts,
            hit.mean
        )
        .ok();
    }
}

/// The main table of a producer-only scenario: what the producers achieved (a consumer table
/// would be all zeros).
fn producer_table(out: &mut String, results: &[PointResult]) {
    writeln!(
        out,
        "{:<54} {:>16} {:>18} {:>12} {:>10} {:>14} {:>14} {:>26}",
        "point",
        "produce_s",
        "records/s",
        "MB/s",
        "rec/batch",
        "publish p50 ms",
        "publish p99 ms",
        "records per partition"
    )
    .ok();
    for r in results {
        let e = |f| point_estimate(r, f);
        let d = e(|s| s.produce_s);
        let t = e(|s| s.produce_records_per_s);
        let mb = e(|s| s.produce_mb_per_s);
        let b = e(|s| s.records_per_batch);
        let p50 = e(|s| s.publish_latency.p50_ms);
        let p99 = e(|s| s.publish_latency.p99_ms);
        let parts = r
            .runs
            .first()
            .map(|x| per_partition(&x.summary.partition_records))
            .unwrap_or_default();
        writeln!(
            out,
            "{:<54} {:>16} {:>18} {:>12} {:>10.1} {:>14} {:>14} {:>26}",
            r.point.name(),
            pm(d.mean, d.ci95, 3),
            pm(t.mean, t.ci95, 0),
            pm(mb.mean, mb.ci95, 1),
            b.mean,
            pm(p50.mean, p50.ci95, 2),
            pm(p99.mean, p99.ci95, 2),
            parts
        )
        .ok();
    }
}

/// One line per topic of each point, when a scenario has several topics.
fn topics_table(out: &mut String, results: &[PointResult]) {
    if results.iter().all(|r| r.config.topics.len() < 2) {
        return;
    }
    writeln!(
        out,
        "\ntopics: {:<40} {:<24} {:>10} {:>14} {:>12}",
        "point", "topic", "partitions", "records", "log MB"
    )
    .ok();
    for r in results {
        let Some(first) = r.runs.first() else {
            continue;
        };
        for (t, ts) in first.summary.topics.iter().enumerate() {
            let e = |f: fn(&crate::experiment::summary::TopicSummary) -> f64| {
                super::export::point_estimate_by(r, move |s| f(&s.topics[t]))
            };
            writeln!(
                out,
                "topics: {:<40} {:<24} {:>10} {:>14.0} {:>12.2}",
                r.point.name(),
                ts.name,
                ts.partitions,
                e(|x| x.records as f64).mean,
                e(|x| x.log_bytes as f64 / 1e6).mean,
            )
            .ok();
        }
    }
}

/// What the log cleaners did at each point, when a topic is compacted.
fn cleaner_table(out: &mut String, results: &[PointResult]) {
    if results
        .iter()
        .all(|r| r.runs.iter().all(|x| x.summary.storage.cleaner.is_none()))
    {
        return;
    }
    writeln!(
        out,
        "\ncleaner: {:<46} {:>10} {:>12} {:>12} {:>10} {:>10} {:>11} {:>9}",
        "point", "log MB", "removed", "tombstones", "cleanings", "read MB", "written MB", "CPU s"
    )
    .ok();
    for r in results {
        let e = |f: fn(&crate::kafka::metrics::CleanerStats) -> f64| {
            super::export::point_estimate_by(r, move |s| s.storage.cleaner.as_ref().map_or(0.0, f))
        };
        let log = point_estimate(r, |s| s.storage.log_bytes as f64 / 1e6);
        writeln!(
            out,
            "cleaner: {:<46} {:>10.2} {:>12.0} {:>12.0} {:>10.1} {:>10.1} {:>11.1} {:>9.3}",
            r.point.name(),
            log.mean,
            e(|c| c.records_removed as f64).mean,
            e(|c| c.tombstones_removed as f64).mean,
            e(|c| c.cleanings as f64).mean,
            e(|c| c.bytes_read as f64 / 1e6).mean,
            e(|c| c.bytes_written as f64 / 1e6).mean,
            e(|c| c.cpu_ns as f64 / 1e9).mean,
        )
        .ok();
    }
}

/// One line per consumer group of each point, when a scenario has several groups or topics.
fn groups_table(out: &mut String, results: &[PointResult]) {
    if results
        .iter()
        .all(|r| r.runs.iter().all(|x| x.summary.groups.is_empty()))
    {
        return;
    }
    writeln!(
        out,
        "\ngroups: {:<40} {:<14} {:<24} {:>9} {:>16} {:>18} {:>10} {:>10} {:>10}",
        "point",
        "group",
        "topics",
        "consumers",
        "consume_s",
        "records/s",
        "lag_end",
        "re-reads",
        "rebalances"
    )
    .ok();
    for r in results {
        let Some(first) = r.runs.first() else {
            continue;
        };
        for (g, gs) in first.summary.groups.iter().enumerate() {
            let e = |f: fn(&crate::experiment::summary::GroupSummary) -> f64| {
                super::export::point_estimate_by(r, move |s| f(&s.groups[g]))
            };
            let d = e(|x| x.consume_s);
            let t = e(|x| x.records_per_s);
            let lag = e(|x| x.lag_end as f64);
            let dup = e(|x| x.duplicates as f64);
            let reb = e(|x| x.rebalances as f64);
            writeln!(
                out,
                "groups: {:<40} {:<14} {:<24} {:>9} {:>16} {:>18} {:>10.0} {:>10.0} {:>10.1}",
                r.point.name(),
                gs.group_id,
                gs.topics.join(","),
                gs.consumers,
                pm(d.mean, d.ci95, 3),
                pm(t.mean, t.ci95, 0),
                lag.mean,
                dup.mean,
                reb.mean
            )
            .ok();
        }
    }
}

/// The whole table.
pub fn render(name: &str, results: &[PointResult]) -> String {
    let mut out = String::new();
    let seeds = results.first().map_or(0, |r| r.runs.len());
    let first_seed = results
        .first()
        .and_then(|r| r.runs.first())
        .map_or(0, |r| r.seed);
    writeln!(
        out,
        "scenario {name} · {} point(s) × {seeds} seed(s) from seed {first_seed} · mean ± 95% CI",
        results.len()
    )
    .ok();
    if results.iter().all(|r| r.config.consumer_count() == 0) {
        producer_table(&mut out, results);
    } else {
        consumer_table(&mut out, results);
    }
    topics_table(&mut out, results);
    groups_table(&mut out, results);
    cleaner_table(&mut out, results);
    if super::group_figures::group_activity(results) {
        writeln!(
            out,
            "\ngroup: {:<58} {:>10} {:>12} {:>13} {:>14} {:>14} {:>11} {:>8} {:>14}",
            "point",
            "unowned_p·s",
            "rebalances",
            "rebalance_s",
            "longest_s",
            "records_behind",
            "duplicates",
            "lost",
            "failed_commits"
        )
        .ok();
        for r in results {
            let e = |f| point_estimate(r, f);
            let longest = e(|s| {
                s.rebalance_list
                    .iter()
                    .map(|b| b.duration_s)
                    .fold(0.0, f64::max)
            });
            let behind = e(|s| {
                s.rebalance_list
                    .iter()
                    .map(|b| b.records_behind.max(0) as f64)
                    .sum()
            });
            writeln!(
                out,
                "group: {:<58} {:>10.1} {:>12.1} {:>12.3} {:>13.3} {:>14.0} {:>11.0} {:>8.0} {:>14.1}",
                r.point.short_name(),
                e(|s| s.unowned_partition_s).mean,
                e(|s| s.rebalances as f64).mean,
                e(|s| s.rebalance_s).mean,
                longest.mean,
                behind.mean,
                e(|s| s.duplicates as f64).mean,
                e(|s| s.lost as f64).mean,
                e(|s| s.failed_commits as f64).mean,
            )
            .ok();
        }
    }
    out.push_str(&super::guarantees_table::render(results));
    out.push_str(&storage_lines(results));
    let refused: std::collections::BTreeSet<&String> = results
        .iter()
        .flat_map(|r| &r.runs)
        .flat_map(|x| &x.summary.refused_events)
        .collect();
    for why in refused {
        writeln!(out, "event: {why}").ok();
    }
    writeln!(out, "checks: {}", checks_line(results)).ok();
    if results.len() <= 6 {
        for r in results {
            let Some(run) = r.runs.first() else { continue };
            writeln!(out, "\n[{}] seed {}", r.point.name(), run.seed).ok();
            writeln!(out, "producer-perf: {}", producer_line(run)).ok();
            if run.summary.records_consumed > 0 {
                let [h, l] = consumer_lines(run);
                writeln!(out, "consumer-perf: {h}\nconsumer-perf: {l}").ok();
            }
            writeln!(out, "bottleneck: {}", run.summary.bottleneck).ok();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tool_times_are_dates_as_the_consumer_perf_tool_prints_them() {
        assert_eq!(super::tool_time(3.6184), "1970-01-01 00:00:03:618");
        assert_eq!(
            super::tool_time(86_400.0 * 59.0 + 3_661.5),
            "1970-03-01 01:01:01:500"
        );
        assert_eq!(
            super::tool_time(86_400.0 * 365.0),
            "1971-01-01 00:00:00:000"
        );
    }
}
