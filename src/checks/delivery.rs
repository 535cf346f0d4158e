//! Delivery: every acknowledged record is consumed, and how many times records reach the log
//! and the consumers.
//!
//! Records are identified by (partition, producer, sequence), never by offset: after a leader
//! failure an offset can come to hold a different record. Per (partition, producer) the check
//! keeps the acknowledged sequences; each group reads on its own *lane* (`group × partitions +
//! partition`, see [`Lanes`](super::Lanes)), and per (lane, producer) the check keeps the
//! consumed sequences as range sets, and per lane how far the group has read (`consumed_upto`:
//! every offset below it was read by some consumer of the group). With one group a lane is
//! the partition.
//!
//! - **lost** (a violation): acknowledged to its producer but never consumed — absent from the
//!   final log. Records consumers had read from a leader whose later records were then cut off
//!   by an unclean election are taken back ([`DeliveryCheck::uncommitted`]), so they count as
//!   lost too when the new leader does not hold them.
//! - **log duplicates**: a record that reached the log twice (a retry of an appended batch
//!   without idempotence); a violation when the producer is idempotent and has kept its epoch
//!   (after an epoch bump, batches whose fate was unknown are sent again under new sequence
//!   numbers, and Kafka no longer promises exactly once).
//! - **re-reads**: offsets consumed again (at-least-once after a rebalance): counted.
//!
//! - **deleted unread** (not a violation): records retention deleted from a log before any
//!   consumer processed them (a consumer that fell behind retention.ms or retention.bytes);
//!   Kafka promises nothing for them.
//!
//! "Consumed" means processed by the application. Where the scenario's commits do not promise
//! at-least-once (commit before processing; librdkafka's offset store at hand-over), records
//! a consumer skips over after a failure are counted as `lost` instead of being violations.

use super::intervals::IntervalSet;
use super::Violation;
use std::collections::BTreeMap;

/// Delivery bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct DeliveryCheck {
    consumed_upto: Vec<u64>,
    acked: BTreeMap<(u32, u32), IntervalSet>,
    consumed: BTreeMap<(u32, u32), IntervalSet>,
    /// Records retention deleted from some replica's log (consumed or not).
    expired: BTreeMap<(u32, u32), IntervalSet>,
    /// Acknowledged records deleted by retention before any consumer processed them (set by
    /// [`finish`](Self::finish)).
    pub deleted_unread: u64,
    /// Offsets read again below `consumed_upto` (re-reads).
    pub duplicates: u64,
    /// Records that reached the log more than once.
    pub log_duplicates: u64,
    /// Acknowledged records never consumed (set by [`finish`](Self::finish)).
    pub lost: u64,
    /// Acknowledged records not consumed because their partition was offline at the end (on
    /// a broker that is down: not lost, not readable).
    pub unavailable: u64,
    /// Offsets skipped over (never read below a later read).
    pub skipped: u64,
    /// Whether losses are allowed by the commit order (counted in `lost`) rather than
    /// violations.
    pub allow_loss: bool,
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl DeliveryCheck {
    /// Bookkeeping for `lanes` lanes (partitions × groups).
    pub fn new(lanes: u32) -> Self {
        Self {
            consumed_upto: vec![0; lanes as usize],
            ..Self::default()
        }
    }

    /// Sequences `[seq, seq + n)` of `producer` in `partition` were acknowledged.
    pub fn acked(&mut self, partition: u32, producer: u32, seq: u64, n: u64) {
        self.acked
            .entry((partition, producer))
            .or_default()
            .insert(seq, seq + n);
    }

    /// Offsets `[from, to)` of `partition` were processed. Returns how far the consumed
    /// extent advanced (new records plus any skipped over); the new ones are the last of the
    /// range, from `max(consumed_upto before, from)`.
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
        if !self.allow_loss {
            self.violations.push(Violation { check: "no-loss", detail: format!("partition {partition}: offsets {}..{offset} were never consumed before reading resumed at {offset}", *c) });
        }
        *c = offset;
        gap
    }

    /// First-time consumed offsets held records `[seq, seq + n)` of `producer`; returns how
    /// many of those records had been consumed before (at other offsets: log duplicates).
    /// `once`: the producer promised each record once (idempotent, epoch never bumped).
    pub fn consumed_records(
        &mut self,
        partition: u32,
        producer: u32,
        seq: u64,
        n: u64,
        once: bool,
    ) -> u64 {
        let again = self
            .consumed
            .entry((partition, producer))
            .or_default()
            .insert(seq, seq + n);
        if again > 0 {
            self.log_duplicates += again;
            if once {
                self.violations.push(Violation {
                    check: "exactly-once",
                    detail: format!("partition {partition}: {again} record(s) of idempotent producer {producer} (sequences {seq}..{}) reached the log twice", seq + n),
                });
            }
        }
        again
    }

    /// Offsets below `offset` of `partition` are deliberately not read (auto.offset.reset =
    /// latest); returns how many were passed over. Their records must also be passed to
    /// [`accounted`](Self::accounted): neither consumed nor lost.
    pub fn skip_to(&mut self, partition: u32, offset: u64) -> u64 {
        let c = &mut self.consumed_upto[partition as usize];
        let skipped = offset.saturating_sub(*c);
        *c = (*c).max(offset);
        skipped
    }

    /// Records `[seq, seq + n)` of `producer` were passed over on purpose.
    pub fn accounted(&mut self, partition: u32, producer: u32, seq: u64, n: u64) {
        self.consumed
            .entry((partition, producer))
            .or_default()
            .insert(seq, seq + n);
    }

    /// The partition's log was cut back to `offset` (an unclean election): the records of
    /// `removed` (producer, seq, n) are no longer in it. Returns how many consumed offsets
    /// were taken back.
    pub fn uncommitted(&mut self, lane: u32, offset: u64, removed: &[(u32, u64, u64)]) -> u64 {
        for &(producer, seq, n) in removed {
            if let Some(s) = self.consumed.get_mut(&(lane, producer)) {
                s.remove(seq, seq + n);
            }
        }
        let c = &mut self.consumed_upto[lane as usize];
        let back = c.saturating_sub(offset);
        *c = (*c).min(offset);
        back
    }

    /// Records `[seq, seq + n)` of `producer` were deleted from a replica of `partition` by
    /// retention: they may never be read, and that is no loss.
    pub fn expired(&mut self, partition: u32, producer: u32, seq: u64, n: u64) {
        self.expired
            .entry((partition, producer))
            .or_default()
            .insert(seq, seq + n);
    }

    /// Highest offset consumed on `partition`.
    pub fn consumed_upto(&self, partition: u32) -> u64 {
        self.consumed_upto[partition as usize]
    }

    /// Acknowledged records of `partition` not consumed (so far).
    pub fn unconsumed(&self, partition: u32) -> u64 {
        self.acked
            .range((partition, 0)..=(partition, u32::MAX))
            .map(|(k, a)| match self.consumed.get(k) {
                Some(c) => a.minus(c).len(),
                None => a.len(),
            })
            .sum()
    }

    /// At the end of a run in which consumers were meant to read everything: every
    /// acknowledged record not consumed on a lane that reads its partition is lost, unless its
    /// partition is `offline`. `read` lists (lane, partition) for every lane a group reads.
    pub fn finish(&mut self, offline: &[u32], read: &[(u32, u32)]) {
        let empty = IntervalSet::default();
        let mut lanes_of: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &(lane, p) in read {
            lanes_of.entry(p).or_default().push(lane);
        }
        let each = self.acked.iter().flat_map(|(&(p, producer), a)| {
            lanes_of
                .get(&p)
                .into_iter()
                .flatten()
                .map(move |&lane| (lane, p, producer, a))
        });
        for (lane, p, producer, a) in each {
            let mut missing = a.minus(self.consumed.get(&(lane, producer)).unwrap_or(&empty));
            if let Some(expired) = self.expired.get(&(p, producer)) {
                let unread = missing.len();
                missing = missing.minus(expired);
                self.deleted_unread += unread - missing.len();
            }
            if missing.is_empty() {
                continue;
            }
            if offline.contains(&p) {
                self.unavailable += missing.len();
                continue;
            }
            self.lost += missing.len();
            if self.allow_loss {
                continue;
            }
            let shown: Vec<String> = missing
                .ranges()
                .take(3)
                .map(|(s, e)| format!("{s}..{e}"))
                .collect();
            self.violations.push(Violation {
                check: "no-loss",
                detail: format!(
                    "partition {p}{}: {} acknowledged record(s) of producer {producer} never consumed (sequences {}{})",
                    if lane == p { String::new() } else { format!(" (lane {lane})") },
                    missing.len(),
                    shown.join(", "),
                    if missing.ranges().count() > 3 { ", …" } else { "" }
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_re_reads_and_finds_losses() {
        let mut d = DeliveryCheck::new(2);
        d.acked(0, 0, 0, 100);
        d.acked(1, 0, 0, 10);
        assert_eq!(d.consumed(0, 0, 60), 60);
        d.consumed_records(0, 0, 0, 60, true);
        assert_eq!(d.consumed(0, 50, 100), 40);
        d.consumed_records(0, 0, 60, 40, true);
        assert_eq!(d.duplicates, 10);
        d.finish(&[], &[(0, 0), (1, 1)]);
        assert_eq!(d.violations.len(), 1, "partition 1 was never read");
        assert_eq!(d.lost, 10);
    }

    #[test]
    fn a_latest_reset_is_not_a_loss() {
        let mut d = DeliveryCheck::new(1);
        d.acked(0, 3, 0, 50);
        assert_eq!(d.skip_to(0, 40), 40);
        d.accounted(0, 3, 0, 40);
        assert_eq!(d.consumed(0, 40, 50), 10);
        d.consumed_records(0, 3, 40, 10, true);
        d.finish(&[], &[(0, 0), (1, 1)]);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
    }

    #[test]
    fn records_cut_off_by_an_unclean_election_are_lost() {
        let mut d = DeliveryCheck::new(1);
        d.acked(0, 0, 0, 30);
        d.consumed(0, 0, 30);
        d.consumed_records(0, 0, 0, 30, true);
        assert_eq!(d.uncommitted(0, 20, &[(0, 20, 10)]), 10);
        assert_eq!(d.consumed_upto(0), 20);
        d.finish(&[], &[(0, 0), (1, 1)]);
        assert_eq!(d.lost, 10);
    }

    #[test]
    fn skipped_records_are_lost_not_violations_when_commits_allow_it() {
        let mut d = DeliveryCheck::new(1);
        d.allow_loss = true;
        d.acked(0, 0, 0, 100);
        assert_eq!(d.consumed(0, 0, 40), 40);
        d.consumed_records(0, 0, 0, 40, true);
        assert_eq!(d.resume_at(0, 60), 20);
        assert_eq!(d.consumed(0, 60, 100), 40);
        d.consumed_records(0, 0, 60, 40, true);
        d.finish(&[], &[(0, 0), (1, 1)]);
        assert_eq!((d.lost, d.skipped), (20, 20));
        assert!(d.violations.is_empty(), "{:?}", d.violations);
    }

    #[test]
    fn a_record_appended_twice_is_a_log_duplicate() {
        let mut d = DeliveryCheck::new(1);
        d.consumed(0, 0, 20);
        assert_eq!(d.consumed_records(0, 0, 0, 10, true), 0);
        assert_eq!(d.consumed_records(0, 0, 0, 10, true), 10);
        assert_eq!(d.log_duplicates, 10);
        assert_eq!(d.violations[0].check, "exactly-once");
    }
}
