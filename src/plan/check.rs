//! Every check of a spec that does not depend on the data, in one place: [`check`] turns a [`Spec`] into
//! [`Settings`] or an error that names the key, its line (or `--set`) and what is allowed. The checks that
//! need the number of training examples run when the plan is built ([`super::build`]).

use super::curvature_check::curvature;
use super::data_check::data;
use super::settings::{LandscapePlan, ModelPlan, NoisePlan, Settings, SweepPlan, TrainingPlan};
use super::training;
use crate::error::SpecError;
use crate::nn::optim::Kind;
use crate::spec::{
    BatchSize, Init, LogGrid, LrScaling, ProbeSizes, RateGrid, SaveWeights, Spec, SpecSource, Task,
    significant4,
};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// Most runs a sweep may plan: each writes a folder, and a grid of millions is a typo, not an experiment.
pub const MAX_RUNS: u64 = 100_000;
/// Most rates a log grid may place per factor of ten.
const MAX_PER_DECADE: u64 = 100;
/// Most rates `sweep.extend_grid` may add beyond an edge of a batch size's grid.
pub const MAX_GRID_EXTENSION: u64 = 20;

/// Checks every value of `spec` that does not depend on the data; relative data paths are resolved against
/// the folder of `src.path`.
pub fn check(spec: &Spec, src: &SpecSource) -> Result<Settings, SpecError> {
    let name = experiment_name(spec, src)?;
    positive(spec.experiment.repeats, "experiment.repeats", src)?;
    let base_dir = src.path.parent().unwrap_or(Path::new("."));
    let data = data(&spec.data, base_dir, src)?;
    let model = model(spec, base_dir, src)?;
    let training = training::training(spec, src)?;
    let sweep = sweep(spec, &training, src)?;
    let noise = noise(spec, src)?;
    weights(&training, &noise, src)?;
    grid(spec, src)?;
    analysis(spec, data.task, src)?;
    plots(spec, src)?;
    let mut provenance = spec.clone();
    provenance.training = training::filled(&spec.training, &training);
    if spec.model.layers.is_some() {
        provenance.model.hidden = Vec::new();
    }
    Ok(Settings {
        output: output(spec, src, &name)?,
        name,
        seed: spec.experiment.seed,
        repeats: spec.experiment.repeats,
        description: spec.experiment.description.clone(),
        data,
        model,
        training,
        sweep,
        noise,
        landscape: landscape(spec),
        curvature: curvature(&spec.curvature, src)?,
        plots: spec.plots.clone(),
        analysis: spec.analysis.clone(),
        spec: provenance,
    })
}

fn experiment_name(spec: &Spec, src: &SpecSource) -> Result<String, SpecError> {
    let name = &spec.experiment.name;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || !name.chars().all(ok_char) || name.chars().all(|c| c == '.') {
        return Err(src.error(
            "experiment.name",
            format!("\"{name}\" cannot name a folder; allowed: letters, digits, '-', '_' and '.'"),
        ));
    }
    Ok(name.clone())
}

/// The results folder: `results/<name>` by default. An empty path or the current folder would put the
/// results among the user's own files (and `--force` would delete some), so they are refused.
fn output(spec: &Spec, src: &SpecSource, name: &str) -> Result<PathBuf, SpecError> {
    let Some(path) = &spec.experiment.output else { return Ok(PathBuf::from("results").join(name)) };
    let example = format!("name a folder for the results, e.g. \"results/{name}\"");
    if path.as_os_str().is_empty() {
        return Err(
            src.error("experiment.output", format!("the path is empty (the current folder); {example}"))
        );
    }
    if path.components().all(|c| c == Component::CurDir) {
        return Err(src.error(
            "experiment.output",
            format!("\"{}\" is the current folder, which holds your own files; {example}", path.display()),
        ));
    }
    Ok(path.clone())
}

fn model(spec: &Spec, base_dir: &Path, src: &SpecSource) -> Result<ModelPlan, SpecError> {
    let m = &spec.model;
    let mut hidden = Vec::with_capacity(m.hidden.len());
    for (i, &width) in m.hidden.iter().enumerate() {
        positive(width, &format!("model.hidden[{i}]"), src)?;
        hidden.push(usize::try_from(width).unwrap_or(usize::MAX));
    }
    let layers = super::layers::layers(m, src)?;
    let has_hidden =
        layers.as_ref().map_or(!m.hidden.is_empty(), |l| l.iter().any(super::layers::has_parameters));
    if m.init == Init::Zeros && has_hidden {
        return Err(src.error(
            "model.init",
            "init = \"zeros\" with hidden layers gives every unit of a layer the same weights and the same \
             gradient, so they never learn different features; use \"he\" or \"xavier\", or hidden = []",
        ));
    }
    let init_from = match &m.init_from {
        Some(path) if path.as_os_str().is_empty() => {
            return Err(src.error("model.init_from", "the path is empty; name a .safetensors file"));
        }
        Some(path) => Some(base_dir.join(path)),
        None => None,
    };
    Ok(ModelPlan { hidden, layers, activation: m.activation, init: m.init, bias: m.bias, init_from })
}

/// `save_weights = "checkpoints"` writes weights at the noise checkpoints, so it needs some.
fn weights(training: &TrainingPlan, noise: &NoisePlan, src: &SpecSource) -> Result<(), SpecError> {
    if training.save_weights == SaveWeights::Checkpoints && noise.every == 0 {
        return Err(src.error(
            "training.save_weights",
            "\"checkpoints\" writes the weights at every noise checkpoint, and noise.every = 0 turns them off; \
             set noise.every (e.g. 1) or save_weights = \"final\"",
        ));
    }
    Ok(())
}

fn sweep(spec: &Spec, training: &TrainingPlan, src: &SpecSource) -> Result<SweepPlan, SpecError> {
    let s = &spec.sweep;
    batch_sizes(&s.batch_sizes, "sweep.batch_sizes", src)?;
    let learning_rates = match &s.learning_rates {
        None => vec![spec.training.learning_rate],
        Some(RateGrid::List(rates)) => rate_list(rates, src)?,
        Some(RateGrid::Log(grid)) => log_grid(grid, src)?,
    };
    if s.extend_grid > MAX_GRID_EXTENSION {
        return Err(src.error(
            "sweep.extend_grid",
            format!("{} is too many; allowed: 0 to {MAX_GRID_EXTENSION} rates beyond an edge", s.extend_grid),
        ));
    }
    let base_batch_size = match (s.lr_scaling, s.base_batch_size) {
        (LrScaling::None, base) => base.unwrap_or(1),
        (_, None) => {
            return Err(src.error(
                "sweep.base_batch_size",
                "lr_scaling needs `base_batch_size`, the batch size at which the learning rates hold as written",
            ));
        }
        (_, Some(base)) => {
            positive(base, "sweep.base_batch_size", src)?;
            base
        }
    };
    if s.lr_scaling == LrScaling::Sde && training.optimizer.kind == Kind::Sgd {
        return Err(src.error(
            "sweep.lr_scaling",
            "\"sde\" is the scaling rule of adaptive optimisers (it scales beta1, beta2 or alpha, and epsilon); \
             optimizer = \"sgd\" has none of them: use \"linear\" or \"sqrt\", or optimizer = \"adam\", \"adamw\" or \"rmsprop\"",
        ));
    }
    let variants = training::variants(spec, training, src)?;
    Ok(SweepPlan {
        batch_sizes: s.batch_sizes.clone(),
        learning_rates,
        lr_scaling: s.lr_scaling,
        base_batch_size,
        extend_grid: s.extend_grid,
        variants,
    })
}

/// The grid as written: not empty, every rate finite and positive, none twice (a hash set, so a grid of a
/// million rates is checked in linear time).
fn rate_list(rates: &[f64], src: &SpecSource) -> Result<Vec<f64>, SpecError> {
    if rates.is_empty() {
        return Err(
            src.error("sweep.learning_rates", "the list is empty; remove it or give at least one rate")
        );
    }
    let mut seen = HashSet::with_capacity(rates.len());
    for (i, &rate) in rates.iter().enumerate() {
        learning_rate(rate, &format!("sweep.learning_rates[{i}]"), src)?;
        if !seen.insert(rate.to_bits()) {
            return Err(src.error(&format!("sweep.learning_rates[{i}]"), format!("{rate} appears twice")));
        }
    }
    Ok(rates.to_vec())
}

/// `{ from, to, per_decade }`: from x 10^(k / per_decade) up to `to` (within rounding), each rate rounded to
/// four significant digits as scaled rates are, so run ids stay readable.
fn log_grid(grid: &LogGrid, src: &SpecSource) -> Result<Vec<f64>, SpecError> {
    let key = "sweep.learning_rates";
    learning_rate(grid.from, &format!("{key}.from"), src)?;
    learning_rate(grid.to, &format!("{key}.to"), src)?;
    if grid.to < grid.from {
        return Err(src.error(&format!("{key}.to"), format!("{} is below from = {}", grid.to, grid.from)));
    }
    if !(1..=MAX_PER_DECADE).contains(&grid.per_decade) {
        return Err(src.error(
            &format!("{key}.per_decade"),
            format!(
                "{} is not allowed; allowed: 1 to {MAX_PER_DECADE} rates per factor of ten",
                grid.per_decade
            ),
        ));
    }
    let steps = (grid.per_decade as f64 * (grid.to / grid.from).log10() + 1e-9).floor();
    if steps + 1.0 > MAX_RUNS as f64 {
        return Err(
            src.error(key, format!("the grid holds {} rates; allowed: at most {MAX_RUNS}", steps + 1.0))
        );
    }
    let rates: Vec<f64> = (0..=steps as u64)
        .map(|k| significant4(grid.from * 10f64.powf(k as f64 / grid.per_decade as f64)))
        .collect();
    Ok(rates)
}

fn noise(spec: &Spec, src: &SpecSource) -> Result<NoisePlan, SpecError> {
    let n = &spec.noise;
    if n.every > 0 {
        positive(n.probes, "noise.probes", src)?;
    }
    let probe_batch_sizes = match &n.probe_batch_sizes {
        None => Vec::new(),
        Some(ProbeSizes::Sweep) => spec.sweep.batch_sizes.clone(),
        Some(ProbeSizes::List(sizes)) => {
            batch_sizes(sizes, "noise.probe_batch_sizes", src)?;
            sizes.clone()
        }
    };
    Ok(NoisePlan { every: n.every, probes: n.probes, probe_batch_sizes })
}

fn landscape(spec: &Spec) -> Option<LandscapePlan> {
    let l = &spec.landscape;
    let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    l.enabled.then(|| LandscapePlan {
        grid: size(l.grid),
        points: l.points,
        arrow_points: size(l.arrow_points),
        arrows: size(l.arrows),
    })
}

fn analysis(spec: &Spec, task: Task, src: &SpecSource) -> Result<(), SpecError> {
    let a = &spec.analysis;
    if a.stop_at_target && a.target_train_loss.is_none() && a.target_test_accuracy.is_none() {
        return Err(src.error(
            "analysis.stop_at_target",
            "stopping at the target needs a target the runs know in advance: set target_train_loss or \
             target_test_accuracy (the automatic target is chosen from the finished runs)",
        ));
    }
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
    if task == Task::Regression || spec.data.test_fraction == 0.0 {
        return Err(src.error(
            "analysis.target_test_accuracy",
            "a test-accuracy target needs a classification task with a test split (test_fraction > 0); \
             use target_train_loss instead",
        ));
    }
    Ok(())
}

/// `[plots]`: sizes a renderer can draw and a browser can show, a smoothing window in [0, 1) of an epoch.
fn plots(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let p = &spec.plots;
    let ranges = [
        ("plots.width", p.width, 320, 4000),
        ("plots.height", p.height, 200, 4000),
        ("plots.dpi", p.dpi, 50, 600),
    ];
    for (key, value, lo, hi) in ranges {
        if !(lo..=hi).contains(&value) {
            return Err(src.error(key, format!("{value} is outside [{lo}, {hi}]")));
        }
    }
    let pixels = u64::from(p.width) * u64::from(p.height) * u64::from(p.dpi).pow(2) / 10_000;
    if pixels > 40_000_000 {
        return Err(src.error(
            "plots.dpi",
            format!(
                "a {} x {} figure at {} dpi is {pixels} pixels; allowed: at most 40 million (lower dpi)",
                p.width, p.height, p.dpi
            ),
        ));
    }
    if !(p.smoothing.is_finite() && (0.0..1.0).contains(&p.smoothing)) {
        return Err(src.error(
            "plots.smoothing",
            format!(
                "{} is outside [0, 1); allowed: the share of an epoch the moving average spans, e.g. 0.1",
                p.smoothing
            ),
        ));
    }
    if p.formats.is_empty() {
        return Err(src.error("plots.formats", "the list is empty; allowed: \"png\", \"svg\" or both"));
    }
    Ok(())
}

fn batch_sizes(sizes: &[BatchSize], key: &str, src: &SpecSource) -> Result<(), SpecError> {
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
fn grid(spec: &Spec, src: &SpecSource) -> Result<(), SpecError> {
    let factors = [
        ("experiment.repeats", spec.experiment.repeats),
        ("sweep.variants", spec.sweep.variants.len().max(1) as u64),
        ("sweep.batch_sizes", spec.sweep.batch_sizes.len() as u64),
        ("sweep.learning_rates", grid_len(spec.sweep.learning_rates.as_ref())),
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
            "repeats x variants x batch sizes x learning rates = {count} runs; allowed: at most {MAX_RUNS} runs in one \
             sweep (split it into several specs)"
        ),
    ))
}

/// Rates in the grid, before it is checked (a log grid's count, saturating).
fn grid_len(grid: Option<&RateGrid>) -> u64 {
    match grid {
        None => 1,
        Some(RateGrid::List(rates)) => rates.len() as u64,
        Some(RateGrid::Log(g)) => {
            let steps = g.per_decade as f64 * (g.to / g.from).log10();
            if steps.is_finite() && steps >= 0.0 { steps as u64 + 1 } else { 1 }
        }
    }
}

/// A count that must be at least 1.
pub(crate) fn positive(value: u64, key: &str, src: &SpecSource) -> Result<(), SpecError> {
    if value == 0 {
        return Err(src.error(key, "0 is not allowed; allowed: a positive integer"));
    }
    Ok(())
}

pub(crate) fn learning_rate(rate: f64, key: &str, src: &SpecSource) -> Result<(), SpecError> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(
            src.error(key, format!("learning rate {rate} is not allowed; allowed: a finite number > 0"))
        );
    }
    Ok(())
}
