//! The rebalance timeline of one run: for each partition, which consumer owned it when (one
//! colour per consumer), so the gaps in which nobody could consume stand out; rebalances shaded
//! and numbered (the notes give each one's cause and duration); scenario events marked.

use super::plot::{Caption, Chart, TimelineBar, TimelineChart};
use crate::experiment::rebalances::intervals;
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
        Action::BrokerCrash { broker } => format!("b{broker} crashes"),
        Action::BrokerRestart { broker } => format!("b{broker} restarts"),
        Action::BrokerSlowDisk { broker, .. } => format!("b{broker} slow disk"),
        Action::NetworkCut { .. } => "network cut".into(),
        Action::RequestsFail { .. } => "requests fail".into(),
        Action::ResetOffsets { .. } => "offsets reset".into(),
    }
}

/// The timeline chart of `run` (a run of point `r` of scenario `name`).
pub fn chart(name: &str, r: &PointResult, run: &RunOutput) -> Chart {
    let end_ns = (run.summary.sim_end_s * 1e9).round() as u64;
    let bars = intervals(&run.assignments, r.config.partitions, end_ns)
        .into_iter()
        .map(|(p, c, s, e)| TimelineBar {
            row: p as usize,
            start_s: s as f64 / 1e9,
            end_s: e as f64 / 1e9,
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
            format!("Who reads which partition — {}", r.point.short_name())
        },
        x_label: format!("simulated time (s) · {protocol}"),
        rows: (0..r.config.partitions)
            .map(|p| format!("partition {p}"))
            .collect(),
        bars,
        legend: (0..r.config.consumer_count() as usize)
            .map(|c| (c, format!("consumer {c}")))
            .collect(),
        windows,
        marks,
        x_max_s: run.summary.sim_end_s,
        notes,
        caption: Caption(format!(
            "kafkasim · scenario {name} · {} · seed {} · blank = partition not owned",
            r.point.short_name(),
            run.seed
        )),
    })
}
