//! The f64 reference and the data of tests/cnn.rs, written from the published definitions and nothing
//! of batchlab's: an image set with class-dependent strokes, a conv (cross-correlation, PyTorch's
//! [out, in, kh, kw] layout, "same" padding) -> activation -> maxpool -> flatten (C, H, W order) ->
//! dense -> activation -> dense network, softmax cross-entropy averaged over the batch, its gradient,
//! and the network as the safetensors file PyTorch's state_dict would give.

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

/// Image side, classes, conv filters and kernel, hidden units of the tests' network.
pub const SIDE: usize = 10;
pub const CLASSES: usize = 4;
pub const FILTERS: usize = 4;
pub const KERNEL: usize = 3;
pub const HIDDEN: usize = 8;
/// The side after a 2x2 max pool, and the flattened width.
pub const POOLED: usize = SIDE / 2;
pub const FLAT: usize = FILTERS * POOLED * POOLED;

/// A 64-bit LCG in [-1, 1): fixed, so the data and weights never depend on batchlab's generators.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// `n` 1 x SIDE x SIDE images, pixel (r, c) at feature r * SIDE + c, as csv text (`label` first) and
/// as the values the binary reads (the printed text narrowed to f32). Class 0 is a horizontal stroke,
/// 1 a vertical one, 2 a blob in the top-left quarter, 3 the diagonal; each shifted by up to a pixel and
/// under uniform noise of +-0.3.
pub fn images(n: usize) -> (String, Vec<Vec<f64>>, Vec<usize>) {
    let mut rng = Lcg(0x9e37_79b9_7f4a_7c15);
    let header: Vec<String> = (0..SIDE * SIDE).map(|j| format!("p{j}")).collect();
    let mut text = format!("label,{}\n", header.join(","));
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n {
        let class = (i * 5 + i / 7) % CLASSES;
        let shift = ((rng.next() + 1.0) * 1.5) as usize; // 0, 1 or 2
        let on = |r: usize, c: usize| match class {
            0 => r == 3 + shift,
            1 => c == 4 + shift,
            2 => (1 + shift..4 + shift).contains(&r) && (1..4).contains(&c),
            _ => r + shift == c + 1,
        };
        let mut printed = Vec::with_capacity(SIDE * SIDE);
        for r in 0..SIDE {
            for c in 0..SIDE {
                printed.push(format!("{:.3}", if on(r, c) { 1.0 } else { 0.0 } + 0.3 * rng.next()));
            }
        }
        text += &format!("{class},{}\n", printed.join(","));
        xs.push(printed.iter().map(|p| f64::from(p.parse::<f64>().unwrap() as f32)).collect());
        ys.push(class);
    }
    (text, xs, ys)
}

/// The activation after the conv and the hidden dense layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Act {
    Relu,
    Tanh,
}

impl Act {
    fn apply(self, z: f64) -> f64 {
        match self {
            Act::Relu => z.max(0.0),
            Act::Tanh => z.tanh(),
        }
    }

    /// The derivative from the activation's output.
    fn slope(self, a: f64) -> f64 {
        match self {
            Act::Relu => f64::from(u8::from(a > 0.0)),
            Act::Tanh => 1.0 - a * a,
        }
    }
}

/// How the reference may deliberately misread the weights, to show the comparison can fail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mistake {
    None,
    /// Kernels rotated by 180 degrees: a true convolution instead of PyTorch's cross-correlation.
    FlippedKernel,
    /// The pooled maps flattened as (H, W, C), Keras' order, instead of (C, H, W).
    FlattenHwc,
}

/// The parameters, each tensor in PyTorch's layout, in the order of the safetensors names.
#[derive(Debug, Clone)]
pub struct Cnn {
    /// [FILTERS, 1, KERNEL, KERNEL], [FILTERS], [HIDDEN, FLAT], [HIDDEN], [CLASSES, HIDDEN], [CLASSES].
    pub tensors: [Vec<f64>; 6],
}

pub const NAMES: [&str; 6] = [
    "layers.0.weight",
    "layers.0.bias",
    "layers.1.weight",
    "layers.1.bias",
    "layers.2.weight",
    "layers.2.bias",
];

pub fn shapes() -> [Vec<usize>; 6] {
    [
        vec![FILTERS, 1, KERNEL, KERNEL],
        vec![FILTERS],
        vec![HIDDEN, FLAT],
        vec![HIDDEN],
        vec![CLASSES, HIDDEN],
        vec![CLASSES],
    ]
}

impl Cnn {
    /// Uniform in +-1/sqrt(fan_in) (PyTorch's default bound), biases nonzero; rounded to f32.
    pub fn initial() -> Self {
        let mut rng = Lcg(0x2545_f491_4f6c_dd1d);
        let tensors = shapes().map(|shape| {
            let fan_in: usize = if shape.len() > 1 { shape[1..].iter().product() } else { 10 };
            let scale = 1.0 / (fan_in as f64).sqrt();
            (0..shape.iter().product()).map(|_| f64::from((scale * rng.next()) as f32)).collect()
        });
        Cnn { tensors }
    }

    pub fn zeroed(&self) -> Self {
        Cnn { tensors: self.tensors.clone().map(|t| vec![0.0; t.len()]) }
    }

    /// As a safetensors file, f32.
    pub fn encode(&self) -> Vec<u8> {
        let bytes: Vec<Vec<u8>> =
            self.tensors.iter().map(|t| t.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect()).collect();
        let views = (NAMES.iter().zip(shapes()).zip(&bytes)).map(|((name, shape), data)| {
            (name.to_string(), TensorView::new(Dtype::F32, shape, data).expect("a valid tensor"))
        });
        safetensors::serialize(views, None).expect("serialise the weights")
    }
}

/// Every tensor of a safetensors file: name, shape, values as f64; in the order of [`NAMES`], then
/// any other name sorted.
pub fn decode(bytes: &[u8]) -> Vec<(String, Vec<usize>, Vec<f64>)> {
    let file = SafeTensors::deserialize(bytes).expect("a safetensors file");
    let mut names = file.names();
    names.sort_unstable_by_key(|n| (NAMES.iter().position(|m| m == n).unwrap_or(NAMES.len()), *n));
    (names.into_iter())
        .map(|n| {
            let t = file.tensor(n).expect("a named tensor");
            assert_eq!(t.dtype(), Dtype::F32, "{n}");
            let values =
                t.data().chunks_exact(4).map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])));
            (n.to_string(), t.shape().to_vec(), values.collect())
        })
        .collect()
}

/// Forward pass of one example: the conv activations, the pooled maps flattened, the hidden
/// activations, the logits, and the flat position in the conv activations of each pooled maximum.
struct Pass {
    conv: Vec<f64>,
    flat: Vec<f64>,
    argmax: Vec<usize>,
    hidden: Vec<f64>,
    logits: Vec<f64>,
}

/// The weight of filter f at kernel (u, v), as the mistake reads it.
fn kernel_at(net: &Cnn, f: usize, u: usize, v: usize, mistake: Mistake) -> f64 {
    let (u, v) = if mistake == Mistake::FlippedKernel { (KERNEL - 1 - u, KERNEL - 1 - v) } else { (u, v) };
    net.tensors[0][(f * KERNEL + u) * KERNEL + v]
}

/// The input pixel under kernel (u, v) at output (r, c) with "same" padding: zero outside.
fn pixel(x: &[f64], r: usize, c: usize, u: usize, v: usize) -> f64 {
    let (rr, cc) = ((r + u).wrapping_sub(KERNEL / 2), (c + v).wrapping_sub(KERNEL / 2));
    if rr < SIDE && cc < SIDE { x[rr * SIDE + cc] } else { 0.0 }
}

/// Position in the flattened vector of channel f, row r, column c of the pooled maps.
fn flat_index(f: usize, r: usize, c: usize, mistake: Mistake) -> usize {
    match mistake {
        Mistake::FlattenHwc => (r * POOLED + c) * FILTERS + f,
        _ => (f * POOLED + r) * POOLED + c,
    }
}

fn dense(w: &[f64], b: &[f64], a: &[f64]) -> Vec<f64> {
    (0..b.len()).map(|o| b[o] + (0..a.len()).map(|i| w[o * a.len() + i] * a[i]).sum::<f64>()).collect()
}

fn forward(net: &Cnn, x: &[f64], act: Act, mistake: Mistake) -> Pass {
    let mut conv = vec![0.0; FILTERS * SIDE * SIDE];
    for f in 0..FILTERS {
        for (r, c) in (0..SIDE).flat_map(|r| (0..SIDE).map(move |c| (r, c))) {
            let mut z = net.tensors[1][f];
            for (u, v) in (0..KERNEL).flat_map(|u| (0..KERNEL).map(move |v| (u, v))) {
                z += kernel_at(net, f, u, v, mistake) * pixel(x, r, c, u, v);
            }
            conv[(f * SIDE + r) * SIDE + c] = act.apply(z);
        }
    }
    let (mut flat, mut argmax) = (vec![0.0; FLAT], vec![0; FLAT]);
    for f in 0..FILTERS {
        for (r, c) in (0..POOLED).flat_map(|r| (0..POOLED).map(move |c| (r, c))) {
            let window =
                [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(dr, dc)| (f * SIDE + 2 * r + dr) * SIDE + 2 * c + dc);
            let best = window.into_iter().fold(window[0], |m, k| if conv[k] > conv[m] { k } else { m });
            let j = flat_index(f, r, c, mistake);
            (flat[j], argmax[j]) = (conv[best], best);
        }
    }
    let hidden: Vec<f64> =
        dense(&net.tensors[2], &net.tensors[3], &flat).into_iter().map(|z| act.apply(z)).collect();
    let logits = dense(&net.tensors[4], &net.tensors[5], &hidden);
    Pass { conv, flat, argmax, hidden, logits }
}

/// Mean over the batch of logsumexp(z) - z_y; with `grad`, the gradient of that mean added into it.
pub fn loss(
    net: &Cnn,
    xs: &[&[f64]],
    ys: &[usize],
    act: Act,
    mistake: Mistake,
    mut grad: Option<&mut Cnn>,
) -> f64 {
    let mut total = 0.0;
    let n = xs.len() as f64;
    for (x, &y) in xs.iter().zip(ys) {
        let p = forward(net, x, act, mistake);
        let max = p.logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = p.logits.iter().map(|z| (z - max).exp()).sum();
        total += max + sum.ln() - p.logits[y];
        let Some(g) = grad.as_deref_mut() else { continue };
        let mut d_logits: Vec<f64> = p.logits.iter().map(|z| (z - max).exp() / sum / n).collect();
        d_logits[y] -= 1.0 / n;
        let d_hidden = back_dense(net, g, 4, &d_logits, &p.hidden);
        let d_hidden: Vec<f64> = d_hidden.iter().zip(&p.hidden).map(|(d, a)| d * act.slope(*a)).collect();
        let d_flat = back_dense(net, g, 2, &d_hidden, &p.flat);
        let mut d_conv = vec![0.0; p.conv.len()];
        for (j, d) in d_flat.iter().enumerate() {
            d_conv[p.argmax[j]] += d;
        }
        back_conv(g, x, &p.conv, &d_conv, act, mistake);
    }
    total / n
}

/// Adds the gradient of dense tensors `w_at`, `w_at + 1` for output error `d` and input `a` into `g`;
/// returns the error of the input.
fn back_dense(net: &Cnn, g: &mut Cnn, w_at: usize, d: &[f64], a: &[f64]) -> Vec<f64> {
    for (o, &d_o) in d.iter().enumerate() {
        g.tensors[w_at + 1][o] += d_o;
        (0..a.len()).for_each(|i| g.tensors[w_at][o * a.len() + i] += d_o * a[i]);
    }
    (0..a.len()).map(|i| (0..d.len()).map(|o| net.tensors[w_at][o * a.len() + i] * d[o]).sum()).collect()
}

fn back_conv(g: &mut Cnn, x: &[f64], conv: &[f64], d_conv: &[f64], act: Act, mistake: Mistake) {
    for f in 0..FILTERS {
        for (r, c) in (0..SIDE).flat_map(|r| (0..SIDE).map(move |c| (r, c))) {
            let k = (f * SIDE + r) * SIDE + c;
            let dz = d_conv[k] * act.slope(conv[k]);
            g.tensors[1][f] += dz;
            for (u, v) in (0..KERNEL).flat_map(|u| (0..KERNEL).map(move |v| (u, v))) {
                let (uu, vv) =
                    if mistake == Mistake::FlippedKernel { (KERNEL - 1 - u, KERNEL - 1 - v) } else { (u, v) };
                g.tensors[0][(f * KERNEL + uu) * KERNEL + vv] += dz * pixel(x, r, c, u, v);
            }
        }
    }
}

/// Mean loss over `examples`.
pub fn mean_loss(net: &Cnn, examples: &[(Vec<f64>, usize)], act: Act, mistake: Mistake) -> f64 {
    let xs: Vec<&[f64]> = examples.iter().map(|(x, _)| x.as_slice()).collect();
    let ys: Vec<usize> = examples.iter().map(|(_, y)| *y).collect();
    loss(net, &xs, &ys, act, mistake, None)
}
