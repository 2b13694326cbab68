//! The critical batch size (McCandlish et al. 2018, "An Empirical Model of Large-Batch Training"): steps
//! S and examples E = B S to a target trade off as (S/S_min - 1)(E/E_min - 1) = 1, which with E = B S is
//! S(B) = S_min + E_min / B, a straight line in x = 1/B. B_crit = E_min / S_min is where both costs are
//! twice their minimum.
//!
//! The fit is weighted least squares with weights w = 1/S^2: it minimises the sum of squared *relative*
//! residuals ((S - fit)/S)^2, so the hundreds of steps of small batches and the handful of large batches
//! count alike (an unweighted fit would be decided by the smallest batch sizes alone).
//!
//! The fit is made only from batch sizes whose learning rate is bracketed and whose repeats all reached
//! the target, and only from four or more of them; it is refused when its relative residual exceeds 20 %.
//! Its intervals come from a seeded bootstrap over repeats (each resample refits the per-batch means).

use super::batch::BatchAnalysis;
use super::learning_rate::Tuning;
use super::run::RunAnalysis;
use super::stats::{self, Interval, weighted_line};
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

/// Fewest batch sizes a fit of two parameters is made from.
pub const MIN_POINTS: usize = 4;
/// Largest relative rms residual at which the hyperbola still describes the points.
pub const MAX_RESIDUAL: f64 = 0.2;
/// Bootstrap resamples of the repeats.
const RESAMPLES: usize = 1000;

/// The critical batch size with its caveats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critical {
    /// The fit, when it may be made.
    pub fit: Option<Fit>,
    /// Why there is no fit.
    pub refused: Option<String>,
    /// 95 % bootstrap interval of S_min.
    pub s_min_interval: Option<Interval>,
    /// 95 % bootstrap interval of E_min.
    pub e_min_interval: Option<Interval>,
    /// 95 % bootstrap interval of B_crit.
    pub b_crit_interval: Option<Interval>,
    /// B_simple where the runs of each fitted batch size crossed the target (mean over its repeats), from
    /// the smallest to the largest batch size: it depends on where in training each batch size got there.
    pub b_simple_at_target: Vec<(usize, f64)>,
    /// Batch sizes left out of the fit, and why.
    pub excluded: Vec<(usize, String)>,
    /// The measured regimes between consecutive fitted batch sizes.
    pub regimes: Vec<Regime>,
}

/// How steps to the target change between two batch sizes: the local slope of log S against log B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regime {
    /// The smaller batch size.
    pub from: usize,
    /// The larger batch size.
    pub to: usize,
    /// d log S / d log B between them.
    pub slope: f64,
    /// `perfect scaling` (slope <= -0.8: steps fall as fast as B grows), `diminishing returns`, or
    /// `maximal data parallelism` (slope >= -0.2: more examples per step buy almost no fewer steps).
    pub regime: String,
}

/// The critical batch size of the chosen configurations, with `seed` for the bootstrap.
pub fn critical(batches: &[BatchAnalysis], runs: &[RunAnalysis], seed: u64) -> Critical {
    let mut excluded = Vec::new();
    let mut fitted: Vec<(usize, Vec<(u64, f64)>)> = Vec::new();
    for b in batches {
        match exclusion(b) {
            Some(why) => excluded.push((b.batch_size, why)),
            None => fitted.push((b.batch_size, chosen_values(runs, b, |r| r.steps_to_target))),
        }
    }
    let regimes = regimes(&fitted);
    let mut out = Critical {
        fit: None,
        refused: None,
        s_min_interval: None,
        e_min_interval: None,
        b_crit_interval: None,
        b_simple_at_target: b_simple(batches, &fitted),
        excluded,
        regimes,
    };
    let rates: usize = batches.iter().map(|b| b.rates_tried).max().unwrap_or(0);
    let points: Vec<(f64, f64)> = fitted.iter().map(|(b, v)| (*b as f64, mean_of(v))).collect();
    out.refused = if rates <= 1 {
        Some(
            "one learning rate was tried at every batch size: none is tuned, so steps to the target would \
              measure that rate, not the batch size"
                .into(),
        )
    } else if points.len() < MIN_POINTS {
        Some(format!(
            "{} batch size(s) have a bracketed learning rate with every repeat at the target; a fit needs {MIN_POINTS}",
            points.len()
        ))
    } else {
        None
    };
    if out.refused.is_some() {
        return out;
    }
    match fit(&points) {
        Some(f) if f.residual <= MAX_RESIDUAL => {
            out.fit = Some(f);
            bootstrap_fit(&mut out, &fitted, seed);
        }
        Some(f) => {
            out.refused = Some(format!(
                "the hyperbola S_min + E_min/B misses the points by {:.0} % rms (more than {:.0} %)",
                100.0 * f.residual,
                100.0 * MAX_RESIDUAL
            ))
        }
        None => out.refused = Some("the points do not determine a line in 1/B".into()),
    }
    out
}

/// Why batch size `b` stays out of the fit, if it does.
fn exclusion(b: &BatchAnalysis) -> Option<String> {
    match b.tuning {
        Tuning::Bracketed if b.repeats_reached == b.repeats && b.repeats > 0 => None,
        Tuning::Bracketed => {
            Some(format!("{} of {} repeats reached the target", b.repeats_reached, b.repeats))
        }
        Tuning::SingleRate => Some("one learning rate tried".into()),
        Tuning::TopEdge => Some("best rate at the top of its grid".into()),
        Tuning::BottomEdge => Some("best rate at the bottom of its grid".into()),
        Tuning::Unusable => Some("every rate failed".into()),
    }
}

/// (repeat, value) of `f` for the runs of `b`'s chosen rate that have it.
pub fn chosen_values(
    runs: &[RunAnalysis],
    b: &BatchAnalysis,
    f: fn(&RunAnalysis) -> Option<f64>,
) -> Vec<(u64, f64)> {
    runs.iter()
        .filter(|r| r.batch_size == b.batch_size && r.learning_rate == b.learning_rate && !r.failed)
        .filter_map(|r| f(r).map(|v| (r.repeat, v)))
        .collect()
}

fn mean_of(values: &[(u64, f64)]) -> f64 {
    stats::mean(&values.iter().map(|v| v.1).collect::<Vec<_>>()).unwrap_or(f64::NAN)
}

/// Intervals of S_min, E_min and B_crit from resampling the repeats.
fn bootstrap_fit(out: &mut Critical, fitted: &[(usize, Vec<(u64, f64)>)], seed: u64) {
    let mut repeats: Vec<u64> = fitted.iter().flat_map(|(_, v)| v.iter().map(|x| x.0)).collect();
    repeats.sort_unstable();
    repeats.dedup();
    let refit = |units: &[usize]| -> Option<Fit> {
        let points: Vec<(f64, f64)> = fitted
            .iter()
            .map(|(b, v)| {
                let drawn: Vec<f64> =
                    units.iter().filter_map(|&u| v.iter().find(|x| x.0 == repeats[u]).map(|x| x.1)).collect();
                (*b as f64, stats::mean(&drawn).unwrap_or(f64::NAN))
            })
            .collect();
        fit(&points)
    };
    let n = repeats.len();
    out.s_min_interval = stats::bootstrap(n, RESAMPLES, seed, |u| refit(u).map(|f| f.s_min));
    out.e_min_interval = stats::bootstrap(n, RESAMPLES, seed, |u| refit(u).map(|f| f.e_min));
    out.b_crit_interval = stats::bootstrap(n, RESAMPLES, seed, |u| refit(u).and_then(|f| f.b_crit));
}

/// The mean B_simple at the target of each fitted batch size that has noise records.
fn b_simple(batches: &[BatchAnalysis], fitted: &[(usize, Vec<(u64, f64)>)]) -> Vec<(usize, f64)> {
    batches
        .iter()
        .filter(|b| fitted.iter().any(|f| f.0 == b.batch_size))
        .filter_map(|b| b.b_simple_at_target.map(|v| (b.batch_size, v)))
        .collect()
}

/// The regime between each pair of consecutive fitted batch sizes.
fn regimes(fitted: &[(usize, Vec<(u64, f64)>)]) -> Vec<Regime> {
    fitted
        .windows(2)
        .filter_map(|w| {
            let (s0, s1) = (mean_of(&w[0].1), mean_of(&w[1].1));
            if !(s0 > 0.0 && s1 > 0.0) {
                return None;
            }
            let slope = (s1 / s0).ln() / (w[1].0 as f64 / w[0].0 as f64).ln();
            let regime = if slope <= -0.8 {
                "perfect scaling"
            } else if slope >= -0.2 {
                "maximal data parallelism"
            } else {
                "diminishing returns"
            };
            Some(Regime { from: w[0].0, to: w[1].0, slope, regime: regime.into() })
        })
        .collect()
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
