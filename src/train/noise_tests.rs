//! Tests of `noise.rs`, apart to keep that file to its code.
use super::*;
use crate::data::Targets;
use crate::nn::Loss;
use crate::nn::network::initialize;
use crate::spec::{Activation, Init};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn setup(n: usize) -> (Network, Vec<f32>, Examples) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let net = Network::mlp(3, &[5], 3, Activation::Tanh, true, Loss::CrossEntropy);
    let params = initialize(&net, Init::Xavier, &mut rng);
    let x = Array2::from_shape_fn((n, 3), |_| rng.random_range(-2.0f32..2.0));
    let y = Targets::Classes((0..n).map(|i| (i % 3) as u32).collect());
    (net, params, Examples { x, y })
}

/// Every g_i formed explicitly, then tr(Sigma) = (1/N) sum_i |g_i - G|^2 straight from the definition.
fn explicit(net: &Network, params: &[f32], data: &Examples) -> (Vec<f64>, f64) {
    let n = data.len();
    let mut scratch = Scratch::new(net);
    let per_example: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut g = vec![0.0; net.params];
            batch_gradient(net, params, data, &[i], &mut scratch, &mut g);
            g
        })
        .collect();
    let mean: Vec<f64> =
        (0..net.params).map(|j| per_example.iter().map(|g| g[j]).sum::<f64>() / n as f64).collect();
    let trace = per_example
        .iter()
        .map(|g| g.iter().zip(&mean).map(|(a, b)| (a - b).powi(2)).sum::<f64>())
        .sum::<f64>()
        / n as f64;
    (mean, trace)
}

#[test]
fn trace_sigma_and_b_simple_equal_the_explicit_per_example_computation() {
    // 600 examples span three chunks, so the chunked accumulation is exercised too.
    let (net, params, data) = setup(600);
    let full = full_batch(&net, &params, &data, None, &mut Scratch::new(&net));
    let (mean, trace) = explicit(&net, &params, &data);
    assert!((full.trace_sigma - trace).abs() <= 1e-5 * trace, "{} vs {trace}", full.trace_sigma);
    let gg: f64 = mean.iter().map(|g| g * g).sum();
    assert!((full.squared_norm() - gg).abs() <= 1e-5 * gg);
    assert!((full.trace_sigma / full.squared_norm() - trace / gg).abs() <= 1e-5 * trace / gg);
}

#[test]
fn mean_probe_error_matches_the_without_replacement_prediction() {
    let (net, params, data) = setup(200);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut scratch = Scratch::new(&net);
    for b in [1, 10, 100] {
        let rows = checkpoint(&net, (&params, None), &data, (0, 0), &[b], 64, &mut rng, &mut scratch);
        let measured: Vec<f64> = (0..30)
            .map(|_| {
                checkpoint(&net, (&params, None), &data, (0, 0), &[b], 64, &mut rng, &mut scratch)[0]
                    .rel_error
            })
            .collect();
        let (mean, std) = mean_std(&measured);
        let standard_error = std / (measured.len() as f64).sqrt();
        let predicted = rows[0].rel_error_predicted;
        assert!(
            (mean - predicted).abs() < 4.0 * standard_error,
            "B = {b}: measured {mean} +- {standard_error}, predicted {predicted}"
        );
    }
}

#[test]
fn full_batch_probe_has_cosine_one_and_no_dispersion() {
    let (net, params, data) = setup(50);
    let rows = checkpoint(
        &net,
        (&params, None),
        &data,
        (0, 0),
        &[50],
        8,
        &mut ChaCha8Rng::seed_from_u64(1),
        &mut Scratch::new(&net),
    );
    assert_eq!(
        (rows[0].cos_mean, rows[0].dispersion, rows[0].rel_error, rows[0].rel_error_predicted),
        (Some(1.0), Some(0.0), 0.0, 0.0)
    );
}

/// A linear model at zero weights on regression targets 0, 0, 1, 1: the examples with target 0 have a
/// zero gradient, so single-example probes of them have no direction and leave the cosine statistics;
/// with every target 0 the full gradient is zero too and the cosines are missing, never NaN.
#[test]
fn a_zero_gradient_has_a_missing_cosine_not_a_nan() {
    let net = Network::mlp(2, &[], 1, Activation::Relu, false, Loss::MeanSquared);
    let params = vec![0.0f32; net.params];
    let x = Array2::from_shape_fn((4, 2), |(i, j)| 1.0 + (i + j) as f32);
    let probe = |targets: [f32; 4]| {
        let y = Targets::Values(Array2::from_shape_vec((4, 1), targets.to_vec()).unwrap());
        let data = Examples { x: x.clone(), y };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        checkpoint(&net, (&params, None), &data, (0, 0), &[1], 64, &mut rng, &mut Scratch::new(&net))
            .remove(0)
    };
    let some = probe([0.0, 0.0, 1.0, 1.0]);
    for v in [some.cos_mean, some.cos_std, some.angle_deg_mean, some.dispersion] {
        assert!(v.is_some_and(f64::is_finite), "{some:?}");
    }
    // Both remaining examples point the same way as G (x rows are positive): cosines near 1.
    assert!(some.cos_mean.unwrap() > 0.9, "{some:?}");
    let none = probe([0.0; 4]);
    assert_eq!((none.cos_mean, none.cos_std, none.angle_deg_mean, none.dispersion), (None, None, None, None));
}

#[test]
fn noise_falls_as_the_batch_grows() {
    let (net, params, data) = setup(400);
    let rows = checkpoint(
        &net,
        (&params, None),
        &data,
        (0, 0),
        &[1, 8, 64],
        32,
        &mut ChaCha8Rng::seed_from_u64(1),
        &mut Scratch::new(&net),
    );
    assert!(rows[0].dispersion > rows[1].dispersion && rows[1].dispersion > rows[2].dispersion);
    assert!(rows[0].rel_error > rows[1].rel_error && rows[1].rel_error > rows[2].rel_error);
    assert!(rows[0].cos_mean < rows[1].cos_mean && rows[1].cos_mean < rows[2].cos_mean);
}

#[test]
fn the_two_batch_estimate_recovers_b_simple_on_average() {
    let (net, params, data) = setup(400);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut scratch = Scratch::new(&net);
    let rows: Vec<NoiseRecord> = (0..20)
        .map(|_| {
            checkpoint(&net, (&params, None), &data, (0, 0), &[16], 32, &mut rng, &mut scratch).remove(0)
        })
        .collect();
    let estimates: Vec<f64> = rows.iter().map(|r| r.b_simple_two_batch.unwrap()).collect();
    let (mean, std) = mean_std(&estimates);
    let truth = rows[0].b_simple;
    assert!(
        (mean - truth).abs() < 4.0 * std / 20f64.sqrt() + 0.05 * truth,
        "two-batch {mean} +- {std}, exact {truth}"
    );
}

#[test]
fn the_two_batch_formula_inverts_its_own_expectations() {
    // With E|g_B|^2 = |G|^2 + tr c_B exactly, the estimator returns tr / |G|^2 exactly.
    let (gg, trace, b, k, n) = (2.0, 30.0, 10usize, 8u64, 100usize);
    let c = (n - b) as f64 / (b as f64 * (n - 1) as f64);
    let got = two_batch(gg + trace * c, gg + trace * c / k as f64, b, k, n).unwrap();
    assert!((got - trace / gg).abs() < 1e-9);
}
