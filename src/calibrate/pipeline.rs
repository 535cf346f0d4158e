//! From measured points to a calibration's files: measurements, fit, profile, comparison.
//!
//! ```text
//! points ──► measurements.csv
//!    │
//!    ├─ fit points ──► fit::fit ──► profile.toml
//!    ▼
//! every point simulated with the profile (and with the defaults) ──► comparison.csv / .txt / .png / .svg
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::compare::{self, Errors, Row};
use super::data::{measurements_csv, CalPoint};
use super::fit::{self, Env, Fit, FitOptions};
use crate::report::{plot, write_atomic};

/// Options of [`analyse`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Output folder.
    pub out: PathBuf,
    /// Fit options.
    pub fit: FitOptions,
    /// Seeds of the comparison's simulations.
    pub compare_seeds: Vec<u64>,
    /// First line of `comparison.txt` and the chart's caption.
    pub title: String,
    /// Comment lines of the profile: machine, cluster, client, plan (no timestamps).
    pub provenance: Vec<String>,
    /// Skip the PNG/SVG chart.
    pub no_plots: bool,
}

/// What a calibration found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The fit.
    pub fit: Fit,
    /// One row per point.
    pub rows: Vec<Row>,
    /// Headline errors.
    pub errors: Errors,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Writes `measurements.csv` alone (used first, and when a run stops early).
pub fn write_measurements(out: &Path, points: &[CalPoint]) -> Result<PathBuf> {
    let path = out.join("measurements.csv");
    write_atomic(&path, &measurements_csv(points))?;
    Ok(path)
}

/// Writes the measurements, fits the cost parameters on the fit points, simulates every point
/// and writes the profile and the comparison.
pub fn analyse(
    points: &[CalPoint],
    env: &Env,
    opts: &Options,
    on_eval: &dyn Fn(),
) -> Result<Outcome> {
    let mut files = vec![write_measurements(&opts.out, points)?];
    let fit = fit::fit(points, env, &opts.fit, on_eval).context("fitting the cost parameters")?;
    let fitted = fit::predict_all(points, env, Some(&fit.values), &opts.compare_seeds)?;
    let defaults = fit::predict_all(points, env, None, &opts.compare_seeds)?;
    let rows = compare::rows(points, &fitted, &defaults);
    let errors = compare::errors(&rows);
    let mut provenance = opts.provenance.clone();
    provenance.push(errors.headline());
    let profile = opts.out.join("profile.toml");
    write_atomic(
        &profile,
        compare::profile_toml(env, &fit, &provenance).as_bytes(),
    )?;
    files.push(profile);
    let csv = opts.out.join("comparison.csv");
    write_atomic(&csv, &compare::comparison_csv(&rows))?;
    files.push(csv);
    let txt = opts.out.join("comparison.txt");
    write_atomic(&txt, compare::comparison_txt(&opts.title, &rows).as_bytes())?;
    files.push(txt);
    if !opts.no_plots {
        let seeds = opts
            .compare_seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let caption = format!("kafkasim · {} · profile.toml · seeds {seeds}", opts.title);
        files.extend(plot::render(
            &compare::chart(&rows, &caption),
            &opts.out,
            "comparison",
        )?);
    }
    Ok(Outcome {
        fit,
        rows,
        errors,
        files,
    })
}
