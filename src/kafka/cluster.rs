//! The whole simulated system: hosts (cores, page cache, disk), the network, brokers, partition
//! logs, producers, consumers and the group coordinator. It implements [`Model`]: each event is
//! dispatched to the handler of the component it names (in `producer`, `broker`, `consumer`).

use super::broker::Broker;
use super::consumer::Consumer;
use super::event::{Event, Id, Reply, Request};
use super::group::assignor::AssignorKind;
use super::group::consumer_protocol::{Action848, ConsumerGroup, ServerAssignor};
use super::group::coordinator::{
    Action as GroupAction, Coordinator, GroupReply, GroupRequest, GroupTimer,
};
use super::group::offsets_partition;
use super::log::PartitionLog;
use super::metrics::GroupMark;
use super::metrics::Metrics;
use super::producer::Producer;
use super::replication::partition::PartitionState;
use super::replication::placement;
use crate::checks::Checks;
use crate::engine::{EventQueue, Model, Nanos, SeedTree};
use crate::hardware::{Host, HostSpec, Network};
use crate::scenario::events::Action;
use crate::scenario::SimConfig;
use rand::Rng;
use std::collections::BTreeMap;

/// The machines: broker hosts first (one in the single-host layout), then the client hosts;
/// the network between them; and the first client host.
fn build_hosts(cfg: &SimConfig) -> (Vec<Host>, Network, Id) {
    let nb = cfg.brokers as usize;
    let (n_hosts, first_client) = if cfg.single_host {
        (1, 0)
    } else {
        (nb + cfg.placement.client_hosts as usize, nb)
    };
    let h = &cfg.host;
    // A broker's background CPU is taken from the machine it runs on: its own host, or the one
    // whose cores every host shares (single-host layout, cluster.shared_cpu) for every broker.
    let background = |i: usize| match (cfg.single_host || cfg.shared_cpu, i < nb) {
        (true, _) if i == 0 => h.broker_background_milli * nb as u64,
        (false, true) => h.broker_background_milli,
        _ => 0,
    };
    let spec = |broker: bool, i: usize| HostSpec {
        cores: h.cores,
        cpu_quota_milli: if broker {
            h.broker_cpu_quota_milli
        } else {
            h.client_cpu_quota_milli
        },
        cpu_background_milli: background(i),
        page_cache_bytes: h.page_cache_bytes,
        page_bytes: h.page_bytes,
        disks: vec![h.disk; if broker { h.log_dirs as usize } else { 1 }],
        dirty: h.dirty,
        nic_bytes_per_s: if broker {
            cfg.net.broker_nic_bytes_per_s
        } else {
            cfg.net.client_nic_bytes_per_s
        },
        loopback: (cfg.net.loopback_bytes_per_s, cfg.net.loopback_latency_ns),
    };
    let hosts = (0..n_hosts)
        .map(|i| Host::new(&spec(cfg.single_host || i < nb, i)))
        .collect();
    let latency = (0..n_hosts)
        .map(|a| {
            (0..n_hosts)
                .map(|b| {
                    if a < nb && b < nb {
                        cfg.net.inter_broker_latency_ns
                    } else {
                        cfg.net.latency_ns
                    }
                })
                .collect()
        })
        .collect();
    (
        hosts,
        Network::new(latency, cfg.net.mss_bytes, cfg.net.frame_overhead_bytes),
        first_client,
    )
}

/// Names of the hosts `build_hosts` makes: "host" (single-host layout), "broker N", "client
/// host N".
pub fn host_names(cfg: &SimConfig) -> Vec<String> {
    if cfg.single_host {
        return vec!["host".into()];
    }
    let nb = cfg.brokers as usize;
    (0..nb + cfg.placement.client_hosts as usize)
        .map(|h| {
            if h < nb {
                format!("broker {h}")
            } else {
                format!("client host {}", h - nb)
            }
        })
        .collect()
}

/// The KIP-848 group's replies and timers, carried like the classic coordinator's.
fn kip848_actions(actions: Vec<Action848>) -> Vec<GroupAction> {
    actions
        .into_iter()
        .map(|a| match a {
            Action848::Reply { c, resp } => GroupAction::Reply {
                c,
                reply: GroupReply::Heartbeat848(resp),
            },
            Action848::Timer { at, timer } => GroupAction::Timer {
                at,
                timer: GroupTimer::Kip848(timer),
            },
        })
        .collect()
}

/// Whether consumer `c` waits for a `consumer.join` event instead of starting with the others.
fn joins_later(cfg: &SimConfig, c: Id) -> bool {
    cfg.events
        .iter()
        .any(|e| e.action == Action::ConsumerJoin { consumer: c })
}

/// One consumer group's coordinator state: the classic coordinator (which also keeps the
/// group's committed offsets), the KIP-848 group when `group.protocol = consumer`, and the
/// broker that coordinates it (the leader of its `__consumer_offsets` partition).
pub struct GroupRt {
    /// Classic protocol and committed offsets.
    pub coord: Coordinator,
    /// The KIP-848 group (group.protocol = consumer); offsets stay with `coord`.
    pub kip848: Option<ConsumerGroup>,
    /// Coordinator broker.
    pub broker: Id,
}

/// Partitions of `__consumer_offsets` (offsets.topic.num.partitions default).
pub const OFFSETS_PARTITIONS: u32 = 50;

/// Partitions whose consumed records one housekeeping releases (round-robin): every partition
/// each series interval up to this many, so work per interval stays bounded with more.
pub const RELEASE_SLICE: usize = 4096;

/// The simulated cluster and clients.
pub struct Cluster {
    pub(crate) cfg: SimConfig,
    pub(crate) hosts: Vec<Host>,
    network: Network,
    /// Host of the first client machine (0 in the single-host layout).
    pub(crate) first_client_host: Id,
    pub(crate) brokers: Vec<Broker>,
    /// Replicas, leader, ISR and the leader's view of its followers, per partition.
    pub(crate) parts: Vec<PartitionState>,
    /// Master seed of the run.
    pub(crate) seed: u64,
    /// Draws of each no-op burst's CPU (`broker.metadata_noop_cpu_spread`).
    pub(crate) noop_rng: crate::engine::rng::SimRng,
    /// Brokers the controller has fenced.
    pub(crate) fenced: Vec<bool>,
    /// Injected faults.
    pub(crate) faults: super::faults::Faults,
    pub(crate) producers: Vec<Producer>,
    pub(crate) consumers: Vec<Consumer>,
    /// The consumer groups, in scenario order.
    pub(crate) groups: Vec<GroupRt>,
    pub(crate) metrics: Metrics,
    pub(crate) checks: Checks,
    pub(crate) producers_done: u32,
    /// Records in the partitions' leader logs (what consumers must read to finish).
    pub(crate) log_end_total: u64,
    pub(crate) consumed_records: u64,
    /// Lanes (group × partition) reset backwards by `group.reset_offsets`: the offset the
    /// group had read to, which it must reach again before the run ends.
    pub(crate) reread_until: BTreeMap<u32, u64>,
    /// Whether consumed log metadata must be kept (a reset may send the group back).
    keeps_history: bool,
    /// Whether each broker's disk usage is sampled (logs that shrink, or several topics).
    tracks_disk: bool,
    pub(crate) consumers_started: bool,
    /// Scenario events scheduled and not yet carried out.
    pub(crate) events_pending: usize,
    housekeeping_ns: Nanos,
    /// Next partition whose consumed records housekeeping releases ([`RELEASE_SLICE`] a time).
    release_cursor: usize,
    /// Work on the hosts' cores and the events that follow it.
    pub(crate) cpu_jobs: super::cpu_jobs::CpuJobs,
}

impl Cluster {
    /// Build the system for one run of `cfg` with master seed `seed`, and schedule its start.
    pub fn new(cfg: SimConfig, seed: u64, queue: &mut EventQueue<Event>) -> Self {
        let seeds = SeedTree::new(seed);
        let nb = cfg.brokers as usize;
        let (hosts, network, first_client_host) = build_hosts(&cfg);
        let broker_host = |b: usize| if cfg.single_host { 0 } else { b };
        let mut brokers: Vec<Broker> = (0..nb)
            .map(|b| {
                let jvm = super::jvm::Jvm::new(
                    cfg.broker.gc_young_every_bytes,
                    cfg.broker.gc_pause_ns,
                    seeds.stream("broker.gc", b as u64),
                );
                let stall_rng = seeds.stream("broker.wake_stall", b as u64);
                Broker::new(broker_host(b), &cfg.broker, jvm, stall_rng)
            })
            .collect();
        // Each topic is placed on its own, its first replica starting where the previous
        // topic's round-robin stopped: Kafka draws each topic's start at random, so that
        // leaders of many topics spread over the brokers; continuing the rotation spreads
        // them as evenly without a draw (and keeps a single topic's placement unchanged).
        let parts: Vec<PartitionState> = cfg
            .topics
            .iter()
            .flat_map(|t| {
                placement::assign(t.partitions, t.factor, cfg.brokers)
                    .into_iter()
                    .map(move |r| r.into_iter().map(|b| (b + t.first as usize) % nb).collect())
            })
            .map(PartitionState::new)
            .collect();
        // Kafka's LogManager puts a new partition in the log directory holding fewest.
        let mut per_dir = vec![vec![0u32; cfg.host.log_dirs as usize]; nb];
        for (p, part) in parts.iter().enumerate() {
            for &r in &part.replicas {
                let counts = &mut per_dir[r];
                let dir = (0..counts.len())
                    .min_by_key(|&d| (counts[d], d))
                    .expect("≥ 1 dir");
                counts[dir] += 1;
                let mut log = PartitionLog::new(cfg.topic_of(p as u32).segment_bytes);
                log.dir = dir as u32;
                log.index_interval_bytes = cfg.broker.index_interval_bytes;
                let topic = cfg.topic_of(p as u32);
                log.roll_ns = topic.roll_ns;
                log.retention = topic.retention;
                brokers[r].logs.insert(p as u32, log);
            }
        }
        let placed = |i: u32| first_client_host + if cfg.single_host { 0 } else { i as usize };
        let producers = (0..cfg.producers.len())
            .map(|i| Producer::new(&cfg, placed(cfg.placement.producers[i]), &seeds, i))
            .collect();
        let consumers: Vec<Consumer> = cfg
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, gc)| gc.members().map(move |c| (g, c)))
            .map(|(g, c)| {
                let mut con = Consumer::new(
                    placed(cfg.placement.consumers[c]),
                    c,
                    cfg.groups[g].consumer.process_ns,
                    None,
                );
                con.group = g;
                con
            })
            .collect();
        let metrics = Metrics::new(cfg.producers.len(), consumers.len(), cfg.partitions);
        let subscriptions: Vec<Vec<u32>> = (0..cfg.groups.len())
            .map(|g| cfg.subscribed(g).collect())
            .collect();
        let mut checks = Checks::new(crate::checks::Lanes::new(cfg.partitions, &subscriptions));
        // Commits of what was handed over rather than processed allow losses on a failure:
        // at-most-once, and librdkafka's auto-commit (its offset store moves at hand-over).
        checks.delivery.allow_loss = cfg.groups.iter().any(|g| {
            let cc = &g.consumer;
            (cc.at_most_once && !cc.auto_commit)
                || (cc.auto_commit
                    && cfg.client == crate::scenario::resolve::ClientKind::Librdkafka)
        });
        for (p, pc) in cfg.producers.iter().enumerate() {
            queue.schedule(pc.start_ns, Event::ProducerTick { p });
        }
        if !cfg.consumer.start_after_produce || cfg.producers.iter().all(|p| p.records == 0) {
            for gc in &cfg.groups {
                for c in gc.members() {
                    if !joins_later(&cfg, c) {
                        queue.schedule(gc.consumer.start_ns, Event::ConsumerStart { c });
                    }
                }
            }
        }
        for e in &cfg.events {
            queue.schedule(
                e.at_ns,
                Event::Scenario {
                    action: Box::new(e.action.clone()),
                },
            );
        }
        for &t in &cfg.describe_at_ns {
            queue.schedule(t, Event::Describe);
        }
        for h in 0..hosts.len() {
            queue.schedule(cfg.host.writeback_interval_ns, Event::Writeback { host: h });
        }
        if cfg.broker.flush_scheduler_ns < cfg.budget.max_sim_time_ns {
            for b in 0..nb {
                queue.schedule(
                    cfg.broker.flush_scheduler_ns,
                    Event::LogFlusher { broker: b },
                );
            }
        }
        queue.schedule(cfg.series_interval_ns, Event::Housekeeping);
        if cfg
            .topics
            .iter()
            .any(|t| crate::kafka::broker::retention::may_delete(&cfg, t))
        {
            for b in 0..nb {
                let at = cfg.broker.initial_task_delay_ns;
                queue.schedule(at, Event::LogRetention { broker: b });
            }
        }
        if cfg.topics.iter().any(|t| t.compact) {
            for b in 0..nb {
                for thread in 0..cfg.broker.cleaner_threads {
                    let at = cfg.broker.cleaner_backoff_ns;
                    queue.schedule(at, Event::LogCleaner { broker: b, thread });
                }
            }
        }
        if cfg.replication.factor > 1 {
            for b in 0..nb {
                queue.schedule(
                    cfg.replication.lag_time_max_ns / 2,
                    Event::IsrCheck { broker: b },
                );
            }
        }
        let noop_every = cfg.broker.metadata_noop_interval_ns;
        if noop_every > 0 && cfg.broker.metadata_noop_cpu_ns > 0 {
            // The controller started before the clients, at no particular phase of its period.
            let phase = seeds
                .stream("controller.noop", 0)
                .random_range(0..noop_every);
            queue.schedule(phase, Event::MetadataNoOp);
        }
        let events_pending = cfg.events.len();
        let cfg_tracks_disk = cfg.topics.len() > 1
            || cfg
                .topics
                .iter()
                .any(|t| t.compact || crate::kafka::broker::retention::may_delete(&cfg, t));
        let keeps_history = cfg
            .events
            .iter()
            .any(|e| matches!(e.action, Action::ResetOffsets { .. }));
        let groups = cfg
            .groups
            .iter()
            .map(|gc| {
                let cc = &gc.consumer;
                let topics: Vec<(String, std::ops::Range<u32>)> = gc
                    .topics
                    .iter()
                    .map(|&t| (cfg.topics[t].name.clone(), cfg.topics[t].range()))
                    .collect();
                GroupRt {
                    coord: Coordinator::new(
                        cfg.broker.initial_rebalance_delay_ns,
                        cc.count as usize,
                    ),
                    kip848: cc.kip848.then(|| {
                        let assignor = if cc.remote_assignor == AssignorKind::ServerRange {
                            ServerAssignor::Range
                        } else {
                            ServerAssignor::Uniform
                        };
                        ConsumerGroup::new(
                            topics,
                            assignor,
                            cfg.kip848_heartbeat_ns,
                            cfg.kip848_session_ns,
                        )
                        .with_clients(cc.count as usize)
                    }),
                    broker: (offsets_partition(&cc.group_id, OFFSETS_PARTITIONS) as usize) % nb,
                }
            })
            .collect();
        let faults = super::faults::Faults {
            requests_fail: None,
            cuts: vec![],
            rng: seeds.stream("faults.requests", 0),
            timeouts: cfg
                .events
                .iter()
                .any(|e| matches!(e.action, crate::scenario::events::Action::NetworkCut { .. })),
        };
        let mut cluster = Self {
            seed,
            noop_rng: seeds.stream("controller.noop.cpu", 0),
            fenced: vec![false; nb],
            faults,
            groups,
            housekeeping_ns: cfg.series_interval_ns,
            release_cursor: 0,
            cpu_jobs: super::cpu_jobs::CpuJobs::new(hosts.len(), cfg.shared_cpu),
            cfg,
            hosts,
            network,
            first_client_host,
            brokers,
            parts,
            producers,
            consumers,
            metrics,
            checks,
            producers_done: 0,
            log_end_total: 0,
            consumed_records: 0,
            reread_until: BTreeMap::new(),
            keeps_history,
            tracks_disk: cfg_tracks_disk,
            consumers_started: false,
            events_pending,
        };
        for p in 0..cluster.producers.len() {
            cluster.producers[p].leaders = cluster.parts.iter().map(|s| s.leader).collect();
        }
        for c in 0..cluster.consumers.len() {
            cluster.consumers[c].leaders = cluster.parts.iter().map(|s| s.leader).collect();
        }
        cluster.rebuild_fetchers(0, queue);
        cluster
    }

    /// Leader broker of `partition` (None while it is offline).
    pub fn leader_of(&self, partition: u32) -> Option<Id> {
        self.parts[partition as usize].leader
    }

    /// The partition's log as consumers see it: its leader's replica (its last leader's while
    /// offline).
    pub fn leader_log(&self, partition: u32) -> &PartitionLog {
        let ps = &self.parts[partition as usize];
        &self.brokers[ps.leader.unwrap_or(ps.last_leader)].logs[&partition]
    }

    /// Move the leader's high watermark of `p` up to what its ISR allows; true if it moved.
    pub(crate) fn advance_hw(&mut self, p: u32) -> bool {
        let ps = &self.parts[p as usize];
        let Some(leader) = ps.leader else {
            return false;
        };
        let log = self.brokers[leader]
            .logs
            .get_mut(&p)
            .expect("a leader holds a replica");
        match ps.hw_bound(log.leo()) {
            Some(hw) if hw > log.hw() => {
                log.set_hw(hw);
                true
            }
            _ => false,
        }
    }

    /// Send `bytes` from host `from` to host `to` at `now`; returns (sent, arrival) times.
    pub(crate) fn send(&mut self, now: Nanos, from: Id, to: Id, bytes: u64) -> (Nanos, Nanos) {
        self.network.send(&mut self.hosts, now, from, to, bytes)
    }

    /// Ship a request from a client on host `from` to `broker`, leaving at `now`.
    pub(crate) fn to_broker(
        &mut self,
        q: &mut EventQueue<Event>,
        now: Nanos,
        from: Id,
        broker: Id,
        req: Request,
    ) -> Nanos {
        let bytes = req.wire_bytes();
        let to = self.brokers[broker].host;
        let (sent, arrive) = self.send(now, from, to, bytes);
        if matches!(req, Request::Group { .. }) {
            q.schedule(
                arrive,
                Event::Arrive {
                    broker,
                    req: Box::new(req),
                },
            ); // outside the failure model
        } else {
            let req = Box::new(req);
            self.post(now, from, to, arrive, Event::Arrive { broker, req }, q);
        }
        sent
    }

    /// Ship a reply from `broker` to consumer client `client`.
    pub(crate) fn to_consumer(
        &mut self,
        q: &mut EventQueue<Event>,
        now: Nanos,
        broker: Id,
        client: Id,
        bytes: u64,
        reply: Reply,
    ) -> Nanos {
        let host = self.consumers[client % self.consumers.len()].host;
        let from = self.brokers[broker].host;
        let (sent, arrive) = self.send(now, from, host, bytes);
        let reply = Box::new(reply);
        if matches!(*reply, Reply::Group(_)) {
            q.schedule(arrive, Event::ToConsumer { c: client, reply }); // outside the failure model
        } else {
            self.post(
                now,
                from,
                host,
                arrive,
                Event::ToConsumer { c: client, reply },
                q,
            );
        }
        sent
    }

    /// The group of consumer client `client`, and the client id its coordinator knows it by
    /// (its index within the group + the group's size × incarnation).
    pub(crate) fn group_client(&self, client: Id) -> (usize, Id) {
        let total = self.consumers.len().max(1);
        let (index, incarnation) = (client % total, client / total);
        let g = self.consumers[index].group;
        let gc = &self.cfg.groups[g];
        let size = (gc.consumer.count as usize).max(1);
        (g, index - gc.first as usize + size * incarnation)
    }

    /// The consumer client id of group `g`'s client `local` (the inverse of [`group_client`](Self::group_client)).
    fn global_client(&self, g: usize, local: Id) -> Id {
        let gc = &self.cfg.groups[g];
        let size = (gc.consumer.count as usize).max(1);
        gc.first as usize + local % size + self.consumers.len() * (local / size)
    }

    /// Group `g`'s actions with client ids as the cluster knows them.
    fn globalized(&self, g: usize, actions: Vec<GroupAction>) -> Vec<GroupAction> {
        actions
            .into_iter()
            .map(|a| match a {
                GroupAction::Reply { c, reply } => GroupAction::Reply {
                    c: self.global_client(g, c),
                    reply,
                },
                GroupAction::Removed { c } => GroupAction::Removed {
                    c: self.global_client(g, c),
                },
                timer => timer,
            })
            .collect()
    }

    /// Pass a request from consumer client `client` to its group's coordinator, noting the
    /// group's lag when a rebalance starts or ends. Returns the group and its actions.
    pub(crate) fn group_handle(
        &mut self,
        now: Nanos,
        client: Id,
        req: GroupRequest,
    ) -> (usize, Vec<GroupAction>) {
        let (g, local) = self.group_client(client);
        if let GroupRequest::Heartbeat848(hb) = req {
            let group = self.groups[g]
                .kip848
                .as_mut()
                .expect("group.protocol = consumer");
            let before = group.history.len();
            let out = group.heartbeat(now, local, hb);
            self.kip848_marks(now, g, before);
            return (g, self.globalized(g, kip848_actions(out)));
        }
        let coord = &self.groups[g].coord;
        let before = (coord.rebalancing_since(), coord.rebalances.len());
        let out = self.groups[g].coord.handle(now, local, req);
        self.group_marks(now, g, before);
        (g, self.globalized(g, out))
    }

    /// A new KIP-848 target assignment marks a "rebalance" start; its convergence its end.
    fn kip848_marks(&mut self, now: Nanos, g: usize, before: usize) {
        let group = self.groups[g].kip848.as_ref().expect("consumer protocol");
        let started = group.history.len() > before;
        let converged = group.history.last().and_then(|h| h.converged_at) == Some(now);
        if started || converged {
            self.mark_group(now);
        }
    }

    /// Note the lag and duplicates at a rebalance's start or end.
    fn mark_group(&mut self, now: Nanos) {
        self.metrics.group_marks.push(GroupMark {
            time_ns: now,
            lag: self.log_end_total.saturating_sub(self.consumed_records),
            duplicates: self.checks.delivery.duplicates,
        });
    }

    fn group_timer(&mut self, now: Nanos, g: usize, timer: GroupTimer, q: &mut EventQueue<Event>) {
        if let GroupTimer::Kip848(t) = timer {
            let group = self.groups[g].kip848.as_mut().expect("consumer protocol");
            let before = group.history.len();
            let out = group.on_timer(now, t);
            self.kip848_marks(now, g, before);
            let out = self.globalized(g, kip848_actions(out));
            self.apply_group_actions(now, g, out, q);
            return;
        }
        let coord = &self.groups[g].coord;
        let before = (coord.rebalancing_since(), coord.rebalances.len());
        let out = self.groups[g].coord.on_timer(now, timer);
        self.group_marks(now, g, before);
        let out = self.globalized(g, out);
        self.apply_group_actions(now, g, out, q);
    }

    fn group_marks(&mut self, now: Nanos, g: usize, before: (Option<Nanos>, usize)) {
        let coord = &self.groups[g].coord;
        let started = before.0.is_none() && coord.rebalancing_since().is_some();
        let ended = coord.rebalances.len() > before.1;
        if started || ended {
            self.mark_group(now);
        }
    }

    /// Whether consumers are meant to read everything produced.
    fn expects_consumption(&self) -> bool {
        !self.consumers.is_empty()
    }

    fn housekeeping(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        if (now / self.housekeeping_ns.max(1)) % self.metrics.series_stride == 0 {
            self.sample(now);
            let rows = Metrics::series_rows_within(self.cfg.budget.max_output_bytes);
            self.metrics.thin_series(self.housekeeping_ns, rows);
        }
        // At most RELEASE_SLICE partitions per housekeeping, round-robin: with 100,000 idle
        // partitions a full pass every interval was most of a run's work.
        let n = self.parts.len();
        let slice = if self.keeps_history {
            0
        } else {
            n.min(RELEASE_SLICE)
        };
        for i in 0..slice {
            let p = (self.release_cursor + i) % n;
            // A compacted log keeps every batch: the cleaner reads them all.
            let floor = match self.cfg.topic_of(p as u32).compact {
                true => 0,
                false => self.release_floor(p as u32),
            };
            for &r in &self.parts[p].replicas {
                if let Some(log) = self.brokers[r].logs.get_mut(&(p as u32)) {
                    log.release_below(floor);
                }
            }
        }
        self.release_cursor = (self.release_cursor + slice) % n.max(1);
        q.schedule(now + self.housekeeping_ns, Event::Housekeeping);
    }

    /// Append one time-series sample of every partition and consumer at `now` (also called once
    /// at the end of a run, so the series ends on the final counts).
    pub fn sample(&mut self, now: Nanos) {
        for (i, h) in self.hosts.iter_mut().enumerate() {
            let mut s = crate::hardware::HostSample::of(h, i, now);
            if self.cfg.shared_cpu {
                s.cpu_busy_ns = self.cpu_jobs.done_ns[i];
            }
            self.metrics.host_series.push(s);
        }
        if self.tracks_replication() {
            self.sample_replication(now);
        }
        for p in 0..self.parts.len() {
            let log = self.leader_log(p as u32);
            let consumed = self.checks.consumed_min(p as u32).unwrap_or(0);
            self.metrics
                .partition_series
                .push(super::metrics::PartitionSample {
                    time_ns: now,
                    partition: p as u32,
                    produced: log.leo(),
                    consumed,
                    lag: log.leo().saturating_sub(consumed),
                    log_start: log.log_start(),
                    log_bytes: log.size_bytes(),
                });
        }
        if self.tracks_disk {
            for (b, broker) in self.brokers.iter().enumerate() {
                let log_bytes = broker.logs.values().map(|l| l.size_bytes()).sum();
                self.metrics
                    .disk_series
                    .push(super::metrics::BrokerDiskSample {
                        time_ns: now,
                        broker: b as u32,
                        log_bytes,
                    });
            }
        }
        if self.groups.len() > 1 {
            for g in 0..self.groups.len() {
                let (mut read, mut lag) = (0, 0);
                for p in self.cfg.subscribed(g) {
                    let upto = self
                        .checks
                        .delivery
                        .consumed_upto(self.checks.lanes.lane(g, p));
                    read += upto;
                    lag += self.leader_log(p).leo().saturating_sub(upto);
                }
                self.metrics.group_series.push(super::metrics::GroupSample {
                    time_ns: now,
                    group: g as u32,
                    read,
                    lag,
                });
            }
        }
        for (c, s) in self.metrics.consumers.iter().enumerate() {
            self.metrics
                .consumer_series
                .push(super::metrics::ConsumerSample {
                    time_ns: now,
                    consumer: c as u32,
                    records: s.records,
                });
        }
    }

    /// Offsets below which no reader can go back: the committed offset (a new owner restarts
    /// there), every consumer's position and every replica's high watermark (a follower reads
    /// from its LEO, and logs never diverge below a replica's HW, so truncation and the
    /// loss accounting find their batches).
    fn release_floor(&self, p: u32) -> u64 {
        let replicas_hw = self.parts[p as usize]
            .replicas
            .iter()
            .map(|&r| self.brokers[r].logs[&p].hw())
            .min()
            .unwrap_or(0);
        if !self.expects_consumption() {
            return replicas_hw;
        }
        let Some(read) = self.checks.consumed_min(p) else {
            return replicas_hw;
        };
        let mut floor = read.min(replicas_hw);
        for (g, gr) in self.groups.iter().enumerate() {
            if self.cfg.groups[g].consumer.group && self.cfg.reads(g, p) {
                floor = floor.min(gr.coord.committed(p).unwrap_or(0));
            }
        }
        for c in &self.consumers {
            if let Some(&pos) = c.position.get(&p) {
                floor = floor.min(pos);
            }
        }
        floor
    }

    /// Hand host `host`'s due dirty pages (all of them when `sync`) to its disks.
    pub(crate) fn writeback(&mut self, now: Nanos, host: Id, sync: bool) {
        self.hosts[host].flush_expired(now, sync);
    }

    /// Kafka's log flusher: fsync every log on `b` not flushed for log.flush.interval.ms.
    fn log_flusher(&mut self, now: Nanos, b: Id, q: &mut EventQueue<Event>) {
        let interval = self.cfg.broker.flush_interval_ns;
        let due: Vec<u32> = self.brokers[b]
            .logs
            .iter()
            .filter(|(_, l)| l.unflushed_messages() > 0 && now - l.last_flush_ns() >= interval)
            .map(|(&p, _)| p)
            .collect();
        if self.brokers[b].alive {
            for p in due {
                self.flush_log(now, b, p);
            }
        }
        q.schedule(
            now.saturating_add(self.cfg.broker.flush_scheduler_ns),
            Event::LogFlusher { broker: b },
        );
    }

    /// Sync and drop the page cache of every host (cold-cache consumers).
    pub(crate) fn drop_caches(&mut self, now: Nanos) {
        for h in 0..self.hosts.len() {
            self.writeback(now, h, true);
            self.hosts[h].cache.drop_clean();
        }
    }

    /// Called when producer `p` has every record acknowledged.
    pub(crate) fn producer_finished(&mut self, now: Nanos, q: &mut EventQueue<Event>) {
        self.producers_done += 1;
        if self.producers_done as usize == self.producers.len() {
            self.metrics.produce_done_ns = Some(now);
            if self.cfg.consumer.start_after_produce && !self.consumers_started {
                for gc in &self.cfg.groups {
                    let at = now.max(gc.consumer.start_ns);
                    for c in gc.members() {
                        if !joins_later(&self.cfg, c) {
                            q.schedule(at, Event::ConsumerStart { c });
                        }
                    }
                }
            }
        }
    }

    /// The finished run's observations.
    #[allow(clippy::type_complexity)]
    pub fn into_parts(mut self) -> (SimConfig, Metrics, Checks, Vec<Host>, Vec<GroupRt>) {
        if self.expects_consumption() && self.finished() {
            let offline: Vec<u32> = (0..self.parts.len() as u32)
                .filter(|&p| self.parts[p as usize].leader.is_none())
                .collect();
            let read = self.checks.lanes.read();
            self.checks.delivery.finish(&offline, &read);
        }
        if self.cfg.shared_cpu {
            self.metrics.cpu_done_ns = self.cpu_jobs.done_ns.clone();
        }
        self.metrics.broker_gc = self
            .brokers
            .iter()
            .map(|b| (b.jvm.pauses, b.jvm.paused_ns))
            .collect();
        (self.cfg, self.metrics, self.checks, self.hosts, self.groups)
    }
}

impl Model for Cluster {
    type Event = Event;

    fn handle(&mut self, now: Nanos, event: Event, q: &mut EventQueue<Event>) {
        match event {
            Event::ProducerTick { p } => self.producer_tick(now, p, q),
            Event::ProducerAppDone { p, records } => self.producer_app_done(now, p, records, q),
            Event::SenderWake { p } => self.sender_run(now, p, q),
            Event::SenderBuilt { p, broker, req } => self.sender_built(now, p, broker, *req, q),
            Event::ToProducer { p, resp } => self.produce_response(now, p, *resp, q),
            Event::Arrive { broker, req } => self.broker_arrive(now, broker, *req, q),
            Event::NetDone { broker, inc, req } => self.broker_net_done(now, broker, inc, *req, q),
            Event::IoDone { broker, inc, req } => self.broker_io_done(now, broker, inc, *req, q),
            Event::FetchExpire { broker, parked } => {
                self.broker_fetch_expire(now, broker, parked, q)
            }
            Event::ProduceExpire { broker } => self.produce_expire(now, broker, q),
            Event::ToReplica {
                broker,
                leader,
                resp,
            } => {
                let super::event::ReplicaResponse {
                    fetcher,
                    token,
                    parts,
                } = *resp;
                self.replica_response(now, broker, (leader, fetcher), token, parts, q)
            }
            Event::FetcherWake {
                broker,
                leader,
                fetcher,
            } => self.fetcher_wake(now, broker, (leader, fetcher), q),
            Event::IsrCheck { broker } => self.isr_check(now, broker, q),
            Event::MetadataNoOp => self.metadata_noop(now, q),
            Event::NoOpApplied => {}
            Event::MetadataReply { client, leaders } => {
                self.metadata_reply(now, client, leaders.map(Vec::from), q)
            }
            Event::MetadataDue { client } => self.metadata_due(now, client, q),
            Event::BrokerFenced { broker, inc } => self.broker_fenced(now, broker, inc, q),
            Event::Timeout { what } => self.timeout(now, what, q),
            Event::ConsumerRetry { c } => {
                if let Some(c) = self.live_consumer(c) {
                    self.send_fetches(now, c, q);
                }
            }
            Event::WriteDone { broker, inc, id } => self.write_done(now, broker, inc, id, q),
            Event::LogFlusher { broker } => self.log_flusher(now, broker, q),
            Event::Writeback { host } => {
                self.writeback(now, host, false);
                q.schedule(
                    now + self.cfg.host.writeback_interval_ns,
                    Event::Writeback { host },
                );
            }
            Event::ConsumerStart { c } => self.consumer_start(now, c, q),
            Event::ToConsumer { c, reply } => self.consumer_reply(now, c, *reply, q),
            Event::PollDone { c } => self.consumer_poll_done(now, c, q),
            Event::HeartbeatDue { c, epoch } => self.consumer_heartbeat(now, c, epoch, q),
            Event::ConsumerTimer { c, timer } => self.consumer_timer(now, c, timer, q),
            Event::Group { group, timer } => self.group_timer(now, group, *timer, q),
            Event::Scenario { action } => self.scenario_event(now, *action, q),
            Event::Describe => {
                let view = super::describe::groups_view(self, now);
                self.metrics.describes.push(view);
                let topic = self.topic_view(now);
                self.metrics.topic_describes.push(topic);
            }
            Event::Housekeeping => self.housekeeping(now, q),
            Event::LogRetention { broker } => self.log_retention(now, broker, q),
            Event::LogCleaner { broker, thread } => self.log_cleaner(now, broker, thread, q),
            Event::CpuDone { host } => self.cpu_done(now, host, q),
            Event::Send { from, broker, req } => {
                self.to_broker(q, now, from, broker, *req);
            }
        }
    }

    fn finished(&self) -> bool {
        let produced = self.producers_done as usize == self.producers.len();
        let reread = self.reread_until.is_empty() || !self.consumers.iter().any(|c| c.running);
        produced
            && self.events_pending == 0
            && (!self.expects_consumption()
                || (self.consumers_started
                    && self.consumed_records >= self.log_end_total
                    && reread))
    }
}
