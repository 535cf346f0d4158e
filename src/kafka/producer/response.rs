//! Produce responses, retries and completion.
//!
//! A batch acknowledged with its base offset is done (its memory returns to the buffer, its
//! records count as acknowledged). A failed batch is retried — put back at the head of its
//! partition's queue, not sent again before `retry.backoff.ms · 2^(attempts−1)` (capped at
//! `retry.backoff.max.ms`, ±20% jitter, KIP-580) — unless it has been retried `retries` times
//! or `delivery.timeout.ms` has passed since it was created; then its records are given up
//! (failed to the application, not acknowledged).
//!
//! Without idempotence a retried batch is a new append: if its first attempt was appended
//! before the error (a lost response, a timeout), the partition gets it twice; if a later
//! batch went through meanwhile (max.in.flight > 1), the retry lands after it — the reordering
//! Kafka warns about. With idempotence the broker drops the duplicate and rejects the later
//! batch (OUT_OF_ORDER_SEQUENCE_NUMBER) until the gap is filled.

use super::accumulator::OpenBatch;
use crate::engine::{EventQueue, Nanos};
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{Event, Id, ProduceError, ProduceResponse, SentBatch};
use crate::kafka::metrics::record_spread_ns;
use rand::Rng;

impl Cluster {
    /// A ProduceResponse (or a failure standing for one) reached producer `p`.
    pub(crate) fn produce_response(
        &mut self,
        now: Nanos,
        p: Id,
        resp: ProduceResponse,
        q: &mut EventQueue<Event>,
    ) {
        let Some(inf) = self.producers[p].inflight.remove(&resp.id) else {
            return; // already failed by a timeout or a disconnect
        };
        let pr = &mut self.producers[p];
        pr.in_flight[inf.broker] -= 1;
        for b in &inf.batches {
            pr.inflight_seqs[b.partition as usize].remove(&b.first_seq);
        }
        let mut done = vec![];
        let mut stale = false;
        let touched: Vec<u32> = inf.batches.iter().map(|b| b.partition).collect();
        for (b, r) in inf.batches.into_iter().zip(resp.results) {
            match r {
                Ok(base) => {
                    let pr = &mut self.producers[p];
                    let x = b.partition as usize;
                    if b.epoch == pr.epoch[x] {
                        pr.acked_next[x] = pr.acked_next[x].max(b.seq + b.records as u64);
                    }
                    done.push((b, Some(base)))
                }
                Err(e) => {
                    stale |= matches!(
                        e,
                        ProduceError::NotLeaderOrFollower
                            | ProduceError::NetworkException
                            | ProduceError::RequestTimedOut
                    );
                    self.retry_or_fail(now, p, b, e)
                }
            }
        }
        if stale {
            self.request_metadata(now, crate::kafka::metadata::Client::Producer(p), q);
        }
        for x in touched {
            self.maybe_bump_epoch(p, x);
        }
        self.complete_batches(now, p, &done, q);
        self.sender_run(now, p, q);
    }

    /// Retry batch `b` of producer `p` after `err`, or give it up.
    fn retry_or_fail(&mut self, now: Nanos, p: Id, b: SentBatch, err: ProduceError) {
        let pc = &self.cfg.producers[p];
        self.metrics.producers[p].errors += 1;
        let expired = now >= b.created_ns.saturating_add(pc.delivery_timeout_ns);
        let pr = &self.producers[p];
        let x = b.partition as usize;
        // OUT_OF_ORDER_SEQUENCE_NUMBER for the very batch after the last acknowledged one: the
        // broker lost what came before (an unclean election): not retriable; the partition's
        // sequences restart under a new epoch (Java's TransactionManager, KIP-360).
        // While a sequence is unresolved, OUT_OF_ORDER_SEQUENCE_NUMBER is not retried either
        // (TransactionManager.canRetry).
        let lost_sequence = err == ProduceError::OutOfOrderSequenceNumber
            && b.epoch == pr.epoch[x]
            && (b.seq == pr.acked_next[x] || pr.unresolved[x]);
        if b.attempts >= pc.retries || expired || lost_sequence {
            if b.idempotent && b.epoch == pr.epoch[x] {
                self.producers[p].unresolved[x] = true;
            }
            self.give_up(now, p, b.buffer_bytes, b.records);
            return;
        }
        let attempts = b.attempts + 1;
        let exp = pc
            .retry_backoff_ns
            .saturating_mul(1u64 << (attempts - 1).min(30))
            .min(pc.retry_backoff_max_ns.max(pc.retry_backoff_ns));
        let jitter_permille = 800 + self.producers[p].retry_rng.random_range(0..=400u64);
        let backoff = exp / 1000 * jitter_permille + exp % 1000 * jitter_permille / 1000;
        self.metrics.producers[p].retries += 1;
        self.metrics.producers[p].last_error = Some(err.name());
        let idempotent = pc.idempotence;
        self.producers[p].acc.reenqueue(
            b.partition,
            OpenBatch {
                records: b.records,
                raw_bytes: b.raw_bytes as u64,
                seq: Some(b.first_seq),
                wire_seq: Some((b.seq, b.epoch)),
                wire_bytes: Some(b.wire_bytes as u64),
                attempts,
                retry_at: now + backoff,
                created_ns: b.created_ns,
                last_append_ns: b.last_append_ns,
                buffer_bytes: b.buffer_bytes,
                full: true,
                payload_bytes: b.payload_bytes,
            },
            idempotent,
        );
    }

    /// Batches waiting for a partition without leader are given up once delivery.timeout.ms
    /// has passed since their creation (Java's `RecordAccumulator.expiredBatches`).
    pub(crate) fn expire_leaderless(
        &mut self,
        now: Nanos,
        p: Id,
        leaders: &[Option<Id>],
        q: &mut EventQueue<Event>,
    ) {
        let Some(deadline) = now.checked_sub(self.cfg.producers[p].delivery_timeout_ns) else {
            return;
        };
        let mut any = false;
        for x in 0..leaders.len() as u32 {
            if leaders[x as usize].is_some() {
                continue;
            }
            for b in self.producers[p].acc.expire(x, deadline) {
                let pr = &mut self.producers[p];
                if let Some((_, epoch)) = b.wire_seq.filter(|_| self.cfg.producers[p].idempotence) {
                    pr.unresolved[x as usize] |= epoch == pr.epoch[x as usize];
                }
                if b.seq.is_none() {
                    if let Some(keys) = &mut pr.keys {
                        keys.dropped(x, b.records);
                    }
                }
                self.give_up(now, p, b.buffer_bytes, b.records);
                any = true;
            }
            self.maybe_bump_epoch(p, x);
        }
        if any {
            self.unblock(now, p, q);
            self.maybe_finish_producer(now, p, q);
        }
    }

    /// Once partition `x` of producer `p` has a batch given up with its fate unknown and no
    /// batch of its epoch in flight or waiting for a retry: if every sequence handed out was
    /// acknowledged, the broker had the given-up batch too (it accepts sequences only in order)
    /// and sending goes on; otherwise bump the epoch and renumber the queued batches from
    /// sequence 0 (KIP-360). As Java's `TransactionManager.maybeResolveSequences`
    /// (clients/src/main/java/org/apache/kafka/clients/producer/internals/TransactionManager.java).
    fn maybe_bump_epoch(&mut self, p: Id, x: u32) {
        let pr = &mut self.producers[p];
        let i = x as usize;
        if !pr.unresolved[i] || !pr.inflight_seqs[i].is_empty() || pr.acc.has_retry(x, pr.epoch[i])
        {
            return;
        }
        pr.unresolved[i] = false;
        if pr.acked_next[i] == pr.wire_next[i] {
            return;
        }
        pr.epoch[i] += 1;
        pr.acked_next[i] = 0;
        pr.wire_next[i] = pr.acc.renumber(x, pr.epoch[i]);
    }

    /// Records of producer `p` failed for good: they free their memory and count as done.
    pub(crate) fn give_up(&mut self, _now: Nanos, p: Id, buffer_bytes: u64, records: u32) {
        let pr = &mut self.producers[p];
        pr.acc.release(buffer_bytes);
        pr.done += records as u64;
        self.metrics.producers[p].failed_records += records as u64;
    }

    /// Batches acknowledged (`Some(base offset)`) or sent with acks=0 (`None`).
    pub(crate) fn complete_batches(
        &mut self,
        now: Nanos,
        p: Id,
        batches: &[(SentBatch, Option<u64>)],
        q: &mut EventQueue<Event>,
    ) {
        for (b, base) in batches {
            self.producers[p].acc.release(b.buffer_bytes);
            self.producers[p].done += b.records as u64;
            let m = &mut self.metrics.producers[p];
            m.records += b.records as u64;
            m.payload_bytes += b.payload_bytes;
            m.last_ack_ns = now;
            record_spread_ns(
                &mut m.latency_us,
                now.saturating_sub(b.last_append_ns),
                now.saturating_sub(b.created_ns),
                b.records as u64,
            );
            if base.is_some() {
                self.checks
                    .delivery
                    .acked(b.partition, p as u32, b.first_seq, b.records as u64);
            }
        }
        self.unblock(now, p, q);
        self.maybe_finish_producer(now, p, q);
    }

    /// Wake the application thread if buffer memory came back.
    pub(crate) fn unblock(&mut self, now: Nanos, p: Id, q: &mut EventQueue<Event>) {
        if let Some(since) = self.producers[p].blocked_since {
            if !self.producer_exhausted(p) {
                self.producers[p].blocked_since = None;
                self.metrics.producers[p].blocked_ns += now - since;
                q.schedule(now, Event::ProducerTick { p });
            }
        }
    }

    /// Producer `p` is finished once every record it was to send is acknowledged or given
    /// up (at once when it has none to send).
    pub(crate) fn maybe_finish_producer(&mut self, now: Nanos, p: Id, q: &mut EventQueue<Event>) {
        let pr = &mut self.producers[p];
        if !pr.finished && pr.done >= self.cfg.producers[p].records {
            pr.finished = true;
            self.producer_finished(now, q);
        }
    }
}
