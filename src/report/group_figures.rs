//! Plots of a group in time, for scenarios with few points (≤ 8): for each point's first run,
//! the lag of every partition over time and a rebalance timeline (who owns which partition
//! when, the gaps in which nothing is consumed, rebalances shaded and scenario events marked);
//! and, across points, the time spent rebalancing and the duplicates.

use super::plot::{BarChart, Caption, Chart, TimeChart};
use super::{mean_bars, Metric, PointLabel};
use crate::experiment::PointResult;

/// At most this many points get per-point plots.
const MAX_POINTS: usize = 8;

/// Whether these results are about a group in time (events or more than one rebalance).
pub fn group_activity(results: &[PointResult]) -> bool {
    results
        .iter()
        .any(|r| !r.config.events.is_empty() || r.runs.iter().any(|x| x.summary.rebalances > 1))
}

/// Each group's lag over time, for each point's first run (scenarios with several groups).
pub fn lag_per_group(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    if results.len() > MAX_POINTS {
        return vec![];
    }
    let several = results.len() > 1;
    let mut out = vec![];
    for (i, r) in results.iter().enumerate() {
        let Some(run) = r.runs.first().filter(|x| !x.group_series.is_empty()) else {
            continue;
        };
        let label = PointLabel::new(name, r, run.seed, i, several);
        let mut series: Vec<(String, Vec<(f64, f64)>)> = r
            .config
            .groups
            .iter()
            .map(|g| (g.consumer.group_id.clone(), vec![(0.0, 0.0)]))
            .collect();
        for s in &run.group_series {
            series[s.group as usize]
                .1
                .push((s.time_ns as f64 / 1e9, s.lag as f64));
        }
        out.push(lag_chart(
            &label,
            "lag-per-group",
            "Lag of each consumer group",
            "lag over the group's partitions (records)",
            series,
        ));
    }
    out
}

/// A lag-over-time chart of one point's run, with its file stem.
fn lag_chart(
    label: &PointLabel,
    stem: &str,
    title: &str,
    y_label: &str,
    series: Vec<(String, Vec<(f64, f64)>)>,
) -> (String, Chart) {
    (
        label.stem(stem),
        Chart::Time(TimeChart {
            title: label.title(title),
            x_label: "simulated time (s)".into(),
            y_label: y_label.into(),
            series,
            y_max: None,
            caption: label.caption(),
        }),
    )
}

/// The group charts, with file stems.
pub fn charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    if results.len() > MAX_POINTS || !group_activity(results) {
        return vec![];
    }
    let mut out = vec![];
    let several = results.len() > 1;
    for (i, r) in results.iter().enumerate() {
        let Some(run) = r.runs.first() else { continue };
        let label = PointLabel::new(name, r, run.seed, i, several);
        let mut series: Vec<(String, Vec<(f64, f64)>)> = (0..r.config.partitions)
            .map(|p| (format!("partition {p}"), vec![(0.0, 0.0)]))
            .collect();
        for s in &run.partition_series {
            series[s.partition as usize]
                .1
                .push((s.time_ns as f64 / 1e9, s.lag as f64));
        }
        out.push(lag_chart(
            &label,
            "lag",
            "Consumer lag per partition",
            "lag (records)",
            series,
        ));
        // One consumer that joined once owns everything all along: a timeline of one colour
        // carries nothing.
        if r.config.consumer_count() > 1 || run.summary.rebalances > 1 {
            out.push((label.stem("timeline"), super::timeline::chart(name, r, run)));
        }
    }
    if several {
        let caption = || {
            let seeds = results[0].runs.len();
            Caption(format!(
                "kafkasim · scenario {name} · mean over {seeds} seed(s) from {}",
                results[0].config.seed
            ))
        };
        // Drawn when some run rebalanced after its first join (the first join alone, the
        // same at every point, carries nothing).
        let rebalancing = mean_bars(results, &[("", |s| s.rebalance_s)]);
        if results
            .iter()
            .any(|r| r.runs.iter().any(|x| x.summary.rebalances > 1))
        {
            out.push((
                "rebalance-time".into(),
                Chart::Bar(BarChart {
                    title: "Time spent rebalancing".into(),
                    x_label: "scenario point".into(),
                    y_label: "rebalance time, summed (s)".into(),
                    groups: rebalancing,
                    stacked: false,
                    caption: caption(),
                }),
            ));
        }
        // What went wrong with records, per point: drawn only when something did.
        let kinds: [(&str, Metric); 3] = [
            ("processed twice", |s| s.duplicates as f64),
            ("in the log twice", |s| s.guarantees.log_duplicates as f64),
            ("acknowledged, then lost", |s| s.lost as f64),
        ];
        // Only the kinds that happened somewhere: a legend of zeros says nothing.
        let mut groups = mean_bars(results, &kinds);
        let happened: Vec<String> = kinds
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| {
                groups
                    .iter()
                    .any(|g| g.1.iter().any(|b| &b.0 == k && b.1 > 0.0))
            })
            .collect();
        for g in &mut groups {
            g.1.retain(|b| happened.contains(&b.0));
        }
        if !happened.is_empty() {
            out.push((
                "duplicates".into(),
                Chart::Bar(BarChart {
                    // One kind: no legend is drawn, so the title names it.
                    title: match happened.as_slice() {
                        [one] => format!("Records {one}"),
                        _ => "Records duplicated or lost".into(),
                    },
                    x_label: "scenario point".into(),
                    y_label: "records (mean over seeds)".into(),
                    groups,
                    stacked: false,
                    caption: caption(),
                }),
            ));
        }
    }
    out
}
