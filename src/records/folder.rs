//! A results folder as a whole: its spec, which runs it holds complete, and the folder-level operations
//! of resuming and merging (copying grids in).

use super::layout::{self, LANDSCAPE, RUNS, SPEC, SUMMARY};
use super::{RunFile, read_run_file, write_bytes, write_csv};
use crate::error::{Error, Result};
use crate::schema::RunSummary;
use std::fs;
use std::path::{Path, PathBuf};

/// The text of `output/spec.toml`, when there is one.
pub fn saved_spec(output: &Path) -> Option<String> {
    fs::read_to_string(output.join(SPEC)).ok()
}

/// The text of `dir/spec.toml`, or an error saying `dir` does not look like a results folder.
pub fn read_spec_text(dir: &Path) -> Result<(PathBuf, String)> {
    let path = dir.join(SPEC);
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::records(&path, format!("cannot read it ({e}); is {} a results folder?", dir.display()))
    })?;
    Ok((path, text))
}

/// Writes the spec as run into `output/spec.toml`.
pub fn write_spec(output: &Path, text: &str) -> Result<()> {
    write_bytes(&output.join(SPEC), text.as_bytes())
}

/// Writes `output/summary.csv`.
pub fn write_summary(output: &Path, summaries: &[RunSummary]) -> Result<()> {
    write_csv(&output.join(SUMMARY), summaries)
}

/// Whether the loss grid of `repeat` is written.
pub fn landscape_written(output: &Path, repeat: u64) -> bool {
    layout::landscape_grid(output, repeat).exists()
}

/// Every complete run folder's summary.json under `dir/runs/` (none when there is no such folder).
pub fn run_files(dir: &Path) -> Result<Vec<(PathBuf, RunFile)>> {
    let runs = dir.join(RUNS);
    let Ok(entries) = fs::read_dir(&runs) else { return Ok(Vec::new()) };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(&runs, e))?.path();
        let partial = path.file_name().is_some_and(|n| layout::is_partial(&n.to_string_lossy()));
        if !partial && path.is_dir() {
            files.push((path.clone(), read_run_file(&path)?));
        }
    }
    Ok(files)
}

/// Copies the loss grids of `from` that `output` lacks.
pub fn copy_landscapes(from: &Path, output: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(from.join(LANDSCAPE)) else { return Ok(()) };
    for entry in entries.flatten() {
        let target = output.join(LANDSCAPE).join(entry.file_name());
        if !target.exists() {
            let bytes = fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            write_bytes(&target, &bytes)?;
        }
    }
    Ok(())
}

/// Whether two paths name the same folder.
pub fn same_folder(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}
