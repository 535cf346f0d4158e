//! Start positions for partitions without a committed offset: `auto.offset.reset` by a
//! ListOffsets round trip to each partition's leader, as both clients do it.
//!
//! - **librdkafka** (`rdkafka_assignment.c`, `rd_kafka_assignment_serve_pending`; then
//!   `rdkafka_offset.c`, `rd_kafka_offset_reset`, and `rdkafka_partition.c`,
//!   `rd_kafka_toppar_offset_request`): after OffsetFetch, each assigned partition starts on its
//!   own, scanning the pending list *backwards* (highest partition first). A partition without
//!   a committed offset is reset with the error "no previously committed offset", and
//!   `rd_kafka_offset_reset` passes a 100 ms backoff whenever it has an error
//!   (`err ? 100 : 0`): its offset query timer sends the ListOffsets 100 ms later
//!   ([`LIBRDKAFKA_RESET_QUERY_DELAY_NS`]; librdkafka 2.16's debug log shows "backoff:
//!   (re)starting offset query timer", and the course's Python consumers read their first record
//!   110 ± 2 ms after the assignment, plots/classroom-real/runs.csv). Each partition sends its
//!   own ListOffsets to its leader; it becomes fetchable when its answer arrives. The broker
//!   thread sends a Fetch as soon as one partition is fetchable and none is in flight
//!   (`rdkafka_broker.c`, `rd_kafka_broker_consumer_serve`),
//!   so the first Fetch names only the first partition answered — if that one is empty, the
//!   broker holds it for `fetch.wait.max.ms` and the others wait behind it.
//! - **Java** (`OffsetFetcher.resetPositionsIfNeeded`): one ListOffsets per leader broker for
//!   every partition it leads that needs a reset; the next Fetch names them all.
//!
//! The requests travel on the fetch connection, so the broker answers them in order with the
//! consumer's Fetches. A leader that is gone (closed connection, timeout, not the leader)
//! puts the partition back to be asked again once metadata says where it lives.

use super::super::cluster::Cluster;
use super::super::event::{Event, Id, Request, Timeout};
use crate::engine::{EventQueue, Nanos};
use crate::scenario::resolve::ClientKind;
use std::collections::BTreeMap;

/// librdkafka's hard-coded delay before the ListOffsets of a partition reset for want of a
/// committed offset (`rdkafka_offset.c`, `rd_kafka_offset_reset`: `err ? 100 : 0` ms); the
/// Java consumer sends its ListOffsets at once.
pub const LIBRDKAFKA_RESET_QUERY_DELAY_NS: Nanos = 100_000_000;

impl Cluster {
    /// Partition `p` of `c` has no committed offset: reset it by auto.offset.reset, after
    /// librdkafka's offset query delay (none for Java).
    pub(super) fn reset_later(&mut self, now: Nanos, c: Id, p: u32, q: &mut EventQueue<Event>) {
        let at = match self.cfg.client {
            ClientKind::Java => now,
            ClientKind::Librdkafka => {
                let at = now + LIBRDKAFKA_RESET_QUERY_DELAY_NS;
                let client = self.consumers[c].client;
                let timer = super::ConsumerTimer::OffsetQuery;
                q.schedule(at, Event::ConsumerTimer { c: client, timer });
                at
            }
        };
        self.consumers[c].needs_reset.insert(p, at);
    }

    /// Send ListOffsets for the partitions of `c` waiting for a reset whose leader is known
    /// and not backed off.
    pub(super) fn send_list_offsets(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &self.consumers[c];
        if !con.running || con.needs_reset.is_empty() {
            return;
        }
        let mut by_broker: BTreeMap<Id, Vec<u32>> = BTreeMap::new();
        for (&p, _) in con.needs_reset.iter().rev().filter(|(_, &at)| at <= now) {
            if let Some(b) = con.leaders.get(p as usize).copied().flatten() {
                if con.retry_at.get(&b).is_none_or(|&t| t <= now) {
                    by_broker.entry(b).or_default().push(p);
                }
            }
        }
        let requests: Vec<(Id, Vec<u32>)> = match self.cfg.client {
            ClientKind::Java => by_broker.into_iter().collect(),
            ClientKind::Librdkafka => {
                // One request per partition, highest partition first.
                let mut one_each: Vec<(Id, Vec<u32>)> = by_broker
                    .into_iter()
                    .flat_map(|(b, ps)| ps.into_iter().map(move |p| (b, vec![p])))
                    .collect();
                one_each.sort_by(|x, y| y.1.cmp(&x.1));
                one_each
            }
        };
        let earliest = self.cfg.groups[self.consumers[c].group]
            .consumer
            .reset_earliest;
        let host = self.consumers[c].host;
        for (b, parts) in requests {
            let con = &mut self.consumers[c];
            con.list_no += 1;
            let (client, id) = (con.client, con.list_no);
            for &p in &parts {
                con.needs_reset.remove(&p);
                con.resetting.insert(p, (b, id));
            }
            let cpu = self.cfg.groups[self.consumers[c].group]
                .consumer
                .request_cpu_ns;
            let req = Request::ListOffsets {
                c: client,
                parts,
                earliest,
            };
            self.send_after_cpu(q, now, host, cpu, b, req);
            let at = now + cpu;
            if self.faults.timeouts {
                let what = Timeout::ListOffsets {
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

    /// A ListOffsets answer from `broker`: positions for the partitions it leads; the others
    /// are asked again after a metadata refresh.
    pub(super) fn offsets_listed(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        parts: Vec<(u32, Option<u64>)>,
        q: &mut EventQueue<Event>,
    ) {
        let mut stale = false;
        for (p, offset) in parts {
            let con = &mut self.consumers[c];
            if con.resetting.get(&p).map(|r| r.0) != Some(broker) {
                continue; // revoked meanwhile, or asked again elsewhere
            }
            con.resetting.remove(&p);
            match offset {
                Some(o) => self.start_at(c, p, o, true),
                None => {
                    con.needs_reset.insert(p, now);
                    stale = true;
                }
            }
        }
        if stale {
            self.consumer_stale_leader(now, c, broker, q);
        }
        self.send_fetches(now, c, q);
        self.app_idle(now, c, q);
    }

    /// Requests to `broker` failed (connection closed, or ListOffsets number `id` timed out when
    /// `id` is given): their partitions wait to be asked again.
    pub(super) fn offsets_lost(&mut self, c: Id, broker: Id, id: Option<u64>) -> bool {
        let con = &mut self.consumers[c];
        let lost: Vec<u32> = con
            .resetting
            .iter()
            .filter(|(_, &(b, n))| b == broker && id.is_none_or(|i| i == n))
            .map(|(&p, _)| p)
            .collect();
        for p in &lost {
            con.resetting.remove(p);
            con.needs_reset.insert(*p, 0);
        }
        !lost.is_empty()
    }

    /// ListOffsets number `id` of consumer client `client` to `broker` got no answer in time.
    pub(crate) fn consumer_list_offsets_timeout(
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
        if self.offsets_lost(c, broker, Some(id)) {
            self.consumer_stale_leader(now, c, broker, q);
        }
    }

    /// The records of partition `p` between what group `g` consumed and `offset` are passed
    /// over on purpose (a reset): accounted for, neither lost nor consumed.
    pub(crate) fn pass_over(&mut self, g: usize, p: u32, offset: u64) {
        let lane = self.checks.lanes.lane(g, p);
        let from = self.checks.delivery.consumed_upto(lane);
        let passed: Vec<(u32, u64, u64)> = self
            .leader_log(p)
            .batches_in(from, offset)
            .map(|b| (b.producer, b.first_seq, b.records as u64))
            .collect();
        for (producer, seq, n) in passed {
            self.checks.delivery.accounted(lane, producer, seq, n);
        }
        self.consumed_records += self.checks.delivery.skip_to(lane, offset);
    }

    /// Partition `p` of consumer `c` starts at `offset` (`reset`: from auto.offset.reset, else
    /// a committed offset). A reset to the end leaves the records below it to no one: they are
    /// accounted for, neither lost nor consumed.
    pub(super) fn start_at(&mut self, c: Id, p: u32, offset: u64, reset: bool) {
        let g = self.consumers[c].group;
        if reset && offset > 0 {
            self.pass_over(g, p, offset);
        } else if !reset {
            let lane = self.checks.lanes.lane(g, p);
            self.consumed_records += self.checks.delivery.resume_at(lane, offset);
        }
        let con = &mut self.consumers[c];
        con.last_epoch.remove(&p);
        con.position.insert(p, offset);
        con.processed.insert(p, offset);
        con.fetch_pos.insert(p, offset);
        self.checks.order.start(c, p, offset);
    }
}
