//! Writes what `plot` and `analyze` derive from the records: the analysis files, `figures/<name>.<ext>`,
//! report.md and report.html, each atomically.

use super::layout::{self, FIGURES};
use super::{write_bytes, write_csv, write_json};
use crate::error::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Writes analysis.json (`whole`), analysis.csv (`per_batch`) and analysis_runs.csv (`per_run`) into `dir`.
pub fn write_analysis<A: Serialize, B: Serialize, R: Serialize>(
    dir: &Path,
    whole: &A,
    per_batch: &[B],
    per_run: &[R],
) -> Result<Vec<PathBuf>> {
    let files =
        [layout::ANALYSIS_JSON, layout::ANALYSIS_CSV, layout::ANALYSIS_RUNS_CSV].map(|name| dir.join(name));
    write_json(&files[0], whole)?;
    write_csv(&files[1], per_batch)?;
    write_csv(&files[2], per_run)?;
    Ok(files.to_vec())
}

/// Writes one figure file, `figures/<name>.<extension>`, into `dir`.
pub fn write_figure(dir: &Path, name: &str, extension: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(FIGURES).join(format!("{name}.{extension}"));
    write_bytes(&path, bytes)?;
    Ok(path)
}

/// Writes report.md and report.html into `dir`.
pub fn write_reports(dir: &Path, markdown: &str, html: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for (name, text) in [(layout::REPORT_MD, markdown), (layout::REPORT_HTML, html)] {
        let path = dir.join(name);
        write_bytes(&path, text.as_bytes())?;
        files.push(path);
    }
    Ok(files)
}
