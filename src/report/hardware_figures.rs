//! The hardware figure: utilisation over time of the busiest resources (CPU, NIC lines,
//! disks of every host) in the first point's first run — which one binds, and when.

use super::plot::{Caption, Chart, TimeChart};
use crate::experiment::PointResult;

/// Resources drawn (the busiest on average), so the lines stay readable.
const SHOWN: usize = 4;

/// The chart, with its file stem (none when nothing was busy).
pub fn charts(name: &str, results: &[PointResult]) -> Vec<(String, Chart)> {
    let Some(r) = results.first() else {
        return vec![];
    };
    let Some(run) = r.runs.first() else {
        return vec![];
    };
    let hosts = &run.summary.hosts;
    // (host, resource) ranked by average utilisation.
    let mut ranked: Vec<(usize, usize, f64)> = hosts
        .iter()
        .enumerate()
        .flat_map(|(h, u)| {
            u.resources()
                .into_iter()
                .enumerate()
                .map(move |(i, (_, x))| (h, i, x))
        })
        .filter(|&(_, _, x)| x > 0.01)
        .collect();
    ranked.sort_by(|a, b| b.2.total_cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    ranked.truncate(SHOWN);
    if ranked.is_empty() {
        return vec![];
    }
    let mut series: Vec<(String, Vec<(f64, f64)>)> = ranked
        .iter()
        .map(|&(h, i, _)| (hosts[h].resources()[i].0.clone(), vec![]))
        .collect();
    for i in crate::experiment::usage::intervals(hosts, &run.host_series) {
        for (k, &(h, r, _)) in ranked.iter().enumerate() {
            if h == i.host {
                // Flat over the interval it measures.
                for t in [i.start_ns, i.time_ns] {
                    series[k].1.push((t as f64 / 1e9, 100.0 * i.busy[r]));
                }
            }
        }
    }
    let point = if r.point.label.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.point.name())
    };
    vec![(
        "hardware-utilisation".into(),
        Chart::Time(TimeChart {
            title: format!("What binds: {}", run.summary.bottleneck),
            x_label: "simulated time (s)".into(),
            y_label: "utilisation (%)".into(),
            series,
            caption: Caption(format!(
                "kafkasim · scenario {name}{point} · seed {} · the {SHOWN} busiest resources, per {} ms",
                run.seed,
                r.config.series_interval_ns / 1_000_000
            )),
        }),
    )]
}
