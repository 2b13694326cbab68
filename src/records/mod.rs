//! The only module that writes the results folder: run folders are written under a temporary name and
//! renamed when complete, sweep-level files are written to a temporary file and renamed, so a reader
//! never sees half a result.

mod iterations;
mod plots;
mod read;

pub use plots::{FIGURES, PlotReport, write_plot_files};
pub use read::{LandscapeGrid, Results, RunRecords, read_csv, read_results, read_run_file};

use crate::error::{Error, Result};
use crate::landscape::Landscape;
use crate::noise::NoiseRecord;
use crate::plan::RunConfig;
use crate::train::{EpochRecord, IterationRecord, Outcome, Recorder, Seconds};
use iterations::IterationWriter;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Folder of the completed runs inside a results folder.
pub const RUNS: &str = "runs";
/// Folder of the loss grids, one per repeat.
pub const LANDSCAPE: &str = "landscape";

/// What summary.json holds for one run, and a row of summary.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's folder name.
    pub run_id: String,
    /// Which repeat (seed) of its configuration.
    pub repeat: u64,
    /// Examples per update.
    pub batch_size: usize,
    /// The batch size as written in the spec (`32` or `full`).
    pub batch_label: String,
    /// SGD step size.
    pub learning_rate: f64,
    /// Epochs asked for.
    pub epochs: u64,
    /// Epochs completed.
    pub epochs_completed: u64,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Size of the last update of an epoch.
    pub last_batch_size: usize,
    /// Updates made.
    pub updates: u64,
    /// Training examples consumed.
    pub examples_seen: u64,
    /// Mean loss over the training set at the end (NaN when the run diverged; null in JSON).
    #[serde(deserialize_with = "nan_if_null")]
    pub final_train_loss: f64,
    /// Mean loss over the test set at the end.
    pub final_test_loss: Option<f64>,
    /// Test accuracy at the end (classification).
    pub final_test_accuracy: Option<f64>,
    /// Training seconds, evaluation and probes excluded.
    pub train_time_s: Seconds,
    /// Training examples per training second.
    pub examples_per_s: f64,
    /// A loss became NaN or infinite and the run stopped.
    pub diverged: bool,
    /// Peak bytes the run held above what its thread held before it (counting allocator; none in results
    /// written before it existed).
    #[serde(default)]
    pub peak_bytes: Option<u64>,
    /// What the run must hold by the analytic count of `memory::analytic` (bytes).
    #[serde(default)]
    pub analytic_bytes: Option<u64>,
}

impl RunSummary {
    /// The summary of `run` that ended with `outcome`.
    pub fn new(run: &RunConfig, outcome: &Outcome) -> Self {
        let last = &outcome.last;
        RunSummary {
            run_id: run.id.clone(),
            repeat: run.repeat,
            batch_size: run.batch_size,
            batch_label: run.batch_label.clone(),
            learning_rate: run.learning_rate,
            epochs: run.epochs,
            epochs_completed: outcome.epochs_completed,
            updates_per_epoch: run.updates_per_epoch,
            last_batch_size: run.last_batch_size,
            updates: last.updates,
            examples_seen: outcome.examples_seen,
            final_train_loss: last.train_loss,
            final_test_loss: last.test_loss,
            final_test_accuracy: last.test_accuracy,
            train_time_s: last.train_time_s,
            examples_per_s: outcome.examples_seen as f64 / last.train_time_s.max(f64::MIN_POSITIVE),
            diverged: outcome.diverged,
            peak_bytes: None,
            analytic_bytes: None,
        }
    }
}

/// JSON has no NaN (serde_json writes null), so a diverged run's loss reads back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// summary.json: the run's resolved configuration next to its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    /// The run as planned.
    pub config: RunConfig,
    /// Training settings shared by the sweep (momentum, decay, shuffle, ...).
    pub training: crate::spec::TrainingSpec,
    /// The network.
    pub model: crate::spec::ModelSpec,
    /// The data set, described.
    pub data: String,
    /// The results.
    pub summary: RunSummary,
    /// SHA-256 of the resolved configuration (spec, data, run); `--resume` and `merge` trust a run
    /// folder only when it matches. Empty in folders written before it existed.
    #[serde(default)]
    pub config_hash: String,
    /// SHA-256 of the split, standardised examples the run trained on.
    #[serde(default)]
    pub data_hash: String,
    /// Training examples N, so `merge` can rebuild the plan from spec.toml alone.
    #[serde(default)]
    pub train_examples: usize,
}

/// Writes one run's records into `runs/.<id>.partial/`, renamed to `runs/<id>/` by [`RunWriter::finish`].
pub struct RunWriter {
    partial: PathBuf,
    done: PathBuf,
    iterations: IterationWriter<BufWriter<File>>,
    epochs: csv::Writer<BufWriter<File>>,
    noise: Option<csv::Writer<BufWriter<File>>>,
}

impl RunWriter {
    /// Opens the record files of `run` under `output`.
    pub fn create(output: &Path, run: &RunConfig) -> Result<Self> {
        let runs = output.join(RUNS);
        let partial = runs.join(format!(".{}.partial", run.id));
        let done = runs.join(&run.id);
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        Ok(RunWriter {
            iterations: iteration_writer(&partial.join("iterations.csv"))?,
            epochs: csv_writer(&partial.join("epochs.csv"))?,
            noise: None,
            partial,
            done,
        })
    }

    /// Flushes everything, writes summary.json and moves the folder into place.
    pub fn finish(mut self, file: &RunFile) -> Result<()> {
        let path = self.partial.join("iterations.csv");
        self.iterations.flush().map_err(|e| Error::io(&path, e))?;
        flush(&mut self.epochs, &self.partial.join("epochs.csv"))?;
        if let Some(noise) = self.noise.as_mut() {
            flush(noise, &self.partial.join("noise.csv"))?;
        }
        write_json(&self.partial.join("summary.json"), file)?;
        if self.done.exists() {
            fs::remove_dir_all(&self.done).map_err(|e| Error::io(&self.done, e))?;
        }
        fs::rename(&self.partial, &self.done).map_err(|e| Error::io(&self.done, e))
    }

    /// Removes the unfinished folder of an interrupted or failed run.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.partial);
    }
}

impl Recorder for RunWriter {
    fn iteration(&mut self, record: &IterationRecord) -> Result<()> {
        let path = &self.partial;
        self.iterations.write(record).map_err(|e| Error::io(path.join("iterations.csv"), e))
    }

    fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
        let path = &self.partial;
        self.epochs.serialize(record).map_err(|e| csv_error(&path.join("epochs.csv"), e))
    }

    fn noise(&mut self, rows: &[NoiseRecord]) -> Result<()> {
        let path = self.partial.join("noise.csv");
        if self.noise.is_none() {
            self.noise = Some(csv_writer(&path)?);
        }
        let writer = self.noise.as_mut().expect("opened above");
        rows.iter().try_for_each(|row| writer.serialize(row).map_err(|e| csv_error(&path, e)))
    }
}

/// Writes the landscape of one repeat: `landscape/rep<r>.csv`, and trajectory.csv and arrows.csv into the
/// folders of the runs `run_ids` (in the order of `landscape.runs`).
pub fn write_landscape(output: &Path, repeat: u64, run_ids: &[&str], landscape: &Landscape) -> Result<()> {
    write_csv(&output.join(LANDSCAPE).join(format!("rep{repeat}.csv")), &landscape.grid)?;
    for (id, (trajectory, arrows)) in run_ids.iter().zip(&landscape.runs) {
        let folder = output.join(RUNS).join(id);
        write_csv(&folder.join("trajectory.csv"), trajectory)?;
        write_csv(&folder.join("arrows.csv"), arrows)?;
    }
    Ok(())
}

/// Copies the complete run folder `from` to `output/runs/<id>/` as a whole: into `.<id>.partial/` first,
/// renamed when every file is there (for `merge`).
pub fn copy_run(from: &Path, output: &Path, id: &str) -> Result<()> {
    let runs = output.join(RUNS);
    let partial = runs.join(format!(".{id}.partial"));
    let done = runs.join(id);
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let source = entry.map_err(|e| Error::io(from, e))?.path();
        if source.is_file() {
            let target = partial.join(source.file_name().unwrap_or_default());
            fs::copy(&source, &target).map_err(|e| Error::io(&source, e))?;
        }
    }
    if done.exists() {
        fs::remove_dir_all(&done).map_err(|e| Error::io(&done, e))?;
    }
    fs::rename(&partial, &done).map_err(|e| Error::io(&done, e))
}

/// Writes `rows` as a csv file, atomically.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        let mut writer = csv::Writer::from_writer(w);
        for row in rows {
            writer.serialize(row).map_err(|e| csv_error(path, e))?;
        }
        writer.flush().map_err(|e| Error::io(path, e))
    })
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(|e| Error::io(path, e.into()))?;
        w.write_all(b"\n").map_err(|e| Error::io(path, e))
    })
}

/// Writes `bytes` to `path`, atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// Writes through `fill` into `<path>.<pid>-<n>.tmp`, then renames it over `path`. The name is unique per
/// process and call, so shards sharing a results folder never write into each other's temporary file.
fn write_atomic(path: &Path, fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let tmp = path.with_file_name(name);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = BufWriter::new(file);
    let result = fill(&mut w).and_then(|()| w.flush().map_err(|e| Error::io(&tmp, e)));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    drop(w);
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn iteration_writer(path: &Path) -> Result<IterationWriter<BufWriter<File>>> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    IterationWriter::new(BufWriter::with_capacity(1 << 16, file)).map_err(|e| Error::io(path, e))
}

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file)))
}

fn flush(writer: &mut csv::Writer<BufWriter<File>>, path: &Path) -> Result<()> {
    writer.flush().map_err(|e| Error::io(path, e))
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::records(path, format!("{other:?}")),
    }
}
