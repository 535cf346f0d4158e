//! A consumer process: its life (start, close, crash, restart, stalls and pauses), group
//! membership ([`membership`]: the classic protocol, eager or cooperative, static or dynamic;
//! [`kip848`]: the consumer protocol) and the fetcher with the application's poll loop
//! ([`poll`]).
//!
//! A consumer talks to brokers under a *client id* that changes at every start, so replies meant
//! for an earlier incarnation (a Fetch parked before a crash, say) are dropped: client id =
//! index + consumers × incarnation.
//!
//! As in the Java client, the application thread runs the group protocol from inside `poll()`:
//! a rebalance the heartbeat thread learns about is joined, and a new assignment applied, only
//! when the application is between batches — a slow batch delays the whole group's rebalance,
//! up to max.poll.interval.ms, after which the heartbeat thread leaves the group.

mod kip848;
mod membership;
mod poll;
mod reset;

pub use reset::LIBRDKAFKA_RESET_QUERY_DELAY_NS;

use super::cluster::Cluster;
use super::event::{Event, Id, Reply};
use super::log::LogBatch;
use crate::engine::{EventQueue, Nanos};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Timers of a consumer (carried by [`Event::ConsumerTimer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerTimer {
    /// max.poll.interval.ms since poll number `seq` has passed.
    PollTimeout {
        /// The poll it was armed at.
        seq: u64,
    },
    /// A stall ends.
    StallEnd,
    /// A pause ends.
    PauseEnd,
    /// librdkafka's offset query timer: partitions waiting for a reset may ask now.
    OffsetQuery,
}

/// A batch taken by poll() and being processed: (partition, from, to, producer, sequence of
/// the record at `from`) ranges, each within one log batch.
#[derive(Clone, Debug, Default)]
pub(crate) struct InProcess {
    ranges: Vec<(u32, u64, u64, u32, u64)>,
    records: u64,
    bytes: u64,
    cpu_ns: Nanos,
    created: Vec<(Nanos, u64)>,
}

/// One consumer's state. Everything but `host`, `index` and `process_ns` is reset at a start.
pub struct Consumer {
    pub(crate) host: Id,
    /// Index of its group in the scenario.
    pub(crate) group: usize,
    /// Network identity of the current incarnation.
    pub(crate) client: Id,
    pub(crate) running: bool,
    incarnation: usize,
    /// Application CPU per record, ns (changed by `consumer.slow`).
    pub(crate) process_ns: Nanos,
    coordinator: Id,
    member_id: Option<String>,
    instance_id: Option<String>,
    generation: i32,
    cooperative: bool,
    needs_join: bool,
    joining: bool,
    pending_sync: Option<(i32, Vec<u32>)>,
    pub(crate) assigned: Vec<u32>,
    /// The last assignment received (sticky assignors' "previous assignment").
    last_assignment: Vec<u32>,
    /// Next offset to hand to the application, per partition with a known position.
    pub(crate) position: BTreeMap<u32, u64>,
    /// Offset after the last record processed, per partition.
    processed: BTreeMap<u32, u64>,
    awaiting_offsets: BTreeSet<u32>,
    /// Partitions with no position yet whose ListOffsets (auto.offset.reset) is to be sent, and
    /// not before when.
    needs_reset: BTreeMap<u32, Nanos>,
    /// Partitions whose ListOffsets is in flight: (broker, request number).
    resetting: BTreeMap<u32, (Id, u64)>,
    /// Partitions answered OFFSET_OUT_OF_RANGE while the application still processes some of
    /// their records: reset once it is done.
    reset_after_poll: BTreeSet<u32>,
    list_no: u64,
    fetch_pos: BTreeMap<u32, u64>,
    /// Leader epoch of the last record fetched per partition (for divergence checks).
    last_epoch: BTreeMap<u32, u32>,
    /// Leader of each partition as this consumer's metadata says.
    pub(crate) leaders: Vec<Option<Id>>,
    /// Its metadata requests.
    pub(crate) meta: crate::kafka::metadata::MetadataState,
    buffer: BTreeMap<u32, VecDeque<(LogBatch, u32)>>,
    buffered: BTreeMap<u32, u64>,
    /// Bytes of the records in `buffer`, per partition.
    buffered_bytes: BTreeMap<u32, u64>,
    /// librdkafka: partitions left out of Fetches until then (fetch.queue.backoff.ms).
    queue_backoff: BTreeMap<u32, Nanos>,
    fetching: BTreeSet<Id>,
    /// Number of the Fetch outstanding per broker (for timeouts).
    fetch_ids: BTreeMap<Id, u64>,
    fetch_no: u64,
    /// Brokers not to fetch from before this time (after an error).
    retry_at: BTreeMap<Id, Nanos>,
    app_busy: bool,
    in_process: Option<InProcess>,
    held: Option<InProcess>,
    commit_blocking: bool,
    uncommitted_records: u64,
    hb_epoch: u64,
    next_commit_ns: Nanos,
    cursor: usize,
    poll_seq: u64,
    /// When the batch being processed was returned by poll().
    poll_started_ns: Nanos,
    stalled: bool,
    paused: bool,
    left_by_poll_timeout: bool,
}

impl Consumer {
    /// Forget the records fetched from partition `p` and not yet handed to the application.
    fn drop_buffer(&mut self, p: u32) {
        self.buffer.remove(&p);
        self.buffered.remove(&p);
        self.buffered_bytes.remove(&p);
    }

    /// Consumer `index` on `host`, not started.
    pub fn new(host: Id, index: Id, process_ns: Nanos, instance_id: Option<String>) -> Self {
        Self {
            host,
            group: 0,
            client: index,
            running: false,
            incarnation: 0,
            process_ns,
            coordinator: 0,
            member_id: None,
            instance_id,
            generation: -1,
            cooperative: false,
            needs_join: false,
            joining: false,
            pending_sync: None,
            assigned: vec![],
            last_assignment: vec![],
            position: BTreeMap::new(),
            processed: BTreeMap::new(),
            awaiting_offsets: BTreeSet::new(),
            needs_reset: BTreeMap::new(),
            reset_after_poll: BTreeSet::new(),
            resetting: BTreeMap::new(),
            list_no: 0,
            fetch_pos: BTreeMap::new(),
            last_epoch: BTreeMap::new(),
            leaders: vec![],
            meta: Default::default(),
            buffer: BTreeMap::new(),
            buffered: BTreeMap::new(),
            buffered_bytes: BTreeMap::new(),
            queue_backoff: BTreeMap::new(),
            fetching: BTreeSet::new(),
            fetch_ids: BTreeMap::new(),
            fetch_no: 0,
            retry_at: BTreeMap::new(),
            app_busy: false,
            in_process: None,
            held: None,
            commit_blocking: false,
            uncommitted_records: 0,
            hb_epoch: 0,
            next_commit_ns: 0,
            cursor: 0,
            poll_seq: 0,
            poll_started_ns: 0,
            stalled: false,
            paused: false,
            left_by_poll_timeout: false,
        }
    }

    /// The same process started afresh (next incarnation), keeping its host, settings and the
    /// processing cost it had.
    fn restarted(&self, count: usize) -> Self {
        let index = self.client % count;
        let mut c = Consumer::new(self.host, index, self.process_ns, self.instance_id.clone());
        c.group = self.group;
        c.incarnation = self.incarnation + 1;
        c.client = index + count * c.incarnation;
        c.leaders = self.leaders.clone();
        c
    }

    /// Member id in the group, if it has one.
    pub fn member_id(&self) -> Option<&str> {
        self.member_id.as_deref()
    }
}

impl Cluster {
    /// The configuration of consumer client `client`'s group.
    pub(crate) fn consumer_cfg(&self, client: Id) -> &crate::scenario::resolve::ConsumerCfg {
        let c = client % self.consumers.len().max(1);
        &self.cfg.groups[self.consumers[c].group].consumer
    }

    /// Consumer `c`'s group's lanes of `parts` (one owner per partition and group).
    fn lanes_of(&self, c: Id, parts: &[u32]) -> Vec<u32> {
        let g = self.consumers[c].group;
        parts
            .iter()
            .map(|&p| self.checks.lanes.lane(g, p))
            .collect()
    }

    /// The consumer index behind `client`, if that incarnation is still running.
    pub(crate) fn live_consumer(&self, client: Id) -> Option<Id> {
        let c = client % self.consumers.len();
        let con = &self.consumers[c];
        (con.running && con.client == client).then_some(c)
    }

    /// Consumer `c` starts (at the scenario's start time, a join event or a restart).
    pub(crate) fn consumer_start(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if self.consumers[c].running {
            return;
        }
        if !self.consumers_started {
            self.consumers_started = true;
            self.metrics.consumers_started_ns = Some(now);
            if self.cfg.groups[self.consumers[c].group].consumer.cold_cache {
                self.drop_caches(now);
            }
        }
        self.consumers[c].running = true;
        let m = &mut self.metrics.consumers[c];
        if m.start_ns == 0 && m.assigned_ns.is_none() {
            m.start_ns = now;
        }
        let gc = &self.cfg.groups[self.consumers[c].group];
        if !gc.consumer.group {
            // Standalone consumers split the subscription: the i-th partition goes to
            // consumer i mod n of the set.
            let (n, local) = (gc.consumer.count as usize, c - gc.first as usize);
            let parts: Vec<u32> = self
                .cfg
                .subscribed(self.consumers[c].group)
                .enumerate()
                .filter(|(i, _)| i % n == local)
                .map(|(_, p)| p)
                .collect();
            self.take_assignment(now, c, 0, parts.clone());
            self.consumers[c].awaiting_offsets = parts.into_iter().collect();
            self.set_positions(now, c, &BTreeMap::new(), q);
        } else {
            self.classic_start(now, c, q);
        }
    }

    fn group_leave(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if self.cfg.groups[self.consumers[c].group].consumer.kip848 {
            self.kip848_leave(now, c, q);
        } else {
            self.classic_leave(now, c, q);
        }
    }

    /// Stop consumer `c` and make ready its next incarnation (not started).
    fn consumer_stop(&mut self, now: Nanos, c: Id) {
        let gone = self.consumers[c].assigned.clone();
        self.drop_partitions(now, c, &gone);
        let next = self.consumers[c].restarted(self.consumers.len());
        self.consumers[c] = next;
    }

    /// close(): commit what was processed, leave the group (dynamic members), stop.
    pub(crate) fn consumer_close(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if !self.consumers[c].running {
            return;
        }
        if self.cfg.groups[self.consumers[c].group].consumer.group {
            self.commit_now(now, c, q);
            self.group_leave(now, c, q);
        }
        self.consumer_stop(now, c);
    }

    /// The process dies: nothing more is sent.
    pub(crate) fn consumer_crash(&mut self, now: Nanos, c: Id) {
        if self.consumers[c].running {
            self.consumer_stop(now, c);
        }
    }

    /// A restart event: a stopped consumer starts again; a running one is closed first.
    pub(crate) fn consumer_start_again(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        self.consumer_close(now, c, q);
        self.consumer_start(now, c, q);
    }

    /// A response reached `client`.
    pub(crate) fn consumer_reply(
        &mut self,
        now: Nanos,
        client: Id,
        reply: Reply,
        q: &mut EventQueue<Event>,
    ) {
        let Some(c) = self.live_consumer(client) else {
            return;
        };
        match reply {
            Reply::Fetch { broker, parts } => self.fetch_arrived(now, c, broker, parts, q),
            Reply::Parsed { broker, parts } => self.fetched(now, c, broker, parts, q),
            Reply::Disconnected { broker } => {
                self.consumers[c].fetching.remove(&broker);
                self.offsets_lost(c, broker, None);
                self.consumer_stale_leader(now, c, broker, q);
            }
            Reply::Offsets { broker, parts } => self.offsets_listed(now, c, broker, parts, q),
            Reply::Group(g) => self.group_reply(now, c, g, q),
        }
    }

    /// A consumer timer fired for `client`.
    pub(crate) fn consumer_timer(
        &mut self,
        now: Nanos,
        client: Id,
        timer: ConsumerTimer,
        q: &mut EventQueue<Event>,
    ) {
        let Some(c) = self.live_consumer(client) else {
            return;
        };
        match timer {
            ConsumerTimer::PollTimeout { seq } => {
                let con = &self.consumers[c];
                if seq == con.poll_seq && (con.app_busy || con.stalled) && !con.left_by_poll_timeout
                {
                    self.poll_timeout(now, c, q);
                }
            }
            ConsumerTimer::StallEnd => {
                let con = &mut self.consumers[c];
                con.stalled = false;
                con.poll_seq += 1; // it calls poll() again
                self.app_idle(now, c, q);
            }
            ConsumerTimer::OffsetQuery => self.send_fetches(now, c, q),
            ConsumerTimer::PauseEnd => {
                self.consumers[c].paused = false;
                self.app_idle(now, c, q);
                self.send_fetches(now, c, q);
            }
        }
    }

    /// The application blocks for `duration_ns` without calling poll().
    pub(crate) fn consumer_stall(
        &mut self,
        now: Nanos,
        c: Id,
        duration_ns: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        if !self.consumers[c].running || self.consumers[c].stalled {
            return;
        }
        let con = &mut self.consumers[c];
        con.stalled = true;
        // The poll timer runs from the last poll(): now if it was polling, else when its batch
        // was returned.
        let last_poll = if con.app_busy {
            con.poll_started_ns
        } else {
            con.poll_seq += 1;
            now
        };
        let timer = ConsumerTimer::PollTimeout { seq: con.poll_seq };
        q.schedule(
            (last_poll + self.cfg.groups[con.group].consumer.rebalance_timeout_ns).max(now),
            Event::ConsumerTimer {
                c: con.client,
                timer,
            },
        );
        let client = self.consumers[c].client;
        q.schedule(
            now + duration_ns,
            Event::ConsumerTimer {
                c: client,
                timer: ConsumerTimer::StallEnd,
            },
        );
    }

    /// pause() every assigned partition for `duration_ns`.
    pub(crate) fn consumer_pause(
        &mut self,
        now: Nanos,
        c: Id,
        duration_ns: Nanos,
        q: &mut EventQueue<Event>,
    ) {
        if !self.consumers[c].running || self.consumers[c].paused {
            return;
        }
        self.consumers[c].paused = true;
        let client = self.consumers[c].client;
        q.schedule(
            now + duration_ns,
            Event::ConsumerTimer {
                c: client,
                timer: ConsumerTimer::PauseEnd,
            },
        );
    }

    /// The heartbeat thread finds poll() not called for max.poll.interval.ms: a dynamic member
    /// leaves the group (a static one stops heartbeating and waits for its session to expire);
    /// the partitions are lost. The application finds out at its next poll() and rejoins.
    fn poll_timeout(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if !self.cfg.groups[self.consumers[c].group].consumer.group {
            return;
        }
        self.consumers[c].left_by_poll_timeout = true;
        self.group_leave(now, c, q);
        self.lose_partitions(now, c);
    }

    /// Drop every partition without committing (onPartitionsLost).
    fn lose_partitions(&mut self, now: Nanos, c: Id) {
        let gone = self.consumers[c].assigned.clone();
        self.consumers[c].last_assignment.clear();
        self.drop_partitions(now, c, &gone);
    }

    /// Forget the fetch and poll state of `parts` and record that `c` no longer owns them.
    fn drop_partitions(&mut self, now: Nanos, c: Id, parts: &[u32]) {
        if parts.is_empty() {
            return;
        }
        let con = &mut self.consumers[c];
        con.assigned.retain(|p| !parts.contains(p));
        for p in parts {
            con.position.remove(p);
            con.processed.remove(p);
            con.fetch_pos.remove(p);
            con.drop_buffer(*p);
            con.queue_backoff.remove(p);
            con.awaiting_offsets.remove(p);
            con.needs_reset.remove(p);
            con.resetting.remove(p);
            con.reset_after_poll.remove(p);
            self.checks.order.stop(c, *p);
        }
        let lanes = self.lanes_of(c, parts);
        self.checks.ownership.revoked(c, &lanes);
        let partitions = self.consumers[c].assigned.clone();
        self.metrics
            .assignments
            .push(super::metrics::AssignmentSample {
                time_ns: now,
                consumer: c as u32,
                partitions,
            });
    }

    /// `c` waits for its fair share before fetching (consumer.fair_share_gate) and has not had it.
    pub(crate) fn gated(&self, c: Id) -> bool {
        let g = self.consumers[c].group;
        self.cfg.groups[g].consumer.fair_share_gate
            && self.metrics.consumers[c].assigned_ns.is_none()
    }

    /// The group's partitions / its consumers (a divisor: checked when resolving the scenario).
    fn fair_share(&self, c: Id) -> usize {
        let g = self.consumers[c].group;
        self.cfg.subscribed(g).count() / self.cfg.groups[g].consumer.count.max(1) as usize
    }

    /// Record a new set of partitions for `c` in `generation`.
    fn take_assignment(&mut self, now: Nanos, c: Id, generation: i32, partitions: Vec<u32>) {
        let lanes = self.lanes_of(c, &partitions);
        self.checks.ownership.assigned(generation, c, &lanes);
        let fair = !self.gated(c) || partitions.len() == self.fair_share(c);
        let m = &mut self.metrics.consumers[c];
        if fair {
            m.assigned_ns.get_or_insert(now); // a gated consumer's start: its share came
        }
        m.partitions = partitions.clone();
        self.metrics
            .assignments
            .push(super::metrics::AssignmentSample {
                time_ns: now,
                consumer: c as u32,
                partitions: partitions.clone(),
            });
        let con = &mut self.consumers[c];
        con.last_assignment = partitions.clone();
        con.assigned = partitions;
        con.next_commit_ns = now + self.cfg.groups[con.group].consumer.auto_commit_interval_ns;
    }
}
