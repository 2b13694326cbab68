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
    pub probe_batch_sizes: Option<ProbeSizes>,
}

/// `noise.probe_batch_sizes`: a list of batch sizes, or `"sweep"` for every batch size of the sweep, so
/// every run probes them all at its own weights and the cosine chart compares batch sizes at shared
/// weights.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeSizes {
    /// These batch sizes.
    List(Vec<BatchSize>),
    /// Every batch size of `sweep.batch_sizes`.
    Sweep,
}

impl Serialize for ProbeSizes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ProbeSizes::List(sizes) => sizes.serialize(s),
            ProbeSizes::Sweep => s.serialize_str("sweep"),
        }
    }
}

impl<'de> Deserialize<'de> for ProbeSizes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProbeSizes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of batch sizes, or \"sweep\" for every batch size of the sweep")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProbeSizes, E> {
                if v == "sweep" {
                    return Ok(ProbeSizes::Sweep);
                }
                Err(E::custom(format!(
                    "\"{v}\" is not allowed; allowed: a list of batch sizes, or \"sweep\" for every batch size of the sweep"
                )))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ProbeSizes, A::Error> {
                let mut sizes = Vec::new();
                while let Some(size) = seq.next_element::<BatchSize>()? {
                    sizes.push(size);
                }
                Ok(ProbeSizes::List(sizes))
            }
        }
        d.deserialize_any(Visitor)
    }
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
