//! The backward pass: each layer's parameter gradient, and the error sent back to the layer before it
//! (through its activation), only as far down as the first layer with parameters.

use super::conv::{Window, col2im, transpose_each};
use super::pool::scatter;
use super::{NetLayer, Network, Op, Workspace};
use crate::nn::mlp::{derivative, propagate, weight_gradient};

impl Network {
    pub(super) fn backward(&self, params: &[f32], ws: &mut Workspace, b: usize, grad: &mut [f32]) {
        let first = self.first_parameter_layer();
        for (l, layer) in self.layers.iter().enumerate().rev() {
            if let Some(block) = &layer.block {
                let (x, rows) = match layer.op {
                    Op::Conv { .. } => (&ws.cols[l][..], b * layer.positions()),
                    _ => (ws.layer_input(l, b * layer.input.features()), b),
                };
                let delta = &ws.deltas[l][..rows * block.fan_out];
                weight_gradient(block, &x[..rows * block.fan_in], delta, rows, grad);
            }
            if l == 0 || l <= first {
                continue;
            }
            let (before, after) = ws.deltas.split_at_mut(l);
            let into = &mut before[l - 1][..b * layer.input.features()];
            send_back(layer, params, &after[0], b, &mut ws.scratch, &ws.argmax[l], into);
            if self.layers[l - 1].activated {
                derivative(self.activation, &ws.acts[l - 1][..into.len()], into);
            }
        }
    }
}

/// The error reaching layer `layer`'s input (before the previous layer's activation derivative) from
/// the error `delta` of its output: the transposed map of the layer, linear in `delta`. The R-backward
/// pass sends R{delta} back through the same map.
pub(super) fn send_back(
    layer: &NetLayer,
    params: &[f32],
    delta: &[f32],
    b: usize,
    scratch: &mut [f32],
    argmax: &[u32],
    into: &mut [f32],
) {
    let out_len = layer.output.features();
    let delta = &delta[..b * out_len];
    match (layer.op, &layer.block) {
        (Op::Conv { .. }, Some(block)) => {
            let window = Window::of(layer);
            let rows = b * window.positions();
            let dcols = &mut scratch[..rows * block.fan_in];
            propagate(block, params, delta, rows, dcols);
            col2im(&window, dcols, b, into);
        }
        (Op::Dense, Some(block)) => propagate(block, params, delta, b, into),
        (Op::MaxPool { .. }, _) => scatter(delta, argmax, out_len, into.len() / b, b, into),
        (Op::Flatten, _) => {
            let (h, w, c) = NetLayer::dims(layer.input);
            if h * w == 1 || c == 1 {
                into.copy_from_slice(delta);
            } else {
                transpose_each(delta, c, h * w, b, into);
            }
        }
        (Op::Conv { .. } | Op::Dense, None) => unreachable!("conv and dense layers have a block"),
    }
}
