//! CSV and JSON exports: one row per run, per point (mean and 95% CI), per time-series sample.
//! Pure: results in, bytes out.

use crate::experiment::stats::{estimate, Estimate};
use crate::experiment::{PointResult, RunOutput, Summary};
use crate::scenario::Scenario;
use std::io::Write;

fn join<T: ToString>(xs: &[T]) -> String {
    xs.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

fn swept_headers(results: &[PointResult]) -> Vec<String> {
    results
        .first()
        .map(|r| r.point.label.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default()
}

/// One row per run.
pub fn runs_csv(results: &[PointResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    let mut head = vec!["point".to_string()];
    head.extend(swept_headers(results));
    head.extend(
        [
            "seed",
            "records_produced",
            "produce_s",
            "produce_records_per_s",
            "produce_mb_per_s",
            "records_per_batch",
            "publish_latency_avg_ms",
            "publish_latency_p99_ms",
            "records_consumed",
            "consume_s",
            "join_s",
            "consume_after_join_s",
            "consume_records_per_s",
            "consume_records_per_s_after_join",
            "idle_consumers",
            "records_per_consumer",
            "partitions_per_consumer",
            "records_per_partition",
            "e2e_latency_p50_ms",
            "e2e_latency_p99_ms",
            "cache_hit_ratio",
            "disk_utilisation",
            "cpu_utilisation",
            "rebalances",
            "rebalance_s",
            "unowned_partition_s",
            "duplicates",
            "lost",
            "failed_commits",
            "violations",
            "events",
            "sim_end_s",
            "retries",
            "failed_records",
            "log_duplicates",
            "reordered",
            "leader_elections",
            "unclean_elections",
            "truncated_records",
            "records_deleted",
            "deleted_unread",
            "out_of_range_resets",
        ]
        .map(String::from),
    );
    w.write_record(&head).expect("in-memory write");
    for r in results {
        for run in &r.runs {
            let s = &run.summary;
            let mut row = vec![r.point.name()];
            row.extend(r.point.label.iter().map(|(_, v)| v.to_string()));
            row.extend([
                s.seed.to_string(),
                s.records_produced.to_string(),
                format!("{:.6}", s.produce_s),
                format!("{:.1}", s.produce_records_per_s),
                format!("{:.3}", s.produce_mb_per_s),
                format!("{:.1}", s.records_per_batch),
                format!("{:.3}", s.publish_latency.avg_ms),
                format!("{:.3}", s.publish_latency.p99_ms),
                s.records_consumed.to_string(),
                format!("{:.6}", s.consume_s),
                format!("{:.6}", s.join_s),
                format!("{:.6}", s.consume_after_join_s),
                format!("{:.1}", s.consume_records_per_s),
                format!("{:.1}", s.consume_records_per_s_after_join),
                s.idle_consumers.to_string(),
                join(&s.consumers.iter().map(|c| c.records).collect::<Vec<_>>()),
                join(
                    &s.consumers
                        .iter()
                        .map(|c| c.partitions.len())
                        .collect::<Vec<_>>(),
                ),
                join(&s.partition_records),
                format!("{:.3}", s.e2e_latency.p50_ms),
                format!("{:.3}", s.e2e_latency.p99_ms),
                format!("{:.4}", s.cache_hit_ratio),
                format!("{:.4}", s.disk_utilisation),
                format!("{:.4}", s.cpu_utilisation),
                s.rebalances.to_string(),
                format!("{:.6}", s.rebalance_s),
                format!("{:.3}", s.unowned_partition_s),
                s.duplicates.to_string(),
                s.lost.to_string(),
                s.failed_commits.to_string(),
                run.violations.len().to_string(),
                s.events.to_string(),
                format!("{:.6}", s.sim_end_s),
                s.guarantees.retries.to_string(),
                s.guarantees.failed_records.to_string(),
                s.guarantees.log_duplicates.to_string(),
                s.guarantees.reordered.to_string(),
                s.guarantees.leader_elections.to_string(),
                s.guarantees.unclean_elections.to_string(),
                s.guarantees.truncated_records.to_string(),
                s.storage.stats.records_deleted.to_string(),
                s.storage.deleted_unread.to_string(),
                s.storage.stats.out_of_range_resets.to_string(),
            ]);
            w.write_record(&row).expect("in-memory write");
        }
    }
    w.into_inner().expect("flush to Vec")
}

/// The metrics aggregated per point (mean and 95% CI half-width over seeds).
pub const POINT_METRICS: &[(&str, fn(&Summary) -> f64)] = &[
    ("consume_s", |s| s.consume_s),
    ("consume_after_join_s", |s| s.consume_after_join_s),
    ("join_s", |s| s.join_s),
    ("consume_records_per_s_after_join", |s| {
        s.consume_records_per_s_after_join
    }),
    ("produce_records_per_s", |s| s.produce_records_per_s),
    ("publish_latency_p99_ms", |s| s.publish_latency.p99_ms),
    ("idle_consumers", |s| s.idle_consumers as f64),
    ("cache_hit_ratio", |s| s.cache_hit_ratio),
];

/// Mean and 95% CI of `metric` over a point's runs.
pub fn point_estimate(r: &PointResult, metric: fn(&Summary) -> f64) -> Estimate {
    point_estimate_by(r, metric)
}

/// [`point_estimate`] of any function of a run's summary.
pub fn point_estimate_by(r: &PointResult, metric: impl Fn(&Summary) -> f64) -> Estimate {
    estimate(
        &r.runs
            .iter()
            .map(|x| metric(&x.summary))
            .collect::<Vec<_>>(),
    )
}

/// One row per point: mean and 95% CI half-width of each metric.
pub fn points_csv(results: &[PointResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    let mut head = vec!["point".to_string()];
    head.extend(swept_headers(results));
    head.push("runs".into());
    for (m, _) in POINT_METRICS {
        head.push(format!("{m}_mean"));
        head.push(format!("{m}_ci95"));
    }
    w.write_record(&head).expect("in-memory write");
    for r in results {
        let mut row = vec![r.point.name()];
        row.extend(r.point.label.iter().map(|(_, v)| v.to_string()));
        row.push(r.runs.len().to_string());
        for (_, f) in POINT_METRICS {
            let e = point_estimate(r, *f);
            row.push(format!("{:.6}", e.mean));
            row.push(format!("{:.6}", e.ci95));
        }
        w.write_record(&row).expect("in-memory write");
    }
    w.into_inner().expect("flush to Vec")
}

/// One row's fields, formatted into one buffer used again for every row (a time series has a row
/// per interval and partition or host: a `String` for each field was half of its writing).
#[derive(Default)]
struct Fields {
    text: String,
    ends: Vec<usize>,
}

impl Fields {
    /// Appends `v` as `Display` shows it (`format_args!` for a precision).
    fn put(&mut self, v: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write as _;
        write!(self.text, "{v}").expect("a String takes any text");
        self.ends.push(self.text.len());
        self
    }

    /// Appends an integer (itoa: a fifth of `Display`'s instructions).
    fn int(&mut self, v: impl itoa::Integer) -> &mut Self {
        self.text.push_str(itoa::Buffer::new().format(v));
        self.ends.push(self.text.len());
        self
    }

    /// Appends a time in seconds with 3 decimals, as `{:.3}` shows `ns as f64 / 1e9`: in whole
    /// milliseconds (a series' every sample) the same digits come from integers.
    fn time(&mut self, ns: u64) -> &mut Self {
        if ns % 1_000_000 != 0 || ns >= 1 << 53 {
            return self.put(format_args!("{:.3}", ns as f64 / 1e9));
        }
        let (ms, mut digits) = (ns / 1_000_000, itoa::Buffer::new());
        self.text.push_str(digits.format(ms / 1000));
        self.text.push('.');
        // 1000 + the fraction: its last three digits are the fraction's, zero-padded.
        self.text.push_str(&digits.format(1000 + ms % 1000)[1..]);
        self.ends.push(self.text.len());
        self
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let field = &self.text[start..end];
            start = end;
            field
        })
    }
}

/// Rows from the first run of each point, prefixed with the point and seed, written to `w` as
/// they are made: a time series of many partitions is never held whole as text. `items` lists
/// a run's rows, `fill` formats one.
fn first_run_csv<'a, T, I: Iterator<Item = T>>(
    results: &'a [PointResult],
    header: &[&str],
    items: impl Fn(&'a RunOutput) -> I,
    fill: impl Fn(&'a RunOutput, T, &mut Fields),
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record(["point", "seed"].iter().chain(header))?;
    let mut row = Fields::default();
    for r in results {
        let Some(run) = r.runs.first() else { continue };
        // Formatted once per point, not per row (the point's name was 13% of a classroom
        // run's instructions when it was).
        let (point, seed) = (r.point.name(), run.seed.to_string());
        for item in items(run) {
            row.text.clear();
            row.ends.clear();
            fill(run, item, &mut row);
            w.write_field(&point)?;
            w.write_field(&seed)?;
            w.write_record(row.iter())?;
        }
    }
    w.flush()
}

/// Time series of each point's first run: per interval and partition, produced, consumed, lag.
pub fn series_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &[
            "time_s",
            "partition",
            "produced",
            "consumed",
            "lag",
            "log_start",
            "log_bytes",
        ],
        |run| run.partition_series.iter(),
        |_, s, row| {
            row.time(s.time_ns)
                .int(s.partition)
                .int(s.produced)
                .int(s.consumed)
                .int(s.lag)
                .int(s.log_start)
                .int(s.log_bytes);
        },
        w,
    )
}

/// Hardware use over time of each point's first run: per interval and host, the utilisation
/// of its CPU (all cores), NIC lines and busiest disk, and its dirty data.
pub fn hosts_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &[
            "time_s",
            "host",
            "cpu",
            "nic_tx",
            "nic_rx",
            "disk",
            "dirty_mb",
            "cache_hit_ratio",
            "disk_read_mb_s",
            "disk_write_mb_s",
        ],
        |run| crate::experiment::usage::intervals(&run.summary.hosts, &run.host_series).into_iter(),
        |run, i, row| {
            row.time(i.time_ns).put(&run.summary.hosts[i.host].name);
            for u in i.busy {
                row.put(format_args!("{u:.3}"));
            }
            row.put(format_args!("{:.1}", i.dirty_bytes as f64 / 1e6));
            match i.hit_ratio() {
                Some(h) => row.put(format_args!("{h:.3}")),
                None => row.put(""),
            };
            let (read, write) = i.disk_mb_s();
            row.put(format_args!("{read:.2}"))
                .put(format_args!("{write:.2}"));
        },
        w,
    )
}

/// Per-group time series of each point's first run (scenarios with several groups): offsets
/// read and lag.
pub fn group_series_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &["time_s", "group", "read", "lag"],
        |run| run.group_series.iter(),
        |_, s, row| {
            row.time(s.time_ns).put(&s.group).int(s.read).int(s.lag);
        },
        w,
    )
}

/// Per-broker disk usage of each point's first run: bytes of every replica's segments.
pub fn disk_series_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &["time_s", "broker", "log_mb"],
        |run| run.disk_series.iter(),
        |_, s, row| {
            row.time(s.time_ns)
                .int(s.broker)
                .put(format_args!("{:.3}", s.log_bytes as f64 / 1e6));
        },
        w,
    )
}

/// Whether some run has a per-broker disk series.
pub fn has_disk_series(results: &[PointResult]) -> bool {
    results
        .iter()
        .any(|r| r.runs.iter().any(|x| !x.disk_series.is_empty()))
}

/// Whether some run has a per-group series.
pub fn has_group_series(results: &[PointResult]) -> bool {
    results
        .iter()
        .any(|r| r.runs.iter().any(|x| !x.group_series.is_empty()))
}

/// Per-consumer time series of each point's first run: records processed so far.
pub fn consumer_series_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &["time_s", "consumer", "records"],
        |run| run.consumer_series.iter(),
        |_, s, row| {
            row.time(s.time_ns).int(s.consumer).int(s.records);
        },
        w,
    )
}

/// One row per rebalance of every run.
pub fn rebalances_csv(results: &[PointResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "point",
        "seed",
        "rebalance",
        "start_s",
        "end_s",
        "duration_s",
        "generation",
        "members",
        "cause",
        "partitions_moved",
        "records_behind",
        "duplicates",
    ])
    .expect("in-memory write");
    for r in results {
        for run in &r.runs {
            for (i, b) in run.summary.rebalance_list.iter().enumerate() {
                w.write_record([
                    r.point.name(),
                    run.seed.to_string(),
                    (i + 1).to_string(),
                    format!("{:.6}", b.start_s),
                    format!("{:.6}", b.end_s),
                    format!("{:.6}", b.duration_s),
                    b.generation.to_string(),
                    b.members.to_string(),
                    b.cause.clone(),
                    b.partitions_moved.to_string(),
                    b.records_behind.to_string(),
                    b.duplicates.to_string(),
                ])
                .expect("in-memory write");
            }
        }
    }
    w.into_inner().expect("flush to Vec")
}

/// Each point's first run: its owned partitions over time, one row per change.
pub fn assignments_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &["time_s", "consumer", "partitions"],
        |run| run.assignments.iter(),
        |_, a, row| {
            row.time(a.time_ns).int(a.consumer).put(join(&a.partitions));
        },
        w,
    )
}

/// The `kafka-consumer-groups --describe` views of each point's first run (None when the
/// scenario asked for none).
pub fn describe_txt(results: &[PointResult]) -> Option<Vec<u8>> {
    let mut out = String::new();
    for r in results {
        let Some(run) = r.runs.first() else { continue };
        for view in &run.describes {
            out.push_str(&format!(
                "== {} · seed {}
",
                r.point.name(),
                run.seed
            ));
            out.push_str(view);
            out.push('\n');
        }
    }
    (!out.is_empty()).then(|| out.into_bytes())
}

/// The `kafka-topics --describe` views of each point's first run (None when none was asked).
pub fn describe_topic_txt(results: &[PointResult]) -> Option<Vec<u8>> {
    let mut out = String::new();
    for r in results {
        let Some(run) = r.runs.first() else { continue };
        for view in &run.topic_describes {
            out.push_str(&format!("== {} · seed {}\n", r.point.name(), run.seed));
            out.push_str(view);
            out.push('\n');
        }
    }
    (!out.is_empty()).then(|| out.into_bytes())
}

/// Whether any point's first run kept replica series (a replicated topic or broker failures).
pub fn has_replicas(results: &[PointResult]) -> bool {
    results
        .iter()
        .any(|r| r.runs.first().is_some_and(|x| !x.replica_series.is_empty()))
}

/// Leader, ISR size, HW and LEO per partition over time, for each point's first run.
pub fn replicas_csv(results: &[PointResult], w: &mut dyn Write) -> std::io::Result<()> {
    first_run_csv(
        results,
        &[
            "time_s",
            "partition",
            "leader",
            "isr_size",
            "high_watermark",
            "log_end_offset",
        ],
        |run| run.replica_series.iter(),
        |_, s, row| {
            row.time(s.time_ns).int(s.partition);
            match s.leader {
                Some(l) => row.int(l),
                None => row.put("none"),
            };
            row.int(s.isr).int(s.hw).int(s.leo);
        },
        w,
    )
}

/// Every run's summary as JSON.
pub fn runs_json(results: &[PointResult]) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        point: String,
        swept: Vec<(&'a str, String)>,
        summary: &'a Summary,
        violations: &'a [crate::checks::Violation],
    }
    let rows: Vec<Row> = results
        .iter()
        .flat_map(|r| {
            r.runs.iter().map(move |run| Row {
                point: r.point.name(),
                swept: r
                    .point
                    .label
                    .iter()
                    .map(|(k, v)| (*k, v.to_string()))
                    .collect(),
                summary: &run.summary,
                violations: &run.violations,
            })
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&rows).expect("serialisable");
    out.push(b'\n');
    out
}

/// The resolved scenario: every key with its value, the seeds and the sweep, as TOML.
pub fn resolved_toml(sc: &Scenario) -> Vec<u8> {
    let mut out = format!("# Resolved scenario from `{}`: every key, with defaults filled in.\n# Re-run with: kafkasim run <this file>\n", sc.source);
    out.push_str(&sc.base.to_toml());
    if !sc.sweep.is_empty() {
        out.push_str("\n[sweep]\n");
        for (k, vals) in &sc.sweep {
            let arr = toml::Value::Array(vals.iter().map(|v| v.to_toml()).collect());
            out.push_str(&format!("\"{k}\" = {arr}\n"));
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::Fields;

    #[test]
    fn fields_show_times_and_integers_as_display_does() {
        let mut row = Fields::default();
        let mut times = vec![0, 1, 999_999, 1_000_000, 1_500_000, 20_000_000, 999_000_000];
        times.extend([
            1_000_000_000,
            1_234_567_890,
            3_600_000_000_000,
            86_400_123_000_000,
        ]);
        times.extend([(1 << 53) - 1, 1 << 53, u64::MAX]);
        times.extend((0..2_000u64).map(|k| k * 20_000_000 + k % 3));
        for &ns in &times {
            row.time(ns).int(ns).int(-(ns as i64 % 1000));
        }
        let fields: Vec<&str> = row.iter().collect();
        for (i, &ns) in times.iter().enumerate() {
            assert_eq!(
                fields[3 * i],
                format!("{:.3}", ns as f64 / 1e9),
                "time {ns} ns"
            );
            assert_eq!(fields[3 * i + 1], ns.to_string());
            assert_eq!(fields[3 * i + 2], (-(ns as i64 % 1000)).to_string());
        }
    }
}
