//! Simulated time: integer nanoseconds since the start of the run. No floats, no wall clock.

/// A point or span of simulated time in nanoseconds.
pub type Nanos = u64;

/// One microsecond in ns.
pub const US: Nanos = 1_000;
/// One millisecond in ns.
pub const MS: Nanos = 1_000_000;
/// One second in ns.
pub const SEC: Nanos = 1_000_000_000;

/// The longest span of simulated time anything is scheduled ahead: about 146 years, far beyond
/// any run's simulated-time budget (`run.max_sim_time_s` ≤ 10⁷ s), so a huge configured delay
/// still means "never" and `now + span` (even a few spans) cannot wrap.
pub const FOREVER: Nanos = u64::MAX / 4;

/// `v` units of `unit` ns (a value from the scenario), capped at [`FOREVER`].
pub fn span(v: u64, unit: Nanos) -> Nanos {
    v.saturating_mul(unit).min(FOREVER)
}

/// `v` µs as a float (a value from the scenario) in whole ns, capped at [`FOREVER`].
pub fn span_us(v: f64) -> Nanos {
    ((v * US as f64).round().max(0.0) as Nanos).min(FOREVER) // `as` saturates
}

/// Time to move `bytes` at `bytes_per_s`, rounded up to a whole nanosecond (0 bytes → 0 ns).
pub fn transfer_ns(bytes: u64, bytes_per_s: u64) -> Nanos {
    if bytes == 0 {
        return 0;
    }
    let ns = (bytes as u128 * SEC as u128).div_ceil(bytes_per_s.max(1) as u128);
    ns.min(FOREVER as u128) as Nanos
}

/// Seconds as a float, for reports only (never fed back into the simulation).
pub fn secs(ns: Nanos) -> f64 {
    ns as f64 / SEC as f64
}

/// Milliseconds as a float, for reports only.
pub fn millis(ns: Nanos) -> f64 {
    ns as f64 / MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn spans_from_the_scenario_saturate_at_forever() {
        assert_eq!(span(3, MS), 3_000_000);
        assert_eq!(span(u64::MAX / 2, MS), FOREVER);
        assert_eq!(span_us(1.5), 1_500);
        assert_eq!(span_us(1e300), FOREVER);
        assert!(FOREVER
            .checked_add(FOREVER)
            .and_then(|x| x.checked_add(FOREVER))
            .is_some());
    }

    #[test]
    fn transfer_rounds_up() {
        assert_eq!(transfer_ns(0, 100), 0);
        assert_eq!(transfer_ns(1, 3), 333_333_334);
        assert_eq!(transfer_ns(1_000_000, 1_000_000_000), 1_000_000);
        assert_eq!(secs(1_500_000_000), 1.5);
    }
}
