//! What a run observes, collected as it goes: per producer, per consumer, per partition, and
//! time series. Latencies go into HDR histograms (microseconds, 3 significant digits).

use crate::engine::time::mul_div;
use crate::engine::Nanos;
use hdrhistogram::Histogram;

/// The largest latency a histogram keeps, µs (an hour); longer ones count as an hour.
pub const LATENCY_MAX_US: u64 = 3_600_000_000;

/// A latency histogram in µs, 3 significant digits. It starts small and grows to the largest
/// value recorded (`auto`): its buckets, and so its quantiles, are those of a histogram sized for
/// [`LATENCY_MAX_US`] from the start (they depend only on the lowest value and the digits),
/// without zeroing a quarter of a megabyte per histogram for every run.
pub fn latency_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 2, 3).expect("valid bounds");
    h.auto(true);
    h
}

/// One producer's counters.
#[derive(Clone, Debug)]
pub struct ProducerStats {
    /// Records acknowledged (or sent, with acks=0).
    pub records: u64,
    /// Value and key bytes acknowledged.
    pub payload_bytes: u64,
    /// Bytes sent on the wire in batches.
    pub wire_bytes: u64,
    /// When it started.
    pub start_ns: Nanos,
    /// Last acknowledgement.
    pub last_ack_ns: Nanos,
    /// ProduceRequests sent.
    pub requests: u64,
    /// Batches sent.
    pub batches: u64,
    /// Time from record creation to acknowledgement, per record.
    pub latency_us: Histogram<u64>,
    /// Time the application was blocked on buffer.memory.
    pub blocked_ns: Nanos,
    /// Batch errors received (each retried or given up).
    pub errors: u64,
    /// Batches sent again.
    pub retries: u64,
    /// Records given up (retries or delivery.timeout.ms exhausted).
    pub failed_records: u64,
    /// The last error that caused a retry (Kafka's name).
    pub last_error: Option<&'static str>,
}

/// One consumer's counters.
#[derive(Clone, Debug, Default)]
pub struct ConsumerStats {
    /// When it started.
    pub start_ns: Nanos,
    /// When it received its first assignment (group) or started fetching (standalone).
    pub assigned_ns: Option<Nanos>,
    /// Partitions of its latest assignment.
    pub partitions: Vec<u32>,
    /// Records processed.
    pub records: u64,
    /// Bytes processed (on the wire).
    pub bytes: u64,
    /// First record processed.
    pub first_record_ns: Option<Nanos>,
    /// Last record processed.
    pub last_record_ns: Option<Nanos>,
    /// Fetch requests sent.
    pub fetches: u64,
    /// Polls that returned records.
    pub polls: u64,
    /// OffsetCommit requests sent.
    pub commits: u64,
    /// Commits refused (the member had left the generation).
    pub failed_commits: u64,
}

/// A consumer received a new set of partitions (for rebalance timelines).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssignmentSample {
    /// When.
    pub time_ns: Nanos,
    /// Consumer.
    pub consumer: u32,
    /// Its partitions from then on (until the next sample of the same consumer).
    pub partitions: Vec<u32>,
}

/// One row of the time series: the state of one partition at the end of a bucket.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartitionSample {
    /// Bucket end, ns.
    pub time_ns: Nanos,
    /// Partition.
    pub partition: u32,
    /// Log-end offset (records produced so far).
    pub produced: u64,
    /// Records consumed so far by the group (or by the standalone consumers).
    pub consumed: u64,
    /// produced − consumed.
    pub lag: u64,
    /// The leader's log start offset (records below it were deleted by retention).
    pub log_start: u64,
    /// Bytes the leader's replica holds in its segments.
    pub log_bytes: u64,
}

/// What retention did over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StorageStats {
    /// Segments deleted, over every replica.
    pub segments_deleted: u64,
    /// Bytes of those segments.
    pub bytes_deleted: u64,
    /// Records deleted from the leaders' logs (the log start offsets' advance).
    pub records_deleted: u64,
    /// Fetches answered OFFSET_OUT_OF_RANGE whose partition a consumer reset by
    /// auto.offset.reset.
    pub out_of_range_resets: u64,
    /// Followers that fell below their leader's log start and started over there.
    pub follower_restarts: u64,
}

/// Bytes a broker's logs hold at one time (disk usage; scenarios whose logs shrink or that
/// have several topics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BrokerDiskSample {
    /// When, ns.
    pub time_ns: Nanos,
    /// Broker.
    pub broker: u32,
    /// Bytes of the segments of every replica it holds.
    pub log_bytes: u64,
}

/// What the log cleaners did (compacted topics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CleanerStats {
    /// Cleanings, over every replica.
    pub cleanings: u64,
    /// Bytes they read (dirty segments for the offset map, then every segment recopied).
    pub bytes_read: u64,
    /// Bytes they wrote (the records kept).
    pub bytes_written: u64,
    /// Their CPU, ns.
    pub cpu_ns: u64,
    /// Records removed from the leaders' logs (older values of a key, expired tombstones).
    pub records_removed: u64,
    /// Tombstones removed from the leaders' logs once their delete horizon passed.
    pub tombstones_removed: u64,
}

/// One row of the per-consumer time series.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConsumerSample {
    /// Bucket end, ns.
    pub time_ns: Nanos,
    /// Consumer.
    pub consumer: u32,
    /// Records processed so far.
    pub records: u64,
}

/// A consumer group's progress at one time (scenarios with several groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupSample {
    /// When, ns.
    pub time_ns: Nanos,
    /// Group index.
    pub group: u32,
    /// Offsets its consumers have read, over its partitions.
    pub read: u64,
    /// Records of its partitions it has not read (log end − read).
    pub lag: u64,
}

/// Everything observed in one run.
#[derive(Clone, Debug)]
pub struct Metrics {
    /// Hardware counters of every host at every sample.
    pub host_series: Vec<crate::hardware::HostSample>,
    /// Per producer.
    pub producers: Vec<ProducerStats>,
    /// Per consumer.
    pub consumers: Vec<ConsumerStats>,
    /// Records appended per partition.
    pub partition_records: Vec<u64>,
    /// End-to-end latency (record creation → processed by a consumer), µs.
    pub e2e_latency_us: Histogram<u64>,
    /// Per-partition time series.
    pub partition_series: Vec<PartitionSample>,
    /// Per-consumer time series.
    pub consumer_series: Vec<ConsumerSample>,
    /// Per-group time series (several groups only).
    pub group_series: Vec<GroupSample>,
    /// Per-broker disk usage over time (see [`BrokerDiskSample`]).
    pub disk_series: Vec<BrokerDiskSample>,
    /// The log cleaners' work (None when no log was cleaned).
    pub cleaner: Option<CleanerStats>,
    /// When the consumers were started.
    pub consumers_started_ns: Option<Nanos>,
    /// When every producer had all its records acknowledged.
    pub produce_done_ns: Option<Nanos>,
    /// ISR shrinks and expands.
    pub isr_changes: u64,
    /// Leader elections after the initial ones.
    pub leader_elections: u64,
    /// Per-partition leader, ISR size, HW and LEO over time (replicated topics and runs with
    /// broker failures).
    pub replica_series: Vec<crate::kafka::replication::describe::ReplicaSample>,
    /// `kafka-topics --describe` views taken at run.describe_at_ms.
    pub topic_describes: Vec<String>,
    /// Per broker: its JVM's young collections and the time they paused it, ns.
    pub broker_gc: Vec<(u64, Nanos)>,
    /// Per host, CPU work of its threads, ns, when hosts share one machine's cores (empty
    /// otherwise: each host's own cores count it).
    pub cpu_done_ns: Vec<u64>,
    /// Produce requests failed by `requests.fail`.
    pub injected_failures: u64,
    /// Every leader change, in time order.
    pub elections: Vec<crate::kafka::controller::Election>,
    /// Every assignment a consumer received, in time order.
    pub assignments: Vec<AssignmentSample>,
    /// The group's lag and duplicate count when each rebalance started and ended.
    pub group_marks: Vec<GroupMark>,
    /// `kafka-consumer-groups --describe` views taken at run.describe_at_ms.
    pub describes: Vec<String>,
    /// The time series keep a sample every this many series intervals (1, doubled by
    /// [`Metrics::thin_series`]).
    pub series_stride: u64,
    /// Retention's deletions and what readers met.
    pub storage: StorageStats,
    /// `group.reset_offsets` events carried out.
    pub offset_resets: u64,
    /// Scenario events refused at their time, and why.
    pub refused_events: Vec<String>,
}

/// Most rows the time series (partition, consumer, host and replica) keep together. Beyond it
/// every other sample instant is dropped and sampling goes on at twice the interval, so a long
/// run of many partitions keeps its memory flat (2^20 rows: about 50 MiB).
pub const MAX_SERIES_ROWS: usize = 1 << 20;

/// The group's state at a rebalance boundary.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct GroupMark {
    /// When.
    pub time_ns: Nanos,
    /// Records appended but not yet consumed, over all partitions.
    pub lag: u64,
    /// Duplicates counted so far.
    pub duplicates: u64,
}

impl Metrics {
    /// Rows in all the time series together.
    pub fn series_rows(&self) -> usize {
        self.partition_series.len()
            + self.consumer_series.len()
            + self.group_series.len()
            + self.disk_series.len()
            + self.host_series.len()
            + self.replica_series.len()
    }

    /// Most rows the time series may keep when a run's outputs may hold `output_bytes`: half of
    /// them, at the largest row's size, and never more than [`MAX_SERIES_ROWS`].
    pub fn series_rows_within(output_bytes: u64) -> usize {
        let row = [
            std::mem::size_of::<PartitionSample>(),
            std::mem::size_of::<ConsumerSample>(),
            std::mem::size_of::<crate::hardware::HostSample>(),
            std::mem::size_of::<crate::kafka::replication::describe::ReplicaSample>(),
        ]
        .into_iter()
        .max()
        .unwrap_or(1) as u64;
        (output_bytes / 2 / row).min(MAX_SERIES_ROWS as u64) as usize
    }

    /// Keep the time series within `max_rows`: while over it, keep only the samples taken at a
    /// multiple of twice the current stride of `interval_ns`, and double the stride.
    pub fn thin_series(&mut self, interval_ns: Nanos, max_rows: usize) {
        let interval = interval_ns.max(1);
        while self.series_rows() > max_rows && self.series_stride < 1 << 40 {
            let every = self.series_stride * 2;
            let keep = |t: Nanos| (t / interval) % every == 0;
            self.partition_series.retain(|s| keep(s.time_ns));
            self.consumer_series.retain(|s| keep(s.time_ns));
            self.group_series.retain(|s| keep(s.time_ns));
            self.disk_series.retain(|s| keep(s.time_ns));
            self.host_series.retain(|s| keep(s.time_ns));
            self.replica_series.retain(|s| keep(s.time_ns));
            self.series_stride = every;
        }
    }
}

impl Metrics {
    /// Empty counters for the given shape.
    pub fn new(producers: usize, consumers: usize, partitions: u32) -> Self {
        Self {
            producers: (0..producers)
                .map(|_| ProducerStats {
                    records: 0,
                    payload_bytes: 0,
                    wire_bytes: 0,
                    start_ns: 0,
                    last_ack_ns: 0,
                    requests: 0,
                    batches: 0,
                    latency_us: latency_histogram(),
                    blocked_ns: 0,
                    errors: 0,
                    retries: 0,
                    failed_records: 0,
                    last_error: None,
                })
                .collect(),
            consumers: vec![ConsumerStats::default(); consumers],
            partition_records: vec![0; partitions as usize],
            e2e_latency_us: latency_histogram(),
            partition_series: vec![],
            host_series: vec![],
            series_stride: 1,
            storage: StorageStats::default(),
            offset_resets: 0,
            refused_events: vec![],
            consumer_series: vec![],
            group_series: vec![],
            disk_series: vec![],
            broker_gc: vec![],
            cpu_done_ns: vec![],
            cleaner: None,
            assignments: vec![],
            group_marks: vec![],
            describes: vec![],
            consumers_started_ns: None,
            produce_done_ns: None,
            isr_changes: 0,
            leader_elections: 0,
            elections: vec![],
            injected_failures: 0,
            replica_series: vec![],
            topic_describes: vec![],
        }
    }
}

/// Record `count` samples of `ns` (as µs, at least 1) in `h`.
pub fn record_ns(h: &mut Histogram<u64>, ns: Nanos, count: u64) {
    let us = (ns / 1000).clamp(1, LATENCY_MAX_US);
    h.record_n(us, count).expect("value within bounds");
}

/// Points a batch's latencies are spread over (cost per batch, not per record).
const SPREAD_POINTS: u64 = 16;

/// Record `count` latencies spread evenly over `[lo_ns, hi_ns]`: the records of one batch,
/// sent one after the other between its first record (waiting `hi_ns`) and its last (`lo_ns`),
/// as a record's latency counts from its own send() call (what kafka-producer-perf-test and
/// librdkafka's `Message.latency()` report). At most [`SPREAD_POINTS`] histogram entries.
pub fn record_spread_ns(h: &mut Histogram<u64>, lo_ns: Nanos, hi_ns: Nanos, count: u64) {
    let k = count.clamp(1, SPREAD_POINTS);
    let span = hi_ns.saturating_sub(lo_ns);
    for i in 0..k {
        let n = count / k + u64::from(i < count % k);
        if n > 0 {
            let at = lo_ns + mul_div(span, 2 * i + 1, 2 * k) as u64;
            record_ns(h, at, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_histograms_give_the_quantiles_of_full_sized_ones() {
        let full = || Histogram::<u64>::new_with_bounds(1, LATENCY_MAX_US, 3).unwrap();
        let (mut grown, mut sized) = (latency_histogram(), full());
        let (mut other_grown, mut other_sized) = (latency_histogram(), full());
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Latencies from 1 µs to past the hour, spread over every magnitude.
            let ns = (x >> (x % 64)).max(1) % (2 * LATENCY_MAX_US * 1000);
            let (h, s) = if i % 3 == 0 {
                (&mut other_grown, &mut other_sized)
            } else {
                (&mut grown, &mut sized)
            };
            record_ns(h, ns, 1 + i % 4);
            record_ns(s, ns, 1 + i % 4);
        }
        grown.add(&other_grown).unwrap();
        sized.add(&other_sized).unwrap();
        assert_eq!((grown.len(), grown.max()), (sized.len(), sized.max()));
        for q in [0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(
                grown.value_at_quantile(q),
                sized.value_at_quantile(q),
                "q {q}"
            );
        }
        assert_eq!(grown.mean(), sized.mean());
        assert_eq!(
            grown.max(),
            sized.highest_equivalent(LATENCY_MAX_US),
            "an hour at most"
        );
    }

    #[test]
    fn a_batch_spreads_its_records_latencies() {
        let mut h = latency_histogram();
        // 32 records sent over 0–16 ms, all acknowledged 20 ms after the first: latencies from
        // 4 ms (the last record) to 20 ms (the first), 2 records at each of 16 points.
        record_spread_ns(&mut h, 4_000_000, 20_000_000, 32);
        assert_eq!(h.len(), 32);
        assert_eq!(
            h.min(),
            4_500,
            "first point: half a step above the last record's"
        );
        assert!(h.max() >= 19_490 && h.max() <= 19_510, "max {}", h.max());
        assert!(h.value_at_quantile(0.5) >= 11_000 && h.value_at_quantile(0.5) <= 12_600);
        let mut one = latency_histogram();
        record_spread_ns(&mut one, 7_000_000, 7_000_000, 3);
        assert_eq!((one.len(), one.min()), (3, 7_000), "no spread: one value");
    }
}
