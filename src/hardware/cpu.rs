//! CPU cores of one host, shared by every process placed on it (broker threads and clients
//! compete, as on the one laptop of the classroom experiment).
//!
//! Model: `cores` identical servers, FIFO, non-preemptive. A job of `w` ns submitted at `t`
//! starts on the core that frees first, at `s = max(t, free_at)`, and ends at `s + w`.
//! Utilisation is busy time over elapsed time.
//!
//! A CFS bandwidth quota (`cpu.cfs_quota_us / cpu.cfs_period_us` = `q` cores, as a cgroup or a
//! container limit sets it) caps the host's processes at `q` cores' worth of time: modelled as
//! `⌈q⌉` cores (at most the machine's) each running at speed `q / ⌈q⌉`, so the capacity is
//! exactly `q`. The throttling within each 100 ms period (run, then wait for the next period)
//! is averaged out: throughput is right, the latency of a throttled request is not.

use crate::engine::Nanos;

/// The cores of one host.
#[derive(Clone, Debug)]
pub struct Cpu {
    free_at_ns: Vec<Nanos>,
    /// Per core, the idle gap its latest job left before it when submitted for a later start
    /// (work handed over for after a disk read), so reserved-ahead busy time excludes it.
    gap_ns: Vec<(Nanos, Nanos)>,
    busy_ns: u64,
    /// Speed of each core, thousandths (1000 without a quota).
    speed_permille: u64,
}

impl Cpu {
    /// A host with `cores` cores (at least 1).
    pub fn new(cores: u32) -> Self {
        Self {
            free_at_ns: vec![0; cores.max(1) as usize],
            gap_ns: vec![(0, 0); cores.max(1) as usize],
            busy_ns: 0,
            speed_permille: 1000,
        }
    }

    /// A host with `cores` cores whose processes may use at most `quota_milli` thousandths of
    /// a core (a CFS quota); 0 = no quota.
    pub fn with_quota(cores: u32, quota_milli: u64) -> Self {
        let cores = cores.max(1) as u64;
        if quota_milli == 0 || quota_milli >= cores * 1000 {
            return Self::new(cores as u32);
        }
        let n = quota_milli.div_ceil(1000);
        Self {
            free_at_ns: vec![0; n as usize],
            gap_ns: vec![(0, 0); n as usize],
            busy_ns: 0,
            speed_permille: quota_milli / n,
        }
    }

    /// Run `work_ns` of CPU work submitted at `now`; returns when it completes.
    pub fn submit(&mut self, now: Nanos, work_ns: Nanos) -> Nanos {
        let (i, free) = self
            .free_at_ns
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(i, f)| (f.max(now), i))
            .expect("at least one core");
        let wall = work_ns.saturating_mul(1000) / self.speed_permille.max(1);
        let done = free.max(now) + wall;
        if now > free {
            self.gap_ns[i] = (free, now);
        }
        self.free_at_ns[i] = done;
        self.busy_ns += wall;
        done
    }

    /// Total CPU work done so far, ns.
    pub fn busy_ns(&self) -> u64 {
        self.busy_ns
    }

    /// CPU work done by `now` (work reserved beyond `now` not counted), ns.
    pub fn busy_ns_at(&self, now: Nanos) -> u64 {
        let ahead: u64 = self
            .free_at_ns
            .iter()
            .zip(&self.gap_ns)
            .map(|(&f, &(g0, g1))| {
                let idle = g1.min(f).saturating_sub(g0.max(now));
                f.saturating_sub(now) - idle
            })
            .sum();
        self.busy_ns.saturating_sub(ahead)
    }

    /// Number of cores.
    pub fn cores(&self) -> u32 {
        self.free_at_ns.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn jobs_spread_over_cores_then_queue() {
        let mut c = Cpu::new(2);
        assert_eq!(c.submit(0, 10), 10);
        assert_eq!(c.submit(0, 10), 10);
        assert_eq!(c.submit(0, 10), 20, "third job waits for a core");
        assert_eq!(c.submit(30, 5), 35, "an idle core starts at once");
        assert_eq!(c.busy_ns(), 35);
    }

    #[test]
    fn a_quota_caps_the_capacity() {
        let mut c = Cpu::with_quota(8, 200); // 0.2 core
        assert_eq!(c.cores(), 1);
        assert_eq!(c.submit(0, 10), 50, "10 ns of work at a fifth of a core");
        let mut c = Cpu::with_quota(2, 1500); // 1.5 cores: 2 cores at 0.75
        assert_eq!(c.submit(0, 75), 100);
        assert_eq!(c.submit(0, 75), 100);
        assert_eq!(c.submit(0, 75), 200);
        assert_eq!(
            Cpu::with_quota(2, 4000).cores(),
            2,
            "a quota above the cores changes nothing"
        );
    }

    #[test]
    fn work_reserved_ahead_is_counted_when_served_not_the_gap_before_it() {
        let mut c = Cpu::new(1);
        c.submit(0, 10); // 0..10
        c.submit(100, 10); // handed over for 100..110, idle 10..100
        assert_eq!(c.busy_ns_at(5), 5);
        assert_eq!(c.busy_ns_at(50), 10, "the idle gap is not busy");
        assert_eq!(c.busy_ns_at(105), 15);
        assert_eq!(c.busy_ns_at(200), 20);
    }
}
