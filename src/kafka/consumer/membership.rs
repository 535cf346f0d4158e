//! The classic group protocol from the consumer's side (Java `ConsumerCoordinator`):
//! FindCoordinator, JoinGroup (MEMBER_ID_REQUIRED for a new dynamic member), the leader's
//! assignment, SyncGroup, OffsetFetch, heartbeats.
//!
//! - **Eager** protocols (range, roundrobin, sticky): before rejoining, commit and revoke every
//!   partition; nothing is consumed until the new assignment arrives.
//! - **Cooperative** (cooperative-sticky, chosen only when every member lists it): keep
//!   consuming during the rebalance; the leader withholds partitions another member still owns
//!   (`cooperative_adjust`); a member revokes only what it lost, then rejoins at once, and the
//!   second rebalance hands the withheld partitions out.
//! - **Static** members (group.instance.id) skip MEMBER_ID_REQUIRED and send no LeaveGroup on
//!   close, so a restart within session.timeout.ms causes no rebalance.

use super::super::cluster::Cluster;
use super::super::event::{Event, Id, Request};
use super::super::group::assignor::{
    assign, cooperative_adjust, AssignorKind, Member, TopicPartition,
};
use super::super::group::coordinator::{GroupReply, GroupRequest, JoinedMember};
use crate::engine::{EventQueue, Nanos};
use std::collections::BTreeMap;

impl Cluster {
    /// Look up the coordinator, then join.
    pub(super) fn classic_start(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let instance = self.cfg.groups[self.consumers[c].group]
            .consumer
            .instance_id
            .as_ref();
        self.consumers[c].instance_id = instance.map(|i| format!("{i}-{c}"));
        self.send_group(now, c, 0, GroupRequest::FindCoordinator, q);
    }

    pub(super) fn send_group(
        &mut self,
        now: Nanos,
        c: Id,
        broker: Id,
        req: GroupRequest,
        q: &mut EventQueue<Event>,
    ) {
        let host = self.consumers[c].host;
        let client = self.consumers[c].client;
        let cpu = self.cfg.groups[self.consumers[c].group]
            .consumer
            .request_cpu_ns;
        self.send_after_cpu(q, now, host, cpu, broker, Request::Group { c: client, req });
    }

    fn send_join(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        let con = &self.consumers[c];
        let req = GroupRequest::Join {
            member_id: con.member_id.clone(),
            protocols: cc.assignors.clone(),
            session_timeout_ns: cc.session_timeout_ns,
            rebalance_timeout_ns: cc.rebalance_timeout_ns,
            owned: if con.cooperative {
                con.assigned.clone()
            } else {
                con.last_assignment.clone()
            },
            instance_id: con.instance_id.clone(),
        };
        let coord = con.coordinator;
        self.consumers[c].joining = true;
        self.send_group(now, c, coord, req, q);
    }

    /// Join (or rejoin) if the group asked for it and the application is between batches
    /// (onJoinPrepare runs inside poll()).
    pub(super) fn maybe_join(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &self.consumers[c];
        if !con.needs_join || con.joining || con.app_busy || con.stalled || con.commit_blocking {
            return;
        }
        self.consumers[c].needs_join = false;
        self.consumers[c].hb_epoch += 1; // the heartbeat thread pauses while joining
        if self.consumers[c].generation >= 0 {
            if self.commits_before_rebalance(c) {
                self.commit_now(now, c, q);
            }
            if !self.consumers[c].cooperative {
                let gone = std::mem::take(&mut self.consumers[c].assigned);
                self.drop_partitions(now, c, &gone);
            }
        }
        self.send_join(now, c, q);
    }

    /// Whether the client commits its processed offsets before giving up partitions (Java
    /// auto-commit in onJoinPrepare; an at-least-once application in onPartitionsRevoked).
    pub(super) fn commits_before_rebalance(&self, c: Id) -> bool {
        let cc = &self.cfg.groups[self.consumers[c].group].consumer;
        cc.auto_commit || !cc.at_most_once
    }

    /// Send LeaveGroup (dynamic members only). On close the membership is forgotten; after a
    /// poll timeout the application still holds its old member id and generation, so its next
    /// commit fails (CommitFailedException) and its rejoin is fenced into a fresh join.
    pub(super) fn classic_leave(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        con.hb_epoch += 1;
        con.joining = false;
        con.pending_sync = None;
        let zombie = con.left_by_poll_timeout;
        if !zombie {
            con.generation = -1;
        }
        let Some(id) = con.member_id.clone() else {
            return;
        };
        if con.instance_id.is_none() {
            if !zombie {
                con.member_id = None;
            }
            let coord = con.coordinator;
            self.send_group(now, c, coord, GroupRequest::Leave { member_id: id }, q);
        }
    }

    pub(super) fn group_reply(
        &mut self,
        now: Nanos,
        c: Id,
        reply: GroupReply,
        q: &mut EventQueue<Event>,
    ) {
        match reply {
            GroupReply::Coordinator { broker } => {
                self.consumers[c].coordinator = broker;
                if self.cfg.groups[self.consumers[c].group].consumer.kip848 {
                    self.kip848_join(now, c, q);
                } else {
                    self.send_join(now, c, q);
                }
            }
            GroupReply::Heartbeat848(r) => self.kip848_reply(now, c, r, q),
            GroupReply::MemberIdRequired { member_id } => {
                self.consumers[c].member_id = Some(member_id);
                self.send_join(now, c, q);
            }
            GroupReply::Joined {
                member_id,
                generation,
                leader,
                protocol,
                members,
            } => {
                let con = &mut self.consumers[c];
                con.member_id = Some(member_id.clone());
                con.generation = generation;
                con.cooperative = protocol.is_cooperative();
                let assignment = (member_id == leader && !members.is_empty())
                    .then(|| self.run_assignor(self.consumers[c].group, protocol, &members));
                let coord = self.consumers[c].coordinator;
                let req = GroupRequest::Sync {
                    member_id,
                    generation,
                    assignment,
                };
                self.send_group(now, c, coord, req, q);
            }
            GroupReply::Synced {
                generation,
                partitions,
            } => {
                if generation != self.consumers[c].generation {
                    return;
                }
                self.consumers[c].joining = false;
                self.consumers[c].pending_sync = Some((generation, partitions));
                self.start_heartbeats(now, c, q);
                self.app_idle(now, c, q);
            }
            GroupReply::Offsets { committed } => self.set_positions(now, c, &committed, q),
            GroupReply::RebalanceInProgress => {
                self.consumers[c].joining = false;
                self.consumers[c].needs_join = true;
                self.app_idle(now, c, q);
            }
            GroupReply::Fenced => {
                // UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION: the partitions are lost; start over.
                let con = &mut self.consumers[c];
                con.generation = -1;
                con.joining = false;
                con.hb_epoch += 1;
                if con.instance_id.is_none() {
                    con.member_id = None;
                }
                con.needs_join = true;
                self.lose_partitions(now, c);
                self.app_idle(now, c, q);
            }
            GroupReply::Committed | GroupReply::CommitFailed => {
                if reply == GroupReply::CommitFailed {
                    self.metrics.consumers[c].failed_commits += 1;
                    self.consumers[c].needs_join |=
                        self.consumers[c].generation < 0 || self.consumers[c].left_by_poll_timeout;
                }
                self.commit_done(now, c, q);
            }
            GroupReply::HeartbeatOk => {}
        }
    }

    /// Apply a SyncGroup assignment (inside poll(), between batches).
    pub(super) fn apply_sync(
        &mut self,
        now: Nanos,
        c: Id,
        generation: i32,
        partitions: Vec<u32>,
        q: &mut EventQueue<Event>,
    ) {
        let (revoked, changed) = self.reassign(now, c, generation, partitions.clone(), q);
        if !changed {
            // The same partitions in a new generation.
            self.take_assignment(now, c, generation, partitions);
        }
        if revoked {
            // KIP-429: what was revoked goes to others in a follow-up rebalance.
            self.consumers[c].needs_join = true;
        }
    }

    /// Move consumer `c` to `target`: commit and drop what it loses, record the new set, fetch
    /// the committed offsets of what it gains. Returns (anything revoked, anything changed).
    pub(super) fn reassign(
        &mut self,
        now: Nanos,
        c: Id,
        generation: i32,
        target: Vec<u32>,
        q: &mut EventQueue<Event>,
    ) -> (bool, bool) {
        let had = self.consumers[c].assigned.clone();
        let revoked: Vec<u32> = had
            .iter()
            .copied()
            .filter(|p| !target.contains(p))
            .collect();
        let added: Vec<u32> = target
            .iter()
            .copied()
            .filter(|p| !had.contains(p))
            .collect();
        if !revoked.is_empty() {
            if self.commits_before_rebalance(c) {
                self.commit_now(now, c, q);
            }
            self.drop_partitions(now, c, &revoked);
        }
        let changed = !revoked.is_empty() || !added.is_empty();
        if changed {
            self.take_assignment(now, c, generation, target);
        }
        if !added.is_empty() {
            self.consumers[c].awaiting_offsets.extend(added);
            let coord = self.consumers[c].coordinator;
            self.send_group(now, c, coord, GroupRequest::OffsetFetch, q);
        }
        (!revoked.is_empty(), changed)
    }

    fn start_heartbeats(&mut self, now: Nanos, c: Id, q: &mut EventQueue<Event>) {
        let con = &mut self.consumers[c];
        con.hb_epoch += 1;
        let (client, epoch) = (con.client, con.hb_epoch);
        q.schedule(
            now + self.cfg.groups[self.consumers[c].group]
                .consumer
                .heartbeat_interval_ns,
            Event::HeartbeatDue { c: client, epoch },
        );
    }

    /// The heartbeat thread's turn.
    pub(crate) fn consumer_heartbeat(
        &mut self,
        now: Nanos,
        client: Id,
        epoch: u64,
        q: &mut EventQueue<Event>,
    ) {
        let Some(c) = self.live_consumer(client) else {
            return;
        };
        if epoch != self.consumers[c].hb_epoch {
            return;
        }
        if self.cfg.groups[self.consumers[c].group].consumer.kip848 {
            return self.kip848_heartbeat(now, c, q);
        }
        let con = &self.consumers[c];
        let Some(member_id) = con.member_id.clone() else {
            return;
        };
        let req = GroupRequest::Heartbeat {
            member_id,
            generation: con.generation,
        };
        let coord = con.coordinator;
        self.send_group(now, c, coord, req, q);
        q.schedule(
            now + self.cfg.groups[self.consumers[c].group]
                .consumer
                .heartbeat_interval_ns,
            Event::HeartbeatDue { c: client, epoch },
        );
    }

    /// The leader's assignment: the chosen assignor over the members in join order; for a
    /// cooperative assignor, minus what other members must revoke first.
    fn run_assignor(
        &self,
        g: usize,
        protocol: AssignorKind,
        members: &[JoinedMember],
    ) -> BTreeMap<String, Vec<u32>> {
        let topics: Vec<&crate::scenario::resolve::TopicCfg> = self.cfg.groups[g]
            .topics
            .iter()
            .map(|&t| &self.cfg.topics[t])
            .collect();
        let names: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
        let input: Vec<Member> = members
            .iter()
            .map(|m| Member {
                member_id: m.member_id.clone(),
                group_instance_id: None,
                topics: names.clone(),
                owned: m
                    .owned
                    .iter()
                    .map(|&p| {
                        let (topic, i) = self.cfg.topic_partition(p);
                        TopicPartition::new(topic, i)
                    })
                    .collect(),
                generation: 0,
            })
            .collect();
        let counts: BTreeMap<String, u32> = topics
            .iter()
            .map(|t| (t.name.clone(), t.partitions))
            .collect();
        let first: BTreeMap<&str, u32> =
            topics.iter().map(|t| (t.name.as_str(), t.first)).collect();
        let mut result = assign(protocol, &input, &counts);
        if protocol.is_cooperative() {
            result = cooperative_adjust(&input, &result).0;
        }
        result
            .into_iter()
            .map(|(m, tps)| {
                let mut parts: Vec<u32> = tps
                    .into_iter()
                    .map(|tp| first[tp.topic.as_str()] + tp.partition)
                    .collect();
                parts.sort_unstable();
                (m, parts)
            })
            .collect()
    }
}
