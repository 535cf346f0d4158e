//! A producer process: the application thread calling send(), the partitioner, the
//! accumulator, and the sender thread that drains ready batches into ProduceRequests.
//!
//! Request shapes differ by client: the Java sender builds one request per broker carrying the
//! head batch of every partition that broker leads (rotating the start, up to
//! max.request.size) as soon as any of them is ready; librdkafka sends one partition's batch per
//! request and builds no new request for a broker while the previous one is still being written
//! to the socket, so batches grow while the connection is busy.
//!
//! Requests go to each partition's leader as the producer's metadata knows it. Every batch
//! gets, when first drained, the sequence number of its first record among the producer's
//! records for that partition; an idempotent producer's broker checks it. With
//! max.in.flight.requests.per.connection = 1 a partition with a batch in flight is muted (Java's
//! `guaranteeMessageOrder`); an idempotent producer sends a retried batch only when it is the
//! partition's lowest sequence in flight. Responses and retries: see [`response`].

pub mod accumulator;
mod pace;
pub mod response;

use super::cluster::Cluster;
use super::event::{Event, Id, ProduceRequest, Request, SentBatch};
use super::partitioner::{parse_librdkafka_partitioner, Partitioner, PartitionerKind};
use super::workload::Workload;
use crate::engine::{EventQueue, Nanos, SeedTree, SimRng};
use crate::scenario::resolve::{Acks, ClientKind};
use crate::scenario::SimConfig;
use accumulator::{Accumulator, Fit};
use std::collections::{BTreeMap, BTreeSet};

/// Most CPU one application chunk may take before the accumulator sees its records (1 ms).
const CHUNK_CPU_NS: Nanos = 1_000_000;

/// One producer's state.
pub struct Producer {
    pub(crate) host: Id,
    /// The Java client's JVM (young-GC pauses of its application and sender threads); never
    /// pauses for librdkafka.
    pub(crate) jvm: crate::kafka::jvm::Jvm,
    pub(crate) acc: Accumulator,
    /// kafkasim's numbers of its topic's partitions.
    pub(crate) partitions: std::ops::Range<u32>,
    /// The key of every record it sent to a compacted topic (None for other topics), for the
    /// log cleaner: the records' keys travel with their batches in Kafka.
    pub(crate) keys: Option<crate::kafka::log::compaction::KeyLog>,
    partitioner: Partitioner,
    workload: Workload,
    rng: SimRng,
    pub(crate) retry_rng: SimRng,
    pub(crate) generated: u64,
    /// Records acknowledged (or sent, with acks=0) or given up.
    pub(crate) done: u64,
    pub(crate) blocked_since: Option<Nanos>,
    pub(crate) sender_busy: bool,
    /// Requests in flight per broker.
    pub(crate) in_flight: Vec<u32>,
    /// Requests in flight, by id.
    pub(crate) inflight: BTreeMap<u64, InFlight>,
    /// Sequences of each partition's batches in flight.
    pub(crate) inflight_seqs: Vec<BTreeSet<u64>>,
    /// Next record number per partition (record identity).
    next_seq: Vec<u64>,
    /// Producer epoch per partition (bumped when an idempotent batch fails for good).
    pub(crate) epoch: Vec<u16>,
    /// Next sequence number to send per partition (in the current epoch).
    pub(crate) wire_next: Vec<u64>,
    /// Sequence after the last acknowledged batch per partition (in the current epoch).
    pub(crate) acked_next: Vec<u64>,
    /// Per partition, whether a batch of the current epoch was given up with its fate unknown
    /// (appended or not): only retries are sent until the batches in flight settle it.
    pub(crate) unresolved: Vec<bool>,
    /// Leader of each partition as this producer's metadata says.
    pub(crate) leaders: Vec<Option<Id>>,
    /// Its metadata requests.
    pub(crate) meta: crate::kafka::metadata::MetadataState,
    transmit_until: Vec<Nanos>,
    wake_at: Option<Nanos>,
    drain_index: usize,
    next_request: u64,
    pub(crate) finished: bool,
    /// Its send rate and turns.
    pace: pace::Pace,
    /// A chunk of send() calls is on the CPU.
    app_busy: bool,
    /// The time of the tick the rate waits for, if any (earlier stale ticks are ignored).
    wait_until: Nanos,
    /// The chunk handed to the CPU before its turn: (CPU job tag, its turn, bytes it allocated),
    /// withdrawn if the rate changes before that turn.
    early: Option<(u64, Nanos, u64)>,
    /// What one send() costs the application thread (fixed for the run).
    send: SendCost,
}

/// One send() call's cost, and how many the application takes onto the CPU at once.
#[derive(Clone, Copy, Debug)]
struct SendCost {
    /// CPU, ns a record: the call, plus serialising (and, in the Java client, compressing) its
    /// bytes.
    cpu_ns: Nanos,
    /// Bytes serialising allocates, a record: about the record's (its value and 24 of framing).
    bytes: u64,
    /// Records a chunk takes at most: [`CHUNK_CPU_NS`] of CPU, 1 to 1,024.
    chunk_records: u64,
}

impl SendCost {
    fn new(cfg: &SimConfig, index: usize) -> Self {
        let pc = &cfg.producers[index];
        // The Java client compresses in the application thread, as records are appended.
        let compress_ps = if cfg.client == ClientKind::Java {
            pc.codec.compress_ps_per_byte
        } else {
            0
        };
        let bytes = pc.value_bytes.1 as u64 + 24;
        let cpu_ns = pc.send_cpu_ns + bytes * (pc.ps_per_byte + compress_ps) / 1000;
        Self {
            cpu_ns,
            bytes,
            chunk_records: (CHUNK_CPU_NS / cpu_ns.max(1)).clamp(1, 1024),
        }
    }
}

impl Producer {
    /// Partition and append the next `records` records of the workload at `now`. With `bulk`,
    /// a run of identical records (no key or a fixed one, one value size) goes to its
    /// partition's open batch in one step after each record placed one by one, for as long as
    /// the partitioner would choose that partition again (`Partitioner::bulk_bytes`): the same
    /// batches, choices and draws as record by record (`bulk` false; the test below). Returns
    /// whether a batch was opened (its linger.ms starts) or filled: the sender may have work.
    pub(crate) fn place(&mut self, now: Nanos, records: u64, bulk: bool) -> bool {
        let mut sendable = false;
        let same_records = bulk && self.keys.is_none() && self.workload.repeats();
        // The partitioner numbers the topic's partitions from 0; the accumulator uses
        // kafkasim's numbers, from the topic's first.
        let first = self.partitions.start;
        let mut left = records;
        while left > 0 {
            left -= 1;
            let g = self.workload.next();
            let key_len = g.key.map(|k| k.len() as u32);
            let mut part = first
                + self.partitioner.partition_hashed(
                    g.key,
                    g.key_crc32,
                    now,
                    &self.acc,
                    &mut self.rng,
                );
            let mut fit = self.acc.fit(part, key_len, g.value_len);
            if fit == Fit::NewBatch {
                let chosen = first
                    + self
                        .partitioner
                        .on_new_batch(g.key, part - first, &mut self.rng);
                if chosen != part {
                    part = chosen;
                    fit = self.acc.fit(part, key_len, g.value_len);
                }
            }
            if let Some(keys) = &mut self.keys {
                keys.generated(part, g.key_id);
            }
            let ap = self.acc.append_known(part, key_len, g.value_len, now, fit);
            self.partitioner
                .on_append(part - first, ap.grew_bytes, &self.acc, &mut self.rng);
            sendable |= ap.new_batch || ap.full;
            let budget = (same_records && left > 0)
                .then(|| self.partitioner.bulk_bytes(g.key, part - first))
                .flatten();
            if let Some(max_bytes) = budget {
                let (n, bytes, full) =
                    self.acc
                        .append_open_many(part, key_len, g.value_len, left, max_bytes, now);
                self.partitioner
                    .on_appended_many(part - first, bytes, &self.acc, &mut self.rng);
                left -= n;
                sendable |= full;
            }
        }
        sendable
    }
}

/// A request awaiting its response.
#[derive(Clone, Debug)]
pub struct InFlight {
    /// Destination.
    pub broker: Id,
    /// Its batches (to complete or retry).
    pub batches: Vec<SentBatch>,
    /// When it was sent.
    pub sent_ns: Nanos,
}

/// The partitioner named by `producer.partitioner`.
pub fn partitioner_kind(name: &str, adaptive: bool) -> PartitionerKind {
    match name {
        "java-builtin" => PartitionerKind::JavaBuiltIn {
            adaptive,
            ignore_keys: false,
        },
        "java-sticky-kip480" => PartitionerKind::JavaStickyKip480 { ignore_keys: false },
        "java-legacy" => PartitionerKind::JavaLegacyDefault,
        "java-round-robin" => PartitionerKind::JavaRoundRobin {
            new_batch_skip: false,
        },
        other => PartitionerKind::Librdkafka(
            parse_librdkafka_partitioner(other).expect("checked by the scenario"),
        ),
    }
}

impl Producer {
    /// Producer number `index` on host `host`.
    pub fn new(cfg: &SimConfig, host: Id, seeds: &SeedTree, index: usize) -> Self {
        let pc = &cfg.producers[index];
        let topic = &cfg.topics[pc.topic];
        let java = cfg.client == ClientKind::Java;
        Self {
            host,
            acc: Accumulator::new(
                cfg.partitions,
                pc.batch_size,
                pc.batch_num_messages,
                pc.linger_ns,
                java,
            ),
            partitions: topic.range(),
            partitioner: Partitioner::new(
                partitioner_kind(&pc.partitioner, pc.adaptive),
                topic.partitions,
                pc.batch_size,
                pc.sticky_linger_ns,
            )
            .reading_queues_from(topic.first),
            workload: Workload::new(
                pc.keys.clone(),
                pc.value_bytes,
                seeds.stream("producer.workload", index as u64),
            )
            .with_tombstones(pc.tombstone_ppm),
            keys: topic.compact.then(Default::default),
            rng: seeds.stream("producer.partitioner", index as u64),
            jvm: crate::kafka::jvm::Jvm::new(
                if cfg.client == crate::scenario::resolve::ClientKind::Java {
                    pc.gc_young_every_bytes
                } else {
                    0
                },
                pc.gc_pause_ns,
                seeds.stream("producer.gc", index as u64),
            ),
            retry_rng: seeds.stream("producer.retry", index as u64),
            generated: 0,
            done: 0,
            blocked_since: None,
            sender_busy: false,
            in_flight: vec![0; cfg.brokers as usize],
            inflight: BTreeMap::new(),
            inflight_seqs: vec![BTreeSet::new(); cfg.partitions as usize],
            next_seq: vec![0; cfg.partitions as usize],
            epoch: vec![0; cfg.partitions as usize],
            wire_next: vec![0; cfg.partitions as usize],
            acked_next: vec![0; cfg.partitions as usize],
            unresolved: vec![false; cfg.partitions as usize],
            leaders: vec![None; cfg.partitions as usize],
            meta: Default::default(),
            transmit_until: vec![0; cfg.brokers as usize],
            wake_at: None,
            drain_index: 0,
            next_request: 0,
            finished: false,
            pace: pace::Pace::new(pc.rate_milli_per_s, pc.start_ns, pc.perf_test_pacing)
                .waking_late(
                    seeds.stream("producer.pace", index as u64),
                    pc.pace_jitter_ns,
                ),
            app_busy: false,
            wait_until: 0,
            early: None,
            send: SendCost::new(cfg, index),
        }
    }
}

impl Cluster {
    pub(crate) fn producer_exhausted(&self, p: Id) -> bool {
        let pc = &self.cfg.producers[p];
        let pr = &self.producers[p];
        pr.acc.used_bytes() >= pc.buffer_memory
            || (pc.max_queued_records > 0 && pr.acc.queued_records() >= pc.max_queued_records)
    }

    /// The application thread may send: take the next chunk of records onto the CPU.
    pub(crate) fn producer_tick(&mut self, now: Nanos, p: Id, q: &mut EventQueue<Event>) {
        let pc = &self.cfg.producers[p];
        let total = pc.records;
        if self.producers[p].generated == 0 {
            self.metrics.producers[p].start_ns = now;
        }
        if self.producers[p].generated >= total {
            self.maybe_finish_producer(now, p, q);
            self.sender_run(now, p, q);
            return;
        }
        if self.producer_exhausted(p) {
            self.producers[p].blocked_since.get_or_insert(now);
            self.sender_run(now, p, q);
            return;
        }
        let pr = &self.producers[p];
        if pr.app_busy || now < pr.wait_until {
            return; // a chunk is running, or a stale tick from before a rate change
        }
        match self.records_due(now, p) {
            Ok(due) => {
                let (chunk, work_ns, bytes) = self.chunk(p, due);
                self.start_chunk(now, p, chunk, work_ns, bytes, q);
            }
            Err(at) => self.wait_for_turn(at, p, q),
        }
    }

    /// The application waits for its next record's turn at `at`.
    fn wait_for_turn(&mut self, at: Nanos, p: Id, q: &mut EventQueue<Event>) {
        self.producers[p].wait_until = at;
        q.schedule(at, Event::ProducerTick { p });
    }

    /// The next chunk of `due` records' send() calls: (records, CPU work ns, bytes allocated).
    fn chunk(&self, p: Id, due: u64) -> (u64, Nanos, u64) {
        let s = self.producers[p].send;
        let chunk = s.chunk_records.min(due);
        (chunk, chunk * s.cpu_ns, chunk * s.bytes)
    }

    /// Hand a chunk to the application thread's CPU, runnable from `from` (now, or its turn);
    /// returns its CPU job's tag.
    fn start_chunk(
        &mut self,
        from: Nanos,
        p: Id,
        records: u64,
        work_ns: Nanos,
        bytes: u64,
        q: &mut EventQueue<Event>,
    ) -> Option<u64> {
        self.producers[p].app_busy = true;
        let jvm = &mut self.producers[p].jvm;
        jvm.allocate(from, bytes);
        let start = jvm.ready_at(from);
        let then = Event::ProducerAppDone {
            p,
            records: records as u32,
        };
        let host = self.producers[p].host;
        self.on_cpu_then(q, host, start, work_ns, then, 0)
    }

    /// A paced application whose next turn comes at `at` hands that chunk to the CPU now, to
    /// run from `at`: while the host's cores are not all taken that costs no event at `at`
    /// (see `hardware::cpu`). Not when serialising it fills the JVM's eden: a collection
    /// starts when the allocation happens, at `at`, and is decided then.
    fn start_early(&mut self, now: Nanos, at: Nanos, p: Id, q: &mut EventQueue<Event>) -> bool {
        // The turn is rounded down to the ns: a tick then may find it 1 ns early and go at the
        // next, as this does.
        let (at, due) = match self.records_due(at, p) {
            Ok(due) => (at, due),
            Err(next) => match self.records_due(next, p) {
                Ok(due) => (next, due),
                Err(_) => return false,
            },
        };
        let (chunk, work_ns, bytes) = self.chunk(p, due);
        if work_ns == 0 || self.producers[p].jvm.would_collect(bytes) {
            return false;
        }
        debug_assert!(at > now);
        let tag = self.start_chunk(at, p, chunk, work_ns, bytes, q);
        self.producers[p].early = tag.map(|t| (t, at, bytes));
        true
    }

    /// How many records the application may send at `now` (≥ 1, at most the records left), or
    /// when the next one's turn comes if none may yet (a paced producer).
    fn records_due(&self, now: Nanos, p: Id) -> Result<u64, Nanos> {
        let pc = &self.cfg.producers[p];
        let pr = &self.producers[p];
        let remaining = pc.records - pr.generated;
        if pr.pace.unpaced() {
            return Ok(remaining);
        }
        match pr
            .pace
            .allowed(now)
            .saturating_sub(pr.generated)
            .min(remaining)
        {
            0 => Err(pr.pace.wake(pr.generated).max(now + 1)),
            due => Ok(due),
        }
    }

    /// The send rate changes to `rate_milli_per_s` at `now` (scenario event `producer.rate`).
    pub(crate) fn producer_set_rate(
        &mut self,
        now: Nanos,
        p: Id,
        rate_milli_per_s: u64,
        q: &mut EventQueue<Event>,
    ) {
        // A chunk handed over before its turn is withdrawn: the new rate decides that turn.
        if let Some((tag, at, bytes)) = self.producers[p].early.take() {
            if at > now && self.cancel_cpu(now, self.producers[p].host, tag) {
                self.producers[p].jvm.forget(bytes);
                self.producers[p].app_busy = false;
            }
        }
        let pr = &mut self.producers[p];
        pr.pace.set(now, rate_milli_per_s, pr.generated);
        pr.wait_until = now;
        if !pr.app_busy {
            q.schedule(now, Event::ProducerTick { p });
        }
    }

    /// A chunk of send() calls finished: partition and append its records.
    pub(crate) fn producer_app_done(
        &mut self,
        now: Nanos,
        p: Id,
        records: u32,
        q: &mut EventQueue<Event>,
    ) {
        let pr = &mut self.producers[p];
        pr.app_busy = false;
        pr.early = None;
        let sendable = pr.place(now, records as u64, true);
        pr.generated += records as u64;
        // Records added to open batches that stay open change nothing the sender could send
        // now: what waits for linger.ms, a retry or a connection has a wake-up of its own. So
        // the sender looks for ready batches only when one was opened or filled, or the last
        // record was sent (flush), not after every record.
        if sendable || pr.generated >= self.cfg.producers[p].records {
            self.sender_run(now, p, q);
        }
        // What a tick now would do when the next record's turn has not come (a paced producer
        // between sends): wait for it, or hand its chunk to the CPU for then. Two events a
        // record fewer. (Nothing between now and then can exhaust the buffer: only the
        // application fills it.)
        let waits = self.producers[p].generated < self.cfg.producers[p].records
            && !self.producer_exhausted(p);
        match waits.then(|| self.records_due(now, p)) {
            Some(Err(at)) => {
                if !self.start_early(now, at, p, q) {
                    self.wait_for_turn(at, p, q);
                }
            }
            _ => q.schedule(now, Event::ProducerTick { p }),
        }
    }

    /// Whether partition `x`'s head batch may be drained now (ordering rules), if it has one.
    fn drainable(&self, p: Id, x: u32) -> bool {
        let pr = &self.producers[p];
        let Some(head) = pr.acc.head(x) else {
            return false;
        };
        let busy = &pr.inflight_seqs[x as usize];
        // A sequence given up with its fate unknown: only batches already numbered (retries)
        // go until it is resolved (Java's RecordAccumulator.shouldStopDrainBatchesForPartition).
        if pr.unresolved[x as usize] && head.wire_seq.is_none() {
            return false;
        }
        if self.cfg.producers[p].max_in_flight == 1 && !busy.is_empty() {
            return false;
        }
        if self.cfg.producers[p].idempotence {
            if let (Some(seq), Some(&lowest)) = (head.seq, busy.first()) {
                return seq < lowest;
            }
        }
        true
    }

    fn pick_request(&mut self, now: Nanos, p: Id) -> Option<(Id, Vec<u32>)> {
        let nb = self.brokers.len();
        let pr = &self.producers[p];
        let (first, np) = (pr.partitions.start, pr.partitions.len());
        // Its topic's partitions, from the one after the last drained (round-robin).
        let order = move |start: usize| (0..np).map(move |i| first + ((start + i) % np) as u32);
        let flush = self.producers[p].generated >= self.cfg.producers[p].records;
        let exhausted = self.producers[p].blocked_since.is_some();
        let max_in_flight = self.cfg.producers[p].max_in_flight;
        let pr = &self.producers[p];
        let start = pr.drain_index;
        match self.cfg.client {
            ClientKind::Java => {
                for b in 0..nb {
                    if pr.in_flight[b] >= max_in_flight {
                        continue;
                    }
                    let led = order(start)
                        .filter(|&x| pr.leaders[x as usize] == Some(b))
                        .filter(|&x| self.drainable(p, x));
                    if !led
                        .clone()
                        .any(|x| pr.acc.is_ready(x, now, flush, exhausted))
                    {
                        continue;
                    }
                    let mut size = 0;
                    let mut parts = vec![];
                    for x in led {
                        let bytes = pr.acc.head_bytes(x, &self.cfg.producers[p].codec) + 20;
                        if !parts.is_empty()
                            && size + bytes > self.cfg.producers[p].max_request_size as u64
                        {
                            break;
                        }
                        size += bytes;
                        parts.push(x);
                    }
                    return Some((b, parts));
                }
                None
            }
            ClientKind::Librdkafka => order(start).find_map(|x| {
                let b = pr.leaders[x as usize]?;
                let free = pr.in_flight[b] < max_in_flight && now >= pr.transmit_until[b];
                (free && pr.acc.is_ready(x, now, flush, exhausted) && self.drainable(p, x))
                    .then(|| (b, vec![x]))
            }),
        }
    }

    /// The sender thread looks for ready batches and builds one request at a time.
    pub(crate) fn sender_run(&mut self, now: Nanos, p: Id, q: &mut EventQueue<Event>) {
        if self.producers[p].wake_at.is_some_and(|w| w <= now) {
            self.producers[p].wake_at = None;
        }
        if self.producers[p].sender_busy {
            return;
        }
        let Some((broker, parts)) = self.pick_request(now, p) else {
            let pr = &self.producers[p];
            let blocked_tx = pr.transmit_until.iter().copied().filter(|&t| t > now).min();
            let next = [pr.acc.next_linger_deadline(now), blocked_tx]
                .into_iter()
                .flatten()
                .min();
            if let Some(at) = next {
                if self.producers[p].wake_at.is_none_or(|w| at < w) {
                    self.producers[p].wake_at = Some(at);
                    q.schedule(at, Event::SenderWake { p });
                }
            }
            return;
        };
        let codec = self.cfg.producers[p].codec.clone();
        let idempotent = self.cfg.producers[p].idempotence;
        let pr = &mut self.producers[p];
        let (first, np) = (pr.partitions.start, pr.partitions.len());
        pr.drain_index = (parts.last().map_or(0, |&x| x - first) as usize + 1) % np;
        let mut batches = Vec::with_capacity(parts.len());
        let mut cpu = self.cfg.producers[p].request_cpu_ns;
        for x in parts {
            let (b, wire) = pr
                .acc
                .drain(x, &codec)
                .expect("picked partitions have a batch");
            let raw = b.raw_bytes;
            if self.cfg.client == ClientKind::Librdkafka && b.attempts == 0 {
                cpu += raw * codec.compress_ps_per_byte / 1000;
            }
            cpu += wire * self.cfg.producers[p].ps_per_byte / 1000;
            let seq = b.seq.unwrap_or_else(|| {
                let s = pr.next_seq[x as usize];
                pr.next_seq[x as usize] += b.records as u64;
                if let Some(keys) = &mut pr.keys {
                    keys.numbered(x, b.records);
                }
                s
            });
            let (wire_seq, epoch) = b.wire_seq.unwrap_or_else(|| {
                let s = pr.wire_next[x as usize];
                pr.wire_next[x as usize] += b.records as u64;
                (s, pr.epoch[x as usize])
            });
            batches.push(SentBatch {
                partition: x,
                records: b.records,
                raw_bytes: raw as u32,
                wire_bytes: wire as u32,
                first_seq: seq,
                seq: wire_seq,
                epoch,
                idempotent,
                created_ns: b.created_ns,
                last_append_ns: b.last_append_ns,
                buffer_bytes: b.buffer_bytes,
                payload_bytes: b.payload_bytes,
                attempts: b.attempts,
            });
        }
        pr.next_request += 1;
        pr.sender_busy = true;
        let req = ProduceRequest {
            id: pr.next_request,
            batches,
            acks: self.cfg.producers[p].acks,
            timeout_ns: self.cfg.producers[p].request_timeout_ns,
            sent_ns: now,
            producer: p,
            broker,
        };
        let (start, host) = (pr.jvm.ready_at(now), pr.host);
        let req = Box::new(req);
        self.on_cpu(q, host, start, cpu, Event::SenderBuilt { p, broker, req });
    }

    /// A request is built: put it on the wire.
    pub(crate) fn sender_built(
        &mut self,
        now: Nanos,
        p: Id,
        broker: Id,
        mut req: ProduceRequest,
        q: &mut EventQueue<Event>,
    ) {
        self.producers[p].sender_busy = false;
        req.sent_ns = now;
        let m = &mut self.metrics.producers[p];
        m.requests += 1;
        m.batches += req.batches.len() as u64;
        m.wire_bytes += req.batches.iter().map(|b| b.wire_bytes as u64).sum::<u64>();
        let acks = req.acks;
        let (id, batches) = (req.id, req.batches.clone());
        let host = self.producers[p].host;
        let sent = self.to_broker(q, now, host, broker, Request::Produce(req));
        if self.cfg.client == ClientKind::Librdkafka {
            self.producers[p].transmit_until[broker] = sent;
        }
        if acks == Acks::Zero {
            let done: Vec<(SentBatch, Option<u64>)> =
                batches.into_iter().map(|b| (b, None)).collect();
            self.complete_batches(sent, p, &done, q);
        } else {
            let pr = &mut self.producers[p];
            pr.in_flight[broker] += 1;
            for b in &batches {
                pr.inflight_seqs[b.partition as usize].insert(b.first_seq);
            }
            pr.inflight.insert(
                id,
                InFlight {
                    broker,
                    batches,
                    sent_ns: now,
                },
            );
            if self.faults.timeouts {
                let what = crate::kafka::event::Timeout::Produce { p, id };
                q.schedule(
                    now + self.cfg.producers[p].request_timeout_ns,
                    Event::Timeout { what },
                );
            }
        }
        self.sender_run(now, p, q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// A producer of `scenario`'s first point.
    fn producer(scenario: &str) -> Producer {
        let sc = crate::scenario::Scenario::parse(scenario, "test").expect("a valid scenario");
        let (_, cfg) = sc.resolve_all().expect("it resolves").remove(0);
        Producer::new(&cfg, 0, &SeedTree::new(7), 0)
    }

    #[test]
    fn records_placed_in_bulk_land_where_they_land_one_by_one() {
        let mut cases = 0;
        for (client, partitioner) in [
            ("java", "java-builtin"),
            ("java", "java-sticky-kip480"),
            ("java", "java-legacy"),
            ("java", "java-round-robin"),
            ("librdkafka", "consistent_random"),
            ("librdkafka", "consistent"),
            ("librdkafka", "random"),
            ("librdkafka", "murmur2_random"),
            ("librdkafka", "fnv1a"),
        ] {
            for keys in ["none", "fixed", "random"] {
                // Small batches so a chunk spans many, of sizes a byte apart so some fill to
                // exactly batch.size; one case caps records per batch, one keeps large batches
                // whose records cross the record size's varint steps.
                let sizes = (1_000..1_100).map(|b| (b, 0, 10));
                for (batch_size, batch_num_messages, linger_sticky_ms) in
                    sizes.chain([(16_384, 7, 0), (900_000, 0, 1)])
                {
                    let text = format!(
                        "client = \"{client}\"\n[topic]\npartitions = 5\n[producer]\n\
                         records = 100000\nkeys = \"{keys}\"\npartitioner = \"{partitioner}\"\n\
                         value_bytes = 90\n\"batch.size\" = {batch_size}\n\
                         \"batch.num.messages\" = {batch_num_messages}\n\
                         \"sticky.partitioning.linger.ms\" = {linger_sticky_ms}\n"
                    );
                    let (mut bulk, mut one) = (producer(&text), producer(&text));
                    for (step, chunk) in [1u64, 37, 500, 2, 1_500, 999].into_iter().enumerate() {
                        // Time moves on between chunks: librdkafka's sticky partition expires.
                        let now = step as u64 * 3_000_000;
                        let (a, b) = (bulk.place(now, chunk, true), one.place(now, chunk, false));
                        let why = format!("{client} {partitioner} keys={keys} batch.size={batch_size} step {step}");
                        assert_eq!(a, b, "{why}");
                        assert_eq!(format!("{:?}", bulk.acc), format!("{:?}", one.acc), "{why}");
                        assert_eq!(
                            format!("{:?}", bulk.partitioner),
                            format!("{:?}", one.partitioner),
                            "{why}"
                        );
                        assert_eq!(bulk.rng.random::<u64>(), one.rng.random::<u64>(), "{why}");
                    }
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 9 * 3 * 102);
    }
}
