//! Gantt-style timelines: who holds which partition when, shaded windows, marked events and
//! their notes.

use super::*;

/// Light red fill of timeline windows (drawn at 30% alpha) and the colour of their labels.
pub(super) const WINDOW_FILL: RGBColor = RGBColor(0xE8, 0x60, 0x60);
pub(super) fn window_text() -> RGBColor {
    if look().dark {
        RGBColor(0xF0, 0x80, 0x80)
    } else {
        RGBColor(0xA0, 0x1E, 0x1E)
    }
}
/// Dark grey of timeline event marks.
pub(super) fn mark() -> RGBColor {
    if look().dark {
        RGBColor(0xDD, 0xDD, 0xDD)
    } else {
        RGBColor(0x26, 0x26, 0x26)
    }
}
/// Window/mark labels above a timeline are staggered over at most `LANES` lanes of `LANE_H` px.
pub(super) const LANES: usize = 3;
pub(super) const LANE_H: i32 = 34;
pub(super) const LANE_FONT: u32 = 24;

/// Timeline axes: x is seconds, y is rows (row `i` is the unit band `[n-1-i, n-i]`).
pub(super) fn timeline_ctx<'a, DB: DrawingBackend>(
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

pub(super) fn draw_timeline<DB: DrawingBackend>(
    c: &TimelineChart,
    area: &DrawingArea<DB, Shift>,
) -> Result<()>
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
    let inner = area.margin(16, 0, 0, 0).titled(
        &c.title,
        (FONT, title_px(&c.title)).into_font().color(&ink()),
    )?;
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
    let row_style: TextStyle = (FONT, row_font).into_font().color(&ink());
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
    let lane_style: TextStyle = (FONT, LANE_FONT).into_font().color(&ink());
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
        .axis_desc_style((FONT, 36).into_font().color(&ink()))
        .x_label_style((FONT, 28).into_font().color(&ink()))
        .y_label_style((FONT, row_font).into_font().color(&ink()))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .bold_line_style(grid().stroke_width(1))
        .axis_style(ink().stroke_width(2))
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
        ink().stroke_width(2),
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
                mark().stroke_width(2),
            ))?;
            let near = x.clamp(left + 6, right - 6);
            if near != x {
                screen.draw(&PathElement::new(
                    vec![(x, y), (near, y)],
                    mark().stroke_width(2),
                ))?;
            }
        }
    }
    for ((l, &k), &(left, right)) in labels.iter().zip(&lanes).zip(&extents) {
        let top = lane_top(k);
        let (col, bg) = match l.window {
            Some(_) => (window_text(), None),
            None => (mark(), Some(paper().mix(0.9).filled())),
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
            paper().filled(),
        ))?;
        panel.draw(&Rectangle::new([(bx, y), (bx + bw, y + box_h)], frame()))?;
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
                    .color(&ink())
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        y += box_h + 28;
    }
    // Notes in the largest font (24 px down to 14) in which all of them fit below the legend;
    // if even 14 px is too big, as many as fit and a line saying how many more there are.
    let grey = if look().dark {
        RGBColor(0xCC, 0xCC, 0xCC)
    } else {
        RGBColor(0x33, 0x33, 0x33)
    };
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
