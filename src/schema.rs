//! The records that cross stages: rows of the per-run csv files, landscape points and the run summary.
//! Plain serde data that depends on nothing else in the crate, so the stages that only read records
//! (analysis, figures, report) never import the training code that produces them.

use serde::{Deserialize, Serialize};

/// Seconds, as a plain number in records.
pub type Seconds = f64;

/// One update: a row of iterations.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// 1-based epoch the update belongs to.
    pub epoch: u64,
    /// Global update count, 1-based.
    pub iteration: u64,
    /// Training examples consumed so far, this update included.
    pub examples_seen: u64,
    /// Examples in this update (smaller for a kept partial batch).
    pub batch_size: usize,
    /// The learning rate of this update, schedule applied (NaN in files written before it existed).
    #[serde(default = "nan")]
    pub learning_rate: f64,
    /// Mean loss over this mini-batch, before the update.
    pub loss: f64,
    /// Training seconds since the run started (evaluation and probes excluded).
    pub wall_s: Seconds,
}

/// The state after an epoch: a row of epochs.csv. Epoch 0 is before training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epochs completed.
    pub epoch: u64,
    /// Mean loss over the whole training set.
    pub train_loss: f64,
    /// Share of training examples classified correctly (classification only).
    pub train_accuracy: Option<f64>,
    /// Mean loss over the test set (none without a test split).
    pub test_loss: Option<f64>,
    /// Share of test examples classified correctly (classification with a test split only).
    pub test_accuracy: Option<f64>,
    /// Updates so far.
    pub updates: u64,
    /// Training seconds so far (evaluation and probes excluded).
    pub train_time_s: Seconds,
    /// Seconds spent on this evaluation.
    pub eval_time_s: Seconds,
    /// Mean cosine between consecutive update gradients within the epoch (none with one update).
    pub update_cos_mean: Option<f64>,
    /// Mean Euclidean norm of the update gradients within the epoch.
    pub grad_norm_mean: Option<f64>,
}

/// An evaluation of the whole training and test sets: a row of evals.csv. Before training, at every
/// scheduled update (`training.eval_every`, `training.eval_per_doubling`) and at every epoch end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// Updates made before the evaluation (0 = the initial weights).
    pub update: u64,
    /// Passes over the training set made: examples seen / N.
    pub epoch: f64,
    /// Training examples consumed.
    pub examples_seen: u64,
    /// Mean loss over the whole training set.
    pub train_loss: f64,
    /// Share of training examples classified correctly (classification only).
    pub train_accuracy: Option<f64>,
    /// Mean loss over the test set (none without a test split).
    pub test_loss: Option<f64>,
    /// Share of test examples classified correctly (classification with a test split only).
    pub test_accuracy: Option<f64>,
    /// Training seconds so far (evaluations and probes excluded).
    pub train_time_s: Seconds,
}

/// One probed batch size at one checkpoint: a row of noise.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseRecord {
    /// Epochs completed at the checkpoint (0 = before training); for the checkpoint taken where a run
    /// stopped at its target inside an epoch, that epoch (1-based, as in iterations.csv).
    pub epoch: u64,
    /// Updates made at the checkpoint (absent in folders written before it existed).
    #[serde(default)]
    pub update: Option<u64>,
    /// The batch size whose mini-batch gradients were drawn.
    pub probe_batch_size: usize,
    /// Mini-batches drawn.
    pub probes: u64,
    /// |G|, the norm of the full-batch gradient.
    pub grad_norm: f64,
    /// tr(Sigma) = (1/N) sum_i |g_i - G|^2, the per-example gradient variance.
    pub trace_sigma: f64,
    /// B_simple = tr(Sigma) / |G|^2, the simple gradient noise scale.
    pub b_simple: f64,
    /// tr(P Sigma) / (G^T P G), with P the diagonal preconditioner of the optimiser's state (Adam,
    /// AdamW, RMSprop after their first update); none for SGD.
    #[serde(default)]
    pub b_simple_preconditioned: Option<f64>,
    /// Mean over probes of cos(g_k, G), over the probes whose gradient is not zero (a zero vector has no
    /// direction); none when every probe's gradient, or G, is zero.
    pub cos_mean: Option<f64>,
    /// Standard deviation over the same probes of cos(g_k, G).
    pub cos_std: Option<f64>,
    /// 1 / sqrt(1 + rel_error_predicted).
    pub cos_predicted: f64,
    /// Mean angle between g_k and G, in degrees (same probes as `cos_mean`).
    pub angle_deg_mean: Option<f64>,
    /// 1 - | mean_k g_k / |g_k| | over the probes with a direction: 0 when every direction agrees, near 1
    /// when they cancel out.
    pub dispersion: Option<f64>,
    /// mean_k |g_k - G|^2 / |G|^2.
    pub rel_error: f64,
    /// tr(Sigma) / (B |G|^2) * (N - B) / (N - 1), its expectation when sampling without replacement.
    pub rel_error_predicted: f64,
    /// B_simple from McCandlish's two-batch-size estimator (no per-example norms); none when B = N.
    pub b_simple_two_batch: Option<f64>,
    /// Seconds this row took to compute (not part of train_time_s).
    pub probe_time_s: f64,
}

/// One curvature checkpoint: a row of curvature.csv. The Hessian, gradient and Sigma are those of the mean
/// training loss over the whole training set at the checkpoint's weights, without weight decay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvatureRecord {
    /// Epochs completed at the checkpoint (0 = before training); for a checkpoint where a run stopped at
    /// its target inside an epoch, that epoch (1-based), as in noise.csv.
    pub epoch: u64,
    /// Updates made at the checkpoint.
    pub update: u64,
    /// The mean training loss at these weights.
    pub train_loss: f64,
    /// |G|, the norm of the full-data gradient.
    pub grad_norm: f64,
    /// lambda_max(H), the sharpness: the Rayleigh quotient of the last power iterate.
    pub lambda_max: f64,
    /// Hessian-vector products the power iteration for lambda_max spent.
    pub lambda_max_iterations: u64,
    /// Relative change of the Rayleigh quotient at its last step (inf after a single step).
    pub lambda_max_rel_change: f64,
    /// The relative change fell below `curvature.tolerance` before the iterations ran out.
    pub converged: bool,
    /// lambda_min(H), by power iteration on H - lambda_max I (none with `curvature.lambda_min = false`).
    pub lambda_min: Option<f64>,
    /// Whether lambda_min's iteration converged (its relative change is of lambda_min - lambda_max).
    pub lambda_min_converged: Option<bool>,
    /// lambda_max(P^1/2 H P^1/2) for an adaptive optimiser's diagonal preconditioner P; none for SGD.
    pub preconditioned_lambda_max: Option<f64>,
    /// The learning rate of the step at these weights.
    pub learning_rate: f64,
    /// The sharpness above which the optimiser's step diverges on a quadratic: (2 + 2 momentum)/lr for SGD.
    pub stability_threshold: f64,
    /// True when the threshold bounds `preconditioned_lambda_max` (Adam, AdamW, RMSprop), not `lambda_max`.
    pub threshold_preconditioned: bool,
    /// tr(H) by Hutchinson's estimator with Rademacher probes (none with `trace_probes = 0`).
    pub trace: Option<f64>,
    /// Its standard error, sd / sqrt(probes).
    pub trace_se: Option<f64>,
    /// B_noise = tr(H Sigma) / (G^T H G) (McCandlish et al. 2018), Sigma with 1/N as in noise.csv; none
    /// with `noise_probes = 0` or where G^T H G <= 0.
    pub b_noise: Option<f64>,
    /// Its standard error (finite-population corrected; 0 when every example was sampled).
    pub b_noise_se: Option<f64>,
    /// B_simple = tr(Sigma) / |G|^2 at the same weights, exact over the training set.
    pub b_simple: f64,
    /// Full-data Hessian-vector products the checkpoint spent.
    pub hessian_products: u64,
    /// Seconds the checkpoint took (not part of train_time_s).
    pub curvature_time_s: Seconds,
}

/// A point of a run's path: a row of `runs/<id>/trajectory.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryRecord {
    /// Updates made (0 = the initial weights).
    pub iteration: u64,
    /// First coordinate in the plane.
    pub w0: f64,
    /// Second coordinate in the plane.
    pub w1: f64,
    /// Full-batch training loss at this point.
    pub loss: f64,
}

/// A grid point: a row of `landscape/rep<r>.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandscapeRecord {
    /// First coordinate in the plane.
    pub w0: f64,
    /// Second coordinate in the plane.
    pub w1: f64,
    /// Full-batch training loss there.
    pub loss: f64,
}

/// A gradient direction drawn at a point of a trajectory: a row of `runs/<id>/arrows.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrowRecord {
    /// Which point along the trajectory (0, 1, ...).
    pub point: u64,
    /// Updates made when the point was reached.
    pub iteration: u64,
    /// First coordinate of the point.
    pub w0: f64,
    /// Second coordinate of the point.
    pub w1: f64,
    /// `full` for the full-batch gradient, `mini` for one mini-batch gradient of the run's batch size.
    pub kind: String,
    /// First component of the negative gradient (the descent direction) in the plane.
    pub g0: f64,
    /// Second component of the negative gradient in the plane.
    pub g1: f64,
}

/// Where an example came from: a row of split.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// 0-based row of the source data (header not counted).
    pub index: usize,
    /// `train` or `test`.
    pub part: String,
    /// 0-based position within its part: training example k is the train row at position k.
    pub position: usize,
}

/// How one column was standardised, x' = (x - mean) / scale in f64 and rounded to f32: a row of
/// standardization.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardizationRecord {
    /// The column's name.
    pub feature: String,
    /// The training split's mean (0 when the column is not standardised).
    pub mean: f64,
    /// The training split's population standard deviation; 1 for a constant column (only centred) and
    /// for a column that is not standardised.
    pub scale: f64,
    /// `feature`, or `target` for a standardised regression target.
    pub role: String,
}

/// The example at one position of one epoch: a row of order/rep<r>.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// 1-based epoch.
    pub epoch: u64,
    /// 0-based position within the epoch.
    pub position: usize,
    /// The training example there: its position in split.csv's train part.
    pub example: usize,
}

/// What summary.json holds for one run, and a row of summary.csv.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// The run diverged and stopped: a loss became NaN or infinite, or the training loss rose above
    /// `train::BLOWUP` times its initial value.
    pub diverged: bool,
    /// The update after which the divergence was seen (none when the run did not diverge).
    #[serde(default)]
    pub diverged_at_update: Option<u64>,
    /// The run stopped early because it reached the target (`analysis.stop_at_target`).
    #[serde(default)]
    pub stopped_at_target: bool,
    /// Peak bytes the run held above what its thread held before it (counting allocator; none in results
    /// written before it existed).
    #[serde(default)]
    pub peak_bytes: Option<u64>,
    /// What the run must hold by the analytic count of `memory::analytic` (bytes).
    #[serde(default)]
    pub analytic_bytes: Option<u64>,
    /// The optimiser (`sgd`, `adam`, `adamw`, `rmsprop`; empty in results written before it existed).
    #[serde(default)]
    pub optimizer: String,
    /// Its momentum (sgd, rmsprop).
    #[serde(default)]
    pub momentum: Option<f64>,
    /// Nesterov momentum (sgd).
    #[serde(default)]
    pub nesterov: Option<bool>,
    /// First-moment decay (adam, adamw), after any `lr_scaling = "sde"`.
    #[serde(default)]
    pub beta1: Option<f64>,
    /// Second-moment decay (adam, adamw), after any scaling.
    #[serde(default)]
    pub beta2: Option<f64>,
    /// Added to the root of the second moment (adam, adamw, rmsprop), after any scaling.
    #[serde(default)]
    pub epsilon: Option<f64>,
    /// Smoothing constant (rmsprop), after any scaling.
    #[serde(default)]
    pub alpha: Option<f64>,
    /// Weight decay of the weights (not the biases).
    #[serde(default)]
    pub weight_decay: Option<f64>,
    /// The learning-rate schedule (`constant`, `cosine`, `linear`, `step`), `+ warmup` when it has one.
    #[serde(default)]
    pub schedule: String,
    /// The batch-size schedule, e.g. `x5 at 10, 20` (empty without one).
    #[serde(default)]
    pub batch_growth: String,
    /// The schedule variant (`sweep.variants`); absent without variants.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

/// The value of a column absent from older files.
fn nan() -> f64 {
    f64::NAN
}

/// JSON has no NaN (serde_json writes null), so a diverged run's loss reads back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}
