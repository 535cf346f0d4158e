//! Shrinking a run that broke a property into a smaller one that still breaks it, the way
//! QuickCheck and Hypothesis shrink: greedy steps, each kept only if the property still
//! breaks — drop fault events one at a time (until none can go), move each remaining one to a
//! round time, then halve the workload (records, partitions) and remove clients (consumers,
//! producers). Every step is one deterministic run, so the result is the same every time.

use super::properties::Property;
use super::{run_once, single_point, trial_scenario, Outcome, Trial};
use crate::checks::Violation;
use crate::scenario::events::RawEvent;
use crate::scenario::Scenario;

/// Most runs one shrink may take (each is a whole simulation).
pub const MAX_SHRINK_RUNS: u32 = 80;

/// A small scenario that breaks a property.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// The property it breaks.
    pub property: Property,
    /// The run of the search it came from.
    pub trial: u32,
    /// Its seed.
    pub seed: u64,
    /// The scenario to write: the seed, the shrunk workload and the fault events.
    pub scenario: Scenario,
    /// Its fault events (the scenario's own events excluded).
    pub events: Vec<RawEvent>,
    /// The violations it shows.
    pub violations: Vec<Violation>,
    /// Fault events before shrinking.
    pub events_before: usize,
    /// What each kept step changed.
    pub steps: Vec<String>,
}

/// Shrink `trial` of the search of `sc`, which broke `property`.
pub fn shrink(sc: &Scenario, trial: &Trial, property: Property, max_sim_s: f64) -> Counterexample {
    let mut runs = 0u32;
    let mut breaks = |base: &Scenario, events: &[RawEvent]| -> Option<Vec<Violation>> {
        if runs >= MAX_SHRINK_RUNS {
            return None;
        }
        runs += 1;
        match run_once(&trial_scenario(base, trial.seed, events, max_sim_s)) {
            Ok(Outcome::Finished(v)) => {
                let b: Vec<Violation> = property.broken_by(&v).into_iter().cloned().collect();
                (!b.is_empty()).then_some(b)
            }
            _ => None,
        }
    };
    let mut base = sc.clone();
    let mut events = trial.schedule.events.clone();
    let mut last = breaks(&base, &events).unwrap_or_default();
    let mut steps = vec![];
    // 1. Fewer faults.
    loop {
        let mut changed = false;
        for i in (0..events.len()).rev() {
            let mut fewer = events.clone();
            let gone = fewer.remove(i);
            if let Some(v) = breaks(&base, &fewer) {
                steps.push(format!("dropped {}", one_line(&gone)));
                events = fewer;
                last = v;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 2. Round times: a whole second, else a tenth.
    for i in 0..events.len() {
        for unit in [1000, 100] {
            let at = events[i].at_ms / unit * unit;
            if at == events[i].at_ms {
                break;
            }
            let mut moved = events.clone();
            moved[i].at_ms = at;
            if let Some(v) = breaks(&base, &moved) {
                steps.push(format!("moved {} to {at} ms", events[i].action.name));
                events = moved;
                last = v;
                break;
            }
        }
    }
    // 3. A smaller workload and fewer clients.
    type Next = fn(u64) -> u64;
    let smaller: [(&str, Next); 4] = [
        ("producer.records", |n| if n >= 200 { n / 2 } else { n }),
        ("topic.partitions", |n| if n > 1 { n / 2 } else { n }),
        ("consumer.count", |n| if n > 1 { n - 1 } else { n }),
        ("producer.count", |n| if n > 1 { n - 1 } else { n }),
    ];
    for (key, next) in smaller {
        loop {
            let Ok(cfg) = single_point(&base) else { break };
            let now = match key {
                "producer.records" => cfg.producer.records,
                "topic.partitions" => cfg.partitions as u64,
                "consumer.count" => cfg.consumer.count as u64,
                _ => cfg.producer.count as u64,
            };
            let to = next(now);
            let mut b = base.clone();
            if to == now || b.apply_set(&format!("{key}={to}")).is_err() {
                break;
            }
            match breaks(&b, &events) {
                Some(v) => {
                    steps.push(format!("{key} {now} → {to}"));
                    base = b;
                    last = v;
                }
                None => break,
            }
        }
    }
    let scenario = trial_scenario(&base, trial.seed, &events, max_sim_s);
    Counterexample {
        property,
        trial: trial.index,
        seed: trial.seed,
        scenario,
        events,
        violations: last,
        events_before: trial.schedule.events.len(),
        steps,
    }
}

/// An event on one line: `at 1200 ms broker.crash broker=0`.
pub fn one_line(e: &RawEvent) -> String {
    let fields: Vec<String> = e
        .written_args()
        .map(|(f, v)| format!("{}={}", f.name, v.to_toml()))
        .collect();
    format!("at {} ms {} {}", e.at_ms, e.action.name, fields.join(" "))
}

impl Counterexample {
    /// The file to write: what broke and how it was found, as comments, then the scenario.
    pub fn file_text(&self, found_by: &str) -> String {
        let mut out = format!(
            "# kafkasim check counterexample: {} broken\n# found by: {found_by} (run {}, seed {})\n",
            self.property.name(),
            self.trial,
            self.seed
        );
        out.push_str(&format!(
            "# shrunk from {} fault event(s) to {}{}\n",
            self.events_before,
            self.events.len(),
            if self.steps.is_empty() {
                String::new()
            } else {
                format!(": {}", self.steps.join("; "))
            }
        ));
        out.push_str("# faults:\n");
        for e in &self.events {
            out.push_str(&format!("#   {}\n", one_line(e)));
        }
        out.push_str("# what broke:\n");
        for v in self.violations.iter().take(5) {
            out.push_str(&format!("#   {}: {}\n", v.check, v.detail));
        }
        if self.violations.len() > 5 {
            out.push_str(&format!("#   … and {} more\n", self.violations.len() - 5));
        }
        out.push_str("# replay: kafkasim run <this file>\n\n");
        let points = self.scenario.resolve_all().expect("it ran");
        out.push_str(&points[0].0.config.to_toml());
        out
    }
}
