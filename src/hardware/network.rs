//! The network between hosts: each host's NIC (shared by all its flows, see [`super::nic`]),
//! its loopback device for traffic that stays on the machine, and a one-way latency per pair.
//!
//! Between hosts a message of `b` bytes is cut into TCP segments of at most `mss` bytes, each
//! carrying `overhead` bytes of headers and framing on the wire:
//! `wire = b + ⌈b / mss⌉ · overhead` (a 0-byte message is one segment). On Ethernet with a 1500
//! MTU and TCP timestamps: mss 1448, overhead 90 (TCP 32 + IP 20 + Ethernet 14 + FCS 4 +
//! preamble 8 + inter-frame gap 12), so a line carries 94% of its rate as payload.

use super::host::Host;
use super::nic;
use crate::engine::Nanos;

/// One-way latencies between hosts.
#[derive(Clone, Debug)]
pub struct Network {
    latency_ns: Vec<Vec<Nanos>>,
    mss_bytes: u64,
    overhead_bytes: u64,
}

impl Network {
    /// A network with `latency_ns[a][b]` from host a to host b (the diagonal is unused:
    /// loopback has its own latency).
    pub fn new(latency_ns: Vec<Vec<Nanos>>, mss_bytes: u64, overhead_bytes: u64) -> Self {
        Self {
            latency_ns,
            mss_bytes: mss_bytes.max(1),
            overhead_bytes,
        }
    }

    /// Bytes a message of `bytes` occupies on a NIC line.
    pub fn wire_bytes(&self, bytes: u64) -> u64 {
        bytes + bytes.div_ceil(self.mss_bytes).max(1) * self.overhead_bytes
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
        nic::transfer(&mut a.nic, &mut b.nic, now, self.wire_bytes(bytes), latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::{DirtyLimits, HostSpec};

    #[test]
    fn segments_pay_their_headers_and_loopback_stays_off_the_nic() {
        let n = Network::new(vec![vec![0, 1000], vec![1000, 0]], 1448, 90);
        assert_eq!(n.wire_bytes(0), 90, "an empty message is one segment");
        assert_eq!(n.wire_bytes(1448), 1538);
        assert_eq!(n.wire_bytes(1449), 1449 + 180);
        let spec = HostSpec {
            cores: 1,
            cpu_quota_milli: 0,
            cpu_background_milli: 0,
            page_cache_bytes: 1 << 20,
            page_bytes: 4096,
            disks: vec![crate::hardware::DiskProfile::SSD],
            dirty: DirtyLimits {
                background_bytes: 1 << 10,
                limit_bytes: 1 << 11,
                expire_ns: 1,
            },
            nic_bytes_per_s: 1_538_000_000, // one 1448-byte segment per µs
            loopback: (1_000_000_000, 10),
        };
        let mut hosts = vec![Host::new(&spec), Host::new(&spec)];
        assert_eq!(n.send(&mut hosts, 0, 0, 1, 1448), (1000, 2000));
        assert_eq!(n.send(&mut hosts, 0, 0, 0, 1000), (1000, 1010), "loopback");
        assert_eq!(hosts[0].nic.tx.bytes(), 1538);
    }
}
