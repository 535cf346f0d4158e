//! A pool of `k` threads with a FIFO of jobs waiting for one (broker network and I/O threads),
//! and the CPU a thread costs when it wakes cold.
//!
//! A job [`acquire`](ThreadPool::acquire)s a thread if one is free, else waits in the queue; on
//! [`release`](ThreadPool::release) the longest-waiting job (if any) takes the thread, which
//! goes on without sleeping.
//!
//! **Waking cold.** A thread that slept `s` ns before its job spends extra CPU on it:
//!
//! ```text
//! wake(s) = W · s / (s + h)      (W = the limit after a long sleep, h = the sleep that costs W/2)
//! ```
//!
//! Its caches, TLB and branch predictors were cooled meanwhile by other work, and on a virtual
//! machine its idle vCPU was halted. The longer the sleep, the more of the working set must be
//! fetched again, up to all of it (the "footprint" decay of Thiebaut and Stone, 1987; the
//! saturating rational form keeps it in integers). A busy pool hands jobs from thread to thread
//! without sleeping and pays nothing; a pool at a low request rate pays on every job. The free
//! thread that takes a job is the one that went idle last (its code and data are the process's
//! and were last touched then). `W` and `h` are measured per machine, on a real broker, by
//! scripts/broker-cpu.sh (plots/calibration/broker-cpu.md).

use crate::engine::rng::SimRng;
use crate::engine::time::mul_div;
use crate::engine::Nanos;
use rand::Rng;
use std::collections::VecDeque;

/// How long a woken thread waits for a core behind work the model does not see: other
/// threads of the machine (a JVM's GC and JIT compiler threads, the client's), the hypervisor
/// (steal). Under `perf sched` on a 2-vCPU VM, 0.4–1.4% of a broker's and its client's
/// wake-ups waited more than 1 ms, up to 10–17 ms (lab/regimes.md). Model: a thread that slept
/// at least `after_ns` waits, with probability `per_million` / 10⁶, a delay uniform in
/// [0, `max_ns`], else none; a thread woken sooner never waits. That split is empirical: a
/// broker answering one request in flight flat out (its threads asleep ~0.1 ms between
/// requests) shows no waits in its cycle, in the calibration (single-1, 152.0 µs measured,
/// 151.6 modelled without waits, plots/calibration/broker-cpu.md) and in the lab (flush-disk's
/// unflushed check), while its paced requests (asleep 2–10 ms) have the tail. Why is not known:
/// the virtual machine's halted vCPU explains little of it, for two bare threads on a quiet
/// 2-vCPU machine wait more than 1 ms twice as often after 1–5 ms of sleep as after 0.1–0.5 ms,
/// but 40 times more rarely than the broker's fitted waits (scripts/lab/wake-probe.sh,
/// lab/results/wake-probe.txt).
/// Measured per machine by scripts/broker-cpu.sh from a paced producer's latency tail and the
/// one-in-flight cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WakeStall {
    /// Wake-ups that wait, per million (0 = none).
    pub per_million: u32,
    /// The longest wait, ns.
    pub max_ns: Nanos,
    /// The sleep below which a woken thread never waits, ns.
    pub after_ns: Nanos,
}

impl WakeStall {
    /// The wait of a thread woken after sleeping `slept_ns`, ns (draws nothing when it cannot
    /// wait).
    pub fn draw(&self, slept_ns: Nanos, rng: &mut SimRng) -> Nanos {
        if self.per_million == 0 || self.max_ns == 0 || slept_ns < self.after_ns {
            return 0;
        }
        if rng.random_range(0..1_000_000u32) < self.per_million {
            rng.random_range(0..=self.max_ns)
        } else {
            0
        }
    }
}

/// The extra CPU of a thread that wakes after sleeping.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WakeCost {
    /// Extra CPU after a long sleep, ns (0 = threads never cool).
    pub limit_ns: Nanos,
    /// The sleep after which a waking thread pays half of `limit_ns`, ns.
    pub half_ns: Nanos,
}

impl WakeCost {
    /// Extra CPU of a thread that slept `slept_ns`, ns.
    pub fn after(&self, slept_ns: Nanos) -> Nanos {
        if self.limit_ns == 0 {
            return 0;
        }
        let whole = slept_ns.saturating_add(self.half_ns.max(1));
        mul_div(self.limit_ns, slept_ns, whole) as Nanos
    }
}

/// `k` threads and the jobs waiting for them.
#[derive(Clone, Debug)]
pub struct ThreadPool<J> {
    /// When each free thread went idle, the latest last.
    idle_since: Vec<Nanos>,
    waiting: VecDeque<J>,
    max_waiting: usize,
}

impl<J> ThreadPool<J> {
    /// A pool of `threads` (≥ 1) threads, idle since `now`.
    pub fn new(threads: u32, now: Nanos) -> Self {
        Self {
            idle_since: vec![now; threads.max(1) as usize],
            waiting: VecDeque::new(),
            max_waiting: 0,
        }
    }

    /// Give `job` a thread now, returned with how long that thread slept (ns), or queue it
    /// (`None`).
    pub fn acquire(&mut self, now: Nanos, job: J) -> Option<(J, Nanos)> {
        match self.idle_since.pop() {
            Some(since) => Some((job, now.saturating_sub(since))),
            None => {
                self.waiting.push_back(job);
                self.max_waiting = self.max_waiting.max(self.waiting.len());
                None
            }
        }
    }

    /// A thread finished its job at `now`; returns the next job to run on it, if any waits
    /// (the thread goes on without sleeping).
    pub fn release(&mut self, now: Nanos) -> Option<J> {
        let next = self.waiting.pop_front();
        if next.is_none() {
            self.idle_since.push(now);
        }
        next
    }

    /// Take every waiting job (the pool's process stopped).
    pub fn take_waiting(&mut self) -> Vec<J> {
        self.waiting.drain(..).collect()
    }

    /// Jobs waiting now.
    pub fn queued(&self) -> usize {
        self.waiting.len()
    }

    /// Longest queue seen.
    pub fn max_queued(&self) -> usize {
        self.max_waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn jobs_wait_in_fifo_order() {
        let mut p = ThreadPool::new(1, 0);
        assert_eq!(p.acquire(0, 1), Some((1, 0)));
        assert_eq!(p.acquire(0, 2), None);
        assert_eq!(p.acquire(0, 3), None);
        assert_eq!(p.release(5), Some(2));
        assert_eq!(p.release(6), Some(3));
        assert_eq!(p.release(7), None);
        assert_eq!(p.acquire(9, 4), Some((4, 2))); // idle since 7
        assert_eq!(p.max_queued(), 2);
    }

    #[test]
    fn a_stall_comes_as_often_as_asked_and_never_longer_than_its_limit() {
        let mut rng = crate::engine::SeedTree::new(7).stream("stall", 0);
        let none = WakeStall::default();
        assert_eq!(none.draw(10_000_000, &mut rng), 0);
        let s = WakeStall {
            per_million: 20_000,
            max_ns: 4_000_000,
            after_ns: 1_000_000,
        };
        let draws: Vec<Nanos> = (0..100_000).map(|_| s.draw(1_000_000, &mut rng)).collect();
        let stalled = draws.iter().filter(|&&d| d > 0).count();
        assert!(
            (1_700..=2_300).contains(&stalled),
            "{stalled} of 100,000 (2%)"
        );
        assert!(draws.iter().all(|&d| d <= 4_000_000));
        let mean = draws.iter().sum::<u64>() as f64 / stalled as f64;
        assert!(
            (1.8e6..2.2e6).contains(&mean),
            "mean stall {mean} ns (2 ms)"
        );
        // Woken sooner than `after_ns`: never a wait, whatever the draws would have been.
        assert!((0..100_000).all(|_| s.draw(999_999, &mut rng) == 0));
    }

    #[test]
    fn a_thread_pays_for_its_sleep_and_a_handed_job_did_not_sleep() {
        // W = 100 µs, half after 5 ms: 5 ms of sleep cost 50 µs, 15 ms cost 75 µs.
        let wake = WakeCost {
            limit_ns: 100_000,
            half_ns: 5_000_000,
        };
        assert_eq!(wake.after(0), 0);
        assert_eq!(wake.after(5_000_000), 50_000);
        assert_eq!(wake.after(15_000_000), 75_000);
        assert!(wake.after(u64::MAX) <= 100_000);
        let mut p = ThreadPool::new(2, 0);
        assert_eq!(p.acquire(5_000_000, 'a'), Some(('a', 5_000_000)));
        assert_eq!(p.acquire(5_000_000, 'b'), Some(('b', 5_000_000)));
        assert_eq!(p.acquire(5_000_000, 'c'), None);
        // 'c' is handed to the thread that finished 'a': it did not sleep.
        assert_eq!(p.release(6_000_000), Some('c'));
        assert_eq!(p.release(7_000_000), None); // idle since 7 ms
        assert_eq!(p.release(8_000_000), None); // idle since 8 ms: taken first
        assert_eq!(p.acquire(13_000_000, 'd'), Some(('d', 5_000_000)));
        assert_eq!(p.acquire(22_000_000, 'e'), Some(('e', 15_000_000)));
    }
}
