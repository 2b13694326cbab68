//! The forward pass and the output error of a loaded batch, and the evaluations built on them. Conv and
//! dense layers run the dense layers' code (row kernels below `GEMM_MIN_ROWS` rows, a matrix product
//! from there): a conv layer on its unfolded windows, `b x positions` rows at once.

use super::conv::{Window, im2col, transpose_each};
use super::pool::max_pool;
use super::{NetLayer, Network, Op, Workspace};
use crate::data::Examples;
use crate::nn::loss::{self, BatchTargets};
use crate::nn::mlp::{activate, dense};
use crate::nn::{Evaluation, Loss};

impl Network {
    /// Mean loss of the `b` loaded examples and its gradient (the mean over the batch) into `grad`.
    pub fn loss_and_gradient(&self, params: &[f32], ws: &mut Workspace, b: usize, grad: &mut [f32]) -> f64 {
        self.forward(params, ws, b);
        let eval = self.output_error(ws, b);
        self.backward(params, ws, b, grad);
        eval.loss_sum / b as f64
    }

    /// Loss and correct count of the `b` loaded examples, without a backward pass.
    pub fn evaluate_loaded(&self, params: &[f32], ws: &mut Workspace, b: usize) -> Evaluation {
        self.forward(params, ws, b);
        self.output_error(ws, b)
    }

    /// Loss and accuracy over every example of `data`, in chunks of the workspace's capacity.
    pub fn evaluate(&self, params: &[f32], ws: &mut Workspace, data: &Examples) -> Evaluation {
        let mut total = Evaluation::default();
        let mut start = 0;
        while start < data.len() {
            let len = ws.capacity.min(data.len() - start);
            ws.load_range(data, start, len);
            let e = self.evaluate_loaded(params, ws, len);
            total.loss_sum += e.loss_sum;
            total.correct += e.correct;
            total.examples += len;
            start += len;
        }
        total
    }

    pub(super) fn forward(&self, params: &[f32], ws: &mut Workspace, b: usize) {
        if self.transposes_input() {
            let (h, w, c) = NetLayer::dims(self.input);
            transpose_each(&ws.input, c, h * w, b, &mut ws.image);
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = ws.acts.split_at_mut(l);
            let len = b * layer.input.features();
            let x = match l {
                0 if ws.image.is_empty() => &ws.input[..len],
                0 => &ws.image[..len],
                _ => &before[l - 1][..len],
            };
            let out = &mut after[0][..b * layer.output.features()];
            apply(layer, params, x, b, out, &mut ws.cols[l], &mut ws.argmax[l]);
            if layer.activated {
                activate(self.activation, out);
            }
        }
    }

    /// Writes dLoss/dlogits (already divided by b) into the last layer's error buffer.
    pub(super) fn output_error(&self, ws: &mut Workspace, b: usize) -> Evaluation {
        let last = self.layers.len() - 1;
        let k = self.outputs();
        let targets = match self.loss {
            Loss::CrossEntropy => BatchTargets::Classes(&ws.labels[..b]),
            Loss::MeanSquared => BatchTargets::Values(&ws.values[..b * k]),
        };
        let (loss_sum, correct) =
            loss::forward_backward(&ws.acts[last][..b * k], targets, k, &mut ws.deltas[last][..b * k]);
        Evaluation { loss_sum, correct, examples: b }
    }
}

/// One layer's output (before its activation) for `b` examples `x`.
pub(super) fn apply(
    layer: &NetLayer,
    params: &[f32],
    x: &[f32],
    b: usize,
    out: &mut [f32],
    cols: &mut [f32],
    argmax: &mut [u32],
) {
    match (layer.op, &layer.block) {
        (Op::Conv { .. }, Some(block)) => {
            let window = Window::of(layer);
            let rows = b * window.positions();
            im2col(&window, x, b, cols);
            dense(block, params, &cols[..rows * window.row_len()], rows, out);
        }
        (Op::Dense, Some(block)) => dense(block, params, x, b, out),
        (Op::MaxPool { size }, _) => max_pool(x, NetLayer::dims(layer.input), size, b, out, argmax),
        (Op::Flatten, _) => flatten(layer, x, b, out),
        (Op::Conv { .. } | Op::Dense, None) => unreachable!("conv and dense layers have a block"),
    }
}

/// Channels-last image to channel, row, column order; a vector is copied.
pub(super) fn flatten(layer: &NetLayer, x: &[f32], b: usize, out: &mut [f32]) {
    let (h, w, c) = NetLayer::dims(layer.input);
    if h * w == 1 || c == 1 {
        out.copy_from_slice(x);
    } else {
        transpose_each(x, h * w, c, b, out);
    }
}
