//! Scatter charts: measured vs predicted, with the diagonal.

use super::*;

pub(super) fn draw_scatter<DB: DrawingBackend>(
    c: &ScatterChart,
    area: &DrawingArea<DB, Shift>,
) -> Result<()>
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
    let diag = muted().stroke_width(2);
    chart
        .draw_series(LineSeries::new(vec![(a0, a0), (a1, a1)], diag))?
        .label("simulated = measured")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 36, y)], diag));
    if c.band > 0.0 {
        let light = if look().dark {
            RGBColor(0x66, 0x66, 0x66)
        } else {
            RGBColor(0xAA, 0xAA, 0xAA)
        }
        .stroke_width(1);
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
