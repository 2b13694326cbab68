//! The row kernels' bodies, written once and compiled twice: `portable.rs` and `avx2.rs` inline them
//! into functions built for their instruction sets, each with its own lanes `V` (which also decide
//! whether a multiply-add is fused).
//!
//! Summation orders (the same on both paths; only the rounding of a multiply-add differs):
//! - [`dot`]: element `j` of each full 32-element chunk goes into partial sum `j` (chunks in order);
//!   the 32 partial sums are combined as groups of eight `(g0 + g1) + (g2 + g3)`, then across lanes in
//!   the tree of [`Lanes::reduce_add`]; the `len % 32` trailing products are summed left to right and
//!   added last. Only the chunk multiply-adds use `V`; the tail is multiplied, then added.
//! - [`forward_rows`]: each 32-output block starts from `out` (the bias) and adds the input rows in
//!   order with `V`; outputs past the last full block add `input[i] * w[i, :]` row by row, unfused,
//!   skipping zero inputs.
//! - [`weight_gradient_rows`]: each entry sums the examples in order, unfused, skipping zero inputs.
//! - [`propagate_rows`]: each entry is a [`dot`] of a weight row with the example's error.
//! - [`axpy`], [`rank_one_update`]: element-wise, multiplied then added, no sums to order.
//! - [`dot_and_squared_norm`], [`descend_and_observe`]: blocks of `BLOCK` elements, each summed as
//!   [`dot`] (its two sums side by side), the block sums added in order in f64.

use super::lanes::{Lanes, reduce4};

/// Elements summed per chunk in [`dot`]: four lane groups, so successive multiply-adds do not wait on
/// each other. Fixed, so the summation order is fixed too.
const LANES: usize = 32;

/// Elements per f32 partial sum before it is added into an f64 total, so long vectors keep precision.
const BLOCK: usize = 1024;

/// out[r, :] += sum_i input[r, i] * w[i, :] for each row (`out` holds the bias already).
#[inline(always)]
pub(super) fn forward_rows<V: Lanes>(
    input: &[f32],
    w: &[f32],
    fan_in: usize,
    fan_out: usize,
    out: &mut [f32],
) {
    for (a, o) in input.chunks_exact(fan_in).zip(out.chunks_exact_mut(fan_out)) {
        let mut start = 0;
        // Blocks of 32 outputs stay in four vector registers while every input row is added in.
        while start + LANES <= fan_out {
            let mut acc: [V; 4] = std::array::from_fn(|k| V::load(&o[start + 8 * k..]));
            for (&ai, row) in a.iter().zip(w.chunks_exact(fan_out)) {
                let (ai, block) = (V::splat(ai), block(&row[start..]));
                for (k, acc) in acc.iter_mut().enumerate() {
                    *acc = V::load(&block[8 * k..]).mul_add(ai, *acc);
                }
            }
            for (k, acc) in acc.iter().enumerate() {
                acc.store(&mut o[start + 8 * k..]);
            }
            start += LANES;
        }
        if start < fan_out {
            for (&ai, row) in a.iter().zip(w.chunks_exact(fan_out)) {
                // ReLU leaves about half the activations at zero; their rows add nothing.
                if ai != 0.0 {
                    axpy(ai, &row[start..], &mut o[start..]);
                }
            }
        }
    }
}

/// gw[i, :] = sum_r input[r, i] * delta[r, :] (the weight gradient, already divided by the batch).
#[inline(always)]
pub(super) fn weight_gradient_rows(
    input: &[f32],
    delta: &[f32],
    fan_in: usize,
    fan_out: usize,
    gw: &mut [f32],
) {
    let mut rows = input.chunks_exact(fan_in).zip(delta.chunks_exact(fan_out));
    // The first example writes every row (an outer product), so no separate zeroing pass is needed.
    if let Some((a, d)) = rows.next() {
        for (&ai, row) in a.iter().zip(gw.chunks_exact_mut(fan_out)) {
            if ai != 0.0 {
                row.iter_mut().zip(d).for_each(|(g, &d)| *g = ai * d);
            } else {
                row.fill(0.0);
            }
        }
    }
    for (a, d) in rows {
        for (&ai, row) in a.iter().zip(gw.chunks_exact_mut(fan_out)) {
            if ai != 0.0 {
                axpy(ai, d, row);
            }
        }
    }
}

/// prev[r, i] = sum_j w[i, j] * delta[r, j] (the error reaching the layer's input).
#[inline(always)]
pub(super) fn propagate_rows<V: Lanes>(
    delta: &[f32],
    w: &[f32],
    fan_in: usize,
    fan_out: usize,
    prev: &mut [f32],
) {
    for (d, p) in delta.chunks_exact(fan_out).zip(prev.chunks_exact_mut(fan_in)) {
        for (p, row) in p.iter_mut().zip(w.chunks_exact(fan_out)) {
            *p = dot::<V>(row, d);
        }
    }
}

/// y += a x, each element multiplied then added (no fusion on either path).
#[inline(always)]
pub(super) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// Each row i of `w` (`delta.len()` wide) becomes keep w_i + (alpha a_i) delta: the scaling
/// (skipped when `keep` is 1) rounds once, then the row is an [`axpy`]; rows of zero a_i add nothing.
#[inline(always)]
pub(super) fn rank_one_update(w: &mut [f32], a: &[f32], delta: &[f32], alpha: f32, keep: f32) {
    for (&ai, row) in a.iter().zip(w.chunks_exact_mut(delta.len())) {
        if keep != 1.0 {
            row.iter_mut().for_each(|v| *v *= keep);
        }
        if ai != 0.0 {
            axpy(alpha * ai, delta, row);
        }
    }
}

/// The `LANES` values at the start of `s` (one bounds check, so the four loads from it need none).
#[inline(always)]
fn block(s: &[f32]) -> &[f32; LANES] {
    s.first_chunk::<LANES>().expect("callers leave a full block")
}

/// x . y in the order documented at the top of this file.
#[inline(always)]
pub(super) fn dot<V: Lanes>(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [V::zero(); 4];
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let tail: f32 = xc.remainder().iter().zip(yc.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in xc.zip(yc) {
        for (k, acc) in acc.iter_mut().enumerate() {
            *acc = V::load(&a[8 * k..]).mul_add(V::load(&b[8 * k..]), *acc);
        }
    }
    reduce4(acc) + tail
}

/// (x . y, x . x) in one pass over both, in blocks as documented at the top of this file.
#[inline(always)]
pub(super) fn dot_and_squared_norm<V: Lanes>(x: &[f32], y: &[f32]) -> (f64, f64) {
    let (mut xy, mut xx) = (0.0f64, 0.0f64);
    for (a, b) in x.chunks(BLOCK).zip(y.chunks(BLOCK)) {
        let (ab, aa) = dot2::<V>(a, b);
        xy += f64::from(ab);
        xx += f64::from(aa);
    }
    (xy, xx)
}

/// theta -= lr g (multiplied, then subtracted), fused with (g . previous, g . g): one pass over the
/// three vectors instead of two.
#[inline(always)]
pub(super) fn descend_and_observe<V: Lanes>(
    params: &mut [f32],
    grad: &[f32],
    previous: &[f32],
    lr: f32,
) -> (f64, f64) {
    let (mut gp, mut gg) = (0.0f64, 0.0f64);
    for ((p, g), q) in params.chunks_mut(BLOCK).zip(grad.chunks(BLOCK)).zip(previous.chunks(BLOCK)) {
        p.iter_mut().zip(g).for_each(|(p, &g)| *p -= lr * g);
        let (a, b) = dot2::<V>(g, q);
        gp += f64::from(a);
        gg += f64::from(b);
    }
    (gp, gg)
}

/// (x . y, x . x) for one block, each in the order of [`dot`] (the tail summed from +0).
#[inline(always)]
fn dot2<V: Lanes>(x: &[f32], y: &[f32]) -> (f32, f32) {
    let (mut xy, mut xx) = ([V::zero(); 4], [V::zero(); 4]);
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let (mut txy, mut txx) = (0.0f32, 0.0f32);
    for (&a, &b) in xc.remainder().iter().zip(yc.remainder()) {
        txy += a * b;
        txx += a * a;
    }
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            let a = V::load(&a[8 * k..]);
            xy[k] = a.mul_add(V::load(&b[8 * k..]), xy[k]);
            xx[k] = a.mul_add(a, xx[k]);
        }
    }
    (reduce4(xy) + txy, reduce4(xx) + txx)
}
