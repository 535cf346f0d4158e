//! Scenario files: TOML with Kafka's own config names, validated in one step.
//!
//! ```text
//! file.toml ──parse──► flat keys ──check against keys::KEYS──► Config (+ --set)
//!                                                              │ × sweep grid (× seeds)
//!                                                              ▼
//!                                               resolve::SimConfig per point (typed, cross-checked)
//! ```

pub mod config;
pub mod entries;
pub mod error;
pub mod events;
pub mod keys;
pub mod omb;
pub mod resolve;
pub mod value;
pub mod wire;

pub use config::{Config, Point, Scenario};
pub use error::ScenarioError;
pub use resolve::SimConfig;
pub use value::Value;
