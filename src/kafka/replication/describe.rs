//! `kafka-topics.sh --describe` views of the topic at chosen times (run.describe_at_ms), and
//! the per-partition replication samples behind the leader and ISR plots.

use crate::engine::time::secs;
use crate::engine::{Nanos, SeedTree};
use crate::kafka::cluster::Cluster;
use rand::Rng;

/// One partition's replication state at the end of a time-series bucket.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReplicaSample {
    /// Bucket end, ns.
    pub time_ns: Nanos,
    /// Partition.
    pub partition: u32,
    /// Leader broker (None: offline).
    pub leader: Option<u32>,
    /// In-sync replicas.
    pub isr: u32,
    /// Leader's high watermark (last leader's while offline).
    pub hw: u64,
    /// Leader's log-end offset.
    pub leo: u64,
}

/// A topic id as Kafka prints it (a UUID in URL-safe base64 without padding), drawn from the
/// `topic.id` stream of the scenario seed.
pub fn topic_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = SeedTree::new(seed).stream("topic.id", 0);
    let bytes: [u8; 16] = rng.random();
    let mut bits: u128 = u128::from_be_bytes(bytes);
    let mut out = vec![0u8; 22];
    // 22 base64 digits hold 132 bits: the first carries only the top 2 bits of the UUID.
    for i in (0..22).rev() {
        out[i] = ALPHABET[(bits & 63) as usize];
        bits >>= 6;
    }
    String::from_utf8(out).expect("ASCII")
}

impl Cluster {
    /// The topic as `kafka-topics.sh --describe --topic T` prints it at `now` (Kafka 3.9
    /// layout; the simulator has no eligible leader replicas, hence `Elr: N/A`).
    pub fn topic_view(&self, now: Nanos) -> String {
        let cfg = &self.cfg;
        let mut configs = vec![];
        if cfg.replication.min_insync != 1 {
            configs.push(format!(
                "min.insync.replicas={}",
                cfg.replication.min_insync
            ));
        }
        if cfg.broker.segment_bytes != 1 << 30 {
            configs.push(format!("segment.bytes={}", cfg.broker.segment_bytes));
        }
        if cfg.replication.unclean {
            configs.push("unclean.leader.election.enable=true".into());
        }
        configs.sort();
        let mut s = format!(
            "At t = {:.3} s (simulated)\nTopic: {}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n",
            secs(now),
            cfg.topic,
            topic_id(self.seed),
            cfg.partitions,
            cfg.replication.factor,
            configs.join(",")
        );
        let ids = |v: &[usize]| {
            v.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        for (p, ps) in self.parts.iter().enumerate() {
            s.push_str(&format!(
                "\tTopic: {}\tPartition: {p}\tLeader: {}\tReplicas: {}\tIsr: {}\tElr: N/A\tLastKnownElr: N/A\n",
                cfg.topic,
                ps.leader.map_or("none".to_string(), |l| l.to_string()),
                ids(&ps.replicas),
                ids(&ps.isr)
            ));
        }
        s
    }

    /// Whether this run keeps replication samples (replicated topic or broker failures).
    pub(crate) fn tracks_replication(&self) -> bool {
        self.cfg.replication.factor > 1
            || self.cfg.events.iter().any(|e| {
                matches!(
                    e.action,
                    crate::scenario::events::Action::BrokerCrash { .. }
                        | crate::scenario::events::Action::BrokerRestart { .. }
                )
            })
    }

    /// Append one replication sample per partition at `now`.
    pub(crate) fn sample_replication(&mut self, now: Nanos) {
        for p in 0..self.parts.len() as u32 {
            let ps = &self.parts[p as usize];
            let log = self.leader_log(p);
            let sample = ReplicaSample {
                time_ns: now,
                partition: p,
                leader: ps.leader.map(|l| l as u32),
                isr: ps.isr.len() as u32,
                hw: log.hw(),
                leo: log.leo(),
            };
            self.metrics.replica_series.push(sample);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn topic_ids_look_like_kafkas_and_follow_the_seed() {
        let a = topic_id(1);
        assert_eq!(a.len(), 22);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(a, topic_id(1));
        assert_ne!(a, topic_id(2));
    }
}
