//! One axis of a chart: its range, scale, ticks with their labels and its description. Ranges follow the
//! data with a small margin; guide lines and failed runs never widen them (the charts pass only the values
//! that should count). Batch-size axes are ticked at the measured batch sizes.

use super::ticks::{self, MIN_TICKS};

/// An axis, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Smallest value shown.
    pub lo: f64,
    /// Largest value shown.
    pub hi: f64,
    /// Logarithmic.
    pub log: bool,
    /// Tick values with their labels, in increasing order.
    pub ticks: Vec<(f64, String)>,
    /// What the axis shows, with its unit (and the common factor of the tick labels, if any).
    pub desc: String,
}

impl Axis {
    /// An axis over `values` (non-finite values, and values <= 0 on a log axis, ignored) with a margin of
    /// 4 % of the span on either side; a unit range when no value counts.
    pub fn auto(values: impl IntoIterator<Item = f64>, log: bool, desc: impl Into<String>) -> Axis {
        let (lo, hi) = extent(values, log).unwrap_or(if log { (0.1, 1.0) } else { (0.0, 1.0) });
        let (lo, hi) = if log {
            let (a, b) = (lo.log10(), hi.log10());
            let pad = ((b - a) * 0.04).max(0.05);
            (10f64.powf(a - pad), 10f64.powf(b + pad))
        } else {
            let pad = if hi > lo { (hi - lo) * 0.04 } else { lo.abs().max(1.0) * 0.05 };
            (lo - pad, hi + pad)
        };
        Axis::fixed(lo, hi, log, desc)
    }

    /// An axis over exactly `lo..hi`.
    pub fn fixed(lo: f64, hi: f64, log: bool, desc: impl Into<String>) -> Axis {
        let values = if log { ticks::log(lo, hi) } else { ticks::linear(lo, hi) };
        let mut desc = desc.into();
        let labels = if log {
            ticks::log_labels(&values)
        } else {
            let (labels, factor) = ticks::linear_labels(&values);
            if let Some(f) = factor {
                desc = format!("{desc} ({f})");
            }
            labels
        };
        Axis { lo, hi, log, ticks: values.into_iter().zip(labels).collect(), desc }
    }

    /// A log axis of batch sizes, ticked at `sizes` (plus powers of two between them when fewer than
    /// three are measured).
    pub fn batch_sizes(sizes: &[usize], desc: impl Into<String>) -> Axis {
        let mut values: Vec<f64> = sizes.iter().map(|&b| b as f64).filter(|b| *b > 0.0).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let (lo, hi) = match (values.first(), values.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (1.0, 2.0),
        };
        if values.len() < MIN_TICKS {
            let (a, b) = ((lo / 2.0).log2().floor() as i32, (hi * 2.0).log2().ceil() as i32);
            let extra = (a..=b).map(|e| 2f64.powi(e)).filter(|v| !values.contains(v));
            let mut all: Vec<f64> = values.iter().copied().chain(extra).collect();
            all.sort_by(f64::total_cmp);
            // Keep the measured sizes and the powers of two nearest to them.
            values = if values.is_empty() { vec![1.0, 2.0, 4.0] } else { nearest(&all, &values) };
        }
        let (lo, hi) = (values[0].min(lo) / 1.25, values[values.len() - 1].max(hi) * 1.25);
        let ticks = values.iter().map(|&v| (v, format!("{v}"))).collect();
        Axis { lo, hi, log: true, ticks, desc: desc.into() }
    }

    /// Where `v` falls along the axis: 0 at `lo`, 1 at `hi`; none for a value that cannot be placed (not
    /// finite, or <= 0 on a log axis).
    pub fn frac(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.log && v <= 0.0) {
            return None;
        }
        Some(if self.log {
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        })
    }

    /// Whether `v` lies within the axis range.
    #[cfg(test)]
    pub fn contains(&self, v: f64) -> bool {
        v >= self.lo && v <= self.hi
    }
}

/// The smallest and largest value that counts.
pub fn extent(values: impl IntoIterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo.is_finite().then_some((lo, hi))
}

/// `measured` plus, from `all`, the values adjacent to them, until there are [`MIN_TICKS`].
fn nearest(all: &[f64], measured: &[f64]) -> Vec<f64> {
    let mut keep: Vec<f64> = measured.to_vec();
    let mut radius = 1;
    while keep.len() < MIN_TICKS && radius < all.len() {
        for (i, v) in all.iter().enumerate() {
            let near = measured.iter().any(|m| {
                let j = all.iter().position(|a| a == m).unwrap_or(0);
                i.abs_diff(j) == radius
            });
            if near && !keep.contains(v) && keep.len() < MIN_TICKS {
                keep.push(*v);
            }
        }
        radius += 1;
    }
    keep.sort_by(f64::total_cmp);
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_size_axes_are_ticked_at_the_measured_sizes() {
        let a = Axis::batch_sizes(&[8, 32, 128, 1437], "B");
        let at: Vec<f64> = a.ticks.iter().map(|t| t.0).collect();
        assert_eq!(at, [8.0, 32.0, 128.0, 1437.0]);
        assert_eq!(a.ticks[3].1, "1437");
        assert!(a.lo < 8.0 && a.hi > 1437.0);
    }

    #[test]
    fn one_or_two_batch_sizes_still_get_three_ticks() {
        assert_eq!(Axis::batch_sizes(&[8], "B").ticks.len(), 3);
        assert_eq!(Axis::batch_sizes(&[], "B").ticks.len(), 3);
        let two = Axis::batch_sizes(&[1, 1437], "B");
        assert!(two.ticks.len() >= 3 && two.ticks.iter().any(|t| t.0 == 1437.0), "{:?}", two.ticks);
    }

    #[test]
    fn every_automatic_axis_has_three_ticks_inside_its_range() {
        let cases: [(&[f64], bool); 6] = [
            (&[1e-4, 1e36], true),
            (&[0.2, 0.25], true),
            (&[5.0], true),
            (&[5.0], false),
            (&[0.0, 0.97], false),
            (&[f64::NAN, f64::INFINITY], true),
        ];
        for (values, log) in cases {
            let a = Axis::auto(values.iter().copied(), log, "y");
            assert!(a.ticks.len() >= MIN_TICKS, "{values:?}: {:?}", a.ticks);
            assert!(a.ticks.iter().all(|t| a.contains(t.0)), "{values:?}: {a:?}");
        }
    }

    #[test]
    fn values_that_cannot_be_placed_have_no_position() {
        let a = Axis::auto([1.0, 100.0], true, "y");
        assert_eq!(a.frac(0.0), None);
        assert_eq!(a.frac(f64::NAN), None);
        assert!((a.frac(10.0).unwrap() - 0.5).abs() < 1e-12);
    }
}
