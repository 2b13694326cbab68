//! The names a spec gives the optimiser, the learning-rate schedule and the weights a run writes, and
//! `sweep.variants`: named schedule variants compared within one sweep.

use serde::{Deserialize, Serialize};

/// `training.optimizer`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerName {
    /// torch.optim.SGD.
    #[default]
    Sgd,
    /// torch.optim.Adam.
    Adam,
    /// torch.optim.AdamW.
    #[serde(rename = "adamw")]
    AdamW,
    /// torch.optim.RMSprop (not centred).
    #[serde(rename = "rmsprop")]
    RmsProp,
}

impl OptimizerName {
    /// The name as a spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerName::Sgd => "sgd",
            OptimizerName::Adam => "adam",
            OptimizerName::AdamW => "adamw",
            OptimizerName::RmsProp => "rmsprop",
        }
    }
}

/// `training.schedule`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleName {
    /// The rate as written (after any warmup).
    #[default]
    Constant,
    /// Half a cosine down to rate x `final_lr_factor` at the end of training.
    Cosine,
    /// A straight line down to rate x `final_lr_factor` at the end of training.
    Linear,
    /// Multiplied by `gamma` once each of `milestones` is complete.
    Step,
}

impl ScheduleName {
    /// The name as a spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleName::Constant => "constant",
            ScheduleName::Cosine => "cosine",
            ScheduleName::Linear => "linear",
            ScheduleName::Step => "step",
        }
    }
}

/// `training.save_weights`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaveWeights {
    /// weights.safetensors, the final weights.
    #[default]
    Final,
    /// Also weights/epoch<k>.safetensors at every noise checkpoint.
    Checkpoints,
}

/// One entry of `sweep.variants`: a name and the schedule keys of `[training]` it replaces. Every run of
/// the sweep is trained once per variant, from the same initial weights and data order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Names the variant in run ids, tables and legends: letters, digits, `-` and `_`.
    pub name: String,
    /// Replaces `training.schedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleName>,
    /// Replaces `training.warmup_epochs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_epochs: Option<f64>,
    /// Replaces `training.warmup_start_factor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_start_factor: Option<f64>,
    /// Replaces `training.final_lr_factor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_lr_factor: Option<f64>,
    /// Replaces `training.milestones`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<u64>>,
    /// Replaces `training.gamma`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    /// Replaces `training.batch_size_milestones`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_milestones: Option<Vec<u64>>,
    /// Replaces `training.batch_size_factor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_factor: Option<u64>,
}
