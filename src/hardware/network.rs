//! The network between hosts: each host's NIC (shared by all its flows, see [`super::nic`]),
//! its loopback device for traffic that stays on the machine, and a one-way latency per pair.

use super::host::Host;
use super::nic;
use crate::engine::Nanos;

/// One-way latencies between hosts.
#[derive(Clone, Debug)]
pub struct Network {
    latency_ns: Vec<Vec<Nanos>>,
}

impl Network {
    /// A network with `latency_ns[a][b]` from host a to host b (the diagonal is unused:
    /// loopback has its own latency).
    pub fn new(latency_ns: Vec<Vec<Nanos>>) -> Self {
        Self { latency_ns }
    }

    /// Send `bytes` from host `from` to host `to` at `now`; returns (time the last byte left,
    /// arrival time).
    pub fn send(
        &self,
        hosts: &mut [Host],
        now: Nanos,
        from: usize,
        to: usize,
        bytes: u64,
    ) -> (Nanos, Nanos) {
        if from == to {
            return hosts[from].loopback.send(now, bytes);
        }
        let latency = self.latency_ns[from][to];
        let (a, b) = if from < to {
            let (l, r) = hosts.split_at_mut(to);
            (&mut l[from], &mut r[0])
        } else {
            let (l, r) = hosts.split_at_mut(from);
            (&mut r[0], &mut l[to])
        };
        nic::transfer(&mut a.nic, &mut b.nic, now, bytes, latency)
    }
}
