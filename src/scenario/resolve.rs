//! From a checked [`Config`] to the typed [`SimConfig`] the model runs, with the checks that
//! involve more than one key. Costs become integer nanoseconds (per operation) and picoseconds
//! (per byte), so the model's arithmetic is all integer.

use super::config::Config;
use super::entries::{Entry, EntryKind};
use super::error::ScenarioError;
use super::events::{self, Counts, TimedAction};
use super::value::Value;
use crate::engine::time::{MS, SEC};
use crate::engine::{Nanos, RunBudget};
use crate::hardware::{DirtyLimits, DiskProfile};
use crate::kafka::group::assignor::AssignorKind;
use crate::kafka::records::Codec;

/// Which client's defaults and request shapes a scenario uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ClientKind {
    /// The Java client (KafkaProducer / KafkaConsumer): one ProduceRequest per broker carrying many partitions.
    Java,
    /// librdkafka (and confluent-kafka-python on top of it, with its own per-call costs as
    /// defaults): one partition per ProduceRequest.
    Librdkafka,
}

/// How records are keyed.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyMode {
    /// Null keys.
    None,
    /// The same key for every record.
    Fixed(Vec<u8>),
    /// A fresh random key per record.
    Random,
    /// Uniform over `count` keys.
    Uniform(u64),
    /// Zipf over `count` keys with exponent `s`.
    Zipf(u64, f64),
}

/// Acknowledgement level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// No response.
    Zero,
    /// Leader appended.
    One,
    /// Every in-sync replica appended (same as One with one replica).
    All,
}

/// Host hardware.
#[derive(Clone, Debug)]
pub struct HostCfg {
    /// CPU cores.
    pub cores: u32,
    /// CFS quota of broker hosts' processes, thousandths of a core; 0 = none.
    pub broker_cpu_quota_milli: u64,
    /// CFS quota of client hosts' processes, thousandths of a core; 0 = none.
    pub client_cpu_quota_milli: u64,
    /// CPU each broker process uses on its own, thousandths of a core (`broker.background_cpu_cores`).
    pub broker_background_milli: u64,
    /// Page cache size, bytes.
    pub page_cache_bytes: u64,
    /// Page size, bytes.
    pub page_bytes: u64,
    /// Disk figures (the profile with any overrides).
    pub disk: DiskProfile,
    /// Disks of a broker host (one per log directory).
    pub log_dirs: u32,
    /// Dirty-data limits of the page cache.
    pub dirty: DirtyLimits,
    /// Period of the write-back flusher, ns.
    pub writeback_interval_ns: Nanos,
}

/// Network figures.
#[derive(Clone, Debug)]
pub struct NetCfg {
    /// Loopback bandwidth, bytes/s.
    pub loopback_bytes_per_s: u64,
    /// Loopback one-way latency, ns.
    pub loopback_latency_ns: Nanos,
    /// NIC line rate of broker hosts, bytes/s each way.
    pub broker_nic_bytes_per_s: u64,
    /// NIC line rate of client hosts, bytes/s each way.
    pub client_nic_bytes_per_s: u64,
    /// One-way latency between hosts, ns.
    pub latency_ns: Nanos,
    /// TCP payload per segment, bytes.
    pub mss_bytes: u64,
    /// Headers and framing per segment on the wire, bytes.
    pub frame_overhead_bytes: u64,
    /// One-way latency between broker hosts, ns.
    pub inter_broker_latency_ns: Nanos,
}

/// Where the processes run.
#[derive(Clone, Debug)]
pub struct Placement {
    /// Client hosts (dedicated layout).
    pub client_hosts: u32,
    /// Client host index of each producer.
    pub producers: Vec<u32>,
    /// Client host index of each consumer.
    pub consumers: Vec<u32>,
}

/// Broker settings and costs.
#[derive(Clone, Debug)]
pub struct BrokerCfg {
    /// num.network.threads.
    pub network_threads: u32,
    /// num.io.threads.
    pub io_threads: u32,
    /// group.initial.rebalance.delay.ms, ns.
    pub initial_rebalance_delay_ns: Nanos,
    /// Bytes a broker allocates between young GCs (eden), 0 = no GC pauses.
    pub gc_young_every_bytes: u64,
    /// Bytes a broker allocates per request it handles (and a follower per Fetch response),
    /// beyond the request's own bytes.
    pub gc_request_bytes: u64,
    /// Bytes a broker allocates per consumer's Fetch request, beyond the request's own bytes.
    pub gc_fetch_bytes: u64,
    /// Bytes a leader allocates per follower's Fetch, beyond the request's own bytes.
    pub gc_follower_fetch_bytes: u64,
    /// Bytes a leader allocates per acks=all produce that waits in purgatory.
    pub gc_delayed_produce_bytes: u64,
    /// Median young-GC pause, ns.
    pub gc_pause_ns: Nanos,
    /// metadata.max.idle.interval.ms, ns: the controller's no-op records (0 = none).
    pub metadata_noop_interval_ns: Nanos,
    /// CPU each broker spends applying a no-op record, ns (0 = none).
    pub metadata_noop_cpu_ns: Nanos,
    /// Threads that CPU is spread over, each running an equal share at once.
    pub metadata_noop_threads: u32,
    /// Each burst's CPU drawn from an exponential of mean `metadata_noop_cpu_ns` (else fixed).
    pub metadata_noop_cpu_spread: bool,
    /// log.index.interval.bytes.
    pub index_interval_bytes: u64,
    /// log.retention.check.interval.ms, ns.
    pub retention_check_ns: Nanos,
    /// log.initial.task.delay.ms, ns.
    pub initial_task_delay_ns: Nanos,
    /// log.flush.interval.messages: fsync a log once this many records are unflushed.
    pub flush_interval_messages: u64,
    /// log.flush.interval.ms, ns.
    pub flush_interval_ns: Nanos,
    /// log.flush.scheduler.interval.ms, ns (the flusher's period; u64::MAX-ish = never).
    pub flush_scheduler_ns: Nanos,
    /// Network-thread CPU per request, ns.
    pub request_cpu_ns: Nanos,
    /// Extra CPU of a network or I/O thread waking after a sleep.
    pub wake: crate::hardware::WakeCost,
    /// The wait of a woken network, I/O or replica fetcher thread for a core.
    pub wake_stall: crate::hardware::WakeStall,
    /// I/O CPU per appended batch, ns.
    pub produce_batch_cpu_ns: Nanos,
    /// I/O CPU per appended byte, ps.
    pub produce_ps_per_byte: u64,
    /// I/O CPU per fetched partition, ns.
    pub fetch_partition_cpu_ns: Nanos,
    /// CPU per fetched byte, ps.
    pub fetch_ps_per_byte: u64,
    /// log.cleaner.threads.
    pub cleaner_threads: u32,
    /// log.cleaner.backoff.ms, ns.
    pub cleaner_backoff_ns: Nanos,
    /// log.cleaner.dedupe.buffer.size, bytes (over every thread).
    pub dedupe_buffer_bytes: u64,
    /// Cleaner CPU per byte read or copied, ps.
    pub cleaner_ps_per_byte: u64,
}

/// Replication settings of the topic and the brokers.
#[derive(Clone, Debug)]
pub struct ReplicationCfg {
    /// replication.factor.
    pub factor: u32,
    /// min.insync.replicas.
    pub min_insync: u32,
    /// unclean.leader.election.enable.
    pub unclean: bool,
    /// replica.lag.time.max.ms, ns.
    pub lag_time_max_ns: Nanos,
    /// replica.fetch.wait.max.ms, ns.
    pub fetch_wait_max_ns: Nanos,
    /// replica.fetch.min.bytes.
    pub fetch_min_bytes: u64,
    /// replica.fetch.max.bytes (per partition).
    pub fetch_max_bytes: u64,
    /// replica.fetch.response.max.bytes.
    pub fetch_response_max_bytes: u64,
    /// replica.fetch.backoff.ms, ns.
    pub fetch_backoff_ns: Nanos,
    /// num.replica.fetchers.
    pub fetchers: u32,
    /// replica.socket.timeout.ms, ns.
    pub socket_timeout_ns: Nanos,
    /// broker.session.timeout.ms (KRaft), ns.
    pub session_timeout_ns: Nanos,
    /// broker.heartbeat.interval.ms (KRaft), ns.
    pub heartbeat_interval_ns: Nanos,
}

/// Records kafka-producer-perf-test sends back to back at `rate_milli_per_s` before it sleeps:
/// its ThroughputThrottler adds a record's share of a second (NS_PER_SEC / throughput, whole
/// nanoseconds) to a sleep deficit for every record sent ahead of schedule and sleeps once the
/// deficit reaches MIN_SLEEP_NS (2 ms), so a burst holds ⌈2 ms / share⌉ records, at least one.
pub fn perf_test_burst(rate_milli_per_s: u64) -> u64 {
    const MIN_SLEEP_NS: u64 = 2_000_000;
    let per_s = (rate_milli_per_s / 1000).max(1);
    let share_ns = (1_000_000_000 / per_s).max(1);
    MIN_SLEEP_NS.div_ceil(share_ns).max(1)
}

/// Producer settings and costs (per producer).
#[derive(Clone, Debug)]
pub struct ProducerCfg {
    /// Number of producers (of this configuration).
    pub count: u32,
    /// Share of keyed records sent as tombstones (null value), millionths.
    pub tombstone_ppm: u32,
    /// Name (`name` of its `[[producers]]` entry; "producer" for the `[producer]` table).
    pub name: String,
    /// Index of the topic it writes to.
    pub topic: usize,
    /// Records each sends.
    pub records: u64,
    /// Records per second, 0 = as fast as possible (as milli-records/s, integer).
    pub rate_milli_per_s: u64,
    /// `producer.pacing = "perf-test"`: records are released in bursts of 2 ms (see
    /// [`perf_test_burst`]), not one at a time.
    pub perf_test_pacing: bool,
    /// `producer.pace_jitter_us`: a sleeping paced application wakes up to this late, ns.
    pub pace_jitter_ns: Nanos,
    /// Start time, ns.
    pub start_ns: Nanos,
    /// Value size range, bytes.
    pub value_bytes: (u32, u32),
    /// Keying.
    pub keys: KeyMode,
    /// Partitioner name (see kafka::partitioner).
    pub partitioner: String,
    /// KIP-794 adaptive partitioning.
    pub adaptive: bool,
    /// librdkafka sticky.partitioning.linger.ms, ns.
    pub sticky_linger_ns: Nanos,
    /// batch.size.
    pub batch_size: u32,
    /// batch.num.messages (0 = none).
    pub batch_num_messages: u32,
    /// linger.ms, ns.
    pub linger_ns: Nanos,
    /// buffer.memory.
    pub buffer_memory: u64,
    /// queue.buffering.max.messages (0 = none).
    pub max_queued_records: u64,
    /// max.in.flight.requests.per.connection.
    pub max_in_flight: u32,
    /// max.request.size.
    pub max_request_size: u32,
    /// acks.
    pub acks: Acks,
    /// enable.idempotence (after Java's silent disabling when it was not set and conflicts).
    pub idempotence: bool,
    /// retries.
    pub retries: u32,
    /// retry.backoff.ms, ns.
    pub retry_backoff_ns: Nanos,
    /// retry.backoff.max.ms, ns.
    pub retry_backoff_max_ns: Nanos,
    /// delivery.timeout.ms, ns.
    pub delivery_timeout_ns: Nanos,
    /// request.timeout.ms, ns.
    pub request_timeout_ns: Nanos,
    /// compression.type with its ratio and costs.
    pub codec: Codec,
    /// Application CPU per record, ns.
    pub send_cpu_ns: Nanos,
    /// Sender CPU per request, ns.
    pub request_cpu_ns: Nanos,
    /// Client CPU per byte, ps.
    pub ps_per_byte: u64,
    /// Bytes the Java producer allocates between young GCs, 0 = none.
    pub gc_young_every_bytes: u64,
    /// Median young-GC pause of the Java producer, ns.
    pub gc_pause_ns: Nanos,
}

/// Consumer settings and costs (per consumer).
#[derive(Clone, Debug)]
pub struct ConsumerCfg {
    /// Number of consumers.
    pub count: u32,
    /// Group member (true) or standalone assign().
    pub group: bool,
    /// Start time, ns.
    pub start_ns: Nanos,
    /// Start when the producers are done.
    pub start_after_produce: bool,
    /// Fetch nothing until assigned the group's partitions / count (the lab's gate).
    pub fair_share_gate: bool,
    /// Drop the page cache at consumer start.
    pub cold_cache: bool,
    /// group.id.
    pub group_id: String,
    /// fetch.min.bytes.
    pub fetch_min_bytes: u64,
    /// fetch.max.wait.ms, ns.
    pub fetch_max_wait_ns: Nanos,
    /// fetch.max.bytes.
    pub fetch_max_bytes: u64,
    /// max.partition.fetch.bytes.
    pub max_partition_fetch_bytes: u64,
    /// max.poll.records.
    pub max_poll_records: u32,
    /// Prefetch threshold (records buffered below which a partition is fetched again).
    pub prefetch_records: u64,
    /// librdkafka's queued.max.messages.kbytes, in bytes.
    pub prefetch_bytes: u64,
    /// librdkafka's fetch.queue.backoff.ms: a partition over a prefetch limit sits out this long.
    pub queue_backoff_ns: Nanos,
    /// auto.offset.reset = earliest.
    pub reset_earliest: bool,
    /// enable.auto.commit.
    pub auto_commit: bool,
    /// auto.commit.interval.ms, ns.
    pub auto_commit_interval_ns: Nanos,
    /// heartbeat.interval.ms, ns.
    pub heartbeat_interval_ns: Nanos,
    /// session.timeout.ms, ns.
    pub session_timeout_ns: Nanos,
    /// max.poll.interval.ms (rebalance timeout), ns.
    pub rebalance_timeout_ns: Nanos,
    /// partition.assignment.strategy, in preference order.
    pub assignors: Vec<AssignorKind>,
    /// Client CPU per record, ns.
    pub poll_cpu_ns: Nanos,
    /// Application CPU per record, ns.
    pub process_ns: Nanos,
    /// Client CPU per byte, ps.
    pub ps_per_byte: u64,
    /// Client CPU per record received, where Fetch responses are parsed, ns.
    pub fetch_cpu_ns: Nanos,
    /// Client CPU per request, ns.
    pub request_cpu_ns: Nanos,
    /// group.instance.id prefix (static membership), None = dynamic.
    pub instance_id: Option<String>,
    /// group.protocol = consumer (KIP-848).
    pub kip848: bool,
    /// KIP-848 server-side assignor.
    pub remote_assignor: AssignorKind,
    /// Manual commits block the poll loop (commitSync).
    pub commit_sync: bool,
    /// Manual commits every this many records (0 = every poll).
    pub commit_every_records: u64,
    /// Commit before processing (at-most-once) instead of after.
    pub at_most_once: bool,
    /// request.timeout.ms (Java) / socket.timeout.ms (librdkafka), ns.
    pub request_timeout_ns: Nanos,
    /// retry.backoff.ms, ns.
    pub retry_backoff_ns: Nanos,
}

/// One topic.
#[derive(Clone, Debug)]
pub struct TopicCfg {
    /// Name.
    pub name: String,
    /// Partitions.
    pub partitions: u32,
    /// kafkasim's number of its partition 0.
    pub first: u32,
    /// replication.factor.
    pub factor: u32,
    /// min.insync.replicas.
    pub min_insync: u32,
    /// retention.ms and retention.bytes.
    pub retention: crate::kafka::log::Retention,
    /// segment.ms, ns.
    pub roll_ns: Nanos,
    /// segment.bytes.
    pub segment_bytes: u64,
    /// message.timestamp.type = LogAppendTime.
    pub log_append_time: bool,
    /// compression.type: the codec the broker stores batches in (None: the producer's).
    pub compression: Option<Codec>,
    /// cleanup.policy includes compact: the log cleaner keeps each key's latest record.
    pub compact: bool,
    /// min.cleanable.dirty.ratio, thousandths.
    pub min_dirty_permille: u64,
    /// delete.retention.ms, ns.
    pub delete_retention_ns: Nanos,
    /// min.compaction.lag.ms, ns.
    pub min_compaction_lag_ns: Nanos,
}

impl TopicCfg {
    /// kafkasim's partition numbers of this topic.
    pub fn range(&self) -> std::ops::Range<u32> {
        self.first..self.first + self.partitions
    }
}

/// One consumer group (or one set of standalone consumers).
#[derive(Clone, Debug)]
pub struct GroupCfg {
    /// Its consumers' configuration (`count` of them; `group_id` names the group).
    pub consumer: ConsumerCfg,
    /// Indexes of the subscribed topics, in scenario order.
    pub topics: Vec<usize>,
    /// Number of its first consumer.
    pub first: u32,
}

impl GroupCfg {
    /// Its consumers' numbers.
    pub fn members(&self) -> std::ops::Range<usize> {
        self.first as usize..(self.first + self.consumer.count) as usize
    }
}

/// Everything one run needs, typed and checked.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Scenario name.
    pub name: String,
    /// Master seed of the first run.
    pub seed: u64,
    /// Runs per point.
    pub seeds: u32,
    /// Client preset.
    pub client: ClientKind,
    /// Limits.
    pub budget: RunBudget,
    /// Time-series bucket, ns.
    pub series_interval_ns: Nanos,
    /// Brokers.
    pub brokers: u32,
    /// One host for all (true) or dedicated hosts.
    pub single_host: bool,
    /// Dedicated hosts whose threads all run on one machine's cores (`cluster.shared_cpu`).
    pub shared_cpu: bool,
    /// Client hosts and who runs where.
    pub placement: Placement,
    /// Host hardware.
    pub host: HostCfg,
    /// Network.
    pub net: NetCfg,
    /// Broker.
    pub broker: BrokerCfg,
    /// The first topic's name.
    pub topic: String,
    /// Partitions of every topic together (partition numbers inside kafkasim run over all
    /// topics: topic `t`'s partition `i` is `topics[t].first + i`).
    pub partitions: u32,
    /// The topics, in scenario order.
    pub topics: Vec<TopicCfg>,
    /// Replication (the factor is the largest topic's, min.insync.replicas the smallest).
    pub replication: ReplicationCfg,
    /// The `[producer]` table's producer (what a `[[producers]]` entry starts from).
    pub producer: ProducerCfg,
    /// Every producer, one per instance (a `[[producers]]` entry of `count = 3` gives three).
    pub producers: Vec<ProducerCfg>,
    /// The `[consumer]` table's consumer (what a `[[groups]]` entry starts from).
    pub consumer: ConsumerCfg,
    /// The consumer groups, in scenario order; consumers are numbered group after group.
    pub groups: Vec<GroupCfg>,
    /// group.consumer.heartbeat.interval.ms (KIP-848), ns.
    pub kip848_heartbeat_ns: Nanos,
    /// group.consumer.session.timeout.ms (KIP-848), ns.
    pub kip848_session_ns: Nanos,
    /// Scenario events in time order.
    pub events: Vec<TimedAction>,
    /// When to write describe views, ns.
    pub describe_at_ns: Vec<Nanos>,
    /// What the scenario says it promises (`expect.*`; None = what the configuration implies).
    pub expect: ExpectCfg,
}

/// The `expect.*` keys: Some(yes or no), or None for auto.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpectCfg {
    /// expect.no_loss.
    pub no_loss: Option<bool>,
    /// expect.no_duplicates.
    pub no_duplicates: Option<bool>,
    /// expect.key_order.
    pub key_order: Option<bool>,
}

/// "yes" / "no" / "auto" of an `expect.*` key.
fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

struct Get<'a>(&'a Config);
impl Get<'_> {
    fn int(&self, k: &str) -> i64 {
        match self.0.get(k) {
            Value::Int(v) => v,
            v => panic!("{k} is not an int: {v:?}"),
        }
    }
    fn u(&self, k: &str) -> u64 {
        self.int(k) as u64
    }
    fn float(&self, k: &str) -> f64 {
        match self.0.get(k) {
            Value::Float(v) => v,
            Value::Int(v) => v as f64,
            v => panic!("{k} is not a number: {v:?}"),
        }
    }
    fn flag(&self, k: &str) -> bool {
        self.0.get(k) == Value::Bool(true)
    }
    fn text(&self, k: &str) -> String {
        self.0.get(k).to_string()
    }
    fn ms(&self, k: &str) -> Nanos {
        crate::engine::time::span(self.u(k), MS)
    }
    /// µs as a float → integer ns.
    fn us_ns(&self, k: &str) -> Nanos {
        crate::engine::time::span_us(self.float(k))
    }
    /// ns/B as a float → integer ps/B.
    fn ps(&self, k: &str) -> u64 {
        (self.float(k) * 1000.0).round() as u64
    }
    fn gbps(&self, k: &str) -> u64 {
        (self.float(k) * 1e9 / 8.0).round().max(1.0) as u64
    }
}

/// The disk profile named by `host.disk`, with the `host.disk_*` overrides that are set.
fn disk_profile(g: &Get) -> DiskProfile {
    let mut d = DiskProfile::by_name(&g.text("host.disk")).expect("enum checked");
    let mb = |k: &str| (g.float(k) * 1e6).round() as u64;
    if mb("host.disk_write_mb_s") > 0 {
        d.write_bytes_per_s = mb("host.disk_write_mb_s");
    }
    if mb("host.disk_read_mb_s") > 0 {
        d.read_bytes_per_s = mb("host.disk_read_mb_s");
    }
    if g.u("host.disk_iops") > 0 {
        d.iops = g.u("host.disk_iops");
    }
    if g.us_ns("host.disk_seek_us") > 0 {
        d.seek_ns = g.us_ns("host.disk_seek_us");
    }
    if g.us_ns("host.disk_flush_us") > 0 {
        d.flush_ns = g.us_ns("host.disk_flush_us");
    }
    d
}

/// Linux's dirty limits: `vm.dirty_*_bytes` when set, else the ratios of the page cache.
fn dirty_limits(g: &Get, cache_bytes: u64) -> Result<DirtyLimits, ScenarioError> {
    let pick = |bytes: &str, pct: &str| match g.u(bytes) {
        0 => (
            cache_bytes / 100 * g.u(pct),
            format!("{pct} = {}", g.u(pct)),
        ),
        b => (b, format!("{bytes} = {b}")),
    };
    let (background_bytes, bg_key) = pick(
        "host.dirty_background_bytes",
        "host.dirty_background_ratio_pct",
    );
    let (limit_bytes, limit_key) = pick("host.dirty_bytes", "host.dirty_ratio_pct");
    if background_bytes > limit_bytes {
        return Err(conflict(format!("{bg_key} puts the background write-back threshold ({background_bytes} bytes) above the hard dirty limit set by {limit_key} ({limit_bytes} bytes); the background threshold must be at most the hard limit")));
    }
    Ok(DirtyLimits {
        background_bytes,
        limit_bytes,
        expire_ns: g.ms("host.dirty_expire_ms"),
    })
}

/// A CFS quota in thousandths of a core (any positive quota is at least one thousandth).
fn quota_milli(g: &Get, key: &str) -> u64 {
    match g.float(key) {
        q if q > 0.0 => ((q * 1000.0).round() as u64).max(1),
        _ => 0,
    }
}

/// `broker.background_cpu_cores` in thousandths of a core, less what comes in the bursts of
/// `broker.metadata_noop_cpu_us` (the idle CPU measured includes them), checked against the
/// cores it is taken from: a broker host's (its quota, if set), or the one machine's, shared by
/// every broker, in the single-host layout and with `cluster.shared_cpu`.
fn background_milli(g: &Get, brokers: u32) -> Result<u64, ScenarioError> {
    let interval_ms = g.u("broker.metadata.max.idle.interval.ms");
    let noop_milli = if interval_ms == 0 {
        0
    } else {
        (g.float("broker.metadata_noop_cpu_us") / interval_ms as f64).round() as u64
    };
    let b = ((g.float("broker.background_cpu_cores") * 1000.0).round() as u64)
        .saturating_sub(noop_milli);
    let shared = g.text("cluster.layout") == "single-host" || g.flag("cluster.shared_cpu");
    let per_machine = if shared { b * brokers as u64 } else { b };
    let cores = g.u("host.cores") * 1000;
    let capacity = match quota_milli(g, "host.broker_cpu_quota_cores") {
        0 => cores,
        q => q.min(cores),
    };
    if b > 0 && per_machine >= capacity {
        return Err(conflict(format!(
            "broker.background_cpu_cores = {} leaves no CPU to the brokers: {} of {} cores{}",
            g.float("broker.background_cpu_cores"),
            per_machine as f64 / 1000.0,
            capacity as f64 / 1000.0,
            if shared {
                " (every broker's, on one machine)"
            } else {
                ""
            }
        )));
    }
    Ok(b)
}

/// A per-host-type NIC rate, or `network.nic_gbps` when it is 0.
fn nic_or_default(g: &Get, key: &str) -> u64 {
    if g.float(key) > 0.0 {
        g.gbps(key)
    } else {
        g.gbps("network.nic_gbps")
    }
}

/// "1000, 5000" → [1000 ms, 5000 ms] in ns, sorted.
fn parse_ms_list(text: &str, key: &str) -> Result<Vec<Nanos>, ScenarioError> {
    let mut out = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace('_', "")
                .parse::<u64>()
                .map(|ms| crate::engine::time::span(ms, MS))
                .map_err(|_| ScenarioError::Invalid {
                    key: key.into(),
                    value: format!("\"{text}\""),
                    accepted:
                        "comma-separated whole numbers of milliseconds ≥ 0, e.g. \"5000, 30000\""
                            .into(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn conflict(msg: String) -> ScenarioError {
    ScenarioError::Conflict(msg)
}

/// Whether the producer is idempotent, and its max.in.flight. Java: set explicitly, a
/// conflicting acks, in-flight or retries setting is an error with the ConfigException text;
/// left at the default (true), a conflict turns idempotence off, as `ProducerConfig` does since
/// 3.2. librdkafka (default off): an explicit conflict is refused with its own text; an unset
/// `max.in.flight` is lowered to 5 (and acks defaults to all).
fn resolve_idempotence(
    c: &Config,
    client: ClientKind,
    wanted: bool,
    acks: Acks,
    max_in_flight: u32,
    retries: u32,
) -> Result<(bool, u32), ScenarioError> {
    if !wanted {
        return Ok((false, max_in_flight));
    }
    let java = client == ClientKind::Java;
    let in_flight_key = "producer.max.in.flight.requests.per.connection";
    if !java && max_in_flight > 5 && !c.is_set(in_flight_key) {
        return resolve_idempotence(c, client, wanted, acks, 5, retries);
    }
    let problem = if acks != Acks::All {
        Some((
            format!("producer.acks = {}", c.get("producer.acks")),
            if java {
                "ConfigException: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
            } else {
                "librdkafka: `acks` must be set to `all` when `enable.idempotence` is true"
            },
        ))
    } else if max_in_flight > 5 {
        Some((
            format!("{in_flight_key} = {max_in_flight}"),
            if java {
                "ConfigException: Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."
            } else {
                "librdkafka: `max.in.flight` must be set <= 5 when `enable.idempotence` is true"
            },
        ))
    } else if retries == 0 {
        Some((
            "producer.retries = 0".to_string(),
            if java {
                "ConfigException: Must set retries to non-zero when using the idempotent producer."
            } else {
                "librdkafka: `retries` must be set >= 1 when `enable.idempotence` is true"
            },
        ))
    } else {
        None
    };
    match problem {
        None => Ok((true, max_in_flight)),
        Some(_) if java && !c.is_set("producer.enable.idempotence") => Ok((false, max_in_flight)),
        Some((what, msg)) => Err(conflict(format!(
            "{what} with producer.enable.idempotence = true: {msg}"
        ))),
    }
}

/// The producer of configuration `c` (the `[producer]` table, or it with a `[[producers]]`
/// entry's keys set).
fn producer_cfg(c: &Config, client: ClientKind) -> Result<ProducerCfg, ScenarioError> {
    let g = Get(c);
    let value_min = g.u("producer.value_bytes") as u32;
    let value_max = match g.u("producer.value_bytes_max") as u32 {
        0 => value_min,
        m if m < value_min => {
            return Err(conflict(format!("producer.value_bytes_max = {m} is below producer.value_bytes = {value_min}; set it to 0 (fixed size) or a value ≥ {value_min}")))
        }
        m => m,
    };
    let keys = match g.text("producer.keys").as_str() {
        "none" => KeyMode::None,
        "fixed" => KeyMode::Fixed(g.text("producer.fixed_key").into_bytes()),
        "random" => KeyMode::Random,
        "uniform" => KeyMode::Uniform(g.u("producer.key_count")),
        _ => {
            let n = g.u("producer.key_count");
            if n > crate::kafka::workload::ZIPF_MAX_KEYS {
                return Err(conflict(format!("producer.key_count = {n} is too many for producer.keys = zipf: at most {} keys", crate::kafka::workload::ZIPF_MAX_KEYS)));
            }
            KeyMode::Zipf(n, g.float("producer.zipf_exponent"))
        }
    };
    let codec = Codec::by_name(
        &g.text("producer.compression.type"),
        g.float("producer.compression.ratio"),
    );
    let batch_size = g.u("producer.batch.size") as u32;
    let max_request_size = g.u("producer.max.request.size") as u32;
    if batch_size > max_request_size {
        return Err(conflict(format!(
            "producer.batch.size = {batch_size} is above producer.max.request.size = {max_request_size}: a batch must fit in one request; lower batch.size or raise max.request.size"
        )));
    }
    let largest_record = crate::kafka::records::record_bytes(Some(64), value_max, 0) as u64
        + crate::kafka::records::BATCH_HEADER_BYTES;
    if largest_record > max_request_size as u64 {
        return Err(conflict(format!(
            "a record of producer.value_bytes{} = {value_max} bytes does not fit in producer.max.request.size = {max_request_size} (Kafka fails it with RecordTooLargeException)",
            if value_max != value_min { "_max" } else { "" }
        )));
    }
    let acks = match g.text("producer.acks").as_str() {
        "0" => Acks::Zero,
        "1" => Acks::One,
        _ => Acks::All,
    };
    if acks == Acks::Zero && g.text("expect.no_loss") == "yes" {
        return Err(conflict("expect.no_loss = \"yes\" with producer.acks = 0: with acks = 0 no record is ever acknowledged, so there is nothing to keep; use acks = \"1\" or \"all\", or expect.no_loss = \"auto\"".into()));
    }
    let max_in_flight = g.u("producer.max.in.flight.requests.per.connection") as u32;
    let retries = g.u("producer.retries") as u32;
    let (idempotence, max_in_flight) = resolve_idempotence(
        c,
        client,
        g.flag("producer.enable.idempotence"),
        acks,
        max_in_flight,
        retries,
    )?;
    let linger_ns = g.ms("producer.linger.ms");
    let request_timeout_ns = g.ms("producer.request.timeout.ms");
    let delivery_timeout_ns = g.ms("producer.delivery.timeout.ms");
    if client == ClientKind::Java
        && delivery_timeout_ns < linger_ns.saturating_add(request_timeout_ns)
    {
        return Err(conflict(format!(
            "producer.delivery.timeout.ms = {} is below producer.linger.ms + producer.request.timeout.ms = {}: the Java client refuses it (ConfigException: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms)",
            g.u("producer.delivery.timeout.ms"),
            g.u("producer.linger.ms").saturating_add(g.u("producer.request.timeout.ms"))
        )));
    }
    let records = g.u("producer.records");
    let producers = g.u("producer.count") as u32;
    let rate = g.float("producer.rate_per_s");
    Ok(ProducerCfg {
        count: producers,
        tombstone_ppm: (g.float("producer.tombstone_ratio") * 1e6).round() as u32,
        name: "producer".into(),
        topic: 0,
        records,
        rate_milli_per_s: (rate * 1000.0).round() as u64,
        perf_test_pacing: g.text("producer.pacing") == "perf-test",
        pace_jitter_ns: g.us_ns("producer.pace_jitter_us"),
        start_ns: g.ms("producer.start_ms"),
        value_bytes: (value_min, value_max),
        keys,
        partitioner: g.text("producer.partitioner"),
        adaptive: g.flag("producer.partitioner.adaptive.partitioning.enable"),
        sticky_linger_ns: g.ms("producer.sticky.partitioning.linger.ms"),
        batch_size,
        batch_num_messages: g.u("producer.batch.num.messages").min(u32::MAX as u64) as u32,
        linger_ns,
        buffer_memory: g.u("producer.buffer.memory"),
        max_queued_records: g.u("producer.queue.buffering.max.messages"),
        max_in_flight,
        max_request_size,
        acks,
        idempotence,
        retries,
        retry_backoff_ns: g.ms("producer.retry.backoff.ms"),
        retry_backoff_max_ns: g.ms("producer.retry.backoff.max.ms"),
        delivery_timeout_ns,
        request_timeout_ns,
        codec,
        send_cpu_ns: g.us_ns("producer.send_cpu_us_per_record"),
        request_cpu_ns: g.us_ns("producer.request_cpu_us"),
        ps_per_byte: g.ps("producer.cpu_ns_per_byte"),
        gc_young_every_bytes: g.u("producer.gc.young_every_mb") << 20,
        gc_pause_ns: g.us_ns("producer.gc.pause_ms") * 1000,
    })
}

/// The consumers of configuration `c` (the `[consumer]` table, or it with a `[[groups]]`
/// entry's keys set).
fn consumer_cfg(c: &Config) -> Result<ConsumerCfg, ScenarioError> {
    let g = Get(c);
    let assignors = g
        .text("consumer.partition.assignment.strategy")
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            AssignorKind::from_name(s).map_err(|accepted| ScenarioError::Invalid {
                key: "consumer.partition.assignment.strategy".into(),
                value: s.into(),
                accepted,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if assignors.is_empty() {
        return Err(ScenarioError::Invalid {
            key: "consumer.partition.assignment.strategy".into(),
            value: "\"\"".into(),
            accepted: "a comma-separated list of assignor names".into(),
        });
    }
    let hb = g.ms("consumer.heartbeat.interval.ms");
    let session = g.ms("consumer.session.timeout.ms");
    if hb >= session {
        return Err(conflict(format!(
            "consumer.heartbeat.interval.ms = {} must be below consumer.session.timeout.ms = {} (Kafka recommends at most a third)",
            g.u("consumer.heartbeat.interval.ms"),
            g.u("consumer.session.timeout.ms")
        )));
    }
    let instance = g.text("consumer.group.instance.id");
    let kip848 = g.text("consumer.group.protocol") == "consumer";
    if kip848 && g.text("consumer.mode") != "group" {
        return Err(conflict("consumer.group.protocol = \"consumer\" needs consumer.mode = \"group\" (standalone consumers have no group)".into()));
    }
    let start_after_produce = g.flag("consumer.start_after_produce");
    Ok(ConsumerCfg {
        count: g.u("consumer.count") as u32,
        group: g.text("consumer.mode") == "group",
        start_ns: g.ms("consumer.start_ms"),
        start_after_produce,
        fair_share_gate: g.flag("consumer.fair_share_gate"),
        cold_cache: g.text("consumer.cache") == "cold",
        group_id: g.text("consumer.group.id"),
        fetch_min_bytes: g.u("consumer.fetch.min.bytes"),
        fetch_max_wait_ns: g.ms("consumer.fetch.max.wait.ms"),
        fetch_max_bytes: g.u("consumer.fetch.max.bytes"),
        max_partition_fetch_bytes: g.u("consumer.max.partition.fetch.bytes"),
        max_poll_records: g.u("consumer.max.poll.records").min(u32::MAX as u64) as u32,
        prefetch_records: g.u("consumer.queued.min.messages"),
        prefetch_bytes: g
            .u("consumer.queued.max.messages.kbytes")
            .saturating_mul(1024),
        queue_backoff_ns: g.ms("consumer.fetch.queue.backoff.ms"),
        reset_earliest: g.text("consumer.auto.offset.reset") == "earliest",
        auto_commit: g.flag("consumer.enable.auto.commit"),
        auto_commit_interval_ns: g.ms("consumer.auto.commit.interval.ms"),
        heartbeat_interval_ns: hb,
        session_timeout_ns: session,
        rebalance_timeout_ns: g.ms("consumer.max.poll.interval.ms"),
        assignors,
        poll_cpu_ns: g.us_ns("consumer.poll_cpu_us_per_record"),
        process_ns: g.us_ns("consumer.process_us_per_record"),
        ps_per_byte: g.ps("consumer.cpu_ns_per_byte"),
        fetch_cpu_ns: g.us_ns("consumer.fetch_cpu_us_per_record"),
        request_cpu_ns: g.us_ns("consumer.request_cpu_us"),
        instance_id: (!instance.is_empty()).then_some(instance),
        kip848,
        remote_assignor: AssignorKind::from_remote_name(&g.text("consumer.group.remote.assignor"))
            .expect("enum checked"),
        commit_sync: g.text("consumer.commit_mode") == "sync",
        commit_every_records: g.u("consumer.commit_every_records"),
        at_most_once: g.text("consumer.delivery_semantics") == "at-most-once",
        request_timeout_ns: g.ms("consumer.request.timeout.ms"),
        retry_backoff_ns: g.ms("consumer.retry.backoff.ms"),
    })
}

/// The most partitions a scenario's topics may have together.
pub const MAX_PARTITIONS: u32 = 100_000;

/// `c` with entry `e`'s keys set.
fn with_entry(c: &Config, e: &Entry) -> Config {
    let mut ec = c.clone();
    for (k, v) in &e.set {
        ec.set(k, v.clone());
    }
    ec
}

/// An entry's conflict, prefixed with the entry (`[[producers]] entry 2 ("fast"): …`).
fn in_entry(kind: EntryKind, i: usize, name: &str, e: ScenarioError) -> ScenarioError {
    match e {
        ScenarioError::Conflict(m) => {
            conflict(format!("[[{}]] entry {i} (\"{name}\"): {m}", kind.list()))
        }
        other => other,
    }
}

/// One topic of configuration `c`, numbered from partition `first`.
fn topic_cfg(c: &Config, brokers: u32, first: u32) -> Result<TopicCfg, ScenarioError> {
    let g = Get(c);
    let factor = g.u("topic.replication.factor") as u32;
    let min_insync = g.u("topic.min.insync.replicas") as u32;
    if factor > brokers {
        return Err(conflict(format!(
            "topic.replication.factor = {factor} is above cluster.brokers = {brokers}: Kafka refuses to create the topic (InvalidReplicationFactorException: the target replication factor of {factor} cannot be reached because only {brokers} broker(s) are registered); lower topic.replication.factor to at most {brokers} or add brokers"
        )));
    }
    if min_insync > factor {
        return Err(conflict(format!(
            "topic.min.insync.replicas = {min_insync} is above topic.replication.factor = {factor}: every acks=all request would fail with NOT_ENOUGH_REPLICAS; set it to at most {factor}"
        )));
    }
    let policy = g.text("topic.cleanup.policy");
    // A compact-only topic deletes nothing by retention (Kafka: cleanup.policy without delete).
    let delete = policy.contains("delete");
    Ok(TopicCfg {
        name: g.text("topic.name"),
        partitions: g.u("topic.partitions") as u32,
        first,
        factor,
        min_insync,
        retention: crate::kafka::log::Retention {
            time_ns: (delete && g.int("topic.retention.ms") >= 0)
                .then(|| g.ms("topic.retention.ms")),
            bytes: (delete && g.int("topic.retention.bytes") >= 0)
                .then(|| g.u("topic.retention.bytes")),
        },
        roll_ns: g.ms("topic.segment.ms"),
        compression: {
            let key = match c.is_set("topic.compression.type") {
                true => "topic.compression.type",
                false => "broker.compression.type",
            };
            match g.text(key).as_str() {
                "producer" => None,
                name => Some(Codec::by_name(name, g.float("producer.compression.ratio"))),
            }
        },
        log_append_time: g.text("topic.message.timestamp.type") == "LogAppendTime",
        segment_bytes: match g.int("topic.segment.bytes") {
            b if b > 0 => b as u64,
            _ => g.u("broker.log.segment.bytes"),
        },
        compact: policy.contains("compact"),
        min_dirty_permille: (g.float("topic.min.cleanable.dirty.ratio") * 1000.0).round() as u64,
        delete_retention_ns: g.ms("topic.delete.retention.ms"),
        min_compaction_lag_ns: g.ms("topic.min.compaction.lag.ms"),
    })
}

/// The `[[topics]]` entries, or the `[topic]` table alone.
fn resolve_topics(c: &Config, brokers: u32) -> Result<Vec<TopicCfg>, ScenarioError> {
    let entries: Vec<&Entry> = c
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Topic)
        .collect();
    if entries.is_empty() {
        return Ok(vec![topic_cfg(c, brokers, 0)?]);
    }
    let mut out: Vec<TopicCfg> = vec![];
    let mut first = 0u32;
    for (i, e) in entries.iter().enumerate() {
        let name = e
            .get("topic.name")
            .map(|v| v.to_string())
            .unwrap_or_default();
        if out.iter().any(|t| t.name == name) {
            return Err(ScenarioError::Invalid {
                key: format!("topics[{i}].name"),
                value: format!("\"{name}\""),
                accepted: "a name no other [[topics]] entry has (Kafka: TopicExistsException)"
                    .into(),
            });
        }
        let t = topic_cfg(&with_entry(c, e), brokers, first)
            .map_err(|err| in_entry(EntryKind::Topic, i, &name, err))?;
        first = first.saturating_add(t.partitions);
        if first > MAX_PARTITIONS {
            return Err(conflict(format!("the [[topics]] have more than {MAX_PARTITIONS} partitions together; at most {MAX_PARTITIONS} are accepted")));
        }
        out.push(t);
    }
    Ok(out)
}

/// Topic `name`'s index, or an error naming `key` and the topics there are.
fn topic_index(topics: &[TopicCfg], key: String, name: &str) -> Result<usize, ScenarioError> {
    topics.iter().position(|t| t.name == name).ok_or_else(|| {
        let names: Vec<String> = topics.iter().map(|t| format!("\"{}\"", t.name)).collect();
        ScenarioError::Invalid {
            key,
            value: format!("\"{name}\""),
            accepted: format!(
                "a topic of the scenario ({}); Kafka: UNKNOWN_TOPIC_OR_PARTITION",
                names.join(", ")
            ),
        }
    })
}

/// The topics whose whole name matches `pattern` (Java's `Pattern.matcher(topic).matches()`,
/// as `KafkaConsumer.subscribe(Pattern)` matches them), for `[[groups]]` entry `i`.
fn matching(topics: &[TopicCfg], pattern: &str, i: usize) -> Result<Vec<usize>, ScenarioError> {
    let key = format!("groups[{i}].topics_pattern");
    let re =
        regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| ScenarioError::Invalid {
            key: key.clone(),
            value: format!("\"{pattern}\""),
            accepted: format!(
                "a regular expression ({})",
                e.to_string().lines().last().unwrap_or("invalid")
            ),
        })?;
    let found: Vec<usize> = (0..topics.len())
        .filter(|&t| re.is_match(&topics[t].name))
        .collect();
    if found.is_empty() {
        let names: Vec<String> = topics.iter().map(|t| format!("\"{}\"", t.name)).collect();
        return Err(ScenarioError::Invalid {
            key,
            value: format!("\"{pattern}\""),
            accepted: format!(
                "a pattern matching some topic of the scenario ({}): this group would read nothing",
                names.join(", ")
            ),
        });
    }
    Ok(found)
}

/// Client hosts of `count` processes: `key`'s list, or round-robin from `*next`.
fn hosts_of(
    c: &Config,
    key: &str,
    count: u32,
    hosts: u32,
    next: &mut u32,
) -> Result<Vec<u32>, ScenarioError> {
    let text = c.get(key).to_string();
    if text.trim().is_empty() {
        return Ok((0..count)
            .map(|_| {
                *next += 1;
                (*next - 1) % hosts
            })
            .collect());
    }
    let list: Vec<&str> = text.split(',').map(str::trim).collect();
    if list.len() != count as usize {
        return Err(conflict(format!("{key} = \"{text}\" names {} host(s) for {count} process(es): give one client host index per process, or \"\" for round-robin", list.len())));
    }
    list.iter()
        .map(|s| match s.parse::<u32>() {
            Ok(h) if h < hosts => Ok(h),
            _ => Err(conflict(format!("{key} = \"{text}\": `{s}` is not a client host; accepted are 0 to {} (cluster.client_hosts = {hosts})", hosts - 1))),
        })
        .collect()
}

/// A compacted topic takes keyed records only.
fn keyed_for_compaction(
    pc: &ProducerCfg,
    topic: &TopicCfg,
    key: &str,
) -> Result<(), ScenarioError> {
    if topic.compact && pc.keys == KeyMode::None {
        return Err(ScenarioError::Invalid {
            key: key.into(),
            value: "\"none\"".into(),
            accepted: format!("keyed records for the compacted topic \"{}\" (Kafka rejects records without a key: InvalidRecordException: Compacted topic cannot accept message without key); use fixed, random, uniform or zipf", topic.name),
        });
    }
    Ok(())
}

/// Every producer (one per instance) and its client host: the `[[producers]]` entries, or
/// `producer.count` producers of the `[producer]` table writing to the only topic.
fn resolve_producers(
    c: &Config,
    client: ClientKind,
    topics: &[TopicCfg],
    base: &ProducerCfg,
    hosts: u32,
) -> Result<(Vec<ProducerCfg>, Vec<u32>), ScenarioError> {
    let entries: Vec<&Entry> = c
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Producer)
        .collect();
    let mut next = 0;
    if entries.is_empty() {
        if topics.len() > 1 && base.count > 0 {
            return Err(ScenarioError::Invalid {
                key: "producers".into(),
                value: "(none)".into(),
                accepted: format!("[[producers]] entries naming the topic each writes to (topic = \"{}\"): the scenario has {} topics", topics[0].name, topics.len()),
            });
        }
        let placed = hosts_of(c, "producer.hosts", base.count, hosts, &mut next)?;
        if base.count > 0 {
            keyed_for_compaction(base, &topics[0], "producer.keys")?;
        }
        return Ok((vec![base.clone(); base.count as usize], placed));
    }
    let (mut out, mut placed): (Vec<ProducerCfg>, Vec<u32>) = (vec![], vec![]);
    let mut names: Vec<String> = vec![];
    for (i, e) in entries.iter().enumerate() {
        let name = if e.name.is_empty() {
            format!("producer-{i}")
        } else {
            e.name.clone()
        };
        if names.contains(&name) {
            return Err(ScenarioError::Invalid {
                key: format!("producers[{i}].name"),
                value: format!("\"{name}\""),
                accepted: "a name no other [[producers]] entry has".into(),
            });
        }
        let topic = match e.topics.first() {
            Some(t) => topic_index(topics, format!("producers[{i}].topic"), t)?,
            None if topics.len() == 1 => 0,
            None => {
                return Err(ScenarioError::Invalid {
                    key: format!("producers[{i}].topic"),
                    value: "(missing)".into(),
                    accepted: format!(
                        "the topic this producer writes to: the scenario has {} topics",
                        topics.len()
                    ),
                })
            }
        };
        let ec = with_entry(c, e);
        let mut pc = producer_cfg(&ec, client)
            .map_err(|err| in_entry(EntryKind::Producer, i, &name, err))?;
        pc.name = name.clone();
        pc.topic = topic;
        keyed_for_compaction(&pc, &topics[topic], &format!("producers[{i}].keys"))?;
        placed.extend(
            hosts_of(&ec, "producer.hosts", pc.count, hosts, &mut next)
                .map_err(|err| in_entry(EntryKind::Producer, i, &name, err))?,
        );
        out.extend(std::iter::repeat_n(pc.clone(), pc.count as usize));
        names.push(name);
    }
    Ok((out, placed))
}

/// The consumer groups and each consumer's client host: the `[[groups]]` entries, or the
/// `[consumer]` table's group subscribed to every topic.
fn resolve_groups(
    c: &Config,
    topics: &[TopicCfg],
    base: &ConsumerCfg,
    hosts: u32,
) -> Result<(Vec<GroupCfg>, Vec<u32>), ScenarioError> {
    let entries: Vec<&Entry> = c
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Group)
        .collect();
    let every: Vec<usize> = (0..topics.len()).collect();
    let mut next = 0;
    if entries.is_empty() {
        let placed = hosts_of(c, "consumer.hosts", base.count, hosts, &mut next)?;
        let group = GroupCfg {
            consumer: base.clone(),
            topics: every,
            first: 0,
        };
        check_gate(&group, topics, "consumer.fair_share_gate")?;
        return Ok((vec![group], placed));
    }
    let (mut out, mut placed): (Vec<GroupCfg>, Vec<u32>) = (vec![], vec![]);
    let mut first = 0u32;
    for (i, e) in entries.iter().enumerate() {
        let ec = with_entry(c, e);
        let name = ec.get("consumer.group.id").to_string();
        if out.iter().any(|g| g.consumer.group_id == name) {
            return Err(ScenarioError::Invalid {
                key: format!("groups[{i}].group.id"),
                value: format!("\"{name}\""),
                accepted: "a group.id no other [[groups]] entry has".into(),
            });
        }
        let subscribed = if let Some(p) = &e.pattern {
            matching(topics, p, i)?
        } else if e.topics.is_empty() {
            every.clone()
        } else {
            let mut ts = e
                .topics
                .iter()
                .map(|t| topic_index(topics, format!("groups[{i}].topics"), t))
                .collect::<Result<Vec<_>, _>>()?;
            ts.sort_unstable();
            ts.dedup();
            ts
        };
        let cc = consumer_cfg(&ec).map_err(|err| in_entry(EntryKind::Group, i, &name, err))?;
        placed.extend(
            hosts_of(&ec, "consumer.hosts", cc.count, hosts, &mut next)
                .map_err(|err| in_entry(EntryKind::Group, i, &name, err))?,
        );
        let count = cc.count;
        let group = GroupCfg {
            consumer: cc,
            topics: subscribed,
            first,
        };
        check_gate(&group, topics, &format!("groups[{i}].fair_share_gate"))?;
        out.push(group);
        first += count;
    }
    Ok((out, placed))
}

/// A fair-share gate needs a share: the group's partitions divided evenly by its consumers.
fn check_gate(g: &GroupCfg, topics: &[TopicCfg], key: &str) -> Result<(), ScenarioError> {
    let partitions: u32 = g.topics.iter().map(|&t| topics[t].partitions).sum();
    let n = g.consumer.count;
    if g.consumer.fair_share_gate && (n == 0 || partitions % n != 0) {
        return Err(ScenarioError::Invalid {
            key: key.into(),
            value: "true".into(),
            accepted: format!(
                "false, or a consumer count that divides the group's {partitions} partitions (it has {n} consumers)"
            ),
        });
    }
    Ok(())
}

impl SimConfig {
    /// The topic of kafkasim partition `p`.
    pub fn topic_of(&self, p: u32) -> &TopicCfg {
        let i = self.topics.partition_point(|t| t.first <= p);
        &self.topics[i.saturating_sub(1)]
    }

    /// Partition `p` as Kafka names it: (topic, partition within the topic).
    pub fn topic_partition(&self, p: u32) -> (&str, u32) {
        let t = self.topic_of(p);
        (&t.name, p - t.first)
    }

    /// The partitions group `g` subscribes to, in order.
    pub fn subscribed(&self, g: usize) -> impl Iterator<Item = u32> + '_ {
        self.groups[g]
            .topics
            .iter()
            .flat_map(|&t| self.topics[t].range())
    }

    /// Whether group `g` reads partition `p`.
    pub fn reads(&self, g: usize, p: u32) -> bool {
        let t = self.topic_of(p);
        self.groups[g]
            .topics
            .iter()
            .any(|&i| self.topics[i].first == t.first)
    }

    /// Consumers of every group together.
    pub fn consumer_count(&self) -> u32 {
        self.placement.consumers.len() as u32
    }

    /// The configuration of consumer `c`'s group.
    pub fn group_of(&self, c: usize) -> &ConsumerCfg {
        let g = self.groups.partition_point(|g| g.first as usize <= c);
        &self.groups[g.saturating_sub(1)].consumer
    }

    /// Records the producers send in all.
    pub fn records_total(&self) -> u64 {
        self.producers.iter().map(|p| p.records).sum()
    }

    /// Type and cross-check a configuration.
    pub fn from_config(c: &Config) -> Result<Self, ScenarioError> {
        let g = Get(c);
        let client = match g.text("client").as_str() {
            "java" => ClientKind::Java,
            _ => ClientKind::Librdkafka, // confluent-kafka-python runs librdkafka
        };
        let page_cache_bytes = g.u("host.page_cache_mb") << 20;
        let brokers = g.u("cluster.brokers") as u32;
        let mut replication = ReplicationCfg {
            factor: g.u("topic.replication.factor") as u32,
            min_insync: g.u("topic.min.insync.replicas") as u32,
            unclean: g.flag("topic.unclean.leader.election.enable"),
            lag_time_max_ns: g.ms("broker.replica.lag.time.max.ms"),
            fetch_wait_max_ns: g.ms("broker.replica.fetch.wait.max.ms"),
            fetch_min_bytes: g.u("broker.replica.fetch.min.bytes"),
            fetch_max_bytes: g.u("broker.replica.fetch.max.bytes"),
            fetch_response_max_bytes: g.u("broker.replica.fetch.response.max.bytes"),
            fetch_backoff_ns: g.ms("broker.replica.fetch.backoff.ms"),
            fetchers: g.u("broker.num.replica.fetchers") as u32,
            socket_timeout_ns: g.ms("broker.replica.socket.timeout.ms"),
            session_timeout_ns: g.ms("broker.session.timeout.ms"),
            heartbeat_interval_ns: g.ms("broker.heartbeat.interval.ms"),
        };
        let topics = resolve_topics(c, brokers)?;
        replication.factor = topics.iter().map(|t| t.factor).max().unwrap_or(1);
        replication.min_insync = topics.iter().map(|t| t.min_insync).min().unwrap_or(1);
        let producer = producer_cfg(c, client)?;
        let consumer = consumer_cfg(c)?;
        let hosts = g.u("cluster.client_hosts") as u32;
        if hosts > 1 && g.text("cluster.layout") == "single-host" {
            return Err(conflict(format!("cluster.client_hosts = {hosts} needs cluster.layout = \"dedicated\": with \"single-host\" brokers and clients share one machine")));
        }
        let (producers, producer_hosts) = resolve_producers(c, client, &topics, &producer, hosts)?;
        let (groups, consumer_hosts) = resolve_groups(c, &topics, &consumer, hosts)?;
        let placement = Placement {
            client_hosts: hosts,
            producers: producer_hosts,
            consumers: consumer_hosts,
        };
        let group_ids: Vec<(String, std::ops::Range<u32>)> = groups
            .iter()
            .map(|g| {
                (
                    g.consumer.group_id.clone(),
                    g.first..g.first + g.consumer.count,
                )
            })
            .collect();
        let mut producer_names: Vec<(String, std::ops::Range<u32>)> = vec![];
        for (i, p) in producers.iter().enumerate() {
            match producer_names.last_mut() {
                Some((name, r)) if *name == p.name => r.end = i as u32 + 1,
                _ => producer_names.push((p.name.clone(), i as u32..i as u32 + 1)),
            }
        }
        let events = events::resolve(
            &c.events,
            Counts {
                groups: &group_ids,
                producer_names: &producer_names,
                consumers: placement.consumers.len() as u32,
                producers: producers.len() as u32,
                brokers,
                consumers_start_ms: (!consumer.start_after_produce)
                    .then(|| g.u("consumer.start_ms")),
            },
        )?;
        if g.text("cluster.layout") == "single-host"
            && events
                .iter()
                .any(|e| matches!(e.action, events::Action::NetworkCut { .. }))
        {
            return Err(conflict("a network.cut event needs cluster.layout = \"dedicated\": with \"single-host\" brokers and clients share one machine and talk over loopback".into()));
        }
        if g.flag("cluster.shared_cpu")
            && (quota_milli(&g, "host.broker_cpu_quota_cores") > 0
                || quota_milli(&g, "host.client_cpu_quota_cores") > 0)
        {
            return Err(conflict("cluster.shared_cpu = true cannot take host.broker_cpu_quota_cores or host.client_cpu_quota_cores: a quota within a shared machine is not modelled".into()));
        }
        let background_milli = background_milli(&g, brokers)?;
        let describe_at_ns = parse_ms_list(&g.text("run.describe_at_ms"), "run.describe_at_ms")?;
        Ok(SimConfig {
            name: g.text("name"),
            seed: g.u("seed"),
            seeds: g.u("seeds") as u32,
            client,
            budget: RunBudget {
                max_events: g.u("run.max_events"),
                max_sim_time_ns: (g.float("run.max_sim_time_s") * SEC as f64) as Nanos,
                max_wall_ms: (g.float("run.max_wall_s") * 1e3) as u64,
                max_memory_bytes: g.u("run.max_memory_mb") << 20,
                max_output_bytes: (g.u("run.max_memory_mb") << 20) / 2,
            },
            series_interval_ns: g.ms("run.series_interval_ms"),
            brokers,
            single_host: g.text("cluster.layout") == "single-host",
            shared_cpu: g.flag("cluster.shared_cpu") && g.text("cluster.layout") == "dedicated",
            placement,
            host: HostCfg {
                cores: g.u("host.cores") as u32,
                broker_cpu_quota_milli: quota_milli(&g, "host.broker_cpu_quota_cores"),
                client_cpu_quota_milli: quota_milli(&g, "host.client_cpu_quota_cores"),
                broker_background_milli: background_milli,
                page_cache_bytes,
                page_bytes: g.u("host.page_bytes"),
                disk: disk_profile(&g),
                log_dirs: g.u("broker.log.dirs") as u32,
                dirty: dirty_limits(&g, page_cache_bytes)?,
                writeback_interval_ns: g.ms("host.writeback_interval_ms"),
            },
            net: NetCfg {
                loopback_bytes_per_s: g.gbps("network.loopback_gbps"),
                loopback_latency_ns: g.us_ns("network.loopback_latency_us"),
                broker_nic_bytes_per_s: nic_or_default(&g, "network.broker_nic_gbps"),
                client_nic_bytes_per_s: nic_or_default(&g, "network.client_nic_gbps"),
                latency_ns: g.us_ns("network.latency_us"),
                mss_bytes: g.u("network.mss_bytes"),
                frame_overhead_bytes: g.u("network.frame_overhead_bytes"),
                inter_broker_latency_ns: match g.us_ns("network.inter_broker_latency_us") {
                    0 => g.us_ns("network.latency_us"),
                    x => x,
                },
            },
            broker: BrokerCfg {
                network_threads: g.u("broker.num.network.threads") as u32,
                io_threads: g.u("broker.num.io.threads") as u32,
                initial_rebalance_delay_ns: g.ms("broker.group.initial.rebalance.delay.ms"),
                gc_young_every_bytes: g.u("broker.gc.young_every_mb") << 20,
                gc_request_bytes: g.u("broker.gc.request_kb") << 10,
                gc_fetch_bytes: g.u("broker.gc.fetch_kb") << 10,
                gc_follower_fetch_bytes: g.u("broker.gc.follower_fetch_kb") << 10,
                gc_delayed_produce_bytes: g.u("broker.gc.delayed_produce_kb") << 10,
                gc_pause_ns: g.us_ns("broker.gc.pause_ms") * 1000,
                metadata_noop_interval_ns: g.ms("broker.metadata.max.idle.interval.ms"),
                metadata_noop_cpu_ns: g.us_ns("broker.metadata_noop_cpu_us"),
                metadata_noop_threads: g.u("broker.metadata_noop_threads") as u32,
                metadata_noop_cpu_spread: g.text("broker.metadata_noop_cpu_spread")
                    == "exponential",
                flush_interval_messages: g.u("broker.log.flush.interval.messages"),
                retention_check_ns: g.ms("broker.log.retention.check.interval.ms"),
                initial_task_delay_ns: g.ms("broker.log.initial.task.delay.ms"),
                index_interval_bytes: g.u("broker.log.index.interval.bytes"),
                flush_interval_ns: g.ms("broker.log.flush.interval.ms"),
                flush_scheduler_ns: g.ms("broker.log.flush.scheduler.interval.ms"),
                request_cpu_ns: g.us_ns("broker.request_cpu_us"),
                wake: crate::hardware::WakeCost {
                    limit_ns: g.us_ns("broker.wake_cpu_us"),
                    half_ns: g.us_ns("broker.wake_half_ms") * 1000,
                },
                wake_stall: crate::hardware::WakeStall {
                    per_million: g.u("broker.wake_stall_ppm") as u32,
                    max_ns: g.us_ns("broker.wake_stall_ms") * 1000,
                    after_ns: g.us_ns("broker.wake_stall_after_ms") * 1000,
                },
                produce_batch_cpu_ns: g.us_ns("broker.produce_cpu_us_per_batch"),
                produce_ps_per_byte: g.ps("broker.produce_cpu_ns_per_byte"),
                fetch_partition_cpu_ns: g.us_ns("broker.fetch_cpu_us_per_partition"),
                fetch_ps_per_byte: g.ps("broker.fetch_cpu_ns_per_byte"),
                cleaner_threads: g.u("broker.log.cleaner.threads") as u32,
                cleaner_backoff_ns: g.ms("broker.log.cleaner.backoff.ms"),
                dedupe_buffer_bytes: g.u("broker.log.cleaner.dedupe.buffer.size"),
                cleaner_ps_per_byte: g.ps("broker.cleaner_cpu_ns_per_byte"),
            },
            topic: topics[0].name.clone(),
            partitions: topics.iter().map(|t| t.partitions).sum(),
            topics,
            replication,
            producer,
            producers,
            consumer,
            groups,
            kip848_heartbeat_ns: g.ms("broker.group.consumer.heartbeat.interval.ms"),
            kip848_session_ns: g.ms("broker.group.consumer.session.timeout.ms"),
            events,
            describe_at_ns,
            expect: ExpectCfg {
                no_loss: yes_no(&g.text("expect.no_loss")),
                no_duplicates: yes_no(&g.text("expect.no_duplicates")),
                key_order: yes_no(&g.text("expect.key_order")),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn resolve(text: &str) -> Result<SimConfig, ScenarioError> {
        let sc = Scenario::parse(text, "t").unwrap();
        SimConfig::from_config(&sc.base)
    }

    #[test]
    fn java_turns_idempotence_off_silently_only_when_it_was_not_asked_for() {
        let c = resolve("[producer]\nacks = \"1\"\n").unwrap();
        assert!(
            !c.producer.idempotence,
            "Java ≥ 3.2: a conflicting acks disables the default"
        );
        assert!(resolve("").unwrap().producer.idempotence, "Java default");
        assert!(
            !resolve("client = \"librdkafka\"")
                .unwrap()
                .producer
                .idempotence
        );
        assert!(resolve("[producer]\nacks = \"1\"\n\"enable.idempotence\" = true\n").is_err());
        let rdk = resolve("client = \"librdkafka\"\n[producer]\n\"enable.idempotence\" = true\n")
            .unwrap();
        assert_eq!(
            (rdk.producer.idempotence, rdk.producer.max_in_flight),
            (true, 5),
            "librdkafka lowers an unset max.in.flight to 5"
        );
    }
}
