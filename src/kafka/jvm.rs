//! A JVM's young-generation garbage collections: a seeded, parameterised source of latency
//! tails for brokers (and Java clients).
//!
//! Model: a process allocates the bytes it handles plus a fixed amount per request (parsing,
//! the response, metrics: a broker allocates about 13 KiB per produce request and more per
//! Fetch, measured from its own GC log by scripts/broker-cpu.sh); once `young_every_bytes`
//! have been allocated since the last collection (eden is full), a stop-the-world young
//! collection pauses every thread of the process. Pause lengths are
//! lognormal with the given median and σ = 0.5 (drawn from a 32-quantile table, so the draw
//! is integer arithmetic and identical on every machine). G1 young pauses on a broker with a
//! mostly-garbage eden are typically 5–20 ms; work that would start during a pause waits for
//! its end (work already running finishes: a simplification).

use crate::engine::rng::{scaled_quantile, SimRng};
use crate::engine::Nanos;

/// exp(0.5 · z) in thousandths at the 32 mid-quantiles of the standard normal.
const LOGNORMAL_PERMILLE: [u64; 32] = [
    341, 433, 492, 541, 583, 623, 660, 696, 731, 766, 800, 835, 870, 906, 943, 981, 1020, 1061,
    1104, 1149, 1197, 1249, 1306, 1368, 1437, 1515, 1605, 1714, 1850, 2032, 2312, 2936,
];

/// One JVM's heap and collector.
#[derive(Clone, Debug)]
pub struct Jvm {
    young_every_bytes: u64,
    pause_median_ns: Nanos,
    allocated: u64,
    paused_until: Nanos,
    rng: SimRng,
    /// Young collections so far.
    pub pauses: u64,
    /// Time paused so far, ns.
    pub paused_ns: u64,
}

impl Jvm {
    /// A JVM collecting every `young_every_bytes` allocated (0 = never) with pauses of median
    /// `pause_median_ns`.
    pub fn new(young_every_bytes: u64, pause_median_ns: Nanos, rng: SimRng) -> Self {
        Self {
            young_every_bytes,
            pause_median_ns,
            allocated: 0,
            paused_until: 0,
            rng,
            pauses: 0,
            paused_ns: 0,
        }
    }

    /// Whether allocating `bytes` more would fill eden (start a collection).
    pub fn would_collect(&self, bytes: u64) -> bool {
        self.young_every_bytes != 0
            && self.pause_median_ns != 0
            && self.allocated + bytes >= self.young_every_bytes
    }

    /// An allocation of `bytes` that did not start a collection is taken back (the work that
    /// made it was withdrawn before it ran).
    pub fn forget(&mut self, bytes: u64) {
        self.allocated = self.allocated.saturating_sub(bytes);
    }

    /// The process allocated `bytes` at `now`; a collection starts if eden is full.
    pub fn allocate(&mut self, now: Nanos, bytes: u64) {
        if self.young_every_bytes == 0 || self.pause_median_ns == 0 {
            return;
        }
        self.allocated += bytes;
        if self.allocated < self.young_every_bytes {
            return;
        }
        self.allocated = 0;
        let pause = scaled_quantile(self.pause_median_ns, &LOGNORMAL_PERMILLE, &mut self.rng);
        let start = self.paused_until.max(now);
        self.paused_until = start + pause;
        self.pauses += 1;
        self.paused_ns += pause;
    }

    /// When work wanting to start at `now` can start.
    pub fn ready_at(&self, now: Nanos) -> Nanos {
        self.paused_until.max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SeedTree;

    #[test]
    fn a_full_eden_pauses_the_process() {
        let mut j = Jvm::new(1000, 10_000_000, SeedTree::new(1).stream("gc", 0));
        j.allocate(5, 999);
        assert_eq!(j.ready_at(5), 5, "eden not full yet");
        j.allocate(6, 1);
        assert_eq!(j.pauses, 1);
        let end = j.ready_at(6);
        assert!(
            (6 + 3_410_000..=6 + 29_360_000).contains(&end),
            "pause within the table: {end}"
        );
        assert_eq!(j.paused_ns, end - 6);
        let off = Jvm::new(0, 10_000_000, SeedTree::new(1).stream("gc", 0));
        assert_eq!(off.ready_at(7), 7);
    }

    #[test]
    fn the_table_has_median_one() {
        let mid = (LOGNORMAL_PERMILLE[15] + LOGNORMAL_PERMILLE[16]) / 2;
        assert_eq!(mid, 1000);
    }
}
