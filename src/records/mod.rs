//! The results folder: the only code that reads or writes it. [`layout`] names every file; [`write`] writes
//! run folders and files atomically; [`verify`] checks every record against the digest its summary.json
//! holds; [`read`] reads them back for analysis and figures; [`folder`] holds the folder-level operations
//! (resume, merge), [`output`] what a folder holds before anything writes into it (and replacing a spec's
//! results), [`claim`] which process writes which run; [`plots`] writes what `plot` and `analyze` derive;
//! `replay` writes what another framework needs to replay a run (split, standardisation, order).

pub mod claim;
mod classes;
mod folder;
mod iterations;
pub mod layout;
mod output;
mod plots;
mod read;
mod replay;
mod verify;
mod write;

pub use claim::Claims;
pub use classes::{ClassRecord, copy_classes, read_classes, write_classes};
pub use folder::{
    copy_landscapes, landscape_written, read_spec_text, run_files, same_folder, saved_spec, write_spec,
    write_summary,
};
pub use output::{Target, create_output, inspect_output, remove_results};
pub use plots::{write_analysis, write_figure, write_reports};
pub use read::{LandscapeGrid, Results, RunRecords, read_csv, read_results, read_run, read_run_file};
pub use replay::{copy_replay, write_order, write_split};
pub use verify::{FileDigest, Stored, damaged, stored_run, verify_run};
pub use write::{ClosedRun, RunWriter, copy_run, write_bytes, write_csv, write_json, write_landscape_grid};

use crate::plan::RunConfig;
use crate::schema::RunSummary;
use serde::{Deserialize, Serialize};

/// summary.json: the run's resolved configuration next to its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    /// The run as planned.
    pub config: RunConfig,
    /// `[training]` as run, every default that applies filled in (the run's own optimiser, after any
    /// scaling, is in `config`).
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
    /// Size and SHA-256 of every other record file of the run, which every reader checks. Empty in
    /// folders written before it existed, which are read unchecked.
    #[serde(default)]
    pub files: Vec<FileDigest>,
    /// The matrix kernels the run computed with (`avx2+fma`, `portable`): runs of different kernels may
    /// differ in the last bits, so `merge` and `--resume` warn when a folder mixes them.
    #[serde(default)]
    pub kernel_path: String,
    /// The CPU features detected on the machine that ran it.
    #[serde(default)]
    pub cpu_features: String,
    /// SHA-256 of the run's initial parameters (`nn::weights::init_hash`): runs with equal hashes started
    /// from the same weights. Empty in folders written before it existed.
    #[serde(default)]
    pub init_hash: String,
}
