//! The hardware figures of the first point's first run: utilisation over time of the busiest
//! resources (CPU, NIC lines, disks of every host) — which one binds, and when; and, when reads
//! missed the page cache, its hit ratio and the disks' throughput over time.

use super::plot::{Caption, Chart, TimeChart};
use crate::experiment::usage::{HostUsage, Interval};
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
    let intervals = crate::experiment::usage::intervals(hosts, &run.host_series);
    for i in &intervals {
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
    let caption = Caption(format!(
        "kafkasim · scenario {name}{point} · seed {} · per {} ms",
        run.seed,
        r.config.series_interval_ns / 1_000_000
    ));
    let mut out = disk_charts(hosts, &intervals, &caption);
    out.insert(0, (
        "hardware-utilisation".into(),
        Chart::Time(TimeChart {
            title: format!("What binds: {}", run.summary.bottleneck),
            x_label: "simulated time (s)".into(),
            y_label: "utilisation (%)".into(),
            series,
            y_max: None,
            caption: Caption(format!(
                "kafkasim · scenario {name}{point} · seed {} · the {SHOWN} busiest resources, per {} ms",
                run.seed,
                r.config.series_interval_ns / 1_000_000
            )),
        }),
    ));
    out
}

/// When some read missed the page cache: the hit ratio of each host that read, and the read
/// and write throughput of each host's disks, over time.
fn disk_charts(
    hosts: &[HostUsage],
    intervals: &[Interval],
    caption: &Caption,
) -> Vec<(String, Chart)> {
    if !intervals.iter().any(|i| i.miss_bytes > 0) {
        return vec![];
    }
    let mut hit: Vec<(String, Vec<(f64, f64)>)> = vec![];
    let mut disk: Vec<(String, Vec<(f64, f64)>)> = vec![];
    for (h, host) in hosts.iter().enumerate() {
        let mine: Vec<_> = intervals.iter().filter(|i| i.host == h).collect();
        // Flat over the interval each value measures.
        let flat =
            |v: f64, i: &Interval| [(i.start_ns as f64 / 1e9, v), (i.time_ns as f64 / 1e9, v)];
        let ratio: Vec<(f64, f64)> = mine
            .iter()
            .filter_map(|i| i.hit_ratio().map(|h| flat(100.0 * h, i)))
            .flatten()
            .collect();
        if !ratio.is_empty() {
            hit.push((host.name.clone(), ratio));
        }
        for (k, what) in [(0, "read"), (1, "write")] {
            let mb_s = |i: &Interval| {
                let (read, write) = i.disk_mb_s();
                if k == 0 {
                    read
                } else {
                    write
                }
            };
            if mine.iter().any(|i| mb_s(i) > 0.0) {
                let line = mine.iter().flat_map(|i| flat(mb_s(i), i)).collect();
                disk.push((format!("{} {what}", host.name), line));
            }
        }
    }
    let time = |title: &str, y: &str, series, y_max| {
        Chart::Time(TimeChart {
            title: title.into(),
            x_label: "simulated time (s)".into(),
            y_label: y.into(),
            series,
            y_max,
            caption: Caption(caption.0.clone()),
        })
    };
    vec![
        (
            "page-cache".into(),
            time(
                "Fetched bytes found in the page cache",
                "hit ratio (%)",
                hit,
                Some(100.0),
            ),
        ),
        (
            "disk-throughput".into(),
            time("Disk throughput", "MB/s (10^6 bytes)", disk, None),
        ),
    ]
}
