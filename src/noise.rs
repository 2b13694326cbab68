//! Gradient-direction noise at checkpoints: how far mini-batch gradients stray from the full-batch
//! direction, and the gradient noise scale.
//!
//! References: S. McCandlish, J. Kaplan, D. Amodei et al. (2018), "An Empirical Model of Large-Batch
//! Training", arXiv:1812.06162 (B_simple = tr(Sigma) / |G|^2 and the two-batch-size estimator).

use serde::{Deserialize, Serialize};

/// One probed batch size at one checkpoint: a row of noise.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseRecord {
    /// Epochs completed at the checkpoint (0 = before training).
    pub epoch: u64,
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
    /// Mean over probes of cos(g_k, G).
    pub cos_mean: f64,
    /// Standard deviation over probes of cos(g_k, G).
    pub cos_std: f64,
    /// 1 / sqrt(1 + rel_error_predicted).
    pub cos_predicted: f64,
    /// Mean angle between g_k and G, in degrees.
    pub angle_deg_mean: f64,
    /// 1 - | mean_k g_k / |g_k| |: 0 when every direction agrees, near 1 when they cancel out.
    pub dispersion: f64,
    /// mean_k |g_k - G|^2 / |G|^2.
    pub rel_error: f64,
    /// tr(Sigma) / (B |G|^2) * (N - B) / (N - 1), its expectation when sampling without replacement.
    pub rel_error_predicted: f64,
    /// B_simple from McCandlish's two-batch-size estimator (no per-example norms); none when B = N.
    pub b_simple_two_batch: Option<f64>,
    /// Seconds this row took to compute (not part of train_time_s).
    pub probe_time_s: f64,
}
