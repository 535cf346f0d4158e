//! Grouped bar charts, on a linear or log axis, with wrapped category labels.

use super::*;

pub(super) fn draw_bar<DB: DrawingBackend>(
    c: &BarChart,
    area: &DrawingArea<DB, Shift>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    // Items in order of first appearance (a Vec, not a map, to keep output deterministic).
    let mut items: Vec<&str> = Vec::new();
    for (_, bars) in &c.groups {
        for (name, _) in bars {
            if !items.contains(&name.as_str()) {
                items.push(name);
            }
        }
    }
    let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
    let vals: Vec<f64> = if c.stacked {
        c.groups
            .iter()
            .map(|g| g.1.iter().map(|b| fin(b.1).max(0.0)).sum())
            .collect()
    } else {
        c.groups
            .iter()
            .flat_map(|g| g.1.iter().map(|b| fin(b.1)))
            .collect()
    };
    let (lo, hi) = vals
        .iter()
        .fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    // Positive values spanning two decades or more (latency percentiles) go on a log axis,
    // where the small ones stay visible; bars then rise from the decade below the smallest.
    let smallest = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let log = !c.stacked && smallest > 0.0 && hi / smallest >= LOG_AXIS_SPAN;
    let to_axis = move |v: f64| {
        if log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        }
    };
    let (y0, y1) = if log {
        (
            smallest.log10().floor(),
            hi.log10() + (hi.log10() - smallest.log10().floor()) * 0.12,
        )
    } else {
        y_range(lo, hi)
    };
    // Room above the tallest bar for the legend (upper right), so it never covers a bar.
    let legend_share = if items.len() > 1 {
        (items.len() as f64 * LEGEND_ENTRY_PX + 60.0) / plot_height_px()
    } else {
        0.0
    };
    let y1 = y0 + (y1 - y0) / (1.0 - legend_share.min(0.6));
    let n = c.groups.len().max(1);
    let centres: Vec<f64> = (0..c.groups.len()).map(|i| i as f64 + 0.5).collect();
    // Category names are drawn under the axis by `draw_category_labels`, wrapped.
    let x_fmt = |_: &f64| String::new();
    let mut chart = if log {
        let y_fmt = |v: &f64| fmt_sig(10f64.powf(*v), 3);
        build_with(
            area,
            &c.title,
            (&c.x_label, &log_label(&c.y_label)),
            (0.0, n as f64, centres),
            (y0, y1, log_ticks(y0, y1)),
            (&x_fmt, &y_fmt),
            false,
        )?
    } else {
        build(
            area,
            &c.title,
            (&c.x_label, &c.y_label),
            (0.0, n as f64, centres),
            (y0, y1, all_whole(vals.iter().copied())),
            &x_fmt,
            false,
        )?
    };
    let names: Vec<&str> = c.groups.iter().map(|g| g.0.as_str()).collect();
    draw_category_labels(&chart, area, &names, y0)?;
    if c.stacked {
        draw_stacks(c, &mut chart, &items, y1 - y0)?;
        if items.len() > 1 {
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        return Ok(());
    }
    let width = 0.8 / items.len().max(1) as f64;
    let nbars: usize = c.groups.iter().map(|g| g.1.len()).sum();
    for (k, item) in items.iter().enumerate() {
        let col = colour(k);
        let mut rects = Vec::new();
        for (g, (_, bars)) in c.groups.iter().enumerate() {
            for (_, v) in bars.iter().filter(|b| b.0 == *item) {
                let left = g as f64 + 0.1 + k as f64 * width;
                rects.push((left, fin(*v)));
            }
        }
        let base = if log { y0 } else { 0.0 };
        chart
            .draw_series(rects.iter().map(|&(l, v)| {
                Rectangle::new(
                    [(l + width * 0.04, base), (l + width * 0.96, to_axis(v))],
                    col.filled(),
                )
            }))?
            .label(*item)
            .legend(move |(x, y)| Rectangle::new([(x, y - 12), (x + 30, y + 12)], col.filled()));
        if nbars <= 24 {
            let font = (FONT, 22)
                .into_font()
                .color(&ink())
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(rects.iter().map(|&(l, v)| {
                Text::new(
                    fmt_sig(v, 3),
                    (l + width / 2.0, to_axis(v) + (y1 - y0) * 0.01),
                    font.clone(),
                )
            }))?;
        }
    }
    if items.len() > 1 {
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    Ok(())
}

/// One bar per group, its items stacked bottom to top in legend order, its total above it.
fn draw_stacks<DB: DrawingBackend>(
    c: &BarChart,
    chart: &mut Ctx<'_, DB>,
    items: &[&str],
    span: f64,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let value = |bars: &[(String, f64)], item: &str| {
        bars.iter()
            .filter(|b| b.0 == item && b.1.is_finite())
            .map(|b| b.1.max(0.0))
            .sum::<f64>()
    };
    for (k, item) in items.iter().enumerate() {
        let col = colour(k);
        let rects: Vec<(f64, f64, f64)> = c
            .groups
            .iter()
            .enumerate()
            .map(|(g, (_, bars))| {
                let below: f64 = items[..k].iter().map(|i| value(bars, i)).sum();
                (g as f64 + 0.2, below, below + value(bars, item))
            })
            .collect();
        chart
            .draw_series(
                rects
                    .iter()
                    .map(|&(l, lo, hi)| Rectangle::new([(l, lo), (l + 0.6, hi)], col.filled())),
            )?
            .label(*item)
            .legend(move |(x, y)| Rectangle::new([(x, y - 12), (x + 30, y + 12)], col.filled()));
    }
    let font = (FONT, 22)
        .into_font()
        .color(&ink())
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(c.groups.iter().enumerate().map(|(g, (_, bars))| {
        let total: f64 = items.iter().map(|i| value(bars, i)).sum();
        Text::new(
            fmt_sig(total, 3),
            (g as f64 + 0.5, total + span * 0.01),
            font.clone(),
        )
    }))?;
    Ok(())
}

/// Largest over smallest value from which a bar chart of positive values uses a log axis.
pub(super) const LOG_AXIS_SPAN: f64 = 100.0;

/// Sideways shift between series on a categorical axis, as a share of the axis's span.
pub(super) const DODGE_SHARE: f64 = 0.012;

/// Height of one legend entry, px (30 px font).
pub(super) const LEGEND_ENTRY_PX: f64 = 38.0;
/// Height of a chart's plotting area, px (the figure less title, x labels and caption).
pub(super) fn plot_height_px() -> f64 {
    look().height as f64 - 240.0
}

/// Category names under a bar chart's x axis, one line per `, `-separated part, in a font
/// small enough that the longest line fits its group's width and every line fits the 54 px
/// above the axis title (26 px at most, 12 at least).
pub(super) fn draw_category_labels<DB: DrawingBackend>(
    chart: &Ctx<'_, DB>,
    area: &DrawingArea<DB, Shift>,
    names: &[&str],
    y0: f64,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let base = area.get_base_pixel();
    let px = |x: f64| {
        let (a, b) = chart.backend_coord(&(x, y0));
        (a - base.0, b - base.1)
    };
    let group_px = (px(1.0).0 - px(0.0).0).max(1) as f64;
    let lines: Vec<Vec<&str>> = names.iter().map(|n| n.split(", ").collect()).collect();
    let longest = lines
        .iter()
        .flatten()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1);
    let most = lines.iter().map(Vec::len).max().unwrap_or(1);
    let size = (group_px * 0.95 / (longest as f64 * CHAR_WIDTH_EM))
        .min(54.0 / (most as f64 * LINE_HEIGHT_EM))
        .clamp(12.0, 26.0)
        .floor();
    let font = (FONT, size)
        .into_font()
        .color(&ink())
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, parts) in lines.iter().enumerate() {
        let (x, y) = px(i as f64 + 0.5);
        for (j, line) in parts.iter().enumerate() {
            let dy = 14 + (j as f64 * size * LINE_HEIGHT_EM) as i32;
            area.draw(&Text::new(line.to_string(), (x, y + dy), font.clone()))?;
        }
    }
    Ok(())
}

/// An axis title on a log scale: "latency (ms)" becomes "latency (ms, log scale)".
pub(super) fn log_label(label: &str) -> String {
    match label.strip_suffix(')') {
        Some(head) if head.contains('(') => format!("{head}, log scale)"),
        _ => format!("{label} (log scale)"),
    }
}
