//! `[training]` and `[sweep]`: the optimiser, the epoch loop, and what varies between runs.

use super::BatchSize;
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
