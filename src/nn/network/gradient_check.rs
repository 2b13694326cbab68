//! Checks the hand-written passes against central finite differences of the independent f64 network
//! (reference.rs), for every layer kind, stride, padding, activation, loss, with and without bias; the
//! reference's own backward pass against its differences; and that the check refuses a wrong gradient.

use super::fixtures::{architectures, settings, tiny};
use super::reference::Reference;
use super::*;
use crate::data::Examples;
use crate::spec::Activation;

/// Central differences of the f64 reference's mean loss, step 1e-6: truncation ~1e-12 and rounding
/// ~1e-10, far below f32's.
fn numeric_gradient(reference: &Reference, params: &[f32], data: &Examples) -> Vec<f64> {
    let mut p: Vec<f64> = params.iter().map(|&v| f64::from(v)).collect();
    let eps = 1e-6;
    (0..p.len())
        .map(|i| {
            let keep = p[i];
            p[i] = keep + eps;
            let up = reference.loss(&p, data);
            p[i] = keep - eps;
            let down = reference.loss(&p, data);
            p[i] = keep;
            (up - down) / (2.0 * eps)
        })
        .collect()
}

/// The largest gap between `got` and `expected`, if it exceeds 1e-4 of `expected`'s largest entry (f32
/// rounding through a few layers stays near 1e-6 of it).
fn disagreement(got: &[f64], expected: &[f64], tolerance: f64) -> Option<String> {
    let scale = expected.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    let limit = tolerance * scale + 1e-7;
    let (i, gap) = got
        .iter()
        .zip(expected)
        .map(|(g, e)| (g - e).abs())
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (gap > limit).then(|| format!("parameter {i}: {} vs {} (limit {limit:e})", got[i], expected[i]))
}

fn analytic_gradient(net: &Network, params: &[f32], data: &Examples) -> (f64, Vec<f64>) {
    let mut ws = Workspace::new(net, data.len());
    ws.load_range(data, 0, data.len());
    let mut grad = vec![0.0f32; net.params];
    let loss = net.loss_and_gradient(params, &mut ws, data.len(), &mut grad);
    (loss, grad.iter().map(|&g| f64::from(g)).collect())
}

#[test]
fn gradients_match_finite_differences_for_every_layer_kind_activation_and_loss() {
    for (input, layers) in architectures() {
        for (activation, loss, bias) in settings() {
            let (net, params, data) = tiny(input, &layers, activation, loss, bias, 4);
            let reference = Reference::of(input, &layers, 3, &net);
            let (library_loss, grad) = analytic_gradient(&net, &params, &data);
            let p64: Vec<f64> = params.iter().map(|&v| f64::from(v)).collect();
            let expected_loss = reference.loss(&p64, &data);
            let context = format!("{input} {layers:?} {activation:?} {loss:?} bias {bias}");
            assert!(
                (library_loss - expected_loss).abs() <= 1e-5 * expected_loss.abs() + 1e-6,
                "{context}: loss"
            );
            if let Some(e) = disagreement(&grad, &numeric_gradient(&reference, &params, &data), 1e-4) {
                panic!("{context}: {e}");
            }
        }
    }
}

#[test]
fn the_reference_backward_pass_matches_its_own_finite_differences() {
    // The Hessian checks differentiate the reference gradient, so it must be right to f64 accuracy.
    for (input, layers) in architectures() {
        let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 3);
        let reference = Reference::of(input, &layers, 3, &net);
        let p64: Vec<f64> = params.iter().map(|&v| f64::from(v)).collect();
        let analytic = reference.gradient(&p64, &data);
        if let Some(e) = disagreement(&analytic, &numeric_gradient(&reference, &params, &data), 1e-7) {
            panic!("{input} {layers:?}: {e}");
        }
    }
}

#[test]
fn a_broken_gradient_would_be_caught() {
    // The same check must refuse a gradient 1 % off in one conv weight, and one whose kernel is read
    // transposed (rows for columns), the mistake a layout slip makes.
    let (input, layers) = architectures().remove(0);
    let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 4);
    let numeric = numeric_gradient(&Reference::of(input, &layers, 3, &net), &params, &data);
    let (_, grad) = analytic_gradient(&net, &params, &data);
    assert!(disagreement(&grad, &numeric, 1e-4).is_none());
    let conv = net.layers[0].block.unwrap();
    let i = (conv.weights..conv.weights + conv.fan_in * conv.fan_out)
        .max_by(|&a, &b| grad[a].abs().total_cmp(&grad[b].abs()))
        .unwrap();
    let mut off = grad.clone();
    off[i] *= 1.01;
    assert!(disagreement(&off, &numeric, 1e-4).is_some());
    let mut transposed = grad.clone();
    for (ki, kj, f) in (0..3).flat_map(|i| (0..3).flat_map(move |j| (0..3).map(move |f| (i, j, f)))) {
        transposed[conv.weights + (ki * 3 + kj) * 3 + f] = grad[conv.weights + (kj * 3 + ki) * 3 + f];
    }
    assert!(disagreement(&transposed, &numeric, 1e-4).is_some());
}

#[test]
fn a_dense_network_computes_exactly_what_the_mlp_computes() {
    // Network::mlp runs the MLP's dense code: the same loss, gradient and norms to the last bit, below
    // and above GEMM_MIN_ROWS.
    for (activation, loss, bias) in settings() {
        for n in [5, 20] {
            let mlp = crate::nn::Mlp::new(4, &[6, 5], 3, activation, bias, loss);
            let dense = [LayerSpec::Dense { units: 6 }, LayerSpec::Dense { units: 5 }];
            let (net, params, data) = tiny(Shape::Flat(4), &dense, activation, loss, bias, n);
            assert_eq!(net, Network::mlp(4, &[6, 5], 3, activation, bias, loss));
            let (mut ws_mlp, mut ws) = (crate::nn::Workspace::new(&mlp, n), Workspace::new(&net, n));
            ws_mlp.load_range(&data, 0, n);
            ws.load_range(&data, 0, n);
            let (mut g_mlp, mut g) = (vec![0.0; net.params], vec![0.0; net.params]);
            let l_mlp = mlp.loss_and_gradient(&params, &mut ws_mlp, n, &mut g_mlp);
            assert_eq!(l_mlp, net.loss_and_gradient(&params, &mut ws, n, &mut g));
            assert_eq!(g_mlp, g);
            let (mut norms_mlp, mut norms) = (vec![0.0; n], vec![0.0; n]);
            mlp.per_example_squared_norms(&ws_mlp, n, &mut norms_mlp);
            net.per_example_squared_norms(&mut ws, n, &mut norms);
            assert_eq!(norms_mlp, norms);
        }
    }
}
