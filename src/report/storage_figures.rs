//! Figures of the log's life, drawn only when retention deleted something: where every
//! produced record went at each point (processed, or deleted before anyone read it), and, for
//! the first point's first run, one partition's log end, log start and consumed offset over
//! time — the consumer falling below the log start and being sent forward.

use super::plot::{BarChart, Caption, Chart, TimeChart};
use super::{mean_bars, Metric, PointLabel};
use crate::experiment::PointResult;

fn deleted(results: &[PointResult]) -> bool {
    results
        .iter()
        .flat_map(|r| &r.runs)
        .any(|x| x.summary.storage.stats.segments_deleted > 0)
}

/// The storage charts, with file stems.
pub fn charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    let (Some(first), true) = (results.first(), deleted(results)) else {
        return vec![];
    };
    let mut out = vec![];
    let seeds = first.runs.len();
    let kinds: [(&str, Metric); 2] = [
        ("processed", |s| s.records_consumed as f64),
        ("deleted by retention, never read", |s| {
            s.storage.deleted_unread as f64
        }),
    ];
    let groups = mean_bars(results, &kinds);
    out.push((
        "records-deleted".into(),
        Chart::Bar(BarChart {
            title: "Records read, and records retention deleted first".into(),
            x_label: "scenario point".into(),
            y_label: "records (mean over seeds)".into(),
            groups,
            stacked: false,
            caption: Caption(format!(
                "kafkasim · scenario {name} · mean over {seeds} seed(s) from {}",
                first.config.seed
            )),
        }),
    ));
    if let Some(run) = first.runs.first() {
        let label = PointLabel::new(name, first, run.seed, 0, false);
        let mut series: Vec<(String, Vec<(f64, f64)>)> = [
            "log end offset (produced)",
            "log start offset (retention)",
            "consumed offset",
        ]
        .into_iter()
        .map(|s| (s.to_string(), vec![]))
        .collect();
        for s in run.partition_series.iter().filter(|s| s.partition == 0) {
            let t = s.time_ns as f64 / 1e9;
            for (i, v) in [s.produced, s.log_start, s.consumed]
                .into_iter()
                .enumerate()
            {
                series[i].1.push((t, v as f64));
            }
        }
        let point = if first.point.label.is_empty() {
            String::new()
        } else {
            format!(" ({})", first.point.short_name())
        };
        out.push((
            "log-start".into(),
            Chart::Time(TimeChart {
                title: format!("Partition 0: retention moves the log start{point}"),
                x_label: "simulated time (s)".into(),
                y_label: "offset (records since the first)".into(),
                series,
                y_max: None,
                caption: label.caption(),
            }),
        ));
    }
    out
}

fn compacted(results: &[PointResult]) -> bool {
    results
        .iter()
        .flat_map(|r| &r.runs)
        .any(|x| x.summary.storage.cleaner.is_some())
}

/// The compaction charts (drawn when a log cleaner ran), with file stems: what the log holds
/// at the end against what was produced, and what the cleaner read and wrote, per point.
pub fn compaction_charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    let (Some(first), true) = (results.first(), compacted(results)) else {
        return vec![];
    };
    let seeds = first.runs.len();
    let caption = || {
        Caption(format!(
            "kafkasim · scenario {name} · mean over {seeds} seed(s) from {}",
            first.config.seed
        ))
    };
    let kinds: [(&str, Metric); 2] = [
        ("records produced", |s| s.records_produced as f64),
        ("records left in the log", |s| {
            (s.records_produced as f64)
                - s.storage.cleaner.map_or(0.0, |c| c.records_removed as f64)
        }),
    ];
    let work: [(&str, Metric); 2] = [
        ("read", |s| {
            s.storage.cleaner.map_or(0.0, |c| c.bytes_read as f64 / 1e6)
        }),
        ("written", |s| {
            s.storage
                .cleaner
                .map_or(0.0, |c| c.bytes_written as f64 / 1e6)
        }),
    ];
    vec![
        (
            "compaction".into(),
            Chart::Bar(BarChart {
                title: "Records produced, and left in the log after compaction".into(),
                x_label: "scenario point".into(),
                y_label: "records (mean over seeds)".into(),
                groups: mean_bars(results, &kinds),
                stacked: false,
                caption: caption(),
            }),
        ),
        (
            "cleaner-work".into(),
            Chart::Bar(BarChart {
                title: "What the log cleaner read and wrote".into(),
                x_label: "scenario point".into(),
                y_label: "MB (10^6 bytes, mean over seeds)".into(),
                groups: mean_bars(results, &work),
                stacked: false,
                caption: caption(),
            }),
        ),
    ]
}

/// Each topic's log size over time (the leaders' replicas), when logs shrink (a log cleaner
/// ran, or retention deleted segments) — logs that only grow draw one rising line per topic,
/// which says nothing: one series per topic of the first point, or, for a compacted
/// single-topic sweep, one per point (at most eight).
pub fn log_size_chart(name: &str, results: &[PointResult]) -> Option<(String, Chart)> {
    let first = results.first()?;
    let topics = &first.config.topics;
    if !(compacted(results) || deleted(results)) || results.len() > 8 {
        return None;
    }
    if results.len() > 1 && topics.len() > 1 {
        return None;
    }
    // Points of a retention sweep mostly share their log sizes (the swept key is about the
    // readers): their lines would hide each other, so the first point alone is drawn. A
    // compaction sweep's points differ by what the cleaner leaves.
    let results = if compacted(results) {
        results
    } else {
        &results[..1]
    };
    let run = first.runs.first()?;
    let mut series: Vec<(String, Vec<(f64, f64)>)> = vec![];
    for r in results {
        let Some(run) = r.runs.first() else { continue };
        let mut by_topic: Vec<std::collections::BTreeMap<u64, u64>> =
            vec![Default::default(); r.config.topics.len()];
        for s in &run.partition_series {
            let t = r.config.topics.partition_point(|t| t.first <= s.partition) - 1;
            *by_topic[t].entry(s.time_ns).or_default() += s.log_bytes;
        }
        for (t, points) in by_topic.into_iter().enumerate() {
            let label = if results.len() > 1 {
                r.point.short_name()
            } else {
                r.config.topics[t].name.clone()
            };
            let pts = points
                .into_iter()
                .map(|(at, b)| (at as f64 / 1e9, b as f64 / 1e6))
                .collect();
            series.push((label, pts));
        }
    }
    let caption = if results.len() > 1 {
        Caption(format!(
            "kafkasim · scenario {name} · first run of each point, seed {}",
            run.seed
        ))
    } else {
        PointLabel::new(name, first, run.seed, 0, false).caption()
    };
    Some((
        "log-size".into(),
        Chart::Time(TimeChart {
            title: if compacted(results) {
                "Log size over time: the cleaner cuts it back".into()
            } else {
                "Log size over time: retention deletes the oldest segments".into()
            },
            x_label: "simulated time (s)".into(),
            y_label: "bytes on disk, leaders' replicas (MB)".into(),
            series,
            y_max: None,
            caption,
        }),
    ))
}

/// Each broker's disk usage over time, for the first point's first run (several brokers).
pub fn disk_per_broker_chart(name: &str, results: &[PointResult]) -> Option<(String, Chart)> {
    let first = results.first()?;
    let run = first.runs.first()?;
    if first.config.brokers < 2 || run.disk_series.is_empty() {
        return None;
    }
    let mut series: Vec<(String, Vec<(f64, f64)>)> = (0..first.config.brokers)
        .map(|b| (format!("broker {b}"), vec![]))
        .collect();
    for s in &run.disk_series {
        series[s.broker as usize]
            .1
            .push((s.time_ns as f64 / 1e9, s.log_bytes as f64 / 1e6));
    }
    let several = results.len() > 1;
    let label = PointLabel::new(name, first, run.seed, 0, several);
    Some((
        "disk-per-broker".into(),
        Chart::Time(TimeChart {
            title: label.title("Disk used by each broker's logs"),
            x_label: "simulated time (s)".into(),
            y_label: "bytes of its replicas' segments (MB)".into(),
            series,
            y_max: None,
            caption: label.caption(),
        }),
    ))
}
