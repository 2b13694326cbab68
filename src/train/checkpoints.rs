//! When a run probes its gradient noise: before training, every `noise.every` epochs and at the end, each
//! checkpoint with its own random stream keyed by the run's configuration (not its place in the plan).
//! The run asks whether one is [`Probes::due`] before it takes one, so it can hand over the weights of
//! every checkpoint (noise or curvature) once.

use super::noise::{self, Scratch};
use super::{Context, Recorder};
use crate::error::Result;
use crate::nn::optim::Optimizer;
use crate::plan::RunConfig;
use crate::rng::{self, Purpose};

/// The gradient-noise checkpoints of one run: before training, every `every` epochs, and at the end.
pub(super) struct Probes {
    every: u64,
    last_epoch: u64,
    sizes: Vec<usize>,
    batch_size: u64,
    learning_rate_bits: u64,
    repeat: u64,
    count: u64,
    last_update: Option<u64>,
    scratch: Option<Scratch>,
}

impl Probes {
    pub(super) fn new(run: &RunConfig, ctx: &Context<'_>) -> Self {
        let sizes = if ctx.probe_sizes.is_empty() { vec![run.batch_size] } else { ctx.probe_sizes.to_vec() };
        let scratch = (ctx.noise.every > 0).then(|| Scratch::new(ctx.net));
        Probes {
            every: ctx.noise.every,
            last_epoch: run.epochs,
            sizes,
            batch_size: run.batch_size as u64,
            learning_rate_bits: run.learning_rate.to_bits(),
            repeat: run.repeat,
            count: 0,
            last_update: None,
            scratch,
        }
    }

    /// Whether a checkpoint falls after `epoch` epochs and `update` updates: on the schedule, or (`at_stop`)
    /// where the run stopped at its target unless one was just taken there, so that B_simple at the target
    /// is measured, not extrapolated.
    pub(super) fn due(&self, epoch: u64, update: u64, at_stop: bool) -> bool {
        self.scratch.is_some()
            && if at_stop {
                self.last_update != Some(update)
            } else {
                epoch.is_multiple_of(self.every) || epoch == self.last_epoch
            }
    }

    /// Takes the checkpoint at `params` after `epoch` epochs and `update` updates.
    pub(super) fn take(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        optimizer: &Optimizer,
        (epoch, update): (u64, u64),
        recorder: &mut dyn Recorder,
    ) -> Result<()> {
        let Some(scratch) = self.scratch.as_mut() else { return Ok(()) };
        self.last_update = Some(update);
        let mut rng = rng::stream(
            ctx.seed,
            self.repeat,
            Purpose::Probe {
                batch_size: self.batch_size,
                learning_rate_bits: self.learning_rate_bits,
                checkpoint: self.count,
            },
        );
        self.count += 1;
        let preconditioner: Option<Vec<f32>> = optimizer.preconditioner().map(Iterator::collect);
        let rows = noise::checkpoint(
            ctx.net,
            (params, preconditioner.as_deref()),
            &ctx.data.train,
            (epoch, update),
            &self.sizes,
            ctx.noise.probes,
            &mut rng,
            scratch,
        );
        recorder.noise(&rows)
    }
}
