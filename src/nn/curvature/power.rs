//! Extreme eigenvalues of a symmetric operator given only its products: power iteration from a seeded
//! random start, reported as a Rayleigh quotient.

use super::{Product, dot};
use rand::Rng;
use rand_distr::StandardNormal;

/// When a power iteration stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerSettings {
    /// Most operator products (iterations) to spend.
    pub iterations: usize,
    /// Stop once the Rayleigh quotient's relative change between iterations falls below this.
    pub tolerance: f64,
}

impl Default for PowerSettings {
    /// 100 iterations, tolerance 1e-5: on digits the second eigenvalue is 0.82-0.95 of the first, and
    /// a tolerance of 1e-3 stops early with errors of about 1e-2.
    fn default() -> Self {
        PowerSettings { iterations: 100, tolerance: 1e-5 }
    }
}

/// An eigenvalue estimate and how the iteration ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eigenvalue {
    /// The Rayleigh quotient v^T A v of the last unit iterate.
    pub value: f64,
    /// Operator products spent.
    pub iterations: usize,
    /// |q_k - q_{k-1}| / |q_k| at the last iteration (infinite after a single one).
    pub relative_change: f64,
    /// True when `relative_change` fell below the tolerance before the iterations ran out.
    pub converged: bool,
}

/// The dominant eigenvalue of `A - shift I` plus `shift`, from a N(0, I) start drawn from `rng`.
/// The start is drawn whole before the first product, so the stream advances by `dim` normals
/// whatever the iteration does.
pub fn power_iteration(
    mut product: impl Product,
    dim: usize,
    shift: f64,
    settings: PowerSettings,
    rng: &mut impl Rng,
) -> Eigenvalue {
    let mut v: Vec<f64> = (0..dim).map(|_| rng.sample(StandardNormal)).collect();
    let mut w = vec![0.0; dim];
    scale_to_unit(&mut v);
    let mut previous = f64::NAN;
    let mut result =
        Eigenvalue { value: 0.0, iterations: 0, relative_change: f64::INFINITY, converged: false };
    for k in 1..=settings.iterations.max(1) {
        product(&v, &mut w);
        w.iter_mut().zip(&v).for_each(|(w, v)| *w -= shift * v);
        let q = dot(&v, &w);
        result.iterations = k;
        result.value = q + shift;
        result.relative_change = relative_change(q, previous);
        previous = q;
        if result.relative_change < settings.tolerance || dot(&w, &w) == 0.0 {
            result.converged = true;
            break;
        }
        std::mem::swap(&mut v, &mut w);
        scale_to_unit(&mut v);
    }
    result
}

/// lambda_max of A. Power iteration finds the eigenvalue of largest magnitude; when that is negative
/// (a saddle whose negative curvature dominates) a second iteration on A - q I, whose spectrum is then
/// non-negative, finds the largest one. `iterations` counts the products of both.
pub fn lambda_max(
    mut product: impl Product,
    dim: usize,
    settings: PowerSettings,
    rng: &mut impl Rng,
) -> Eigenvalue {
    let dominant = power_iteration(&mut product, dim, 0.0, settings, rng);
    if dominant.value >= 0.0 {
        return dominant;
    }
    let mut top = power_iteration(&mut product, dim, dominant.value, settings, rng);
    top.iterations += dominant.iterations;
    top
}

/// lambda_min of A, by power iteration on A - lambda_max I (whose dominant eigenvalue is then
/// lambda_min - lambda_max <= 0) from its own start. The relative change is that of
/// lambda_min - lambda_max, so the error is relative to the spectrum's width, not to lambda_min.
pub fn lambda_min(
    product: impl Product,
    dim: usize,
    lambda_max: f64,
    settings: PowerSettings,
    rng: &mut impl Rng,
) -> Eigenvalue {
    power_iteration(product, dim, lambda_max, settings, rng)
}

/// lambda_max(P^1/2 A P^1/2) for the diagonal preconditioner `p` (an adaptive optimiser's effective
/// per-parameter step over its learning rate: 1 / (sqrt(v_hat) + eps) for Adam and RMSprop). Its
/// eigenvalues are those of P A, whose stability limit an adaptive step obeys.
pub fn preconditioned_lambda_max(
    mut product: impl Product,
    preconditioner: &[f64],
    settings: PowerSettings,
    rng: &mut impl Rng,
) -> Eigenvalue {
    let root: Vec<f64> = preconditioner.iter().map(|p| p.sqrt()).collect();
    let mut u = vec![0.0; root.len()];
    let symmetric = |v: &[f64], out: &mut [f64]| {
        u.iter_mut().zip(v).zip(&root).for_each(|((u, v), r)| *u = r * v);
        product(&u, out);
        out.iter_mut().zip(&root).for_each(|(o, r)| *o *= r);
    };
    lambda_max(symmetric, preconditioner.len(), settings, rng)
}

fn relative_change(q: f64, previous: f64) -> f64 {
    if previous.is_nan() {
        f64::INFINITY
    } else if q == previous {
        0.0
    } else {
        (q - previous).abs() / q.abs()
    }
}

fn scale_to_unit(v: &mut [f64]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn diagonal(d: &[f64]) -> impl FnMut(&[f64], &mut [f64]) + '_ {
        move |v, out| out.iter_mut().zip(v).zip(d).for_each(|((o, v), d)| *o = d * v)
    }

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn lambda_max_of_a_diagonal_matrix_is_its_largest_entry() {
        let d = [5.0, 2.0, 1.0, 0.5, -1.0, 0.0];
        // Ratio 0.4: the quotient's error is the last change times 0.4^2 / (1 - 0.4^2), under 1e-5.
        let e = lambda_max(diagonal(&d), d.len(), PowerSettings::default(), &mut rng(1));
        assert!(e.converged && (e.value - 5.0).abs() < 5.0 * 1e-5 * 0.2, "{e:?}");
    }

    #[test]
    fn a_close_second_eigenvalue_still_converges_with_the_default_tolerance() {
        // Ratio 0.95 as on digits: the Rayleigh quotient's error falls as 0.95^(2k), so reaching 1e-5
        // relative change leaves an error of about tolerance / (1 - 0.95^2) ~ 1e-4 relative.
        let d: Vec<f64> =
            [10.0, 9.5, 9.0, 3.0].into_iter().chain((0..60).map(|i| 0.1 * f64::from(i % 7))).collect();
        let e = lambda_max(diagonal(&d), d.len(), PowerSettings::default(), &mut rng(2));
        assert!(e.converged && e.iterations < 100, "{e:?}");
        assert!((e.value - 10.0).abs() < 2e-3, "{e:?}");
        // A loose tolerance stops after a handful of iterations, far from the answer.
        let loose = PowerSettings { tolerance: 1e-2, ..PowerSettings::default() };
        let early = lambda_max(diagonal(&d), d.len(), loose, &mut rng(2));
        assert!(
            early.iterations < e.iterations && (early.value - 10.0).abs() > 10.0 * (e.value - 10.0).abs()
        );
    }

    #[test]
    fn running_out_of_iterations_is_reported_as_not_converged() {
        let d = [1.0, 0.999, 0.5];
        let settings = PowerSettings { iterations: 5, tolerance: 1e-12 };
        let e = lambda_max(diagonal(&d), d.len(), settings, &mut rng(3));
        assert!(!e.converged && e.iterations == 5 && e.relative_change > 1e-12, "{e:?}");
    }

    #[test]
    fn lambda_min_finds_a_negative_smallest_eigenvalue() {
        let d = [4.0, 3.0, 0.5, -0.7, -2.0];
        let settings = PowerSettings::default();
        let top = lambda_max(diagonal(&d), d.len(), settings, &mut rng(4));
        let bottom = lambda_min(diagonal(&d), d.len(), top.value, settings, &mut rng(5));
        assert!(bottom.converged && (bottom.value + 2.0).abs() < 1e-4, "{bottom:?}");
    }

    #[test]
    fn a_dominant_negative_eigenvalue_does_not_pass_for_lambda_max() {
        // |-6| > 4: plain power iteration converges to -6; the shifted second run finds 4.
        let d = [4.0, 1.0, -6.0];
        let e = lambda_max(diagonal(&d), d.len(), PowerSettings::default(), &mut rng(6));
        assert!((e.value - 4.0).abs() < 1e-4, "{e:?}");
        let plain = power_iteration(diagonal(&d), d.len(), 0.0, PowerSettings::default(), &mut rng(6));
        assert!((plain.value + 6.0).abs() < 1e-4 && e.iterations > plain.iterations);
    }

    #[test]
    fn preconditioned_sharpness_is_the_top_eigenvalue_of_p_times_a() {
        // A = [[2, 1], [1, 2]], P = diag(1, 4): P A = [[2, 1], [4, 8]], eigenvalues 5 +- sqrt(13).
        let a = |v: &[f64], out: &mut [f64]| {
            out[0] = 2.0 * v[0] + v[1];
            out[1] = v[0] + 2.0 * v[1];
        };
        let e = preconditioned_lambda_max(a, &[1.0, 4.0], PowerSettings::default(), &mut rng(7));
        assert!((e.value - (5.0 + 13f64.sqrt())).abs() < 1e-5, "{e:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_estimate() {
        let d = [3.0, 2.9, 1.0];
        let settings = PowerSettings { iterations: 7, tolerance: 0.0 };
        let a = lambda_max(diagonal(&d), 3, settings, &mut rng(8));
        assert_eq!(a, lambda_max(diagonal(&d), 3, settings, &mut rng(8)));
        assert_ne!(a.value, lambda_max(diagonal(&d), 3, settings, &mut rng(9)).value);
    }
}
