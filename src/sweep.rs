//! The only rayon code: runs every configuration of a plan in parallel, longest first, each writing its
//! own run folder the moment it ends. Every run is sequential inside, so no number depends on threads.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::landscape::{self, Path};
use crate::nn::{Loss, Mlp, initialize};
use crate::plan::{Plan, RunConfig};
use crate::records::{self, RunFile, RunSummary, RunWriter};
use crate::resume;
use crate::rng::{self, Purpose};
use crate::spec::{Spec, Task};
use crate::train::{self, Context};
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
}

/// The network a spec describes, for a data set of this shape.
pub fn network(spec: &Spec, data: &Dataset) -> Mlp {
    let hidden: Vec<usize> = spec.model.hidden.iter().map(|&h| h as usize).collect();
    let loss = match data.task {
        Task::Classification => Loss::CrossEntropy,
        Task::Regression => Loss::MeanSquared,
    };
    Mlp::new(data.features(), &hidden, data.outputs, spec.model.activation, spec.model.bias, loss)
}

/// Runs `runs` (a subset of `plan.runs`) and returns their summaries in plan order.
pub fn run(
    plan: &Plan,
    runs: &[RunConfig],
    data: &Dataset,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Vec<RunSummary>> {
    let spec = &plan.spec;
    let net = network(spec, data);
    let inits: Vec<Vec<f32>> = (0..spec.experiment.repeats)
        .map(|r| initialize(&net, spec.model.init, &mut rng::stream(spec.experiment.seed, r, Purpose::Init)))
        .collect();
    let n = data.train.len();
    let probe_sizes: Vec<usize> =
        spec.noise.probe_batch_sizes.iter().flatten().map(|b| b.resolve(n)).collect();
    let mut order: Vec<&RunConfig> = runs.iter().collect();
    order.sort_by_key(|r| std::cmp::Reverse(cost(r, data.train.len())));
    let advance = |examples| progress.advance(examples);
    let results: Vec<Result<(RunSummary, Path)>> = order
        .par_iter()
        .with_max_len(1)
        .map(|run| {
            let ctx = Context {
                net: &net,
                data,
                init: &inits[run.repeat as usize],
                seed: spec.experiment.seed,
                training: &spec.training,
                noise: &spec.noise,
                snapshot_every: snapshot_every(spec, run),
                probe_sizes: &probe_sizes,
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
    if spec.landscape.enabled {
        write_landscapes(plan, runs, &net, data, &paths)?;
    }
    Ok(summaries)
}

/// Builds and writes the landscape of every repeat from the paths its runs recorded.
fn write_landscapes(
    plan: &Plan,
    runs: &[RunConfig],
    net: &Mlp,
    data: &Dataset,
    paths: &[(String, Path)],
) -> Result<()> {
    let spec = &plan.spec;
    for repeat in 0..spec.experiment.repeats {
        let members: Vec<(&RunConfig, &Path)> = runs
            .iter()
            .filter(|r| r.repeat == repeat)
            .filter_map(|r| paths.iter().find(|(id, _)| *id == r.id).map(|(_, p)| (r, p)))
            .collect();
        if members.is_empty() {
            continue;
        }
        let inputs: Vec<(&Path, usize, f64)> =
            members.iter().map(|(r, p)| (*p, r.batch_size, r.learning_rate)).collect();
        let built =
            landscape::build(net, &data.train, &inputs, &spec.landscape, spec.experiment.seed, repeat);
        let ids: Vec<&str> = members.iter().map(|(r, _)| r.id.as_str()).collect();
        records::write_landscape(&plan.output, repeat, &ids, &built)?;
    }
    Ok(())
}

fn one(plan: &Plan, run: &RunConfig, ctx: &Context<'_>, data: &Dataset) -> Result<(RunSummary, Path)> {
    let mut writer = RunWriter::create(&plan.output, run)?;
    let (outcome, peak_bytes) = crate::memory::measure(|| train::train(run, ctx, &mut writer));
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
    let mut summary = RunSummary::new(run, &outcome);
    summary.peak_bytes = Some(peak_bytes);
    summary.analytic_bytes = Some(crate::memory::analytic_for(run, ctx).total());
    let file = RunFile {
        config: run.clone(),
        training: plan.spec.training.clone(),
        model: plan.spec.model.clone(),
        data: data.description.clone(),
        summary: summary.clone(),
        config_hash: resume::config_hash(&plan.spec, &plan.data_hash, run),
        data_hash: plan.data_hash.clone(),
        train_examples: plan.train_examples,
    };
    writer.finish(&file)?;
    Ok((summary, outcome.path))
}

/// Updates between landscape snapshots of `run`; 0 when the landscape is off.
fn snapshot_every(spec: &Spec, run: &RunConfig) -> u64 {
    if spec.landscape.enabled {
        landscape::snapshot_every(run.total_updates(), spec.landscape.points)
    } else {
        0
    }
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
