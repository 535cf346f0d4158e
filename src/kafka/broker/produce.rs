//! Produce on the leader: validate and append each batch, then answer according to acks.
//!
//! Per batch, in request order (Kafka's `ReplicaManager.appendRecords`):
//! 1. not the partition's leader → NOT_LEADER_OR_FOLLOWER;
//! 2. acks=all with an ISR smaller than min.insync.replicas → NOT_ENOUGH_REPLICAS;
//! 3. idempotent batch: duplicate of one of the producer's last 5 → acknowledged with the
//!    original offset, not appended; a sequence gap → OUT_OF_ORDER_SEQUENCE_NUMBER;
//! 4. append into the page cache (the CPU was spent by the I/O thread before).
//!
//! acks=0 gets no response; acks=1 gets it now; acks=all waits in purgatory
//! ([`DelayedProduce`]) until the high watermark passes every batch (then
//! NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR has meanwhile shrunk below min.insync.replicas),
//! the broker loses leadership (NOT_LEADER_OR_FOLLOWER) or the request's timeout passes
//! (REQUEST_TIMED_OUT). With one replica the HW follows the append, so acks=all answers at once.

use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{Event, Id, ProduceError, ProduceRequest, ProduceResponse, SentBatch};
use crate::kafka::log::producer_state::SeqCheck;
use crate::kafka::log::LogBatch;
use crate::scenario::resolve::Acks;

/// An acks=all request waiting for the high watermark.
#[derive(Clone, Debug)]
pub struct DelayedProduce {
    /// Producer to answer.
    pub producer: Id,
    /// Request id.
    pub id: u64,
    /// Result per batch so far.
    pub results: Vec<Result<u64, ProduceError>>,
    /// (batch index, partition, end offset) still waiting for the HW.
    pub waiting: Vec<(usize, u32, u64)>,
    /// The response will be lost (an injected `requests.fail` after the append).
    pub lost: bool,
    /// When the request's timeout passes (REQUEST_TIMED_OUT).
    pub deadline_ns: Nanos,
}

/// A produce request appended, waiting for its write() to return.
#[derive(Debug)]
pub struct Appended {
    /// The request.
    pub pr: ProduceRequest,
    /// Result per batch.
    pub results: Vec<Result<u64, ProduceError>>,
    /// Partitions that grew.
    pub touched: Vec<u32>,
    /// The response will be lost (injected fault).
    pub lost: bool,
}

/// The results a producer sees: NETWORK_EXCEPTION for every batch when the response is lost.
fn lose(results: Vec<Result<u64, ProduceError>>, lost: bool) -> Vec<Result<u64, ProduceError>> {
    if lost {
        vec![Err(ProduceError::NetworkException); results.len()]
    } else {
        results
    }
}

impl Cluster {
    /// I/O-thread CPU to validate and append a request's batches (plus recompression when the
    /// topic's codec differs from the producer's).
    pub(crate) fn produce_cpu_ns(&self, pr: &ProduceRequest) -> Nanos {
        let bc = &self.cfg.broker;
        let mut cpu = 0;
        for batch in &pr.batches {
            cpu +=
                bc.produce_batch_cpu_ns + batch.wire_bytes as u64 * bc.produce_ps_per_byte / 1000;
            let sent = &self.cfg.producers[pr.producer].codec;
            if let Some(topic_codec) = &self.cfg.topic_of(batch.partition).compression {
                if topic_codec.name != sent.name {
                    cpu += batch.raw_bytes as u64
                        * (sent.decompress_ps_per_byte + topic_codec.compress_ps_per_byte)
                        / 1000;
                }
            }
        }
        cpu
    }

    /// Validate and append one batch on leader `b`: its base offset and whether it was
    /// appended; `io_until` moves to when the I/O thread's write (and any flush) returns.
    fn append_produced(
        &mut self,
        now: Nanos,
        b: Id,
        pr: &ProduceRequest,
        batch: &SentBatch,
        io_until: &mut Nanos,
    ) -> Result<(u64, bool), ProduceError> {
        let p = batch.partition;
        let part = &self.parts[p as usize];
        if part.leader != Some(b) {
            return Err(ProduceError::NotLeaderOrFollower);
        }
        if pr.acks == Acks::All && (part.isr.len() as u32) < self.cfg.topic_of(p).min_insync {
            return Err(ProduceError::NotEnoughReplicas);
        }
        let epoch = part.leader_epoch;
        let log = self.brokers[b]
            .logs
            .get_mut(&p)
            .expect("a leader holds a replica");
        if batch.idempotent {
            match log.check_sequence(pr.producer as u32, batch.epoch, batch.seq, batch.records) {
                SeqCheck::Duplicate { base_offset } => return Ok((base_offset, false)),
                SeqCheck::OutOfOrder { .. } => return Err(ProduceError::OutOfOrderSequenceNumber),
                SeqCheck::Append => {}
            }
        }
        let stored = log.append(
            now,
            LogBatch {
                base_offset: 0,
                records: batch.records,
                bytes: batch.wire_bytes,
                raw_bytes: batch.raw_bytes,
                pos: 0,
                producer: pr.producer as u32,
                first_seq: batch.first_seq,
                seq: batch.seq,
                producer_epoch: batch.epoch,
                idempotent: batch.idempotent,
                leader_epoch: epoch,
                created_ns: batch.created_ns,
                timestamp_ns: match self.cfg.topic_of(p).log_append_time {
                    true => now,
                    false => batch.created_ns,
                },
                horizon_ns: 0,
            },
        );
        self.log_end_total += batch.records as u64 * self.checks.lanes.readers(p);
        self.metrics.partition_records[p as usize] += batch.records as u64;
        *io_until = (*io_until).max(self.write_log(now, b, p, &stored));
        Ok((stored.base_offset, true))
    }

    /// An injected fault lost `pr` on its way in: nothing appended, the producer sees
    /// NETWORK_EXCEPTION.
    pub(crate) fn fail_produce(
        &mut self,
        now: Nanos,
        b: Id,
        pr: ProduceRequest,
        q: &mut EventQueue<Event>,
    ) {
        if pr.acks == Acks::Zero {
            self.unmute(now, b, super::Conn::Producer(pr.producer), q);
        } else {
            let results = vec![Err(ProduceError::NetworkException); pr.batches.len()];
            self.respond_produce(now, b, pr.producer, pr.id, results, q);
        }
    }

    /// An I/O thread finished a ProduceRequest's CPU work on broker `b` (`lost`: its response
    /// will be lost, an injected fault): append, then answer once the write returns (at once
    /// unless the page cache throttles the writer or a flush is due). Returns whether the
    /// I/O thread is free now.
    pub(crate) fn handle_produce(
        &mut self,
        now: Nanos,
        b: Id,
        pr: ProduceRequest,
        lost: bool,
        q: &mut EventQueue<Event>,
    ) -> bool {
        let mut results = Vec::with_capacity(pr.batches.len());
        let mut touched = vec![];
        let mut io_until = now;
        for batch in &pr.batches {
            let r = self.append_produced(now, b, &pr, batch, &mut io_until);
            if let Ok((_, true)) = r {
                touched.push(batch.partition);
            }
            results.push(r.map(|(base, _)| base));
        }
        let done = Appended {
            pr,
            results,
            touched,
            lost,
        };
        if io_until > now {
            let broker = &mut self.brokers[b];
            let id = broker.next_stalled;
            broker.next_stalled += 1;
            broker.stalled.insert(id, done);
            let inc = broker.inc;
            q.schedule(io_until, Event::WriteDone { broker: b, inc, id });
            return false;
        }
        self.produce_written(now, b, done, q);
        true
    }

    /// A stalled write on `b` returned: free its I/O thread and answer the request.
    pub(crate) fn write_done(
        &mut self,
        now: Nanos,
        b: Id,
        inc: u32,
        id: u64,
        q: &mut EventQueue<Event>,
    ) {
        if inc != self.brokers[b].inc {
            return; // the crash answered it
        }
        let done = self.brokers[b].stalled.remove(&id).expect("stalled write");
        self.release_io(now, b, q);
        self.produce_written(now, b, done, q);
    }

    /// The batches of a request are written: move the HW, wake fetches and answer per acks.
    fn produce_written(&mut self, now: Nanos, b: Id, done: Appended, q: &mut EventQueue<Event>) {
        let Appended {
            pr,
            results,
            touched,
            lost,
        } = done;
        let mut moved = false;
        for &p in &touched {
            moved |= self.advance_hw(p);
        }
        self.wake_parked(now, b, &touched, q);
        if moved {
            self.check_delayed(now, b, q);
        }
        match pr.acks {
            Acks::Zero => self.unmute(now, b, super::Conn::Producer(pr.producer), q),
            Acks::One => {
                let results = lose(results, lost);
                self.respond_produce(now, b, pr.producer, pr.id, results, q)
            }
            Acks::All => {
                let waiting: Vec<(usize, u32, u64)> = pr
                    .batches
                    .iter()
                    .zip(&results)
                    .enumerate()
                    .filter_map(|(i, (batch, r))| {
                        r.as_ref()
                            .ok()
                            .map(|&base| (i, batch.partition, base + batch.records as u64))
                    })
                    .collect();
                let mut d = DelayedProduce {
                    producer: pr.producer,
                    id: pr.id,
                    results,
                    waiting,
                    lost,
                    deadline_ns: now + pr.timeout_ns,
                };
                if self.settle_delayed(b, &mut d) {
                    let results = lose(d.results, d.lost);
                    self.respond_produce(now, b, d.producer, d.id, results, q);
                } else {
                    let id = self.brokers[b].next_delayed;
                    self.brokers[b].next_delayed += 1;
                    let deadline = d.deadline_ns;
                    let garbage = self.cfg.broker.gc_delayed_produce_bytes;
                    self.brokers[b].jvm.allocate(now, garbage);
                    self.brokers[b].delayed.insert(id, d);
                    self.arm_produce_expiry(b, deadline, q);
                }
            }
        }
    }

    /// Resolve the waits of `d` that can be resolved on broker `b`; true when none is left.
    fn settle_delayed(&self, b: Id, d: &mut DelayedProduce) -> bool {
        d.waiting.retain(|&(i, p, end)| {
            let min_insync = self.cfg.topic_of(p).min_insync as usize;
            let part = &self.parts[p as usize];
            if part.leader != Some(b) {
                d.results[i] = Err(ProduceError::NotLeaderOrFollower);
                return false;
            }
            if self.brokers[b].logs[&p].hw() < end {
                return true;
            }
            if part.isr.len() < min_insync {
                d.results[i] = Err(ProduceError::NotEnoughReplicasAfterAppend);
            }
            false
        });
        d.waiting.is_empty()
    }

    /// Answer every acks=all request on `b` whose wait is over (after the HW moved or the
    /// leadership changed).
    pub(crate) fn check_delayed(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        let ids: Vec<u64> = self.brokers[b].delayed.keys().copied().collect();
        for id in ids {
            let mut d = self.brokers[b].delayed.remove(&id).expect("listed");
            if self.settle_delayed(b, &mut d) {
                let results = lose(d.results, d.lost);
                self.respond_produce(now, b, d.producer, d.id, results, q);
            } else {
                self.brokers[b].delayed.insert(id, d);
            }
        }
    }

    /// Make sure a ProduceExpire event of `b` comes at `deadline` or before. One timer per
    /// broker (Kafka's purgatory has one timing wheel per broker): most waits end when the HW
    /// moves, long before their timeout, and a timer per request would leave thousands of dead
    /// events in the queue.
    fn arm_produce_expiry(&mut self, b: Id, deadline: Nanos, q: &mut EventQueue<Event>) {
        if self.brokers[b].expiry_at.is_none_or(|at| deadline < at) {
            self.brokers[b].expiry_at = Some(deadline);
            q.schedule(deadline, Event::ProduceExpire { broker: b });
        }
    }

    /// `b`'s purgatory timer: every acks=all wait whose timeout has passed is answered, in the
    /// order the waits began; the timer is armed again for the next deadline.
    pub(crate) fn produce_expire(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if self.brokers[b].expiry_at == Some(now) {
            self.brokers[b].expiry_at = None;
        }
        let due: Vec<u64> = (self.brokers[b].delayed.iter())
            .filter(|(_, d)| d.deadline_ns <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            let mut d = self.brokers[b].delayed.remove(&id).expect("listed");
            if !self.settle_delayed(b, &mut d) {
                for &(i, _, _) in &d.waiting {
                    d.results[i] = Err(ProduceError::RequestTimedOut);
                }
            }
            let results = lose(d.results, d.lost);
            self.respond_produce(now, b, d.producer, d.id, results, q);
        }
        let next = self.brokers[b]
            .delayed
            .values()
            .map(|d| d.deadline_ns)
            .min();
        if let Some(next) = next {
            self.arm_produce_expiry(b, next, q);
        }
    }

    fn respond_produce(
        &mut self,
        now: Nanos,
        b: Id,
        p: Id,
        id: u64,
        results: Vec<Result<u64, ProduceError>>,
        q: &mut EventQueue<Event>,
    ) {
        let bytes = 60 + 40 * results.len() as u64;
        let (from, to) = (self.brokers[b].host, self.producers[p].host);
        let (sent, arrive) = self.send(now, from, to, bytes);
        self.unmute(sent, b, super::Conn::Producer(p), q);
        let resp = Box::new(ProduceResponse { id, results });
        self.post(now, from, to, arrive, Event::ToProducer { p, resp }, q);
    }
}
