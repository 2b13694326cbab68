//! Spec -> validated plan: checks every value, then expands batch sizes x learning rates x repeats into
//! [`RunConfig`]s with stable ids. Nothing runs, and nothing is written, until the plan is valid.

use crate::error::SpecError;
use crate::spec::{BatchSize, Generator, Init, LastBatch, LrScaling, Source, Spec, SpecSource, Task};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;

/// One training run: a batch size, a learning rate and a repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl RunConfig {
    /// Updates over the whole run.
    pub fn total_updates(&self) -> u64 {
        self.updates_per_epoch as u64 * self.epochs
    }
}

/// A validated experiment: the spec, where it came from, and the runs to do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spec, overrides applied.
    pub spec: Spec,
    /// The results folder.
    pub output: PathBuf,
    /// Training examples N.
    pub train_examples: usize,
    /// Every run, in plan order.
    pub runs: Vec<RunConfig>,
    /// SHA-256 of the examples, filled in once the data is loaded (see `resume::data_hash`).
    pub data_hash: String,
}

/// Most runs a sweep may plan: each writes a folder, and a grid of millions is a typo, not an experiment.
pub const MAX_RUNS: u64 = 100_000;
/// Most training examples one run may consume (epochs x N): about a week of updates at 10^7 examples/s.
pub const MAX_EXAMPLES_PER_RUN: u64 = 10_000_000_000_000;

/// Checks every value that does not depend on the data.
pub fn check(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    check_experiment(spec, src)?;
    check_data(spec, src)?;
    check_model(spec, src)?;
    check_training(spec, src)?;
    check_sweep(spec, src)?;
    check_noise(spec, src)?;
    check_grid(spec, src)?;
    check_analysis(spec, src)
}

/// Expands the sweep for a training set of `n` examples, checking batch sizes against it.
pub fn build(spec: &Spec, src: &SpecSource, n: usize) -> Result<Plan, SpecError> {
    check(spec, src)?;
    if n == 0 {
        return Err(src.error(
            "data.test_fraction",
            format!(
                "the training split is empty: {} holds out every example; lower test_fraction or add data",
                spec.data.test_fraction
            ),
        ));
    }
    let batch_sizes = resolve_batch_sizes(&spec.sweep.batch_sizes, "sweep.batch_sizes", n, src)?;
    if let Some(probes) = &spec.noise.probe_batch_sizes {
        resolve_batch_sizes(probes, "noise.probe_batch_sizes", n, src)?;
    }
    check_length(spec, src, n)?;
    let rates = learning_rates(spec);
    let width = n.to_string().len();
    let mut runs = Vec::new();
    for repeat in 0..spec.experiment.repeats {
        for &(batch_size, label) in &batch_sizes {
            for &rate in &rates {
                let base = spec.sweep.base_batch_size.unwrap_or(1);
                let learning_rate = spec.sweep.lr_scaling.apply(rate, batch_size, base);
                let (updates_per_epoch, last_batch_size) =
                    updates_per_epoch(n, batch_size, spec.training.last_batch);
                runs.push(RunConfig {
                    index: runs.len(),
                    id: format!("bs{batch_size:0width$}-lr{learning_rate}-rep{repeat}"),
                    repeat,
                    batch_size,
                    batch_label: label.to_string(),
                    learning_rate,
                    epochs: spec.training.epochs,
                    updates_per_epoch,
                    last_batch_size,
                });
            }
        }
    }
    let output = spec
        .experiment
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&spec.experiment.name));
    Ok(Plan { spec: spec.clone(), output, train_examples: n, runs, data_hash: String::new() })
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

/// The learning rates of the sweep: the grid, or the single training rate.
pub fn learning_rates(spec: &Spec) -> Vec<f64> {
    spec.sweep.learning_rates.clone().unwrap_or_else(|| vec![spec.training.learning_rate])
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

fn check_experiment(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let name = &spec.experiment.name;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || !name.chars().all(ok_char) || name.chars().all(|c| c == '.') {
        return Err(src.error(
            "experiment.name",
            format!("\"{name}\" cannot name a folder; allowed: letters, digits, '-', '_' and '.'"),
        ));
    }
    positive(spec.experiment.repeats, "experiment.repeats", src)
}

fn check_data(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let d = &spec.data;
    if !(d.test_fraction.is_finite() && (0.0..1.0).contains(&d.test_fraction)) {
        return Err(src.error(
            "data.test_fraction",
            format!(
                "{} is outside [0, 1); allowed: 0 (no test split) up to but not including 1",
                d.test_fraction
            ),
        ));
    }
    match d.source {
        Source::Csv if d.path.is_none() => {
            Err(src.error("data.path", "source = \"csv\" needs `path`, the csv file"))
        }
        Source::Idx if d.path.is_none() || d.labels.is_none() => Err(src.error(
            if d.path.is_none() { "data.path" } else { "data.labels" },
            "source = \"idx\" needs `path` (the images file) and `labels` (the labels file)",
        )),
        Source::Synthetic => check_synthetic(spec, src),
        _ => Ok(()),
    }
}

fn check_synthetic(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let d = &spec.data;
    if d.generator.is_none() {
        return Err(src.error(
            "data.generator",
            "source = \"synthetic\" needs `generator`; allowed: linear, blobs, spirals",
        ));
    }
    if d.samples < 2 {
        return Err(
            src.error("data.samples", format!("{} samples is too few; allowed: at least 2", d.samples))
        );
    }
    positive(d.features, "data.features", src)?;
    if d.classes < 2 {
        return Err(src.error("data.classes", format!("{} classes; allowed: at least 2", d.classes)));
    }
    if !(d.noise.is_finite() && d.noise >= 0.0) {
        return Err(
            src.error("data.noise", format!("{} is not allowed; allowed: a finite number >= 0", d.noise))
        );
    }
    if !(d.correlation.is_finite() && d.correlation > -1.0 && d.correlation < 1.0) {
        return Err(src.error("data.correlation", format!("{} is outside (-1, 1)", d.correlation)));
    }
    Ok(())
}

fn check_model(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let m = &spec.model;
    for (i, &width) in m.hidden.iter().enumerate() {
        positive(width, &format!("model.hidden[{i}]"), src)?;
    }
    if m.init == Init::Zeros && !m.hidden.is_empty() {
        return Err(src.error(
            "model.init",
            "init = \"zeros\" with hidden layers gives every unit of a layer the same weights and the same \
             gradient, so they never learn different features; use \"he\" or \"xavier\", or hidden = []",
        ));
    }
    Ok(())
}

fn check_training(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let t = &spec.training;
    positive(t.epochs, "training.epochs", src)?;
    learning_rate(t.learning_rate, "training.learning_rate", src)?;
    if !(t.momentum.is_finite() && (0.0..1.0).contains(&t.momentum)) {
        return Err(src.error("training.momentum", format!("{} is outside [0, 1)", t.momentum)));
    }
    if !(t.weight_decay.is_finite() && t.weight_decay >= 0.0) {
        return Err(src.error(
            "training.weight_decay",
            format!("{} is not allowed; allowed: a finite number >= 0", t.weight_decay),
        ));
    }
    positive(t.log_every, "training.log_every", src)
}

fn check_sweep(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let s = &spec.sweep;
    check_batch_sizes(&s.batch_sizes, "sweep.batch_sizes", src)?;
    if let Some(rates) = &s.learning_rates {
        if rates.is_empty() {
            return Err(
                src.error("sweep.learning_rates", "the list is empty; remove it or give at least one rate")
            );
        }
        for (i, &rate) in rates.iter().enumerate() {
            learning_rate(rate, &format!("sweep.learning_rates[{i}]"), src)?;
            if rates[..i].contains(&rate) {
                return Err(src.error(&format!("sweep.learning_rates[{i}]"), format!("{rate} appears twice")));
            }
        }
    }
    check_scaling(spec, src)
}

fn check_scaling(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    match (spec.sweep.lr_scaling, spec.sweep.base_batch_size) {
        (LrScaling::None, _) => Ok(()),
        (_, None) => Err(src.error(
            "sweep.base_batch_size",
            "lr_scaling needs `base_batch_size`, the batch size at which the learning rates hold as written",
        )),
        (_, Some(base)) => positive(base, "sweep.base_batch_size", src),
    }
}

fn check_analysis(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let a = &spec.analysis;
    if let Some(loss) = a.target_train_loss.filter(|l| !(l.is_finite() && *l > 0.0)) {
        return Err(src.error(
            "analysis.target_train_loss",
            format!("{loss} is not allowed; allowed: a finite number > 0"),
        ));
    }
    let Some(accuracy) = a.target_test_accuracy else { return Ok(()) };
    if !(accuracy > 0.0 && accuracy <= 1.0) {
        return Err(src.error(
            "analysis.target_test_accuracy",
            format!("{accuracy} is outside (0, 1]; allowed: a share of test examples, e.g. 0.95"),
        ));
    }
    let regression = match spec.data.source {
        Source::Csv => spec.data.task == Task::Regression,
        Source::Synthetic => spec.data.generator == Some(Generator::Linear),
        Source::Digits | Source::Idx => false,
    };
    if regression || spec.data.test_fraction == 0.0 {
        return Err(src.error(
            "analysis.target_test_accuracy",
            "a test-accuracy target needs a classification task with a test split (test_fraction > 0); \
             use target_train_loss instead",
        ));
    }
    Ok(())
}

fn check_noise(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let n = &spec.noise;
    if n.every > 0 {
        positive(n.probes, "noise.probes", src)?;
    }
    if let Some(sizes) = &n.probe_batch_sizes {
        check_batch_sizes(sizes, "noise.probe_batch_sizes", src)?;
    }
    Ok(())
}

fn check_batch_sizes(sizes: &[BatchSize], key: &str, src: &SpecSource) -> Result<(), SpecError> {
    if sizes.is_empty() {
        return Err(src.error(key, "the list is empty; give at least one batch size, e.g. [1, 32, \"full\"]"));
    }
    for (i, size) in sizes.iter().enumerate() {
        if *size == BatchSize::Fixed(0) {
            return Err(src
                .error(&format!("{key}[{i}]"), "batch size 0 is not allowed; allowed: 1 to N, or \"full\""));
        }
    }
    Ok(())
}

/// Refuses grids of more than [`MAX_RUNS`] runs, at the key that contributes most.
fn check_grid(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let factors = [
        ("experiment.repeats", spec.experiment.repeats),
        ("sweep.batch_sizes", spec.sweep.batch_sizes.len() as u64),
        ("sweep.learning_rates", spec.sweep.learning_rates.as_ref().map_or(1, |r| r.len() as u64)),
    ];
    let runs = factors.iter().try_fold(1u64, |acc, (_, f)| acc.checked_mul(*f));
    if runs.is_some_and(|r| r <= MAX_RUNS) {
        return Ok(());
    }
    let (key, _) = factors.iter().max_by_key(|(_, f)| *f).unwrap_or(&factors[0]);
    let count = runs.map_or("more than 2^64".to_string(), |r| r.to_string());
    Err(src.error(
        key,
        format!(
            "repeats x batch sizes x learning rates = {count} runs; allowed: at most {MAX_RUNS} runs in one \
             sweep (split it into several specs)"
        ),
    ))
}

/// Refuses runs longer than [`MAX_EXAMPLES_PER_RUN`] examples (epochs near u64::MAX, say).
fn check_length(spec: &Spec, src: &SpecSource, n: usize) -> Result<(), SpecError> {
    let epochs = spec.training.epochs;
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

fn positive(value: u64, key: &str, src: &SpecSource) -> Result<(), SpecError> {
    if value == 0 {
        return Err(src.error(key, "0 is not allowed; allowed: a positive integer"));
    }
    Ok(())
}

fn learning_rate(rate: f64, key: &str, src: &SpecSource) -> Result<(), SpecError> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(
            src.error(key, format!("learning rate {rate} is not allowed; allowed: a finite number > 0"))
        );
    }
    Ok(())
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
    fn online_and_full_batch_are_the_extremes() {
        assert_eq!(updates_per_epoch(1437, 1, LastBatch::Keep), (1437, 1));
        assert_eq!(updates_per_epoch(1437, 1437, LastBatch::Keep), (1, 1437));
        assert_eq!(updates_per_epoch(1437, 32, LastBatch::Keep), (45, 29));
    }
}
