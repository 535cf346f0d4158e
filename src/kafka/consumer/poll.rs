//! The fetcher and the application's poll loop, with commits.
//!
//! Fetcher: one outstanding Fetch per broker, carrying every assigned, unpaused partition with a
//! position whose buffer holds fewer than `queued.min.messages` records (Java: 1, i.e. fetch a
//! partition again only when its buffer is empty; librdkafka: 100,000 records of prefetch).
//!
//! Poll loop: take up to max.poll.records from the buffers (rotating over partitions), spend
//! the client's and the application's CPU per record and per byte (plus decompression), then
//! poll again. A record counts as consumed when its processing ends.
//!
//! Fetches go to each partition's leader as the consumer's metadata says; NOT_LEADER_OR_FOLLOWER
//! or a closed connection makes it ask for metadata again. A DivergingEpoch answer (its position
//! lies past where the new leader's log differs, after an unclean election) moves it back to
//! the divergence point, as the Java consumer does with a reset policy.
//!
//! Commits: with enable.auto.commit, every auto.commit.interval.ms at a poll (async) — the Java
//! client commits what the application has processed, librdkafka what it has been handed (its
//! offset store is updated at hand-over); manual commits (sync or async, every poll or every N
//! records) come after processing (at-least-once) or before it (at-most-once).

use super::super::cluster::Cluster;
use super::super::event::{Event, FetchError, FetchPart, FetchRequest, FetchedPart, Id, Request};
use super::super::group::coordinator::GroupRequest;
use super::super::log::LogBatch;
use super::super::metadata::Client;
use super::super::metrics::record_ns;
use super::{ConsumerTimer, InProcess};
use crate::engine::{EventQueue, Nanos};
use crate::scenario::resolve::ClientKind;
use std::collections::BTreeMap;

/// Records of batch `b` at or after `fetch_offset` (a fetch may start inside a batch), and
/// their share of its bytes and uncompressed bytes.
fn unread(b: &LogBatch, fetch_offset: u64) -> (u64, u64, u64) {
    let total = b.records as u64;
    let n = total - fetch_offset.saturating_sub(b.base_offset).min(total);
    let share = |x: u32| x as u64 * n / total.max(1);
    (n, share(b.bytes), share(b.raw_bytes))
}

/// Records, bytes and uncompressed bytes of a Fetch response, from each partition's fetch offset.
fn fetched_size(parts: &[FetchedPart]) -> (u64, u64, u64) {
    parts
        .iter()
        .flat_map(|part| part.batches.iter().map(|b| unread(b, part.fetch_offset)))
        .fold((0, 0, 0), |(r, b, w), (n, x, y)| (r + n, b + x, w + y))
}

impl Cluster {
    /// Client CPU to parse `records` records of `bytes` bytes (`raw` uncompressed): per record
    /// and per byte, plus decompression.
    fn parse_cpu_ns(&self, c: Id, records: u64, bytes: u64, raw: u64) -> Nanos {
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        records * cc.fetch_cpu_ns
            + bytes * cc.ps_per_byte / 1000
            + raw * self.cfg.producer.codec.decompress_ps_per_byte / 1000
    }

    /// A Fetch response reached consumer `c`. librdkafka's broker thread parses it (CRC,
    /// decompression, one message object per record) beside the application before its
    /// records are queued, and sends no other Fetch to that broker meanwhile
    /// (`rdkafka_fetcher.c`, `rd_kafka_fetch_reply_handle`); the Java consumer parses in
    /// poll(), on the application thread.
    pub(super) fn fetch_arrived(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        parts: Vec<FetchedPart>,
        q: &mut EventQueue<Event>,
    ) {
        if self.cfg.client == ClientKind::Java {
            return self.fetched(now, c, broker, parts, q);
        }
        let (records, bytes, raw) = fetched_size(&parts);
        let cpu = self.parse_cpu_ns(c, records, bytes, raw);
        if cpu == 0 {
            return self.fetched(now, c, broker, parts, q);
        }
        let con = &self.consumers[c];
        let reply = super::super::event::Reply::Parsed { broker, parts };
        let then = Event::ToConsumer {
            c: con.client,
            reply: Box::new(reply),
        };
        self.on_cpu(q, con.host, now, cpu, then);
    }

    /// Data (possibly none) from `broker` for consumer `c`, ready to hand to the application.
    pub(super) fn fetched(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        parts: Vec<FetchedPart>,
        q: &mut EventQueue<Event>,
    ) {
        self.consumers[c].fetching.remove(&broker);
        for part in parts {
            let p = part.partition;
            if self.consumers[c].fetch_pos.get(&p) != Some(&part.fetch_offset) {
                continue; // revoked or repositioned meanwhile
            }
            match part.error {
                Some(FetchError::NotLeaderOrFollower) => {
                    self.consumer_stale_leader(now, c, broker, q);
                    continue;
                }
                Some(FetchError::Diverging { epoch, offset }) => {
                    self.consumer_truncated(c, p, epoch, offset);
                    continue;
                }
                Some(FetchError::OutOfRange { .. }) => {
                    self.consumer_out_of_range(now, c, p, q);
                    continue;
                }
                None => {}
            }
            if let Some(last) = part.batches.last() {
                self.checks
                    .high_watermark
                    .fetched(c, p, last.end_offset(), part.hw);
            }
            let con = &mut self.consumers[c];
            for b in part.batches {
                let (n, bytes, _) = unread(&b, part.fetch_offset);
                let skip = b.records - n as u32;
                *con.buffered.entry(p).or_default() += n;
                *con.buffered_bytes.entry(p).or_default() += bytes;
                con.fetch_pos.insert(p, b.end_offset());
                con.last_epoch.insert(p, b.leader_epoch);
                con.buffer.entry(p).or_default().push_back((b, skip));
            }
        }
        self.app_idle(now, c, q);
        self.send_fetches(now, c, q);
    }

    /// Positions for the partitions waiting for them: the committed offset, else
    /// auto.offset.reset through a ListOffsets round trip ([`super::reset`]).
    pub(super) fn set_positions(
        &mut self,
        now: Nanos,
        c: Id,
        committed: &BTreeMap<u32, u64>,
        q: &mut EventQueue<Event>,
    ) {
        let waiting = std::mem::take(&mut self.consumers[c].awaiting_offsets);
        for p in waiting {
            if !self.consumers[c].assigned.contains(&p) {
                continue;
            }
            match committed.get(&p) {
                Some(&o) => self.start_at(c, p, o, false),
                None => self.reset_later(now, c, p, q),
            }
        }
        self.send_fetches(now, c, q);
        self.app_idle(now, c, q);
    }

    pub(crate) fn send_fetches(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        self.send_list_offsets(now, c, q);
        let con = &self.consumers[c];
        if !con.running || con.paused || self.gated(c) {
            return;
        }
        let nb = self.brokers.len();
        for b in 0..nb {
            let con = &self.consumers[c];
            if con.fetching.contains(&b) || con.retry_at.get(&b).is_some_and(|&t| t > now) {
                continue;
            }
            let cc = &self.cfg.groups[self.consumers[c].group].consumer;
            let mut full = vec![];
            let parts: Vec<FetchPart> = con
                .assigned
                .iter()
                .filter(|&&p| con.leaders[p as usize] == Some(b))
                .filter(|p| con.queue_backoff.get(p).is_none_or(|&t| t <= now))
                .filter_map(|p| {
                    con.fetch_pos.get(p).map(|&o| FetchPart {
                        partition: *p,
                        offset: o,
                        last_epoch: con.last_epoch.get(p).copied(),
                    })
                })
                .filter(|x| {
                    let p = x.partition;
                    let fits = con.buffered.get(&p).copied().unwrap_or(0) < cc.prefetch_records
                        && con.buffered_bytes.get(&p).copied().unwrap_or(0) < cc.prefetch_bytes;
                    if !fits {
                        full.push(p);
                    }
                    fits
                })
                .collect();
            if parts.is_empty() {
                self.back_off_full(now, c, full, q);
                continue;
            }
            let cc = &self.cfg.groups[self.consumers[c].group].consumer;
            let f = FetchRequest {
                consumer: con.client,
                replica: None,
                parts,
                min_bytes: cc.fetch_min_bytes,
                max_bytes: cc.fetch_max_bytes,
                partition_max_bytes: cc.max_partition_fetch_bytes,
                max_wait_ns: cc.fetch_max_wait_ns,
                waited: false,
                result: vec![],
            };
            self.back_off_full(now, c, full, q);
            let con = &mut self.consumers[c];
            con.fetching.insert(b);
            con.fetch_no += 1;
            con.fetch_ids.insert(b, con.fetch_no);
            let (client, id) = (con.client, con.fetch_no);
            self.metrics.consumers[c].fetches += 1;
            let host = self.consumers[c].host;
            let cpu = self.cfg.groups[self.consumers[c].group]
                .consumer
                .request_cpu_ns;
            self.send_after_cpu(q, now, host, cpu, b, Request::Fetch(f));
            let at = now + cpu;
            if self.faults.timeouts {
                let what = crate::kafka::event::Timeout::Fetch {
                    c: client,
                    broker: b,
                    id,
                };
                q.schedule(
                    at + self.cfg.groups[self.consumers[c].group]
                        .consumer
                        .request_timeout_ns,
                    Event::Timeout { what },
                );
            }
        }
    }

    /// librdkafka (`rdkafka_fetcher.c`, `rd_kafka_toppar_fetch_decide`): partitions over a
    /// prefetch limit are left out of Fetches for fetch.queue.backoff.ms, however soon the
    /// application drains them. (The Java client has no such backoff: 0.)
    fn back_off_full(&mut self, now: Nanos, c: Id, full: Vec<u32>, q: &mut EventQueue<Event>) {
        let backoff = self.cfg.groups[self.consumers[c].group]
            .consumer
            .queue_backoff_ns;
        if backoff == 0 || full.is_empty() {
            return;
        }
        let until = now + backoff;
        let con = &mut self.consumers[c];
        for p in full {
            con.queue_backoff.insert(p, until);
        }
        q.schedule(until, Event::ConsumerRetry { c: con.client });
    }

    /// The application is at a poll() call: group work first (a lost membership noticed, an
    /// assignment to apply, a rebalance to join), then records.
    pub(super) fn app_idle(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        if !con.running || con.app_busy || con.stalled || con.commit_blocking {
            return;
        }
        if std::mem::take(&mut con.left_by_poll_timeout) {
            con.needs_join = true;
        }
        let pending = con.pending_sync.take();
        if self.cfg.groups[self.consumers[c].group].consumer.kip848 {
            if let Some((epoch, parts)) = pending {
                self.kip848_apply(now, c, epoch, parts, q);
            }
            let con = &self.consumers[c];
            if con.needs_join && !con.joining && con.running {
                self.kip848_join(now, c, q);
            }
        } else if self.cfg.groups[self.consumers[c].group].consumer.group {
            if let Some((generation, parts)) = pending {
                self.apply_sync(now, c, generation, parts, q);
            }
            self.maybe_join(now, c, q);
        }
        self.maybe_poll(now, c, q);
    }

    fn maybe_poll(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &self.consumers[c];
        if con.app_busy || con.stalled || con.commit_blocking || con.paused || !con.running {
            return;
        }
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        let mut need = cc.max_poll_records as u64;
        let mut batch = InProcess::default();
        let mut raw = 0u64;
        let con = &mut self.consumers[c];
        let n = con.assigned.len();
        for i in 0..n {
            if need == 0 {
                break;
            }
            let p = con.assigned[(con.cursor + i) % n];
            let Some(buf) = con.buffer.get_mut(&p) else {
                continue;
            };
            while need > 0 {
                let Some((b, skip)) = buf.front_mut() else {
                    break;
                };
                let take = ((b.records - *skip) as u64).min(need);
                let from = b.base_offset + *skip as u64;
                let to = from + take;
                *skip += take as u32;
                need -= take;
                batch.records += take;
                batch.bytes += b.bytes as u64 * take / b.records as u64;
                raw += b.raw_bytes as u64 * take / b.records as u64;
                batch.created.push((b.created_ns, take));
                let seq = b.first_seq + (from - b.base_offset);
                batch.ranges.push((p, from, to, b.producer, seq));
                // A compacted log has gaps: the next record may lie beyond the position.
                let gap = con.position.get(&p).is_some_and(|&at| at < from);
                if gap && self.cfg.topic_of(p).compact {
                    self.checks.order.start(c, p, from);
                }
                con.position.insert(p, to);
                *con.buffered.get_mut(&p).expect("buffered with data") -= take;
                if let Some(bytes) = con.buffered_bytes.get_mut(&p) {
                    *bytes = bytes.saturating_sub(b.bytes as u64 * take / b.records as u64);
                }
                self.checks.order.consumed(c, p, from, to);
                if *skip == b.records {
                    buf.pop_front();
                }
            }
        }
        if batch.records == 0 {
            return;
        }
        con.cursor = (con.cursor + 1) % n.max(1);
        batch.cpu_ns = batch.records * (cc.poll_cpu_ns + con.process_ns);
        if self.cfg.client == ClientKind::Java {
            batch.cpu_ns += self.parse_cpu_ns(c, batch.records, batch.bytes, raw);
        }
        if !cc.auto_commit && cc.at_most_once {
            // Commit what was just handed over, before processing it.
            self.send_commit(now, c, self.consumers[c].position.clone(), q);
            if self.consumers[c].commit_blocking {
                self.consumers[c].held = Some(batch);
                self.send_fetches(now, c, q);
                return;
            }
        }
        self.start_processing(now, c, batch, q);
        self.send_fetches(now, c, q);
    }

    fn start_processing(&mut self, now: Nanos, c: Id, batch: InProcess, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        con.app_busy = true;
        con.poll_started_ns = now;
        let (client, seq, host, cpu) = (con.client, con.poll_seq, con.host, batch.cpu_ns);
        let timeout = self.cfg.groups[con.group].consumer.rebalance_timeout_ns;
        con.in_process = Some(batch);
        // Only a batch that may outlast max.poll.interval.ms needs the timer (a stall arms its
        // own): one longer than a tenth of it, as the host's other threads may slow it.
        if cpu.saturating_mul(10) > timeout {
            let timer = ConsumerTimer::PollTimeout { seq };
            q.schedule(now + timeout, Event::ConsumerTimer { c: client, timer });
        }
        self.on_cpu(q, host, now, cpu, Event::PollDone { c: client });
    }

    /// The application finished processing a poll's records.
    pub(crate) fn consumer_poll_done(&mut self, now: Nanos, client: Id, q: &mut EventQueue<Event>) {
        let Some(c) = self.live_consumer(client) else {
            return;
        };
        let con = &mut self.consumers[c];
        con.app_busy = false;
        con.poll_seq += 1;
        let batch = con.in_process.take().expect("processing a batch");
        let g = con.group;
        for &(p, from, to, producer, seq) in &batch.ranges {
            let lane = self.checks.lanes.lane(g, p);
            if self.checks.delivery.consumed_upto(lane) < from && self.cfg.topic_of(p).compact {
                // Offsets the cleaner removed: nothing there to read.
                self.consumed_records += self.checks.delivery.skip_to(lane, from);
            }
            let before = self.checks.delivery.consumed_upto(lane);
            self.consumed_records += self.checks.delivery.consumed(lane, from, to);
            let new_from = before.max(from);
            if to > new_from {
                let n = to - new_from;
                let s = seq + (new_from - from);
                let once = self.cfg.producers[producer as usize].idempotence
                    && self.producers[producer as usize].epoch[p as usize] == 0;
                let seen = self
                    .checks
                    .delivery
                    .consumed_records(lane, producer, s, n, once);
                self.checks
                    .key_order
                    .observe(lane, producer, s, s + n, seen);
            }
            if let Some(done) = self.consumers[c].processed.get_mut(&p) {
                *done = (*done).max(to);
            }
            if self
                .reread_until
                .get(&lane)
                .is_some_and(|&until| to >= until)
            {
                self.reread_until.remove(&lane);
            }
        }
        for &(t, k) in &batch.created {
            record_ns(&mut self.metrics.e2e_latency_us, now.saturating_sub(t), k);
        }
        for p in std::mem::take(&mut self.consumers[c].reset_after_poll) {
            self.reset_later(now, c, p, q);
        }
        let m = &mut self.metrics.consumers[c];
        m.records += batch.records;
        m.bytes += batch.bytes;
        m.polls += 1;
        m.first_record_ns.get_or_insert(now);
        m.last_record_ns = Some(now);
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        if self.cfg.groups[self.consumers[c].group].consumer.group {
            if cc.auto_commit {
                if now >= self.consumers[c].next_commit_ns {
                    self.consumers[c].next_commit_ns = now + cc.auto_commit_interval_ns;
                    self.commit_now(now, c, q);
                }
            } else if !cc.at_most_once {
                let con = &mut self.consumers[c];
                con.uncommitted_records += batch.records;
                if cc.commit_every_records == 0
                    || con.uncommitted_records >= cc.commit_every_records
                {
                    con.uncommitted_records = 0;
                    // The application commits the offsets it processed — including those of
                    // partitions it lost meanwhile (a zombie's commit, refused).
                    let mut offsets = con.processed.clone();
                    for &(p, _, to, _, _) in &batch.ranges {
                        offsets.entry(p).or_insert(to);
                    }
                    self.send_commit(now, c, offsets, q);
                }
            }
        }
        self.app_idle(now, c, q);
        self.send_fetches(now, c, q);
    }

    /// A fetch from `broker` failed (not the leader, connection closed, timed out): consumer
    /// `c` asks for metadata and leaves that broker alone for retry.backoff.ms.
    pub(super) fn consumer_stale_leader(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        q: &mut EventQueue<Event>,
    ) {
        let at = now
            + self.cfg.groups[self.consumers[c].group]
                .consumer
                .retry_backoff_ns;
        let con = &mut self.consumers[c];
        con.retry_at.insert(broker, at);
        let client = con.client;
        q.schedule(at, Event::ConsumerRetry { c: client });
        self.request_metadata(now, Client::Consumer(c), q);
    }

    /// Fetch number `id` of consumer client `client` to `broker` got no answer in time.
    pub(crate) fn consumer_fetch_timeout(
        &mut self,
        now: Nanos,
        client: Id,
        broker: Id,
        id: u64,
        q: &mut EventQueue<Event>,
    ) {
        let Some(c) = self.live_consumer(client) else {
            return;
        };
        let con = &mut self.consumers[c];
        if con.fetching.contains(&broker) && con.fetch_ids.get(&broker) == Some(&id) {
            con.fetching.remove(&broker);
            self.consumer_stale_leader(now, c, broker, q);
        }
    }

    /// New metadata: fetch from the (new) leaders.
    pub(crate) fn consumer_resume_fetching(
        &mut self,
        now: Nanos,
        c: Id,
        q: &mut EventQueue<Event>,
    ) {
        self.send_fetches(now, c, q);
    }

    /// Partition `p`'s leader told consumer `c` its position lies past where the leader's log
    /// diverges from what it read (an unclean election): go back to `offset` (the Java
    /// consumer's truncation handling with a reset policy) and read from there.
    fn consumer_truncated(&mut self, c: Id, p: u32, epoch: u32, offset: u64) {
        let con = &mut self.consumers[c];
        let pos = con.position.get(&p).copied().unwrap_or(0).min(offset);
        con.position.insert(p, pos);
        if let Some(done) = con.processed.get_mut(&p) {
            *done = (*done).min(pos);
        }
        con.fetch_pos.insert(p, pos);
        con.last_epoch.insert(p, epoch);
        con.drop_buffer(p);
        self.checks.order.start(c, p, pos);
    }

    /// Partition `p`'s next offset for `c` was deleted by retention (OFFSET_OUT_OF_RANGE): its
    /// buffered records are dropped and auto.offset.reset chooses where to go on — as the Java
    /// consumer does (`AbstractFetch` → `SubscriptionState.requestOffsetReset`, then a
    /// ListOffsets in the next poll, after the application has processed what it holds) and
    /// librdkafka (`rd_kafka_offset_reset` with the error: its 100 ms query delay).
    fn consumer_out_of_range(&mut self, now: Nanos, c: Id, p: u32, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        con.fetch_pos.remove(&p);
        con.drop_buffer(p);
        self.metrics.storage.out_of_range_resets += 1;
        let held = con.in_process.as_ref();
        if held.is_some_and(|b| b.ranges.iter().any(|r| r.0 == p)) {
            con.reset_after_poll.insert(p);
        } else {
            self.reset_later(now, c, p, q);
        }
    }

    /// Commit the offsets this client's commit policy stands for: what was processed, or (at
    /// most once; librdkafka auto-commit) what was handed to the application.
    pub(super) fn commit_now(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        let handed = cc.at_most_once && !cc.auto_commit
            || cc.auto_commit && self.cfg.client == ClientKind::Librdkafka;
        let con = &self.consumers[c];
        let offsets = if handed {
            con.position.clone()
        } else {
            con.processed.clone()
        };
        self.send_commit(now, c, offsets, q);
    }

    fn send_commit(
        &mut self,
        now: Nanos,
        c: Id,
        offsets: BTreeMap<u32, u64>,
        q: &mut EventQueue<Event>,
    ) {
        if !self.cfg.groups[self.consumers[c].group].consumer.group || offsets.is_empty() {
            return;
        }
        let con = &self.consumers[c];
        if con.member_id.is_none() {
            return;
        }
        let req = GroupRequest::OffsetCommit {
            // KIP-848 commits are fenced by member epoch, which is not modelled.
            member_id: con
                .member_id
                .clone()
                .filter(|_| !self.cfg.groups[self.consumers[c].group].consumer.kip848),
            generation: con.generation,
            offsets: offsets.into_iter().collect(),
        };
        let coord = con.coordinator;
        let blocking = !self.cfg.groups[self.consumers[c].group]
            .consumer
            .auto_commit
            && self.cfg.groups[self.consumers[c].group]
                .consumer
                .commit_sync;
        self.consumers[c].commit_blocking = blocking;
        self.metrics.consumers[c].commits += 1;
        self.send_group(now, c, coord, req, q);
    }

    /// A commit answered: a commitSync returns; a batch held for an at-most-once commit starts.
    pub(super) fn commit_done(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        if !con.commit_blocking {
            return;
        }
        con.commit_blocking = false;
        if let Some(batch) = con.held.take() {
            self.start_processing(now, c, batch, q);
        } else {
            self.app_idle(now, c, q);
        }
    }
}
