//! Reports: pure functions from results to bytes (text table, CSV, JSON, plots), and one place
//! that writes files — each to a temporary file first, then renamed, so an interrupted or failed
//! run never leaves a half-written output.

pub mod export;
pub mod figures;
pub mod group_figures;
pub mod plot;
pub mod table;
pub mod timeline;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .context("output path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename `{}` to `{}`", tmp.display(), path.display()))
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
