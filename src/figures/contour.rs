//! The loss field of the landscape chart: the grid as colour-map values, filled contour bands and contour
//! lines, and the (viridis) colour map.

use super::tint;
use crate::schema::LandscapeRecord;
use plotters::style::RGBColor;

/// Filled contour bands.
pub const LEVELS: usize = 12;
/// Grid cells are split this many times along each axis (bilinear) so band edges are smooth.
const SUBDIVIDE: usize = 3;
/// The colour map weight kept against white, so the paths stand out.
const MAP_WEIGHT: f64 = 0.8;

/// A filled rectangle of one contour band: two corners and the band.
pub type Band = ((f64, f64), (f64, f64), usize);

/// The loss on a regular grid, as colour-map values (log loss when the range spans more than a decade).
pub struct Field {
    /// Grid coordinates along the first axis, increasing.
    pub xs: Vec<f64>,
    /// Grid coordinates along the second axis, increasing.
    pub ys: Vec<f64>,
    /// Values at (xs[i], ys[j]), index i * ys.len() + j.
    pub values: Vec<f64>,
    /// Values are ln(loss).
    pub log: bool,
    /// Smallest and largest value.
    pub lo: f64,
    pub hi: f64,
}

impl Field {
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

    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.ys.len() + j]
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

    /// Colour-map value of a loss.
    pub fn value(&self, loss: f64) -> f64 {
        if self.log { loss.ln() } else { loss }
    }

    /// Filled bands as rectangles: cells split [`SUBDIVIDE`] times (bilinear), runs of one band along w0
    /// merged into one rectangle. Returns ((x0, y0), (x1, y1), band).
    pub fn bands(&self) -> Vec<Band> {
        let (nx, ny) = ((self.xs.len() - 1) * SUBDIVIDE, (self.ys.len() - 1) * SUBDIVIDE);
        let coord = |axis: &[f64], k: usize| {
            let (cell, part) = (k / SUBDIVIDE, (k % SUBDIVIDE) as f64 / SUBDIVIDE as f64);
            if cell + 1 >= axis.len() {
                axis[axis.len() - 1]
            } else {
                axis[cell] + part * (axis[cell + 1] - axis[cell])
            }
        };
        // Value at the centre of sub-cell (a, b).
        let sample = |a: usize, b: usize| {
            let (u, v) = ((a as f64 + 0.5) / SUBDIVIDE as f64, (b as f64 + 0.5) / SUBDIVIDE as f64);
            let (i, j) = (u.floor() as usize, v.floor() as usize);
            let (fu, fv) = (u - i as f64, v - j as f64);
            let (p, q) = (
                self.at(i, j) * (1.0 - fv) + self.at(i, j + 1) * fv,
                self.at(i + 1, j) * (1.0 - fv) + self.at(i + 1, j + 1) * fv,
            );
            p * (1.0 - fu) + q * fu
        };
        let mut out = Vec::new();
        for b in 0..ny {
            let (y0, y1) = (coord(&self.ys, b), coord(&self.ys, b + 1));
            let mut start = 0;
            let mut band = self.level(sample(0, b));
            for a in 1..=nx {
                let next = if a < nx { Some(self.level(sample(a, b))) } else { None };
                if next != Some(band) {
                    out.push(((coord(&self.xs, start), y0), (coord(&self.xs, a), y1), band));
                    start = a;
                    band = next.unwrap_or(band);
                }
            }
        }
        out
    }

    /// Line segments where the field crosses `t` (marching squares on the grid).
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

/// Viridis, sampled at nine points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The colour map at `t` in [0, 1], lightened by [`MAP_WEIGHT`].
pub fn viridis(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let k = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - k as f64;
    let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - f) + f64::from(b) * f).round() as u8;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    tint(RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2)), MAP_WEIGHT)
}

pub fn band_colour(k: usize) -> RGBColor {
    viridis((k as f64 + 0.5) / LEVELS as f64)
}
