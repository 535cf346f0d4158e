//! What the hardware did: per host and resource, utilisation over the run and over time, and
//! the resource that bound each run (the busiest one, when it was busy enough to bind).

use crate::engine::Nanos;
use crate::hardware::{Host, HostSample};
use std::collections::BTreeMap;

/// One host's utilisation over a whole run (0–1 each).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostUsage {
    /// "broker 0", "client host 1", or "host" (single-host layout).
    pub name: String,
    /// Its cores (its CPU quota, if one is set).
    pub cores: f64,
    /// CPU: work done over elapsed time × cores.
    pub cpu: f64,
    /// CPU work done, core-seconds (what `/proc/<pid>/stat` or cpuacct count).
    pub cpu_s: f64,
    /// NIC transmit line.
    pub nic_tx: f64,
    /// NIC receive line.
    pub nic_rx: f64,
    /// Busiest disk.
    pub disk: f64,
    /// Time writers spent throttled by the dirty limits, s.
    pub write_throttled_s: f64,
}

/// Utilisation above which a resource is named as what bound the run.
pub const BINDING: f64 = 0.9;
/// Share of the run a resource must be [`BINDING`] for to be named (a write-back burst is not
/// a bottleneck).
pub const MIN_SHARE: f64 = 0.2;

impl HostUsage {
    /// Usage of `host` over `span_ns`; `own_cpu_ns` is its threads' CPU work when it shares
    /// a machine's cores with other hosts (its own cores' busy time otherwise).
    pub fn of(name: String, host: &Host, own_cpu_ns: Option<u64>, span_ns: Nanos) -> Self {
        let span = span_ns.max(1) as f64;
        let u = |busy: u64| (busy as f64 / span).min(1.0);
        let cpu_ns = own_cpu_ns.unwrap_or_else(|| host.cpu.busy_ns());
        Self {
            name,
            cores: host.cpu.capacity_cores(),
            cpu: (cpu_ns as f64 / (span * host.cpu.capacity_cores())).min(1.0),
            cpu_s: cpu_ns as f64 / 1e9,
            nic_tx: u(host.nic.tx.busy_ns()),
            nic_rx: u(host.nic.rx.busy_ns()),
            disk: u(host.disks.iter().map(|d| d.busy_ns()).max().unwrap_or(0)),
            write_throttled_s: host.throttled_ns() as f64 / 1e9,
        }
    }

    /// (resource name, utilisation) pairs.
    pub fn resources(&self) -> [(String, f64); 4] {
        [
            (format!("CPU of {}", self.name), self.cpu),
            (format!("NIC TX of {}", self.name), self.nic_tx),
            (format!("NIC RX of {}", self.name), self.nic_rx),
            (format!("disk of {}", self.name), self.disk),
        ]
    }
}

/// One sampling interval of one host: its utilisation (0–1) of CPU, NIC TX, NIC RX and busiest
/// disk, and its dirty data at the end.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    /// Start of the interval, ns.
    pub start_ns: Nanos,
    /// End of the interval, ns.
    pub time_ns: Nanos,
    /// Host index.
    pub host: usize,
    /// CPU (over all cores), NIC TX, NIC RX, disk — in the order of [`HostUsage::resources`].
    pub busy: [f64; 4],
    /// Dirty data at the end, bytes.
    pub dirty_bytes: u64,
    /// Bytes reads found in the page cache during the interval.
    pub hit_bytes: u64,
    /// Bytes reads fetched from disk during the interval.
    pub miss_bytes: u64,
    /// Bytes read from and written to the disks during the interval.
    pub disk_bytes: (u64, u64),
}

impl Interval {
    /// Share of the bytes read in the interval that the page cache held (None: nothing read).
    pub fn hit_ratio(&self) -> Option<f64> {
        let read = self.hit_bytes + self.miss_bytes;
        (read > 0).then(|| self.hit_bytes as f64 / read as f64)
    }

    /// MB (10^6 bytes) per second the disks read and wrote in the interval.
    pub fn disk_mb_s(&self) -> (f64, f64) {
        let s = self.time_ns.saturating_sub(self.start_ns).max(1) as f64 / 1e9;
        let rate = |b: u64| b as f64 / 1e6 / s;
        (rate(self.disk_bytes.0), rate(self.disk_bytes.1))
    }
}

/// The intervals between consecutive samples of each host (`series`: cumulative counters),
/// the first from time 0.
pub fn intervals(hosts: &[HostUsage], series: &[HostSample]) -> Vec<Interval> {
    let zeros: Vec<HostSample> = (0..hosts.len())
        .map(|h| HostSample {
            host: h as u32,
            ..HostSample::default()
        })
        .collect();
    let mut prev: Vec<&HostSample> = zeros.iter().collect();
    let mut out = vec![];
    for s in series {
        let h = s.host as usize;
        if h >= hosts.len() {
            continue;
        }
        {
            let p = prev[h];
            let dt = s.time_ns.saturating_sub(p.time_ns) as f64;
            if dt > 0.0 {
                let u = |a: u64, b: u64, units: f64| ((a - b) as f64 / dt / units).min(1.0);
                out.push(Interval {
                    start_ns: p.time_ns,
                    time_ns: s.time_ns,
                    host: h,
                    busy: [
                        u(s.cpu_busy_ns, p.cpu_busy_ns, hosts[h].cores),
                        u(s.tx_busy_ns, p.tx_busy_ns, 1.0),
                        u(s.rx_busy_ns, p.rx_busy_ns, 1.0),
                        u(s.disk_busy_ns, p.disk_busy_ns, 1.0),
                    ],
                    dirty_bytes: s.dirty_bytes,
                    hit_bytes: s.hit_bytes.saturating_sub(p.hit_bytes),
                    miss_bytes: s.miss_bytes.saturating_sub(p.miss_bytes),
                    disk_bytes: (
                        s.disk_read_bytes.saturating_sub(p.disk_read_bytes),
                        s.disk_written_bytes.saturating_sub(p.disk_written_bytes),
                    ),
                });
            }
        }
        prev[h] = s;
    }
    out
}

/// What bound the run: the resource that was at least [`BINDING`] busy for the largest share
/// (at least [`MIN_SHARE`]) of the run's sampling intervals, e.g. "disk of broker 0 (≥ 90%
/// busy during 64% of the run)"; when none was, "none (busiest: CPU of host, 40% on average)":
/// latency, a rate or a client setting bound the run.
pub fn bottleneck(hosts: &[HostUsage], series: &[HostSample]) -> String {
    let n = hosts.len();
    let mut bound = vec![[0u64; 4]; n];
    let mut per_host = vec![0u64; n];
    for i in intervals(hosts, series) {
        per_host[i.host] += 1;
        for (r, b) in i.busy.iter().enumerate() {
            if *b >= BINDING {
                bound[i.host][r] += 1;
            }
        }
    }
    let total = per_host.first().copied().unwrap_or(0).max(1) as f64;
    let most = (0..n)
        .flat_map(|h| (0..4).map(move |r| (h, r)))
        .max_by_key(|&(h, r)| (bound[h][r], std::cmp::Reverse((h, r))));
    match most {
        Some((h, r)) if bound[h][r] as f64 >= MIN_SHARE * total => format!(
            "{} (≥ 90% busy during {:.0}% of the run)",
            hosts[h].resources()[r].0,
            100.0 * bound[h][r] as f64 / total
        ),
        _ => {
            let busiest = hosts.iter().flat_map(|h| h.resources()).fold(
                None::<(String, f64)>,
                |best, (name, u)| match best {
                    Some((_, b)) if b >= u => best,
                    _ => Some((name, u)),
                },
            );
            match busiest {
                Some((name, u)) => format!("none (busiest: {name}, {:.0}% on average)", u * 100.0),
                None => "none".into(),
            }
        }
    }
}

/// When every host runs on one machine's cores (`cluster.shared_cpu`): that CPU, if it bound
/// the run (its hosts' CPU together ≥ [`BINDING`] of the cores during [`MIN_SHARE`] of the run).
pub fn shared_cpu_bottleneck(hosts: &[HostUsage], series: &[HostSample]) -> Option<String> {
    let cores = hosts.first()?.cores;
    let mut machine: BTreeMap<Nanos, f64> = BTreeMap::new();
    for i in intervals(hosts, series) {
        *machine.entry(i.start_ns).or_default() += i.busy[0] * hosts[i.host].cores / cores;
    }
    let bound = machine.values().filter(|&&b| b >= BINDING).count();
    (bound as f64 >= MIN_SHARE * machine.len().max(1) as f64).then(|| {
        format!(
            "CPU of the machine the hosts share (≥ 90% busy during {:.0}% of the run)",
            100.0 * bound as f64 / machine.len() as f64
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(name: &str, cores: f64) -> HostUsage {
        HostUsage {
            name: name.into(),
            cores,
            cpu: 0.5,
            cpu_s: 1.0,
            nic_tx: 0.5,
            nic_rx: 0.0,
            disk: 0.0,
            write_throttled_s: 0.0,
        }
    }

    fn sample(t: u64, host: u32, cpu: u64, tx: u64) -> HostSample {
        HostSample {
            time_ns: t,
            host,
            cpu_busy_ns: cpu,
            tx_busy_ns: tx,
            ..HostSample::default()
        }
    }

    #[test]
    fn the_resource_busy_longest_binds() {
        let hosts = [usage("broker 0", 2.0), usage("client host 0", 2.0)];
        // 4 intervals of 100: the client's TX is saturated in the last 3, the broker's two
        // cores half busy throughout (CPU busy time counts over all cores).
        let series: Vec<HostSample> = (1..=4)
            .flat_map(|i| {
                let tx = if i == 1 { 10 } else { 10 + 100 * (i - 1) };
                [sample(100 * i, 0, 100 * i, 0), sample(100 * i, 1, 0, tx)]
            })
            .collect();
        let iv = intervals(&hosts, &series);
        assert_eq!(iv.len(), 8);
        assert_eq!(
            iv[0].busy,
            [0.5, 0.0, 0.0, 0.0],
            "first interval from 0, 2 cores"
        );
        assert_eq!(
            bottleneck(&hosts, &series),
            "NIC TX of client host 0 (≥ 90% busy during 75% of the run)"
        );
        let idle: Vec<HostSample> = series.iter().filter(|s| s.host == 0).cloned().collect();
        assert_eq!(
            bottleneck(&hosts, &idle),
            "none (busiest: CPU of broker 0, 50% on average)"
        );
    }
}
