//! The results folder: the only code that reads or writes it. [`layout`] names every file; [`write`] writes
//! run folders and files atomically; [`read`] reads them back for analysis and figures; [`folder`] holds
//! the folder-level operations (resume, replace, merge); [`plots`] writes what `plot` and `analyze` derive.

mod classes;
mod folder;
mod iterations;
pub mod layout;
mod plots;
mod read;
mod write;

pub use classes::{CLASSES, ClassRecord, copy_classes, read_classes, write_classes};
pub use folder::{
    completed_run, copy_landscapes, landscape_written, read_spec_text, remove_results, run_files,
    same_folder, saved_spec, write_spec, write_summary,
};
pub use plots::{write_analysis, write_figure, write_reports};
pub use read::{LandscapeGrid, Results, RunRecords, read_csv, read_results, read_run_file};
pub use write::{RunWriter, copy_run, write_bytes, write_csv, write_json, write_landscape};

use crate::plan::RunConfig;
use crate::schema::RunSummary;
use serde::{Deserialize, Serialize};

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
