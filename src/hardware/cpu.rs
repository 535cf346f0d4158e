//! CPU cores of one host, shared by every thread placed on it (broker threads and clients
//! compete, as on the one laptop of the classroom experiment).
//!
//! Model: processor sharing, as Linux's CFS approximates it over its scheduling period. Each
//! submitted job is one runnable thread with `w` ns of CPU work. With `n` jobs runnable on a
//! host of capacity `C` cores, each runs at rate
//!
//! ```text
//! r(n) = min(1, C / n)   cores           (a thread runs on one core at a time)
//! ```
//!
//! so a job alone finishes after exactly `w`, and `n > C` jobs each slow down by `n / C`; a short
//! job submitted behind a long one is not stuck behind it (as it was under FIFO). Work is never
//! reserved ahead: a job submitted for a later start (after a GC pause, after a disk read) is
//! runnable only from then. Every runnable job progresses at the same rate, so one virtual clock
//! `V` (work done per job, in units of 1/[`K`] ns) orders completions: a job started at `V₀`
//! ends when `V = V₀ + K·w`, and between events `dV/dt = K·r(n)`. All integer, and exact for up
//! to 16 jobs per core (`K` is divisible by 1..=16); otherwise the finish instant is rounded up
//! to the next ns, and every job whose work is done by then ends.
//!
//! A CFS bandwidth quota (`cpu.cfs_quota_us / cpu.cfs_period_us` = `q` cores, as a cgroup or a
//! container limit sets it) sets `C = q` (at most the machine's cores). The throttling within
//! each 100 ms period (run, then wait for the next period) is averaged out: throughput is
//! right, the latency of a throttled request is not.
//!
//! Work the host's processes do on their own, at a steady `b` cores whatever the load (a KRaft
//! node's controller, timers and housekeeping), is taken from the capacity: `C = cores (or q) −
//! b`. Under a quota that is exact (the background's CPU counts against the same quota); on free
//! cores it is processor sharing with one more thread that never ends, at its mean rate.
//!
//! A job submitted for a later start is an event of its own only when its start changes the
//! rate of the others. While every job, runnable or waiting, fits on a core of its own (`n ≤
//! C`: none slows another) it simply ends `w` after its start, and its start costs no event (a
//! paced producer's next send, handed over as the previous one ends, is one event, not two).
//!
//! The caller owns what happens when a job ends: it passes a `tag` and gets it back from
//! [`Cpu::advance`] at the job's end, and asks [`Cpu::next_event_ns`] when to call it next.

use crate::engine::Nanos;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Units of the virtual clock per ns of work: lcm(1..=16), so shares of up to 16 jobs per core
/// are exact.
const K: u64 = 720_720;
/// The virtual clock is moved back by its value when it passes this (every job's end with it):
/// after about 1.8 hours of one job's work at full speed.
const REBASE_AT: u64 = 1 << 62;

/// The cores of one host.
#[derive(Clone, Debug)]
pub struct Cpu {
    /// Capacity, thousandths of a core (cores × 1000, or the quota).
    capacity_milli: u64,
    /// When `virtual_k` and `busy_k` were last brought up to date.
    last_ns: Nanos,
    /// Work done by each runnable job since the clock's base, 1/K ns.
    virtual_k: u64,
    /// Rate of each runnable job now, 1/K of a core.
    rate_k: u64,
    /// Runnable jobs: (virtual time at which it is done, submission number, tag).
    running: BinaryHeap<Reverse<(u64, u64, u64)>>,
    /// Jobs submitted for a later start: (start, submission number, work ns, tag).
    pending: BinaryHeap<Reverse<(Nanos, u64, Nanos, u64)>>,
    submitted: u64,
    /// CPU work done, 1/K core-ns.
    busy_k: u128,
}

impl Cpu {
    /// A host with `cores` cores (at least 1).
    pub fn new(cores: u32) -> Self {
        Self::with_quota(cores, 0)
    }

    /// A host with `cores` cores whose processes may use at most `quota_milli` thousandths of
    /// a core (a CFS quota); 0 = no quota.
    pub fn with_quota(cores: u32, quota_milli: u64) -> Self {
        let all = cores.max(1) as u64 * 1000;
        Self {
            capacity_milli: if quota_milli == 0 {
                all
            } else {
                quota_milli.min(all)
            },
            last_ns: 0,
            virtual_k: 0,
            rate_k: K,
            running: BinaryHeap::new(),
            pending: BinaryHeap::new(),
            submitted: 0,
            busy_k: 0,
        }
    }

    /// The same host with `milli` thousandths of a core taken by background work (at least one
    /// thousandth is left).
    pub fn less_background(mut self, milli: u64) -> Self {
        self.capacity_milli = self.capacity_milli.saturating_sub(milli).max(1);
        self
    }

    /// Rate of each of `n` runnable jobs, 1/K of a core.
    fn rate_for(&self, n: usize) -> u64 {
        if n as u64 * 1000 <= self.capacity_milli {
            return K; // a core each (the same as below, without two divisions per job)
        }
        (K * self.capacity_milli / 1000 / n as u64).clamp(1, K)
    }

    /// The runnable jobs changed: their rate with it.
    fn set_rate(&mut self) {
        self.rate_k = self.rate_for(self.running.len());
    }

    /// Submit `work_ns` of CPU work, runnable from `start` (≥ the time of the last call), to
    /// be reported by [`Cpu::advance`] with `tag` when done. Call [`Cpu::next_event_ns`] after.
    pub fn submit(&mut self, now: Nanos, start: Nanos, work_ns: Nanos, tag: u64) {
        self.submitted += 1;
        self.start_due(now);
        if start > now {
            self.pending
                .push(Reverse((start, self.submitted, work_ns, tag)));
            return;
        }
        self.catch_up(now);
        self.run(work_ns, self.submitted, tag);
    }

    /// Withdraw job `tag` if it waits for a start after `now`; returns whether it did.
    pub fn cancel(&mut self, now: Nanos, tag: u64) -> bool {
        let before = self.pending.len();
        self.pending
            .retain(|&Reverse((start, _, _, t))| t != tag || start <= now);
        self.pending.len() < before
    }

    /// Whether every job, runnable or waiting for its start, has a core of its own: then none
    /// slows another and a start changes no rate.
    fn all_fit(&self) -> bool {
        (self.running.len() + self.pending.len()) as u64 * 1000 <= self.capacity_milli
    }

    /// Make every waiting job whose start is at or before `t` runnable, each at its start.
    fn start_due(&mut self, t: Nanos) {
        while let Some(&Reverse((start, seq, work, tag))) = self.pending.peek() {
            if start > t {
                break;
            }
            self.pending.pop();
            self.catch_up(start);
            self.run(work, seq, tag);
        }
    }

    /// Make job `seq` (its submission number) runnable now.
    fn run(&mut self, work_ns: Nanos, seq: u64, tag: u64) {
        if self.running.is_empty() {
            self.virtual_k = 0;
        } else if self.virtual_k > REBASE_AT {
            let base = self.virtual_k;
            self.running = (self.running.drain())
                .map(|Reverse((end, seq, tag))| Reverse((end - base, seq, tag)))
                .collect();
            self.virtual_k = 0;
        }
        let end = self.virtual_k.saturating_add(work_ns.saturating_mul(K));
        self.running.push(Reverse((end, seq, tag)));
        self.set_rate();
    }

    /// Bring the virtual clock and the work done up to `now` (no job ends before `now`: the
    /// caller calls [`Cpu::advance`] at every [`Cpu::next_event_ns`]).
    fn catch_up(&mut self, now: Nanos) {
        let dt = now.saturating_sub(self.last_ns);
        if dt > 0 && !self.running.is_empty() {
            let n = self.running.len() as u128;
            self.virtual_k = self
                .virtual_k
                .saturating_add(dt.saturating_mul(self.rate_k));
            self.busy_k += dt as u128 * self.rate_k as u128 * n;
        }
        self.last_ns = self.last_ns.max(now);
    }

    /// When the next job ends or becomes runnable, if any: call [`Cpu::advance`] then.
    pub fn next_event_ns(&self) -> Option<Nanos> {
        let end = (self.running.peek()).map(|&Reverse((v, _, _))| {
            let left_k = v.saturating_sub(self.virtual_k);
            // At full speed the divisor is the constant K (a multiplication, not a division).
            self.last_ns
                + if self.rate_k == K {
                    left_k.div_ceil(K)
                } else {
                    left_k.div_ceil(self.rate_k)
                }
        });
        let start = if self.all_fit() {
            // No start changes a rate: a waiting job's next instant is its end.
            (self.pending.iter())
                .map(|&Reverse((s, _, w, _))| s.saturating_add(w))
                .min()
        } else {
            self.pending.peek().map(|&Reverse((s, ..))| s)
        };
        match (end, start) {
            (Some(e), Some(s)) => Some(e.min(s)),
            (e, s) => e.or(s),
        }
    }

    /// Run up to `now`: push the tags of the jobs that end by `now` onto `done`, in the order
    /// they end.
    pub fn advance(&mut self, now: Nanos, done: &mut Vec<u64>) {
        while let Some(t) = self.next_event_ns().filter(|&t| t <= now) {
            self.start_due(t);
            self.catch_up(t);
            while let Some(&Reverse((end, _, tag))) = self.running.peek() {
                if end > self.virtual_k {
                    break;
                }
                self.running.pop();
                done.push(tag);
            }
            self.set_rate();
        }
        self.start_due(now);
        self.catch_up(now);
    }

    /// Total CPU work done so far (as of the last call), core-ns.
    pub fn busy_ns(&self) -> u64 {
        (self.busy_k / K as u128) as u64
    }

    /// CPU work done by `now`, core-ns.
    pub fn busy_ns_at(&self, now: Nanos) -> u64 {
        let n = self.running.len();
        let dt = now.saturating_sub(self.last_ns) as u128;
        let extra = dt * self.rate_k as u128 * n as u128;
        // Jobs started since without an event of their own (each on its own core).
        let started: u128 = (self.pending.iter())
            .filter(|&&Reverse((s, ..))| s < now)
            .map(|&Reverse((s, _, w, _))| (now - s).min(w) as u128 * K as u128)
            .sum();
        ((self.busy_k + extra + started) / K as u128) as u64
    }

    /// Capacity left to the host's jobs, cores (the cores or the quota, less the background).
    pub fn capacity_cores(&self) -> f64 {
        self.capacity_milli as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run every job to its end; (tag, end time) in the order they end.
    fn ends(c: &mut Cpu, from: Nanos) -> Vec<(u64, Nanos)> {
        let mut out = vec![];
        let mut now = from;
        while let Some(t) = c.next_event_ns() {
            assert!(t >= now, "time never goes back");
            now = t;
            let mut done = vec![];
            c.advance(now, &mut done);
            out.extend(done.into_iter().map(|tag| (tag, now)));
        }
        out
    }

    #[test]
    fn jobs_share_the_cores_equally() {
        // 1 core, two jobs of 10 ns at 0: each at half speed, both end at 20.
        let mut c = Cpu::new(1);
        c.submit(0, 0, 10, 1);
        c.submit(0, 0, 10, 2);
        assert_eq!(ends(&mut c, 0), vec![(1, 20), (2, 20)]);
        assert_eq!(c.busy_ns(), 20);
        // 2 cores, three jobs of 30: each at 2/3 of a core, all end at 45.
        let mut c = Cpu::new(2);
        for t in 0..3 {
            c.submit(0, 0, 30, t);
        }
        assert_eq!(ends(&mut c, 0), vec![(0, 45), (1, 45), (2, 45)]);
        assert_eq!(c.busy_ns(), 90);
    }

    #[test]
    fn a_short_job_is_not_stuck_behind_a_long_one() {
        // 1 core: A (10 ns) alone from 0 to 4 (6 left); B (2 ns) arrives at 4: both at half
        // speed, B ends at 8; A, 4 left, alone again, ends at 12. FIFO would end B at 12.
        let mut c = Cpu::new(1);
        c.submit(0, 0, 10, 1);
        assert_eq!(c.next_event_ns(), Some(10));
        let mut done = vec![];
        c.advance(4, &mut done);
        assert!(done.is_empty());
        c.submit(4, 4, 2, 2);
        assert_eq!(ends(&mut c, 4), vec![(2, 8), (1, 12)]);
    }

    #[test]
    fn the_virtual_clock_moves_back_without_changing_an_end() {
        // A job of 7,000 s of work passes the rebase point (2^62 / K ns of work) at about
        // 6,399 s; B arrives after that and shares the core: ends as if nothing moved.
        let mut c = Cpu::new(1);
        c.submit(0, 0, 7_000 * 1_000_000_000, 1);
        let t1 = 6_500 * 1_000_000_000;
        let mut done = vec![];
        c.advance(t1, &mut done);
        assert!(done.is_empty());
        c.submit(t1, t1, 1_000_000, 2);
        assert_eq!(
            ends(&mut c, t1),
            vec![(2, t1 + 2_000_000), (1, 7_000 * 1_000_000_000 + 1_000_000)]
        );
    }

    #[test]
    fn a_thread_uses_one_core_at_most() {
        let mut c = Cpu::new(4);
        c.submit(0, 0, 10, 1);
        assert_eq!(
            ends(&mut c, 0),
            vec![(1, 10)],
            "a lone job is not sped up by idle cores"
        );
    }

    #[test]
    fn a_quota_caps_the_capacity() {
        let mut c = Cpu::with_quota(8, 200); // 0.2 core
        c.submit(0, 0, 10, 1);
        assert_eq!(
            ends(&mut c, 0),
            vec![(1, 50)],
            "10 ns of work at a fifth of a core"
        );
        let mut c = Cpu::with_quota(2, 1500); // 1.5 cores: three jobs at half a core each
        for t in 0..3 {
            c.submit(0, 0, 75, t);
        }
        assert_eq!(ends(&mut c, 0), vec![(0, 150), (1, 150), (2, 150)]);
        assert_eq!(c.capacity_cores(), 1.5);
        assert_eq!(
            Cpu::with_quota(2, 4000).capacity_cores(),
            2.0,
            "a quota above the cores changes nothing"
        );
    }

    #[test]
    fn background_work_is_taken_from_the_quota() {
        // 0.2 core less 0.05 of background: 15 ns of work take 100 ns.
        let mut c = Cpu::with_quota(8, 200).less_background(50);
        c.submit(0, 0, 15, 1);
        assert_eq!(ends(&mut c, 0), vec![(1, 100)]);
        assert_eq!(c.capacity_cores(), 0.15);
        // On 2 free cores less 0.5: a lone job still has a core, three share 1.5 cores.
        let mut c = Cpu::new(2).less_background(500);
        c.submit(0, 0, 10, 1);
        assert_eq!(
            ends(&mut c, 0),
            vec![(1, 10)],
            "a lone thread keeps its core"
        );
        for t in 0..3 {
            c.submit(10, 10, 75, t);
        }
        assert_eq!(ends(&mut c, 10), vec![(0, 160), (1, 160), (2, 160)]);
    }

    #[test]
    fn work_for_later_is_not_reserved_ahead() {
        // A job handed over for 100 does not hold the core before then: a job at 0 runs alone.
        let mut c = Cpu::new(1);
        c.submit(0, 100, 10, 1);
        c.submit(0, 0, 10, 2);
        assert_eq!(c.busy_ns_at(5), 5);
        assert_eq!(ends(&mut c, 0), vec![(2, 10), (1, 110)]);
        assert_eq!(c.busy_ns_at(200), 20);
        assert_eq!(
            c.busy_ns_at(50),
            20,
            "work done is counted once, whatever the time asked"
        );
    }

    #[test]
    fn a_later_start_on_a_free_core_is_no_event() {
        // 2 cores: A runs 0..10; B, handed over at 0 for 4, has a core of its own: the CPU's
        // next instants are the two ends, not B's start.
        let mut c = Cpu::new(2);
        c.submit(0, 0, 10, 1);
        c.submit(0, 4, 3, 2);
        assert_eq!(c.next_event_ns(), Some(7), "B's end, not its start at 4");
        assert_eq!(c.busy_ns_at(6), 6 + 2, "B's work from 4 is counted");
        assert_eq!(ends(&mut c, 0), vec![(2, 7), (1, 10)]);
        assert_eq!(c.busy_ns(), 13);
        // 1 core: the same start slows A, so it is an instant of its own.
        let mut c = Cpu::new(1);
        c.submit(0, 0, 10, 1);
        c.submit(0, 4, 3, 2);
        assert_eq!(c.next_event_ns(), Some(4));
        assert_eq!(ends(&mut c, 0), vec![(2, 10), (1, 13)]);
    }

    #[test]
    fn a_job_withdrawn_before_its_start_never_runs() {
        let mut c = Cpu::new(1);
        c.submit(0, 0, 10, 1);
        c.submit(0, 4, 3, 2);
        assert!(c.cancel(2, 2));
        assert!(!c.cancel(2, 2), "once");
        assert_eq!(ends(&mut c, 2), vec![(1, 10)]);
        assert_eq!(c.busy_ns(), 10);
        let mut c = Cpu::new(2);
        c.submit(0, 4, 3, 7);
        let mut done = vec![];
        c.advance(5, &mut done);
        assert!(!c.cancel(5, 7), "started at 4: too late");
        assert_eq!(ends(&mut c, 5), vec![(7, 7)]);
    }

    /// Processor sharing computed in floating point, one event at a time: the end of each job.
    fn reference(capacity: f64, jobs: &[(Nanos, Nanos)]) -> Vec<f64> {
        let mut left: Vec<f64> = jobs.iter().map(|&(_, w)| w as f64).collect();
        let mut end = vec![f64::NAN; jobs.len()];
        let mut t = 0.0;
        loop {
            let run: Vec<usize> = (0..jobs.len())
                .filter(|&i| end[i].is_nan() && jobs[i].0 as f64 <= t)
                .collect();
            let next_start = (0..jobs.len())
                .filter(|&i| jobs[i].0 as f64 > t)
                .map(|i| jobs[i].0 as f64)
                .fold(f64::INFINITY, f64::min);
            if run.is_empty() {
                if next_start.is_infinite() {
                    return end;
                }
                t = next_start;
                continue;
            }
            let rate = (capacity / run.len() as f64).min(1.0);
            let first = run.iter().map(|&i| left[i]).fold(f64::INFINITY, f64::min);
            let dt = (first / rate).min(next_start - t);
            for &i in &run {
                left[i] -= dt * rate;
                if left[i] <= 1e-6 {
                    end[i] = t + dt;
                }
            }
            t += dt;
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Every job ends once, never before exact processor sharing ends it and at most 1 ns
        /// later per job (an end is rounded up to the ns, and the job keeps its share until
        /// then), and the work done is the work submitted.
        #[test]
        fn ends_as_exact_processor_sharing(
            cores in 1u32..4,
            quota in proptest::prop_oneof![proptest::strategy::Just(0u64), 100u64..4000],
            jobs in proptest::collection::vec((0u64..200, 1u64..100), 1..24),
        ) {
            let mut jobs = jobs;
            jobs.sort_by_key(|j| j.0);
            let mut c = Cpu::with_quota(cores, quota);
            let want = reference(c.capacity_cores(), &jobs);
            let mut got = vec![None; jobs.len()];
            let mut next = 0;
            let mut now = 0;
            loop {
                // Submit every job due by the CPU's next event, at its start.
                let t = c.next_event_ns().unwrap_or(Nanos::MAX);
                if next < jobs.len() && jobs[next].0 <= t {
                    now = jobs[next].0;
                    let mut done = vec![];
                    c.advance(now, &mut done);
                    for tag in done { got[tag as usize] = Some(now); }
                    c.submit(now, now, jobs[next].1, next as u64);
                    next += 1;
                    continue;
                }
                if t == Nanos::MAX { break; }
                proptest::prop_assert!(t >= now);
                now = t;
                let mut done = vec![];
                c.advance(now, &mut done);
                for tag in done {
                    proptest::prop_assert!(got[tag as usize].is_none(), "job {} ends twice", tag);
                    got[tag as usize] = Some(now);
                }
            }
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                let g = g.expect("every job ends") as f64;
                proptest::prop_assert!(g >= w - 1e-3 && g <= w + 1.0 + jobs.len() as f64, "job {}: ends at {} ns, exact {:.3}", i, g, w);
            }
            let work: u64 = jobs.iter().map(|j| j.1).sum();
            proptest::prop_assert!(c.busy_ns() >= work && c.busy_ns() <= work + 2 * jobs.len() as u64 * cores as u64);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// The same, with every job handed over at 0 for its start: starts that change no
        /// rate are no instants of their own, and the ends stay those of processor sharing.
        #[test]
        fn jobs_handed_over_early_end_as_exact_processor_sharing(
            cores in 1u32..6,
            jobs in proptest::collection::vec((0u64..200, 1u64..100), 1..12),
        ) {
            let mut c = Cpu::new(cores);
            for (i, &(start, work)) in jobs.iter().enumerate() {
                c.submit(0, start, work, i as u64);
            }
            let mut sorted: Vec<_> = jobs.iter().copied().enumerate().collect();
            sorted.sort_by_key(|&(i, (s, _))| (s, i));
            let want = reference(c.capacity_cores(), &sorted.iter().map(|&(_, j)| j).collect::<Vec<_>>());
            let got = ends(&mut c, 0);
            proptest::prop_assert_eq!(got.len(), jobs.len());
            for (tag, at) in got {
                let k = sorted.iter().position(|&(i, _)| i as u64 == tag).unwrap();
                let w = want[k];
                proptest::prop_assert!(at as f64 >= w - 1e-3 && at as f64 <= w + 1.0 + jobs.len() as f64,
                    "job {}: ends at {} ns, exact {:.3}", tag, at, w);
            }
            let work: u64 = jobs.iter().map(|j| j.1).sum();
            proptest::prop_assert!(c.busy_ns() >= work && c.busy_ns() <= work + 2 * jobs.len() as u64 * cores as u64);
        }
    }

    #[test]
    fn rounding_never_ends_a_job_early() {
        // 17 jobs of 1 ns on 1 core: each at 1/17 of a core (not exact in 1/K): the 17 ns they
        // need are rounded up to 18, never down.
        let mut c = Cpu::new(1);
        for t in 0..17 {
            c.submit(0, 0, 1, t);
        }
        let e = ends(&mut c, 0);
        assert_eq!(e.len(), 17);
        assert!(e.iter().all(|&(_, t)| t == 18), "{e:?}");
    }
}
