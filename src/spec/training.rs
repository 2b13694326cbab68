//! `[training]`: the optimiser, its schedules and the epoch loop; and `sweep.lr_scaling`, how a rate
//! follows the batch size. Keys that only some optimisers or schedules use are options, so a spec that
//! writes one where it does not apply can be refused (`plan/training.rs`).

use super::defaults::*;
use super::optimizer::{OptimizerName, SaveWeights, ScheduleName};
use serde::{Deserialize, Serialize};

/// `[training]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    /// Passes over the training set.
    pub epochs: u64,
    /// SGD step size (the base rate when `sweep.learning_rates` is absent).
    pub learning_rate: f64,
    /// The update rule, in PyTorch's conventions.
    #[serde(default)]
    pub optimizer: OptimizerName,
    /// Momentum coefficient in [0, 1) (sgd, rmsprop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    /// Nesterov momentum (sgd with momentum > 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nesterov: Option<bool>,
    /// First-moment decay in [0, 1) (adam, adamw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    /// Second-moment decay in [0, 1) (adam, adamw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    /// Added to the root of the second moment (adam, adamw, rmsprop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    /// Smoothing constant of the squared gradient in [0, 1) (rmsprop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Weight decay of the weights (not the biases): L2 in the gradient, or decoupled for adamw.
    #[serde(default)]
    pub weight_decay: f64,
    /// The learning-rate schedule after warmup, in epochs.
    #[serde(default)]
    pub schedule: ScheduleName,
    /// Epochs of linear warmup (a fraction of the data seen, so the same at every batch size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_epochs: Option<f64>,
    /// The rate at the start of warmup, as a multiple of the rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_start_factor: Option<f64>,
    /// Where cosine and linear decay end, as a multiple of the rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_lr_factor: Option<f64>,
    /// Epoch counts after which "step" multiplies the rate by `gamma`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<u64>>,
    /// Factor per milestone of "step".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    /// Epoch counts after which the batch size is multiplied by `batch_size_factor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_milestones: Option<Vec<u64>>,
    /// Factor per batch-size milestone (an integer >= 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_factor: Option<u64>,
    /// Which weights a run writes: the final ones, or also at every noise checkpoint.
    #[serde(default)]
    pub save_weights: SaveWeights,
    /// Write each repeat's example order, `order/rep<r>.csv`.
    #[serde(default)]
    pub record_order: bool,
    /// Reshuffle the training set every epoch.
    #[serde(default = "yes")]
    pub shuffle: bool,
    /// What to do with the final partial batch of an epoch.
    #[serde(default)]
    pub last_batch: LastBatch,
    /// Write every n-th iteration to iterations.csv.
    #[serde(default = "one")]
    pub log_every: u64,
    /// Evaluate the whole training and test sets every this many updates (0: only at the other
    /// checkpoints), as well as before training and at every epoch end.
    #[serde(default)]
    pub eval_every: u64,
    /// Also evaluate at updates 2^(k / n) (rounded), n per doubling of the update count (0: none): cheap
    /// checkpoints where every batch size changes fastest, so a target is located within a few percent.
    #[serde(default = "default_eval_per_doubling")]
    pub eval_per_doubling: u64,
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
    /// The SDE rule for Adam and RMSprop (Malladi et al. 2022): lr x sqrt(B / base), and 1 - beta1,
    /// 1 - beta2 (RMSprop: 1 - alpha) x B / base, epsilon / sqrt(B / base).
    Sde,
}

impl LrScaling {
    /// The learning rate of batch size `batch` for the spec's rate `lr` at batch size `base`; scaled
    /// rates are rounded to 4 significant digits so run ids and tables stay readable.
    pub fn apply(self, lr: f64, batch: usize, base: u64) -> f64 {
        let ratio = batch as f64 / base.max(1) as f64;
        match self {
            LrScaling::None => lr,
            LrScaling::Linear => significant4(lr * ratio),
            LrScaling::Sqrt | LrScaling::Sde => significant4(lr * ratio.sqrt()),
        }
    }
}

/// `x` rounded to 4 significant digits (dividing by a power of ten, so 0.01768 prints as 0.01768).
pub fn significant4(x: f64) -> f64 {
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
