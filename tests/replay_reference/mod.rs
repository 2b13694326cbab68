//! The f64 reference of tests/replay.rs, written from the published formulas and nothing of batchlab's:
//! a tanh MLP in PyTorch's nn.Linear layout, softmax cross-entropy averaged over the batch with its
//! gradient, and torch.optim's SGD (Nesterov), Adam, AdamW and RMSprop, weight decay on weights only.

/// A dense layer in PyTorch's layout: `w[o * fan_in + i]`, then the bias.
#[derive(Debug, Clone)]
pub struct Layer {
    pub fan_in: usize,
    pub fan_out: usize,
    pub w: Vec<f64>,
    pub b: Vec<f64>,
}

/// A network as its layers in order: tanh after every layer but the last, whose outputs are the logits.
pub type Net = Vec<Layer>;

/// Mean over the batch of logsumexp(z) - z_y, and with `grad` the gradient of that mean added into it.
pub fn loss(net: &Net, xs: &[&[f64]], ys: &[usize], mut grad: Option<&mut Net>) -> f64 {
    let mut total = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let mut acts: Vec<Vec<f64>> = vec![x.to_vec()];
        for (k, l) in net.iter().enumerate() {
            let a = acts.last().unwrap();
            let z: Vec<f64> = (0..l.fan_out)
                .map(|o| l.b[o] + (0..l.fan_in).map(|i| l.w[o * l.fan_in + i] * a[i]).sum::<f64>())
                .collect();
            acts.push(if k + 1 < net.len() { z.iter().map(|v| v.tanh()).collect() } else { z });
        }
        let z = acts.pop().unwrap();
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
        total += max + sum.ln() - z[y];
        let Some(grad) = grad.as_deref_mut() else { continue };
        // dL/dz = (softmax - onehot) / B; back through each layer, tanh' = 1 - a^2.
        let mut delta: Vec<f64> = z.iter().map(|v| (v - max).exp() / sum / xs.len() as f64).collect();
        delta[y] -= 1.0 / xs.len() as f64;
        for (k, (l, g)) in net.iter().zip(grad.iter_mut()).enumerate().rev() {
            let a = acts.pop().unwrap();
            for (o, &d) in delta.iter().enumerate() {
                g.b[o] += d;
                (0..l.fan_in).for_each(|i| g.w[o * l.fan_in + i] += d * a[i]);
            }
            if k > 0 {
                let back = |i: usize| (0..l.fan_out).map(|o| l.w[o * l.fan_in + i] * delta[o]).sum::<f64>();
                delta = (0..l.fan_in).map(|i| (1.0 - a[i] * a[i]) * back(i)).collect();
            }
        }
    }
    total / xs.len() as f64
}

/// An update rule in PyTorch's formulas, weight decay on weights only (batchlab's convention).
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    Sgd { momentum: f64, nesterov: bool, wd: f64 },
    Adam { beta1: f64, beta2: f64, eps: f64, wd: f64, decoupled: bool },
    RmsProp { alpha: f64, eps: f64, momentum: f64, wd: f64 },
}

/// A rule with its state over the flat parameters (weights then bias of each layer).
pub struct Optimiser {
    rule: Rule,
    /// SGD's and RMSprop's momentum buffer, Adam's first moment.
    buffer: Vec<f64>,
    /// Adam's second moment, RMSprop's square average.
    square: Vec<f64>,
    t: i32,
}

impl Optimiser {
    pub fn new(rule: Rule, n: usize) -> Self {
        Optimiser { rule, buffer: vec![0.0; n], square: vec![0.0; n], t: 0 }
    }

    /// One update of `p` along the loss gradient `g` at rate `lr`; `decays[j]` when p[j] is a weight.
    pub fn step(&mut self, p: &mut [f64], g: &[f64], decays: &[bool], lr: f64) {
        self.t += 1;
        let t = self.t;
        for j in 0..p.len() {
            let (b, v) = (&mut self.buffer[j], &mut self.square[j]);
            match self.rule {
                Rule::Sgd { momentum: mu, nesterov, wd } => {
                    // torch.optim.SGD, dampening 0: d = g + wd p; b = d at t = 1, then mu b + d.
                    let d = g[j] + if decays[j] { wd * p[j] } else { 0.0 };
                    *b = if t == 1 { d } else { mu * *b + d };
                    let step = if mu == 0.0 {
                        d
                    } else if nesterov {
                        d + mu * *b
                    } else {
                        *b
                    };
                    p[j] -= lr * step;
                }
                Rule::Adam { beta1, beta2, eps, wd, decoupled } => {
                    // torch.optim.Adam (L2 in the gradient) or AdamW (p <- p (1 - lr wd) first).
                    let wd = if decays[j] { wd } else { 0.0 };
                    let d = if decoupled {
                        p[j] *= 1.0 - lr * wd;
                        g[j]
                    } else {
                        g[j] + wd * p[j]
                    };
                    *b = beta1 * *b + (1.0 - beta1) * d;
                    *v = beta2 * *v + (1.0 - beta2) * d * d;
                    let (m_hat, v_hat) = (*b / (1.0 - beta1.powi(t)), *v / (1.0 - beta2.powi(t)));
                    p[j] -= lr * m_hat / (v_hat.sqrt() + eps);
                }
                Rule::RmsProp { alpha, eps, momentum, wd } => {
                    // torch.optim.RMSprop, not centred.
                    let d = g[j] + if decays[j] { wd * p[j] } else { 0.0 };
                    *v = alpha * *v + (1.0 - alpha) * d * d;
                    let u = d / (v.sqrt() + eps);
                    *b = momentum * *b + u;
                    p[j] -= lr * if momentum > 0.0 { *b } else { u };
                }
            }
        }
    }
}

/// The flat parameters of `net` and whether each decays (weights do, biases do not).
pub fn flatten(net: &Net) -> (Vec<f64>, Vec<bool>) {
    let mut p = Vec::new();
    let mut decays = Vec::new();
    for l in net {
        p.extend(&l.w);
        decays.extend(std::iter::repeat_n(true, l.w.len()));
        p.extend(&l.b);
        decays.extend(std::iter::repeat_n(false, l.b.len()));
    }
    (p, decays)
}

/// Writes flat parameters back into `net`.
pub fn unflatten(net: &mut Net, p: &[f64]) {
    let mut at = 0;
    for l in net {
        for v in l.w.iter_mut().chain(l.b.iter_mut()) {
            *v = p[at];
            at += 1;
        }
    }
}

pub fn zeroed(net: &Net) -> Net {
    net.iter().map(|l| Layer { w: vec![0.0; l.w.len()], b: vec![0.0; l.b.len()], ..l.clone() }).collect()
}

/// Mean loss over `examples`.
pub fn mean_loss(net: &Net, examples: &[(Vec<f64>, usize)]) -> f64 {
    let xs: Vec<&[f64]> = examples.iter().map(|(x, _)| x.as_slice()).collect();
    let ys: Vec<usize> = examples.iter().map(|(_, y)| *y).collect();
    loss(net, &xs, &ys, None)
}
