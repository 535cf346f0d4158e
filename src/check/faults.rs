//! Random fault schedules for `kafkasim check`, as swarm testing draws them (Groce et al.,
//! "Swarm Testing", ISSTA 2012): each run enables a random subset of the fault kinds the
//! cluster can have, then draws one to four faults of those kinds. Half of the faults fall at
//! a uniform time of the run, half near its edges — the group's first join, the end of
//! producing, the middle of the run — where FoundationDB's simulator also biases its faults,
//! because that is where elections meet in-flight batches and rebalances meet commits; and a
//! third of the faults after the first follow the previous one by about the broker session
//! timeout, so failures can pile up the way unclean elections need.
//!
//! Every fault is a plain scenario event ([`crate::scenario::events`]), so a schedule is part
//! of a scenario file and replays with `kafkasim run`.

use crate::engine::SimRng;
use crate::scenario::events::RawEvent;
use crate::scenario::SimConfig;
use rand::Rng;

/// A kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// broker.crash, then broker.restart.
    BrokerCrash,
    /// network.cut between two hosts (dedicated layout only).
    NetworkCut,
    /// broker.slow_disk.
    SlowDisk,
    /// consumer.crash, then consumer.restart.
    ConsumerCrash,
    /// consumer.stall.
    ConsumerStall,
    /// requests.fail: transient produce errors.
    RequestsFail,
}

/// Every kind, in the order `--faults` lists them.
pub const ALL: [FaultKind; 6] = [
    FaultKind::BrokerCrash,
    FaultKind::NetworkCut,
    FaultKind::SlowDisk,
    FaultKind::ConsumerCrash,
    FaultKind::ConsumerStall,
    FaultKind::RequestsFail,
];

impl FaultKind {
    /// The name `--faults` takes.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::BrokerCrash => "broker-crash",
            FaultKind::NetworkCut => "network-cut",
            FaultKind::SlowDisk => "slow-disk",
            FaultKind::ConsumerCrash => "consumer-crash",
            FaultKind::ConsumerStall => "consumer-stall",
            FaultKind::RequestsFail => "requests-fail",
        }
    }

    /// The kind named `name`, or an error listing the names.
    pub fn parse(name: &str) -> Result<Self, String> {
        super::parse_named(&ALL, Self::name, "--faults", "a fault kind", name)
    }

    /// The kinds `cfg` can have: network cuts need hosts apart, consumer faults consumers,
    /// produce errors producers.
    pub fn available(cfg: &SimConfig) -> Vec<FaultKind> {
        let mut kinds = vec![FaultKind::BrokerCrash, FaultKind::SlowDisk];
        if !cfg.single_host {
            kinds.push(FaultKind::NetworkCut);
        }
        if !cfg.placement.consumers.is_empty() {
            kinds.extend([FaultKind::ConsumerCrash, FaultKind::ConsumerStall]);
        }
        if !cfg.producers.is_empty() {
            kinds.push(FaultKind::RequestsFail);
        }
        kinds
    }
}

/// Times of a fault-free run around which faults gather, ms.
#[derive(Clone, Debug)]
pub struct Edges {
    /// Length of the fault-free run, ms (faults fall within it).
    pub horizon_ms: u64,
    /// Instants where guarantees are most at risk, ms.
    pub at_ms: Vec<u64>,
}

/// A drawn schedule.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The enabled kinds.
    pub kinds: Vec<FaultKind>,
    /// The events, in time order.
    pub events: Vec<RawEvent>,
}

/// Longest timeout a fault's length is drawn around, ms: faults last at most twice it.
pub const MAX_TIMEOUT_MS: u64 = 600_000;

/// Most faults one run draws.
pub const MAX_FAULTS: usize = 4;

fn event(at_ms: u64, action: &str, fields: &[(&str, toml::Value)]) -> RawEvent {
    let mut t = toml::Table::new();
    t.insert("at_ms".into(), toml::Value::Integer(at_ms as i64));
    t.insert("action".into(), toml::Value::String(action.into()));
    for (k, v) in fields {
        t.insert((*k).into(), v.clone());
    }
    RawEvent::from_toml(0, &t).expect("a generated event is valid")
}

fn int(v: u64) -> toml::Value {
    toml::Value::Integer(v.min(i64::MAX as u64) as i64)
}

/// Draw a schedule of faults of the `available` kinds (not empty) for `cfg` from `rng`.
pub fn draw(cfg: &SimConfig, available: &[FaultKind], edges: &Edges, rng: &mut SimRng) -> Schedule {
    let mut kinds: Vec<FaultKind> = available
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.5))
        .collect();
    if kinds.is_empty() {
        kinds.push(available[rng.random_range(0..available.len())]);
    }
    let horizon = edges.horizon_ms.max(100);
    let time = |rng: &mut SimRng| -> u64 {
        if edges.at_ms.is_empty() || rng.random_bool(0.5) {
            rng.random_range(0..horizon)
        } else {
            let e = edges.at_ms[rng.random_range(0..edges.at_ms.len())];
            (e + rng.random_range(0..=200)).saturating_sub(100)
        }
    };
    // Half short (within the run), half around the timeout that decides what the fault does
    // (a broker crash shorter than broker.session.timeout.ms elects no one).
    let duration = |rng: &mut SimRng, timeout_ns: u64| {
        let timeout_ms = (timeout_ns / 1_000_000).clamp(200, MAX_TIMEOUT_MS);
        if rng.random_bool(0.5) {
            rng.random_range(100..=(horizon / 2).max(200))
        } else {
            rng.random_range(timeout_ms / 2..=timeout_ms * 2)
        }
    };
    let broker_session = cfg.replication.session_timeout_ns;
    let request_timeout = cfg.producer.request_timeout_ns;
    let brokers = cfg.brokers as u64;
    let mut events = vec![];
    let mut last_at: Option<u64> = None;
    for _ in 0..rng.random_range(1..=MAX_FAULTS) {
        let kind = kinds[rng.random_range(0..kinds.len())];
        // A third of the faults after the first follow the previous one by about the broker
        // session timeout: a second broker failing once the first is fenced and out of the
        // ISR is how an unclean election or a lone in-sync replica comes about.
        let at = match last_at {
            Some(prev) if rng.random_bool(1.0 / 3.0) => prev + duration(rng, broker_session),
            _ => time(rng),
        };
        last_at = Some(at);
        match kind {
            FaultKind::BrokerCrash => {
                let b = int(rng.random_range(0..brokers));
                let down = duration(rng, broker_session);
                events.push(event(at, "broker.crash", &[("broker", b.clone())]));
                events.push(event(at + down, "broker.restart", &[("broker", b)]));
            }
            FaultKind::NetworkCut => {
                let hosts = brokers + 1; // the brokers and the clients' host
                let a = rng.random_range(0..hosts);
                let b = (a + rng.random_range(1..hosts)) % hosts;
                let name = |h: u64| {
                    toml::Value::String(if h == brokers {
                        "clients".into()
                    } else {
                        format!("broker:{h}")
                    })
                };
                let d = int(duration(rng, broker_session.min(request_timeout)));
                events.push(event(
                    at,
                    "network.cut",
                    &[("from", name(a)), ("to", name(b)), ("duration_ms", d)],
                ));
            }
            FaultKind::SlowDisk => {
                let b = int(rng.random_range(0..brokers));
                let factor = toml::Value::Float(rng.random_range(2.0..200.0_f64).round());
                let d = int(duration(rng, request_timeout));
                events.push(event(
                    at,
                    "broker.slow_disk",
                    &[("broker", b), ("factor", factor), ("duration_ms", d)],
                ));
            }
            FaultKind::ConsumerCrash => {
                let c = rng.random_range(0..cfg.placement.consumers.len() as u64);
                let down = duration(rng, cfg.group_of(c as usize).session_timeout_ns);
                let c = int(c);
                events.push(event(at, "consumer.crash", &[("consumer", c.clone())]));
                events.push(event(at + down, "consumer.restart", &[("consumer", c)]));
            }
            FaultKind::ConsumerStall => {
                let c = rng.random_range(0..cfg.placement.consumers.len() as u64);
                let d = int(duration(rng, cfg.group_of(c as usize).rebalance_timeout_ns));
                let c = int(c);
                events.push(event(
                    at,
                    "consumer.stall",
                    &[("consumer", c), ("duration_ms", d)],
                ));
            }
            FaultKind::RequestsFail => {
                let p =
                    toml::Value::Float((rng.random_range(0.01..0.5_f64) * 100.0).round() / 100.0);
                let stage = ["either", "before_append", "after_append"][rng.random_range(0..3)];
                let d = int(duration(rng, request_timeout));
                events.push(event(
                    at,
                    "requests.fail",
                    &[
                        ("probability", p),
                        ("duration_ms", d),
                        ("stage", toml::Value::String(stage.into())),
                    ],
                ));
            }
        }
    }
    events.sort_by_key(|e| e.at_ms);
    Schedule { kinds, events }
}
