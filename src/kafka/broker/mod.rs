//! A broker: network threads read requests, I/O threads handle them, all on the host's cores.
//! Each broker holds the logs of the partition replicas placed on it.
//!
//! - [`produce`]: the leader validates and appends each batch into the page cache, then
//!   answers at once (acks=1), never (acks=0), or once the high watermark passes the batch
//!   (acks=all, held in purgatory up to the request's timeout).
//! - [`fetch`]: consumers and followers read whole batches from the fetch offset (consumers
//!   below the HW, followers below the LEO); resident pages go out with sendfile (cheap),
//!   missing ones are read from disk first. A Fetch with less than its min bytes available
//!   waits in purgatory until enough arrives or its max wait passes.
//!
//! Like Kafka's socket server, a broker handles one request per connection at a time: after
//! reading a Produce or Fetch it mutes the connection until the response has gone out (a
//! produce waiting for acks=all, or a fetch in purgatory, holds it), so a producer's pipelined
//! requests are appended in the order they were sent. (Group and metadata requests are not
//! held: the coordinator answers JoinGroup late by design.)
//!
//! A crashed broker (`alive == false`) handles nothing; work started before a crash carries
//! the incarnation it began in and is dropped when it completes in a later one.

pub mod cleaner;
pub mod fetch;
pub mod logs;
pub mod produce;
pub mod retention;

use super::cluster::Cluster;
use super::event::{Event, FetchRequest, Id, Request};
use super::group::coordinator::{Action, GroupReply, GroupRequest};
use super::log::LogBatch;
use super::replication::fetcher::Fetcher;
use crate::engine::{EventQueue, Nanos};
use crate::hardware::ThreadPool;
use crate::scenario::resolve::BrokerCfg;
use logs::Logs;
use produce::{Appended, DelayedProduce};
use std::collections::{BTreeMap, VecDeque};

/// A client connection, as far as request ordering goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conn {
    /// A producer's connection.
    Producer(Id),
    /// A consumer's fetch connection.
    Consumer(Id),
    /// A follower's fetcher thread (follower, leader-side key: fetcher index).
    Fetcher(Id, u32),
}

/// The connection `req` travels on, if requests on it are handled one at a time.
pub fn conn_of(req: &Request) -> Option<Conn> {
    match req {
        Request::Produce(p) => Some(Conn::Producer(p.producer)),
        Request::Fetch(f) => Some(match f.replica {
            Some(r) => Conn::Fetcher(r.follower, r.fetcher),
            None => Conn::Consumer(f.consumer),
        }),
        // librdkafka and the Java client send it on the connection they fetch on.
        Request::ListOffsets { c, .. } => Some(Conn::Consumer(*c)),
        Request::Group { .. } | Request::Metadata { .. } => None,
    }
}

/// One broker's threads, replica logs, purgatories and replica fetchers.
pub struct Broker {
    pub(crate) host: Id,
    net: ThreadPool<Request>,
    io: ThreadPool<Request>,
    pub(crate) parked: BTreeMap<u64, FetchRequest>,
    next_parked: u64,
    pub(crate) delayed: BTreeMap<u64, DelayedProduce>,
    next_delayed: u64,
    /// When the pending ProduceExpire event of this broker fires (its earliest, if several).
    pub(crate) expiry_at: Option<Nanos>,
    /// Produce requests appended whose write() has not returned (dirty throttling, fsync).
    pub(crate) stalled: BTreeMap<u64, Appended>,
    pub(crate) next_stalled: u64,
    /// This broker's replica of each partition it holds.
    pub(crate) logs: Logs,
    /// Replica fetcher threads, by (source leader, fetcher index).
    pub(crate) fetchers: BTreeMap<(Id, u32), Fetcher>,
    /// Muted connections (one of their requests is being handled), with requests held behind.
    pub(crate) muted: BTreeMap<Conn, VecDeque<Request>>,
    /// Running (false between a crash and a restart).
    pub(crate) alive: bool,
    /// Incarnation: bumped by every crash.
    pub(crate) inc: u32,
    /// Draws the waits of its woken threads for a core (`broker.wake_stall_*`).
    pub(crate) stall_rng: crate::engine::rng::SimRng,
    /// The broker's JVM (young-GC pauses).
    pub(crate) jvm: super::jvm::Jvm,
}

/// What a crash leaves unanswered: requests waiting for threads or held behind a muted
/// connection, fetches in purgatory, acks=all produces waiting for the HW.
pub struct Orphans {
    /// Requests not yet handled.
    pub requests: Vec<Request>,
    /// Fetches in purgatory.
    pub parked: Vec<FetchRequest>,
    /// acks=all produces in purgatory.
    pub delayed: Vec<DelayedProduce>,
}

impl Broker {
    /// The process stopped: its threads, queues, connections and purgatories are gone (the
    /// logs stay on disk); work still under way belongs to the old incarnation.
    pub(crate) fn crash(&mut self, cfg: &BrokerCfg) -> Orphans {
        let mut requests = self.net.take_waiting();
        requests.extend(self.io.take_waiting());
        for (_, held) in std::mem::take(&mut self.muted) {
            requests.extend(held);
        }
        for (_, a) in std::mem::take(&mut self.stalled) {
            requests.push(Request::Produce(a.pr));
        }
        self.net = ThreadPool::new(cfg.network_threads, 0);
        self.io = ThreadPool::new(cfg.io_threads, 0);
        self.inc += 1;
        self.alive = false;
        for f in self.fetchers.values_mut() {
            f.in_flight = None;
            f.waking = false;
        }
        Orphans {
            requests,
            parked: std::mem::take(&mut self.parked).into_values().collect(),
            delayed: std::mem::take(&mut self.delayed).into_values().collect(),
        }
    }

    /// A broker on `host` with JVM `jvm`.
    pub fn new(
        host: Id,
        cfg: &BrokerCfg,
        jvm: super::jvm::Jvm,
        stall_rng: crate::engine::rng::SimRng,
    ) -> Self {
        Self {
            host,
            net: ThreadPool::new(cfg.network_threads, 0),
            io: ThreadPool::new(cfg.io_threads, 0),
            parked: BTreeMap::new(),
            next_parked: 0,
            delayed: BTreeMap::new(),
            next_delayed: 0,
            expiry_at: None,
            stalled: BTreeMap::new(),
            next_stalled: 0,
            logs: Logs::default(),
            fetchers: BTreeMap::new(),
            muted: BTreeMap::new(),
            alive: true,
            inc: 0,
            stall_rng,
            jvm,
        }
    }
}

impl Cluster {
    /// Write `batch`, just appended to `b`'s replica of partition `p`, into the page cache,
    /// and fsync the log when `log.flush.interval.messages` records are unflushed; returns when
    /// the writing thread may go on.
    pub(crate) fn write_log(&mut self, now: Nanos, b: Id, p: u32, batch: &LogBatch) -> Nanos {
        let host = self.brokers[b].host;
        let log = &self.brokers[b].logs[&p];
        let (seg, off) = log.segment_of(batch.pos);
        let dir = log.dir;
        let mut until =
            self.hosts[host].write(now, file_id(b, p, seg), dir, off, batch.bytes as u64);
        if log.unflushed_messages() >= self.cfg.broker.flush_interval_messages {
            until = until.max(self.flush_log(now, b, p));
        }
        until
    }

    /// Kafka's `UnifiedLog.flush`: for every segment of `b`'s replica of `p` holding
    /// unflushed data, `LogSegment.flush` syncs the log file, then the offset and time indexes
    /// (storage/.../log/LogSegment.java: `log.flush(); offsetIndex().flush();
    /// timeIndex().flush()`; the transaction index exists only after an aborted transaction),
    /// one after the other; returns when the last returns.
    pub(crate) fn flush_log(&mut self, now: Nanos, b: Id, p: u32) -> Nanos {
        let host = self.brokers[b].host;
        let log = self.brokers[b].logs.get_mut(&p).expect("a replica");
        let (dir, entry) = (log.dir, log.take_index_entries());
        let segs = log.flushed(now);
        let mut at = now;
        for seg in segs {
            // The mmap'ed indexes: the page holding the newest entries is written when entries
            // were added since the last flush (their background write-back, a few bytes per
            // 4 KiB of log, is not modelled).
            if let Some(n) = entry {
                for (file, size) in index_file_ids(b, p, seg).into_iter().zip(INDEX_ENTRY_BYTES) {
                    self.hosts[host]
                        .cache
                        .append(now, file, dir, n * size, size);
                }
            }
            let [index, time_index] = index_file_ids(b, p, seg);
            for file in [file_id(b, p, seg), index, time_index] {
                // Submitted together: the disk's FIFO runs them one after the other.
                at = at.max(self.hosts[host].fsync(now, file));
            }
        }
        at
    }
}

/// Page-cache file id of segment `segment` of `broker`'s replica of `partition` (brokers on
/// one host write distinct files).
pub fn file_id(broker: Id, partition: u32, segment: u64) -> u64 {
    ((broker as u64) << 52) | ((partition as u64) << 32) | segment
}

/// Page-cache file ids of a segment's offset index (`.index`) and time index (`.timeindex`).
pub fn index_file_ids(broker: Id, partition: u32, segment: u64) -> [u64; 2] {
    let f = file_id(broker, partition, segment);
    [f | 1 << 30, f | 2 << 30]
}

/// Bytes of an offset-index and a time-index entry.
const INDEX_ENTRY_BYTES: [u64; 2] = [8, 12];

impl Cluster {
    pub(crate) fn broker_arrive(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if !self.brokers[b].alive && !matches!(req, Request::Group { .. }) {
            self.refuse(now, b, req, q);
            return;
        }
        let garbage = match &req {
            Request::Fetch(f) if f.replica.is_some() => self.cfg.broker.gc_follower_fetch_bytes,
            Request::Fetch(_) => self.cfg.broker.gc_fetch_bytes,
            _ => self.cfg.broker.gc_request_bytes,
        };
        self.brokers[b]
            .jvm
            .allocate(now, garbage + req.wire_bytes());
        if let Some(conn) = conn_of(&req) {
            if let Some(held) = self.brokers[b].muted.get_mut(&conn) {
                held.push_back(req);
                return;
            }
            self.brokers[b].muted.insert(conn, VecDeque::new());
        }
        if let Some((req, slept)) = self.brokers[b].net.acquire(now, req) {
            self.start_net(now, b, req, Some(slept), q);
        }
    }

    /// The response on `conn` went out: read its next request, if one is waiting.
    pub(crate) fn unmute(&mut self, now: Nanos, b: Id, conn: Conn, q: &mut EventQueue<Event>) {
        let next = match self.brokers[b].muted.get_mut(&conn) {
            Some(held) => held.pop_front(),
            None => return,
        };
        match next {
            Some(req) => {
                if let Some((req, slept)) = self.brokers[b].net.acquire(now, req) {
                    self.start_net(now, b, req, Some(slept), q);
                }
            }
            None => {
                self.brokers[b].muted.remove(&conn);
            }
        }
    }

    /// A thread of `b` woken after sleeping `slept_ns`: (its wait for a core, its extra CPU)
    /// (`broker.wake_stall_*`, `broker.wake_cpu_us`, `broker.wake_half_ms`).
    pub(crate) fn woken_after(&mut self, b: Id, slept_ns: Nanos) -> (Nanos, Nanos) {
        let broker = &self.cfg.broker;
        let stall = broker
            .wake_stall
            .draw(slept_ns, &mut self.brokers[b].stall_rng);
        (stall, broker.wake.after(slept_ns))
    }

    /// A pool thread of `b` starting a job: [`Cluster::woken_after`] if it slept (`slept` =
    /// how long), nothing if it goes on from its last job.
    fn woken(&mut self, b: Id, slept: Option<Nanos>) -> (Nanos, Nanos) {
        slept.map_or((0, 0), |s| self.woken_after(b, s))
    }

    /// A network thread reads `req`; `slept` is how long it slept if it was asleep (then it
    /// costs more CPU and may wait for a core), None if it goes on from its previous job.
    fn start_net(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        slept: Option<Nanos>,
        q: &mut EventQueue<Event>,
    ) {
        let (stall, wake_ns) = self.woken(b, slept);
        let start = self.brokers[b].jvm.ready_at(now) + stall;
        let then = Event::NetDone {
            broker: b,
            inc: self.brokers[b].inc,
            req: Box::new(req),
        };
        let host = self.brokers[b].host;
        let cpu = self.cfg.broker.request_cpu_ns + wake_ns;
        self.on_cpu(q, host, start, cpu, then);
    }

    pub(crate) fn broker_net_done(
        &mut self,
        now: Nanos,
        b: Id,
        inc: u32,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if inc != self.brokers[b].inc {
            // Started before a crash: the connection is gone (group traffic is outside the
            // failure model and goes on).
            match req {
                Request::Group { .. } => self.requeue_io(now, b, req, q),
                _ => self.refuse(now, b, req, q),
            }
            return;
        }
        if let Some(next) = self.brokers[b].net.release(now) {
            self.start_net(now, b, next, None, q);
        }
        self.requeue_io(now, b, req, q);
    }

    /// An I/O thread handles `req`; `slept` as for [`Cluster::start_net`].
    fn start_io(
        &mut self,
        now: Nanos,
        b: Id,
        mut req: Request,
        slept: Option<Nanos>,
        q: &mut EventQueue<Event>,
    ) {
        let (stall, wake_ns) = self.woken(b, slept);
        let host = self.brokers[b].host;
        let now = self.brokers[b].jvm.ready_at(now);
        let (start, cpu) = match &mut req {
            Request::Produce(pr) => (now, self.produce_cpu_ns(pr)),
            Request::Fetch(f) => {
                if !self.prepare_fetch(now, b, f, q) {
                    let Request::Fetch(f) = req else {
                        unreachable!()
                    };
                    self.park_fetch(now, b, f, q);
                    self.release_io(now, b, q);
                    return;
                }
                self.fetch_io_cpu(now, b, f)
            }
            Request::Group { .. } | Request::Metadata { .. } | Request::ListOffsets { .. } => {
                (now, self.cfg.broker.request_cpu_ns)
            }
        };
        let then = Event::IoDone {
            broker: b,
            inc: self.brokers[b].inc,
            req: Box::new(req),
        };
        self.on_cpu(q, host, start + stall, cpu + wake_ns, then);
    }

    pub(crate) fn release_io(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if let Some(next) = self.brokers[b].io.release(now) {
            self.start_io(now, b, next, None, q);
        }
    }

    /// Queue `req` for an I/O thread (from a network thread, or a fetch leaving purgatory).
    pub(crate) fn requeue_io(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if let Some((req, slept)) = self.brokers[b].io.acquire(now, req) {
            self.start_io(now, b, req, Some(slept), q);
        }
    }

    pub(crate) fn broker_io_done(
        &mut self,
        now: Nanos,
        b: Id,
        inc: u32,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if inc != self.brokers[b].inc {
            if !matches!(req, Request::Group { .. }) {
                self.refuse(now, b, req, q);
                return;
            }
        } else if !matches!(req, Request::Produce(_)) {
            self.release_io(now, b, q);
        }
        match req {
            Request::Produce(pr) => {
                let free = match self.produce_fault(now) {
                    Some(crate::scenario::events::FailStage::BeforeAppend) => {
                        self.fail_produce(now, b, pr, q);
                        true
                    }
                    Some(_) => self.handle_produce(now, b, pr, true, q),
                    None => self.handle_produce(now, b, pr, false, q),
                };
                if free {
                    self.release_io(now, b, q);
                }
            }
            Request::Fetch(f) => self.answer_fetch(now, b, f, q),
            Request::Group {
                c,
                req: GroupRequest::FindCoordinator,
            } => {
                let coordinator = self.groups[self.group_client(c).0].broker;
                let _ = self.to_consumer(
                    q,
                    now,
                    b,
                    c,
                    100,
                    super::event::Reply::Group(GroupReply::Coordinator {
                        broker: coordinator,
                    }),
                );
            }
            Request::Group { c, req } => {
                let (g, actions) = self.group_handle(now, c, req);
                self.apply_group_actions(now, g, actions, q);
            }
            Request::Metadata { client } => self.answer_metadata(now, b, client, q),
            Request::ListOffsets { c, parts, earliest } => {
                self.answer_list_offsets(now, b, c, parts, earliest, q)
            }
        }
    }

    /// ListOffsets: where each partition `b` leads starts (earliest: its log start offset)
    /// or ends for a reader (its high watermark).
    fn answer_list_offsets(
        &mut self,
        now: Nanos,
        b: Id,
        c: Id,
        parts: Vec<u32>,
        earliest: bool,
        q: &mut EventQueue<Event>,
    ) {
        let parts: Vec<(u32, Option<u64>)> = parts
            .into_iter()
            .map(|p| {
                let led = self.parts[p as usize].leader == Some(b);
                let log = self.leader_log(p);
                let at = if earliest { log.log_start() } else { log.hw() };
                (p, led.then_some(at))
            })
            .collect();
        let bytes = 60 + 16 * parts.len() as u64;
        let reply = super::event::Reply::Offsets { broker: b, parts };
        let sent = self.to_consumer(q, now, b, c, bytes, reply);
        self.unmute(sent, b, Conn::Consumer(c), q);
    }

    /// `b` cannot handle `req` (crashed): the sender sees its connection close one network
    /// latency later and fails the request.
    pub(crate) fn refuse(&mut self, now: Nanos, b: Id, req: Request, q: &mut EventQueue<Event>) {
        use super::event::{FetchError, FetchedPart, ProduceError, ProduceResponse, Reply};
        let host = self.brokers[b].host;
        let (to, event) = match req {
            Request::Produce(pr) => {
                let p = pr.producer;
                let resp = ProduceResponse {
                    id: pr.id,
                    results: vec![Err(ProduceError::NetworkException); pr.batches.len()],
                };
                let resp = Box::new(resp);
                (self.producers[p].host, Event::ToProducer { p, resp })
            }
            Request::Fetch(f) => match f.replica {
                Some(r) => {
                    let parts = f
                        .parts
                        .iter()
                        .map(|x| FetchedPart {
                            partition: x.partition,
                            fetch_offset: x.offset,
                            batches: vec![],
                            hw: 0,
                            error: Some(FetchError::NotLeaderOrFollower),
                        })
                        .collect();
                    let event = Event::ToReplica {
                        broker: r.follower,
                        leader: b,
                        resp: Box::new(crate::kafka::event::ReplicaResponse {
                            fetcher: r.fetcher,
                            token: r.token,
                            parts,
                        }),
                    };
                    (self.brokers[r.follower].host, event)
                }
                None => {
                    let c = f.consumer;
                    let reply = Box::new(Reply::Disconnected { broker: b });
                    (
                        self.consumers[c % self.consumers.len()].host,
                        Event::ToConsumer { c, reply },
                    )
                }
            },
            Request::ListOffsets { c, .. } => {
                let reply = Box::new(Reply::Disconnected { broker: b });
                (
                    self.consumers[c % self.consumers.len()].host,
                    Event::ToConsumer { c, reply },
                )
            }
            Request::Metadata { client } => {
                let to = match client {
                    super::metadata::Client::Producer(p) => self.producers[p].host,
                    super::metadata::Client::Consumer(c) => self.consumers[c].host,
                };
                let leaders = None;
                (to, Event::MetadataReply { client, leaders })
            }
            Request::Group { .. } => return,
        };
        let (_, at) = self.send(now, host, to, 0);
        self.post(now, host, to, at, event, q);
    }

    /// Send group `g`'s coordinator's replies and arm its timers.
    pub(crate) fn apply_group_actions(
        &mut self,
        now: Nanos,
        g: usize,
        actions: Vec<Action>,
        q: &mut EventQueue<Event>,
    ) {
        let b = self.groups[g].broker;
        for a in actions {
            match a {
                Action::Reply { c, reply } => {
                    self.to_consumer(q, now, b, c, 200, super::event::Reply::Group(reply));
                }
                Action::Timer { at, timer } => {
                    let timer = Box::new(timer);
                    q.schedule(at, Event::Group { group: g, timer })
                }
                Action::Removed { c } => {
                    let index = c % self.consumers.len().max(1);
                    self.checks.ownership.evicted(index);
                }
            }
        }
    }
}
