//! Checks the hand-written backward pass against central finite differences, for every activation,
//! both losses, with and without hidden layers, and the per-example gradient norms against explicit ones.

use super::*;
use crate::data::{Examples, Targets};
use crate::spec::Init;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn examples(n: usize, d: usize, loss: Loss, k: usize, rng: &mut ChaCha8Rng) -> Examples {
    let x = Array2::from_shape_fn((n, d), |_| rng.random_range(-1.5f32..1.5));
    let y = match loss {
        Loss::CrossEntropy => Targets::Classes((0..n).map(|_| rng.random_range(0..k as u32)).collect()),
        Loss::MeanSquared => {
            Targets::Values(Array2::from_shape_fn((n, k), |_| rng.random_range(-1.0f32..1.0)))
        }
    };
    Examples { x, y }
}

fn setup(hidden: &[usize], activation: Activation, loss: Loss) -> (Mlp, Vec<f32>, Examples) {
    setup_n(hidden, activation, loss, 5)
}

fn setup_n(hidden: &[usize], activation: Activation, loss: Loss, n: usize) -> (Mlp, Vec<f32>, Examples) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let net = Mlp::new(4, hidden, 3, activation, true, loss);
    let mut params = initialize(&net, Init::Xavier, &mut rng);
    // Non-zero biases, so their gradients are exercised away from the symmetric start.
    params.iter_mut().for_each(|p| *p += rng.random_range(-0.1f32..0.1));
    (net, params, examples(n, 4, loss, 3, &mut rng))
}

fn mean_loss(net: &Mlp, params: &[f32], ws: &mut Workspace, data: &Examples) -> f64 {
    net.evaluate(params, ws, data).mean_loss()
}

fn check(hidden: &[usize], activation: Activation, loss: Loss) {
    check_n(hidden, activation, loss, 5);
}

fn check_n(hidden: &[usize], activation: Activation, loss: Loss, n: usize) {
    let (net, mut params, data) = setup_n(hidden, activation, loss, n);
    let mut ws = Workspace::new(&net, data.len());
    ws.load_range(&data, 0, data.len());
    let mut grad = vec![0.0f32; net.params];
    net.loss_and_gradient(&params, &mut ws, data.len(), &mut grad);
    let eps = 1e-3f32;
    for i in 0..net.params {
        let keep = params[i];
        params[i] = keep + eps;
        let up = mean_loss(&net, &params, &mut ws, &data);
        params[i] = keep - eps;
        let down = mean_loss(&net, &params, &mut ws, &data);
        params[i] = keep;
        let numeric = (up - down) / (2.0 * f64::from(eps));
        let analytic = f64::from(grad[i]);
        let tolerance = 2e-3 + 2e-2 * numeric.abs().max(analytic.abs());
        assert!(
            (numeric - analytic).abs() <= tolerance,
            "{activation:?} {loss:?} hidden {hidden:?}: parameter {i}: analytic {analytic}, numeric {numeric}"
        );
    }
}

#[test]
fn gradients_match_finite_differences_for_every_activation_and_loss() {
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
            check(&[6, 5], activation, loss);
            check(&[], activation, loss);
        }
    }
}

#[test]
fn gradients_match_finite_differences_through_the_vector_kernels_and_the_gemm() {
    // Widths 40 and 33 fill a 32-wide block of `forward_rows` and leave a tail (8 and 1), and the
    // errors sent back through the 40 -> 33 layer are dots of length 33 (a vector chunk and a tail).
    // 5 examples run the row kernels, 20 run the GEMM (GEMM_MIN_ROWS = 16). Smooth activations only:
    // among 20 x 73 ReLU units some sit within the step 1e-3 of their kink, where a central
    // difference measures the kink, not the gradient (the zero-skipping that ReLU exercises is
    // checked in tests/kernels.rs).
    const { assert!(5 < GEMM_MIN_ROWS && 20 >= GEMM_MIN_ROWS) };
    for n in [5, 20] {
        check_n(&[40, 33], Activation::Tanh, Loss::CrossEntropy, n);
        check_n(&[40, 33], Activation::Sigmoid, Loss::MeanSquared, n);
    }
}

#[test]
fn a_broken_gradient_would_be_caught() {
    // The check itself must be able to fail: a gradient off by 10% somewhere is refused.
    let (net, params, data) = setup(&[6], Activation::Tanh, Loss::CrossEntropy);
    let mut ws = Workspace::new(&net, data.len());
    ws.load_range(&data, 0, data.len());
    let mut grad = vec![0.0f32; net.params];
    net.loss_and_gradient(&params, &mut ws, data.len(), &mut grad);
    let i = grad.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    let mut p = params.clone();
    let eps = 1e-2;
    p[i] += eps;
    let up = mean_loss(&net, &p, &mut ws, &data);
    p[i] -= 2.0 * eps;
    let down = mean_loss(&net, &p, &mut ws, &data);
    let numeric = (up - down) / (2.0 * f64::from(eps));
    let wrong = 1.1 * f64::from(grad[i]);
    assert!((numeric - wrong).abs() > 2e-3 + 2e-2 * numeric.abs());
}

#[test]
fn per_example_norms_equal_explicit_per_example_gradients() {
    for loss in [Loss::CrossEntropy, Loss::MeanSquared] {
        let (net, params, data) = setup(&[6, 5], Activation::Tanh, loss);
        let n = data.len();
        let mut ws = Workspace::new(&net, n);
        ws.load_range(&data, 0, n);
        let mut grad = vec![0.0f32; net.params];
        net.loss_and_gradient(&params, &mut ws, n, &mut grad);
        let mut fast = vec![0.0f64; n];
        net.per_example_squared_norms(&ws, n, &mut fast);
        for (i, &fast) in fast.iter().enumerate() {
            let mut one = Workspace::new(&net, 1);
            one.load_range(&data, i, 1);
            net.loss_and_gradient(&params, &mut one, 1, &mut grad);
            let explicit: f64 = grad.iter().map(|&g| f64::from(g).powi(2)).sum();
            assert!((fast - explicit).abs() <= 1e-5 * explicit, "{loss:?} example {i}: {fast} vs {explicit}");
        }
    }
}
