//! A host's full-duplex network interface: one transmit line and one receive line, each at the
//! card's line rate, shared by every flow that leaves or enters the host.
//!
//! ## Sharing algorithm
//! Each line is a calendar of busy intervals. A message of `b` bytes occupies a line for
//! `w = b / rate` and takes the first gap of length `w` at or after the time it is ready
//! (first fit, non-preemptive, whole messages). A transfer from host A to host B, sent at `t`
//! with one-way latency `L`:
//!
//! ```text
//! tx_start = first gap ≥ t on A.tx          (w_a = b / rate_a)
//! rx_start = first gap ≥ tx_start + L on B.rx  (w_b = b / rate_b; cut-through: the receiver
//!                                             starts taking bits one latency after the first left)
//! arrival  = max(rx_start + w_b, tx_start + w_a + L)
//! ```
//!
//! So a line is never busy more than 100% of any window: a host never sends or receives more
//! than its line rate, whatever the number of peers (the per-pair links this replaces let a
//! "1 GbE" client push one line rate to *each* broker). Between flows competing for one line,
//! capacity goes to messages in the order they are ready, which over many messages is the
//! share TCP's per-flow fairness gives window-limited flows (Kafka's request/response flows are:
//! in-flight limits cap what each has outstanding). Unlike max-min fair sharing
//! (SimGrid/DSLab's progressive filling) a large message holds the line until it is through;
//! messages here are requests and record batches (≤ a few MiB), so the difference is at most
//! one message's serialisation time of latency, never throughput. First fit (not FIFO on
//! submission order) matters on the receive line: a message ready later because its sender's
//! line is backed up must not hold back one ready earlier from an idle sender.

use crate::engine::time::transfer_ns;
use crate::engine::Nanos;

/// One direction of a NIC.
#[derive(Clone, Debug)]
pub struct Line {
    bytes_per_s: u64,
    /// Disjoint busy intervals `[start, end)`, sorted, none ending before the last prune.
    busy: Vec<(Nanos, Nanos)>,
    busy_ns: u64,
    bytes: u64,
}

impl Line {
    /// An idle line of `bytes_per_s` (> 0).
    pub fn new(bytes_per_s: u64) -> Self {
        Self {
            bytes_per_s: bytes_per_s.max(1),
            busy: Vec::new(),
            busy_ns: 0,
            bytes: 0,
        }
    }

    /// Serialisation time of `bytes` on this line, ns.
    pub fn wire_ns(&self, bytes: u64) -> Nanos {
        transfer_ns(bytes, self.bytes_per_s)
    }

    /// Occupy the line for `w` ns in the first gap at or after `ready` (≥ `now`); returns the
    /// start. Intervals that ended by `now` are forgotten.
    pub fn reserve(&mut self, now: Nanos, ready: Nanos, w: Nanos, bytes: u64) -> Nanos {
        let gone = self.busy.partition_point(|&(_, end)| end <= now);
        self.busy.drain(..gone);
        self.busy_ns += w;
        self.bytes += bytes;
        if w == 0 {
            return ready;
        }
        let mut t = ready;
        let mut at = self.busy.len();
        for (i, &(s, e)) in self.busy.iter().enumerate() {
            if e <= t {
                continue;
            }
            if s >= t + w {
                at = i;
                break;
            }
            t = t.max(e);
        }
        // Insert [t, t + w) at `at`, merging with touching neighbours to keep the list short.
        let end = t + w;
        let joins_prev = at > 0 && self.busy[at - 1].1 == t;
        let joins_next = at < self.busy.len() && self.busy[at].0 == end;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.busy[at - 1].1 = self.busy[at].1;
                self.busy.remove(at);
            }
            (true, false) => self.busy[at - 1].1 = end,
            (false, true) => self.busy[at].0 = t,
            (false, false) => self.busy.insert(at, (t, end)),
        }
        t
    }

    /// Time the line carried data, ns (reserved, possibly ahead of now).
    pub fn busy_ns(&self) -> u64 {
        self.busy_ns
    }

    /// Time the line carried data by `now` (reservations beyond `now` not counted), ns.
    pub fn busy_ns_at(&self, now: Nanos) -> u64 {
        let ahead: u64 = self
            .busy
            .iter()
            .map(|&(s, e)| e.saturating_sub(s.max(now)))
            .sum();
        self.busy_ns.saturating_sub(ahead)
    }

    /// Bytes carried.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Line rate, bytes/s.
    pub fn bytes_per_s(&self) -> u64 {
        self.bytes_per_s
    }
}

/// A full-duplex NIC.
#[derive(Clone, Debug)]
pub struct Nic {
    /// Transmit line.
    pub tx: Line,
    /// Receive line.
    pub rx: Line,
}

impl Nic {
    /// A NIC sending and receiving at `bytes_per_s` each way.
    pub fn new(bytes_per_s: u64) -> Self {
        Self {
            tx: Line::new(bytes_per_s),
            rx: Line::new(bytes_per_s),
        }
    }
}

/// Move `bytes` from `from`'s NIC to `to`'s NIC, sent at `now`, one-way latency `latency_ns`;
/// returns (time the last byte left the sender, arrival time). See the module doc.
pub fn transfer(
    from: &mut Nic,
    to: &mut Nic,
    now: Nanos,
    bytes: u64,
    latency_ns: Nanos,
) -> (Nanos, Nanos) {
    let w_tx = from.tx.wire_ns(bytes);
    let tx_start = from.tx.reserve(now, now, w_tx, bytes);
    let w_rx = to.rx.wire_ns(bytes);
    let rx_start = to.rx.reserve(now, tx_start + latency_ns, w_rx, bytes);
    let sent = tx_start + w_tx;
    (sent, (rx_start + w_rx).max(sent + latency_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_fills_gaps_and_queues_behind() {
        let mut l = Line::new(1_000_000_000); // 1 byte/ns
        assert_eq!(
            l.reserve(0, 100, 50, 50),
            100,
            "idle line starts when ready"
        );
        assert_eq!(l.reserve(0, 0, 50, 50), 0, "a 50 ns gap before it fits");
        assert_eq!(
            l.reserve(0, 0, 60, 60),
            150,
            "too long for any gap: after the rest"
        );
        assert_eq!(l.busy, vec![(0, 50), (100, 210)]);
        assert_eq!(l.reserve(0, 40, 10, 10), 50, "fits the gap 50..100 from 50");
        assert_eq!(
            l.reserve(300, 300, 10, 10),
            300,
            "old intervals are forgotten"
        );
        assert_eq!(l.busy, vec![(300, 310)]);
        assert_eq!(l.bytes(), 180);
    }

    #[test]
    fn two_senders_share_one_receiver() {
        // Hand-computed: 1 GB/s NICs, 1000-byte messages (1000 ns), latency 100 ns. A and C send
        // to B at t = 0: both TX lines start at 0; B's RX takes A's bits from 100 to 1100 and
        // C's from 1100 to 2100 — the receiver is the bottleneck.
        let (mut a, mut b, mut c) = (
            Nic::new(1_000_000_000),
            Nic::new(1_000_000_000),
            Nic::new(1_000_000_000),
        );
        assert_eq!(transfer(&mut a, &mut b, 0, 1000, 100), (1000, 1100));
        assert_eq!(transfer(&mut c, &mut b, 0, 1000, 100), (1000, 2100));
        // A sender to two receivers: its TX serialises both (one line rate in all).
        let mut d = Nic::new(1_000_000_000);
        assert_eq!(transfer(&mut a, &mut d, 0, 1000, 100), (2000, 2100));
    }

    #[test]
    fn a_slow_receiver_paces_the_arrival() {
        let mut fast = Nic::new(1_000_000_000);
        let mut slow = Nic::new(100_000_000); // 10× slower: 1000 bytes take 10 µs
        assert_eq!(transfer(&mut fast, &mut slow, 0, 1000, 100), (1000, 10_100));
    }
}
