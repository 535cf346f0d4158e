//! A set of `u64` numbers stored as disjoint half-open ranges (record sequence numbers of one
//! producer in one partition), so memory follows the number of gaps, not of records.

use std::collections::BTreeMap;

/// Disjoint, merged ranges `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    ranges: BTreeMap<u64, u64>,
}

impl IntervalSet {
    /// How many of `[from, to)` are in the set.
    pub fn count_in(&self, from: u64, to: u64) -> u64 {
        let mut n = 0;
        let start = self
            .ranges
            .range(..from)
            .next_back()
            .filter(|(_, &e)| e > from)
            .map_or(from, |(&s, _)| s);
        for (&s, &e) in self.ranges.range(start..to) {
            n += e.min(to).saturating_sub(s.max(from));
        }
        n
    }

    /// Add `[from, to)`; returns how many of them were already in.
    pub fn insert(&mut self, from: u64, to: u64) -> u64 {
        if from >= to {
            return 0;
        }
        let already = self.count_in(from, to);
        let (mut lo, mut hi) = (from, to);
        if let Some((&s, &e)) = self.ranges.range(..=from).next_back() {
            if e >= from {
                lo = s;
                hi = hi.max(e);
            }
        }
        let inside: Vec<u64> = self.ranges.range(lo..=hi).map(|(&s, _)| s).collect();
        for s in inside {
            let e = self.ranges.remove(&s).expect("listed");
            hi = hi.max(e);
        }
        self.ranges.insert(lo, hi);
        already
    }

    /// Remove `[from, to)`.
    pub fn remove(&mut self, from: u64, to: u64) {
        if from >= to {
            return;
        }
        let mut touched: Vec<(u64, u64)> = vec![];
        if let Some((&s, &e)) = self.ranges.range(..from).next_back() {
            if e > from {
                touched.push((s, e));
            }
        }
        touched.extend(self.ranges.range(from..to).map(|(&s, &e)| (s, e)));
        for (s, e) in touched {
            self.ranges.remove(&s);
            if s < from {
                self.ranges.insert(s, from);
            }
            if e > to {
                self.ranges.insert(to, e);
            }
        }
    }

    /// Numbers in the set.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| e - s).sum()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The ranges of `self` not in `other`.
    pub fn minus(&self, other: &IntervalSet) -> IntervalSet {
        let mut out = self.clone();
        for (&s, &e) in &other.ranges {
            out.remove(s, e);
        }
        out
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().map(|(&s, &e)| (s, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_counts_overlap() {
        let mut s = IntervalSet::default();
        assert_eq!(s.insert(10, 20), 0);
        assert_eq!(s.insert(30, 40), 0);
        assert_eq!(s.insert(15, 35), 10);
        assert_eq!(s.ranges().collect::<Vec<_>>(), vec![(10, 40)]);
        assert_eq!(s.insert(40, 41), 0, "adjacent ranges merge");
        assert_eq!(s.ranges().count(), 1);
        assert_eq!(s.count_in(0, 100), 31);
    }

    #[test]
    fn remove_splits_and_minus_subtracts() {
        let mut s = IntervalSet::default();
        s.insert(0, 100);
        s.remove(10, 20);
        s.remove(90, 200);
        assert_eq!(s.ranges().collect::<Vec<_>>(), vec![(0, 10), (20, 90)]);
        let mut t = IntervalSet::default();
        t.insert(0, 50);
        assert_eq!(s.minus(&t).ranges().collect::<Vec<_>>(), vec![(50, 90)]);
        assert_eq!(s.len(), 80);
    }
}
