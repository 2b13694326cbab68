//! The defaults serde fills in for absent keys (README.md lists them per key).

use super::Format;

pub(super) fn one() -> u64 {
    1
}

pub(super) fn yes() -> bool {
    true
}

pub(super) fn default_label() -> String {
    "label".into()
}

pub(super) fn default_test_fraction() -> f64 {
    0.2
}

pub(super) fn default_samples() -> u64 {
    1000
}

pub(super) fn default_features() -> u64 {
    2
}

pub(super) fn default_classes() -> u64 {
    2
}

pub(super) fn default_noise() -> f64 {
    0.1
}

pub(super) fn default_hidden() -> Vec<u64> {
    vec![64]
}

pub(super) fn default_probes() -> u64 {
    32
}

pub(super) fn default_grid() -> u64 {
    41
}

pub(super) fn default_arrow_points() -> u64 {
    4
}

pub(super) fn default_arrows() -> u64 {
    8
}

pub(super) fn default_formats() -> Vec<Format> {
    vec![Format::Png, Format::Svg]
}

pub(super) fn default_width() -> u32 {
    960
}

pub(super) fn default_height() -> u32 {
    600
}

pub(super) fn default_dpi() -> u32 {
    150
}

pub(super) fn default_smoothing() -> f64 {
    0.1
}

pub(super) fn default_points() -> u64 {
    2000
}
pub(super) fn default_eval_per_doubling() -> u64 {
    4
}
