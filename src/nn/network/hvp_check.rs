//! Checks the R-operator products for every layer kind against central differences of the independent
//! f64 gradient (reference.rs), and the explicit Hessian of tiny CNNs for symmetry, over every
//! activation, both losses, with and without biases.

use super::fixtures::{architectures, explicit_hessian, settings, tiny};
use super::reference::Reference;
use super::*;
use crate::nn::HVP_CHUNK;
use crate::spec::Activation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// f32 products against f64 differences (truncation error ~1e-10): 1e-4 of the vector's largest entry
/// leaves room for f32 rounding and refuses anything structurally wrong.
fn disagreement(product: &[f64], reference: &[f64]) -> Option<String> {
    let scale = reference.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    let tolerance = 1e-4 * scale + 1e-7;
    let (i, gap) = product
        .iter()
        .zip(reference)
        .map(|(p, r)| (p - r).abs())
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (gap > tolerance)
        .then(|| format!("entry {i}: {} vs {} (tolerance {tolerance:e})", product[i], reference[i]))
}

fn random_direction(p: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..p).map(|_| StandardNormal.sample(&mut rng)).collect()
}

#[test]
fn products_match_central_differences_of_an_f64_gradient() {
    for (input, layers) in architectures() {
        for (activation, loss, bias) in settings() {
            let (net, params, data) = tiny(input, &layers, activation, loss, bias, 5);
            let full = FullLoss { net: &net, params: &params, data: &data };
            let reference = Reference::of(input, &layers, 3, &net);
            let mut ws = HvpWorkspace::new(&net);
            let mut hv = vec![0.0; net.params];
            for seed in 0..2 {
                let v = random_direction(net.params, seed);
                full.hvp(&v, &mut ws, &mut hv);
                if let Some(e) = disagreement(&hv, &reference.central_difference(&params, &data, &v)) {
                    panic!("{input} {layers:?} {activation:?} {loss:?} bias {bias}: {e}");
                }
            }
        }
    }
}

#[test]
fn explicit_hessian_is_symmetric_and_every_column_matches_differences() {
    for (input, layers) in architectures() {
        for (activation, loss) in
            [(Activation::Tanh, Loss::CrossEntropy), (Activation::Relu, Loss::MeanSquared)]
        {
            let (net, params, data) = tiny(input, &layers, activation, loss, true, 4);
            let h = explicit_hessian(&FullLoss { net: &net, params: &params, data: &data });
            let reference = Reference::of(input, &layers, 3, &net);
            let scale = h.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(scale > 0.0);
            let mut e = vec![0.0; net.params];
            for j in 0..net.params {
                for (i, column) in h.iter().enumerate().take(j) {
                    assert!(
                        (h[j][i] - column[j]).abs() <= 1e-5 * scale,
                        "{layers:?} {activation:?}: H[{i}][{j}] asymmetric"
                    );
                }
                // Every third column against differences keeps the test quick; symmetry covers the rest.
                if j % 3 == 0 {
                    e[j] = 1.0;
                    let numeric = reference.central_difference(&params, &data, &e);
                    e[j] = 0.0;
                    if let Some(err) = disagreement(&h[j], &numeric) {
                        panic!("{input} {layers:?} {activation:?} {loss:?}: column {j}: {err}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_perturbed_product_is_rejected() {
    // The same check must fail on a product wrong by 1 % in one entry.
    let (input, layers) = architectures().remove(0);
    let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 5);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let v = random_direction(net.params, 0);
    let mut hv = vec![0.0; net.params];
    full.hvp(&v, &mut HvpWorkspace::new(&net), &mut hv);
    let numeric = Reference::of(input, &layers, 3, &net).central_difference(&params, &data, &v);
    assert!(disagreement(&hv, &numeric).is_none());
    let i = hv.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    hv[i] *= 1.01;
    assert!(disagreement(&hv, &numeric).is_some());
}

#[test]
fn products_over_several_chunks_are_the_mean_over_every_example() {
    // 300 examples: chunks of 256 and 44, each weighted by its share; the gradient of the same pass
    // equals the reference gradient.
    let (input, layers) = architectures().remove(2);
    let (net, params, data) = tiny(input, &layers, Activation::Sigmoid, Loss::MeanSquared, true, 300);
    assert!(data.len() > HVP_CHUNK);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let reference = Reference::of(input, &layers, 3, &net);
    let v = random_direction(net.params, 1);
    let (mut hv, mut grad) = (vec![0.0; net.params], vec![0.0; net.params]);
    let mut ws = HvpWorkspace::new(&net);
    full.hvp_and_gradient(&v, &mut ws, &mut hv, &mut grad);
    assert!(disagreement(&hv, &reference.central_difference(&params, &data, &v)).is_none());
    let p64: Vec<f64> = params.iter().map(|&p| f64::from(p)).collect();
    assert!(disagreement(&grad, &reference.gradient(&p64, &data)).is_none());
    let mut alone = vec![0.0; net.params];
    full.gradient(&mut ws, &mut alone);
    assert_eq!(alone, grad);
}

#[test]
fn example_gradients_average_to_the_full_gradient() {
    let (input, layers) = architectures().remove(3);
    let (net, params, data) = tiny(input, &layers, Activation::Tanh, Loss::CrossEntropy, true, 9);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let mut ws = HvpWorkspace::new(&net);
    let (mut grad, mut one, mut mean) = (vec![0.0; net.params], vec![0.0; net.params], vec![0.0; net.params]);
    full.gradient(&mut ws, &mut grad);
    for i in 0..data.len() {
        full.example_gradient(i, &mut ws, &mut one);
        mean.iter_mut().zip(&one).for_each(|(m, g)| *m += g / data.len() as f64);
    }
    assert!(disagreement(&mean, &grad).is_none());
}
