//! The trace of a symmetric operator from its products: Hutchinson's estimator with Rademacher probes.

use super::{Product, dot, mean_and_standard_error};
use rand::Rng;

/// A mean over random probes and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceEstimate {
    /// Mean of z^T A z over the probes: an unbiased estimate of tr(A).
    pub mean: f64,
    /// Sample standard deviation over sqrt(probes); NaN with a single probe.
    pub standard_error: f64,
    /// Probes (operator products) spent.
    pub probes: usize,
}

/// tr(A) ~ mean_k z_k^T A z_k with z_k entries +-1 drawn from `rng`. Each term is unbiased
/// (E[z z^T] = I); its variance is 2 sum_{i != j} A_ij^2, so a diagonal operator is estimated exactly.
pub fn hutchinson_trace(
    mut product: impl Product,
    dim: usize,
    probes: usize,
    rng: &mut impl Rng,
) -> TraceEstimate {
    let mut z = vec![0.0; dim];
    let mut az = vec![0.0; dim];
    let samples: Vec<f64> = (0..probes)
        .map(|_| {
            z.iter_mut().for_each(|z| *z = if rng.random::<bool>() { 1.0 } else { -1.0 });
            product(&z, &mut az);
            dot(&z, &az)
        })
        .collect();
    let (mean, standard_error) = mean_and_standard_error(&samples);
    TraceEstimate { mean, standard_error, probes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::reference::{explicit_hessian, tiny};
    use crate::nn::{FullLoss, HvpWorkspace, Loss};
    use crate::spec::Activation;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn a_diagonal_operator_has_an_exact_trace_and_no_spread() {
        let d = [3.0, -1.0, 0.25];
        let diagonal =
            |v: &[f64], out: &mut [f64]| out.iter_mut().zip(v).zip(&d).for_each(|((o, v), d)| *o = d * v);
        let t = hutchinson_trace(diagonal, 3, 5, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!((t.mean, t.standard_error, t.probes), (2.25, 0.0, 5));
    }

    #[test]
    fn the_trace_of_a_tiny_network_hessian_is_within_its_standard_errors() {
        // Exact trace from the explicit Hessian (every column H e_j); the estimate with 400 probes must
        // lie within 4 standard errors, and its standard error must match the variance formula
        // 2 sum_{i != j} H_ij^2 / probes to within sampling error.
        for (activation, loss) in
            [(Activation::Tanh, Loss::CrossEntropy), (Activation::Relu, Loss::MeanSquared)]
        {
            let (net, params, data) = tiny(&[4, 3], activation, loss, true, 20);
            let full = FullLoss { net: &net, params: &params, data: &data };
            let h = explicit_hessian(&full);
            let exact: f64 = (0..net.params).map(|j| h[j][j]).sum();
            let off: f64 = (0..net.params)
                .flat_map(|i| (0..net.params).filter(move |&j| j != i).map(move |j| (i, j)))
                .map(|(i, j)| h[i][j].powi(2))
                .sum();
            let mut ws = HvpWorkspace::new(&net);
            let probes = 400;
            let t = hutchinson_trace(
                |v: &[f64], out: &mut [f64]| {
                    full.hvp(v, &mut ws, out);
                },
                net.params,
                probes,
                &mut ChaCha8Rng::seed_from_u64(2),
            );
            assert!(
                (t.mean - exact).abs() < 4.0 * t.standard_error,
                "{activation:?} {loss:?}: {t:?} vs {exact}"
            );
            let predicted = (2.0 * off / probes as f64).sqrt();
            assert!((t.standard_error / predicted - 1.0).abs() < 0.25, "{t:?} vs predicted {predicted}");
        }
    }
}
