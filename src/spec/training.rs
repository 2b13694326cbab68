//! `[training]`: the optimiser and the epoch loop; and `sweep.lr_scaling`, how a rate follows the batch size.

use super::defaults::*;
use serde::{Deserialize, Serialize};

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
