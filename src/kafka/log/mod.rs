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
//!
//! The log's life (storage/.../log/UnifiedLog.java and LocalLog.java, Kafka 4.x): a segment
//! rolls when the next batch would overflow `segment.bytes` or when `segment.ms` has passed
//! since its first batch's timestamp (`LogSegment.shouldRoll`, checked on append).
//! [`delete_old_segments`](PartitionLog::delete_old_segments) is Kafka's retention pass
//! (`UnifiedLog.deleteOldSegments`): by size (`retention.bytes`), then by time (`retention.ms`
//! against a segment's largest timestamp), oldest first, stopping at the first segment that
//! must stay; a segment is deletable only when the high watermark has passed its end (so the
//! log start never passes the HW), and when every segment goes a new empty one is rolled
//! first, so the active segment is never deleted. The log start offset moves to the first
//! remaining segment; reads below it get OFFSET_OUT_OF_RANGE.

pub mod compaction;
pub mod producer_state;

use crate::checks::retention::{PassShape, SegmentShape};
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
    /// Its timestamp as the log keeps it (time index, retention.ms, segment.ms): the creation
    /// time (message.timestamp.type = CreateTime) or the leader's append time (LogAppendTime).
    pub timestamp_ns: Nanos,
    /// Compacted topics: when the tombstones in it may go (set by the cleaning that first
    /// kept one: that time + delete.retention.ms); 0 = not set.
    pub horizon_ns: Nanos,
}

impl LogBatch {
    /// A batch of `records` records in `bytes` bytes created at `created_ns` by producer 0,
    /// not idempotent, under leader epoch 0 (offsets and position are set by the log).
    pub fn plain(records: u32, bytes: u32, created_ns: Nanos) -> Self {
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
            created_ns,
            timestamp_ns: created_ns,
            horizon_ns: 0,
        }
    }

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

/// One segment file of a replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Its number: its first byte's global position / segment bytes (names its files).
    pub index: u64,
    /// Offset of its first record (Kafka names the file after it).
    pub base_offset: u64,
    /// Bytes in it.
    pub bytes: u64,
    /// Timestamp of its first batch, ns (what segment.ms counts from).
    pub first_ts_ns: Nanos,
    /// Largest timestamp in it, ns (what retention.ms compares with).
    pub max_ts_ns: Nanos,
}

/// Retention limits of a topic (None = keep forever: Kafka's -1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// retention.ms, ns.
    pub time_ns: Option<Nanos>,
    /// retention.bytes, per partition replica.
    pub bytes: Option<u64>,
}

/// What one retention pass removed from a log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    /// The segments deleted, oldest first.
    pub segments: Vec<Segment>,
    /// Their batches still indexed (those no reader had passed when released).
    pub batches: Vec<LogBatch>,
}

/// One partition's log on one replica.
#[derive(Clone, Debug)]
pub struct PartitionLog {
    batches: VecDeque<LogBatch>,
    /// Segments from the oldest kept to the active one.
    segments: VecDeque<Segment>,
    /// Bytes of `segments` (read every series interval: kept, not summed).
    size_bytes: u64,
    log_start: u64,
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
    /// segment.ms: roll the active segment once its first batch is older than this, ns.
    pub roll_ns: Nanos,
    /// Its topic's retention.ms and retention.bytes.
    pub retention: Retention,
    /// The log cleaner's checkpoint: offsets below it were cleaned.
    clean_upto: u64,
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
            segments: VecDeque::new(),
            size_bytes: 0,
            log_start: 0,
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
            roll_ns: Nanos::MAX,
            retention: Retention::default(),
            clean_upto: 0,
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

    /// Move the end to the next segment boundary: the next batch starts a new segment.
    fn roll(&mut self) {
        let in_seg = self.end_pos % self.segment_bytes;
        if in_seg > 0 {
            self.end_pos += self.segment_bytes - in_seg;
        }
        self.bytes_since_index = 0;
        self.index_entries_in_segment = 0;
    }

    /// The batch's timestamp as the log keeps it.
    fn timestamp(b: &LogBatch) -> Nanos {
        b.timestamp_ns
    }

    fn place(&mut self, now: Nanos, mut b: LogBatch) -> LogBatch {
        let in_seg = self.end_pos % self.segment_bytes;
        let old = self
            .segments
            .back()
            .is_some_and(|s| s.bytes > 0 && now.saturating_sub(s.first_ts_ns) > self.roll_ns);
        if in_seg > 0 && (in_seg + b.bytes as u64 > self.segment_bytes || old) {
            self.roll();
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
        let (index, ts) = (b.pos / self.segment_bytes, Self::timestamp(&b));
        if self.segments.back().is_none_or(|s| s.index != index) {
            self.segments.push_back(Segment {
                index,
                base_offset: b.base_offset,
                bytes: 0,
                first_ts_ns: ts,
                max_ts_ns: ts,
            });
        }
        let seg = self.segments.back_mut().expect("pushed above");
        if seg.bytes == 0 {
            (seg.first_ts_ns, seg.max_ts_ns) = (ts, ts);
        }
        seg.bytes += b.bytes as u64;
        seg.max_ts_ns = seg.max_ts_ns.max(ts);
        self.size_bytes += b.bytes as u64;
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

    /// Leader append at `now`: offsets and position assigned here; returns the stored batch.
    /// The high watermark does not move (the replication logic moves it).
    pub fn append(&mut self, now: Nanos, mut b: LogBatch) -> LogBatch {
        b.base_offset = self.leo;
        self.place(now, b)
    }

    /// Follower append at `now` of a batch copied from the leader, keeping its offsets (which
    /// must continue this log).
    pub fn append_replica(&mut self, now: Nanos, b: LogBatch) -> LogBatch {
        // A compacted leader's log has gaps: the next batch may start above the LEO.
        assert!(
            b.base_offset >= self.leo,
            "replicated batches continue the log"
        );
        self.place(now, b)
    }

    /// Log start offset: the first offset a reader may ask for.
    pub fn log_start(&self) -> u64 {
        self.log_start
    }

    /// Segments from the oldest kept to the active one.
    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter()
    }

    /// The log as the retention check sees it, with `active_before` the segment that was active
    /// before a pass.
    pub fn pass_shape(&self, active_before: Option<SegmentShape>) -> PassShape {
        let shape = |s: &Segment| SegmentShape {
            index: s.index,
            base_offset: s.base_offset,
            bytes: s.bytes,
        };
        PassShape {
            active_before,
            oldest: self.segments.front().map(shape),
            active: self.segments.back().map(shape),
            log_start: self.log_start,
            hw: self.hw,
            leo: self.leo,
        }
    }

    /// Bytes of the kept segments (what the replica holds on disk).
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// How many of the oldest segments Kafka's `deletableSegments` would hand over: each one
    /// wholly below the HW, not the last one when it is empty, while `delete` says yes.
    fn deletable(&self, mut delete: impl FnMut(&Segment) -> bool) -> usize {
        let mut n = 0;
        for (i, s) in self.segments.iter().enumerate() {
            let next = self.segments.get(i + 1);
            let upper = next.map_or(self.leo, |x| x.base_offset);
            let last_and_empty = next.is_none() && s.bytes == 0;
            if self.hw < upper || last_and_empty || !delete(s) {
                break;
            }
            n += 1;
        }
        n
    }

    /// Remove the `n` oldest segments into `out`; when that is all of them, roll an empty
    /// active segment first (`UnifiedLog.deleteSegments`). The log start follows.
    fn remove_segments(&mut self, n: usize, out: &mut Deleted) {
        if n == 0 {
            return;
        }
        if n == self.segments.len() {
            self.roll();
            self.segments.push_back(Segment {
                index: self.end_pos / self.segment_bytes,
                base_offset: self.leo,
                bytes: 0,
                first_ts_ns: 0,
                max_ts_ns: 0,
            });
        }
        let from = out.segments.len();
        out.segments.extend(self.segments.drain(..n));
        self.size_bytes -= out.segments[from..].iter().map(|s| s.bytes).sum::<u64>();
        let first = self.segments.front().expect("one kept").base_offset;
        self.log_start = self.log_start.max(first);
        while self
            .batches
            .front()
            .is_some_and(|b| b.end_offset() <= self.log_start)
        {
            out.batches.extend(self.batches.pop_front());
        }
    }

    /// Kafka's retention pass at `now`: delete the oldest segments beyond `retention.bytes`,
    /// then those whose largest timestamp is older than `retention.ms`.
    pub fn delete_old_segments(&mut self, now: Nanos, r: Retention) -> Deleted {
        let mut out = Deleted::default();
        if let Some(limit) = r.bytes {
            let size = self.size_bytes();
            if size >= limit {
                let mut over = size - limit;
                let n = self.deletable(|s| {
                    let fits = over >= s.bytes;
                    if fits {
                        over -= s.bytes;
                    }
                    fits
                });
                self.remove_segments(n, &mut out);
            }
        }
        if let Some(time_ns) = r.time_ns {
            let n = self.deletable(|s| now.saturating_sub(s.max_ts_ns) > time_ns);
            self.remove_segments(n, &mut out);
        }
        out
    }

    /// A follower whose log ends below the leader's log start drops everything and starts
    /// empty at `offset` (`UnifiedLog.truncateFullyAndStartAt`); returns the dropped segments.
    pub fn restart_at(&mut self, offset: u64) -> Vec<Segment> {
        self.batches.clear();
        self.roll();
        (self.leo, self.hw, self.log_start) = (offset, offset, offset);
        self.clean_upto = offset;
        self.epochs.clear();
        self.producers = ProducerStates::default();
        self.recovery_point = (offset, self.end_pos);
        self.unflushed_index_entry = None;
        self.size_bytes = 0;
        self.segments.drain(..).collect()
    }

    /// How the leader treats an idempotent batch (see [`producer_state`]).
    pub fn check_sequence(&self, producer: u32, epoch: u16, seq: u64, records: u32) -> SeqCheck {
        self.producers
            .check(producer, epoch, seq, seq + records as u64 - 1)
    }

    /// Remove every batch ending above `offset` (whole batches, as Kafka truncates); returns
    /// the removed batches, in offset order. The HW and the epoch cache follow.
    pub fn truncate_to(&mut self, offset: u64) -> Vec<LogBatch> {
        let keep = self.first_ending_after(offset);
        let removed: Vec<LogBatch> = self.batches.drain(keep..).collect();
        if let Some(first) = removed.first() {
            self.leo = first.base_offset;
            self.end_pos = first.pos;
        } else {
            self.leo = self.leo.min(offset);
        }
        self.hw = self.hw.min(self.leo);
        self.log_start = self.log_start.min(self.leo);
        self.clean_upto = self.clean_upto.min(self.leo);
        let start_of = |s: &Segment, sb: u64| s.index * sb;
        while self.segments.len() > 1
            && self.segments.back().is_some_and(|s| {
                start_of(s, self.segment_bytes) >= self.end_pos && s.base_offset >= self.leo
            })
        {
            self.segments.pop_back();
        }
        if let Some(s) = self.segments.back_mut() {
            s.bytes = s
                .bytes
                .min(self.end_pos.saturating_sub(start_of(s, self.segment_bytes)));
        }
        self.size_bytes = self.segments.iter().map(|s| s.bytes).sum();
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
        let start = self.first_ending_after(offset);
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

    /// Index of the first batch ending after `offset` (holding it or past it). Readers and
    /// followers mostly read near the log end: the last few batches are looked at before a
    /// binary search over all of them.
    fn first_ending_after(&self, offset: u64) -> usize {
        let n = self.batches.len();
        for i in (n.saturating_sub(8)..n).rev() {
            if self.batches[i].end_offset() <= offset {
                return i + 1;
            }
        }
        self.batches.partition_point(|b| b.end_offset() <= offset)
    }

    /// Bytes readable from `offset` below `limit` (for fetch.min.bytes), cheaply.
    pub fn bytes_available(&self, offset: u64, limit: u64) -> u64 {
        if offset >= limit {
            return 0;
        }
        let start = self.first_ending_after(offset);
        let Some(first) = self.batches.get(start) else {
            return 0;
        };
        let end_pos = if limit >= self.leo {
            self.end_pos
        } else {
            let i = self.first_ending_after(limit);
            self.batches.get(i).map_or(self.end_pos, |b| b.pos)
        };
        end_pos.saturating_sub(first.pos)
    }

    /// Whether the log holds a record at `offset` (compacted logs have gaps).
    pub fn holds(&self, offset: u64) -> bool {
        let i = self.first_ending_after(offset);
        self.batches.get(i).is_some_and(|b| b.base_offset <= offset)
    }

    /// Batches overlapping offsets `[from, to)` (those still indexed).
    pub fn batches_in(&self, from: u64, to: u64) -> impl Iterator<Item = &LogBatch> {
        let start = self.first_ending_after(from);
        self.batches
            .range(start..)
            .take_while(move |b| b.base_offset < to)
    }

    /// The time index's answer (ListOffsets by timestamp): the first offset at or after the log
    /// start whose record was created at or after `ts`, or None when no record is that recent.
    /// A batch carries one timestamp, its creation time; like Kafka's time index, the answer
    /// follows the largest timestamp so far.
    pub fn offset_for_time(&self, ts: Nanos) -> Option<u64> {
        let mut newest = 0;
        self.batches
            .iter()
            .filter(|b| b.end_offset() > self.log_start)
            .find(|b| {
                newest = newest.max(Self::timestamp(b));
                newest >= ts
            })
            .map(|b| b.base_offset.max(self.log_start))
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
        LogBatch::plain(records, bytes, 0)
    }

    /// (index, base offset, bytes) of each segment.
    fn segs(l: &PartitionLog) -> Vec<(u64, u64, u64)> {
        l.segments()
            .map(|s| (s.index, s.base_offset, s.bytes))
            .collect()
    }

    fn epoch(mut b: LogBatch, e: u32) -> LogBatch {
        b.leader_epoch = e;
        b
    }

    #[test]
    fn offsets_and_positions_are_assigned_in_order() {
        let mut l = PartitionLog::new(1 << 30);
        let a = l.append(0, batch(10, 1000));
        let b = l.append(0, batch(5, 500));
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
            l.append(0, batch(10, 1000));
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
        l.append(0, batch(1, 1000));
        l.append(0, batch(1, 1000));
        let c = l.append(0, batch(1, 1000));
        assert_eq!(c.pos, 2500, "third batch rolls to segment 1");
        assert_eq!(l.segment_of(c.pos), (1, 0));
    }

    #[test]
    fn releasing_read_batches_bounds_memory() {
        let mut l = PartitionLog::new(1 << 30);
        for _ in 0..100 {
            l.append(0, batch(10, 100));
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
            let b = leader.append(0, epoch(batch(10, 100), e));
            follower.append_replica(0, b);
        }
        // The old leader (epoch 1) took two more batches nobody copied; the follower became
        // leader in epoch 2 and appended its own.
        leader.append(0, epoch(batch(10, 100), 1));
        leader.append(0, epoch(batch(10, 100), 1));
        follower.append(0, epoch(batch(5, 50), 2));
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
        leader.append_replica(0, b);
        assert_eq!(leader.latest_epoch(), 2);
        assert_eq!(leader.common_prefix(&follower), 35);
    }

    #[test]
    fn idempotent_batches_feed_the_producer_state() {
        let mut l = PartitionLog::new(1 << 30);
        let mut b = batch(10, 100);
        b.idempotent = true;
        b.producer = 3;
        l.append(0, b);
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
            l.append(0, batch(1, 1100)); // 4,400 bytes: more than the interval by the 5th
        }
        assert_eq!(l.take_index_entries(), None);
        l.append(0, batch(1, 1100));
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

    const S: Nanos = 1_000_000_000;

    #[test]
    fn segment_ms_rolls_the_active_segment_on_the_next_append() {
        let mut l = PartitionLog::new(1 << 30);
        l.roll_ns = 2 * S;
        l.append(0, LogBatch::plain(1, 100, 0));
        l.append(2 * S, LogBatch::plain(1, 100, 2 * S));
        let c = l.append(2 * S + 1, LogBatch::plain(1, 100, 2 * S + 1));
        assert_eq!(
            segs(&l),
            vec![(0, 0, 200), (1, 2, 100)],
            "rolled once 2 s had passed, not at 2 s"
        );
        assert_eq!(c.pos, 1 << 30);
    }

    #[test]
    fn time_retention_deletes_old_segments_below_the_hw_oldest_first() {
        let mut l = PartitionLog::new(1000);
        for t in 0..5 {
            l.append(t * S, LogBatch::plain(10, 1000, t * S)); // one segment each, at 0..4 s
        }
        let r = Retention {
            time_ns: Some(2 * S),
            bytes: None,
        };
        l.set_hw(25); // inside segment 2
        let d = l.delete_old_segments(10 * S, r);
        assert_eq!(
            d.segments.len(),
            2,
            "segment 2 ends above the HW: it and all after it stay"
        );
        assert_eq!((l.log_start(), d.batches.len()), (20, 2));
        assert_eq!(l.read(20, 1 << 20, 30).batches[0].base_offset, 20);
        l.set_hw(50);
        let d = l.delete_old_segments(10 * S, r);
        assert_eq!(
            d.segments.len(),
            3,
            "all of them, the active one too once a new one rolled"
        );
        assert_eq!(
            segs(&l),
            vec![(5, 50, 0)],
            "an empty active segment at the log end"
        );
        assert_eq!(l.log_start(), 50);
        assert!(crate::checks::retention::problems(&l.pass_shape(None)).is_empty());
        assert!(
            l.delete_old_segments(100 * S, r).segments.is_empty(),
            "the last, empty segment stays"
        );
        let b = l.append(100 * S, LogBatch::plain(1, 10, 100 * S));
        assert_eq!((b.base_offset, b.pos, l.segments().count()), (50, 5000, 1));
    }

    #[test]
    fn size_retention_keeps_the_newest_segments_within_the_limit() {
        let mut l = PartitionLog::new(1000);
        for _ in 0..5 {
            l.append(0, batch(10, 1000));
        }
        l.set_hw(50);
        // 5,000 bytes, limit 2,500: Kafka deletes while the size stays ≥ the limit after it.
        let r = Retention {
            time_ns: None,
            bytes: Some(2500),
        };
        let d = l.delete_old_segments(0, r);
        assert_eq!(
            (d.segments.len(), l.size_bytes(), l.log_start()),
            (2, 3000, 20)
        );
        assert!(l.delete_old_segments(0, r).segments.is_empty());
    }

    #[test]
    fn a_follower_below_the_leaders_log_start_starts_over_there() {
        let mut l = PartitionLog::new(1000);
        l.append(0, batch(10, 500));
        let dropped = l.restart_at(40);
        assert_eq!(dropped.len(), 1);
        assert_eq!(
            (l.leo(), l.hw(), l.log_start(), l.segments().count()),
            (40, 40, 40, 0)
        );
        let b = l.append_replica(
            0,
            LogBatch {
                base_offset: 40,
                ..batch(5, 100)
            },
        );
        assert_eq!((b.pos, l.log_start()), (1000, 40), "in a new segment");
    }

    #[test]
    fn truncation_drops_the_segments_past_the_cut() {
        let mut l = PartitionLog::new(1000);
        for _ in 0..3 {
            l.append(0, batch(10, 600));
        }
        assert_eq!(l.segments().count(), 3);
        l.truncate_to(15);
        let segs: Vec<(u64, u64)> = l.segments().map(|s| (s.index, s.bytes)).collect();
        assert_eq!(segs, vec![(0, 600)]);
        assert_eq!(l.append(0, batch(1, 600)).pos, 1000);
    }
}
