//! Forward and backward passes of the MLP into a preallocated [`Workspace`], so a training step never
//! allocates. Activations are stored after the nonlinearity; its derivative is taken from them.

use super::loss::{self, BatchTargets};
use super::{Layer, Loss, Mlp};
use super::{kernels, split};
use crate::data::{Examples, Targets};
use crate::spec::Activation;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Buffers for batches of up to `capacity` examples: the input rows, every layer's output and error.
#[derive(Debug, Clone)]
pub struct Workspace {
    capacity: usize,
    input: Vec<f32>,
    labels: Vec<u32>,
    values: Vec<f32>,
    acts: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
}

/// Loss summed over a set of examples, and how many were classified correctly.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evaluation {
    /// Sum of per-example losses (f64 so long sums do not drift).
    pub loss_sum: f64,
    /// Examples whose largest output is their class (classification only).
    pub correct: usize,
    /// Examples evaluated.
    pub examples: usize,
}

impl Evaluation {
    /// Mean loss per example.
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.examples.max(1) as f64
    }

    /// Share classified correctly.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.examples.max(1) as f64
    }
}

impl Workspace {
    /// Buffers for `net` and batches of up to `capacity` examples.
    pub fn new(net: &Mlp, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Workspace {
            capacity,
            input: vec![0.0; capacity * net.inputs()],
            labels: vec![0; capacity],
            values: vec![0.0; capacity * net.outputs()],
            acts: net.layers.iter().map(|l| vec![0.0; capacity * l.fan_out]).collect(),
            deltas: net.layers.iter().map(|l| vec![0.0; capacity * l.fan_out]).collect(),
        }
    }

    /// Largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Copies the examples `rows` of `data` into the batch buffers.
    pub fn load(&mut self, data: &Examples, rows: &[usize]) {
        assert!(
            rows.len() <= self.capacity,
            "batch of {} exceeds workspace capacity {}",
            rows.len(),
            self.capacity
        );
        let d = data.x.ncols();
        let x = data.x.as_slice().expect("feature matrices are standard layout");
        for (dst, &r) in self.input.chunks_exact_mut(d).zip(rows) {
            dst.copy_from_slice(&x[r * d..(r + 1) * d]);
        }
        match &data.y {
            Targets::Classes(c) => {
                for (dst, &r) in self.labels.iter_mut().zip(rows) {
                    *dst = c[r];
                }
            }
            Targets::Values(v) => {
                let k = v.ncols();
                let v = v.as_slice().expect("target matrices are standard layout");
                for (dst, &r) in self.values.chunks_exact_mut(k).zip(rows) {
                    dst.copy_from_slice(&v[r * k..(r + 1) * k]);
                }
            }
        }
    }

    /// Copies the contiguous examples `start..start + len` of `data` into the batch buffers.
    pub fn load_range(&mut self, data: &Examples, start: usize, len: usize) {
        assert!(len <= self.capacity && start + len <= data.len());
        let d = data.x.ncols();
        let x = data.x.as_slice().expect("feature matrices are standard layout");
        self.input[..len * d].copy_from_slice(&x[start * d..(start + len) * d]);
        match &data.y {
            Targets::Classes(c) => self.labels[..len].copy_from_slice(&c[start..start + len]),
            Targets::Values(v) => {
                let k = v.ncols();
                let v = v.as_slice().expect("target matrices are standard layout");
                self.values[..len * k].copy_from_slice(&v[start * k..(start + len) * k]);
            }
        }
    }

    /// Layer `l`'s input and error for the first loaded example (after a forward and output-error pass).
    pub(crate) fn layer_factors(&self, l: usize) -> (&[f32], &[f32]) {
        let fan_out = self.deltas[l].len() / self.capacity;
        let input = if l == 0 { &self.input } else { &self.acts[l - 1] };
        let fan_in = input.len() / self.capacity;
        (&input[..fan_in], &self.deltas[l][..fan_out])
    }

    /// Sends the first example's error of layer `l` back to layer `l - 1` (through its activation).
    pub(crate) fn propagate_single(&mut self, net: &Mlp, params: &[f32], l: usize) {
        let layer = &net.layers[l];
        let (before, after) = self.deltas.split_at_mut(l);
        let prev = &mut before[l - 1][..layer.fan_in];
        propagate(layer, params, &after[0][..layer.fan_out], 1, prev);
        derivative(net.activation, &self.acts[l - 1][..layer.fan_in], prev);
    }

    /// The input rows, every layer's output and every layer's error (divided by the batch size) of the
    /// last `loss_and_gradient`: what the Hessian-vector products of `hvp` start from.
    pub(crate) fn passes(&self) -> (&[f32], &[Vec<f32>], &[Vec<f32>]) {
        (&self.input, &self.acts, &self.deltas)
    }

    /// The network outputs of the last forward pass (logits for classification), `b x outputs`.
    pub fn outputs(&self, b: usize, outputs: usize) -> &[f32] {
        &self.acts[self.acts.len() - 1][..b * outputs]
    }
}

impl Mlp {
    /// Mean loss of the `b` loaded examples and its gradient (the mean over the batch) into `grad`.
    pub fn loss_and_gradient(&self, params: &[f32], ws: &mut Workspace, b: usize, grad: &mut [f32]) -> f64 {
        self.forward(params, ws, b);
        let eval = self.output_error(ws, b);
        self.backward(params, ws, b, grad);
        eval.loss_sum / b as f64
    }

    /// Forward pass and output error of the `b` loaded examples; returns their mean loss.
    pub(crate) fn forward_and_output_error(&self, params: &[f32], ws: &mut Workspace, b: usize) -> f64 {
        self.forward(params, ws, b);
        self.output_error(ws, b).loss_sum / b as f64
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

    /// Squared norm of each loaded example's own loss gradient, from the buffers of the last backward
    /// pass: for a dense layer ||a_i||^2 ||delta_i||^2 for the weights plus ||delta_i||^2 for the bias.
    pub fn per_example_squared_norms(&self, ws: &Workspace, b: usize, out: &mut [f64]) {
        out[..b].fill(0.0);
        // The stored errors are divided by b (the batch mean); example i's own gradient is b times that.
        let scale = (b as f64) * (b as f64);
        for (l, layer) in self.layers.iter().enumerate() {
            let input = if l == 0 { &ws.input } else { &ws.acts[l - 1] };
            let bias = if layer.bias.is_some() { 1.0 } else { 0.0 };
            for (i, out) in out[..b].iter_mut().enumerate() {
                let a = squared_norm(&input[i * layer.fan_in..(i + 1) * layer.fan_in]);
                let d = squared_norm(&ws.deltas[l][i * layer.fan_out..(i + 1) * layer.fan_out]);
                *out += (a + bias) * d * scale;
            }
        }
    }

    fn forward(&self, params: &[f32], ws: &mut Workspace, b: usize) {
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = ws.acts.split_at_mut(l);
            let input =
                if l == 0 { &ws.input[..b * layer.fan_in] } else { &before[l - 1][..b * layer.fan_in] };
            let out = &mut after[0][..b * layer.fan_out];
            dense(layer, params, input, b, out);
            if l < last {
                activate(self.activation, out);
            }
        }
    }

    /// Writes dLoss/dlogits (already divided by b) into the last layer's error buffer.
    fn output_error(&self, ws: &mut Workspace, b: usize) -> Evaluation {
        let last = self.layers.len() - 1;
        let k = self.layers[last].fan_out;
        let targets = match self.loss {
            Loss::CrossEntropy => BatchTargets::Classes(&ws.labels[..b]),
            Loss::MeanSquared => BatchTargets::Values(&ws.values[..b * k]),
        };
        let (loss_sum, correct) =
            loss::forward_backward(&ws.acts[last][..b * k], targets, k, &mut ws.deltas[last][..b * k]);
        Evaluation { loss_sum, correct, examples: b }
    }

    fn backward(&self, params: &[f32], ws: &mut Workspace, b: usize, grad: &mut [f32]) {
        for (l, layer) in self.layers.iter().enumerate().rev() {
            let input =
                if l == 0 { &ws.input[..b * layer.fan_in] } else { &ws.acts[l - 1][..b * layer.fan_in] };
            let delta = &ws.deltas[l][..b * layer.fan_out];
            weight_gradient(layer, input, delta, b, grad);
            if l > 0 {
                let (before, after) = ws.deltas.split_at_mut(l);
                let prev = &mut before[l - 1][..b * layer.fan_in];
                propagate(layer, params, &after[0][..b * layer.fan_out], b, prev);
                derivative(self.activation, &ws.acts[l - 1][..b * layer.fan_in], prev);
            }
        }
    }
}

/// Batches below this size use the row kernels; from here on a general matrix product wins (measured
/// with `batchlab bench` on the reference model).
pub const GEMM_MIN_ROWS: usize = 16;

/// out = input . W + bias, for `b` rows.
pub(super) fn dense(layer: &Layer, params: &[f32], input: &[f32], b: usize, out: &mut [f32]) {
    match layer.b(params) {
        Some(bias) => out.chunks_exact_mut(layer.fan_out).for_each(|row| row.copy_from_slice(bias)),
        None => out.fill(0.0),
    }
    if b < GEMM_MIN_ROWS {
        return kernels::forward_rows(input, layer.w(params), layer.fan_in, layer.fan_out, out);
    }
    let a = view(input, b, layer.fan_in);
    let w = view(layer.w(params), layer.fan_in, layer.fan_out);
    split::product(a, w, 1.0, view_mut(out, b, layer.fan_out));
}

/// dW = input^T . delta and db = column sums of delta, written into `grad`.
pub(super) fn weight_gradient(layer: &Layer, input: &[f32], delta: &[f32], b: usize, grad: &mut [f32]) {
    let gw = &mut grad[layer.weights..layer.weights + layer.fan_in * layer.fan_out];
    if b < GEMM_MIN_ROWS {
        kernels::weight_gradient_rows(input, delta, layer.fan_in, layer.fan_out, gw);
    } else {
        let a = view(input, b, layer.fan_in);
        let d = view(delta, b, layer.fan_out);
        split::product(a.t(), d, 0.0, view_mut(gw, layer.fan_in, layer.fan_out));
    }
    if let Some(o) = layer.bias {
        let gb = &mut grad[o..o + layer.fan_out];
        gb.fill(0.0);
        for row in delta.chunks_exact(layer.fan_out) {
            gb.iter_mut().zip(row).for_each(|(g, d)| *g += d);
        }
    }
}

/// prev = delta . W^T (the error reaching the layer's input, before the activation derivative).
pub(super) fn propagate(layer: &Layer, params: &[f32], delta: &[f32], b: usize, prev: &mut [f32]) {
    if b < GEMM_MIN_ROWS {
        return kernels::propagate_rows(delta, layer.w(params), layer.fan_in, layer.fan_out, prev);
    }
    let d = view(delta, b, layer.fan_out);
    let w = view(layer.w(params), layer.fan_in, layer.fan_out);
    split::product(d, w.t(), 0.0, view_mut(prev, b, layer.fan_in));
}

pub(super) fn activate(activation: Activation, z: &mut [f32]) {
    match activation {
        Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
        Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
        Activation::Sigmoid => z.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
    }
}

/// delta *= f'(z), with f' written in terms of the activation a = f(z).
pub(super) fn derivative(activation: Activation, a: &[f32], delta: &mut [f32]) {
    let pairs = delta.iter_mut().zip(a);
    match activation {
        Activation::Relu => pairs.for_each(|(d, &a)| *d = if a > 0.0 { *d } else { 0.0 }),
        Activation::Tanh => pairs.for_each(|(d, &a)| *d *= 1.0 - a * a),
        Activation::Sigmoid => pairs.for_each(|(d, &a)| *d *= a * (1.0 - a)),
    }
}

pub(super) fn squared_norm(v: &[f32]) -> f64 {
    v.iter().map(|&x| f64::from(x) * f64::from(x)).sum()
}

pub(super) fn view(s: &[f32], rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), s).expect("buffer sized for its shape")
}

pub(super) fn view_mut(s: &mut [f32], rows: usize, cols: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols), s).expect("buffer sized for its shape")
}
