//! The closed set of events, each with who schedules it and who handles it, and the messages
//! that travel over the network between clients and brokers.

use super::consumer::ConsumerTimer;
use super::group::coordinator::{GroupReply, GroupRequest, GroupTimer};
use super::log::LogBatch;
use crate::engine::Nanos;
use crate::scenario::events::Action;
use crate::scenario::resolve::Acks;

/// Index of a producer, consumer, broker or host.
pub type Id = usize;

/// Everything that can happen in a run. Fields: `p` producer, `c` consumer, `broker`, `host`
/// (indices), `req` the request carried, `reply` the response carried.
#[derive(Debug)]
#[allow(missing_docs)]
pub enum Event {
    /// The producer's application thread is free to send more (at start, after a chunk, when
    /// the rate allows, when buffer memory frees up).
    ProducerTick { p: Id },
    /// The producer's application thread finished `records` send() calls (CPU done).
    ProducerAppDone { p: Id, records: u32 },
    /// A linger deadline or freed capacity: the sender looks for ready batches.
    SenderWake { p: Id },
    /// The sender thread finished building `req` (CPU done); it goes on the wire.
    SenderBuilt {
        p: Id,
        broker: Id,
        req: ProduceRequest,
    },
    /// A ProduceResponse reached producer `p`.
    ProduceAcked { p: Id, req: ProduceRequest },
    /// A request reached broker `broker`'s socket; a network thread will read it.
    Arrive { broker: Id, req: Request },
    /// A network thread finished reading `req`; it joins the request queue for an I/O thread.
    NetDone { broker: Id, req: Request },
    /// An I/O thread finished handling `req` (CPU and any disk reads done).
    IoDone { broker: Id, req: Request },
    /// A parked Fetch reached fetch.max.wait.ms.
    FetchExpire { broker: Id, parked: u64 },
    /// The page-cache flusher of host `host` runs.
    Writeback { host: Id },
    /// Consumer `c` (an index) starts.
    ConsumerStart { c: Id },
    /// A response reached consumer client `c` (a client id: see `consumer`).
    ToConsumer { c: Id, reply: Reply },
    /// Consumer client `c`'s application finished processing a poll's records.
    PollDone { c: Id },
    /// Consumer client `c` sends a heartbeat (its heartbeat thread), if `epoch` is still current.
    HeartbeatDue { c: Id, epoch: u64 },
    /// A timer of consumer client `c`.
    ConsumerTimer { c: Id, timer: ConsumerTimer },
    /// A scenario event (`[[events]]`) takes effect.
    Scenario { action: Action },
    /// Write a describe view of the group (run.describe_at_ms).
    Describe,
    /// A group-coordinator timer (join delay, session expiry) fires.
    Group { timer: GroupTimer },
    /// Periodic bookkeeping: time-series buckets and releasing read log batches.
    Housekeeping,
}

/// A request from a client to a broker.
#[derive(Debug)]
#[allow(missing_docs)] // fields named in each variant's doc
pub enum Request {
    /// Produce.
    Produce(ProduceRequest),
    /// Fetch.
    Fetch(FetchRequest),
    /// Group membership and offsets, from consumer `c`.
    Group { c: Id, req: GroupRequest },
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
    /// When it left the producer.
    pub sent_ns: Nanos,
    /// Producer index.
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
    /// Producer sequence of the first record.
    pub first_seq: u64,
    /// Creation time in the accumulator.
    pub created_ns: Nanos,
    /// Offset assigned by the broker (set on append).
    pub base_offset: u64,
    /// Memory it holds in the producer's buffer.
    pub buffer_bytes: u64,
    /// Key and value bytes of its records (what perf-test tools count).
    pub payload_bytes: u64,
}

/// A Fetch: for each partition, the offset to read from.
#[derive(Debug)]
pub struct FetchRequest {
    /// Consumer client id.
    pub consumer: Id,
    /// (partition, fetch offset).
    pub parts: Vec<(u32, u64)>,
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
}

/// A response to a consumer (`broker`: which broker answered; `parts`: data per partition).
#[derive(Debug)]
#[allow(missing_docs)]
pub enum Reply {
    /// Fetch data (possibly empty).
    Fetch { broker: Id, parts: Vec<FetchedPart> },
    /// A group-coordinator answer.
    Group(GroupReply),
}
