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

/// `a · b / c` rounded down (c ≥ 1), exact: in 64-bit arithmetic when `a · b` fits, which it
/// nearly always does, else in 128-bit (a 128-bit division is a library call, `__udivti3`, that
/// cost 6% of a paced producer's run where it ran on every transfer, batch and turn).
#[inline]
pub fn mul_div(a: u64, b: u64, c: u64) -> u128 {
    match a.checked_mul(b) {
        Some(p) => (p / c) as u128,
        None => a as u128 * b as u128 / c as u128,
    }
}

/// `a · b / c` rounded up (c ≥ 1), exact, as [`mul_div`].
#[inline]
pub fn mul_div_ceil(a: u64, b: u64, c: u64) -> u128 {
    match a.checked_mul(b) {
        Some(p) => p.div_ceil(c) as u128,
        None => (a as u128 * b as u128).div_ceil(c as u128),
    }
}

/// Time to move `bytes` at `bytes_per_s`, rounded up to a whole nanosecond (0 bytes → 0 ns).
pub fn transfer_ns(bytes: u64, bytes_per_s: u64) -> Nanos {
    if bytes == 0 {
        return 0;
    }
    let ns = mul_div_ceil(bytes, SEC, bytes_per_s.max(1));
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

    #[test]
    fn mul_div_is_exact_on_both_sides_of_64_bits() {
        let big = [
            0,
            1,
            2,
            3,
            999,
            1 << 32,
            (1 << 32) + 1,
            u64::MAX / 3,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &a in &big {
            for &b in &big {
                for c in [1, 2, 3, 7, 1_000, 1_000_000_000_000, u64::MAX] {
                    let wide = a as u128 * b as u128;
                    assert_eq!(mul_div(a, b, c), wide / c as u128, "{a} * {b} / {c}");
                    assert_eq!(
                        mul_div_ceil(a, b, c),
                        wide.div_ceil(c as u128),
                        "{a} * {b} / {c} up"
                    );
                }
            }
        }
    }
}
