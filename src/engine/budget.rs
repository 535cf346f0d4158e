//! Run budgets: limits on events, simulated time, wall time and memory, so a runaway scenario
//! stops with a clear message instead of running forever or eating the machine.
//!
//! Events, simulated time and memory are checked before every event (memory is a thread-local
//! read), wall time every [`WALL_CHECK_EVERY`] events. Wall time and memory are the only things
//! a run reads from the machine, and they can only stop it (exit 1), never change what it
//! computes: a run that finishes within them gives the same bytes on any machine.

use super::memory::thread_live_bytes;
use super::time::{secs, Nanos};
use std::time::Instant;

/// Events between two reads of the clock for the wall-time budget.
pub const WALL_CHECK_EVERY: u64 = 1024;

/// Limits on one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunBudget {
    /// Most events one run may handle (`run.max_events`).
    pub max_events: u64,
    /// Latest simulated time an event may have, in ns (`run.max_sim_time_s`).
    pub max_sim_time_ns: Nanos,
    /// Most wall time one run may take, ms (`run.max_wall_s`).
    pub max_wall_ms: u64,
    /// Most memory one run may hold, bytes (`run.max_memory_mb`), counted from before the
    /// model is built ([`super::memory`]).
    pub max_memory_bytes: u64,
    /// Most bytes the run's outputs may keep once it has finished, while the sweep's other
    /// runs go on: its share of half of `max_memory_bytes` (set per run by
    /// `experiment::run_all`; half of it at most for its time series).
    pub max_output_bytes: u64,
}

/// When and with how much memory a run started, for the wall-time and memory budgets.
#[derive(Clone, Copy, Debug)]
pub struct RunStart {
    wall: Instant,
    live_bytes: i64,
}

impl RunStart {
    /// Now, on this thread (call before building the model).
    pub fn now() -> Self {
        Self {
            wall: Instant::now(),
            live_bytes: thread_live_bytes(),
        }
    }
}

impl RunBudget {
    /// No limits (tests only).
    pub fn unlimited() -> Self {
        Self {
            max_events: u64::MAX,
            max_sim_time_ns: u64::MAX,
            max_wall_ms: u64::MAX,
            max_memory_bytes: u64::MAX,
            max_output_bytes: u64::MAX,
        }
    }

    /// Fails when the run started at `start` holds more memory than allowed, or (every
    /// [`WALL_CHECK_EVERY`] events) has taken more wall time.
    pub fn check_machine(
        &self,
        start: &RunStart,
        events: u64,
        now: Nanos,
    ) -> Result<(), BudgetExceeded> {
        if events % WALL_CHECK_EVERY == 0
            && start.wall.elapsed().as_millis() as u64 > self.max_wall_ms
        {
            return Err(BudgetExceeded::WallTime {
                limit_ms: self.max_wall_ms,
                events,
                at_ns: now,
            });
        }
        let held = thread_live_bytes().saturating_sub(start.live_bytes).max(0) as u64;
        if held > self.max_memory_bytes {
            return Err(BudgetExceeded::Memory {
                limit_bytes: self.max_memory_bytes,
                held_bytes: held,
                at_ns: now,
            });
        }
        Ok(())
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
    /// The run took too long on this machine.
    #[error("the run took more than run.max_wall_s = {} s of wall time (after {events} events, at simulated time {:.3} s) without finishing; raise run.max_wall_s or shorten the scenario", *limit_ms as f64 / 1e3, secs(*at_ns))]
    WallTime {
        /// The limit, ms.
        limit_ms: u64,
        /// Events handled.
        events: u64,
        /// Simulated time reached.
        at_ns: Nanos,
    },
    /// The run held too much memory.
    #[error("the run held {} MiB of memory, more than run.max_memory_mb = {} (at simulated time {:.3} s); raise run.max_memory_mb or use fewer partitions, clients, records or a larger host.page_bytes", held_bytes >> 20, limit_bytes >> 20, secs(*at_ns))]
    Memory {
        /// The limit, bytes.
        limit_bytes: u64,
        /// Bytes held when it was found.
        held_bytes: u64,
        /// Simulated time reached.
        at_ns: Nanos,
    },
    /// A finished run's outputs are larger than its share of the sweep's memory.
    #[error("the run's outputs hold {} MiB, more than its share of run.max_memory_mb ({} MiB: half of run.max_memory_mb shared by the sweep's {runs} run(s)); raise run.max_memory_mb or sweep fewer points or seeds", held_bytes >> 20, limit_bytes >> 20)]
    Outputs {
        /// Its share, bytes.
        limit_bytes: u64,
        /// Bytes its outputs hold.
        held_bytes: u64,
        /// Runs in the sweep.
        runs: u64,
    },
    /// The model would need more memory than allowed before it starts.
    #[error("the run would need about {} MiB of memory before its first event (mostly {largest}), more than run.max_memory_mb = {}; raise run.max_memory_mb or use fewer partitions or clients", estimate_bytes >> 20, limit_bytes >> 20)]
    MemoryEstimate {
        /// The limit, bytes.
        limit_bytes: u64,
        /// The estimate, bytes.
        estimate_bytes: u64,
        /// Its largest term, in words.
        largest: String,
    },
}
