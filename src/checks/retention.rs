//! Retention: what Kafka's retention pass promises (`UnifiedLog.deleteOldSegments`), checked
//! after every pass on every replica.
//!
//! - the log start never passes the high watermark (a consumer that asks for the earliest
//!   offset can read it);
//! - the active segment is never deleted: after a pass the newest segment is the one that
//!   was active, or — when every segment went — a new empty one rolled at the log end;
//! - the log start is the base offset of the oldest segment kept.

use super::Violation;

/// A segment as the check sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentShape {
    /// Its number (position / segment bytes).
    pub index: u64,
    /// Offset of its first record.
    pub base_offset: u64,
    /// Bytes in it.
    pub bytes: u64,
}

/// A replica's log right after a retention pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassShape {
    /// The segment that was active before the pass.
    pub active_before: Option<SegmentShape>,
    /// The oldest segment kept.
    pub oldest: Option<SegmentShape>,
    /// The active segment after the pass.
    pub active: Option<SegmentShape>,
    /// Log start offset after the pass.
    pub log_start: u64,
    /// High watermark.
    pub hw: u64,
    /// Log end offset.
    pub leo: u64,
}

/// Violations of retention's promises.
#[derive(Clone, Debug, Default)]
pub struct RetentionCheck {
    /// Violations found.
    pub violations: Vec<Violation>,
}

impl RetentionCheck {
    /// Check the pass that left `broker`'s replica of `partition` as `s`.
    pub fn pass(&mut self, partition: u32, broker: usize, s: &PassShape) {
        for detail in problems(s) {
            self.violations.push(Violation {
                check: "retention",
                detail: format!("partition {partition} on broker {broker}: {detail}"),
            });
        }
    }
}

/// What is wrong with `s`, if anything.
pub fn problems(s: &PassShape) -> Vec<String> {
    let mut out = vec![];
    if s.log_start > s.hw {
        out.push(format!(
            "log start {} passed the high watermark {}",
            s.log_start, s.hw
        ));
    }
    if let Some(before) = s.active_before {
        match s.active {
            None => out.push(format!("active segment {} deleted, none left", before.index)),
            Some(a) if a.index < before.index => out.push(format!(
                "active segment went back from {} to {}",
                before.index, a.index
            )),
            Some(a) if a.index > before.index && (a.bytes > 0 || a.base_offset != s.leo) => {
                out.push(format!(
                    "active segment {} deleted, but segment {} holds {} bytes from offset {} (log end {})",
                    before.index, a.index, a.bytes, a.base_offset, s.leo
                ))
            }
            _ => {}
        }
    }
    if let Some(o) = s.oldest {
        if o.base_offset != s.log_start {
            out.push(format!(
                "log start {} is not the oldest segment's base offset {}",
                s.log_start, o.base_offset
            ));
        }
    }
    out
}
