//! Per-rebalance metrics: how long each took, why it started, how many partitions changed
//! owner, how far consumption fell behind while it ran, and the duplicates that followed it.
//!
//! - classic protocol: from the group leaving Stable to the leader's assignment being stored;
//! - KIP-848: from a new target assignment to every member reconciled to it (or to the next
//!   target, or the run's end).
//!
//! `records_behind` = the group's lag (records appended − records consumed) at the end minus at
//! the start. `duplicates` = records consumed again from the rebalance's start until the next
//! one's (or the run's end): at-least-once re-reads of what was processed but not committed.

use crate::engine::time::secs;
use crate::engine::Nanos;
use crate::kafka::group::consumer_protocol::ConsumerGroup;
use crate::kafka::group::coordinator::Coordinator;
use crate::kafka::metrics::{AssignmentSample, GroupMark, Metrics};

/// Ownership intervals (partition, consumer, start ns, end ns) from a run's assignment samples,
/// sorted by partition then start; owners still holding a partition at `end_ns` end there.
pub fn intervals(
    samples: &[AssignmentSample],
    partitions: u32,
    end_ns: Nanos,
) -> Vec<(u32, u32, Nanos, Nanos)> {
    let mut open: Vec<Option<(u32, Nanos)>> = vec![None; partitions as usize];
    let mut out = vec![];
    for a in samples {
        let t = a.time_ns;
        for p in 0..partitions {
            let holds = a.partitions.contains(&p);
            match open[p as usize] {
                Some((c, s)) if c == a.consumer && !holds => {
                    out.push((p, c, s, t));
                    open[p as usize] = None;
                }
                None if holds => open[p as usize] = Some((a.consumer, t)),
                _ => {}
            }
        }
    }
    for (p, o) in open.into_iter().enumerate() {
        if let Some((c, s)) = o {
            out.push((p as u32, c, s, end_ns));
        }
    }
    out.sort_unstable();
    out
}

/// Partition-seconds in which no consumer owned a partition, from the group's first
/// assignment to `end_ns`.
pub fn unowned_partition_s(samples: &[AssignmentSample], partitions: u32, end_ns: Nanos) -> f64 {
    let Some(first) = samples.first() else {
        return 0.0;
    };
    let owned: Nanos = intervals(samples, partitions, end_ns)
        .iter()
        .map(|&(_, _, s, e)| e - s.max(first.time_ns))
        .sum();
    secs((partitions as Nanos * end_ns.saturating_sub(first.time_ns)).saturating_sub(owned))
}

/// One rebalance.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RebalanceSummary {
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
    /// end − start, s.
    pub duration_s: f64,
    /// Generation (classic) or group epoch (KIP-848) reached.
    pub generation: i32,
    /// Members.
    pub members: usize,
    /// What started it.
    pub cause: String,
    /// Partitions whose owner changed.
    pub partitions_moved: u32,
    /// Lag added while it ran, records (negative: the group caught up meanwhile).
    pub records_behind: i64,
    /// Duplicates from its start to the next rebalance's start.
    pub duplicates: u64,
}

fn mark_at(marks: &[GroupMark], t: Nanos) -> Option<&GroupMark> {
    marks.iter().rev().find(|m| m.time_ns <= t)
}

/// Every rebalance of a run that ended at `end_ns` with `final_duplicates`.
pub fn rebalances(
    m: &Metrics,
    group: &Coordinator,
    group848: Option<&ConsumerGroup>,
    end_ns: Nanos,
    final_duplicates: u64,
) -> Vec<RebalanceSummary> {
    // (start, end, generation, members, cause, moved)
    let raw: Vec<(Nanos, Nanos, i32, usize, String, u32)> = match group848 {
        Some(g) => g
            .history
            .iter()
            .enumerate()
            .map(|(i, h)| {
                // A target never reached ends when the next one replaces it.
                let superseded = g.history.get(i + 1).map_or(end_ns, |n| n.at);
                (
                    h.at,
                    h.converged_at.unwrap_or(superseded).min(superseded),
                    h.group_epoch,
                    h.members,
                    format!("group epoch {}: membership changed", h.group_epoch),
                    h.moved.len() as u32,
                )
            })
            .collect(),
        None => group
            .rebalances
            .iter()
            .map(|r| {
                (
                    r.start_ns,
                    r.end_ns,
                    r.generation,
                    r.members,
                    r.cause.clone(),
                    r.moved,
                )
            })
            .collect(),
    };
    let marks = &m.group_marks;
    let lag = |t| mark_at(marks, t).map_or(0, |x| x.lag as i64);
    let dups = |t| mark_at(marks, t).map_or(0, |x| x.duplicates);
    (0..raw.len())
        .map(|i| {
            let (start, end, generation, members, ref cause, moved) = raw[i];
            let next_dups = raw.get(i + 1).map_or(final_duplicates, |n| dups(n.0));
            RebalanceSummary {
                start_s: secs(start),
                end_s: secs(end),
                duration_s: secs(end.saturating_sub(start)),
                generation,
                members,
                cause: cause.clone(),
                partitions_moved: moved,
                records_behind: lag(end) - lag(start),
                duplicates: next_dups.saturating_sub(dups(start)),
            }
        })
        .collect()
}
