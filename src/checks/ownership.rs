//! Ownership: within one generation of a group, each partition is assigned to at most one
//! member; and at no time do two consumers read the same partition while both own it.

use super::Violation;
use std::collections::BTreeMap;

/// Owners per (generation, partition), and current owners.
#[derive(Clone, Debug, Default)]
pub struct OwnershipCheck {
    by_generation: BTreeMap<(i32, u32), usize>,
    current: BTreeMap<u32, usize>,
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl OwnershipCheck {
    /// Consumer `c` was assigned `partitions` in `generation`.
    pub fn assigned(&mut self, generation: i32, c: usize, partitions: &[u32]) {
        for &p in partitions {
            if let Some(&o) = self.by_generation.get(&(generation, p)) {
                if o != c {
                    self.violations.push(Violation { check: "one-owner", detail: format!("generation {generation}: partition {p} assigned to consumers {o} and {c}") });
                }
            }
            self.by_generation.insert((generation, p), c);
            if let Some(&o) = self.current.get(&p) {
                if o != c {
                    self.violations.push(Violation {
                        check: "one-owner",
                        detail: format!(
                            "partition {p} taken by consumer {c} while consumer {o} still owns it"
                        ),
                    });
                }
            }
            self.current.insert(p, c);
        }
    }

    /// Consumer `c` left the group, or the coordinator removed it: it owns nothing from the
    /// group's view. Kafka promises one owner per generation, not that a member removed for
    /// missing its session or the rebalance deadline stops at once (it finds out at its next
    /// poll; what it still processes are at-least-once duplicates, counted by delivery).
    pub fn evicted(&mut self, c: usize) {
        self.current.retain(|_, o| *o != c);
    }

    /// Consumer `c` gave up `partitions`.
    pub fn revoked(&mut self, c: usize, partitions: &[u32]) {
        for p in partitions {
            if self.current.get(p) == Some(&c) {
                self.current.remove(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn two_owners_in_one_generation_is_a_violation() {
        let mut o = OwnershipCheck::default();
        o.assigned(1, 0, &[0, 1]);
        o.assigned(1, 1, &[2]);
        assert!(o.violations.is_empty());
        o.revoked(0, &[0, 1]);
        o.assigned(2, 1, &[0]);
        assert!(o.violations.is_empty(), "revoked before reassigned");
        o.assigned(2, 0, &[0]);
        assert_eq!(o.violations.len(), 2, "same generation and still owned");
    }

    #[test]
    fn a_member_the_coordinator_removed_owns_nothing_in_the_next_generation() {
        let mut o = OwnershipCheck::default();
        o.assigned(1, 0, &[0, 1]);
        // Consumer 0 stalls past the rebalance deadline: removed, never revoked.
        o.evicted(0);
        o.assigned(2, 1, &[0, 1]);
        assert!(o.violations.is_empty(), "{:?}", o.violations);
        o.assigned(2, 0, &[1]);
        assert_eq!(
            o.violations.len(),
            2,
            "the same generation twice, and still owned"
        );
    }
}
