//! `[noise]`, `[landscape]` and `[analysis]`: what is measured besides the losses.

use super::BatchSize;
use super::defaults::*;
use serde::{Deserialize, Serialize};

/// `[noise]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseSpec {
    /// Epochs between checkpoints; 0 turns the probes off.
    #[serde(default = "one")]
    pub every: u64,
    /// Mini-batches drawn per checkpoint and batch size.
    #[serde(default = "default_probes")]
    pub probes: u64,
    /// Batch sizes to probe; each run's own batch size when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_batch_sizes: Option<Vec<BatchSize>>,
}

/// `[landscape]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandscapeSpec {
    /// Record trajectories and a loss grid.
    #[serde(default)]
    pub enabled: bool,
    /// Grid points along each axis.
    #[serde(default = "default_grid")]
    pub grid: u64,
    /// Most points recorded along each run's path (every update when it has fewer).
    #[serde(default = "default_points")]
    pub points: u64,
    /// Points along each trajectory where mini-batch directions are drawn.
    #[serde(default = "default_arrow_points")]
    pub arrow_points: u64,
    /// Mini-batch directions drawn at each of those points.
    #[serde(default = "default_arrows")]
    pub arrows: u64,
}

/// `[analysis]`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// A run reaches the target when its full training loss first falls to this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_train_loss: Option<f64>,
    /// A run reaches the target when its test accuracy first rises to this value (classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_test_accuracy: Option<f64>,
    /// Stop a run at the first evaluation where the target holds (needs a target above).
    #[serde(default)]
    pub stop_at_target: bool,
}

impl Default for NoiseSpec {
    fn default() -> Self {
        NoiseSpec { every: 1, probes: default_probes(), probe_batch_sizes: None }
    }
}

impl Default for LandscapeSpec {
    fn default() -> Self {
        LandscapeSpec {
            enabled: false,
            grid: default_grid(),
            points: default_points(),
            arrow_points: default_arrow_points(),
            arrows: default_arrows(),
        }
    }
}
