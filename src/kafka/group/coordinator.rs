//! The classic group coordinator as a state machine: requests and timers in, replies and timers
//! out. It follows Kafka's GroupCoordinator (ClassicGroup in 4.x):
//!
//! - a JoinGroup without a member id gets MEMBER_ID_REQUIRED and a fresh id, and rejoins with it;
//! - the first member of an *empty* group starts an initial delayed join of
//!   `group.initial.rebalance.delay.ms`; a member added while the group is preparing its first
//!   generation sets `newMemberAdded`; when the timer fires with that flag set and rebalance time
//!   remains, the flag is cleared and the delay re-armed for min(delay, remaining). A lone
//!   consumer so waits ≈ 1 delay, N ≥ 2 started together ≈ 2 delays;
//! - later rebalances wait for every known member to rejoin, at most the rebalance timeout;
//! - the first member to join leads; SyncGroup carries the leader's assignment;
//! - heartbeats during a rebalance answer REBALANCE_IN_PROGRESS; a member silent for
//!   `session.timeout.ms` is removed; LeaveGroup removes a member at once;
//! - static membership (KIP-345): a member with a `group.instance.id` joins without the
//!   MEMBER_ID_REQUIRED round trip; when a known instance id rejoins a stable group it takes over
//!   its old member's place and assignment under a new member id, with no rebalance;
//! - OffsetCommit from a member that is not in the current generation fails (the Java client's
//!   CommitFailedException), so a zombie's commits do not land.
//!
//! Each finished rebalance is recorded with its cause and how many partitions changed owner.

use super::assignor::{select_protocol, AssignorKind};
use super::consumer_protocol::{HeartbeatRequest, HeartbeatResponse, Timer848};
use crate::engine::Nanos;
use crate::kafka::event::Id;
use std::collections::BTreeMap;

/// A group request from a consumer.
#[derive(Clone, Debug)]
pub enum GroupRequest {
    /// Which broker coordinates the group.
    FindCoordinator,
    /// JoinGroup.
    Join {
        /// None on the first attempt.
        member_id: Option<String>,
        /// Assignors in preference order.
        protocols: Vec<AssignorKind>,
        /// session.timeout.ms.
        session_timeout_ns: Nanos,
        /// max.poll.interval.ms.
        rebalance_timeout_ns: Nanos,
        /// Partitions owned now (cooperative protocols).
        owned: Vec<u32>,
        /// group.instance.id (static membership).
        instance_id: Option<String>,
    },
    /// SyncGroup; the leader sends the assignment.
    Sync {
        /// Member id.
        member_id: String,
        /// Generation.
        generation: i32,
        /// member id → partitions (leader only).
        assignment: Option<BTreeMap<String, Vec<u32>>>,
    },
    /// Heartbeat.
    Heartbeat {
        /// Member id.
        member_id: String,
        /// Generation.
        generation: i32,
    },
    /// LeaveGroup.
    Leave {
        /// Member id.
        member_id: String,
    },
    /// OffsetCommit.
    OffsetCommit {
        /// Member id; None for a consumer outside any group (standalone).
        member_id: Option<String>,
        /// Generation the member believes current.
        generation: i32,
        /// (partition, next offset to read).
        offsets: Vec<(u32, u64)>,
    },
    /// OffsetFetch.
    OffsetFetch,
    /// ConsumerGroupHeartbeat (KIP-848), for the consumer-protocol group.
    Heartbeat848(HeartbeatRequest),
}

/// A member as the leader sees it in its JoinGroup response.
#[derive(Clone, Debug, PartialEq)]
pub struct JoinedMember {
    /// Member id.
    pub member_id: String,
    /// Partitions it owns (cooperative).
    pub owned: Vec<u32>,
}

/// The coordinator's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupReply {
    /// The coordinator broker.
    Coordinator {
        /// Broker index.
        broker: Id,
    },
    /// MEMBER_ID_REQUIRED: rejoin with this id.
    MemberIdRequired {
        /// Assigned id.
        member_id: String,
    },
    /// JoinGroup completed.
    Joined {
        /// This member's id.
        member_id: String,
        /// New generation.
        generation: i32,
        /// The leader's id.
        leader: String,
        /// The chosen assignor.
        protocol: AssignorKind,
        /// All members (leader only; empty for followers), in join order.
        members: Vec<JoinedMember>,
    },
    /// SyncGroup completed with this member's partitions.
    Synced {
        /// Generation.
        generation: i32,
        /// Assigned partitions.
        partitions: Vec<u32>,
    },
    /// Heartbeat accepted.
    HeartbeatOk,
    /// REBALANCE_IN_PROGRESS: rejoin.
    RebalanceInProgress,
    /// UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION: start over.
    Fenced,
    /// Offsets stored.
    Committed,
    /// The commit was refused: the member is not in the current generation.
    CommitFailed,
    /// ConsumerGroupHeartbeat response (KIP-848).
    Heartbeat848(HeartbeatResponse),
    /// Committed offsets.
    Offsets {
        /// partition → offset.
        committed: BTreeMap<u32, u64>,
    },
}

/// Timers the coordinator sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupTimer {
    /// The initial delayed join fires.
    InitialJoin {
        /// Join round it belongs to.
        round: u64,
        /// Rebalance time left after this delay, ns.
        remaining_ns: Nanos,
    },
    /// A rebalance's deadline: members that have not rejoined are removed.
    JoinDeadline {
        /// Join round.
        round: u64,
    },
    /// A KIP-848 group timer.
    Kip848(Timer848),
    /// A member's session may have expired.
    Session {
        /// Member id.
        member_id: String,
        /// Heartbeat count when set.
        beat: u64,
    },
}

/// What the coordinator wants done.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Send `reply` to consumer `c`.
    Reply {
        /// Consumer.
        c: Id,
        /// Reply.
        reply: GroupReply,
    },
    /// Fire `timer` at `at`.
    Timer {
        /// When.
        at: Nanos,
        /// What.
        timer: GroupTimer,
    },
    /// Consumer `c` is no longer a member (its session or the rebalance timed out, or it
    /// left): from the group's view it owns nothing, whatever its application still holds.
    Removed {
        /// Consumer.
        c: Id,
    },
}

/// Group states (ClassicGroupState).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No members.
    Empty,
    /// Waiting for members to (re)join.
    PreparingRebalance,
    /// Waiting for the leader's SyncGroup.
    CompletingRebalance,
    /// Assignment handed out.
    Stable,
}

#[derive(Clone, Debug)]
struct Member {
    consumer: Id,
    instance_id: Option<String>,
    protocols: Vec<AssignorKind>,
    owned: Vec<u32>,
    awaiting_join: bool,
    awaiting_sync: bool,
    assignment: Vec<u32>,
    joined_seq: u64,
    session_timeout_ns: Nanos,
    rebalance_timeout_ns: Nanos,
    beats: u64,
}

/// A finished rebalance, for timelines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebalance {
    /// When the group started preparing.
    pub start_ns: Nanos,
    /// When the leader's assignment was stored (group stable).
    pub end_ns: Nanos,
    /// Generation reached.
    pub generation: i32,
    /// Members in it.
    pub members: usize,
    /// What started it ("consumer 2 joined", "consumer 1 session timed out", …).
    pub cause: String,
    /// Partitions whose owner changed (a partition withheld by a cooperative rebalance counts
    /// once, when taken from its owner).
    pub moved: u32,
}

/// One classic consumer group.
#[derive(Clone, Debug)]
pub struct Coordinator {
    initial_delay_ns: Nanos,
    clients: usize,
    state: State,
    generation: i32,
    members: BTreeMap<String, Member>,
    pending: BTreeMap<String, Id>,
    leader: Option<String>,
    protocol: Option<AssignorKind>,
    new_member_added: bool,
    /// The current join began with the group empty (group.initial.rebalance.delay.ms).
    initial_join: bool,
    round: u64,
    rebalance_start_ns: Nanos,
    next_seq: u64,
    committed: BTreeMap<u32, u64>,
    static_members: BTreeMap<String, String>,
    cause: String,
    owners: BTreeMap<u32, Id>,
    /// Finished rebalances.
    pub rebalances: Vec<Rebalance>,
}

impl Coordinator {
    /// An empty group on a broker whose group.initial.rebalance.delay.ms is `initial_delay_ns`,
    /// for `clients` consumers. Consumers are named by client id (index + clients ×
    /// incarnation); names and causes show the index, counted from 1.
    pub fn new(initial_delay_ns: Nanos, clients: usize) -> Self {
        Self {
            initial_delay_ns,
            clients: clients.max(1),
            state: State::Empty,
            generation: 0,
            members: BTreeMap::new(),
            pending: BTreeMap::new(),
            leader: None,
            protocol: None,
            new_member_added: false,
            initial_join: false,
            round: 0,
            rebalance_start_ns: 0,
            next_seq: 0,
            committed: BTreeMap::new(),
            static_members: BTreeMap::new(),
            cause: String::new(),
            owners: BTreeMap::new(),
            rebalances: vec![],
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Current generation.
    pub fn generation(&self) -> i32 {
        self.generation
    }

    /// Each member as the coordinator knows it: member id, consumer (client id) and the
    /// partitions of its last SyncGroup — a crashed member stays until its session expires,
    /// as `kafka-consumer-groups --describe` shows it.
    pub fn members_view(&self) -> impl Iterator<Item = (&str, Id, &[u32])> {
        self.members
            .iter()
            .map(|(id, m)| (id.as_str(), m.consumer, m.assignment.as_slice()))
    }

    /// Committed offset of `partition`.
    pub fn committed(&self, partition: u32) -> Option<u64> {
        self.committed.get(&partition).copied()
    }

    /// Set the committed offset of `partition` (an admin tool's OffsetCommit on an empty
    /// group).
    pub fn set_committed(&mut self, partition: u32, offset: u64) {
        self.committed.insert(partition, offset);
    }

    /// Members in the group (joined or waiting to).
    pub fn member_count(&self) -> usize {
        self.members.len() + self.pending.len()
    }

    /// Whether a rebalance is under way, and since when.
    pub fn rebalancing_since(&self) -> Option<Nanos> {
        matches!(
            self.state,
            State::PreparingRebalance | State::CompletingRebalance
        )
        .then_some(self.rebalance_start_ns)
    }

    /// Record what starts the next rebalance; a rebalance under way keeps its first cause.
    fn set_cause(&mut self, cause: String) {
        if matches!(self.state, State::Stable | State::Empty) {
            self.cause = cause;
        }
    }

    fn index(&self, c: Id) -> Id {
        c % self.clients
    }

    fn member_name(&self, c: Id, seq: u64) -> String {
        format!("consumer-{}-{seq:04}", self.index(c))
    }

    /// Handle a request from consumer `c` at `now`.
    pub fn handle(&mut self, now: Nanos, c: Id, req: GroupRequest) -> Vec<Action> {
        let mut out = vec![];
        match req {
            GroupRequest::FindCoordinator => unreachable!("answered by any broker"),
            GroupRequest::Heartbeat848(_) => unreachable!("handled by the KIP-848 group"),
            GroupRequest::Join {
                member_id: None,
                instance_id: Some(instance),
                protocols,
                session_timeout_ns,
                rebalance_timeout_ns,
                owned,
            } => {
                let id = self.member_name(c, self.next_seq);
                self.next_seq += 1;
                match self.static_members.get(&instance).cloned() {
                    Some(old) if self.members.contains_key(&old) => {
                        let mut m = self.members.remove(&old).expect("checked");
                        m.consumer = c;
                        m.beats += 1;
                        out.push(Action::Timer {
                            at: now + m.session_timeout_ns,
                            timer: GroupTimer::Session {
                                member_id: id.clone(),
                                beat: m.beats,
                            },
                        });
                        if self.leader.as_deref() == Some(&old) {
                            self.leader = Some(id.clone());
                        }
                        self.static_members.insert(instance, id.clone());
                        if self.state == State::Stable {
                            // KIP-345: a known instance rejoining a stable group replaces its
                            // old member and keeps its assignment; no rebalance.
                            self.members.insert(id.clone(), m);
                            out.push(Action::Reply {
                                c,
                                reply: GroupReply::Joined {
                                    generation: self.generation,
                                    leader: self.leader.clone().unwrap_or_default(),
                                    protocol: self.protocol.unwrap_or(AssignorKind::Range),
                                    members: vec![],
                                    member_id: id,
                                },
                            });
                        } else {
                            m.awaiting_join = true;
                            m.protocols = protocols;
                            m.owned = owned;
                            self.members.insert(id.clone(), m);
                            self.set_cause(format!("consumer {} rejoined (static)", self.index(c)));
                            self.prepare_rebalance(now, &mut out);
                        }
                    }
                    _ => {
                        self.static_members.insert(instance.clone(), id.clone());
                        self.add_member(
                            now,
                            c,
                            id,
                            Some(instance),
                            protocols,
                            session_timeout_ns,
                            rebalance_timeout_ns,
                            owned,
                            &mut out,
                        );
                    }
                }
            }
            GroupRequest::Join {
                member_id: None, ..
            } => {
                let id = self.member_name(c, self.next_seq);
                self.next_seq += 1;
                self.pending.insert(id.clone(), c);
                out.push(Action::Reply {
                    c,
                    reply: GroupReply::MemberIdRequired { member_id: id },
                });
            }
            GroupRequest::Join {
                member_id: Some(id),
                protocols,
                session_timeout_ns,
                rebalance_timeout_ns,
                owned,
                instance_id,
            } => {
                if self.pending.remove(&id).is_some() {
                    self.add_member(
                        now,
                        c,
                        id,
                        instance_id,
                        protocols,
                        session_timeout_ns,
                        rebalance_timeout_ns,
                        owned,
                        &mut out,
                    );
                } else if let Some(m) = self.members.get_mut(&id) {
                    m.awaiting_join = true;
                    m.protocols = protocols;
                    m.owned = owned;
                    m.consumer = c;
                    if self.state != State::PreparingRebalance {
                        self.set_cause(format!("consumer {} rejoined", self.index(c)));
                    }
                    self.prepare_rebalance(now, &mut out);
                } else {
                    out.push(Action::Reply {
                        c,
                        reply: GroupReply::Fenced,
                    });
                }
            }
            GroupRequest::Sync {
                member_id,
                generation,
                assignment,
            } => {
                let Some(m) = self.members.get_mut(&member_id) else {
                    out.push(Action::Reply {
                        c,
                        reply: GroupReply::Fenced,
                    });
                    return out;
                };
                if generation != self.generation {
                    out.push(Action::Reply {
                        c,
                        reply: GroupReply::Fenced,
                    });
                    return out;
                }
                match self.state {
                    State::PreparingRebalance => out.push(Action::Reply {
                        c,
                        reply: GroupReply::RebalanceInProgress,
                    }),
                    State::Stable => out.push(Action::Reply {
                        c,
                        reply: GroupReply::Synced {
                            generation,
                            partitions: m.assignment.clone(),
                        },
                    }),
                    State::CompletingRebalance => {
                        m.awaiting_sync = true;
                        if self.leader.as_deref() == Some(&member_id) {
                            if let Some(a) = assignment {
                                let mut owners = BTreeMap::new();
                                for (mid, mem) in self.members.iter_mut() {
                                    mem.assignment = a.get(mid).cloned().unwrap_or_default();
                                    for &p in &mem.assignment {
                                        owners.insert(p, mem.consumer % self.clients);
                                    }
                                }
                                let moved = self
                                    .owners
                                    .iter()
                                    .filter(|(p, o)| owners.get(p) != Some(o))
                                    .count() as u32;
                                self.owners = owners;
                                self.state = State::Stable;
                                self.rebalances.push(Rebalance {
                                    start_ns: self.rebalance_start_ns,
                                    end_ns: now,
                                    generation,
                                    members: self.members.len(),
                                    cause: std::mem::take(&mut self.cause),
                                    moved,
                                });
                                for mem in self.members.values_mut().filter(|m| m.awaiting_sync) {
                                    mem.awaiting_sync = false;
                                    out.push(Action::Reply {
                                        c: mem.consumer,
                                        reply: GroupReply::Synced {
                                            generation,
                                            partitions: mem.assignment.clone(),
                                        },
                                    });
                                }
                            }
                        }
                    }
                    State::Empty => out.push(Action::Reply {
                        c,
                        reply: GroupReply::Fenced,
                    }),
                }
            }
            GroupRequest::Heartbeat {
                member_id,
                generation,
            } => {
                let reply = match self.members.get_mut(&member_id) {
                    None => GroupReply::Fenced,
                    Some(m) => {
                        m.beats += 1;
                        let (beat, timeout) = (m.beats, m.session_timeout_ns);
                        out.push(Action::Timer {
                            at: now + timeout,
                            timer: GroupTimer::Session {
                                member_id: member_id.clone(),
                                beat,
                            },
                        });
                        if self.state == State::PreparingRebalance {
                            GroupReply::RebalanceInProgress
                        } else if generation != self.generation {
                            GroupReply::Fenced
                        } else {
                            GroupReply::HeartbeatOk
                        }
                    }
                };
                out.push(Action::Reply { c, reply });
            }
            GroupRequest::Leave { member_id } => {
                self.set_cause(format!("consumer {} left", self.index(c)));
                self.remove_member(now, &member_id, &mut out);
            }
            GroupRequest::OffsetCommit {
                member_id,
                generation,
                offsets,
            } => {
                let ok = match member_id {
                    None => true,
                    Some(id) => self.members.contains_key(&id) && generation == self.generation,
                };
                let reply = if ok {
                    self.committed.extend(offsets);
                    GroupReply::Committed
                } else {
                    GroupReply::CommitFailed
                };
                out.push(Action::Reply { c, reply });
            }
            GroupRequest::OffsetFetch => {
                out.push(Action::Reply {
                    c,
                    reply: GroupReply::Offsets {
                        committed: self.committed.clone(),
                    },
                });
            }
        }
        out
    }

    /// A timer fired at `now`.
    pub fn on_timer(&mut self, now: Nanos, t: GroupTimer) -> Vec<Action> {
        let mut out = vec![];
        match t {
            GroupTimer::InitialJoin {
                round,
                remaining_ns,
            } if round == self.round && self.state == State::PreparingRebalance => {
                if self.new_member_added && remaining_ns > 0 {
                    self.new_member_added = false;
                    let delay = self.initial_delay_ns.min(remaining_ns);
                    out.push(Action::Timer {
                        at: now + delay,
                        timer: GroupTimer::InitialJoin {
                            round,
                            remaining_ns: remaining_ns - delay,
                        },
                    });
                } else {
                    self.complete_join(now, &mut out);
                }
            }
            GroupTimer::JoinDeadline { round }
                if round == self.round && self.state == State::PreparingRebalance =>
            {
                let gone: Vec<String> = self
                    .members
                    .iter()
                    .filter(|(_, m)| !m.awaiting_join)
                    .map(|(k, _)| k.clone())
                    .collect();
                for id in gone {
                    let consumer = self.members.get(&id).map(|m| m.consumer);
                    self.forget(&id);
                    out.extend(consumer.map(|c| Action::Removed { c }));
                }
                self.complete_join(now, &mut out);
            }
            GroupTimer::Session { member_id, beat } => {
                if self
                    .members
                    .get(&member_id)
                    // MemberMetadata.shouldKeepAlive: a member waiting in JoinGroup or
                    // SyncGroup is not expired by its session (the rebalance timeout governs).
                    .is_some_and(|m| m.beats == beat && !m.awaiting_join && !m.awaiting_sync)
                {
                    let c = self.index(self.members[&member_id].consumer);
                    self.set_cause(format!("consumer {c} session timed out"));
                    self.remove_member(now, &member_id, &mut out);
                }
            }
            _ => {}
        }
        out
    }

    fn forget(&mut self, id: &str) -> bool {
        let Some(m) = self.members.remove(id) else {
            return false;
        };
        if let Some(i) = m.instance_id {
            if self.static_members.get(&i).map(String::as_str) == Some(id) {
                self.static_members.remove(&i);
            }
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn add_member(
        &mut self,
        now: Nanos,
        c: Id,
        id: String,
        instance_id: Option<String>,
        protocols: Vec<AssignorKind>,
        session_timeout_ns: Nanos,
        rebalance_timeout_ns: Nanos,
        owned: Vec<u32>,
        out: &mut Vec<Action>,
    ) {
        if self.state == State::PreparingRebalance && self.generation == 0 {
            self.new_member_added = true;
        }
        if self.state != State::PreparingRebalance {
            let i = self.index(c);
            self.set_cause(if self.state == State::Empty {
                format!("consumer {i} joined an empty group")
            } else {
                format!("consumer {i} joined")
            });
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let m = Member {
            consumer: c,
            instance_id,
            protocols,
            owned,
            awaiting_join: true,
            awaiting_sync: false,
            assignment: vec![],
            joined_seq: seq,
            session_timeout_ns,
            rebalance_timeout_ns,
            beats: 0,
        };
        self.members.insert(id, m);
        self.prepare_rebalance(now, out);
    }

    fn remove_member(&mut self, now: Nanos, id: &str, out: &mut Vec<Action>) {
        let consumer = self.members.get(id).map(|m| m.consumer);
        if !self.forget(id) {
            return;
        }
        out.extend(consumer.map(|c| Action::Removed { c }));
        if self.leader.as_deref() == Some(id) {
            self.leader = None;
        }
        if self.members.is_empty() {
            self.state = State::Empty;
            self.round += 1;
        } else {
            self.prepare_rebalance(now, out);
        }
    }

    fn prepare_rebalance(&mut self, now: Nanos, out: &mut Vec<Action>) {
        match self.state {
            State::Empty => {
                self.state = State::PreparingRebalance;
                self.initial_join = true;
                self.round += 1;
                self.rebalance_start_ns = now;
                let timeout = self.rebalance_timeout();
                let delay = self.initial_delay_ns.min(timeout);
                out.push(Action::Timer {
                    at: now + delay,
                    timer: GroupTimer::InitialJoin {
                        round: self.round,
                        remaining_ns: timeout - delay,
                    },
                });
            }
            State::Stable | State::CompletingRebalance => {
                if self.state == State::Stable {
                    // A rebalance that never completed keeps its start and cause.
                    self.rebalance_start_ns = now;
                }
                self.state = State::PreparingRebalance;
                self.round += 1;
                // Pending SyncGroups get REBALANCE_IN_PROGRESS: their members rejoin.
                for m in self.members.values_mut() {
                    if std::mem::take(&mut m.awaiting_sync) {
                        out.push(Action::Reply {
                            c: m.consumer,
                            reply: GroupReply::RebalanceInProgress,
                        });
                    }
                }
                out.push(Action::Timer {
                    at: now + self.rebalance_timeout(),
                    timer: GroupTimer::JoinDeadline { round: self.round },
                });
                self.try_complete(now, out);
            }
            State::PreparingRebalance => {
                if self.generation > 0 {
                    self.try_complete(now, out);
                }
            }
        }
    }

    /// Complete the join once every member has rejoined — except in a join that began with
    /// the group empty: Kafka's `InitialDelayedJoin` never completes early
    /// (core/.../coordinator/group/DelayedJoin.scala), whatever the generation.
    fn try_complete(&mut self, now: Nanos, out: &mut Vec<Action>) {
        if !self.initial_join
            && self.generation > 0
            && self.members.values().all(|m| m.awaiting_join)
        {
            self.complete_join(now, out);
        }
    }

    fn rebalance_timeout(&self) -> Nanos {
        self.members
            .values()
            .map(|m| m.rebalance_timeout_ns)
            .max()
            .unwrap_or(0)
    }

    fn complete_join(&mut self, now: Nanos, out: &mut Vec<Action>) {
        self.initial_join = false;
        if self.members.is_empty() {
            self.state = State::Empty;
            return;
        }
        self.generation += 1;
        self.state = State::CompletingRebalance;
        self.round += 1;
        let prefs: Vec<Vec<AssignorKind>> =
            self.members.values().map(|m| m.protocols.clone()).collect();
        let protocol = select_protocol(&prefs).unwrap_or(AssignorKind::Range);
        self.protocol = Some(protocol);
        if self
            .leader
            .as_ref()
            .is_none_or(|l| !self.members.contains_key(l))
        {
            self.leader = self
                .members
                .iter()
                .min_by_key(|(_, m)| m.joined_seq)
                .map(|(k, _)| k.clone());
        }
        let leader = self.leader.clone().expect("a member leads");
        let mut by_join: Vec<(&String, &Member)> = self.members.iter().collect();
        by_join.sort_by_key(|(_, m)| m.joined_seq);
        let all: Vec<JoinedMember> = by_join
            .iter()
            .map(|(k, m)| JoinedMember {
                member_id: (*k).clone(),
                owned: m.owned.clone(),
            })
            .collect();
        for (id, m) in self.members.iter_mut() {
            m.awaiting_join = false;
            m.beats += 1;
            out.push(Action::Timer {
                at: now + m.session_timeout_ns,
                timer: GroupTimer::Session {
                    member_id: id.clone(),
                    beat: m.beats,
                },
            });
            let members = if *id == leader { all.clone() } else { vec![] };
            out.push(Action::Reply {
                c: m.consumer,
                reply: GroupReply::Joined {
                    member_id: id.clone(),
                    generation: self.generation,
                    leader: leader.clone(),
                    protocol,
                    members,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{MS, SEC};

    const DELAY: Nanos = 3 * SEC;

    fn join(g: &mut Coordinator, now: Nanos, c: Id) -> (String, Vec<Action>) {
        let req = |id| GroupRequest::Join {
            member_id: id,
            protocols: vec![AssignorKind::Range],
            session_timeout_ns: 45 * SEC,
            rebalance_timeout_ns: 300 * SEC,
            owned: vec![],
            instance_id: None,
        };
        let a = g.handle(now, c, req(None));
        let GroupReply::MemberIdRequired { member_id } = (match &a[0] {
            Action::Reply { reply, .. } => reply.clone(),
            _ => panic!(),
        }) else {
            panic!("{a:?}")
        };
        let b = g.handle(now, c, req(Some(member_id.clone())));
        (member_id, b)
    }

    /// Fire timers in time order until the group completes its join; returns the completion time.
    fn run_timers(g: &mut Coordinator, mut pending: Vec<Action>) -> Nanos {
        loop {
            pending.sort_by_key(|a| match a {
                Action::Timer { at, .. } => *at,
                _ => u64::MAX,
            });
            let Some(pos) = pending.iter().position(|a| {
                matches!(
                    a,
                    Action::Timer {
                        timer: GroupTimer::InitialJoin { .. },
                        ..
                    }
                )
            }) else {
                panic!("no join timer")
            };
            let Action::Timer { at, timer } = pending.remove(pos) else {
                unreachable!()
            };
            let out = g.on_timer(at, timer);
            if out.iter().any(|a| {
                matches!(
                    a,
                    Action::Reply {
                        reply: GroupReply::Joined { .. },
                        ..
                    }
                )
            }) {
                return at;
            }
            pending.extend(out);
        }
    }

    #[test]
    fn a_lone_member_waits_one_initial_delay() {
        let mut g = Coordinator::new(DELAY, 8);
        let (_, acts) = join(&mut g, 0, 0);
        assert_eq!(run_timers(&mut g, acts), DELAY);
        assert_eq!(g.state(), State::CompletingRebalance);
    }

    #[test]
    fn members_arriving_together_wait_two_delays() {
        let mut g = Coordinator::new(DELAY, 8);
        let (_, mut acts) = join(&mut g, 0, 0);
        for c in 1..4 {
            acts.extend(join(&mut g, c as u64 * MS, c).1);
        }
        assert_eq!(run_timers(&mut g, acts), 2 * DELAY);
    }

    #[test]
    fn the_delay_is_capped_by_the_rebalance_timeout() {
        let mut g = Coordinator::new(200 * SEC, 8);
        let (_, mut acts) = join(&mut g, 0, 0);
        acts.extend(join(&mut g, MS, 1).1);
        assert_eq!(
            run_timers(&mut g, acts),
            300 * SEC,
            "200 s, then min(200, 100) s"
        );
    }

    #[test]
    fn the_leader_assignment_reaches_every_member() {
        let mut g = Coordinator::new(0, 8);
        let (a, mut acts) = join(&mut g, 0, 0);
        let (b, more) = join(&mut g, 0, 1);
        acts.extend(more);
        run_timers(&mut g, acts);
        assert!(
            g.handle(
                1,
                1,
                GroupRequest::Sync {
                    member_id: b.clone(),
                    generation: 1,
                    assignment: None
                }
            )
            .is_empty(),
            "follower waits"
        );
        let asg = BTreeMap::from([(a.clone(), vec![0]), (b.clone(), vec![1])]);
        let out = g.handle(
            2,
            0,
            GroupRequest::Sync {
                member_id: a,
                generation: 1,
                assignment: Some(asg),
            },
        );
        assert_eq!(out.len(), 2);
        assert!(out.contains(&Action::Reply {
            c: 1,
            reply: GroupReply::Synced {
                generation: 1,
                partitions: vec![1]
            }
        }));
        assert_eq!(g.state(), State::Stable);
        assert_eq!(g.rebalances.len(), 1);
    }
}
