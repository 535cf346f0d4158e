//! Which plots a sweep gets, built from results:
//!
//! 1. time to consume every record vs the first swept numeric key (partitions in the classroom
//!    experiment), one line per consumer count, mean ± 95% CI — from the consumers' start and
//!    after the group formed;
//! 2. records consumed over time per consumer (the point with the most partitions and consumers);
//! 3. records per partition for each key mode (when `producer.keys` is swept);
//! 4. when `host.cores` and `consumer.count` are both swept: the speed-up after the join
//!    relative to one consumer on the same machine, vs consumers, one line per core count —
//!    when more partitions and consumers help, and when the machine is the limit.
//!
//! Other swept keys are held at their first value; the title says which.

use super::export::point_estimate;
use super::plot::{BarChart, Caption, Chart, LineChart, Series, TimeChart};
use crate::experiment::{PointResult, Summary};
use crate::scenario::Value;

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn label_of<'a>(r: &'a PointResult, key: &str) -> Option<&'a Value> {
    r.point
        .label
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Every chart for these results, with file stems.
pub fn charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    let Some(first) = results.first() else {
        return vec![];
    };
    let seeds: Vec<u64> = first.runs.iter().map(|r| r.seed).collect();
    let seed_text = match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if a != b => format!("seeds {a}–{b} ({} runs per point)", seeds.len()),
        (Some(a), _) => format!("seed {a}"),
        _ => String::new(),
    };
    let caption = || Caption(format!("kafkasim · scenario {name} · {seed_text}"));
    let swept: Vec<&str> = first.point.label.iter().map(|(k, _)| *k).collect();
    let mut out = vec![];
    let x_key = if swept.contains(&"topic.partitions") {
        Some("topic.partitions")
    } else {
        swept
            .iter()
            .copied()
            .find(|k| num(label_of(first, k).unwrap()).is_some())
    };
    let consumed = results
        .iter()
        .any(|r| r.runs.iter().any(|x| x.summary.records_consumed > 0));
    if let (Some(x_key), true) = (x_key, consumed) {
        let series_key = swept
            .iter()
            .copied()
            .find(|k| *k == "consumer.count" && *k != x_key);
        // Other swept keys are fixed at their first value, but for keys at `random`: the even
        // spread the lesson is about (no key is sticky and lumpy, a fixed key one partition).
        let fixed: Vec<(&str, Value)> = swept
            .iter()
            .filter(|k| **k != x_key && Some(**k) != series_key)
            .map(|k| {
                let random = results
                    .iter()
                    .filter_map(|r| label_of(r, k))
                    .find(|v| *k == "producer.keys" && v.to_string() == "random");
                (*k, random.unwrap_or(label_of(first, k).unwrap()).clone())
            })
            .collect();
        let selected: Vec<&PointResult> = results
            .iter()
            .filter(|r| fixed.iter().all(|(k, v)| label_of(r, k) == Some(v)))
            .collect();
        let fixed_text = if fixed.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                fixed
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut line = |stem: &str, title: &str, y: &str, f: fn(&Summary) -> f64| {
            let mut groups: Vec<(String, Vec<(f64, f64, f64)>)> = vec![];
            for r in &selected {
                let s = series_key
                    .and_then(|k| label_of(r, k))
                    .map(|v| format!("{v} consumer(s)"))
                    .unwrap_or_else(|| "all runs".into());
                let e = point_estimate(r, f);
                let x = num(label_of(r, x_key).unwrap()).unwrap_or(0.0);
                match groups.iter_mut().find(|g| g.0 == s) {
                    Some(g) => g.1.push((x, e.mean, e.ci95)),
                    None => groups.push((s, vec![(x, e.mean, e.ci95)])),
                }
            }
            let chart = LineChart {
                title: format!("{title}{fixed_text}"),
                x_label: x_key.to_string(),
                y_label: y.into(),
                series: groups
                    .into_iter()
                    .map(|(label, points)| Series { label, points })
                    .collect(),
                caption: caption(),
                x_is_categorical: true,
            };
            out.push((stem.to_string(), Chart::Line(chart)));
        };
        line(
            "time-to-consume",
            "Time to read every record",
            "time from consumer start (s)",
            |s| s.consume_s,
        );
        line(
            "time-after-join",
            "Time to read every record once the group formed",
            "time after assignment (s)",
            |s| s.consume_after_join_s,
        );
        line(
            "throughput-after-join",
            "Consumer throughput once the group formed",
            "records/s (all consumers)",
            |s| s.consume_records_per_s_after_join,
        );
        // Where the time to read everything goes: forming the group, then reading.
        if let (Some(series_key), true) = (series_key, selected.len() <= 16) {
            let groups = selected
                .iter()
                .map(|r| {
                    let e = |f: fn(&Summary) -> f64| point_estimate(r, f).mean;
                    let x = label_of(r, x_key)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    let c = label_of(r, series_key)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    (
                        format!("{x} × {c}"),
                        vec![
                            ("joining the group".to_string(), e(|s| s.join_s)),
                            ("reading".to_string(), e(|s| s.consume_after_join_s)),
                        ],
                    )
                })
                .collect();
            out.push((
                "join-vs-read".into(),
                Chart::Bar(BarChart {
                    title: format!("Time to read every record: joining, then reading{fixed_text}"),
                    x_label: format!("{x_key} × {series_key}"),
                    y_label: "time from consumer start (s)".into(),
                    groups,
                    stacked: true,
                    caption: caption(),
                }),
            ));
        }
    }
    let busiest = results
        .iter()
        .max_by_key(|r| {
            (
                r.config.partitions,
                r.config.consumer_count(),
                std::cmp::Reverse(r.point.index),
            )
        })
        .expect("non-empty");
    if let Some(run) = busiest.runs.first() {
        // From just before the first record: the join before it is in the title, not the width.
        let first_ns = run
            .consumer_series
            .iter()
            .filter(|s| s.records > 0)
            .map(|s| s.time_ns)
            .min()
            .unwrap_or(0);
        let last_ns = run
            .consumer_series
            .iter()
            .map(|s| s.time_ns)
            .max()
            .unwrap_or(0);
        let from_ns = first_ns.saturating_sub((last_ns - first_ns.min(last_ns)) / 10);
        let from_s = from_ns as f64 / 1e9;
        let mut series: Vec<(String, Vec<(f64, f64)>)> = (0..busiest.config.consumer_count())
            .map(|c| (format!("consumer {c}"), vec![(from_s, 0.0)]))
            .collect();
        for s in run.consumer_series.iter().filter(|s| s.time_ns > from_ns) {
            series[s.consumer as usize]
                .1
                .push((s.time_ns as f64 / 1e9, s.records as f64));
        }
        let keys = label_of(busiest, "producer.keys")
            .map(|v| format!(", keys {v}"))
            .unwrap_or_default();
        if !series.is_empty() {
            out.push((
                "consumption-over-time".into(),
                Chart::Time(TimeChart {
                    title: format!(
                        "Records read per consumer from the first record at {:.1} s ({} partitions, {} consumers{keys})",
                        first_ns as f64 / 1e9,
                        busiest.config.partitions,
                        busiest.config.consumer_count()
                    ),
                    x_label: "simulated time (s)".into(),
                    y_label: "records consumed".into(),
                    series,
                    y_max: None,
                    caption: Caption(format!("kafkasim · scenario {name} · seed {}", run.seed)),
                }),
            ));
        }
    }
    if swept.contains(&"host.cores") && swept.contains(&"consumer.count") {
        out.push((
            "speedup-by-cores".into(),
            speedup_by_cores(results, caption()),
        ));
    }
    if swept.contains(&"producer.keys") {
        let max_p = results
            .iter()
            .map(|r| r.config.partitions)
            .max()
            .unwrap_or(1);
        let mut groups: Vec<(String, Vec<(String, f64)>)> = vec![];
        for r in results.iter().filter(|r| r.config.partitions == max_p) {
            let mode = label_of(r, "producer.keys").unwrap().to_string();
            if groups.iter().any(|g| g.0 == mode) {
                continue;
            }
            let n = r.runs.len().max(1) as f64;
            let bars = (0..max_p as usize)
                .map(|p| {
                    (
                        format!("p{p}"),
                        r.runs
                            .iter()
                            .map(|x| x.summary.partition_records[p] as f64)
                            .sum::<f64>()
                            / n,
                    )
                })
                .collect();
            groups.push((mode, bars));
        }
        out.push((
            "records-per-partition".into(),
            Chart::Bar(BarChart {
                title: format!(
                    "Records per partition by key mode ({max_p} partitions, mean over seeds)"
                ),
                x_label: "producer.keys".into(),
                y_label: "records".into(),
                groups,
                stacked: false,
                caption: caption(),
            }),
        ));
    }
    out
}

/// Speed-up after the join vs consumers, one line per core count (other swept keys at their
/// first value). Each run is divided by the mean of the one-consumer point with the same cores.
fn speedup_by_cores(results: &[PointResult], caption: Caption) -> Chart {
    let first = &results[0];
    let fixed: Vec<(&str, &Value)> = first
        .point
        .label
        .iter()
        .filter(|(k, _)| *k != "host.cores" && *k != "consumer.count")
        .map(|(k, v)| (*k, v))
        .collect();
    let selected: Vec<&PointResult> = results
        .iter()
        .filter(|r| fixed.iter().all(|(k, v)| label_of(r, k) == Some(*v)))
        .collect();
    let mut series: Vec<Series> = vec![];
    for r in &selected {
        let cores = r.config.host.cores;
        let Some(one) = selected
            .iter()
            .find(|o| o.config.host.cores == cores && o.config.consumer_count() == 1)
        else {
            continue;
        };
        let base = point_estimate(one, |s| s.consume_records_per_s_after_join).mean;
        if base <= 0.0 {
            continue;
        }
        let e = point_estimate(r, |s| s.consume_records_per_s_after_join);
        let label = format!("{cores} core(s)");
        let point = (
            r.config.consumer_count() as f64,
            e.mean / base,
            e.ci95 / base,
        );
        match series.iter_mut().find(|x| x.label == label) {
            Some(x) => x.points.push(point),
            None => series.push(Series {
                label,
                points: vec![point],
            }),
        }
    }
    let fixed_text = fixed
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    Chart::Line(LineChart {
        title: if fixed_text.is_empty() {
            "Speed-up of a consumer group, by the machine's cores".into()
        } else {
            format!("Speed-up of a consumer group, by the machine's cores ({fixed_text})")
        },
        x_label: "consumers in the group".into(),
        y_label: "speed-up after the join (× one consumer)".into(),
        series,
        caption,
        x_is_categorical: true,
    })
}
