//! Stochastic gradient descent with heavy-ball momentum and weight decay, in PyTorch's convention:
//! v <- momentum v + (g + weight_decay w); theta <- theta - lr v. Decay applies to weights, not biases.

use super::{Mlp, kernels};

/// The optimiser and its state.
#[derive(Debug, Clone)]
pub struct Sgd {
    learning_rate: f32,
    momentum: f32,
    weight_decay: f32,
    velocity: Vec<f32>,
    decays: Vec<bool>,
}

impl Sgd {
    /// An optimiser for `net`'s parameters.
    pub fn new(net: &Mlp, learning_rate: f64, momentum: f64, weight_decay: f64) -> Self {
        let mut decays = vec![false; net.params];
        for layer in &net.layers {
            decays[layer.weights..layer.weights + layer.fan_in * layer.fan_out].fill(true);
        }
        Sgd {
            learning_rate: learning_rate as f32,
            momentum: momentum as f32,
            weight_decay: weight_decay as f32,
            velocity: if momentum > 0.0 { vec![0.0; net.params] } else { Vec::new() },
            decays,
        }
    }

    /// One update of `params` along `grad` (the loss gradient, without decay).
    pub fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        let (lr, mu, wd) = (self.learning_rate, self.momentum, self.weight_decay);
        match (self.velocity.is_empty(), wd == 0.0) {
            (true, true) => params.iter_mut().zip(grad).for_each(|(p, g)| *p -= lr * g),
            (true, false) => {
                for ((p, g), &d) in params.iter_mut().zip(grad).zip(&self.decays) {
                    *p -= lr * (g + if d { wd * *p } else { 0.0 });
                }
            }
            (false, _) => {
                for (((p, g), v), &d) in params.iter_mut().zip(grad).zip(&mut self.velocity).zip(&self.decays)
                {
                    *v = mu * *v + g + if d { wd * *p } else { 0.0 };
                    *p -= lr * *v;
                }
            }
        }
    }

    /// [`Sgd::step`], returning (grad . previous, grad . grad) for the update statistics; plain SGD does
    /// both in one pass over the vectors.
    pub fn step_observing(&mut self, params: &mut [f32], grad: &[f32], previous: &[f32]) -> (f64, f64) {
        if self.velocity.is_empty() && self.weight_decay == 0.0 {
            return kernels::descend_and_observe(params, grad, previous, self.learning_rate);
        }
        self.step(params, grad);
        kernels::dot_and_squared_norm(grad, previous)
    }

    /// Bytes of optimiser state.
    pub fn state_bytes(&self) -> usize {
        self.velocity.len() * std::mem::size_of::<f32>() + self.decays.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Loss;
    use crate::spec::Activation;

    #[test]
    fn momentum_accumulates_and_decay_spares_the_bias() {
        // One weight and one bias; g = 1 for both, lr 0.1, momentum 0.5, decay 0.1.
        let net = Mlp::new(1, &[], 1, Activation::Relu, true, Loss::MeanSquared);
        let mut sgd = Sgd::new(&net, 0.1, 0.5, 0.1);
        let mut p = vec![1.0f32, 1.0];
        sgd.step(&mut p, &[1.0, 1.0]);
        // v = 1 + 0.1 * 1 = 1.1 for the weight and 1 for the bias.
        assert!((p[0] - 0.89).abs() < 1e-6 && (p[1] - 0.9).abs() < 1e-6);
        sgd.step(&mut p, &[1.0, 1.0]);
        // v = 0.5 * 1.1 + 1 + 0.1 * 0.89 = 1.639 and 0.5 * 1 + 1 = 1.5.
        assert!((p[0] - (0.89 - 0.1639)).abs() < 1e-6 && (p[1] - 0.75).abs() < 1e-6);
    }
}
