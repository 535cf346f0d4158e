//! A partition's log: batches with offsets, the log-end offset (LEO), the high watermark (HW)
//! and segment files.
//!
//! Only batch metadata is kept, never record bodies. Batches every reader has passed can be
//! released ([`PartitionLog::release_below`]), so memory follows the unread window, not the
//! number of records ever written. Byte positions are global; segment `i` holds positions
//! `[i·segment_bytes, (i+1)·segment_bytes)`, and a batch that would cross a boundary rolls a new
//! segment, as Kafka does.

use crate::engine::Nanos;
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
    /// Global byte position of its start.
    pub pos: u64,
    /// Producer that wrote it.
    pub producer: u32,
    /// Producer sequence of its first record.
    pub first_seq: u64,
    /// When the producer created the batch (for end-to-end latency).
    pub created_ns: Nanos,
}

impl LogBatch {
    /// Offset after its last record.
    pub fn end_offset(&self) -> u64 {
        self.base_offset + self.records as u64
    }
}

/// One partition's log on its leader.
#[derive(Clone, Debug)]
pub struct PartitionLog {
    batches: VecDeque<LogBatch>,
    leo: u64,
    hw: u64,
    end_pos: u64,
    segment_bytes: u64,
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
        }
    }

    /// Log-end offset: the offset the next record will get.
    pub fn leo(&self) -> u64 {
        self.leo
    }

    /// High watermark: records below it are committed and readable.
    pub fn hw(&self) -> u64 {
        self.hw
    }

    /// Bytes written so far (the end position).
    pub fn end_pos(&self) -> u64 {
        self.end_pos
    }

    /// Segment index and position inside it of global position `pos`.
    pub fn segment_of(&self, pos: u64) -> (u64, u64) {
        (pos / self.segment_bytes, pos % self.segment_bytes)
    }

    /// Append a batch (offsets and position assigned here); returns the stored batch.
    /// With one replica the high watermark follows the log end at once.
    pub fn append(&mut self, mut b: LogBatch) -> LogBatch {
        let in_seg = self.end_pos % self.segment_bytes;
        if in_seg > 0 && in_seg + b.bytes as u64 > self.segment_bytes {
            self.end_pos += self.segment_bytes - in_seg; // roll a new segment
        }
        b.base_offset = self.leo;
        b.pos = self.end_pos;
        self.leo += b.records as u64;
        self.end_pos += b.bytes as u64;
        self.hw = self.leo;
        self.batches.push_back(b);
        b
    }

    /// Whole batches from the one holding `offset`, below the high watermark, until `max_bytes`
    /// is reached (the first batch is always returned whole, as KIP-74 does).
    pub fn read(&self, offset: u64, max_bytes: u64) -> LogRead {
        let mut out = LogRead::default();
        if offset >= self.hw {
            return out;
        }
        let start = self.batches.partition_point(|b| b.end_offset() <= offset);
        for b in self.batches.range(start..) {
            if b.end_offset() > self.hw
                || (!out.batches.is_empty() && out.bytes + b.bytes as u64 > max_bytes)
            {
                break;
            }
            out.bytes += b.bytes as u64;
            out.batches.push(*b);
        }
        out
    }

    /// Bytes readable from `offset` up to the high watermark (for fetch.min.bytes), cheaply.
    pub fn bytes_available(&self, offset: u64) -> u64 {
        if offset >= self.hw {
            return 0;
        }
        let start = self.batches.partition_point(|b| b.end_offset() <= offset);
        match self.batches.get(start) {
            Some(b) => self.end_pos - b.pos,
            None => 0,
        }
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
            created_ns: 0,
        }
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
        assert_eq!((l.leo(), l.hw(), l.end_pos()), (15, 15, 1500));
    }

    #[test]
    fn reads_return_whole_batches_up_to_max_bytes() {
        let mut l = PartitionLog::new(1 << 30);
        for _ in 0..4 {
            l.append(batch(10, 1000));
        }
        let r = l.read(15, 2500);
        assert_eq!(
            r.batches.len(),
            2,
            "batch holding offset 15, then one more under 2500 bytes"
        );
        assert_eq!(r.batches[0].base_offset, 10);
        assert_eq!(l.read(0, 1).batches.len(), 1, "first batch always whole");
        assert!(l.read(40, 1 << 20).batches.is_empty());
        assert_eq!(l.bytes_available(15), 3000);
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
        assert_eq!(l.read(995, 1 << 20).batches[0].base_offset, 990);
    }
}
