//! Writing the results folder: run folders are written under a temporary name and renamed when complete,
//! with summary.json (listing every other file's size and SHA-256) written last; folder-level files are
//! written to a temporary file and renamed, so a reader never sees half a result.

use super::RunFile;
use super::iterations::IterationWriter;
use super::layout;
use super::verify::{digest_folder, verify_run};
use crate::error::{Error, Result};
use crate::plan::RunConfig;
use crate::schema::{
    ArrowRecord, CurvatureRecord, EpochRecord, EvalRecord, IterationRecord, LandscapeRecord, NoiseRecord,
    TrajectoryRecord,
};
use crate::train::Recorder;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes one run's records into `runs/.<id>.partial/`, renamed to `runs/<id>/` by [`RunWriter::finish`].
pub struct RunWriter {
    partial: PathBuf,
    done: PathBuf,
    iterations: IterationWriter<BufWriter<File>>,
    epochs: csv::Writer<BufWriter<File>>,
    evals: csv::Writer<BufWriter<File>>,
    noise: Option<csv::Writer<BufWriter<File>>>,
    curvature: Option<csv::Writer<BufWriter<File>>>,
}

impl RunWriter {
    /// Opens the record files of `run` under `output`.
    pub fn create(output: &Path, run: &RunConfig) -> Result<Self> {
        let (partial, done) = (layout::partial_run(output, &run.id), layout::run_dir(output, &run.id));
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        Ok(RunWriter {
            iterations: iteration_writer(&partial.join(layout::ITERATIONS))?,
            epochs: csv_writer(&partial.join(layout::EPOCHS))?,
            evals: csv_writer(&partial.join(layout::EVALS))?,
            noise: None,
            curvature: None,
            partial,
            done,
        })
    }

    /// Flushes everything, writes summary.json (with the digest of every record) and moves the folder into
    /// place.
    pub fn finish(self, file: &RunFile) -> Result<()> {
        self.close(file.clone())?.finish()
    }

    /// Flushes and closes the record files; the run stays unfinished until [`ClosedRun::finish`], so
    /// records computed after training (the landscape's) still go in before summary.json.
    pub fn close(mut self, file: RunFile) -> Result<ClosedRun> {
        let path = self.partial.join(layout::ITERATIONS);
        self.iterations.flush().map_err(|e| Error::io(&path, e))?;
        flush(&mut self.epochs, &self.partial.join(layout::EPOCHS))?;
        flush(&mut self.evals, &self.partial.join(layout::EVALS))?;
        if let Some(noise) = self.noise.as_mut() {
            flush(noise, &self.partial.join(layout::NOISE))?;
        }
        if let Some(curvature) = self.curvature.as_mut() {
            flush(curvature, &self.partial.join(layout::CURVATURE))?;
        }
        Ok(ClosedRun { partial: self.partial, done: self.done, file, armed: true })
    }

    /// Removes the unfinished folder of an interrupted or failed run.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.partial);
    }
}

/// A run whose training records are written and closed, not yet in place; dropped unfinished, its folder
/// is removed.
pub struct ClosedRun {
    partial: PathBuf,
    done: PathBuf,
    file: RunFile,
    armed: bool,
}

impl ClosedRun {
    /// The run's id.
    pub fn id(&self) -> &str {
        &self.file.config.id
    }

    /// Writes the run's path in the landscape plane and the gradient directions along it.
    pub fn write_landscape(&self, trajectory: &[TrajectoryRecord], arrows: &[ArrowRecord]) -> Result<()> {
        write_csv(&self.partial.join(layout::TRAJECTORY), trajectory)?;
        write_csv(&self.partial.join(layout::ARROWS), arrows)
    }

    /// Writes summary.json, listing the size and SHA-256 of every other file, and moves the folder into
    /// place.
    pub fn finish(mut self) -> Result<()> {
        self.file.files = digest_folder(&self.partial)?;
        write_json(&self.partial.join(layout::RUN_SUMMARY), &self.file)?;
        replace_dir(&self.partial, &self.done)?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for ClosedRun {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.partial);
        }
    }
}

/// Renames the complete folder `partial` to `done`; an older `done` is first renamed aside, so `done` is
/// missing only between two renames.
fn replace_dir(partial: &Path, done: &Path) -> Result<()> {
    if done.exists() {
        let mut aside = partial.as_os_str().to_os_string();
        aside.push(format!(".old-{}", std::process::id()));
        let aside = PathBuf::from(aside);
        fs::rename(done, &aside).map_err(|e| Error::io(done, e))?;
        fs::rename(partial, done).map_err(|e| Error::io(done, e))?;
        return fs::remove_dir_all(&aside).map_err(|e| Error::io(&aside, e));
    }
    fs::rename(partial, done).map_err(|e| Error::io(done, e))
}

impl Recorder for RunWriter {
    fn iteration(&mut self, record: &IterationRecord) -> Result<()> {
        let path = &self.partial;
        self.iterations.write(record).map_err(|e| Error::io(path.join(layout::ITERATIONS), e))
    }

    fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
        let path = &self.partial;
        self.epochs.serialize(record).map_err(|e| csv_error(&path.join(layout::EPOCHS), e))
    }

    fn eval(&mut self, record: &EvalRecord) -> Result<()> {
        let path = &self.partial;
        self.evals.serialize(record).map_err(|e| csv_error(&path.join(layout::EVALS), e))
    }

    fn weights(&mut self, epoch: Option<u64>, safetensors: &[u8]) -> Result<()> {
        // Straight into the unfinished folder, which is itself renamed into place: no temporary name, so
        // the bytes this allocates (counted in the run's peak) do not depend on the process id.
        let name = epoch.map_or(layout::WEIGHTS.to_string(), layout::checkpoint_weights);
        let path = self.partial.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::write(&path, safetensors).map_err(|e| Error::io(&path, e))
    }

    fn noise(&mut self, rows: &[NoiseRecord]) -> Result<()> {
        let path = self.partial.join(layout::NOISE);
        if self.noise.is_none() {
            self.noise = Some(csv_writer(&path)?);
        }
        let writer = self.noise.as_mut().expect("opened above");
        rows.iter().try_for_each(|row| writer.serialize(row).map_err(|e| csv_error(&path, e)))
    }

    fn curvature(&mut self, record: &CurvatureRecord) -> Result<()> {
        let path = self.partial.join(layout::CURVATURE);
        if self.curvature.is_none() {
            self.curvature = Some(csv_writer(&path)?);
        }
        let writer = self.curvature.as_mut().expect("opened above");
        writer.serialize(record).map_err(|e| csv_error(&path, e))
    }
}

/// Writes the loss grid of one repeat, `landscape/rep<r>.csv`.
pub fn write_landscape_grid(output: &Path, repeat: u64, grid: &[LandscapeRecord]) -> Result<()> {
    write_csv(&layout::landscape_grid(output, repeat), grid)
}

/// Copies the complete run folder `from` to `output/runs/<id>/` as a whole (for `merge`): into
/// `.<id>.partial/` first, checked against its digests, renamed when every file is there and intact.
pub fn copy_run(from: &Path, output: &Path, id: &str) -> Result<()> {
    let (partial, done) = (layout::partial_run(output, id), layout::run_dir(output, id));
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    copy_files(from, &partial)?;
    let weights = from.join(layout::WEIGHTS_DIR);
    if weights.is_dir() {
        copy_files(&weights, &partial.join(layout::WEIGHTS_DIR))?;
    }
    if let Err(e) = verify_run(&partial) {
        let _ = fs::remove_dir_all(&partial);
        return Err(e);
    }
    replace_dir(&partial, &done)
}

/// Copies the files (not the folders) of `from` into `to`, creating it.
fn copy_files(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let source = entry.map_err(|e| Error::io(from, e))?.path();
        if source.is_file() {
            let target = to.join(source.file_name().unwrap_or_default());
            fs::copy(&source, &target).map_err(|e| Error::io(&source, e))?;
        }
    }
    Ok(())
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
pub(super) fn write_atomic(path: &Path, fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
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

pub(super) fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::records(path, format!("{other:?}")),
    }
}
