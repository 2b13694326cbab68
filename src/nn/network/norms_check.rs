//! Checks the per-example squared gradient norms, on both routes for conv layers, and their weighted
//! variant against explicit per-example gradients (one single-example backward pass each).

use super::fixtures::{architectures, tiny};
use super::*;
use crate::data::Examples;
use crate::spec::Activation;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Example i's own gradient, from a pass over it alone.
fn explicit_gradients(net: &Network, params: &[f32], data: &Examples) -> Vec<Vec<f64>> {
    let mut one = Workspace::new(net, 1);
    let mut grad = vec![0.0f32; net.params];
    (0..data.len())
        .map(|i| {
            one.load_range(data, i, 1);
            net.loss_and_gradient(params, &mut one, 1, &mut grad);
            grad.iter().map(|&g| f64::from(g)).collect()
        })
        .collect()
}

fn batch_pass(net: &Network, params: &[f32], data: &Examples) -> Workspace {
    let mut ws = Workspace::new(net, data.len());
    ws.load_range(data, 0, data.len());
    net.loss_and_gradient(params, &mut ws, data.len(), &mut vec![0.0; net.params]);
    ws
}

fn assert_close(fast: &[f64], explicit: &[f64], context: &str) {
    for (i, (&f, &e)) in fast.iter().zip(explicit).enumerate() {
        assert!(e > 0.0 && (f - e).abs() <= 1e-5 * e, "{context}: example {i}: {f} vs {e}");
    }
}

#[test]
fn per_example_norms_equal_explicit_per_example_gradients_on_every_route() {
    for (input, layers) in architectures() {
        for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
            for bias in [true, false] {
                let (net, params, data) = tiny(input, &layers, Activation::Tanh, loss, bias, 5);
                let explicit: Vec<f64> = explicit_gradients(&net, &params, &data)
                    .iter()
                    .map(|g| g.iter().map(|v| v * v).sum())
                    .collect();
                let mut ws = batch_pass(&net, &params, &data);
                for path in [NormPath::Cheaper, NormPath::Form, NormPath::Gram] {
                    let mut fast = vec![f64::NAN; data.len()];
                    net.per_example_squared_norms_by(path, &mut ws, data.len(), &mut fast);
                    assert_close(
                        &fast,
                        &explicit,
                        &format!("{input} {layers:?} {loss:?} bias {bias} {path:?}"),
                    );
                }
            }
        }
    }
}

#[test]
fn weighted_norms_equal_explicit_weighted_sums() {
    // sum_j w_j g_ij^2 with positive weights spread over three orders of magnitude, as Adam's
    // 1 / (sqrt(v) + eps) is.
    for (input, layers) in architectures() {
        for bias in [true, false] {
            let (net, params, data) = tiny(input, &layers, Activation::Sigmoid, Loss::CrossEntropy, bias, 5);
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let weights: Vec<f32> =
                (0..net.params).map(|_| 10f32.powf(rng.random_range(-1.5..1.5))).collect();
            let explicit: Vec<f64> = explicit_gradients(&net, &params, &data)
                .iter()
                .map(|g| g.iter().zip(&weights).map(|(v, &w)| f64::from(w) * v * v).sum())
                .collect();
            let mut ws = batch_pass(&net, &params, &data);
            let mut fast = vec![f64::NAN; data.len()];
            net.per_example_weighted_squared_norms(&mut ws, data.len(), &weights, &mut fast);
            assert_close(&fast, &explicit, &format!("{input} {layers:?} bias {bias}"));
        }
    }
}

#[test]
fn a_wrong_norm_is_refused_and_unit_weights_give_the_plain_norms() {
    // ||a_i||^2 ||delta_i||^2 over all of an example's windows and errors, the dense formula, is not a
    // conv layer's norm (the cross terms between positions are missing): the same check refuses it.
    let (input, layers) = architectures().remove(1);
    let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 5);
    let gradients = explicit_gradients(&net, &params, &data);
    let explicit: Vec<f64> = gradients.iter().map(|g| g.iter().map(|v| v * v).sum()).collect();
    let mut ws = batch_pass(&net, &params, &data);
    let mut plain = vec![0.0; 5];
    net.per_example_squared_norms(&mut ws, 5, &mut plain);
    assert_close(&plain, &explicit, "plain");
    let mut unit = vec![0.0; 5];
    net.per_example_weighted_squared_norms(&mut ws, 5, &vec![1.0; net.params], &mut unit);
    assert_close(&unit, &plain, "unit weights");
    let (conv, p) = (net.layers[0].block.unwrap(), net.layers[0].positions());
    let conv_params = conv.weights..conv.weights + (conv.fan_in + 1) * conv.fan_out;
    let sq = |v: &[f32]| v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
    let wrong: Vec<f64> = gradients
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let rest: f64 =
                g.iter().enumerate().filter(|(j, _)| !conv_params.contains(j)).map(|(_, v)| v * v).sum();
            let a = sq(&ws.cols[0][i * p * conv.fan_in..(i + 1) * p * conv.fan_in]);
            let d = sq(&ws.deltas[0][i * p * conv.fan_out..(i + 1) * p * conv.fan_out]);
            rest + 25.0 * (a + 1.0) * d
        })
        .collect();
    assert!(wrong.iter().zip(&explicit).any(|(w, e)| (w - e).abs() > 1e-3 * e));
}

#[test]
fn each_conv_layer_takes_the_cheaper_route() {
    // P positions, K = kernel^2 channels, F filters: Gram matrices cost P^2 (K + F), forming the
    // gradient P K F. The MNIST network's layers (P = 784 and 196) form it; a 4 x 4 map of 64
    // channels through 64 3 x 3 filters (P = 16, K = 576, F = 64: 163,840 against 589,824) takes the
    // Gram matrices.
    assert_eq!(NormPath::Cheaper.resolve(784, 9, 16), NormPath::Form);
    assert_eq!(NormPath::Cheaper.resolve(196, 144, 32), NormPath::Form);
    assert_eq!(NormPath::Cheaper.resolve(16, 576, 64), NormPath::Gram);
    assert_eq!(NormPath::Gram.resolve(784, 9, 16), NormPath::Gram);
}
