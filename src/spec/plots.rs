//! `[plots]`: the figures.

use super::defaults::*;
use serde::{Deserialize, Serialize};

/// `[plots]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotsSpec {
    /// Render figures and the report at the end of a sweep.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// File formats of every figure.
    #[serde(default = "default_formats")]
    pub formats: Vec<Format>,
    /// Figure width in pixels (SVG user units) at 100 dpi.
    #[serde(default = "default_width")]
    pub width: u32,
    /// Figure height in pixels (SVG user units) at 100 dpi.
    #[serde(default = "default_height")]
    pub height: u32,
    /// PNG resolution: the PNG is width x dpi / 100 pixels wide.
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    /// Logarithmic loss axes.
    #[serde(default = "yes")]
    pub log_y: bool,
    /// x axis of the per-update chart.
    #[serde(default)]
    pub x_axis: XAxis,
    /// Time constant of the moving average of the per-update loss, as a share of an epoch in [0, 1): the
    /// same number of examples at every batch size; 0 draws the raw loss only.
    #[serde(default = "default_smoothing")]
    pub smoothing: f64,
    /// Spread over repeats drawn around the mean.
    #[serde(default)]
    pub band: Band,
    /// Which learning rates of each batch size the charts show.
    #[serde(default)]
    pub learning_rates: RateChoice,
}

/// `plots.learning_rates`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateChoice {
    /// Each batch size at the rate the analysis chose for it.
    #[default]
    Chosen,
    /// Every rate of every batch size, the rate as lightness within the batch size's colour.
    All,
}

/// `plots.formats`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Raster, for slides.
    Png,
    /// Vector, for papers and the HTML report.
    Svg,
}

/// `plots.x_axis`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XAxis {
    /// Updates made.
    #[default]
    Iterations,
    /// Training examples consumed.
    Examples,
    /// Training seconds.
    Seconds,
    /// Epochs (passes over the training set).
    Epochs,
}

/// `plots.band`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// From the smallest to the largest repeat.
    #[default]
    Minmax,
    /// Mean plus and minus one standard deviation.
    Std,
}

impl Default for PlotsSpec {
    fn default() -> Self {
        PlotsSpec {
            enabled: true,
            formats: default_formats(),
            width: default_width(),
            height: default_height(),
            dpi: default_dpi(),
            log_y: true,
            x_axis: XAxis::default(),
            smoothing: default_smoothing(),
            band: Band::default(),
            learning_rates: RateChoice::default(),
        }
    }
}
