//! The log manager's retention task: Kafka's `LogManager` schedules "kafka-log-retention"
//! first after `log.initial.task.delay.ms` and then every `log.retention.check.interval.ms`
//! (core/.../log/LogManager.scala, `startupWithConfigOverrides`), and each pass runs
//! `UnifiedLog.deleteOldSegments` on every log of the broker ([`PartitionLog::delete_old_segments`]).
//!
//! A deleted segment's files (log, offset index, time index) leave the page cache at once:
//! dirty data never reaches the disk and resident pages are freed. Kafka renames them
//! `.deleted` and unlinks them `file.delete.delay.ms` (60 s) later; the delay only postpones
//! when the disk space is returned, which kafkasim does not track, so it is not modelled.
//!
//! [`PartitionLog::delete_old_segments`]: crate::kafka::log::PartitionLog::delete_old_segments

use super::{file_id, index_file_ids};
use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{Event, Id};
use crate::kafka::log::Segment;
use crate::scenario::resolve::{SimConfig, TopicCfg};

/// Whether a retention pass could delete anything of `topic` within the run: a size limit is
/// set, or records can grow older than retention.ms before the run's simulated-time budget
/// ends. Runs for which neither holds for any topic (every run with the 7-day default)
/// schedule no pass.
pub fn may_delete(cfg: &SimConfig, topic: &TopicCfg) -> bool {
    let r = topic.retention;
    r.bytes.is_some() || r.time_ns.is_some_and(|t| t < cfg.budget.max_sim_time_ns)
}

impl Cluster {
    /// Broker `b`'s retention pass over every log it holds, then the next one.
    pub(crate) fn log_retention(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if self.brokers[b].alive {
            let parts: Vec<u32> = self.brokers[b].logs.keys().copied().collect();
            for p in parts {
                let log = self.brokers[b].logs.get_mut(&p).expect("listed above");
                let start = log.log_start();
                let active = log.pass_shape(None).active;
                let deleted = log.delete_old_segments(now, log.retention);
                if deleted.segments.is_empty() {
                    continue;
                }
                self.checks.retention.pass(p, b, &log.pass_shape(active));
                let moved = log.log_start() - start;
                if self.parts[p as usize].leader == Some(b) {
                    self.metrics.storage.records_deleted += moved;
                }
                for batch in &deleted.batches {
                    let (producer, seq, n) = (batch.producer, batch.first_seq, batch.records);
                    self.checks.delivery.expired(p, producer, seq, n as u64);
                }
                self.delete_segment_files(b, p, &deleted.segments);
            }
        }
        let next = now.saturating_add(self.cfg.broker.retention_check_ns);
        q.schedule(next, Event::LogRetention { broker: b });
    }

    /// Remove the files of `segments` of `b`'s replica of `p` from its host's page cache.
    pub(crate) fn delete_segment_files(&mut self, b: Id, p: u32, segments: &[Segment]) {
        let cache = &mut self.hosts[self.brokers[b].host].cache;
        for s in segments {
            cache.delete(file_id(b, p, s.index));
            for index in index_file_ids(b, p, s.index) {
                cache.delete(index);
            }
            self.metrics.storage.segments_deleted += 1;
            self.metrics.storage.bytes_deleted += s.bytes;
        }
    }
}
