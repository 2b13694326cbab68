//! One seeded training run: the epoch loop, evaluation between epochs, and the records it hands to a
//! [`Recorder`]. It never touches paths; `records.rs` decides where records go.

use crate::data::Dataset;
use crate::error::Result;
use crate::landscape::Path;
use crate::nn::{Evaluation, Mlp, Sgd, Workspace};
use crate::noise::{self, NoiseRecord, Scratch};
use crate::plan::RunConfig;
use crate::rng::{self, Purpose};
use crate::spec::{NoiseSpec, Task, TrainingSpec};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Seconds, as a plain number in records.
pub type Seconds = f64;

/// Examples per evaluation chunk: bounds evaluation memory whatever the data size.
const EVAL_CHUNK: usize = 256;

/// One update: a row of iterations.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// 1-based epoch the update belongs to.
    pub epoch: u64,
    /// Global update count, 1-based.
    pub iteration: u64,
    /// Training examples consumed so far, this update included.
    pub examples_seen: u64,
    /// Examples in this update (smaller for a kept partial batch).
    pub batch_size: usize,
    /// Mean loss over this mini-batch, before the update.
    pub loss: f64,
    /// Training seconds since the run started (evaluation and probes excluded).
    pub wall_s: Seconds,
}

/// The state after an epoch: a row of epochs.csv. Epoch 0 is before training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epochs completed.
    pub epoch: u64,
    /// Mean loss over the whole training set.
    pub train_loss: f64,
    /// Share of training examples classified correctly (classification only).
    pub train_accuracy: Option<f64>,
    /// Mean loss over the test set (none without a test split).
    pub test_loss: Option<f64>,
    /// Share of test examples classified correctly (classification with a test split only).
    pub test_accuracy: Option<f64>,
    /// Updates so far.
    pub updates: u64,
    /// Training seconds so far (evaluation and probes excluded).
    pub train_time_s: Seconds,
    /// Seconds spent on this evaluation.
    pub eval_time_s: Seconds,
    /// Mean cosine between consecutive update gradients within the epoch (none with one update).
    pub update_cos_mean: Option<f64>,
    /// Mean Euclidean norm of the update gradients within the epoch.
    pub grad_norm_mean: Option<f64>,
}

/// Where a run's records go.
pub trait Recorder {
    /// Called after every `log_every`-th update.
    fn iteration(&mut self, record: &IterationRecord) -> Result<()>;
    /// Called before training and after every epoch.
    fn epoch(&mut self, record: &EpochRecord) -> Result<()>;
    /// Called at every gradient-noise checkpoint, with a row per probed batch size.
    fn noise(&mut self, rows: &[NoiseRecord]) -> Result<()>;
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The last epoch record.
    pub last: EpochRecord,
    /// Epochs fully completed.
    pub epochs_completed: u64,
    /// Training examples consumed.
    pub examples_seen: u64,
    /// A loss became NaN or infinite; the run stopped there.
    pub diverged: bool,
    /// The sweep was interrupted before the run finished.
    pub interrupted: bool,
    /// Parameter snapshots along the way (empty unless the landscape is recorded).
    #[serde(skip)]
    pub path: Path,
}

/// What a run needs besides its configuration; shared by every run of a sweep.
pub struct Context<'a> {
    /// The network shape.
    pub net: &'a Mlp,
    /// The examples.
    pub data: &'a Dataset,
    /// The initial parameters of this run's repeat.
    pub init: &'a [f32],
    /// The experiment seed.
    pub seed: u64,
    /// Optimiser and loop settings.
    pub training: &'a TrainingSpec,
    /// Epochs between noise checkpoints (0 = none) and probes per checkpoint.
    pub noise: &'a NoiseSpec,
    /// Batch sizes to probe at checkpoints; empty means the run's own batch size.
    pub probe_sizes: &'a [usize],
    /// Updates between parameter snapshots for the landscape; 0 records none.
    pub snapshot_every: u64,
    /// Set when the sweep must stop; checked every update.
    pub stop: &'a AtomicBool,
    /// Told the number of examples trained on after each epoch (progress bars).
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// Per-epoch statistics of the update gradients.
#[derive(Default)]
struct StepStats {
    cos_sum: f64,
    cos_count: u64,
    norm_sum: f64,
    norm_count: u64,
}

/// Why the epoch loop stopped early.
enum Stop {
    Diverged,
    Interrupted,
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
    order: Vec<usize>,
    clock: Seconds,
    updates: u64,
    examples_seen: u64,
    path: Path,
}

/// Trains `run` from `ctx.init`, handing every record to `recorder`.
pub fn train(run: &RunConfig, ctx: &Context<'_>, recorder: &mut dyn Recorder) -> Result<Outcome> {
    let mut state = State::new(run, ctx);
    let mut probes = Probes::new(run, ctx);
    let mut last = state.evaluate(0, &StepStats::default());
    recorder.epoch(&last)?;
    probes.maybe(ctx, &state.params, 0, recorder)?;
    state.snapshot();
    let mut epochs_completed = 0;
    let mut stop = None;
    for epoch in 1..=run.epochs {
        let (stats, ended) = state.epoch(epoch, recorder)?;
        if matches!(ended, Some(Stop::Interrupted)) {
            stop = ended;
            break;
        }
        last = state.evaluate(epoch, &stats);
        if ended.is_some() || !last.train_loss.is_finite() {
            last.train_loss = f64::NAN;
            recorder.epoch(&last)?;
            stop = Some(Stop::Diverged);
            break;
        }
        recorder.epoch(&last)?;
        epochs_completed = epoch;
        probes.maybe(ctx, &state.params, epoch, recorder)?;
    }
    state.snapshot();
    Ok(Outcome {
        last,
        epochs_completed,
        examples_seen: state.examples_seen,
        diverged: matches!(stop, Some(Stop::Diverged)),
        interrupted: matches!(stop, Some(Stop::Interrupted)),
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
            eval_ws: Workspace::new(net, EVAL_CHUNK.min(n.max(1))),
            grad: vec![0.0; net.params],
            previous: vec![0.0; net.params],
            previous_sq: 0.0,
            order: (0..n).collect(),
            clock: 0.0,
            updates: 0,
            examples_seen: 0,
            path: Path::default(),
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
        let started = Instant::now();
        for u in 0..run.updates_per_epoch {
            if ctx.stop.load(Ordering::Relaxed) {
                return Ok((stats, Some(Stop::Interrupted)));
            }
            let rows = &self.order[u * run.batch_size..(u * run.batch_size + run.batch_size).min(n)];
            let batch_size = rows.len();
            self.ws.load(&ctx.data.train, rows);
            let loss = ctx.net.loss_and_gradient(&self.params, &mut self.ws, batch_size, &mut self.grad);
            self.updates += 1;
            self.examples_seen += batch_size as u64;
            if !loss.is_finite() {
                self.clock += started.elapsed().as_secs_f64();
                return Ok((stats, Some(Stop::Diverged)));
            }
            let (dot, gg) = self.sgd.step_observing(&mut self.params, &self.grad, &self.previous);
            stats.observe(dot, gg, self.previous_sq, u > 0);
            self.previous_sq = gg;
            std::mem::swap(&mut self.grad, &mut self.previous);
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
        }
        self.clock += started.elapsed().as_secs_f64();
        (ctx.progress)(n as u64);
        Ok((stats, None))
    }

    /// Records the parameters for the landscape, once per update count.
    fn snapshot(&mut self) {
        if self.ctx.snapshot_every > 0 && self.path.iterations.last() != Some(&self.updates) {
            self.path.iterations.push(self.updates);
            self.path.params.push(self.params.clone());
        }
    }

    fn evaluate(&mut self, epoch: u64, stats: &StepStats) -> EpochRecord {
        evaluate(self.ctx, &self.params, &mut self.eval_ws, epoch, self.updates, self.clock, stats)
    }
}

/// The gradient-noise checkpoints of one run: before training, every `every` epochs, and at the end.
struct Probes {
    every: u64,
    last_epoch: u64,
    sizes: Vec<usize>,
    batch_size: u64,
    learning_rate_bits: u64,
    repeat: u64,
    count: u64,
    scratch: Option<Scratch>,
}

impl Probes {
    fn new(run: &RunConfig, ctx: &Context<'_>) -> Self {
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
            scratch,
        }
    }

    fn maybe(
        &mut self,
        ctx: &Context<'_>,
        params: &[f32],
        epoch: u64,
        recorder: &mut dyn Recorder,
    ) -> Result<()> {
        let Some(scratch) = self.scratch.as_mut() else { return Ok(()) };
        if !(epoch.is_multiple_of(self.every) || epoch == self.last_epoch) {
            return Ok(());
        }
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
        let rows = noise::checkpoint(
            ctx.net,
            params,
            &ctx.data.train,
            epoch,
            &self.sizes,
            ctx.noise.probes,
            &mut rng,
            scratch,
        );
        recorder.noise(&rows)
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

fn evaluate(
    ctx: &Context<'_>,
    params: &[f32],
    ws: &mut Workspace,
    epoch: u64,
    updates: u64,
    train_time_s: Seconds,
    stats: &StepStats,
) -> EpochRecord {
    let started = Instant::now();
    let classify = ctx.data.task == Task::Classification;
    let train = ctx.net.evaluate(params, ws, &ctx.data.train);
    let test = (!ctx.data.test.is_empty()).then(|| ctx.net.evaluate(params, ws, &ctx.data.test));
    let accuracy = |e: &Evaluation| classify.then(|| e.accuracy());
    EpochRecord {
        epoch,
        train_loss: train.mean_loss(),
        train_accuracy: accuracy(&train),
        test_loss: test.as_ref().map(Evaluation::mean_loss),
        test_accuracy: test.as_ref().and_then(accuracy),
        updates,
        train_time_s,
        eval_time_s: started.elapsed().as_secs_f64(),
        update_cos_mean: (stats.cos_count > 0).then(|| stats.cos_sum / stats.cos_count as f64),
        grad_norm_mean: (stats.norm_count > 0).then(|| stats.norm_sum / stats.norm_count as f64),
    }
}
