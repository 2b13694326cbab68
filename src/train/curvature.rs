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
use crate::nn::network::{FullLoss, HvpWorkspace};
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

    /// Whether a checkpoint falls after `epoch` epochs and `update` updates: on the schedule, or (`at_stop`)
    /// where the run stopped at its target unless one was just taken there.
    pub(super) fn due(&self, epoch: u64, update: u64, at_stop: bool) -> bool {
        self.plan.is_some_and(|plan| {
            if at_stop {
                self.last_update != Some(update)
            } else {
                epoch.is_multiple_of(plan.every) || epoch == self.last_epoch
            }
        })
    }

    /// Takes the checkpoint at `params` after `epoch` epochs and `update` updates, with the optimiser as
    /// `step` gives it.
    pub(super) fn take(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        (epoch, update): (u64, u64),
        step: Step<'_>,
        recorder: &mut dyn Recorder,
    ) -> Result<()> {
        let (Some(plan), Some((hvp, scratch))) = (self.plan, self.buffers.as_mut()) else { return Ok(()) };
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
        let full = noise::full_batch(ctx.net, params, &ctx.data.train, None, scratch);
        let mut row = record(&m, step, full.trace_sigma / full.squared_norm());
        (row.epoch, row.update) = (epoch, update);
        row.curvature_time_s = started.elapsed().as_secs_f64();
        recorder.curvature(&row)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::nn::network::Network;
    use crate::nn::optim::Settings as Optimizer;
    use crate::peers::{reference_data, reference_model};
    use crate::plan::{NoisePlan, TrainingPlan, updates_per_epoch};
    use crate::schema::{EpochRecord, IterationRecord, NoiseRecord};
    use crate::spec::LastBatch;
    use crate::sweep::memory;
    use std::sync::atomic::AtomicBool;

    /// Keeps the curvature rows and the epoch records (in buffers reserved up front).
    struct Keep(Vec<CurvatureRecord>, Vec<EpochRecord>);

    impl Recorder for Keep {
        fn iteration(&mut self, _: &IterationRecord) -> Result<()> {
            Ok(())
        }
        fn epoch(&mut self, record: &EpochRecord) -> Result<()> {
            self.1.push(record.clone());
            Ok(())
        }
        fn noise(&mut self, _: &[NoiseRecord]) -> Result<()> {
            Ok(())
        }
        fn curvature(&mut self, record: &CurvatureRecord) -> Result<()> {
            self.0.push(record.clone());
            Ok(())
        }
    }

    fn plan(every: u64, iterations: usize, trace_probes: usize) -> CurvaturePlan {
        CurvaturePlan { every, iterations, tolerance: 0.0, lambda_min: false, trace_probes, noise_probes: 0 }
    }

    fn training(epochs: u64, learning_rate: f64) -> TrainingPlan {
        let optimizer = Optimizer { weight_decay: 1e-3, ..Optimizer::default() };
        TrainingPlan { optimizer, ..TrainingPlan::sgd(epochs, learning_rate) }
    }

    /// Runs `f` with a full-batch run of the peers' reference model and curvature checkpoints of `plan`.
    fn with_run<T>(
        plan: CurvaturePlan,
        t: &TrainingPlan,
        f: impl FnOnce(&RunConfig, &Context<'_>) -> T,
    ) -> T {
        let data: Dataset = reference_data().expect("bundled data");
        let (net, init): (Network, Vec<f32>) = reference_model().expect("bundled weights");
        let n = data.train.len();
        let (updates, last) = updates_per_epoch(n, n, LastBatch::Keep);
        let run = RunConfig {
            index: 0,
            id: "full".into(),
            repeat: 0,
            batch_size: n,
            batch_label: "full".into(),
            learning_rate: t.learning_rate,
            epochs: t.epochs,
            updates_per_epoch: updates,
            last_batch_size: last,
            variant: String::new(),
            optimizer: t.optimizer,
            schedule: t.schedule.clone(),
            batch_growth: None,
        };
        let (noise, stop) =
            (NoisePlan { every: 0, probes: 0, probe_batch_sizes: Vec::new() }, AtomicBool::new(false));
        let ctx = Context {
            net: &net,
            data: &data,
            init: &init,
            seed: 0,
            training: t,
            noise: &noise,
            probe_sizes: &[],
            curvature: Some(plan),
            snapshot_every: 0,
            stop_at: None,
            stop: &stop,
            progress: &|_| {},
        };
        f(&run, &ctx)
    }

    /// Allocations of one checkpoint with `iterations` power steps and `probes` trace probes, and of one
    /// full-data Hessian-vector product alone.
    fn allocations(iterations: usize, probes: usize) -> (u64, u64) {
        with_run(plan(1, iterations, probes), &training(1, 0.05), |run, ctx| {
            let mut checkpoints = Checkpoints::new(run, ctx);
            let mut keep = Keep(Vec::with_capacity(4), Vec::new());
            let step = Step::sgd(0.05, 0.0);
            assert!(checkpoints.due(0, 0, false));
            let ((), usage) =
                memory::usage(|| checkpoints.take(ctx, ctx.init, (0, 0), step, &mut keep).expect("recorded"));
            assert_eq!(keep.0.len(), 1);
            let full = FullLoss { net: ctx.net, params: ctx.init, data: &ctx.data.train };
            let mut ws = HvpWorkspace::new(ctx.net);
            let (v, mut out) = (vec![0.5; ctx.net.params], vec![0.0; ctx.net.params]);
            let ((), one) = memory::usage(|| {
                full.hvp(&v, &mut ws, &mut out);
            });
            (usage.allocations, one.allocations)
        })
    }

    #[test]
    fn every_product_of_a_checkpoint_allocates_only_what_one_product_does() {
        // A product allocates matrixmultiply's packing buffers only (13 per chunk, nn/hvp_check.rs); a
        // checkpoint of k products must allocate k times that plus a fixed amount for its vectors, so
        // eight more power steps, or four more trace probes, add exactly eight or four products' worth.
        let (short, product) = allocations(4, 2);
        assert!(product > 0, "the counter sees matrixmultiply");
        let (long, _) = allocations(12, 2);
        assert_eq!(long - short, 8 * product);
        let (probed, _) = allocations(4, 6);
        assert_eq!(probed - short, 4 * product);
    }

    #[test]
    fn checkpoints_fall_before_training_every_few_epochs_and_at_the_end_at_the_epochs_weights() {
        // every = 2 over 5 full-batch epochs: epochs 0, 2, 4 and 5, each after as many updates.
        let rows = with_run(plan(2, 3, 0), &training(5, 0.05), |run, ctx| {
            let mut keep = Keep(Vec::new(), Vec::new());
            crate::train::train(run, ctx, &mut keep).expect("trains");
            (keep.0, keep.1)
        });
        let (curvature, epochs) = rows;
        let at: Vec<(u64, u64)> = curvature.iter().map(|r| (r.epoch, r.update)).collect();
        assert_eq!(at, [(0, 0), (2, 2), (4, 4), (5, 5)]);
        for r in &curvature {
            // The loss of the Hessian is the mean training loss without weight decay: the evaluation's.
            let e = &epochs[r.epoch as usize];
            assert!((r.train_loss / e.train_loss - 1.0).abs() < 1e-5, "{} vs {}", r.train_loss, e.train_loss);
            assert_eq!(
                (r.stability_threshold, r.learning_rate, r.threshold_preconditioned),
                (40.0, 0.05, false)
            );
            assert_eq!((r.lambda_max_iterations, r.hessian_products, r.lambda_min), (3, 3, None));
            assert!(r.lambda_max > 0.0 && r.b_simple > 0.0 && r.trace.is_none() && r.b_noise.is_none());
        }
    }

    #[test]
    fn momentum_and_an_adaptive_rule_move_the_threshold() {
        let m = with_run(plan(1, 2, 0), &training(1, 0.05), |_, ctx| {
            let loss = FullLoss { net: ctx.net, params: ctx.init, data: &ctx.data.train };
            let mut rng = rng::stream(0, 0, Purpose::Init);
            measure(&loss, &settings(&plan(1, 2, 0)), None, &mut rng, &mut HvpWorkspace::new(ctx.net))
        });
        let heavy = record(&m, Step::sgd(0.1, 0.9), 1.0);
        assert!((heavy.stability_threshold - 38.0).abs() < 1e-9 && !heavy.threshold_preconditioned);
        let adam = Step {
            kind: OptimizerKind::Adam,
            learning_rate: 1e-3,
            momentum: 0.0,
            beta1: 0.9,
            preconditioner: None,
        };
        let row = record(&m, adam, 1.0);
        assert!((row.stability_threshold - 38_000.0).abs() < 1e-6 && row.threshold_preconditioned);
        assert_eq!(row.preconditioned_lambda_max, None, "no preconditioner was given");
    }
}
