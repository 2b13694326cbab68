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

/// The element loop, 8 lanes wide where the process runs the AVX2 kernels: square roots and divisions
/// are correctly rounded at every width and Rust never fuses a multiply-add it was not asked to, so both
/// paths give the same bits (tested) and the wide one halves the time of the division-bound loop.
fn kernel(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], shrink: f32, l2: f32, k: &AdamStep) {
    #[cfg(target_arch = "x86_64")]
    if wide() {
        // SAFETY: `wide` holds only where the CPU has AVX2 (the kernels check it when they are selected).
        return unsafe { kernel_avx2(p, g, m, v, shrink, l2, k) };
    }
    kernel_body(p, g, m, v, shrink, l2, k)
}

#[cfg(target_arch = "x86_64")]
fn wide() -> bool {
    use crate::nn::kernels::{KernelPath, select};
    select().is_ok_and(|k| k.path() == KernelPath::Avx2Fma)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn kernel_avx2(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    shrink: f32,
    l2: f32,
    k: &AdamStep,
) {
    kernel_body(p, g, m, v, shrink, l2, k)
}

#[inline(always)]
fn kernel_body(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], shrink: f32, l2: f32, k: &AdamStep) {
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
        let theta = *p * shrink;
        let d = g + l2 * theta;
        *m = k.beta1 * *m + k.one_minus_beta1 * d;
        *v = k.beta2 * *v + k.one_minus_beta2 * (d * d);
        *p = theta - k.step_size * (*m / (v.sqrt() * k.root_correction + k.epsilon));
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn the_wide_loop_gives_the_bits_of_the_baseline_loop() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut state =
            AdamState::new(&Settings { kind: super::super::Kind::AdamW, ..Settings::default() }, 1001);
        let n = 1001; // not a multiple of 8: the tail runs too
        let wave = |i: usize, f: f32| ((i as f32 * f).sin() * 3.0).powi(3);
        let (g, p0): (Vec<f32>, Vec<f32>) = (0..n).map(|i| (wave(i, 0.37) * 1e-3, wave(i, 0.11))).unzip();
        let (mut m, mut v) =
            (g.iter().map(|x| x * 0.5).collect::<Vec<_>>(), g.iter().map(|x| x * x).collect::<Vec<_>>());
        let k = state.begin(0.01, 0.01, 7);
        let (mut narrow, mut wide) = (p0.clone(), p0);
        let (mut m2, mut v2) = (m.clone(), v.clone());
        kernel_body(&mut narrow, &g, &mut m, &mut v, 0.9999, 0.0, &k);
        // SAFETY: AVX2 was detected above.
        unsafe { kernel_avx2(&mut wide, &g, &mut m2, &mut v2, 0.9999, 0.0, &k) };
        let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<u32>>();
        assert_eq!(bits(&narrow), bits(&wide));
        assert_eq!((bits(&m), bits(&v)), (bits(&m2), bits(&v2)));
    }
}
