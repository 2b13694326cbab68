//! torch.optim.SGD with dampening 0: d = g + wd theta; b <- mu b + d (b_1 = d); the step is d + mu b
//! with Nesterov momentum, b without, d when mu = 0; theta <- theta - lr step.

use super::Settings;
use std::ops::Range;

/// Momentum coefficient and velocity (empty without momentum).
#[derive(Debug, Clone)]
pub(super) struct SgdState {
    momentum: f32,
    nesterov: bool,
    velocity: Vec<f32>,
}

impl SgdState {
    pub(super) fn new(settings: &Settings, n: usize) -> Self {
        let momentum = settings.momentum as f32;
        let velocity = if momentum > 0.0 { vec![0.0; n] } else { Vec::new() };
        SgdState { momentum, nesterov: settings.nesterov, velocity }
    }

    /// No momentum: theta <- theta - lr d.
    pub(super) fn is_plain(&self) -> bool {
        self.velocity.is_empty()
    }

    pub(super) fn floats(&self) -> usize {
        self.velocity.len()
    }

    /// Updates the parameters in `r`, all with decay coefficient `wd`.
    pub(super) fn update(&mut self, params: &mut [f32], grad: &[f32], r: Range<usize>, lr: f32, wd: f32) {
        let (p, g) = (&mut params[r.clone()], &grad[r.clone()]);
        if self.velocity.is_empty() {
            descend(p, g, lr, wd);
        } else if self.nesterov {
            nesterov(p, g, &mut self.velocity[r], lr, wd, self.momentum);
        } else {
            heavy_ball(p, g, &mut self.velocity[r], lr, wd, self.momentum);
        }
    }
}

fn descend(p: &mut [f32], g: &[f32], lr: f32, wd: f32) {
    for (p, &g) in p.iter_mut().zip(g) {
        *p -= lr * (g + wd * *p);
    }
}

fn heavy_ball(p: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, wd: f32, mu: f32) {
    for ((p, &g), v) in p.iter_mut().zip(g).zip(v) {
        *v = mu * *v + (g + wd * *p);
        *p -= lr * *v;
    }
}

fn nesterov(p: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, wd: f32, mu: f32) {
    for ((p, &g), v) in p.iter_mut().zip(g).zip(v) {
        let d = g + wd * *p;
        *v = mu * *v + d;
        *p -= lr * (d + mu * *v);
    }
}
