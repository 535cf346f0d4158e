//! A partition replica's log: batches with offsets, the log-end offset (LEO), the high watermark
//! (HW), the leader-epoch cache, the idempotent producer state and segment files.
//!
//! Only batch metadata is kept, never record bodies. Batches every reader has passed can be
//! released ([`PartitionLog::release_below`]), so memory follows the unread window, not the
//! number of records ever written. Byte positions are global; segment `i` holds positions
//! `[i·segment_bytes, (i+1)·segment_bytes)`, and a batch that would cross a boundary rolls a new
//! segment, as Kafka does.
//!
//! Every broker holding a replica of a partition has its own `PartitionLog`. The leader assigns
//! offsets ([`append`](PartitionLog::append)); followers copy batches with their offsets
//! ([`append_replica`](PartitionLog::append_replica)). The HW is set by the replication logic
//! (`min LEO over the ISR` on the leader, the leader's HW on a follower), never by an append.
//! The epoch cache records where each leader epoch starts: a follower or consumer that fetched
//! under an older epoch learns from it where its log diverges (KIP-101/KIP-595) and truncates
//! ([`truncate_to`](PartitionLog::truncate_to)).

pub mod producer_state;

use crate::engine::Nanos;
use producer_state::{ProducerStates, SeqBatch, SeqCheck};
use std::collections::VecDeque;

/// Metadata of one appended batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogBatch {
    /// Offset of its first record.
    pub base_offset: u64,
    /// Records in it.
    pub records: u32,
    /// Bytes on disk (compressed).
    pub bytes: u32,
    /// Raw record bytes before compression.
    pub raw_bytes: u32,
    /// Global byte position of its start in this replica's files.
    pub pos: u64,
    /// Producer that wrote it (its producer id).
    pub producer: u32,
    /// Its first record's number among the producer's records for this partition (the
    /// record identity the checks use; never renumbered).
    pub first_seq: u64,
    /// Sequence number sent with it (the broker checks it only for idempotent producers; it
    /// restarts at 0 when the producer bumps its epoch).
    pub seq: u64,
    /// Producer epoch it was sent under.
    pub producer_epoch: u16,
    /// Whether the producer was idempotent (the broker deduplicates its batches).
    pub idempotent: bool,
    /// Leader epoch under which the leader appended it.
    pub leader_epoch: u32,
    /// When the producer created the batch (for end-to-end latency).
    pub created_ns: Nanos,
}

impl LogBatch {
    /// Offset after its last record.
    pub fn end_offset(&self) -> u64 {
        self.base_offset + self.records as u64
    }

    fn seq_batch(&self) -> SeqBatch {
        SeqBatch {
            epoch: self.producer_epoch,
            first_seq: self.seq,
            last_seq: self.seq + self.records as u64 - 1,
            base_offset: self.base_offset,
            end_offset: self.end_offset(),
        }
    }
}

/// One partition's log on one replica.
#[derive(Clone, Debug)]
pub struct PartitionLog {
    batches: VecDeque<LogBatch>,
    leo: u64,
    hw: u64,
    end_pos: u64,
    segment_bytes: u64,
    /// (leader epoch, its first offset), increasing.
    epochs: Vec<(u32, u64)>,
    producers: ProducerStates,
    /// Kafka's recovery point: (offset, byte position) up to which the log was fsynced.
    recovery_point: (u64, u64),
    /// When the log was last flushed, ns.
    last_flush_ns: Nanos,
    /// Log directory (disk) the replica lives in.
    pub dir: u32,
    /// log.index.interval.bytes: an offset- and time-index entry after this many bytes.
    pub index_interval_bytes: u64,
    bytes_since_index: u64,
    index_entries_in_segment: u64,
    /// Newest index entry (number in its segment) added since the last flush, if any.
    unflushed_index_entry: Option<u64>,
}

/// A read: whole batches from a start offset, and where they lie.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogRead {
    /// The batches read, in offset order.
    pub batches: Vec<LogBatch>,
    /// Total bytes.
    pub bytes: u64,
}

impl PartitionLog {
    /// An empty log with segments of `segment_bytes`.
    pub fn new(segment_bytes: u64) -> Self {
        Self {
            batches: VecDeque::new(),
            leo: 0,
            hw: 0,
            end_pos: 0,
            segment_bytes: segment_bytes.max(1),
            epochs: vec![],
            producers: ProducerStates::default(),
            recovery_point: (0, 0),
            last_flush_ns: 0,
            dir: 0,
            index_interval_bytes: 4096,
            bytes_since_index: 0,
            index_entries_in_segment: 0,
            unflushed_index_entry: None,
        }
    }

    /// Records appended since the last flush (Kafka's `unflushedMessages`).
    pub fn unflushed_messages(&self) -> u64 {
        self.leo - self.recovery_point.0
    }

    /// The newest index entry added since the last call (what a flush must write), if any.
    pub fn take_index_entries(&mut self) -> Option<u64> {
        self.unflushed_index_entry.take()
    }

    /// When the log was last flushed (0 if never), ns.
    pub fn last_flush_ns(&self) -> Nanos {
        self.last_flush_ns
    }

    /// Mark the log flushed to its end at `now`; returns the segments that held unflushed
    /// bytes.
    pub fn flushed(&mut self, now: Nanos) -> std::ops::RangeInclusive<u64> {
        self.last_flush_ns = now;
        let from = self.segment_of(self.recovery_point.1).0;
        let to = self.segment_of(self.end_pos.saturating_sub(1)).0.max(from);
        self.recovery_point = (self.leo, self.end_pos);
        from..=to
    }

    /// Log-end offset: the offset the next record will get.
    pub fn leo(&self) -> u64 {
        self.leo
    }

    /// High watermark: records below it are committed and readable by consumers.
    pub fn hw(&self) -> u64 {
        self.hw
    }

    /// Set the high watermark (clamped to the log end).
    pub fn set_hw(&mut self, hw: u64) {
        self.hw = hw.min(self.leo);
    }

    /// Bytes written so far (the end position).
    pub fn end_pos(&self) -> u64 {
        self.end_pos
    }

    /// Segment index and position inside it of global position `pos`.
    pub fn segment_of(&self, pos: u64) -> (u64, u64) {
        (pos / self.segment_bytes, pos % self.segment_bytes)
    }

    fn place(&mut self, mut b: LogBatch) -> LogBatch {
        let in_seg = self.end_pos % self.segment_bytes;
        if in_seg > 0 && in_seg + b.bytes as u64 > self.segment_bytes {
            self.end_pos += self.segment_bytes - in_seg; // roll a new segment
            self.bytes_since_index = 0;
            self.index_entries_in_segment = 0;
        }
        // Kafka's LogSegment.append: an index entry once more than the interval was appended
        // since the last one.
        if self.bytes_since_index > self.index_interval_bytes {
            self.unflushed_index_entry = Some(self.index_entries_in_segment);
            self.index_entries_in_segment += 1;
            self.bytes_since_index = 0;
        }
        self.bytes_since_index += b.bytes as u64;
        b.pos = self.end_pos;
        self.leo = b.end_offset();
        self.end_pos += b.bytes as u64;
        if self.epochs.last().is_none_or(|&(e, _)| e < b.leader_epoch) {
            self.epochs.push((b.leader_epoch, b.base_offset));
        }
        if b.idempotent {
            self.producers.record(b.producer, b.seq_batch());
        }
        self.batches.push_back(b);
        b
    }

    /// Leader append: offsets and position assigned here; returns the stored batch. The high
    /// watermark does not move (the replication logic moves it).
    pub fn append(&mut self, mut b: LogBatch) -> LogBatch {
        b.base_offset = self.leo;
        self.place(b)
    }

    /// Follower append of a batch copied from the leader, keeping its offsets (which must
    /// continue this log).
    pub fn append_replica(&mut self, b: LogBatch) -> LogBatch {
        assert_eq!(
            b.base_offset, self.leo,
            "replicated batches continue the log"
        );
        self.place(b)
    }

    /// How the leader treats an idempotent batch (see [`producer_state`]).
    pub fn check_sequence(&self, producer: u32, epoch: u16, seq: u64, records: u32) -> SeqCheck {
        self.producers
            .check(producer, epoch, seq, seq + records as u64 - 1)
    }

    /// Remove every batch ending above `offset` (whole batches, as Kafka truncates); returns
    /// the removed batches, in offset order. The HW and the epoch cache follow.
    pub fn truncate_to(&mut self, offset: u64) -> Vec<LogBatch> {
        let keep = self.batches.partition_point(|b| b.end_offset() <= offset);
        let removed: Vec<LogBatch> = self.batches.drain(keep..).collect();
        if let Some(first) = removed.first() {
            self.leo = first.base_offset;
            self.end_pos = first.pos;
        } else {
            self.leo = self.leo.min(offset);
        }
        self.hw = self.hw.min(self.leo);
        if self.recovery_point.0 > self.leo {
            self.recovery_point = (self.leo, self.end_pos);
        }
        while self.epochs.last().is_some_and(|&(_, s)| s >= self.leo) {
            self.epochs.pop();
        }
        self.producers.truncate(self.leo);
        removed
    }

    /// Latest leader epoch in this log (0 before any append).
    pub fn latest_epoch(&self) -> u32 {
        self.epochs.last().map_or(0, |&(e, _)| e)
    }

    /// Kafka's `endOffsetFor(epoch)`: the largest epoch ≤ `epoch` in this log and the offset
    /// where it ends (the next epoch's start, or the LEO for the latest). None when the log
    /// holds no epoch ≤ `epoch` (then everything diverges: offset 0).
    pub fn end_offset_for_epoch(&self, epoch: u32) -> Option<(u32, u64)> {
        let i = self.epochs.partition_point(|&(e, _)| e <= epoch);
        if i == 0 {
            return None;
        }
        let end = self.epochs.get(i).map_or(self.leo, |&(_, s)| s);
        Some((self.epochs[i - 1].0, end))
    }

    /// Where a reader whose last fetched record was under `epoch` and who asks for `offset`
    /// diverges from this log, if it does (the fetch protocol's `DivergingEpoch`): the epoch
    /// to continue under and the offset to truncate to.
    pub fn diverging(&self, epoch: u32, offset: u64) -> Option<(u32, u64)> {
        if offset == 0 {
            return None;
        }
        match self.end_offset_for_epoch(epoch) {
            Some((e, end)) if e == epoch && end >= offset => None,
            Some((e, end)) => Some((e, end.min(offset))),
            None => Some((0, 0)),
        }
    }

    /// Offset below which `self` and `other` hold the same records: both copied the epochs
    /// they share from the same leader.
    pub fn common_prefix(&self, other: &PartitionLog) -> u64 {
        let shared = self
            .epochs
            .iter()
            .zip(&other.epochs)
            .take_while(|(a, b)| a == b)
            .count();
        if shared == 0 {
            return 0;
        }
        let end = |l: &PartitionLog| l.epochs.get(shared).map_or(l.leo, |&(_, s)| s);
        end(self).min(end(other))
    }

    /// Whole batches from the one holding `offset`, below `limit` (the HW for consumers, the
    /// LEO for followers), until `max_bytes` is reached (the first batch is always returned
    /// whole, as KIP-74 does).
    pub fn read(&self, offset: u64, max_bytes: u64, limit: u64) -> LogRead {
        let mut out = LogRead::default();
        if offset >= limit {
            return out;
        }
        let start = self.batches.partition_point(|b| b.end_offset() <= offset);
        for b in self.batches.range(start..) {
            if b.end_offset() > limit
                || (!out.batches.is_empty() && out.bytes + b.bytes as u64 > max_bytes)
            {
                break;
            }
            out.bytes += b.bytes as u64;
            out.batches.push(*b);
        }
        out
    }

    /// Bytes readable from `offset` below `limit` (for fetch.min.bytes), cheaply.
    pub fn bytes_available(&self, offset: u64, limit: u64) -> u64 {
        if offset >= limit {
            return 0;
        }
        let start = self.batches.partition_point(|b| b.end_offset() <= offset);
        let Some(first) = self.batches.get(start) else {
            return 0;
        };
        let end_pos = if limit >= self.leo {
            self.end_pos
        } else {
            let i = self.batches.partition_point(|b| b.end_offset() <= limit);
            self.batches.get(i).map_or(self.end_pos, |b| b.pos)
        };
        end_pos.saturating_sub(first.pos)
    }

    /// Batches overlapping offsets `[from, to)` (those still indexed).
    pub fn batches_in(&self, from: u64, to: u64) -> impl Iterator<Item = &LogBatch> {
        let start = self.batches.partition_point(|b| b.end_offset() <= from);
        self.batches
            .range(start..)
            .take_while(move |b| b.base_offset < to)
    }

    /// Forget batches that end at or below `offset` (every reader is past them).
    pub fn release_below(&mut self, offset: u64) {
        while self
            .batches
            .front()
            .is_some_and(|b| b.end_offset() <= offset)
        {
            self.batches.pop_front();
        }
        self.producers.release_below(offset);
    }

    /// Batches still indexed (for memory checks).
    pub fn indexed_batches(&self) -> usize {
        self.batches.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(records: u32, bytes: u32) -> LogBatch {
        LogBatch {
            base_offset: 0,
            records,
            bytes,
            raw_bytes: bytes,
            pos: 0,
            producer: 0,
            first_seq: 0,
            seq: 0,
            producer_epoch: 0,
            idempotent: false,
            leader_epoch: 0,
            created_ns: 0,
        }
    }

    fn epoch(mut b: LogBatch, e: u32) -> LogBatch {
        b.leader_epoch = e;
        b
    }

    #[test]
    fn offsets_and_positions_are_assigned_in_order() {
        let mut l = PartitionLog::new(1 << 30);
        let a = l.append(batch(10, 1000));
        let b = l.append(batch(5, 500));
        assert_eq!(
            (a.base_offset, a.pos, b.base_offset, b.pos),
            (0, 0, 10, 1000)
        );
        assert_eq!((l.leo(), l.hw(), l.end_pos()), (15, 0, 1500));
        l.set_hw(99);
        assert_eq!(l.hw(), 15, "the HW never passes the log end");
    }

    #[test]
    fn reads_return_whole_batches_up_to_max_bytes_and_the_limit() {
        let mut l = PartitionLog::new(1 << 30);
        for _ in 0..4 {
            l.append(batch(10, 1000));
        }
        let r = l.read(15, 2500, 40);
        assert_eq!(
            r.batches.len(),
            2,
            "batch holding offset 15, then one more under 2500 bytes"
        );
        assert_eq!(r.batches[0].base_offset, 10);
        assert_eq!(
            l.read(0, 1, 40).batches.len(),
            1,
            "first batch always whole"
        );
        assert!(l.read(40, 1 << 20, 40).batches.is_empty());
        assert_eq!(l.bytes_available(15, 40), 3000);
        assert_eq!(
            l.read(0, 1 << 20, 25).batches.len(),
            2,
            "nothing above the HW"
        );
        assert_eq!(l.bytes_available(15, 25), 1000);
        assert_eq!(l.bytes_available(25, 25), 0);
    }

    #[test]
    fn a_batch_never_crosses_a_segment() {
        let mut l = PartitionLog::new(2500);
        l.append(batch(1, 1000));
        l.append(batch(1, 1000));
        let c = l.append(batch(1, 1000));
        assert_eq!(c.pos, 2500, "third batch rolls to segment 1");
        assert_eq!(l.segment_of(c.pos), (1, 0));
    }

    #[test]
    fn releasing_read_batches_bounds_memory() {
        let mut l = PartitionLog::new(1 << 30);
        for _ in 0..100 {
            l.append(batch(10, 100));
        }
        l.release_below(995);
        assert_eq!(l.indexed_batches(), 1);
        assert_eq!(l.read(995, 1 << 20, 1000).batches[0].base_offset, 990);
    }

    #[test]
    fn epochs_locate_divergence_and_truncation_rewinds() {
        let mut leader = PartitionLog::new(1 << 30);
        let mut follower = PartitionLog::new(1 << 30);
        for e in [0, 0, 1] {
            let b = leader.append(epoch(batch(10, 100), e));
            follower.append_replica(b);
        }
        // The old leader (epoch 1) took two more batches nobody copied; the follower became
        // leader in epoch 2 and appended its own.
        leader.append(epoch(batch(10, 100), 1));
        leader.append(epoch(batch(10, 100), 1));
        follower.append(epoch(batch(5, 50), 2));
        assert_eq!(leader.end_offset_for_epoch(1), Some((1, 50)));
        assert_eq!(follower.end_offset_for_epoch(1), Some((1, 30)));
        assert_eq!(follower.end_offset_for_epoch(5), Some((2, 35)));
        assert_eq!(follower.diverging(1, 50), Some((1, 30)));
        assert_eq!(follower.diverging(2, 35), None);
        assert_eq!(leader.common_prefix(&follower), 30);
        let removed = leader.truncate_to(30);
        assert_eq!(removed.len(), 2);
        assert_eq!(
            (leader.leo(), leader.end_pos(), leader.latest_epoch()),
            (30, 300, 1)
        );
        let b = follower.read(30, 1 << 20, 35).batches[0];
        leader.append_replica(b);
        assert_eq!(leader.latest_epoch(), 2);
        assert_eq!(leader.common_prefix(&follower), 35);
    }

    #[test]
    fn idempotent_batches_feed_the_producer_state() {
        let mut l = PartitionLog::new(1 << 30);
        let mut b = batch(10, 100);
        b.idempotent = true;
        b.producer = 3;
        l.append(b);
        assert_eq!(
            l.check_sequence(3, 0, 0, 10),
            SeqCheck::Duplicate { base_offset: 0 }
        );
        assert_eq!(l.check_sequence(3, 0, 10, 10), SeqCheck::Append);
        l.truncate_to(0);
        assert_eq!(l.check_sequence(3, 0, 0, 10), SeqCheck::Append);
    }

    #[test]
    fn index_entries_follow_the_interval_and_a_flush_takes_them() {
        let mut l = PartitionLog::new(1 << 30);
        l.index_interval_bytes = 4096;
        for _ in 0..4 {
            l.append(batch(1, 1100)); // 4,400 bytes: more than the interval by the 5th
        }
        assert_eq!(l.take_index_entries(), None);
        l.append(batch(1, 1100));
        assert_eq!(
            l.take_index_entries(),
            Some(0),
            "first entry of the segment"
        );
        assert_eq!(l.take_index_entries(), None, "taken");
        assert_eq!(l.unflushed_messages(), 5);
        assert_eq!(l.flushed(7), 0..=0);
        assert_eq!((l.unflushed_messages(), l.last_flush_ns()), (0, 7));
    }
}
