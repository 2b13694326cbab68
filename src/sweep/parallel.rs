//! The only rayon code: runs every configuration of a plan in parallel, longest first, each writing its
//! own run folder the moment it ends (with the landscape on, once its repeat's landscape records are in
//! it too). Every run is sequential inside; when fewer runs than threads remain, a run's large matrix
//! products borrow the idle threads (`nn::split`), split over output blocks only, so no number depends on
//! threads.

use super::{fingerprint, memory};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::nn::network::{Network, initialize};
use crate::nn::{split, weights};
use crate::plan::footprint::{NetShape, RunShape, footprint};
use crate::plan::{Plan, RunConfig, Settings};
use crate::records::{self, ClosedRun, RunFile, RunWriter};
use crate::rng::{self, Purpose};
use crate::schema::RunSummary;
use crate::train::landscape::{self, ParamPath};
use crate::train::{self, Context, StopTarget};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;

/// Fixed cost of one update, in example-equivalents, for ordering runs longest first.
const STEP_OVERHEAD_EXAMPLES: u64 = 8;

/// Hooks the sweep calls so the command line can show progress.
pub trait Progress: Sync {
    /// `examples` more training examples were processed.
    fn advance(&self, examples: u64);
    /// A run finished (or diverged).
    fn finished(&self, summary: &RunSummary);
    /// The learning-rate grid was extended by these runs (`sweep.extend_grid`).
    fn extended(&self, _runs: &[RunConfig]) {}
}

/// The network the settings describe, for a data set of this shape.
pub fn network(settings: &Settings, data: &Dataset) -> Network {
    crate::plan::layers::try_network(settings, data)
        .expect("the layer list was fitted to the data when the sweep was prepared")
}

/// What a parallel pass over some runs of a plan produced.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The runs that finished and are in place, in plan order.
    pub summaries: Vec<RunSummary>,
    /// Every run finished; false when the sweep was interrupted.
    pub complete: bool,
}

/// One trained run; with the landscape on, not yet in place (its landscape records go in first).
struct Trained {
    summary: RunSummary,
    path: ParamPath,
    closed: Option<ClosedRun>,
}

/// What every run of a sweep trains on: the examples, and the initial weights of `model.init_from`.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The examples, split and standardised.
    pub data: &'a Dataset,
    /// The initial weights of every run, when given; else each repeat draws its own.
    pub init: Option<&'a [f32]>,
}

/// Runs `runs` (a subset of `plan.runs`, in plan order), each written into place as it ends (with the
/// landscape on, once its repeat's landscape is built).
pub fn run(
    plan: &Plan,
    runs: &[RunConfig],
    inputs: Inputs<'_>,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Ran> {
    let (settings, data) = (&plan.settings, inputs.data);
    let net = network(settings, data);
    let inits: Vec<Vec<f32>> = match inputs.init {
        Some(weights) => vec![weights.to_vec()],
        None => (0..settings.repeats)
            .map(|r| initialize(&net, settings.model.init, &mut rng::stream(settings.seed, r, Purpose::Init)))
            .collect(),
    };
    let mut order: Vec<&RunConfig> = runs.iter().collect();
    order.sort_by_key(|r| std::cmp::Reverse(cost(r, data.train.len())));
    let advance = |examples| progress.advance(examples);
    // Threads without a run lend themselves to the running runs' matrix products (nn::split).
    let _budget = split::Budget::lend(rayon::current_num_threads());
    let results: Vec<Result<Trained>> = order
        .par_iter()
        .with_max_len(1)
        .map(|run| {
            let _busy = split::Busy::start();
            let ctx = Context {
                net: &net,
                data,
                init: &inits[(run.repeat as usize).min(inits.len() - 1)],
                seed: settings.seed,
                training: &settings.training,
                noise: &settings.noise,
                snapshot_every: snapshot_every(settings, run),
                stop_at: stop_target(settings),
                probe_sizes: &plan.probe_sizes,
                curvature: settings.curvature,
                stop,
                progress: &advance,
            };
            let trained = one(plan, run, &ctx, data)?;
            progress.finished(&trained.summary);
            Ok(trained)
        })
        .collect();
    let mut trained = finished(results)?;
    let complete = trained.len() == runs.len();
    if let Some(landscape) = &settings.landscape {
        if !complete {
            return Ok(Ran { summaries: Vec::new(), complete }); // unfinished repeats: their runs are dropped
        }
        write_landscapes(plan, landscape, runs, &net, data, &mut trained)?;
    }
    let position: HashMap<&str, usize> = runs.iter().map(|r| (r.id.as_str(), r.index)).collect();
    let mut summaries: Vec<RunSummary> = trained.into_iter().map(|t| t.summary).collect();
    summaries.sort_by_key(|s| position.get(s.run_id.as_str()).copied());
    Ok(Ran { summaries, complete })
}

/// The runs that finished; an interrupted run is left out, any other failure is the sweep's.
fn finished(results: Vec<Result<Trained>>) -> Result<Vec<Trained>> {
    let mut trained = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(t) => trained.push(t),
            Err(Error::Interrupted(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(trained)
}

/// Builds the landscape of every repeat from the paths its runs recorded, writes its grid, then each
/// run's landscape records, and puts the runs in place.
fn write_landscapes(
    plan: &Plan,
    landscape: &crate::plan::LandscapePlan,
    runs: &[RunConfig],
    net: &Network,
    data: &Dataset,
    trained: &mut [Trained],
) -> Result<()> {
    let by_id: HashMap<&str, &RunConfig> = runs.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut repeats: BTreeMap<u64, Vec<(&RunConfig, &mut Trained)>> = BTreeMap::new();
    for t in trained.iter_mut() {
        if let Some(r) = by_id.get(t.summary.run_id.as_str()) {
            repeats.entry(r.repeat).or_default().push((*r, t));
        }
    }
    for (repeat, mut members) in repeats {
        // Plan order: the plane is fitted to the paths in this order.
        members.sort_by_key(|(r, _)| r.index);
        let inputs: Vec<(&ParamPath, usize, f64)> =
            members.iter().map(|(r, t)| (&t.path, r.batch_size, r.learning_rate)).collect();
        let built = landscape::build(net, &data.train, &inputs, landscape, plan.settings.seed, repeat);
        records::write_landscape_grid(plan.output(), repeat, &built.grid)?;
        for ((_, t), (trajectory, arrows)) in members.iter_mut().zip(&built.runs) {
            if let Some(closed) = t.closed.take() {
                closed.write_landscape(trajectory, arrows)?;
                closed.finish()?;
            }
        }
    }
    Ok(())
}

fn one(plan: &Plan, run: &RunConfig, ctx: &Context<'_>, data: &Dataset) -> Result<Trained> {
    let mut writer = RunWriter::create(plan.output(), run)?;
    let (outcome, peak_bytes) = memory::measure(|| train::train(run, ctx, &mut writer));
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            writer.abandon();
            return Err(e);
        }
    };
    if outcome.interrupted {
        writer.abandon();
        return Err(Error::Interrupted(run.id.clone()));
    }
    // Encoded outside the measured training, so the run's peak is its training's.
    let final_weights =
        weights::encode(ctx.net, &outcome.params).map_err(|e| Error::records(plan.output(), e))?;
    train::Recorder::weights(&mut writer, None, &final_weights)?;
    let mut summary = train::summarize(run, &outcome);
    summary.peak_bytes = memory::installed().then_some(peak_bytes);
    summary.analytic_bytes = Some(analytic_bytes(run, ctx));
    let spec = plan.settings.provenance();
    let (kernel_path, cpu_features) = fingerprint::machine();
    let file = RunFile {
        config: run.clone(),
        training: spec.training.clone(),
        model: spec.model.clone(),
        data: data.description.clone(),
        summary: summary.clone(),
        config_hash: fingerprint::config_hash(spec, &plan.data_hash, run),
        data_hash: plan.data_hash.clone(),
        train_examples: plan.train_examples,
        files: Vec::new(),
        kernel_path: kernel_path.to_string(),
        cpu_features,
        init_hash: weights::init_hash(ctx.init),
    };
    let closed = writer.close(file)?;
    let closed = match plan.settings.landscape {
        Some(_) => Some(closed),
        None => {
            closed.finish()?;
            None
        }
    };
    Ok(Trained { summary, path: outcome.path, closed })
}

/// What `run` must hold by the memory model of `plan::footprint`, in bytes.
fn analytic_bytes(run: &RunConfig, ctx: &Context<'_>) -> u64 {
    let probe = (ctx.noise.every > 0)
        .then(|| ctx.probe_sizes.iter().copied().max().unwrap_or(run.batch_size).max(run.batch_size) as f64);
    let shape = RunShape {
        batch: run.largest_batch(ctx.data.train.len()) as f64,
        examples: ctx.data.train.len() as f64,
        state_vectors: run.optimizer.state_vectors() as f64,
        preconditioned: run.optimizer.is_adaptive(),
        probe,
    };
    footprint(&NetShape::of(ctx.net), shape).total() as u64
}

/// The target runs stop at, with `analysis.stop_at_target`.
fn stop_target(settings: &Settings) -> Option<StopTarget> {
    let a = &settings.analysis;
    a.stop_at_target
        .then_some(StopTarget { train_loss: a.target_train_loss, test_accuracy: a.target_test_accuracy })
}

/// Updates between landscape snapshots of `run`; 0 when the landscape is off.
fn snapshot_every(settings: &Settings, run: &RunConfig) -> u64 {
    settings.landscape.map_or(0, |l| landscape::snapshot_every(run.total_updates(), l.points))
}

/// A rough work estimate: examples processed plus a fixed cost per update.
fn cost(run: &RunConfig, n: usize) -> u64 {
    run.epochs * (n as u64 + STEP_OVERHEAD_EXAMPLES * run.updates_per_epoch as u64)
}

#[cfg(test)]
mod tests {
    fn shared_across_threads<T: Send + Sync>() {}

    #[test]
    fn what_rayon_shares_is_send_and_sync() {
        shared_across_threads::<crate::data::Dataset>();
        shared_across_threads::<crate::nn::network::Network>();
        shared_across_threads::<crate::plan::Plan>();
    }
}
