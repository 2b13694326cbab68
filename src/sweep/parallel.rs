//! The only rayon code: runs every configuration of a plan in parallel, longest first, each writing its
//! own run folder the moment it ends. Every run is sequential inside, so no number depends on threads.

use super::{fingerprint, memory};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::nn::{Loss, Mlp, initialize};
use crate::plan::footprint::{NetShape, RunShape, footprint};
use crate::plan::{Plan, RunConfig, Settings};
use crate::records::{self, RunFile, RunWriter};
use crate::rng::{self, Purpose};
use crate::schema::RunSummary;
use crate::spec::Task;
use crate::train::landscape::{self, ParamPath};
use crate::train::{self, Context, StopTarget};
use rayon::prelude::*;
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
pub fn network(settings: &Settings, data: &Dataset) -> Mlp {
    let model = &settings.model;
    let loss = match data.task {
        Task::Classification => Loss::CrossEntropy,
        Task::Regression => Loss::MeanSquared,
    };
    Mlp::new(data.features(), &model.hidden, data.outputs, model.activation, model.bias, loss)
}

/// Runs `runs` (a subset of `plan.runs`) and returns their summaries in plan order.
pub fn run(
    plan: &Plan,
    runs: &[RunConfig],
    data: &Dataset,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Vec<RunSummary>> {
    let settings = &plan.settings;
    let net = network(settings, data);
    let inits: Vec<Vec<f32>> = (0..settings.repeats)
        .map(|r| initialize(&net, settings.model.init, &mut rng::stream(settings.seed, r, Purpose::Init)))
        .collect();
    let mut order: Vec<&RunConfig> = runs.iter().collect();
    order.sort_by_key(|r| std::cmp::Reverse(cost(r, data.train.len())));
    let advance = |examples| progress.advance(examples);
    let results: Vec<Result<(RunSummary, ParamPath)>> = order
        .par_iter()
        .with_max_len(1)
        .map(|run| {
            let ctx = Context {
                net: &net,
                data,
                init: &inits[run.repeat as usize],
                seed: settings.seed,
                training: &settings.training,
                noise: &settings.noise,
                snapshot_every: snapshot_every(settings, run),
                stop_at: stop_target(settings),
                probe_sizes: &plan.probe_sizes,
                stop,
                progress: &advance,
            };
            let (summary, path) = one(plan, run, &ctx, data)?;
            progress.finished(&summary);
            Ok((summary, path))
        })
        .collect();
    let mut summaries = Vec::with_capacity(results.len());
    let mut paths = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((s, path)) => {
                paths.push((s.run_id.clone(), path));
                summaries.push(s);
            }
            Err(Error::Interrupted(_)) => {}
            Err(e) => return Err(e),
        }
    }
    summaries.sort_by_key(|s| runs.iter().position(|r| r.id == s.run_id));
    if summaries.len() < runs.len() {
        return Err(Error::Interrupted(format!("{} of {} runs finished", summaries.len(), runs.len())));
    }
    if let Some(landscape) = &settings.landscape {
        write_landscapes(plan, landscape, runs, &net, data, &paths)?;
    }
    Ok(summaries)
}

/// Builds and writes the landscape of every repeat from the paths its runs recorded.
fn write_landscapes(
    plan: &Plan,
    landscape: &crate::plan::LandscapePlan,
    runs: &[RunConfig],
    net: &Mlp,
    data: &Dataset,
    paths: &[(String, ParamPath)],
) -> Result<()> {
    let seed = plan.settings.seed;
    for repeat in 0..plan.settings.repeats {
        let members: Vec<(&RunConfig, &ParamPath)> = runs
            .iter()
            .filter(|r| r.repeat == repeat)
            .filter_map(|r| paths.iter().find(|(id, _)| *id == r.id).map(|(_, p)| (r, p)))
            .collect();
        if members.is_empty() {
            continue;
        }
        let inputs: Vec<(&ParamPath, usize, f64)> =
            members.iter().map(|(r, p)| (*p, r.batch_size, r.learning_rate)).collect();
        let built = landscape::build(net, &data.train, &inputs, landscape, seed, repeat);
        let ids: Vec<&str> = members.iter().map(|(r, _)| r.id.as_str()).collect();
        records::write_landscape(plan.output(), repeat, &ids, &built)?;
    }
    Ok(())
}

fn one(plan: &Plan, run: &RunConfig, ctx: &Context<'_>, data: &Dataset) -> Result<(RunSummary, ParamPath)> {
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
    let mut summary = train::summarize(run, &outcome);
    summary.peak_bytes = memory::installed().then_some(peak_bytes);
    summary.analytic_bytes = Some(analytic_bytes(run, ctx));
    let spec = plan.settings.provenance();
    let file = RunFile {
        config: run.clone(),
        training: spec.training.clone(),
        model: spec.model.clone(),
        data: data.description.clone(),
        summary: summary.clone(),
        config_hash: fingerprint::config_hash(spec, &plan.data_hash, run),
        data_hash: plan.data_hash.clone(),
        train_examples: plan.train_examples,
    };
    writer.finish(&file)?;
    Ok((summary, outcome.path))
}

/// What `run` must hold by the memory model of `plan::footprint`, in bytes.
fn analytic_bytes(run: &RunConfig, ctx: &Context<'_>) -> u64 {
    let probe = (ctx.noise.every > 0)
        .then(|| ctx.probe_sizes.iter().copied().max().unwrap_or(run.batch_size).max(run.batch_size) as f64);
    let shape = RunShape {
        batch: run.batch_size as f64,
        examples: ctx.data.train.len() as f64,
        momentum: ctx.training.momentum > 0.0,
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
        shared_across_threads::<crate::nn::Mlp>();
        shared_across_threads::<crate::plan::Plan>();
    }
}
