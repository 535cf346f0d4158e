//! Slide-ready charts (PNG + SVG) rendered with plotters and an embedded font,
//! so output is byte-identical on any machine (no system fonts, no clock).
#![allow(missing_docs)] // chart fields are named for what they hold

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A caption line: scenario name and seed(s), e.g. "partitions-experiment · seeds 1–5 · kafkasim".
pub struct Caption(pub String);
/// One line of an x/y chart with optional 95% CI half-widths.
pub struct Series {
    pub label: String,
    /// (x, mean, ci95 half-width; 0 = none)
    pub points: Vec<(f64, f64, f64)>,
}
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub caption: Caption,
    /// x values are small integers like partitions 1,2,4: put ticks only at the data x values
    pub x_is_categorical: bool,
}
/// Grouped bars: one group per category (e.g. key mode), one bar per item (e.g. partition).
pub struct BarChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub groups: Vec<(String, Vec<(String, f64)>)>,
    pub caption: Caption,
}
/// Per-consumer cumulative lines over time (drawn as steps): (label, Vec<(time_s, value)>).
pub struct TimeChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
    pub caption: Caption,
}
/// A Gantt-style chart: one row per item (e.g. a partition), coloured bars for who holds it
/// when (e.g. which consumer), shaded windows (e.g. rebalances) and vertical marks (scenario
/// events).
pub struct TimelineChart {
    pub title: String,
    /// e.g. "simulated time (s)"
    pub x_label: String,
    /// Row labels, drawn top to bottom ("partition 0", …).
    pub rows: Vec<String>,
    pub bars: Vec<TimelineBar>,
    /// (colour index, label), e.g. (0, "consumer 1").
    pub legend: Vec<(usize, String)>,
    /// (start_s, end_s, short label e.g. "R2"): light shaded band over all rows, label at the top.
    pub windows: Vec<(f64, f64, String)>,
    /// (time_s, short label e.g. "crash c1"): thin dashed vertical line, label at the top.
    pub marks: Vec<(f64, String)>,
    pub x_max_s: f64,
    /// Optional extra lines under the legend, e.g. "R2 = consumer 2 crashed → session timeout (45.0 s)".
    pub notes: Vec<String>,
    pub caption: Caption,
}
/// One bar of a [`TimelineChart`]: `row` is held from `start_s` to `end_s`, drawn in palette `colour`.
pub struct TimelineBar {
    pub row: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub colour: usize,
}
/// One group of points of a scatter chart: (x, y, y_lo, y_hi), all > 0.
pub struct ScatterSeries {
    pub label: String,
    pub points: Vec<(f64, f64, f64, f64)>,
}
/// Log–log scatter of measured (y, with its spread as a vertical bar) against predicted (x), with
/// the line y = x and a ± `band` relative band around it.
pub struct ScatterChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<ScatterSeries>,
    /// Relative half-width of the band drawn around y = x (0.15 = ±15%; 0 = none).
    pub band: f64,
    pub caption: Caption,
}
pub enum Chart {
    Line(LineChart),
    Bar(BarChart),
    Time(TimeChart),
    Timeline(TimelineChart),
    Scatter(ScatterChart),
}

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const W: u32 = 1600;
const H: u32 = 1000;
const CAPTION_H: u32 = 50;
/// Okabe–Ito colour-blind-friendly palette.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];
const GREY: RGBColor = RGBColor(0x60, 0x60, 0x60);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("embedded DejaVuSans.ttf could not be parsed"))
    }
}

/// Render `chart` to `<dir>/<stem>.png` and `<dir>/<stem>.svg`. Each file is written to a
/// temporary file in `dir` then renamed, so no half-written plot is ever left. Returns the two paths.
pub fn render(chart: &Chart, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pid = std::process::id();
    let png = dir.join(format!("{stem}.png"));
    // The bitmap encoder picks the format from the extension, so keep `.png` last.
    let png_tmp = dir.join(format!(".{stem}.{pid}.tmp.png"));
    let res = (|| -> Result<()> {
        let root = BitMapBackend::new(&png_tmp, (W, H)).into_drawing_area();
        draw(chart, &root)?;
        root.present()?;
        drop(root);
        std::fs::rename(&png_tmp, &png)?;
        Ok(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&png_tmp);
        return Err(e.context(format!("rendering {}", png.display())));
    }

    let svg = dir.join(format!("{stem}.svg"));
    let svg_tmp = dir.join(format!(".{stem}.{pid}.tmp.svg"));
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (W, H)).into_drawing_area();
        draw(chart, &root).with_context(|| format!("rendering {}", svg.display()))?;
        root.present()?;
    }
    let res =
        std::fs::write(&svg_tmp, text.as_bytes()).and_then(|_| std::fs::rename(&svg_tmp, &svg));
    if let Err(e) = res {
        let _ = std::fs::remove_file(&svg_tmp);
        return Err(anyhow!(e).context(format!("writing {}", svg.display())));
    }
    Ok(vec![png, svg])
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (area, strip) = root.split_vertically(H - CAPTION_H);
    let caption = match chart {
        Chart::Line(c) => &c.caption,
        Chart::Bar(c) => &c.caption,
        Chart::Time(c) => &c.caption,
        Chart::Timeline(c) => &c.caption,
        Chart::Scatter(c) => &c.caption,
    };
    strip.draw(&Text::new(
        caption.0.clone(),
        (24, 8),
        (FONT, 24).into_font().color(&GREY),
    ))?;
    match chart {
        Chart::Line(c) => draw_line(c, &area),
        Chart::Bar(c) => draw_bar(c, &area),
        Chart::Time(c) => draw_time(c, &area),
        Chart::Timeline(c) => draw_timeline(c, &area),
        Chart::Scatter(c) => draw_scatter(c, &area),
    }
}

/// "Nice" ticks covering [lo, hi] (steps 1, 2, 2.5 or 5 × 10^k; whole steps only when
/// `whole`, for counts: no tick at half a leader); returns (ticks, step).
fn nice_ticks(lo: f64, hi: f64, target: usize, whole: bool) -> (Vec<f64>, f64) {
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
fn decimals_for(step: f64) -> usize {
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
fn fmt_sig(v: f64, sig: i32) -> String {
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
fn all_whole(mut values: impl Iterator<Item = f64>) -> bool {
    values.all(|v| v.is_finite() && v.fract() == 0.0)
}

/// Number with `decimals` places and thousands separators ("12,500", "0.25").
fn fmt_num(v: f64, decimals: usize) -> String {
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
fn y_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = lo.min(0.0);
    let hi = if hi.is_finite() && hi > lo {
        hi
    } else {
        lo + 1.0
    };
    (lo, hi + (hi - lo) * 0.12)
}

/// Pixel width reserved for the y axis: tick labels (~28 px) plus the rotated axis label.
fn y_area(labels: &[String]) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
    chars * 17 + 75
}

/// Choose the legend corner overlapping the fewest (normalised) data points.
fn legend_corner(pts: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
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
struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
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

type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Common axes/mesh set-up; `x_fmt` formats the x tick labels.
fn build<'a, DB: DrawingBackend>(
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
fn build_with<'a, DB: DrawingBackend>(
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
        .caption(title, (FONT, title_px(title)))
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
        .axis_desc_style((FONT, 36))
        .label_style((FONT, 28))
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD).stroke_width(1))
        .axis_style(BLACK.stroke_width(2))
        .draw()?;
    Ok(chart)
}

/// Ticks at 1, 2 and 5 × 10^k inside [lo, hi] (both log10), as log10 values.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
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

fn draw_scatter<DB: DrawingBackend>(c: &ScatterChart, area: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let pos = |v: f64| v.is_finite() && v > 0.0;
    let all: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().flat_map(|p| [p.0, p.1, p.2, p.3]))
        .filter(|v| pos(*v))
        .collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo.log10(), hi.log10())
    } else {
        (0.0, 1.0)
    };
    let pad = ((hi - lo) * 0.08).max(0.05);
    let (a0, a1) = (lo - pad, hi + pad);
    let ticks = log_ticks(a0, a1);
    let fmt = |v: &f64| {
        let x = 10f64.powf(*v);
        fmt_num(x, if x < 10.0 { 1 } else { 0 })
    };
    let mut chart = build_with(
        area,
        &c.title,
        (&c.x_label, &c.y_label),
        (a0, a1, ticks.clone()),
        (a0, a1, ticks),
        (&fmt, &fmt),
        true,
    )?;
    let diag = GREY.stroke_width(2);
    chart
        .draw_series(LineSeries::new(vec![(a0, a0), (a1, a1)], diag))?
        .label("simulated = measured")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 36, y)], diag));
    if c.band > 0.0 {
        let light = RGBColor(0xAA, 0xAA, 0xAA).stroke_width(1);
        for f in [1.0 + c.band, 1.0 - c.band] {
            let d = f.log10();
            chart.draw_series(LineSeries::new(vec![(a0, a0 + d), (a1, a1 + d)], light))?;
        }
    }
    for (i, s) in c.series.iter().enumerate() {
        let col = colour(i);
        let pts: Vec<(f64, f64, f64, f64)> = s
            .points
            .iter()
            .filter(|p| pos(p.0) && pos(p.1))
            .map(|p| {
                let l = |v: f64| if pos(v) { v.log10() } else { p.1.log10() };
                (p.0.log10(), p.1.log10(), l(p.2), l(p.3))
            })
            .collect();
        chart.draw_series(pts.iter().filter(|p| p.3 > p.2).map(|&(x, y, lo, hi)| {
            ErrorBar::new_vertical(x, lo, y, hi, col.stroke_width(3), 16)
        }))?;
        let filled = i == 0;
        chart
            .draw_series(pts.iter().map(|&(x, y, _, _)| {
                if filled {
                    Circle::new((x, y), 10, col.filled())
                } else {
                    Circle::new((x, y), 10, col.stroke_width(4))
                }
            }))?
            .label(s.label.as_str())
            .legend(move |(x, y)| {
                if filled {
                    Circle::new((x + 18, y), 10, col.filled())
                } else {
                    Circle::new((x + 18, y), 10, col.stroke_width(4))
                }
            });
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn draw_legend<'a, DB: DrawingBackend + 'a>(
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
        .label_font((FONT, 30))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(0x99, 0x99, 0x99))
        .draw()?;
    Ok(())
}

fn draw_line<DB: DrawingBackend>(c: &LineChart, area: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let all: Vec<(f64, f64, f64)> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .collect();
    let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
    let xmin = all.iter().map(|p| fin(p.0)).fold(f64::INFINITY, f64::min);
    let xmax = all
        .iter()
        .map(|p| fin(p.0))
        .fold(f64::NEG_INFINITY, f64::max);
    let (xmin, xmax) = if xmin.is_finite() {
        (xmin, xmax)
    } else {
        (0.0, 1.0)
    };
    let ylo = all
        .iter()
        .map(|p| fin(p.1 - p.2.max(0.0)))
        .fold(0.0, f64::min);
    let yhi = all
        .iter()
        .map(|p| fin(p.1 + p.2.max(0.0)))
        .fold(0.0, f64::max);
    let (y0, y1) = y_range(ylo, yhi);
    let pad = if xmax > xmin {
        (xmax - xmin) * 0.05
    } else {
        0.5
    };
    let (x0, x1) = (xmin - pad, xmax + pad);
    let (xticks, xd) = if c.x_is_categorical {
        let mut xs: Vec<f64> = all.iter().map(|p| fin(p.0)).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let d = if xs.iter().all(|x| x.fract() == 0.0) {
            0
        } else {
            2
        };
        (xs, d)
    } else {
        let (t, step) = nice_ticks(x0, x1, 10, false);
        (t, decimals_for(step))
    };
    let x_fmt = move |v: &f64| fmt_num(*v, xd);
    let mut chart = build(
        area,
        &c.title,
        (&c.x_label, &c.y_label),
        (x0, x1, xticks),
        (y0, y1, all_whole(all.iter().map(|p| p.1))),
        &x_fmt,
        true,
    )?;
    // On a categorical axis, series are dodged sideways so that equal values (1, 2 and 4
    // consumers on 1 partition) stay visible side by side instead of one marker on another.
    let nseries = c.series.len() as f64;
    let dodge = if c.x_is_categorical && nseries > 1.0 {
        (x1 - x0) * DODGE_SHARE
    } else {
        0.0
    };
    for (i, s) in c.series.iter().enumerate() {
        let col = colour(i);
        let dx = (i as f64 - (nseries - 1.0) / 2.0) * dodge;
        let pts: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0 + dx, p.1)).collect();
        chart.draw_series(s.points.iter().filter(|p| p.2 > 0.0).map(|&(x, m, ci)| {
            ErrorBar::new_vertical(x + dx, m - ci, m, m + ci, col.stroke_width(3), 20)
        }))?;
        chart
            .draw_series(LineSeries::new(pts.clone(), col.stroke_width(4)))?
            .label(s.label.as_str())
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (36, 0)], col.stroke_width(4))
                    + Circle::new((18, 0), 7, col.filled())
            });
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 8, col.filled())))?;
    }
    let pts: Vec<(f64, f64)> = all.iter().map(|p| (p.0, p.1)).collect();
    draw_legend(&mut chart, legend_corner(&pts, (x0, x1), (y0, y1)))
}

fn draw_bar<DB: DrawingBackend>(c: &BarChart, area: &DrawingArea<DB, Shift>) -> Result<()>
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
    let vals: Vec<f64> = c
        .groups
        .iter()
        .flat_map(|g| g.1.iter().map(|b| fin(b.1)))
        .collect();
    let (lo, hi) = vals
        .iter()
        .fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    // Positive values spanning two decades or more (latency percentiles) go on a log axis,
    // where the small ones stay visible; bars then rise from the decade below the smallest.
    let smallest = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let log = smallest > 0.0 && hi / smallest >= LOG_AXIS_SPAN;
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
        (items.len() as f64 * LEGEND_ENTRY_PX + 60.0) / PLOT_HEIGHT_PX
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
            (&c.x_label, &format!("{} (log scale)", c.y_label)),
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
                .color(&BLACK)
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

/// Largest over smallest value from which a bar chart of positive values uses a log axis.
const LOG_AXIS_SPAN: f64 = 100.0;

/// Sideways shift between series on a categorical axis, as a share of the axis's span.
const DODGE_SHARE: f64 = 0.012;

/// Height of one legend entry, px (30 px font).
const LEGEND_ENTRY_PX: f64 = 38.0;
/// Height of a chart's plotting area, px (1000 less title, x labels and caption).
const PLOT_HEIGHT_PX: f64 = 760.0;

/// Category names under a bar chart's x axis, one line per `, `-separated part, in a font
/// small enough that the longest line fits its group's width and every line fits the 54 px
/// above the axis title (26 px at most, 12 at least).
fn draw_category_labels<DB: DrawingBackend>(
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
        .color(&BLACK)
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

/// A title's font size, px: 48, smaller for a title too long to fit the canvas's width.
fn title_px(title: &str) -> f64 {
    let chars = title.chars().count().max(1) as f64;
    (W as f64 * 0.92 / (chars * CHAR_WIDTH_EM))
        .clamp(20.0, 48.0)
        .floor()
}

/// Width of an average character of [`FONT`], in em (DejaVu Sans: about 0.55; kept wide).
const CHAR_WIDTH_EM: f64 = 0.6;
/// Line spacing of wrapped labels, in em.
const LINE_HEIGHT_EM: f64 = 1.15;

fn draw_time<DB: DrawingBackend>(c: &TimeChart, area: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
    let all: Vec<(f64, f64)> = c
        .series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| (fin(p.0), fin(p.1))))
        .collect();
    let tmin = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let tmin = if tmin.is_finite() { tmin } else { 0.0 };
    let tmax = all.iter().map(|p| p.0).fold(tmin, f64::max);
    let tmax = if tmax > tmin { tmax } else { tmin + 1.0 };
    let (lo, hi) = all
        .iter()
        .fold((0.0f64, 0.0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (y0, y1) = y_range(lo, hi);
    let (xticks, step) = nice_ticks(tmin, tmax, 10, false);
    let xd = decimals_for(step);
    let x_fmt = move |v: &f64| fmt_num(*v, xd);
    let mut chart = build(
        area,
        &c.title,
        (&c.x_label, &c.y_label),
        (tmin, tmax, xticks),
        (y0, y1, all_whole(all.iter().map(|p| p.1))),
        &x_fmt,
        true,
    )?;
    for (i, (label, pts)) in c.series.iter().enumerate() {
        let col = colour(i);
        let mut steps: Vec<(f64, f64)> = Vec::with_capacity(pts.len() * 2);
        for &(t, v) in pts {
            let (t, v) = (fin(t), fin(v));
            if let Some(&(_, prev)) = steps.last() {
                steps.push((t, prev));
            }
            steps.push((t, v));
        }
        chart
            .draw_series(LineSeries::new(steps, col.stroke_width(4)))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 36, y)], col.stroke_width(4)));
        if pts.len() <= 40 {
            chart.draw_series(
                pts.iter()
                    .map(|&(t, v)| Circle::new((fin(t), fin(v)), 6, col.filled())),
            )?;
        }
    }
    draw_legend(&mut chart, legend_corner(&all, (tmin, tmax), (y0, y1)))
}

/// Light red fill of timeline windows (drawn at 30% alpha) and the colour of their labels.
const WINDOW_FILL: RGBColor = RGBColor(0xE8, 0x60, 0x60);
const WINDOW_TEXT: RGBColor = RGBColor(0xA0, 0x1E, 0x1E);
/// Dark grey of timeline event marks.
const MARK: RGBColor = RGBColor(0x26, 0x26, 0x26);
/// Window/mark labels above a timeline are staggered over at most `LANES` lanes of `LANE_H` px.
const LANES: usize = 3;
const LANE_H: i32 = 34;
const LANE_FONT: u32 = 24;

/// Timeline axes: x is seconds, y is rows (row `i` is the unit band `[n-1-i, n-i]`).
fn timeline_ctx<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    top: i32,
    y_w: u32,
    x: Axis,
    y: Axis,
) -> Result<Ctx<'a, DB>>
where
    DB::ErrorType: 'static,
{
    Ok(ChartBuilder::on(area)
        .margin_top(top)
        .margin_left(24)
        .margin_right(24)
        .margin_bottom(8)
        .x_label_area_size(100)
        .y_label_area_size(y_w)
        .build_cartesian_2d(x, y)?)
}

/// Greedy word wrap of `text` into lines no wider than `max_w` px (a lone long word overflows).
fn wrap(text: &str, max_w: u32, width: &dyn Fn(&str) -> u32) -> Vec<String> {
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
fn stagger(extents: &mut [(i32, i32)], lanes: usize, gap: i32) -> Vec<usize> {
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

fn draw_timeline<DB: DrawingBackend>(c: &TimelineChart, area: &DrawingArea<DB, Shift>) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
    // The given rows, plus unnamed rows for any bar beyond them.
    let n = c
        .bars
        .iter()
        .map(|b| b.row + 1)
        .fold(c.rows.len(), usize::max);
    let ny = n.max(1) as f64;
    let x_max = if fin(c.x_max_s) > 0.0 {
        c.x_max_s
    } else {
        let ends = (c.bars.iter().map(|b| fin(b.end_s)))
            .chain(c.windows.iter().map(|w| fin(w.1)))
            .chain(c.marks.iter().map(|m| fin(m.0)))
            .fold(0.0, f64::max);
        if ends > 0.0 {
            ends
        } else {
            1.0
        }
    };
    let clamp_t = |t: f64| fin(t).clamp(0.0, x_max);
    let (xticks, xstep) = nice_ticks(0.0, x_max, 10, false);
    let xd = decimals_for(xstep);
    let x_fmt = move |v: &f64| fmt_num(*v, xd);

    // Title over the full width; plot on the left, legend + notes in a right-hand panel.
    let inner = area
        .margin(16, 0, 0, 0)
        .titled(&c.title, (FONT, title_px(&c.title)))?;
    let (w, h) = inner.dim_in_pixel();
    let panel_w = w * 22 / 100;
    let (plot_area, panel) = inner.split_horizontally(w - panel_w);
    let screen = area.use_screen_coord();

    // Row labels: all rows up to 32, every other one beyond; the font shrinks to fit.
    let shown: Vec<usize> = (0..n).step_by(if n > 32 { 2 } else { 1 }).collect();
    let top_reserve = |lanes: usize| lanes as i32 * LANE_H + 16;
    let est_h = h as f64 - f64::from(top_reserve(LANES)) - 108.0;
    let per_label = est_h / shown.len().max(1) as f64;
    let row_font = (per_label * 0.9).floor().clamp(16.0, 28.0) as u32;
    let row_style: TextStyle = (FONT, row_font).into_font().into();
    let label_of = |i: usize| c.rows.get(i).cloned().unwrap_or_default();
    let mut label_w = 0;
    for &i in &shown {
        label_w = label_w.max(screen.estimate_text_size(&label_of(i), &row_style)?.0);
    }
    let y_w = label_w + 28;
    let yticks: Vec<f64> = shown.iter().map(|&i| ny - i as f64 - 0.5).collect();
    let y_fmt = |v: &f64| {
        let k = (ny - v).floor();
        if k >= 0.0 {
            label_of(k as usize)
        } else {
            String::new()
        }
    };

    // Window and mark labels above the plot, staggered over up to LANES lanes. A probe chart
    // (which draws nothing) gives the x mapping, which does not depend on the top margin.
    struct Label {
        text: String,
        t: f64,
        window: Option<(f64, f64)>,
    }
    let mut labels: Vec<Label> = Vec::new();
    for (s, e, text) in &c.windows {
        let (s, e) = (clamp_t(*s), clamp_t(*e));
        let (s, e) = (s.min(e), s.max(e));
        labels.push(Label {
            text: text.clone(),
            t: (s + e) / 2.0,
            window: Some((s, e)),
        });
    }
    for (t, text) in &c.marks {
        if fin(*t) >= 0.0 && fin(*t) <= x_max {
            labels.push(Label {
                text: text.clone(),
                t: fin(*t),
                window: None,
            });
        }
    }
    labels.sort_by(|a, b| a.t.total_cmp(&b.t));
    let lane_style: TextStyle = (FONT, LANE_FONT).into_font().into();
    let (extents, lanes) = {
        let probe = timeline_ctx(
            &plot_area,
            top_reserve(LANES),
            y_w,
            Axis::new(0.0, x_max, xticks.clone()),
            Axis::new(0.0, ny, yticks.clone()),
        )?;
        let (px, _) = probe.plotting_area().get_pixel_range();
        let mut extents = Vec::new();
        for l in &labels {
            let tw = screen.estimate_text_size(&l.text, &lane_style)?.0 as i32 + 12;
            let cx = probe.backend_coord(&(l.t, 0.0)).0;
            let left = (cx - tw / 2).clamp(px.start - 12, (px.end + 12 - tw).max(px.start - 12));
            extents.push((left, left + tw));
        }
        let lanes = stagger(&mut extents, LANES, 6);
        (extents, lanes)
    };
    let used = if labels.is_empty() {
        0
    } else {
        lanes.iter().max().map_or(0, |m| m + 1)
    };

    let mut chart = timeline_ctx(
        &plot_area,
        top_reserve(used),
        y_w,
        Axis::new(0.0, x_max, xticks),
        Axis::new(0.0, ny, yticks),
    )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(c.x_label.as_str())
        .axis_desc_style((FONT, 36))
        .x_label_style((FONT, 28))
        .y_label_style((FONT, row_font))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD).stroke_width(1))
        .axis_style(BLACK.stroke_width(2))
        .draw()?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    // Lane k (0 = nearest the plot) spans [lane_top(k), lane_top(k) + LANE_H).
    let lane_top = |k: usize| py.start - 4 - (k as i32 + 1) * LANE_H;

    // Windows under everything else, reaching up to their label.
    let band = WINDOW_FILL.mix(0.3).filled();
    for (l, &k) in labels.iter().zip(&lanes) {
        if let Some((s, e)) = l.window {
            let x0 = chart.backend_coord(&(s, 0.0)).0;
            let x1 = chart.backend_coord(&(e, 0.0)).0.max(x0 + 2);
            screen.draw(&Rectangle::new([(x0, lane_top(k)), (x1, py.end)], band))?;
        }
    }
    // Bars: 70% of the row height; gaps stay empty background.
    chart.draw_series(c.bars.iter().filter_map(|b| {
        let (s, e) = (clamp_t(b.start_s), clamp_t(b.end_s));
        (e > s).then(|| {
            let yc = ny - b.row as f64 - 0.5;
            Rectangle::new([(s, yc - 0.35), (e, yc + 0.35)], colour(b.colour).filled())
        })
    }))?;
    // Redraw the y axis line where bars starting at 0 covered it.
    screen.draw(&PathElement::new(
        vec![(px.start, py.start), (px.start, py.end)],
        BLACK.stroke_width(2),
    ))?;
    // Marks over the bars, reaching up to their label (with a leader if it was nudged aside).
    for ((l, &k), &(left, right)) in labels.iter().zip(&lanes).zip(&extents) {
        if l.window.is_none() {
            let x = chart.backend_coord(&(l.t, 0.0)).0;
            let y = lane_top(k) + LANE_H - 2;
            screen.draw(&DashedPathElement::new(
                vec![(x, py.end), (x, y)],
                10,
                6,
                MARK.stroke_width(2),
            ))?;
            let near = x.clamp(left + 6, right - 6);
            if near != x {
                screen.draw(&PathElement::new(
                    vec![(x, y), (near, y)],
                    MARK.stroke_width(2),
                ))?;
            }
        }
    }
    for ((l, &k), &(left, right)) in labels.iter().zip(&lanes).zip(&extents) {
        let top = lane_top(k);
        let (col, bg) = match l.window {
            Some(_) => (WINDOW_TEXT, None),
            None => (MARK, Some(WHITE.mix(0.9).filled())),
        };
        if let Some(bg) = bg {
            screen.draw(&Rectangle::new(
                [(left, top + 3), (right, top + LANE_H - 3)],
                bg,
            ))?;
        }
        screen.draw(&Text::new(
            l.text.clone(),
            ((left + right) / 2, top + LANE_H / 2),
            (FONT, LANE_FONT)
                .into_font()
                .color(&col)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
    }

    // Right-hand panel: legend box (swatch + label) then wrapped notes.
    let (pw, ph) = panel.dim_in_pixel();
    let (bx, by) = (4, py.start - panel.get_base_pixel().1);
    let bw = pw as i32 - 28;
    let mut y = by;
    if !c.legend.is_empty() {
        // Shrink the entries if there are too many for the panel.
        let avail = ph as i32 - y - 140;
        let row_h = (avail / c.legend.len() as i32).clamp(22, 46);
        let font = (row_h * 3 / 5).clamp(16, 28) as u32;
        let box_h = c.legend.len() as i32 * row_h + 20;
        panel.draw(&Rectangle::new(
            [(bx, y), (bx + bw, y + box_h)],
            WHITE.filled(),
        ))?;
        panel.draw(&Rectangle::new(
            [(bx, y), (bx + bw, y + box_h)],
            RGBColor(0x99, 0x99, 0x99),
        ))?;
        for (j, (ci, label)) in c.legend.iter().enumerate() {
            let cy = y + 10 + j as i32 * row_h + row_h / 2;
            panel.draw(&Rectangle::new(
                [(bx + 18, cy - row_h * 2 / 7), (bx + 58, cy + row_h * 2 / 7)],
                colour(*ci).filled(),
            ))?;
            panel.draw(&Text::new(
                label.clone(),
                (bx + 72, cy),
                (FONT, font)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        y += box_h + 28;
    }
    // Notes in the largest font (24 px down to 14) in which all of them fit below the legend;
    // if even 14 px is too big, as many as fit and a line saying how many more there are.
    let grey = RGBColor(0x33, 0x33, 0x33);
    let avail = ph as i32 - y;
    let layout = |size: u32| {
        let style = (FONT, size).into_font().color(&grey);
        let width = |s: &str| panel.estimate_text_size(s, &style).map_or(0, |d| d.0);
        let wrapped: Vec<Vec<String>> = c
            .notes
            .iter()
            .map(|n| wrap(n, (bw - 8) as u32, &width))
            .collect();
        let line_h = (size * 13 / 10) as i32;
        let height: i32 = wrapped.iter().map(|l| l.len() as i32 * line_h + 12).sum();
        (wrapped, line_h, height)
    };
    let mut size = 24;
    while size > 14 && layout(size).2 > avail {
        size -= 2;
    }
    let (wrapped, line_h, _) = layout(size);
    let note_style = (FONT, size).into_font().color(&grey);
    for (i, lines) in wrapped.iter().enumerate() {
        let needed = lines.len() as i32 * line_h;
        let more = wrapped.len() - i - 1;
        // Keep one line for "+ N more" unless this is the last note.
        if y + needed + if more > 0 { line_h } else { 0 } > ph as i32 {
            let text = format!("+ {} more: rebalances.csv", wrapped.len() - i);
            panel.draw(&Text::new(text, (bx + 4, y), note_style.clone()))?;
            break;
        }
        for line in lines {
            panel.draw(&Text::new(line.clone(), (bx + 4, y), note_style.clone()))?;
            y += line_h;
        }
        y += 12;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_whole_ticks_and_bar_values_keep_three_significant_digits() {
        // Once: 0.5 leaders on a count axis, and a bar of 0.00008 s labelled "0.000".
        let (ticks, step) = super::nice_ticks(0.0, 3.36, 8, true);
        assert_eq!(step, 1.0);
        assert_eq!(ticks, [0.0, 1.0, 2.0, 3.0]);
        let (_, step) = super::nice_ticks(0.0, 200.0, 8, true);
        assert_eq!(step, 25.0);
        for (v, text) in [
            (0.00008, "0.00008"),
            (3.14159, "3.14"),
            (12345.0, "12,345"),
            (0.0, "0"),
            (2.5, "2.5"),
        ] {
            assert_eq!(super::fmt_sig(v, 3), text);
        }
    }

    #[test]
    fn tick_labels_keep_the_decimals_their_step_needs() {
        // Once: ticks at 2.5, 7.5, 12.5 were printed "2", "8", "12".
        for (step, d) in [
            (2.5, 1),
            (25.0, 0),
            (0.25, 2),
            (0.1, 1),
            (0.2, 1),
            (5e-5, 5),
            (1.0, 0),
        ] {
            assert_eq!(super::decimals_for(step), d, "step {step}");
        }
        let (ticks, step) = super::nice_ticks(0.0, 20.0, 8, false);
        let labels: Vec<String> = ticks
            .iter()
            .map(|&t| super::fmt_num(t, super::decimals_for(step)))
            .collect();
        assert_eq!(
            labels,
            ["0.0", "2.5", "5.0", "7.5", "10.0", "12.5", "15.0", "17.5", "20.0"]
        );
    }

    use super::*;

    fn cap() -> Caption {
        Caption("test-scenario · seeds 1–3 · kafkasim".into())
    }

    fn charts() -> Vec<(&'static str, Chart)> {
        let series = |label: &str, k: f64| Series {
            label: label.into(),
            points: [1.0f64, 2.0, 4.0, 8.0]
                .iter()
                .map(|&x| (x, k * x.sqrt() * 1000.0, if x > 1.0 { 80.0 } else { 0.0 }))
                .collect(),
        };
        vec![
            (
                "line",
                Chart::Line(LineChart {
                    title: "Throughput vs partitions".into(),
                    x_label: "partitions".into(),
                    y_label: "throughput (msg/s)".into(),
                    series: vec![series("keyed", 1.0), series("round-robin", 1.3)],
                    caption: cap(),
                    x_is_categorical: true,
                }),
            ),
            (
                "bar",
                Chart::Bar(BarChart {
                    title: "Messages per partition".into(),
                    x_label: "key mode".into(),
                    y_label: "messages (count)".into(),
                    groups: vec![
                        (
                            "keyed".into(),
                            vec![("p0".into(), 120.0), ("p1".into(), 80.0)],
                        ),
                        (
                            "random".into(),
                            vec![("p0".into(), 101.0), ("p1".into(), 99.0)],
                        ),
                    ],
                    caption: cap(),
                }),
            ),
            (
                "time",
                Chart::Time(TimeChart {
                    title: "Consumed over time".into(),
                    x_label: "time (s)".into(),
                    y_label: "consumed (msgs)".into(),
                    series: vec![
                        (
                            "c0".into(),
                            (0..20).map(|t| (t as f64 * 0.5, (t * 10) as f64)).collect(),
                        ),
                        (
                            "c1".into(),
                            (0..20).map(|t| (t as f64 * 0.5, (t * 7) as f64)).collect(),
                        ),
                    ],
                    caption: cap(),
                }),
            ),
            (
                "scatter",
                Chart::Scatter(ScatterChart {
                    title: "Measured vs simulated".into(),
                    x_label: "simulated (records/s)".into(),
                    y_label: "measured (records/s)".into(),
                    series: vec![
                        ScatterSeries {
                            label: "fit".into(),
                            points: vec![(1e5, 1.1e5, 1.0e5, 1.2e5), (5e5, 4.5e5, 4.4e5, 4.6e5)],
                        },
                        ScatterSeries {
                            label: "held out".into(),
                            points: vec![(2e6, 1.7e6, 1.6e6, 1.9e6)],
                        },
                    ],
                    band: 0.15,
                    caption: cap(),
                }),
            ),
        ]
    }

    /// 4 partitions, 3 consumers: consumer 2 crashes at 40 s, its partitions sit idle until
    /// the session timeout ends rebalance R2 at 85 s.
    fn timeline() -> TimelineChart {
        let bar = |row, start_s, end_s, colour| TimelineBar {
            row,
            start_s,
            end_s,
            colour,
        };
        TimelineChart {
            title: "Partition ownership over time".into(),
            x_label: "simulated time (s)".into(),
            rows: (0..4).map(|p| format!("partition {p}")).collect(),
            bars: vec![
                bar(0, 3.2, 120.0, 0),
                bar(1, 3.2, 120.0, 0),
                bar(2, 3.2, 40.0, 1),
                bar(2, 85.0, 120.0, 2),
                bar(3, 3.2, 40.0, 2),
                bar(3, 41.0, 120.0, 2),
            ],
            legend: vec![
                (0, "consumer 1".into()),
                (1, "consumer 2".into()),
                (2, "consumer 3".into()),
            ],
            windows: vec![(0.0, 3.2, "R1".into()), (40.0, 85.0, "R2".into())],
            marks: vec![(40.0, "crash c2".into()), (41.0, "pause c3".into())],
            x_max_s: 120.0,
            notes: vec![
                "R1 = initial join".into(),
                "R2 = consumer 2 crashed → session timeout (45.0 s)".into(),
            ],
            caption: cap(),
        }
    }

    #[test]
    fn timeline_renders_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        let mut many = timeline();
        many.rows = (0..64).map(|p| format!("partition {p}")).collect();
        many.bars = (0..64 * 5)
            .map(|k| TimelineBar {
                row: k / 5,
                start_s: (k % 5) as f64 * 24.0 + (k / 5) as f64 * 0.1,
                end_s: (k % 5) as f64 * 24.0 + 20.0,
                colour: (k / 5 + k % 5) % 3,
            })
            .collect();
        // Crowded labels: staggered over three lanes.
        many.marks = (0..6)
            .map(|k| (60.0 + k as f64 * 2.5, format!("stall c{k}")))
            .collect();
        many.windows.push((58.0, 64.0, "R3".into()));
        many.legend = (0..12).map(|k| (k, format!("consumer {k}"))).collect();
        let mut empty = timeline();
        empty.bars.clear();
        for (stem, chart) in [("timeline", timeline()), ("many", many), ("empty", empty)] {
            let chart = Chart::Timeline(chart);
            let paths = render(&chart, dir.path(), stem).unwrap();
            let png = std::fs::read(&paths[0]).unwrap();
            let svg = std::fs::read(&paths[1]).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            assert!(png.len() > 20_000, "{stem}: PNG only {} bytes", png.len());
            assert!(svg.len() > 3_000, "{stem}: SVG only {} bytes", svg.len());
            render(&chart, dir.path(), stem).unwrap();
            assert_eq!(
                png,
                std::fs::read(&paths[0]).unwrap(),
                "{stem}: PNG differs"
            );
            assert_eq!(
                svg,
                std::fs::read(&paths[1]).unwrap(),
                "{stem}: SVG differs"
            );
        }
        let svg = std::fs::read_to_string(dir.path().join("timeline.svg")).unwrap();
        for text in [
            "partition 3",
            "consumer 2",
            "R2",
            "crash c2",
            "session timeout",
        ] {
            assert!(svg.contains(text), "{text} missing from SVG");
        }
    }

    #[test]
    fn renders_all_kinds_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        for (stem, chart) in charts() {
            let paths = render(&chart, dir.path(), stem).unwrap();
            assert_eq!(
                paths,
                vec![
                    dir.path().join(format!("{stem}.png")),
                    dir.path().join(format!("{stem}.svg"))
                ]
            );
            let png = std::fs::read(&paths[0]).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            let svg = std::fs::read_to_string(&paths[1]).unwrap();
            let title = match &chart {
                Chart::Line(c) => &c.title,
                Chart::Bar(c) => &c.title,
                Chart::Time(c) => &c.title,
                Chart::Timeline(c) => &c.title,
                Chart::Scatter(c) => &c.title,
            };
            assert!(
                svg.contains(title.as_str()),
                "{stem}: title missing from SVG"
            );
            render(&chart, dir.path(), stem).unwrap();
            assert_eq!(
                png,
                std::fs::read(&paths[0]).unwrap(),
                "{stem}: PNG not deterministic"
            );
            assert_eq!(
                svg,
                std::fs::read_to_string(&paths[1]).unwrap(),
                "{stem}: SVG not deterministic"
            );
        }
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.contains(".tmp"), "leftover temp file {name}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 8);
    }

    #[test]
    fn empty_inputs_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let c = Chart::Line(LineChart {
            title: "empty".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![],
            caption: cap(),
            x_is_categorical: true,
        });
        render(&c, dir.path(), "empty").unwrap();
        let b = Chart::Bar(BarChart {
            title: "e".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            groups: vec![],
            caption: cap(),
        });
        render(&b, dir.path(), "emptybar").unwrap();
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_num(12500.0, 0), "12,500");
        assert_eq!(fmt_num(0.25, 2), "0.25");
        assert_eq!(fmt_num(-1234.5, 1), "-1,234.5");
        assert_eq!(fmt_num(-0.0001, 2), "0.00");
    }
}
