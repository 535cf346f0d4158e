//! Idempotent producer state of one partition replica (Kafka's `ProducerStateManager`): per
//! producer id, the metadata of its most recent batches, rebuilt from the log itself, so
//! followers hold the same state as the leader and a new leader can go on deduplicating.
//!
//! A leader checks every idempotent batch against it before appending
//! ([`ProducerStates::check`]):
//!
//! - the same `(first_seq, last_seq)` as one of the producer's last [`DEDUP_WINDOW`] batches → a
//!   duplicate: acknowledged with the original offset, not appended;
//! - `first_seq` = last sequence + 1 → in order: appended;
//! - anything else → `OUT_OF_ORDER_SEQUENCE_NUMBER` (a gap: an earlier batch is missing).
//!
//! A batch under a newer producer epoch must start at sequence 0 and replaces the producer's
//! state (the client bumped its epoch after a batch failed for good, KIP-360); an older epoch
//! is rejected. A producer the replica holds no state for must start at sequence 0. (A real
//! broker accepts any sequence from such a producer and lets the client sort it out; rejecting
//! keeps the earlier batch first, which is the outcome the client's handling aims for.)

use std::collections::{BTreeMap, VecDeque};

/// Batches per producer the broker remembers for deduplication (Kafka's
/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`), which is why idempotence needs
/// max.in.flight.requests.per.connection ≤ 5.
pub const DEDUP_WINDOW: usize = 5;

/// One appended batch of a producer, as the producer state keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqBatch {
    /// Producer epoch it was sent under.
    pub epoch: u16,
    /// Sequence of its first record.
    pub first_seq: u64,
    /// Sequence of its last record.
    pub last_seq: u64,
    /// Offset of its first record.
    pub base_offset: u64,
    /// Offset after its last record.
    pub end_offset: u64,
}

/// What the leader does with an incoming idempotent batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqCheck {
    /// In sequence: append it.
    Append,
    /// Already in the log at this base offset: acknowledge, do not append.
    Duplicate {
        /// Offset of the first copy.
        base_offset: u64,
    },
    /// A gap or an old batch outside the window: OUT_OF_ORDER_SEQUENCE_NUMBER.
    OutOfOrder {
        /// The sequence the broker expected.
        expected: u64,
    },
}

/// Every producer's recent batches on one replica.
#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    by_producer: BTreeMap<u32, VecDeque<SeqBatch>>,
}

impl ProducerStates {
    /// How the leader treats `[first_seq, last_seq]` from `producer` under `epoch`.
    pub fn check(&self, producer: u32, epoch: u16, first_seq: u64, last_seq: u64) -> SeqCheck {
        let fresh = if first_seq == 0 {
            SeqCheck::Append
        } else {
            SeqCheck::OutOfOrder { expected: 0 }
        };
        let Some(q) = self.by_producer.get(&producer).filter(|q| !q.is_empty()) else {
            return fresh;
        };
        let current = q.back().expect("non-empty").epoch;
        if epoch > current {
            return fresh;
        }
        if epoch < current {
            return SeqCheck::OutOfOrder { expected: 0 };
        }
        if let Some(b) = q
            .iter()
            .rev()
            .take(DEDUP_WINDOW)
            .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return SeqCheck::Duplicate {
                base_offset: b.base_offset,
            };
        }
        let expected = q.back().expect("non-empty").last_seq + 1;
        if first_seq == expected {
            SeqCheck::Append
        } else {
            SeqCheck::OutOfOrder { expected }
        }
    }

    /// A batch of `producer` was appended (by the leader or copied by a follower). A newer
    /// epoch starts the producer's state afresh, except for the last entry (kept so a
    /// truncation below the new epoch's first batch still knows the old last sequence).
    pub fn record(&mut self, producer: u32, b: SeqBatch) {
        let q = self.by_producer.entry(producer).or_default();
        if q.back().is_some_and(|x| x.epoch < b.epoch) {
            let last = q.pop_back().expect("checked");
            q.clear();
            q.push_back(last);
        }
        q.push_back(b);
    }

    /// The log was truncated to `offset`: forget batches at or above it.
    pub fn truncate(&mut self, offset: u64) {
        for q in self.by_producer.values_mut() {
            while q.back().is_some_and(|b| b.end_offset > offset) {
                q.pop_back();
            }
        }
    }

    /// The log released batches below `offset`: drop older entries, keeping the window and
    /// the last batch at or below `offset` (so a later truncation still knows the last
    /// sequence).
    pub fn release_below(&mut self, offset: u64) {
        for q in self.by_producer.values_mut() {
            while q.len() > DEDUP_WINDOW && q.get(1).is_some_and(|b| b.end_offset <= offset) {
                q.pop_front();
            }
        }
    }

    /// Entries kept (for memory checks).
    pub fn entries(&self) -> usize {
        self.by_producer.values().map(|q| q.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(first_seq: u64, n: u64, base_offset: u64) -> SeqBatch {
        SeqBatch {
            epoch: 0,
            first_seq,
            last_seq: first_seq + n - 1,
            base_offset,
            end_offset: base_offset + n,
        }
    }

    #[test]
    fn in_order_duplicate_and_gap() {
        let mut s = ProducerStates::default();
        assert_eq!(s.check(7, 0, 0, 9), SeqCheck::Append);
        assert_eq!(s.check(7, 0, 10, 19), SeqCheck::OutOfOrder { expected: 0 });
        s.record(7, b(0, 10, 100));
        assert_eq!(s.check(7, 0, 10, 19), SeqCheck::Append);
        assert_eq!(
            s.check(7, 0, 0, 9),
            SeqCheck::Duplicate { base_offset: 100 }
        );
        assert_eq!(s.check(7, 0, 20, 29), SeqCheck::OutOfOrder { expected: 10 });
        assert_eq!(
            s.check(8, 0, 0, 0),
            SeqCheck::Append,
            "producers are independent"
        );
    }

    #[test]
    fn a_new_epoch_restarts_at_sequence_zero() {
        let mut s = ProducerStates::default();
        s.record(1, b(0, 10, 0));
        assert_eq!(s.check(1, 1, 10, 19), SeqCheck::OutOfOrder { expected: 0 });
        assert_eq!(s.check(1, 1, 0, 9), SeqCheck::Append);
        s.record(
            1,
            SeqBatch {
                epoch: 1,
                ..b(0, 10, 10)
            },
        );
        assert_eq!(s.check(1, 1, 10, 19), SeqCheck::Append);
        assert_eq!(
            s.check(1, 0, 10, 19),
            SeqCheck::OutOfOrder { expected: 0 },
            "old epoch"
        );
        assert_eq!(s.check(1, 1, 0, 9), SeqCheck::Duplicate { base_offset: 10 });
    }

    #[test]
    fn only_the_last_five_batches_are_deduplicated() {
        let mut s = ProducerStates::default();
        for i in 0..7 {
            s.record(1, b(i * 10, 10, i * 10));
        }
        assert_eq!(
            s.check(1, 0, 20, 29),
            SeqCheck::Duplicate { base_offset: 20 }
        );
        assert_eq!(s.check(1, 0, 10, 19), SeqCheck::OutOfOrder { expected: 70 });
    }

    #[test]
    fn truncation_and_release_keep_the_last_sequence() {
        let mut s = ProducerStates::default();
        for i in 0..10 {
            s.record(1, b(i * 10, 10, i * 10));
        }
        s.release_below(50);
        assert!(s.entries() >= DEDUP_WINDOW);
        s.truncate(50);
        assert_eq!(
            s.check(1, 0, 50, 59),
            SeqCheck::Append,
            "last kept batch ends at 49"
        );
        s.truncate(0);
        assert_eq!(s.check(1, 0, 0, 9), SeqCheck::Append);
    }
}
