//! A broker: network threads read requests, I/O threads handle them, all on the host's cores.
//!
//! Produce: the I/O thread validates and appends each batch (CPU per batch and per byte, plus
//! recompression when the topic's compression.type differs from the producer's) into the page
//! cache; the response leaves after the append (one replica: acks=1 and acks=all coincide).
//! Fetch: the I/O thread reads whole batches from the fetch offset; resident pages are sent
//! with sendfile (cheap), missing ones are read from disk first. A Fetch with less than
//! fetch.min.bytes available waits in purgatory until enough is appended or fetch.max.wait.ms.

use super::cluster::Cluster;
use super::event::{Event, FetchRequest, FetchedPart, Id, Reply, Request};
use super::group::coordinator::{Action, GroupReply, GroupRequest};
use crate::engine::{EventQueue, Nanos};
use crate::resources::ThreadPool;
use crate::scenario::resolve::{Acks, BrokerCfg};
use std::collections::BTreeMap;

/// One broker's threads and waiting fetches.
pub struct Broker {
    pub(crate) host: Id,
    net: ThreadPool<Request>,
    io: ThreadPool<Request>,
    parked: BTreeMap<u64, FetchRequest>,
    next_parked: u64,
}

impl Broker {
    /// A broker on `host`.
    pub fn new(host: Id, cfg: &BrokerCfg) -> Self {
        Self {
            host,
            net: ThreadPool::new(cfg.network_threads),
            io: ThreadPool::new(cfg.io_threads),
            parked: BTreeMap::new(),
            next_parked: 0,
        }
    }
}

/// Page-cache file id of segment `segment` of `partition`.
fn file_id(partition: u32, segment: u64) -> u64 {
    ((partition as u64) << 32) | segment
}

impl Cluster {
    pub(crate) fn broker_arrive(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if let Some(req) = self.brokers[b].net.acquire(req) {
            self.start_net(now, b, req, q);
        }
    }

    fn start_net(&mut self, now: Nanos, b: Id, req: Request, q: &mut EventQueue<Event>) {
        let done = self.hosts[self.brokers[b].host]
            .cpu
            .submit(now, self.cfg.broker.request_cpu_ns);
        q.schedule(done, Event::NetDone { broker: b, req });
    }

    pub(crate) fn broker_net_done(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        if let Some(next) = self.brokers[b].net.release() {
            self.start_net(now, b, next, q);
        }
        if let Some(req) = self.brokers[b].io.acquire(req) {
            self.start_io(now, b, req, q);
        }
    }

    fn start_io(&mut self, now: Nanos, b: Id, mut req: Request, q: &mut EventQueue<Event>) {
        let bc = &self.cfg.broker;
        let host = self.brokers[b].host;
        let done = match &mut req {
            Request::Produce(pr) => {
                let mut cpu = 0;
                for batch in &pr.batches {
                    cpu += bc.produce_batch_cpu_ns
                        + batch.wire_bytes as u64 * bc.produce_ps_per_byte / 1000;
                    if let Some(topic_codec) = &bc.compression {
                        if topic_codec.name != self.cfg.producer.codec.name {
                            cpu += batch.raw_bytes as u64
                                * (self.cfg.producer.codec.decompress_ps_per_byte
                                    + topic_codec.compress_ps_per_byte)
                                / 1000;
                        }
                    }
                }
                self.hosts[host].cpu.submit(now, cpu)
            }
            Request::Fetch(f) => {
                if !self.read_fetch(f) {
                    let id = self.brokers[b].next_parked;
                    self.brokers[b].next_parked += 1;
                    let Request::Fetch(f) = req else {
                        unreachable!()
                    };
                    q.schedule(
                        now + f.max_wait_ns,
                        Event::FetchExpire {
                            broker: b,
                            parked: id,
                        },
                    );
                    self.brokers[b].parked.insert(id, f);
                    self.release_io(now, b, q);
                    return;
                }
                let mut disk_done = now;
                let mut bytes = 0;
                for part in &f.result {
                    for batch in &part.batches {
                        bytes += batch.bytes as u64;
                        let (seg, off) = self.logs[part.partition as usize].segment_of(batch.pos);
                        let file = file_id(part.partition, seg);
                        let h = &mut self.hosts[host];
                        for (o, len) in h.cache.read(file, off, batch.bytes as u64).misses {
                            disk_done = disk_done.max(h.disk.access(now, file, o, len, false));
                        }
                    }
                }
                let cpu = f.parts.len() as u64 * bc.fetch_partition_cpu_ns
                    + bytes * bc.fetch_ps_per_byte / 1000;
                self.hosts[host].cpu.submit(disk_done, cpu)
            }
            Request::Group { .. } => self.hosts[host].cpu.submit(now, bc.request_cpu_ns),
        };
        q.schedule(done, Event::IoDone { broker: b, req });
    }

    /// Read a fetch's data into `f.result`; false when it should wait for more data.
    fn read_fetch(&self, f: &mut FetchRequest) -> bool {
        let available: u64 = f
            .parts
            .iter()
            .map(|&(p, off)| self.logs[p as usize].bytes_available(off))
            .sum();
        if !f.waited && available < f.min_bytes.max(1) && f.max_wait_ns > 0 {
            return false;
        }
        let mut budget = f.max_bytes;
        f.result = f
            .parts
            .iter()
            .map(|&(p, off)| {
                let log = &self.logs[p as usize];
                let read = if budget > 0 {
                    log.read(off, f.partition_max_bytes.min(budget))
                } else {
                    Default::default()
                };
                budget = budget.saturating_sub(read.bytes);
                FetchedPart {
                    partition: p,
                    fetch_offset: off,
                    batches: read.batches,
                    hw: log.hw(),
                }
            })
            .collect();
        true
    }

    fn release_io(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if let Some(next) = self.brokers[b].io.release() {
            self.start_io(now, b, next, q);
        }
    }

    pub(crate) fn broker_io_done(
        &mut self,
        now: Nanos,
        b: Id,
        req: Request,
        q: &mut EventQueue<Event>,
    ) {
        self.release_io(now, b, q);
        match req {
            Request::Produce(mut pr) => {
                let host = self.brokers[b].host;
                let mut touched = vec![];
                for batch in pr.batches.iter_mut() {
                    let stored = self.logs[batch.partition as usize].append(super::log::LogBatch {
                        base_offset: 0,
                        records: batch.records,
                        bytes: batch.wire_bytes,
                        raw_bytes: batch.raw_bytes,
                        pos: 0,
                        producer: pr.producer as u32,
                        first_seq: batch.first_seq,
                        created_ns: batch.created_ns,
                    });
                    batch.base_offset = stored.base_offset;
                    self.appended_records += batch.records as u64;
                    self.metrics.partition_records[batch.partition as usize] +=
                        batch.records as u64;
                    let (seg, off) = self.logs[batch.partition as usize].segment_of(stored.pos);
                    self.hosts[host].cache.append(
                        now,
                        file_id(batch.partition, seg),
                        off,
                        batch.wire_bytes as u64,
                    );
                    touched.push(batch.partition);
                }
                if self.hosts[host].cache.dirty_bytes() > self.cfg.host.dirty_background_bytes {
                    self.writeback(now, host, false);
                }
                self.wake_parked(now, b, &touched, q);
                if pr.acks != Acks::Zero {
                    let p = pr.producer;
                    let bytes = 60 + 40 * pr.batches.len() as u64;
                    let (_, arrive) = self.send(now, host, self.producers[p].host, bytes);
                    q.schedule(arrive, Event::ProduceAcked { p, req: pr });
                }
            }
            Request::Fetch(f) => {
                let bytes = 100
                    + f.result
                        .iter()
                        .map(|p| 40 + p.batches.iter().map(|b| b.bytes as u64).sum::<u64>())
                        .sum::<u64>();
                let c = f.consumer;
                self.to_consumer(
                    q,
                    now,
                    b,
                    c,
                    bytes,
                    Reply::Fetch {
                        broker: b,
                        parts: f.result,
                    },
                );
            }
            Request::Group {
                c,
                req: GroupRequest::FindCoordinator,
            } => {
                let coordinator = self.coordinator;
                self.to_consumer(
                    q,
                    now,
                    b,
                    c,
                    100,
                    Reply::Group(GroupReply::Coordinator {
                        broker: coordinator,
                    }),
                );
            }
            Request::Group { c, req } => {
                let actions = self.group_handle(now, c, req);
                self.apply_group_actions(now, actions, q);
            }
        }
    }

    /// Send the coordinator's replies and arm its timers.
    pub(crate) fn apply_group_actions(
        &mut self,
        now: Nanos,
        actions: Vec<Action>,
        q: &mut EventQueue<Event>,
    ) {
        let b = self.coordinator;
        for a in actions {
            match a {
                Action::Reply { c, reply } => {
                    self.to_consumer(q, now, b, c, 200, Reply::Group(reply))
                }
                Action::Timer { at, timer } => q.schedule(at, Event::Group { timer }),
            }
        }
    }

    fn wake_parked(&mut self, now: Nanos, b: Id, touched: &[u32], q: &mut EventQueue<Event>) {
        let ready: Vec<u64> = self.brokers[b]
            .parked
            .iter()
            .filter(|(_, f)| f.parts.iter().any(|(p, _)| touched.contains(p)))
            .filter(|(_, f)| {
                f.parts
                    .iter()
                    .map(|&(p, off)| self.logs[p as usize].bytes_available(off))
                    .sum::<u64>()
                    >= f.min_bytes.max(1)
            })
            .map(|(&id, _)| id)
            .collect();
        for id in ready {
            let mut f = self.brokers[b].parked.remove(&id).expect("listed above");
            f.waited = true;
            if let Some(req) = self.brokers[b].io.acquire(Request::Fetch(f)) {
                self.start_io(now, b, req, q);
            }
        }
    }

    pub(crate) fn broker_fetch_expire(
        &mut self,
        now: Nanos,
        b: Id,
        parked: u64,
        q: &mut EventQueue<Event>,
    ) {
        if let Some(mut f) = self.brokers[b].parked.remove(&parked) {
            f.waited = true;
            if let Some(req) = self.brokers[b].io.acquire(Request::Fetch(f)) {
                self.start_io(now, b, req, q);
            }
        }
    }
}
