//! The critical batch size (McCandlish et al. 2018, "An Empirical Model of Large-Batch Training"): steps
//! S and examples E = B S to a target trade off as (S/S_min - 1)(E/E_min - 1) = 1, which with E = B S is
//! S(B) = S_min + E_min / B, a straight line in x = 1/B. B_crit = E_min / S_min is where both costs are
//! twice their minimum.
//!
//! The fit is weighted least squares with weights w = 1/S^2: it minimises the sum of squared *relative*
//! residuals ((S - fit)/S)^2, so the hundreds of steps of small batches and the handful of large batches
//! count alike (an unweighted fit would be decided by the smallest batch sizes alone).

use super::stats::weighted_line;
use serde::{Deserialize, Serialize};

/// The fitted line and what it implies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Fewest steps any batch size can need (the intercept).
    pub s_min: f64,
    /// Fewest examples any batch size can need (the slope in 1/B).
    pub e_min: f64,
    /// E_min / S_min, when both are positive.
    pub b_crit: Option<f64>,
    /// Root mean square of the relative residuals (S - fit)/S over the points.
    pub residual: f64,
    /// Points fitted.
    pub points: usize,
}

impl Fit {
    /// The fitted steps at batch size `b`.
    pub fn steps(&self, b: f64) -> f64 {
        self.s_min + self.e_min / b
    }
}

/// Fits S = S_min + E_min / B to `(batch size, steps)` points with weights 1/S^2; None with fewer than
/// two distinct batch sizes or a non-positive or non-finite step count.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    if points.len() < 2
        || points.iter().any(|&(b, s)| !(b > 0.0 && s > 0.0 && b.is_finite() && s.is_finite()))
    {
        return None;
    }
    let weighted: Vec<(f64, f64, f64)> = points.iter().map(|&(b, s)| (1.0 / b, s, 1.0 / (s * s))).collect();
    let line = weighted_line(&weighted)?;
    let (s_min, e_min) = (line.intercept, line.slope);
    let relative = |p: &(f64, f64)| (p.1 - (s_min + e_min / p.0)) / p.1;
    let residual = (points.iter().map(|p| relative(p).powi(2)).sum::<f64>() / points.len() as f64).sqrt();
    let b_crit = (s_min > 0.0 && e_min > 0.0).then(|| e_min / s_min);
    Some(Fit { s_min, e_min, b_crit, residual, points: points.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise in [-1, 1) from a 64-bit linear congruential generator.
    fn noise(state: &mut u64) -> f64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    #[test]
    fn exact_hyperbola_points_give_back_s_min_and_e_min() {
        // S_min = 40, E_min = 4000: S(1) = 4040, S(100) = 80, S(1000) = 44; B_crit = 100.
        let points: Vec<(f64, f64)> =
            [1.0, 10.0, 100.0, 1000.0].iter().map(|&b| (b, 40.0 + 4000.0 / b)).collect();
        let f = fit(&points).unwrap();
        assert!((f.s_min - 40.0).abs() < 1e-9 && (f.e_min - 4000.0).abs() < 1e-6, "{f:?}");
        assert!((f.b_crit.unwrap() - 100.0).abs() < 1e-8 && f.residual < 1e-12);
    }

    #[test]
    fn noisy_hyperbola_points_recover_s_min_and_e_min_within_a_few_percent() {
        // B = 1, 2, ..., 1024 and full = 1437, each S drawn from the hyperbola S_min = 50, E_min = 5000
        // (B_crit = 100) times (1 + 5 % uniform noise), 3 repeats of every batch size.
        let mut state = 7;
        let mut points = Vec::new();
        for b in (0..=10).map(|k| f64::from(1u32 << k)).chain([1437.0]) {
            for _ in 0..3 {
                points.push((b, (50.0 + 5000.0 / b) * (1.0 + 0.05 * noise(&mut state))));
            }
        }
        let f = fit(&points).unwrap();
        assert!((f.s_min / 50.0 - 1.0).abs() < 0.05, "S_min {}", f.s_min);
        assert!((f.e_min / 5000.0 - 1.0).abs() < 0.05, "E_min {}", f.e_min);
        assert!((f.b_crit.unwrap() / 100.0 - 1.0).abs() < 0.08, "B_crit {:?}", f.b_crit);
        // Uniform noise of +-5 % has a standard deviation of 5 %/sqrt(3) = 2.9 %.
        assert!(f.residual > 0.015 && f.residual < 0.045, "residual {}", f.residual);
    }

    #[test]
    fn perfect_scaling_has_no_positive_s_min_and_so_no_critical_batch_size() {
        // S = 1000/B: steps halve with every doubling, E is constant; S_min = 0, so B_crit is undefined.
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&b| (b, 1000.0 / b)).collect();
        let f = fit(&points).unwrap();
        assert!(f.s_min.abs() < 1e-9 && f.b_crit.is_none_or(|b| b > 1e9), "{f:?}");
    }

    #[test]
    fn one_batch_size_cannot_be_fitted() {
        assert_eq!(fit(&[(8.0, 100.0), (8.0, 110.0)]), None);
        assert_eq!(fit(&[(8.0, 100.0), (16.0, 0.0)]), None);
        assert_eq!(fit(&[]), None);
    }
}
