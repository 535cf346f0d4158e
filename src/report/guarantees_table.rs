//! The table section about replication and guarantees (printed for replicated topics, broker
//! failures and injected errors): per point, mean over seeds, producer throughput and publish
//! latency percentiles, records lost or unavailable, log duplicates, reorderings, retries,
//! records given up and leader elections.

use super::export::point_estimate;
use crate::experiment::{PointResult, Summary};
use crate::scenario::events::Action;
use std::fmt::Write;

fn about_guarantees(results: &[PointResult]) -> bool {
    results.iter().any(|r| {
        r.config.replication.factor > 1
            || r.config.events.iter().any(|e| {
                matches!(
                    e.action,
                    Action::BrokerCrash { .. }
                        | Action::RequestsFail { .. }
                        | Action::NetworkCut { .. }
                )
            })
    })
}

/// The section, or "" when the scenario is not about replication or failures.
pub fn render(results: &[PointResult]) -> String {
    let mut out = String::new();
    if !about_guarantees(results) {
        return out;
    }
    writeln!(
        out,
        "\nacks:  {:<50} {:>12} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8}",
        "point",
        "acked/s",
        "p50_ms",
        "p99_ms",
        "p99.9_ms",
        "max_ms",
        "lost",
        "unavail",
        "dup_log",
        "reordered",
        "retries",
        "failed",
        "elections",
        "unclean"
    )
    .ok();
    for r in results {
        let e = |f: fn(&Summary) -> f64| point_estimate(r, f).mean;
        writeln!(
            out,
            "acks:  {:<50} {:>12.0} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>9.1} {:>8.1}",
            r.point.short_name(),
            e(|s| s.produce_records_per_s),
            e(|s| s.publish_latency.p50_ms),
            e(|s| s.publish_latency.p99_ms),
            e(|s| s.publish_latency.p999_ms),
            e(|s| s.publish_latency.max_ms),
            e(|s| s.lost as f64),
            e(|s| s.guarantees.unavailable as f64),
            e(|s| s.guarantees.log_duplicates as f64),
            e(|s| s.guarantees.reordered as f64),
            e(|s| s.guarantees.retries as f64),
            e(|s| s.guarantees.failed_records as f64),
            e(|s| s.guarantees.leader_elections as f64),
            e(|s| s.guarantees.unclean_elections as f64),
        )
        .ok();
    }
    out
}
