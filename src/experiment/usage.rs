//! What the hardware did: per host and resource, utilisation over the run and over time, and
//! the resource that bound each run (the busiest one, when it was busy enough to bind).

use crate::engine::Nanos;
use crate::hardware::Host;

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

/// The busiest resource over all hosts: "NIC TX of client host 0 (98%)" when at least
/// [`BINDING`] busy, else "none (busiest: … at 40%)" — the run was bound by latency, a rate or
/// a client setting, not by hardware.
pub fn bottleneck(hosts: &[HostUsage]) -> String {
    let busiest =
        hosts
            .iter()
            .flat_map(|h| h.resources())
            .fold(None::<(String, f64)>, |best, (name, u)| match best {
                Some((_, b)) if b >= u => best,
                _ => Some((name, u)),
            });
    match busiest {
        Some((name, u)) if u >= BINDING => format!("{name} ({:.0}%)", u * 100.0),
        Some((name, u)) => format!("none (busiest: {name} at {:.0}%)", u * 100.0),
        None => "none".into(),
    }
}
