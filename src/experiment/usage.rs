//! What the hardware did: per host and resource, utilisation over the run and over time, and
//! the resource that bound each run (the busiest one, when it was busy enough to bind).

use crate::engine::Nanos;
use crate::hardware::{Host, HostSample};

/// One host's utilisation over a whole run (0–1 each).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HostUsage {
    /// "broker 0", "client host 1", or "host" (single-host layout).
    pub name: String,
    /// Its cores.
    pub cores: u32,
    /// CPU: busy time over elapsed time × cores.
    pub cpu: f64,
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
    /// Usage of `host` over `span_ns`.
    pub fn of(name: String, host: &Host, span_ns: Nanos) -> Self {
        let span = span_ns.max(1) as f64;
        let u = |busy: u64| (busy as f64 / span).min(1.0);
        Self {
            name,
            cores: host.cpu.cores(),
            cpu: (host.cpu.busy_ns() as f64 / (span * host.cpu.cores() as f64)).min(1.0),
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

/// What bound the run: the resource that was at least [`BINDING`] busy for the largest share
/// (at least [`MIN_SHARE`]) of the run's sampling intervals (`series`: every host's counters at each sample), e.g.
/// "disk of broker 0 (≥ 90% busy during 64% of the run)"; when none ever was, "none (busiest:
/// CPU of host, 40% on average)": latency, a rate or a client setting bound the run.
pub fn bottleneck(hosts: &[HostUsage], series: &[HostSample]) -> String {
    let n = hosts.len();
    let mut prev: Vec<Option<&HostSample>> = vec![None; n];
    let mut bound = vec![[0u64; 4]; n];
    let mut intervals = 0u64;
    for s in series {
        let h = s.host as usize;
        if h >= n {
            continue;
        }
        if let Some(p) = prev[h] {
            let dt = s.time_ns.saturating_sub(p.time_ns);
            if dt > 0 {
                if h == 0 {
                    intervals += 1;
                }
                let busy = [
                    (s.cpu_busy_ns - p.cpu_busy_ns) as f64 / hosts[h].cores.max(1) as f64,
                    (s.tx_busy_ns - p.tx_busy_ns) as f64,
                    (s.rx_busy_ns - p.rx_busy_ns) as f64,
                    (s.disk_busy_ns - p.disk_busy_ns) as f64,
                ];
                for (r, b) in busy.iter().enumerate() {
                    if *b >= BINDING * dt as f64 {
                        bound[h][r] += 1;
                    }
                }
            }
        }
        prev[h] = Some(s);
    }
    let most = (0..n)
        .flat_map(|h| (0..4).map(move |r| (h, r)))
        .max_by_key(|&(h, r)| (bound[h][r], std::cmp::Reverse((h, r))));
    match most {
        Some((h, r)) if bound[h][r] as f64 >= MIN_SHARE * intervals.max(1) as f64 => format!(
            "{} (≥ 90% busy during {:.0}% of the run)",
            hosts[h].resources()[r].0,
            100.0 * bound[h][r] as f64 / intervals.max(1) as f64
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
