//! Exact Hessian-vector products of the full training loss (the mean over the training set, without
//! weight decay) by Pearlmutter's R-operator: the ordinary forward and backward pass, then a forward and
//! a backward pass of directional derivatives R{.} = d/dt (.)(theta + t v) at t = 0, written by hand
//! like the backward pass, into buffers sized once. Examples go through in chunks of 256; each chunk's
//! product is accumulated in f64.
//!
//! With z_l = a_{l-1} W_l + b_l, a_l = f(z_l) on hidden layers, delta_l = dLoss/dz_l and v = (V_l, c_l):
//!
//! - forward: R{z_l} = R{a_{l-1}} W_l + a_{l-1} V_l + c_l, R{a_l} = f'(z_l) R{z_l}, R{a_0} = 0;
//! - output: cross-entropy R{delta_L} = (p (R{z_L} - p . R{z_L})) / b with p = softmax(z_L) (the softmax
//!   Jacobian), mean squared error R{delta_L} = 2 R{z_L} / (b k);
//! - backward: (Hv)_{W_l} = R{a_{l-1}}^T delta_l + a_{l-1}^T R{delta_l}, (Hv)_{b_l} = sum R{delta_l};
//!   R{e_{l-1}} = R{delta_l} W_l^T + delta_l V_l^T, R{delta_{l-1}} = f' R{e_{l-1}} + f'' R{z_{l-1}} e_{l-1}.
//!
//! The last term is written f''/f' . R{z} . delta with f''/f' in terms of the activation a: -2a for
//! tanh, 1 - 2a for the sigmoid, and 0 for ReLU, whose second derivative is zero almost everywhere (at
//! the kink it does not exist; the pass takes it as 0, so the product is the Hessian of the piecewise
//! quadratic the network is on). A ReLU network's Hessian is not zero: the cross-layer terms
//! (delta V^T, R{a}^T delta) and the loss curvature remain.
//!
//! Cost: the gradient pass (one forward, one backward) plus an R-forward of two products per layer and
//! an R-backward of four, less the terms the input layer does not need: 2.2 gradient passes in
//! multiply-adds for the digits network (64 -> 64 -> 10), tending to 3 for deep ones; measured 2.3-2.4
//! (`benches/curvature.rs`). Every matrix product goes
//! through `split::product` (ndarray's `general_mat_mul` on idle cores; matrixmultiply allocates its
//! packing buffer inside each product, as in training); the pass itself allocates nothing.

use super::mlp::{derivative, view, view_mut};
use super::{Loss, Mlp, Workspace};
use crate::data::Examples;
use crate::spec::Activation;
use ndarray::ArrayView2;

/// Examples per chunk of a full-data pass: bounds memory, as for the full-batch gradient.
pub const HVP_CHUNK: usize = 256;

/// Buffers for Hessian-vector products of one network, sized once.
#[derive(Debug, Clone)]
pub struct HvpWorkspace {
    ws: Workspace,
    v: Vec<f32>,
    rz: Vec<Vec<f32>>,
    ra: Vec<Vec<f32>>,
    rdelta: Vec<Vec<f32>>,
    grad: Vec<f32>,
    rgrad: Vec<f32>,
}

impl HvpWorkspace {
    /// Buffers for `net` and chunks of [`HVP_CHUNK`] examples.
    pub fn new(net: &Mlp) -> Self {
        let per_layer = || net.layers.iter().map(|l| vec![0.0; HVP_CHUNK * l.fan_out]).collect();
        HvpWorkspace {
            ws: Workspace::new(net, HVP_CHUNK),
            v: vec![0.0; net.params],
            rz: per_layer(),
            ra: per_layer(),
            rdelta: per_layer(),
            grad: vec![0.0; net.params],
            rgrad: vec![0.0; net.params],
        }
    }
}

/// The mean loss of a network at fixed parameters over a data set: what the products differentiate.
#[derive(Debug, Clone, Copy)]
pub struct FullLoss<'a> {
    /// The network.
    pub net: &'a Mlp,
    /// Its parameters (the point where the Hessian is taken).
    pub params: &'a [f32],
    /// The examples the loss is the mean over (the training set).
    pub data: &'a Examples,
}

impl FullLoss<'_> {
    /// H v into `out`; returns the mean loss.
    pub fn hvp(&self, v: &[f64], ws: &mut HvpWorkspace, out: &mut [f64]) -> f64 {
        self.pass(Some(v), ws, Some(out), None)
    }

    /// H v into `out` and the gradient G into `grad`, from the same pass; returns the mean loss.
    pub fn hvp_and_gradient(
        &self,
        v: &[f64],
        ws: &mut HvpWorkspace,
        out: &mut [f64],
        grad: &mut [f64],
    ) -> f64 {
        self.pass(Some(v), ws, Some(out), Some(grad))
    }

    /// The gradient G into `grad` (no product: a third of the cost); returns the mean loss.
    pub fn gradient(&self, ws: &mut HvpWorkspace, grad: &mut [f64]) -> f64 {
        self.pass(None, ws, None, Some(grad))
    }

    /// The gradient of example `i`'s own loss into `out`.
    pub fn example_gradient(&self, i: usize, ws: &mut HvpWorkspace, out: &mut [f64]) {
        ws.ws.load(self.data, &[i]);
        self.net.loss_and_gradient(self.params, &mut ws.ws, 1, &mut ws.grad);
        out.iter_mut().zip(&ws.grad).for_each(|(o, &g)| *o = f64::from(g));
    }

    fn pass(
        &self,
        v: Option<&[f64]>,
        ws: &mut HvpWorkspace,
        mut hv: Option<&mut [f64]>,
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        if let Some(v) = v {
            ws.v.iter_mut().zip(v).for_each(|(d, &s)| *d = s as f32);
        }
        hv.iter_mut().for_each(|o| o.fill(0.0));
        grad.iter_mut().for_each(|o| o.fill(0.0));
        let n = self.data.len();
        let mut loss = 0.0;
        let mut start = 0;
        while start < n {
            let b = HVP_CHUNK.min(n - start);
            let weight = b as f64 / n as f64;
            ws.ws.load_range(self.data, start, b);
            loss += weight * self.net.loss_and_gradient(self.params, &mut ws.ws, b, &mut ws.grad);
            if let Some(out) = hv.as_deref_mut() {
                r_forward(self.net, self.params, ws, b);
                r_output(self.net, ws, b);
                r_backward(self.net, self.params, ws, b);
                accumulate(out, &ws.rgrad, weight);
            }
            if let Some(out) = grad.as_deref_mut() {
                accumulate(out, &ws.grad, weight);
            }
            start += b;
        }
        loss
    }
}

pub(super) fn accumulate(out: &mut [f64], chunk: &[f32], weight: f64) {
    out.iter_mut().zip(chunk).for_each(|(o, &c)| *o += weight * f64::from(c));
}

/// R{z_l} for every layer and R{a_l} for the hidden ones.
fn r_forward(net: &Mlp, params: &[f32], ws: &mut HvpWorkspace, b: usize) {
    let (input, acts, _) = ws.ws.passes();
    let last = net.layers.len() - 1;
    for (l, layer) in net.layers.iter().enumerate() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let rz = &mut ws.rz[l][..b * fo];
        match layer.b(&ws.v) {
            Some(c) => rz.chunks_exact_mut(fo).for_each(|row| row.copy_from_slice(c)),
            None => rz.fill(0.0),
        }
        let a_prev = if l == 0 { &input[..b * fi] } else { &acts[l - 1][..b * fi] };
        gemm(view(a_prev, b, fi), view(layer.w(&ws.v), fi, fo), 1.0, rz, b, fo);
        if l > 0 {
            gemm(view(&ws.ra[l - 1][..b * fi], b, fi), view(layer.w(params), fi, fo), 1.0, rz, b, fo);
        }
        if l < last {
            let ra = &mut ws.ra[l][..b * fo];
            ra.copy_from_slice(rz);
            derivative(net.activation, &acts[l][..b * fo], ra);
        }
    }
}

/// R{delta_L}: the loss Hessian with respect to the outputs times R{z_L}, divided by b.
fn r_output(net: &Mlp, ws: &mut HvpWorkspace, b: usize) {
    let last = net.layers.len() - 1;
    let k = net.layers[last].fan_out;
    let (_, acts, _) = ws.ws.passes();
    let rz = &ws.rz[last][..b * k];
    let rdelta = &mut ws.rdelta[last][..b * k];
    match net.loss {
        Loss::MeanSquared => {
            let scale = 2.0 / (b * k) as f32;
            rdelta.iter_mut().zip(rz).for_each(|(d, &r)| *d = scale * r);
        }
        Loss::CrossEntropy => {
            let rows = acts[last][..b * k].chunks_exact(k).zip(rz.chunks_exact(k));
            for ((logits, rz), d) in rows.zip(rdelta.chunks_exact_mut(k)) {
                softmax_jacobian_times(logits, rz, 1.0 / b as f32, d);
            }
        }
    }
}

/// out = scale (diag(p) - p p^T) r with p = softmax(logits), computed stably from the largest logit.
pub(super) fn softmax_jacobian_times(logits: &[f32], r: &[f32], scale: f32, out: &mut [f32]) {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, &z| m.max(z));
    let mut sum = 0.0f32;
    for (p, &z) in out.iter_mut().zip(logits) {
        *p = (z - max).exp();
        sum += *p;
    }
    out.iter_mut().for_each(|p| *p /= sum);
    let mean: f32 = out.iter().zip(r).map(|(p, r)| p * r).sum();
    out.iter_mut().zip(r).for_each(|(p, &r)| *p *= scale * (r - mean));
}

/// (Hv) for every layer, and R{delta} sent back through the layers.
fn r_backward(net: &Mlp, params: &[f32], ws: &mut HvpWorkspace, b: usize) {
    let (input, acts, deltas) = ws.ws.passes();
    for (l, layer) in net.layers.iter().enumerate().rev() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let delta = view(&deltas[l][..b * fo], b, fo);
        let (before, after) = ws.rdelta.split_at_mut(l);
        let rdelta = &after[0][..b * fo];
        let a_prev = if l == 0 { &input[..b * fi] } else { &acts[l - 1][..b * fi] };
        let gw = &mut ws.rgrad[layer.weights..layer.weights + fi * fo];
        gemm(view(a_prev, b, fi).t(), view(rdelta, b, fo), 0.0, gw, fi, fo);
        if l > 0 {
            gemm(view(&ws.ra[l - 1][..b * fi], b, fi).t(), delta, 1.0, gw, fi, fo);
        }
        if let Some(o) = layer.bias {
            let gb = &mut ws.rgrad[o..o + fo];
            gb.fill(0.0);
            rdelta.chunks_exact(fo).for_each(|row| gb.iter_mut().zip(row).for_each(|(g, d)| *g += d));
        }
        if l == 0 {
            break;
        }
        let prev = &mut before[l - 1][..b * fi];
        gemm(view(rdelta, b, fo), view(layer.w(params), fi, fo).t(), 0.0, prev, b, fi);
        gemm(delta, view(layer.w(&ws.v), fi, fo).t(), 1.0, prev, b, fi);
        let (a, d, rz) = (&acts[l - 1][..b * fi], &deltas[l - 1][..b * fi], &ws.rz[l - 1][..b * fi]);
        derivative(net.activation, a, prev);
        add_curvature_term(net.activation, a, d, rz, prev);
    }
}

/// out += f''(z) R{z} e = (f''/f')(a) R{z} delta, since delta = f'(z) e.
pub(super) fn add_curvature_term(
    activation: Activation,
    a: &[f32],
    delta: &[f32],
    rz: &[f32],
    out: &mut [f32],
) {
    let terms = out.iter_mut().zip(a).zip(delta).zip(rz);
    match activation {
        Activation::Relu => {}
        Activation::Tanh => terms.for_each(|(((o, &a), &d), &r)| *o += -2.0 * a * r * d),
        Activation::Sigmoid => terms.for_each(|(((o, &a), &d), &r)| *o += (1.0 - 2.0 * a) * r * d),
    }
}

/// c = a . b + beta c, c being `rows x cols`.
pub(super) fn gemm(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: &mut [f32],
    rows: usize,
    cols: usize,
) {
    super::split::product(a, b, beta, view_mut(c, rows, cols));
}
