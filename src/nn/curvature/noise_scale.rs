//! The curvature-weighted gradient noise scale B_noise = tr(H Sigma) / (G^T H G) from a sample of
//! per-example gradients, each costing one product with the full-data Hessian.

use super::{Product, dot, mean_and_standard_error};
use rand::Rng;
use rand::seq::index;

/// B_noise and the pieces it is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseScaleEstimate {
    /// G^T H G, exact (one product with the full gradient).
    pub g_h_g: f64,
    /// mean_i g_i^T H g_i over the sampled examples: the estimate of the mean over all N.
    pub example_mean: f64,
    /// tr(H Sigma) = mean_i g_i^T H g_i - G^T H G, with Sigma the per-example gradient covariance.
    pub trace_h_sigma: f64,
    /// Standard error of `trace_h_sigma`, with the finite-population correction (0 when every example
    /// is sampled; NaN with a single probe).
    pub trace_h_sigma_se: f64,
    /// tr(H Sigma) / (G^T H G); None where G^T H G <= 0 (at a stationary point or negative curvature
    /// along G, where the noise scale is not defined).
    pub b_noise: Option<f64>,
    /// Standard error of `b_noise` (G^T H G is exact, so the ratio's error is that of the numerator).
    pub b_noise_se: Option<f64>,
    /// Examples sampled (without replacement), each one Hessian product.
    pub probes: usize,
    /// N, the examples the mean runs over.
    pub examples: usize,
}

/// B_noise from `probes` examples drawn without replacement from `examples` by `rng` (at most N).
/// `product` is the full-data Hessian's, `gradient` is G, `example_gradient(i, out)` writes g_i.
/// Costs `probes + 1` products.
pub fn noise_scale(
    mut product: impl Product,
    gradient: &[f64],
    examples: usize,
    probes: usize,
    mut example_gradient: impl FnMut(usize, &mut [f64]),
    rng: &mut impl Rng,
) -> NoiseScaleEstimate {
    let dim = gradient.len();
    let mut hg = vec![0.0; dim];
    product(gradient, &mut hg);
    let g_h_g = dot(gradient, &hg);
    let m = probes.min(examples);
    let mut g = vec![0.0; dim];
    let samples: Vec<f64> = index::sample(rng, examples, m)
        .iter()
        .map(|i| {
            example_gradient(i, &mut g);
            product(&g, &mut hg);
            dot(&g, &hg)
        })
        .collect();
    let (example_mean, se) = mean_and_standard_error(&samples);
    // Sampling m of N without replacement: Var(mean) = (1 - m/N) S^2 / m with S^2 the population
    // variance taken over N - 1, estimated without bias by the sample variance over m - 1.
    let trace_h_sigma_se = se * (1.0 - m as f64 / examples as f64).sqrt();
    let trace_h_sigma = example_mean - g_h_g;
    let defined = g_h_g > 0.0;
    NoiseScaleEstimate {
        g_h_g,
        example_mean,
        trace_h_sigma,
        trace_h_sigma_se,
        b_noise: defined.then(|| trace_h_sigma / g_h_g),
        b_noise_se: defined.then(|| trace_h_sigma_se / g_h_g),
        probes: m,
        examples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Per-example losses 0.5 (w - c_i)^T A (w - c_i): g_i = A (w - c_i), H = A for every example,
    /// G = A (w - mean c), Sigma = A Cov(c) A, so tr(H Sigma) = tr(A^3 Cov(c)) and G^T H G are exact.
    struct Quadratic {
        a: [[f64; 3]; 3],
        c: Vec<[f64; 3]>,
        w: [f64; 3],
    }

    impl Quadratic {
        fn new(n: usize, w: [f64; 3]) -> Self {
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let c = (0..n).map(|_| [0; 3].map(|_| rng.random_range(-1.0..1.0))).collect();
            Quadratic { a: [[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]], c, w }
        }
        fn mean_c(&self) -> [f64; 3] {
            [0, 1, 2].map(|k| self.c.iter().map(|c| c[k]).sum::<f64>() / self.c.len() as f64)
        }
        fn times_a(&self, v: &[f64], out: &mut [f64]) {
            (0..3).for_each(|r| out[r] = (0..3).map(|k| self.a[r][k] * v[k]).sum());
        }
        fn gradient_at(&self, c: [f64; 3]) -> Vec<f64> {
            let mut g = vec![0.0; 3];
            self.times_a(&[0, 1, 2].map(|k| self.w[k] - c[k]), &mut g);
            g
        }
        /// (tr(A^3 Cov(c)), G^T A G), from matrices.
        fn exact(&self) -> (f64, f64) {
            let mean = self.mean_c();
            let n = self.c.len() as f64;
            let cov = |i: usize, j: usize| {
                self.c.iter().map(|c| (c[i] - mean[i]) * (c[j] - mean[j])).sum::<f64>() / n
            };
            let mul = |x: [[f64; 3]; 3], y: [[f64; 3]; 3]| {
                [0, 1, 2].map(|i| [0, 1, 2].map(|j| (0..3).map(|k| x[i][k] * y[k][j]).sum::<f64>()))
            };
            let a3 = mul(mul(self.a, self.a), self.a);
            let trace = (0..3).map(|i| (0..3).map(|k| a3[i][k] * cov(k, i)).sum::<f64>()).sum();
            let g = self.gradient_at(mean);
            let mut ag = vec![0.0; 3];
            self.times_a(&g, &mut ag);
            (trace, dot(&g, &ag))
        }
        fn estimate(&self, probes: usize, seed: u64) -> NoiseScaleEstimate {
            let g = self.gradient_at(self.mean_c());
            let example = |i: usize, out: &mut [f64]| out.copy_from_slice(&self.gradient_at(self.c[i]));
            let a = |v: &[f64], out: &mut [f64]| self.times_a(v, out);
            noise_scale(a, &g, self.c.len(), probes, example, &mut ChaCha8Rng::seed_from_u64(seed))
        }
    }

    #[test]
    fn every_example_probed_gives_the_exact_noise_scale_of_a_quadratic() {
        let q = Quadratic::new(24, [1.5, -0.5, 2.0]);
        let (trace, ghg) = q.exact();
        let e = q.estimate(24, 0);
        assert!(
            (e.trace_h_sigma - trace).abs() < 1e-12 * trace && (e.g_h_g - ghg).abs() < 1e-12 * ghg,
            "{e:?}"
        );
        assert_eq!(e.trace_h_sigma_se, 0.0);
        assert!((e.b_noise.unwrap() - trace / ghg).abs() < 1e-12 * trace / ghg);
        assert_eq!(q.estimate(1000, 0).probes, 24, "probes are capped at N");
    }

    #[test]
    fn a_sample_of_examples_is_unbiased_and_its_standard_error_matches_the_spread_over_seeds() {
        // 8 of 24 examples, 400 seeds: the mean estimate within 4 standard errors of the mean, the mean
        // squared standard error (with the finite-population correction) within 25 % of the variance
        // over seeds, and nine in ten estimates within 3 of their own standard errors.
        let q = Quadratic::new(24, [1.5, -0.5, 2.0]);
        let (trace, _) = q.exact();
        let runs: Vec<NoiseScaleEstimate> = (0..400).map(|seed| q.estimate(8, seed)).collect();
        let values: Vec<f64> = runs.iter().map(|e| e.trace_h_sigma).collect();
        let (mean, se_of_mean) = mean_and_standard_error(&values);
        assert!((mean - trace).abs() < 4.0 * se_of_mean, "{mean} vs {trace} (se {se_of_mean})");
        let variance = values.iter().map(|v| (v - trace).powi(2)).sum::<f64>() / values.len() as f64;
        let claimed = runs.iter().map(|e| e.trace_h_sigma_se.powi(2)).sum::<f64>() / runs.len() as f64;
        assert!((claimed / variance - 1.0).abs() < 0.25, "claimed {claimed} vs observed {variance}");
        let covered =
            runs.iter().filter(|e| (e.trace_h_sigma - trace).abs() < 3.0 * e.trace_h_sigma_se).count();
        assert!(covered >= 360, "{covered} of 400 within 3 standard errors");
    }

    #[test]
    fn at_the_minimum_the_noise_scale_is_undefined() {
        let mut q = Quadratic::new(10, [0.0; 3]);
        q.w = q.mean_c();
        let e = q.estimate(10, 0);
        assert!(e.g_h_g.abs() < 1e-20 && e.trace_h_sigma > 0.0);
        assert_eq!((e.b_noise, e.b_noise_se), (None, None));
    }
}
