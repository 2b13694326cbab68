//! Curvature from curvature.csv. Per run: the final sharpness, the sharpness where the run's training loss
//! crossed the target (comparable training loss), and how close the sharpness sat to the run's stability
//! threshold over the last quarter of training. Across runs: the sharpness compared between batch sizes
//! (paired over repeats, with intervals and a margin: [`compare`]), and per configuration a verdict on the
//! edge of stability (Cohen et al. 2021) from the t interval over repeats of that closeness.

use super::batch::BatchAnalysis;
use super::compare::{Comparison, compare};
use super::critical::chosen_values;
use super::run::RunAnalysis;
use super::stats::{self, Interval};
use crate::records::RunRecords;
use crate::schema::CurvatureRecord;
use serde::{Deserialize, Serialize};

/// The share of training, at its end, over which a run's sharpness is compared with its threshold: long
/// enough to average the oscillation about 2/lr, late enough to leave the rise to it out.
pub const SETTLED_SHARE: f64 = 0.25;
/// How close to 1 the ratio sharpness / threshold must be, its whole interval, to be "at the threshold":
/// 10 %, the criterion for the edge of stability.
pub const EDGE_TOLERANCE: f64 = 0.1;
/// Smallest difference in sharpness a comparison claims, relative to the mean sharpness compared.
pub const SHARPNESS_MARGIN: f64 = 0.05;

/// A run's curvature answers (columns of analysis_runs.csv); none for a failed run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunCurvature {
    /// lambda_max at the run's last curvature checkpoint.
    pub final_sharpness: Option<f64>,
    /// lambda_max where the training loss first crossed the target, interpolated linearly in log loss
    /// between the checkpoints around the crossing.
    pub sharpness_at_target: Option<f64>,
    /// Mean of the bounded sharpness over its threshold (lambda_max / (2/lr) for SGD) at the checkpoints
    /// of the last [`SETTLED_SHARE`] of training.
    pub threshold_ratio: Option<f64>,
}

/// The answers for the curvature records `rows` of one run (`failed` runs have none) against the target
/// training loss `target`.
pub fn of_run(rows: Option<&[CurvatureRecord]>, failed: bool, target: Option<f64>) -> RunCurvature {
    let Some(rows) = rows.filter(|r| !r.is_empty() && !failed) else { return RunCurvature::default() };
    let last = rows.iter().max_by_key(|r| r.update);
    RunCurvature {
        final_sharpness: last.map(|r| r.lambda_max).filter(|v| v.is_finite()),
        sharpness_at_target: target.and_then(|t| at_loss(rows, t)),
        threshold_ratio: settled_ratio(rows),
    }
}

/// lambda_max where the training loss first falls to `target`, interpolated in log loss; none when the
/// run starts at or below it or never gets there.
pub(super) fn at_loss(rows: &[CurvatureRecord], target: f64) -> Option<f64> {
    let mut rows: Vec<&CurvatureRecord> = rows.iter().collect();
    rows.sort_by_key(|r| r.update);
    let k = rows.iter().position(|r| r.train_loss <= target)?;
    if k == 0 || !target.is_finite() || target <= 0.0 {
        return None;
    }
    let (a, b) = (rows[k - 1], rows[k]);
    let (la, lb) = (a.train_loss.ln(), b.train_loss.max(f64::MIN_POSITIVE).ln());
    let t = if la > lb { (la - target.ln()) / (la - lb) } else { 1.0 };
    Some(a.lambda_max + t * (b.lambda_max - a.lambda_max)).filter(|v| v.is_finite())
}

/// The sharpness a threshold bounds at checkpoint `r`: the preconditioned one for adaptive optimisers.
fn bounded(r: &CurvatureRecord) -> Option<f64> {
    if r.threshold_preconditioned { r.preconditioned_lambda_max } else { Some(r.lambda_max) }
}

/// Mean of bounded sharpness / threshold over the checkpoints after epoch 0 in the last [`SETTLED_SHARE`]
/// of the epochs the run's checkpoints span.
fn settled_ratio(rows: &[CurvatureRecord]) -> Option<f64> {
    let end = rows.iter().map(|r| r.epoch).max()? as f64;
    let from = end * (1.0 - SETTLED_SHARE);
    let ratios: Vec<f64> = rows
        .iter()
        .filter(|r| r.epoch > 0 && r.epoch as f64 >= from && r.stability_threshold > 0.0)
        .filter_map(|r| bounded(r).map(|s| s / r.stability_threshold))
        .filter(|v| v.is_finite())
        .collect();
    stats::mean(&ratios)
}

/// Where a configuration's sharpness ended against its stability threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// The whole interval of sharpness / threshold lies within 1 ± [`EDGE_TOLERANCE`]: the edge of stability.
    AtThreshold,
    /// The whole interval lies below 1 - [`EDGE_TOLERANCE`].
    Below,
    /// The whole interval lies above 1 + [`EDGE_TOLERANCE`].
    Above,
    /// The interval reaches across 1 ± [`EDGE_TOLERANCE`]: no verdict.
    Undetermined,
    /// Fewer than three repeats: no interval, no verdict.
    NoInterval,
}

/// One batch size at one learning rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigCurvature {
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: String,
    /// The learning rate.
    pub learning_rate: f64,
    /// The threshold at the last checkpoint of its first repeat.
    pub threshold: f64,
    /// How the threshold is written: `2/lr`, `(2 + 2 momentum)/lr`, or `the preconditioned threshold`.
    pub threshold_name: String,
    /// Repeats without failure that have curvature records.
    pub repeats: usize,
    /// Mean final sharpness.
    pub final_sharpness: Option<f64>,
    /// Its 95 % t interval over repeats.
    pub final_sharpness_interval: Option<Interval>,
    /// Mean over repeats of the settled sharpness / threshold.
    pub ratio: Option<f64>,
    /// Its 95 % t interval over repeats.
    pub ratio_interval: Option<Interval>,
    /// The verdict.
    pub edge: Edge,
}

/// Every curvature answer of a results folder: analysis.json's `curvature`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvatureAnalysis {
    /// Every configuration with curvature records, by batch size then learning rate.
    pub configs: Vec<ConfigCurvature>,
    /// Sharpness where each run crossed the target, compared across batch sizes at their chosen rates.
    pub at_target: Comparison,
    /// Final sharpness compared the same way (runs may end at different training losses).
    pub final_sharpness: Comparison,
}

/// The curvature analysis of `records` (with their run analyses `runs`, same order) for the chosen rates
/// `batches`; none when no run has curvature records.
pub fn analyze(
    records: &[RunRecords],
    runs: &[RunAnalysis],
    batches: &[BatchAnalysis],
) -> Option<CurvatureAnalysis> {
    let with: Vec<(&RunRecords, &RunAnalysis)> = records
        .iter()
        .zip(runs)
        .filter(|(r, _)| r.curvature.as_ref().is_some_and(|c| !c.is_empty()))
        .collect();
    if with.is_empty() {
        return None;
    }
    let mut keys: Vec<(usize, u64)> =
        with.iter().map(|(_, a)| (a.batch_size, a.learning_rate.to_bits())).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1))));
    keys.dedup();
    let configs = keys
        .iter()
        .map(|&(b, bits)| {
            let of: Vec<&(&RunRecords, &RunAnalysis)> =
                with.iter().filter(|(_, a)| a.batch_size == b && a.learning_rate.to_bits() == bits).collect();
            config(&of)
        })
        .collect();
    Some(CurvatureAnalysis {
        configs,
        at_target: compared(runs, batches, |r| r.sharpness_at_target),
        final_sharpness: compared(runs, batches, |r| r.final_sharpness),
    })
}

fn config(of: &[&(&RunRecords, &RunAnalysis)]) -> ConfigCurvature {
    let (first, analysis) = *of[0];
    let healthy: Vec<&RunAnalysis> = of.iter().map(|(_, a)| *a).filter(|a| !a.failed).collect();
    let finals: Vec<f64> = healthy.iter().filter_map(|a| a.final_sharpness).collect();
    let ratios: Vec<f64> = healthy.iter().filter_map(|a| a.threshold_ratio).collect();
    let ratio_interval = stats::mean_interval(&ratios);
    let last = first.curvature.as_ref().and_then(|c| c.iter().max_by_key(|r| r.update));
    ConfigCurvature {
        batch_size: analysis.batch_size,
        batch_label: analysis.batch_label.clone(),
        learning_rate: analysis.learning_rate,
        threshold: last.map_or(f64::NAN, |r| r.stability_threshold),
        threshold_name: last.map_or_else(|| "the stability threshold".into(), threshold_name),
        repeats: healthy.len(),
        final_sharpness: stats::mean(&finals),
        final_sharpness_interval: stats::mean_interval(&finals),
        ratio: stats::mean(&ratios),
        ratio_interval,
        edge: edge(ratio_interval),
    }
}

/// How the threshold of checkpoint `r` is written.
fn threshold_name(r: &CurvatureRecord) -> String {
    let times_lr = r.stability_threshold * r.learning_rate;
    if r.threshold_preconditioned {
        "the preconditioned threshold".into()
    } else if (times_lr - 2.0).abs() < 1e-9 {
        "2/lr".into()
    } else {
        format!("(2 + 2 momentum)/lr = {}/lr", super::text::significant(times_lr))
    }
}

/// The verdict of the interval of sharpness / threshold.
pub fn edge(interval: Option<Interval>) -> Edge {
    let Some(i) = interval else { return Edge::NoInterval };
    let (lo, hi) = (1.0 - EDGE_TOLERANCE, 1.0 + EDGE_TOLERANCE);
    if i.low >= lo && i.high <= hi {
        Edge::AtThreshold
    } else if i.high < lo {
        Edge::Below
    } else if i.low > hi {
        Edge::Above
    } else {
        Edge::Undetermined
    }
}

/// `f` compared across the batch sizes at their chosen rates, with a margin of [`SHARPNESS_MARGIN`] of
/// the mean value compared.
fn compared(
    runs: &[RunAnalysis],
    batches: &[BatchAnalysis],
    f: fn(&RunAnalysis) -> Option<f64>,
) -> Comparison {
    let values: Vec<(usize, Vec<(u64, f64)>)> =
        batches.iter().map(|b| (b.batch_size, chosen_values(runs, b, f))).collect();
    let all: Vec<f64> = values.iter().flat_map(|(_, v)| v.iter().map(|x| x.1)).collect();
    let margin = SHARPNESS_MARGIN * stats::mean(&all).map_or(0.0, f64::abs);
    compare(&values, margin)
}
