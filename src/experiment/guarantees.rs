//! What a run says about Kafka's delivery guarantees: retries and failures at the producer,
//! leader elections and ISR changes, records that reached the log twice or out of order, and
//! records truncated away by an election.

use crate::checks::Checks;
use crate::kafka::metrics::Metrics;

/// Guarantee-related counts of one run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Guarantees {
    /// Batch errors the producers received (each retried or given up).
    pub produce_errors: u64,
    /// Batches sent again.
    pub retries: u64,
    /// Records the producers gave up on (retries or delivery.timeout.ms exhausted).
    pub failed_records: u64,
    /// Produce requests failed by `requests.fail`.
    pub injected_failures: u64,
    /// Acknowledged records not read because their partition was offline at the end.
    pub unavailable: u64,
    /// Records that reached the log more than once (retries without idempotence).
    pub log_duplicates: u64,
    /// Runs of records read after a later record of their producer (per-key order broken).
    pub reordered: u64,
    /// Leader elections after a failure.
    pub leader_elections: u64,
    /// Of those, unclean (an out-of-sync replica became leader).
    pub unclean_elections: u64,
    /// Partitions left without a leader (offline) at some point.
    pub offline_events: u64,
    /// Records of an old leader's log its successor did not hold.
    pub truncated_records: u64,
    /// ISR shrinks and expands.
    pub isr_changes: u64,
    /// Every leader change.
    pub elections: Vec<crate::kafka::controller::Election>,
}

impl Guarantees {
    /// Collect from a finished run.
    pub fn new(m: &Metrics, checks: &Checks) -> Self {
        let el = &m.elections;
        Guarantees {
            produce_errors: m.producers.iter().map(|p| p.errors).sum(),
            retries: m.producers.iter().map(|p| p.retries).sum(),
            failed_records: m.producers.iter().map(|p| p.failed_records).sum(),
            injected_failures: m.injected_failures,
            unavailable: checks.delivery.unavailable,
            log_duplicates: checks.delivery.log_duplicates,
            reordered: checks.key_order.reordered,
            leader_elections: el.iter().filter(|e| e.to.is_some()).count() as u64,
            unclean_elections: el.iter().filter(|e| e.unclean).count() as u64,
            offline_events: el.iter().filter(|e| e.to.is_none()).count() as u64,
            truncated_records: el.iter().map(|e| e.truncated_records).sum(),
            isr_changes: m.isr_changes,
            elections: m.elections.clone(),
        }
    }
}
