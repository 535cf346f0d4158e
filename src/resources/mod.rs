//! Reusable queueing pieces the Kafka model is built from. Each is a FIFO server whose
//! completion time is computed when work is submitted at the current time (exact for FIFO
//! service when submissions arrive in time order, which the event loop guarantees).
//!
//! | piece | model | formula |
//! |---|---|---|
//! | [`Cpu`] | k identical cores, FIFO, non-preemptive | start = earliest free core, done = start + work |
//! | [`Link`] | one FIFO wire with bandwidth and latency | done = max(now, free) + bytes/bw; arrive = done + latency |
//! | [`Disk`] | one head, FIFO, seek on discontiguous access | done = max(now, free) + [seek] + bytes/bw |
//! | [`PageCache`] | LRU pages; writes dirty, written back in the background | hit if resident |
//! | [`ThreadPool`] | k threads, a FIFO of waiting jobs | a job holds a thread until released |

pub mod cpu;
pub mod disk;
pub mod link;
pub mod page_cache;
pub mod pool;

pub use cpu::Cpu;
pub use disk::{Disk, DiskProfile};
pub use link::Link;
pub use page_cache::PageCache;
pub use pool::ThreadPool;
