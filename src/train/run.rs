//! The epoch loop of one run: shuffling, updates (online SGD at B = 1 for plain SGD, else gradient then
//! optimiser step) at the scheduled learning rate and batch size, the update statistics, evaluations
//! (between epochs and on a schedule in updates), weights and landscape snapshots.

use super::checkpoints::Probes;
use super::curvature::{Checkpoints, Step};
use super::evaluate::{self, EvalSchedule};
use super::{Context, Outcome, ParamPath, Recorder};
use crate::error::{Error, Result};
use crate::nn::curvature::OptimizerKind;
use crate::nn::network::Workspace;
use crate::nn::optim::batches::BatchSchedule;
use crate::nn::optim::schedule::Position;
use crate::nn::optim::{Kind, Optimizer};
use crate::nn::{CHUNK_ROWS, OnlineStep, weights};
use crate::plan::{RunConfig, updates_per_epoch};
use crate::schema::{EpochRecord, EvalRecord, IterationRecord, Seconds};
use crate::spec::SaveWeights;
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Per-epoch statistics of the update gradients.
#[derive(Default)]
struct StepStats {
    cos_sum: f64,
    cos_count: u64,
    norm_sum: f64,
    norm_count: u64,
}

/// Why the epoch loop stopped early.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    /// A loss went non-finite or blew up, seen after this update.
    Diverged(u64),
    /// The sweep was asked to stop.
    Interrupted,
    /// The target holds (`analysis.stop_at_target`).
    Target,
}

/// The mutable state of one run: parameters, optimiser, buffers and counters.
struct State<'a> {
    run: &'a RunConfig,
    ctx: &'a Context<'a>,
    params: Vec<f32>,
    optimizer: Optimizer,
    /// The batch-size schedule, when the batch size grows.
    growth: Option<BatchSchedule>,
    ws: Workspace,
    eval_ws: Workspace,
    grad: Vec<f32>,
    previous: Vec<f32>,
    previous_sq: f64,
    online: Option<OnlineStep>,
    order: Vec<usize>,
    clock: Seconds,
    updates: u64,
    /// Updates made and examples seen before the current epoch began.
    epoch_start_updates: u64,
    epoch_start_examples: u64,
    examples_seen: u64,
    path: ParamPath,
    schedule: EvalSchedule,
    initial_loss: f64,
    last_eval: Option<EvalRecord>,
}

/// Trains `run` from `ctx.init`, handing every record to `recorder`.
pub fn train(run: &RunConfig, ctx: &Context<'_>, recorder: &mut dyn Recorder) -> Result<Outcome> {
    let mut state = State::new(run, ctx);
    let mut probes = Probes::new(run, ctx);
    let mut curvature = Checkpoints::new(run, ctx);
    let (mut last, start) = state.evaluate_epoch(0, &StepStats::default());
    state.initial_loss = start.train_loss;
    recorder.epoch(&last)?;
    recorder.eval(&start)?;
    state.checkpoints(&mut probes, &mut curvature, 0, None, recorder)?;
    state.snapshot();
    let mut epochs_completed = 0;
    let mut stop = state.verdict(&start);
    for epoch in 1..=run.epochs {
        if stop.is_some() {
            break;
        }
        let (stats, ended) = state.epoch(epoch, recorder)?;
        if matches!(ended, Some(Stop::Interrupted | Stop::Target)) {
            // Stopped inside the epoch: no epoch row for a partial epoch; the summary reports the run at
            // the evaluation that stopped it.
            if let Some(eval) = &state.last_eval {
                last = state.record_of(last.epoch, eval, &StepStats::default(), 0.0);
            }
            stop = ended;
            break;
        }
        let (record, eval) = state.evaluate_epoch(epoch, &stats);
        last = record;
        stop = ended.or_else(|| state.verdict(&eval));
        if let Some(Stop::Diverged(_)) = stop {
            last.train_loss = f64::NAN;
            recorder.epoch(&last)?;
            recorder.eval(&EvalRecord { train_loss: f64::NAN, ..eval })?;
            break;
        }
        recorder.epoch(&last)?;
        recorder.eval(&eval)?;
        epochs_completed = epoch;
        state.checkpoints(&mut probes, &mut curvature, epoch, None, recorder)?;
    }
    if stop == Some(Stop::Target) {
        // Inside an epoch the checkpoint carries that epoch's 1-based number, as iterations.csv does.
        let inside = state.updates > state.epoch_start_updates;
        let seen = state.examples_seen - state.epoch_start_examples;
        let epoch = epochs_completed + u64::from(inside);
        state.checkpoints(&mut probes, &mut curvature, epoch, Some((epochs_completed, seen)), recorder)?;
    }
    state.snapshot();
    Ok(Outcome {
        last,
        epochs_completed,
        examples_seen: state.examples_seen,
        diverged: matches!(stop, Some(Stop::Diverged(_))),
        diverged_at_update: if let Some(Stop::Diverged(u)) = stop { Some(u) } else { None },
        stopped_at_target: stop == Some(Stop::Target),
        interrupted: stop == Some(Stop::Interrupted),
        path: state.path,
        params: state.params,
    })
}

impl<'a> State<'a> {
    fn new(run: &'a RunConfig, ctx: &'a Context<'a>) -> Self {
        let (net, n) = (ctx.net, ctx.data.train.len());
        let growth = run.batch_growth.as_ref().map(|g| g.schedule(n, run.batch_size));
        let largest = growth.as_ref().map_or(run.batch_size, |g| g.batch_size(run.epochs.saturating_sub(1)));
        // Plain SGD on one example: update W by its rank-one gradient directly (nn/online.rs).
        let plain = run.optimizer.kind == Kind::Sgd && run.optimizer.momentum == 0.0;
        State {
            run,
            ctx,
            params: ctx.init.to_vec(),
            optimizer: Optimizer::new(net, &run.optimizer),
            growth,
            ws: Workspace::new(net, largest.max(run.batch_size)),
            eval_ws: Workspace::new(net, CHUNK_ROWS.min(n.max(1))),
            grad: vec![0.0; net.params],
            previous: vec![0.0; net.params],
            previous_sq: 0.0,
            online: (run.batch_size == 1 && plain).then(|| OnlineStep::new(net)).flatten(),
            order: (0..n).collect(),
            clock: 0.0,
            updates: 0,
            epoch_start_updates: 0,
            epoch_start_examples: 0,
            examples_seen: 0,
            path: ParamPath::default(),
            schedule: EvalSchedule::new(ctx.training.eval_every, ctx.training.eval_per_doubling),
            initial_loss: f64::NAN,
            last_eval: None,
        }
    }

    /// The batch size and the updates of `epoch` (1-based).
    fn epoch_shape(&self, epoch: u64) -> (usize, usize) {
        match &self.growth {
            None => (self.run.batch_size, self.run.updates_per_epoch),
            Some(g) => {
                let b = g.batch_size(epoch - 1);
                (b, updates_per_epoch(self.order.len(), b, self.ctx.training.last_batch).0)
            }
        }
    }

    /// One pass over the training set; the clock runs only here.
    fn epoch(&mut self, epoch: u64, recorder: &mut dyn Recorder) -> Result<(StepStats, Option<Stop>)> {
        let (run, ctx) = (self.run, self.ctx);
        let n = self.order.len();
        super::order::epoch_order(ctx.seed, run.repeat, epoch, ctx.training.shuffle, &mut self.order);
        let (b, updates) = self.epoch_shape(epoch);
        self.epoch_start_updates = self.updates;
        self.epoch_start_examples = self.examples_seen;
        let mut stats = StepStats::default();
        if let Some(online) = self.online.as_mut() {
            online.reset();
        }
        let mut started = Instant::now();
        for u in 0..updates {
            if ctx.stop.load(Ordering::Relaxed) {
                return Ok((stats, Some(Stop::Interrupted)));
            }
            let rows = u * b..(u * b + b).min(n);
            let batch_size = rows.len();
            let at = Position::new(epoch - 1, (u * b) as u64, n as u64);
            let learning_rate = run.schedule.learning_rate(run.learning_rate, at);
            let (loss, dot, gg) = self.step(rows, b == 1, learning_rate);
            self.updates += 1;
            self.examples_seen += batch_size as u64;
            if !loss.is_finite() {
                self.clock += started.elapsed().as_secs_f64();
                return Ok((stats, Some(Stop::Diverged(self.updates))));
            }
            stats.observe(dot, gg, self.previous_sq, u > 0);
            self.previous_sq = gg;
            if ctx.snapshot_every > 0 && self.updates.is_multiple_of(ctx.snapshot_every) {
                self.snapshot();
            }
            if self.updates.is_multiple_of(ctx.training.log_every) {
                let record = IterationRecord {
                    epoch,
                    iteration: self.updates,
                    examples_seen: self.examples_seen,
                    batch_size,
                    learning_rate,
                    loss,
                    wall_s: self.clock + started.elapsed().as_secs_f64(),
                };
                recorder.iteration(&record)?;
            }
            // The epoch's end is evaluated by the caller; a scheduled evaluation inside it pauses the clock.
            if self.schedule.due(self.updates) && u + 1 < updates {
                self.clock += started.elapsed().as_secs_f64();
                let stopped = self.evaluate_between(recorder)?;
                started = Instant::now();
                if stopped.is_some() {
                    return Ok((stats, stopped));
                }
            }
        }
        self.clock += started.elapsed().as_secs_f64();
        (ctx.progress)(n as u64);
        Ok((stats, None))
    }

    /// One update on the loaded batch at `learning_rate`, through the online step when the epoch's batch
    /// size is one: (loss before it, g . g_previous, g . g).
    fn step(&mut self, rows: Range<usize>, single: bool, learning_rate: f64) -> (f64, f64, f64) {
        let (net, data) = (self.ctx.net, &self.ctx.data.train);
        let rows = &self.order[rows];
        if let Some(online) = self.online.as_mut().filter(|_| single) {
            let decay = self.run.optimizer.weight_decay as f32;
            let r = online.step(&mut self.params, data, rows[0], learning_rate as f32, decay);
            return (r.loss, r.dot_previous, r.squared_norm);
        }
        let batch_size = rows.len();
        self.ws.load(data, rows);
        let loss = net.loss_and_gradient(&self.params, &mut self.ws, batch_size, &mut self.grad);
        if !loss.is_finite() {
            return (loss, 0.0, 0.0);
        }
        let t = self.updates + 1;
        let (dot, gg) =
            self.optimizer.step_observing(&mut self.params, &self.grad, &self.previous, learning_rate, t);
        std::mem::swap(&mut self.grad, &mut self.previous);
        (loss, dot, gg)
    }

    /// The noise and curvature checkpoints due after `epoch` epochs, or, at a target stop, the ones there
    /// (`stopped`: complete epochs and examples seen of the next); with `training.save_weights =
    /// "checkpoints"`, the weights of any checkpoint taken, once, exactly those the rows were computed at.
    fn checkpoints(
        &self,
        probes: &mut Probes,
        curvature: &mut Checkpoints,
        epoch: u64,
        stopped: Option<(u64, u64)>,
        recorder: &mut dyn Recorder,
    ) -> Result<()> {
        let (ctx, at, at_stop) = (self.ctx, (epoch, self.updates), stopped.is_some());
        let probed = probes.due(epoch, self.updates, at_stop);
        if probed {
            probes.take(ctx, &self.params, &self.optimizer, at, recorder)?;
        }
        let measured = curvature.due(epoch, self.updates, at_stop);
        if measured {
            self.curvature(curvature, epoch, stopped, recorder)?;
        }
        if (probed || measured) && ctx.training.save_weights == SaveWeights::Checkpoints {
            let bytes = weights::encode(ctx.net, &self.params).map_err(|e| Error::records("weights", e))?;
            recorder.weights(Some(epoch), &bytes)?;
        }
        Ok(())
    }

    /// Takes the curvature checkpoint due at `epoch` (or at a target stop), with the optimiser as it
    /// stands: its preconditioner and the scheduled rate of the next update.
    fn curvature(
        &self,
        curvature: &mut Checkpoints,
        epoch: u64,
        stopped: Option<(u64, u64)>,
        recorder: &mut dyn Recorder,
    ) -> Result<()> {
        let (ctx, at, optimizer) = (self.ctx, (epoch, self.updates), &self.optimizer);
        let (complete, seen) = stopped.unwrap_or((epoch, 0));
        let next = Position::new(complete, seen, self.order.len() as u64);
        let preconditioner: Option<Vec<f64>> = optimizer.preconditioner().map(|p| p.map(f64::from).collect());
        let o = &self.run.optimizer;
        let step = Step {
            kind: match o.kind {
                Kind::Sgd => OptimizerKind::Sgd,
                Kind::Adam => OptimizerKind::Adam,
                Kind::AdamW => OptimizerKind::AdamW,
                Kind::RmsProp => OptimizerKind::RmsProp,
            },
            learning_rate: self.run.schedule.learning_rate(self.run.learning_rate, next),
            momentum: o.momentum,
            beta1: o.beta1,
            preconditioner: preconditioner.as_deref(),
        };
        curvature.take(ctx, &self.params, at, step, recorder)
    }

    /// Records the parameters for the landscape, once per update count.
    fn snapshot(&mut self) {
        if self.ctx.snapshot_every > 0 && self.path.iterations.last() != Some(&self.updates) {
            self.path.iterations.push(self.updates);
            self.path.params.push(self.params.clone());
        }
    }

    /// A scheduled evaluation inside an epoch, recorded; whether it ends the run.
    fn evaluate_between(&mut self, recorder: &mut dyn Recorder) -> Result<Option<Stop>> {
        let (mut eval, _) = evaluate::evaluate(
            self.ctx,
            &self.params,
            &mut self.eval_ws,
            self.updates,
            self.examples_seen,
            self.clock,
        );
        let verdict = self.verdict(&eval);
        if let Some(Stop::Diverged(_)) = verdict {
            eval.train_loss = f64::NAN;
        }
        recorder.eval(&eval)?;
        self.last_eval = Some(eval);
        Ok(verdict)
    }

    /// Whether an evaluation ends the run: divergence first, then the target.
    fn verdict(&self, eval: &EvalRecord) -> Option<Stop> {
        if evaluate::diverged(eval, self.initial_loss) {
            return Some(Stop::Diverged(self.updates));
        }
        self.ctx.stop_at.filter(|t| t.reached(eval)).map(|_| Stop::Target)
    }

    /// The evaluation at the end of `epoch` (0 = before training), as an epochs.csv and an evals.csv row.
    fn evaluate_epoch(&mut self, epoch: u64, stats: &StepStats) -> (EpochRecord, EvalRecord) {
        let (eval, seconds) = evaluate::evaluate(
            self.ctx,
            &self.params,
            &mut self.eval_ws,
            self.updates,
            self.examples_seen,
            self.clock,
        );
        let record = self.record_of(epoch, &eval, stats, seconds);
        self.last_eval = Some(eval.clone());
        (record, eval)
    }

    /// An epochs.csv row for `epoch` from the evaluation `eval` and the epoch's update statistics.
    fn record_of(
        &self,
        epoch: u64,
        eval: &EvalRecord,
        stats: &StepStats,
        eval_time_s: Seconds,
    ) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: eval.train_loss,
            train_accuracy: eval.train_accuracy,
            test_loss: eval.test_loss,
            test_accuracy: eval.test_accuracy,
            updates: eval.update,
            train_time_s: eval.train_time_s,
            eval_time_s,
            update_cos_mean: (stats.cos_count > 0).then(|| stats.cos_sum / stats.cos_count as f64),
            grad_norm_mean: (stats.norm_count > 0).then(|| stats.norm_sum / stats.norm_count as f64),
        }
    }
}

impl StepStats {
    /// Adds one update gradient g, given g . previous, g . g, and previous . previous; `has_previous` when
    /// the previous gradient belongs to the same epoch.
    fn observe(&mut self, dot: f64, gg: f64, previous_sq: f64, has_previous: bool) {
        self.norm_sum += gg.sqrt();
        self.norm_count += 1;
        if has_previous && gg > 0.0 && previous_sq > 0.0 {
            self.cos_sum += dot / (gg.sqrt() * previous_sq.sqrt());
            self.cos_count += 1;
        }
    }
}
