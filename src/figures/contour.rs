//! The loss field of the landscape chart: the grid as colour-map values, refined by bilinear
//! interpolation to a few pixels per cell, and from that one refined grid both the filled contour bands
//! (each cell filled by the band of its centre) and the contour lines (marching squares), so bands and
//! lines agree to within a refined cell.

use super::palette::{tint, viridis};
use crate::schema::LandscapeRecord;
use plotters::style::RGBColor;

/// Filled contour bands.
pub const LEVELS: usize = 12;
/// The colour map weight kept against white, so the paths stand out.
const MAP_WEIGHT: f64 = 0.8;

/// A filled rectangle of one contour band: two corners and the band.
pub type Band = ((f64, f64), (f64, f64), usize);

/// The loss on a regular grid, as colour-map values (log loss when the range spans more than a decade).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Grid coordinates along the first axis, increasing.
    pub xs: Vec<f64>,
    /// Grid coordinates along the second axis, increasing.
    pub ys: Vec<f64>,
    /// Values at (xs[i], ys[j]), index i * ys.len() + j.
    pub values: Vec<f64>,
    /// Values are ln(loss).
    pub log: bool,
    /// Smallest value.
    pub lo: f64,
    /// Largest value.
    pub hi: f64,
}

impl Field {
    /// The field of a complete grid of finite losses; none when the points do not form one.
    pub fn new(points: &[LandscapeRecord]) -> Option<Field> {
        let mut points: Vec<&LandscapeRecord> = points.iter().filter(|p| p.loss.is_finite()).collect();
        points.sort_by(|a, b| a.w0.total_cmp(&b.w0).then(a.w1.total_cmp(&b.w1)));
        let axis = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.dedup();
        };
        let mut xs: Vec<f64> = points.iter().map(|p| p.w0).collect();
        let mut ys: Vec<f64> = points.iter().map(|p| p.w1).collect();
        axis(&mut xs);
        axis(&mut ys);
        if xs.len() < 2 || ys.len() < 2 || xs.len() * ys.len() != points.len() {
            return None;
        }
        let (min, max) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.loss), hi.max(p.loss)));
        let log = min > 0.0 && max / min > 10.0;
        let values: Vec<f64> = points.iter().map(|p| if log { p.loss.ln() } else { p.loss }).collect();
        let (lo, hi) = if log { (min.ln(), max.ln()) } else { (min, max) };
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Some(Field { xs, ys, values, log, lo, hi })
    }

    /// The value at grid point (i, j).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.ys.len() + j]
    }

    /// The grid point with the lowest value.
    pub fn minimum(&self) -> (f64, f64) {
        let k =
            (0..self.values.len()).min_by(|&a, &b| self.values[a].total_cmp(&self.values[b])).unwrap_or(0);
        (self.xs[k / self.ys.len()], self.ys[k % self.ys.len()])
    }

    /// The same field with every cell split `factor` times along each axis, values interpolated
    /// bilinearly (so the refined field passes through every original grid value).
    pub fn refined(&self, factor: usize) -> Field {
        let factor = factor.max(1);
        let fine = |axis: &[f64]| -> Vec<f64> {
            let mut out: Vec<f64> = axis
                .windows(2)
                .flat_map(|w| (0..factor).map(move |k| w[0] + (w[1] - w[0]) * k as f64 / factor as f64))
                .collect();
            out.push(axis[axis.len() - 1]);
            out
        };
        let (xs, ys) = (fine(&self.xs), fine(&self.ys));
        let split = |k: usize, len: usize| {
            let cell = (k / factor).min(len - 2);
            (cell, (k - cell * factor) as f64 / factor as f64)
        };
        let mut values = Vec::with_capacity(xs.len() * ys.len());
        for a in 0..xs.len() {
            let (i, u) = split(a, self.xs.len());
            for b in 0..ys.len() {
                let (j, v) = split(b, self.ys.len());
                let low = self.at(i, j) * (1.0 - v) + self.at(i, j + 1) * v;
                let high = self.at(i + 1, j) * (1.0 - v) + self.at(i + 1, j + 1) * v;
                values.push(low * (1.0 - u) + high * u);
            }
        }
        Field { xs, ys, values, ..self.clone() }
    }

    /// The band of value `v`.
    pub fn level(&self, v: f64) -> usize {
        (((v - self.lo) / (self.hi - self.lo) * LEVELS as f64).floor().max(0.0) as usize).min(LEVELS - 1)
    }

    /// The value at which band `k` starts.
    pub fn threshold(&self, k: usize) -> f64 {
        self.lo + (self.hi - self.lo) * k as f64 / LEVELS as f64
    }

    /// Loss of a colour-map value.
    pub fn loss(&self, v: f64) -> f64 {
        if self.log { v.exp() } else { v }
    }

    /// Filled bands as rectangles, one per run of cells of one band along the first axis: each cell takes
    /// the band of the mean of its four corners.
    pub fn bands(&self) -> Vec<Band> {
        let mut out = Vec::new();
        for j in 0..self.ys.len() - 1 {
            let centre = |i: usize| {
                (self.at(i, j) + self.at(i + 1, j) + self.at(i, j + 1) + self.at(i + 1, j + 1)) / 4.0
            };
            let mut start = 0;
            let mut band = self.level(centre(0));
            for i in 1..=self.xs.len() - 1 {
                let next = (i < self.xs.len() - 1).then(|| self.level(centre(i)));
                if next != Some(band) {
                    out.push(((self.xs[start], self.ys[j]), (self.xs[i], self.ys[j + 1]), band));
                    start = i;
                    band = next.unwrap_or(band);
                }
            }
        }
        out
    }

    /// Line segments where the field crosses `t` (marching squares).
    pub fn contour(&self, t: f64) -> Vec<[(f64, f64); 2]> {
        let mut segments = Vec::new();
        for i in 0..self.xs.len() - 1 {
            for j in 0..self.ys.len() - 1 {
                let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let mut cuts = Vec::with_capacity(4);
                for e in 0..4 {
                    let (a, b) = (corners[e], corners[(e + 1) % 4]);
                    let (va, vb) = (self.at(a.0, a.1), self.at(b.0, b.1));
                    if (va < t) != (vb < t) {
                        let f = (t - va) / (vb - va);
                        let x = self.xs[a.0] + f * (self.xs[b.0] - self.xs[a.0]);
                        let y = self.ys[a.1] + f * (self.ys[b.1] - self.ys[a.1]);
                        cuts.push((x, y));
                    }
                }
                for pair in cuts.chunks_exact(2) {
                    segments.push([pair[0], pair[1]]);
                }
            }
        }
        segments
    }
}

/// The colour of band `k`: viridis lightened, or a grey ramp when the batch sizes use viridis already.
pub fn band_colour(k: usize, grey: bool) -> RGBColor {
    let t = (k as f64 + 0.5) / LEVELS as f64;
    if grey {
        let v = (235.0 - 150.0 * (1.0 - t)).round() as u8;
        return RGBColor(v, v, v);
    }
    tint(viridis(t), MAP_WEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize, f: impl Fn(f64, f64) -> f64) -> Vec<LandscapeRecord> {
        let c = |k: usize| k as f64 / (n - 1) as f64;
        (0..n)
            .flat_map(|i| (0..n).map(move |j| (c(i), c(j))))
            .map(|(w0, w1)| LandscapeRecord { w0, w1, loss: f(w0, w1) })
            .collect()
    }

    #[test]
    fn refinement_keeps_the_grid_values_and_interpolates_between() {
        let field = Field::new(&grid(3, |x, y| 1.0 + x + 2.0 * y)).unwrap();
        let fine = field.refined(4);
        assert_eq!((fine.xs.len(), fine.ys.len()), (9, 9));
        assert_eq!(fine.at(4, 8), field.at(1, 2));
        // A bilinear field is reproduced exactly.
        assert!((fine.at(3, 5) - (1.0 + 0.375 + 2.0 * 0.625)).abs() < 1e-12);
    }

    #[test]
    fn bands_and_lines_of_one_refined_grid_agree() {
        // A radial bowl: every contour segment lies in cells whose centre bands straddle its level.
        let field =
            Field::new(&grid(11, |x, y| 1.0 + (x - 0.5).powi(2) + (y - 0.5).powi(2))).unwrap().refined(6);
        let t = field.threshold(5);
        let cell = field.xs[1] - field.xs[0];
        let bands = field.bands();
        for [a, _] in field.contour(t) {
            let near = |k: usize| {
                bands.iter().any(|b| {
                    b.2 == k
                        && a.0 >= b.0.0 - cell
                        && a.0 <= b.1.0 + cell
                        && a.1 >= b.0.1 - cell
                        && a.1 <= b.1.1 + cell
                })
            };
            assert!(near(4) && near(5), "segment at {a:?} not between bands 4 and 5");
        }
    }
}
