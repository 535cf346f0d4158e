//! OpenMessaging Benchmark's result file (`TestResult` in openmessaging-benchmark's
//! benchmark-framework): the workload's shape, rates and backlog per 10-second window, and the
//! aggregated publish and end-to-end latency percentiles in milliseconds — so OMB's
//! `bin/create_charts.py` can draw a kafkasim run next to real ones. kafkasim keeps latency
//! histograms for the whole run, not per window: the per-window latency lists are left empty.

use crate::experiment::summary::Latency;
use crate::experiment::RunOutput;
use crate::scenario::omb::OmbShape;
use serde_json::{json, Map, Value};

/// OMB's statistics window, ns.
const WINDOW_NS: u64 = 10_000_000_000;

/// `prefix` as OMB names it per window (`publishLatency`); the aggregated fields are
/// `aggregated` + it capitalised.
fn latency(prefix: &str, l: &Latency, out: &mut Map<String, Value>) {
    let upper = prefix[..1].to_uppercase() + &prefix[1..];
    // Field suffix, its quantile in OMB's quantile map (None for the mean), value.
    let fields = [
        ("Avg", None, l.avg_ms),
        ("50pct", Some("50.0"), l.p50_ms),
        ("75pct", Some("75.0"), l.p75_ms),
        ("95pct", Some("95.0"), l.p95_ms),
        ("99pct", Some("99.0"), l.p99_ms),
        ("999pct", Some("99.9"), l.p999_ms),
        ("9999pct", Some("99.99"), l.p9999_ms),
        ("Max", Some("100.0"), l.max_ms),
    ];
    let mut quantiles = Map::new();
    for (name, quantile, v) in fields {
        out.insert(format!("aggregated{upper}{name}"), json!(v));
        out.insert(format!("{prefix}{name}"), json!([]));
        if let Some(q) = quantile {
            quantiles.insert(q.to_string(), json!(v));
        }
    }
    out.insert(
        format!("aggregated{upper}Quantiles"),
        Value::Object(quantiles),
    );
}

/// The result of `run` in OMB's format, for a workload of `shape`.
pub fn result(shape: &OmbShape, run: &RunOutput) -> Value {
    // Records produced and read so far at each sample time (read summed over groups, as OMB
    // counts every subscription's messages).
    let mut produced: std::collections::BTreeMap<u64, (u64, u64)> = Default::default();
    for s in &run.partition_series {
        produced.entry(s.time_ns).or_default().0 += s.produced;
        if run.group_series.is_empty() {
            produced.entry(s.time_ns).or_default().1 += s.consumed;
        }
    }
    for g in &run.group_series {
        produced.entry(g.time_ns).or_default().1 += g.read;
    }
    let at =
        |t: u64| -> (u64, u64) { produced.range(..=t).next_back().map_or((0, 0), |(_, &v)| v) };
    let end = produced.keys().next_back().copied().unwrap_or(0);
    let subscriptions = shape.subscriptions_per_topic;
    let (mut publish, mut consume, mut backlog) = (vec![], vec![], vec![]);
    let mut t = shape.start_ns + WINDOW_NS;
    while t <= end {
        let (p0, c0) = at(t - WINDOW_NS);
        let (p1, c1) = at(t);
        publish.push(json!((p1 - p0) as f64 / 10.0));
        consume.push(json!(c1.saturating_sub(c0) as f64 / 10.0));
        backlog.push(json!((p1 * subscriptions).saturating_sub(c1)));
        t += WINDOW_NS;
    }
    let mut out = Map::new();
    out.insert("workload".into(), json!(shape.workload));
    out.insert("driver".into(), json!(shape.driver));
    out.insert("messageSize".into(), json!(shape.message_size));
    out.insert("topics".into(), json!(shape.topics));
    out.insert("partitions".into(), json!(shape.partitions));
    out.insert("producersPerTopic".into(), json!(shape.producers_per_topic));
    out.insert("consumersPerTopic".into(), json!(shape.consumers_per_topic));
    out.insert("publishRate".into(), Value::Array(publish));
    out.insert("consumeRate".into(), Value::Array(consume));
    out.insert("backlog".into(), Value::Array(backlog));
    latency("publishLatency", &run.summary.publish_latency, &mut out);
    latency("endToEndLatency", &run.summary.e2e_latency, &mut out);
    out.insert(
        "kafkasim".into(),
        json!({
            "seed": run.seed,
            "note": "simulated by kafkasim; per-window latency lists are empty (whole-run histograms only)",
        }),
    );
    Value::Object(out)
}
