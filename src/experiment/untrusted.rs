//! One untrusted scenario text, run the way kafkasim's fuzzers run it (`tests/it/fuzz.rs`, the
//! proptest generator; `fuzz/`, the libFuzzer target): parsed, given small budgets, resolved and,
//! when valid, simulated. A refusal with a message is a good outcome; what must never happen is
//! a panic (the caller sees it), a run past its wall-time guard, or a run holding more memory
//! than its budget allows ([`check`] says which).

use super::simulate;
use crate::engine::memory::{reset_thread_peak, thread_live_bytes, thread_peak_bytes};
use crate::scenario::Scenario;
use std::time::{Duration, Instant};

/// Budgets every fuzzed input runs under (`--set` syntax).
pub const BUDGET_SETS: [&str; 5] = [
    "run.max_events=20000",
    "run.max_sim_time_s=30",
    "run.max_wall_s=10",
    "run.max_memory_mb=256",
    "seeds=1",
];
/// Records per producer are capped at this many (work, not memory, is the point of the cap).
pub const MAX_RECORDS: u64 = 5000;
/// Grid points run per input.
pub const MAX_POINTS: usize = 2;
/// Wall time a run may take beyond its guard (one check interval and the summary).
pub const WALL_SLACK: Duration = Duration::from_secs(10);
/// Memory a run may hold beyond its budget: growth within one check interval, and the summary
/// built after the last event.
pub const MEMORY_SLACK_BYTES: i64 = 64 << 20;

/// Run `text` as a scenario; `Err` says which promise a run broke (wall time or memory).
pub fn check(text: &str) -> Result<(), String> {
    let Ok(mut sc) = Scenario::parse(text, "fuzz.toml") else {
        return Ok(()); // refused with a message
    };
    for set in BUDGET_SETS {
        sc.apply_set(set).expect("budget keys exist");
    }
    let records = sc.base.get("producer.records").to_string();
    if records.parse::<u64>().unwrap_or(0) > MAX_RECORDS {
        sc.apply_set(&format!("producer.records={MAX_RECORDS}"))
            .expect("records key exists");
    }
    let Ok(points) = sc.resolve_all() else {
        return Ok(());
    };
    for (point, cfg) in points.into_iter().take(MAX_POINTS) {
        let wall_limit = Duration::from_millis(cfg.budget.max_wall_ms) + WALL_SLACK;
        let start = thread_live_bytes();
        reset_thread_peak();
        let t = Instant::now();
        let _ = simulate(&cfg, 1); // finished or over a budget: both clean
        let (took, held) = (t.elapsed(), thread_peak_bytes() - start);
        if took > wall_limit {
            return Err(format!(
                "point `{}` took {took:?} of wall time (guard {wall_limit:?})",
                point.name()
            ));
        }
        let limit = cfg.budget.max_memory_bytes as i64 + MEMORY_SLACK_BYTES;
        if held > limit {
            return Err(format!(
                "point `{}` held {} MiB at its peak (budget and slack {} MiB)",
                point.name(),
                held >> 20,
                limit >> 20
            ));
        }
    }
    Ok(())
}
