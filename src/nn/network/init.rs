//! Initial weights as PyTorch's `torch.nn.init` computes its fans: He (normal, variance 2 / fan_in) and
//! Xavier (uniform, bound sqrt(6 / (fan_in + fan_out))), where a conv layer's fan_in is input channels x
//! kernel^2 and its fan_out filters x kernel^2; or zeros. Biases start at zero. Layers draw in order
//! from one stream, so a network of dense layers starts exactly where `nn::initialize` starts an MLP.

use super::{Network, Op};
use crate::spec::Init;
use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

/// A fresh parameter vector for `net`, drawn from `rng`.
pub fn initialize(net: &Network, init: Init, rng: &mut impl Rng) -> Vec<f32> {
    let mut params = vec![0.0f32; net.params];
    for layer in &net.layers {
        let Some(block) = layer.block else { continue };
        let receptive = match layer.op {
            Op::Conv { kernel, .. } => kernel * kernel,
            _ => 1,
        };
        let (fan_in, fan_out) = (block.fan_in, block.fan_out * receptive);
        let w = &mut params[block.weights..block.weights + block.fan_in * block.fan_out];
        match init {
            Init::He => {
                let normal = Normal::new(0.0, (2.0 / fan_in as f64).sqrt()).expect("fan_in is positive");
                w.iter_mut().for_each(|v| *v = normal.sample(rng) as f32);
            }
            Init::Xavier => {
                let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
                let uniform = Uniform::new_inclusive(-bound, bound).expect("bound is finite");
                w.iter_mut().for_each(|v| *v = uniform.sample(rng) as f32);
            }
            Init::Zeros => {}
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::network::{LayerSpec, Padding, Shape};
    use crate::nn::{Loss, Mlp};
    use crate::spec::Activation;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn cnn() -> Network {
        let layers = [
            LayerSpec::Conv { filters: 40, kernel: 5, stride: 1, padding: Padding::Same },
            LayerSpec::Flatten,
        ];
        let input = Shape::Image { channels: 8, height: 4, width: 4 };
        Network::new(input, &layers, 3, Activation::Relu, true, Loss::CrossEntropy).unwrap()
    }

    #[test]
    fn conv_he_weights_have_variance_two_over_channels_times_kernel_squared() {
        // fan_in = 8 x 5 x 5 = 200: variance 0.01 over 8000 draws (standard error about 0.00016).
        let net = cnn();
        let params = initialize(&net, Init::He, &mut ChaCha8Rng::seed_from_u64(1));
        let conv = net.layers[0].block.unwrap();
        let w = conv.w(&params);
        let var = w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var - 0.01).abs() < 0.0006, "variance {var}");
        assert!(conv.b(&params).unwrap().iter().all(|&b| b == 0.0));
    }

    #[test]
    fn conv_xavier_bound_uses_pytorchs_fans() {
        // torch.nn.init.xavier_uniform_ on a [40, 8, 5, 5] weight: fan_in 200, fan_out 1000.
        let net = cnn();
        let params = initialize(&net, Init::Xavier, &mut ChaCha8Rng::seed_from_u64(1));
        let w = net.layers[0].block.unwrap().w(&params);
        let bound = (6.0f32 / 1200.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(w.iter().any(|v| v.abs() > 0.99 * bound));
    }

    #[test]
    fn dense_networks_start_exactly_where_the_mlp_does() {
        for init in [Init::He, Init::Xavier, Init::Zeros] {
            let mlp = Mlp::new(7, &[5, 4], 3, Activation::Tanh, true, Loss::MeanSquared);
            let net = Network::mlp(7, &[5, 4], 3, Activation::Tanh, true, Loss::MeanSquared);
            let a = crate::nn::initialize(&mlp, init, &mut ChaCha8Rng::seed_from_u64(9));
            let b = initialize(&net, init, &mut ChaCha8Rng::seed_from_u64(9));
            assert_eq!(a, b, "{init:?}");
        }
    }
}
