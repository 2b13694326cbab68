//! Initial weights: He (normal, variance 2/fan_in), Xavier (uniform, Glorot and Bengio 2010) or zeros;
//! biases start at zero.

use super::Mlp;
use crate::spec::Init;
use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

/// A fresh parameter vector for `net`, drawn from `rng`.
pub fn initialize(net: &Mlp, init: Init, rng: &mut impl Rng) -> Vec<f32> {
    let mut params = vec![0.0f32; net.params];
    for layer in &net.layers {
        let w = &mut params[layer.weights..layer.weights + layer.fan_in * layer.fan_out];
        match init {
            Init::He => {
                let normal =
                    Normal::new(0.0, (2.0 / layer.fan_in as f64).sqrt()).expect("fan_in is positive");
                w.iter_mut().for_each(|v| *v = normal.sample(rng) as f32);
            }
            Init::Xavier => {
                let bound = (6.0 / (layer.fan_in + layer.fan_out) as f64).sqrt();
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
    use crate::nn::Loss;
    use crate::spec::Activation;
    use rand::SeedableRng;

    #[test]
    fn he_weights_have_variance_two_over_fan_in_and_zero_biases() {
        let net = Mlp::new(200, &[300], 2, Activation::Relu, true, Loss::CrossEntropy);
        let params = initialize(&net, Init::He, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let w = net.layers[0].w(&params);
        let var = w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var - 0.01).abs() < 0.0005, "variance {var}");
        assert!(net.layers[0].b(&params).unwrap().iter().all(|&b| b == 0.0));
    }

    #[test]
    fn xavier_weights_stay_inside_their_bound() {
        let net = Mlp::new(10, &[20], 5, Activation::Tanh, true, Loss::CrossEntropy);
        let params = initialize(&net, Init::Xavier, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let bound = (6.0f32 / 30.0).sqrt();
        assert!(net.layers[0].w(&params).iter().all(|v| v.abs() <= bound));
        assert!(net.layers[0].w(&params).iter().any(|v| v.abs() > bound / 2.0));
    }
}
