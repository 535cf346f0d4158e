//! The measurement plans of `kafkasim calibrate --bootstrap` and how their measurements become
//! calibration points (feature `calibrate`).
//!
//! The **full** plan ([`Plan::Full`]):
//! - the seed experiment for real: 100,000 records of 100 bytes to topics of 1, 2 and 4
//!   partitions, with no key, random keys and a fixed key; read by one consumer, then by a group
//!   of as many consumers as partitions;
//! - 1-partition runs of 20,000 and 300,000 records (no key), so the fit can tell costs per
//!   record from fixed ones (the consumer's start after its assignment);
//! - producer sweeps on a 1-partition topic with no key: `batch.size` 16384 / 65536 / 262144,
//!   `linger.ms` 0 / 20, `compression.type` gzip / snappy / lz4 (not zstd: rdkafka's default
//!   build leaves it out), and values of 10, 1,000 and 10,000 bytes (fewer records for the large
//!   ones, about 100 MB at most), each also read by one consumer;
//! - one request in flight: 1-partition, one record per request (`batch.num.messages` 1,
//!   `linger.ms` 0, `max.in.flight` 1), a fifth of the records: its throughput is one over a
//!   record's whole cycle (client, network, broker), which the flat-out points leave
//!   unidentified (a fit without it put an Intel Xeon's producer `request_cpu_us` at 287 µs,
//!   where that cycle measured 129 µs in all).
//!
//! The **small** plan ([`Plan::Small`], for CI): 20,000 records on 1 partition with no key (and
//! 60,000), 2 and 4 partitions with random keys (groups of 2 and 4), and the one-in-flight point.
//!
//! Every point runs `warmup` discarded runs, then `repetitions` recorded ones; with no warm-up
//! the first recorded run is marked cold and kept out of the means. Values are pseudo-random
//! bytes (incompressible), so compressed points are simulated with `producer.compression.ratio
//! = 1`. Points on a 1-partition topic are used to fit; the 2- and 4-partition points (their
//! production and their consumer groups) are held out.

use super::data::{CalPoint, Phase, Role};
use super::measure::{KeyMode, MeasurePoint, Measurement};

/// Which plan to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The seed experiment and the producer sweeps (about 10 minutes on a laptop).
    Full,
    /// A few points of 20,000 records (a minute or two; for CI).
    Small,
}

/// The points of `plan`; `records` overrides the records of the seed-experiment points.
pub fn points(
    plan: Plan,
    records: Option<u64>,
    repetitions: u32,
    warmup: u32,
) -> Vec<MeasurePoint> {
    let mk = |name: String,
              partitions: u32,
              records: u64,
              value_bytes: u32,
              key_mode: KeyMode,
              consumers: u32,
              cfg: &[(&str, &str)]| MeasurePoint {
        name,
        partitions,
        records,
        value_bytes,
        key_mode,
        consumers,
        producer_config: cfg
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        repetitions,
        warmup,
    };
    match plan {
        Plan::Small => {
            let n = records.unwrap_or(20_000);
            vec![
                mk("p1-none".into(), 1, n, 100, KeyMode::None, 1, &[]),
                mk(
                    "p1-none-linger0".into(),
                    1,
                    n,
                    100,
                    KeyMode::None,
                    1,
                    &[("linger.ms", "0")],
                ),
                mk("p2-random".into(), 2, n, 100, KeyMode::Random, 2, &[]),
                mk("p4-random".into(), 4, n, 100, KeyMode::Random, 4, &[]),
                mk(
                    "p1-one-in-flight".into(),
                    1,
                    (n / 5).max(1),
                    100,
                    KeyMode::None,
                    1,
                    ONE_IN_FLIGHT,
                ),
            ]
        }
        Plan::Full => {
            let n = records.unwrap_or(100_000);
            let mut v = vec![];
            for partitions in [1u32, 2, 4] {
                for (key, mode) in [
                    ("none", KeyMode::None),
                    ("random", KeyMode::Random),
                    ("fixed", KeyMode::Fixed),
                ] {
                    v.push(mk(
                        format!("seed-p{partitions}-{key}"),
                        partitions,
                        n,
                        100,
                        mode,
                        partitions,
                        &[],
                    ));
                }
            }
            for records in [(n / 5).max(1), 3 * n] {
                v.push(mk(
                    format!("p1-records{records}"),
                    1,
                    records,
                    100,
                    KeyMode::None,
                    1,
                    &[],
                ));
            }
            for b in ["16384", "65536", "262144"] {
                v.push(mk(
                    format!("p1-batch{b}"),
                    1,
                    n,
                    100,
                    KeyMode::None,
                    1,
                    &[("batch.size", b)],
                ));
            }
            for l in ["0", "20"] {
                v.push(mk(
                    format!("p1-linger{l}"),
                    1,
                    n,
                    100,
                    KeyMode::None,
                    1,
                    &[("linger.ms", l)],
                ));
            }
            for c in ["gzip", "snappy", "lz4"] {
                v.push(mk(
                    format!("p1-{c}"),
                    1,
                    n,
                    100,
                    KeyMode::None,
                    1,
                    &[("compression.type", c)],
                ));
            }
            v.push(mk(
                "p1-one-in-flight".into(),
                1,
                (n / 5).max(1),
                100,
                KeyMode::None,
                1,
                ONE_IN_FLIGHT,
            ));
            for (bytes, records) in [(10u32, n), (1000, n), (10_000, (n / 10).max(1))] {
                v.push(mk(
                    format!("p1-value{bytes}"),
                    1,
                    records,
                    bytes,
                    KeyMode::None,
                    1,
                    &[],
                ));
            }
            v
        }
    }
}

/// One record per request, one request at a time (librdkafka's names).
const ONE_IN_FLIGHT: &[(&str, &str)] = &[
    ("linger.ms", "0"),
    ("batch.num.messages", "1"),
    ("max.in.flight.requests.per.connection", "1"),
];

/// The key of every record in the fixed-key points (the simulator must hash the same key to put
/// the records on the same partition).
pub const FIXED_KEY: &str = "kafkasim-fixed-key";

/// The scenario keys that make the simulator run `point`'s workload with `consumers` consumers.
pub fn settings(point: &MeasurePoint, consumers: u32) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = vec![
        ("client".into(), "librdkafka".into()),
        ("topic.partitions".into(), point.partitions.to_string()),
        ("producer.records".into(), point.records.to_string()),
        ("producer.value_bytes".into(), point.value_bytes.to_string()),
        (
            "producer.keys".into(),
            match point.key_mode {
                KeyMode::None => "none",
                KeyMode::Random => "random",
                KeyMode::Fixed => "fixed",
            }
            .into(),
        ),
        ("consumer.count".into(), consumers.to_string()),
        ("consumer.start_after_produce".into(), "true".into()),
        ("consumer.auto.offset.reset".into(), "earliest".into()),
        ("consumer.enable.auto.commit".into(), "false".into()),
    ];
    if point.key_mode == KeyMode::Fixed {
        s.push(("producer.fixed_key".into(), FIXED_KEY.into()));
    }
    for (k, v) in &point.producer_config {
        let key = match k.as_str() {
            "batch.size" => "producer.batch.size",
            "linger.ms" | "queue.buffering.max.ms" => "producer.linger.ms",
            "compression.type" | "compression.codec" => "producer.compression.type",
            "batch.num.messages" => "producer.batch.num.messages",
            "max.in.flight.requests.per.connection" | "max.in.flight" => {
                "producer.max.in.flight.requests.per.connection"
            }
            _ => continue,
        };
        s.push((key.into(), v.clone()));
        if key == "producer.compression.type" && v != "none" {
            s.push(("producer.compression.ratio".into(), "1".into()));
        }
    }
    s
}

/// Groups the harness's measurements into calibration points: `<point>/produce`,
/// `<point>/consume-1` and `<point>/consume-<N>`, in plan order.
pub fn cal_points(plan: &[MeasurePoint], measurements: &[Measurement]) -> Vec<CalPoint> {
    let mut out: Vec<CalPoint> = vec![];
    for m in measurements {
        let Some(mp) = plan.iter().find(|p| p.name == m.point) else {
            continue;
        };
        let consumers = m.consumers() as u32;
        let name = match m.phase {
            Phase::Produce => format!("{}/produce", m.point),
            Phase::Consume => format!("{}/consume-{consumers}", m.point),
        };
        let sample = m.sample.clone();
        match out.iter_mut().find(|p| p.name == name) {
            Some(p) => p.samples.push(sample),
            None => out.push(CalPoint {
                name,
                phase: m.phase,
                consumers,
                role: if mp.partitions == 1 {
                    Role::Fit
                } else {
                    Role::HeldOut
                },
                settings: settings(mp, consumers),
                samples: vec![sample],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::data::Sample;
    use crate::calibrate::fit::{config_for, Env};
    use crate::scenario::SimConfig;

    #[test]
    fn every_planned_point_is_a_valid_scenario() {
        let env: Env = vec![("host.cores".into(), "2".into())];
        for plan in [Plan::Full, Plan::Small] {
            for mp in points(plan, None, 3, 1) {
                for consumers in [0, 1, mp.consumers] {
                    let p = CalPoint {
                        name: mp.name.clone(),
                        phase: Phase::Produce,
                        consumers,
                        role: Role::Fit,
                        settings: settings(&mp, consumers),
                        samples: vec![],
                    };
                    let c = config_for(&p, &env, None).unwrap();
                    SimConfig::from_config(&c).unwrap();
                }
            }
        }
        let full = points(Plan::Full, None, 3, 1);
        assert_eq!(full.len(), 9 + 14);
        let one = full.iter().find(|p| p.name == "p1-one-in-flight").unwrap();
        let s = settings(one, 0);
        let has = |k: &str, v: &str| s.iter().any(|(a, b)| a == k && b == v);
        assert!(
            has("producer.max.in.flight.requests.per.connection", "1")
                && has("producer.batch.num.messages", "1")
                && has("producer.linger.ms", "0"),
            "{s:?}"
        );
        assert!(full
            .iter()
            .all(|p| p.records as u128 * p.value_bytes as u128 <= 100_000_000));
    }

    #[test]
    fn measurements_group_into_points_with_roles() {
        let plan = points(Plan::Small, Some(10), 1, 0);
        let m = |point: &str, phase, consumers: usize| Measurement {
            point: point.into(),
            phase,
            sample: Sample {
                repetition: 0,
                cold: true,
                records: 10,
                bytes: 1000,
                wall_s: 1.0,
                first_record_s: None,
                group_join_s: None,
                records_per_consumer: vec![5; consumers],
                load_1m: None,
                steal_s: None,
            },
        };
        let pts = cal_points(
            &plan,
            &[
                m("p1-none", Phase::Produce, 0),
                m("p1-none", Phase::Consume, 1),
                m("p4-random", Phase::Consume, 4),
                m("p4-random", Phase::Consume, 4),
            ],
        );
        let names: Vec<&str> = pts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "p1-none/produce",
                "p1-none/consume-1",
                "p4-random/consume-4"
            ]
        );
        assert_eq!(pts[2].role, Role::HeldOut);
        assert_eq!(pts[2].samples.len(), 2);
        assert_eq!(pts[0].setting("consumer.count"), Some("0"));
    }
}
