//! Curvature of the training loss from Hessian-vector products alone: the sharpness lambda_max and
//! lambda_min, the preconditioned sharpness, the Hessian trace, the curvature-weighted noise scale
//! B_noise, and the stability thresholds the sharpness is compared with. The estimators are pure
//! functions over a product closure `hvp(v, out)`, so they are tested on explicit matrices; on a
//! network the closure is [`FullLoss::hvp`](crate::nn::FullLoss::hvp), the exact product of the mean
//! training loss (no weight decay), and [`measure`] runs them all at one checkpoint.
//!
//! Cost, in full-data Hessian-vector products (one HVP is the gradient pass plus a forward and a
//! backward pass of directional derivatives: 2.3-2.4 full-data gradient passes measured on the digits
//! network, `benches/curvature.rs`). A checkpoint with the default power iteration, lambda_min on,
//! `trace_probes = 16` and `noise_probes = 16` (both default to 0 = off) spends 170-200 products there
//! (lambda_max 20-50, lambda_min the full 100, trace 16, B_noise 33), about 400 epochs at B = 32:
//!
//! - lambda_max: power iteration from a seeded N(0, I) start; the Rayleigh quotient of each iterate
//!   until its relative change falls below `tolerance` (1e-5) or `iterations` (100) products are spent.
//!   The quotient's error shrinks as (lambda_2/lambda_1)^(2k); with lambda_2/lambda_1 = 0.95 the relative
//!   change reaches 1e-5 after about 90 products and leaves an error of about 1e-4 relative; a
//!   tolerance of 1e-2 stops within a few products with errors of about 1e-2.
//! - lambda_min: the same on H - lambda_max I (up to `iterations` more products).
//! - Preconditioned sharpness: lambda_max(P^1/2 H P^1/2) for a diagonal P, the same eigenvalues as P H.
//! - tr(H): Hutchinson, mean of z^T H z over Rademacher probes z; standard error sd / sqrt(probes).
//!   One product a probe.
//! - B_noise = tr(H Sigma) / (G^T H G) (McCandlish et al. 2018), where Sigma = (1/N) sum_i g_i g_i^T -
//!   G G^T is the per-example gradient covariance of the N training examples. Expanding,
//!   tr(H Sigma) = (1/N) sum_i g_i^T H g_i - G^T H G: the first term is a population mean, estimated by
//!   the mean over m examples drawn without replacement, each costing one per-example gradient (a
//!   single-example pass, negligible) and one full-data HVP; G^T H G costs one more HVP and is exact.
//!   So m + 1 products instead of the N that Sigma's columns would need. The standard error is
//!   s / sqrt(m) * sqrt(1 - m/N), s the sample standard deviation of g_i^T H g_i: the finite-population
//!   correction makes it 0 when m = N, where the estimate is exact up to rounding. B_noise's standard
//!   error is the numerator's over G^T H G. Undefined (None) where G^T H G <= 0.
//!
//! References: B. A. Pearlmutter (1994), "Fast Exact Multiplication by the Hessian", Neural Computation
//! 6(1); M. F. Hutchinson (1990), "A stochastic estimator of the trace of the influence matrix for
//! Laplacian smoothing splines"; S. McCandlish, J. Kaplan, D. Amodei et al. (2018), "An Empirical Model
//! of Large-Batch Training", arXiv:1812.06162; N. S. Keskar et al. (2017), "On Large-Batch Training for
//! Deep Learning: Generalization Gap and Sharp Minima", ICLR; Cohen et al. 2021 and 2022 (see
//! [`stability_threshold`]).

mod checkpoint;
mod noise_scale;
mod power;
mod threshold;
mod trace;

#[cfg(test)]
mod edge_of_stability;
#[cfg(test)]
mod network_check;

pub use checkpoint::{CurvatureMeasurement, CurvatureSettings, measure};
pub use noise_scale::{NoiseScaleEstimate, noise_scale};
pub use power::{
    Eigenvalue, PowerSettings, lambda_max, lambda_min, power_iteration, preconditioned_lambda_max,
};
pub use threshold::{OptimizerKind, StabilityThreshold, stability_threshold};
pub use trace::{TraceEstimate, hutchinson_trace};

/// A symmetric linear operator given by its products: `product(v, out)` writes A v into `out`.
pub trait Product: FnMut(&[f64], &mut [f64]) {}

impl<F: FnMut(&[f64], &mut [f64])> Product for F {}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Mean and standard error (sample standard deviation over sqrt(k)); NaN error for one sample.
pub(crate) fn mean_and_standard_error(samples: &[f64]) -> (f64, f64) {
    let k = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / k;
    let variance = samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (mean, (variance / k).sqrt())
}
