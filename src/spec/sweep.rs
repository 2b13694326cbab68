//! `[sweep]`: what varies between runs: batch sizes and learning rates, given as a list or as a
//! logarithmic grid.

use super::{BatchSize, LrScaling, VariantSpec};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// `[sweep]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Batch sizes to compare.
    pub batch_sizes: Vec<BatchSize>,
    /// Learning rates to cross with the batch sizes, a list or a log grid; `training.learning_rate` when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rates: Option<RateGrid>,
    /// How the learning rate grows with the batch size.
    #[serde(default)]
    pub lr_scaling: LrScaling,
    /// The batch size at which the spec's learning rates hold unscaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_batch_size: Option<u64>,
    /// Most rates added beyond an edge of a batch size's grid, one grid step at a time, until its best
    /// rate is bracketed (0: the grid as written).
    #[serde(default)]
    pub extend_grid: u64,
    /// Named schedule variants: every run is trained once per variant (empty: once, as `[training]` says).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantSpec>,
}

/// `sweep.learning_rates`: the rates as written, or `{ from, to, per_decade }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RateGrid {
    /// These rates.
    List(Vec<f64>),
    /// from x 10^(k / per_decade) for k = 0, 1, ... up to `to`.
    Log(LogGrid),
}

/// A logarithmic grid of learning rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGrid {
    /// The smallest rate.
    pub from: f64,
    /// The largest rate (included when the grid lands on it).
    pub to: f64,
    /// Rates per factor of ten.
    pub per_decade: u64,
}

impl<'de> Deserialize<'de> for RateGrid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct GridVisitor;
        impl<'de> Visitor<'de> for GridVisitor {
            type Value = RateGrid;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of rates, e.g. [0.01, 0.1], or a log grid { from = 0.01, to = 1, per_decade = 3 }")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RateGrid, A::Error> {
                Vec::<f64>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RateGrid::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RateGrid, A::Error> {
                LogGrid::deserialize(de::value::MapAccessDeserializer::new(map)).map(RateGrid::Log)
            }
        }
        d.deserialize_any(GridVisitor)
    }
}
