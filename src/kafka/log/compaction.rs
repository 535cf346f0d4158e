//! Log compaction (`cleanup.policy = compact`): Kafka's log cleaner, read from
//! storage/src/main/java/org/apache/kafka/storage/internals/log/LogCleaner.java (`Cleaner.clean`,
//! `buildOffsetMap`, `cleanSegments`, `groupSegmentsBySize`) and LogCleanerManager.java
//! (`grabFilthiestCompactedLog`, `cleanableOffsets`).
//!
//! - **What may be cleaned**: whole non-active segments below the first *uncleanable* offset —
//!   the active segment's base, the high watermark, and the first segment holding a record
//!   younger than `min.compaction.lag.ms`. The part from the cleaner's checkpoint (`first
//!   dirty`) up is *dirty*; below it, *clean* (cleaned before).
//! - **Which log**: each cleaner thread takes the log with the largest dirty ratio, `dirty bytes
//!   / (clean + dirty bytes)`, among those at or above `min.cleanable.dirty.ratio`.
//! - **Offset map**: the dirty segments' keys → their last offset, 24 bytes a key
//!   (`log.cleaner.dedupe.buffer.size` / threads × 0.9 load factor); a segment that would not
//!   fit ends the pass there (the rest stays dirty for the next pass).
//! - **Recopy**: every segment from the log start to the map's end is rewritten keeping a
//!   record when no later record of its key is in the map; a tombstone (null value) stays
//!   until `delete.retention.ms` after the pass that first cleaned it (its batch's *delete
//!   horizon*), then goes. Offsets are never renumbered: a cleaned log has gaps. Adjacent
//!   cleaned segments are merged while they fit in `segment.bytes` (`groupSegmentsBySize`).
//!
//! A cleaned batch whose records were partly removed becomes one batch per run of kept records
//! (Kafka keeps one batch with gaps in it; readers and the checks see the same records and
//! offsets either way), its bytes shared out in proportion to its records. Kafka's
//! `log.cleaner.io.max.bytes.per.second` throttle (unlimited by default) is not modelled.

use super::{LogBatch, PartitionLog, Segment};
use crate::engine::Nanos;
use crate::kafka::workload::TOMBSTONE;
use std::collections::{BTreeMap, VecDeque};

/// Bytes of the offset map per key (a 16-byte MD5 of the key and an 8-byte offset:
/// `SkimpyOffsetMap`).
pub const MAP_BYTES_PER_KEY: u64 = 24;
/// `log.cleaner.io.buffer.load.factor` default: the map is used to this share.
pub const MAP_LOAD_PERMILLE: u64 = 900;

/// The keys of a producer's records to compacted partitions, by the record's sequence (its
/// number among the producer's records for the partition): Kafka's batches carry their keys;
/// kafkasim's carry (producer, first sequence, count), and the cleaner looks the keys up here.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    parts: BTreeMap<u32, PartKeys>,
}

#[derive(Clone, Debug, Default)]
struct PartKeys {
    /// Keys of records generated and not yet numbered (in the accumulator).
    pending: VecDeque<u32>,
    /// Key of each numbered record, by sequence.
    numbered: Vec<u32>,
}

impl KeyLog {
    /// A record with key `key_id` was appended for `partition`.
    pub fn generated(&mut self, partition: u32, key_id: u32) {
        self.parts
            .entry(partition)
            .or_default()
            .pending
            .push_back(key_id);
    }

    /// The next `n` records of `partition` were numbered (their batch's first send).
    pub fn numbered(&mut self, partition: u32, n: u32) {
        let p = self.parts.entry(partition).or_default();
        let take = (n as usize).min(p.pending.len());
        p.numbered.extend(p.pending.drain(..take));
    }

    /// The next `n` records of `partition` were given up before being numbered.
    pub fn dropped(&mut self, partition: u32, n: u32) {
        let p = self.parts.entry(partition).or_default();
        let take = (n as usize).min(p.pending.len());
        p.pending.drain(..take);
    }

    /// The key of record `seq` of `partition` (with [`TOMBSTONE`] set for a tombstone).
    pub fn key(&self, partition: u32, seq: u64) -> u32 {
        self.parts
            .get(&partition)
            .and_then(|p| p.numbered.get(seq as usize))
            .copied()
            .unwrap_or(0)
    }
}

/// The topic and broker settings one cleaning uses.
#[derive(Clone, Copy, Debug)]
pub struct CleanerCfg {
    /// min.cleanable.dirty.ratio, thousandths.
    pub min_dirty_permille: u64,
    /// delete.retention.ms, ns.
    pub delete_retention_ns: Nanos,
    /// min.compaction.lag.ms, ns.
    pub min_compaction_lag_ns: Nanos,
    /// Keys the offset map holds.
    pub map_keys: u64,
}

/// What a cleaning did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Records removed, as (producer, first sequence, count) runs.
    pub removed: Vec<(u32, u64, u64)>,
    /// Records removed (tombstones included).
    pub records_removed: u64,
    /// Tombstones removed (their delete horizon had passed).
    pub tombstones_removed: u64,
    /// Bytes read: the dirty segments to build the map, then every segment recopied.
    pub read_bytes: u64,
    /// Bytes written: the records kept.
    pub written_bytes: u64,
    /// The segments replaced (their files go), oldest first.
    pub replaced: Vec<Segment>,
    /// The segments written in their place: (index, bytes).
    pub written: Vec<(u64, u64)>,
}

/// The cleanable part of a log now: (first dirty offset, end of the cleanable segments, clean
/// bytes, dirty bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleanable {
    /// The cleaner's checkpoint (or the log start).
    pub first_dirty: u64,
    /// Base offset of the first segment not to clean.
    pub end: u64,
    /// Bytes from the log start to `first_dirty`.
    pub clean_bytes: u64,
    /// Bytes from `first_dirty` to `end`.
    pub dirty_bytes: u64,
}

impl Cleanable {
    /// dirty / (clean + dirty), thousandths.
    pub fn ratio_permille(&self) -> u64 {
        let total = self.clean_bytes + self.dirty_bytes;
        if total == 0 {
            0
        } else {
            self.dirty_bytes * 1000 / total
        }
    }
}

impl PartitionLog {
    /// `cleanableOffsets` at `now`: None when nothing is dirty.
    pub fn cleanable(&self, now: Nanos, min_lag_ns: Nanos) -> Option<Cleanable> {
        let young = self
            .batches
            .iter()
            .find(|b| now.saturating_sub(b.created_ns) < min_lag_ns)
            .map_or(u64::MAX, |b| b.base_offset);
        let limit = self.hw.min(young);
        let first_dirty = self.clean_upto.max(self.log_start);
        // Whole non-active segments below the limit.
        let n = self.segments.len();
        let mut end = first_dirty;
        for i in 0..n.saturating_sub(1) {
            let next = self.segments[i + 1].base_offset;
            if next > limit {
                break;
            }
            end = end.max(next);
        }
        if end <= first_dirty {
            return None;
        }
        let bytes = |from: u64, to: u64| -> u64 {
            self.batches
                .iter()
                .filter(|b| b.base_offset >= from && b.base_offset < to)
                .map(|b| b.bytes as u64)
                .sum()
        };
        Some(Cleanable {
            first_dirty,
            end,
            clean_bytes: bytes(self.log_start, first_dirty),
            dirty_bytes: bytes(first_dirty, end),
        })
    }

    /// One cleaning at `now` (`Cleaner.doClean`) of the part `c` found; `key(producer, seq)`
    /// gives each record's key.
    pub fn clean(
        &mut self,
        now: Nanos,
        c: Cleanable,
        cfg: &CleanerCfg,
        key: impl Fn(u32, u64) -> u32,
    ) -> Cleaned {
        let mut out = Cleaned::default();
        // buildOffsetMap: whole dirty segments while their keys fit.
        let mut map: BTreeMap<u32, u64> = BTreeMap::new();
        let mut end = c.first_dirty;
        let seg_bounds: Vec<(u64, u64)> = self
            .segments
            .iter()
            .zip(self.segments.iter().skip(1))
            .map(|(s, next)| (s.base_offset, next.base_offset))
            .filter(|&(base, next)| next > c.first_dirty && base < c.end)
            .collect();
        let key = &key;
        for (base, next) in seg_bounds {
            let from = self.batches.partition_point(|b| b.base_offset < base);
            let to = self.batches.partition_point(|b| b.base_offset < next);
            let entries: Vec<(u32, u64)> = self
                .batches
                .range(from..to)
                .flat_map(|b| {
                    (0..b.records as u64).map(move |i| {
                        (
                            key(b.producer, b.first_seq + i) & !TOMBSTONE,
                            b.base_offset + i,
                        )
                    })
                })
                .collect();
            let new_keys: std::collections::BTreeSet<u32> = entries
                .iter()
                .map(|&(k, _)| k)
                .filter(|k| !map.contains_key(k))
                .collect();
            if (map.len() + new_keys.len()) as u64 > cfg.map_keys && end > c.first_dirty {
                break; // the rest waits for the next pass
            }
            map.extend(entries);
            out.read_bytes += self
                .batches
                .range(from..to)
                .map(|b| b.bytes as u64)
                .sum::<u64>();
            end = next;
        }
        // cleanSegments over [log start, end), segment by segment.
        let first = self
            .batches
            .partition_point(|b| b.base_offset < self.log_start);
        let stop = self.batches.partition_point(|b| b.base_offset < end);
        let mut kept: Vec<LogBatch> = Vec::with_capacity(stop - first);
        for b in self.batches.range(first..stop) {
            out.read_bytes += b.bytes as u64;
            let mut horizon = b.horizon_ns;
            let mut run: Option<(u64, u64)> = None; // kept records [from, to) within the batch
            let flush = |run: &mut Option<(u64, u64)>, kept: &mut Vec<LogBatch>| {
                if let Some((from, to)) = run.take() {
                    kept.push(part_of(b, from, to));
                }
            };
            for i in 0..b.records as u64 {
                let k = key(b.producer, b.first_seq + i);
                let offset = b.base_offset + i;
                let newest = map
                    .get(&(k & !TOMBSTONE))
                    .is_none_or(|&last| offset >= last);
                let tombstone = k & TOMBSTONE != 0;
                let expired = tombstone && b.horizon_ns != 0 && now >= b.horizon_ns;
                if newest && !expired {
                    if tombstone && horizon == 0 {
                        horizon = now.saturating_add(cfg.delete_retention_ns);
                    }
                    run = Some(run.map_or((i, i + 1), |(from, _)| (from, i + 1)));
                } else {
                    flush(&mut run, &mut kept);
                    out.records_removed += 1;
                    out.tombstones_removed += u64::from(expired);
                    match out.removed.last_mut() {
                        Some((p, s, n)) if *p == b.producer && *s + *n == b.first_seq + i => {
                            *n += 1
                        }
                        _ => out.removed.push((b.producer, b.first_seq + i, 1)),
                    }
                }
            }
            flush(&mut run, &mut kept);
            if let Some(last) = kept.last_mut() {
                if horizon != b.horizon_ns && last.base_offset >= b.base_offset {
                    // The batch's horizon is set when a tombstone of it is first cleaned.
                    for x in kept
                        .iter_mut()
                        .rev()
                        .take_while(|x| x.base_offset >= b.base_offset)
                    {
                        x.horizon_ns = horizon;
                    }
                }
            }
        }
        out.written_bytes = kept.iter().map(|b| b.bytes as u64).sum();
        self.replace_cleaned(end, first, stop, kept, &mut out);
        self.clean_upto = end;
        out
    }

    /// Put `kept` in place of batches `[first, stop)` (the segments below `end`), merging the
    /// rewritten segments while they fit in one segment.
    fn replace_cleaned(
        &mut self,
        end: u64,
        first: usize,
        stop: usize,
        kept: Vec<LogBatch>,
        out: &mut Cleaned,
    ) {
        let n = self
            .segments
            .iter()
            .take_while(|s| s.base_offset < end)
            .count();
        let old: Vec<Segment> = self.segments.drain(..n).collect();
        // groupSegmentsBySize: consecutive segments while their kept bytes fit.
        let mut groups: Vec<(Segment, Vec<LogBatch>)> = vec![];
        for (i, s) in old.iter().enumerate() {
            let upper = old.get(i + 1).map_or(end, |x| x.base_offset);
            let mine: Vec<LogBatch> = kept
                .iter()
                .filter(|b| b.base_offset >= s.base_offset && b.base_offset < upper)
                .copied()
                .collect();
            let bytes: u64 = mine.iter().map(|b| b.bytes as u64).sum();
            match groups.last_mut() {
                Some((g, batches)) if g.bytes + bytes <= self.segment_bytes => {
                    g.bytes += bytes;
                    g.max_ts_ns = g.max_ts_ns.max(s.max_ts_ns);
                    batches.extend(mine);
                }
                _ => groups.push((Segment { bytes, ..*s }, mine)),
            }
        }
        let mut placed: Vec<LogBatch> = vec![];
        let mut segments: Vec<Segment> = vec![];
        for (seg, batches) in groups {
            let mut pos = seg.index * self.segment_bytes;
            for mut b in batches {
                b.pos = pos;
                pos += b.bytes as u64;
                placed.push(b);
            }
            out.written.push((seg.index, seg.bytes));
            segments.push(seg);
        }
        let before: u64 = old.iter().map(|s| s.bytes).sum();
        let after: u64 = segments.iter().map(|s| s.bytes).sum();
        self.size_bytes = self.size_bytes - before + after;
        for s in segments.into_iter().rev() {
            self.segments.push_front(s);
        }
        out.replaced = old;
        let tail: Vec<LogBatch> = self.batches.drain(first..).skip(stop - first).collect();
        self.batches.extend(placed);
        self.batches.extend(tail);
    }
}

/// Records `[from, to)` of batch `b` as a batch of their own, with their share of its bytes.
fn part_of(b: &LogBatch, from: u64, to: u64) -> LogBatch {
    let n = b.records as u64;
    let share = |x: u32| ((x as u64 * to).div_ceil(n) - (x as u64 * from).div_ceil(n)) as u32;
    LogBatch {
        base_offset: b.base_offset + from,
        records: (to - from) as u32,
        bytes: share(b.bytes),
        raw_bytes: share(b.raw_bytes),
        first_seq: b.first_seq + from,
        seq: b.seq + from,
        ..*b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: CleanerCfg = CleanerCfg {
        min_dirty_permille: 500,
        delete_retention_ns: 1_000,
        min_compaction_lag_ns: 0,
        map_keys: 1 << 20,
    };

    /// A log of single-record batches with keys `keys` (index = offset), segments of
    /// `per_segment` records, HW at the end; the key of record i is `keys[i]`.
    fn log(keys: &[u32], per_segment: u64) -> PartitionLog {
        let mut l = PartitionLog::new(100 * per_segment);
        for i in 0..keys.len() as u64 {
            let mut b = LogBatch::plain(1, 100, i);
            b.first_seq = i;
            l.append(i, b);
        }
        l.set_hw(l.leo());
        l
    }

    fn offsets(l: &PartitionLog) -> Vec<u64> {
        l.batches.iter().map(|b| b.base_offset).collect()
    }

    #[test]
    fn the_latest_record_of_each_key_stays_and_offsets_keep_their_gaps() {
        let keys = [1, 2, 1, 3, 2, 1, 4, 4, 5];
        let mut l = log(&keys, 3);
        let c = l.cleanable(0, 0).expect("dirty");
        // Segments [0,3) [3,6) [6,9): the active one is not cleaned.
        assert_eq!((c.first_dirty, c.end), (0, 6));
        let key = |_: u32, seq: u64| keys[seq as usize];
        let done = l.clean(10, c, &CFG, key);
        // Keys 1 (last at 5), 2 (4), 3 (3) below 6; key 4 and 5 are in the active segment.
        assert_eq!(offsets(&l), vec![3, 4, 5, 6, 7, 8]);
        assert_eq!(done.records_removed, 3);
        assert_eq!(done.removed, vec![(0, 0, 3)]);
        assert_eq!(l.size_bytes(), 600);
        // The three kept records of the two cleaned segments fit in one: merged.
        assert_eq!(done.written, vec![(0, 300)]);
        assert_eq!(l.read(0, u64::MAX, l.hw()).batches[0].base_offset, 3);
        assert!(
            l.cleanable(10, 0).is_none(),
            "nothing dirty until the next roll"
        );
    }

    #[test]
    fn a_tombstone_stays_until_its_delete_horizon_then_goes() {
        let t = TOMBSTONE;
        let keys = [1, 2, 1 | t, 3, 3, 3, 9];
        let mut l = log(&keys, 3);
        let key = |_: u32, seq: u64| keys[seq as usize];
        let c = l.cleanable(0, 0).unwrap();
        l.clean(100, c, &CFG, key);
        assert_eq!(
            offsets(&l),
            vec![1, 2, 5, 6],
            "the tombstone hides key 1's value"
        );
        // Nothing new is dirty: a forced pass over the clean part after the horizon.
        l.clean_upto = 0;
        let c = l.cleanable(2_000, 0).unwrap();
        let done = l.clean(2_000, c, &CFG, key);
        assert_eq!(done.tombstones_removed, 1);
        assert_eq!(offsets(&l), vec![1, 5, 6]);
    }

    #[test]
    fn a_full_map_cleans_in_parts() {
        let keys: Vec<u32> = (0..9).collect();
        let mut l = log(&keys, 3);
        let key = |_: u32, seq: u64| keys[seq as usize];
        let small = CleanerCfg { map_keys: 4, ..CFG };
        let c = l.cleanable(0, 0).unwrap();
        l.clean(0, c, &small, key);
        assert_eq!(
            l.clean_upto, 3,
            "one segment of three keys fits, two do not"
        );
        let c = l.cleanable(0, 0).unwrap();
        assert_eq!(c.first_dirty, 3);
    }

    proptest::proptest! {
        /// Any keys, tombstones and cleaning times: after every cleaning each key's latest
        /// record is still there unless it is a tombstone past its horizon, nothing at or
        /// above the cleaned part moved, and offsets only go up.
        #[test]
        fn cleaning_keeps_each_keys_latest_record(
            raw in proptest::collection::vec((0u32..12, proptest::bool::weighted(0.15)), 1..120),
            per_segment in 1u64..8,
            times in proptest::collection::vec(0u64..3_000, 1..5),
        ) {
            let keys: Vec<u32> = raw.iter().map(|&(k, t)| if t { k | TOMBSTONE } else { k }).collect();
            let mut l = log(&keys, per_segment);
            let key = |_: u32, seq: u64| keys[seq as usize];
            let mut now = 0;
            for t in times {
                now += t;
                let Some(c) = l.cleanable(now, 0) else { continue };
                let before = crate::checks::compaction::Snapshot::of(&l, c.end, &key, now);
                l.clean(now, c, &CFG, key);
                let mut check = crate::checks::compaction::CompactionCheck::default();
                check.pass(0, 0, &before, &l);
                proptest::prop_assert!(check.violations.is_empty(), "{:?}", check.violations);
                let o = offsets(&l);
                proptest::prop_assert!(o.windows(2).all(|w| w[0] < w[1]), "{o:?}");
                proptest::prop_assert_eq!(l.size_bytes(), l.batches.iter().map(|b| b.bytes as u64).sum::<u64>());
            }
        }
    }
}
