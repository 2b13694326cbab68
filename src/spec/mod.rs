//! The experiment spec: a serde mirror of the TOML file, with defaults, and nothing else.
//!
//! Every table refuses unknown keys. Range checks live in `plan.rs`; this module only
//! says what shape a spec has. `README.md` documents every key.

mod locate;
mod read;

pub use read::{SpecSource, read};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
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
    /// Figures.
    #[serde(default)]
    pub plots: PlotsSpec,
    /// Targets of the trade-off analysis.
    #[serde(default)]
    pub analysis: AnalysisSpec,
}

/// `[analysis]`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// A run reaches the target when its full training loss first falls to this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_train_loss: Option<f64>,
    /// A run reaches the target when its test accuracy first rises to this value (classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_test_accuracy: Option<f64>,
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

/// `[data]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Which loader.
    #[serde(default)]
    pub source: Source,
    /// csv file, or idx images file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// idx labels file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
    /// csv column holding the label or regression target.
    #[serde(default = "default_label")]
    pub label: String,
    /// csv only: classify or regress.
    #[serde(default)]
    pub task: Task,
    /// Share of the examples held out for testing, in [0, 1).
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Standardise features with the training split's mean and std.
    #[serde(default = "yes")]
    pub standardize: bool,
    /// synthetic only: which generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    /// synthetic only: number of examples.
    #[serde(default = "default_samples")]
    pub samples: u64,
    /// synthetic only: number of features.
    #[serde(default = "default_features")]
    pub features: u64,
    /// synthetic only: number of classes (blobs, spirals).
    #[serde(default = "default_classes")]
    pub classes: u64,
    /// synthetic only: noise standard deviation.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// synthetic linear only: correlation between every pair of features, in (-1, 1).
    #[serde(default)]
    pub correlation: f64,
}

/// `data.source`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The bundled UCI digits set.
    #[default]
    Digits,
    /// A csv file with a header row.
    Csv,
    /// MNIST-format idx files.
    Idx,
    /// A seeded generator.
    Synthetic,
}

/// `data.task`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Softmax cross-entropy over classes.
    #[default]
    Classification,
    /// Mean squared error.
    Regression,
}

/// `data.generator`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generator {
    /// y = x . w + noise, a regression task.
    Linear,
    /// Gaussian clusters, one per class.
    Blobs,
    /// Interleaved spiral arms, one per class, in two features.
    Spirals,
}

/// `[model]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Hidden layer widths; empty for a linear or softmax regression.
    #[serde(default = "default_hidden")]
    pub hidden: Vec<u64>,
    /// Hidden-layer nonlinearity.
    #[serde(default)]
    pub activation: Activation,
    /// Weight initialisation.
    #[serde(default)]
    pub init: Init,
    /// Whether layers have a bias term.
    #[serde(default = "yes")]
    pub bias: bool,
}

/// `model.activation`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, z)
    #[default]
    Relu,
    /// tanh(z)
    Tanh,
    /// 1 / (1 + e^-z)
    Sigmoid,
}

/// `model.init`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Normal(0, 2 / fan_in) weights, zero biases.
    #[default]
    He,
    /// Uniform(+-sqrt(6 / (fan_in + fan_out))) weights, zero biases.
    Xavier,
    /// All zeros; only valid without hidden layers.
    Zeros,
}

/// `[training]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    /// Passes over the training set.
    pub epochs: u64,
    /// SGD step size (the base rate when `sweep.learning_rates` is absent).
    pub learning_rate: f64,
    /// Heavy-ball momentum coefficient in [0, 1).
    #[serde(default)]
    pub momentum: f64,
    /// L2 penalty coefficient added to the gradient of the weights.
    #[serde(default)]
    pub weight_decay: f64,
    /// Reshuffle the training set every epoch.
    #[serde(default = "yes")]
    pub shuffle: bool,
    /// What to do with the final partial batch of an epoch.
    #[serde(default)]
    pub last_batch: LastBatch,
    /// Write every n-th iteration to iterations.csv.
    #[serde(default = "one")]
    pub log_every: u64,
}

/// `training.last_batch`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LastBatch {
    /// Train on the partial batch.
    #[default]
    Keep,
    /// Skip it.
    Drop,
}

/// `[sweep]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Batch sizes to compare.
    pub batch_sizes: Vec<BatchSize>,
    /// Learning rates to cross with the batch sizes; `training.learning_rate` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rates: Option<Vec<f64>>,
    /// How the learning rate grows with the batch size.
    #[serde(default)]
    pub lr_scaling: LrScaling,
    /// The batch size at which the spec's learning rates hold unscaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_batch_size: Option<u64>,
}

/// `sweep.lr_scaling`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrScaling {
    /// Every batch size uses the rates as written.
    #[default]
    None,
    /// lr x B / base: the linear scaling rule (Goyal et al. 2017).
    Linear,
    /// lr x sqrt(B / base): the square-root rule (Hoffer et al. 2017).
    Sqrt,
}

impl LrScaling {
    /// The learning rate of batch size `batch` for the spec's rate `lr` at batch size `base`; scaled
    /// rates are rounded to 4 significant digits so run ids and tables stay readable.
    pub fn apply(self, lr: f64, batch: usize, base: u64) -> f64 {
        let ratio = batch as f64 / base.max(1) as f64;
        match self {
            LrScaling::None => lr,
            LrScaling::Linear => significant4(lr * ratio),
            LrScaling::Sqrt => significant4(lr * ratio.sqrt()),
        }
    }
}

/// `[noise]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// Epochs between checkpoints; 0 turns the probes off.
    #[serde(default = "one")]
    pub every: u64,
    /// Mini-batches drawn per checkpoint and batch size.
    #[serde(default = "default_probes")]
    pub probes: u64,
    /// Batch sizes to probe; each run's own batch size when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_batch_sizes: Option<Vec<BatchSize>>,
}

/// `[landscape]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandscapeSpec {
    /// Record trajectories and a loss grid.
    #[serde(default)]
    pub enabled: bool,
    /// Grid points along each axis.
    #[serde(default = "default_grid")]
    pub grid: u64,
    /// Most points recorded along each run's path (every update when it has fewer).
    #[serde(default = "default_points")]
    pub points: u64,
    /// Points along each trajectory where mini-batch directions are drawn.
    #[serde(default = "default_arrow_points")]
    pub arrow_points: u64,
    /// Mini-batch directions drawn at each of those points.
    #[serde(default = "default_arrows")]
    pub arrows: u64,
}

/// `[plots]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotsSpec {
    /// Render figures and the report at the end of a sweep.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// File formats of every figure.
    #[serde(default = "default_formats")]
    pub formats: Vec<Format>,
    /// Figure width in pixels (SVG user units) at 100 dpi.
    #[serde(default = "default_width")]
    pub width: u32,
    /// Figure height in pixels (SVG user units) at 100 dpi.
    #[serde(default = "default_height")]
    pub height: u32,
    /// PNG resolution: the PNG is width x dpi / 100 pixels wide.
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// Logarithmic loss axes.
    #[serde(default = "yes")]
    pub log_y: bool,
    /// x axis of the per-iteration chart.
    #[serde(default)]
    pub x_axis: XAxis,
    /// Weight of the debiased exponential moving average of the per-iteration loss, in [0, 1).
    #[serde(default = "default_smoothing")]
    pub smoothing: f64,
    /// Spread over repeats drawn around the mean.
    #[serde(default)]
    pub band: Band,
}

/// `plots.formats`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Raster, for slides.
    Png,
    /// Vector, for papers and the HTML report.
    Svg,
}

/// `plots.x_axis`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XAxis {
    /// Updates made.
    #[default]
    Iterations,
    /// Training examples consumed.
    Examples,
    /// Training seconds.
    Seconds,
}

/// `plots.band`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// From the smallest to the largest repeat.
    #[default]
    Minmax,
    /// Mean plus and minus one standard deviation.
    Std,
}

/// A batch size: a count, or the whole training set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchSize {
    /// This many examples per update.
    Fixed(u64),
    /// Every training example in one update.
    Full,
}

impl BatchSize {
    /// The number of examples for a training set of `n`.
    pub fn resolve(self, n: usize) -> usize {
        match self {
            BatchSize::Fixed(b) => usize::try_from(b).unwrap_or(usize::MAX),
            BatchSize::Full => n,
        }
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchSize::Fixed(b) => write!(f, "{b}"),
            BatchSize::Full => f.write_str("full"),
        }
    }
}

impl Serialize for BatchSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BatchSize::Fixed(b) => s.serialize_u64(*b),
            BatchSize::Full => s.serialize_str("full"),
        }
    }
}

impl<'de> Deserialize<'de> for BatchSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = BatchSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive integer or \"full\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<BatchSize, E> {
                u64::try_from(v).map(BatchSize::Fixed).map_err(|_| {
                    E::custom(format!("batch size {v} is negative; allowed: a positive integer or \"full\""))
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<BatchSize, E> {
                Ok(BatchSize::Fixed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BatchSize, E> {
                if v == "full" {
                    Ok(BatchSize::Full)
                } else {
                    Err(E::custom(format!(
                        "batch size \"{v}\" is not allowed; allowed: a positive integer or \"full\""
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `x` rounded to 4 significant digits (dividing by a power of ten, so 0.01768 prints as 0.01768).
fn significant4(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let exponent = 3 - x.abs().log10().floor() as i32;
    if exponent >= 0 {
        let d = 10f64.powi(exponent);
        (x * d).round() / d
    } else {
        let d = 10f64.powi(-exponent);
        (x / d).round() * d
    }
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            source: Source::default(),
            path: None,
            labels: None,
            label: default_label(),
            task: Task::default(),
            test_fraction: default_test_fraction(),
            standardize: true,
            generator: None,
            samples: default_samples(),
            features: default_features(),
            classes: default_classes(),
            noise: default_noise(),
            correlation: 0.0,
        }
    }
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            hidden: default_hidden(),
            activation: Activation::default(),
            init: Init::default(),
            bias: true,
        }
    }
}

impl Default for NoiseSpec {
    fn default() -> Self {
        NoiseSpec { every: 1, probes: default_probes(), probe_batch_sizes: None }
    }
}

impl Default for PlotsSpec {
    fn default() -> Self {
        PlotsSpec {
            enabled: true,
            formats: default_formats(),
            width: default_width(),
            height: default_height(),
            dpi: default_dpi(),
            log_y: true,
            x_axis: XAxis::default(),
            smoothing: default_smoothing(),
            band: Band::default(),
        }
    }
}

impl Default for LandscapeSpec {
    fn default() -> Self {
        LandscapeSpec {
            enabled: false,
            grid: default_grid(),
            points: default_points(),
            arrow_points: default_arrow_points(),
            arrows: default_arrows(),
        }
    }
}

fn one() -> u64 {
    1
}
fn yes() -> bool {
    true
}
fn default_label() -> String {
    "label".into()
}
fn default_test_fraction() -> f64 {
    0.2
}
fn default_samples() -> u64 {
    1000
}
fn default_features() -> u64 {
    2
}
fn default_classes() -> u64 {
    2
}
fn default_noise() -> f64 {
    0.1
}
fn default_hidden() -> Vec<u64> {
    vec![64]
}
fn default_probes() -> u64 {
    32
}
fn default_grid() -> u64 {
    41
}
fn default_arrow_points() -> u64 {
    4
}
fn default_arrows() -> u64 {
    8
}
fn default_formats() -> Vec<Format> {
    vec![Format::Png, Format::Svg]
}
fn default_width() -> u32 {
    960
}
fn default_height() -> u32 {
    600
}
fn default_dpi() -> u32 {
    150
}
fn default_smoothing() -> f64 {
    0.9
}
fn default_points() -> u64 {
    2000
}
