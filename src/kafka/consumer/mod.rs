//! A consumer process: group membership (classic protocol, eager), the fetcher, and the
//! application's poll loop.
//!
//! Fetcher: one outstanding Fetch per broker, carrying every assigned partition led by that
//! broker whose buffer holds fewer than `queued.min.messages` records (Java: 1, i.e. fetch a
//! partition again only when its buffer is empty; librdkafka: 100,000 records of prefetch).
//! Poll loop: take up to max.poll.records from the buffers (rotating over partitions), spend
//! the client's and the application's CPU per record and per byte (plus decompression), then
//! poll again. Positions advance when records are handed to the application; auto-commit sends
//! them to the coordinator every auto.commit.interval.ms.

use super::cluster::Cluster;
use super::event::{Event, FetchError, FetchPart, FetchRequest, Id, Reply, Request};
use super::group::assignor::{assign, Member, TopicPartition};
use super::group::coordinator::{GroupReply, GroupRequest, JoinedMember};
use super::log::LogBatch;
use super::metrics::record_ns;
use crate::engine::{EventQueue, Nanos};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One consumer's state.
pub struct Consumer {
    pub(crate) host: Id,
    coordinator: Id,
    member_id: Option<String>,
    generation: i32,
    pub(crate) assigned: Vec<u32>,
    pub(crate) position: BTreeMap<u32, u64>,
    fetch_pos: BTreeMap<u32, u64>,
    /// Leader epoch of the last record fetched per partition (for divergence checks).
    last_epoch: BTreeMap<u32, u32>,
    /// Leader of each partition as this consumer's metadata says.
    pub(crate) leaders: Vec<Option<Id>>,
    /// Its metadata requests.
    pub(crate) meta: crate::kafka::metadata::MetadataState,
    buffer: BTreeMap<u32, VecDeque<(LogBatch, u32)>>,
    buffered: BTreeMap<u32, u64>,
    fetching: BTreeSet<Id>,
    ready: bool,
    app_busy: bool,
    hb_epoch: u64,
    next_commit_ns: Nanos,
    cursor: usize,
    pending_new: u64,
}

impl Consumer {
    /// A consumer on `host`, not started.
    pub fn new(host: Id) -> Self {
        Self {
            host,
            coordinator: 0,
            member_id: None,
            generation: -1,
            assigned: vec![],
            position: BTreeMap::new(),
            fetch_pos: BTreeMap::new(),
            last_epoch: BTreeMap::new(),
            leaders: vec![],
            meta: Default::default(),
            buffer: BTreeMap::new(),
            buffered: BTreeMap::new(),
            fetching: BTreeSet::new(),
            ready: false,
            app_busy: false,
            hb_epoch: 0,
            next_commit_ns: 0,
            cursor: 0,
            pending_new: 0,
        }
    }
}

impl Cluster {
    pub(crate) fn consumer_start(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if !self.consumers_started {
            self.consumers_started = true;
            self.metrics.consumers_started_ns = Some(now);
            if self.cfg.consumer.cold_cache {
                self.drop_caches(now);
            }
        }
        self.metrics.consumers[c].start_ns = now;
        if self.cfg.consumer.group {
            self.send_group(now, c, 0, GroupRequest::FindCoordinator, q);
        } else {
            let n = self.cfg.consumer.count;
            let parts: Vec<u32> = (0..self.cfg.partitions)
                .filter(|p| p % n == c as u32)
                .collect();
            self.take_assignment(now, c, 0, parts);
            let committed = BTreeMap::new();
            self.set_positions(now, c, &committed, q);
        }
    }

    fn send_group(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        req: GroupRequest,
        q: &mut EventQueue<Event>,
    ) {
        let host = self.consumers[c].host;
        let at = self.hosts[host]
            .cpu
            .submit(now, self.cfg.consumer.request_cpu_ns);
        self.to_broker(q, at, host, broker, Request::Group { c, req });
    }

    fn join(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let cc = &self.cfg.consumer;
        let req = GroupRequest::Join {
            member_id: self.consumers[c].member_id.clone(),
            protocols: cc.assignors.clone(),
            session_timeout_ns: cc.session_timeout_ns,
            rebalance_timeout_ns: cc.rebalance_timeout_ns,
            owned: self.consumers[c].assigned.clone(),
        };
        let coord = self.consumers[c].coordinator;
        self.send_group(now, c, coord, req, q);
    }

    pub(crate) fn consumer_reply(
        &mut self,
        now: Nanos,
        c: Id,
        reply: Reply,
        q: &mut EventQueue<Event>,
    ) {
        match reply {
            Reply::Fetch { broker, parts } => {
                self.consumers[c].fetching.remove(&broker);
                for part in parts {
                    let p = part.partition;
                    let con = &self.consumers[c];
                    if !con.ready || con.fetch_pos.get(&p) != Some(&part.fetch_offset) {
                        continue; // revoked or repositioned meanwhile
                    }
                    match part.error {
                        Some(FetchError::NotLeaderOrFollower) => {
                            self.consumer_stale_leader(now, c, q);
                            continue;
                        }
                        Some(FetchError::Diverging { epoch, offset }) => {
                            self.consumer_truncated(c, p, epoch, offset);
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
                        let skip = part.fetch_offset.saturating_sub(b.base_offset) as u32;
                        *con.buffered.entry(p).or_default() += (b.records - skip) as u64;
                        con.fetch_pos.insert(p, b.end_offset());
                        con.last_epoch.insert(p, b.leader_epoch);
                        con.buffer.entry(p).or_default().push_back((b, skip));
                    }
                }
                self.maybe_poll(now, c, q);
                self.send_fetches(now, c, q);
            }
            Reply::Disconnected { broker } => {
                self.consumers[c].fetching.remove(&broker);
                self.consumer_stale_leader(now, c, q);
            }
            Reply::Group(g) => self.group_reply(now, c, g, q),
        }
    }

    fn group_reply(&mut self, now: Nanos, c: Id, reply: GroupReply, q: &mut EventQueue<Event>) {
        match reply {
            GroupReply::Coordinator { broker } => {
                self.consumers[c].coordinator = broker;
                self.join(now, c, q);
            }
            GroupReply::MemberIdRequired { member_id } => {
                self.consumers[c].member_id = Some(member_id);
                self.join(now, c, q);
            }
            GroupReply::Joined {
                generation,
                leader,
                protocol,
                members,
            } => {
                self.consumers[c].generation = generation;
                let me = self.consumers[c]
                    .member_id
                    .clone()
                    .expect("joined with an id");
                let assignment = (me == leader).then(|| self.run_assignor(protocol, &members));
                let coord = self.consumers[c].coordinator;
                self.send_group(
                    now,
                    c,
                    coord,
                    GroupRequest::Sync {
                        member_id: me,
                        generation,
                        assignment,
                    },
                    q,
                );
            }
            GroupReply::Synced {
                generation,
                partitions,
            } => {
                self.take_assignment(now, c, generation, partitions);
                let coord = self.consumers[c].coordinator;
                self.send_group(now, c, coord, GroupRequest::OffsetFetch, q);
                self.consumers[c].hb_epoch += 1;
                let epoch = self.consumers[c].hb_epoch;
                q.schedule(
                    now + self.cfg.consumer.heartbeat_interval_ns,
                    Event::HeartbeatDue { c, epoch },
                );
            }
            GroupReply::Offsets { committed } => {
                if self.consumers[c].generation >= 0 && !self.consumers[c].ready {
                    self.set_positions(now, c, &committed, q);
                }
            }
            GroupReply::RebalanceInProgress => {
                self.revoke_all(now, c, q);
                self.join(now, c, q);
            }
            GroupReply::Fenced => {
                self.revoke_all(now, c, q);
                self.consumers[c].member_id = None;
                self.join(now, c, q);
            }
            GroupReply::HeartbeatOk | GroupReply::Committed => {}
        }
    }

    fn run_assignor(
        &self,
        protocol: super::group::assignor::AssignorKind,
        members: &[JoinedMember],
    ) -> BTreeMap<String, Vec<u32>> {
        let topic = self.cfg.topic.clone();
        let input: Vec<Member> = members
            .iter()
            .map(|m| Member {
                member_id: m.member_id.clone(),
                group_instance_id: None,
                topics: vec![topic.clone()],
                owned: m
                    .owned
                    .iter()
                    .map(|&p| TopicPartition {
                        topic: topic.clone(),
                        partition: p,
                    })
                    .collect(),
                generation: 0,
            })
            .collect();
        let counts = BTreeMap::from([(topic, self.cfg.partitions)]);
        assign(protocol, &input, &counts)
            .into_iter()
            .map(|(m, tps)| (m, tps.into_iter().map(|tp| tp.partition).collect()))
            .collect()
    }

    fn take_assignment(&mut self, now: Nanos, c: Id, generation: i32, partitions: Vec<u32>) {
        self.checks.ownership.assigned(generation, c, &partitions);
        let m = &mut self.metrics.consumers[c];
        m.assigned_ns.get_or_insert(now);
        m.partitions = partitions.clone();
        let con = &mut self.consumers[c];
        con.assigned = partitions;
        con.next_commit_ns = now + self.cfg.consumer.auto_commit_interval_ns;
    }

    fn set_positions(
        &mut self,
        now: Nanos,
        c: Id,
        committed: &BTreeMap<u32, u64>,
        q: &mut EventQueue<Event>,
    ) {
        let earliest = self.cfg.consumer.reset_earliest;
        for p in self.consumers[c].assigned.clone() {
            let pos = committed.get(&p).copied().unwrap_or(if earliest {
                0
            } else {
                self.leader_log(p).hw()
            });
            let con = &mut self.consumers[c];
            con.position.insert(p, pos);
            con.fetch_pos.insert(p, pos);
            con.last_epoch.remove(&p);
            self.checks.order.start(c, p, pos);
            if !earliest && !committed.contains_key(&p) {
                // Records below a "latest" reset were never meant for this group: accounted
                // for, neither lost nor consumed.
                let from = self.checks.delivery.consumed_upto(p);
                let passed: Vec<(u32, u64, u64)> = self
                    .leader_log(p)
                    .batches_in(from, pos)
                    .map(|b| (b.producer, b.first_seq, b.records as u64))
                    .collect();
                for (producer, seq, n) in passed {
                    self.checks.delivery.accounted(p, producer, seq, n);
                }
                self.consumed_records += self.checks.delivery.skip_to(p, pos);
            }
        }
        self.consumers[c].ready = true;
        self.send_fetches(now, c, q);
    }

    fn commit(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if !self.cfg.consumer.group
            || !self.cfg.consumer.auto_commit
            || self.consumers[c].member_id.is_none()
        {
            return;
        }
        let offsets: Vec<(u32, u64)> = self.consumers[c]
            .position
            .iter()
            .map(|(&p, &o)| (p, o))
            .collect();
        if offsets.is_empty() {
            return;
        }
        let coord = self.consumers[c].coordinator;
        self.send_group(now, c, coord, GroupRequest::OffsetCommit { offsets }, q);
    }

    fn revoke_all(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        self.commit(now, c, q);
        let con = &mut self.consumers[c];
        let gone = std::mem::take(&mut con.assigned);
        con.position.clear();
        con.fetch_pos.clear();
        con.last_epoch.clear();
        con.buffer.clear();
        con.buffered.clear();
        con.ready = false;
        con.hb_epoch += 1;
        self.checks.ownership.revoked(c, &gone);
        for p in gone {
            self.checks.order.stop(c, p);
        }
    }

    pub(crate) fn consumer_heartbeat(
        &mut self,
        now: Nanos,
        c: Id,
        epoch: u64,
        q: &mut EventQueue<Event>,
    ) {
        let con = &self.consumers[c];
        if epoch != con.hb_epoch {
            return;
        }
        let req = GroupRequest::Heartbeat {
            member_id: con.member_id.clone().expect("member"),
            generation: con.generation,
        };
        let coord = con.coordinator;
        self.send_group(now, c, coord, req, q);
        q.schedule(
            now + self.cfg.consumer.heartbeat_interval_ns,
            Event::HeartbeatDue { c, epoch },
        );
    }

    fn send_fetches(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if !self.consumers[c].ready {
            return;
        }
        let nb = self.brokers.len();
        for b in 0..nb {
            let con = &self.consumers[c];
            if con.fetching.contains(&b) {
                continue;
            }
            let parts: Vec<FetchPart> = con
                .assigned
                .iter()
                .filter(|&&p| con.leaders[p as usize] == Some(b))
                .filter(|p| {
                    con.buffered.get(p).copied().unwrap_or(0) < self.cfg.consumer.prefetch_records
                })
                .map(|p| FetchPart {
                    partition: *p,
                    offset: con.fetch_pos[p],
                    last_epoch: con.last_epoch.get(p).copied(),
                })
                .collect();
            if parts.is_empty() {
                continue;
            }
            let cc = &self.cfg.consumer;
            let f = FetchRequest {
                consumer: c,
                replica: None,
                parts,
                min_bytes: cc.fetch_min_bytes,
                max_bytes: cc.fetch_max_bytes,
                partition_max_bytes: cc.max_partition_fetch_bytes,
                max_wait_ns: cc.fetch_max_wait_ns,
                waited: false,
                result: vec![],
            };
            self.consumers[c].fetching.insert(b);
            self.metrics.consumers[c].fetches += 1;
            let host = self.consumers[c].host;
            let at = self.hosts[host]
                .cpu
                .submit(now, self.cfg.consumer.request_cpu_ns);
            self.to_broker(q, at, host, b, Request::Fetch(f));
        }
    }

    fn maybe_poll(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        if self.consumers[c].app_busy || !self.consumers[c].ready {
            return;
        }
        let cc = &self.cfg.consumer;
        let mut need = cc.max_poll_records as u64;
        let (mut records, mut bytes, mut raw) = (0u64, 0u64, 0u64);
        let mut created: Vec<(Nanos, u64)> = vec![];
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
                records += take;
                bytes += b.bytes as u64 * take / b.records as u64;
                raw += b.raw_bytes as u64 * take / b.records as u64;
                created.push((b.created_ns, take));
                con.position.insert(p, to);
                *con.buffered.get_mut(&p).expect("buffered with data") -= take;
                self.checks.order.consumed(c, p, from, to);
                let new = self.checks.delivery.consumed(p, from, to);
                if new > 0 {
                    let seq = b.first_seq + (to - new - b.base_offset);
                    let seen = self
                        .checks
                        .delivery
                        .consumed_records(p, b.producer, seq, new);
                    self.checks
                        .key_order
                        .observe(p, b.producer, seq, seq + new, seen);
                }
                con.pending_new += new;
                if *skip == b.records {
                    buf.pop_front();
                }
            }
        }
        if records == 0 {
            return;
        }
        con.cursor = (con.cursor + 1) % n.max(1);
        con.app_busy = true;
        let cpu = records * (cc.poll_cpu_ns + cc.process_ns)
            + bytes * cc.ps_per_byte / 1000
            + raw * self.cfg.producer.codec.decompress_ps_per_byte / 1000;
        let done = self.hosts[con.host].cpu.submit(now, cpu);
        for (t, k) in created {
            record_ns(&mut self.metrics.e2e_latency_us, done.saturating_sub(t), k);
        }
        q.schedule(
            done,
            Event::PollDone {
                c,
                records: records as u32,
                bytes,
            },
        );
        self.send_fetches(now, c, q);
    }

    /// A fetch found that consumer `c`'s view of the leaders is out of date.
    fn consumer_stale_leader(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        self.request_metadata(now, crate::kafka::metadata::Client::Consumer(c), q);
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
        con.fetch_pos.insert(p, pos);
        con.last_epoch.insert(p, epoch);
        con.buffer.remove(&p);
        con.buffered.remove(&p);
        self.checks.order.start(c, p, pos);
    }

    pub(crate) fn consumer_poll_done(
        &mut self,
        now: Nanos,
        c: Id,
        records: u32,
        bytes: u64,
        q: &mut EventQueue<Event>,
    ) {
        let con = &mut self.consumers[c];
        con.app_busy = false;
        self.consumed_records += std::mem::take(&mut con.pending_new);
        let m = &mut self.metrics.consumers[c];
        m.records += records as u64;
        m.bytes += bytes;
        m.polls += 1;
        m.first_record_ns.get_or_insert(now);
        m.last_record_ns = Some(now);
        if now >= self.consumers[c].next_commit_ns {
            self.consumers[c].next_commit_ns = now + self.cfg.consumer.auto_commit_interval_ns;
            self.commit(now, c, q);
        }
        self.maybe_poll(now, c, q);
        self.send_fetches(now, c, q);
    }
}
