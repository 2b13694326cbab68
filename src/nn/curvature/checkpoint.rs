//! One curvature checkpoint: every estimator of the module run on the full training loss at the current
//! parameters, in a fixed order from one random stream.

use super::{
    Eigenvalue, NoiseScaleEstimate, PowerSettings, TraceEstimate, dot, hutchinson_trace, lambda_max,
    lambda_min, noise_scale, preconditioned_lambda_max,
};
use crate::nn::network::{FullLoss, HvpWorkspace};
use rand::Rng;
use std::cell::RefCell;

/// What a checkpoint computes, and how hard it tries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvatureSettings {
    /// Power iteration limits, for lambda_max, lambda_min and the preconditioned sharpness alike.
    pub power: PowerSettings,
    /// Whether to estimate lambda_min (up to `power.iterations` more products).
    pub lambda_min: bool,
    /// Rademacher probes for the Hessian trace (0: no trace).
    pub trace_probes: usize,
    /// Examples sampled for B_noise (0: no noise scale); capped at N.
    pub noise_probes: usize,
}

impl Default for CurvatureSettings {
    fn default() -> Self {
        CurvatureSettings {
            power: PowerSettings::default(),
            lambda_min: true,
            trace_probes: 16,
            noise_probes: 32,
        }
    }
}

/// Every number of one checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvatureMeasurement {
    /// The mean training loss at the checkpoint.
    pub loss: f64,
    /// |G|, the norm of the full-data gradient.
    pub gradient_norm: f64,
    /// lambda_max(H), the sharpness.
    pub lambda_max: Eigenvalue,
    /// lambda_min(H), when asked for.
    pub lambda_min: Option<Eigenvalue>,
    /// lambda_max(P^1/2 H P^1/2), when a preconditioner was given.
    pub preconditioned_lambda_max: Option<Eigenvalue>,
    /// tr(H) by Hutchinson's estimator, when probes were asked for.
    pub trace: Option<TraceEstimate>,
    /// B_noise = tr(H Sigma) / (G^T H G), when probes were asked for.
    pub noise_scale: Option<NoiseScaleEstimate>,
    /// Full-data Hessian-vector products spent (each about three gradient passes; the one gradient
    /// pass for G is not counted).
    pub hessian_products: usize,
}

/// Runs the checkpoint on `loss`. `rng` is used in a fixed order, each estimator drawing a fixed
/// amount whatever the others do (power starts: lambda_max, lambda_min, preconditioned; trace probes;
/// the B_noise sample), so equal inputs give equal numbers.
pub fn measure(
    loss: &FullLoss<'_>,
    settings: &CurvatureSettings,
    preconditioner: Option<&[f64]>,
    rng: &mut impl Rng,
    ws: &mut HvpWorkspace,
) -> CurvatureMeasurement {
    let dim = loss.net.params;
    let mut gradient = vec![0.0; dim];
    let mean_loss = loss.gradient(ws, &mut gradient);
    // The product and the example gradients share the buffers, one call at a time.
    let ws = RefCell::new(ws);
    let mut products = 0;
    let mut hvp = |v: &[f64], out: &mut [f64]| {
        loss.hvp(v, &mut ws.borrow_mut(), out);
        products += 1;
    };
    let top = lambda_max(&mut hvp, dim, settings.power, rng);
    let bottom = settings.lambda_min.then(|| lambda_min(&mut hvp, dim, top.value, settings.power, rng));
    let preconditioned = preconditioner.map(|p| preconditioned_lambda_max(&mut hvp, p, settings.power, rng));
    let trace =
        (settings.trace_probes > 0).then(|| hutchinson_trace(&mut hvp, dim, settings.trace_probes, rng));
    let example = |i: usize, out: &mut [f64]| loss.example_gradient(i, &mut ws.borrow_mut(), out);
    let noise = (settings.noise_probes > 0)
        .then(|| noise_scale(&mut hvp, &gradient, loss.data.len(), settings.noise_probes, example, rng));
    CurvatureMeasurement {
        loss: mean_loss,
        gradient_norm: dot(&gradient, &gradient).sqrt(),
        lambda_max: top,
        lambda_min: bottom,
        preconditioned_lambda_max: preconditioned,
        trace,
        noise_scale: noise,
        hessian_products: products,
    }
}
