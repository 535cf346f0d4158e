//! Consumer-group partition assignors, modelled on Apache Kafka's.
//!
//! Client-side ("classic" protocol) assignors from `org.apache.kafka.clients.consumer`:
//! `RangeAssignor`, `RoundRobinAssignor`, `StickyAssignor` and `CooperativeStickyAssignor` (both
//! built on `internals.AbstractStickyAssignor`). Server-side (KIP-848 "consumer" protocol)
//! assignors from `org.apache.kafka.coordinator.group.assignor`: `UniformAssignor` (with its
//! homogeneous and heterogeneous builders) and `RangeAssignor`. Also the classic coordinator's
//! protocol vote (`ClassicGroup.selectProtocol`) and the cooperative (KIP-429) withholding of
//! partitions that change owner (`CooperativeStickyAssignor.adjustAssignment`).
//!
//! Everything is a pure function of its inputs. Where Kafka's result depends on the iteration
//! order of a `java.util.HashMap` keyed by member id (the sticky assignor's owned-partition pass,
//! the uniform assignor's member order, the protocol vote), we reproduce that order: buckets by
//! `String.hashCode` spread over the table size a default `HashMap` would have, and within a bucket
//! the sorted order (which stands in for Kafka's insertion order).
//!
//! Simplifications (the rest follows the sources step by step):
//! * no rack awareness (`client.rack` is not modelled);
//! * sticky general path (members with different subscriptions): same keep / fill / move-back /
//!   rebalance passes and orders as `GeneralAssignmentBuilder`, but without `PartitionMovements`
//!   (which swaps *which* partition of a topic moves to undo earlier moves) and without the
//!   balance-score revert, which never fires here because every move strictly improves balance;
//! * uniform heterogeneous balancing: each over-loaded subscriber of a topic gives its highest
//!   partition of that topic to the least-loaded subscriber, until they differ by at most one, using
//!   Kafka's topic order and 16-pass limit but not its exact range bookkeeping;
//! * topics are ordered by name where Kafka uses topic ids (uniform assignor);
//! * owned partitions that do not exist (unknown topic, partition beyond the count) are dropped;
//!   duplicates in one member's list count once; "same subscriptions" is a true set comparison
//!   (Java skips it while the first subscription it visits is empty);
//! * [`cooperative_adjust`] decides from the claims alone: a partition goes out only if no other
//!   member claims it, claims older than the receiver's own excepted. That is the constrained
//!   path's `partitionsTransferringOwnership` (bar multi-claim corner cases) and slightly stricter
//!   than the general path's `computePartitionsTransferringOwnership` when the receiver's own claim
//!   is stale. [`assign`] itself returns the cooperative-sticky *target*.
//!
//! The server-side range assignor of Kafka 4.x (rewritten by KAFKA-16944) is not sticky: it gives
//! exactly the client-side range result, so [`AssignorKind::ServerRange`] shares that code.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// A topic partition, as `org.apache.kafka.common.TopicPartition`. Ordered by topic name, then
/// partition number: the order Kafka's assignors lay partitions out in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition number within the topic.
    pub partition: u32,
}

impl TopicPartition {
    /// A partition of `topic`.
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// One group member as an assignor sees it: the member id and the
/// `ConsumerPartitionAssignor.Subscription` it sent (topics, `ownedPartitions`, `generationId`,
/// `groupInstanceId`).
#[derive(Clone, Debug)]
pub struct Member {
    /// Member id given by the coordinator.
    pub member_id: String,
    /// `group.instance.id` (static membership, KIP-345): range and round-robin put static members
    /// first, ordered by instance id.
    pub group_instance_id: Option<String>,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Partitions the member owns (sticky: its previous assignment; cooperative: what it still holds).
    pub owned: Vec<TopicPartition>,
    /// Generation of `owned`; -1 (`DEFAULT_GENERATION`) when unknown. Sticky resolves claims on the
    /// same partition by it.
    pub generation: i32,
}

/// Member id → its partitions, sorted.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// An assignment strategy: `partition.assignment.strategy` (classic protocol) or
/// `group.remote.assignor` (KIP-848 consumer protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignorKind {
    /// `org.apache.kafka.clients.consumer.RangeAssignor`.
    Range,
    /// `org.apache.kafka.clients.consumer.RoundRobinAssignor`.
    RoundRobin,
    /// `org.apache.kafka.clients.consumer.StickyAssignor` (eager).
    Sticky,
    /// `org.apache.kafka.clients.consumer.CooperativeStickyAssignor`.
    CooperativeSticky,
    /// `org.apache.kafka.coordinator.group.assignor.UniformAssignor` (KIP-848 default).
    ServerUniform,
    /// `org.apache.kafka.coordinator.group.assignor.RangeAssignor` (KIP-848).
    ServerRange,
}

use AssignorKind::*;

impl AssignorKind {
    /// The protocol name the assignor's `name()` returns in Kafka.
    pub fn name(self) -> &'static str {
        match self {
            Range | ServerRange => "range",
            RoundRobin => "roundrobin",
            Sticky => "sticky",
            CooperativeSticky => "cooperative-sticky",
            ServerUniform => "uniform",
        }
    }

    /// Parses a client-side strategy: a protocol name (as librdkafka's
    /// `partition.assignment.strategy`) or a Java class name; "uniform" gives the KIP-848 default.
    /// KIP-848 "range" is ambiguous with the client one: use [`AssignorKind::from_remote_name`].
    pub fn from_name(s: &str) -> Result<Self, String> {
        let name = s.trim();
        match name.trim_start_matches("org.apache.kafka.clients.consumer.") {
            "range" | "RangeAssignor" => Ok(Range),
            "roundrobin" | "RoundRobinAssignor" => Ok(RoundRobin),
            "sticky" | "StickyAssignor" => Ok(Sticky),
            "cooperative-sticky" | "CooperativeStickyAssignor" => Ok(CooperativeSticky),
            "uniform" => Ok(ServerUniform),
            _ => Err(format!(
                "unknown partition assignor '{name}'; accepted: range, roundrobin, sticky, \
                 cooperative-sticky, uniform, or org.apache.kafka.clients.consumer.\
                 {{Range,RoundRobin,Sticky,CooperativeSticky}}Assignor"
            )),
        }
    }

    /// Parses a KIP-848 server-side assignor name (`group.remote.assignor`): "uniform" or "range".
    pub fn from_remote_name(s: &str) -> Result<Self, String> {
        match s.trim() {
            "uniform" => Ok(ServerUniform),
            "range" => Ok(ServerRange),
            other => Err(format!(
                "unknown server assignor '{other}'; accepted: uniform, range"
            )),
        }
    }

    /// True when the assignor supports the COOPERATIVE rebalance protocol
    /// (`ConsumerPartitionAssignor.supportedProtocols`); the KIP-848 assignors are always
    /// incremental (partitions move only once revoked).
    pub fn is_cooperative(self) -> bool {
        matches!(self, CooperativeSticky | ServerUniform | ServerRange)
    }
}

/// Computes the assignment (member id → sorted partitions; every member present) the way
/// `kind`'s Kafka class does. `partitions` gives each topic's partition count; topics missing from
/// it (or with no partitions) are skipped. Member ids must be unique. For [`AssignorKind::CooperativeSticky`] this is the
/// target; pass it through [`cooperative_adjust`] for what the first rebalance hands out.
pub fn assign(
    kind: AssignorKind,
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
) -> Assignment {
    let g = Group::new(members, partitions);
    let lists = match kind {
        Range | ServerRange => range(&g),
        RoundRobin => round_robin(&g),
        Sticky | CooperativeSticky => sticky(&g),
        ServerUniform => uniform(&g),
    };
    let mut out = Assignment::new();
    for (m, mut list) in members.iter().zip(lists) {
        list.sort_unstable();
        out.insert(
            m.member_id.clone(),
            list.into_iter()
                .map(|(t, p)| TopicPartition::new(g.names[t], p))
                .collect(),
        );
    }
    out
}

/// Cooperative rebalancing (KIP-429, `CooperativeStickyAssignor.adjustAssignment` and the check in
/// `ConsumerCoordinator.validateCooperativeAssignment`): from a target assignment, withholds each
/// partition that another member still owns (a claim is void only against the receiver's own
/// claim with a newer generation). Returns (assignment to hand out now, partitions each member
/// must revoke = owned − handed out). Once the revocations are applied, a second rebalance can
/// hand out the withheld partitions.
pub fn cooperative_adjust(members: &[Member], target: &Assignment) -> (Assignment, Assignment) {
    let owned: Vec<BTreeSet<&TopicPartition>> =
        members.iter().map(|m| m.owned.iter().collect()).collect();
    let mut claims: BTreeMap<&TopicPartition, Vec<usize>> = BTreeMap::new();
    for (i, set) in owned.iter().enumerate() {
        for &tp in set {
            claims.entry(tp).or_default().push(i);
        }
    }
    let index: BTreeMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.member_id.as_str(), i))
        .collect();
    let mut handout = Assignment::new();
    for (id, tps) in target {
        let me = index.get(id.as_str()).copied();
        let mut now: Vec<TopicPartition> = tps
            .iter()
            .filter(|tp| {
                let holders = claims.get(tp).map_or(&[][..], Vec::as_slice);
                let mine = me
                    .filter(|i| holders.contains(i))
                    .map(|i| members[i].generation);
                holders
                    .iter()
                    .all(|&o| Some(o) == me || mine.is_some_and(|g| members[o].generation < g))
            })
            .cloned()
            .collect();
        now.sort();
        handout.insert(id.clone(), now);
    }
    let mut revoke = Assignment::new();
    for (m, set) in members.iter().zip(&owned) {
        let kept: BTreeSet<&TopicPartition> = handout
            .entry(m.member_id.clone())
            .or_default()
            .iter()
            .collect();
        revoke.insert(
            m.member_id.clone(),
            set.iter()
                .filter(|tp| !kept.contains(*tp))
                .map(|&tp| tp.clone())
                .collect(),
        );
    }
    (handout, revoke)
}

/// The classic coordinator's protocol choice (`ClassicGroup.selectProtocol`): candidates are the
/// protocols every member supports; each member votes for its first candidate; most votes wins,
/// ties going to the first in `java.util.HashMap` order of the names (so range beats
/// cooperative-sticky 1–1). `None` for an empty group or when no protocol is common.
pub fn select_protocol(preferences: &[Vec<AssignorKind>]) -> Option<AssignorKind> {
    let first = preferences.first()?;
    let candidates: Vec<AssignorKind> = first
        .iter()
        .copied()
        .filter(|k| preferences.iter().all(|p| p.contains(k)))
        .collect();
    let mut votes: Vec<(AssignorKind, usize)> = Vec::new(); // in order of first vote (insertion)
    for p in preferences {
        let v = *p.iter().find(|k| candidates.contains(k))?;
        match votes.iter_mut().find(|e| e.0 == v) {
            Some(e) => e.1 += 1,
            None => votes.push((v, 1)),
        }
    }
    votes.sort_by_key(|e| java_bucket(e.0.name(), 16)); // stable: insertion order within a bucket
    let best = votes.iter().map(|e| e.1).max()?;
    votes.into_iter().find(|e| e.1 == best).map(|e| e.0)
}

// ---------------------------------------------------------------------------------------------

/// A partition as (index into `Group::names`, partition number); orders like `TopicPartition`.
type P = (usize, u32);

/// The assignor's view: the subscribed topics that exist, and who subscribes to what.
struct Group<'a> {
    members: &'a [Member],
    names: Vec<&'a str>,
    counts: Vec<u32>,
    /// `sub[member][topic]`.
    sub: Vec<Vec<bool>>,
}

impl<'a> Group<'a> {
    fn new(members: &'a [Member], partitions: &'a BTreeMap<String, u32>) -> Self {
        let (names, counts): (Vec<&str>, Vec<u32>) = partitions
            .iter()
            .filter(|(t, &n)| n > 0 && members.iter().any(|m| m.topics.contains(t)))
            .map(|(t, &n)| (t.as_str(), n))
            .unzip();
        let sub = members
            .iter()
            .map(|m| {
                names
                    .iter()
                    .map(|t| m.topics.iter().any(|x| x == t))
                    .collect()
            })
            .collect();
        Group {
            members,
            names,
            counts,
            sub,
        }
    }

    fn all(&self) -> impl Iterator<Item = P> + '_ {
        (0..self.names.len()).flat_map(move |t| (0..self.counts[t]).map(move |p| (t, p)))
    }

    fn owned(&self, i: usize) -> BTreeSet<P> {
        let valid = |tp: &TopicPartition| {
            let t = self.names.binary_search(&tp.topic.as_str()).ok()?;
            (tp.partition < self.counts[t]).then_some((t, tp.partition))
        };
        self.members[i].owned.iter().filter_map(valid).collect()
    }

    fn subscribers(&self, t: usize) -> Vec<usize> {
        (0..self.members.len())
            .filter(|&i| self.sub[i][t])
            .collect()
    }

    fn lists_from(&self, owner: &[Vec<Option<usize>>]) -> Vec<Vec<P>> {
        let mut out = vec![Vec::new(); self.members.len()];
        for (t, row) in owner.iter().enumerate() {
            for (p, o) in row.iter().enumerate() {
                if let Some(i) = *o {
                    out[i].push((t, p as u32));
                }
            }
        }
        out
    }
}

/// `AbstractPartitionAssignor.MemberInfo.compareTo`: static members first by instance id, then
/// dynamic members by member id.
fn member_info_order(members: &[Member]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&members[a], &members[b]);
        match (&x.group_instance_id, &y.group_instance_id) {
            (Some(i), Some(j)) => i.cmp(j),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| x.member_id.cmp(&y.member_id))
    });
    order
}

/// `java.lang.String.hashCode`.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The bucket of `java.util.HashMap` (table size `capacity`) holding key `s`.
fn java_bucket(s: &str, capacity: usize) -> usize {
    let h = java_hash(s) as u32;
    (h ^ (h >> 16)) as usize & (capacity - 1)
}

/// Member indices in the iteration order of a default `java.util.HashMap` keyed by member id
/// (bins of 8+ colliding keys, which Java turns into trees, are not modelled).
fn java_order(members: &[Member]) -> Vec<usize> {
    let mut capacity = 16;
    while members.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[a].member_id.cmp(&members[b].member_id));
    order.sort_by_key(|&i| java_bucket(&members[i].member_id, capacity));
    order
}

/// `RangeAssignor` (client) and, identically, the KIP-848 server `RangeAssignor`: per topic, the
/// subscribers in `MemberInfo` order get contiguous ranges of floor(P/C), the first P mod C one more.
fn range(g: &Group) -> Vec<Vec<P>> {
    let order = member_info_order(g.members);
    let mut out = vec![Vec::new(); g.members.len()];
    for t in 0..g.names.len() {
        let subs: Vec<usize> = order.iter().copied().filter(|&i| g.sub[i][t]).collect();
        let (quota, extra) = (
            g.counts[t] / subs.len() as u32,
            g.counts[t] % subs.len() as u32,
        );
        let mut next = 0;
        for (k, &i) in subs.iter().enumerate() {
            let len = quota + u32::from((k as u32) < extra);
            out[i].extend((next..next + len).map(|p| (t, p)));
            next += len;
        }
    }
    out
}

/// `RoundRobinAssignor`: every partition of every subscribed topic, sorted, dealt in turn over the
/// members in `MemberInfo` order, skipping members not subscribed to the partition's topic.
fn round_robin(g: &Group) -> Vec<Vec<P>> {
    let order = member_info_order(g.members);
    let mut out = vec![Vec::new(); order.len()];
    let mut k = 0;
    for (t, p) in g.all() {
        while !g.sub[order[k % order.len()]][t] {
            k += 1;
        }
        out[order[k % order.len()]].push((t, p));
        k += 1;
    }
    out
}

/// The owned-partition conflict rules of `AbstractStickyAssignor.allSubscriptionsEqual`, visiting
/// members in `order`: the newer generation takes a partition; two claims of one generation void
/// it for both (returned as "contested"); an older claim is ignored.
fn resolve_owned(g: &Group, order: &[usize]) -> (Vec<Vec<P>>, BTreeSet<P>) {
    let mut lists: Vec<Vec<P>> = vec![Vec::new(); g.members.len()];
    let mut holder: BTreeMap<P, usize> = BTreeMap::new();
    let mut contested = BTreeSet::new();
    for &i in order {
        let gen = g.members[i].generation;
        for p in g.owned(i) {
            match holder.get(&p).map(|&o| (o, g.members[o].generation)) {
                None => lists[i].push(p),
                Some((o, og)) if gen >= og => {
                    lists[o].retain(|&x| x != p);
                    if gen == og {
                        contested.insert(p);
                    } else {
                        lists[i].push(p);
                    }
                }
                Some(_) => continue,
            }
            holder.insert(p, i);
        }
    }
    (lists, contested)
}

/// `AbstractStickyAssignor.assignPartitions` (shared by `StickyAssignor` and
/// `CooperativeStickyAssignor`).
fn sticky(g: &Group) -> Vec<Vec<P>> {
    if g.members.is_empty() {
        return Vec::new();
    }
    let order = java_order(g.members);
    let (owned, contested) = resolve_owned(g, &order);
    let topics: Vec<BTreeSet<&str>> = g
        .members
        .iter()
        .map(|m| m.topics.iter().map(String::as_str).collect())
        .collect();
    if topics.iter().all(|t| *t == topics[0]) {
        sticky_constrained(g, &order, owned, &contested)
    } else {
        sticky_general(g, &order, owned)
    }
}

/// `ConstrainedAssignmentBuilder` (all members subscribe to the same topics): keep owned partitions
/// (lowest partition numbers first) up to minQuota, or maxQuota while fewer than P mod C members
/// have it; then deal the rest round-robin to the under-quota members sorted by id, then one each
/// to members at exactly minQuota.
fn sticky_constrained(
    g: &Group,
    order: &[usize],
    owned: Vec<Vec<P>>,
    contested: &BTreeSet<P>,
) -> Vec<Vec<P>> {
    let n = g.members.len();
    let total = g.counts.iter().map(|&c| c as usize).sum::<usize>();
    let (min_q, max_q, expected) = (total / n, total.div_ceil(n), total % n);
    let mut current = 0;
    let mut out = vec![Vec::new(); n];
    let (mut under, mut exact) = (Vec::new(), VecDeque::new());
    for &i in order {
        let mut own: Vec<P> = owned[i]
            .iter()
            .copied()
            .filter(|p| !contested.contains(p))
            .collect();
        own.sort_by_key(|&(t, p)| (p, t));
        let keep = if own.len() < min_q {
            under.push(i);
            own.len()
        } else if own.len() >= max_q && current < expected {
            current += 1;
            if current == expected {
                exact.clear();
            }
            max_q
        } else {
            if current < expected {
                exact.push_back(i);
            }
            min_q
        };
        own.truncate(keep);
        out[i] = own;
    }
    let taken: BTreeSet<P> = out.iter().flatten().copied().collect();
    let by_id = |a: &usize, b: &usize| g.members[*a].member_id.cmp(&g.members[*b].member_id);
    under.sort_by(by_id);
    exact.make_contiguous().sort_by(by_id);
    let mut cursor = 0;
    for p in g.all().filter(|p| !taken.contains(p)) {
        let (i, from_under) = if cursor < under.len() {
            cursor += 1;
            (under[cursor - 1], true)
        } else if !under.is_empty() {
            cursor = 1;
            (under[0], true)
        } else if let Some(i) = exact.pop_front() {
            (i, false)
        } else {
            debug_assert!(false, "sticky: no unfilled member left"); // Kafka throws here
            ((0..n).min_by_key(|&i| out[i].len()).unwrap_or(0), false)
        };
        out[i].push(p);
        if out[i].len() == min_q && from_under {
            cursor -= 1;
            under.remove(cursor);
            exact.push_back(i);
        }
    }
    out
}

/// `GeneralAssignmentBuilder` (subscriptions differ), simplified as described in the module docs.
fn sticky_general(g: &Group, order: &[usize], owned: Vec<Vec<P>>) -> Vec<Vec<P>> {
    let n = g.members.len();
    let subs: Vec<Vec<usize>> = (0..g.names.len()).map(|t| g.subscribers(t)).collect();
    let mut owner: Vec<Vec<Option<usize>>> =
        g.counts.iter().map(|&c| vec![None; c as usize]).collect();
    let mut size = vec![0usize; n];
    let mut revocation_required = false;
    for (i, list) in owned.iter().enumerate() {
        for &(t, p) in list {
            if g.sub[i][t] {
                owner[t][p as usize] = Some(i);
                size[i] += 1;
            } else {
                revocation_required = true;
            }
        }
    }
    // Topics with fewer potential consumers first, then by name.
    let mut topic_order: Vec<usize> = (0..g.names.len()).collect();
    topic_order.sort_by_key(|&t| (subs[t].len(), t));
    let all: Vec<P> = topic_order
        .iter()
        .flat_map(|&t| (0..g.counts[t]).map(move |p| (t, p)))
        .collect();
    let fresh: Vec<P> = all
        .iter()
        .copied()
        .filter(|&(t, p)| owner[t][p as usize].is_none())
        .collect();
    // `sortedCurrentSubscriptions`: fewest partitions first, then member id.
    let least = |size: &[usize], t: usize| {
        subs[t].iter().copied().min_by(|&a, &b| {
            size[a]
                .cmp(&size[b])
                .then_with(|| g.members[a].member_id.cmp(&g.members[b].member_id))
        })
    };
    for &(t, p) in &fresh {
        if let Some(i) = least(&size, t) {
            owner[t][p as usize] = Some(i);
            size[i] += 1;
        }
    }
    // Owners from older generations (`prevAssignment`), newest first.
    let max_gen = g
        .members
        .iter()
        .map(|m| m.generation)
        .max()
        .unwrap_or(-1)
        .max(-1);
    let mut prev: BTreeMap<P, (usize, i32)> = BTreeMap::new();
    for &i in order {
        let gen = g.members[i].generation;
        if gen < max_gen {
            for p in g.owned(i) {
                if !matches!(prev.get(&p), Some(&(_, pg)) if pg >= gen) {
                    prev.insert(p, (i, gen));
                }
            }
        }
    }
    let movable = |&(t, _): &P| subs[t].len() >= 2;
    let mut passes: Vec<Vec<P>> = Vec::new();
    if !revocation_required {
        passes.push(fresh.iter().copied().filter(movable).collect());
    }
    passes.push(all.iter().copied().filter(movable).collect());
    // `isBalanced`: no member could take a partition of its topics from one with 2+ more.
    let balanced = |owner: &[Vec<Option<usize>>], size: &[usize]| {
        (0..n).all(|c| {
            (0..g.names.len())
                .filter(|&t| g.sub[c][t])
                .all(|t| owner[t].iter().flatten().all(|&o| size[c] + 1 >= size[o]))
        })
    };
    for list in passes {
        loop {
            let mut modified = false;
            for &(t, p) in &list {
                if balanced(&owner, &size) {
                    break;
                }
                let cur = owner[t][p as usize].expect("assigned");
                let dst = match prev.get(&(t, p)) {
                    Some(&(o, _)) if g.sub[o][t] && size[cur] > size[o] + 1 => Some(o),
                    _ if subs[t].iter().any(|&o| size[cur] > size[o] + 1) => least(&size, t),
                    _ => None,
                };
                if let Some(d) = dst {
                    owner[t][p as usize] = Some(d);
                    size[cur] -= 1;
                    size[d] += 1;
                    modified = true;
                }
            }
            if !modified {
                break;
            }
        }
    }
    g.lists_from(&owner)
}

/// KIP-848 `UniformAssignor`: `UniformHomogeneousAssignmentBuilder` when every member subscribes to
/// the same topics, else `UniformHeterogeneousAssignmentBuilder`. Members are taken in the order of
/// the coordinator's `HashMap` of member specs.
fn uniform(g: &Group) -> Vec<Vec<P>> {
    let n = g.members.len();
    let order = java_order(g.members);
    let (owned, contested) = resolve_owned(g, &order); // a target assignment has no conflicts
    let owned: Vec<Vec<P>> = owned
        .into_iter()
        .map(|l| {
            let mut l: Vec<P> = l.into_iter().filter(|p| !contested.contains(p)).collect();
            l.sort_unstable();
            l
        })
        .collect();
    if n == 0 || (1..n).all(|i| g.sub[i] == g.sub[0]) {
        return uniform_homogeneous(g, &order, &owned);
    }
    let mut rank = vec![0; n];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k;
    }
    let mut subs: Vec<Vec<usize>> = (0..g.names.len()).map(|t| g.subscribers(t)).collect();
    subs.iter_mut().for_each(|s| s.sort_by_key(|&i| rank[i]));
    let mut owner: Vec<Vec<Option<usize>>> =
        g.counts.iter().map(|&c| vec![None; c as usize]).collect();
    let mut size = vec![0usize; n];
    for (i, list) in owned.iter().enumerate() {
        for &(t, p) in list.iter().filter(|&&(t, _)| g.sub[i][t]) {
            owner[t][p as usize] = Some(i);
            size[i] += 1;
        }
    }
    // Partitions per subscriber descending, then subscriber count ascending, then topic.
    let topic_cmp = |&a: &usize, &b: &usize| {
        let (ca, cb, sa, sb) = (
            g.counts[a] as usize,
            g.counts[b] as usize,
            subs[a].len(),
            subs[b].len(),
        );
        (cb * sa).cmp(&(ca * sb)).then(sa.cmp(&sb)).then(a.cmp(&b))
    };
    let mut topics: Vec<usize> = (0..g.names.len())
        .filter(|&t| owner[t].contains(&None))
        .collect();
    topics.sort_by(topic_cmp);
    for t in topics {
        // `MemberAssignmentBalancer.nextLeastLoadedMember`: fill level by level.
        let mut sorted = subs[t].clone();
        sorted.sort_by_key(|&i| (size[i], rank[i]));
        let (mut end, mut level, mut next) = (0, size[sorted[0]] as i64 - 1, 0);
        for p in 0..owner[t].len() {
            if owner[t][p].is_some() {
                continue;
            }
            if next >= end {
                level += 1;
                while end < sorted.len() && size[sorted[end]] as i64 == level {
                    end += 1;
                }
                next = 0;
            }
            owner[t][p] = Some(sorted[next]);
            size[sorted[next]] += 1;
            next += 1;
        }
    }
    // `balanceTopics`: sweep topics until a full loop moves nothing (at most 16 sweeps).
    let mut topics: Vec<usize> = (0..g.names.len()).filter(|&t| subs[t].len() >= 2).collect();
    topics.sort_by(topic_cmp);
    let mut last = None;
    'sweeps: for _ in 0..16 {
        for (k, &t) in topics.iter().enumerate() {
            if last == Some(k) {
                break 'sweeps;
            }
            let mut moved = 0;
            loop {
                let holds = |i: usize| owner[t].contains(&Some(i));
                let most = subs[t]
                    .iter()
                    .copied()
                    .filter(|&i| holds(i))
                    .max_by_key(|&i| (size[i], rank[i]));
                let low = subs[t]
                    .iter()
                    .copied()
                    .min_by_key(|&i| (size[i], rank[i]))
                    .expect("subscribers");
                let Some(high) = most.filter(|&h| size[h] > size[low] + 1) else {
                    break;
                };
                let p = owner[t]
                    .iter()
                    .rposition(|&o| o == Some(high))
                    .expect("held");
                owner[t][p] = Some(low);
                size[high] -= 1;
                size[low] += 1;
                moved += 1;
            }
            if moved > 0 || last.is_none() {
                last = Some(k);
            }
        }
    }
    g.lists_from(&owner)
}

/// `UniformHomogeneousAssignmentBuilder`: in member order, quota floor(P/C) (+1 for the first
/// P mod C members); each keeps its owned partitions up to its quota (per topic, lowest first),
/// the excess joins the never-assigned ones, and under-quota members are filled contiguously.
fn uniform_homogeneous(g: &Group, order: &[usize], owned: &[Vec<P>]) -> Vec<Vec<P>> {
    let mut out = vec![Vec::new(); g.members.len()];
    if g.names.is_empty() {
        return out;
    }
    let held: BTreeSet<P> = owned.iter().flatten().copied().collect();
    let mut free: Vec<P> = g.all().filter(|p| !held.contains(p)).collect();
    let total = g.counts.iter().map(|&c| c as usize).sum::<usize>();
    let (min_q, mut extra) = (total / order.len(), total % order.len());
    let mut unfilled = Vec::new();
    for &i in order {
        let mut quota = min_q + usize::from(extra > 0);
        extra = extra.saturating_sub(1);
        for t in 0..g.names.len() {
            let mine: Vec<P> = owned[i].iter().copied().filter(|p| p.0 == t).collect();
            let keep = mine.len().min(quota);
            out[i].extend_from_slice(&mine[..keep]);
            free.extend_from_slice(&mine[keep..]);
            quota -= keep;
        }
        if quota > 0 {
            unfilled.push((i, quota));
        }
    }
    let mut free = free.into_iter();
    for (i, quota) in unfilled {
        out[i].extend(free.by_ref().take(quota));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    /// "t-0 t-1 u-3" → partitions.
    fn ps(s: &str) -> Vec<TopicPartition> {
        let one = |x: &str| x.rsplit_once('-').map(|(t, p)| tp(t, p.parse().unwrap()));
        s.split_whitespace().map(|x| one(x).unwrap()).collect()
    }

    fn member(id: &str, topics: &[&str], owned: &[TopicPartition], generation: i32) -> Member {
        Member {
            member_id: id.into(),
            group_instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: owned.to_vec(),
            generation,
        }
    }

    fn fresh(ids: &[&str], topics: &[&str]) -> Vec<Member> {
        ids.iter().map(|id| member(id, topics, &[], -1)).collect()
    }

    fn with_instance(mut m: Member, instance: &str) -> Member {
        m.group_instance_id = Some(instance.into());
        m
    }

    fn counts(c: &[(&str, u32)]) -> BTreeMap<String, u32> {
        c.iter().map(|&(t, n)| (t.to_string(), n)).collect()
    }

    fn sorted(mut v: Vec<TopicPartition>) -> Vec<TopicPartition> {
        v.sort();
        v
    }

    #[test]
    fn java_hash_map_order_matches_java() {
        assert_eq!(java_hash("range"), 108280125);
        let ms = fresh(&["consumer1", "consumer2", "consumer3"], &[]);
        // Buckets 12, 11, 10: Java iterates consumer3, consumer2, consumer1.
        assert_eq!(java_order(&ms), vec![2, 1, 0]);
    }

    #[test]
    fn range_source_examples() {
        // RangeAssignor class doc: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
        let a = assign(
            Range,
            &fresh(&["C0", "C1"], &["t0", "t1"]),
            &counts(&[("t0", 3), ("t1", 3)]),
        );
        assert_eq!(a["C0"], ps("t0-0 t0-1 t1-0 t1-1"));
        assert_eq!(a["C1"], ps("t0-2 t1-2"));
        // RangeAssignorTest.testMultipleConsumersMixedTopics.
        let ms = vec![
            member("consumer1", &["topic1"], &[], -1),
            member("consumer2", &["topic1", "topic2"], &[], -1),
            member("consumer3", &["topic1"], &[], -1),
        ];
        let a = assign(Range, &ms, &counts(&[("topic1", 3), ("topic2", 2)]));
        assert_eq!(a["consumer1"], ps("topic1-0"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-0 topic2-1"));
        assert_eq!(a["consumer3"], ps("topic1-2"));
        // testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions: static goes first.
        let both = ["topic1", "topic2"];
        let ms = vec![
            with_instance(member("consumer-b", &both, &[], -1), "instance1"),
            member("consumer-a", &both, &[], -1),
        ];
        let a = assign(Range, &ms, &counts(&[("topic1", 3), ("topic2", 3)]));
        assert_eq!(a["consumer-b"], ps("topic1-0 topic1-1 topic2-0 topic2-1"));
        assert_eq!(a["consumer-a"], ps("topic1-2 topic2-2"));
    }

    #[test]
    fn range_static_members_persist() {
        // RangeAssignorTest.testStaticMemberRangeAssignmentPersistent.
        let both = ["topic1", "topic2"];
        let parts = counts(&[("topic1", 5), ("topic2", 4)]);
        let mut ms: Vec<Member> = (1..=3)
            .map(|i| {
                with_instance(
                    member(&format!("consumer{i}"), &both, &[], -1),
                    &format!("instance{i}"),
                )
            })
            .collect();
        ms.push(member("consumer4", &both, &[], -1));
        let a = assign(Range, &ms, &parts);
        assert_eq!(a["consumer1"], ps("topic1-0 topic1-1 topic2-0"));
        assert_eq!(a["consumer2"], ps("topic1-2 topic2-1"));
        assert_eq!(a["consumer3"], ps("topic1-3 topic2-2"));
        assert_eq!(a["consumer4"], ps("topic1-4 topic2-3"));
        ms[3].member_id = "consumer5".into();
        let b = assign(ServerRange, &ms, &parts);
        assert_eq!(b["consumer5"], a["consumer4"]);
        assert_eq!(b["consumer1"], a["consumer1"]);
    }

    #[test]
    fn range_extra_partitions_and_idle_members() {
        let a = assign(
            Range,
            &fresh(&["a", "b", "c"], &["t"]),
            &counts(&[("t", 5)]),
        );
        assert_eq!(a["a"], ps("t-0 t-1"));
        assert_eq!(a["b"], ps("t-2 t-3"));
        assert_eq!(a["c"], ps("t-4"));
        for kind in [
            Range,
            RoundRobin,
            Sticky,
            CooperativeSticky,
            ServerUniform,
            ServerRange,
        ] {
            let a = assign(
                kind,
                &fresh(&["a", "b", "c", "d"], &["t"]),
                &counts(&[("t", 1)]),
            );
            assert_eq!(a.values().filter(|v| v.is_empty()).count(), 3, "{kind:?}");
        }
    }

    #[test]
    fn round_robin_source_examples() {
        // RoundRobinAssignorTest.testTwoDynamicConsumersTwoTopicsSixPartitions.
        let both = ["topic1", "topic2"];
        let a = assign(
            RoundRobin,
            &fresh(&["consumer1", "consumer2"], &both),
            &counts(&[("topic1", 3), ("topic2", 3)]),
        );
        assert_eq!(a["consumer1"], ps("topic1-0 topic1-2 topic2-1"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-0 topic2-2"));
        // Class doc, unequal subscriptions: C0 [t0p0], C1 [t1p0], C2 [t1p1, t2p0, t2p1, t2p2].
        let ms = vec![
            member("C0", &["t0"], &[], -1),
            member("C1", &["t0", "t1"], &[], -1),
            member("C2", &["t0", "t1", "t2"], &[], -1),
        ];
        let a = assign(RoundRobin, &ms, &counts(&[("t0", 1), ("t1", 2), ("t2", 3)]));
        assert_eq!(a["C0"], ps("t0-0"));
        assert_eq!(a["C1"], ps("t1-0"));
        assert_eq!(a["C2"], ps("t1-1 t2-0 t2-1 t2-2"));
        // testStaticMemberRoundRobinAssignmentPersistentAfterMemberIdChanges: order by instance id.
        let ms = vec![
            with_instance(member("consumer1", &both, &[], -1), "instance1"),
            with_instance(member("consumer5", &both, &[], -1), "instance2"),
            with_instance(member("consumer4", &both, &[], -1), "instance3"),
        ];
        let a = assign(RoundRobin, &ms, &counts(&[("topic1", 5), ("topic2", 5)]));
        assert_eq!(a["consumer1"], ps("topic1-0 topic1-3 topic2-1 topic2-4"));
        assert_eq!(a["consumer5"], ps("topic1-1 topic1-4 topic2-2"));
        assert_eq!(a["consumer4"], ps("topic1-2 topic2-0 topic2-3"));
    }

    #[test]
    fn sticky_fresh_assignments() {
        let a = assign(
            Sticky,
            &fresh(&["c1", "c2", "c3"], &["t"]),
            &counts(&[("t", 7)]),
        );
        assert_eq!(a["c1"], ps("t-0 t-3 t-6"));
        assert_eq!(a["c2"], ps("t-1 t-4"));
        assert_eq!(a["c3"], ps("t-2 t-5"));
        // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
        let both = ["topic1", "topic2"];
        let a = assign(
            CooperativeSticky,
            &fresh(&["consumer1", "consumer2"], &both),
            &counts(&[("topic1", 3), ("topic2", 3)]),
        );
        assert_eq!(a["consumer1"], ps("topic1-0 topic1-2 topic2-1"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-0 topic2-2"));
        // testMultipleConsumersMixedTopicSubscriptions (general path).
        let ms = vec![
            member("consumer1", &["topic1"], &[], -1),
            member("consumer2", &["topic1", "topic2"], &[], -1),
            member("consumer3", &["topic1"], &[], -1),
        ];
        let a = assign(Sticky, &ms, &counts(&[("topic1", 3), ("topic2", 2)]));
        assert_eq!(a["consumer1"], ps("topic1-0 topic1-2"));
        assert_eq!(a["consumer2"], ps("topic2-0 topic2-1"));
        assert_eq!(a["consumer3"], ps("topic1-1"));
    }

    #[test]
    fn sticky_source_quota_cases() {
        let both = ["topic1", "topic2"];
        // testConsumerOwningMinQuotaExpectedMaxQuota.
        let ms = vec![
            member("consumer1", &both, &ps("topic1-0 topic2-1"), 1),
            member("consumer2", &both, &ps("topic1-1 topic2-2"), 1),
        ];
        let a = assign(
            CooperativeSticky,
            &ms,
            &counts(&[("topic1", 2), ("topic2", 3)]),
        );
        assert_eq!(a["consumer1"], ps("topic1-0 topic2-0 topic2-1"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-2"));
        // testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers (depends on HashMap order).
        let ms = vec![
            member("consumer1", &both, &ps("topic1-0 topic2-0"), 1),
            member("consumer2", &both, &ps("topic1-1 topic2-1"), 1),
            member("consumer3", &both, &[], 1),
        ];
        let a = assign(
            CooperativeSticky,
            &ms,
            &counts(&[("topic1", 2), ("topic2", 2)]),
        );
        assert_eq!(a["consumer1"], ps("topic1-0"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-1"));
        assert_eq!(a["consumer3"], ps("topic2-0"));
        let (now, revoke) = cooperative_adjust(&ms, &a);
        assert_eq!(now["consumer3"], vec![]); // partitionsTransferringOwnership = {topic2-0: consumer3}
        assert_eq!(revoke["consumer1"], ps("topic2-0"));
        // testAllConsumersAreUnderMinQuota.
        let ms = vec![
            member("consumer1", &both, &ps("topic1-0"), 1),
            member("consumer2", &both, &ps("topic1-1"), 1),
            member("consumer3", &both, &[], 1),
        ];
        let a = assign(Sticky, &ms, &counts(&[("topic1", 2), ("topic2", 3)]));
        assert_eq!(a["consumer1"], ps("topic1-0 topic2-1"));
        assert_eq!(a["consumer2"], ps("topic1-1 topic2-2"));
        assert_eq!(a["consumer3"], ps("topic2-0"));
        // testAllConsumersReachExpectedQuotaAndAreConsideredFilled.
        let ms = vec![
            member("consumer1", &["topic"], &ps("topic-0 topic-1"), 1),
            member("consumer2", &["topic"], &ps("topic-2"), 1),
            member("consumer3", &["topic"], &[], 1),
        ];
        let a = assign(Sticky, &ms, &counts(&[("topic", 4)]));
        assert_eq!(a["consumer1"], ps("topic-0 topic-1"));
        assert_eq!(a["consumer2"], ps("topic-2"));
        assert_eq!(a["consumer3"], ps("topic-3"));
    }

    #[test]
    fn sticky_source_generation_cases() {
        let t2 = ["topic", "topic2"];
        let claim = [tp("topic", 0), tp("topic", 2), tp("topic2", 1)];
        let parts = counts(&[("topic", 3), ("topic2", 3)]);
        // testOwnedPartitionsAreInvalidatedForConsumerWith{Stale,No}Generation.
        for stale in [9, -1] {
            let ms = vec![
                member("consumer1", &t2, &claim, 10),
                member("consumer2", &t2, &claim, stale),
            ];
            let a = assign(CooperativeSticky, &ms, &parts);
            assert_eq!(a["consumer1"], sorted(claim.to_vec()));
            assert_eq!(a["consumer2"], ps("topic-1 topic2-0 topic2-2"));
            assert_eq!(cooperative_adjust(&ms, &a).0, a);
        }
        // The same with the stale claim visited last (Java visits consumer2 before consumer1).
        let ms = vec![
            member("consumer1", &t2, &claim, 9),
            member("consumer2", &t2, &claim, 10),
        ];
        assert_eq!(
            assign(Sticky, &ms, &parts)["consumer2"],
            sorted(claim.to_vec())
        );
        assert_eq!(
            assign(ServerUniform, &ms, &parts)["consumer2"],
            sorted(claim.to_vec())
        );
        // testEnsurePartitionsAssignedToHighestGeneration.
        let t3 = ["topic", "topic2", "topic3"];
        let ms = vec![
            member("consumer1", &t3, &ps("topic-0 topic2-0 topic3-0"), 10),
            member("consumer2", &t3, &ps("topic-1 topic2-1 topic3-1"), 9),
            member("consumer3", &t3, &ps("topic2-1 topic3-0 topic3-2"), 8),
        ];
        let a = assign(
            CooperativeSticky,
            &ms,
            &counts(&[("topic", 3), ("topic2", 3), ("topic3", 3)]),
        );
        assert_eq!(a["consumer3"], ps("topic-2 topic2-2 topic3-2"));
        // testNoReassignmentOnCurrentMembers.
        let t4 = ["topic", "topic1", "topic2", "topic3"];
        let ms = vec![
            member("consumer1", &t4, &[], -1),
            member("consumer2", &t4, &ps("topic-0 topic2-0 topic1-0"), 9),
            member("consumer3", &t4, &ps("topic3-2 topic2-2 topic1-1"), 8),
            member("consumer4", &t4, &ps("topic3-1 topic-1 topic-2"), 7),
        ];
        let a = assign(
            CooperativeSticky,
            &ms,
            &counts(&[("topic", 3), ("topic1", 3), ("topic2", 3), ("topic3", 3)]),
        );
        assert_eq!(a["consumer1"], ps("topic1-2 topic2-1 topic3-0"));
        // testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration.
        let ms = vec![
            member("consumer1", &["topic"], &ps("topic-0 topic-1"), 1),
            member("consumer2", &["topic"], &ps("topic-0 topic-2"), 1),
            member("consumer3", &["topic"], &[], 1),
        ];
        let a = assign(CooperativeSticky, &ms, &counts(&[("topic", 3)]));
        assert_eq!(a["consumer1"], ps("topic-1"));
        assert_eq!(a["consumer2"], ps("topic-2"));
        assert_eq!(a["consumer3"], ps("topic-0"));
        let (now, revoke) = cooperative_adjust(&ms, &a);
        assert_eq!(now["consumer3"], vec![]);
        assert_eq!(revoke["consumer1"], ps("topic-0"));
        assert_eq!(revoke["consumer2"], ps("topic-0"));
    }

    #[test]
    fn cooperative_scale_out_takes_two_rebalances() {
        let p = |v: &[u32]| v.iter().map(|&i| tp("t", i)).collect::<Vec<_>>();
        let ms = vec![
            member("c1", &["t"], &p(&[0, 1, 2]), 1),
            member("c2", &["t"], &p(&[3, 4, 5]), 1),
            member("c3", &["t"], &[], 1),
        ];
        let parts = counts(&[("t", 6)]);
        let target = assign(CooperativeSticky, &ms, &parts);
        assert_eq!(
            (
                target["c1"].clone(),
                target["c2"].clone(),
                target["c3"].clone()
            ),
            (p(&[0, 1]), p(&[3, 4]), p(&[2, 5]))
        );
        let (now, revoke) = cooperative_adjust(&ms, &target);
        assert_eq!(
            (
                now["c3"].clone(),
                revoke["c1"].clone(),
                revoke["c2"].clone()
            ),
            (vec![], p(&[2]), p(&[5]))
        );
        let ms2: Vec<Member> = ms
            .iter()
            .map(|m| Member {
                owned: now[&m.member_id].clone(),
                generation: 2,
                ..m.clone()
            })
            .collect();
        let target2 = assign(CooperativeSticky, &ms2, &parts);
        assert_eq!(target2, target);
        assert_eq!(cooperative_adjust(&ms2, &target2).0, target);
    }

    #[test]
    fn uniform_source_examples() {
        let both = ["topic1", "topic2"];
        // OptimizedUniformAssignmentBuilderTest.testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment.
        let ms = vec![
            member("A", &both, &ps("topic1-0 topic1-1 topic2-0 topic2-1"), 1),
            member("B", &both, &ps("topic1-2 topic2-2"), 1),
        ];
        let a = assign(ServerUniform, &ms, &counts(&[("topic1", 3), ("topic2", 3)]));
        assert_eq!(a["A"], ps("topic1-0 topic1-1 topic2-0"));
        assert_eq!(a["B"], ps("topic1-2 topic2-1 topic2-2"));
        // Homogeneous fresh: contiguous fill in member order, first P mod C get one more.
        let a = assign(
            ServerUniform,
            &fresh(&["A", "B", "C"], &["t"]),
            &counts(&[("t", 7)]),
        );
        assert_eq!(a["A"], ps("t-0 t-1 t-2"));
        assert_eq!(a["C"], ps("t-5 t-6"));
        // UniformHeterogeneousAssignmentBuilderTest.testFirstAssignmentTwoMembersTwoTopics.
        let ms = vec![
            member("A", &["topic1", "topic3"], &[], -1),
            member("B", &["topic3"], &[], -1),
        ];
        let a = assign(ServerUniform, &ms, &counts(&[("topic1", 3), ("topic3", 6)]));
        assert_eq!(a["A"], ps("topic1-0 topic1-1 topic1-2 topic3-4"));
        assert_eq!(
            a["B"],
            [0, 1, 2, 3, 5]
                .iter()
                .map(|&p| tp("topic3", p))
                .collect::<Vec<_>>()
        );
        // ...testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment.
        let r = |t: &str, ps: &[u32]| ps.iter().map(|&p| tp(t, p)).collect::<Vec<_>>();
        let ms = vec![
            member("A", &["topic1"], &r("topic1", &[0, 1, 2]), 1),
            member(
                "B",
                &both,
                &[r("topic1", &[3]), r("topic2", &[0])].concat(),
                1,
            ),
            member(
                "C",
                &["topic1", "topic2", "topic3"],
                &[
                    r("topic1", &[4, 5]),
                    r("topic2", &[1, 2, 3]),
                    r("topic3", &[0, 1, 2, 3]),
                ]
                .concat(),
                1,
            ),
        ];
        let a = assign(
            ServerUniform,
            &ms,
            &counts(&[("topic1", 6), ("topic2", 4), ("topic3", 4)]),
        );
        assert_eq!(a["A"], r("topic1", &[0, 1, 2, 5]));
        assert_eq!(
            a["B"],
            [r("topic1", &[3]), r("topic2", &[0, 1, 2, 3])].concat()
        );
        assert_eq!(
            a["C"],
            [r("topic1", &[4]), r("topic3", &[0, 1, 2, 3])].concat()
        );
    }

    #[test]
    fn protocol_selection_and_names() {
        let java_default = vec![Range, CooperativeSticky];
        assert_eq!(
            select_protocol(&[java_default.clone(), java_default.clone()]),
            Some(Range)
        );
        assert_eq!(
            select_protocol(&[vec![CooperativeSticky, Range], java_default.clone()]),
            Some(Range)
        ); // 1–1 tie
        assert_eq!(
            select_protocol(&[vec![Sticky, Range], vec![Range, Sticky]]),
            Some(Sticky)
        ); // bucket 8 < 9
        let coop = vec![CooperativeSticky, Range];
        assert_eq!(
            select_protocol(&[coop.clone(), coop, java_default]),
            Some(CooperativeSticky)
        );
        assert_eq!(select_protocol(&[vec![Range], vec![RoundRobin]]), None);
        assert_eq!(select_protocol(&[]), None);
        for k in [Range, RoundRobin, Sticky, CooperativeSticky, ServerUniform] {
            assert_eq!(AssignorKind::from_name(k.name()), Ok(k));
        }
        assert_eq!(
            AssignorKind::from_name("org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
            Ok(CooperativeSticky)
        );
        assert_eq!(AssignorKind::from_remote_name("range"), Ok(ServerRange));
        assert!(AssignorKind::from_name("bogus")
            .unwrap_err()
            .contains("cooperative-sticky"));
        assert!(
            CooperativeSticky.is_cooperative()
                && !Range.is_cooperative()
                && !Sticky.is_cooperative()
        );
    }

    // ----- property tests -----

    const KINDS: [AssignorKind; 6] = [
        Range,
        RoundRobin,
        Sticky,
        CooperativeSticky,
        ServerUniform,
        ServerRange,
    ];

    #[derive(Clone, Debug)]
    struct Case {
        members: Vec<Member>,
        parts: BTreeMap<String, u32>,
        homogeneous: bool,
    }

    /// Random groups; `simple` forces one shared subscription and disjoint, same-generation claims.
    fn arb_case(simple: bool) -> impl Strategy<Value = Case> {
        let flag = move || {
            if simple {
                Just(true).boxed()
            } else {
                any::<bool>().boxed()
            }
        };
        (
            prop::collection::vec(1..=12u32, 1..=3),
            1..=8usize,
            flag(),
            flag(),
        )
            .prop_flat_map(|(cnt, n, homogeneous, clean)| {
                let total = cnt.iter().sum::<u32>() as usize;
                let masks = prop::collection::vec(1u8..8, n);
                let gens = prop::collection::vec(1..=3i32, n);
                let owners = prop::collection::vec(0..=n, total); // n = unowned
                let extra = prop::collection::vec((0..n, 0..total), 0..6);
                (Just(cnt), masks, gens, owners, extra).prop_map(
                    move |(cnt, masks, gens, owners, extra)| {
                        let parts: BTreeMap<String, u32> = cnt
                            .iter()
                            .enumerate()
                            .map(|(t, &c)| (format!("t{t}"), c))
                            .collect();
                        let all: Vec<TopicPartition> = parts
                            .iter()
                            .flat_map(|(t, &c)| (0..c).map(move |p| tp(t, p)))
                            .collect();
                        let mut members: Vec<Member> = (0..n)
                            .map(|i| {
                                let mask = if homogeneous { masks[0] } else { masks[i] };
                                let topics: Vec<String> = (0..cnt.len())
                                    .filter(|t| mask & (1 << t) != 0)
                                    .map(|t| format!("t{t}"))
                                    .collect();
                                let topics = if topics.is_empty() {
                                    vec!["t0".to_string()]
                                } else {
                                    topics
                                };
                                Member {
                                    member_id: format!("m{}", (i * 7) % 11),
                                    group_instance_id: None,
                                    topics,
                                    owned: vec![],
                                    generation: if clean { 1 } else { gens[i] },
                                }
                            })
                            .collect();
                        for (p, &o) in owners.iter().enumerate() {
                            if o < n {
                                members[o].owned.push(all[p].clone());
                            }
                        }
                        if !clean {
                            for &(m, p) in &extra {
                                members[m].owned.push(all[p].clone());
                            }
                        }
                        Case {
                            members,
                            parts,
                            homogeneous,
                        }
                    },
                )
            })
    }

    fn subscribed(m: &Member, t: &str) -> bool {
        m.topics.iter().any(|x| x == t)
    }

    fn check_valid(c: &Case, a: &Assignment) -> Result<(), TestCaseError> {
        let mut seen = BTreeMap::new();
        for m in &c.members {
            for p in &a[&m.member_id] {
                prop_assert!(
                    subscribed(m, &p.topic),
                    "{} got unsubscribed {}",
                    m.member_id,
                    p
                );
                prop_assert!(seen.insert(p.clone(), ()).is_none(), "{} assigned twice", p);
            }
        }
        for (t, &n) in &c.parts {
            if c.members.iter().any(|m| subscribed(m, t)) {
                for p in 0..n {
                    prop_assert!(seen.contains_key(&tp(t, p)), "{}-{} unassigned", t, p);
                }
            }
        }
        Ok(())
    }

    fn rerun(members: &[Member], owned: &Assignment, generation: i32) -> Vec<Member> {
        members
            .iter()
            .map(|m| Member {
                owned: owned[&m.member_id].clone(),
                generation,
                ..m.clone()
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn assignments_are_valid_balanced_and_stable(c in arb_case(false)) {
            for kind in KINDS {
                let a = assign(kind, &c.members, &c.parts);
                check_valid(&c, &a)?;
                let sizes: Vec<usize> = a.values().map(Vec::len).collect();
                let spread = sizes.iter().max().unwrap() - sizes.iter().min().unwrap();
                if c.homogeneous && matches!(kind, RoundRobin | Sticky | CooperativeSticky | ServerUniform) {
                    prop_assert!(spread <= 1, "{:?} unbalanced: {:?}", kind, sizes);
                }
                if matches!(kind, Range | ServerRange) {
                    for t in c.parts.keys() {
                        let per: Vec<usize> = c.members.iter().filter(|m| subscribed(m, t)).map(|m| a[&m.member_id].iter().filter(|p| &p.topic == t).count()).collect();
                        prop_assert!(per.iter().max().unwrap_or(&0) - per.iter().min().unwrap_or(&0) <= 1);
                    }
                }
                // Re-running with the output as owned partitions moves nothing.
                prop_assert_eq!(&assign(kind, &rerun(&c.members, &a, 9), &c.parts), &a, "{:?} not stable", kind);
            }
        }

        #[test]
        fn sticky_keeps_owned_partitions_up_to_quota(c in arb_case(true)) {
            let total: u32 = c.parts.iter().filter(|(t, _)| subscribed(&c.members[0], t)).map(|(_, &n)| n).sum();
            let min_q = total as usize / c.members.len();
            for kind in [Sticky, CooperativeSticky, ServerUniform] {
                let a = assign(kind, &c.members, &c.parts);
                for m in &c.members {
                    let valid: Vec<&TopicPartition> = m.owned.iter().filter(|p| subscribed(m, &p.topic)).collect();
                    let kept = valid.iter().filter(|p| a[&m.member_id].contains(p)).count();
                    prop_assert!(kept >= valid.len().min(min_q), "{:?} {} kept {} of {}", kind, m.member_id, kept, valid.len());
                }
            }
        }

        #[test]
        fn sticky_general_path_cannot_improve(c in arb_case(false)) {
            let a = assign(Sticky, &c.members, &c.parts);
            let owner: BTreeMap<&TopicPartition, &str> = a.iter().flat_map(|(m, ps)| ps.iter().map(move |p| (p, m.as_str()))).collect();
            for m in &c.members {
                for (p, o) in &owner {
                    if subscribed(m, &p.topic) {
                        prop_assert!(a[&m.member_id].len() + 1 >= a[*o].len(), "{} could take {} from {}", m.member_id, p, o);
                    }
                }
            }
        }

        #[test]
        fn cooperative_adjust_withholds_until_revoked(c in arb_case(false)) {
            for kind in KINDS {
                let target = assign(kind, &c.members, &c.parts);
                let (now, revoke) = cooperative_adjust(&c.members, &target);
                for m in &c.members {
                    let mine = &now[&m.member_id];
                    prop_assert!(mine.iter().all(|p| target[&m.member_id].contains(p)));
                    for p in mine {
                        for o in c.members.iter().filter(|o| o.member_id != m.member_id && o.owned.contains(p)) {
                            prop_assert!(m.owned.contains(p) && o.generation < m.generation, "{} handed to {} while {} owns it", p, m.member_id, o.member_id);
                        }
                    }
                    let expect: BTreeSet<&TopicPartition> = m.owned.iter().filter(|p| !mine.contains(p)).collect();
                    prop_assert_eq!(revoke[&m.member_id].iter().collect::<BTreeSet<_>>(), expect);
                }
                // After the revocations the withheld partitions are free: the target goes out whole.
                let after: Vec<Member> = c.members.iter().map(|m| Member { owned: m.owned.iter().filter(|p| !revoke[&m.member_id].contains(p)).cloned().collect(), ..m.clone() }).collect();
                let (now2, revoke2) = cooperative_adjust(&after, &target);
                prop_assert_eq!(&now2, &target);
                prop_assert!(revoke2.values().all(Vec::is_empty));
                // A second rebalance of a sticky assignor keeps what was handed out and withholds nothing.
                if c.homogeneous && matches!(kind, Sticky | CooperativeSticky | ServerUniform) {
                    let round2 = rerun(&c.members, &now, 9);
                    let target2 = assign(kind, &round2, &c.parts);
                    for m in &c.members {
                        prop_assert!(now[&m.member_id].iter().all(|p| target2[&m.member_id].contains(p)));
                    }
                    let (now3, revoke3) = cooperative_adjust(&round2, &target2);
                    prop_assert_eq!(&now3, &target2);
                    prop_assert!(revoke3.values().all(Vec::is_empty));
                }
            }
        }
    }
}
