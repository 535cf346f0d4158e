//! Per-partition order: a consumer hands its application the offsets of a partition
//! contiguously and increasing, from the position it was given (committed or reset offset).

use super::Violation;
use std::collections::BTreeMap;

/// Expected next offset per (consumer, partition).
#[derive(Clone, Debug, Default)]
pub struct OrderCheck {
    next: BTreeMap<(usize, u32), u64>,
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl OrderCheck {
    /// Consumer `c` starts reading `partition` at `offset` (after an assignment or reset).
    pub fn start(&mut self, c: usize, partition: u32, offset: u64) {
        self.next.insert((c, partition), offset);
    }

    /// Consumer `c` stops reading `partition` (revoked).
    pub fn stop(&mut self, c: usize, partition: u32) {
        self.next.remove(&(c, partition));
    }

    /// Consumer `c` handed offsets `[from, to)` of `partition` to its application.
    pub fn consumed(&mut self, c: usize, partition: u32, from: u64, to: u64) {
        match self.next.get(&(c, partition)).copied() {
            None => self.violations.push(Violation { check: "order", detail: format!("consumer {c} read partition {partition} offsets {from}..{to} without owning it") }),
            Some(exp) if exp != from || to < from => self.violations.push(Violation {
                check: "order",
                detail: format!("consumer {c} read partition {partition} offsets {from}..{to}, expected to continue at {exp}"),
            }),
            Some(_) => {
                self.next.insert((c, partition), to);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn gaps_rewinds_and_unowned_reads_are_violations() {
        let mut o = OrderCheck::default();
        o.start(0, 1, 10);
        o.consumed(0, 1, 10, 20);
        o.consumed(0, 1, 20, 25);
        assert!(o.violations.is_empty());
        o.consumed(0, 1, 30, 31);
        o.consumed(0, 1, 5, 6);
        o.consumed(1, 1, 0, 1);
        assert_eq!(o.violations.len(), 3);
    }
}
