//! CPU cores of one host, shared by every process placed on it (broker threads and clients
//! compete, as on the one laptop of the classroom experiment).
//!
//! Model: `cores` identical servers, FIFO, non-preemptive. A job of `w` ns submitted at `t`
//! starts on the core that frees first, at `s = max(t, free_at)`, and ends at `s + w`.
//! Utilisation is busy time over elapsed time.

use crate::engine::Nanos;

/// The cores of one host.
#[derive(Clone, Debug)]
pub struct Cpu {
    free_at_ns: Vec<Nanos>,
    busy_ns: u64,
}

impl Cpu {
    /// A host with `cores` cores (at least 1).
    pub fn new(cores: u32) -> Self {
        Self {
            free_at_ns: vec![0; cores.max(1) as usize],
            busy_ns: 0,
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
        let done = free.max(now) + work_ns;
        self.free_at_ns[i] = done;
        self.busy_ns += work_ns;
        done
    }

    /// Total CPU work done so far, ns.
    pub fn busy_ns(&self) -> u64 {
        self.busy_ns
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
}
