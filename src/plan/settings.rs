//! The checked settings of an experiment: every value the later stages read, resolved to the type they
//! use (widths as `usize`, the learning-rate grid as a list, data paths against the spec's folder, the
//! landscape as an `Option`). Only [`check`](super::check) builds one, so nothing downstream of the plan
//! can reach an unchecked spec value; the raw spec travels along for provenance (spec.toml, hashes) only.

use crate::nn::optim::Settings as Optimizer;
use crate::nn::optim::batches::BatchGrowth;
use crate::nn::optim::schedule::Schedule;
use crate::spec::{
    Activation, AnalysisSpec, BatchSize, Generator, Init, LastBatch, LrScaling, PlotsSpec, SaveWeights, Spec,
    Task,
};
use std::path::PathBuf;

/// The spec after every check that does not depend on the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Names the results folder.
    pub name: String,
    /// Root of every random stream.
    pub seed: u64,
    /// Seeds per configuration.
    pub repeats: u64,
    /// The results folder.
    pub output: PathBuf,
    /// Free text for the report.
    pub description: Option<String>,
    /// Where the examples come from.
    pub data: DataPlan,
    /// The network.
    pub model: ModelPlan,
    /// The optimiser, its schedules and the epoch loop.
    pub training: TrainingPlan,
    /// What varies between runs.
    pub sweep: SweepPlan,
    /// Gradient-noise checkpoints.
    pub noise: NoisePlan,
    /// Loss-landscape records, when on.
    pub landscape: Option<LandscapePlan>,
    /// Curvature checkpoints, when on.
    pub curvature: Option<CurvaturePlan>,
    /// Figures.
    pub plots: PlotsSpec,
    /// Targets of the trade-off analysis.
    pub analysis: AnalysisSpec,
    pub(super) spec: Spec,
}

impl Settings {
    /// The spec these settings were checked from, overrides applied: for spec.toml and the configuration
    /// hash only. Read settings from the fields, never from here.
    pub fn provenance(&self) -> &Spec {
        &self.spec
    }

    /// Runs in the sweep: repeats x variants x batch sizes x learning rates.
    pub fn run_count(&self) -> u64 {
        let configs = self.sweep.variants.len().max(1) * self.sweep.batch_sizes.len();
        self.repeats * configs as u64 * self.sweep.learning_rates.len() as u64
    }
}

/// `[data]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPlan {
    /// How reports name the data: `digits`, `synthetic <generator>`, or the file as the spec writes it.
    pub name: String,
    /// Which loader, with its own settings.
    pub source: SourcePlan,
    /// Classification or regression, as the source implies.
    pub task: Task,
    /// Share of the examples held out for testing, in [0, 1).
    pub test_fraction: f64,
    /// Standardise features with the training split's statistics.
    pub standardize: bool,
    /// Standardise a regression target with the training split's statistics.
    pub standardize_target: bool,
    /// `data.image_shape`: [channels, height, width] of each example (csv and synthetic).
    pub image_shape: Option<[usize; 3]>,
}

/// A data source and what it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum SourcePlan {
    /// The bundled digits set.
    Digits,
    /// A csv file (resolved against the spec's folder) and its label column.
    Csv {
        /// The file.
        path: PathBuf,
        /// The label or target column.
        label: String,
    },
    /// MNIST-format idx files (resolved against the spec's folder).
    Idx {
        /// The images file.
        images: PathBuf,
        /// The labels file.
        labels: PathBuf,
    },
    /// A seeded generator.
    Synthetic(SyntheticPlan),
}

impl SourcePlan {
    /// The data files this source reads.
    pub fn files(&self) -> Vec<&PathBuf> {
        match self {
            SourcePlan::Csv { path, .. } => vec![path],
            SourcePlan::Idx { images, labels } => vec![images, labels],
            SourcePlan::Digits | SourcePlan::Synthetic(_) => Vec::new(),
        }
    }
}

/// A synthetic generator's checked sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticPlan {
    /// Which generator.
    pub generator: Generator,
    /// Examples, at least 2.
    pub samples: usize,
    /// Features, at least 1 (exactly 2 for spirals).
    pub features: usize,
    /// Classes, 2 to `samples` (blobs, spirals).
    pub classes: usize,
    /// Noise standard deviation, finite and >= 0.
    pub noise: f64,
    /// Correlation between every pair of features (linear), in (-1, 1).
    pub correlation: f64,
}

/// `[model]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPlan {
    /// Hidden layer widths, each at least 1 (unused when `layers` is given).
    pub hidden: Vec<usize>,
    /// `model.layers`: the hidden layers as a list, instead of `hidden`.
    pub layers: Option<Vec<crate::nn::network::LayerSpec>>,
    /// Hidden-layer nonlinearity.
    pub activation: Activation,
    /// Weight initialisation.
    pub init: Init,
    /// Whether layers have a bias.
    pub bias: bool,
    /// Initial weights to start every run from (resolved against the spec's folder), instead of `init`.
    pub init_from: Option<PathBuf>,
}

/// `[training]`, checked: the optimiser's hyperparameters resolved (the chosen optimiser's defaults
/// filled in), its schedules, and the epoch loop.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingPlan {
    /// Passes over the training set.
    pub epochs: u64,
    /// The base learning rate when `sweep.learning_rates` is absent.
    pub learning_rate: f64,
    /// The update rule and its hyperparameters (before any `lr_scaling = "sde"`).
    pub optimizer: Optimizer,
    /// The learning-rate schedule of `[training]` (a variant may replace it).
    pub schedule: Schedule,
    /// The batch-size schedule of `[training]`, if any (a variant may replace it).
    pub batch_growth: Option<BatchGrowth>,
    /// Reshuffle every epoch.
    pub shuffle: bool,
    /// What to do with the final partial batch.
    pub last_batch: LastBatch,
    /// Write every n-th update to iterations.csv.
    pub log_every: u64,
    /// Evaluate every this many updates (0: not on a fixed spacing).
    pub eval_every: u64,
    /// Evaluations per doubling of the update count.
    pub eval_per_doubling: u64,
    /// Which weights a run writes.
    pub save_weights: SaveWeights,
    /// Write each repeat's example order.
    pub record_order: bool,
}

impl TrainingPlan {
    /// Plain SGD at a constant rate with these loop settings: what `batchlab bench` and the tests of the
    /// training loop use.
    pub fn sgd(epochs: u64, learning_rate: f64) -> Self {
        TrainingPlan {
            epochs,
            learning_rate,
            optimizer: Optimizer::default(),
            schedule: Schedule::constant(epochs),
            batch_growth: None,
            shuffle: true,
            last_batch: LastBatch::Keep,
            log_every: 1,
            eval_every: 0,
            eval_per_doubling: 0,
            save_weights: SaveWeights::Final,
            record_order: false,
        }
    }
}

/// One schedule variant of the sweep (`sweep.variants`), or the unnamed one of `[training]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlan {
    /// The variant's name; empty for `[training]`'s own schedules.
    pub name: String,
    /// Its learning-rate schedule.
    pub schedule: Schedule,
    /// Its batch-size schedule, if any.
    pub batch_growth: Option<BatchGrowth>,
}

/// `[sweep]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPlan {
    /// Batch sizes as written, each positive (checked against N when the plan is built).
    pub batch_sizes: Vec<BatchSize>,
    /// The learning-rate grid: `sweep.learning_rates`, else `[training.learning_rate]`.
    pub learning_rates: Vec<f64>,
    /// How the rate grows with the batch size.
    pub lr_scaling: LrScaling,
    /// The batch size at which the grid holds unscaled (1 without scaling).
    pub base_batch_size: u64,
    /// Most rates added beyond an edge of a batch size's grid until its best rate is bracketed.
    pub extend_grid: u64,
    /// The schedule variants every run is trained under: at least one.
    pub variants: Vec<VariantPlan>,
}

/// `[noise]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisePlan {
    /// Epochs between checkpoints; 0 = off.
    pub every: u64,
    /// Mini-batches drawn per checkpoint and batch size.
    pub probes: u64,
    /// Batch sizes to probe; empty = each run's own.
    pub probe_batch_sizes: Vec<BatchSize>,
}

/// `[landscape]` when enabled, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LandscapePlan {
    /// Grid points along each axis.
    pub grid: usize,
    /// Most points recorded along each run's path.
    pub points: u64,
    /// Points along each path where directions are drawn.
    pub arrow_points: usize,
    /// Mini-batch directions at each of those points.
    pub arrows: usize,
}

/// `[curvature]` when `every > 0`, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvaturePlan {
    /// Epochs between checkpoints, at least 1 (before training and at the end too).
    pub every: u64,
    /// Most power-iteration steps per eigenvalue, at least 1.
    pub iterations: usize,
    /// Relative change of the Rayleigh quotient that ends a power iteration, in [0, 1).
    pub tolerance: f64,
    /// Whether to estimate lambda_min as well.
    pub lambda_min: bool,
    /// Hutchinson probes for the trace: 0, or at least 2 (a standard error needs two).
    pub trace_probes: usize,
    /// Examples sampled for B_noise: 0, or at least 2; at most N are used.
    pub noise_probes: usize,
}
