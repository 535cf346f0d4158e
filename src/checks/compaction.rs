//! Compaction: a cleaning keeps the latest record of every key in the part it cleans — unless
//! that record is a tombstone whose delete horizon has passed — and leaves every record above
//! that part alone.

use super::Violation;
use crate::engine::Nanos;
use crate::kafka::log::PartitionLog;
use crate::kafka::workload::TOMBSTONE;
use std::collections::BTreeMap;

/// A log's cleanable part before a cleaning: each key's latest offset below `end`, and
/// whether it may go (an expired tombstone); the records at and above `end`.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    latest: BTreeMap<u32, (u64, bool)>,
    end: u64,
    above: u64,
}

impl Snapshot {
    /// Take it from `log` for a cleaning up to `end` at `now`; `key(producer, seq)` gives keys.
    pub fn of(log: &PartitionLog, end: u64, key: &impl Fn(u32, u64) -> u32, now: Nanos) -> Self {
        let mut s = Snapshot {
            end,
            ..Snapshot::default()
        };
        for b in log.batches_in(log.log_start(), u64::MAX) {
            for i in 0..b.records as u64 {
                let offset = b.base_offset + i;
                if offset >= end {
                    s.above += 1;
                    continue;
                }
                let k = key(b.producer, b.first_seq + i);
                let expired = k & TOMBSTONE != 0 && b.horizon_ns != 0 && now >= b.horizon_ns;
                s.latest.insert(k & !TOMBSTONE, (offset, expired));
            }
        }
        s
    }
}

/// Violations found over every cleaning.
#[derive(Clone, Debug, Default)]
pub struct CompactionCheck {
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl CompactionCheck {
    /// Broker `b` cleaned its replica of `partition` from `before` to `after`.
    pub fn pass(&mut self, partition: u32, b: usize, before: &Snapshot, after: &PartitionLog) {
        for (&k, &(offset, may_go)) in &before.latest {
            if !may_go && !after.holds(offset) {
                self.violations.push(Violation {
                    check: "compaction",
                    detail: format!("partition {partition} on broker {b}: key {k}'s latest record (offset {offset}) was removed"),
                });
            }
        }
        let above: u64 = after
            .batches_in(before.end, u64::MAX)
            .filter(|x| x.base_offset >= before.end)
            .map(|x| x.records as u64)
            .sum();
        if above != before.above {
            self.violations.push(Violation {
                check: "compaction",
                detail: format!("partition {partition} on broker {b}: {} record(s) at or above offset {} before the cleaning, {above} after", before.above, before.end),
            });
        }
    }
}
