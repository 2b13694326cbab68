//! Trade-off analysis: pure functions over the records of a results folder (`records::read_results`), so
//! `analyze` and `plot` on an old folder give the same answers. Every conclusion here is a measurement:
//! failed runs are never evidence ([`failure`]); the target is given or chosen from healthy runs and
//! located between evaluation checkpoints ([`target`], [`checkpoints`]); each batch size is compared at its
//! tuned learning rate ([`learning_rate`], [`batch`]); smoothness, generalisation and sharpness are compared
//! paired over repeats with intervals ([`compare`], [`smoothness`], [`curvature`], which also judges the edge
//! of stability); the critical batch size is fitted only where it may be ([`critical`]). [`stats`] knows
//! nothing about runs; [`text`] and [`curvature_text`] word the answers.

pub mod batch;
pub mod checkpoints;
pub mod compare;
pub mod critical;
pub mod curvature;
pub mod curvature_text;
pub mod failure;
pub mod learning_rate;
pub mod rate_scaling;
pub mod run;
pub mod smoothness;
pub mod stats;
pub mod target;
pub mod text;
mod warnings;

pub use batch::BatchAnalysis;
pub use compare::{Claim, Comparison};
pub use critical::{Critical, Fit};
pub use curvature::CurvatureAnalysis;
pub use failure::FailedConfig;
pub use learning_rate::{Choice, Tuning};
pub use rate_scaling::RateScaling;
pub use run::RunAnalysis;
pub use target::Target;

use crate::records::{Results, RunRecords};
use failure::{Health, RunHealth};
use serde::{Deserialize, Serialize};
use target::Progress;

/// Smallest difference a smoothness comparison claims: 0.01, i.e. 1 % of the net fall (epoch roughness) or
/// of the loss level (update noise).
pub const SMOOTHNESS_MARGIN: f64 = 0.01;
/// Smallest difference in the generalisation gap a comparison claims, relative to the loss at the target.
pub const GAP_MARGIN: f64 = 0.01;

/// Everything the analysis answers: analysis.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// What "reached" means.
    pub target: Target,
    /// One entry per batch size at its chosen learning rate, smallest first (analysis.csv).
    pub batch_sizes: Vec<BatchAnalysis>,
    /// Every configuration with a failed repeat.
    pub failures: Vec<FailedConfig>,
    /// Runs that failed, of all runs.
    pub failed_runs: usize,
    /// The per-epoch full training loss compared across batch sizes (epoch roughness).
    pub epoch_smoothness: Comparison,
    /// The per-update mini-batch loss compared across batch sizes (update noise).
    pub update_smoothness: Comparison,
    /// The generalisation gap at the target compared across batch sizes.
    pub generalisation: Comparison,
    /// The critical batch size.
    pub critical: Critical,
    /// How the best learning rate follows the batch size.
    #[serde(default)]
    pub rate_scaling: Option<RateScaling>,
    /// Sharpness and the edge of stability, when runs took curvature checkpoints.
    #[serde(default)]
    pub curvature: Option<CurvatureAnalysis>,
    /// What a reader must know before trusting the numbers; the binary also prints them on stderr.
    pub warnings: Vec<String>,
    /// One entry per run (analysis_runs.csv).
    pub runs: Vec<RunAnalysis>,
}

/// Analyses a results folder read back from disk.
pub fn analyze(results: &Results) -> Analysis {
    let settings = &results.settings;
    let points: Vec<Vec<checkpoints::Checkpoint>> =
        results.runs.iter().map(checkpoints::checkpoints).collect();
    let health: Vec<Health> =
        results.runs.iter().zip(&points).map(|(r, c)| failure::health(r, c, results.classes)).collect();
    let target = match (settings.analysis.target_train_loss, settings.analysis.target_test_accuracy) {
        (None, None) => target::automatic(&progress(&results.runs, &health)),
        (loss, accuracy) => Target::given(loss, accuracy),
    };
    let runs: Vec<RunAnalysis> = results
        .runs
        .iter()
        .zip(&points)
        .zip(&health)
        .map(|((r, c), h)| RunAnalysis::of(r, c, h, &target))
        .collect();
    let batch_sizes = batch::per_batch_size(&runs);
    let run_health: Vec<RunHealth<'_>> = runs
        .iter()
        .zip(&health)
        .map(|(r, h)| RunHealth {
            batch_size: r.batch_size,
            batch_label: &r.batch_label,
            learning_rate: r.learning_rate,
            health: h,
        })
        .collect();
    let failures = failure::failed_configs(&run_health, settings);
    let gap_margin = GAP_MARGIN * target.train_loss.unwrap_or(1.0);
    let mut analysis = Analysis {
        epoch_smoothness: compare_over(&batch_sizes, &runs, |r| r.epoch_roughness, SMOOTHNESS_MARGIN),
        update_smoothness: compare_over(&batch_sizes, &runs, |r| r.update_noise, SMOOTHNESS_MARGIN),
        generalisation: compare_over(&batch_sizes, &runs, |r| r.gap_at_target, gap_margin),
        critical: critical::critical(&batch_sizes, &runs, settings.seed ^ BOOTSTRAP_STREAM),
        curvature: curvature::analyze(&results.runs, &runs, &batch_sizes),
        rate_scaling: Some(rate_scaling::rate_scaling(&batch_sizes, &runs)),
        failed_runs: runs.iter().filter(|r| r.failed).count(),
        target,
        batch_sizes,
        failures,
        warnings: Vec::new(),
        runs,
    };
    analysis.warnings = warnings::warnings(&analysis);
    analysis
}

/// Mixed into the experiment seed for the bootstrap's stream, apart from the training streams.
const BOOTSTRAP_STREAM: u64 = 0xB007_57A9;

/// `f` compared across batch sizes over the healthy runs of each chosen rate.
fn compare_over(
    batches: &[BatchAnalysis],
    runs: &[RunAnalysis],
    f: fn(&RunAnalysis) -> Option<f64>,
    margin: f64,
) -> Comparison {
    let values: Vec<(usize, Vec<(u64, f64)>)> =
        batches.iter().map(|b| (b.batch_size, critical::chosen_values(runs, b, f))).collect();
    compare::compare(&values, margin)
}

/// Each batch size's progress at its healthy rate with the lowest mean final training loss.
fn progress(runs: &[RunRecords], health: &[Health]) -> Vec<Progress> {
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.summary().batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .iter()
        .filter_map(|&b| {
            let of_b: Vec<(&RunRecords, &Health)> =
                runs.iter().zip(health).filter(|(r, _)| r.summary().batch_size == b).collect();
            let mut rates: Vec<f64> = of_b.iter().map(|(r, _)| r.summary().learning_rate).collect();
            rates.sort_by(f64::total_cmp);
            rates.dedup();
            rates
                .iter()
                .filter_map(|&lr| {
                    let at: Vec<&(&RunRecords, &Health)> =
                        of_b.iter().filter(|(r, _)| r.summary().learning_rate == lr).collect();
                    if at.iter().any(|(_, h)| h.failure.is_some()) {
                        return None;
                    }
                    let finals: Vec<f64> = at.iter().map(|(r, _)| r.summary().final_train_loss).collect();
                    let reached = at
                        .iter()
                        .map(|(_, h)| h.lowest_loss)
                        .collect::<Option<Vec<f64>>>()?
                        .into_iter()
                        .reduce(f64::max)?;
                    let initial = stats::mean(&at.iter().map(|(_, h)| h.initial_loss).collect::<Vec<_>>())?;
                    Some((
                        stats::mean(&finals)?,
                        Progress { batch_size: b, reached_loss: reached, initial_loss: initial },
                    ))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, p)| p)
        })
        .collect()
}

#[cfg(test)]
mod curvature_tests;
#[cfg(test)]
mod tests;
