//! One seeded training run: the epoch loop ([`run`](mod@run)), evaluation between epochs, gradient-noise
//! checkpoints ([`noise`], scheduled by `checkpoints`), [`curvature`] checkpoints and parameter snapshots
//! for the [`landscape`].
//! Records go to a [`Recorder`]; this stage never touches paths (`records` decides where records go).

mod checkpoints;
pub mod curvature;
pub mod evaluate;
pub mod landscape;
pub mod noise;
pub mod order;
mod run;

pub use curvature::Step;
pub use evaluate::{BLOWUP, StopTarget};
pub use landscape::ParamPath;
pub use run::train;

use crate::data::Dataset;
use crate::error::Result;
use crate::nn::network::Network;
use crate::nn::optim::Kind;
use crate::nn::optim::schedule::Decay;
use crate::plan::{CurvaturePlan, NoisePlan, RunConfig, TrainingPlan};
use crate::schema::{CurvatureRecord, EpochRecord, EvalRecord, IterationRecord, NoiseRecord, RunSummary};
use std::sync::atomic::AtomicBool;

/// Where a run's records go.
pub trait Recorder {
    /// Called after every `log_every`-th update.
    fn iteration(&mut self, record: &IterationRecord) -> Result<()>;
    /// Called before training and after every epoch.
    fn epoch(&mut self, record: &EpochRecord) -> Result<()>;
    /// Called at every gradient-noise checkpoint, with a row per probed batch size.
    fn noise(&mut self, rows: &[NoiseRecord]) -> Result<()>;
    /// Called at every evaluation of the whole training and test sets (before training, on the
    /// schedule in updates, at every epoch end). Ignored unless a recorder keeps them.
    fn eval(&mut self, _record: &EvalRecord) -> Result<()> {
        Ok(())
    }
    /// Called at every curvature checkpoint. Ignored unless a recorder keeps them.
    fn curvature(&mut self, _record: &CurvatureRecord) -> Result<()> {
        Ok(())
    }
    /// Called with the network's weights as a safetensors file after `epoch` epochs, at a noise
    /// checkpoint (`training.save_weights = "checkpoints"`); the sweep hands over the final weights
    /// (`None`) from [`Outcome::params`]. Ignored unless a recorder keeps them.
    fn weights(&mut self, _epoch: Option<u64>, _safetensors: &[u8]) -> Result<()> {
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The last epoch record.
    pub last: EpochRecord,
    /// Epochs fully completed.
    pub epochs_completed: u64,
    /// Training examples consumed.
    pub examples_seen: u64,
    /// A loss became NaN or infinite, or the training loss blew up past [`BLOWUP`] x its start; the run
    /// stopped there.
    pub diverged: bool,
    /// The update after which the divergence was seen.
    pub diverged_at_update: Option<u64>,
    /// The run stopped at the first evaluation where the target held.
    pub stopped_at_target: bool,
    /// The sweep was interrupted before the run finished.
    pub interrupted: bool,
    /// Parameter snapshots along the way (empty unless the landscape is recorded).
    pub path: ParamPath,
    /// The parameters where the run ended.
    pub params: Vec<f32>,
}

/// What a run needs besides its configuration; shared by every run of a sweep.
pub struct Context<'a> {
    /// The network shape.
    pub net: &'a Network,
    /// The examples.
    pub data: &'a Dataset,
    /// The initial parameters of this run's repeat.
    pub init: &'a [f32],
    /// The experiment seed.
    pub seed: u64,
    /// Loop settings (the optimiser and schedules of a run are in its [`RunConfig`]).
    pub training: &'a TrainingPlan,
    /// Epochs between noise checkpoints (0 = none) and probes per checkpoint.
    pub noise: &'a NoisePlan,
    /// Batch sizes to probe at checkpoints; empty means the run's own batch size.
    pub probe_sizes: &'a [usize],
    /// Curvature checkpoints, when on.
    pub curvature: Option<CurvaturePlan>,
    /// Updates between parameter snapshots for the landscape; 0 records none.
    pub snapshot_every: u64,
    /// The target to stop at (`analysis.stop_at_target`), when there is one.
    pub stop_at: Option<StopTarget>,
    /// Set when the sweep must stop; checked every update.
    pub stop: &'a AtomicBool,
    /// Told the number of examples trained on after each epoch (progress bars).
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// The summary of `run` that ended with `outcome` (measured and analytic bytes are the caller's).
pub fn summarize(run: &RunConfig, outcome: &Outcome) -> RunSummary {
    let last = &outcome.last;
    RunSummary {
        run_id: run.id.clone(),
        repeat: run.repeat,
        batch_size: run.batch_size,
        batch_label: run.batch_label.clone(),
        learning_rate: run.learning_rate,
        epochs: run.epochs,
        epochs_completed: outcome.epochs_completed,
        updates_per_epoch: run.updates_per_epoch,
        last_batch_size: run.last_batch_size,
        updates: last.updates,
        examples_seen: outcome.examples_seen,
        final_train_loss: last.train_loss,
        final_test_loss: last.test_loss,
        final_test_accuracy: last.test_accuracy,
        train_time_s: last.train_time_s,
        examples_per_s: outcome.examples_seen as f64 / last.train_time_s.max(f64::MIN_POSITIVE),
        diverged: outcome.diverged,
        diverged_at_update: outcome.diverged_at_update,
        stopped_at_target: outcome.stopped_at_target,
        peak_bytes: None,
        analytic_bytes: None,
        ..hyperparameters(run)
    }
}

/// The resolved hyperparameters of `run` as summary columns: those its optimiser uses, the others empty.
fn hyperparameters(run: &RunConfig) -> RunSummary {
    let o = &run.optimizer;
    let (sgd, rmsprop) = (o.kind == Kind::Sgd, o.kind == Kind::RmsProp);
    let adam = matches!(o.kind, Kind::Adam | Kind::AdamW);
    let schedule = match &run.schedule.decay {
        Decay::Constant => "constant",
        Decay::Cosine => "cosine",
        Decay::Linear => "linear",
        Decay::Step { .. } => "step",
    };
    let warmup = if run.schedule.warmup_epochs > 0.0 { " + warmup" } else { "" };
    let growth = run.batch_growth.as_ref().map_or(String::new(), |g| {
        let at: Vec<String> = g.milestones.iter().map(u64::to_string).collect();
        format!("x{} at {}", g.factor, at.join(" "))
    });
    RunSummary {
        optimizer: o.kind.as_str().to_string(),
        momentum: (sgd || rmsprop).then_some(o.momentum),
        nesterov: sgd.then_some(o.nesterov),
        beta1: adam.then_some(o.beta1),
        beta2: adam.then_some(o.beta2),
        epsilon: (adam || rmsprop).then_some(o.epsilon),
        alpha: rmsprop.then_some(o.alpha),
        weight_decay: Some(o.weight_decay),
        schedule: format!("{schedule}{warmup}"),
        batch_growth: growth,
        variant: run.variant.clone(),
        ..RunSummary::default()
    }
}
