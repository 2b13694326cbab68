//! Reads a results folder back: the spec as run, summaries and every run's records, for plots and analysis.
//!
//! Every failure names the file (and the csv row when there is one); nothing here panics on bad input.
//! Run folders whose names start with `.` are unfinished and skipped.

use super::RunFile;
use super::layout::{self, LANDSCAPE, RUNS, SPEC, SUMMARY};
use crate::error::{Error, Result};
use crate::plan::{self, Settings};
use crate::schema::{
    ArrowRecord, EpochRecord, EvalRecord, IterationRecord, LandscapeRecord, NoiseRecord, RunSummary,
    TrajectoryRecord,
};
use crate::spec::{Spec, SpecSource};
use serde::de::DeserializeOwned;
use std::fs;
use std::path::{Path, PathBuf};

/// Everything a results folder holds.
#[derive(Debug, Clone)]
pub struct Results {
    /// The results folder.
    pub dir: PathBuf,
    /// The spec as run (spec.toml), checked as every spec is.
    pub settings: Settings,
    /// The text of spec.toml.
    pub spec_text: String,
    /// summary.csv: one row per run.
    pub summaries: Vec<RunSummary>,
    /// Every completed run, sorted by folder name.
    pub runs: Vec<RunRecords>,
    /// `landscape/rep<r>.csv`, sorted by repeat; empty without landscape records.
    pub landscapes: Vec<LandscapeGrid>,
}

/// The records of one completed run.
#[derive(Debug, Clone)]
pub struct RunRecords {
    /// summary.json: configuration and results.
    pub file: RunFile,
    /// epochs.csv.
    pub epochs: Vec<EpochRecord>,
    /// evals.csv (absent in folders written before it existed).
    pub evals: Option<Vec<EvalRecord>>,
    /// iterations.csv.
    pub iterations: Vec<IterationRecord>,
    /// noise.csv, when the run probed gradient noise.
    pub noise: Option<Vec<NoiseRecord>>,
    /// trajectory.csv, when the run recorded its path in the landscape plane.
    pub trajectory: Option<Vec<TrajectoryRecord>>,
    /// arrows.csv, when the run recorded gradient directions along its path.
    pub arrows: Option<Vec<ArrowRecord>>,
}

impl RunRecords {
    /// The run's summary.
    pub fn summary(&self) -> &RunSummary {
        &self.file.summary
    }
}

/// The loss over the landscape plane for one repeat.
#[derive(Debug, Clone)]
pub struct LandscapeGrid {
    /// Which repeat.
    pub repeat: u64,
    /// The grid points.
    pub points: Vec<LandscapeRecord>,
}

/// Reads the results folder `dir`.
pub fn read_results(dir: &Path) -> Result<Results> {
    let spec_path = dir.join(SPEC);
    let text = fs::read_to_string(&spec_path).map_err(|e| Error::records(&spec_path, e.to_string()))?;
    let spec: Spec = toml::from_str(&text).map_err(|e| Error::records(&spec_path, e.to_string()))?;
    let source = SpecSource { path: spec_path, text: text.clone(), overrides: Vec::new() };
    let settings = plan::check(&spec, &source)?;
    let summaries = read_nonempty(&dir.join(SUMMARY))?;
    let runs = run_dirs(&dir.join(RUNS))?.iter().map(|d| read_run(d)).collect::<Result<Vec<_>>>()?;
    let landscapes = read_landscapes(&dir.join(LANDSCAPE))?;
    Ok(Results { dir: dir.to_path_buf(), settings, spec_text: text, summaries, runs, landscapes })
}

/// The completed run folders under `runs`, sorted by name.
fn run_dirs(runs: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(runs).map_err(|e| Error::records(runs, e.to_string()))? {
        let entry = entry.map_err(|e| Error::records(runs, e.to_string()))?;
        let partial = layout::is_partial(&entry.file_name().to_string_lossy());
        if !partial && entry.path().is_dir() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Reads `dir/summary.json`, the last file a run writes before its folder is renamed into place.
pub fn read_run_file(dir: &Path) -> Result<RunFile> {
    let json = dir.join(layout::RUN_SUMMARY);
    let text = fs::read_to_string(&json).map_err(|e| Error::records(&json, e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| Error::records(&json, e.to_string()))
}

/// Reads the records of the complete run folder `dir`.
pub fn read_run(dir: &Path) -> Result<RunRecords> {
    let file = read_run_file(dir)?;
    Ok(RunRecords {
        file,
        epochs: read_nonempty(&dir.join(layout::EPOCHS))?,
        evals: read_optional(&dir.join(layout::EVALS))?,
        iterations: read_csv(&dir.join(layout::ITERATIONS))?,
        noise: read_optional(&dir.join(layout::NOISE))?,
        trajectory: read_optional(&dir.join(layout::TRAJECTORY))?,
        arrows: read_optional(&dir.join(layout::ARROWS))?,
    })
}

/// Reads `landscape/rep<r>.csv` files; none when the folder is absent.
fn read_landscapes(dir: &Path) -> Result<Vec<LandscapeGrid>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut grids = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::records(dir, e.to_string()))? {
        let path = entry.map_err(|e| Error::records(dir, e.to_string()))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let repeat =
            name.strip_prefix("rep").and_then(|r| r.strip_suffix(".csv")).and_then(|r| r.parse().ok());
        if let Some(repeat) = repeat {
            grids.push(LandscapeGrid { repeat, points: read_csv(&path)? });
        }
    }
    grids.sort_by_key(|g| g.repeat);
    Ok(grids)
}

/// Reads a csv file that must hold at least one row.
fn read_nonempty<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let rows = read_csv(path)?;
    if rows.is_empty() {
        return Err(Error::records(path, "no rows (empty or truncated file)"));
    }
    Ok(rows)
}

fn read_optional<T: DeserializeOwned>(path: &Path) -> Result<Option<Vec<T>>> {
    if path.exists() { read_csv(path).map(Some) } else { Ok(None) }
}

/// Reads every row of a csv file with a header; a missing file, a short row or a bad value is an error
/// naming the file and the line.
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| located(path, e))?;
    let rows: Vec<T> = reader.deserialize().collect::<Result<_, _>>().map_err(|e| located(path, e))?;
    Ok(rows)
}

fn located(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let message = match e.into_kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header {expected_len} (truncated or malformed file?)")
        }
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        other => format!("{other:?}"),
    };
    match line {
        Some(line) => Error::records(path, format!("line {line}: {message}")),
        None => Error::records(path, message),
    }
}
