//! The record accumulator: per-partition queues of batches, filled by the application thread
//! and drained by the sender.
//!
//! Rules (Java `RecordAccumulator`; librdkafka's per-partition queues behave alike at this
//! grain): a record goes into the partition's last batch if it has room, else it closes that
//! batch and opens a new one. Room means the batch's *estimated* size stays within
//! `batch.size` (and `batch.num.messages` records, librdkafka). With compression the Java
//! client estimates a batch's compressed size from a running ratio that starts at 1.0 and moves
//! toward the observed ratio (−0.005 per better batch, +0.05 per worse), so early compressed
//! batches come out smaller than batch.size. A partition is *ready* when its head batch is
//! closed (full or followed by another), has waited `linger.ms`, the buffer is exhausted, or the
//! producer is flushing — and, for a batch being retried, its backoff has passed. A failed
//! batch goes back to the head of its queue (in sequence order when idempotent, as Java's
//! `reenqueue` does), keeping its sequence and compressed size.

use super::super::partitioner::BatchQueues;
use super::super::records::{record_bytes, Codec, BATCH_HEADER_BYTES};
use crate::engine::Nanos;
use std::collections::VecDeque;

/// A batch being filled or waiting to be sent.
#[derive(Clone, Debug)]
pub struct OpenBatch {
    /// Records.
    pub records: u32,
    /// Raw bytes, header included.
    pub raw_bytes: u64,
    /// Number of its first record among the producer's records for this partition (its
    /// identity), fixed when it is first drained.
    pub seq: Option<u64>,
    /// (sequence sent, producer epoch), fixed when first drained, renumbered by an epoch bump.
    pub wire_seq: Option<(u64, u16)>,
    /// Wire size, fixed (compressed) when it is first drained.
    pub wire_bytes: Option<u64>,
    /// Times it was sent.
    pub attempts: u32,
    /// Not to be sent again before this time (retry backoff).
    pub retry_at: Nanos,
    /// When it was opened (its first record was sent).
    pub created_ns: Nanos,
    /// When its last record was sent.
    pub last_append_ns: Nanos,
    /// Buffer memory it holds.
    pub buffer_bytes: u64,
    /// Closed to appends.
    pub full: bool,
    /// Key and value bytes of its records.
    pub payload_bytes: u64,
}

/// The accumulator of one producer for one topic.
#[derive(Clone, Debug)]
pub struct Accumulator {
    queues: Vec<VecDeque<OpenBatch>>,
    batch_size: u64,
    batch_num_messages: u32,
    linger_ns: Nanos,
    /// Estimated compressed/raw size, in thousandths (Java's CompressionRatioEstimator).
    estimate_permille: u64,
    java: bool,
    used_bytes: u64,
    queued_records: u64,
}

/// Where a record goes in a partition: a new batch, or the open one, in which it takes `bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// It opens a new batch.
    NewBatch,
    /// It fits the open batch, taking this many bytes there.
    Open {
        /// The record's bytes at its offset in the batch.
        bytes: u64,
    },
}

/// What an append did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Bytes the partition's batch grew by (header included when the record opened it).
    pub grew_bytes: u32,
    /// The record opened a new batch.
    pub new_batch: bool,
    /// Its batch is full now (it may be sent before linger.ms).
    pub full: bool,
}

/// The size a batch of `raw_bytes` is estimated to have once compressed, at the ratio
/// `permille` (the header is not compressed).
fn estimated(raw_bytes: u64, permille: u64) -> u64 {
    if permille == 1000 {
        // Uncompressed (every record of a run without compression): no division per record.
        return raw_bytes;
    }
    BATCH_HEADER_BYTES + ((raw_bytes - BATCH_HEADER_BYTES) * permille).div_ceil(1000)
}

/// The largest raw size whose [`estimated`] size is at most `batch_size`: `H + ⌈(raw − H)·p /
/// 1000⌉ ≤ B` exactly when `raw − H ≤ ⌊(B − H)·1000 / p⌋` (B − H is whole).
fn raw_limit(batch_size: u64, permille: u64) -> u64 {
    match permille {
        1000 => batch_size,
        0 => u64::MAX,
        p => BATCH_HEADER_BYTES + batch_size.saturating_sub(BATCH_HEADER_BYTES) * 1000 / p,
    }
}

/// How many records from offset delta `records` on take the same bytes: up to the next delta
/// whose zigzag varint is a byte longer (64, 8,192, 2^20, …: 7 bits a byte, one for the sign).
fn same_size_run(records: u32) -> u64 {
    let bytes = crate::kafka::records::varint_bytes(records as i64) as u64;
    (1u64 << (7 * bytes - 1)) - records as u64
}

/// Whether a batch of `records` has reached librdkafka's `batch.num.messages` (0 = no cap).
fn at_record_cap(records: u32, batch_num_messages: u32) -> bool {
    batch_num_messages > 0 && records >= batch_num_messages
}

impl BatchQueues for Accumulator {
    fn queue_len(&self, partition: u32) -> u32 {
        self.queues[partition as usize].len() as u32
    }
    fn all_batches_full(&self, partition: u32) -> bool {
        self.queues[partition as usize]
            .back()
            .is_none_or(|b| b.full)
    }
}

impl Accumulator {
    /// An empty accumulator; `java` selects Java's buffer accounting and ratio estimation.
    pub fn new(
        partitions: u32,
        batch_size: u32,
        batch_num_messages: u32,
        linger_ns: Nanos,
        java: bool,
    ) -> Self {
        Self {
            queues: vec![VecDeque::new(); partitions as usize],
            batch_size: batch_size as u64,
            batch_num_messages,
            linger_ns,
            estimate_permille: 1000,
            java,
            used_bytes: 0,
            queued_records: 0,
        }
    }

    /// Where a record of this size would go in `partition`.
    pub fn fit(&self, partition: u32, key_len: Option<u32>, value_len: u32) -> Fit {
        let Some(b) = self.queues[partition as usize].back().filter(|b| !b.full) else {
            return Fit::NewBatch;
        };
        if at_record_cap(b.records, self.batch_num_messages) {
            return Fit::NewBatch;
        }
        let bytes = record_bytes(key_len, value_len, b.records) as u64;
        if estimated(b.raw_bytes + bytes, self.estimate_permille) > self.batch_size {
            Fit::NewBatch
        } else {
            Fit::Open { bytes }
        }
    }

    /// Append one record to `partition` at `now`.
    pub fn append(
        &mut self,
        partition: u32,
        key_len: Option<u32>,
        value_len: u32,
        now: Nanos,
    ) -> Appended {
        let fit = self.fit(partition, key_len, value_len);
        self.append_known(partition, key_len, value_len, now, fit)
    }

    /// [`Accumulator::append`] when the caller already asked [`Accumulator::fit`] (`fit`) for
    /// this record and partition.
    pub fn append_known(
        &mut self,
        partition: u32,
        key_len: Option<u32>,
        value_len: u32,
        now: Nanos,
        fit: Fit,
    ) -> Appended {
        debug_assert_eq!(fit, self.fit(partition, key_len, value_len));
        let q = &mut self.queues[partition as usize];
        let mut grew = 0;
        let new_batch = fit == Fit::NewBatch;
        if new_batch {
            if let Some(last) = q.back_mut() {
                last.full = true;
            }
            let rec = record_bytes(key_len, value_len, 0) as u64;
            let buffer_bytes = if self.java {
                self.batch_size.max(BATCH_HEADER_BYTES + rec)
            } else {
                0
            };
            self.used_bytes += buffer_bytes;
            q.push_back(OpenBatch {
                records: 0,
                raw_bytes: BATCH_HEADER_BYTES,
                seq: None,
                wire_seq: None,
                wire_bytes: None,
                attempts: 0,
                retry_at: 0,
                created_ns: now,
                last_append_ns: now,
                buffer_bytes,
                full: false,
                payload_bytes: 0,
            });
            grew += BATCH_HEADER_BYTES;
        }
        let b = q.back_mut().expect("a batch is open");
        let rec = match fit {
            Fit::Open { bytes } => bytes,
            Fit::NewBatch => record_bytes(key_len, value_len, 0) as u64,
        };
        b.records += 1;
        b.last_append_ns = now;
        b.raw_bytes += rec;
        b.payload_bytes += key_len.unwrap_or(0) as u64 + value_len as u64;
        if !self.java {
            b.buffer_bytes += rec;
            self.used_bytes += rec;
        }
        if estimated(b.raw_bytes, self.estimate_permille) >= self.batch_size
            || at_record_cap(b.records, self.batch_num_messages)
        {
            b.full = true;
        }
        let full = b.full;
        self.queued_records += 1;
        Appended {
            grew_bytes: (grew + rec) as u32,
            new_batch,
            full,
        }
    }

    /// Append up to `max` records of the same size, of at most `max_bytes` in all, to
    /// `partition`'s open batch, as that many calls of [`Accumulator::append`] would while each
    /// finds [`Fit::Open`]; stops at the first that needs a new batch. Returns how many were
    /// appended, their bytes, and whether the batch is full now.
    /// (A producer sending the same record again and again to one partition: one tight loop
    /// instead of a fit, an append and the partitioner per record.)
    pub fn append_open_many(
        &mut self,
        partition: u32,
        key_len: Option<u32>,
        value_len: u32,
        max: u64,
        max_bytes: u64,
        now: Nanos,
    ) -> (u64, u64, bool) {
        let Some(b) = self.queues[partition as usize]
            .back_mut()
            .filter(|b| !b.full)
        else {
            return (0, 0, false);
        };
        let payload = key_len.unwrap_or(0) as u64 + value_len as u64;
        let raw_limit = raw_limit(self.batch_size, self.estimate_permille);
        let (mut n, mut bytes) = (0, 0);
        // A record's size changes only where its offset delta's varint grows a byte (at 64,
        // 8,192, …): between those, every record takes the same bytes and the run that fits is
        // one division, not a loop.
        while n < max && !at_record_cap(b.records, self.batch_num_messages) {
            let rec = record_bytes(key_len, value_len, b.records) as u64;
            let mut k = (max - n)
                .min(same_size_run(b.records))
                .min((max_bytes - bytes) / rec)
                .min(raw_limit.saturating_sub(b.raw_bytes) / rec);
            if self.batch_num_messages > 0 {
                k = k.min((self.batch_num_messages - b.records) as u64);
            }
            if k == 0 {
                break;
            }
            n += k;
            bytes += k * rec;
            b.records += k as u32;
            b.raw_bytes += k * rec;
            b.payload_bytes += k * payload;
            if !self.java {
                b.buffer_bytes += k * rec;
                self.used_bytes += k * rec;
            }
            if estimated(b.raw_bytes, self.estimate_permille) >= self.batch_size
                || at_record_cap(b.records, self.batch_num_messages)
            {
                b.full = true;
                break;
            }
        }
        if n > 0 {
            b.last_append_ns = now;
        }
        self.queued_records += n;
        (n, bytes, b.full)
    }

    /// Whether `partition`'s head batch may be sent at `now`.
    pub fn is_ready(&self, partition: u32, now: Nanos, flush: bool, exhausted: bool) -> bool {
        let q = &self.queues[partition as usize];
        match q.front() {
            None => false,
            Some(h) if h.retry_at > now => false,
            Some(h) => {
                flush || exhausted || q.len() > 1 || h.full || now >= h.created_ns + self.linger_ns
            }
        }
    }

    /// Earliest linger.ms deadline of a head batch still open after `now` (batches already past
    /// theirs are ready; if they wait, it is for a connection, which wakes the sender itself).
    pub fn next_linger_deadline(&self, now: Nanos) -> Option<Nanos> {
        self.queues
            .iter()
            .filter_map(|q| q.front())
            .filter(|h| !h.full || h.retry_at > now)
            .map(|h| h.retry_at.max(h.created_ns + self.linger_ns))
            .filter(|&d| d > now)
            .min()
    }

    /// Head batch of `partition`, if any.
    pub fn head(&self, partition: u32) -> Option<&OpenBatch> {
        self.queues[partition as usize].front()
    }

    /// Put a failed batch back for another attempt (at the head; among the retried batches in
    /// sequence order when `idempotent`).
    pub fn reenqueue(&mut self, partition: u32, b: OpenBatch, idempotent: bool) {
        self.queued_records += b.records as u64;
        let q = &mut self.queues[partition as usize];
        let at = if idempotent {
            q.iter()
                .position(|x| x.seq.is_none_or(|s| Some(s) > b.seq))
                .unwrap_or(q.len())
        } else {
            0
        };
        q.insert(at, b);
    }

    /// The producer bumped its epoch: give `partition`'s already-numbered batches new
    /// sequences from 0 under `epoch`, in order; returns the next free sequence.
    pub fn renumber(&mut self, partition: u32, epoch: u16) -> u64 {
        let mut next = 0;
        for b in self.queues[partition as usize].iter_mut() {
            if b.wire_seq.is_some() {
                b.wire_seq = Some((next, epoch));
                next += b.records as u64;
            }
        }
        next
    }

    /// Give up every queued batch of `partition` created at or before `deadline_created_ns`
    /// (delivery.timeout.ms passed), the open one included; returns them.
    pub fn expire(&mut self, partition: u32, deadline_created_ns: Nanos) -> Vec<OpenBatch> {
        let q = &mut self.queues[partition as usize];
        let mut out = vec![];
        while q
            .front()
            .is_some_and(|b| b.created_ns <= deadline_created_ns)
        {
            let b = q.pop_front().expect("checked");
            self.queued_records -= b.records as u64;
            out.push(b);
        }
        out
    }

    /// Whether `partition` has a batch numbered under `epoch` waiting for another attempt.
    pub fn has_retry(&self, partition: u32, epoch: u16) -> bool {
        self.queues[partition as usize]
            .iter()
            .any(|b| b.wire_seq.is_some_and(|(_, e)| e == epoch))
    }

    /// Whether `partition` has a batch queued.
    pub fn has_batch(&self, partition: u32) -> bool {
        !self.queues[partition as usize].is_empty()
    }

    /// Head batch's estimated wire size (for request size limits).
    pub fn head_bytes(&self, partition: u32, codec: &Codec) -> u64 {
        self.queues[partition as usize].front().map_or(0, |b| {
            codec.batch_wire_bytes(b.raw_bytes - BATCH_HEADER_BYTES)
        })
    }

    /// Take `partition`'s head batch for sending; returns it and its wire size under `codec`.
    pub fn drain(&mut self, partition: u32, codec: &Codec) -> Option<(OpenBatch, u64)> {
        let b = self.queues[partition as usize].pop_front()?;
        self.queued_records -= b.records as u64;
        if let Some(wire) = b.wire_bytes {
            return Some((b, wire)); // a retry: already compressed
        }
        let raw = b.raw_bytes - BATCH_HEADER_BYTES;
        let wire = codec.batch_wire_bytes(raw);
        if self.java && !codec.is_none() && raw > 0 {
            let observed = (wire - BATCH_HEADER_BYTES) * 1000 / raw;
            self.estimate_permille = if observed > self.estimate_permille {
                (self.estimate_permille + 50).max(observed)
            } else {
                self.estimate_permille.saturating_sub(5).max(observed)
            };
        }
        Some((b, wire))
    }

    /// Memory freed when a batch completes.
    pub fn release(&mut self, buffer_bytes: u64) {
        self.used_bytes -= buffer_bytes;
    }

    /// Buffer memory in use.
    pub fn used_bytes(&self) -> u64 {
        self.used_bytes
    }

    /// Records waiting in the accumulator.
    pub fn queued_records(&self) -> u64 {
        self.queued_records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Appending a run of identical records in one step leaves the accumulator as appending
        /// them one by one while each fits the open batch (across varint sizes, compression
        /// estimates, record caps and byte budgets).
        #[test]
        fn a_run_appended_at_once_matches_one_by_one(
            batch_size in 100u32..3_000_000,
            permille in proptest::prop_oneof![proptest::strategy::Just(1000u64), 0u64..2000],
            cap in proptest::prop_oneof![proptest::strategy::Just(0u32), 1u32..20_000],
            java: bool,
            key_len in proptest::option::of(0u32..40),
            value_len in 0u32..300,
            already in 0u64..100,
            max in 0u64..200_000,
            max_bytes in 0u64..4_000_000,
        ) {
            let mut a = Accumulator::new(1, batch_size, cap, 0, java);
            a.estimate_permille = permille;
            for _ in 0..=already {
                a.append(0, key_len, value_len, 1);
            }
            let mut b = a.clone();
            let (n, bytes, full) = a.append_open_many(0, key_len, value_len, max, max_bytes, 7);
            let (mut n1, mut bytes1) = (0, 0);
            while n1 < max {
                let Fit::Open { bytes: rec } = b.fit(0, key_len, value_len) else { break };
                if bytes1 + rec > max_bytes {
                    break;
                }
                let ap = b.append_known(0, key_len, value_len, 7, Fit::Open { bytes: rec });
                n1 += 1;
                bytes1 += rec;
                if ap.full {
                    break;
                }
            }
            let full1 = b.queues[0].back().is_some_and(|x| x.full);
            proptest::prop_assert_eq!((n, bytes, full), (n1, bytes1, full1));
            proptest::prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
    }

    #[test]
    fn batches_fill_up_to_batch_size_then_roll() {
        let mut a = Accumulator::new(1, 1000, 0, 5_000_000, true);
        let mut opened = 0;
        for _ in 0..20 {
            if a.append(0, None, 100, 0).new_batch {
                opened += 1;
            }
        }
        // 61-byte header + 108..110-byte records: 8 records fit under 1000 bytes.
        assert_eq!(opened, 3);
        assert!(
            a.is_ready(0, 0, false, false),
            "a closed head batch is ready at once"
        );
        let (b, wire) = a.drain(0, &Codec::by_name("none", 0.0)).unwrap();
        assert_eq!(b.records, 8);
        assert_eq!(wire, b.raw_bytes);
        assert_eq!(a.used_bytes(), 3000, "Java reserves batch.size per batch");
    }

    #[test]
    fn a_lone_open_batch_waits_for_linger() {
        let mut a = Accumulator::new(2, 16384, 0, 5_000_000, true);
        a.append(1, Some(3), 10, 1_000);
        assert!(!a.is_ready(1, 5_000_999, false, false));
        assert!(a.is_ready(1, 5_001_000, false, false));
        assert!(a.is_ready(1, 2_000, true, false), "flush sends at once");
        assert_eq!(a.next_linger_deadline(0), Some(5_001_000));
        assert_eq!(a.next_linger_deadline(5_001_000), None);
    }

    #[test]
    fn java_compression_estimate_improves_slowly() {
        let lz4 = Codec::by_name("lz4", 0.0);
        let mut a = Accumulator::new(1, 16384, 0, 0, true);
        let mut records = vec![];
        for _ in 0..200_000 {
            a.append(0, None, 100, 0);
            if a.queue_len(0) > 1 {
                records.push(a.drain(0, &lz4).unwrap().0.records);
            }
        }
        assert!(
            records[0] < 160,
            "first batch ≈ batch.size of raw data: {}",
            records[0]
        );
        assert!(
            *records.last().unwrap() > 400,
            "later batches hold ≈ batch.size/ratio: {}",
            records.last().unwrap()
        );
    }

    #[test]
    fn retried_batches_go_back_to_the_head_in_sequence_order_after_their_backoff() {
        let none = Codec::by_name("none", 0.0);
        let mut a = Accumulator::new(1, 1000, 0, 0, true);
        for _ in 0..30 {
            a.append(0, None, 100, 0);
        }
        let (mut b0, _) = a.drain(0, &none).unwrap();
        let (mut b1, _) = a.drain(0, &none).unwrap();
        b0.seq = Some(0);
        b1.seq = Some(8);
        b0.wire_bytes = Some(900);
        b1.retry_at = 50;
        b0.retry_at = 50;
        a.reenqueue(0, b1.clone(), true);
        a.reenqueue(0, b0.clone(), true);
        assert_eq!(
            a.head(0).unwrap().seq,
            Some(0),
            "idempotent: sequence order"
        );
        assert!(!a.is_ready(0, 49, true, false), "still backing off");
        assert!(a.is_ready(0, 50, false, false));
        assert_eq!(a.next_linger_deadline(10), Some(50));
        assert_eq!(
            a.drain(0, &none).unwrap().1,
            900,
            "keeps its compressed size"
        );
        let mut plain = Accumulator::new(1, 1000, 0, 0, true);
        plain.append(0, None, 100, 0);
        plain.reenqueue(0, b1, false);
        assert_eq!(
            plain.head(0).unwrap().seq,
            Some(8),
            "not idempotent: at the head"
        );
    }

    #[test]
    fn librdkafka_caps_records_per_batch() {
        let mut a = Accumulator::new(1, 1_000_000, 10, 0, false);
        for _ in 0..25 {
            a.append(0, None, 10, 0);
        }
        assert_eq!(a.queue_len(0), 3);
        assert_eq!(a.queued_records(), 25);
    }
}
