//! The headline numbers of one run: what the classroom experiment asks (time to read every
//! record, from the consumers' start and after the group formed; throughput and records per
//! consumer; idle consumers; time spent joining; records per partition; page-cache hit ratio)
//! and what perf-test tools print.

use super::rebalances::{rebalances, unowned_partition_s, RebalanceSummary};
use crate::checks::Checks;
use crate::engine::time::secs;
use crate::engine::{Nanos, RunStats};
use crate::hardware::Host;
use crate::kafka::cluster::GroupRt;
use crate::kafka::metrics::Metrics;
use crate::scenario::SimConfig;
use hdrhistogram::Histogram;

/// Bytes the leaders held at the last sample, over every partition.
fn log_bytes(m: &Metrics) -> u64 {
    last_samples(m).map(|s| s.log_bytes).sum()
}

/// Every partition's last sample (the run's end).
fn last_samples(m: &Metrics) -> impl Iterator<Item = &crate::kafka::metrics::PartitionSample> {
    let last = m.partition_series.last().map_or(0, |s| s.time_ns);
    m.partition_series
        .iter()
        .rev()
        .take_while(move |s| s.time_ns == last)
}

/// One consumer group's result (in scenarios with `[[groups]]` or `[[topics]]`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupSummary {
    /// group.id.
    pub group_id: String,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Its consumers.
    pub consumers: u32,
    /// Records its consumers processed (re-reads included).
    pub records_consumed: u64,
    /// Its first consumer's start → its last record processed, s.
    pub consume_s: f64,
    /// Records processed per second over `consume_s`.
    pub records_per_s: f64,
    /// Records of its topics it had not read at the end (log end − read, over its partitions).
    pub lag_end: u64,
    /// Offsets it read again (at-least-once re-reads).
    pub duplicates: u64,
    /// Rebalances it went through (classic protocol).
    pub rebalances: u32,
}

/// One topic's result (in scenarios with `[[topics]]` or `[[groups]]`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TopicSummary {
    /// Name.
    pub name: String,
    /// Partitions.
    pub partitions: u32,
    /// Records appended to its leaders' logs.
    pub records: u64,
    /// Bytes its leaders' replicas hold at the end.
    pub log_bytes: u64,
}

/// One consumer's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConsumerSummary {
    /// Partitions assigned (latest assignment).
    pub partitions: Vec<u32>,
    /// Records processed.
    pub records: u64,
    /// Records per second from its assignment to its last record (0 when idle).
    pub records_per_s: f64,
    /// Got no partition.
    pub idle: bool,
}

/// Latency percentiles, ms.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    /// Mean.
    pub avg_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 75th percentile.
    pub p75_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// 99.99th percentile.
    pub p9999_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            avg_ms: h.mean() / 1000.0,
            p50_ms: ms(h.value_at_quantile(0.5)),
            p75_ms: ms(h.value_at_quantile(0.75)),
            p9999_ms: ms(h.value_at_quantile(0.9999)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// Headline numbers of one run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Master seed.
    pub seed: u64,
    /// Records acknowledged to producers.
    pub records_produced: u64,
    /// Key+value bytes acknowledged.
    pub payload_bytes: u64,
    /// First send to last acknowledgement, s.
    pub produce_s: f64,
    /// Records per second produced.
    pub produce_records_per_s: f64,
    /// MB (10^6 bytes) of key+value per second produced.
    pub produce_mb_per_s: f64,
    /// Average records per ProduceRequest batch.
    pub records_per_batch: f64,
    /// Publish latency (record created → acknowledged).
    pub publish_latency: Latency,
    /// Records processed by consumers.
    pub records_consumed: u64,
    /// Consumers' start → last record processed, s (the seed's "time to read every record").
    pub consume_s: f64,
    /// Group formed (first assignment) → last record processed, s.
    pub consume_after_join_s: f64,
    /// Consumers' start → group formed, s.
    pub join_s: f64,
    /// Records per second over consume_s.
    pub consume_records_per_s: f64,
    /// Records per second over consume_after_join_s.
    pub consume_records_per_s_after_join: f64,
    /// Per consumer.
    pub consumers: Vec<ConsumerSummary>,
    /// Consumers with no partition.
    pub idle_consumers: u32,
    /// Records appended per partition.
    pub partition_records: Vec<u64>,
    /// End-to-end latency (record created → processed).
    pub e2e_latency: Latency,
    /// Fetched bytes found in the page cache / all fetched bytes (1 when nothing was fetched).
    pub cache_hit_ratio: f64,
    /// Disk busy time / run time (busiest host).
    pub disk_utilisation: f64,
    /// CPU busy time / (cores × run time) (busiest host).
    pub cpu_utilisation: f64,
    /// Utilisation of every host's resources.
    pub hosts: Vec<super::usage::HostUsage>,
    /// The resource that bound the run (see [`super::usage::bottleneck`]).
    pub bottleneck: String,
    /// Rebalances completed.
    pub rebalances: u32,
    /// Time spent in rebalances, s (sum of their durations).
    pub rebalance_s: f64,
    /// Each rebalance.
    pub rebalance_list: Vec<RebalanceSummary>,
    /// Partition-seconds with no owner after the group first formed (gaps in which a
    /// partition could not be read).
    pub unowned_partition_s: f64,
    /// Per broker, its JVM's young collections (`broker.gc.*`).
    #[serde(default)]
    pub gc_pauses: Vec<u64>,
    /// Per broker, the time its young collections paused it, s.
    #[serde(default)]
    pub gc_paused_s: Vec<f64>,
    /// Records consumed more than once.
    pub duplicates: u64,
    /// Acknowledged records never processed: absent from the final log (a failover), or
    /// skipped where the commit order allows it (at-most-once).
    pub lost: u64,
    /// Retries, failures, elections, duplicates and reorderings.
    pub guarantees: super::guarantees::Guarantees,
    /// What retention deleted and what it cost readers.
    pub storage: Storage,
    /// Commits refused because the member had been removed from the group.
    pub failed_commits: u64,
    /// `group.reset_offsets` events carried out.
    pub offset_resets: u64,
    /// Scenario events refused at their time (a reset of a group with members), and why.
    pub refused_events: Vec<String>,
    /// Events handled.
    pub events: u64,
    /// Simulated time at the end, s.
    pub sim_end_s: f64,
    /// Per group, when the scenario has several groups or topics (else empty and not written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupSummary>,
    /// Per topic, when the scenario has several groups or topics (else empty and not written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<TopicSummary>,
}

/// What retention deleted and what it cost readers.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Storage {
    /// Deletions and resets counted during the run.
    #[serde(flatten)]
    pub stats: crate::kafka::metrics::StorageStats,
    /// Acknowledged records retention deleted before any consumer processed them (lost to
    /// retention: no violation, Kafka promises nothing for them).
    pub deleted_unread: u64,
    /// Bytes the leaders' replicas hold at the end, over every partition.
    pub log_bytes: u64,
    /// The log cleaners' work (compacted topics only; not written otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaner: Option<crate::kafka::metrics::CleanerStats>,
}

impl Summary {
    /// Summarise a finished run.
    pub fn new(
        seed: u64,
        stats: RunStats,
        m: &Metrics,
        checks: &Checks,
        hosts: &[Host],
        usage: Vec<super::usage::HostUsage>,
        cfg: &SimConfig,
        groups: &[GroupRt],
    ) -> Self {
        let (group_list, topic_list) = if cfg.groups.len() > 1 || cfg.topics.len() > 1 {
            (
                group_summaries(cfg, m, checks, groups),
                topic_summaries(cfg, m),
            )
        } else {
            (vec![], vec![])
        };
        let rebalance_list = rebalances(
            m,
            &groups[0].coord,
            groups[0].kip848.as_ref(),
            stats.end_ns,
            checks.delivery.duplicates,
        );
        let records_produced: u64 = m.producers.iter().map(|p| p.records).sum();
        let payload_bytes: u64 = m.producers.iter().map(|p| p.payload_bytes).sum();
        let start = m.producers.iter().map(|p| p.start_ns).min().unwrap_or(0);
        let end = m.producers.iter().map(|p| p.last_ack_ns).max().unwrap_or(0);
        let produce_s = secs(end.saturating_sub(start));
        let rate = |n: u64, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
        let batches: u64 = m.producers.iter().map(|p| p.batches).sum();
        let mut lat = crate::kafka::metrics::latency_histogram();
        for p in &m.producers {
            lat.add(&p.latency_us).expect("same bounds");
        }
        let c_start = m.consumers_started_ns.unwrap_or(0);
        let last: Nanos = m
            .consumers
            .iter()
            .filter_map(|c| c.last_record_ns)
            .max()
            .unwrap_or(c_start);
        let formed = m
            .consumers
            .iter()
            .filter_map(|c| c.assigned_ns)
            .min()
            .unwrap_or(c_start);
        let records_consumed: u64 = m.consumers.iter().map(|c| c.records).sum();
        let consumers: Vec<ConsumerSummary> = m
            .consumers
            .iter()
            .map(|c| {
                let busy = c
                    .last_record_ns
                    .unwrap_or(0)
                    .saturating_sub(c.assigned_ns.unwrap_or(0));
                ConsumerSummary {
                    partitions: c.partitions.clone(),
                    records: c.records,
                    records_per_s: rate(c.records, secs(busy)),
                    idle: c.records == 0,
                }
            })
            .collect();
        let (hit, miss) = hosts.iter().fold((0, 0), |(h, mi), x| {
            (h + x.cache.hit_bytes(), mi + x.cache.miss_bytes())
        });
        let consume_s = secs(last.saturating_sub(c_start));
        let after = secs(last.saturating_sub(formed));
        Summary {
            seed,
            records_produced,
            payload_bytes,
            produce_s,
            produce_records_per_s: rate(records_produced, produce_s),
            produce_mb_per_s: rate(payload_bytes, produce_s) / 1e6,
            records_per_batch: if batches > 0 {
                records_produced as f64 / batches as f64
            } else {
                0.0
            },
            publish_latency: Latency::of(&lat),
            records_consumed,
            consume_s,
            consume_after_join_s: after,
            join_s: secs(formed.saturating_sub(c_start)),
            consume_records_per_s: rate(records_consumed, consume_s),
            consume_records_per_s_after_join: rate(records_consumed, after),
            idle_consumers: consumers.iter().filter(|c| c.idle).count() as u32,
            consumers,
            partition_records: m.partition_records.clone(),
            e2e_latency: Latency::of(&m.e2e_latency_us),
            cache_hit_ratio: if hit + miss > 0 {
                hit as f64 / (hit + miss) as f64
            } else {
                1.0
            },
            disk_utilisation: usage.iter().map(|h| h.disk).fold(0.0, f64::max),
            cpu_utilisation: usage.iter().map(|h| h.cpu).fold(0.0, f64::max),
            bottleneck: cfg
                .shared_cpu
                .then(|| super::usage::shared_cpu_bottleneck(&usage, &m.host_series))
                .flatten()
                .unwrap_or_else(|| super::usage::bottleneck(&usage, &m.host_series)),
            hosts: usage,
            rebalances: rebalance_list.len() as u32,
            rebalance_s: rebalance_list.iter().map(|r| r.duration_s).sum(),
            rebalance_list,
            gc_pauses: m.broker_gc.iter().map(|g| g.0).collect(),
            gc_paused_s: m.broker_gc.iter().map(|g| secs(g.1)).collect(),
            unowned_partition_s: unowned_partition_s(
                &m.assignments,
                m.partition_records.len() as u32,
                stats.end_ns,
            ),
            duplicates: checks.delivery.duplicates,
            lost: checks.delivery.lost,
            guarantees: super::guarantees::Guarantees::new(m, checks),
            storage: Storage {
                stats: m.storage,
                deleted_unread: checks.delivery.deleted_unread,
                log_bytes: log_bytes(m),
                cleaner: m.cleaner,
            },
            failed_commits: m.consumers.iter().map(|c| c.failed_commits).sum(),
            offset_resets: m.offset_resets,
            refused_events: m.refused_events.clone(),
            events: stats.events,
            sim_end_s: secs(stats.end_ns),
            groups: group_list,
            topics: topic_list,
        }
    }
}

/// Each group's records, time, rate and lag.
fn group_summaries(
    cfg: &SimConfig,
    m: &Metrics,
    checks: &Checks,
    groups: &[GroupRt],
) -> Vec<GroupSummary> {
    cfg.groups
        .iter()
        .enumerate()
        .map(|(g, gc)| {
            let cs = &m.consumers[gc.members()];
            let start = cs.iter().map(|c| c.start_ns).filter(|&t| t > 0).min();
            let start = start.or(m.consumers_started_ns).unwrap_or(0);
            let last = cs
                .iter()
                .filter_map(|c| c.last_record_ns)
                .max()
                .unwrap_or(start);
            let records: u64 = cs.iter().map(|c| c.records).sum();
            let consume_s = secs(last.saturating_sub(start));
            let (mut lag, mut read_total) = (0, 0);
            for p in cfg.subscribed(g) {
                let read = checks.delivery.consumed_upto(checks.lanes.lane(g, p));
                lag += m.partition_records[p as usize].saturating_sub(read);
                read_total += read;
            }
            let duplicates = records.saturating_sub(read_total);
            GroupSummary {
                group_id: gc.consumer.group_id.clone(),
                topics: gc
                    .topics
                    .iter()
                    .map(|&t| cfg.topics[t].name.clone())
                    .collect(),
                consumers: gc.consumer.count,
                records_consumed: records,
                consume_s,
                records_per_s: if consume_s > 0.0 {
                    records as f64 / consume_s
                } else {
                    0.0
                },
                lag_end: lag,
                duplicates,
                rebalances: groups[g].coord.rebalances.len() as u32,
            }
        })
        .collect()
}

/// Each topic's records.
fn topic_summaries(cfg: &SimConfig, m: &Metrics) -> Vec<TopicSummary> {
    cfg.topics
        .iter()
        .map(|t| {
            let log_bytes = last_samples(m)
                .filter(|s| t.range().contains(&s.partition))
                .map(|s| s.log_bytes)
                .sum();
            TopicSummary {
                name: t.name.clone(),
                partitions: t.partitions,
                records: t.range().map(|p| m.partition_records[p as usize]).sum(),
                log_bytes,
            }
        })
        .collect()
}
