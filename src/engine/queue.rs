//! The event queue: a binary heap keyed by (time, insertion sequence), so events at the same
//! nanosecond come out in the order they were scheduled (FIFO), never in heap-internal order.
//!
//! An event scheduled earlier than everything pending (a component's next step before anything
//! else happens: a producer's next send, a CPU job's end) waits in a front slot instead of the
//! heap and is popped from there, saving a sift down and up; the order is the heap's.

use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    at: Nanos,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events, popped in (time, insertion sequence) order.
pub struct EventQueue<E> {
    /// The next event, when it is earlier (by time, then sequence) than every one in `heap`.
    front: Option<Entry<E>>,
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: Nanos,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        Self {
            front: None,
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event last popped.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedule `event` at absolute time `at`, which must not be in the past.
    pub fn schedule(&mut self, at: Nanos, event: E) {
        assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        let e = Entry {
            at,
            seq: self.next_seq,
            event,
        };
        self.next_seq += 1;
        // A new event has the largest sequence: it goes first only if strictly earlier.
        match &self.front {
            Some(f) if at < f.at => {
                let f = self.front.replace(e).expect("matched");
                self.heap.push(f);
            }
            Some(_) => self.heap.push(e),
            None if self.heap.peek().is_none_or(|top| at < top.at) => self.front = Some(e),
            None => self.heap.push(e),
        }
    }

    /// Remove and return the earliest event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let e = match self.front.take() {
            Some(f) => f,
            None => self.heap.pop()?,
        };
        self.now = e.at;
        Some((e.at, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + usize::from(self.front.is_some())
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(10, "b1");
        q.schedule(5, "a");
        q.schedule(10, "b2");
        q.schedule(10, "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, "a"), (10, "b1"), (10, "b2"), (10, "b3")]);
    }

    proptest::proptest! {
        /// The front slot changes nothing: any interleaving of schedules and pops gives the
        /// order of a plain (time, sequence) sort.
        #[test]
        fn pops_come_in_time_then_schedule_order(
            steps in proptest::collection::vec((0u64..50, proptest::bool::ANY), 1..300),
        ) {
            let mut q = EventQueue::new();
            let mut model: Vec<(Nanos, u64)> = vec![];
            let mut n = 0;
            for (dt, pop) in steps {
                if pop {
                    model.sort();
                    let want = (!model.is_empty()).then(|| model.remove(0));
                    let got = q.pop().map(|(at, id)| (at, id));
                    proptest::prop_assert_eq!(got, want);
                } else {
                    let at = q.now() + dt;
                    q.schedule(at, n);
                    model.push((at, n));
                    n += 1;
                }
                proptest::prop_assert_eq!(q.len(), model.len());
            }
        }
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut q = EventQueue::new();
        q.schedule(10, ());
        q.pop();
        q.schedule(9, ());
    }
}
