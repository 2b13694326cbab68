//! Each loaded example's own squared gradient norm, read off the buffers of the last backward pass
//! without forming N gradient vectors where that is cheaper, and its diagonally weighted variant
//! sum_j P_j g_ij^2 (Adam's preconditioner in the noise scale).
//!
//! A dense layer's per-example weight gradient is one outer product a_i delta_i^T, so its squared norm
//! is ||a_i||^2 ||delta_i||^2. A conv layer's is a sum over the example's output pixels p of outer
//! products, G_i = A_i^T D_i with A_i the example's unfolded windows (positions x kernel^2 channels)
//! and D_i its errors (positions x filters), so ||G_i||^2 = sum_pq (A_i A_i^T)_pq (D_i D_i^T)_pq: the
//! Gram matrices of windows and errors, P^2 (K + F) multiply-adds for P positions, K = kernel^2
//! channels and F filters, against P K F to form G_i. Small late feature maps favour the Gram matrices,
//! large early ones forming G_i; each layer takes the cheaper. The bias gradient, sum_p D_i[p], adds
//! 1^T D_i D_i^T 1 (a column of ones appended to A_i). Rochette, Manoel and Tramel (2019), "Efficient
//! per-example gradient computations in convolutional neural networks", compare the same two routes.

use super::{Network, Op, Workspace};
use crate::nn::Layer;
use crate::nn::kernels;
use crate::nn::mlp::{squared_norm, view, view_mut};
use ndarray::linalg::general_mat_mul;

/// How a conv layer's per-example squared gradient norms are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormPath {
    /// The cheaper of the two below for the layer's shape.
    Cheaper,
    /// Each example's gradient A_i^T D_i, then its squared norm.
    Form,
    /// The Gram matrices A_i A_i^T and D_i D_i^T of each example.
    Gram,
}

impl NormPath {
    /// The route for a layer of `positions` pixels, windows of `k` values and `filters` outputs.
    pub(super) fn resolve(self, positions: usize, k: usize, filters: usize) -> NormPath {
        match self {
            NormPath::Cheaper if positions * positions * (k + filters) < positions * k * filters => {
                NormPath::Gram
            }
            NormPath::Cheaper => NormPath::Form,
            forced => forced,
        }
    }

    /// Scratch floats a route needs for one example of a layer.
    fn scratch_for(self, positions: usize, k: usize, filters: usize) -> usize {
        match self.resolve(positions, k, filters) {
            NormPath::Gram => 2 * positions * positions,
            _ => k * filters + filters,
        }
    }

    /// Scratch floats the default route and the weighted norms need, over every layer of `net`.
    pub(crate) fn scratch(net: &Network) -> usize {
        let need = |l: &super::NetLayer| match (l.op, l.block) {
            (Op::Conv { .. }, Some(b)) => {
                let p = l.positions();
                NormPath::Cheaper
                    .scratch_for(p, b.fan_in, b.fan_out)
                    .max(NormPath::Form.scratch_for(p, b.fan_in, b.fan_out))
            }
            (_, Some(b)) => b.fan_out,
            _ => 0,
        };
        net.layers.iter().map(need).max().unwrap_or(0)
    }
}

impl Network {
    /// Squared norm of each loaded example's own loss gradient into `out[..b]`, from the buffers of the
    /// last backward pass.
    pub fn per_example_squared_norms(&self, ws: &mut Workspace, b: usize, out: &mut [f64]) {
        self.per_example_squared_norms_by(NormPath::Cheaper, ws, b, out);
    }

    /// [`Network::per_example_squared_norms`] with conv layers on route `path` (a forced route may
    /// grow the scratch buffer once).
    pub fn per_example_squared_norms_by(
        &self,
        path: NormPath,
        ws: &mut Workspace,
        b: usize,
        out: &mut [f64],
    ) {
        out[..b].fill(0.0);
        // The stored errors are divided by b (the batch mean); example i's own gradient is b times that.
        let scale = (b as f64) * (b as f64);
        for (l, layer) in self.layers.iter().enumerate() {
            let Some(block) = layer.block else { continue };
            let bias = if block.bias.is_some() { 1.0 } else { 0.0 };
            let (fi, fo, p) = (block.fan_in, block.fan_out, layer.positions());
            let path = path.resolve(p, fi, fo);
            let parts = ws.parts(l);
            if layer.op != Op::Dense && parts.scratch.len() < path.scratch_for(p, fi, fo) {
                parts.scratch.resize(path.scratch_for(p, fi, fo), 0.0);
            }
            for (i, out) in out[..b].iter_mut().enumerate() {
                let d = &parts.delta[i * p * fo..(i + 1) * p * fo];
                let norm = if layer.op == Op::Dense {
                    (squared_norm(&parts.input[i * fi..(i + 1) * fi]) + bias) * squared_norm(d)
                } else {
                    let a = &parts.cols[i * p * fi..(i + 1) * p * fi];
                    match path {
                        NormPath::Gram => gram_norm(a, d, p, fi, fo, bias, parts.scratch),
                        _ => {
                            let (g, sums) = example_gradient(a, d, p, &block, parts.scratch);
                            squared_norm(g) + bias * squared_norm(sums)
                        }
                    }
                };
                *out += norm * scale;
            }
        }
    }

    /// sum_j w_j g_ij^2 of each loaded example's own gradient g_i into `out[..b]`, for one weight per
    /// parameter (`weights.len()` = params), from the buffers of the last backward pass.
    pub fn per_example_weighted_squared_norms(
        &self,
        ws: &mut Workspace,
        b: usize,
        weights: &[f32],
        out: &mut [f64],
    ) {
        assert_eq!(weights.len(), self.params, "one weight per parameter");
        out[..b].fill(0.0);
        let scale = (b as f64) * (b as f64);
        for (l, layer) in self.layers.iter().enumerate() {
            let Some(block) = layer.block else { continue };
            let (fi, fo, p) = (block.fan_in, block.fan_out, layer.positions());
            let (w, wb) = (block.w(weights), block.b(weights));
            let parts = ws.parts(l);
            for (i, out) in out[..b].iter_mut().enumerate() {
                let d = &parts.delta[i * p * fo..(i + 1) * p * fo];
                let norm = if layer.op == Op::Dense {
                    let a = &parts.input[i * fi..(i + 1) * fi];
                    weighted_outer_norm(a, d, w, wb, &mut parts.scratch[..fo])
                } else {
                    let a = &parts.cols[i * p * fi..(i + 1) * p * fi];
                    let (g, sums) = example_gradient(a, d, p, &block, parts.scratch);
                    weighted(g, w) + wb.map_or(0.0, |wb| weighted(sums, wb))
                };
                *out += norm * scale;
            }
        }
    }
}

/// (G_i = A_i^T D_i, the bias gradient sum_p D_i[p]) in `scratch`.
fn example_gradient<'s>(
    a: &[f32],
    d: &[f32],
    p: usize,
    block: &Layer,
    scratch: &'s mut [f32],
) -> (&'s [f32], &'s [f32]) {
    let (k, f) = (block.fan_in, block.fan_out);
    let (g, sums) = scratch[..k * f + f].split_at_mut(k * f);
    general_mat_mul(1.0, &view(a, p, k).t(), &view(d, p, f), 0.0, &mut view_mut(g, k, f));
    sums.fill(0.0);
    d.chunks_exact(f).for_each(|row| sums.iter_mut().zip(row).for_each(|(s, v)| *s += v));
    (g, sums)
}

/// sum_pq (A A^T + bias)_pq (D D^T)_pq.
fn gram_norm(a: &[f32], d: &[f32], p: usize, k: usize, f: usize, bias: f64, scratch: &mut [f32]) -> f64 {
    let (sa, sd) = scratch[..2 * p * p].split_at_mut(p * p);
    general_mat_mul(1.0, &view(a, p, k), &view(a, p, k).t(), 0.0, &mut view_mut(sa, p, p));
    general_mat_mul(1.0, &view(d, p, f), &view(d, p, f).t(), 0.0, &mut view_mut(sd, p, p));
    sa.iter().zip(sd.iter()).map(|(&x, &y)| (f64::from(x) + bias) * f64::from(y)).sum()
}

/// sum_kf w_kf a_k^2 d_f^2 + sum_f wb_f d_f^2: a dense layer's weighted norm without forming a d^T.
fn weighted_outer_norm(a: &[f32], d: &[f32], w: &[f32], wb: Option<&[f32]>, d2: &mut [f32]) -> f64 {
    d2.iter_mut().zip(d).for_each(|(s, &v)| *s = v * v);
    let rows = a.iter().zip(w.chunks_exact(d.len()));
    let weights: f64 = rows
        .filter(|(a, _)| **a != 0.0)
        .map(|(&a, row)| f64::from(a * a) * f64::from(kernels::dot(row, d2)))
        .sum();
    weights + wb.map_or(0.0, |wb| f64::from(kernels::dot(wb, d2)))
}

/// sum_j w_j g_j^2.
fn weighted(g: &[f32], w: &[f32]) -> f64 {
    g.iter().zip(w).map(|(&g, &w)| f64::from(w) * f64::from(g) * f64::from(g)).sum()
}
