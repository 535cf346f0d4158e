//! Replication: where replicas go ([`placement`]), each partition's leader, ISR and followers
//! ([`partition`]), the followers' replica fetchers ([`fetcher`]) and the ISR timer ([`isr`]).
//!
//! ```text
//!  producer ──Produce──► leader log ──(acks=all: held in purgatory until HW ≥ batch end)
//!                          ▲   │ long-polled Fetch (replica.fetch.wait.max.ms)
//!              fetch offset│   ▼
//!                        follower's replica fetcher ──► follower log (same offsets)
//!  HW = min LEO over the ISR, advanced when a follower's fetch offset shows its progress;
//!  consumers read only below the HW.
//! ```

pub mod fetcher;
pub mod isr;
pub mod partition;
pub mod placement;
