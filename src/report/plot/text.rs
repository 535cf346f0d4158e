//! Text layout: title sizes, wrapping and staggering labels so none overlap.

use super::*;

/// A title's font size, px: 48, smaller for a title too long to fit the canvas's width.
pub(super) fn title_px(title: &str) -> f64 {
    let chars = title.chars().count().max(1) as f64;
    (look().width as f64 * 0.92 / (chars * CHAR_WIDTH_EM))
        .clamp(20.0, 48.0)
        .floor()
}

/// Width of an average character of [`FONT`], in em (DejaVu Sans: about 0.55; kept wide).
pub(super) const CHAR_WIDTH_EM: f64 = 0.6;
/// Line spacing of wrapped labels, in em.
pub(super) const LINE_HEIGHT_EM: f64 = 1.15;

/// Greedy word wrap of `text` into lines no wider than `max_w` px (a lone long word overflows).
pub(super) fn wrap(text: &str, max_w: u32, width: &dyn Fn(&str) -> u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if cur.is_empty() || width(&cand) <= max_w {
            cur = cand;
        } else {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Assign each label extent `(left, right)` (px, sorted by position) to one of `lanes` lanes
/// (0 first) so that labels in a lane are at least `gap` px apart. When no lane is free, the
/// label goes to the lane whose last label ends leftmost and is nudged right past it (its
/// extent is updated). Returns the lane per label.
pub(super) fn stagger(extents: &mut [(i32, i32)], lanes: usize, gap: i32) -> Vec<usize> {
    let mut ends = vec![i32::MIN / 2; lanes.max(1)];
    extents
        .iter_mut()
        .map(|(l, r)| {
            let lane = (0..ends.len())
                .find(|&k| ends[k] + gap <= *l)
                .unwrap_or_else(|| {
                    let best = ends.iter().copied().min().unwrap_or(0);
                    ends.iter().position(|&e| e == best).unwrap_or(0)
                });
            let shift = (ends[lane] + gap - *l).max(0);
            *l += shift;
            *r += shift;
            ends[lane] = *r;
            lane
        })
        .collect()
}
