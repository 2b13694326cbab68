//! The estimators on a tiny network against explicit computations: B_noise against Sigma built from all
//! N per-example gradients of the f64 reference and the explicit Hessian, and a whole checkpoint's
//! eigenvalues against the explicit Hessian's.

use super::*;
use crate::nn::reference::{Reference, explicit_hessian, tiny};
use crate::nn::{FullLoss, HvpWorkspace, Loss};
use crate::spec::Activation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;

/// (tr(H Sigma), G^T H G) with Sigma = (1/N) sum_i g_i g_i^T - G G^T from every per-example gradient.
fn explicit_noise(h: &[Vec<f64>], per_example: &[Vec<f64>]) -> (f64, f64) {
    let (n, p) = (per_example.len() as f64, h.len());
    let g: Vec<f64> = (0..p).map(|j| per_example.iter().map(|e| e[j]).sum::<f64>() / n).collect();
    let sigma = |j: usize, k: usize| per_example.iter().map(|e| e[j] * e[k]).sum::<f64>() / n - g[j] * g[k];
    let trace = (0..p).map(|j| (0..p).map(|k| h[k][j] * sigma(j, k)).sum::<f64>()).sum();
    let ghg = (0..p).map(|j| (0..p).map(|k| g[j] * h[k][j] * g[k]).sum::<f64>()).sum();
    (trace, ghg)
}

#[test]
fn b_noise_with_every_example_equals_the_explicit_covariance_computation() {
    for (activation, loss) in
        [(Activation::Tanh, Loss::CrossEntropy), (Activation::Sigmoid, Loss::MeanSquared)]
    {
        let (net, params, data) = tiny(&[4], activation, loss, true, 15);
        let full = FullLoss { net: &net, params: &params, data: &data };
        let h = explicit_hessian(&full);
        let reference = Reference::of(&net);
        let p64: Vec<f64> = params.iter().map(|&p| f64::from(p)).collect();
        let per_example: Vec<Vec<f64>> = (0..data.len())
            .map(|i| {
                let mut g = vec![0.0; net.params];
                reference.add_example(&p64, &data, i, 1.0, &mut g);
                g
            })
            .collect();
        let (trace, ghg) = explicit_noise(&h, &per_example);
        let ws = RefCell::new(HvpWorkspace::new(&net));
        let mut gradient = vec![0.0; net.params];
        full.gradient(&mut ws.borrow_mut(), &mut gradient);
        let estimate = noise_scale(
            |v: &[f64], out: &mut [f64]| {
                full.hvp(v, &mut ws.borrow_mut(), out);
            },
            &gradient,
            data.len(),
            data.len(),
            |i, out: &mut [f64]| full.example_gradient(i, &mut ws.borrow_mut(), out),
            &mut ChaCha8Rng::seed_from_u64(3),
        );
        assert!(ghg > 0.0 && trace > 0.0);
        assert!((estimate.g_h_g / ghg - 1.0).abs() < 1e-4, "{activation:?} {loss:?}: {estimate:?} vs {ghg}");
        assert!(
            (estimate.trace_h_sigma / trace - 1.0).abs() < 1e-4,
            "{activation:?} {loss:?}: {estimate:?} vs {trace}"
        );
        assert!((estimate.b_noise.unwrap() / (trace / ghg) - 1.0).abs() < 2e-4);
        assert_eq!(estimate.trace_h_sigma_se, 0.0);
    }
}

/// Every eigenvalue of a symmetric matrix by cyclic Jacobi rotations (plain f64, for tests).
fn eigenvalues(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[i][j].powi(2))
            .sum();
        if off < 1e-24 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                // A <- J^T A J with the rotation J in the (p, q) plane: columns, then rows.
                for row in a.iter_mut() {
                    let (kp, kq) = (row[p], row[q]);
                    row[p] = c * kp - s * kq;
                    row[q] = s * kp + c * kq;
                }
                let (upper, lower) = a.split_at_mut(q);
                for (pk, qk) in upper[p].iter_mut().zip(lower[0].iter_mut()) {
                    let (x, y) = (*pk, *qk);
                    *pk = c * x - s * y;
                    *qk = s * x + c * y;
                }
            }
        }
    }
    let mut d: Vec<f64> = (0..n).map(|i| a[i][i]).collect();
    d.sort_by(f64::total_cmp);
    d
}

#[test]
fn a_checkpoint_finds_the_extreme_eigenvalues_and_trace_of_the_explicit_hessian() {
    let (net, params, data) = tiny(&[4, 3], Activation::Tanh, Loss::CrossEntropy, true, 20);
    let full = FullLoss { net: &net, params: &params, data: &data };
    let h = explicit_hessian(&full);
    let spectrum = eigenvalues(h.clone());
    let (low, high) = (spectrum[0], spectrum[spectrum.len() - 1]);
    let exact_trace: f64 = spectrum.iter().sum();
    let settings = CurvatureSettings {
        power: PowerSettings { iterations: 2000, tolerance: 1e-10 },
        ..Default::default()
    };
    // The checkpoint runs on the layer-list network; the explicit Hessian above is the MLP's, whose
    // parameters are laid out the same.
    let hidden: Vec<usize> = net.layers[..net.layers.len() - 1].iter().map(|l| l.fan_out).collect();
    let bias = net.layers[0].bias.is_some();
    let net = crate::nn::network::Network::mlp(
        net.inputs(),
        &hidden,
        net.outputs(),
        net.activation,
        bias,
        net.loss,
    );
    let full = crate::nn::network::FullLoss { net: &net, params: &params, data: &data };
    let mut ws = crate::nn::network::HvpWorkspace::new(&net);
    let m = measure(&full, &settings, None, &mut ChaCha8Rng::seed_from_u64(4), &mut ws);
    assert!((m.lambda_max.value - high).abs() < 1e-4 * high, "{:?} vs {high}", m.lambda_max);
    let bottom = m.lambda_min.unwrap();
    assert!(low < 0.0 && (bottom.value - low).abs() < 1e-3 * (high - low), "{bottom:?} vs {low}");
    let trace = m.trace.unwrap();
    assert!((trace.mean - exact_trace).abs() < 4.0 * trace.standard_error, "{trace:?} vs {exact_trace}");
    let used = m.lambda_max.iterations + bottom.iterations + trace.probes + m.noise_scale.unwrap().probes + 1;
    assert_eq!(m.hessian_products, used);
    let again = measure(&full, &settings, None, &mut ChaCha8Rng::seed_from_u64(4), &mut ws);
    assert_eq!(m, again, "the same stream gives the same checkpoint");
}
