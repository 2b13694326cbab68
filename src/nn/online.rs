//! Online SGD (B = 1, no momentum) without forming the gradient vector: for one example a dense layer's
//! weight gradient is the outer product a delta^T, so the update is a rank-one correction of W, and the
//! update statistics follow from the factors:
//! |g|^2 = sum_l (|a_l|^2 + 1) |delta_l|^2 and g . g' = sum_l (a_l . a'_l + 1)(delta_l . delta'_l),
//! the `+ 1` standing for the bias. This halves the memory traffic of a step against gradient + update.

use super::kernels::{self, axpy, dot};
use super::mlp::Workspace;
use super::network::{Network, Op, Shape};
use super::{Layer, Mlp};
use crate::data::Examples;

/// The factors of the previous step's gradient: each layer's input and error; and the dense network
/// with its one-example buffers.
#[derive(Debug, Clone)]
pub struct OnlineStep {
    net: Mlp,
    ws: Workspace,
    inputs: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
    has_previous: bool,
}

/// What one online step reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// The example's loss before the update.
    pub loss: f64,
    /// g . g_previous (0 for the first step).
    pub dot_previous: f64,
    /// |g|^2.
    pub squared_norm: f64,
}

impl OnlineStep {
    /// Buffers for `net`, when it is a multilayer perceptron (dense layers on a vector input); conv
    /// and pooling layers have no rank-one gradient, so they train through the batch path.
    pub fn new(net: &Network) -> Option<Self> {
        let dense = matches!(net.input, Shape::Flat(_)) && net.layers.iter().all(|l| l.op == Op::Dense);
        if !dense {
            return None;
        }
        let layers: Vec<Layer> = net.parameter_layers().copied().collect();
        let mlp = Mlp { layers, activation: net.activation, loss: net.loss, params: net.params };
        Some(OnlineStep {
            ws: Workspace::new(&mlp, 1),
            inputs: mlp.layers.iter().map(|l| vec![0.0; l.fan_in]).collect(),
            deltas: mlp.layers.iter().map(|l| vec![0.0; l.fan_out]).collect(),
            net: mlp,
            has_previous: false,
        })
    }

    /// Forgets the previous step (at an epoch boundary, where the statistics restart).
    pub fn reset(&mut self) {
        self.has_previous = false;
    }

    /// One SGD step on the example `row` of `data`, updating `params` in place.
    pub fn step(
        &mut self,
        params: &mut [f32],
        data: &Examples,
        row: usize,
        lr: f32,
        decay: f32,
    ) -> StepReport {
        let (net, ws) = (&self.net, &mut self.ws);
        ws.load(data, &[row]);
        let loss = net.forward_and_output_error(params, ws, 1);
        let (mut gg, mut gp) = (0.0f64, 0.0f64);
        for (l, layer) in net.layers.iter().enumerate().rev() {
            let bias = if layer.bias.is_some() { 1.0 } else { 0.0 };
            let (input, delta) = ws.layer_factors(l);
            let (aa, dd) = (f64::from(dot(input, input)), f64::from(dot(delta, delta)));
            gg += (aa + bias) * dd;
            if self.has_previous {
                let ap = f64::from(dot(input, &self.inputs[l]));
                let dp = f64::from(dot(delta, &self.deltas[l]));
                gp += (ap + bias) * dp;
            }
            self.inputs[l].copy_from_slice(input);
            self.deltas[l].copy_from_slice(delta);
            // The error sent back must use the weights before this step changes them.
            if l > 0 {
                ws.propagate_single(net, params, l);
            }
            rank_one_update(layer, params, &self.inputs[l], &self.deltas[l], lr, decay);
        }
        self.has_previous = true;
        StepReport { loss, dot_previous: gp, squared_norm: gg }
    }
}

/// W <- (1 - lr decay) W - lr a delta^T and b <- b - lr delta.
fn rank_one_update(layer: &Layer, params: &mut [f32], a: &[f32], delta: &[f32], lr: f32, decay: f32) {
    let w = &mut params[layer.weights..layer.weights + layer.fan_in * layer.fan_out];
    // One kernel call for the whole matrix: a call per row would cost as much as the row's work.
    kernels::rank_one_update(w, a, delta, -lr, 1.0 - lr * decay);
    if let Some(o) = layer.bias {
        axpy(-lr, delta, &mut params[o..o + layer.fan_out]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Targets;
    use crate::nn::{Loss, Sgd, initialize};
    use crate::spec::{Activation, Init};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn online_steps_match_gradient_then_update() {
        for (loss, decay) in [(Loss::CrossEntropy, 0.0), (Loss::MeanSquared, 0.01)] {
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            let net = Mlp::new(5, &[7, 6], 3, Activation::Tanh, true, loss);
            let init = initialize(&net, Init::Xavier, &mut rng);
            let x = Array2::from_shape_fn((12, 5), |_| rng.random_range(-1.0f32..1.0));
            let y = match loss {
                Loss::CrossEntropy => Targets::Classes((0..12).map(|i| i % 3).collect()),
                Loss::MeanSquared => {
                    Targets::Values(Array2::from_shape_fn((12, 3), |_| rng.random_range(-1.0f32..1.0)))
                }
            };
            let data = Examples { x, y };
            let (mut fast, mut slow) = (init.clone(), init);
            let mut online = OnlineStep::new(&Network::mlp(5, &[7, 6], 3, Activation::Tanh, true, loss))
                .expect("dense layers on a vector");
            let mut sgd = Sgd::new(&net, 0.1, 0.0, f64::from(decay));
            let mut ws = Workspace::new(&net, 1);
            let (mut grad, mut previous) = (vec![0.0f32; net.params], vec![0.0f32; net.params]);
            for i in 0..12 {
                ws.load(&data, &[i]);
                let report = online.step(&mut fast, &data, i, 0.1, decay);
                let loss = net.loss_and_gradient(&slow, &mut ws, 1, &mut grad);
                let (dot, gg) = sgd.step_observing(&mut slow, &grad, &previous);
                std::mem::swap(&mut grad, &mut previous);
                assert!((report.loss - loss).abs() < 1e-6 * loss.abs().max(1.0));
                assert!((report.squared_norm - gg).abs() < 1e-5 * gg);
                if i > 0 {
                    assert!(
                        (report.dot_previous - dot).abs() < 1e-5 * gg.max(dot.abs()),
                        "{} vs {dot}",
                        report.dot_previous
                    );
                }
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() < 1e-5, "{loss:?} step {i}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn networks_with_conv_layers_have_no_online_step() {
        use crate::nn::network::{LayerSpec, Padding};
        let input = Shape::Image { channels: 1, height: 4, width: 4 };
        let layers = [
            LayerSpec::Conv { filters: 2, kernel: 3, stride: 1, padding: Padding::Same },
            LayerSpec::Flatten,
        ];
        let net = Network::new(input, &layers, 3, Activation::Relu, true, Loss::CrossEntropy).unwrap();
        assert!(OnlineStep::new(&net).is_none());
        assert!(
            OnlineStep::new(&Network::mlp(4, &[3], 2, Activation::Relu, true, Loss::CrossEntropy)).is_some()
        );
    }
}
