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
//! - [`retention`]: retention never deletes the active segment nor passes the high watermark;
//! - [`compaction`]: the log cleaner keeps each key's latest record.

pub mod compaction;
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
    /// Which checker (one of [`CHECKERS`]).
    pub check: &'static str,
    /// What happened, with offsets, members and times.
    pub detail: String,
}

/// The names checkers give their violations (and `redelivery`, see
/// [`crate::check::properties::observed`]).
pub const CHECKERS: &[&str] = &[
    "order",
    "key-order",
    "no-loss",
    "exactly-once",
    "one-owner",
    "below-hw",
    "retention",
    "compaction",
    "redelivery",
];

/// A [`Violation`] as read back from a shard file, its checker's name not yet one of
/// [`CHECKERS`].
#[derive(serde::Deserialize)]
struct ViolationRead {
    check: String,
    detail: String,
}

impl<'de> serde::Deserialize<'de> for Violation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = ViolationRead::deserialize(d)?;
        let check = (CHECKERS.iter().find(|c| **c == v.check).copied())
            .ok_or_else(|| serde::de::Error::custom(format!("unknown checker `{}`", v.check)))?;
        Ok(Violation {
            check,
            detail: v.detail,
        })
    }
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
    /// What the log cleaner keeps.
    pub compaction: compaction::CompactionCheck,
    /// Which group reads which partition where.
    pub lanes: Lanes,
}

/// Where each group's reading is checked: group `g` reads partition `p` on lane
/// `g × partitions + p`, so groups that read the same partition are checked independently
/// (each must read every record; one owner per partition *per group*).
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    partitions: u32,
    groups: u32,
    /// Per partition, the groups that read it.
    readers: Vec<Vec<u32>>,
}

impl Lanes {
    /// Lanes of `partitions` partitions, `subscriptions[g]` the partitions group `g` reads.
    pub fn new(partitions: u32, subscriptions: &[Vec<u32>]) -> Self {
        let mut readers = vec![vec![]; partitions as usize];
        for (g, parts) in subscriptions.iter().enumerate() {
            for &p in parts {
                readers[p as usize].push(g as u32);
            }
        }
        Self {
            partitions,
            groups: subscriptions.len().max(1) as u32,
            readers,
        }
    }

    /// Group `g`'s lane of partition `p`.
    pub fn lane(&self, g: usize, p: u32) -> u32 {
        g as u32 * self.partitions + p
    }

    /// Number of lanes (partitions × groups).
    pub fn count(&self) -> u32 {
        self.partitions * self.groups
    }

    /// The lanes of partition `p`, one per group that reads it.
    pub fn of(&self, p: u32) -> impl Iterator<Item = u32> + '_ {
        self.readers[p as usize]
            .iter()
            .map(move |&g| g * self.partitions + p)
    }

    /// How many groups read partition `p`.
    pub fn readers(&self, p: u32) -> u64 {
        self.readers[p as usize].len() as u64
    }

    /// (lane, partition) of every lane some group reads.
    pub fn read(&self) -> Vec<(u32, u32)> {
        (0..self.partitions)
            .flat_map(|p| self.of(p).map(move |l| (l, p)))
            .collect()
    }
}

impl Checks {
    /// Checkers for `partitions` partitions read by groups on `lanes`.
    pub fn new(lanes: Lanes) -> Self {
        Self {
            order: order::OrderCheck::default(),
            key_order: key_order::KeyOrderCheck::default(),
            delivery: delivery::DeliveryCheck::new(lanes.count()),
            high_watermark: high_watermark::HighWatermarkCheck::default(),
            ownership: ownership::OwnershipCheck::default(),
            retention: retention::RetentionCheck::default(),
            compaction: compaction::CompactionCheck::default(),
            lanes,
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
        v.extend(self.compaction.violations.iter().cloned());
        v
    }

    /// The partition's log lost records at and above `offset` (unclean election): delivery and
    /// key order take them back. Returns how many consumed offsets were taken back.
    pub fn uncommitted(&mut self, partition: u32, offset: u64, removed: &[(u32, u64, u64)]) -> u64 {
        let mut back = 0;
        for lane in self.lanes.of(partition).collect::<Vec<_>>() {
            self.key_order.uncommitted(lane, removed);
            back += self.delivery.uncommitted(lane, offset, removed);
        }
        back
    }

    /// The least any group reading `partition` has read of it (None if no group reads it).
    pub fn consumed_min(&self, partition: u32) -> Option<u64> {
        self.lanes
            .of(partition)
            .map(|l| self.delivery.consumed_upto(l))
            .min()
    }
}
