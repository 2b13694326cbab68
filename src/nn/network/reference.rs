//! Test fixture: an independent f64 network for a layer list, written apart from the library's passes:
//! direct convolution loops over channel, row, column tensors with PyTorch's indexing, flatten as the
//! identity on them, its own shapes and offsets, one example at a time.

use super::{LayerSpec, Network, Padding, Shape};
use crate::data::{Examples, Targets};
use crate::nn::Loss;
use crate::spec::Activation;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Conv { filters: usize, kernel: usize, stride: usize, pad: usize },
    Pool { size: usize },
    Flatten,
    Dense { units: usize },
}

/// One layer: its kind, (channels, rows, columns) in and out, parameter offsets, activation.
#[derive(Debug, Clone, Copy)]
struct Step {
    kind: Kind,
    input: (usize, usize, usize),
    output: (usize, usize, usize),
    weights: usize,
    bias: Option<usize>,
    activated: bool,
}

/// The f64 network; tensors are channel, row, column (a vector is n x 1 x 1).
pub(crate) struct Reference {
    steps: Vec<Step>,
    activation: Activation,
    loss: Loss,
}

impl Reference {
    pub(crate) fn of(input: Shape, layers: &[LayerSpec], outputs: usize, net: &Network) -> Self {
        let mut at = match input {
            Shape::Flat(n) => (n, 1, 1),
            Shape::Image { channels, height, width } => (channels, height, width),
        };
        let bias = net.parameter_layers().any(|l| l.bias.is_some());
        let (mut offset, mut steps) = (0, Vec::new());
        for spec in layers.iter().copied().chain([LayerSpec::Dense { units: outputs }]) {
            let (c, h, w) = at;
            let (kind, output, count) = match spec {
                LayerSpec::Conv { filters, kernel, stride, padding } => {
                    let pad = if padding == Padding::Same { (kernel - 1) / 2 } else { 0 };
                    let side = |n: usize| (n + 2 * pad - kernel) / stride + 1;
                    (
                        Kind::Conv { filters, kernel, stride, pad },
                        (filters, side(h), side(w)),
                        (kernel * kernel * c, filters),
                    )
                }
                LayerSpec::MaxPool { size } => (Kind::Pool { size }, (c, h / size, w / size), (0, 0)),
                LayerSpec::Flatten => (Kind::Flatten, (c * h * w, 1, 1), (0, 0)),
                LayerSpec::Dense { units } => (Kind::Dense { units }, (units, 1, 1), (c * h * w, units)),
            };
            let weights = offset;
            offset += count.0 * count.1;
            let has = count.1 > 0 && bias;
            let b = has.then_some(offset);
            offset += if has { count.1 } else { 0 };
            steps.push(Step { kind, input: at, output, weights, bias: b, activated: count.1 > 0 });
            at = output;
        }
        steps.last_mut().expect("the output layer").activated = false;
        assert_eq!(offset, net.params, "the reference counts the same parameters");
        Reference { steps, activation: net.activation, loss: net.loss }
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

    /// Every layer's input (index l) and the output; pre-activations; each pooling output's argmax.
    #[allow(clippy::type_complexity)]
    fn forward(&self, p: &[f64], x: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Vec<usize>>) {
        let (mut acts, mut zs, mut args) = (vec![x.to_vec()], Vec::new(), Vec::new());
        for s in &self.steps {
            let a = &acts[acts.len() - 1];
            let (oc, oh, ow) = s.output;
            let (z, arg) = match s.kind {
                Kind::Conv { .. } | Kind::Dense { .. } => {
                    let mut z: Vec<f64> =
                        (0..oc * oh * ow).map(|o| s.bias.map_or(0.0, |b| p[b + o / (oh * ow)])).collect();
                    taps(s).into_iter().for_each(|(o, k, at)| z[o] += p[k] * a[at]);
                    (z, Vec::new())
                }
                Kind::Pool { size } => pool(s, size, a),
                Kind::Flatten => (a.clone(), Vec::new()),
            };
            acts.push(if s.activated { z.iter().map(|&z| self.f(z).0).collect() } else { z.clone() });
            zs.push(z);
            args.push(arg);
        }
        (acts, zs, args)
    }

    fn example_loss(&self, p: &[f64], data: &Examples, i: usize) -> f64 {
        let x: Vec<f64> = data.x.row(i).iter().map(|&v| f64::from(v)).collect();
        let (acts, _, _) = self.forward(p, &x);
        let z = &acts[acts.len() - 1];
        match &data.y {
            Targets::Classes(c) => {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln() - z[c[i] as usize]
            }
            Targets::Values(t) => {
                z.iter().enumerate().map(|(o, v)| (v - f64::from(t[[i, o]])).powi(2)).sum::<f64>()
                    / z.len() as f64
            }
        }
    }

    /// The mean loss over `data`.
    pub(crate) fn loss(&self, p: &[f64], data: &Examples) -> f64 {
        (0..data.len()).map(|i| self.example_loss(p, data, i)).sum::<f64>() / data.len() as f64
    }

    /// The gradient of the mean loss over `data`.
    pub(crate) fn gradient(&self, p: &[f64], data: &Examples) -> Vec<f64> {
        let mut grad = vec![0.0; p.len()];
        for i in 0..data.len() {
            self.add_example(p, data, i, 1.0 / data.len() as f64, &mut grad);
        }
        grad
    }

    /// grad += weight * the gradient of example i's loss.
    pub(crate) fn add_example(&self, p: &[f64], data: &Examples, i: usize, weight: f64, grad: &mut [f64]) {
        let x: Vec<f64> = data.x.row(i).iter().map(|&v| f64::from(v)).collect();
        let (acts, zs, args) = self.forward(p, &x);
        let mut e = self.output_error(&acts[acts.len() - 1], data, i);
        for (l, s) in self.steps.iter().enumerate().rev() {
            let delta: Vec<f64> =
                if s.activated { e.iter().zip(&zs[l]).map(|(e, &z)| e * self.f(z).1).collect() } else { e };
            let a = &acts[l];
            let mut back = vec![0.0; a.len()];
            let (_, oh, ow) = s.output;
            match s.kind {
                Kind::Conv { .. } | Kind::Dense { .. } => {
                    for (o, k, at) in taps(s) {
                        grad[k] += weight * delta[o] * a[at];
                        back[at] += p[k] * delta[o];
                    }
                    if let Some(b) = s.bias {
                        delta.iter().enumerate().for_each(|(o, d)| grad[b + o / (oh * ow)] += weight * d);
                    }
                }
                Kind::Pool { .. } => args[l].iter().zip(&delta).for_each(|(&at, &d)| back[at] += d),
                Kind::Flatten => back.copy_from_slice(&delta),
            }
            e = back;
        }
    }

    /// d loss_i / d z: softmax - onehot, or 2 (z - t) / k (the mean over outputs).
    fn output_error(&self, z: &[f64], data: &Examples, i: usize) -> Vec<f64> {
        match (&data.y, self.loss) {
            (Targets::Classes(c), Loss::CrossEntropy) => {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
                let mut d: Vec<f64> = z.iter().map(|v| (v - max).exp() / sum).collect();
                d[c[i] as usize] -= 1.0;
                d
            }
            (Targets::Values(t), Loss::MeanSquared) => {
                z.iter().enumerate().map(|(o, v)| 2.0 * (v - f64::from(t[[i, o]])) / z.len() as f64).collect()
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

/// Every (output index, weight index, input index) of a conv or dense layer, z[o] += p[k] a[at], over
/// the kernel taps that fall inside the image. A conv weight [f][c][i][j] is at ((i kernel + j) c_in +
/// c) filters + f; a dense weight [in][out] at in units + out.
fn taps(s: &Step) -> Vec<(usize, usize, usize)> {
    let (c, h, w) = s.input;
    let (_, oh, ow) = s.output;
    let mut all = Vec::new();
    match s.kind {
        Kind::Conv { filters, kernel, stride, pad } => {
            for (f, y, x, ci, i, j) in grid6([filters, oh, ow, c, kernel, kernel]) {
                let (iy, ix) =
                    ((y * stride + i) as isize - pad as isize, (x * stride + j) as isize - pad as isize);
                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                    let k = s.weights + ((i * kernel + j) * c + ci) * filters + f;
                    all.push(((f * oh + y) * ow + x, k, (ci * h + iy as usize) * w + ix as usize));
                }
            }
        }
        Kind::Dense { units } => {
            for (i, o) in (0..c * h * w).flat_map(|i| (0..units).map(move |o| (i, o))) {
                all.push((o, s.weights + i * units + o, i));
            }
        }
        _ => {}
    }
    all
}

/// The maximum of each window (the first of ties, row-major) and where it was.
fn pool(s: &Step, size: usize, a: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let (_, h, w) = s.input;
    let (oc, oh, ow) = s.output;
    let mut z = vec![f64::NEG_INFINITY; oc * oh * ow];
    let mut arg = vec![0; z.len()];
    for (c, y, x, i, j, _) in grid6([oc, oh, ow, size, size, 1]) {
        let (o, at) = ((c * oh + y) * ow + x, (c * h + y * size + i) * w + x * size + j);
        if a[at] > z[o] {
            (z[o], arg[o]) = (a[at], at);
        }
    }
    (z, arg)
}

/// Every index tuple of a six-dimensional grid, the last index fastest.
fn grid6(n: [usize; 6]) -> impl Iterator<Item = (usize, usize, usize, usize, usize, usize)> {
    let total: usize = n.iter().product();
    (0..total).map(move |mut t| {
        let mut idx = [0; 6];
        for d in (0..6).rev() {
            idx[d] = t % n[d];
            t /= n[d];
        }
        (idx[0], idx[1], idx[2], idx[3], idx[4], idx[5])
    })
}
