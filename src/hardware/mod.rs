//! The machines under the Kafka model. It knows nothing of Kafka: hosts with cores, a page
//! cache, disks, a NIC and a loopback device, and the network between them. Each FIFO piece
//! computes the completion time of work when it is submitted at the current time (exact for
//! FIFO service when submissions arrive in time order, which the event loop guarantees); the
//! CPU, shared as processor sharing, reports ends as they come ([`Cpu::next_event_ns`]).
//!
//! | piece | model | formula |
//! |---|---|---|
//! | [`Host`] | one machine; `write` throttled as Linux's `balance_dirty_pages`, `fsync`, `read` | see [`host`] |
//! | [`Cpu`] | k identical cores (or a CFS quota) less a steady background, processor sharing among runnable threads | each of n runs at min(1, k / n) of a core |
//! | [`Nic`] | full duplex, each line a first-fit calendar shared by every flow | see [`nic`] |
//! | [`Link`] | one FIFO wire with bandwidth and latency (loopback) | done = max(now, free) + bytes/bw; arrive = done + latency |
//! | [`Disk`] | one queue, FIFO, seek on discontiguous access, IOPS, cache flush | done = max(now, free) + [seek] + max(bytes/bw, ops/iops) |
//! | [`PageCache`] | LRU pages; writes dirty, written back in the background | hit if resident |
//! | [`ThreadPool`] | k threads, a FIFO of waiting jobs, [`WakeCost`] | a job holds a thread until released; a thread waking after a sleep costs extra CPU |
//! | [`WakeStall`] | a woken thread waiting for a core behind unmodelled work | after a sleep of at least `after`, with probability p, uniform in [0, max] |

pub mod cpu;
pub mod disk;
pub mod host;
pub mod link;
pub mod network;
pub mod nic;
pub mod page_cache;
pub mod pool;

pub use cpu::Cpu;
pub use disk::{Disk, DiskProfile};
pub use host::{DirtyLimits, Host, HostSample, HostSpec};
pub use link::Link;
pub use network::Network;
pub use nic::Nic;
pub use page_cache::PageCache;
pub use pool::{ThreadPool, WakeCost, WakeStall};
