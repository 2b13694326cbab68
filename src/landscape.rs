//! The loss landscape in two dimensions: parameter trajectories, a grid of the full-batch loss over
//! the window they cover, and mini-batch gradient directions at a few points along each trajectory.
//!
//! With exactly two parameters the plane is the parameter space itself; otherwise it is spanned by the
//! first two principal directions of all runs' parameter paths of a repeat (H. Li, Z. Xu, G. Taylor,
//! C. Studer, T. Goldstein (2018), "Visualizing the Loss Landscape of Neural Nets", NeurIPS).

use serde::{Deserialize, Serialize};

/// A point of a run's path: a row of runs/<id>/trajectory.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryRecord {
    /// Updates made (0 = the initial weights).
    pub iteration: u64,
    /// First coordinate in the plane.
    pub w0: f64,
    /// Second coordinate in the plane.
    pub w1: f64,
    /// Full-batch training loss at this point.
    pub loss: f64,
}

/// A grid point: a row of landscape/rep<r>.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandscapeRecord {
    /// First coordinate in the plane.
    pub w0: f64,
    /// Second coordinate in the plane.
    pub w1: f64,
    /// Full-batch training loss there.
    pub loss: f64,
}

/// A gradient direction drawn at a point of a trajectory: a row of runs/<id>/arrows.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrowRecord {
    /// Which point along the trajectory (0, 1, ...).
    pub point: u64,
    /// Updates made when the point was reached.
    pub iteration: u64,
    /// First coordinate of the point.
    pub w0: f64,
    /// Second coordinate of the point.
    pub w1: f64,
    /// `full` for the full-batch gradient, `mini` for one mini-batch gradient of the run's batch size.
    pub kind: String,
    /// First component of the negative gradient (the descent direction) in the plane.
    pub g0: f64,
    /// Second component of the negative gradient in the plane.
    pub g1: f64,
}
