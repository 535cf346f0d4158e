//! `kafka-topics.sh --describe` views of the topic at chosen times (run.describe_at_ms), and
//! the per-partition replication samples behind the leader and ISR plots.

use crate::engine::time::secs;
use crate::engine::{Nanos, SeedTree};
use crate::kafka::cluster::Cluster;
use rand::Rng;

/// One partition's replication state at the end of a time-series bucket.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
        let mut s = format!("At t = {:.3} s (simulated)\n", secs(now));
        for t in 0..self.cfg.topics.len() {
            s.push_str(&self.one_topic_view(t));
        }
        s
    }

    /// Topic `t` as `kafka-topics.sh --describe --topic T` prints it.
    fn one_topic_view(&self, t: usize) -> String {
        let cfg = &self.cfg;
        let topic = &cfg.topics[t];
        let mut configs = vec![];
        if topic.min_insync != 1 {
            configs.push(format!("min.insync.replicas={}", topic.min_insync));
        }
        if topic.log_append_time {
            configs.push("message.timestamp.type=LogAppendTime".into());
        }
        if let Some(codec) = &topic.compression {
            configs.push(format!("compression.type={}", codec.name));
        }
        if topic.compact {
            let both = topic.retention != crate::kafka::log::Retention::default();
            configs.push(format!(
                "cleanup.policy=compact{}",
                if both { ",delete" } else { "" }
            ));
        }
        if let Some(ms) = topic
            .retention
            .time_ns
            .filter(|&n| n != 604_800_000 * 1_000_000)
        {
            configs.push(format!("retention.ms={}", ms / 1_000_000));
        }
        if let Some(b) = topic.retention.bytes {
            configs.push(format!("retention.bytes={b}"));
        }
        if topic.segment_bytes != 1 << 30 {
            configs.push(format!("segment.bytes={}", topic.segment_bytes));
        }
        if cfg.replication.unclean {
            configs.push("unclean.leader.election.enable=true".into());
        }
        configs.sort();
        let mut s = format!(
            "Topic: {}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}\n",
            topic.name,
            topic_id(self.seed.wrapping_add(t as u64)),
            topic.partitions,
            topic.factor,
            configs.join(",")
        );
        let ids = |v: &[usize]| {
            v.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        for p in topic.range() {
            let ps = &self.parts[p as usize];
            s.push_str(&format!(
                "\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}\tElr: N/A\tLastKnownElr: N/A\n",
                topic.name,
                p - topic.first,
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
