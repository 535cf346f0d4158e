//! Per-key order: records of one key from one producer are consumed in the order they were
//! sent. A key always maps to one partition, so it suffices (and is stronger) to check that
//! within each partition a producer's records appear in the log in sequence order — which is
//! what Kafka guarantees with idempotence or max.in.flight.requests.per.connection = 1.
//!
//! Fed with each first-time consumed run of records (sequences `[from, to)` of one producer,
//! in offset order) it keeps the highest sequence seen. A run starting below it breaks the
//! order, unless it only repeats the records seen last (a retried batch appended right after
//! its first copy: a duplicate, not a reordering).

use super::Violation;
use std::collections::BTreeMap;

/// Highest sequence seen per (partition, producer).
#[derive(Clone, Debug, Default)]
pub struct KeyOrderCheck {
    high: BTreeMap<(u32, u32), u64>,
    /// Runs of records that came after a later record of their producer.
    pub reordered: u64,
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl KeyOrderCheck {
    /// Records `[from, to)` of `producer` were read (first time) from `partition`; `seen` of
    /// them had been read before.
    pub fn observe(&mut self, partition: u32, producer: u32, from: u64, to: u64, seen: u64) {
        let high = self.high.entry((partition, producer)).or_insert(0);
        let repeat_of_last = to == *high && seen == to - from;
        if from < *high && !repeat_of_last {
            self.reordered += 1;
            if self.violations.len() < 20 {
                self.violations.push(Violation {
                    check: "key-order",
                    detail: format!(
                        "partition {partition}: records {from}..{to} of producer {producer} came after its record {}",
                        *high - 1
                    ),
                });
            }
        }
        *high = (*high).max(to);
    }

    /// The log of `partition` lost the records of `removed` (producer, seq, n): they may come
    /// again.
    pub fn uncommitted(&mut self, partition: u32, removed: &[(u32, u64, u64)]) {
        for &(producer, seq, _) in removed {
            if let Some(h) = self.high.get_mut(&(partition, producer)) {
                *h = (*h).min(seq);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reordering_and_late_duplicates_break_order_adjacent_duplicates_do_not() {
        let mut k = KeyOrderCheck::default();
        k.observe(0, 1, 0, 10, 0);
        k.observe(0, 1, 0, 10, 10); // retried batch appended right after itself
        k.observe(0, 1, 10, 20, 0);
        k.observe(0, 2, 0, 5, 0); // another producer
        assert!(k.violations.is_empty(), "{:?}", k.violations);
        k.observe(0, 1, 30, 40, 0); // 20..30 failed and will be retried
        k.observe(0, 1, 20, 30, 0); // the retry lands after 30..40
        assert_eq!(k.reordered, 1);
        k.observe(0, 1, 0, 10, 10); // an old duplicate after later records
        assert_eq!(k.reordered, 2);
    }
}
