//! One row per batch size, at its chosen learning rate: means over the repeats of that rate (none of them
//! failed, or the rate would not have been chosen) with 95 % Student t intervals (empty with fewer than
//! three repeats). A row of analysis.csv.

use super::learning_rate::{Choice, Tuning, choose, rates, tuning};
use super::run::RunAnalysis;
use super::stats::{self, Interval};
use serde::{Deserialize, Serialize};

/// The answers for one batch size, at its chosen learning rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchAnalysis {
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: String,
    /// The chosen learning rate (NaN when no rate trained without failing).
    pub learning_rate: f64,
    /// How it was chosen.
    pub chosen_by: Choice,
    /// Whether it is the bracketed optimum of its grid.
    pub tuning: Tuning,
    /// Learning rates tried at this batch size.
    pub rates_tried: usize,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Repeats at the chosen rate.
    pub repeats: usize,
    /// Runs of this batch size that failed, at any rate.
    pub failed_runs: usize,
    /// Runs of this batch size, at any rate.
    pub runs: usize,
    /// Of the chosen rate's repeats, how many reached the target.
    pub repeats_reached: usize,
    /// Mean epochs to the target (only when every repeat reached it).
    pub epochs_to_target: Option<f64>,
    /// Mean updates to the target.
    pub steps_to_target: Option<f64>,
    /// 95 % interval of the mean updates to the target: lower end.
    pub steps_to_target_low: Option<f64>,
    /// Upper end.
    pub steps_to_target_high: Option<f64>,
    /// Mean training examples to the target.
    pub examples_to_target: Option<f64>,
    /// Mean training seconds to the target.
    pub seconds_to_target: Option<f64>,
    /// Mean final training loss.
    pub final_train_loss: Option<f64>,
    /// Mean final test loss.
    pub final_test_loss: Option<f64>,
    /// Mean final test accuracy.
    pub final_test_accuracy: Option<f64>,
    /// 95 % interval of the mean final test accuracy: lower end.
    pub final_test_accuracy_low: Option<f64>,
    /// Upper end.
    pub final_test_accuracy_high: Option<f64>,
    /// Mean epoch roughness (total-variation ratio - 1 of the per-epoch training loss).
    pub epoch_roughness: Option<f64>,
    /// Its 95 % interval: lower end.
    pub epoch_roughness_low: Option<f64>,
    /// Upper end.
    pub epoch_roughness_high: Option<f64>,
    /// Mean update noise (RMS of mini-batch loss / full loss - 1).
    pub update_noise: Option<f64>,
    /// Its 95 % interval: lower end.
    pub update_noise_low: Option<f64>,
    /// Upper end.
    pub update_noise_high: Option<f64>,
    /// Mean test minus training loss at the target.
    pub gap_at_target: Option<f64>,
    /// Its 95 % interval: lower end.
    pub gap_at_target_low: Option<f64>,
    /// Upper end.
    pub gap_at_target_high: Option<f64>,
    /// Mean B_simple at the target.
    pub b_simple_at_target: Option<f64>,
    /// Mean measured peak bytes.
    pub peak_bytes: Option<f64>,
    /// Analytic bytes.
    pub analytic_bytes: Option<f64>,
}

/// One row per batch size, smallest first.
pub fn per_batch_size(runs: &[RunAnalysis]) -> Vec<BatchAnalysis> {
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.iter().map(|&b| batch(runs.iter().filter(|r| r.batch_size == b).collect())).collect()
}

/// The mean of `f` over `at` when every run has it, with its interval.
fn every(at: &[&RunAnalysis], f: fn(&RunAnalysis) -> Option<f64>) -> (Option<f64>, Option<Interval>) {
    match at.iter().map(|r| f(r)).collect::<Option<Vec<f64>>>() {
        Some(v) => (stats::mean(&v), stats::mean_interval(&v)),
        None => (None, None),
    }
}

/// The mean of `f` over the runs of `at` that have it, with its interval.
fn some(at: &[&RunAnalysis], f: fn(&RunAnalysis) -> Option<f64>) -> (Option<f64>, Option<Interval>) {
    let v: Vec<f64> = at.iter().filter_map(|r| f(r)).filter(|v| v.is_finite()).collect();
    (stats::mean(&v), stats::mean_interval(&v))
}

fn batch(runs: Vec<&RunAnalysis>) -> BatchAnalysis {
    let (lr, chosen_by) = choose(&runs);
    let tried = rates(&runs);
    let at: Vec<&RunAnalysis> =
        runs.iter().copied().filter(|r| lr.is_some_and(|lr| r.learning_rate == lr)).collect();
    let (steps, steps_ci) = every(&at, |r| r.steps_to_target);
    let (accuracy, accuracy_ci) = some(&at, |r| r.final_test_accuracy);
    let (roughness, roughness_ci) = some(&at, |r| r.epoch_roughness);
    let (noise, noise_ci) = some(&at, |r| r.update_noise);
    let (gap, gap_ci) = every(&at, |r| r.gap_at_target);
    let low = |i: Option<Interval>| i.map(|i| i.low);
    let high = |i: Option<Interval>| i.map(|i| i.high);
    BatchAnalysis {
        batch_size: runs[0].batch_size,
        batch_label: runs[0].batch_label.clone(),
        learning_rate: lr.unwrap_or(f64::NAN),
        chosen_by,
        tuning: tuning(lr, &tried),
        rates_tried: tried.len(),
        updates_per_epoch: runs[0].updates_per_epoch,
        repeats: at.len(),
        failed_runs: runs.iter().filter(|r| r.failed).count(),
        runs: runs.len(),
        repeats_reached: at.iter().filter(|r| r.reached()).count(),
        epochs_to_target: every(&at, |r| r.epochs_to_target).0,
        steps_to_target: steps,
        steps_to_target_low: low(steps_ci),
        steps_to_target_high: high(steps_ci),
        examples_to_target: every(&at, |r| r.examples_to_target).0,
        seconds_to_target: every(&at, |r| r.seconds_to_target).0,
        final_train_loss: some(&at, |r| Some(r.final_train_loss)).0,
        final_test_loss: some(&at, |r| r.final_test_loss).0,
        final_test_accuracy: accuracy,
        final_test_accuracy_low: low(accuracy_ci),
        final_test_accuracy_high: high(accuracy_ci),
        epoch_roughness: roughness,
        epoch_roughness_low: low(roughness_ci),
        epoch_roughness_high: high(roughness_ci),
        update_noise: noise,
        update_noise_low: low(noise_ci),
        update_noise_high: high(noise_ci),
        gap_at_target: gap,
        gap_at_target_low: low(gap_ci),
        gap_at_target_high: high(gap_ci),
        b_simple_at_target: some(&at, |r| r.b_simple_at_target).0,
        peak_bytes: some(&at, |r| r.peak_bytes.map(|b| b as f64)).0,
        analytic_bytes: some(&at, |r| r.analytic_bytes.map(|b| b as f64)).0,
    }
}
