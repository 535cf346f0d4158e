//! The bundled scenarios, embedded in the binary so an installed kafkasim has a starting point
//! (`kafkasim example NAME`). `classroom-cores` is left out: it includes a calibration profile
//! from the repository (`plots/classroom-real/profile.toml`).

/// Name and text of each bundled scenario, in `scenarios/` order.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "acks-replication",
        include_str!("../scenarios/acks-replication.toml"),
    ),
    (
        "compacted-topic",
        include_str!("../scenarios/compacted-topic.toml"),
    ),
    (
        "consumer-crash",
        include_str!("../scenarios/consumer-crash.toml"),
    ),
    (
        "course-topics",
        include_str!("../scenarios/course-topics.toml"),
    ),
    (
        "disk-bottleneck",
        include_str!("../scenarios/disk-bottleneck.toml"),
    ),
    ("fan-out", include_str!("../scenarios/fan-out.toml")),
    (
        "guarantees-check",
        include_str!("../scenarios/guarantees-check.toml"),
    ),
    (
        "idempotence-reordering",
        include_str!("../scenarios/idempotence-reordering.toml"),
    ),
    (
        "leader-failure",
        include_str!("../scenarios/leader-failure.toml"),
    ),
    (
        "offsets-reset",
        include_str!("../scenarios/offsets-reset.toml"),
    ),
    (
        "partitions-experiment",
        include_str!("../scenarios/partitions-experiment.toml"),
    ),
    (
        "protocol-churn",
        include_str!("../scenarios/protocol-churn.toml"),
    ),
    (
        "retention-lag",
        include_str!("../scenarios/retention-lag.toml"),
    ),
    (
        "rolling-restart",
        include_str!("../scenarios/rolling-restart.toml"),
    ),
    ("scale-out", include_str!("../scenarios/scale-out.toml")),
];

/// Scenarios of `scenarios/` not embedded, and why.
pub const NOT_EMBEDDED: &[(&str, &str)] = &[(
    "classroom-cores",
    "it includes plots/classroom-real/profile.toml from the repository",
)];

/// The text of example `name`.
pub fn get(name: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// One line per example: its name and the `description` of its text.
pub fn list() -> String {
    let mut out = String::new();
    for (name, text) in EXAMPLES {
        let description = text
            .lines()
            .find_map(|l| l.strip_prefix("description = "))
            .map(|d| d.trim_matches('"'))
            .unwrap_or("");
        out.push_str(&format!("{name:<24} {description}\n"));
    }
    out
}
