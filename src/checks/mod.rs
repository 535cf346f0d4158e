//! Invariant checkers, kept apart from the model and fed by its observations. The same
//! checkers run inside every simulation and in unit, property and scenario tests:
//!
//! - [`order`]: each consumer reads each partition's offsets contiguously and in order;
//! - [`delivery`]: no acknowledged record is lost (every acked offset is consumed), and
//!   duplicates are counted;
//! - [`ownership`]: one owner per partition per group generation.

pub mod delivery;
pub mod order;
pub mod ownership;

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
    /// No loss of acknowledged records; duplicates.
    pub delivery: delivery::DeliveryCheck,
    /// One owner per partition per generation.
    pub ownership: ownership::OwnershipCheck,
}

impl Checks {
    /// Checkers for a topic of `partitions` partitions.
    pub fn new(partitions: u32) -> Self {
        Self {
            order: order::OrderCheck::default(),
            delivery: delivery::DeliveryCheck::new(partitions),
            ownership: ownership::OwnershipCheck::default(),
        }
    }

    /// Every violation found so far (the delivery check only at [`DeliveryCheck::finish`](delivery::DeliveryCheck::finish)).
    pub fn violations(&self) -> Vec<Violation> {
        let mut v = self.order.violations.clone();
        v.extend(self.delivery.violations.iter().cloned());
        v.extend(self.ownership.violations.iter().cloned());
        v
    }
}
