//! Plots about replication and guarantees:
//!
//! 1. for each point's first run in which leadership or an ISR changed, the partitions each
//!    broker leads over time and each partition's ISR size over time — a failover shows as
//!    leaders moving and ISRs shrinking, then growing back;
//! 2. across points, when acks, the replication factor or idempotence is swept: publish
//!    latency percentiles (p50, p99, p99.9, max) and producer throughput per point.

use super::export::point_estimate;
use super::plot::{BarChart, Caption, Chart, TimeChart};
use super::PointLabel;
use crate::experiment::PointResult;

/// At most this many points get per-point plots.
const MAX_POINTS: usize = 8;

fn seed_caption(name: &str, r: &PointResult) -> Caption {
    let seeds: Vec<u64> = r.runs.iter().map(|x| x.seed).collect();
    let text = match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if a != b => format!("seeds {a}–{b}"),
        (Some(a), _) => format!("seed {a}"),
        _ => String::new(),
    };
    Caption(format!("kafkasim · scenario {name} · {text}"))
}

/// Every replication chart, with file stems.
pub fn charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    let mut out = vec![];
    let per_point: Vec<&PointResult> = results
        .iter()
        .filter(|r| {
            r.runs.first().is_some_and(|x| {
                let g = &x.summary.guarantees;
                !x.replica_series.is_empty() && (g.isr_changes > 0 || !g.elections.is_empty())
            })
        })
        .collect();
    let several = per_point.len() > 1;
    if per_point.len() <= MAX_POINTS {
        for (i, r) in per_point.iter().enumerate() {
            let run = &r.runs[0];
            let label = PointLabel::new(name, r, run.seed, i, several);
            let brokers = r.config.brokers as usize;
            let partitions = r.config.partitions as usize;
            let mut leaders: Vec<(String, Vec<(f64, f64)>)> = (0..brokers)
                .map(|b| (format!("broker {b}"), vec![]))
                .collect();
            let mut isr: Vec<(String, Vec<(f64, f64)>)> = if partitions <= 8 {
                (0..partitions)
                    .map(|p| (format!("partition {p}"), vec![]))
                    .collect()
            } else {
                vec![
                    ("under-replicated partitions".into(), vec![]),
                    ("offline partitions".into(), vec![]),
                ]
            };
            for chunk in run.replica_series.chunks(partitions) {
                let t = chunk[0].time_ns as f64 / 1e9;
                let mut led = vec![0.0; brokers];
                let (mut under, mut offline) = (0.0, 0.0);
                for s in chunk {
                    match s.leader {
                        Some(l) => led[l as usize] += 1.0,
                        None => offline += 1.0,
                    }
                    if s.isr < r.config.replication.factor {
                        under += 1.0;
                    }
                    if partitions <= 8 {
                        isr[s.partition as usize].1.push((t, s.isr as f64));
                    }
                }
                for (b, n) in led.into_iter().enumerate() {
                    leaders[b].1.push((t, n));
                }
                if partitions > 8 {
                    isr[0].1.push((t, under));
                    isr[1].1.push((t, offline));
                }
            }
            out.push((
                label.stem("leaders-per-broker"),
                Chart::Time(TimeChart {
                    title: label.title("Partitions led by each broker"),
                    x_label: "simulated time (s)".into(),
                    y_label: "partitions led".into(),
                    series: leaders,
                    y_max: None,
                    caption: label.caption(),
                }),
            ));
            out.push((
                label.stem("isr-size"),
                Chart::Time(TimeChart {
                    title: if partitions <= 8 {
                        label.title("In-sync replicas per partition")
                    } else {
                        label.title("Under-replicated and offline partitions")
                    },
                    x_label: "simulated time (s)".into(),
                    y_label: if partitions <= 8 {
                        "ISR size (replicas)"
                    } else {
                        "partitions"
                    }
                    .into(),
                    series: isr,
                    y_max: None,
                    caption: label.caption(),
                }),
            ));
        }
    }
    let swept = results.first().map_or(vec![], |r| {
        r.point.label.iter().map(|(k, _)| *k).collect::<Vec<_>>()
    });
    let about = [
        "producer.acks",
        "topic.replication.factor",
        "producer.enable.idempotence",
    ];
    if results.len() > 1 && results.len() <= 12 && swept.iter().any(|k| about.contains(k)) {
        let caption = seed_caption(name, &results[0]);
        // More than 6 points over several keys: one figure per value of the first key (small
        // multiples), so the labels stay legible.
        let split = results.len() > 6 && swept.len() > 1;
        let mut panels: Vec<(String, Vec<&PointResult>)> = vec![];
        for r in results {
            let key = if split {
                let (k, v) = &r.point.label[0];
                format!("{k}={v}")
            } else {
                String::new()
            };
            match panels.iter_mut().find(|p| p.0 == key) {
                Some(p) => p.1.push(r),
                None => panels.push((key, vec![r])),
            }
        }
        for (i, (key, members)) in panels.iter().enumerate() {
            let groups = members
                .iter()
                .map(|r| {
                    let e = |f: fn(&crate::experiment::Summary) -> f64| point_estimate(r, f).mean;
                    let short = r.point.short_name();
                    let name = match split {
                        true => short
                            .split_once(", ")
                            .map_or(short.clone(), |x| x.1.to_string()),
                        false => short,
                    };
                    (
                        name,
                        vec![
                            ("p50".to_string(), e(|s| s.publish_latency.p50_ms)),
                            ("p99".to_string(), e(|s| s.publish_latency.p99_ms)),
                            ("p99.9".to_string(), e(|s| s.publish_latency.p999_ms)),
                            ("max".to_string(), e(|s| s.publish_latency.max_ms)),
                        ],
                    )
                })
                .collect();
            let (stem, title) = match split {
                true => (
                    format!("publish-latency-{}", i + 1),
                    format!("Publish latency, {key}"),
                ),
                false => (
                    "publish-latency".to_string(),
                    "Publish latency (send → acknowledged), mean over seeds".to_string(),
                ),
            };
            out.push((
                stem,
                Chart::Bar(BarChart {
                    title,
                    x_label: "sweep point".into(),
                    y_label: "latency (ms)".into(),
                    groups,
                    stacked: false,
                    caption: Caption(caption.0.clone()),
                }),
            ));
        }
        // With several swept keys, one group per value of all but the last, one bar per value
        // of the last (12 points read as 4 groups of 3, with legible labels).
        let mut groups: Vec<(String, Vec<(String, f64)>)> = vec![];
        for r in results {
            let e = point_estimate(r, |s| s.produce_records_per_s).mean;
            let (group, bar) = match r.point.label.len() {
                0 | 1 => (r.point.short_name(), "records/s".to_string()),
                _ => r.point.short_name_split(),
            };
            match groups.iter_mut().find(|g| g.0 == group) {
                Some(g) => g.1.push((bar, e)),
                None => groups.push((group, vec![(bar, e)])),
            }
        }
        out.push((
            "produce-throughput".into(),
            Chart::Bar(BarChart {
                title: "Producer throughput, mean over seeds".into(),
                x_label: "sweep point".into(),
                y_label: "records acknowledged per second".into(),
                groups,
                stacked: false,
                caption: seed_caption(name, &results[0]),
            }),
        ));
    }
    out
}
