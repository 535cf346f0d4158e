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
use crate::kafka::metrics::record_ns;
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
        for (b, r) in inf.batches.into_iter().zip(resp.results) {
            match r {
                Ok(base) => done.push((b, Some(base))),
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
        self.complete_batches(now, p, &done, q);
        self.sender_run(now, p, q);
    }

    /// Retry batch `b` of producer `p` after `err`, or give it up.
    fn retry_or_fail(&mut self, now: Nanos, p: Id, b: SentBatch, err: ProduceError) {
        let pc = &self.cfg.producer;
        self.metrics.producers[p].errors += 1;
        let expired = now >= b.created_ns.saturating_add(pc.delivery_timeout_ns);
        if b.attempts >= pc.retries || expired {
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
                wire_bytes: Some(b.wire_bytes as u64),
                attempts,
                retry_at: now + backoff,
                created_ns: b.created_ns,
                buffer_bytes: b.buffer_bytes,
                full: true,
                payload_bytes: b.payload_bytes,
            },
            idempotent,
        );
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
            record_ns(
                &mut m.latency_us,
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
        if !pr.finished && pr.done >= self.cfg.producer.records {
            pr.finished = true;
            self.producer_finished(now, q);
        }
    }
}
