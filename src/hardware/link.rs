//! A network link (a NIC direction or the loopback device).
//!
//! Model: one FIFO wire. A message of `b` bytes sent at `t` finishes serialising at
//! `d = max(t, free_at) + b / bandwidth` and arrives at `d + latency`.

use crate::engine::time::transfer_ns;
use crate::engine::Nanos;

/// One direction of a link.
#[derive(Clone, Debug)]
pub struct Link {
    bandwidth_bytes_per_s: u64,
    latency_ns: Nanos,
    free_at_ns: Nanos,
    busy_ns: u64,
    bytes: u64,
}

impl Link {
    /// A link moving `bandwidth_bytes_per_s` with one-way `latency_ns`.
    pub fn new(bandwidth_bytes_per_s: u64, latency_ns: Nanos) -> Self {
        Self {
            bandwidth_bytes_per_s,
            latency_ns,
            free_at_ns: 0,
            busy_ns: 0,
            bytes: 0,
        }
    }

    /// Send `bytes` at `now`; returns (time the last byte left, arrival time at the other end).
    pub fn send(&mut self, now: Nanos, bytes: u64) -> (Nanos, Nanos) {
        let wire = transfer_ns(bytes, self.bandwidth_bytes_per_s);
        let done = self.free_at_ns.max(now) + wire;
        self.free_at_ns = done;
        self.busy_ns += wire;
        self.bytes += bytes;
        (done, done + self.latency_ns)
    }

    /// Time spent serialising, ns (for utilisation).
    pub fn busy_ns(&self) -> u64 {
        self.busy_ns
    }

    /// Bytes carried.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn messages_queue_behind_each_other() {
        let mut l = Link::new(1_000_000_000, 100); // 1 GB/s, 100 ns
        assert_eq!(l.send(0, 1000), (1000, 1100));
        assert_eq!(
            l.send(0, 1000),
            (2000, 2100),
            "second message waits for the wire"
        );
        assert_eq!(l.send(5000, 0), (5000, 5100));
        assert_eq!(l.bytes(), 2000);
    }
}
