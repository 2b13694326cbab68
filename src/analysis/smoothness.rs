//! Smoothness of a loss curve: the total-variation ratio, the share of steps that went up, and the spread
//! of the raw loss around its moving average.

use serde::{Deserialize, Serialize};

/// Half width of the centred moving average of the per-iteration loss: 2 x 10 + 1 = 21 updates.
pub const HALF_WINDOW: usize = 10;

/// How smooth one run's curves were.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Smoothness {
    /// Total-variation ratio of the per-epoch training loss (1 = monotone).
    pub epoch_tv_ratio: Option<f64>,
    /// Share of epochs whose training loss went up.
    pub epoch_up_fraction: Option<f64>,
    /// Total-variation ratio of the per-iteration (mini-batch) loss.
    pub iteration_tv_ratio: Option<f64>,
    /// Share of logged updates whose mini-batch loss went up.
    pub iteration_up_fraction: Option<f64>,
    /// Standard deviation of the mini-batch loss around its centred 21-update moving average.
    pub iteration_residual_std: Option<f64>,
}

impl Smoothness {
    /// The measures of a run's per-epoch and per-iteration losses (non-finite values are dropped).
    pub fn of(epoch_losses: &[f64], iteration_losses: &[f64]) -> Self {
        let finite = |v: &[f64]| v.iter().copied().filter(|x| x.is_finite()).collect::<Vec<f64>>();
        let (epochs, iterations) = (finite(epoch_losses), finite(iteration_losses));
        Smoothness {
            epoch_tv_ratio: tv_ratio(&epochs),
            epoch_up_fraction: up_fraction(&epochs),
            iteration_tv_ratio: tv_ratio(&iterations),
            iteration_up_fraction: up_fraction(&iterations),
            iteration_residual_std: residual_std(&iterations, HALF_WINDOW),
        }
    }
}

/// sum |L(t+1) - L(t)| / |L(first) - L(last)|: exactly 1 for a monotone curve, larger when it zig-zags.
/// None for fewer than two points or when the first and last values are equal.
pub fn tv_ratio(values: &[f64]) -> Option<f64> {
    let (first, last) = (values.first()?, values.last()?);
    let net = (first - last).abs();
    if values.len() < 2 || net == 0.0 {
        return None;
    }
    let total: f64 = values.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
    Some(total / net)
}

/// Share of steps t -> t+1 where the value rose; None for fewer than two points.
pub fn up_fraction(values: &[f64]) -> Option<f64> {
    let steps = values.len().checked_sub(1).filter(|&s| s > 0)?;
    let ups = values.windows(2).filter(|w| w[1] > w[0]).count();
    Some(ups as f64 / steps as f64)
}

/// Population standard deviation of x(t) - m(t), where m(t) is the mean of x over the window
/// t - half ..= t + half cut to the series; None for fewer than two points.
pub fn residual_std(values: &[f64], half: usize) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mut prefix = vec![0.0; values.len() + 1];
    for (i, v) in values.iter().enumerate() {
        prefix[i + 1] = prefix[i] + v;
    }
    let residuals: Vec<f64> = (0..values.len())
        .map(|t| {
            let (lo, hi) = (t.saturating_sub(half), (t + half + 1).min(values.len()));
            values[t] - (prefix[hi] - prefix[lo]) / (hi - lo) as f64
        })
        .collect();
    let mean = residuals.iter().sum::<f64>() / residuals.len() as f64;
    Some((residuals.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / residuals.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monotone_curve_has_ratio_exactly_one_and_no_rises() {
        let curve = [2.3, 1.9, 1.2, 1.2, 0.7, 0.31];
        assert_eq!(tv_ratio(&curve), Some(1.0));
        assert_eq!(up_fraction(&curve), Some(0.0));
    }

    #[test]
    fn a_zig_zag_has_the_hand_computed_ratio() {
        // Steps 4 -> 2 -> 3 -> 1 -> 2 -> 0: |-2| + 1 + |-2| + 1 + |-2| = 8 over a net fall of 4: ratio 2;
        // two of five steps rose.
        let curve = [4.0, 2.0, 3.0, 1.0, 2.0, 0.0];
        assert_eq!(tv_ratio(&curve), Some(2.0));
        assert_eq!(up_fraction(&curve), Some(0.4));
    }

    #[test]
    fn a_flat_curve_has_no_ratio() {
        assert_eq!(tv_ratio(&[1.0, 2.0, 1.0]), None);
        assert_eq!(tv_ratio(&[1.0]), None);
    }

    #[test]
    fn a_straight_line_has_no_residual_inside_the_window() {
        // A line equals its centred moving average wherever the window is symmetric; the cut windows at
        // the ends are not, so use a constant series for an exact zero.
        assert_eq!(residual_std(&[3.0; 50], 5), Some(0.0));
    }

    #[test]
    fn alternating_noise_around_a_constant_has_the_hand_computed_residual() {
        // 1.5, 0.5, 1.5, ... with a 201-point window: a window centred on a 1.5 holds 101 of them and 100
        // of 0.5, so its mean is 1 + 0.5/201 and the residual 0.5 - 0.5/201 = 0.5 x 200/201 (and the
        // mirror image on 0.5s). The 200 cut windows at the ends of 100 000 points move it by < 1e-3.
        let v: Vec<f64> = (0..100_000).map(|i| if i % 2 == 0 { 1.5 } else { 0.5 }).collect();
        let s = residual_std(&v, 100).unwrap();
        assert!((s - 0.5 * 200.0 / 201.0).abs() < 1e-3, "{s}");
    }
}
