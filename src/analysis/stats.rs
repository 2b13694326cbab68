//! Statistics that know nothing about runs, batch sizes or records: means and spreads, 95 % intervals
//! (Student t for means and paired differences, a seeded percentile bootstrap for anything else), rank
//! correlation and weighted least squares. The analysis, the figures and the report all draw on these, so
//! a mean or an interval is computed one way everywhere.

/// The arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The population standard deviation sqrt(sum (x - mean)^2 / n); `None` for no values.
pub fn population_std(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    Some((values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

/// The sample standard deviation sqrt(sum (x - mean)^2 / (n - 1)); `None` for fewer than two values.
pub fn sample_std(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    (values.len() >= 2)
        .then(|| (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt())
}

/// The smallest and largest value; `None` for no values.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let lo = values.iter().copied().reduce(f64::min)?;
    let hi = values.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// Spearman's rank correlation of (x, y) points (average ranks for ties); 0 when either is constant.
pub fn spearman(points: &[(f64, f64)]) -> f64 {
    let rx = ranks(&points.iter().map(|p| p.0).collect::<Vec<_>>());
    let ry = ranks(&points.iter().map(|p| p.1).collect::<Vec<_>>());
    let (Some(mx), Some(my)) = (mean(&rx), mean(&ry)) else { return 0.0 };
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 { 0.0 } else { cov / (vx * vy).sqrt() }
}

/// 1-based ranks of `v`, ties sharing their average rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        (i..=j).for_each(|k| out[order[k]] = (i + j) as f64 / 2.0 + 1.0);
        i = j + 1;
    }
    out
}

/// A straight line y = intercept + slope x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// The value at x = 0.
    pub intercept: f64,
    /// The change of y per unit of x.
    pub slope: f64,
}

/// The weighted least-squares line through `(x, y, weight)` points: it minimises sum w (y - a - b x)^2.
/// `None` with no points, non-positive total weight, or x without spread (relative to its mean).
pub fn weighted_line(points: &[(f64, f64, f64)]) -> Option<Line> {
    let sw: f64 = points.iter().map(|p| p.2).sum();
    if points.is_empty() || sw <= 0.0 {
        return None;
    }
    let wmean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| points.iter().map(|p| p.2 * f(p)).sum::<f64>() / sw;
    let (mx, my) = (wmean(&|p| p.0), wmean(&|p| p.1));
    let sxx = wmean(&|p| (p.0 - mx).powi(2));
    if sxx <= 1e-15 * mx * mx {
        return None;
    }
    let slope = wmean(&|p| (p.0 - mx) * (p.1 - my)) / sxx;
    Some(Line { intercept: my - slope * mx, slope })
}

/// A 95 % confidence interval around an estimate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// The estimate (a mean, a mean difference, a fitted value).
    pub estimate: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// Whether the interval lies above `margin` (the difference is positive and at least `margin`).
    pub fn above(&self, margin: f64) -> bool {
        self.low > margin
    }

    /// Whether the interval lies below `-margin`.
    pub fn below(&self, margin: f64) -> bool {
        self.high < -margin
    }
}

/// Fewest samples an interval is computed from: with two, a t interval is 13 standard errors wide and a
/// bootstrap has three distinct resamples, so neither says anything.
pub const MIN_SAMPLES: usize = 3;

/// The two-sided 95 % quantile of Student's t distribution with `df` degrees of freedom (df >= 1): the
/// tabulated values up to 30, then the Cornish-Fisher expansion in 1/df around the normal quantile, which is
/// within 2e-4 of the exact value there.
pub fn t95(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_985;
    let d = df.max(1) as f64;
    z + (z.powi(3) + z) / (4.0 * d) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
}

/// The Student t interval of the mean of `values`: mean +- t(n - 1) s / sqrt(n). `None` with fewer than
/// [`MIN_SAMPLES`] values or a non-finite one.
pub fn mean_interval(values: &[f64]) -> Option<Interval> {
    if values.len() < MIN_SAMPLES || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let m = mean(values)?;
    let half = t95(values.len() - 1) * sample_std(values)? / (values.len() as f64).sqrt();
    Some(Interval { estimate: m, low: m - half, high: m + half })
}

/// The t interval of the mean paired difference a_r - b_r over pairs that share their repeat r.
pub fn paired_interval(pairs: &[(f64, f64)]) -> Option<Interval> {
    mean_interval(&pairs.iter().map(|(a, b)| a - b).collect::<Vec<f64>>())
}

/// Percentile bootstrap: `statistic` of `resamples` samples drawn with replacement from `n` units (its
/// argument lists the units drawn), seeded, so the interval is the same on every run. The estimate is the
/// statistic of the units as they are. `None` with fewer than [`MIN_SAMPLES`] units, when the statistic has
/// no value on the data itself, or when it has one on fewer than half the resamples.
pub fn bootstrap(
    n: usize,
    resamples: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize]) -> Option<f64>,
) -> Option<Interval> {
    use rand::{Rng, SeedableRng};
    if n < MIN_SAMPLES {
        return None;
    }
    let estimate = statistic(&(0..n).collect::<Vec<_>>())?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut units = vec![0; n];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        units.iter_mut().for_each(|u| *u = rng.random_range(0..n));
        values.extend(statistic(&units).filter(|v| v.is_finite()));
    }
    if values.len() * 2 < resamples.max(1) {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((q * (values.len() - 1) as f64).round() as usize).min(values.len() - 1)];
    Some(Interval { estimate, low: at(0.025), high: at(0.975) })
}

/// Whether two values are equal to within `RELATIVE_TIE` of their size: differences below this are
/// rounding, not measurement (a monotone curve's total-variation ratio comes out as 0.9999999999999998).
pub fn tied(a: f64, b: f64) -> bool {
    (a - b).abs() <= RELATIVE_TIE * a.abs().max(b.abs())
}

/// Relative difference below which two values count as equal.
pub const RELATIVE_TIE: f64 = 1e-9;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::StandardNormal;

    #[test]
    fn t_quantiles_match_the_tables_on_both_sides_of_thirty() {
        assert_eq!(t95(2), 4.303);
        // Exact values: t(0.975, 40) = 2.0211, t(0.975, 120) = 1.9799, and the normal 1.9600 in the limit.
        assert!((t95(40) - 2.0211).abs() < 2e-4, "{}", t95(40));
        assert!((t95(120) - 1.9799).abs() < 2e-4, "{}", t95(120));
        assert!((t95(100_000) - 1.95996).abs() < 1e-4);
    }

    #[test]
    fn a_t_interval_by_hand() {
        // 1, 2, 3, 4, 5: mean 3, s = sqrt(2.5), half width 2.776 sqrt(2.5)/sqrt(5) = 2.776/sqrt(2).
        let i = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let half = 2.776 / 2f64.sqrt();
        assert!((i.low - (3.0 - half)).abs() < 1e-12 && (i.high - (3.0 + half)).abs() < 1e-12);
        assert_eq!(mean_interval(&[1.0, 2.0]), None);
        let paired = paired_interval(&[(3.0, 1.0), (4.0, 1.0), (5.0, 1.0)]).unwrap();
        assert_eq!(paired.estimate, 3.0);
        assert!(paired.above(0.01) && !paired.below(0.0));
    }

    /// Share of `trials` simulated samples of `n` normal values (mean 1) whose interval covers 1.
    fn coverage(trials: usize, n: usize, interval: impl Fn(&[f64], u64) -> Option<Interval>) -> f64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let covered = (0..trials)
            .filter(|&t| {
                let v: Vec<f64> = (0..n).map(|_| 1.0 + rng.sample::<f64, _>(StandardNormal)).collect();
                interval(&v, t as u64).is_some_and(|i| i.low <= 1.0 && 1.0 <= i.high)
            })
            .count();
        covered as f64 / trials as f64
    }

    #[test]
    fn t_intervals_cover_the_true_mean_at_the_nominal_rate() {
        // 2000 samples of 5: the binomial standard error of a 95 % coverage is 0.5 %.
        let rate = coverage(2000, 5, |v, _| mean_interval(v));
        assert!((0.935..=0.965).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn bootstrap_intervals_cover_the_true_mean_at_about_the_nominal_rate() {
        // The percentile bootstrap undercovers for small samples (about 93 % at n = 20); 400 samples of 20.
        let rate = coverage(400, 20, |v, seed| {
            bootstrap(v.len(), 999, seed, |units| mean(&units.iter().map(|&u| v[u]).collect::<Vec<_>>()))
        });
        assert!((0.90..=0.98).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn the_bootstrap_is_seeded_and_needs_three_units() {
        let v = [1.0, 4.0, 2.0, 8.0, 5.0];
        let stat = |u: &[usize]| mean(&u.iter().map(|&i| v[i]).collect::<Vec<_>>());
        assert_eq!(bootstrap(5, 500, 3, stat), bootstrap(5, 500, 3, stat));
        assert_ne!(bootstrap(5, 500, 3, stat), bootstrap(5, 500, 4, stat));
        assert_eq!(bootstrap(2, 500, 3, stat), None);
    }

    #[test]
    fn values_equal_to_rounding_are_tied_and_others_are_not() {
        assert!(tied(1.0, 0.9999999999999998));
        assert!(!tied(1.0, 1.0003));
    }

    #[test]
    fn mean_and_spreads_of_a_small_sample_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32: population std 2, sample sqrt(32/7).
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&v), Some(5.0));
        assert_eq!(population_std(&v), Some(2.0));
        assert!((sample_std(&v).unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
        assert_eq!(min_max(&v), Some((2.0, 9.0)));
        assert_eq!((mean(&[]), sample_std(&[1.0])), (None, None));
    }

    #[test]
    fn spearman_is_one_for_a_monotone_relation_and_minus_one_for_a_reversed_one() {
        assert_eq!(spearman(&[(1.0, 1.0), (2.0, 8.0), (3.0, 9.0)]), 1.0);
        assert_eq!(spearman(&[(1.0, 3.0), (2.0, 2.0), (8.0, 1.0)]), -1.0);
    }

    #[test]
    fn tied_values_share_their_average_rank() {
        assert_eq!(ranks(&[5.0, 1.0, 5.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn weighted_least_squares_recovers_an_exact_line_and_follows_the_weights() {
        let exact: Vec<(f64, f64, f64)> =
            [0.0, 1.0, 2.0, 5.0].iter().map(|&x| (x, 3.0 - 2.0 * x, 1.0)).collect();
        let line = weighted_line(&exact).unwrap();
        assert!((line.intercept - 3.0).abs() < 1e-12 && (line.slope + 2.0).abs() < 1e-12);
        // Three points, the middle one off the line by 3: with its weight near zero the fit ignores it.
        let line = weighted_line(&[(0.0, 0.0, 1.0), (1.0, 4.0, 1e-12), (2.0, 2.0, 1.0)]).unwrap();
        assert!((line.slope - 1.0).abs() < 1e-9 && line.intercept.abs() < 1e-9);
        assert_eq!(weighted_line(&[(1.0, 1.0, 1.0), (1.0, 2.0, 1.0)]), None);
    }
}
