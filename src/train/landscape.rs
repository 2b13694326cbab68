//! The loss landscape in two dimensions: parameter trajectories, a grid of the full-batch loss over
//! the window they cover, and mini-batch gradient directions at a few points along each trajectory.
//!
//! With exactly two parameters the plane is the parameter space itself; otherwise it is spanned by the
//! first two principal directions of all runs' parameter paths of a repeat (H. Li, Z. Xu, G. Taylor,
//! C. Studer, T. Goldstein (2018), "Visualizing the Loss Landscape of Neural Nets", NeurIPS).

use super::noise::{self, Scratch};
use crate::data::Examples;
use crate::nn::CHUNK_ROWS;
use crate::nn::network::{Network, Workspace};
use crate::plan::LandscapePlan;
use crate::rng::{self, Purpose};
use crate::schema::{ArrowRecord, LandscapeRecord, TrajectoryRecord};
use rand::seq::index;

/// Parameters recorded along one run's path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParamPath {
    /// Updates made at each snapshot.
    pub iterations: Vec<u64>,
    /// The parameter vector at each snapshot.
    pub params: Vec<Vec<f32>>,
}

/// A plane through parameter space: origin + a d0 + b d1.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// The point at coordinates (0, 0).
    pub origin: Vec<f64>,
    /// First direction (unit length).
    pub d0: Vec<f64>,
    /// Second direction (unit length, orthogonal to the first).
    pub d1: Vec<f64>,
}

/// Everything the landscape of one repeat writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Landscape {
    /// The loss grid over the window the paths cover.
    pub grid: Vec<LandscapeRecord>,
    /// Per run (same order as the input paths): its trajectory and its arrows.
    pub runs: Vec<(Vec<TrajectoryRecord>, Vec<ArrowRecord>)>,
}

/// Updates between snapshots so that a run of `total_updates` records at most `points` of them.
pub fn snapshot_every(total_updates: u64, points: u64) -> u64 {
    total_updates.div_ceil(points.max(1)).max(1)
}

/// The plane of a repeat's paths: the parameter axes themselves for a two-parameter model, otherwise the
/// first two principal directions of every snapshot of every run, through their mean.
pub fn plane(paths: &[&ParamPath], dims: usize) -> Plane {
    if dims == 2 {
        return Plane { origin: vec![0.0, 0.0], d0: vec![1.0, 0.0], d1: vec![0.0, 1.0] };
    }
    let points: Vec<&Vec<f32>> = paths.iter().flat_map(|p| &p.params).collect();
    let mut origin = vec![0.0f64; dims];
    for p in &points {
        origin.iter_mut().zip(p.iter()).for_each(|(o, &v)| *o += f64::from(v) / points.len() as f64);
    }
    let centred: Vec<Vec<f64>> =
        points.iter().map(|p| p.iter().zip(&origin).map(|(&v, o)| f64::from(v) - o).collect()).collect();
    let d0 = principal_direction(&centred, None);
    let d1 = principal_direction(&centred, Some(&d0));
    Plane { origin, d0, d1 }
}

/// The leading eigenvector of X^T X (orthogonal to `against`), by power iteration from a fixed start.
fn principal_direction(rows: &[Vec<f64>], against: Option<&[f64]>) -> Vec<f64> {
    let dims = rows.first().map_or(0, Vec::len);
    let mut v: Vec<f64> = (0..dims).map(|i| 1.0 + (i % 7) as f64 / 7.0).collect();
    for _ in 0..200 {
        let mut next = vec![0.0f64; dims];
        for row in rows {
            let s = dot(row, &v);
            next.iter_mut().zip(row).for_each(|(n, &r)| *n += s * r);
        }
        if let Some(u) = against {
            let s = dot(&next, u);
            next.iter_mut().zip(u).for_each(|(n, &u)| *n -= s * u);
        }
        let norm = dot(&next, &next).sqrt();
        if norm == 0.0 {
            break;
        }
        next.iter_mut().for_each(|n| *n /= norm);
        v = next;
    }
    v
}

impl Plane {
    /// Coordinates of `params` in the plane.
    pub fn project(&self, params: &[f32]) -> (f64, f64) {
        let centred: Vec<f64> = params.iter().zip(&self.origin).map(|(&p, o)| f64::from(p) - o).collect();
        (dot(&centred, &self.d0), dot(&centred, &self.d1))
    }

    /// The parameters at coordinates (a, b).
    pub fn point(&self, a: f64, b: f64) -> Vec<f32> {
        self.origin.iter().zip(&self.d0).zip(&self.d1).map(|((o, x), y)| (o + a * x + b * y) as f32).collect()
    }

    /// Components of a vector (a gradient) along the plane's directions.
    pub fn components(&self, v: &[f64]) -> (f64, f64) {
        (dot(v, &self.d0), dot(v, &self.d1))
    }
}

/// Builds the landscape of one repeat from its runs' paths and batch sizes.
pub fn build(
    net: &Network,
    data: &Examples,
    runs: &[(&ParamPath, usize, f64)],
    plan: &LandscapePlan,
    seed: u64,
    repeat: u64,
) -> Landscape {
    let paths: Vec<&ParamPath> = runs.iter().map(|r| r.0).collect();
    let plane = plane(&paths, net.params);
    let mut ws = Workspace::new(net, CHUNK_ROWS);
    let loss = |ws: &mut Workspace, params: &[f32]| net.evaluate(params, ws, data).mean_loss();
    let mut scratch = Scratch::new(net);
    let runs_out = runs
        .iter()
        .map(|&(path, batch_size, learning_rate)| {
            let trajectory: Vec<TrajectoryRecord> = path
                .iterations
                .iter()
                .zip(&path.params)
                .map(|(&iteration, p)| {
                    let (w0, w1) = plane.project(p);
                    TrajectoryRecord { iteration, w0, w1, loss: loss(&mut ws, p) }
                })
                .collect();
            let purpose = Purpose::Arrows {
                batch_size: batch_size as u64,
                learning_rate_bits: learning_rate.to_bits(),
            };
            let mut rng = rng::stream(seed, repeat, purpose);
            let arrows = arrows(net, data, &plane, path, batch_size, plan, &mut rng, &mut scratch);
            (trajectory, arrows)
        })
        .collect::<Vec<_>>();
    let grid = grid(&plane, &runs_out, plan.grid, |p| loss(&mut ws, p));
    Landscape { grid, runs: runs_out }
}

#[allow(clippy::too_many_arguments)]
fn arrows(
    net: &Network,
    data: &Examples,
    plane: &Plane,
    path: &ParamPath,
    batch_size: usize,
    plan: &LandscapePlan,
    rng: &mut impl rand::Rng,
    scratch: &mut Scratch,
) -> Vec<ArrowRecord> {
    let count = path.params.len();
    let wanted = plan.arrow_points.min(count);
    let mut out = Vec::new();
    let mut g = vec![0.0f64; net.params];
    for point in 0..wanted {
        // Evenly spaced along the recorded path, first point included, last excluded (it has converged).
        let at = point * count / wanted.max(1);
        let params = &path.params[at];
        let (w0, w1) = plane.project(params);
        let full = noise::full_batch(net, params, data, None, scratch);
        let mut push = |kind: &str, v: &[f64]| {
            let (g0, g1) = plane.components(v);
            out.push(ArrowRecord {
                point: point as u64,
                iteration: path.iterations[at],
                w0,
                w1,
                kind: kind.into(),
                g0: -g0,
                g1: -g1,
            });
        };
        push("full", &full.gradient);
        for _ in 0..plan.arrows {
            let rows: Vec<usize> = index::sample(rng, data.len(), batch_size.min(data.len())).into_vec();
            noise::batch_gradient(net, params, data, &rows, scratch, &mut g);
            push("mini", &g);
        }
    }
    out
}

fn grid(
    plane: &Plane,
    runs: &[(Vec<TrajectoryRecord>, Vec<ArrowRecord>)],
    size: usize,
    mut loss: impl FnMut(&[f32]) -> f64,
) -> Vec<LandscapeRecord> {
    let points = runs.iter().flat_map(|r| r.0.iter().map(|t| (t.w0, t.w1)));
    let (mut lo0, mut hi0, mut lo1, mut hi1) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (a, b) in points {
        if a.is_finite() && b.is_finite() {
            (lo0, hi0, lo1, hi1) = (lo0.min(a), hi0.max(a), lo1.min(b), hi1.max(b));
        }
    }
    if !lo0.is_finite() {
        return Vec::new();
    }
    // A margin of a fifth of the span (at least a little) so the paths do not touch the frame.
    let pad = |lo: f64, hi: f64| 0.2 * (hi - lo).max(1e-3 * (1.0 + lo.abs().max(hi.abs())));
    let (p0, p1) = (pad(lo0, hi0), pad(lo1, hi1));
    let (lo0, hi0, lo1, hi1) = (lo0 - p0, hi0 + p0, lo1 - p1, hi1 + p1);
    let size = size.max(2);
    let at = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * i as f64 / (size - 1) as f64;
    let mut out = Vec::with_capacity(size * size);
    for i in 0..size {
        for j in 0..size {
            let (w0, w1) = (at(lo0, hi0, i), at(lo1, hi1, j));
            out.push(LandscapeRecord { w0, w1, loss: loss(&plane.point(w0, w1)) });
        }
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plane_of_points_on_a_line_plus_a_wiggle_finds_both_directions() {
        // Points spread along (1, 1, 0) widely and along (0, 0, 1) a little, the two uncorrelated
        // (the wiggle is +-0.5 in a pattern orthogonal to i - mean): d0 = (1, 1, 0)/sqrt 2, d1 = (0, 0, 1).
        let wiggle = [0.5f32, -0.5, -0.5, 0.5];
        let params: Vec<Vec<f32>> = (0..20).map(|i| vec![i as f32, i as f32, wiggle[i % 4]]).collect();
        let path = ParamPath { iterations: (0..20).collect(), params };
        let plane = plane(&[&path], 3);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!((plane.d0[0].abs() - s).abs() < 1e-6 && (plane.d0[1].abs() - s).abs() < 1e-6);
        assert!((plane.d1[2].abs() - 1.0).abs() < 1e-6);
        assert!(dot(&plane.d0, &plane.d1).abs() < 1e-9);
    }

    #[test]
    fn projecting_a_point_of_the_plane_gives_its_coordinates_back() {
        let plane = Plane { origin: vec![1.0, 2.0, 3.0], d0: vec![1.0, 0.0, 0.0], d1: vec![0.0, 0.6, 0.8] };
        let (a, b) = plane.project(&plane.point(0.5, -2.0));
        assert!((a - 0.5).abs() < 1e-6 && (b + 2.0).abs() < 1e-6);
    }

    #[test]
    fn snapshots_are_thinned_to_the_requested_count() {
        assert_eq!(snapshot_every(100, 2000), 1);
        assert_eq!(snapshot_every(43110, 2000), 22);
    }
}
