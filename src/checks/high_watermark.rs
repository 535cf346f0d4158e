//! No consumer reads above the high watermark: every batch a Fetch returns to a consumer ends
//! at or below the HW the leader reported with it (records above it are not yet on every
//! in-sync replica and may vanish in a failover).

use super::Violation;

/// Reads above the HW.
#[derive(Clone, Debug, Default)]
pub struct HighWatermarkCheck {
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl HighWatermarkCheck {
    /// Consumer `c` received records of `partition` up to `end` with high watermark `hw`.
    pub fn fetched(&mut self, c: usize, partition: u32, end: u64, hw: u64) {
        if end > hw && self.violations.len() < 20 {
            self.violations.push(Violation {
                check: "below-hw",
                detail: format!(
                    "consumer {c} received partition {partition} up to offset {end}, above the high watermark {hw}"
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn reads_above_the_hw_are_violations() {
        let mut h = HighWatermarkCheck::default();
        h.fetched(0, 1, 10, 10);
        assert!(h.violations.is_empty());
        h.fetched(0, 1, 11, 10);
        assert_eq!(h.violations.len(), 1);
    }
}
