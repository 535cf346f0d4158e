//! The closed set of events, each with who schedules it and who handles it, and the messages
//! that travel over the network between clients and brokers.

use super::consumer::ConsumerTimer;
use super::group::coordinator::{GroupReply, GroupRequest, GroupTimer};
use super::log::LogBatch;
use super::metadata::Client;
use crate::engine::Nanos;
use crate::scenario::events::Action;
use crate::scenario::resolve::Acks;

/// Index of a producer, consumer, broker or host.
pub type Id = usize;

/// Everything that can happen in a run. Fields: `p` producer, `c` consumer, `broker`, `host`
/// (indices), `inc` the broker incarnation that started the work (a restarted broker drops work
/// of its previous life), `req` the request carried, `reply`/`resp` the response carried.
#[derive(Debug)]
#[allow(missing_docs)]
pub enum Event {
    /// The producer's application thread is free to send more (at start, after a chunk, when
    /// the rate allows, when buffer memory frees up).
    ProducerTick { p: Id },
    /// The producer's application thread finished `records` send() calls (CPU done).
    ProducerAppDone { p: Id, records: u32 },
    /// A linger deadline, a retry backoff or freed capacity: the sender looks for ready batches.
    SenderWake { p: Id },
    /// The sender thread finished building `req` (CPU done); it goes on the wire.
    SenderBuilt {
        p: Id,
        broker: Id,
        req: Box<ProduceRequest>,
    },
    /// A ProduceResponse (or a transport failure) reached producer `p`.
    ToProducer { p: Id, resp: Box<ProduceResponse> },
    /// A request reached broker `broker`'s socket; a network thread will read it.
    Arrive { broker: Id, req: Box<Request> },
    /// A network thread finished reading `req`; it joins the request queue for an I/O thread.
    NetDone {
        broker: Id,
        inc: u32,
        req: Box<Request>,
    },
    /// An I/O thread finished handling `req` (CPU and any disk reads done).
    IoDone {
        broker: Id,
        inc: u32,
        req: Box<Request>,
    },
    /// A produce request's write() on `broker` returned (after dirty throttling or a flush).
    WriteDone { broker: Id, inc: u32, id: u64 },
    /// Kafka's log flusher on `broker` (every log.flush.scheduler.interval.ms).
    LogFlusher { broker: Id },
    /// A parked Fetch reached its max wait (fetch.max.wait.ms or replica.fetch.wait.max.ms).
    FetchExpire { broker: Id, parked: u64 },
    /// The purgatory timer of leader `broker`: acks=all produces held past their
    /// request.timeout.ms are answered.
    ProduceExpire { broker: Id },
    /// A Fetch response reached follower `broker`'s fetcher thread (`leader`, `resp.fetcher`)
    /// for its request number `resp.token`.
    ToReplica {
        broker: Id,
        leader: Id,
        resp: Box<ReplicaResponse>,
    },
    /// Follower `broker`'s fetcher thread for `leader` may send its next Fetch.
    FetcherWake {
        broker: Id,
        leader: Id,
        fetcher: u32,
    },
    /// A Metadata answer reached `client` (None: the broker it asked did not answer).
    MetadataReply {
        client: Client,
        leaders: Option<Box<[Option<Id>]>>,
    },
    /// `client` asks for metadata again (after retry.backoff.ms).
    MetadataDue { client: Client },
    /// The controller's session timer for crashed broker `broker` (incarnation `inc`) ran out.
    BrokerFenced { broker: Id, inc: u32 },
    /// A client's request reached its timeout (armed only when the network can be cut).
    Timeout { what: Timeout },
    /// Consumer client `c` may fetch again from brokers it was backing off from.
    ConsumerRetry { c: Id },
    /// Leader `broker` checks its ISRs for lagging followers (every replica.lag.time.max.ms / 2).
    IsrCheck { broker: Id },
    /// The active controller appends a no-op record; every broker applies it.
    MetadataNoOp,
    /// A broker has applied a no-op record (its CPU burst ended; nothing follows).
    NoOpApplied,
    /// The page-cache flusher of host `host` runs.
    Writeback { host: Id },
    /// Consumer `c` (an index) starts.
    ConsumerStart { c: Id },
    /// A response reached consumer client `c` (a client id: see `consumer`).
    ToConsumer { c: Id, reply: Box<Reply> },
    /// Consumer client `c`'s application finished processing a poll's records.
    PollDone { c: Id },
    /// Consumer client `c` sends a heartbeat (its heartbeat thread), if `epoch` is still current.
    HeartbeatDue { c: Id, epoch: u64 },
    /// A timer of consumer client `c`.
    ConsumerTimer { c: Id, timer: ConsumerTimer },
    /// A scenario event (`[[events]]`) takes effect.
    Scenario { action: Box<Action> },
    /// Write a describe view of the group (run.describe_at_ms).
    Describe,
    /// A group-coordinator timer (join delay, session expiry) fires.
    Group {
        group: usize,
        timer: Box<GroupTimer>,
    },
    /// Periodic bookkeeping: time-series buckets and releasing read log batches.
    Housekeeping,
    /// Log cleaner thread `thread` of broker `broker` wakes.
    LogCleaner { broker: Id, thread: u32 },
    /// Broker `broker`'s log manager runs its retention pass.
    LogRetention { broker: Id },
    /// The CPU timer of host `host`: work on its cores ends or starts (see `cpu_jobs`).
    CpuDone { host: Id },
    /// A client or follower on host `from` built `req` (CPU done): it goes on the wire.
    Send {
        from: Id,
        broker: Id,
        req: Box<Request>,
    },
}

/// A follower's Fetch answered: which fetcher thread and request it answers, and the data.
#[derive(Debug)]
pub struct ReplicaResponse {
    /// The follower's fetcher thread.
    pub fetcher: u32,
    /// The request number it answers.
    pub token: u64,
    /// Data per partition.
    pub parts: Vec<FetchedPart>,
}

/// A request whose answer a client stopped waiting for (fields named in each variant's doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Timeout {
    /// Producer `p`'s request `id` (request.timeout.ms).
    Produce { p: Id, id: u64 },
    /// Consumer client `c`'s Fetch number `id` to `broker` (request.timeout.ms).
    Fetch { c: Id, broker: Id, id: u64 },
    /// Follower `broker`'s fetcher (`leader`, `fetcher`) request `token`
    /// (replica.socket.timeout.ms).
    Replica {
        broker: Id,
        leader: Id,
        fetcher: u32,
        token: u64,
    },
    /// `client`'s metadata request number `n`.
    Metadata { client: Client, n: u64 },
    /// Consumer client `c`'s ListOffsets number `id` to `broker` (request.timeout.ms).
    ListOffsets { c: Id, broker: Id, id: u64 },
}

/// A request to a broker, from a client or from a follower's fetcher.
#[derive(Debug)]
#[allow(missing_docs)] // fields named in each variant's doc
pub enum Request {
    /// Produce.
    Produce(ProduceRequest),
    /// Fetch (a consumer's or a follower's).
    Fetch(FetchRequest),
    /// Group membership and offsets, from consumer `c`.
    Group { c: Id, req: GroupRequest },
    /// Which broker leads each partition, from `client`.
    Metadata { client: Client },
    /// The first or next offset of `parts` (`earliest`: log start, else the high watermark),
    /// from consumer client `c` resetting positions it has no committed offset for.
    ListOffsets {
        c: Id,
        parts: Vec<u32>,
        earliest: bool,
    },
}

impl Request {
    /// Bytes on the wire.
    pub fn wire_bytes(&self) -> u64 {
        match self {
            Request::Produce(p) => {
                100 + p
                    .batches
                    .iter()
                    .map(|b| b.wire_bytes as u64 + 20)
                    .sum::<u64>()
            }
            Request::Fetch(f) => 100 + 24 * f.parts.len() as u64,
            Request::Group { .. } => 200,
            Request::Metadata { .. } => 100,
            Request::ListOffsets { parts, .. } => 100 + 16 * parts.len() as u64,
        }
    }
}

/// A ProduceRequest: one batch per partition.
#[derive(Debug)]
pub struct ProduceRequest {
    /// Producer-unique id.
    pub id: u64,
    /// The batches.
    pub batches: Vec<SentBatch>,
    /// acks of the producer.
    pub acks: Acks,
    /// The request's timeout (request.timeout.ms): how long an acks=all wait may last.
    pub timeout_ns: Nanos,
    /// When it left the producer.
    pub sent_ns: Nanos,
    /// Producer index (also its producer id).
    pub producer: Id,
    /// Destination broker.
    pub broker: Id,
}

/// A batch in flight.
#[derive(Clone, Copy, Debug)]
pub struct SentBatch {
    /// Partition.
    pub partition: u32,
    /// Records.
    pub records: u32,
    /// Raw record bytes (uncompressed, with the header).
    pub raw_bytes: u32,
    /// Bytes on the wire and on disk.
    pub wire_bytes: u32,
    /// Its first record's number among this producer's records for the partition (identity).
    pub first_seq: u64,
    /// Sequence number sent (restarts at 0 with each producer epoch).
    pub seq: u64,
    /// Producer epoch.
    pub epoch: u16,
    /// Whether the broker should deduplicate it (enable.idempotence).
    pub idempotent: bool,
    /// Creation time in the accumulator.
    pub created_ns: Nanos,
    /// When its last record was sent.
    pub last_append_ns: Nanos,
    /// Memory it holds in the producer's buffer.
    pub buffer_bytes: u64,
    /// Key and value bytes of its records (what perf-test tools count).
    pub payload_bytes: u64,
    /// Times it was sent before.
    pub attempts: u32,
}

/// Why a produce failed (Kafka's error names); every one is retriable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProduceError {
    /// The broker does not lead the partition (any more).
    NotLeaderOrFollower,
    /// acks=all and the ISR is smaller than min.insync.replicas: not appended.
    NotEnoughReplicas,
    /// Appended, but the ISR shrank below min.insync.replicas before the HW reached it.
    NotEnoughReplicasAfterAppend,
    /// Idempotent batch with a gap in its sequence: not appended.
    OutOfOrderSequenceNumber,
    /// The broker's acks=all wait, or the client's request.timeout.ms, ran out.
    RequestTimedOut,
    /// The connection broke (broker gone or an injected transient failure).
    NetworkException,
}

impl ProduceError {
    /// Kafka's name for it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            Self::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            Self::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            Self::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            Self::RequestTimedOut => "REQUEST_TIMED_OUT",
            Self::NetworkException => "NETWORK_EXCEPTION",
        }
    }
}

/// The answer to a ProduceRequest: per batch, in request order, its base offset or an error.
#[derive(Debug)]
pub struct ProduceResponse {
    /// The request's id.
    pub id: u64,
    /// Per batch.
    pub results: Vec<Result<u64, ProduceError>>,
}

/// One partition of a Fetch: where to read, and the leader epoch of the last record the
/// reader holds (for divergence detection after a leader change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchPart {
    /// Partition.
    pub partition: u32,
    /// Fetch offset.
    pub offset: u64,
    /// Epoch of the reader's last record, when known (None: no divergence check).
    pub last_epoch: Option<u32>,
}

/// The sender of a follower's Fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaFetch {
    /// Follower broker.
    pub follower: Id,
    /// Its fetcher thread.
    pub fetcher: u32,
    /// The fetcher's request number (a late answer to an older request is ignored).
    pub token: u64,
}

/// A Fetch from a consumer or a follower.
#[derive(Debug)]
pub struct FetchRequest {
    /// Consumer client id (for a consumer's fetch).
    pub consumer: Id,
    /// For a follower's fetch: who sent it.
    pub replica: Option<ReplicaFetch>,
    /// What to read.
    pub parts: Vec<FetchPart>,
    /// fetch.min.bytes.
    pub min_bytes: u64,
    /// fetch.max.bytes.
    pub max_bytes: u64,
    /// max.partition.fetch.bytes.
    pub partition_max_bytes: u64,
    /// fetch.max.wait.ms.
    pub max_wait_ns: Nanos,
    /// Set once the request waited in purgatory (answer with whatever is there).
    pub waited: bool,
    /// Data read, filled by the I/O thread.
    pub result: Vec<FetchedPart>,
}

/// Why a partition of a Fetch returned no data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The broker does not lead the partition.
    NotLeaderOrFollower,
    /// The reader's log diverges from the leader's: truncate to `offset`, continue under `epoch`.
    Diverging {
        /// Epoch to continue under.
        epoch: u32,
        /// Offset to truncate to.
        offset: u64,
    },
    /// OFFSET_OUT_OF_RANGE: the fetch offset lies below the log start (retention deleted it).
    OutOfRange {
        /// The leader's log start offset.
        log_start: u64,
    },
}

/// One partition's data in a Fetch response.
#[derive(Clone, Debug)]
pub struct FetchedPart {
    /// Partition.
    pub partition: u32,
    /// The offset that was asked for.
    pub fetch_offset: u64,
    /// Whole batches read.
    pub batches: Vec<LogBatch>,
    /// High watermark at read time.
    pub hw: u64,
    /// Why there is no data, if an error.
    pub error: Option<FetchError>,
}

/// A response to a consumer (`broker`: which broker answered; `parts`: data per partition).
#[derive(Debug)]
#[allow(missing_docs)]
pub enum Reply {
    /// Fetch data (possibly empty).
    Fetch { broker: Id, parts: Vec<FetchedPart> },
    /// A group-coordinator answer.
    Group(GroupReply),
    /// The connection to `broker` closed (it crashed): outstanding requests to it failed.
    Disconnected { broker: Id },
    /// A Fetch response from `broker` that librdkafka's broker thread has parsed (scheduled by
    /// the consumer itself when parsing ends; never on the network).
    Parsed { broker: Id, parts: Vec<FetchedPart> },
    /// A ListOffsets answer: each partition's offset, or None where `broker` does not lead it.
    Offsets {
        broker: Id,
        parts: Vec<(u32, Option<u64>)>,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_event_is_five_words() {
        // The queue moves events as it sifts its heap: payloads larger than four words travel
        // boxed (a 144-byte event made moving them a fifth of a large run's time).
        assert!(std::mem::size_of::<super::Event>() <= 40);
    }
}
