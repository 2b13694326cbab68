//! One run's answers: whether it failed, when it reached the target, how smooth its curves were, its
//! generalisation gap and noise scale at the target, its memory. A row of analysis_runs.csv.

use super::checkpoints::{Checkpoint, lerp};
use super::curvature::of_run;
use super::failure::Health;
use super::smoothness::{epoch_roughness, update_noise};
use super::target::{Reached, Target, reached};
use crate::records::RunRecords;
use serde::{Deserialize, Serialize};

/// The analysis of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunAnalysis {
    /// The run's folder name.
    pub run_id: String,
    /// Which repeat.
    pub repeat: u64,
    /// Examples per update.
    pub batch_size: usize,
    /// `32` or `full`.
    pub batch_label: String,
    /// Step size the run used (after any lr scaling).
    pub learning_rate: f64,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// The run failed (diverged, or ended above its initial loss): it is evidence of nothing.
    pub failed: bool,
    /// The run diverged.
    pub diverged: bool,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// The run stopped at the target (`analysis.stop_at_target`).
    pub stopped_at_target: bool,
    /// Epochs until the target (interpolated between evaluations); empty when not reached or failed.
    pub epochs_to_target: Option<f64>,
    /// Updates until the target.
    pub steps_to_target: Option<f64>,
    /// Training examples until the target.
    pub examples_to_target: Option<f64>,
    /// Training seconds until the target.
    pub seconds_to_target: Option<f64>,
    /// The target was reached at or before the first evaluation after the start.
    pub reached_at_first_evaluation: bool,
    /// Training loss before the first update.
    pub initial_train_loss: f64,
    /// Full training loss at the end (NaN when diverged).
    pub final_train_loss: f64,
    /// Test loss at the end.
    pub final_test_loss: Option<f64>,
    /// Test accuracy at the end.
    pub final_test_accuracy: Option<f64>,
    /// Total-variation ratio minus one of the per-epoch training loss (0 = monotone).
    pub epoch_roughness: Option<f64>,
    /// RMS of mini-batch loss / full loss - 1 at the evaluation checkpoints (0 = the full batch).
    pub update_noise: Option<f64>,
    /// Test minus training loss where the run crossed the target (comparable training loss).
    pub gap_at_target: Option<f64>,
    /// B_simple = tr(Sigma)/|G|^2 where the run crossed the target, interpolated between noise
    /// checkpoints in log scale.
    pub b_simple_at_target: Option<f64>,
    /// lambda_max at the last curvature checkpoint (curvature.csv).
    pub final_sharpness: Option<f64>,
    /// lambda_max where the run crossed the target training loss, interpolated in log loss between
    /// curvature checkpoints.
    pub sharpness_at_target: Option<f64>,
    /// Mean sharpness / stability threshold over the last quarter of training (1 at the edge of stability).
    pub threshold_ratio: Option<f64>,
    /// Measured peak bytes of the run.
    pub peak_bytes: Option<u64>,
    /// Analytic bytes of the run.
    pub analytic_bytes: Option<u64>,
}

impl RunAnalysis {
    /// Analyses `run` (with its `checkpoints` and `health`) against `target`. A failed run reaches nothing
    /// and has no smoothness: failed runs are never evidence.
    pub fn of(run: &RunRecords, checkpoints: &[Checkpoint], health: &Health, target: &Target) -> Self {
        let s = run.summary();
        let failed = health.failure.is_some();
        let hit = (!failed).then(|| reached(target, checkpoints)).flatten();
        let epoch_losses: Vec<f64> = run.epochs.iter().map(|e| e.train_loss).collect();
        let curvature = of_run(run.curvature.as_deref(), failed, target.train_loss);
        RunAnalysis {
            run_id: s.run_id.clone(),
            repeat: s.repeat,
            batch_size: s.batch_size,
            batch_label: s.batch_label.clone(),
            learning_rate: s.learning_rate,
            updates_per_epoch: s.updates_per_epoch,
            failed,
            diverged: s.diverged,
            failure: health.failure.clone(),
            stopped_at_target: s.stopped_at_target,
            epochs_to_target: hit.map(|r| r.epochs),
            steps_to_target: hit.map(|r| r.steps),
            examples_to_target: hit.map(|r| r.examples),
            seconds_to_target: hit.map(|r| r.seconds),
            reached_at_first_evaluation: hit.is_some_and(|r| r.steps <= r.first_evaluation),
            initial_train_loss: health.initial_loss,
            final_train_loss: s.final_train_loss,
            final_test_loss: s.final_test_loss,
            final_test_accuracy: s.final_test_accuracy,
            epoch_roughness: (!failed).then(|| epoch_roughness(&epoch_losses)).flatten(),
            update_noise: (!failed).then(|| update_noise(checkpoints, &run.iterations)).flatten(),
            gap_at_target: hit.and_then(|r| r.gap),
            b_simple_at_target: hit.and_then(|r| b_simple_at(run, &r)),
            final_sharpness: curvature.final_sharpness,
            sharpness_at_target: curvature.sharpness_at_target,
            threshold_ratio: curvature.threshold_ratio,
            peak_bytes: s.peak_bytes,
            analytic_bytes: s.analytic_bytes,
        }
    }

    /// Whether the run reached the target.
    pub fn reached(&self) -> bool {
        self.steps_to_target.is_some()
    }
}

/// B_simple where the run crossed the target: log B_simple interpolated linearly in updates (in epochs for
/// folders written before noise.csv recorded updates) between the noise checkpoints around the crossing (one
/// value per checkpoint: B_simple is a property of the weights, not of the probed batch size).
fn b_simple_at(run: &RunRecords, hit: &Reached) -> Option<f64> {
    let noise = run.noise.as_ref()?;
    let by_update = noise.iter().all(|n| n.update.is_some());
    let at = if by_update { hit.steps } else { hit.epochs };
    let mut points: Vec<(f64, f64)> = noise
        .iter()
        .filter(|n| n.b_simple.is_finite() && n.b_simple > 0.0)
        .map(|n| (if by_update { n.update.unwrap_or(0) as f64 } else { n.epoch as f64 }, n.b_simple.ln()))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.dedup_by(|a, b| a.0 == b.0);
    let k = points.iter().position(|p| p.0 >= at)?;
    if points[k].0 == at || k == 0 {
        return (points[k].0 == at).then(|| points[k].1.exp());
    }
    let (a, b) = (points[k - 1], points[k]);
    Some(lerp(a.1, b.1, (at - a.0) / (b.0 - a.0)).exp())
}
