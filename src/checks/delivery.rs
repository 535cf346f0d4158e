//! Delivery: every acknowledged record is consumed at least once (no loss), and records
//! consumed more than once are counted as duplicates (at-least-once after a rebalance).
//! "Consumed" means processed by the application. Where the scenario's commits do not promise
//! at-least-once (commit before processing; librdkafka's offset store at hand-over), records
//! skipped over are counted as `lost` instead of being violations.
//!
//! Per partition it keeps the highest acknowledged offset and the extent consumed so far
//! (`consumed_upto`: every offset below it was read by some consumer), so memory does not grow
//! with the number of records.

use super::Violation;

/// Delivery bookkeeping per partition.
#[derive(Clone, Debug, Default)]
pub struct DeliveryCheck {
    acked_upto: Vec<u64>,
    consumed_upto: Vec<u64>,
    /// Records read again below `consumed_upto`.
    pub duplicates: u64,
    /// Records skipped over (offsets never read below a later read).
    pub skipped: u64,
    /// Records skipped where the commit order allows it (at-most-once).
    pub lost: u64,
    /// Whether skipped records are allowed (counted in `lost`) rather than violations.
    pub allow_loss: bool,
    /// Violations found by [`finish`](Self::finish) and [`consumed`](Self::consumed).
    pub violations: Vec<Violation>,
}

impl DeliveryCheck {
    /// Bookkeeping for `partitions` partitions.
    pub fn new(partitions: u32) -> Self {
        Self {
            acked_upto: vec![0; partitions as usize],
            consumed_upto: vec![0; partitions as usize],
            ..Self::default()
        }
    }

    /// Offsets `[base, end)` of `partition` were acknowledged to their producer.
    pub fn acked(&mut self, partition: u32, end: u64) {
        let a = &mut self.acked_upto[partition as usize];
        *a = (*a).max(end);
    }

    /// Offsets `[from, to)` of `partition` were consumed. Returns how far the consumed extent
    /// advanced (new records plus any skipped over).
    pub fn consumed(&mut self, partition: u32, from: u64, to: u64) -> u64 {
        let gap = self.resume_at(partition, from);
        let c = &mut self.consumed_upto[partition as usize];
        let dup = to.min(*c).saturating_sub(from);
        self.duplicates += dup;
        let new = to.saturating_sub((*c).max(from));
        *c = (*c).max(to);
        gap + new
    }

    /// A reader resumes `partition` at `offset` (a committed offset): offsets between what was
    /// consumed and `offset` will never be read. Returns how many were skipped.
    pub fn resume_at(&mut self, partition: u32, offset: u64) -> u64 {
        let c = &mut self.consumed_upto[partition as usize];
        if offset <= *c {
            return 0;
        }
        let gap = offset - *c;
        self.skipped += gap;
        if self.allow_loss {
            self.lost += gap;
        } else {
            self.violations.push(Violation { check: "no-loss", detail: format!("partition {partition}: offsets {}..{offset} were never consumed before reading resumed at {offset}", *c) });
        }
        *c = offset;
        gap
    }

    /// Offsets below `offset` of `partition` are deliberately not read (auto.offset.reset =
    /// latest); returns how many were passed over. They are neither consumed nor lost.
    pub fn skip_to(&mut self, partition: u32, offset: u64) -> u64 {
        let c = &mut self.consumed_upto[partition as usize];
        let skipped = offset.saturating_sub(*c);
        *c = (*c).max(offset);
        skipped
    }

    /// Highest offset consumed on `partition`.
    pub fn consumed_upto(&self, partition: u32) -> u64 {
        self.consumed_upto[partition as usize]
    }

    /// At the end of a run in which consumers were meant to read everything: any acknowledged
    /// offset not consumed is a loss.
    pub fn finish(&mut self) {
        for (p, (&a, &c)) in self.acked_upto.iter().zip(&self.consumed_upto).enumerate() {
            if c < a && self.allow_loss {
                self.lost += a - c;
            } else if c < a {
                self.violations.push(Violation {
                    check: "no-loss",
                    detail: format!(
                        "partition {p}: acknowledged up to offset {a} but consumed only up to {c}"
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_duplicates_and_finds_losses() {
        let mut d = DeliveryCheck::new(2);
        d.acked(0, 100);
        d.acked(1, 10);
        assert_eq!(d.consumed(0, 0, 60), 60);
        assert_eq!(d.consumed(0, 50, 100), 40);
        assert_eq!(d.duplicates, 10);
        d.finish();
        assert_eq!(d.violations.len(), 1, "partition 1 was never read");
        d.consumed(1, 5, 10);
        assert_eq!(d.skipped, 5);
        let mut d = DeliveryCheck::new(1);
        d.acked(0, 50);
        assert_eq!(d.skip_to(0, 40), 40);
        assert_eq!(d.consumed(0, 40, 50), 10);
        d.finish();
        assert!(
            d.violations.is_empty(),
            "a latest reset is not a loss: {:?}",
            d.violations
        );
    }
}
