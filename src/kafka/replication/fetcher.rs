//! Followers' replica fetchers (Kafka's `ReplicaFetcherThread`): each follower broker runs
//! `num.replica.fetchers` threads per leader it copies from; partition `p` goes to thread
//! [`fetcher_id`](super::placement::fetcher_id). A thread loops: send one Fetch for all its
//! partitions (offset = the follower's LEO, with the epoch of its last record), wait for the
//! answer (the leader long-polls it for up to `replica.fetch.wait.max.ms`), append the batches
//! with their offsets (CPU per batch and byte on the follower's cores, pages into its host's
//! page cache), take the leader's HW, and fetch again. A `DivergingEpoch` answer truncates the
//! follower's log; an error pauses the thread for `replica.fetch.backoff.ms`.

use super::placement::fetcher_id;
use crate::engine::{EventQueue, Nanos};
use crate::kafka::broker::file_id;
use crate::kafka::cluster::Cluster;
use crate::kafka::event::{
    Event, FetchError, FetchPart, FetchRequest, FetchedPart, Id, ReplicaFetch, Request,
};
use crate::kafka::log::LogBatch;
use std::collections::{BTreeMap, BTreeSet};

/// One replica fetcher thread of a follower: the partitions it copies from one leader.
#[derive(Clone, Debug, Default)]
pub struct Fetcher {
    /// Partitions it copies.
    pub parts: BTreeSet<u32>,
    /// Number of its outstanding Fetch, if any.
    pub in_flight: Option<u64>,
    /// A wake-up is scheduled.
    pub waking: bool,
    /// Fetches sent so far.
    pub sent: u64,
    /// When it sent its outstanding Fetch and went to sleep waiting for the answer.
    pub asleep_since: Nanos,
}

impl Cluster {
    /// Give every live follower the fetcher threads the current leaders call for, and start
    /// the idle ones.
    pub(crate) fn rebuild_fetchers(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        let nb = self.brokers.len();
        let threads = self.cfg.replication.fetchers;
        let mut wanted: Vec<BTreeMap<(Id, u32), BTreeSet<u32>>> = vec![BTreeMap::new(); nb];
        for (p, ps) in self.parts.iter().enumerate() {
            let Some(leader) = ps.leader else { continue };
            for &r in ps.replicas.iter().filter(|&&r| r != leader) {
                let key = (leader, fetcher_id(&self.cfg.topic, p as u32, threads));
                wanted[r].entry(key).or_default().insert(p as u32);
            }
        }
        for (b, want) in wanted.into_iter().enumerate() {
            let alive = self.brokers[b].alive;
            let fetchers = &mut self.brokers[b].fetchers;
            fetchers.retain(|k, _| want.contains_key(k));
            for (key, parts) in want {
                let f = fetchers.entry(key).or_default();
                f.parts = parts;
                if f.in_flight.is_none() && !f.waking && alive {
                    f.waking = true;
                    q.schedule(
                        now,
                        Event::FetcherWake {
                            broker: b,
                            leader: key.0,
                            fetcher: key.1,
                        },
                    );
                }
            }
        }
    }

    /// Fetcher `key` of follower `b` sends its next Fetch.
    pub(crate) fn fetcher_wake(
        &mut self,
        now: Nanos,
        b: Id,
        key: (Id, u32),
        q: &mut EventQueue<Event>,
    ) {
        if !self.brokers[b].alive {
            return;
        }
        let broker = &mut self.brokers[b];
        let Some(f) = broker.fetchers.get_mut(&key) else {
            return;
        };
        f.waking = false;
        if f.in_flight.is_some() || f.parts.is_empty() {
            return;
        }
        f.sent += 1;
        let token = f.sent;
        f.in_flight = Some(token);
        f.asleep_since = now;
        let logs = &broker.logs;
        let parts: Vec<FetchPart> = f
            .parts
            .iter()
            .map(|&p| {
                let log = &logs[&p];
                FetchPart {
                    partition: p,
                    offset: log.leo(),
                    last_epoch: Some(log.latest_epoch()),
                }
            })
            .collect();
        let rc = &self.cfg.replication;
        let req = FetchRequest {
            consumer: 0,
            replica: Some(ReplicaFetch {
                follower: b,
                fetcher: key.1,
                token,
            }),
            parts,
            min_bytes: rc.fetch_min_bytes,
            max_bytes: rc.fetch_response_max_bytes,
            partition_max_bytes: rc.fetch_max_bytes,
            max_wait_ns: rc.fetch_wait_max_ns,
            waited: false,
            result: vec![],
        };
        let host = self.brokers[b].host;
        let cpu = self.cfg.broker.request_cpu_ns;
        self.send_after_cpu(q, now, host, cpu, key.0, Request::Fetch(req));
        let at = now + cpu;
        if self.faults.timeouts {
            let what = crate::kafka::event::Timeout::Replica {
                broker: b,
                leader: key.0,
                fetcher: key.1,
                token,
            };
            q.schedule(
                at + self.cfg.replication.socket_timeout_ns,
                Event::Timeout { what },
            );
        }
    }

    /// Truncate follower `b`'s replica of `p` to `offset` (its files too); returns what went.
    pub(crate) fn truncate_replica(&mut self, b: Id, p: u32, offset: u64) -> Vec<LogBatch> {
        let log = self.brokers[b].logs.get_mut(&p).expect("a replica");
        let old_end = log.end_pos();
        let removed = log.truncate_to(offset);
        let new_end = log.end_pos();
        if new_end < old_end {
            let (first, off) = log.segment_of(new_end);
            let (last, _) = log.segment_of(old_end);
            let cache = &mut self.hosts[self.brokers[b].host].cache;
            cache.truncate(file_id(b, p, first), off);
            for seg in first + 1..=last {
                cache.truncate(file_id(b, p, seg), 0);
            }
        }
        removed
    }

    /// A Fetch response reached fetcher `key` of follower `b`.
    pub(crate) fn replica_response(
        &mut self,
        now: Nanos,
        b: Id,
        key: (Id, u32),
        token: u64,
        parts: Vec<FetchedPart>,
        q: &mut EventQueue<Event>,
    ) {
        if !self.brokers[b].alive {
            return;
        }
        // The thread slept since it sent the Fetch: waking it costs CPU as a network or I/O
        // thread's wake-up does (hardware::WakeCost; the leader long-polls the Fetch until data
        // comes, so at a low rate it sleeps about the time between records).
        let (stall, mut cpu) = match self.brokers[b].fetchers.get_mut(&key) {
            Some(f) if f.in_flight == Some(token) => {
                f.in_flight = None;
                let slept = now - f.asleep_since;
                self.woken_after(b, slept)
            }
            _ => return, // an answer to a fetcher that has since been reassigned
        };
        let host = self.brokers[b].host;
        let fetched: u64 = parts
            .iter()
            .flat_map(|p| &p.batches)
            .map(|x| x.bytes as u64)
            .sum();
        let garbage = self.cfg.broker.gc_request_bytes; // parsing the response, as a request
        self.brokers[b].jvm.allocate(now, garbage + fetched);
        let bc = &self.cfg.broker;
        let (batch_cpu, byte_ps) = (bc.produce_batch_cpu_ns, bc.produce_ps_per_byte);
        let mut write_until = now;
        let mut error = false;
        for part in parts {
            let p = part.partition;
            if self.parts[p as usize].leader != Some(key.0)
                || !self.brokers[b].fetchers[&key].parts.contains(&p)
            {
                continue;
            }
            match part.error {
                Some(FetchError::NotLeaderOrFollower) => error = true,
                Some(FetchError::Diverging { offset, .. }) => {
                    self.truncate_replica(b, p, offset);
                }
                Some(FetchError::OutOfRange { log_start }) => {
                    // AbstractFetcherThread: a follower whose log ends below the leader's
                    // start drops its log and starts at the leader's log start.
                    let log = self.brokers[b].logs.get_mut(&p).expect("a replica");
                    if log.leo() < log_start {
                        let dropped = log.restart_at(log_start);
                        self.delete_segment_files(b, p, &dropped);
                        self.metrics.storage.follower_restarts += 1;
                    }
                }
                None => {
                    for batch in part.batches {
                        let log = self.brokers[b].logs.get_mut(&p).expect("a replica");
                        if batch.end_offset() <= log.leo() {
                            continue;
                        }
                        if batch.base_offset != log.leo() {
                            break; // not contiguous (raced with a truncation): fetch again
                        }
                        let stored = log.append_replica(now, batch);
                        cpu += batch_cpu + batch.bytes as u64 * byte_ps / 1000;
                        write_until = write_until.max(self.write_log(now, b, p, &stored));
                    }
                    let log = self.brokers[b].logs.get_mut(&p).expect("a replica");
                    log.set_hw(part.hw);
                }
            }
        }
        let f = self.brokers[b]
            .fetchers
            .get_mut(&key)
            .expect("checked above");
        f.waking = true;
        let wake = Event::FetcherWake {
            broker: b,
            leader: key.0,
            fetcher: key.1,
        };
        if error {
            q.schedule(now + self.cfg.replication.fetch_backoff_ns, wake);
        } else {
            let start = self.brokers[b].jvm.ready_at(now) + stall;
            self.on_cpu_then(q, host, start, cpu, wake, write_until);
        }
    }
}
