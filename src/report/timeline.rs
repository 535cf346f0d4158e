//! The rebalance timeline of one run: for each partition, which consumer owned it when (one
//! colour per consumer), so the gaps in which nobody could consume stand out; rebalances shaded
//! and numbered (the notes give each one's cause and duration); scenario events marked.

use super::plot::{Caption, Chart, TimelineBar, TimelineChart};
use crate::experiment::{PointResult, RunOutput};
use crate::scenario::events::Action;

fn event_label(a: &Action) -> String {
    match a {
        Action::ConsumerJoin { consumer } => format!("c{consumer} joins"),
        Action::ConsumerLeave { consumer } => format!("c{consumer} leaves"),
        Action::ConsumerCrash { consumer } => format!("c{consumer} crashes"),
        Action::ConsumerRestart { consumer } => format!("c{consumer} restarts"),
        Action::ConsumerSlow { consumer, .. } => format!("c{consumer} slows"),
        Action::ConsumerPause { consumer, .. } => format!("c{consumer} paused"),
        Action::ConsumerStall { consumer, .. } => format!("c{consumer} stalls"),
        Action::RollingRestart { .. } => "rolling restart".into(),
        Action::ProducerRate {
            rate_milli_per_s, ..
        } => format!("rate {}/s", rate_milli_per_s / 1000),
    }
}

/// Ownership intervals (partition, consumer, start, end) from the assignment samples.
pub fn intervals(run: &RunOutput, partitions: u32) -> Vec<(u32, u32, f64, f64)> {
    let end = run.summary.sim_end_s;
    let mut open: Vec<Option<(u32, f64)>> = vec![None; partitions as usize];
    let mut out = vec![];
    for a in &run.assignments {
        let t = a.time_ns as f64 / 1e9;
        for p in 0..partitions {
            let now_owner = a.partitions.contains(&p).then_some(a.consumer);
            match (open[p as usize], now_owner) {
                (Some((c, s)), None) if c == a.consumer => {
                    out.push((p, c, s, t));
                    open[p as usize] = None;
                }
                (Some((c, s)), Some(_)) if c != a.consumer => {
                    // Taken over without a release sample (should not happen): close it here.
                    out.push((p, c, s, t));
                    open[p as usize] = Some((a.consumer, t));
                }
                (None, Some(c)) => open[p as usize] = Some((c, t)),
                _ => {}
            }
        }
    }
    for (p, o) in open.into_iter().enumerate() {
        if let Some((c, s)) = o {
            out.push((p as u32, c, s, end));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.total_cmp(&b.2)));
    out
}

/// The timeline chart of `run` (a run of point `r` of scenario `name`).
pub fn chart(name: &str, r: &PointResult, run: &RunOutput) -> Chart {
    let bars = intervals(run, r.config.partitions)
        .into_iter()
        .map(|(p, c, s, e)| TimelineBar {
            row: p as usize,
            start_s: s,
            end_s: e,
            colour: c as usize,
        })
        .collect();
    let list = &run.summary.rebalance_list;
    let windows = list
        .iter()
        .enumerate()
        .map(|(i, b)| (b.start_s, b.end_s, format!("R{}", i + 1)))
        .collect();
    let notes = list
        .iter()
        .enumerate()
        .map(|(i, b)| {
            format!(
                "R{}: {} — {:.1} s, {} moved",
                i + 1,
                b.cause,
                b.duration_s,
                b.partitions_moved
            )
        })
        .collect();
    let marks = r
        .config
        .events
        .iter()
        .map(|e| (e.at_ns as f64 / 1e9, event_label(&e.action)))
        .collect();
    let protocol = if r.config.consumer.kip848 {
        "consumer protocol (KIP-848)".to_string()
    } else {
        let names: Vec<&str> = r
            .config
            .consumer
            .assignors
            .iter()
            .map(|a| a.name())
            .collect();
        format!("classic protocol, {}", names.join(","))
    };
    Chart::Timeline(TimelineChart {
        title: if r.point.label.is_empty() {
            "Who reads which partition".to_string()
        } else {
            format!("Who reads which partition — {}", r.point.name())
        },
        x_label: format!("simulated time (s) · {protocol}"),
        rows: (0..r.config.partitions)
            .map(|p| format!("partition {p}"))
            .collect(),
        bars,
        legend: (0..r.config.consumer.count as usize)
            .map(|c| (c, format!("consumer {c}")))
            .collect(),
        windows,
        marks,
        x_max_s: run.summary.sim_end_s,
        notes,
        caption: Caption(format!(
            "kafkasim · scenario {name} · {} · seed {} · blank = partition not owned",
            r.point.name(),
            run.seed
        )),
    })
}
