//! `[data]`: where the examples come from.

use super::defaults::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[data]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Which loader.
    #[serde(default)]
    pub source: Source,
    /// csv file, or idx images file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// idx labels file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
    /// csv column holding the label or regression target.
    #[serde(default = "default_label")]
    pub label: String,
    /// csv and digits: classify or regress (digits: the target is the digit's value).
    #[serde(default)]
    pub task: Task,
    /// Share of the examples held out for testing, in [0, 1).
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Standardise features with the training split's mean and std.
    #[serde(default = "yes")]
    pub standardize: bool,
    /// Regression only: standardise the target with the training split's mean and std (default true:
    /// losses are then in units of the target's variance, and the learning rates of a spec carry over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardize_target: Option<bool>,
    /// csv and synthetic: each example's features as an image [channels, height, width] (channel, row,
    /// column order) for conv and maxpool layers; idx images are [1, rows, cols], digits [1, 8, 8].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_shape: Option<Vec<u64>>,
    /// synthetic only: which generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    /// synthetic only: number of examples.
    #[serde(default = "default_samples")]
    pub samples: u64,
    /// synthetic only: number of features.
    #[serde(default = "default_features")]
    pub features: u64,
    /// synthetic only: number of classes (blobs, spirals).
    #[serde(default = "default_classes")]
    pub classes: u64,
    /// synthetic only: noise standard deviation.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// synthetic linear only: correlation between every pair of features, in (-1, 1).
    #[serde(default)]
    pub correlation: f64,
}

/// `data.source`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The bundled UCI digits set.
    #[default]
    Digits,
    /// A csv file with a header row.
    Csv,
    /// MNIST-format idx files.
    Idx,
    /// A seeded generator.
    Synthetic,
}

/// `data.task`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Softmax cross-entropy over classes.
    #[default]
    Classification,
    /// Mean squared error.
    Regression,
}

/// `data.generator`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generator {
    /// y = x . w + noise, a regression task.
    Linear,
    /// Gaussian clusters, one per class.
    Blobs,
    /// Interleaved spiral arms, one per class, in two features.
    Spirals,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            source: Source::default(),
            path: None,
            labels: None,
            label: default_label(),
            task: Task::default(),
            test_fraction: default_test_fraction(),
            standardize: true,
            standardize_target: None,
            image_shape: None,
            generator: None,
            samples: default_samples(),
            features: default_features(),
            classes: default_classes(),
            noise: default_noise(),
            correlation: 0.0,
        }
    }
}
