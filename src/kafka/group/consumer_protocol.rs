//! The KIP-848 "consumer" group protocol coordinator as a state machine: heartbeats and timers
//! in, replies and timers out. One group, subscribed to one topic of `partitions` partitions.
//! It follows Kafka 4.x's `GroupMetadataManager.consumerGroupHeartbeat` (now
//! `ConsumerGroupMetadataManager` / `GroupMetaManagerHelper`), `ConsumerGroup`,
//! `ConsumerGroupMember`, `TargetAssignmentBuilder` and `CurrentAssignmentBuilder`:
//!
//! - **Group epoch.** Bumped when a member joins (its subscription appears) and when a member is
//!   fenced or leaves (session timeout, rebalance timeout, epoch -1, static member gone for good).
//!   A static member replacing its own departed (-2) incarnation does *not* bump it.
//! - **Target assignment.** Recomputed lazily, at the first heartbeat (of any member) that finds
//!   group epoch > target epoch, with the server assignor; each member's previous *target* is its
//!   "owned" input (the uniform assignor is sticky on it; the range assignor ignores it). Member
//!   order is the assignor's own (see `assignor.rs`). After a leave the others so see the new
//!   target at their next heartbeat.
//! - **Reconciliation** (`CurrentAssignmentBuilder`), per member, no barrier, no SyncGroup, no
//!   initial delay. A member's *assigned* partitions are what it may own; its *pending revocation*
//!   partitions are ones it must give up. With a newer target:
//!   assigned ∩ target are kept; assigned − target must be revoked: if the member may still own
//!   them (`owned` absent, or listing one of them) it goes to UNREVOKED_PARTITIONS and its member
//!   epoch stays put until a heartbeat lists `owned` without them. Otherwise target partitions
//!   still held (assigned or pending revocation) by another member are withheld
//!   (UNRELEASED_PARTITIONS), the free ones are added, and the member epoch jumps to the target
//!   epoch (STABLE once nothing is withheld). A partition is only ever granted when no member
//!   holds it, so two members never hold one partition.
//! - **Session timeout** (`group.consumer.session.timeout.ms`, re-armed by every accepted
//!   heartbeat): the member is fenced (removed; its partitions are free at once).
//!   **Rebalance timeout** (the member's `max.poll.interval.ms`, armed when it enters
//!   UNREVOKED_PARTITIONS, disarmed when it leaves that state): fenced likewise.
//! - **Leave.** Epoch -1 removes the member at once. A static member (`group.instance.id`) sending
//!   -2 stays, with member epoch -2, keeping its assigned partitions reserved (its pending
//!   revocations are dropped); its session timer is *not* re-armed by the leave (as in Kafka), so
//!   the reservation lasts until session timeout after its last regular heartbeat. Rejoining with
//!   the same instance id and epoch 0 (any member id) takes over the member, its assignment and
//!   its target, with no group epoch bump; the reply carries the same partitions at the same epoch.
//!   Joining with an instance id whose member has not sent -2 gets UNRELEASED_INSTANCE_ID.
//! - **Epoch checks.** A heartbeat with an epoch above the member's, or below it unless it is the
//!   member's previous epoch *and* `owned` is given and within the assignment (a lost response),
//!   gets FENCED_MEMBER_EPOCH; an unknown member id gets UNKNOWN_MEMBER_ID. Failed heartbeats do
//!   not re-arm the session timer. A member id still known to the coordinator that rejoins with
//!   epoch 0 is fenced too (0 is below its epoch), until its session expires — as in Kafka.
//! - **Response.** `member_id`, `member_epoch`, `heartbeat_interval_ns` (the group's
//!   `group.consumer.heartbeat.interval.ms`) and `assignment`: the member's assigned partitions,
//!   sent on a join (epoch 0) and whenever they changed, else `None`. Error replies carry the
//!   request's member id and epoch, interval 0 and no assignment; leave replies carry epoch -1/-2.
//!
//! ## What the client (Java `ConsumerMembershipManager` / `ConsumerHeartbeatRequestManager`) does
//! - One heartbeat in flight at a time; the next regular one `heartbeat_interval_ns` after the
//!   previous one was sent.
//! - Joins with `member_epoch` 0 and `owned: Some(vec![])`; afterwards always sends the latest
//!   `member_epoch` it was given.
//! - On a reply with `assignment: Some(a)` that differs from what it owns it reconciles at once:
//!   revokes owned − a (commit, `onPartitionsRevoked`), then assigns a − owned
//!   (`onPartitionsAssigned`), and then sends a heartbeat **immediately** (ACKNOWLEDGING) with
//!   `owned: Some(a)`. That acknowledgement is what lets the coordinator free revoked partitions
//!   and bump the member epoch. `owned` is otherwise `None` (unchanged since last sent).
//!   A reply may shrink the assignment without granting anything yet (the new partitions are
//!   withheld while others release them); they arrive in a later reply, usually the next regular
//!   heartbeat after the owner acknowledged.
//! - On FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID it drops all partitions (`onPartitionsLost`) and
//!   rejoins immediately with epoch 0 (same member id; 4.x clients generate their id). On
//!   UNRELEASED_INSTANCE_ID / FENCED_INSTANCE_ID it fails.
//! - On close it sends epoch -1 (or -2 for a static member) after revoking its partitions.
//!
//! ## Differences from the suggested API and from Kafka
//! - [`HeartbeatError::FencedInstanceId`] is added (a heartbeat naming an instance id owned by
//!   another member id); the simulator should never hit it.
//! - [`EpochChange`] is recorded when a target assignment is computed (the lazy step after a
//!   group epoch bump), with when that target was fully reached (`converged_at`).
//! - Generated member ids are `consumer-<c+1>-<seq>` (as the classic coordinator), not UUIDs.
//! - Not modelled: subscription changes and regex subscriptions (one topic, fixed), topic
//!   metadata refresh, rack awareness, group size limits, the classic-protocol interop, invalid
//!   requests (epoch -2 without an instance id is treated as -1), offset commits.

use super::assignor::{assign, AssignorKind, Member as AssignorMember, TopicPartition};
use crate::engine::Nanos;
use crate::kafka::event::Id;
use std::collections::{BTreeMap, BTreeSet};

/// The single topic's name given to the assignor.
#[cfg(test)]
const TOPIC: &str = "topic";
/// `LEAVE_GROUP_MEMBER_EPOCH`.
pub const LEAVE_EPOCH: i32 = -1;
/// `LEAVE_GROUP_STATIC_MEMBER_EPOCH`.
pub const STATIC_LEAVE_EPOCH: i32 = -2;

/// `group.consumer.assignors` / the client's `group.remote.assignor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerAssignor {
    /// `UniformAssignor` (the default).
    Uniform,
    /// `RangeAssignor`.
    Range,
}

impl ServerAssignor {
    /// The assignor in [`super::assignor`].
    pub fn kind(self) -> AssignorKind {
        match self {
            ServerAssignor::Uniform => AssignorKind::ServerUniform,
            ServerAssignor::Range => AssignorKind::ServerRange,
        }
    }

    /// Parses "uniform" or "range".
    pub fn from_name(s: &str) -> Result<Self, String> {
        match AssignorKind::from_remote_name(s)? {
            AssignorKind::ServerRange => Ok(ServerAssignor::Range),
            _ => Ok(ServerAssignor::Uniform),
        }
    }
}

/// A ConsumerGroupHeartbeat request (the fields that matter here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeartbeatRequest {
    /// None (or empty) on a first join: the coordinator picks one.
    pub member_id: Option<String>,
    /// 0 = join, -1 = leave, -2 = static member leaving temporarily, else the member's epoch.
    pub member_epoch: i32,
    /// `group.instance.id` (static membership).
    pub instance_id: Option<String>,
    /// `max.poll.interval.ms`.
    pub rebalance_timeout_ns: Nanos,
    /// Partitions the member owns now; None = unchanged since its last heartbeat.
    pub owned: Option<Vec<u32>>,
}

/// Errors a heartbeat can get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeartbeatError {
    /// FENCED_MEMBER_EPOCH: drop all partitions, rejoin with epoch 0.
    FencedMemberEpoch,
    /// UNKNOWN_MEMBER_ID: likewise.
    UnknownMemberId,
    /// UNRELEASED_INSTANCE_ID: the instance id is held by a member that has not left.
    UnreleasedInstanceId,
    /// FENCED_INSTANCE_ID: the instance id belongs to another member id.
    FencedInstanceId,
}

/// A ConsumerGroupHeartbeat response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeartbeatResponse {
    /// None on success.
    pub error: Option<HeartbeatError>,
    /// The member's id.
    pub member_id: String,
    /// The member's epoch after this heartbeat.
    pub member_epoch: i32,
    /// Time to the next regular heartbeat.
    pub heartbeat_interval_ns: Nanos,
    /// The partitions the member may own now (sorted), when they changed or on a join.
    pub assignment: Option<Vec<u32>>,
}

/// Timers the coordinator sets; stale ones are ignored when they fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer848 {
    /// The member's session may have expired.
    Session {
        /// Member id.
        member_id: String,
        /// Accepted heartbeats counted when it was set.
        beat: u64,
    },
    /// The member may still not have revoked what it was asked to.
    RebalanceTimeout {
        /// Member id.
        member_id: String,
        /// Member epoch when it was set.
        epoch: i32,
    },
}

/// What the coordinator wants done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action848 {
    /// Send `resp` to consumer `c`.
    Reply {
        /// Consumer.
        c: Id,
        /// Response.
        resp: HeartbeatResponse,
    },
    /// Fire `timer` at `at`.
    Timer {
        /// When.
        at: Nanos,
        /// What.
        timer: Timer848,
    },
}

/// `MemberState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Reconciled to its member epoch's target.
    Stable,
    /// Must revoke partitions before moving on.
    UnrevokedPartitions,
    /// Waits for partitions other members still hold.
    UnreleasedPartitions,
}

/// A member as the coordinator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    /// Member epoch (-2: static member temporarily gone).
    pub epoch: i32,
    /// Reconciliation state.
    pub state: MemberState,
    /// Partitions it may own.
    pub assigned: Vec<u32>,
    /// Partitions it must revoke (it may still own them).
    pub pending_revocation: Vec<u32>,
    /// `group.instance.id`.
    pub instance_id: Option<String>,
    /// The consumer that last heartbeated for it.
    pub consumer: Id,
}

/// A new target assignment, for timelines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochChange {
    /// When the target was computed (the first heartbeat after the group epoch bump).
    pub at: Nanos,
    /// Group epoch (= target epoch).
    pub group_epoch: i32,
    /// Members in the group.
    pub members: usize,
    /// Partitions whose target owner changed (including previously unassigned ones).
    pub moved: Vec<u32>,
    /// When every member was STABLE at this epoch (each owns exactly its target), if ever.
    pub converged_at: Option<Nanos>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Member {
    consumer: Id,
    instance_id: Option<String>,
    epoch: i32,
    previous_epoch: i32,
    state: MemberState,
    assigned: BTreeSet<u32>,
    pending_revocation: BTreeSet<u32>,
    rebalance_timeout_ns: Nanos,
    /// Armed rebalance timeout (Kafka cancels/reschedules a keyed timer; ours fire and check).
    rebalance_deadline: Option<Nanos>,
    beats: u64,
}

impl Member {
    fn new(consumer: Id, instance_id: Option<String>) -> Self {
        Member {
            consumer,
            instance_id,
            epoch: 0,
            previous_epoch: 0,
            state: MemberState::Stable,
            assigned: BTreeSet::new(),
            pending_revocation: BTreeSet::new(),
            rebalance_timeout_ns: 0,
            rebalance_deadline: None,
            beats: 0,
        }
    }

    /// `ConsumerGroupMember.Builder.updateMemberEpoch`.
    fn update_epoch(&mut self, epoch: i32) {
        self.previous_epoch = self.epoch;
        self.epoch = epoch;
    }

    fn reconciled_to(&self, target_epoch: i32) -> bool {
        self.state == MemberState::Stable && self.epoch == target_epoch
    }
}

/// `CurrentAssignmentBuilder.ownsRevokedPartitions`: without an `owned` list the member is
/// assumed to still own everything.
fn owns_any(owned: Option<&BTreeSet<u32>>, revoked: &BTreeSet<u32>) -> bool {
    owned.is_none_or(|o| !o.is_disjoint(revoked))
}

/// One KIP-848 consumer group.
#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    /// Subscribed topics: name and kafkasim's numbers of their partitions.
    topics: Vec<(String, std::ops::Range<u32>)>,
    assignor: ServerAssignor,
    heartbeat_interval_ns: Nanos,
    session_timeout_ns: Nanos,
    group_epoch: i32,
    target_epoch: i32,
    target: BTreeMap<String, BTreeSet<u32>>,
    members: BTreeMap<String, Member>,
    next_seq: u64,
    clients: usize,
    /// Target assignments computed, in order.
    pub history: Vec<EpochChange>,
}

impl ConsumerGroup {
    /// An empty group subscribed to `topics` (name and kafkasim's partition numbers), with the broker's
    /// `group.consumer.heartbeat.interval.ms` (default 5000) and
    /// `group.consumer.session.timeout.ms` (default 45000).
    pub fn new(
        topics: Vec<(String, std::ops::Range<u32>)>,
        assignor: ServerAssignor,
        heartbeat_interval_ns: Nanos,
        session_timeout_ns: Nanos,
    ) -> Self {
        ConsumerGroup {
            topics,
            assignor,
            heartbeat_interval_ns,
            session_timeout_ns,
            group_epoch: 0,
            target_epoch: 0,
            target: BTreeMap::new(),
            members: BTreeMap::new(),
            next_seq: 0,
            clients: usize::MAX,
            history: vec![],
        }
    }

    /// Name members after their consumer index, for `clients` consumers whose client ids are
    /// index + clients × incarnation.
    pub fn with_clients(mut self, clients: usize) -> Self {
        self.clients = clients.max(1);
        self
    }

    /// Group epoch.
    pub fn group_epoch(&self) -> i32 {
        self.group_epoch
    }

    /// Epoch of the current target assignment (lags the group epoch until a heartbeat).
    pub fn target_epoch(&self) -> i32 {
        self.target_epoch
    }

    /// Member id → its target partitions.
    pub fn target(&self) -> BTreeMap<String, Vec<u32>> {
        self.target
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().collect()))
            .collect()
    }

    /// Partition → the member holding it (assigned, or not yet revoked).
    pub fn owners(&self) -> BTreeMap<u32, String> {
        let mut out = BTreeMap::new();
        for (id, m) in &self.members {
            for &p in m.assigned.iter().chain(&m.pending_revocation) {
                out.insert(p, id.clone());
            }
        }
        out
    }

    /// Member ids, sorted.
    pub fn member_ids(&self) -> Vec<String> {
        self.members.keys().cloned().collect()
    }

    /// A member's state.
    pub fn member(&self, id: &str) -> Option<MemberInfo> {
        self.members.get(id).map(|m| MemberInfo {
            epoch: m.epoch,
            state: m.state,
            assigned: m.assigned.iter().copied().collect(),
            pending_revocation: m.pending_revocation.iter().copied().collect(),
            instance_id: m.instance_id.clone(),
            consumer: m.consumer,
        })
    }

    /// True when every member is STABLE at the group epoch (each owns exactly its target).
    pub fn is_converged(&self) -> bool {
        self.group_epoch == self.target_epoch
            && self
                .members
                .values()
                .all(|m| m.reconciled_to(self.target_epoch))
    }

    /// Handle a heartbeat from consumer `c` at `now`.
    pub fn heartbeat(&mut self, now: Nanos, c: Id, req: HeartbeatRequest) -> Vec<Action848> {
        let mut timers = vec![];
        let resp = match self.handle(now, c, &req, &mut timers) {
            Ok(resp) => resp,
            Err(e) => HeartbeatResponse {
                error: Some(e),
                member_id: req.member_id.clone().unwrap_or_default(),
                member_epoch: req.member_epoch,
                heartbeat_interval_ns: 0,
                assignment: None,
            },
        };
        let mut out = vec![Action848::Reply { c, resp }];
        out.extend(timers);
        out
    }

    /// A timer fired at `now`. Fencing replies to nobody: the member learns at its next heartbeat.
    pub fn on_timer(&mut self, now: Nanos, t: Timer848) -> Vec<Action848> {
        match t {
            Timer848::Session { member_id, beat } => {
                if self
                    .members
                    .get(&member_id)
                    .is_some_and(|m| m.beats == beat)
                {
                    self.fence(&member_id);
                }
            }
            Timer848::RebalanceTimeout { member_id, epoch } => {
                if self.members.get(&member_id).is_some_and(|m| {
                    m.epoch == epoch && m.rebalance_deadline.is_some_and(|d| d <= now)
                }) {
                    self.fence(&member_id);
                }
            }
        }
        vec![]
    }

    fn fresh_id(&mut self, c: Id) -> String {
        let id = format!("consumer-{}-{:04}", c % self.clients, self.next_seq);
        self.next_seq += 1;
        id
    }

    fn static_member(&self, instance: &str) -> Option<String> {
        self.members
            .iter()
            .find(|(_, m)| m.instance_id.as_deref() == Some(instance))
            .map(|(k, _)| k.clone())
    }

    /// Removes a member (`consumerGroupFenceMember`): its partitions are free, the group epoch
    /// bumps; the new target is computed at the next heartbeat.
    fn fence(&mut self, id: &str) {
        if self.members.remove(id).is_some() {
            self.target.remove(id);
            self.group_epoch += 1;
        }
    }

    /// `throwIfMemberEpochIsInvalid`.
    fn check_epoch(
        &self,
        id: &str,
        received: i32,
        owned: Option<&BTreeSet<u32>>,
    ) -> Result<(), HeartbeatError> {
        let m = &self.members[id];
        let lost_response =
            received == m.previous_epoch && owned.is_some_and(|o| o.is_subset(&m.assigned));
        if received > m.epoch || (received < m.epoch && !lost_response) {
            return Err(HeartbeatError::FencedMemberEpoch);
        }
        Ok(())
    }

    fn leave(
        &mut self,
        id: Option<String>,
        req: &HeartbeatRequest,
    ) -> Result<HeartbeatResponse, HeartbeatError> {
        let id = id.ok_or(HeartbeatError::UnknownMemberId)?;
        match &req.instance_id {
            None => {
                if !self.members.contains_key(&id) {
                    return Err(HeartbeatError::UnknownMemberId);
                }
                self.fence(&id);
            }
            Some(inst) => {
                let holder = self
                    .static_member(inst)
                    .ok_or(HeartbeatError::UnknownMemberId)?;
                if holder != id {
                    return Err(HeartbeatError::FencedInstanceId);
                }
                if req.member_epoch == STATIC_LEAVE_EPOCH {
                    let m = self.members.get_mut(&id).expect("present");
                    m.epoch = STATIC_LEAVE_EPOCH;
                    m.pending_revocation.clear();
                } else {
                    self.fence(&id);
                }
            }
        }
        Ok(HeartbeatResponse {
            error: None,
            member_id: id,
            member_epoch: req.member_epoch,
            heartbeat_interval_ns: 0,
            assignment: None,
        })
    }

    fn handle(
        &mut self,
        now: Nanos,
        c: Id,
        req: &HeartbeatRequest,
        timers: &mut Vec<Action848>,
    ) -> Result<HeartbeatResponse, HeartbeatError> {
        let given_id = req.member_id.clone().filter(|s| !s.is_empty());
        let owned: Option<BTreeSet<u32>> = req
            .owned
            .as_ref()
            .map(|v| v.iter().copied().filter(|&p| self.exists(p)).collect());
        if req.member_epoch == LEAVE_EPOCH || req.member_epoch == STATIC_LEAVE_EPOCH {
            return self.leave(given_id, req);
        }
        let joining = req.member_epoch == 0;
        let mut subscribed = false; // a new subscription: bump the group epoch
        let id = match &req.instance_id {
            None => {
                let id = match given_id {
                    Some(id) => id,
                    None if joining => self.fresh_id(c),
                    None => return Err(HeartbeatError::UnknownMemberId),
                };
                if !self.members.contains_key(&id) {
                    if !joining {
                        return Err(HeartbeatError::UnknownMemberId);
                    }
                    self.members.insert(id.clone(), Member::new(c, None));
                    subscribed = true;
                }
                id
            }
            Some(inst) => {
                let holder = self.static_member(inst);
                if joining {
                    let id = match given_id {
                        Some(id) => id,
                        None => self.fresh_id(c),
                    };
                    match holder {
                        None => {
                            if !self.members.contains_key(&id) {
                                let m = Member::new(c, Some(inst.clone()));
                                self.members.insert(id.clone(), m);
                                subscribed = true;
                            }
                        }
                        Some(old) => {
                            if self.members[&old].epoch != STATIC_LEAVE_EPOCH {
                                return Err(HeartbeatError::UnreleasedInstanceId);
                            }
                            // The new incarnation copies the old member at epoch 0, and takes
                            // over its target assignment.
                            let mut m = self.members.remove(&old).expect("present");
                            m.epoch = 0;
                            m.previous_epoch = 0;
                            m.rebalance_deadline = None;
                            m.beats = 0;
                            self.members.insert(id.clone(), m);
                            if let Some(t) = self.target.remove(&old) {
                                self.target.insert(id.clone(), t);
                            }
                        }
                    }
                    id
                } else {
                    let old = holder.ok_or(HeartbeatError::UnknownMemberId)?;
                    if given_id.as_deref() != Some(old.as_str()) {
                        return Err(HeartbeatError::FencedInstanceId);
                    }
                    old
                }
            }
        };
        self.check_epoch(&id, req.member_epoch, owned.as_ref())?;

        let m = self.members.get_mut(&id).expect("present");
        m.consumer = c;
        m.rebalance_timeout_ns = req.rebalance_timeout_ns;
        if subscribed {
            self.group_epoch += 1;
        }
        if self.group_epoch > self.target_epoch {
            self.compute_target(now);
        }
        let before = self.members[&id].clone();
        self.reconcile(&id, owned.as_ref());
        let m = self.members.get_mut(&id).expect("present");
        if *m != before {
            if m.state == MemberState::UnrevokedPartitions {
                m.rebalance_deadline = Some(now + m.rebalance_timeout_ns);
                timers.push(Action848::Timer {
                    at: now + m.rebalance_timeout_ns,
                    timer: Timer848::RebalanceTimeout {
                        member_id: id.clone(),
                        epoch: m.epoch,
                    },
                });
            } else {
                m.rebalance_deadline = None;
            }
        }
        m.beats += 1;
        timers.push(Action848::Timer {
            at: now + self.session_timeout_ns,
            timer: Timer848::Session {
                member_id: id.clone(),
                beat: m.beats,
            },
        });
        let assignment = (joining || m.assigned != before.assigned)
            .then(|| m.assigned.iter().copied().collect());
        let member_epoch = m.epoch;
        if self.is_converged() {
            if let Some(last) = self.history.last_mut() {
                last.converged_at.get_or_insert(now);
            }
        }
        Ok(HeartbeatResponse {
            error: None,
            member_id: id,
            member_epoch,
            heartbeat_interval_ns: self.heartbeat_interval_ns,
            assignment,
        })
    }

    /// Whether partition `p` belongs to a subscribed topic.
    fn exists(&self, p: u32) -> bool {
        self.topics.iter().any(|(_, r)| r.contains(&p))
    }

    /// Partition `p` as (topic, partition within it).
    fn topic_partition(&self, p: u32) -> TopicPartition {
        let (name, r) = self
            .topics
            .iter()
            .find(|(_, r)| r.contains(&p))
            .expect("a subscribed partition");
        TopicPartition::new(name.clone(), p - r.start)
    }

    /// `TargetAssignmentBuilder.build` at the group epoch.
    fn compute_target(&mut self, now: Nanos) {
        let names: Vec<String> = self.topics.iter().map(|(n, _)| n.clone()).collect();
        let members: Vec<AssignorMember> = self
            .members
            .iter()
            .map(|(id, m)| AssignorMember {
                member_id: id.clone(),
                group_instance_id: m.instance_id.clone(),
                topics: names.clone(),
                owned: self
                    .target
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(|&p| self.topic_partition(p))
                    .collect(),
                generation: self.target_epoch,
            })
            .collect();
        let counts: BTreeMap<String, u32> = self
            .topics
            .iter()
            .map(|(n, r)| (n.clone(), r.end - r.start))
            .collect();
        let start: BTreeMap<&str, u32> = self
            .topics
            .iter()
            .map(|(n, r)| (n.as_str(), r.start))
            .collect();
        let new: BTreeMap<String, BTreeSet<u32>> = assign(self.assignor.kind(), &members, &counts)
            .into_iter()
            .map(|(id, tps)| {
                let parts = tps
                    .into_iter()
                    .map(|tp| start[tp.topic.as_str()] + tp.partition)
                    .collect();
                (id, parts)
            })
            .collect();
        let owner = |t: &BTreeMap<String, BTreeSet<u32>>| -> BTreeMap<u32, String> {
            t.iter()
                .flat_map(|(id, ps)| ps.iter().map(move |&p| (p, id.clone())))
                .collect()
        };
        let (old_owner, new_owner) = (owner(&self.target), owner(&new));
        let moved = self
            .topics
            .iter()
            .flat_map(|(_, r)| r.clone())
            .filter(|p| old_owner.get(p) != new_owner.get(p))
            .collect();
        self.target = new;
        self.target_epoch = self.group_epoch;
        self.history.push(EpochChange {
            at: now,
            group_epoch: self.group_epoch,
            members: self.members.len(),
            moved,
            converged_at: None,
        });
    }

    /// `maybeReconcile` / `CurrentAssignmentBuilder.build` for member `id`.
    fn reconcile(&mut self, id: &str, owned: Option<&BTreeSet<u32>>) {
        let m = &self.members[id];
        if m.reconciled_to(self.target_epoch) {
            return;
        }
        if m.state == MemberState::UnrevokedPartitions && owns_any(owned, &m.pending_revocation) {
            return;
        }
        // Partitions held by other members (assigned or still to be revoked).
        let held_by_others: BTreeSet<u32> = self
            .members
            .iter()
            .filter(|(k, _)| k.as_str() != id)
            .flat_map(|(_, o)| o.assigned.iter().chain(&o.pending_revocation).copied())
            .collect();
        let empty = BTreeSet::new();
        let target = self.target.get(id).unwrap_or(&empty);
        let target_epoch = self.target_epoch;
        let m = self.members.get_mut(id).expect("present");
        let kept: BTreeSet<u32> = m.assigned.intersection(target).copied().collect();
        let revoke: BTreeSet<u32> = m.assigned.difference(&kept).copied().collect();
        let wanted: BTreeSet<u32> = target.difference(&kept).copied().collect();
        let (free, unreleased): (BTreeSet<u32>, BTreeSet<u32>) = wanted
            .into_iter()
            .partition(|p| !held_by_others.contains(p));
        if !revoke.is_empty() && owns_any(owned, &revoke) {
            m.state = MemberState::UnrevokedPartitions;
            let epoch = m.epoch;
            m.update_epoch(epoch);
            m.assigned = kept;
            m.pending_revocation = revoke;
        } else {
            m.state = if unreleased.is_empty() {
                MemberState::Stable
            } else {
                MemberState::UnreleasedPartitions
            };
            m.update_epoch(target_epoch);
            m.assigned = &kept | &free;
            m.pending_revocation.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{MS, SEC};
    use proptest::prelude::*;

    const HB: Nanos = 5 * SEC;
    const SESSION: Nanos = 45 * SEC;
    const RT: Nanos = 300 * SEC;

    fn group(partitions: u32, a: ServerAssignor) -> ConsumerGroup {
        ConsumerGroup::new(vec![(TOPIC.to_string(), 0..partitions)], a, HB, SESSION)
    }

    fn reply(acts: &[Action848]) -> HeartbeatResponse {
        acts.iter()
            .find_map(|a| match a {
                Action848::Reply { resp, .. } => Some(resp.clone()),
                _ => None,
            })
            .expect("a reply")
    }

    fn req(
        id: Option<&str>,
        epoch: i32,
        inst: Option<&str>,
        owned: Option<&[u32]>,
    ) -> HeartbeatRequest {
        HeartbeatRequest {
            member_id: id.map(str::to_string),
            member_epoch: epoch,
            instance_id: inst.map(str::to_string),
            rebalance_timeout_ns: RT,
            owned: owned.map(<[u32]>::to_vec),
        }
    }

    fn join(g: &mut ConsumerGroup, now: Nanos, c: Id) -> HeartbeatResponse {
        reply(&g.heartbeat(now, c, req(None, 0, None, Some(&[]))))
    }

    fn beat(
        g: &mut ConsumerGroup,
        now: Nanos,
        c: Id,
        r: &HeartbeatResponse,
        owned: Option<&[u32]>,
    ) -> HeartbeatResponse {
        reply(&g.heartbeat(now, c, req(Some(&r.member_id), r.member_epoch, None, owned)))
    }

    fn session_timer(acts: &[Action848]) -> (Nanos, Timer848) {
        acts.iter()
            .find_map(|a| match a {
                Action848::Timer {
                    at,
                    timer: t @ Timer848::Session { .. },
                } => Some((*at, t.clone())),
                _ => None,
            })
            .expect("a session timer")
    }

    /// Two dynamic members converged on 4 partitions; returns their last responses.
    fn two_converged(g: &mut ConsumerGroup) -> (HeartbeatResponse, HeartbeatResponse) {
        let a = join(g, 0, 0);
        let b = join(g, MS, 1);
        let a = beat(g, 2 * MS, 0, &a, None);
        let kept = a.assignment.clone().unwrap();
        let a = beat(g, 3 * MS, 0, &a, Some(&kept));
        let b = beat(g, 4 * MS, 1, &b, Some(&[]));
        assert!(g.is_converged(), "{g:?}");
        (a, b)
    }

    #[test]
    fn a_lone_member_gets_every_partition_at_once() {
        let mut g = group(4, ServerAssignor::Uniform);
        let acts = g.heartbeat(0, 0, req(None, 0, None, Some(&[])));
        let r = reply(&acts);
        assert_eq!(r.error, None);
        assert_eq!(r.member_id, "consumer-0-0000");
        assert_eq!(r.member_epoch, 1);
        assert_eq!(r.heartbeat_interval_ns, HB);
        assert_eq!(r.assignment, Some(vec![0, 1, 2, 3]));
        assert_eq!(g.group_epoch(), 1);
        assert_eq!(session_timer(&acts).0, SESSION);
        assert!(g.owners().values().all(|o| o == "consumer-0-0000"));
        assert_eq!(g.history.len(), 1);
        assert_eq!(g.history[0].moved, vec![0, 1, 2, 3]);
        assert_eq!(g.history[0].converged_at, Some(0));
        // A regular heartbeat changes nothing and carries no assignment.
        let r2 = beat(&mut g, HB, 0, &r, None);
        assert_eq!((r2.member_epoch, r2.assignment.clone()), (1, None));
    }

    #[test]
    fn scale_out_revokes_first_then_hands_over() {
        let mut g = group(4, ServerAssignor::Uniform);
        let a = join(&mut g, 0, 0);
        // B joins: group epoch 2; its target partitions are still A's, so it gets nothing yet
        // but is already at epoch 2 (UNRELEASED_PARTITIONS).
        let b = join(&mut g, SEC, 1);
        assert_eq!(g.group_epoch(), 2);
        assert_eq!((b.member_epoch, b.assignment.clone()), (2, Some(vec![])));
        assert_eq!(
            g.member(&b.member_id).unwrap().state,
            MemberState::UnreleasedPartitions
        );
        assert_eq!(g.target()[&b.member_id], vec![2, 3]);
        // A's next heartbeat: keep 0 and 1, revoke the rest; its epoch stays 1.
        let acts = g.heartbeat(2 * SEC, 0, req(Some(&a.member_id), 1, None, None));
        let a1 = reply(&acts);
        assert_eq!(
            (a1.member_epoch, a1.assignment.clone()),
            (1, Some(vec![0, 1]))
        );
        let info = g.member(&a.member_id).unwrap();
        assert_eq!(info.state, MemberState::UnrevokedPartitions);
        assert_eq!(info.pending_revocation, vec![2, 3]);
        assert!(acts.contains(&Action848::Timer {
            at: 2 * SEC + RT,
            timer: Timer848::RebalanceTimeout {
                member_id: a.member_id.clone(),
                epoch: 1
            }
        }));
        // B still waits; A heartbeating without acknowledging changes nothing.
        let b1 = beat(&mut g, 3 * SEC, 1, &b, None);
        assert_eq!((b1.member_epoch, b1.assignment.clone()), (2, None));
        let a2 = beat(&mut g, 3 * SEC, 0, &a1, Some(&[0, 1, 2, 3]));
        assert_eq!((a2.member_epoch, a2.assignment.clone()), (1, None));
        assert_eq!(g.owners()[&2], a.member_id);
        // A acknowledges: epoch 2, no new assignment.
        let a3 = beat(&mut g, 4 * SEC, 0, &a2, Some(&[0, 1]));
        assert_eq!((a3.member_epoch, a3.assignment.clone()), (2, None));
        assert_eq!(g.member(&a.member_id).unwrap().state, MemberState::Stable);
        assert!(!g.is_converged());
        // B's next heartbeat gets the released partitions.
        let b2 = beat(&mut g, 5 * SEC, 1, &b1, None);
        assert_eq!(
            (b2.member_epoch, b2.assignment.clone()),
            (2, Some(vec![2, 3]))
        );
        assert!(g.is_converged());
        assert_eq!(g.history.last().unwrap().converged_at, Some(5 * SEC));
        assert_eq!(g.history.last().unwrap().moved, vec![2, 3]);
        // The now stale rebalance timeout does nothing.
        g.on_timer(
            2 * SEC + RT,
            Timer848::RebalanceTimeout {
                member_id: a.member_id.clone(),
                epoch: 1,
            },
        );
        assert_eq!(g.member_ids().len(), 2);
    }

    #[test]
    fn acknowledging_in_the_same_heartbeat_skips_the_revocation_step() {
        // A member that reports owned partitions without the revoked ones moves straight on.
        let mut g = group(4, ServerAssignor::Uniform);
        let a = join(&mut g, 0, 0);
        let _b = join(&mut g, 1, 1);
        let a1 = beat(&mut g, 2, 0, &a, Some(&[0, 1]));
        assert_eq!(
            (a1.member_epoch, a1.assignment.clone()),
            (2, Some(vec![0, 1]))
        );
    }

    #[test]
    fn session_expiry_frees_the_partitions() {
        let mut g = group(4, ServerAssignor::Uniform);
        let (a, b) = two_converged(&mut g);
        let acts = g.heartbeat(HB, 1, req(Some(&b.member_id), b.member_epoch, None, None));
        let (at, t) = session_timer(&acts);
        let a2 = beat(&mut g, at - 1, 0, &a, None);
        // A session timer superseded by later heartbeats does nothing.
        g.on_timer(
            at,
            Timer848::Session {
                member_id: a.member_id.clone(),
                beat: 1,
            },
        );
        assert!(g.member(&a.member_id).is_some());
        let before = g.group_epoch();
        g.on_timer(at, t);
        assert_eq!(g.group_epoch(), before + 1);
        assert!(g.member(&b.member_id).is_none());
        assert_eq!(g.owners().len(), 2, "B's partitions are free at once");
        let a3 = beat(&mut g, at + 1, 0, &a2, None);
        assert_eq!(
            (a3.member_epoch, a3.assignment.clone()),
            (before + 1, Some(vec![0, 1, 2, 3]))
        );
        let r = beat(&mut g, at + 2, 1, &b, None);
        assert_eq!(r.error, Some(HeartbeatError::UnknownMemberId));
    }

    #[test]
    fn static_members_rejoin_within_the_session_timeout_without_a_rebalance() {
        let mut g = group(4, ServerAssignor::Uniform);
        let sa = reply(&g.heartbeat(0, 0, req(None, 0, Some("a"), Some(&[]))));
        let sb = reply(&g.heartbeat(1, 1, req(None, 0, Some("b"), Some(&[]))));
        let st = |id: &str, e, o: Option<&[u32]>, i| req(Some(id), e, Some(i), o);
        let sa1 = reply(&g.heartbeat(2, 0, st(&sa.member_id, 1, None, "a")));
        let kept = sa1.assignment.clone().unwrap();
        let sa2 = reply(&g.heartbeat(3, 0, st(&sa.member_id, 1, Some(&kept), "a")));
        let sb1 = reply(&g.heartbeat(4, 1, st(&sb.member_id, 2, None, "b")));
        assert!(g.is_converged());
        let (epoch, history, owners) = (g.group_epoch(), g.history.len(), g.owners());
        // A second process with instance id "a" cannot join while "a" is in the group.
        let dup = reply(&g.heartbeat(5, 2, req(None, 0, Some("a"), Some(&[]))));
        assert_eq!(dup.error, Some(HeartbeatError::UnreleasedInstanceId));
        // "a" leaves temporarily: its partitions stay reserved, nothing moves.
        let left = reply(&g.heartbeat(SEC, 0, st(&sa.member_id, -2, None, "a")));
        assert_eq!((left.error, left.member_epoch), (None, -2));
        assert_eq!(g.group_epoch(), epoch);
        let sb2 = reply(&g.heartbeat(2 * SEC, 1, st(&sb.member_id, sb1.member_epoch, None, "b")));
        assert_eq!((sb2.member_epoch, sb2.assignment.clone()), (epoch, None));
        assert_eq!(g.owners(), owners);
        // A new process with the same instance id takes over, same partitions, same epoch.
        let back = reply(&g.heartbeat(10 * SEC, 0, req(None, 0, Some("a"), Some(&[]))));
        assert_ne!(back.member_id, sa.member_id);
        assert_eq!(back.member_epoch, sa2.member_epoch);
        assert_eq!(back.assignment, Some(kept.clone()));
        assert_eq!((g.group_epoch(), g.history.len()), (epoch, history));
        assert!(g.member(&sa.member_id).is_none());
        assert!(g.is_converged());
        // Gone for longer than the session timeout: fenced, the group rebalances.
        let acts = g.heartbeat(
            11 * SEC,
            0,
            st(&back.member_id, back.member_epoch, None, "a"),
        );
        reply(&g.heartbeat(12 * SEC, 0, st(&back.member_id, -2, None, "a")));
        let (at, t) = session_timer(&acts);
        g.on_timer(at, t);
        assert_eq!(g.group_epoch(), epoch + 1);
        let sb3 = reply(&g.heartbeat(at + 1, 1, st(&sb.member_id, sb2.member_epoch, None, "b")));
        assert_eq!(sb3.assignment, Some(vec![0, 1, 2, 3]));
    }

    #[test]
    fn a_clean_leave_hands_partitions_over_at_the_next_heartbeat() {
        let mut g = group(4, ServerAssignor::Uniform);
        let (a, b) = two_converged(&mut g);
        let before = g.group_epoch();
        let left = reply(&g.heartbeat(SEC, 1, req(Some(&b.member_id), -1, None, Some(&[]))));
        assert_eq!((left.error, left.member_epoch), (None, -1));
        assert_eq!(g.group_epoch(), before + 1);
        assert_eq!(g.target_epoch(), before, "target waits for a heartbeat");
        let a2 = beat(&mut g, 2 * SEC, 0, &a, None);
        assert_eq!(
            (a2.member_epoch, a2.assignment.clone()),
            (before + 1, Some(vec![0, 1, 2, 3]))
        );
        assert!(g.is_converged());
    }

    #[test]
    fn stale_epochs_are_fenced_and_unknown_members_rejected() {
        let mut g = group(4, ServerAssignor::Uniform);
        let (a, _b) = two_converged(&mut g); // A at epoch 2, previous epoch 1
        assert_eq!(a.member_epoch, 2);
        let r = |g: &mut ConsumerGroup, e, o: Option<&[u32]>| {
            reply(&g.heartbeat(SEC, 0, req(Some(&a.member_id), e, None, o)))
        };
        assert_eq!(
            r(&mut g, 3, None).error,
            Some(HeartbeatError::FencedMemberEpoch)
        );
        assert_eq!(
            r(&mut g, 1, None).error,
            Some(HeartbeatError::FencedMemberEpoch)
        );
        assert_eq!(
            r(&mut g, 1, Some(&[0, 1, 2])).error,
            Some(HeartbeatError::FencedMemberEpoch)
        );
        // The previous epoch with owned partitions within the assignment: a lost response.
        let ok = r(&mut g, 1, Some(&[0]));
        assert_eq!((ok.error, ok.member_epoch), (None, 2));
        // Rejoining with epoch 0 under a known member id is fenced too.
        assert_eq!(
            r(&mut g, 0, Some(&[])).error,
            Some(HeartbeatError::FencedMemberEpoch)
        );
        let unknown = reply(&g.heartbeat(SEC, 2, req(Some("nobody"), 3, None, None)));
        assert_eq!(unknown.error, Some(HeartbeatError::UnknownMemberId));
        assert_eq!(unknown.heartbeat_interval_ns, 0);
        let unknown = reply(&g.heartbeat(SEC, 2, req(Some("nobody"), -1, None, None)));
        assert_eq!(unknown.error, Some(HeartbeatError::UnknownMemberId));
        // A failed heartbeat does not re-arm the session timer.
        let acts = g.heartbeat(SEC, 0, req(Some(&a.member_id), 7, None, None));
        assert_eq!(acts.len(), 1);
    }

    #[test]
    fn a_member_that_does_not_revoke_in_time_is_fenced() {
        let mut g = group(4, ServerAssignor::Uniform);
        let a = join(&mut g, 0, 0);
        let b = join(&mut g, 1, 1);
        let acts = g.heartbeat(2, 0, req(Some(&a.member_id), 1, None, None));
        let (at, t) = acts
            .iter()
            .find_map(|x| match x {
                Action848::Timer {
                    at,
                    timer: t @ Timer848::RebalanceTimeout { .. },
                } => Some((*at, t.clone())),
                _ => None,
            })
            .unwrap();
        assert_eq!(at, 2 + RT);
        g.on_timer(at, t);
        assert!(g.member(&a.member_id).is_none());
        let b1 = beat(&mut g, at + 1, 1, &b, None);
        assert_eq!(
            (b1.member_epoch, b1.assignment.clone()),
            (3, Some(vec![0, 1, 2, 3]))
        );
    }

    fn assignor_members(
        g: &ConsumerGroup,
        prev: &BTreeMap<String, Vec<u32>>,
    ) -> Vec<AssignorMember> {
        g.member_ids()
            .into_iter()
            .map(|id| AssignorMember {
                group_instance_id: g.member(&id).unwrap().instance_id,
                topics: vec![TOPIC.into()],
                owned: prev
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .map(|&p| TopicPartition::new(TOPIC, p))
                    .collect(),
                generation: 1,
                member_id: id,
            })
            .collect()
    }

    #[test]
    fn targets_match_the_server_assignors() {
        for a in [ServerAssignor::Uniform, ServerAssignor::Range] {
            let mut g = group(7, a);
            let counts = BTreeMap::from([(TOPIC.to_string(), 7)]);
            let mut prev = BTreeMap::new();
            for c in 0..4 {
                let inst = (c == 3).then_some("static");
                let r = reply(&g.heartbeat(c as Nanos, c, req(None, 0, inst, Some(&[]))));
                assert_eq!(r.error, None);
                let expect: BTreeMap<String, Vec<u32>> =
                    assign(a.kind(), &assignor_members(&g, &prev), &counts)
                        .into_iter()
                        .map(|(k, v)| (k, v.into_iter().map(|tp| tp.partition).collect()))
                        .collect();
                assert_eq!(g.target(), expect, "{a:?} after {} joins", c + 1);
                prev = g.target();
            }
            if a == ServerAssignor::Range {
                // Static member first, then member ids: contiguous ranges, first ones one larger.
                let sid = g
                    .member_ids()
                    .into_iter()
                    .find(|id| g.member(id).unwrap().instance_id.is_some())
                    .unwrap();
                assert_eq!(g.target()[&sid], vec![0, 1]);
                assert_eq!(g.target()["consumer-0-0000"], vec![2, 3]);
                assert_eq!(g.target()["consumer-2-0002"], vec![6]);
            }
        }
        assert_eq!(
            ServerAssignor::from_name("range"),
            Ok(ServerAssignor::Range)
        );
        assert_eq!(
            ServerAssignor::from_name("uniform"),
            Ok(ServerAssignor::Uniform)
        );
        assert!(ServerAssignor::from_name("sticky").is_err());
    }

    // ----- property test: random clients against the coordinator -----

    #[derive(Clone, Debug)]
    enum Op {
        Join(usize),
        Beat(usize, bool),
        Apply(usize),
        Leave(usize),
        StaticLeave(usize),
        Advance(u64),
    }

    fn arb_op(n: usize) -> impl Strategy<Value = Op> {
        prop_oneof![
            2 => (0..n).prop_map(Op::Join),
            6 => (0..n, any::<bool>()).prop_map(|(c, o)| Op::Beat(c, o)),
            4 => (0..n).prop_map(Op::Apply),
            1 => (0..n).prop_map(Op::Leave),
            1 => (0..n).prop_map(Op::StaticLeave),
            2 => (0..40u64).prop_map(Op::Advance),
        ]
    }

    impl Op {
        fn for_clients(&self, n: usize) -> Op {
            match *self {
                Op::Join(c) => Op::Join(c % n),
                Op::Beat(c, o) => Op::Beat(c % n, o),
                Op::Apply(c) => Op::Apply(c % n),
                Op::Leave(c) => Op::Leave(c % n),
                Op::StaticLeave(c) => Op::StaticLeave(c % n),
                Op::Advance(ms) => Op::Advance(ms),
            }
        }
    }

    #[derive(Clone, Debug, Default)]
    struct Client {
        id: Option<String>,
        instance: Option<String>,
        epoch: i32,
        in_group: bool,
        owned: BTreeSet<u32>,
        latest: Option<BTreeSet<u32>>,
    }

    struct World {
        g: ConsumerGroup,
        clients: Vec<Client>,
        timers: Vec<(Nanos, Timer848)>,
        now: Nanos,
    }

    impl World {
        fn send(&mut self, c: usize, epoch: i32, owned: Option<Vec<u32>>) {
            let cl = &self.clients[c];
            let r = HeartbeatRequest {
                member_id: if epoch == 0 && cl.instance.is_some() {
                    None
                } else {
                    cl.id.clone()
                },
                member_epoch: epoch,
                instance_id: cl.instance.clone(),
                rebalance_timeout_ns: 30 * MS,
                owned,
            };
            let acts = self.g.heartbeat(self.now, c, r);
            let mut resp = None;
            for a in acts {
                match a {
                    Action848::Reply { resp: r, .. } => resp = Some(r),
                    Action848::Timer { at, timer } => self.timers.push((at, timer)),
                }
            }
            let resp = resp.unwrap();
            let cl = &mut self.clients[c];
            if epoch < 0 {
                return;
            }
            match resp.error {
                None => {
                    cl.id = Some(resp.member_id);
                    cl.epoch = resp.member_epoch;
                    cl.in_group = true;
                    if let Some(a) = resp.assignment {
                        cl.latest = Some(a.into_iter().collect());
                    }
                }
                Some(_) => {
                    cl.in_group = false;
                    cl.owned.clear();
                    cl.latest = None;
                }
            }
        }

        fn apply(&mut self, op: &Op) {
            self.now += 1;
            match *op {
                Op::Join(c) if !self.clients[c].in_group => self.send(c, 0, Some(vec![])),
                Op::Beat(c, with_owned) if self.clients[c].in_group => {
                    let owned = with_owned.then(|| self.clients[c].owned.iter().copied().collect());
                    let e = self.clients[c].epoch;
                    self.send(c, e, owned)
                }
                Op::Apply(c) => {
                    let cl = &mut self.clients[c];
                    if let Some(l) = cl.latest.take() {
                        cl.owned = l;
                    }
                }
                Op::Leave(c) | Op::StaticLeave(c) if self.clients[c].in_group => {
                    let stat =
                        matches!(op, Op::StaticLeave(_)) && self.clients[c].instance.is_some();
                    self.send(c, if stat { -2 } else { -1 }, Some(vec![]));
                    let cl = &mut self.clients[c];
                    cl.in_group = false;
                    cl.owned.clear();
                    cl.latest = None;
                }
                Op::Advance(ms) => {
                    self.now += ms * MS;
                    self.timers.sort_by_key(|t| t.0);
                    let due: Vec<(Nanos, Timer848)> = self
                        .timers
                        .iter()
                        .filter(|t| t.0 <= self.now)
                        .cloned()
                        .collect();
                    self.timers.retain(|t| t.0 > self.now);
                    for (at, t) in due {
                        self.g.on_timer(at, t);
                    }
                }
                _ => {}
            }
        }

        fn check(&self) -> Result<(), TestCaseError> {
            // The coordinator never lets two members hold one partition.
            let mut held = BTreeMap::new();
            for id in self.g.member_ids() {
                let m = self.g.member(&id).unwrap();
                for p in m.assigned.iter().chain(&m.pending_revocation) {
                    prop_assert!(
                        held.insert(*p, id.clone()).is_none(),
                        "{} held twice: {:?}",
                        p,
                        self.g
                    );
                }
            }
            // What a live client owns, the coordinator holds for it: so clients never overlap.
            let mut owned = BTreeSet::new();
            for cl in self.clients.iter().filter(|c| c.in_group) {
                let Some(m) = cl.id.as_deref().and_then(|id| self.g.member(id)) else {
                    continue;
                };
                for p in &cl.owned {
                    prop_assert!(
                        m.assigned.contains(p) || m.pending_revocation.contains(p),
                        "{:?} owns {} unheld",
                        cl,
                        p
                    );
                    prop_assert!(owned.insert(*p), "{} owned twice", p);
                }
            }
            Ok(())
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn never_two_owners_and_the_group_converges(
            n in 1..=5usize,
            partitions in 1..=8u32,
            range in any::<bool>(),
            statics in prop::collection::vec(any::<bool>(), 5),
            ops in prop::collection::vec(arb_op(5), 0..80),
        ) {
            let a = if range { ServerAssignor::Range } else { ServerAssignor::Uniform };
            let mut w = World {
                g: ConsumerGroup::new(vec![(TOPIC.to_string(), 0..partitions)], a, 5 * MS, 45 * MS),
                clients: (0..n).map(|c| Client { instance: statics[c].then(|| format!("i{c}")), ..Client::default() }).collect(),
                timers: vec![],
                now: 0,
            };
            for op in &ops {
                w.apply(&op.for_clients(n));
                w.check()?;
            }
            // Quiet period: everyone (re)joins, then heartbeats with acknowledgements only.
            for _ in 0..3 * n + 6 {
                for c in 0..n {
                    w.apply(&Op::Join(c));
                    w.apply(&Op::Beat(c, true));
                    w.check()?;
                    w.apply(&Op::Apply(c));
                }
            }
            prop_assert!(w.g.is_converged(), "{:?}", w.g);
            let target: BTreeMap<u32, String> = w.g.target().into_iter().flat_map(|(id, ps)| ps.into_iter().map(move |p| (p, id.clone()))).collect();
            prop_assert_eq!(target.len() as u32, partitions);
            prop_assert_eq!(&w.g.owners(), &target);
            for cl in &w.clients {
                let id = cl.id.as_ref().unwrap();
                prop_assert_eq!(cl.owned.iter().copied().collect::<Vec<_>>(), w.g.member(id).unwrap().assigned);
            }
            prop_assert!(w.g.history.last().unwrap().converged_at.is_some());
        }
    }
}
