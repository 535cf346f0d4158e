//! Every scenario key: its name (Kafka's own where one exists), kind, unit, default per client
//! and the reason for that default. `kafkasim config` prints this table; validation, `--set`
//! and `--vary` all read it, so a default is written here once and nowhere else.

/// What values a key accepts.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)] // bounds named in each variant's doc
pub enum Kind {
    /// A whole number in `[min, max]`.
    Int { min: i64, max: i64 },
    /// A number in `[min, max]`.
    Float { min: f64, max: f64 },
    /// `true` or `false`.
    Bool,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// Free text.
    Text,
}

/// A default, the same for both clients or one per client preset.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    /// Same for every client.
    All(Lit),
    /// Java client, librdkafka (and confluent-kafka-python on it).
    Client(Lit, Lit),
    /// Java client, librdkafka, confluent-kafka-python: where Python's own per-call cost differs.
    Python(Lit, Lit, Lit),
}

/// A literal default value.
#[derive(Clone, Copy, Debug)]
pub enum Lit {
    /// Whole number.
    I(i64),
    /// Number.
    F(f64),
    /// Boolean.
    B(bool),
    /// Text or enum word.
    S(&'static str),
}

/// One key of the scenario file.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    /// Dotted path, e.g. `producer.batch.size`.
    pub path: &'static str,
    /// Accepted values.
    pub kind: Kind,
    /// Unit, or "" for none.
    pub unit: &'static str,
    /// Default value.
    pub default: Default,
    /// One line: what it is and why this default.
    pub doc: &'static str,
}

const fn k(
    path: &'static str,
    kind: Kind,
    unit: &'static str,
    default: Default,
    doc: &'static str,
) -> KeySpec {
    KeySpec {
        path,
        kind,
        unit,
        default,
        doc,
    }
}

use self::Default::{All, Client, Python};
use Kind::{Bool, Enum, Float, Int, Text};
use Lit::{B, F, I, S};

const BIG: i64 = i64::MAX / 4;
/// Codecs of `compression.type`.
pub const CODECS: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd"];
/// Values of `producer.partitioner`.
pub const PARTITIONERS: &[&str] = &[
    "java-builtin",
    "java-sticky-kip480",
    "java-legacy",
    "java-round-robin",
    "random",
    "consistent",
    "consistent_random",
    "murmur2",
    "murmur2_random",
    "fnv1a",
    "fnv1a_random",
];

/// The registry, in the order `kafkasim config` prints it.
pub const KEYS: &[KeySpec] = &[
    k("name", Text, "", All(S("scenario")), "Name shown in captions and file names."),
    k("description", Text, "", All(S("")), "One paragraph saying what the scenario shows."),
    k("seed", Int { min: 0, max: BIG }, "", All(I(1)), "Master seed; every random stream derives from it."),
    k("seeds", Int { min: 1, max: 1000 }, "runs", All(I(1)), "Seeds per sweep point (seed, seed+1, …); ≥ 2 gives a 95% confidence interval."),
    k("client", Enum(&["java", "librdkafka", "confluent-kafka-python"]), "", All(S("java")), "Client whose defaults and request shapes apply (Java: one request per broker; librdkafka: one partition per request; confluent-kafka-python: librdkafka plus the Python interpreter's cost per produce() and poll() call)."),
    // run
    k("run.max_events", Int { min: 1, max: BIG }, "events", All(I(200_000_000)), "Stops a runaway scenario."),
    k("run.max_sim_time_s", Float { min: 0.001, max: 1e7 }, "s", All(F(3600.0)), "Stops a scenario whose consumers can never finish."),
    k("run.max_wall_s", Float { min: 0.001, max: 1e7 }, "s", All(F(3600.0)), "Stops a run that takes more than an hour of wall time (the only clock kafkasim reads: it can stop a run, never change its results)."),
    k("run.max_memory_mb", Int { min: 1, max: 1 << 30 }, "MiB", All(I(4096)), "Most memory one run may hold (a quarter of a 16 GiB laptop, so parallel runs fit); checked before a run from its estimate and while it runs."),
    // what the scenario promises, for `kafkasim check` (auto: what the configuration promises)
    k("expect.no_loss", Enum(&["auto", "yes", "no"]), "", All(S("auto")), "Every acknowledged record is consumed; auto: promised with acks=all, min.insync.replicas ≥ 2, clean elections and commits after processing."),
    k("expect.no_duplicates", Enum(&["auto", "yes", "no"]), "", All(S("auto")), "No record reaches the log twice; auto: promised with enable.idempotence."),
    k("expect.key_order", Enum(&["auto", "yes", "no"]), "", All(S("auto")), "Each key's records are read in send order; auto: promised with enable.idempotence or max.in.flight.requests.per.connection = 1."),
    k("run.series_interval_ms", Int { min: 1, max: 3_600_000 }, "ms", All(I(100)), "Bucket width of the time-series CSV."),
    // cluster, hosts, network
    k("run.describe_at_ms", Text, "ms", All(S("")), "Comma-separated times at which to write `kafka-consumer-groups --describe` views (describe.txt); \"\" = none."),
    k("cluster.brokers", Int { min: 1, max: 64 }, "brokers", All(I(1)), "The seed experiment's docker-compose runs one broker."),
    k("cluster.layout", Enum(&["single-host", "dedicated"]), "", All(S("single-host")), "single-host: brokers and clients share one machine (a laptop); dedicated: one host per broker plus cluster.client_hosts client hosts."),
    k("cluster.shared_cpu", Bool, "", All(B(false)), "dedicated layout: every host's threads share one machine's host.cores cores (containers or network namespaces on one machine, as scripts/lab.sh runs them); NICs, disks and page caches stay per host."),
    k("cluster.client_hosts", Int { min: 1, max: 1024 }, "hosts", All(I(1)), "Client machines in the dedicated layout, each with its own cores and NIC; one, like a load-generator box."),
    k("host.cores", Int { min: 1, max: 1024 }, "cores", All(I(8)), "A student's laptop: 4 cores, 8 hardware threads."),
    k("host.broker_cpu_quota_cores", Float { min: 0.0, max: 1024.0 }, "cores", All(F(0.0)), "CFS quota (cgroup cpu.cfs_quota_us / period, a container's --cpus) of broker hosts; 0 = none."),
    k("host.client_cpu_quota_cores", Float { min: 0.0, max: 1024.0 }, "cores", All(F(0.0)), "CFS quota of client hosts; 0 = none."),
    k("host.page_cache_mb", Int { min: 1, max: 1 << 24 }, "MiB", All(I(4096)), "Memory the OS can give the page cache on a 16 GiB laptop."),
    k("host.page_bytes", Int { min: 512, max: 1 << 21 }, "bytes", All(I(4096)), "x86-64 page size."),
    k("host.disk", Enum(crate::hardware::DiskProfile::NAMES), "", All(S("ssd")), "Device class: seek, bandwidth, IOPS and flush latency (see hardware::disk); gp3 volumes at 125/250/1000 MB/s."),
    k("host.disk_write_mb_s", Float { min: 0.0, max: 1e6 }, "MB/s", All(F(0.0)), "Override the profile's sequential write bandwidth; 0 = the profile's."),
    k("host.disk_read_mb_s", Float { min: 0.0, max: 1e6 }, "MB/s", All(F(0.0)), "Override the profile's sequential read bandwidth; 0 = the profile's."),
    k("host.disk_iops", Int { min: 0, max: BIG }, "requests/s", All(I(0)), "Override the profile's IOPS limit (requests of ≤ 256 KiB); 0 = the profile's."),
    k("host.disk_seek_us", Float { min: 0.0, max: 1e7 }, "µs", All(F(0.0)), "Override the profile's positioning time; 0 = the profile's."),
    k("host.disk_flush_us", Float { min: 0.0, max: 1e7 }, "µs", All(F(0.0)), "Override the profile's cache-flush time (what an fsync waits after its writes); 0 = the profile's."),
    k("host.dirty_expire_ms", Int { min: 0, max: BIG }, "ms", All(I(30_000)), "Linux vm.dirty_expire_centisecs = 3000."),
    k("host.dirty_background_ratio_pct", Int { min: 0, max: 100 }, "%", All(I(10)), "Linux vm.dirty_background_ratio = 10: background write-back starts above this share of the page cache."),
    k("host.dirty_ratio_pct", Int { min: 0, max: 100 }, "%", All(I(20)), "Linux vm.dirty_ratio = 20: writers block at this share of the page cache (throttled from halfway between the two)."),
    k("host.dirty_background_bytes", Int { min: 0, max: BIG }, "bytes", All(I(0)), "Linux vm.dirty_background_bytes: when > 0, replaces the ratio."),
    k("host.dirty_bytes", Int { min: 0, max: BIG }, "bytes", All(I(0)), "Linux vm.dirty_bytes: when > 0, replaces vm.dirty_ratio."),
    k("host.writeback_interval_ms", Int { min: 1, max: BIG }, "ms", All(I(5_000)), "Linux vm.dirty_writeback_centisecs = 500."),
    k("network.loopback_gbps", Float { min: 0.001, max: 1e4 }, "Gbit/s", All(F(20.0)), "Linux loopback moves ~20 Gbit/s per flow on a laptop."),
    k("network.loopback_latency_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(15.0)), "One-way loopback latency including the socket syscalls."),
    k("network.nic_gbps", Float { min: 0.001, max: 1e4 }, "Gbit/s", All(F(10.0)), "A 10 GbE data-centre NIC on every host (dedicated layout), each way, shared by all its flows."),
    k("network.broker_nic_gbps", Float { min: 0.0, max: 1e4 }, "Gbit/s", All(F(0.0)), "NIC of broker hosts; 0 = network.nic_gbps."),
    k("network.client_nic_gbps", Float { min: 0.0, max: 1e4 }, "Gbit/s", All(F(0.0)), "NIC of client hosts; 0 = network.nic_gbps."),
    k("network.mss_bytes", Int { min: 64, max: 1 << 20 }, "bytes", All(I(1448)), "TCP payload per segment: 1500-byte MTU less IP (20) and TCP with timestamps (32)."),
    k("network.frame_overhead_bytes", Int { min: 0, max: 1 << 16 }, "bytes", All(I(90)), "Wire bytes per segment besides payload: TCP 32 + IP 20 + Ethernet 14 + FCS 4 + preamble 8 + gap 12 (a tc shaper on a veth counts only the first 66)."),
    k("network.latency_us", Float { min: 0.0, max: 1e7 }, "µs", All(F(100.0)), "One-way latency between hosts in one data centre."),
    k("network.inter_broker_latency_us", Float { min: 0.0, max: 1e7 }, "µs", All(F(0.0)), "One-way latency between broker hosts (replication; brokers in other zones); 0 = network.latency_us."),
    // broker
    k("broker.num.network.threads", Int { min: 1, max: 1024 }, "threads", All(I(3)), "Kafka default."),
    k("broker.num.io.threads", Int { min: 1, max: 1024 }, "threads", All(I(8)), "Kafka default."),
    k("broker.group.initial.rebalance.delay.ms", Int { min: 0, max: BIG }, "ms", All(I(3000)), "Kafka default: an empty group waits this long for more members."),
    k("broker.group.consumer.heartbeat.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(5000)), "KIP-848 default: the coordinator tells members to heartbeat this often."),
    k("broker.group.consumer.session.timeout.ms", Int { min: 1, max: BIG }, "ms", All(I(45_000)), "KIP-848 default: a member silent this long is fenced."),
    k("broker.log.segment.bytes", Int { min: 14, max: i32::MAX as i64 }, "bytes", All(I(1 << 30)), "Kafka default (1 GiB); an int in Kafka (LogConfig), so at most 2 GiB − 1."),
    k("broker.log.dirs", Int { min: 1, max: 64 }, "directories", All(I(1)), "Log directories per broker, each on its own disk (Kafka's log.dirs, as a count); new partitions go to the one holding fewest."),
    k("broker.log.retention.check.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(300_000)), "Kafka default (5 min): how often the log manager's retention pass runs over every log."),
    k("broker.log.cleaner.threads", Int { min: 1, max: 64 }, "threads", All(I(1)), "Kafka default: one cleaner thread per broker cleans one log at a time."),
    k("broker.log.cleaner.backoff.ms", Int { min: 1, max: BIG }, "ms", All(I(15_000)), "Kafka default: a cleaner thread with nothing to clean sleeps this long."),
    k("broker.log.cleaner.dedupe.buffer.size", Int { min: 1024, max: 1 << 40 }, "bytes", All(I(134_217_728)), "Kafka default (128 MiB over all threads): the key → offset map, 24 bytes a key at load factor 0.9; a dirty section with more keys is cleaned in parts."),
    k("broker.cleaner_cpu_ns_per_byte", Float { min: 0.0, max: 1e6 }, "ns/B", All(F(5.0)), "Cleaner CPU per byte read or copied (CRC, key hashing, recopying): about 200 MB/s per thread, the order of the rates Kafka's cleaner logs report."),
    k("broker.log.initial.task.delay.ms", Int { min: 0, max: BIG }, "ms", All(I(30_000)), "Kafka default: the log manager's first retention pass comes this long after start."),
    k("broker.log.index.interval.bytes", Int { min: 0, max: BIG }, "bytes", All(I(4096)), "Kafka default: an offset- and time-index entry after this many log bytes (what a flush also syncs)."),
    k("broker.log.flush.interval.messages", Int { min: 1, max: BIG }, "records", All(I(BIG)), "Kafka default (Long.MAX_VALUE): never fsync on a record count; 1 = fsync after every append."),
    k("broker.log.flush.interval.ms", Int { min: 0, max: BIG }, "ms", All(I(BIG)), "Kafka default (Long.MAX_VALUE): fsync a log whose last flush is older than this, checked every log.flush.scheduler.interval.ms."),
    k("broker.log.flush.scheduler.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(BIG)), "Kafka default (Long.MAX_VALUE): the log flusher never runs, so log.flush.interval.ms only acts when this is set."),
    k("broker.compression.type", Enum(&["producer", "none", "gzip", "snappy", "lz4", "zstd"]), "", All(S("producer")), "Kafka default: keep the producer's codec."),
    k("broker.request_cpu_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(15.0)), "Network-thread CPU to read, parse and answer one request."),
    k("broker.background_cpu_cores", Float { min: 0.0, max: 1024.0 }, "cores", All(F(0.0)), "CPU a broker process uses with no client (a KRaft node's controller, timers, housekeeping), taken from its host's cores or quota; 0 = negligible, as on a host of whole cores (a real one idles at a few hundredths: scripts/broker-cpu.sh measures it), not under a small quota."),
    k("broker.wake_cpu_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(0.0)), "Extra CPU of a network, I/O or replica fetcher thread that wakes after a long sleep (cold caches, a halted vCPU): W in W · sleep / (sleep + broker.wake_half_ms); 0 = threads that never cool, as on a busy server. scripts/broker-cpu.sh measures it on a real broker."),
    k("broker.wake_half_ms", Float { min: 0.001, max: 1e6 }, "ms", All(F(5.0)), "The sleep after which a waking thread pays half of broker.wake_cpu_us (a few ms: caches are cooled over a few scheduler ticks)."),
    k("broker.metadata.max.idle.interval.ms", Int { min: 0, max: BIG }, "ms", All(I(500)), "KRaft default (KRaftConfigs.java): the active controller appends a no-op record to the metadata log this often, and every node fetches and applies it; 0 = none."),
    k("broker.metadata_noop_cpu_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(0.0)), "CPU each broker node spends on each no-op record, every node at the same instant: a burst that delays requests on a small or shared machine. Taken out of broker.background_cpu_cores (the idle CPU includes it); 0 = part of the steady background. The lab's 3 nodes on 2 cores: scripts/lab/phase.py."),
    k("broker.metadata_noop_threads", Int { min: 1, max: 64 }, "threads", All(I(4)), "Threads each node's no-op burst runs on at once, sharing its CPU equally: a combined KRaft node's raft-io, raft-outbound, metadata loader and quorum-controller threads (scripts/lab/thread_phase.py); more threads take more of a shared machine's cores from the requests in flight."),
    k("broker.metadata_noop_cpu_spread", Enum(&["exponential", "none"]), "", All(S("exponential")), "How each node's no-op burst varies from period to period: exponential = drawn anew each time with metadata_noop_cpu_us as its mean (the lab's idle nodes: a period's burst is 0.62–0.71× the mean at the median period and 1.9–2.2× at the 90th, an exponential's 0.69× and 2.3×, scripts/lab/burst_spread.py; the records sent at that phase mostly on time, some 2–12 ms late); none = metadata_noop_cpu_us every period."),
    k("broker.wake_stall_ppm", Int { min: 0, max: 1_000_000 }, "per million", All(I(0)), "Wake-ups of a network, I/O or replica fetcher thread that wait for a core behind work kafkasim does not model (other JVM threads, the hypervisor); 0 = none, measured per machine by scripts/broker-cpu.sh."),
    k("broker.wake_stall_ms", Float { min: 0.0, max: 1e4 }, "ms", All(F(0.0)), "The longest such wait; each is uniform in [0, this] (a CFS time slice or a GC pause of another process)."),
    k("broker.wake_stall_after_ms", Float { min: 0.0, max: 1e4 }, "ms", All(F(1.0)), "A thread woken sooner after it went to sleep never waits: between the sleeps of a broker answering one request in flight (~0.1 ms, no waits measured) and of paced requests (≥ 2 ms, the tail); src/hardware/pool.rs."),
    k("broker.produce_cpu_us_per_batch", Float { min: 0.0, max: 1e6 }, "µs", All(F(8.0)), "I/O-thread CPU per appended batch (validation, offset assignment, index)."),
    k("broker.produce_cpu_ns_per_byte", Float { min: 0.0, max: 1e6 }, "ns/B", All(F(0.6)), "I/O-thread CPU per appended byte (CRC check, copy into the page cache)."),
    k("broker.fetch_cpu_us_per_partition", Float { min: 0.0, max: 1e6 }, "µs", All(F(4.0)), "I/O-thread CPU per partition in a Fetch (index lookup)."),
    k("broker.fetch_cpu_ns_per_byte", Float { min: 0.0, max: 1e6 }, "ns/B", All(F(0.05)), "CPU per fetched byte: sendfile is zero-copy."),
    k("broker.replica.lag.time.max.ms", Int { min: 1, max: BIG }, "ms", All(I(30_000)), "Kafka default: a follower not caught up for this long leaves the ISR."),
    k("broker.replica.fetch.wait.max.ms", Int { min: 0, max: BIG }, "ms", All(I(500)), "Kafka default: how long a follower's Fetch waits at the leader for new data."),
    k("broker.replica.fetch.min.bytes", Int { min: 1, max: BIG }, "bytes", All(I(1)), "Kafka default: a follower's Fetch returns as soon as any data is there."),
    k("broker.replica.fetch.max.bytes", Int { min: 1, max: BIG }, "bytes", All(I(1_048_576)), "Kafka default (1 MiB): most bytes per partition in a follower's Fetch."),
    k("broker.replica.fetch.response.max.bytes", Int { min: 1, max: BIG }, "bytes", All(I(10_485_760)), "Kafka default (10 MiB): most bytes in a follower's Fetch response."),
    k("broker.replica.fetch.backoff.ms", Int { min: 0, max: BIG }, "ms", All(I(1000)), "Kafka default: a replica fetcher's pause after an error."),
    k("broker.replica.socket.timeout.ms", Int { min: 1, max: BIG }, "ms", All(I(30_000)), "Kafka default: a follower's Fetch without answer fails after this long."),
    k("broker.session.timeout.ms", Int { min: 1, max: BIG }, "ms", All(I(9000)), "KRaft default: the controller fences a broker whose heartbeats stopped this long ago."),
    k("broker.heartbeat.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(2000)), "KRaft default: how often a broker heartbeats to the controller."),
    k("broker.gc.young_every_mb", Int { min: 0, max: 1 << 30 }, "MiB", All(I(256)), "What a broker's JVM allocates between G1 young collections (eden of a 1 GiB heap, KAFKA_HEAP_OPTS default -Xmx1G); 0 = no GC pauses."),
    k("broker.gc.request_kb", Int { min: 0, max: 1 << 20 }, "KiB", All(I(13)), "What a broker allocates per request it handles (and a follower per Fetch response) beyond the request's bytes: 13 KiB measured from Kafka 4.3.1's GC log (scripts/broker-cpu.sh)."),
    k("broker.gc.fetch_kb", Int { min: 0, max: 1 << 20 }, "KiB", All(I(14)), "What a broker allocates per consumer's Fetch request it handles beyond the request's bytes (a follower's: follower_fetch_kb): 14 KiB measured from Kafka 4.3.1's GC log (scripts/broker-cpu.sh, a consumer reading each record as it comes)."),
    k("broker.gc.follower_fetch_kb", Int { min: 0, max: 1 << 20 }, "KiB", All(I(14)), "What a leader allocates per follower's Fetch beyond the request's bytes (instead of fetch_kb): 14 KiB, what a consumer's costs; Kafka 4.3.1's GC logs in the lab (scripts/lab.sh, acks=1 on RF 3 at 500/s, 15 repetitions in three runs): 41.5 KiB a record sent, less a produce request's 14.3, over 2 followers."),
    k("broker.gc.delayed_produce_kb", Int { min: 0, max: 1 << 20 }, "KiB", All(I(3)), "What a leader allocates per acks=all produce that waits in purgatory: 3 KiB, the lab's acks=all at 500/s (44.5 KiB a record sent, 20 repetitions in four runs) less its acks=1 (41.5) on RF 3 (scripts/lab.sh)."),
    k("broker.gc.pause_ms", Float { min: 0.0, max: 1e5 }, "ms", All(F(10.0)), "Median young-collection pause (lognormal, σ = 0.5): G1 with a mostly-garbage eden pauses 5–20 ms."),
    k("broker.num.replica.fetchers", Int { min: 1, max: 64 }, "threads", All(I(1)), "Kafka default: fetcher threads per source broker."),
    // topic
    k("topic.name", Text, "", All(S("test")), "Topic name."),
    k("topic.partitions", Int { min: 1, max: 100_000 }, "partitions", All(I(1)), "Partitions of the topic."),
    k("topic.replication.factor", Int { min: 1, max: 64 }, "replicas", All(I(1)), "Kafka's default.replication.factor; the seed's single broker holds the only replica."),
    k("topic.min.insync.replicas", Int { min: 1, max: 64 }, "replicas", All(I(1)), "Kafka default: acks=all needs only the leader once the ISR has shrunk to it."),
    k("topic.retention.ms", Int { min: -1, max: BIG }, "ms", All(I(604_800_000)), "Kafka default (log.retention.hours = 168: 7 days): delete a segment whose newest record is older; -1 = keep forever."),
    k("topic.retention.bytes", Int { min: -1, max: BIG }, "bytes", All(I(-1)), "Kafka default: no size limit; else delete the oldest segments while a partition replica holds more."),
    k("topic.segment.bytes", Int { min: -1, max: i32::MAX as i64 }, "bytes", All(I(-1)), "The topic's segment.bytes; -1 = the broker's log.segment.bytes (Kafka's topic default)."),
    k("topic.compression.type", Enum(&["producer", "none", "gzip", "snappy", "lz4", "zstd"]), "", All(S("producer")), "The topic's compression.type; left unset it is the broker's compression.type (Kafka's topic default): producer keeps the producer's codec, another recompresses."),
    k("topic.message.timestamp.type", Enum(&["CreateTime", "LogAppendTime"]), "", All(S("CreateTime")), "Kafka default: a record keeps the time its producer created it; LogAppendTime stamps it with the leader's append time (what the time index, retention.ms and segment.ms then use)."),
    k("topic.segment.ms", Int { min: 1, max: BIG }, "ms", All(I(604_800_000)), "Kafka default (log.roll.hours = 168): roll the active segment once its first record is this old."),
    k("topic.cleanup.policy", Enum(&["delete", "compact", "compact,delete"]), "", All(S("delete")), "Kafka default: delete old segments by retention; compact keeps each key's latest record (the log cleaner); both do both."),
    k("topic.min.cleanable.dirty.ratio", Float { min: 0.0, max: 1.0 }, "", All(F(0.5)), "Kafka default: the cleaner takes a log once its uncleaned bytes are at least this share of its cleanable bytes."),
    k("topic.delete.retention.ms", Int { min: 0, max: BIG }, "ms", All(I(86_400_000)), "Kafka default (1 day): a tombstone stays this long after its first cleaning, so readers see the delete."),
    k("topic.min.compaction.lag.ms", Int { min: 0, max: BIG }, "ms", All(I(0)), "Kafka default: a record may be compacted at once; else only once this old."),
    k("topic.unclean.leader.election.enable", Bool, "", All(B(false)), "Kafka default: only an in-sync replica may become leader (no silent loss)."),
    // producer
    k("producer.count", Int { min: 0, max: 10_000 }, "producers", All(I(1)), "Producer processes."),
    k("producer.hosts", Text, "", All(S("")), "Client host of each producer, comma-separated (\"0,0,1\"); \"\" = round-robin over cluster.client_hosts."),
    k("producer.records", Int { min: 0, max: BIG }, "records", All(I(100_000)), "Records each producer sends (the seed experiment: 100,000)."),
    k("producer.rate_per_s", Float { min: 0.0, max: 1e12 }, "records/s", All(F(0.0)), "Send rate of each producer; 0 = as fast as possible."),
    k("producer.pacing", Enum(&["per-record", "perf-test"]), "", All(S("per-record")), "How the application keeps rate_per_s: per-record sends each record at its turn (OpenMessaging Benchmark's rate limiter); perf-test sends in bursts and sleeps 2 ms at a time, as kafka-producer-perf-test --throughput does (ThroughputThrottler.java, MIN_SLEEP_NS)."),
    k("producer.pace_jitter_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(0.0)), "A paced application that sleeps until its next record's turn wakes this much late at most (uniform, drawn per record): its sleep's granularity. 0 = on time. The lab's client (scripts/lab/client.py) polls at least 1 ms, confluent-kafka's poll() taking whole ms: its sends trail their turns by 0–1.2 ms (lab/results/2026-12-04-amd-tail/traces)."),
    k("producer.start_ms", Int { min: 0, max: BIG }, "ms", All(I(0)), "When the producers start."),
    k("producer.value_bytes", Int { min: 0, max: 1 << 30 }, "bytes", All(I(100)), "Value size (smallest, when value_bytes_max is set)."),
    k("producer.value_bytes_max", Int { min: 0, max: 1 << 30 }, "bytes", All(I(0)), "0 = fixed size; else sizes uniform in [value_bytes, value_bytes_max]."),
    k("producer.keys", Enum(&["none", "fixed", "random", "uniform", "zipf"]), "", All(S("none")), "none: null key; fixed: one key for all; random: a fresh random key per record; uniform/zipf: over key_count keys."),
    k("producer.key_count", Int { min: 1, max: 1 << 40 }, "keys", All(I(1000)), "Distinct keys for uniform and zipf."),
    k("producer.zipf_exponent", Float { min: 0.0, max: 10.0 }, "", All(F(1.0)), "Zipf skew s: key i has weight 1/i^s."),
    k("producer.tombstone_ratio", Float { min: 0.0, max: 1.0 }, "", All(F(0.0)), "Share of keyed records sent with a null value: deletes (tombstones), which compaction removes after topic.delete.retention.ms."),
    k("producer.fixed_key", Text, "", All(S("fixed-key")), "The key used when keys = fixed."),
    k("producer.partitioner", Enum(PARTITIONERS), "", Client(S("java-builtin"), S("consistent_random")), "Java ≥ 3.3 built-in (murmur2 + uniform sticky) / librdkafka `partitioner` default."),
    k("producer.partitioner.adaptive.partitioning.enable", Bool, "", All(B(true)), "Java KIP-794 default: prefer partitions with shorter queues."),
    k("producer.sticky.partitioning.linger.ms", Int { min: 0, max: BIG }, "ms", All(I(10)), "librdkafka default (2 × linger.ms): how long a null-key sticky partition lasts."),
    k("producer.batch.size", Int { min: 1, max: 1 << 30 }, "bytes", Client(I(16_384), I(1_000_000)), "Java 16 KiB / librdkafka 1 MB."),
    k("producer.batch.num.messages", Int { min: 0, max: BIG }, "records", Client(I(0), I(10_000)), "librdkafka cap on records per batch; 0 = none (Java)."),
    k("producer.linger.ms", Int { min: 0, max: BIG }, "ms", All(I(5)), "Java ≥ 4.0 and librdkafka default."),
    k("producer.buffer.memory", Int { min: 1, max: BIG }, "bytes", Client(I(33_554_432), I(1_073_741_824)), "Java 32 MiB / librdkafka queue.buffering.max.kbytes 1 GiB."),
    k("producer.queue.buffering.max.messages", Int { min: 0, max: BIG }, "records", Client(I(0), I(100_000)), "librdkafka cap on queued records; 0 = none (Java)."),
    k("producer.max.in.flight.requests.per.connection", Int { min: 1, max: 1_000_000 }, "requests", Client(I(5), I(1_000_000)), "Java 5 / librdkafka 1,000,000."),
    k("producer.max.request.size", Int { min: 1, max: 1 << 30 }, "bytes", Client(I(1_048_576), I(1_000_000)), "Java max.request.size / librdkafka message.max.bytes."),
    k("producer.acks", Enum(&["0", "1", "all", "-1"]), "", All(S("all")), "Java ≥ 3.0 and librdkafka default: wait for every in-sync replica."),
    k("producer.enable.idempotence", Bool, "", Client(B(true), B(false)), "Java ≥ 3.0 default (silently off when acks or in-flight conflict and it was not set) / librdkafka default."),
    k("producer.retries", Int { min: 0, max: 2_147_483_647 }, "retries", All(I(2_147_483_647)), "Java ≥ 2.1 and librdkafka (message.send.max.retries) default: retry until delivery.timeout.ms."),
    k("producer.retry.backoff.ms", Int { min: 0, max: BIG }, "ms", All(I(100)), "Java and librdkafka default: first wait before a retry."),
    k("producer.retry.backoff.max.ms", Int { min: 0, max: BIG }, "ms", All(I(1000)), "Java ≥ 3.7 (KIP-580) and librdkafka default: retry waits double up to this, ±20% jitter."),
    k("producer.delivery.timeout.ms", Int { min: 1, max: BIG }, "ms", Client(I(120_000), I(300_000)), "Java delivery.timeout.ms / librdkafka message.timeout.ms: give a record up after this long."),
    k("producer.request.timeout.ms", Int { min: 1, max: BIG }, "ms", All(I(30_000)), "Java and librdkafka default: a request without response fails (and the broker's acks=all wait ends)."),
    k("producer.compression.type", Enum(CODECS), "", All(S("none")), "Kafka default."),
    k("producer.compression.ratio", Float { min: 0.0, max: 1000.0 }, "×", All(F(0.0)), "Payload compressibility; 0 = the codec's figure for JSON-like events."),
    k("producer.send_cpu_us_per_record", Float { min: 0.0, max: 1e6 }, "µs", Python(F(0.6), F(0.4), F(4.1)), "Application-thread CPU per send()/produce() call (serialise, partition, append; Python: produce() and poll(0) per record, 4.1 fitted in plots/classroom-real/profile.toml)."),
    k("producer.request_cpu_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(20.0)), "Sender-thread CPU per ProduceRequest."),
    k("producer.gc.young_every_mb", Int { min: 0, max: 1 << 30 }, "MiB", All(I(256)), "Java client only: bytes its application allocates between young collections (serialising ≈ the record's size); 0 = no GC pauses."),
    k("producer.gc.pause_ms", Float { min: 0.0, max: 1e5 }, "ms", All(F(5.0)), "Java client only: median young-collection pause (lognormal, σ = 0.5) of a client heap whose live set is small."),
    k("producer.cpu_ns_per_byte", Float { min: 0.0, max: 1e6 }, "ns/B", All(F(0.3)), "Client CPU per record byte (copy, CRC)."),
    // consumer
    k("consumer.count", Int { min: 0, max: 10_000 }, "consumers", All(I(1)), "Consumer processes."),
    k("consumer.hosts", Text, "", All(S("")), "Client host of each consumer, comma-separated; \"\" = round-robin over cluster.client_hosts."),
    k("consumer.mode", Enum(&["group", "standalone"]), "", All(S("group")), "group: subscribe with group.id; standalone: assign() partitions p with p mod count = i, no group."),
    k("consumer.start_ms", Int { min: 0, max: BIG }, "ms", All(I(0)), "When the consumers start."),
    k("consumer.fair_share_gate", Bool, "", All(B(false)), "As the lab's consumers (scripts/lab/client.py --expect-partitions): a consumer fetches nothing until it is assigned its fair share, the group's partitions / consumer.count (which must divide them), and the group's throughput after the join counts from then."),
    k("consumer.start_after_produce", Bool, "", All(B(false)), "Start consumers when every producer has been acknowledged (the seed experiment)."),
    k("consumer.cache", Enum(&["warm", "cold"]), "", All(S("warm")), "cold: sync and drop the page cache when consumers start (echo 3 > drop_caches)."),
    k("consumer.group.id", Text, "", All(S("kafkasim")), "Group name; picks the coordinator."),
    k("consumer.request.timeout.ms", Int { min: 1, max: BIG }, "ms", Client(I(30_000), I(60_000)), "Java request.timeout.ms / librdkafka socket.timeout.ms: a Fetch without answer fails after this long."),
    k("consumer.retry.backoff.ms", Int { min: 0, max: BIG }, "ms", All(I(100)), "Java and librdkafka default: wait before asking a broker again after an error."),
    k("consumer.fetch.min.bytes", Int { min: 0, max: BIG }, "bytes", All(I(1)), "Kafka and librdkafka default."),
    k("consumer.fetch.max.wait.ms", Int { min: 0, max: BIG }, "ms", All(I(500)), "Java fetch.max.wait.ms / librdkafka fetch.wait.max.ms."),
    k("consumer.fetch.max.bytes", Int { min: 1, max: BIG }, "bytes", All(I(52_428_800)), "Kafka and librdkafka default (50 MiB)."),
    k("consumer.max.partition.fetch.bytes", Int { min: 1, max: BIG }, "bytes", All(I(1_048_576)), "Java / librdkafka fetch.message.max.bytes default (1 MiB)."),
    k("consumer.max.poll.records", Int { min: 1, max: BIG }, "records", Client(I(500), I(500)), "Java default; librdkafka hands one record per poll, simulated in groups of this size."),
    k("consumer.queued.min.messages", Int { min: 1, max: BIG }, "records", Client(I(1), I(100_000)), "Prefetch: Java fetches a partition again only when its buffer is empty; librdkafka keeps this many queued."),
    k("consumer.queued.max.messages.kbytes", Int { min: 1, max: BIG }, "KiB", All(I(65_536)), "librdkafka's other prefetch limit (64 MiB queued per partition); Java fetches only into an empty buffer, so it never binds there."),
    k("consumer.fetch.queue.backoff.ms", Int { min: 0, max: BIG }, "ms", Client(I(0), I(1000)), "librdkafka (rdkafka_fetcher.c): a partition over a prefetch limit is left out of Fetches this long, even if drained sooner; Java has no such backoff."),
    k("consumer.auto.offset.reset", Enum(&["earliest", "latest"]), "", All(S("latest")), "Kafka default."),
    k("consumer.enable.auto.commit", Bool, "", All(B(true)), "Kafka default."),
    k("consumer.auto.commit.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(5000)), "Kafka default."),
    k("consumer.heartbeat.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(3000)), "Kafka default."),
    k("consumer.session.timeout.ms", Int { min: 1, max: BIG }, "ms", All(I(45_000)), "Kafka ≥ 3.0 default."),
    k("consumer.max.poll.interval.ms", Int { min: 1, max: BIG }, "ms", All(I(300_000)), "Kafka default; also the rebalance timeout."),
    k("consumer.partition.assignment.strategy", Text, "", Client(S("range,cooperative-sticky"), S("range,roundrobin")), "Java / librdkafka defaults; the first common one is used (range, eager)."),
    k("consumer.group.instance.id", Text, "", All(S("")), "Static membership (KIP-345): consumer i joins as \"<this>-i\"; \"\" = dynamic members (Kafka default)."),
    k("consumer.group.protocol", Enum(&["classic", "consumer"]), "", All(S("classic")), "classic: JoinGroup/SyncGroup with client-side assignors (default); consumer: KIP-848, server-side assignment, incremental."),
    k("consumer.group.remote.assignor", Enum(&["uniform", "range"]), "", All(S("uniform")), "KIP-848 server-side assignor (group.consumer.assignors default: uniform)."),
    k("consumer.commit_mode", Enum(&["sync", "async"]), "", All(S("sync")), "Manual commits (enable.auto.commit = false): commitSync blocks the poll loop for a round trip, commitAsync does not."),
    k("consumer.commit_every_records", Int { min: 0, max: BIG }, "records", All(I(0)), "Manual commits: after this many records; 0 = after every poll's records."),
    k("consumer.delivery_semantics", Enum(&["at-least-once", "at-most-once"]), "", All(S("at-least-once")), "Manual commits: commit after processing (duplicates after a failure) or before (losses after a failure)."),
    k("consumer.poll_cpu_us_per_record", Float { min: 0.0, max: 1e6 }, "µs", Python(F(0.3), F(0.3), F(1.3)), "Client-library CPU per record handed to the application (Python: one poll() call and one Message object per record, 1.33 ± 0.28 µs of the Python thread in plots/classroom-real/loop-cost.txt; the course's print to a file adds 1.2)."),
    k("consumer.process_us_per_record", Float { min: 0.0, max: 1e9 }, "µs", All(F(0.0)), "Application CPU per record (the seed's Python loop prints each one)."),
    k("consumer.cpu_ns_per_byte", Float { min: 0.0, max: 1e6 }, "ns/B", All(F(0.2)), "Client CPU per fetched byte (parse, CRC, copy), in the thread that parses Fetch responses."),
    k("consumer.fetch_cpu_us_per_record", Float { min: 0.0, max: 1e6 }, "µs", Client(F(0.1), F(0.6)), "Client CPU per record received, where Fetch responses are parsed: librdkafka's broker thread, beside the application (0.6: its threads used 0.05–0.08 s per 100,000 records in plots/classroom-real); Java's application thread, inside poll()."),
    k("consumer.request_cpu_us", Float { min: 0.0, max: 1e6 }, "µs", All(F(20.0)), "Client CPU per request sent (Fetch, JoinGroup, …)."),
];

/// The spec of `path`, if it is a key.
pub fn spec(path: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|s| s.path == path)
}

/// The known key nearest to `path` (for "did you mean …?").
pub fn nearest(path: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|s| (strsim::levenshtein(path, s.path), s.path))
        .filter(|&(d, p)| d <= p.len() / 3 + 2)
        .min()
        .map(|(_, p)| p)
}

impl Kind {
    /// Human description of accepted values.
    pub fn accepted(&self) -> String {
        match self {
            Int { min, max } if *max >= BIG => format!("a whole number ≥ {min}"),
            Int { min, max } => format!("a whole number from {min} to {max}"),
            Float { min, max } => format!("a number from {min} to {max}"),
            Bool => "true or false".into(),
            Enum(words) => format!("one of {}", words.join(", ")),
            Text => "text".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn keys_are_unique_documented_and_defaults_fit_their_kind() {
        for (i, s) in KEYS.iter().enumerate() {
            assert!(
                KEYS[..i].iter().all(|o| o.path != s.path),
                "duplicate key {}",
                s.path
            );
            assert!(!s.doc.is_empty(), "{} has no doc", s.path);
            let lits = match s.default {
                All(a) => vec![a],
                Client(a, b) => vec![a, b],
                Python(a, b, c) => vec![a, b, c],
            };
            for l in lits {
                let ok = match (s.kind, l) {
                    (Int { min, max }, I(v)) => v >= min && v <= max,
                    (Float { min, max }, F(v)) => v >= min && v <= max,
                    (Bool, B(_)) | (Text, S(_)) => true,
                    (Enum(w), S(v)) => w.contains(&v),
                    _ => false,
                };
                assert!(ok, "default of {} does not fit its kind", s.path);
            }
        }
    }
    #[test]
    fn nearest_suggests_a_close_key() {
        assert_eq!(nearest("producer.linger_ms"), Some("producer.linger.ms"));
        assert_eq!(nearest("topic.partition"), Some("topic.partitions"));
        assert_eq!(nearest("zzzzzzzzzzzzzz"), None);
    }
}
