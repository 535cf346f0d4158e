//! Measured versus simulated: one row per point with the error of each, the held-out error, and
//! the files a calibration writes (`comparison.csv`, `comparison.txt`, the chart, `profile.toml`).
//! Pure functions from values to bytes.

use super::data::{CalPoint, Phase, Role, Spread, STEAL_FLAG_CORES};
use super::fit::{fitted_points, Env, Fit, Prediction, PARAMS};
use crate::report::plot::{Caption, Chart, ScatterChart, ScatterSeries};

/// One point of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Point name.
    pub point: String,
    /// Fit or held out.
    pub role: Role,
    /// Produce or consume.
    pub phase: Phase,
    /// Consumers (0 for produce).
    pub consumers: u32,
    /// Warm throughput, records/s (after the group join for consume).
    pub measured: Spread,
    /// Throughput of the cold first run, records/s.
    pub cold: Option<f64>,
    /// Simulated with the fitted profile, records/s.
    pub simulated: f64,
    /// (simulated − measured mean) / measured mean, %.
    pub error_pct: f64,
    /// Simulated with the model's defaults, records/s.
    pub simulated_default: f64,
    /// Measured wall time of the phase (consume: from subscribe, join included), s.
    pub measured_wall_s: f64,
    /// Simulated wall time of the phase, s.
    pub simulated_wall_s: f64,
    /// Consume: measured time to form the group, s.
    pub measured_join: Option<Spread>,
    /// Consume: simulated time to form the group, s.
    pub simulated_join_s: f64,
    /// Consume: measured time after the group formed, s.
    pub measured_after: Option<Spread>,
    /// Whether two or more consumers read in parallel (measured).
    pub parallel: bool,
    /// Warm repetitions taken under steal: (dropped from `measured`, kept because too few were
    /// quiet); see [`CalPoint::used`].
    pub loaded: (usize, usize),
    /// Used by the fit: a fit point, unless measured under steal ([`fitted_points`]).
    pub fitted: bool,
}

impl Row {
    /// Error of the model's defaults, %.
    pub fn error_default_pct(&self) -> f64 {
        pct(self.simulated_default, self.measured.mean)
    }

    /// Error of the simulated wall time (join included), %.
    pub fn wall_error_pct(&self) -> f64 {
        pct(self.simulated_wall_s, self.measured_wall_s)
    }

    /// Consume: simulated time after the group formed, s.
    pub fn simulated_after_s(&self) -> f64 {
        self.simulated_wall_s - self.simulated_join_s
    }

    /// Consume: error of the simulated time after the group formed, % (None for produce).
    pub fn after_error_pct(&self) -> Option<f64> {
        self.measured_after
            .map(|m| pct(self.simulated_after_s(), m.mean))
    }

    /// Consume: error of the simulated time to form the group, % (None for produce).
    pub fn join_error_pct(&self) -> Option<f64> {
        self.measured_join
            .map(|m| pct(self.simulated_join_s, m.mean))
    }
}

fn pct(sim: f64, measured: f64) -> f64 {
    if measured > 0.0 {
        (sim / measured - 1.0) * 100.0
    } else {
        f64::NAN
    }
}

/// Rows for every point that has a warm measurement (in point order).
pub fn rows(points: &[CalPoint], fitted: &[Prediction], defaults: &[Prediction]) -> Vec<Row> {
    let used: Vec<&str> = fitted_points(points)
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    points
        .iter()
        .zip(fitted.iter().zip(defaults))
        .filter_map(|(p, (f, d))| {
            let measured = p.warm()?;
            Some(Row {
                point: p.name.clone(),
                role: p.role,
                phase: p.phase,
                consumers: p.consumers,
                measured,
                cold: p.cold(),
                simulated: f.throughput,
                error_pct: pct(f.throughput, measured.mean),
                simulated_default: d.throughput,
                measured_wall_s: p.warm_wall_s().unwrap_or(0.0),
                simulated_wall_s: f.wall_s,
                measured_join: p.warm_join(),
                simulated_join_s: f.join_s,
                measured_after: p.warm_after_join(),
                parallel: p.parallel(),
                loaded: p.loaded(),
                fitted: used.contains(&p.name.as_str()),
            })
        })
        .collect()
}

/// Median of |values| (None when empty).
pub fn median_abs(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).map(f64::abs).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Largest of |values| (None when empty).
pub fn max_abs(values: impl Iterator<Item = f64>) -> Option<f64> {
    values
        .map(f64::abs)
        .filter(|e| e.is_finite())
        .reduce(f64::max)
}

/// Headline errors of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Errors {
    /// Held-out points.
    pub held_out: usize,
    /// Median |error| of throughput on held-out points, %.
    pub held_out_median_pct: Option<f64>,
    /// The same on held-out consumer-group points (2 consumers or more).
    pub held_out_groups_median_pct: Option<f64>,
    /// Largest |error| on held-out points, %.
    pub held_out_max_pct: Option<f64>,
    /// Median |error| on fit points, %.
    pub fit_median_pct: Option<f64>,
    /// Median |error| on held-out points with the model's defaults, %.
    pub held_out_default_median_pct: Option<f64>,
    /// Median |error| of the wall time (join included) on held-out consume points, %.
    pub held_out_wall_median_pct: Option<f64>,
    /// Median |error| of the time after the group formed on held-out consume points, %.
    pub held_out_after_median_pct: Option<f64>,
    /// Largest |error| of the time after the group formed where consumers read in parallel, %.
    pub parallel_after_max_pct: Option<f64>,
    /// Largest |error| of the time to form the group on consume points, %.
    pub join_max_pct: Option<f64>,
}

/// The headline errors of `rows`.
pub fn errors(rows: &[Row]) -> Errors {
    let held: Vec<&Row> = rows.iter().filter(|r| r.role == Role::HeldOut).collect();
    Errors {
        held_out: held.len(),
        held_out_median_pct: median_abs(held.iter().map(|r| r.error_pct)),
        held_out_groups_median_pct: median_abs(
            held.iter()
                .filter(|r| r.consumers >= 2)
                .map(|r| r.error_pct),
        ),
        held_out_max_pct: max_abs(held.iter().map(|r| r.error_pct)),
        fit_median_pct: median_abs(rows.iter().filter(|r| r.fitted).map(|r| r.error_pct)),
        held_out_default_median_pct: median_abs(held.iter().map(|r| r.error_default_pct())),
        held_out_wall_median_pct: median_abs(
            held.iter()
                .filter(|r| r.phase == Phase::Consume)
                .map(|r| r.wall_error_pct()),
        ),
        held_out_after_median_pct: median_abs(held.iter().filter_map(|r| r.after_error_pct())),
        parallel_after_max_pct: max_abs(
            held.iter()
                .filter(|r| r.parallel)
                .filter_map(|r| r.after_error_pct()),
        ),
        join_max_pct: max_abs(rows.iter().filter_map(|r| r.join_error_pct())),
    }
}

fn opt_pct(v: Option<f64>) -> String {
    v.map(|e| format!("{e:.1}%"))
        .unwrap_or_else(|| "n/a".into())
}

impl Errors {
    /// One line for the terminal and the profile.
    pub fn headline(&self) -> String {
        format!(
            "held-out median |error| of throughput: {} on {} point(s) (consumer groups: {}; worst {}); \
             fit points: {}; the model's defaults on held-out points: {}",
            opt_pct(self.held_out_median_pct),
            self.held_out,
            opt_pct(self.held_out_groups_median_pct),
            opt_pct(self.held_out_max_pct),
            opt_pct(self.fit_median_pct),
            opt_pct(self.held_out_default_median_pct),
        )
    }
}

/// Columns of `comparison.csv`.
pub const CSV_HEADER: [&str; 28] = [
    "point",
    "role",
    "phase",
    "consumers",
    "repetitions",
    "measured_records_per_s",
    "measured_sd",
    "measured_min",
    "measured_max",
    "cold_records_per_s",
    "simulated_records_per_s",
    "error_pct",
    "simulated_default_records_per_s",
    "error_default_pct",
    "measured_wall_s",
    "simulated_wall_s",
    "wall_error_pct",
    "throughput",
    "wall",
    "measured_after_join_s",
    "measured_after_join_sd",
    "simulated_after_join_s",
    "after_join_error_pct",
    "measured_join_s",
    "simulated_join_s",
    "join_error_pct",
    "loaded_dropped",
    "loaded_kept",
];

/// `comparison.csv` bytes.
pub fn comparison_csv(rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("write to Vec");
    for r in rows {
        w.write_record([
            r.point.clone(),
            r.role.to_string(),
            r.phase.to_string(),
            r.consumers.to_string(),
            r.measured.n.to_string(),
            format!("{:.1}", r.measured.mean),
            format!("{:.1}", r.measured.sd),
            format!("{:.1}", r.measured.min),
            format!("{:.1}", r.measured.max),
            r.cold.map(|c| format!("{c:.1}")).unwrap_or_default(),
            format!("{:.1}", r.simulated),
            format!("{:.2}", r.error_pct),
            format!("{:.1}", r.simulated_default),
            format!("{:.2}", r.error_default_pct()),
            format!("{:.4}", r.measured_wall_s),
            format!("{:.4}", r.simulated_wall_s),
            format!("{:.2}", r.wall_error_pct()),
            match r.phase {
                Phase::Produce => "records/s produced, first send to last ack".into(),
                Phase::Consume => "records/s consumed after the group formed".into(),
            },
            match r.phase {
                Phase::Produce => "produce time".to_string(),
                Phase::Consume => "from subscribe, group join included".to_string(),
            },
            opt(r.measured_after.map(|a| a.mean), 4),
            opt(r.measured_after.map(|a| a.sd), 4),
            opt(r.measured_after.map(|_| r.simulated_after_s()), 4),
            opt(r.after_error_pct(), 2),
            opt(r.measured_join.map(|j| j.mean), 4),
            opt(r.measured_join.map(|_| r.simulated_join_s), 4),
            opt(r.join_error_pct(), 2),
            r.loaded.0.to_string(),
            r.loaded.1.to_string(),
        ])
        .expect("write to Vec");
    }
    w.into_inner().expect("flush to Vec")
}

/// `v` with `digits` decimals, or an empty cell.
fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or(String::new(), |x| format!("{x:.digits$}"))
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// `comparison.txt`: the table, then the headline errors; `title` says what was calibrated.
pub fn comparison_txt(title: &str, rows: &[Row]) -> String {
    let mut out = format!("{title}\n\n");
    let w = rows.iter().map(|r| r.point.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!(
        "{:<w$}  {:<8}  {:>21}  {:>10}  {:>10}  {:>8}  {:>10}  {:>8}  {:>16}\n",
        "point",
        "role",
        "measured rec/s (±sd)",
        "cold",
        "simulated",
        "error",
        "defaults",
        "error",
        "wall s meas/sim"
    ));
    for r in rows {
        out.push_str(&format!(
            "{:<w$}  {:<8}  {:>21}  {:>10}  {:>10}  {:>7.1}%  {:>10}  {:>7.1}%  {:>16}\n",
            r.point,
            r.role.to_string(),
            format!(
                "{} ±{}{}",
                thousands(r.measured.mean),
                thousands(r.measured.sd),
                loaded_mark(r.loaded)
            ),
            r.cold.map(thousands).unwrap_or_else(|| "-".into()),
            thousands(r.simulated),
            r.error_pct,
            thousands(r.simulated_default),
            r.error_default_pct(),
            format!("{:.3}/{:.3}", r.measured_wall_s, r.simulated_wall_s),
        ));
    }
    let consume: Vec<&Row> = rows.iter().filter(|r| r.measured_after.is_some()).collect();
    if !consume.is_empty() {
        out.push_str(&format!(
            "\n{:<w$}  {:<8}  {:>17}  {:>9}  {:>7}  {:>17}  {:>9}  {:>7}\n",
            "consume point",
            "role",
            "after join s ±sd",
            "simulated",
            "error",
            "join s ±sd",
            "simulated",
            "error"
        ));
        for r in consume {
            let (a, j) = (r.measured_after.expect("consume"), r.measured_join);
            out.push_str(&format!(
                "{:<w$}  {:<8}  {:>17}  {:>9.3}  {:>6.1}%  {:>17}  {:>9.3}  {:>7}\n",
                r.point,
                r.role.to_string(),
                format!("{:.3} ±{:.3}", a.mean, a.sd),
                r.simulated_after_s(),
                r.after_error_pct().unwrap_or(f64::NAN),
                j.map_or("-".into(), |j| format!("{:.3} ±{:.3}", j.mean, j.sd)),
                r.simulated_join_s,
                opt_pct(r.join_error_pct()),
            ));
        }
    }
    let e = errors(rows);
    out.push_str(&format!(
        "\nThroughput: produce = records/s from the first send to the last acknowledgement; consume = \
         records/s after the group formed (the group join, group.initial.rebalance.delay.ms \
         included, is in the wall time).\nerror = simulated / measured mean − 1; `defaults` = the \
         model before fitting; `cold` = the first run of the point, kept out of the mean.\n{}\n{}\n\
         held-out median |error| of the wall time, join included (consume points): {}\n\
         held-out median |error| of the time after the group formed: {}; worst where two or more \
         consumers read in parallel: {}; worst |error| of the join time: {}\n",
        loaded_note(rows),
        e.headline(),
        opt_pct(e.held_out_wall_median_pct),
        opt_pct(e.held_out_after_median_pct),
        opt_pct(e.parallel_after_max_pct),
        opt_pct(e.join_max_pct),
    ));
    out
}

/// After a measured mean: `*` when loaded repetitions were dropped from it, `+` when some are
/// in it because too few were quiet.
fn loaded_mark((dropped, kept): (usize, usize)) -> &'static str {
    match (dropped > 0, kept > 0) {
        (true, _) => "*",
        (false, true) => "+",
        _ => "",
    }
}

/// What the marks mean, and how many repetitions they cover (empty line when none).
fn loaded_note(rows: &[Row]) -> String {
    let (dropped, kept) = rows
        .iter()
        .fold((0, 0), |(d, k), r| (d + r.loaded.0, k + r.loaded.1));
    if dropped + kept == 0 {
        return String::new();
    }
    format!(
        "loaded = the machine lost over {:.0}% of a core to other tenants (steal) during the run: \
         * = {dropped} such repetition(s) dropped from the mean, + = {kept} kept (too few quiet \
         ones; a fit point marked + is left out of the fit).\n",
        STEAL_FLAG_CORES * 100.0
    )
}

/// The measured-versus-simulated chart: fit points filled, held-out points hollow, bars = the
/// spread (min–max) of the warm repetitions, the line y = x with a ±15% band.
pub fn chart(rows: &[Row], caption: &str) -> Chart {
    let series = |keep: &dyn Fn(&Row) -> bool, label: &str| ScatterSeries {
        label: label.into(),
        points: rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| (r.simulated, r.measured.mean, r.measured.min, r.measured.max))
            .collect(),
    };
    let mut all = vec![
        series(&|r| r.fitted, "used for fitting"),
        series(&|r| r.role == Role::HeldOut, "held out"),
    ];
    // Fit points measured under steal: drawn apart, and only when there are some.
    let left_out = series(
        &|r| r.role == Role::Fit && !r.fitted,
        "measured under steal, not fitted",
    );
    if !left_out.points.is_empty() {
        all.push(left_out);
    }
    let e = errors(rows);
    Chart::Scatter(ScatterChart {
        title: format!(
            "Measured vs simulated throughput (held-out median error {})",
            opt_pct(e.held_out_median_pct)
        ),
        x_label: "simulated (records/s)".into(),
        y_label: "measured (records/s, min–max)".into(),
        series: all,
        band: 0.15,
        caption: Caption(caption.into()),
    })
}

/// `profile.toml`: the environment and the fitted parameters as plain scenario keys, with
/// comment lines (`provenance`, one per line) saying where they come from. No timestamps.
pub fn profile_toml(env: &Env, fit: &Fit, provenance: &[String]) -> String {
    let mut out = String::from(
        "# kafkasim calibration profile, written by `kafkasim calibrate`.\n\
         # Use it from a scenario with a top-level `include = [\"path/to/profile.toml\"]` (relative to\n\
         # the scenario); keys set in the scenario override these, and --set overrides both.\n",
    );
    for line in provenance {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!(
        "# fit: {} point(s), {} evaluations; mean squared log error of throughput {:.4} (model \
         defaults: {:.4})\n",
        fit.points, fit.evals, fit.msle, fit.msle_start
    ));
    let mut entries: Vec<(String, String, String)> = env
        .iter()
        .map(|(k, v)| {
            let why = if PARAMS.iter().any(|p| p.key == k.as_str()) {
                "held (--set), not fitted"
            } else {
                "measured machine / cluster"
            };
            (k.clone(), toml_value(k, v), why.into())
        })
        .collect();
    let fitted = PARAMS.iter().zip(fit.values.iter().zip(&fit.start));
    for ((p, (v, s)), _) in fitted.zip(&fit.held).filter(|(_, &h)| !h) {
        entries.push((
            p.key.to_string(),
            format!("{}", round_sig(*v, 4)),
            format!("fitted; model default {s}"),
        ));
    }
    let mut sections: Vec<String> = vec![];
    for (k, _, _) in &entries {
        let sec = section(k).0.to_string();
        if !sections.contains(&sec) {
            sections.push(sec);
        }
    }
    for sec in sections {
        out.push_str(&format!("\n[{sec}]\n"));
        for (k, v, why) in entries.iter().filter(|e| section(&e.0).0 == sec) {
            out.push_str(&format!("\"{}\" = {v}  # {why}\n", section(k).1));
        }
    }
    out
}

fn section(key: &str) -> (&str, &str) {
    key.split_once('.').unwrap_or(("", key))
}

fn toml_value(key: &str, v: &str) -> String {
    match crate::scenario::keys::spec(key).map(|s| s.kind) {
        Some(crate::scenario::keys::Kind::Int { .. })
        | Some(crate::scenario::keys::Kind::Float { .. })
        | Some(crate::scenario::keys::Kind::Bool) => v.to_string(),
        _ => format!("\"{v}\""),
    }
}

fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::fit::PARAMS;
    use crate::scenario::{Scenario, Value};

    fn row(name: &str, role: Role, consumers: u32, measured: f64, sim: f64) -> Row {
        Row {
            point: name.into(),
            role,
            phase: if consumers == 0 {
                Phase::Produce
            } else {
                Phase::Consume
            },
            consumers,
            measured: Spread::of(&[measured * 0.9, measured * 1.1]).unwrap(),
            cold: None,
            simulated: sim,
            error_pct: pct(sim, measured),
            simulated_default: sim * 2.0,
            measured_wall_s: 1.0,
            simulated_wall_s: 1.1,
            measured_join: None,
            simulated_join_s: 0.0,
            measured_after: None,
            parallel: consumers >= 2,
            loaded: (0, 0),
            fitted: role == Role::Fit,
        }
    }

    #[test]
    fn held_out_errors_are_medians_of_absolute_errors() {
        let rows = vec![
            row("a", Role::Fit, 0, 100.0, 101.0),
            row("b", Role::HeldOut, 2, 100.0, 90.0),
            row("c", Role::HeldOut, 4, 100.0, 120.0),
            row("d", Role::HeldOut, 0, 100.0, 103.0),
        ];
        let e = errors(&rows);
        assert_eq!(e.held_out, 3);
        assert!((e.held_out_median_pct.unwrap() - 10.0).abs() < 1e-9);
        assert!((e.held_out_groups_median_pct.unwrap() - 15.0).abs() < 1e-9);
        assert!((e.held_out_max_pct.unwrap() - 20.0).abs() < 1e-9);
        let txt = comparison_txt("t", &rows);
        assert!(
            txt.contains("held-out median |error| of throughput: 10.0% on 3 point(s)"),
            "{txt}"
        );
        assert!(
            !txt.contains("loaded ="),
            "no note without loaded runs: {txt}"
        );
        let csv = String::from_utf8(comparison_csv(&rows)).unwrap();
        assert_eq!(csv.lines().count(), 5);
        assert!(matches!(chart(&rows, "c"), Chart::Scatter(_)));
    }

    #[test]
    fn loaded_repetitions_are_marked_and_counted() {
        let mut rows = vec![
            row("a", Role::Fit, 0, 100.0, 101.0),
            row("b", Role::HeldOut, 0, 100.0, 90.0),
        ];
        rows[0].loaded = (2, 0);
        rows[1].loaded = (0, 1);
        let txt = comparison_txt("t", &rows);
        assert!(
            txt.contains("100 ±14*") && txt.contains("100 ±14+"),
            "{txt}"
        );
        assert!(
            txt.contains("* = 2 such repetition(s) dropped") && txt.contains("+ = 1 kept"),
            "{txt}"
        );
        let csv = String::from_utf8(comparison_csv(&rows)).unwrap();
        assert!(csv.lines().nth(1).unwrap().ends_with(",2,0"), "{csv}");
        let labels = |rows: &[Row]| match chart(rows, "c") {
            Chart::Scatter(c) => c.series.into_iter().map(|s| s.label).collect::<Vec<_>>(),
            _ => unreachable!("a scatter chart"),
        };
        assert_eq!(labels(&rows), ["used for fitting", "held out"]);
        rows[0].fitted = false; // a fit point measured under steal
        assert_eq!(
            labels(&rows),
            [
                "used for fitting",
                "held out",
                "measured under steal, not fitted"
            ]
        );
        assert_eq!(errors(&rows).fit_median_pct, None, "no point was fitted");
    }

    #[test]
    fn the_profile_is_a_scenario_that_sets_the_fitted_values() {
        let fit = Fit {
            values: PARAMS.iter().map(|_| 1.234_567).collect(),
            start: PARAMS.iter().map(|_| 1.0).collect(),
            held: PARAMS.iter().map(|_| false).collect(),
            msle_start: 0.5,
            msle: 0.01,
            evals: 10,
            points: 3,
        };
        let env: Env = vec![
            ("host.cores".into(), "2".into()),
            ("cluster.layout".into(), "single-host".into()),
            (
                "broker.group.initial.rebalance.delay.ms".into(),
                "3000".into(),
            ),
        ];
        let text = profile_toml(&env, &fit, &["machine: test".into()]);
        assert!(text.contains("# machine: test"));
        let sc = Scenario::parse(&text, "profile.toml").unwrap();
        assert_eq!(sc.base.get("host.cores"), Value::Int(2));
        assert_eq!(
            sc.base.get("broker.group.initial.rebalance.delay.ms"),
            Value::Int(3000)
        );
        assert_eq!(sc.base.get("network.loopback_gbps"), Value::Float(1.235));
        assert_eq!(
            sc.base.get("producer.send_cpu_us_per_record"),
            Value::Float(1.235)
        );
    }
}
