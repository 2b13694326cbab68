//! Spec -> plan: [`check`] turns the spec into checked [`Settings`]; once the data is loaded, [`build`]
//! checks what depends on its size and expands batch sizes x learning rates x repeats into [`RunConfig`]s
//! with stable ids. Nothing runs, and nothing is written, until the plan is valid. [`estimate`] sizes the
//! sweep before anything large is allocated within the machine's [`limits`], [`footprint`] is the one
//! memory model of a run, and [`shard`] splits the plan over processes.

mod check;
mod curvature_check;
mod data_check;
pub mod estimate;
pub mod footprint;
pub mod layers;
pub mod limits;
mod scaling;
mod settings;
pub mod shard;
mod training;

pub use check::{MAX_RUNS, check};
pub use settings::{
    CurvaturePlan, DataPlan, LandscapePlan, ModelPlan, NoisePlan, Settings, SourcePlan, SweepPlan,
    SyntheticPlan, TrainingPlan, VariantPlan,
};
pub use training::kind;

use crate::error::SpecError;
use crate::nn::optim::Settings as Optimizer;
use crate::nn::optim::batches::{BatchGrowth, total_updates};
use crate::nn::optim::schedule::Schedule;
use crate::spec::{BatchSize, LastBatch, SpecSource};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// One training run: a batch size, a learning rate, a repeat and, with `sweep.variants`, a variant.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunConfig {
    /// Position in the plan; fixes the order of records and the probe streams.
    pub index: usize,
    /// Folder name under `runs/`, e.g. `bs0032-lr0.05-rep0`.
    pub id: String,
    /// Which repeat (seed) of the configuration.
    pub repeat: u64,
    /// Examples per update.
    pub batch_size: usize,
    /// The batch size as written in the spec (`32` or `full`).
    pub batch_label: String,
    /// SGD step size.
    pub learning_rate: f64,
    /// Passes over the training set.
    pub epochs: u64,
    /// Updates per epoch: ceil(N/B) with last_batch = keep, floor(N/B) with drop.
    pub updates_per_epoch: usize,
    /// Size of the last update of an epoch.
    pub last_batch_size: usize,
    /// The schedule variant (`sweep.variants`); empty without variants.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The optimiser's resolved hyperparameters at this batch size (after `lr_scaling = "sde"`).
    #[serde(default)]
    pub optimizer: Optimizer,
    /// The learning-rate schedule, in epochs.
    #[serde(default)]
    pub schedule: Schedule,
    /// The batch-size schedule, if any: `batch_size`, `updates_per_epoch` and `last_batch_size` are
    /// those of the first epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_growth: Option<BatchGrowth>,
}

impl RunConfig {
    /// Updates over the whole run of `n` training examples with the partial batch `last`.
    pub fn total_updates_of(&self, n: usize, last: LastBatch) -> u64 {
        match &self.batch_growth {
            None => self.updates_per_epoch as u64 * self.epochs,
            Some(g) => total_updates(&g.schedule(n, self.batch_size).phases(self.epochs, last)),
        }
    }

    /// The largest batch size of the run on `n` training examples (the last, when it grows).
    pub fn largest_batch(&self, n: usize) -> usize {
        self.batch_growth.as_ref().map_or(self.batch_size, |g| {
            g.schedule(n, self.batch_size).batch_size(self.epochs.saturating_sub(1))
        })
    }

    /// Updates over the whole run, when its batch size is fixed.
    pub fn total_updates(&self) -> u64 {
        self.updates_per_epoch as u64 * self.epochs
    }
}

/// A checked experiment for a data set of known size: the settings and the runs to do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Everything the spec sets, checked.
    pub settings: Settings,
    /// Training examples N.
    pub train_examples: usize,
    /// The batch sizes probed at noise checkpoints, resolved against N; empty = each run's own.
    pub probe_sizes: Vec<usize>,
    /// Every run, in plan order.
    pub runs: Vec<RunConfig>,
    /// SHA-256 of the examples (and of `model.init_from`'s weights), filled in once the data is loaded
    /// (see `sweep::fingerprint`).
    pub data_hash: String,
    /// What the person should know before the runs start (hyperparameters clamped by `lr_scaling`).
    pub warnings: Vec<String>,
}

impl Plan {
    /// The results folder.
    pub fn output(&self) -> &Path {
        &self.settings.output
    }
}

/// Most training examples one run may consume (epochs x N): about a week of updates at 10^7 examples/s.
pub const MAX_EXAMPLES_PER_RUN: u64 = 10_000_000_000_000;

/// Checks what depends on the training-set size `n` and expands the sweep.
pub fn build(settings: Settings, src: &SpecSource, n: usize) -> Result<Plan, SpecError> {
    if n == 0 {
        return Err(src.error(
            "data.test_fraction",
            format!(
                "the training split is empty: {} holds out every example; lower test_fraction or add data",
                settings.data.test_fraction
            ),
        ));
    }
    let batch_sizes = resolve_batch_sizes(&settings.sweep.batch_sizes, "sweep.batch_sizes", n, src)?;
    let probes = resolve_batch_sizes(&settings.noise.probe_batch_sizes, "noise.probe_batch_sizes", n, src)?;
    check_length(settings.training.epochs, src, n)?;
    let runs = expand(&settings, &batch_sizes, n);
    let warnings = scaling::warnings(&settings, batch_sizes.iter().map(|&(b, _)| b));
    unique_ids(&settings, &runs, src)?;
    let probe_sizes = probes.iter().map(|&(b, _)| b).collect();
    Ok(Plan { settings, train_examples: n, probe_sizes, runs, data_hash: String::new(), warnings })
}

/// Every run: repeats x variants x batch sizes x learning rates, in that nesting.
fn expand(settings: &Settings, batch_sizes: &[(usize, BatchSize)], n: usize) -> Vec<RunConfig> {
    let sweep = &settings.sweep;
    let width = n.to_string().len();
    let mut runs = Vec::new();
    for repeat in 0..settings.repeats {
        for variant in &sweep.variants {
            for &(batch_size, label) in batch_sizes {
                let optimizer = scaling::optimizer(settings, batch_size).0;
                for &rate in &sweep.learning_rates {
                    let learning_rate = sweep.lr_scaling.apply(rate, batch_size, sweep.base_batch_size);
                    let (updates_per_epoch, last_batch_size) =
                        updates_per_epoch(n, batch_size, settings.training.last_batch);
                    runs.push(RunConfig {
                        index: runs.len(),
                        id: run_id(batch_size, width, learning_rate, repeat, &variant.name),
                        repeat,
                        batch_size,
                        batch_label: label.to_string(),
                        learning_rate,
                        epochs: settings.training.epochs,
                        updates_per_epoch,
                        last_batch_size,
                        variant: variant.name.clone(),
                        optimizer,
                        schedule: variant.schedule.clone(),
                        batch_growth: variant.batch_growth.clone(),
                    });
                }
            }
        }
    }
    runs
}

/// The run's folder name: the batch size (zero-padded to `width`, N's digits), the learning rate, the
/// repeat and the variant, if any. The rate is printed shortest-round-trip, so distinct rates give
/// distinct ids, and in exponent form (`1e-300`) when the plain form is longer than 16 characters, so no
/// id is longer than about 120.
pub fn run_id(batch: usize, width: usize, lr: f64, repeat: u64, variant: &str) -> String {
    let plain = lr.to_string();
    let rate = if plain.len() <= 16 { plain } else { format!("{lr:e}") };
    let variant = if variant.is_empty() { String::new() } else { format!("-{variant}") };
    format!("bs{batch:0width$}-lr{rate}-rep{repeat}{variant}")
}

/// Refuses two runs with one id: learning rates that `lr_scaling` rounds to the same value.
fn unique_ids(settings: &Settings, runs: &[RunConfig], src: &SpecSource) -> Result<(), SpecError> {
    let mut seen = HashSet::with_capacity(runs.len());
    let Some(run) = runs.iter().find(|r| !seen.insert(r.id.as_str())) else { return Ok(()) };
    let sweep = &settings.sweep;
    let same: Vec<(usize, f64)> = (sweep.learning_rates.iter().enumerate())
        .filter(|(_, r)| {
            sweep.lr_scaling.apply(**r, run.batch_size, sweep.base_batch_size) == run.learning_rate
        })
        .map(|(i, r)| (i, *r))
        .collect();
    let (key, rates) = match same.as_slice() {
        [(_, a), (j, b), ..] => (format!("sweep.learning_rates[{j}]"), format!("{a} and {b}")),
        _ => ("sweep.learning_rates".to_string(), "two rates".to_string()),
    };
    Err(src.error(
        &key,
        format!(
            "learning rates {rates} both become {} at batch size {} under lr_scaling = \"{}\" (scaled \
             rates are rounded to 4 significant digits), so two runs would be one ({}); keep one of them",
            run.learning_rate,
            run.batch_size,
            format!("{:?}", sweep.lr_scaling).to_lowercase(),
            run.id
        ),
    ))
}

/// (updates per epoch, size of the last update) for `n` examples in batches of `b`.
pub fn updates_per_epoch(n: usize, b: usize, last: LastBatch) -> (usize, usize) {
    let full = n / b;
    let rest = n % b;
    match (last, rest) {
        (_, 0) => (full, b),
        (LastBatch::Keep, rest) => (full + 1, rest),
        (LastBatch::Drop, _) => (full, b),
    }
}

fn resolve_batch_sizes(
    sizes: &[BatchSize],
    key: &str,
    n: usize,
    src: &SpecSource,
) -> Result<Vec<(usize, BatchSize)>, SpecError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let b = size.resolve(n);
        if b > n {
            return Err(src.error(
                &format!("{key}[{i}]"),
                format!("batch size {size} is larger than the training set ({n} examples); allowed: 1 to {n}, or \"full\""),
            ));
        }
        if !seen.insert(b) {
            return Err(src.error(
                &format!("{key}[{i}]"),
                format!("batch size {size} appears twice (\"full\" is {n} here); list each batch size once"),
            ));
        }
        out.push((b, size));
    }
    Ok(out)
}

/// Refuses runs longer than [`MAX_EXAMPLES_PER_RUN`] examples (epochs near u64::MAX, say).
fn check_length(epochs: u64, src: &SpecSource, n: usize) -> Result<(), SpecError> {
    match epochs.checked_mul(n as u64) {
        Some(examples) if examples <= MAX_EXAMPLES_PER_RUN => Ok(()),
        examples => Err(src.error(
            "training.epochs",
            format!(
                "{epochs} epochs of {n} examples is {} examples per run; allowed: at most \
                 {MAX_EXAMPLES_PER_RUN} (10^13, about 12 days at 10^7 examples/s)",
                examples.map_or("more than 2^64".to_string(), |e| e.to_string())
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_trains_on_the_partial_batch() {
        // 1050 examples in batches of 100: ten full batches and one of 50.
        assert_eq!(updates_per_epoch(1050, 100, LastBatch::Keep), (11, 50));
    }

    #[test]
    fn drop_skips_the_partial_batch() {
        assert_eq!(updates_per_epoch(1050, 100, LastBatch::Drop), (10, 100));
    }

    #[test]
    fn an_exact_division_has_no_partial_batch() {
        assert_eq!(updates_per_epoch(1000, 100, LastBatch::Keep), (10, 100));
        assert_eq!(updates_per_epoch(1000, 100, LastBatch::Drop), (10, 100));
    }

    #[test]
    fn run_ids_stay_short_and_distinct_for_extreme_rates() {
        assert_eq!(run_id(32, 4, 0.02, 1, ""), "bs0032-lr0.02-rep1");
        assert_eq!(run_id(32, 4, 0.02, 1, "grow"), "bs0032-lr0.02-rep1-grow");
        assert_eq!(run_id(1, 1, 1e-300, 0, ""), "bs1-lr1e-300-rep0");
        assert_eq!(run_id(1, 1, 1e300, 0, ""), "bs1-lr1e300-rep0");
        let (a, b) = (run_id(1, 1, 0.1 + 0.2, 0, ""), run_id(1, 1, 0.3, 0, ""));
        assert!(a != b && a.len() < 40, "{a} {b}");
    }

    #[test]
    fn online_and_full_batch_are_the_extremes() {
        assert_eq!(updates_per_epoch(1437, 1, LastBatch::Keep), (1437, 1));
        assert_eq!(updates_per_epoch(1437, 1437, LastBatch::Keep), (1, 1437));
        assert_eq!(updates_per_epoch(1437, 32, LastBatch::Keep), (45, 29));
    }
}
