//! The log cleaner threads of a broker (`log.cleaner.threads`): each wakes, takes the
//! filthiest compacted log it may clean (LogCleanerManager.java, `grabFilthiestCompactedLog`:
//! the largest dirty ratio at or above `min.cleanable.dirty.ratio`, not being cleaned by
//! another thread), cleans it ([`PartitionLog::clean`]) and looks again when done; with nothing
//! to clean it sleeps `log.cleaner.backoff.ms` (`CleanerThread.doWork`).
//!
//! Its cost: the segments it reads (the dirty ones to build the offset map, then every one it
//! recopies) come through the page cache and, on a miss, the disk; the kept records are
//! written as new segment files (dirty pages the kernel writes back) and the old files go;
//! CPU per byte read and written (`broker.cleaner_cpu_ns_per_byte`). The cleaned log takes the
//! old one's place at once; the thread is busy until the reads, the CPU and the writes are
//! done.
//!
//! [`PartitionLog::clean`]: crate::kafka::log::PartitionLog::clean

use super::{file_id, index_file_ids};
use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{Event, Id};
use crate::kafka::log::compaction::{CleanerCfg, MAP_BYTES_PER_KEY, MAP_LOAD_PERMILLE};
use crate::kafka::metrics::CleanerStats;

impl Cluster {
    /// Cleaner thread `thread` of broker `b` wakes at `now`.
    pub(crate) fn log_cleaner(
        &mut self,
        now: Nanos,
        b: Id,
        thread: u32,
        q: &mut EventQueue<Event>,
    ) {
        let backoff = self.cfg.broker.cleaner_backoff_ns;
        let wake = Event::LogCleaner { broker: b, thread };
        match self.brokers[b]
            .alive
            .then(|| self.clean_filthiest(now, b))
            .flatten()
        {
            Some((until, cpu_ns)) => {
                let host = self.brokers[b].host;
                self.on_cpu_then(q, host, now, cpu_ns, wake, until.max(now + 1));
            }
            None => q.schedule(now.saturating_add(backoff).max(now + 1), wake),
        }
    }

    /// Clean the filthiest compacted log of `b`, if one is dirty enough; returns when the
    /// thread is done with its disk reads and writes, and the CPU work it does.
    fn clean_filthiest(&mut self, now: Nanos, b: Id) -> Option<(Nanos, Nanos)> {
        let (p, c) = self.brokers[b]
            .logs
            .iter()
            .filter_map(|(&p, log)| {
                let t = self.cfg.topic_of(p);
                let c = log
                    .cleanable(now, t.min_compaction_lag_ns)
                    .filter(|_| t.compact)?;
                (c.ratio_permille() >= t.min_dirty_permille && c.dirty_bytes > 0).then_some((p, c))
            })
            .max_by_key(|(p, c)| (c.ratio_permille(), std::cmp::Reverse(*p)))?;
        let t = self.cfg.topic_of(p);
        let bc = &self.cfg.broker;
        let cfg = CleanerCfg {
            min_dirty_permille: t.min_dirty_permille,
            delete_retention_ns: t.delete_retention_ns,
            min_compaction_lag_ns: t.min_compaction_lag_ns,
            map_keys: (bc.dedupe_buffer_bytes / bc.cleaner_threads.max(1) as u64)
                * MAP_LOAD_PERMILLE
                / 1000
                / MAP_BYTES_PER_KEY,
        };
        let producers = &self.producers;
        let key = |producer: u32, seq: u64| {
            producers[producer as usize]
                .keys
                .as_ref()
                .map_or(0, |k| k.key(p, seq))
        };
        let log = self.brokers[b].logs.get_mut(&p).expect("listed above");
        let before = crate::checks::compaction::Snapshot::of(log, c.end, &key, now);
        let done = log.clean(now, c, &cfg, key);
        self.checks.compaction.pass(p, b, &before, log);
        let dir = log.dir;
        for &(producer, seq, n) in &done.removed {
            self.checks.delivery.expired(p, producer, seq, n);
        }
        // Reads of the old files, then the new files in their place.
        let host = self.brokers[b].host;
        let mut until = now;
        for s in &done.replaced {
            until = until.max(self.hosts[host].read(now, file_id(b, p, s.index), 0, s.bytes));
            self.hosts[host].cache.delete(file_id(b, p, s.index));
            for index in index_file_ids(b, p, s.index) {
                self.hosts[host].cache.delete(index);
            }
        }
        let cpu_ns = (done.read_bytes + done.written_bytes) * bc.cleaner_ps_per_byte / 1000;
        for &(index, bytes) in &done.written {
            until = until.max(self.hosts[host].write(now, file_id(b, p, index), dir, 0, bytes));
        }
        let leader = self.parts[p as usize].leader == Some(b);
        let s = self
            .metrics
            .cleaner
            .get_or_insert_with(CleanerStats::default);
        s.cleanings += 1;
        s.bytes_read += done.read_bytes;
        s.bytes_written += done.written_bytes;
        s.cpu_ns += cpu_ns;
        if leader {
            s.records_removed += done.records_removed;
            s.tombstones_removed += done.tombstones_removed;
        }
        Some((until, cpu_ns))
    }
}
