//! The fast x86 path: the kernel bodies compiled with AVX2 and FMA enabled, multiply-adds fused
//! (`vfmadd` on 256-bit registers). Only [`super::Kernels`] calls these, and only after
//! `is_x86_feature_detected!` has found both features: on any other CPU they would raise SIGILL.

use super::body;
use super::lanes::{F8, Fused};

/// Plain 8-lane arrays: inside these functions each operation on them is one 256-bit instruction.
type V = F8<Fused>;

#[target_feature(enable = "avx2,fma")]
pub(super) fn forward_rows(input: &[f32], w: &[f32], fan_in: usize, fan_out: usize, out: &mut [f32]) {
    body::forward_rows::<V>(input, w, fan_in, fan_out, out);
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn weight_gradient_rows(
    input: &[f32],
    delta: &[f32],
    fan_in: usize,
    fan_out: usize,
    gw: &mut [f32],
) {
    body::weight_gradient_rows(input, delta, fan_in, fan_out, gw);
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn propagate_rows(delta: &[f32], w: &[f32], fan_in: usize, fan_out: usize, prev: &mut [f32]) {
    body::propagate_rows::<V>(delta, w, fan_in, fan_out, prev);
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    body::axpy(a, x, y);
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn rank_one_update(w: &mut [f32], a: &[f32], delta: &[f32], alpha: f32, keep: f32) {
    body::rank_one_update(w, a, delta, alpha, keep);
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn dot(x: &[f32], y: &[f32]) -> f32 {
    body::dot::<V>(x, y)
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn dot_and_squared_norm(x: &[f32], y: &[f32]) -> (f64, f64) {
    body::dot_and_squared_norm::<V>(x, y)
}

#[target_feature(enable = "avx2,fma")]
pub(super) fn descend_and_observe(params: &mut [f32], grad: &[f32], previous: &[f32], lr: f32) -> (f64, f64) {
    body::descend_and_observe::<V>(params, grad, previous, lr)
}
