//! Every file name and path of a results folder, in one place.
//!
//! ```text
//! <output>/spec.toml                  the spec as run
//! <output>/classes.csv                class index to label (classification)
//! <output>/summary.csv                one row per run, written once every run is complete
//! <output>/runs/<id>/                 a complete run: summary.json (written last), epochs.csv,
//!                                     evals.csv, iterations.csv, noise.csv, curvature.csv,
//!                                     trajectory.csv, arrows.csv, weights.safetensors,
//!                                     weights/epoch<k>.safetensors
//! <output>/runs/.<id>.partial/        a run being written (renamed into place when complete)
//! <output>/runs/.<id>.claim           the process writing run <id> (host and pid), while it does
//! <output>/landscape/rep<r>.csv       the loss grid of repeat r
//! <output>/split.csv, standardization.csv, order/rep<r>.csv   what another framework needs to replay a run
//! <output>/analysis.json, analysis.csv, analysis_runs.csv
//! <output>/variants/<name>/           with sweep.variants: each variant's analysis, figures and reports
//! <output>/figures/<name>.svg|png, report.md, report.html
//! ```

use std::path::{Path, PathBuf};

/// The spec as run.
pub const SPEC: &str = "spec.toml";
/// How spec.toml starts when batchlab wrote it: what marks a folder as a results folder.
pub const SPEC_MARK: &str = "# The spec as run";
/// One row per run.
pub const SUMMARY: &str = "summary.csv";
/// Folder of the completed runs.
pub const RUNS: &str = "runs";
/// Folder of the loss grids, one per repeat.
pub const LANDSCAPE: &str = "landscape";
/// Folder of the figures.
pub const FIGURES: &str = "figures";
/// A run's configuration and results, the last file it writes.
pub const RUN_SUMMARY: &str = "summary.json";
/// A run's per-epoch records.
pub const EPOCHS: &str = "epochs.csv";
/// A run's evaluations of the whole training and test sets (before training, on the schedule in updates,
/// at every epoch end).
pub const EVALS: &str = "evals.csv";
/// A run's per-update records.
pub const ITERATIONS: &str = "iterations.csv";
/// A run's gradient-noise checkpoints.
pub const NOISE: &str = "noise.csv";
/// A run's curvature checkpoints.
pub const CURVATURE: &str = "curvature.csv";
/// A run's path in the landscape plane.
pub const TRAJECTORY: &str = "trajectory.csv";
/// Gradient directions along a run's path.
pub const ARROWS: &str = "arrows.csv";
/// A run's final weights (safetensors, PyTorch nn.Linear names and layouts).
pub const WEIGHTS: &str = "weights.safetensors";
/// A run's folder of weights at its noise checkpoints.
pub const WEIGHTS_DIR: &str = "weights";
/// Every record file a run folder may hold besides summary.json.
pub const RECORDS: [&str; 6] = [EPOCHS, ITERATIONS, NOISE, CURVATURE, TRAJECTORY, ARROWS];
/// Which training examples came from which row of the source data.
pub const SPLIT: &str = "split.csv";
/// The mean and scale every feature (and a standardised target) was standardised with.
pub const STANDARDIZATION: &str = "standardization.csv";
/// Folder of the example orders, one file per repeat (`training.record_order`).
pub const ORDER: &str = "order";
/// Folder of the per-variant analyses, figures and reports (`sweep.variants`).
pub const VARIANTS: &str = "variants";
/// The analysis, whole.
pub const ANALYSIS_JSON: &str = "analysis.json";
/// The analysis, one row per batch size.
pub const ANALYSIS_CSV: &str = "analysis.csv";
/// The analysis, one row per run.
pub const ANALYSIS_RUNS_CSV: &str = "analysis_runs.csv";
/// The class names of a classification data set, index to label.
pub const CLASSES: &str = "classes.csv";
/// The report, Markdown.
pub const REPORT_MD: &str = "report.md";
/// The report, self-contained HTML.
pub const REPORT_HTML: &str = "report.html";

/// The folder of the complete run `id`.
pub fn run_dir(output: &Path, id: &str) -> PathBuf {
    output.join(RUNS).join(id)
}

/// The folder run `id` is written into before it is complete.
pub fn partial_run(output: &Path, id: &str) -> PathBuf {
    output.join(RUNS).join(format!(".{id}.partial"))
}

/// The claim of the process writing run `id`.
pub fn claim(output: &Path, id: &str) -> PathBuf {
    output.join(RUNS).join(format!(".{id}.claim"))
}

/// The loss grid of `repeat`.
pub fn landscape_grid(output: &Path, repeat: u64) -> PathBuf {
    output.join(LANDSCAPE).join(format!("rep{repeat}.csv"))
}

/// The weights of a run after `epoch` epochs, relative to its folder: `weights/epoch<k>.safetensors`.
pub fn checkpoint_weights(epoch: u64) -> String {
    format!("{WEIGHTS_DIR}/epoch{epoch}.safetensors")
}

/// The example order of `repeat`.
pub fn order(output: &Path, repeat: u64) -> PathBuf {
    output.join(ORDER).join(format!("rep{repeat}.csv"))
}

/// Whether a name under `runs/` is a run being written (or abandoned), not a complete run.
pub fn is_partial(name: &str) -> bool {
    name.starts_with('.')
}
