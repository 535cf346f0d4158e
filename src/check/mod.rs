//! `kafkasim check`: search for a run that breaks one of Kafka's guarantees, under many seeds
//! and random fault schedules ([`faults`]), and shrink the first one found into a small
//! scenario that replays it ([`shrink`]).
//!
//! Deterministic: run `i` draws its seed and its faults from the stream ("check", i) of the
//! command's seed, runs are judged in index order whatever the thread count, and the shrinker
//! is sequential — the same command finds the same counterexample. `--max-wall-s` can only
//! stop the search early (it says after how many runs); the runs it covers are the same.

pub mod faults;
pub mod properties;
pub mod shrink;

use crate::checks::Violation;
use crate::engine::SeedTree;
use crate::experiment::simulate;
use crate::scenario::events::RawEvent;
use crate::scenario::{Scenario, ScenarioError, SimConfig};
use faults::{Edges, FaultKind};
use properties::{Promise, Property};
use rand::Rng;
use rayon::prelude::*;

/// The item of `all` called `name`, or an error naming `flag` and listing the names.
fn parse_named<T: Copy>(
    all: &[T],
    name_of: fn(T) -> &'static str,
    flag: &str,
    what: &str,
    name: &str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&x| name_of(x) == name)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&x| name_of(x)).collect();
            format!(
                "{flag} `{name}`: not {what}; accepted: {}",
                names.join(", ")
            )
        })
}

/// What to search.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Runs to try.
    pub runs: u32,
    /// Seed of the search (each run's seed and faults come from it).
    pub seed: u64,
    /// Properties to test (all when empty).
    pub properties: Vec<Property>,
    /// Worker threads (0 = every core).
    pub threads: usize,
    /// Stop starting new runs after this much wall time, s.
    pub max_wall_s: Option<f64>,
    /// Fault kinds to draw from (every kind the cluster can have when empty).
    pub faults: Vec<FaultKind>,
}

/// One run of the search.
#[derive(Clone, Debug)]
pub struct Trial {
    /// Its number.
    pub index: u32,
    /// Its master seed.
    pub seed: u64,
    /// Its fault kinds and events.
    pub schedule: faults::Schedule,
}

/// How a run ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// It finished; the invariants it broke (maybe none).
    Finished(Vec<Violation>),
    /// It hit a budget (no guarantee judged).
    Unfinished(String),
}

/// A property's result over the search.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The property.
    pub property: Property,
    /// Whether the configuration promises it, and why.
    pub promise: Promise,
    /// Runs that broke it.
    pub broken_runs: u32,
    /// The first run that broke it.
    pub first: Option<u32>,
}

/// What `check` found.
#[derive(Clone, Debug)]
pub struct Report {
    /// Fault kinds the configuration allows.
    pub kinds: Vec<FaultKind>,
    /// Runs judged (fewer than asked when the wall-time limit stopped the search).
    pub runs_done: u32,
    /// Per property.
    pub verdicts: Vec<Verdict>,
    /// Runs that did not finish within their budget, and the first one's message.
    pub unfinished: (u32, Option<(u32, String)>),
    /// The trials, in order (for the counterexample).
    pub trials: Vec<Trial>,
    /// The shrunk counterexample, when a run broke a property.
    pub counterexample: Option<shrink::Counterexample>,
}

impl Report {
    /// Whether a promised property was broken.
    pub fn promise_broken(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.promise.promised && v.broken_runs > 0)
    }
}

/// The base scenario's single configuration (check tests one configuration, not a sweep).
pub fn single_point(sc: &Scenario) -> Result<SimConfig, ScenarioError> {
    let mut points = sc.resolve_all()?;
    if points.len() != 1 {
        return Err(ScenarioError::Conflict(format!(
            "check tests one configuration, and this scenario sweeps {} points; pick one with --set (e.g. --set {}=…)",
            points.len(),
            sc.sweep.first().map_or("key", |(k, _)| k)
        )));
    }
    Ok(points.remove(0).1)
}

/// `sc` with the trial's seed, its fault events after the scenario's own, and a simulated-time
/// budget of ten fault-free runs plus a minute (a run that cannot finish is judged unfinished).
pub fn trial_scenario(
    sc: &Scenario,
    trial_seed: u64,
    events: &[RawEvent],
    max_sim_s: f64,
) -> Scenario {
    let mut s = sc.clone();
    s.apply_set(&format!("seed={trial_seed}"))
        .expect("seed is a key");
    s.apply_set("seeds=1").expect("seeds is a key");
    s.apply_set(&format!("run.max_sim_time_s={max_sim_s:.3}"))
        .expect("in range");
    let own = s.base.events.len();
    for (i, e) in events.iter().enumerate() {
        let mut e = e.clone();
        e.index = own + i;
        s.base.events.push(e);
    }
    s
}

/// Run scenario `sc` once: its violations, or why it did not finish.
pub fn run_once(sc: &Scenario) -> Result<Outcome, ScenarioError> {
    let cfg = single_point(sc)?;
    Ok(match simulate(&cfg, cfg.seed) {
        Ok(out) => Outcome::Finished(properties::observed(&out)),
        Err(e) => Outcome::Unfinished(e.to_string()),
    })
}

/// Search `sc` as `plan` says, calling `progress(runs done, runs that broke something)` after
/// each batch of runs.
pub fn check(
    sc: &Scenario,
    plan: &Plan,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Report, ScenarioError> {
    let cfg = single_point(sc)?;
    let possible = FaultKind::available(&cfg);
    let kinds = if plan.faults.is_empty() {
        possible.clone()
    } else {
        for k in &plan.faults {
            if !possible.contains(k) {
                return Err(ScenarioError::Conflict(format!(
                    "--faults {}: this cluster cannot have it (network cuts need cluster.layout = \"dedicated\", consumer faults consumers, produce errors producers); it can have: {}",
                    k.name(),
                    possible.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        plan.faults.clone()
    };
    let properties: Vec<Property> = if plan.properties.is_empty() {
        properties::ALL.to_vec()
    } else {
        plan.properties.clone()
    };
    // A fault-free run gives the horizon and the edges.
    let base = simulate(&cfg, cfg.seed).map_err(|e| {
        ScenarioError::Conflict(format!(
            "the scenario does not finish without faults, so check has nothing to compare: {e}"
        ))
    })?;
    let s = &base.summary;
    let ms = |x: f64| (x * 1e3) as u64;
    let edges = Edges {
        horizon_ms: ms(s.sim_end_s),
        at_ms: [s.join_s, s.produce_s, s.sim_end_s / 2.0]
            .into_iter()
            .filter(|&t| t > 0.0)
            .map(ms)
            .collect(),
    };
    // Eleven fault-free runs, a minute, and room for the longest faults (twice the longest
    // timeout, after a fault that may start at the end of the run).
    let longest_s = (faults::MAX_FAULTS as f64) * 2.0 * (faults::MAX_TIMEOUT_MS as f64 / 1e3);
    let max_sim_s =
        (s.sim_end_s * 11.0 + 60.0 + longest_s).min(cfg.budget.max_sim_time_ns as f64 / 1e9);
    let tree = SeedTree::new(plan.seed);
    let trials: Vec<Trial> = (0..plan.runs)
        .map(|i| {
            let mut rng = tree.stream("check", i as u64);
            let seed = rng.random::<u64>() >> 12;
            Trial {
                index: i,
                seed,
                schedule: faults::draw(&cfg, &kinds, &edges, &mut rng),
            }
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|e| ScenarioError::Conflict(format!("cannot start the worker threads: {e}")))?;
    let started = std::time::Instant::now();
    let batch = (pool.current_num_threads() * 4).max(1);
    let mut outcomes: Vec<Outcome> = vec![];
    for chunk in trials.chunks(batch) {
        if plan
            .max_wall_s
            .is_some_and(|w| started.elapsed().as_secs_f64() > w)
        {
            break;
        }
        let done: Vec<Result<Outcome, ScenarioError>> = pool.install(|| {
            chunk
                .par_iter()
                .map(|t| run_once(&trial_scenario(sc, t.seed, &t.schedule.events, max_sim_s)))
                .collect()
        });
        for o in done {
            outcomes.push(o?);
        }
        let broken = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Finished(v) if !v.is_empty()))
            .count();
        progress(outcomes.len() as u32, broken as u32);
    }
    let mut verdicts: Vec<Verdict> = properties
        .iter()
        .map(|&p| Verdict {
            property: p,
            promise: p.promise(&cfg),
            broken_runs: 0,
            first: None,
        })
        .collect();
    let mut unfinished = (0, None);
    for (i, o) in outcomes.iter().enumerate() {
        match o {
            Outcome::Finished(v) => {
                for verdict in &mut verdicts {
                    if !verdict.property.broken_by(v).is_empty() {
                        verdict.broken_runs += 1;
                        verdict.first.get_or_insert(i as u32);
                    }
                }
            }
            Outcome::Unfinished(msg) => {
                unfinished.0 += 1;
                unfinished.1.get_or_insert((i as u32, msg.clone()));
            }
        }
    }
    // Shrink the first promised property broken, else the first broken at all.
    let target = verdicts
        .iter()
        .filter(|v| v.first.is_some())
        .min_by_key(|v| (!v.promise.promised, v.first))
        .map(|v| (v.property, v.first.expect("filtered")));
    let counterexample = target.map(|(property, i)| {
        let t = &trials[i as usize];
        shrink::shrink(sc, t, property, max_sim_s)
    });
    Ok(Report {
        kinds,
        runs_done: outcomes.len() as u32,
        verdicts,
        unfinished,
        trials,
        counterexample,
    })
}
