//! Calibration against a real Apache Kafka broker (cargo feature `calibrate`): measurements with
//! the `rdkafka` crate. Start a local broker with `scripts/kafka-local.sh start`.
//!
//! Status: the measurement harness works against a real broker; fitting the model's costs and
//! the simulated-versus-measured comparison are not built yet.

pub mod admin;
pub mod measure;
