//! The memory a run's model takes before its first event, estimated from the scenario, so a
//! run that could never fit is refused before it is built (`run.max_memory_mb`); what a run
//! allocates while it runs is checked by the engine's budget ([`crate::engine::budget`]).
//!
//! ```text
//! bytes = 16 MiB                                   base: hosts, event queue, group, checks
//!       + producers × (256 KiB + 192 B × P)        latency histogram, random streams; per
//!                                                  partition: batch queue, sequences, leader
//!       + consumers × (2 KiB + 64 B × P)           positions, fetch state per partition
//!       + P × RF × 1 KiB                           each replica's log, index and HW state
//!       + brokers × P × 384 B                      each broker's tables over every partition
//! ```
//!
//! with `P` partitions and `RF` the replication factor. Each coefficient is an upper bound of
//! what the counting allocator measured after building the model (kafkasim 2026-11-30, release
//! build): 182 KiB per producer, 120 B per producer and partition, 1.1 KiB per consumer, 16 B
//! per consumer and partition, 470–630 B per replica; 283 B per broker and partition (peak RSS of
//! 100,000 partitions on 1, 10 and 20 brokers, 2026-12-04: 170, 423 and 705 MB; the fuzzer's 54
//! brokers held 2.2 GB under a 320 MB budget before this term).

use crate::scenario::SimConfig;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// An estimate and its largest term, for the message that refuses a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Estimated bytes.
    pub bytes: u64,
    /// The largest term, in words ("10000 producers × 100000 partitions").
    pub largest: String,
}

/// The model's memory before its first event, bytes (formula above; saturating).
pub fn estimate(cfg: &SimConfig) -> Footprint {
    let p = cfg.partitions as u64;
    let producers = cfg.producers.len() as u64;
    let consumers = cfg.placement.consumers.len() as u64;
    let rf = cfg.replication.factor as u64;
    let brokers = cfg.brokers as u64;
    let terms = [
        (16 * MIB, "the base".to_string()),
        (
            producers.saturating_mul((256 * KIB).saturating_add(p.saturating_mul(192))),
            format!("{producers} producer(s) × {p} partition(s)"),
        ),
        (
            consumers.saturating_mul((2 * KIB).saturating_add(p.saturating_mul(64))),
            format!("{consumers} consumer(s) × {p} partition(s)"),
        ),
        (
            p.saturating_mul(rf).saturating_mul(KIB),
            format!("{p} partition(s) × {rf} replica(s)"),
        ),
        (
            brokers.saturating_mul(p).saturating_mul(384),
            format!("{brokers} broker(s) × {p} partition(s)"),
        ),
    ];
    let bytes = terms.iter().fold(0u64, |a, (b, _)| a.saturating_add(*b));
    let largest = terms
        .into_iter()
        .max_by_key(|(b, _)| *b)
        .map(|(_, w)| w)
        .unwrap_or_default();
    Footprint { bytes, largest }
}
