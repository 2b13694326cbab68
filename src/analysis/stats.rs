//! Statistics that know nothing about runs, batch sizes or records: means and spreads, rank correlation
//! and weighted least squares. The analysis, the figures and the report all draw on these, so a mean is
//! computed one way everywhere.

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

#[cfg(test)]
mod tests {
    use super::*;

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
