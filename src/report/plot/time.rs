//! Step charts over simulated time.

use super::*;

pub(super) fn draw_time<DB: DrawingBackend>(
    c: &TimeChart,
    area: &DrawingArea<DB, Shift>,
) -> Result<()>
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
        .fold((0.0f64, c.y_max.unwrap_or(0.0)), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
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
