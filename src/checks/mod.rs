//! Invariant checkers, kept apart from the model and fed by its observations. The same
//! checkers run inside every simulation and in unit, property and scenario tests:
//!
//! - [`order`]: each consumer reads each partition's offsets contiguously and in order;
//! - [`key_order`]: each producer's records of a partition (hence of a key) are read in the
//!   order they were sent;
//! - [`delivery`]: no acknowledged record is lost (every one is consumed), how many records
//!   reached the log twice, how many offsets were read again;
//! - [`high_watermark`]: no consumer reads above the high watermark;
//! - [`ownership`]: one owner per partition per group generation;
//! - [`retention`]: retention never deletes the active segment nor passes the high watermark.

pub mod delivery;
pub mod high_watermark;
pub mod intervals;
pub mod key_order;
pub mod order;
pub mod ownership;
pub mod retention;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Which checker.
    pub check: &'static str,
    /// What happened, with offsets, members and times.
    pub detail: String,
}

/// All checkers of one run.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// Per-partition order.
    pub order: order::OrderCheck,
    /// Per-producer (per-key) order.
    pub key_order: key_order::KeyOrderCheck,
    /// No loss of acknowledged records; duplicates.
    pub delivery: delivery::DeliveryCheck,
    /// No read above the high watermark.
    pub high_watermark: high_watermark::HighWatermarkCheck,
    /// One owner per partition per generation.
    pub ownership: ownership::OwnershipCheck,
    /// What retention may delete.
    pub retention: retention::RetentionCheck,
}

impl Checks {
    /// Checkers for a topic of `partitions` partitions.
    pub fn new(partitions: u32) -> Self {
        Self {
            order: order::OrderCheck::default(),
            key_order: key_order::KeyOrderCheck::default(),
            delivery: delivery::DeliveryCheck::new(partitions),
            high_watermark: high_watermark::HighWatermarkCheck::default(),
            ownership: ownership::OwnershipCheck::default(),
            retention: retention::RetentionCheck::default(),
        }
    }

    /// Every violation found so far (the loss check only at [`DeliveryCheck::finish`](delivery::DeliveryCheck::finish)).
    pub fn violations(&self) -> Vec<Violation> {
        let mut v = self.order.violations.clone();
        v.extend(self.key_order.violations.iter().cloned());
        v.extend(self.delivery.violations.iter().cloned());
        v.extend(self.high_watermark.violations.iter().cloned());
        v.extend(self.ownership.violations.iter().cloned());
        v.extend(self.retention.violations.iter().cloned());
        v
    }

    /// The partition's log lost records at and above `offset` (unclean election): delivery and
    /// key order take them back. Returns how many consumed offsets were taken back.
    pub fn uncommitted(&mut self, partition: u32, offset: u64, removed: &[(u32, u64, u64)]) -> u64 {
        self.key_order.uncommitted(partition, removed);
        self.delivery.uncommitted(partition, offset, removed)
    }
}
