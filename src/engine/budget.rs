//! Run budgets: a limit on events and on simulated time, so a runaway scenario stops with a
//! clear message instead of running forever.

use super::time::{secs, Nanos};

/// Limits on one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunBudget {
    /// Most events one run may handle (`run.max_events`).
    pub max_events: u64,
    /// Latest simulated time an event may have, in ns (`run.max_sim_time_s`).
    pub max_sim_time_ns: Nanos,
}

impl RunBudget {
    /// No limits (tests only).
    pub fn unlimited() -> Self {
        Self {
            max_events: u64::MAX,
            max_sim_time_ns: u64::MAX,
        }
    }

    /// Fails when handling event number `events` at time `now` would exceed the budget.
    pub fn check(&self, events: u64, now: Nanos) -> Result<(), BudgetExceeded> {
        if events > self.max_events {
            return Err(BudgetExceeded::Events {
                limit: self.max_events,
                at_ns: now,
            });
        }
        if now > self.max_sim_time_ns {
            return Err(BudgetExceeded::SimTime {
                limit_ns: self.max_sim_time_ns,
                events,
            });
        }
        Ok(())
    }
}

/// A run hit one of its limits before finishing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BudgetExceeded {
    /// Too many events.
    #[error("the run handled more than run.max_events = {limit} events (at simulated time {:.3} s) without finishing; raise run.max_events or shorten the scenario", secs(*at_ns))]
    Events {
        /// The limit.
        limit: u64,
        /// Simulated time reached.
        at_ns: Nanos,
    },
    /// Simulated time ran past the limit.
    #[error("the run passed run.max_sim_time_s = {:.3} s of simulated time after {events} events without finishing; raise run.max_sim_time_s or check that consumers can read every record", secs(*limit_ns))]
    SimTime {
        /// The limit, ns.
        limit_ns: Nanos,
        /// Events handled.
        events: u64,
    },
}
