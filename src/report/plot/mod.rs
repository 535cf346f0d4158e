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

mod axes;
mod bar;
mod line;
mod scatter;
mod text;
mod time;
mod timeline;

use axes::*;
use bar::*;
use line::*;
use scatter::*;
use text::*;
use time::*;
use timeline::*;

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
    /// One bar per group, its items stacked (parts of a whole) rather than side by side.
    pub stacked: bool,
    pub caption: Caption,
}
/// Per-consumer cumulative lines over time (drawn as steps): (label, Vec<(time_s, value)>).
pub struct TimeChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
    /// Top of the y axis when it must not follow the data (a percentage: 100).
    pub y_max: Option<f64>,
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

impl Chart {
    /// Its title and axis titles (a timeline's rows name themselves: no y title).
    fn titles(&self) -> Vec<&str> {
        match self {
            Chart::Line(c) => vec![&c.title, &c.x_label, &c.y_label],
            Chart::Bar(c) => vec![&c.title, &c.x_label, &c.y_label],
            Chart::Time(c) => vec![&c.title, &c.x_label, &c.y_label],
            Chart::Timeline(c) => vec![&c.title, &c.x_label],
            Chart::Scatter(c) => vec![&c.title, &c.x_label, &c.y_label],
        }
    }

    /// Its title and caption, to change them.
    pub fn title_and_caption(&mut self) -> (&mut String, &mut Caption) {
        match self {
            Chart::Line(c) => (&mut c.title, &mut c.caption),
            Chart::Bar(c) => (&mut c.title, &mut c.caption),
            Chart::Time(c) => (&mut c.title, &mut c.caption),
            Chart::Timeline(c) => (&mut c.title, &mut c.caption),
            Chart::Scatter(c) => (&mut c.title, &mut c.caption),
        }
    }
}

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const CAPTION_H: u32 = 50;

/// How figures look: their size in pixels and their colours (light for print and light
/// slides, dark for dark slides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// Light text and lines on a dark background.
    pub dark: bool,
}

impl Default for Look {
    /// 1600 × 1000 (16:10), light.
    fn default() -> Self {
        Look {
            width: 1600,
            height: 1000,
            dark: false,
        }
    }
}

impl Look {
    /// A figure size by its name: "16:10" (1600 × 1000), "16:9" (1600 × 900) or "4:3"
    /// (1600 × 1200).
    pub fn size(name: &str) -> Option<(u32, u32)> {
        match name {
            "16:10" => Some((1600, 1000)),
            "16:9" => Some((1600, 900)),
            "4:3" => Some((1600, 1200)),
            _ => None,
        }
    }
}

thread_local! {
    /// The look of the figure being drawn on this thread (set by [`render_with`]).
    static LOOK: std::cell::Cell<Look> = std::cell::Cell::new(Look::default());
}

fn look() -> Look {
    LOOK.with(|l| l.get())
}

/// Text, axes and marks.
fn ink() -> RGBColor {
    if look().dark {
        RGBColor(0xEE, 0xEE, 0xEE)
    } else {
        BLACK
    }
}

/// The background.
fn paper() -> RGBColor {
    if look().dark {
        RGBColor(0x1E, 0x1E, 0x1E)
    } else {
        WHITE
    }
}

/// Grid lines.
fn grid() -> RGBColor {
    if look().dark {
        RGBColor(0x44, 0x44, 0x44)
    } else {
        RGBColor(0xDD, 0xDD, 0xDD)
    }
}

/// Legend frames.
fn frame() -> RGBColor {
    if look().dark {
        RGBColor(0x77, 0x77, 0x77)
    } else {
        RGBColor(0x99, 0x99, 0x99)
    }
}

/// Captions and notes: less prominent than [`ink`].
fn muted() -> RGBColor {
    if look().dark {
        RGBColor(0xAA, 0xAA, 0xAA)
    } else {
        RGBColor(0x60, 0x60, 0x60)
    }
}
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
fn colour(i: usize) -> RGBColor {
    match PALETTE[i % PALETTE.len()] {
        RGBColor(0, 0, 0) => ink(),
        c => c,
    }
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

/// Render `chart` to `<dir>/<stem>.png` and `<dir>/<stem>.svg` in the default look. Each file
/// is written to a temporary file in `dir` then renamed, so no half-written plot is ever left.
/// Returns the two paths.
pub fn render(chart: &Chart, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    render_with(chart, dir, stem, Look::default())
}

/// [`render`] in the given look.
pub fn render_with(chart: &Chart, dir: &Path, stem: &str, look: Look) -> Result<Vec<PathBuf>> {
    LOOK.with(|l| l.set(look));
    let out = render_now(chart, dir, stem);
    LOOK.with(|l| l.set(Look::default()));
    out
}

fn render_now(chart: &Chart, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    // A figure for a slide says what it shows and what each axis measures.
    if chart.titles().iter().any(|t| t.trim().is_empty()) {
        return Err(anyhow!(
            "figure `{stem}` lacks a title or an axis title: {:?}",
            chart.titles()
        ));
    }
    let (w, h) = (look().width, look().height);
    ensure_font()?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pid = std::process::id();
    let png = dir.join(format!("{stem}.png"));
    // The bitmap encoder picks the format from the extension, so keep `.png` last.
    let png_tmp = dir.join(format!(".{stem}.{pid}.tmp.png"));
    let res = (|| -> Result<()> {
        let root = BitMapBackend::new(&png_tmp, (w, h)).into_drawing_area();
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
        let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
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
    root.fill(&paper())?;
    let (area, strip) = root.split_vertically(look().height - CAPTION_H);
    let caption = match chart {
        Chart::Line(c) => &c.caption,
        Chart::Bar(c) => &c.caption,
        Chart::Time(c) => &c.caption,
        Chart::Timeline(c) => &c.caption,
        Chart::Scatter(c) => &c.caption,
    };
    // The caption names kafkasim's version; a long one (a user's own words) gets a smaller font
    // rather than leaving the figure.
    let text = match caption.0.strip_prefix("kafkasim ·") {
        Some(rest) => format!("kafkasim {} ·{rest}", env!("CARGO_PKG_VERSION")),
        None => caption.0.clone(),
    };
    let fit = (look().width as f64 - 48.0) / (text.chars().count().max(1) as f64 * CHAR_WIDTH_EM);
    let size = fit.clamp(12.0, 24.0).floor();
    strip.draw(&Text::new(
        text,
        (24, 8),
        (FONT, size).into_font().color(&muted()),
    ))?;
    match chart {
        Chart::Line(c) => draw_line(c, &area),
        Chart::Bar(c) => draw_bar(c, &area),
        Chart::Time(c) => draw_time(c, &area),
        Chart::Timeline(c) => draw_timeline(c, &area),
        Chart::Scatter(c) => draw_scatter(c, &area),
    }
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
                    stacked: false,
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
                    y_max: None,
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
            stacked: false,
            caption: cap(),
        });
        render(&b, dir.path(), "emptybar").unwrap();
    }

    #[test]
    fn a_figure_without_an_axis_title_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = Chart::Line(LineChart {
            title: "Throughput".into(),
            x_label: "partitions".into(),
            y_label: " ".into(),
            series: vec![],
            caption: cap(),
            x_is_categorical: true,
        });
        let e = render(&c, dir.path(), "untitled").unwrap_err().to_string();
        assert!(e.contains("`untitled`") && e.contains("axis title"), "{e}");
        assert!(!dir.path().join("untitled.png").exists());
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_num(12500.0, 0), "12,500");
        assert_eq!(fmt_num(0.25, 2), "0.25");
        assert_eq!(fmt_num(-1234.5, 1), "-1,234.5");
        assert_eq!(fmt_num(-0.0001, 2), "0.00");
    }
}
