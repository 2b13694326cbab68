//! The R-passes of [`FullLoss`](super::FullLoss): directional derivatives R{.} = d/dt (.)(theta + t v)
//! at t = 0 through every layer kind, after an ordinary forward and backward pass of the same chunk.
//!
//! With x the input of a conv or dense layer (a conv layer's unfolded windows), z = x W + b, a = f(z)
//! where the layer is activated, delta = dLoss/dz, and v = (V, c):
//! - forward: R{z} = R{x} W + x V + c, R{a} = f'(z) R{z}; max pooling gathers R{input} at the stored
//!   argmax, flatten transposes it; R{x} = 0 up to the first layer with parameters;
//! - output: as `nn::hvp` (the softmax Jacobian, or 2 R{z} / (b k));
//! - backward: (Hv)_W = R{x}^T delta + x^T R{delta}, (Hv)_b = sum R{delta}; the input's R-error is
//!   R{delta} W^T + delta V^T (folded back by col2im for conv), R{delta} scattered through the argmax
//!   for max pooling, transposed for flatten; then R{delta_prev} = f' R{e} + f''/f' R{z} delta_prev.

use super::backward::send_back;
use super::conv::{Window, col2im, im2col};
use super::forward::flatten;
use super::pool::gather;
use super::{HvpWorkspace, Network, Op};
use crate::nn::Loss;
use crate::nn::hvp::{add_curvature_term, gemm, softmax_jacobian_times};
use crate::nn::mlp::{derivative, propagate, view, weight_gradient};

/// R{z} of every layer and R{a} of the activated ones.
pub(super) fn r_forward(net: &Network, params: &[f32], hw: &mut HvpWorkspace, b: usize) {
    for (l, layer) in net.layers.iter().enumerate() {
        let (in_len, out_len) = (b * layer.input.features(), b * layer.output.features());
        let (rz_before, rz_after) = hw.rz.split_at_mut(l);
        let rz = &mut rz_after[0][..out_len];
        let r_in = r_input(net, rz_before, &hw.ra, l, in_len);
        match (layer.op, &layer.block, r_in) {
            (Op::Conv { .. } | Op::Dense, Some(block), r_in) => {
                let (fi, fo) = (block.fan_in, block.fan_out);
                let (x, r_x, rows) = if let Op::Conv { .. } = layer.op {
                    let window = Window::of(layer);
                    let rows = b * window.positions();
                    let rcols = &mut hw.rcols[l][..rows * fi];
                    if let Some(r_in) = r_in {
                        im2col(&window, r_in, b, rcols);
                    }
                    (&hw.ws.cols[l][..rows * fi], r_in.map(|_| &*rcols), rows)
                } else {
                    (hw.ws.layer_input(l, in_len), r_in, b)
                };
                match block.b(&hw.v) {
                    Some(c) => rz.chunks_exact_mut(fo).for_each(|row| row.copy_from_slice(c)),
                    None => rz.fill(0.0),
                }
                gemm(view(x, rows, fi), view(block.w(&hw.v), fi, fo), 1.0, rz, rows, fo);
                if let Some(r_x) = r_x {
                    gemm(view(r_x, rows, fi), view(block.w(params), fi, fo), 1.0, rz, rows, fo);
                }
            }
            (_, _, None) => rz.fill(0.0),
            (Op::MaxPool { .. }, _, Some(r_in)) => {
                gather(r_in, &hw.ws.argmax[l], in_len / b, out_len / b, b, rz)
            }
            (Op::Flatten, _, Some(r_in)) => flatten(layer, r_in, b, rz),
            (Op::Conv { .. } | Op::Dense, None, Some(_)) => {
                unreachable!("conv and dense layers have a block")
            }
        }
        if layer.activated {
            let ra = &mut hw.ra[l][..out_len];
            ra.copy_from_slice(rz);
            derivative(net.activation, &hw.ws.acts[l][..out_len], ra);
        }
    }
}

/// R{delta_L}: the loss Hessian with respect to the outputs times R{z_L}, divided by b.
pub(super) fn r_output(net: &Network, hw: &mut HvpWorkspace, b: usize) {
    let last = net.layers.len() - 1;
    let k = net.outputs();
    let rz = &hw.rz[last][..b * k];
    let rdelta = &mut hw.rdelta[last][..b * k];
    match net.loss {
        Loss::MeanSquared => {
            let scale = 2.0 / (b * k) as f32;
            rdelta.iter_mut().zip(rz).for_each(|(d, &r)| *d = scale * r);
        }
        Loss::CrossEntropy => {
            let rows = hw.ws.acts[last][..b * k].chunks_exact(k).zip(rz.chunks_exact(k));
            for ((logits, rz), d) in rows.zip(rdelta.chunks_exact_mut(k)) {
                softmax_jacobian_times(logits, rz, 1.0 / b as f32, d);
            }
        }
    }
}

/// (Hv) of every layer's parameters, and R{delta} sent back down to the first layer with parameters.
pub(super) fn r_backward(net: &Network, params: &[f32], hw: &mut HvpWorkspace, b: usize) {
    let first = net.first_parameter_layer();
    for (l, layer) in net.layers.iter().enumerate().rev() {
        let (in_len, out_len) = (b * layer.input.features(), b * layer.output.features());
        let delta = &hw.ws.deltas[l][..out_len];
        let (rdelta_before, rdelta_after) = hw.rdelta.split_at_mut(l);
        let rdelta = &rdelta_after[0][..out_len];
        if let Some(block) = &layer.block {
            let (fi, fo) = (block.fan_in, block.fan_out);
            // R{x}: the R-windows of a conv layer, the R-output of the layer before a dense one.
            let (x, r_x, rows) = match layer.op {
                Op::Conv { .. } => {
                    let rows = b * layer.positions();
                    (&hw.ws.cols[l][..rows * fi], (l > first).then(|| &hw.rcols[l][..rows * fi]), rows)
                }
                _ => (hw.ws.layer_input(l, in_len), r_input(net, &hw.rz, &hw.ra, l, in_len), b),
            };
            weight_gradient(block, x, rdelta, rows, &mut hw.rgrad);
            if let Some(r_x) = r_x {
                let gw = &mut hw.rgrad[block.weights..block.weights + fi * fo];
                gemm(view(r_x, rows, fi).t(), view(delta, rows, fo), 1.0, gw, fi, fo);
            }
        }
        if l <= first {
            continue;
        }
        let into = &mut rdelta_before[l - 1][..in_len];
        match (layer.op, &layer.block) {
            (Op::Conv { .. }, Some(block)) => {
                let (window, fi, fo) = (Window::of(layer), block.fan_in, block.fan_out);
                let rows = b * window.positions();
                let dcols = &mut hw.ws.scratch[..rows * fi];
                propagate(block, params, rdelta, rows, dcols);
                gemm(view(delta, rows, fo), view(block.w(&hw.v), fi, fo).t(), 1.0, dcols, rows, fi);
                col2im(&window, dcols, b, into);
            }
            (Op::Dense, Some(block)) => {
                let (fi, fo) = (block.fan_in, block.fan_out);
                propagate(block, params, rdelta, b, into);
                gemm(view(delta, b, fo), view(block.w(&hw.v), fi, fo).t(), 1.0, into, b, fi);
            }
            _ => send_back(layer, params, rdelta, b, &mut hw.ws.scratch, &hw.ws.argmax[l], into),
        }
        if net.layers[l - 1].activated {
            let (a, d, rz) =
                (&hw.ws.acts[l - 1][..in_len], &hw.ws.deltas[l - 1][..in_len], &hw.rz[l - 1][..in_len]);
            derivative(net.activation, a, into);
            add_curvature_term(net.activation, a, d, rz, into);
        }
    }
}

/// R of layer `l`'s input (its first `len` values), None where it does not depend on the parameters:
/// the input of the network and of every layer up to the first with parameters. `rz` may hold only the
/// layers before `l`.
fn r_input<'a>(
    net: &Network,
    rz: &'a [Vec<f32>],
    ra: &'a [Vec<f32>],
    l: usize,
    len: usize,
) -> Option<&'a [f32]> {
    (l > net.first_parameter_layer()).then(|| {
        let prev = if net.layers[l - 1].activated { &ra[l - 1] } else { &rz[l - 1] };
        &prev[..len]
    })
}
