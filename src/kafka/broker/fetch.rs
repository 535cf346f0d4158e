//! Fetch on the leader, for consumers and for followers.
//!
//! Per partition: not the leader → NOT_LEADER_OR_FOLLOWER; a reader whose last record's leader
//! epoch ends before its fetch offset in this log → DivergingEpoch (it truncates and asks
//! again); otherwise whole batches from the fetch offset, below the HW for a consumer and below
//! the LEO for a follower; a fetch offset below the log start (deleted by retention) →
//! OFFSET_OUT_OF_RANGE with the log start. A follower's fetch offset is its LEO: the leader
//! records it (once, when the fetch is first handled), may add the follower back to the ISR,
//! and advances the HW — which answers waiting acks=all produces and parked consumer fetches.
//!
//! With less than min bytes available and no error, the fetch waits in purgatory until an
//! append (or a HW move, for consumers) makes enough available, or its max wait passes.

use super::file_id;
use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{
    Event, FetchError, FetchPart, FetchRequest, FetchedPart, Id, Reply, Request,
};

impl Cluster {
    /// Why `b` cannot serve `part`, or the offset a read must stay below.
    fn fetch_limit(&self, b: Id, part: &FetchPart, follower: bool) -> Result<u64, FetchError> {
        let p = part.partition;
        if self.parts[p as usize].leader != Some(b) {
            return Err(FetchError::NotLeaderOrFollower);
        }
        let log = &self.brokers[b].logs[&p];
        if let Some(epoch) = part.last_epoch {
            if let Some((epoch, offset)) = log.diverging(epoch, part.offset) {
                return Err(FetchError::Diverging { epoch, offset });
            }
        }
        if part.offset < log.log_start() {
            let log_start = log.log_start();
            return Err(FetchError::OutOfRange { log_start });
        }
        Ok(if follower { log.leo() } else { log.hw() })
    }

    /// Whether `f` is answered now: a partition has an error, or its partitions hold at least
    /// `fetch.min.bytes` (at least 1) to read. Stops counting once they do.
    fn fetch_ready(&self, b: Id, f: &FetchRequest) -> bool {
        let follower = f.replica.is_some();
        let need = f.min_bytes.max(1);
        let mut sum = 0;
        for part in &f.parts {
            let Ok(limit) = self.fetch_limit(b, part, follower) else {
                return true;
            };
            sum += self.brokers[b].logs[&part.partition].bytes_available(part.offset, limit);
            if sum >= need {
                return true;
            }
        }
        false
    }

    /// A follower's fetch offsets tell leader `b` how far `follower` has come.
    fn follower_progress(
        &mut self,
        now: Nanos,
        b: Id,
        follower: Id,
        parts: &[FetchPart],
        q: &mut EventQueue<Event>,
    ) {
        let mut moved = vec![];
        for part in parts {
            let p = part.partition;
            if self.fetch_limit(b, part, true).is_err() {
                continue;
            }
            let log = &self.brokers[b].logs[&p];
            let (leo, hw) = (log.leo(), log.hw());
            let ps = &mut self.parts[p as usize];
            ps.follower_fetched(follower, part.offset, leo, now);
            if ps.may_rejoin(follower, hw) {
                ps.add_to_isr(follower);
                self.metrics.isr_changes += 1;
            }
            if self.advance_hw(p) {
                moved.push(p);
            }
        }
        if !moved.is_empty() {
            self.wake_parked(now, b, &moved, q);
            self.check_delayed(now, b, q);
        }
    }

    /// Decide whether `f` is answered now (filling its result) or waits in purgatory (false).
    pub(crate) fn prepare_fetch(
        &mut self,
        now: Nanos,
        b: Id,
        f: &mut FetchRequest,
        q: &mut EventQueue<Event>,
    ) -> bool {
        if let (Some(r), false) = (f.replica, f.waited) {
            self.follower_progress(now, b, r.follower, &f.parts, q);
        }
        if !f.waited && f.max_wait_ns > 0 && !self.fetch_ready(b, f) {
            return false;
        }
        let follower = f.replica.is_some();
        let mut budget = f.max_bytes;
        f.result = f
            .parts
            .iter()
            .map(|part| {
                let p = part.partition;
                let mut out = FetchedPart {
                    partition: p,
                    fetch_offset: part.offset,
                    batches: vec![],
                    hw: 0,
                    error: None,
                };
                match self.fetch_limit(b, part, follower) {
                    Err(e) => out.error = Some(e),
                    Ok(limit) => {
                        let log = &self.brokers[b].logs[&p];
                        out.hw = log.hw();
                        if budget > 0 {
                            let read =
                                log.read(part.offset, f.partition_max_bytes.min(budget), limit);
                            budget = budget.saturating_sub(read.bytes);
                            out.batches = read.batches;
                        }
                    }
                }
                out
            })
            .collect();
        true
    }

    /// When the I/O thread has read `f`'s data on `b` (page cache hits at once, misses from
    /// the disk), and the CPU work it then does.
    ///
    /// Finding where a partition's read starts is Kafka's `LogSegment.translateOffset`: the
    /// offset index (one entry per `log.index.interval.bytes` appended, its pages kept in
    /// memory by mmap) gives the position of the last entry at or below the offset, and the
    /// log is scanned from there, batch header by batch header, up to the first batch wanted.
    /// That scan reads the bytes between the entry and the batch — on average half the
    /// interval — through the page cache, before the data itself.
    pub(crate) fn fetch_io_cpu(&mut self, now: Nanos, b: Id, f: &FetchRequest) -> (Nanos, Nanos) {
        let bc = &self.cfg.broker;
        let host = self.brokers[b].host;
        let mut disk_done = now;
        let mut bytes = 0;
        for part in &f.result {
            let log = &self.brokers[b].logs.get(&part.partition);
            if let (Some(first), Some(log)) = (part.batches.first(), log) {
                let (seg, off) = log.segment_of(first.pos);
                let scan = off % log.index_interval_bytes.max(1);
                if scan > 0 {
                    let file = file_id(b, part.partition, seg);
                    let read = self.hosts[host].read(now, file, off - scan, scan);
                    disk_done = disk_done.max(read);
                }
            }
            for batch in &part.batches {
                bytes += batch.bytes as u64;
                let (seg, off) = log.expect("read from it").segment_of(batch.pos);
                let file = file_id(b, part.partition, seg);
                let read = self.hosts[host].read(now, file, off, batch.bytes as u64);
                disk_done = disk_done.max(read);
            }
        }
        let cpu =
            f.parts.len() as u64 * bc.fetch_partition_cpu_ns + bytes * bc.fetch_ps_per_byte / 1000;
        (disk_done, cpu)
    }

    /// Put `f` in `b`'s purgatory until data arrives or its max wait passes.
    pub(crate) fn park_fetch(
        &mut self,
        now: Nanos,
        b: Id,
        f: FetchRequest,
        q: &mut EventQueue<Event>,
    ) {
        let id = self.brokers[b].next_parked;
        self.brokers[b].next_parked += 1;
        q.schedule(
            now + f.max_wait_ns,
            Event::FetchExpire {
                broker: b,
                parked: id,
            },
        );
        self.brokers[b].parked.insert(id, f);
    }

    /// Send a read fetch's data to the consumer or the follower.
    pub(crate) fn answer_fetch(
        &mut self,
        now: Nanos,
        b: Id,
        f: FetchRequest,
        q: &mut EventQueue<Event>,
    ) {
        let bytes = 100
            + f.result
                .iter()
                .map(|p| 40 + p.batches.iter().map(|b| b.bytes as u64).sum::<u64>())
                .sum::<u64>();
        match f.replica {
            None => {
                let c = f.consumer;
                let sent = self.to_consumer(
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
                self.unmute(sent, b, super::Conn::Consumer(c), q);
            }
            Some(r) => {
                let (from, to) = (self.brokers[b].host, self.brokers[r.follower].host);
                let (sent, at) = self.send(now, from, to, bytes);
                let event = Event::ToReplica {
                    broker: r.follower,
                    leader: b,
                    resp: Box::new(crate::kafka::event::ReplicaResponse {
                        fetcher: r.fetcher,
                        token: r.token,
                        parts: f.result,
                    }),
                };
                self.post(now, from, to, at, event, q);
                self.unmute(sent, b, super::Conn::Fetcher(r.follower, r.fetcher), q);
            }
        }
    }

    /// Wake `b`'s parked fetches on `touched` partitions that now have enough to read (or an
    /// error to report).
    pub(crate) fn wake_parked(
        &mut self,
        now: Nanos,
        b: Id,
        touched: &[u32],
        q: &mut EventQueue<Event>,
    ) {
        let ready: Vec<u64> = self.brokers[b]
            .parked
            .iter()
            .filter(|(_, f)| f.parts.iter().any(|x| touched.contains(&x.partition)))
            .filter(|(_, f)| self.fetch_ready(b, f))
            .map(|(&id, _)| id)
            .collect();
        for id in ready {
            let mut f = self.brokers[b].parked.remove(&id).expect("listed above");
            f.waited = true;
            self.requeue_io(now, b, Request::Fetch(f), q);
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
            self.requeue_io(now, b, Request::Fetch(f), q);
        }
    }
}
