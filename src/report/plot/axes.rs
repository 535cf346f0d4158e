//! Axes: tick positions and labels (nice numbers, log decades), value ranges, the shared
//! mesh and the legend.

use super::*;

/// "Nice" ticks covering [lo, hi] (steps 1, 2, 2.5 or 5 × 10^k; whole steps only when
/// `whole`, for counts: no tick at half a leader); returns (ticks, step).
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize, whole: bool) -> (Vec<f64>, f64) {
    let span = (hi - lo).max(1e-12);
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0, 20.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * 0.999 && (!whole || (*s >= 1.0 && s.fract() == 0.0)))
        .unwrap_or(if whole {
            1f64.max(10.0 * mag)
        } else {
            10.0 * mag
        });
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// Decimals that tell ticks `k × step` apart exactly: the fewest places in which `step` is
/// whole (2.5 → 1, 0.25 → 2, 20 → 0), at most 9.
pub(super) fn decimals_for(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    (0..9)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() <= 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(9)
}

/// `v` with `sig` significant digits, trailing zeros dropped ("0.00008", "3.14", "12,345").
pub(super) fn fmt_sig(v: f64, sig: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return fmt_num(if v.is_finite() { v } else { 0.0 }, 0);
    }
    let decimals = (sig - 1 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let s = fmt_num(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Whether every value is a whole number (counts: ticks at whole numbers only).
pub(super) fn all_whole(mut values: impl Iterator<Item = f64>) -> bool {
    values.all(|v| v.is_finite() && v.fract() == 0.0)
}

/// Number with `decimals` places and thousands separators ("12,500", "0.25").
pub(super) fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !zero {
        out.insert(0, '-');
    }
    out
}

/// Y range starting at 0 (or below, for negative data) with ~12% headroom.
pub(super) fn y_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = lo.min(0.0);
    let hi = if hi.is_finite() && hi > lo {
        hi
    } else {
        lo + 1.0
    };
    (lo, hi + (hi - lo) * 0.12)
}

/// Pixel width reserved for the y axis: tick labels (~28 px) plus the rotated axis label.
pub(super) fn y_area(labels: &[String]) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
    chars * 17 + 75
}

/// Choose the legend corner overlapping the fewest (normalised) data points.
pub(super) fn legend_corner(
    pts: &[(f64, f64)],
    x: (f64, f64),
    y: (f64, f64),
) -> SeriesLabelPosition {
    let norm = |p: &(f64, f64)| ((p.0 - x.0) / (x.1 - x.0), (p.1 - y.0) / (y.1 - y.0));
    let n: Vec<(f64, f64)> = pts.iter().map(norm).collect();
    let count = |f: &dyn Fn(f64, f64) -> bool| n.iter().filter(|p| f(p.0, p.1)).count();
    let corners = [
        (
            SeriesLabelPosition::UpperRight,
            count(&|a, b| a > 0.6 && b > 0.6),
        ),
        (
            SeriesLabelPosition::UpperLeft,
            count(&|a, b| a < 0.4 && b > 0.6),
        ),
        (
            SeriesLabelPosition::LowerRight,
            count(&|a, b| a > 0.6 && b < 0.4),
        ),
        (
            SeriesLabelPosition::LowerLeft,
            count(&|a, b| a < 0.4 && b < 0.4),
        ),
    ];
    let best = corners.iter().map(|c| c.1).min().unwrap_or(0);
    corners.into_iter().find(|c| c.1 == best).unwrap().0
}

/// An f64 axis whose ticks are exactly `ticks` (no light mesh lines).
pub(super) struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Axis {
    pub(super) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Axis {
            inner: (lo..hi).into(),
            ticks,
        }
    }
}

impl Ranged for Axis {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(v, limit)
    }
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

pub(super) type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Common axes/mesh set-up; `x_fmt` formats the x tick labels.
pub(super) fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    labels: (&str, &str),
    x: (f64, f64, Vec<f64>),
    (y0, y1, y_whole): (f64, f64, bool),
    x_fmt: &dyn Fn(&f64) -> String,
    x_mesh: bool,
) -> Result<Ctx<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let (yticks, ystep) = nice_ticks(y0, y1, 8, y_whole);
    let yd = decimals_for(ystep);
    let y_fmt = move |v: &f64| fmt_num(*v, yd);
    build_with(
        area,
        title,
        labels,
        x,
        (y0, y1, yticks),
        (x_fmt, &y_fmt),
        x_mesh,
    )
}

/// A tick label formatter.
type TickFmt<'f> = &'f dyn Fn(&f64) -> String;

/// [`build`] with explicit y ticks and y tick formatter.
pub(super) fn build_with<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x_label, y_label): (&str, &str),
    (x0, x1, xticks): (f64, f64, Vec<f64>),
    (y0, y1, yticks): (f64, f64, Vec<f64>),
    (x_fmt, y_fmt): (TickFmt<'_>, TickFmt<'_>),
    x_mesh: bool,
) -> Result<Ctx<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let ylabels: Vec<String> = yticks.iter().map(y_fmt).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, title_px(title)).into_font().color(&ink()))
        .margin_top(16)
        .margin_left(24)
        .margin_right(48)
        .margin_bottom(8)
        .x_label_area_size(100)
        .y_label_area_size(y_area(&ylabels))
        .build_cartesian_2d(Axis::new(x0, x1, xticks), Axis::new(y0, y1, yticks))?;
    let mut mesh = chart.configure_mesh();
    if !x_mesh {
        mesh.disable_x_mesh();
    }
    mesh.x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style((FONT, 36).into_font().color(&ink()))
        .label_style((FONT, 28).into_font().color(&ink()))
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .bold_line_style(grid().stroke_width(1))
        .axis_style(ink().stroke_width(2))
        .draw()?;
    Ok(chart)
}

/// Ticks at 1, 2 and 5 × 10^k inside [lo, hi] (both log10), as log10 values.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = vec![];
    for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in [1.0f64, 2.0, 5.0] {
            let t = (m * 10f64.powi(k)).log10();
            if t >= lo - 1e-9 && t <= hi + 1e-9 {
                out.push(t);
            }
        }
    }
    out
}

pub(super) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Ctx<'a, DB>,
    pos: SeriesLabelPosition,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(pos)
        .margin(20)
        .legend_area_size(50)
        .label_font((FONT, 30).into_font().color(&ink()))
        .background_style(paper().mix(0.85))
        .border_style(frame())
        .draw()?;
    Ok(())
}
