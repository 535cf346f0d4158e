//! Simulated time: integer nanoseconds since the start of the run. No floats, no wall clock.

/// A point or span of simulated time in nanoseconds.
pub type Nanos = u64;

/// One microsecond in ns.
pub const US: Nanos = 1_000;
/// One millisecond in ns.
pub const MS: Nanos = 1_000_000;
/// One second in ns.
pub const SEC: Nanos = 1_000_000_000;

/// Time to move `bytes` at `bytes_per_s`, rounded up to a whole nanosecond (0 bytes → 0 ns).
pub fn transfer_ns(bytes: u64, bytes_per_s: u64) -> Nanos {
    if bytes == 0 {
        return 0;
    }
    let ns = (bytes as u128 * SEC as u128).div_ceil(bytes_per_s.max(1) as u128);
    ns.min(u64::MAX as u128) as Nanos
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
    fn transfer_rounds_up() {
        assert_eq!(transfer_ns(0, 100), 0);
        assert_eq!(transfer_ns(1, 3), 333_333_334);
        assert_eq!(transfer_ns(1_000_000, 1_000_000_000), 1_000_000);
        assert_eq!(secs(1_500_000_000), 1.5);
    }
}
