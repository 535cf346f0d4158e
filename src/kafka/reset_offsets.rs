//! `kafka-consumer-groups --reset-offsets --execute` as a scenario event (Kafka's
//! tools/.../consumer/group/ConsumerGroupCommand.java, `resetOffsets` and
//! `prepareOffsetsToReset`): refused unless the group is empty; otherwise every partition's
//! committed offset is set to the log start (`--to-earliest`), the high watermark
//! (`--to-latest`), the committed offset or the log end where there is none (`--to-current`),
//! a given offset (`--to-offset`), the committed offset shifted (`--shift-by`, refused when a
//! partition has no committed offset), or the time index's answer for a time
//! (`--to-datetime`, `--by-duration`; the log end when no record is that recent) — each clamped
//! to `[log start, log end]` as the tool's `checkOffsetsRange` does.
//!
//! Consumers that join afterwards start from these offsets. A reset backwards makes the run
//! wait until the group has read up to where it was (the records read again count as
//! duplicates); a reset forwards passes records over on purpose (neither consumed nor lost).

use super::cluster::Cluster;
use crate::engine::time::secs;
use crate::engine::Nanos;
use crate::scenario::events::ResetTo;

impl Cluster {
    /// Why group `g` cannot be reset now, if it cannot.
    fn group_busy(&self, g: usize) -> Option<String> {
        let members = match &self.groups[g].kip848 {
            Some(k) => k.member_ids().len(),
            None => self.groups[g].coord.member_count(),
        };
        (members > 0).then(|| {
            format!("the group has {members} active member(s) (kafka-consumer-groups: \"Assignments can only be reset if the group is inactive\")")
        })
    }

    /// The committed offset `to` asks for on partition `p` at `now`, before clamping, or why
    /// there is none.
    fn reset_target(&self, now: Nanos, g: usize, p: u32, to: ResetTo) -> Result<u64, String> {
        let log = self.leader_log(p);
        let end = log.hw();
        let current = self.groups[g].coord.committed(p);
        Ok(match to {
            ResetTo::Earliest => log.log_start(),
            ResetTo::Latest => end,
            ResetTo::Current => current.unwrap_or(end),
            ResetTo::Offset(o) => o,
            ResetTo::ShiftBy(d) => {
                let c = current.ok_or_else(|| {
                    format!("cannot shift partition {p}: it has no committed offset")
                })?;
                c.saturating_add_signed(d)
            }
            ResetTo::Datetime(t) => log.offset_for_time(t).unwrap_or(end),
            ResetTo::Duration(d) => log.offset_for_time(now.saturating_sub(d)).unwrap_or(end),
        })
    }

    /// The `group.reset_offsets` event on group `g` (every partition it subscribes to).
    pub(crate) fn reset_offsets(&mut self, now: Nanos, g: usize, to: ResetTo) {
        let parts: Vec<u32> = self.cfg.subscribed(g).collect();
        let targets: Result<Vec<u64>, String> = match self.group_busy(g) {
            Some(why) => Err(why),
            None => parts
                .iter()
                .map(|&p| self.reset_target(now, g, p, to))
                .collect(),
        };
        let targets = match targets {
            Ok(t) => t,
            Err(why) => {
                let note = format!("group.reset_offsets at {:.3} s refused: {why}", secs(now));
                self.metrics.refused_events.push(note);
                return;
            }
        };
        for (p, target) in parts.into_iter().zip(targets) {
            let log = self.leader_log(p);
            let target = target.clamp(log.log_start(), log.hw());
            self.groups[g].coord.set_committed(p, target);
            let lane = self.checks.lanes.lane(g, p);
            let upto = self.checks.delivery.consumed_upto(lane);
            if target > upto {
                self.pass_over(g, p, target);
            } else if target < upto {
                let until = self.reread_until.entry(lane).or_insert(0);
                *until = (*until).max(upto);
            }
        }
        self.metrics.offset_resets += 1;
    }
}
