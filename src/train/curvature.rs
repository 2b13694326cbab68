//! When a run measures the curvature of its training loss, and the row it writes: before training, every
//! `curvature.every` epochs, at the end, and where it stopped at its target; each checkpoint on its own
//! random stream keyed by the run's configuration (not its place in the plan). Checkpoints fall between
//! epochs, where the training clock is stopped, and reuse buffers sized once per run, so a product
//! allocates nothing but matrixmultiply's packing buffers (as a training step does).
//!
//! The optimiser enters as plain values ([`Step`]): its kind, learning rate, momentum, beta1 and, for the
//! adaptive ones, the diagonal preconditioner, so the threshold and the preconditioned sharpness follow
//! whatever optimiser and schedule the run uses.

use super::noise::{self, Scratch};
use super::{Context, Recorder};
use crate::error::Result;
use crate::nn::curvature::{
    CurvatureMeasurement, CurvatureSettings, OptimizerKind, PowerSettings, measure, stability_threshold,
};
use crate::nn::{FullLoss, HvpWorkspace};
use crate::plan::{CurvaturePlan, RunConfig};
use crate::rng::{self, Purpose};
use crate::schema::CurvatureRecord;
use std::time::Instant;

/// The optimiser at a checkpoint, as its stability threshold needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step<'a> {
    /// The update rule.
    pub kind: OptimizerKind,
    /// The learning rate of the next step (the schedule's current value).
    pub learning_rate: f64,
    /// Heavy-ball momentum (SGD, RMSprop).
    pub momentum: f64,
    /// Adam's and AdamW's beta1.
    pub beta1: f64,
    /// An adaptive optimiser's effective step per parameter over its learning rate, 1 / (sqrt(v_hat) +
    /// eps): the P of the preconditioned sharpness lambda_max(P^1/2 H P^1/2). None for SGD.
    pub preconditioner: Option<&'a [f64]>,
}

impl Step<'static> {
    /// SGD with heavy-ball momentum at `learning_rate`: threshold (2 + 2 momentum)/lr, no preconditioner.
    pub fn sgd(learning_rate: f64, momentum: f64) -> Self {
        Step { kind: OptimizerKind::Sgd, learning_rate, momentum, beta1: 0.0, preconditioner: None }
    }
}

/// The curvature checkpoints of one run.
pub(super) struct Checkpoints {
    plan: Option<CurvaturePlan>,
    last_epoch: u64,
    batch_size: u64,
    learning_rate_bits: u64,
    repeat: u64,
    count: u64,
    last_update: Option<u64>,
    buffers: Option<(HvpWorkspace, Scratch)>,
}

impl Checkpoints {
    pub(super) fn new(run: &RunConfig, ctx: &Context<'_>) -> Self {
        Checkpoints {
            plan: ctx.curvature,
            last_epoch: run.epochs,
            batch_size: run.batch_size as u64,
            learning_rate_bits: run.learning_rate.to_bits(),
            repeat: run.repeat,
            count: 0,
            last_update: None,
            buffers: ctx.curvature.map(|_| (HvpWorkspace::new(ctx.net), Scratch::new(ctx.net))),
        }
    }

    /// A checkpoint after `epoch` epochs and `update` updates, when one falls there; true when one was
    /// taken, at exactly `params` (where a weights file of the checkpoint would be written).
    pub(super) fn maybe(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        (epoch, update): (u64, u64),
        step: Step<'_>,
        recorder: &mut dyn Recorder,
    ) -> Result<bool> {
        let Some(plan) = self.plan else { return Ok(false) };
        if !(epoch.is_multiple_of(plan.every) || epoch == self.last_epoch) {
            return Ok(false);
        }
        self.take(ctx, params, (epoch, update), step, recorder)
    }

    /// A checkpoint where the run stopped at its target, unless one was just taken there.
    pub(super) fn at_stop(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        (epoch, update): (u64, u64),
        step: Step<'_>,
        recorder: &mut dyn Recorder,
    ) -> Result<bool> {
        if self.plan.is_none() || self.last_update == Some(update) {
            return Ok(false);
        }
        self.take(ctx, params, (epoch, update), step, recorder)
    }

    fn take(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        (epoch, update): (u64, u64),
        step: Step<'_>,
        recorder: &mut dyn Recorder,
    ) -> Result<bool> {
        let (Some(plan), Some((hvp, scratch))) = (self.plan, self.buffers.as_mut()) else { return Ok(false) };
        let started = Instant::now();
        let mut rng = rng::stream(
            ctx.seed,
            self.repeat,
            Purpose::Curvature {
                batch_size: self.batch_size,
                learning_rate_bits: self.learning_rate_bits,
                checkpoint: self.count,
            },
        );
        self.count += 1;
        self.last_update = Some(update);
        let loss = FullLoss { net: ctx.net, params, data: &ctx.data.train };
        let m = measure(&loss, &settings(&plan), step.preconditioner, &mut rng, hvp);
        let full = noise::full_batch(ctx.net, params, &ctx.data.train, scratch);
        let mut row = record(&m, step, full.trace_sigma / full.squared_norm());
        (row.epoch, row.update) = (epoch, update);
        row.curvature_time_s = started.elapsed().as_secs_f64();
        recorder.curvature(&row)?;
        Ok(true)
    }
}

/// The estimators' settings for a checkpoint of `plan`.
pub fn settings(plan: &CurvaturePlan) -> CurvatureSettings {
    CurvatureSettings {
        power: PowerSettings { iterations: plan.iterations, tolerance: plan.tolerance },
        lambda_min: plan.lambda_min,
        trace_probes: plan.trace_probes,
        noise_probes: plan.noise_probes,
    }
}

/// The curvature.csv row of measurement `m` under `step` (epoch, update and time left at 0).
pub fn record(m: &CurvatureMeasurement, step: Step<'_>, b_simple: f64) -> CurvatureRecord {
    let threshold = stability_threshold(step.kind, step.learning_rate, step.momentum, step.beta1);
    let noise = m.noise_scale.as_ref();
    CurvatureRecord {
        epoch: 0,
        update: 0,
        train_loss: m.loss,
        grad_norm: m.gradient_norm,
        lambda_max: m.lambda_max.value,
        lambda_max_iterations: m.lambda_max.iterations as u64,
        lambda_max_rel_change: m.lambda_max.relative_change,
        converged: m.lambda_max.converged,
        lambda_min: m.lambda_min.map(|e| e.value),
        lambda_min_converged: m.lambda_min.map(|e| e.converged),
        preconditioned_lambda_max: m.preconditioned_lambda_max.map(|e| e.value),
        learning_rate: step.learning_rate,
        stability_threshold: threshold.value,
        threshold_preconditioned: threshold.preconditioned,
        trace: m.trace.map(|t| t.mean),
        trace_se: m.trace.map(|t| t.standard_error),
        b_noise: noise.and_then(|n| n.b_noise),
        b_noise_se: noise.and_then(|n| n.b_noise_se),
        b_simple,
        hessian_products: m.hessian_products as u64,
        curvature_time_s: 0.0,
    }
}
