//! The baseline path: the kernel bodies compiled for the target's default instruction set (SSE2 on
//! x86-64, NEON on aarch64), multiply-adds rounded twice. Runs on every CPU the binary runs on.

use super::body;

/// SSE2 registers on x86 (always there on x86-64), plain arrays elsewhere: the same values either way.
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
type V = super::sse2::Sse8;
#[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")))]
type V = super::lanes::F8<super::lanes::Separate>;

// `inline(never)` keeps each path a symbol of its own, so its assembly can be inspected
// (`objdump -d --demangle target/release/batchlab`); a call per kernel invocation costs nothing here.

#[inline(never)]
pub(super) fn forward_rows(input: &[f32], w: &[f32], fan_in: usize, fan_out: usize, out: &mut [f32]) {
    body::forward_rows::<V>(input, w, fan_in, fan_out, out);
}

#[inline(never)]
pub(super) fn weight_gradient_rows(
    input: &[f32],
    delta: &[f32],
    fan_in: usize,
    fan_out: usize,
    gw: &mut [f32],
) {
    body::weight_gradient_rows(input, delta, fan_in, fan_out, gw);
}

#[inline(never)]
pub(super) fn propagate_rows(delta: &[f32], w: &[f32], fan_in: usize, fan_out: usize, prev: &mut [f32]) {
    body::propagate_rows::<V>(delta, w, fan_in, fan_out, prev);
}

#[inline(never)]
pub(super) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    body::axpy(a, x, y);
}

#[inline(never)]
pub(super) fn rank_one_update(w: &mut [f32], a: &[f32], delta: &[f32], alpha: f32, keep: f32) {
    body::rank_one_update(w, a, delta, alpha, keep);
}

#[inline(never)]
pub(super) fn dot(x: &[f32], y: &[f32]) -> f32 {
    body::dot::<V>(x, y)
}

#[inline(never)]
pub(super) fn dot_and_squared_norm(x: &[f32], y: &[f32]) -> (f64, f64) {
    body::dot_and_squared_norm::<V>(x, y)
}

#[inline(never)]
pub(super) fn descend_and_observe(params: &mut [f32], grad: &[f32], previous: &[f32], lr: f32) -> (f64, f64) {
    body::descend_and_observe::<V>(params, grad, previous, lr)
}
