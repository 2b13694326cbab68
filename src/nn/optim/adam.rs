//! torch.optim.Adam and AdamW (amsgrad off). At step t: Adam takes d = g + wd theta, AdamW first shrinks
//! theta <- theta (1 - lr wd) and takes d = g; then m <- beta1 m + (1 - beta1) d,
//! v <- beta2 v + (1 - beta2) d^2, theta <- theta - lr m_hat / (sqrt(v_hat) + eps) with
//! m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).
//!
//! As PyTorch's single-tensor path, the bias corrections are computed in f64 and folded into two f32
//! scalars: the step lr / (1 - beta1^t) and 1 / sqrt(1 - beta2^t) on sqrt(v).

use super::Settings;
use std::ops::Range;

/// Moments and constants; `last_step` is the t of the last update (0 before the first).
#[derive(Debug, Clone)]
pub(super) struct AdamState {
    decoupled: bool,
    beta1: f64,
    beta2: f64,
    epsilon: f32,
    first: Vec<f32>,
    second: Vec<f32>,
    last_step: u64,
}

/// The constants of one update, f32 as the moments.
#[derive(Debug, Clone, Copy)]
pub(super) struct AdamStep {
    beta1: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    /// lr / (1 - beta1^t).
    step_size: f32,
    /// 1 / sqrt(1 - beta2^t).
    root_correction: f32,
    epsilon: f32,
    /// (shrink, l2) for weights: (1 - lr wd, 0) for AdamW, (1, wd) for Adam; biases take (1, 0).
    weights: (f32, f32),
}

impl AdamState {
    pub(super) fn new(settings: &Settings, n: usize) -> Self {
        AdamState {
            decoupled: settings.kind == super::Kind::AdamW,
            beta1: settings.beta1,
            beta2: settings.beta2,
            epsilon: settings.epsilon as f32,
            first: vec![0.0; n],
            second: vec![0.0; n],
            last_step: 0,
        }
    }

    pub(super) fn floats(&self) -> usize {
        self.first.len() + self.second.len()
    }

    /// 1 / sqrt(1 - beta2^t): multiplies sqrt(v) into sqrt(v_hat).
    fn root_correction(&self, t: u64) -> f32 {
        (1.0 / (1.0 - self.beta2.powf(t as f64)).sqrt()) as f32
    }

    /// (v, 1 / sqrt(1 - beta2^t), epsilon) of the last update, `None` before the first.
    pub(super) fn second_moment(&self) -> Option<(&[f32], f32, f32)> {
        (self.last_step > 0).then(|| (&self.second[..], self.root_correction(self.last_step), self.epsilon))
    }

    /// The constants of update `t` (from 1) at rate `lr` and decay `wd`; records t for the preconditioner.
    pub(super) fn begin(&mut self, lr: f64, wd: f64, t: u64) -> AdamStep {
        debug_assert!(t >= 1, "Adam counts steps from 1");
        let t = t.max(1);
        self.last_step = t;
        AdamStep {
            beta1: self.beta1 as f32,
            one_minus_beta1: (1.0 - self.beta1) as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: (1.0 - self.beta2) as f32,
            step_size: (lr / (1.0 - self.beta1.powf(t as f64))) as f32,
            root_correction: self.root_correction(t),
            epsilon: self.epsilon,
            // As in PyTorch, 1 - lr wd is computed in f64.
            weights: if self.decoupled { ((1.0 - lr * wd) as f32, 0.0) } else { (1.0, wd as f32) },
        }
    }

    /// Updates the parameters in `r`, weights when `decays`, else biases.
    pub(super) fn update(
        &mut self,
        params: &mut [f32],
        grad: &[f32],
        r: Range<usize>,
        decays: bool,
        k: &AdamStep,
    ) {
        // Multiplying by 1 and adding 0 x theta are exact, so one kernel serves both rules.
        let (shrink, l2) = if decays { k.weights } else { (1.0, 0.0) };
        let (m, v) = (&mut self.first[r.clone()], &mut self.second[r.clone()]);
        kernel(&mut params[r.clone()], &grad[r], m, v, shrink, l2, k);
    }
}

fn kernel(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], shrink: f32, l2: f32, k: &AdamStep) {
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
        let theta = *p * shrink;
        let d = g + l2 * theta;
        *m = k.beta1 * *m + k.one_minus_beta1 * d;
        *v = k.beta2 * *v + k.one_minus_beta2 * (d * d);
        *p = theta - k.step_size * (*m / (v.sqrt() * k.root_correction + k.epsilon));
    }
}
