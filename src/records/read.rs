//! Reads a results folder back: the spec as run, summaries and every run's records, for plots and analysis.
//!
//! Every failure names the file (and the csv row when there is one); nothing here panics on bad input.
//! Run folders whose names start with `.` are unfinished and skipped; every record is checked against the
//! digest in its run's summary.json before it is parsed.

use super::RunFile;
use super::layout::{self, LANDSCAPE, RUNS, SPEC, SUMMARY};
use super::verify::{damaged, read_verified};
use crate::error::{Error, Result};
use crate::plan::{self, Settings};
use crate::schema::{
    ArrowRecord, CurvatureRecord, EpochRecord, EvalRecord, IterationRecord, LandscapeRecord, NoiseRecord,
    RunSummary, TrajectoryRecord,
};
use crate::spec::{Spec, SpecSource};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
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
    /// Classes of a classification task (classes.csv); 0 for regression or a folder without it.
    pub classes: usize,
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
    /// curvature.csv, when the run took curvature checkpoints.
    pub curvature: Option<Vec<CurvatureRecord>>,
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

/// Reads the results folder `dir`: every run's records checked against their digests, and every run of
/// the plan (and of summary.csv) present, so a damaged or deleted run is named instead of left out.
pub fn read_results(dir: &Path) -> Result<Results> {
    let spec_path = dir.join(SPEC);
    let text = fs::read_to_string(&spec_path).map_err(|e| Error::records(&spec_path, e.to_string()))?;
    let spec: Spec = toml::from_str(&text).map_err(|e| Error::records(&spec_path, e.to_string()))?;
    let source = SpecSource { path: spec_path, text: text.clone(), overrides: Vec::new() };
    let settings = plan::check(&spec, &source)?;
    let summaries: Vec<RunSummary> = read_nonempty(&dir.join(SUMMARY))?;
    let runs = run_dirs(&dir.join(RUNS))?.iter().map(|d| read_run(d)).collect::<Result<Vec<_>>>()?;
    let mut expected: Vec<String> = summaries.iter().map(|s| s.run_id.clone()).collect();
    if let Some(n) = runs.iter().map(|r| r.file.train_examples).find(|&n| n > 0) {
        expected.extend(plan::build(settings.clone(), &source, n)?.runs.into_iter().map(|r| r.id));
    }
    let present: HashSet<&str> = runs.iter().map(|r| r.summary().run_id.as_str()).collect();
    if let Some(missing) = expected.iter().find(|id| !present.contains(id.as_str())) {
        return Err(Error::records(
            layout::run_dir(dir, missing),
            "missing: the plan and summary.csv hold this run but its folder is absent (deleted?); \
             `batchlab <spec> --resume` recomputes it",
        ));
    }
    let landscapes = read_landscapes(&dir.join(LANDSCAPE))?;
    let classes = super::read_classes(dir)?.len();
    Ok(Results { dir: dir.to_path_buf(), settings, spec_text: text, summaries, runs, landscapes, classes })
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

/// Reads a run's records, each checked against its digest before it is parsed.
pub fn read_run(dir: &Path) -> Result<RunRecords> {
    let (file, contents) = read_verified(dir).map_err(|what| damaged(dir, &what))?;
    let missing = |name: &str| damaged(dir, &format!("{name} is missing"));
    let epochs = record(dir, &contents, layout::EPOCHS)?.ok_or_else(|| missing(layout::EPOCHS))?;
    Ok(RunRecords {
        file,
        epochs: nonempty(&dir.join(layout::EPOCHS), epochs)?,
        evals: record(dir, &contents, layout::EVALS)?,
        iterations: record(dir, &contents, layout::ITERATIONS)?.ok_or_else(|| missing(layout::ITERATIONS))?,
        noise: record(dir, &contents, layout::NOISE)?,
        curvature: record(dir, &contents, layout::CURVATURE)?,
        trajectory: record(dir, &contents, layout::TRAJECTORY)?,
        arrows: record(dir, &contents, layout::ARROWS)?,
    })
}

/// The rows of record file `name` among a run's verified `contents`; `None` when the run has no such file.
fn record<T: DeserializeOwned>(
    dir: &Path,
    contents: &[(String, Vec<u8>)],
    name: &str,
) -> Result<Option<Vec<T>>> {
    let bytes = contents.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice());
    bytes.map(|b| parse_csv(&dir.join(name), b)).transpose()
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
    nonempty(path, read_csv(path)?)
}

fn nonempty<T>(path: &Path, rows: Vec<T>) -> Result<Vec<T>> {
    if rows.is_empty() {
        return Err(Error::records(path, "no rows (empty or truncated file)"));
    }
    Ok(rows)
}

/// Reads every row of a csv file with a header; a missing file, a short row or a bad value is an error
/// naming the file and the line.
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let bytes = fs::read(path).map_err(|e| Error::records(path, e.to_string()))?;
    parse_csv(path, &bytes)
}

/// Parses the csv text `bytes` read from `path` (named in errors).
fn parse_csv<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_reader(bytes);
    reader.deserialize().collect::<Result<_, _>>().map_err(|e| located(path, e))
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
