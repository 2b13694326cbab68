//! The experiment spec: a serde mirror of the TOML file, with defaults, and nothing else.
//!
//! Every table refuses unknown keys. Range checks live in `plan/check.rs`; this module only says what
//! shape a spec has, one file a table. `README.md` documents every key.

mod batch_size;
mod curvature;
mod data;
mod defaults;
pub(crate) mod locate;
mod model;
mod optimizer;
mod plots;
mod probes;
mod read;
mod sweep;
mod training;

pub use batch_size::BatchSize;
pub use curvature::CurvatureSpec;
pub use data::{DataSpec, Generator, Source, Task};
pub use model::{Activation, Init, LayerEntry, ModelSpec, PaddingName};
pub use optimizer::{OptimizerName, SaveWeights, ScheduleName, VariantSpec};
pub use plots::{Band, Format, PlotsSpec, RateChoice, XAxis};
pub use probes::{AnalysisSpec, LandscapeSpec, NoiseSpec, ProbeSizes};
pub use read::{SpecSource, read};
pub use sweep::{LogGrid, RateGrid, SweepSpec};
pub use training::{LastBatch, LrScaling, TrainingSpec, significant4};

use defaults::one;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
/// One experiment: the whole TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Name, seed, repeats and output folder.
    pub experiment: ExperimentSpec,
    /// Where the examples come from.
    #[serde(default)]
    pub data: DataSpec,
    /// The network.
    #[serde(default)]
    pub model: ModelSpec,
    /// The optimiser and the epoch loop.
    pub training: TrainingSpec,
    /// What varies between runs.
    pub sweep: SweepSpec,
    /// Gradient-noise checkpoints.
    #[serde(default)]
    pub noise: NoiseSpec,
    /// Loss-landscape records.
    #[serde(default)]
    pub landscape: LandscapeSpec,
    /// Curvature checkpoints (absent from spec.toml while off).
    #[serde(default, skip_serializing_if = "CurvatureSpec::is_off")]
    pub curvature: CurvatureSpec,
    /// Figures.
    #[serde(default)]
    pub plots: PlotsSpec,
    /// Targets of the trade-off analysis.
    #[serde(default)]
    pub analysis: AnalysisSpec,
}

/// `[experiment]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// Names the results folder; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Root of every random stream.
    #[serde(default)]
    pub seed: u64,
    /// Seeds per configuration.
    #[serde(default = "one")]
    pub repeats: u64,
    /// Results folder; `results/<name>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// Free text, copied into the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
