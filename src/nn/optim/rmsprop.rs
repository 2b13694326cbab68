//! torch.optim.RMSprop, not centred: d = g + wd theta; v <- alpha v + (1 - alpha) d^2;
//! u = d / (sqrt(v) + eps); with momentum b <- mu b + u and theta <- theta - lr b, else
//! theta <- theta - lr u. No bias correction.

use super::Settings;
use std::ops::Range;

/// Square average, momentum buffer (empty without momentum) and constants.
#[derive(Debug, Clone)]
pub(super) struct RmsPropState {
    alpha: f32,
    one_minus_alpha: f32,
    epsilon: f32,
    momentum: f32,
    square: Vec<f32>,
    buffer: Vec<f32>,
    stepped: bool,
}

impl RmsPropState {
    pub(super) fn new(settings: &Settings, n: usize) -> Self {
        let momentum = settings.momentum as f32;
        RmsPropState {
            alpha: settings.alpha as f32,
            one_minus_alpha: (1.0 - settings.alpha) as f32,
            epsilon: settings.epsilon as f32,
            momentum,
            square: vec![0.0; n],
            buffer: if momentum > 0.0 { vec![0.0; n] } else { Vec::new() },
            stepped: false,
        }
    }

    pub(super) fn floats(&self) -> usize {
        self.square.len() + self.buffer.len()
    }

    /// (v, 1, epsilon) after the first update, `None` before: the preconditioner is 1 / (sqrt(v) + eps).
    pub(super) fn second_moment(&self) -> Option<(&[f32], f32, f32)> {
        self.stepped.then_some((&self.square[..], 1.0, self.epsilon))
    }

    /// Updates the parameters in `r`, all with decay coefficient `wd`.
    pub(super) fn update(&mut self, params: &mut [f32], grad: &[f32], r: Range<usize>, lr: f32, wd: f32) {
        self.stepped = true;
        let (a, c, eps, mu) = (self.alpha, self.one_minus_alpha, self.epsilon, self.momentum);
        let (p, g, v) = (&mut params[r.clone()], &grad[r.clone()], &mut self.square[r.clone()]);
        if self.buffer.is_empty() {
            for ((p, &g), v) in p.iter_mut().zip(g).zip(v) {
                let d = g + wd * *p;
                *v = a * *v + c * (d * d);
                *p -= lr * (d / (v.sqrt() + eps));
            }
        } else {
            for (((p, &g), v), b) in p.iter_mut().zip(g).zip(v).zip(&mut self.buffer[r]) {
                let d = g + wd * *p;
                *v = a * *v + c * (d * d);
                *b = mu * *b + d / (v.sqrt() + eps);
                *p -= lr * *b;
            }
        }
    }
}
