//! Line charts over a numeric or categorical x axis, with error bars and dodged series.

use super::*;

pub(super) fn draw_line<DB: DrawingBackend>(
    c: &LineChart,
    area: &DrawingArea<DB, Shift>,
) -> Result<()>
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
