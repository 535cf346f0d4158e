//! The simulation kernel: integer time, one event queue, seeded random streams and run budgets.
//!
//! It knows nothing about Kafka. A model implements [`Model`]; [`run`] pops events in
//! (time, insertion sequence) order and hands each to the model, which may schedule more.
//! Two events at the same nanosecond are handled in the order they were scheduled, so a run is
//! a pure function of the model's initial state and its seed.

pub mod budget;
pub mod memory;
pub mod queue;
pub mod rng;
pub mod time;

pub use budget::{BudgetExceeded, RunBudget, RunStart};
pub use queue::EventQueue;
pub use rng::{SeedTree, SimRng};
pub use time::Nanos;

/// A simulated system driven by events of type `Self::Event`.
pub trait Model {
    /// The closed set of events this model reacts to.
    type Event;
    /// React to one event at simulated time `now`, scheduling follow-ups on `queue`.
    fn handle(&mut self, now: Nanos, event: Self::Event, queue: &mut EventQueue<Self::Event>);
    /// True once the model has reached its goal; the run stops before the next event.
    fn finished(&self) -> bool;
}

/// What a finished run cost: how many events were handled and when the last one happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events handled.
    pub events: u64,
    /// Simulated time of the last handled event, in ns.
    pub end_ns: Nanos,
}

/// Run `model` until it is finished or no event is left, within `budget`; wall time and memory
/// count from `start` (taken before the model was built).
pub fn run<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<M::Event>,
    budget: RunBudget,
    start: &RunStart,
) -> Result<RunStats, BudgetExceeded> {
    let mut stats = RunStats::default();
    while !model.finished() {
        let Some((now, event)) = queue.pop() else {
            break;
        };
        budget.check(stats.events + 1, now)?;
        budget.check_machine(start, stats.events, now)?;
        model.handle(now, event, queue);
        stats.events += 1;
        stats.end_ns = now;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ping-pong model: each event schedules the next one `step` later until `left` is 0.
    struct Ticker {
        left: u32,
        seen: Vec<(Nanos, u32)>,
    }
    impl Model for Ticker {
        type Event = u32;
        fn handle(&mut self, now: Nanos, ev: u32, q: &mut EventQueue<u32>) {
            self.seen.push((now, ev));
            if self.left > 0 {
                self.left -= 1;
                q.schedule(now + 10, ev + 1);
            }
        }
        fn finished(&self) -> bool {
            false
        }
    }

    #[test]
    fn runs_until_queue_empty() {
        let mut m = Ticker {
            left: 3,
            seen: vec![],
        };
        let mut q = EventQueue::new();
        q.schedule(5, 0);
        let stats = run(&mut m, &mut q, RunBudget::unlimited(), &RunStart::now()).unwrap();
        assert_eq!(m.seen, vec![(5, 0), (15, 1), (25, 2), (35, 3)]);
        assert_eq!(
            stats,
            RunStats {
                events: 4,
                end_ns: 35
            }
        );
    }

    #[test]
    fn budget_stops_runaway_model() {
        let mut m = Ticker {
            left: u32::MAX,
            seen: vec![],
        };
        let mut q = EventQueue::new();
        q.schedule(0, 0);
        let err = run(
            &mut m,
            &mut q,
            RunBudget {
                max_events: 100,
                ..RunBudget::unlimited()
            },
            &RunStart::now(),
        )
        .unwrap_err();
        assert!(
            matches!(err, BudgetExceeded::Events { limit: 100, .. }),
            "{err}"
        );
        let mut q = EventQueue::new();
        q.schedule(0, 0);
        let err = run(
            &mut m,
            &mut q,
            RunBudget {
                max_sim_time_ns: 1_000,
                ..RunBudget::unlimited()
            },
            &RunStart::now(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("run.max_sim_time_s"), "{err}");
    }
}
