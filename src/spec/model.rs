//! `[model]`: the network.

use super::defaults::*;
use serde::{Deserialize, Serialize};

/// `[model]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Hidden layer widths; empty for a linear or softmax regression.
    #[serde(default = "default_hidden")]
    pub hidden: Vec<u64>,
    /// The hidden layers as a list of conv, maxpool, flatten and dense layers, instead of `hidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<LayerEntry>>,
    /// Hidden-layer nonlinearity.
    #[serde(default)]
    pub activation: Activation,
    /// Weight initialisation.
    #[serde(default)]
    pub init: Init,
    /// Whether layers have a bias term.
    #[serde(default = "yes")]
    pub bias: bool,
    /// Start every run from these weights (safetensors, PyTorch nn.Linear names and layouts) instead of
    /// a random initialisation; resolved against the spec's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<std::path::PathBuf>,
}

/// `model.activation`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, z)
    #[default]
    Relu,
    /// tanh(z)
    Tanh,
    /// 1 / (1 + e^-z)
    Sigmoid,
}

/// `model.init`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Normal(0, 2 / fan_in) weights, zero biases.
    #[default]
    He,
    /// Uniform(+-sqrt(6 / (fan_in + fan_out))) weights, zero biases.
    Xavier,
    /// All zeros; only valid without hidden layers.
    Zeros,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            hidden: default_hidden(),
            layers: None,
            activation: Activation::default(),
            init: Init::default(),
            bias: true,
            init_from: None,
        }
    }
}

/// One entry of `model.layers`, told apart by its `type` key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum LayerEntry {
    /// `{ type = "conv", filters, kernel, stride = 1, padding = "valid" }`
    Conv {
        /// Output channels.
        filters: u64,
        /// Side of the square kernel.
        kernel: u64,
        /// Step between windows.
        #[serde(default = "one")]
        stride: u64,
        /// Border treatment (PyTorch's default, no padding, is "valid").
        #[serde(default)]
        padding: PaddingName,
    },
    /// `{ type = "maxpool", size }`
    Maxpool {
        /// Side of the window and step between windows.
        size: u64,
    },
    /// `{ type = "flatten" }`
    Flatten,
    /// `{ type = "dense", units }`
    Dense {
        /// Outputs.
        units: u64,
    },
}

/// `model.layers[i].padding`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaddingName {
    /// (kernel - 1) / 2 zeros on every side; odd kernels only.
    Same,
    /// No padding.
    #[default]
    Valid,
}
