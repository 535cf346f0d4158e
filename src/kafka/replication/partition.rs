//! One partition's replication state: its replicas, the leader and leader epoch, the in-sync
//! replica set (ISR), and the leader's view of each follower (Kafka's `Partition` and
//! `Replica`). Pure bookkeeping: the cluster calls it when a follower fetches, when the ISR
//! timer fires and when the controller elects a leader.
//!
//! - A follower's log-end offset (LEO) is known to the leader only from its Fetch offset.
//! - High watermark = min LEO over the ISR (the leader's own LEO included); it advances when a
//!   follower's fetch shows it has caught up, so acks=all waits one follower round trip.
//! - A follower is caught up at a fetch when it asks for the leader's LEO, or for at least the
//!   LEO the leader had at its previous fetch; it leaves the ISR when it has not been caught up
//!   for `replica.lag.time.max.ms` (`Replica.updateFetchState`, `Partition.maybeShrinkIsr`) and
//!   rejoins once its LEO reaches the HW and the current epoch's start
//!   (`Partition.maybeExpandIsr`).

use crate::engine::Nanos;
use crate::kafka::event::Id;

/// The leader's view of one follower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowerState {
    /// LEO from its last fetch (None until it fetches from this leader).
    pub leo: Option<u64>,
    /// Last time it was caught up.
    pub last_caught_up_ns: Nanos,
    /// When it last fetched.
    pub last_fetch_ns: Nanos,
    /// Leader's LEO at its last fetch.
    pub last_fetch_leader_leo: u64,
}

/// One partition's replicas, leader, ISR and followers.
#[derive(Clone, Debug)]
pub struct PartitionState {
    /// Replica brokers, preferred leader first.
    pub replicas: Vec<Id>,
    /// Current leader (None while offline).
    pub leader: Option<Id>,
    /// The most recent leader (whose log is the partition's when it goes offline).
    pub last_leader: Id,
    /// Leader epoch, bumped at every election.
    pub leader_epoch: u32,
    /// In-sync replicas, in replica order.
    pub isr: Vec<Id>,
    /// The leader's view of every replica, in replica order (the leader's own entry unused).
    pub followers: Vec<FollowerState>,
    /// The leader's LEO when it took over (a follower rejoins the ISR only past it).
    pub epoch_start_offset: u64,
    /// While offline: how far consumers had read when it went offline (all they can read).
    pub offline_target: Option<u64>,
}

impl PartitionState {
    /// A new partition led by its preferred replica, every replica in sync.
    pub fn new(replicas: Vec<Id>) -> Self {
        let n = replicas.len();
        Self {
            leader: Some(replicas[0]),
            last_leader: replicas[0],
            leader_epoch: 0,
            isr: replicas.clone(),
            followers: vec![
                FollowerState {
                    leo: Some(0),
                    ..FollowerState::default()
                };
                n
            ],
            epoch_start_offset: 0,
            offline_target: None,
            replicas,
        }
    }

    /// Position of `broker` in the replica list.
    pub fn index(&self, broker: Id) -> Option<usize> {
        self.replicas.iter().position(|&r| r == broker)
    }

    /// Whether `broker` is in the ISR.
    pub fn in_isr(&self, broker: Id) -> bool {
        self.isr.contains(&broker)
    }

    /// `broker` becomes leader in a new epoch with `leo` at `now`: followers' LEOs are unknown
    /// until they fetch; in-sync ones count as caught up now (`Partition.makeLeader`).
    pub fn elect(&mut self, broker: Id, leo: u64, now: Nanos) {
        self.leader = Some(broker);
        self.last_leader = broker;
        self.leader_epoch += 1;
        self.epoch_start_offset = leo;
        for (i, f) in self.followers.iter_mut().enumerate() {
            let in_sync = self.isr.contains(&self.replicas[i]);
            *f = FollowerState {
                leo: None,
                last_caught_up_ns: if in_sync { now } else { 0 },
                last_fetch_ns: now,
                last_fetch_leader_leo: leo,
            };
        }
    }

    /// Follower `broker` fetched at `fetch_offset` while the leader's LEO was `leader_leo`.
    pub fn follower_fetched(&mut self, broker: Id, fetch_offset: u64, leader_leo: u64, now: Nanos) {
        let Some(i) = self.index(broker) else { return };
        let f = &mut self.followers[i];
        if fetch_offset >= leader_leo {
            f.last_caught_up_ns = f.last_caught_up_ns.max(now);
        } else if fetch_offset >= f.last_fetch_leader_leo {
            f.last_caught_up_ns = f.last_caught_up_ns.max(f.last_fetch_ns);
        }
        f.leo = Some(fetch_offset);
        f.last_fetch_leader_leo = leader_leo;
        f.last_fetch_ns = now;
    }

    /// The HW the ISR allows (min LEO over it, the leader's being `leader_leo`); None while a
    /// member's LEO is unknown.
    pub fn hw_bound(&self, leader_leo: u64) -> Option<u64> {
        let leader = self.leader?;
        self.isr
            .iter()
            .map(|&r| {
                if r == leader {
                    Some(leader_leo)
                } else {
                    self.followers[self.index(r).expect("ISR ⊆ replicas")].leo
                }
            })
            .try_fold(u64::MAX, |m, x| x.map(|x| m.min(x)))
    }

    /// Whether out-of-sync follower `broker` may rejoin the ISR given the leader's HW.
    pub fn may_rejoin(&self, broker: Id, hw: u64) -> bool {
        if self.in_isr(broker) || Some(broker) == self.leader {
            return false;
        }
        let Some(i) = self.index(broker) else {
            return false;
        };
        self.followers[i]
            .leo
            .is_some_and(|leo| leo >= hw && leo >= self.epoch_start_offset)
    }

    /// Add `broker` to the ISR (kept in replica order).
    pub fn add_to_isr(&mut self, broker: Id) {
        if !self.in_isr(broker) {
            self.isr.push(broker);
            let order = self.replicas.clone();
            self.isr.sort_by_key(|b| order.iter().position(|r| r == b));
        }
    }

    /// ISR followers that have not caught up with the leader's LEO for more than `lag_ns`.
    pub fn lagging(&self, leader_leo: u64, now: Nanos, lag_ns: Nanos) -> Vec<Id> {
        self.isr
            .iter()
            .copied()
            .filter(|&r| Some(r) != self.leader)
            .filter(|&r| {
                let f = &self.followers[self.index(r).expect("ISR ⊆ replicas")];
                f.leo != Some(leader_leo) && now.saturating_sub(f.last_caught_up_ns) > lag_ns
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hw_is_the_minimum_leo_over_the_isr() {
        let mut s = PartitionState::new(vec![0, 1, 2]);
        assert_eq!(s.hw_bound(10), Some(0));
        s.follower_fetched(1, 10, 10, 5);
        assert_eq!(s.hw_bound(10), Some(0), "replica 2 has not fetched");
        s.follower_fetched(2, 7, 10, 5);
        assert_eq!(s.hw_bound(10), Some(7));
        s.isr.retain(|&r| r != 2);
        assert_eq!(s.hw_bound(10), Some(10));
    }

    #[test]
    fn a_follower_that_stops_catching_up_leaves_and_rejoins() {
        let lag = 30_000;
        let mut s = PartitionState::new(vec![0, 1]);
        s.follower_fetched(1, 100, 100, 1_000);
        assert!(s.lagging(200, 30_000, lag).is_empty());
        // It keeps fetching but never reaches the leader's LEO of the previous fetch.
        s.follower_fetched(1, 150, 300, 20_000);
        s.follower_fetched(1, 250, 400, 40_000);
        assert_eq!(s.lagging(400, 40_000, lag), vec![1]);
        s.isr.retain(|&r| r != 1);
        assert!(!s.may_rejoin(1, 300));
        s.follower_fetched(1, 400, 400, 41_000);
        assert!(s.may_rejoin(1, 400));
        s.add_to_isr(1);
        assert_eq!(s.isr, vec![0, 1]);
    }

    #[test]
    fn a_new_leader_waits_for_its_followers_to_fetch() {
        let mut s = PartitionState::new(vec![0, 1, 2]);
        s.isr = vec![1, 2];
        s.elect(1, 50, 9_000);
        assert_eq!(
            (s.leader, s.leader_epoch, s.epoch_start_offset),
            (Some(1), 1, 50)
        );
        assert_eq!(s.hw_bound(50), None);
        s.follower_fetched(2, 50, 50, 9_100);
        assert_eq!(s.hw_bound(50), Some(50));
        assert!(
            !s.may_rejoin(0, 50),
            "broker 0 has not fetched from the new leader"
        );
    }
}
