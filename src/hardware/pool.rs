//! A pool of `k` threads with a FIFO of jobs waiting for one (broker network and I/O threads).
//!
//! A job [`acquire`](ThreadPool::acquire)s a thread if one is free, else waits in the queue; on
//! [`release`](ThreadPool::release) the longest-waiting job (if any) takes the thread.

use std::collections::VecDeque;

/// `k` threads and the jobs waiting for them.
#[derive(Clone, Debug)]
pub struct ThreadPool<J> {
    free: u32,
    waiting: VecDeque<J>,
    max_waiting: usize,
}

impl<J> ThreadPool<J> {
    /// A pool of `threads` (≥ 1) threads.
    pub fn new(threads: u32) -> Self {
        Self {
            free: threads.max(1),
            waiting: VecDeque::new(),
            max_waiting: 0,
        }
    }

    /// Give `job` a thread now (returns it back to run) or queue it (returns `None`).
    pub fn acquire(&mut self, job: J) -> Option<J> {
        if self.free > 0 {
            self.free -= 1;
            Some(job)
        } else {
            self.waiting.push_back(job);
            self.max_waiting = self.max_waiting.max(self.waiting.len());
            None
        }
    }

    /// A thread finished its job; returns the next job to run on it, if any waits.
    pub fn release(&mut self) -> Option<J> {
        match self.waiting.pop_front() {
            Some(j) => Some(j),
            None => {
                self.free += 1;
                None
            }
        }
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
        let mut p = ThreadPool::new(1);
        assert_eq!(p.acquire(1), Some(1));
        assert_eq!(p.acquire(2), None);
        assert_eq!(p.acquire(3), None);
        assert_eq!(p.release(), Some(2));
        assert_eq!(p.release(), Some(3));
        assert_eq!(p.release(), None);
        assert_eq!(p.acquire(4), Some(4));
        assert_eq!(p.max_queued(), 2);
    }
}
