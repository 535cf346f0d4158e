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
//! The caller owns what happens when a job ends: it passes a `tag` and gets it back from
//! [`Cpu::advance`] at the job's end, and asks [`Cpu::next_event_ns`] when to call it next.

use crate::engine::Nanos;
use std::collections::BTreeSet;

/// Units of the virtual clock per ns of work: lcm(1..=16), so shares of up to 16 jobs per core
/// are exact.
const K: u128 = 720_720;

/// The cores of one host.
#[derive(Clone, Debug)]
pub struct Cpu {
    cores: u32,
    /// Capacity, thousandths of a core (cores × 1000, or the quota).
    capacity_milli: u64,
    /// When `virtual_milli` and `busy_milli` were last brought up to date.
    last_ns: Nanos,
    /// Work done by each runnable job since the start, 1/K ns.
    virtual_k: u128,
    /// Runnable jobs: (virtual time at which it is done, submission number, tag).
    running: BTreeSet<(u128, u64, u64)>,
    /// Jobs submitted for a later start: (start, submission number, work ns, tag).
    pending: BTreeSet<(Nanos, u64, Nanos, u64)>,
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
        let cores = cores.max(1);
        let all = cores as u64 * 1000;
        Self {
            cores,
            capacity_milli: if quota_milli == 0 {
                all
            } else {
                quota_milli.min(all)
            },
            last_ns: 0,
            virtual_k: 0,
            running: BTreeSet::new(),
            pending: BTreeSet::new(),
            submitted: 0,
            busy_k: 0,
        }
    }

    /// Rate of each of `n` runnable jobs, 1/K of a core.
    fn rate_k(&self, n: usize) -> u128 {
        (K * self.capacity_milli as u128 / 1000 / n.max(1) as u128).clamp(1, K)
    }

    /// Submit `work_ns` of CPU work, runnable from `start` (≥ the time of the last call), to
    /// be reported by [`Cpu::advance`] with `tag` when done. Call [`Cpu::next_event_ns`] after.
    pub fn submit(&mut self, now: Nanos, start: Nanos, work_ns: Nanos, tag: u64) {
        self.submitted += 1;
        if start > now {
            self.pending.insert((start, self.submitted, work_ns, tag));
            return;
        }
        self.catch_up(now);
        self.run(work_ns, tag);
    }

    fn run(&mut self, work_ns: Nanos, tag: u64) {
        let end = self.virtual_k + work_ns as u128 * K;
        self.running.insert((end, self.submitted, tag));
    }

    /// Bring the virtual clock and the work done up to `now` (no job ends before `now`: the
    /// caller calls [`Cpu::advance`] at every [`Cpu::next_event_ns`]).
    fn catch_up(&mut self, now: Nanos) {
        let dt = now.saturating_sub(self.last_ns);
        if dt > 0 && !self.running.is_empty() {
            let n = self.running.len();
            let r = self.rate_k(n);
            self.virtual_k += dt as u128 * r;
            self.busy_k += dt as u128 * r * n as u128;
        }
        self.last_ns = self.last_ns.max(now);
    }

    /// When the next job ends or becomes runnable, if any: call [`Cpu::advance`] then.
    pub fn next_event_ns(&self) -> Option<Nanos> {
        let end = self.running.first().map(|&(v, _, _)| {
            let r = self.rate_k(self.running.len());
            self.last_ns + v.saturating_sub(self.virtual_k).div_ceil(r) as Nanos
        });
        let start = self.pending.first().map(|&(s, ..)| s);
        match (end, start) {
            (Some(e), Some(s)) => Some(e.min(s)),
            (e, s) => e.or(s),
        }
    }

    /// Run up to `now`: push the tags of the jobs that end by `now` onto `done`, in the order
    /// they end.
    pub fn advance(&mut self, now: Nanos, done: &mut Vec<u64>) {
        while let Some(t) = self.next_event_ns().filter(|&t| t <= now) {
            self.catch_up(t);
            while let Some(&(start, seq, work, tag)) = self.pending.first() {
                if start > t {
                    break;
                }
                self.pending.pop_first();
                let keep = self.submitted;
                self.submitted = seq;
                self.run(work, tag);
                self.submitted = keep;
            }
            while let Some(&(end, _, tag)) = self.running.first() {
                if end > self.virtual_k {
                    break;
                }
                self.running.pop_first();
                done.push(tag);
            }
        }
        self.catch_up(now);
    }

    /// Total CPU work done so far (as of the last call), core-ns.
    pub fn busy_ns(&self) -> u64 {
        (self.busy_k / K) as u64
    }

    /// CPU work done by `now`, core-ns.
    pub fn busy_ns_at(&self, now: Nanos) -> u64 {
        let n = self.running.len();
        let dt = now.saturating_sub(self.last_ns) as u128;
        let extra = if n == 0 {
            0
        } else {
            dt * self.rate_k(n) * n as u128
        };
        ((self.busy_k + extra) / K) as u64
    }

    /// Number of cores.
    pub fn cores(&self) -> u32 {
        self.cores
    }

    /// Capacity, cores (the quota if one is set).
    pub fn capacity_cores(&self) -> f64 {
        self.capacity_milli as f64 / 1000.0
    }

    /// Jobs runnable now.
    pub fn runnable(&self) -> usize {
        self.running.len()
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
