//! The epoch loop of one run: shuffling, updates (online SGD at B = 1 without momentum, else gradient
//! then optimiser step), the update statistics, evaluations (between epochs and on a schedule in updates),
//! and landscape snapshots.

use super::checkpoints::Probes;
use super::curvature::{Checkpoints, Step};
use super::evaluate::{self, EvalSchedule};
use super::{Context, Outcome, ParamPath, Recorder};
use crate::error::Result;
use crate::nn::{CHUNK_ROWS, OnlineStep, Sgd, Workspace};
use crate::plan::RunConfig;
use crate::rng::{self, Purpose};
use crate::schema::{EpochRecord, EvalRecord, IterationRecord, Seconds};
use rand::seq::SliceRandom;
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
    sgd: Sgd,
    ws: Workspace,
    eval_ws: Workspace,
    grad: Vec<f32>,
    previous: Vec<f32>,
    previous_sq: f64,
    online: Option<OnlineStep>,
    order: Vec<usize>,
    clock: Seconds,
    updates: u64,
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
    probes.maybe(ctx, &state.params, (0, 0), recorder)?;
    curvature.maybe(
        ctx,
        &state.params,
        (0, 0),
        Step::sgd(run.learning_rate, ctx.training.momentum),
        recorder,
    )?;
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
        probes.maybe(ctx, &state.params, (epoch, state.updates), recorder)?;
        let step = Step::sgd(run.learning_rate, ctx.training.momentum);
        curvature.maybe(ctx, &state.params, (epoch, state.updates), step, recorder)?;
    }
    if stop == Some(Stop::Target) {
        // Inside an epoch the checkpoint carries that epoch's 1-based number, as iterations.csv does.
        let epoch =
            epochs_completed + u64::from(state.updates > epochs_completed * run.updates_per_epoch as u64);
        probes.at_stop(ctx, &state.params, (epoch, state.updates), recorder)?;
        let step = Step::sgd(run.learning_rate, ctx.training.momentum);
        curvature.at_stop(ctx, &state.params, (epoch, state.updates), step, recorder)?;
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
    })
}

impl<'a> State<'a> {
    fn new(run: &'a RunConfig, ctx: &'a Context<'a>) -> Self {
        let (net, n) = (ctx.net, ctx.data.train.len());
        State {
            run,
            ctx,
            params: ctx.init.to_vec(),
            sgd: Sgd::new(net, run.learning_rate, ctx.training.momentum, ctx.training.weight_decay),
            ws: Workspace::new(net, run.batch_size),
            eval_ws: Workspace::new(net, CHUNK_ROWS.min(n.max(1))),
            grad: vec![0.0; net.params],
            previous: vec![0.0; net.params],
            previous_sq: 0.0,
            // One example and no momentum: update W by its rank-one gradient directly (nn/online.rs).
            online: (run.batch_size == 1 && ctx.training.momentum == 0.0).then(|| OnlineStep::new(net)),
            order: (0..n).collect(),
            clock: 0.0,
            updates: 0,
            examples_seen: 0,
            path: ParamPath::default(),
            schedule: EvalSchedule::new(ctx.training.eval_every, ctx.training.eval_per_doubling),
            initial_loss: f64::NAN,
            last_eval: None,
        }
    }

    /// One pass over the training set; the clock runs only here.
    fn epoch(&mut self, epoch: u64, recorder: &mut dyn Recorder) -> Result<(StepStats, Option<Stop>)> {
        let (run, ctx) = (self.run, self.ctx);
        let n = self.order.len();
        self.order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        if ctx.training.shuffle {
            self.order.shuffle(&mut rng::stream(ctx.seed, run.repeat, Purpose::Shuffle { epoch }));
        }
        let mut stats = StepStats::default();
        if let Some(online) = self.online.as_mut() {
            online.reset();
        }
        let mut started = Instant::now();
        for u in 0..run.updates_per_epoch {
            if ctx.stop.load(Ordering::Relaxed) {
                return Ok((stats, Some(Stop::Interrupted)));
            }
            let rows = &self.order[u * run.batch_size..(u * run.batch_size + run.batch_size).min(n)];
            let batch_size = rows.len();
            self.ws.load(&ctx.data.train, rows);
            let (loss, dot, gg) = self.step(batch_size);
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
                    loss,
                    wall_s: self.clock + started.elapsed().as_secs_f64(),
                };
                recorder.iteration(&record)?;
            }
            // The epoch's end is evaluated by the caller; a scheduled evaluation inside it pauses the clock.
            if self.schedule.due(self.updates) && u + 1 < run.updates_per_epoch {
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

    /// One update on the loaded batch: (loss before it, g . g_previous, g . g).
    fn step(&mut self, batch_size: usize) -> (f64, f64, f64) {
        let net = self.ctx.net;
        if let Some(online) = self.online.as_mut() {
            let (lr, decay) = (self.run.learning_rate as f32, self.ctx.training.weight_decay as f32);
            let r = online.step(net, &mut self.params, &mut self.ws, lr, decay);
            return (r.loss, r.dot_previous, r.squared_norm);
        }
        let loss = net.loss_and_gradient(&self.params, &mut self.ws, batch_size, &mut self.grad);
        if !loss.is_finite() {
            return (loss, 0.0, 0.0);
        }
        let (dot, gg) = self.sgd.step_observing(&mut self.params, &self.grad, &self.previous);
        std::mem::swap(&mut self.grad, &mut self.previous);
        (loss, dot, gg)
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
