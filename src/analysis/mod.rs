//! Trade-off analysis: pure functions over the records of a results folder (`records::read_results`), so
//! `analyze` and `plot` on an old folder give the same answers. Per run: time to a target, smoothness,
//! memory, noise scale ([`run`]); per batch size at its best learning rate ([`learning_rate`]); the
//! critical batch size fit ([`critical`]); the smoothness verdict and the text tables ([`text`]).

pub mod critical;
pub mod learning_rate;
pub mod run;
pub mod smoothness;
pub mod stats;
pub mod target;
pub mod text;

pub use critical::Fit;
pub use learning_rate::{BatchAnalysis, Choice};
pub use run::RunAnalysis;
pub use target::Target;

use crate::records::Results;
use serde::{Deserialize, Serialize};

/// Everything the analysis answers: analysis.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// What "reached" means.
    pub target: Target,
    /// One entry per batch size at its chosen learning rate, smallest first (analysis.csv).
    pub batch_sizes: Vec<BatchAnalysis>,
    /// The critical batch size.
    pub critical: Critical,
    /// One sentence: did the per-epoch curve get smoother or rougher as the batch size fell?
    pub smoothness_verdict: String,
    /// One entry per run (analysis_runs.csv).
    pub runs: Vec<RunAnalysis>,
}

/// The critical batch size next to the measured noise scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critical {
    /// The fit of S = S_min + E_min / B over the batch sizes that reached the target; none with fewer than
    /// two of them.
    pub fit: Option<Fit>,
    /// Mean over the chosen configurations of their mean B_simple before the target.
    pub b_simple: Option<f64>,
}

/// Analyses a results folder read back from disk.
pub fn analyze(results: &Results) -> Analysis {
    let spec = &results.settings.analysis;
    let target = target::choose(spec.target_train_loss, spec.target_test_accuracy, &results.runs);
    let runs: Vec<RunAnalysis> = results.runs.iter().map(|r| RunAnalysis::of(r, &target)).collect();
    let batch_sizes = learning_rate::per_batch_size(&runs);
    let points: Vec<(f64, f64)> =
        batch_sizes.iter().filter_map(|b| b.steps_to_target.map(|s| (b.batch_size as f64, s))).collect();
    let noise: Vec<f64> = batch_sizes.iter().filter_map(|b| b.b_simple).collect();
    let critical = Critical { fit: critical::fit(&points), b_simple: stats::mean(&noise) };
    let smoothness_verdict = text::smoothness_verdict(&batch_sizes);
    Analysis { target, batch_sizes, critical, smoothness_verdict, runs }
}
