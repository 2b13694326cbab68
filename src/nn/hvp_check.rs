//! Checks the R-operator products against central differences of an independent f64 gradient, and the
//! explicit Hessian of tiny networks (every column H e_j) for symmetry, over every activation, both
//! losses, with and without hidden layers and biases.

use super::reference::{Reference, configurations, explicit_hessian, tiny};
use super::*;
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
    for (hidden, activation, loss, bias) in configurations() {
        let (net, params, data) = tiny(&hidden, activation, loss, bias, 7);
        let full = FullLoss { net: &net, params: &params, data: &data };
        let mut ws = HvpWorkspace::new(&net);
        let mut hv = vec![0.0; net.params];
        for seed in 0..3 {
            let v = random_direction(net.params, seed);
            full.hvp(&v, &mut ws, &mut hv);
            let numeric = Reference::of(&net).central_difference(&params, &data, &v);
            if let Some(e) = disagreement(&hv, &numeric) {
                panic!("{activation:?} {loss:?} hidden {hidden:?} bias {bias}: {e}");
            }
        }
    }
}

#[test]
fn explicit_hessian_is_symmetric_and_every_column_matches_differences() {
    for (hidden, activation, loss, bias) in configurations() {
        let (net, params, data) = tiny(&hidden, activation, loss, bias, 6);
        let h = explicit_hessian(&FullLoss { net: &net, params: &params, data: &data });
        let scale = h.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        let mut e = vec![0.0; net.params];
        for j in 0..net.params {
            for (i, column) in h.iter().enumerate().take(j) {
                let gap = (h[j][i] - column[j]).abs();
                assert!(
                    gap <= 1e-5 * scale,
                    "{activation:?} {loss:?} {hidden:?} {bias}: H[{i}][{j}] asymmetric"
                );
            }
            e[j] = 1.0;
            let numeric = Reference::of(&net).central_difference(&params, &data, &e);
            e[j] = 0.0;
            if let Some(err) = disagreement(&h[j], &numeric) {
                panic!("{activation:?} {loss:?} hidden {hidden:?} bias {bias}: column {j}: {err}");
            }
        }
    }
}

#[test]
fn a_perturbed_product_is_rejected() {
    // The same check must fail on a product wrong by 1 % in one entry.
    let (net, params, data) = tiny(&[4, 3], Activation::Tanh, Loss::CrossEntropy, true, 7);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let v = random_direction(net.params, 0);
    let mut hv = vec![0.0; net.params];
    full.hvp(&v, &mut HvpWorkspace::new(&net), &mut hv);
    let numeric = Reference::of(&net).central_difference(&params, &data, &v);
    assert!(disagreement(&hv, &numeric).is_none());
    let i = hv.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    hv[i] *= 1.01;
    assert!(disagreement(&hv, &numeric).is_some());
}

#[test]
fn products_over_several_chunks_are_the_mean_over_every_example() {
    // 600 examples: chunks of 256, 256 and 88, each weighted by its share.
    for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
        let (net, params, data) = tiny(&[5], Activation::Sigmoid, loss, true, 600);
        let v = random_direction(net.params, 1);
        let mut hv = vec![0.0; net.params];
        FullLoss { net: &net, params: &params, data: &data }.hvp(&v, &mut HvpWorkspace::new(&net), &mut hv);
        let numeric = Reference::of(&net).central_difference(&params, &data, &v);
        assert!(disagreement(&hv, &numeric).is_none(), "{loss:?}");
    }
}

#[test]
fn the_gradient_of_every_pass_equals_the_f64_reference_gradient() {
    // Ties the reference to the library: both compute the same loss, so the products are compared
    // against differences of the right function.
    for (hidden, activation, loss, bias) in configurations() {
        let (net, params, data) = tiny(&hidden, activation, loss, bias, 300);
        let full = FullLoss { net: &net, params: &params, data: &data };
        let p64: Vec<f64> = params.iter().map(|&p| f64::from(p)).collect();
        let reference = Reference::of(&net).gradient(&p64, &data);
        let mut ws = HvpWorkspace::new(&net);
        let (mut grad, mut with_product, mut hv) =
            (vec![0.0; net.params], vec![0.0; net.params], vec![0.0; net.params]);
        full.gradient(&mut ws, &mut grad);
        full.hvp_and_gradient(&random_direction(net.params, 2), &mut ws, &mut hv, &mut with_product);
        assert_eq!(grad, with_product);
        if let Some(e) = disagreement(&grad, &reference) {
            panic!("{activation:?} {loss:?} hidden {hidden:?} bias {bias}: {e}");
        }
    }
}

#[test]
fn example_gradients_average_to_the_full_gradient() {
    let (net, params, data) = tiny(&[4], Activation::Tanh, Loss::MeanSquared, true, 9);
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

#[test]
fn a_product_allocates_nothing_but_the_matrix_packing_buffers() {
    // matrixmultiply allocates its packing buffer inside each product (as in training). A two-layer
    // network makes, per chunk, 5 products in the gradient pass (2 forward, 2 weight gradients, 1
    // propagation) and 8 in the R-passes (R-forward 1 + 2, R-backward 2 + 2 for the top layer and 1
    // for the bottom one): 13, and nothing else.
    let (net, params, data) = tiny(&[5], Activation::Tanh, Loss::CrossEntropy, true, 600);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let mut ws = HvpWorkspace::new(&net);
    let v = random_direction(net.params, 3);
    let (mut hv, mut grad) = (vec![0.0; net.params], vec![0.0; net.params]);
    full.hvp(&v, &mut ws, &mut hv);
    let chunks = data.len().div_ceil(HVP_CHUNK) as u64;
    let ((), usage) = crate::sweep::memory::usage(|| {
        full.hvp_and_gradient(&v, &mut ws, &mut hv, &mut grad);
    });
    assert_eq!(usage.allocations, 13 * chunks);
    let ((), usage) = crate::sweep::memory::usage(|| full.example_gradient(7, &mut ws, &mut grad));
    assert_eq!(usage.allocations, 0, "a single example takes the row kernels");
}
