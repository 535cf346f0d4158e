//! The KRaft controller's part in failures: broker liveness, fencing and leader election.
//!
//! - `broker.crash`: the process dies; its connections close at once, so clients and
//!   followers with requests queued, parked or held there see NETWORK_EXCEPTION (a request
//!   still on its way is refused when it arrives). Its logs stay on disk (the page cache
//!   survives a process crash).
//! - The controller notices missing heartbeats: a broker heartbeats every
//!   `broker.heartbeat.interval.ms`, and is fenced `broker.session.timeout.ms` after its last
//!   heartbeat. Fencing removes it from every ISR (but never empties one: the last member
//!   stays) and re-elects the leaders it held: the first replica, in assignment order, that
//!   is unfenced and in the ISR (`PartitionLeaderElectionAlgorithms.offlinePartitionLeader
//!   Election`); with `unclean.leader.election.enable`, else the first unfenced replica (the
//!   ISR becomes that replica alone); else the partition goes offline. Every election bumps
//!   the leader epoch.
//! - An unclean leader lacks records the old one had: the old log's records past the common
//!   prefix (by leader epochs) leave the partition — the checks take back any a consumer had
//!   read, and the records acknowledged but gone are counted as lost at the end.
//! - The active controller appends a no-op record to the metadata log every
//!   `metadata.max.idle.interval.ms` (KIP-835; QuorumController.java schedules it, 500 ms by
//!   default in KRaftConfigs.java), and every node fetches and applies it, all at the same
//!   instant (the Raft fetch that carries the record is already waiting at the controller, so
//!   the nodes learn of it within a network hop). Each live broker then runs a burst of CPU
//!   spread equally over `broker.metadata_noop_threads` threads at once (its raft-io,
//!   raft-outbound, metadata loader and quorum-controller threads: scripts/lab/thread_phase.py):
//!   on a small machine shared by several nodes, a periodic burst that the requests in flight
//!   wait behind. The burst is `broker.metadata_noop_cpu_us` on average; with
//!   `broker.metadata_noop_cpu_spread = "exponential"` each node's is drawn anew each period
//!   from an exponential of that mean (32 mid-quantiles, integer arithmetic), as the lab's idle
//!   nodes' bursts vary (scripts/lab/burst_spread.py) and its records sent at the burst's phase
//!   are mostly on time and some 2–12 ms late (lab/results/2026-12-04-amd-tail/tail.md); a
//!   burst always the same delays the same record of every period alike. A broker in a GC
//!   pause applies it after.
//! - `broker.restart`: the broker registers again (if it was not yet fenced, the controller
//!   first fences its previous incarnation, so its leaderships move), becomes leader of
//!   offline partitions it can lead, and follows the others: its fetchers truncate where its
//!   log diverges and it rejoins the ISR once caught up.

use super::cluster::Cluster;
use super::event::{Event, Id, ProduceError, ProduceResponse, Request};
use crate::engine::rng::scaled_quantile;
use crate::engine::{EventQueue, Nanos};

/// −ln(1 − u) in thousandths at the 32 mid-quantiles u = (i + ½)/32, scaled so that their mean
/// is exactly 1000: an exponential of mean one.
const EXPONENTIAL_PERMILLE: [u64; 32] = [
    16, 49, 82, 117, 153, 191, 230, 270, 312, 356, 402, 450, 501, 554, 610, 670, 733, 800, 872,
    950, 1035, 1127, 1228, 1340, 1467, 1611, 1780, 1983, 2237, 2577, 3094, 4203,
];

/// One leader change.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Election {
    /// When.
    pub time_ns: Nanos,
    /// Partition.
    pub partition: u32,
    /// The previous leader.
    pub from: Id,
    /// The new leader (None: the partition went offline).
    pub to: Option<Id>,
    /// An out-of-sync replica was elected.
    pub unclean: bool,
    /// Records of the previous leader's log the new leader does not hold.
    pub truncated_records: u64,
}

impl Cluster {
    /// The controller's no-op record: each live broker's CPU burst, and the next record.
    pub(crate) fn metadata_noop(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let threads = self.cfg.broker.metadata_noop_threads.max(1) as u64;
        let mean_ns = self.cfg.broker.metadata_noop_cpu_ns;
        for b in 0..self.brokers.len() {
            if self.brokers[b].alive {
                let cpu_ns = if self.cfg.broker.metadata_noop_cpu_spread {
                    scaled_quantile(mean_ns, &EXPONENTIAL_PERMILLE, &mut self.noop_rng)
                } else {
                    mean_ns
                };
                let work_ns = (cpu_ns / threads).max(1);
                let (host, start) = (self.brokers[b].host, self.brokers[b].jvm.ready_at(now));
                for _ in 0..threads {
                    self.on_cpu(q, host, start, work_ns, Event::NoOpApplied);
                }
            }
        }
        let every = self.cfg.broker.metadata_noop_interval_ns;
        q.schedule(now + every, Event::MetadataNoOp);
    }

    /// `broker.crash`.
    pub(crate) fn broker_crash(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if !self.brokers[b].alive {
            return;
        }
        let orphans = self.brokers[b].crash(&self.cfg.broker);
        for req in orphans.requests {
            if !matches!(req, Request::Group { .. }) {
                self.refuse(now, b, req, q);
            }
        }
        for f in orphans.parked {
            self.refuse(now, b, Request::Fetch(f), q);
        }
        for d in orphans.delayed {
            let p = d.producer;
            let (_, at) = self.send(now, self.brokers[b].host, self.producers[p].host, 0);
            let resp = ProduceResponse {
                id: d.id,
                results: vec![Err(ProduceError::NetworkException); d.results.len()],
            };
            self.post(
                now,
                self.brokers[b].host,
                self.producers[p].host,
                at,
                Event::ToProducer {
                    p,
                    resp: Box::new(resp),
                },
                q,
            );
        }
        let rc = &self.cfg.replication;
        let last_heartbeat = now - now % rc.heartbeat_interval_ns.max(1);
        let inc = self.brokers[b].inc;
        q.schedule(
            (last_heartbeat + rc.session_timeout_ns).max(now),
            Event::BrokerFenced { broker: b, inc },
        );
    }

    /// The controller's session timer for crashed broker `b` (incarnation `inc`) ran out.
    pub(crate) fn broker_fenced(&mut self, now: Nanos, b: Id, inc: u32, q: &mut EventQueue<Event>) {
        if self.brokers[b].alive || self.brokers[b].inc != inc || self.fenced[b] {
            return;
        }
        self.fence(now, b, q);
    }

    /// Fence `b`: out of every ISR it is not the last member of, its leaderships re-elected.
    fn fence(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        self.fenced[b] = true;
        let mut touched_leaders = vec![];
        for p in 0..self.parts.len() as u32 {
            let ps = &mut self.parts[p as usize];
            if !ps.replicas.contains(&b) {
                continue;
            }
            if ps.in_isr(b) && ps.isr.len() > 1 {
                ps.isr.retain(|&r| r != b);
                self.metrics.isr_changes += 1;
            }
            let leader = ps.leader;
            match leader {
                Some(l) if l == b => self.elect(now, p),
                Some(l) if self.advance_hw(p) => touched_leaders.push((l, p)),
                _ => {}
            }
        }
        for (l, p) in touched_leaders {
            self.wake_parked(now, l, &[p], q);
            self.check_delayed(now, l, q);
        }
        self.rebuild_fetchers(now, q);
    }

    /// Elect a leader for `p` (its leader is gone): an unfenced in-sync replica, else (unclean
    /// election allowed) any unfenced replica, else none.
    fn elect(&mut self, now: Nanos, p: u32) {
        let ps = &self.parts[p as usize];
        let live = |r: &Id| self.brokers[*r].alive && !self.fenced[*r];
        let clean = ps
            .replicas
            .iter()
            .copied()
            .find(|r| live(r) && ps.in_isr(*r));
        let choice = match clean {
            Some(r) => Some((r, false)),
            None if self.cfg.replication.unclean => ps
                .replicas
                .iter()
                .copied()
                .find(|r| live(r))
                .map(|r| (r, true)),
            None => None,
        };
        let old = ps.last_leader;
        let was_online = ps.leader.is_some();
        // What the run waits for the groups to read of this partition: its leader's log end
        // (once per group that reads it) while online, what they had consumed when it went
        // offline otherwise.
        let readers = self.checks.lanes.readers(p);
        let target_before = match ps.offline_target {
            Some(t) if !was_online => t,
            _ => self.brokers[old].logs[&p].leo() * readers,
        };
        let Some((new, unclean)) = choice else {
            if !was_online {
                return;
            }
            let lanes = self.checks.lanes.of(p);
            let reached = lanes.map(|l| self.checks.delivery.consumed_upto(l)).sum();
            self.log_end_total = self.log_end_total - target_before + reached;
            let ps = &mut self.parts[p as usize];
            ps.leader = None;
            ps.offline_target = Some(reached);
            self.metrics.elections.push(super::controller::Election {
                time_ns: now,
                partition: p,
                from: old,
                to: None,
                unclean: false,
                truncated_records: 0,
            });
            return;
        };
        let old_log = &self.brokers[old].logs[&p];
        let new_log = &self.brokers[new].logs[&p];
        let cut = old_log.common_prefix(new_log);
        let removed: Vec<(u32, u64, u64)> = old_log
            .batches_in(cut, old_log.leo())
            .filter(|x| x.base_offset >= cut)
            .map(|x| (x.producer, x.first_seq, x.records as u64))
            .collect();
        let truncated_records = removed.iter().map(|r| r.2).sum();
        let new_leo = new_log.leo();
        self.consumed_records -= self.checks.uncommitted(p, cut, &removed);
        self.log_end_total = self.log_end_total - target_before + new_leo * readers;
        let ps = &mut self.parts[p as usize];
        ps.offline_target = None;
        if unclean {
            ps.isr = vec![new];
        }
        ps.elect(new, new_leo, now);
        self.metrics.leader_elections += 1;
        self.metrics.elections.push(Election {
            time_ns: now,
            partition: p,
            from: old,
            to: Some(new),
            unclean,
            truncated_records,
        });
        self.advance_hw(p);
    }

    /// `broker.restart`.
    pub(crate) fn broker_restart(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        if self.brokers[b].alive {
            return;
        }
        if !self.fenced[b] {
            // It comes back before the controller noticed: its old registration is fenced
            // first (leaderships move), then the new one is admitted.
            self.fence(now, b, q);
        }
        self.brokers[b].alive = true;
        self.fenced[b] = false;
        for p in 0..self.parts.len() as u32 {
            let ps = &self.parts[p as usize];
            if ps.leader.is_none() && ps.replicas.contains(&b) {
                self.elect(now, p);
            }
        }
        self.rebuild_fetchers(now, q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SeedTree;

    #[test]
    fn no_op_bursts_are_exponential_with_the_given_mean() {
        assert_eq!(
            EXPONENTIAL_PERMILLE.iter().sum::<u64>(),
            32 * 1000,
            "mean exactly one"
        );
        let mut rng = SeedTree::new(5).stream("controller.noop.cpu", 0);
        let draws: Vec<Nanos> = (0..6400)
            .map(|_| scaled_quantile(4_500_000, &EXPONENTIAL_PERMILLE, &mut rng))
            .collect();
        let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        // sd of one draw ≈ the mean: of 6400, 1.25%; 4 sd.
        assert!((mean / 4.5e6 - 1.0).abs() < 0.05, "mean burst {mean} ns");
        let share = |f: &dyn Fn(Nanos) -> bool| {
            draws.iter().filter(|&&d| f(d)).count() as f64 / draws.len() as f64
        };
        // P(X < mean/2) = 1 − e^−½ = 0.39, P(X > 2·mean) = e^−2 = 0.135.
        let small = share(&|d| d < 2_250_000);
        let large = share(&|d| d > 9_000_000);
        assert!(
            (small - 0.39).abs() < 0.04,
            "bursts under half the mean: {small}"
        );
        assert!(
            (large - 0.135).abs() < 0.03,
            "bursts over twice the mean: {large}"
        );
    }
}
