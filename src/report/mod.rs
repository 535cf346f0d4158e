//! Reports: pure functions from results to bytes (text table, CSV, JSON, plots), and one place
//! that writes files — each to a temporary file first, then renamed, so an interrupted or failed
//! run never leaves a half-written output.

pub mod export;
pub mod figures;
pub mod group_figures;
pub mod guarantees_table;
pub mod hardware_figures;
pub mod omb;
pub mod plot;
pub mod replication_figures;
pub mod storage_figures;
pub mod svg_check;
pub mod table;
pub mod timeline;

use anyhow::{Context, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes)).map(|_| ())
}

/// [`write_atomic`] of what `write` writes, streamed through a buffer; the bytes written.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<u64> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .context("output path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let written = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.flush()?;
        drop(w);
        std::fs::metadata(&tmp).map(|m| m.len())
    })()
    .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename `{}` to `{}`", tmp.display(), path.display()))?;
    Ok(written)
}

/// Remove the hidden `.NAME[.PID].tmp[.EXT]` files a killed run left half-written in `dir`
/// (every output is written to such a file, then renamed into place).
pub fn remove_stale_temp_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading `{}`", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let temp = name.starts_with('.')
            && [".tmp", ".tmp.png", ".tmp.svg"]
                .iter()
                .any(|ext| name.ends_with(ext));
        if temp && path.is_file() {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing `{}`", path.display()))?;
        }
    }
    Ok(())
}

/// Create `dir` if needed and check that files can be written in it, before any run starts.
pub fn prepare_dir(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "--out `{}`: cannot create the output directory",
            dir.display()
        )
    })?;
    let probe = dir.join(".kafkasim-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("--out `{}`: the directory is not writable", dir.display()))?;
    std::fs::remove_file(&probe).ok();
    Ok(dir.to_path_buf())
}

/// A number taken from a run's summary.
pub type Metric = fn(&crate::experiment::Summary) -> f64;

/// Bars per point: for each point, each named metric's mean over the point's seeds.
pub fn mean_bars(
    results: &[crate::experiment::PointResult],
    kinds: &[(&str, Metric)],
) -> Vec<(String, Vec<(String, f64)>)> {
    results
        .iter()
        .map(|r| {
            let mean = |f: Metric| {
                r.runs.iter().map(|x| f(&x.summary)).sum::<f64>() / r.runs.len().max(1) as f64
            };
            let bars = kinds.iter().map(|(k, f)| (k.to_string(), mean(*f)));
            (r.point.short_name(), bars.collect())
        })
        .collect()
}

/// How a per-point figure names itself when a scenario has one or several points: the file stem
/// (`lag` or `lag-2`), the title (with ` — <point>` when there are several) and the caption.
pub struct PointLabel {
    index: Option<usize>,
    short: String,
    caption: String,
}

impl PointLabel {
    /// Point number `i` (from 0) of scenario `name`, drawn from its run with `seed`.
    pub fn new(
        name: &str,
        r: &crate::experiment::PointResult,
        seed: u64,
        i: usize,
        several: bool,
    ) -> Self {
        let short = r.point.short_name();
        PointLabel {
            index: several.then_some(i + 1),
            caption: format!("kafkasim · scenario {name} · {short} · seed {seed}"),
            short,
        }
    }

    /// `stem`, numbered when there are several points.
    pub fn stem(&self, stem: &str) -> String {
        match self.index {
            Some(i) => format!("{stem}-{i}"),
            None => stem.to_string(),
        }
    }

    /// `title`, naming the point when there are several.
    pub fn title(&self, title: &str) -> String {
        match self.index {
            Some(_) => format!("{title} — {}", self.short),
            None => title.to_string(),
        }
    }

    /// The caption line: scenario, point and seed.
    pub fn caption(&self) -> plot::Caption {
        plot::Caption(self.caption.clone())
    }
}
