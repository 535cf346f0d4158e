//! The Kafka model: brokers, partition logs, producers, consumers and consumer groups, built
//! from the engine and the resources. It knows nothing of files, the CLI or plots.
//!
//! ```text
//!  producer: app thread ─► partitioner ─► accumulator ─► sender ──┐
//!                                                                 ▼ link
//!  broker:   network threads ─► request queue ─► I/O threads ─► log + page cache ─► disk
//!                                                                 │ link
//!  consumer: fetcher ─► buffers ─► poll loop (per-record cost)  ◄──┘
//!            group member ◄─► coordinator (JoinGroup, SyncGroup, Heartbeat, OffsetCommit)
//! ```

pub mod actions;
pub mod broker;
pub mod cluster;
pub mod consumer;
pub mod controller;
pub mod cpu_jobs;
pub mod describe;
pub mod event;
pub mod faults;
pub mod group;
pub mod hash;
pub mod jvm;
pub mod log;
pub mod metadata;
pub mod metrics;
pub mod partitioner;
pub mod producer;
pub mod records;
pub mod replication;
pub mod reset_offsets;
pub mod workload;

pub use cluster::Cluster;
pub use event::Event;
