//! Dense-layer kernels for small batches, where a general matrix product spends more time packing than
//! multiplying. Every loop walks contiguous rows in a fixed order, so the compiler vectorises it and the
//! result does not depend on anything but the inputs.

use wide::f32x8;

/// Partial sums in [`dot`]: a fixed count, so the summation order is fixed too.
const LANES: usize = 32;

/// out[r, :] += sum_i input[r, i] * w[i, :] for each of the `b` rows (`out` holds the bias already).
pub fn forward_rows(input: &[f32], w: &[f32], fan_in: usize, fan_out: usize, out: &mut [f32]) {
    for (a, o) in input.chunks_exact(fan_in).zip(out.chunks_exact_mut(fan_out)) {
        let mut start = 0;
        // Blocks of 32 outputs stay in four vector registers while every input row is added in.
        while start + LANES <= fan_out {
            let mut acc: [f32x8; 4] = std::array::from_fn(|k| lanes(&o[start + 8 * k..start + 8 * k + 8]));
            for (&ai, row) in a.iter().zip(w.chunks_exact(fan_out)) {
                let ai = f32x8::splat(ai);
                for (k, acc) in acc.iter_mut().enumerate() {
                    *acc = lanes(&row[start + 8 * k..start + 8 * k + 8]).mul_add(ai, *acc);
                }
            }
            for (k, acc) in acc.iter().enumerate() {
                o[start + 8 * k..start + 8 * k + 8].copy_from_slice(acc.as_array());
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
pub fn weight_gradient_rows(input: &[f32], delta: &[f32], fan_in: usize, fan_out: usize, gw: &mut [f32]) {
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
pub fn propagate_rows(delta: &[f32], w: &[f32], fan_in: usize, fan_out: usize, prev: &mut [f32]) {
    for (d, p) in delta.chunks_exact(fan_out).zip(prev.chunks_exact_mut(fan_in)) {
        for (p, row) in p.iter_mut().zip(w.chunks_exact(fan_out)) {
            *p = dot(row, d);
        }
    }
}

/// y += a x
#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// x . y, summed in `LANES` interleaved partial sums (four vector registers, so successive
/// multiply-adds do not wait on each other), then across lanes.
#[inline]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [f32x8::ZERO; 4];
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let tail: f32 = xc.remainder().iter().zip(yc.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] = lanes(&a[8 * k..8 * k + 8]).mul_add(lanes(&b[8 * k..8 * k + 8]), acc[k]);
        }
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])).reduce_add() + tail
}

/// Elements per f32 partial sum before it is added into an f64 total, so long vectors keep precision.
const BLOCK: usize = 1024;

/// (x . y, x . x) in one pass over both, each in `LANES` partial sums as [`dot`].
pub fn dot_and_squared_norm(x: &[f32], y: &[f32]) -> (f64, f64) {
    let (mut xy, mut xx) = (0.0f64, 0.0f64);
    for (a, b) in x.chunks(BLOCK).zip(y.chunks(BLOCK)) {
        let (ab, aa) = dot2(a, b);
        xy += f64::from(ab);
        xx += f64::from(aa);
    }
    (xy, xx)
}

/// theta -= lr g, fused with (g . previous, g . g): one pass over the three vectors instead of two.
pub fn descend_and_observe(params: &mut [f32], grad: &[f32], previous: &[f32], lr: f32) -> (f64, f64) {
    let (mut gp, mut gg) = (0.0f64, 0.0f64);
    for ((p, g), q) in params.chunks_mut(BLOCK).zip(grad.chunks(BLOCK)).zip(previous.chunks(BLOCK)) {
        p.iter_mut().zip(g).for_each(|(p, &g)| *p -= lr * g);
        let (a, b) = dot2(g, q);
        gp += f64::from(a);
        gg += f64::from(b);
    }
    (gp, gg)
}

/// (x . y, x . x) for a block, in lanes as [`dot`].
#[inline]
fn dot2(x: &[f32], y: &[f32]) -> (f32, f32) {
    let (mut xy, mut xx) = ([f32x8::ZERO; 4], [f32x8::ZERO; 4]);
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let (mut txy, mut txx) = (0.0f32, 0.0f32);
    for (&a, &b) in xc.remainder().iter().zip(yc.remainder()) {
        txy += a * b;
        txx += a * a;
    }
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            let a = lanes(&a[8 * k..8 * k + 8]);
            xy[k] = a.mul_add(lanes(&b[8 * k..8 * k + 8]), xy[k]);
            xx[k] = a.mul_add(a, xx[k]);
        }
    }
    let sum = |v: [f32x8; 4]| ((v[0] + v[1]) + (v[2] + v[3])).reduce_add();
    (sum(xy) + txy, sum(xx) + txx)
}

/// Eight consecutive values as one vector.
#[inline(always)]
fn lanes(chunk: &[f32]) -> f32x8 {
    let array: [f32; 8] = chunk.try_into().expect("callers slice eight values");
    f32x8::from(array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_handles_lengths_that_are_not_a_multiple_of_the_lanes() {
        let x: Vec<f32> = (0..19).map(|i| i as f32).collect();
        // sum of i^2 for i < 19 = 18 * 19 * 37 / 6 = 2109.
        assert_eq!(dot(&x, &x), 2109.0);
    }

    #[test]
    fn row_kernels_agree_with_the_textbook_products() {
        // input 2 x 3, w 3 x 2: out = input . w, gw = input^T . delta, prev = delta . w^T.
        let input = [1.0, 0.0, 2.0, -1.0, 3.0, 0.5];
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [0.0; 4];
        forward_rows(&input, &w, 3, 2, &mut out);
        assert_eq!(out, [11.0, 14.0, 10.5, 13.0]);
        let delta = [1.0, -1.0, 0.5, 2.0];
        let mut gw = [0.0; 6];
        weight_gradient_rows(&input, &delta, 3, 2, &mut gw);
        assert_eq!(gw, [0.5, -3.0, 1.5, 6.0, 2.25, -1.0]);
        let mut prev = [0.0; 6];
        propagate_rows(&delta, &w, 3, 2, &mut prev);
        assert_eq!(prev, [-1.0, -1.0, -1.0, 4.5, 9.5, 14.5]);
    }
}
