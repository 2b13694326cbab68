//! Test fixtures: an independent f64 implementation of the network's mean loss gradient (plain loops,
//! one example at a time, its own parameter offsets), tiny networks with data, and explicit Hessians
//! built column by column from the products under test.

use super::{FullLoss, HvpWorkspace, Loss, Mlp, initialize};
use crate::data::{Examples, Targets};
use crate::spec::{Activation, Init};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A tiny network `3 -> hidden -> 3` at perturbed Xavier weights, and `n` random examples.
pub(crate) fn tiny(
    hidden: &[usize],
    activation: Activation,
    loss: Loss,
    bias: bool,
    n: usize,
) -> (Mlp, Vec<f32>, Examples) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let net = Mlp::new(3, hidden, 3, activation, bias, loss);
    let mut params = initialize(&net, Init::Xavier, &mut rng);
    params.iter_mut().for_each(|p| *p += rng.random_range(-0.3f32..0.3));
    let x = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.5f32..1.5));
    let y = match loss {
        Loss::CrossEntropy => Targets::Classes((0..n).map(|_| rng.random_range(0..3)).collect()),
        Loss::MeanSquared => {
            Targets::Values(Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f32..1.0)))
        }
    };
    (net, params, Examples { x, y })
}

/// Every configuration the products must handle: activation x loss x depth x bias.
pub(crate) fn configurations() -> Vec<(Vec<usize>, Activation, Loss, bool)> {
    let mut all = Vec::new();
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
            for hidden in [vec![4, 3], vec![]] {
                for bias in [true, false] {
                    all.push((hidden.clone(), activation, loss, bias));
                }
            }
        }
    }
    all
}

/// H with column j = H e_j from `loss.hvp`.
pub(crate) fn explicit_hessian(loss: &FullLoss<'_>) -> Vec<Vec<f64>> {
    let p = loss.net.params;
    let mut ws = HvpWorkspace::new(loss.net);
    let mut e = vec![0.0; p];
    let mut columns = vec![vec![0.0; p]; p];
    for (j, column) in columns.iter_mut().enumerate() {
        e[j] = 1.0;
        loss.hvp(&e, &mut ws, column);
        e[j] = 0.0;
    }
    columns
}

/// The network of `net`'s shape in f64, written apart from the library's passes.
pub(crate) struct Reference {
    widths: Vec<usize>,
    bias: bool,
    activation: Activation,
    loss: Loss,
}

impl Reference {
    pub(crate) fn of(net: &Mlp) -> Self {
        let mut widths = vec![net.inputs()];
        widths.extend(net.layers.iter().map(|l| l.fan_out));
        Reference { widths, bias: net.layers[0].bias.is_some(), activation: net.activation, loss: net.loss }
    }

    /// (weight offset, bias offset) of each layer: weights in x out row-major, then the bias.
    fn offsets(&self) -> Vec<(usize, Option<usize>)> {
        let mut at = 0;
        let mut out = Vec::new();
        for w in self.widths.windows(2) {
            let weights = at;
            at += w[0] * w[1];
            let bias = self.bias.then_some(at);
            at += if self.bias { w[1] } else { 0 };
            out.push((weights, bias));
        }
        out
    }

    fn f(&self, z: f64) -> (f64, f64) {
        match self.activation {
            Activation::Relu => (z.max(0.0), if z > 0.0 { 1.0 } else { 0.0 }),
            Activation::Tanh => (z.tanh(), 1.0 - z.tanh().powi(2)),
            Activation::Sigmoid => {
                let s = 1.0 / (1.0 + (-z).exp());
                (s, s * (1.0 - s))
            }
        }
    }

    /// The gradient of the mean loss over `data` at `params`.
    pub(crate) fn gradient(&self, params: &[f64], data: &Examples) -> Vec<f64> {
        let mut grad = vec![0.0; params.len()];
        for i in 0..data.len() {
            self.add_example(params, data, i, 1.0 / data.len() as f64, &mut grad);
        }
        grad
    }

    /// grad += weight * the gradient of example i's loss.
    pub(crate) fn add_example(
        &self,
        params: &[f64],
        data: &Examples,
        i: usize,
        weight: f64,
        grad: &mut [f64],
    ) {
        let offsets = self.offsets();
        let layers = offsets.len();
        let mut acts: Vec<Vec<f64>> = vec![data.x.row(i).iter().map(|&v| f64::from(v)).collect()];
        let mut slopes: Vec<Vec<f64>> = Vec::new();
        for (l, &(w, b)) in offsets.iter().enumerate() {
            let (fi, fo) = (self.widths[l], self.widths[l + 1]);
            let z: Vec<f64> = (0..fo)
                .map(|o| {
                    b.map_or(0.0, |b| params[b + o])
                        + (0..fi).map(|j| acts[l][j] * params[w + j * fo + o]).sum::<f64>()
                })
                .collect();
            if l + 1 < layers {
                let (a, s): (Vec<f64>, Vec<f64>) = z.iter().map(|&z| self.f(z)).unzip();
                acts.push(a);
                slopes.push(s);
            } else {
                acts.push(z);
            }
        }
        let mut delta = self.output_error(&acts[layers], data, i);
        for (l, &(w, b)) in offsets.iter().enumerate().rev() {
            let (fi, fo) = (self.widths[l], self.widths[l + 1]);
            for j in 0..fi {
                for o in 0..fo {
                    grad[w + j * fo + o] += weight * acts[l][j] * delta[o];
                }
            }
            if let Some(b) = b {
                (0..fo).for_each(|o| grad[b + o] += weight * delta[o]);
            }
            if l > 0 {
                delta = (0..fi)
                    .map(|j| {
                        slopes[l - 1][j] * (0..fo).map(|o| params[w + j * fo + o] * delta[o]).sum::<f64>()
                    })
                    .collect();
            }
        }
    }

    /// d loss_i / d z: softmax - onehot, or 2 (z - t) / k (the mean over outputs).
    fn output_error(&self, z: &[f64], data: &Examples, i: usize) -> Vec<f64> {
        let k = z.len();
        match (&data.y, self.loss) {
            (Targets::Classes(c), Loss::CrossEntropy) => {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                let mut d: Vec<f64> = z.iter().map(|v| (v - max).exp() / sum).collect();
                d[c[i] as usize] -= 1.0;
                d
            }
            (Targets::Values(t), Loss::MeanSquared) => {
                (0..k).map(|o| 2.0 * (z[o] - f64::from(t[[i, o]])) / k as f64).collect()
            }
            _ => panic!("targets do not match the loss"),
        }
    }

    /// (g(theta + eps v) - g(theta - eps v)) / (2 eps) in f64: H v to O(eps^2).
    pub(crate) fn central_difference(&self, params: &[f32], data: &Examples, v: &[f64]) -> Vec<f64> {
        let eps = 1e-5;
        let at = |sign: f64| -> Vec<f64> {
            let p: Vec<f64> = params.iter().zip(v).map(|(&p, &v)| f64::from(p) + sign * eps * v).collect();
            self.gradient(&p, data)
        };
        at(1.0).iter().zip(at(-1.0)).map(|(u, d)| (u - d) / (2.0 * eps)).collect()
    }
}
