//! Every optimiser against a straightforward f64 implementation of PyTorch's documented algorithm, written
//! here from the formulas (torch.optim.SGD, Adam, AdamW, RMSprop), on seeded random gradients, with
//! weights and biases (decay on weights only), nonzero decay and a learning rate that changes every step.
//!
//! Tolerance: a step rounds the parameter and its update a few times in f32 (relative 2^-24 each, the
//! update being no larger than the parameter here, and the gradients are the same f32 numbers on both
//! sides), so a step adds at most about 4 x 2^-24 (1 + |theta|) of error and s steps s times that:
//! 2.4e-7 after one step, 2.4e-5 after a hundred (measured: about 3e-8 and 6e-7). Each test also shows
//! that a reference with a deliberate mistake (Nesterov flipped, no bias correction, epsilon inside the
//! root, biases decayed) is rejected by the same check: those are 2e-2 to 0.6 off after 100 steps.

use super::{Kind, Optimizer, Settings};
use crate::nn::Loss;
use crate::nn::network::Network;
use crate::rng::{Purpose, stream};
use crate::spec::Activation;
use rand::Rng;

/// A mistake to build into the reference, to show the check can fail.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    None,
    NesterovFlipped,
    NoBiasCorrection,
    EpsilonInsideRoot,
    BiasesDecayed,
}

/// The f64 reference: PyTorch's formulas, element by element.
struct Reference {
    s: Settings,
    flaw: Flaw,
    decays: Vec<bool>,
    m: Vec<f64>,
    v: Vec<f64>,
    b: Vec<f64>,
    t: i32,
}

impl Reference {
    fn new(net: &Network, s: Settings, flaw: Flaw) -> Self {
        let mut decays = vec![flaw == Flaw::BiasesDecayed; net.params];
        for l in net.parameter_layers() {
            decays[l.weights..l.weights + l.fan_in * l.fan_out].fill(true);
        }
        let zeros = vec![0.0; net.params];
        Reference { s, flaw, decays, m: zeros.clone(), v: zeros.clone(), b: zeros, t: 0 }
    }

    fn step(&mut self, p: &mut [f64], g: &[f32], lr: f64) {
        self.t += 1;
        for i in 0..p.len() {
            let wd = if self.decays[i] { self.s.weight_decay } else { 0.0 };
            let g = f64::from(g[i]);
            p[i] = match self.s.kind {
                Kind::Sgd => self.sgd(i, p[i], g + wd * p[i], lr),
                Kind::Adam => self.adam(i, p[i], g + wd * p[i], lr),
                Kind::AdamW => self.adam(i, p[i] * (1.0 - lr * wd), g, lr),
                Kind::RmsProp => self.rmsprop(i, p[i], g + wd * p[i], lr),
            };
        }
    }

    /// b_t = mu b_{t-1} + d (b_1 = d); step d + mu b_t with Nesterov, b_t without.
    fn sgd(&mut self, i: usize, p: f64, d: f64, lr: f64) -> f64 {
        let mu = self.s.momentum;
        if mu == 0.0 {
            return p - lr * d;
        }
        self.b[i] = if self.t == 1 { d } else { mu * self.b[i] + d };
        let nesterov = self.s.nesterov != (self.flaw == Flaw::NesterovFlipped);
        p - lr * if nesterov { d + mu * self.b[i] } else { self.b[i] }
    }

    /// m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).
    fn adam(&mut self, i: usize, p: f64, d: f64, lr: f64) -> f64 {
        let (b1, b2, eps) = (self.s.beta1, self.s.beta2, self.s.epsilon);
        self.m[i] = b1 * self.m[i] + (1.0 - b1) * d;
        self.v[i] = b2 * self.v[i] + (1.0 - b2) * d * d;
        let (c1, c2) = if self.flaw == Flaw::NoBiasCorrection {
            (1.0, 1.0)
        } else {
            (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t))
        };
        p - lr * (self.m[i] / c1) / (self.root(self.v[i] / c2, eps))
    }

    /// v = alpha v + (1 - alpha) d^2; u = d / (sqrt(v) + eps); b = mu b + u; theta - lr b (or lr u).
    fn rmsprop(&mut self, i: usize, p: f64, d: f64, lr: f64) -> f64 {
        let (a, eps, mu) = (self.s.alpha, self.s.epsilon, self.s.momentum);
        self.v[i] = a * self.v[i] + (1.0 - a) * d * d;
        let u = d / self.root(self.v[i], eps);
        if mu > 0.0 {
            self.b[i] = mu * self.b[i] + u;
            p - lr * self.b[i]
        } else {
            p - lr * u
        }
    }

    fn root(&self, v: f64, eps: f64) -> f64 {
        if self.flaw == Flaw::EpsilonInsideRoot { (v + eps).sqrt() } else { v.sqrt() + eps }
    }

    /// 1 / (sqrt(v_hat) + eps), the diagonal of the last update.
    fn preconditioner(&self) -> Vec<f64> {
        let c2 = if self.s.kind == Kind::RmsProp { 1.0 } else { 1.0 - self.s.beta2.powi(self.t) };
        self.v.iter().map(|v| 1.0 / ((v / c2).sqrt() + self.s.epsilon)).collect()
    }
}

fn net() -> Network {
    // 5 -> 7 -> 3 with biases: 35 + 7 + 21 + 3 = 66 parameters, four decay segments.
    Network::mlp(5, &[7], 3, Activation::Relu, true, Loss::CrossEntropy)
}

/// Gradients whose sizes span 10^-3 to 1, so epsilon matters for some parameters and not others.
fn gradient(rng: &mut impl Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| (rng.random::<f32>() - 0.5) * 2.0 * 10f32.powf(-3.0 * rng.random::<f32>())).collect()
}

/// The learning rate of step t: varies so the schedule's rate really is per update.
fn rate(base: f64, t: u64) -> f64 {
    base * (1.0 + 0.5 * (t as f64).sin())
}

/// Largest |theta_f32 - theta_f64| / (1 + |theta_f64|) after `steps` steps from the same start.
fn worst_error(net: &Network, s: Settings, lr: f64, steps: u64, flaw: Flaw) -> f64 {
    let mut rng = stream(7, 0, Purpose::Data);
    let start: Vec<f32> = (0..net.params).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
    let (mut p32, mut p64): (Vec<f32>, Vec<f64>) = (start.clone(), start.iter().map(|&x| x.into()).collect());
    let (mut opt, mut reference) = (Optimizer::new(net, &s), Reference::new(net, s, flaw));
    for t in 1..=steps {
        let g = gradient(&mut rng, net.params);
        opt.step(&mut p32, &g, rate(lr, t), t);
        reference.step(&mut p64, &g, rate(lr, t));
    }
    p32.iter().zip(&p64).map(|(&a, &b)| (f64::from(a) - b).abs() / (1.0 + b.abs())).fold(0.0, f64::max)
}

/// Error bound added per step, relative to 1 + |theta|.
const PER_STEP: f64 = 4.0 / (1u64 << 24) as f64;
const TOLERANCE_100: f64 = 100.0 * PER_STEP;

/// Agrees after 1 and 100 steps; the reference with `flaw` is rejected after 100.
fn agrees(s: Settings, lr: f64, flaw: Flaw) {
    let net = net();
    let one = worst_error(&net, s, lr, 1, Flaw::None);
    let hundred = worst_error(&net, s, lr, 100, Flaw::None);
    assert!(one <= PER_STEP, "{s:?}: one step off by {one:e}");
    assert!(hundred <= TOLERANCE_100, "{s:?}: a hundred steps off by {hundred:e}");
    if flaw != Flaw::None {
        let wrong = worst_error(&net, s, lr, 100, flaw);
        assert!(wrong > 10.0 * TOLERANCE_100, "{s:?}: the check misses {:?}: {wrong:e}", flaw as u8);
    }
}

fn settings(kind: Kind) -> Settings {
    Settings { kind, weight_decay: 0.05, ..Settings::default() }
}

#[test]
fn sgd_matches_pytorch_with_and_without_momentum_and_nesterov() {
    agrees(settings(Kind::Sgd), 0.05, Flaw::BiasesDecayed);
    let heavy_ball = Settings { momentum: 0.9, ..settings(Kind::Sgd) };
    agrees(heavy_ball, 0.05, Flaw::NesterovFlipped);
    agrees(Settings { nesterov: true, ..heavy_ball }, 0.05, Flaw::NesterovFlipped);
}

#[test]
fn adam_matches_pytorch_with_l2_decay_in_the_gradient() {
    agrees(settings(Kind::Adam), 0.01, Flaw::NoBiasCorrection);
    let other = Settings { beta1: 0.8, beta2: 0.99, epsilon: 1e-3, ..settings(Kind::Adam) };
    agrees(other, 0.01, Flaw::EpsilonInsideRoot);
}

#[test]
fn adamw_matches_pytorch_with_decoupled_decay_at_the_scheduled_rate() {
    agrees(Settings { weight_decay: 0.5, ..settings(Kind::AdamW) }, 0.01, Flaw::BiasesDecayed);
    agrees(Settings { epsilon: 1e-3, ..settings(Kind::AdamW) }, 0.01, Flaw::NoBiasCorrection);
}

#[test]
fn rmsprop_matches_pytorch_with_and_without_momentum() {
    agrees(Settings { epsilon: 1e-3, ..settings(Kind::RmsProp) }, 0.001, Flaw::EpsilonInsideRoot);
    let momentum = Settings { momentum: 0.9, alpha: 0.9, ..settings(Kind::RmsProp) };
    agrees(momentum, 0.001, Flaw::BiasesDecayed);
}

#[test]
fn a_network_without_biases_decays_everything() {
    let net = Network::mlp(4, &[3], 2, Activation::Tanh, false, Loss::MeanSquared);
    assert_eq!(super::segments(&net).len(), 1, "the weight blocks are contiguous and merge");
    for kind in [Kind::Sgd, Kind::Adam, Kind::AdamW, Kind::RmsProp] {
        let s = Settings { momentum: 0.5, ..settings(kind) };
        assert!(worst_error(&net, s, 0.01, 100, Flaw::None) <= TOLERANCE_100, "{kind:?}");
    }
}

#[test]
fn step_observing_is_step_and_the_plain_gradient_dots() {
    let net = net();
    let mut rng = stream(3, 0, Purpose::Data);
    let (g, previous) = (gradient(&mut rng, net.params), gradient(&mut rng, net.params));
    for kind in [Kind::Sgd, Kind::Adam, Kind::AdamW, Kind::RmsProp] {
        for weight_decay in [0.0, 0.1] {
            let s = Settings { weight_decay, ..Settings { kind, ..Settings::default() } };
            let (mut a, mut b) = (vec![0.5f32; net.params], vec![0.5f32; net.params]);
            let (mut oa, mut ob) = (Optimizer::new(&net, &s), Optimizer::new(&net, &s));
            let (dot, gg) = oa.step_observing(&mut a, &g, &previous, 0.1, 1);
            ob.step(&mut b, &g, 0.1, 1);
            assert_eq!(a, b, "{kind:?}");
            let exact: f64 = g.iter().zip(&previous).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
            let norm: f64 = g.iter().map(|&x| f64::from(x).powi(2)).sum();
            assert!((dot - exact).abs() <= 1e-6 * norm && (gg - norm).abs() <= 1e-6 * norm, "{kind:?}");
        }
    }
}

#[test]
fn the_preconditioner_is_one_over_root_v_hat_plus_epsilon() {
    let net = net();
    for kind in [Kind::Adam, Kind::AdamW, Kind::RmsProp] {
        let s = Settings { epsilon: 1e-3, ..settings(kind) };
        let (mut opt, mut reference) = (Optimizer::new(&net, &s), Reference::new(&net, s, Flaw::None));
        assert!(opt.preconditioner().is_none(), "nothing before the first update");
        let mut rng = stream(5, 0, Purpose::Data);
        let (mut p32, mut p64) = (vec![0.0f32; net.params], vec![0.0f64; net.params]);
        for t in 1..=5 {
            let g = gradient(&mut rng, net.params);
            opt.step(&mut p32, &g, 0.01, t);
            reference.step(&mut p64, &g, 0.01);
        }
        let expected = reference.preconditioner();
        let got: Vec<f32> = opt.preconditioner().map(Iterator::collect).unwrap_or_default();
        assert_eq!(got.len(), expected.len());
        for (a, b) in got.iter().zip(&expected) {
            assert!((f64::from(*a) - b).abs() <= 1e-5 * b, "{kind:?}: {a} vs {b}");
        }
    }
    assert!(Optimizer::new(&net, &settings(Kind::Sgd)).preconditioner().is_none());
}

#[test]
fn no_optimiser_step_allocates() {
    let net = net();
    let mut rng = stream(1, 0, Purpose::Data);
    let (g, previous) = (gradient(&mut rng, net.params), gradient(&mut rng, net.params));
    for kind in [Kind::Sgd, Kind::Adam, Kind::AdamW, Kind::RmsProp] {
        let s = Settings { momentum: 0.9, nesterov: kind == Kind::Sgd, weight_decay: 0.1, ..settings(kind) };
        let mut opt = Optimizer::new(&net, &s);
        let mut p = vec![0.1f32; net.params];
        let (sum, usage) = crate::sweep::memory::usage(|| {
            for t in 1..=10 {
                opt.step(&mut p, &g, 0.01, t);
                std::hint::black_box(opt.step_observing(&mut p, &g, &previous, 0.01, t));
            }
            opt.preconditioner().map_or(1.0, Iterator::sum::<f32>)
        });
        assert!(sum > 0.0);
        assert_eq!(usage.allocations, 0, "{kind:?}");
        // The counter does see an allocation where there is one, so the zero above means something.
        let (_, seen) = crate::sweep::memory::usage(|| Optimizer::new(&net, &s).state_bytes());
        assert!(seen.allocations > 0);
    }
}

#[test]
fn sgd_gives_the_old_optimiser_s_bits_where_both_follow_the_same_order() {
    // nn::Sgd adds the decay after the momentum term, PyTorch (and this module) before it, so the two
    // agree bit for bit without decay, or without momentum.
    let net = net();
    for (momentum, weight_decay) in [(0.0, 0.0), (0.0, 0.05), (0.9, 0.0)] {
        let mlp = crate::nn::Mlp::new(5, &[7], 3, Activation::Relu, true, Loss::CrossEntropy);
        let mut old = crate::nn::Sgd::new(&mlp, 0.05, momentum, weight_decay);
        let mut new = Optimizer::new(&net, &Settings { momentum, weight_decay, ..Settings::default() });
        let mut rng = stream(9, 0, Purpose::Data);
        let (mut a, mut b) = (vec![0.3f32; net.params], vec![0.3f32; net.params]);
        for t in 1..=20 {
            let g = gradient(&mut rng, net.params);
            old.step(&mut a, &g);
            new.step(&mut b, &g, 0.05, t);
        }
        assert_eq!(a, b, "momentum {momentum}, decay {weight_decay}");
    }
}

#[test]
fn fused_statistics_equal_the_separate_pass_to_the_bit() {
    // More than two blocks of 1024, so block boundaries cut through the weight segments.
    let net = Network::mlp(64, &[40], 10, Activation::Relu, true, Loss::CrossEntropy);
    let mut rng = stream(11, 0, Purpose::Data);
    let (g, previous) = (gradient(&mut rng, net.params), gradient(&mut rng, net.params));
    for kind in [Kind::Sgd, Kind::Adam, Kind::RmsProp] {
        let s = Settings { momentum: 0.5, ..settings(kind) };
        let mut p = vec![0.1f32; net.params];
        let observed = Optimizer::new(&net, &s).step_observing(&mut p, &g, &previous, 0.01, 1);
        assert_eq!(observed, crate::nn::kernels::dot_and_squared_norm(&g, &previous), "{kind:?}");
    }
}

#[test]
fn the_digits_network_has_four_segments_by_hand() {
    // 64 -> 64 -> 10: W1 at 0..4096, b1 4096..4160, W2 4160..4800, b2 4800..4810.
    let net = Network::mlp(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy);
    let got: Vec<_> = super::segments(&net).iter().map(|s| (s.start, s.end, s.decays)).collect();
    assert_eq!(got, [(0, 4096, true), (4096, 4160, false), (4160, 4800, true), (4800, 4810, false)]);
}
