//! # kafkasim
//!
//! A deterministic discrete-event simulator of Apache Kafka partitioning: brokers, disk and
//! page cache, network, partition logs, producer batching and compression, consumer groups and
//! rebalances. The same scenario and seed give byte-identical outputs on every machine and at
//! any thread count.
//!
//! ```text
//!  scenario (TOML, Kafka config names) ──► experiment (points × seeds, rayon) ──► report
//!                                              │                           (table, CSV, JSON, plots)
//!                                              ▼
//!            kafka (producers ─► brokers ─► consumers, group coordinator)   checks (order,
//!                 │ built from                                               no loss, one owner)
//!            resources (CPU cores, links, disk, page cache, thread pools)
//!                 │ driven by
//!            engine (u64 ns time, (time, seq) event heap, ChaCha streams, budgets)
//! ```
//!
//! Run one simulation from a scenario text:
//!
//! ```
//! let sc = kafkasim::scenario::Scenario::parse(r#"
//!     [topic]
//!     partitions = 2
//!     [producer]
//!     records = 10000
//!     [consumer]
//!     count = 2
//!     "auto.offset.reset" = "earliest"
//! "#, "example").unwrap();
//! let (_, cfg) = sc.resolve_all().unwrap().remove(0);
//! let run = kafkasim::experiment::simulate(&cfg, 1).unwrap();
//! assert_eq!(run.summary.records_consumed, 10_000);
//! assert!(run.violations.is_empty());
//! ```
#![warn(missing_docs)]

pub mod calibrate;
pub mod check;
pub mod checks;
pub mod engine;
pub mod examples;
pub mod experiment;
pub mod hardware;
pub mod kafka;
pub mod report;
pub mod scenario;
