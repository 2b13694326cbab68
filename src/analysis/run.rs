//! One run's answers: when it reached the target, how smooth its curves were, its memory and its noise
//! scale before the target. A row of analysis_runs.csv.

use super::smoothness::Smoothness;
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
    /// SGD step size the run used (after any lr scaling).
    pub learning_rate: f64,
    /// Updates per epoch.
    pub updates_per_epoch: usize,
    /// Epochs until the target (interpolated); empty when not reached.
    pub epochs_to_target: Option<f64>,
    /// Updates until the target.
    pub steps_to_target: Option<f64>,
    /// Training examples until the target.
    pub examples_to_target: Option<f64>,
    /// Training seconds until the target.
    pub seconds_to_target: Option<f64>,
    /// Full training loss at the end (NaN when diverged).
    pub final_train_loss: f64,
    /// Test loss at the end.
    pub final_test_loss: Option<f64>,
    /// Test accuracy at the end.
    pub final_test_accuracy: Option<f64>,
    /// Total-variation ratio of the per-epoch training loss.
    pub epoch_tv_ratio: Option<f64>,
    /// Share of epochs whose training loss rose.
    pub epoch_up_fraction: Option<f64>,
    /// Total-variation ratio of the per-iteration loss.
    pub iteration_tv_ratio: Option<f64>,
    /// Share of logged updates whose loss rose.
    pub iteration_up_fraction: Option<f64>,
    /// Std of the per-iteration loss around its 21-update centred moving average.
    pub iteration_residual_std: Option<f64>,
    /// Mean B_simple over the noise checkpoints up to the target (all checkpoints when not reached).
    pub b_simple: Option<f64>,
    /// Measured peak bytes of the run.
    pub peak_bytes: Option<u64>,
    /// Analytic bytes of the run.
    pub analytic_bytes: Option<u64>,
    /// The run diverged.
    pub diverged: bool,
    /// The run diverged, or ended with a higher training loss than it started with (it blew up without
    /// a NaN); the generalisation figures leave such runs out.
    pub failed: bool,
}

impl RunAnalysis {
    /// Analyses `run` against `target`.
    pub fn of(run: &RunRecords, target: &Target) -> Self {
        let s = run.summary();
        let per_epoch = s.updates_per_epoch.saturating_sub(1) * s.batch_size + s.last_batch_size;
        let hit = reached(target, &run.epochs, per_epoch as f64);
        let epoch_losses: Vec<f64> = run.epochs.iter().map(|e| e.train_loss).collect();
        let iteration_losses: Vec<f64> = run.iterations.iter().map(|i| i.loss).collect();
        let smooth = Smoothness::of(&epoch_losses, &iteration_losses);
        RunAnalysis {
            run_id: s.run_id.clone(),
            repeat: s.repeat,
            batch_size: s.batch_size,
            batch_label: s.batch_label.clone(),
            learning_rate: s.learning_rate,
            updates_per_epoch: s.updates_per_epoch,
            epochs_to_target: hit.map(|r| r.epochs),
            steps_to_target: hit.map(|r| r.steps),
            examples_to_target: hit.map(|r| r.examples),
            seconds_to_target: hit.map(|r| r.seconds),
            final_train_loss: s.final_train_loss,
            final_test_loss: s.final_test_loss,
            final_test_accuracy: s.final_test_accuracy,
            epoch_tv_ratio: smooth.epoch_tv_ratio,
            epoch_up_fraction: smooth.epoch_up_fraction,
            iteration_tv_ratio: smooth.iteration_tv_ratio,
            iteration_up_fraction: smooth.iteration_up_fraction,
            iteration_residual_std: smooth.iteration_residual_std,
            b_simple: b_simple_before(run, hit),
            peak_bytes: s.peak_bytes,
            analytic_bytes: s.analytic_bytes,
            diverged: s.diverged,
            failed: s.diverged
                || run
                    .epochs
                    .first()
                    .is_some_and(|e| s.final_train_loss.is_nan() || s.final_train_loss > e.train_loss),
        }
    }

    /// Whether the run reached the target.
    pub fn reached(&self) -> bool {
        self.steps_to_target.is_some()
    }
}

/// Mean over checkpoints (epoch <= the target's epoch, or all when not reached) of B_simple; the rows of
/// one checkpoint (one per probed batch size, all with the same B_simple) count once.
fn b_simple_before(run: &RunRecords, hit: Option<Reached>) -> Option<f64> {
    let noise = run.noise.as_ref()?;
    let limit = hit.map_or(f64::INFINITY, |r| r.epochs);
    let mut epochs: Vec<u64> = noise.iter().map(|n| n.epoch).filter(|&e| e as f64 <= limit).collect();
    epochs.sort_unstable();
    epochs.dedup();
    let values: Vec<f64> = epochs
        .iter()
        .filter_map(|&e| noise.iter().find(|n| n.epoch == e).map(|n| n.b_simple))
        .filter(|v| v.is_finite())
        .collect();
    super::stats::mean(&values)
}
