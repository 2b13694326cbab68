//! Data preparation shared by the charts: runs grouped by batch size, means and bands over repeats, the
//! debiased exponential moving average, and min/max decimation of long series.

use super::palette;
use crate::analysis::stats;
use crate::records::{Results, RunRecords};
use crate::spec::Band;
use plotters::style::RGBColor;

/// The repeats of one configuration: a batch size (and learning rate).
pub struct Group<'a> {
    /// Examples per update.
    pub batch_size: usize,
    /// "B = 32", or "B = full (1437)".
    pub label: String,
    /// The batch size's colour, the same in every figure.
    pub colour: RGBColor,
    /// The repeats, in folder order.
    pub runs: Vec<&'a RunRecords>,
}

/// The runs of `results` grouped by batch size and learning rate, ordered by batch size then rate.
pub fn groups(results: &Results) -> Vec<Group<'_>> {
    let mut keys: Vec<(usize, f64)> =
        results.runs.iter().map(|r| (r.summary().batch_size, r.summary().learning_rate)).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    keys.dedup();
    let many_rates = keys.iter().any(|k| k.1 != keys[0].1);
    let colours = palette(results);
    keys.iter()
        .map(|&(b, lr)| {
            let runs: Vec<&RunRecords> = results
                .runs
                .iter()
                .filter(|r| r.summary().batch_size == b && r.summary().learning_rate == lr)
                .collect();
            let mut label = batch_label(b, &runs[0].summary().batch_label);
            if many_rates {
                label.push_str(&format!(", lr = {lr}"));
            }
            Group { batch_size: b, label, colour: colours.colour(b), runs }
        })
        .collect()
}

/// "B = 32", or "B = full (1437)" for the full batch.
pub fn batch_label(batch_size: usize, spec_label: &str) -> String {
    if spec_label == "full" { format!("B = full ({batch_size})") } else { format!("B = {batch_size}") }
}

/// Mean, low and high of one point over repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Mean over repeats.
    pub mean: f64,
    /// Lower edge of the band.
    pub low: f64,
    /// Upper edge of the band.
    pub high: f64,
}

/// The mean of `values` with a band: min to max, or mean +- one (population) standard deviation.
pub fn spread(values: &[f64], band: Band) -> Spread {
    let mean = stats::mean(values).unwrap_or(f64::NAN);
    match band {
        Band::Minmax => {
            let (low, high) = stats::min_max(values).unwrap_or((f64::NAN, f64::NAN));
            Spread { mean, low, high }
        }
        Band::Std => {
            let sd = stats::population_std(values).unwrap_or(f64::NAN);
            Spread { mean, low: mean - sd, high: mean + sd }
        }
    }
}

/// Per-index spread over several series of (x, y) points, over the indices every series has; x is averaged.
pub fn mean_series(series: &[Vec<(f64, f64)>], band: Band) -> Vec<(f64, Spread)> {
    let len = series.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .map(|i| {
            let xs: Vec<f64> = series.iter().map(|s| s[i].0).collect();
            let ys: Vec<f64> = series.iter().map(|s| s[i].1).collect();
            (xs.iter().sum::<f64>() / xs.len() as f64, spread(&ys, band))
        })
        .collect()
}

/// Debiased exponential moving average with weight `beta` on the past, as TensorBoard and W&B smooth:
/// s_t = beta s_{t-1} + (1 - beta) x_t from s_0 = 0, reported as s_t / (1 - beta^t). Dividing by
/// 1 - beta^t removes the pull toward zero of the early points, so the first smoothed value equals the
/// first raw value and a constant series stays constant. `beta` = 0 returns the raw values.
pub fn ema_debiased(values: &[f64], beta: f64) -> Vec<f64> {
    let mut s = 0.0;
    let mut weight = 1.0;
    values
        .iter()
        .map(|&x| {
            s = beta * s + (1.0 - beta) * x;
            weight *= beta;
            s / (1.0 - weight)
        })
        .collect()
}

/// Keeps at most two points per bucket of `buckets` equal slices of `t(x)` over the series' range: the
/// lowest and the highest, in their original order. Long noisy series keep their envelope (the noise stays
/// visible) while the drawn path shrinks to a few thousand points. Series shorter than `2 * buckets` are
/// returned unchanged.
pub fn decimate_min_max(points: &[(f64, f64)], buckets: usize, t: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    if points.len() <= 2 * buckets || buckets == 0 {
        return points.to_vec();
    }
    let (lo, hi) = (t(points[0].0), t(points[points.len() - 1].0));
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    let bucket_of = |x: f64| (((t(x) - lo) / width * buckets as f64) as usize).min(buckets - 1);
    let mut out = Vec::with_capacity(2 * buckets);
    let mut start = 0;
    while start < points.len() {
        let b = bucket_of(points[start].0);
        let mut end = start;
        while end < points.len() && bucket_of(points[end].0) == b {
            end += 1;
        }
        push_extremes(&points[start..end], &mut out);
        start = end;
    }
    out
}

/// Replaces each bucket of `buckets` equal slices of `t(x)` by its mean point; for drawing a smoothed
/// line of a long series. Series shorter than `buckets` are returned unchanged.
pub fn decimate_mean(points: &[(f64, f64)], buckets: usize, t: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    if points.len() <= buckets || buckets == 0 {
        return points.to_vec();
    }
    let (lo, hi) = (t(points[0].0), t(points[points.len() - 1].0));
    let width = (hi - lo).max(f64::MIN_POSITIVE);
    let bucket_of = |x: f64| (((t(x) - lo) / width * buckets as f64) as usize).min(buckets - 1);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(buckets);
    let mut current = (usize::MAX, 0.0, 0.0, 0usize);
    for &(x, y) in points {
        let b = bucket_of(x);
        if b != current.0 && current.3 > 0 {
            out.push((current.1 / current.3 as f64, current.2 / current.3 as f64));
            current = (b, 0.0, 0.0, 0);
        }
        current = (b, current.1 + x, current.2 + y, current.3 + 1);
    }
    out.push((current.1 / current.3 as f64, current.2 / current.3 as f64));
    out
}

fn push_extremes(slice: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
    let by_y = |a: &&(f64, f64), b: &&(f64, f64)| a.1.total_cmp(&b.1);
    let (Some(min), Some(max)) = (slice.iter().min_by(by_y), slice.iter().max_by(by_y)) else {
        return;
    };
    if min.0 <= max.0 {
        out.push(*min);
        if max != min {
            out.push(*max);
        }
    } else {
        out.push(*max);
        out.push(*min);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_smoothed_value_equals_first_raw_value() {
        let s = ema_debiased(&[5.0, 1.0, 3.0], 0.9);
        assert_eq!(s[0], 5.0);
        // s_2 = (0.9 * 0.1 * 5 + 0.1 * 1) / (1 - 0.81) = 0.55 / 0.19
        assert!((s[1] - 0.55 / 0.19).abs() < 1e-12);
    }

    #[test]
    fn constant_series_stays_constant_under_smoothing() {
        for v in ema_debiased(&[2.5; 500], 0.99) {
            assert!((v - 2.5).abs() < 1e-12, "{v}");
        }
    }

    #[test]
    fn zero_smoothing_returns_the_raw_values() {
        assert_eq!(ema_debiased(&[1.0, 4.0, 2.0], 0.0), vec![1.0, 4.0, 2.0]);
    }

    #[test]
    fn decimation_keeps_the_envelope_and_bounds_the_size() {
        let points: Vec<(f64, f64)> =
            (0..100_000).map(|i| (i as f64, if i % 7 == 0 { -1.0 } else { (i % 13) as f64 })).collect();
        let out = decimate_min_max(&points, 500, |x| x);
        assert!(out.len() <= 1000, "{}", out.len());
        assert_eq!(out.iter().map(|p| p.1).fold(f64::INFINITY, f64::min), -1.0);
        assert_eq!(out.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max), 12.0);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "x order kept");
    }

    #[test]
    fn mean_decimation_averages_each_bucket() {
        let points: Vec<(f64, f64)> = (0..1000).map(|i| (i as f64, (i % 2) as f64)).collect();
        let out = decimate_mean(&points, 10, |x| x);
        assert_eq!(out.len(), 10);
        assert!(out.iter().all(|p| (p.1 - 0.5).abs() < 1e-12));
    }

    #[test]
    fn short_series_are_not_decimated() {
        let points = vec![(1.0, 2.0), (2.0, 1.0), (3.0, 5.0)];
        assert_eq!(decimate_min_max(&points, 10, f64::ln), points);
    }

    #[test]
    fn minmax_and_std_bands() {
        let s = spread(&[1.0, 2.0, 3.0], Band::Minmax);
        assert_eq!((s.mean, s.low, s.high), (2.0, 1.0, 3.0));
        let s = spread(&[1.0, 3.0], Band::Std);
        assert_eq!((s.low, s.high), (1.0, 3.0));
    }
}
