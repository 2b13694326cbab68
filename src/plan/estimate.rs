//! Memory and work a sweep will need, estimated from the spec and plan before anything large is
//! allocated, and the refusal of sweeps that cannot fit (absurd layer widths, sample counts, batch sizes,
//! landscape grids or figure sizes) with an error that names the estimate and the key to change.
//!
//! Estimates are in f64 so that absurd values cannot overflow. Memory counts the data (loaded and split,
//! two copies at the peak), the initial weights of every repeat, and per concurrently running run: the
//! parameters with gradient, previous gradient, momentum and noise-probe state, and workspaces of
//! activations and errors at its batch size. Work counts multiply-adds of training, evaluation and probes.

use super::footprint::{NetShape, RunShape, footprint};
use super::limits::{Limits, bytes};
use super::{Plan, Settings, SourcePlan};
use crate::error::SpecError;
use crate::nn::network::{Network, Shape as NetInput};
use crate::spec::{BatchSize, Generator, SpecSource};
use std::fmt;

/// Work above this many multiply-adds is refused: months of CPU time.
pub const MAX_MULTIPLY_ADDS: f64 = 1e17;
/// Most feature values a generator may draw (1 GiB of f32) whatever the memory: more is a typo, and the
/// allocation would abort rather than fail.
pub const MAX_SYNTHETIC_VALUES: f64 = (1u64 << 28) as f64;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Input features.
    pub features: f64,
    /// Network outputs.
    pub outputs: f64,
    /// Training examples.
    pub train: f64,
    /// Test examples.
    pub test: f64,
}

/// A sweep's estimated needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The examples in memory at the peak (loading and splitting), bytes.
    pub data_bytes: f64,
    /// Parameters and optimiser state of one run, bytes.
    pub param_bytes: f64,
    /// Workspaces of the run with the largest batch, bytes.
    pub workspace_bytes: f64,
    /// Runs in memory at once.
    pub concurrent: f64,
    /// The largest batch size exceeds the floats one example needs in a workspace.
    pub batch_dominates: bool,
    /// Landscape snapshots, grid and arrows and initial weights of every repeat, bytes.
    pub shared_bytes: f64,
    /// The landscape grid's part of `shared_bytes`.
    pub grid_bytes: f64,
    /// The landscape arrows' part of `shared_bytes`.
    pub arrow_bytes: f64,
    /// One rendered figure, bytes.
    pub figure_bytes: f64,
    /// Everything, bytes.
    pub total_bytes: f64,
    /// Multiply-adds of the whole sweep.
    pub multiply_adds: f64,
    /// The spec key behind most of the multiply-adds.
    pub work_key: &'static str,
}

/// Bytes of one landscape arrow record held in memory (seven fields and a short string).
const ARROW_RECORD_BYTES: f64 = 80.0;

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} of memory (data {}; per run {} of parameters and optimiser state and {} of \
             workspaces, runs at once: {}; landscape and initial weights {}; a figure {}) and {:.2e} \
             multiply-adds",
            bytes(self.total_bytes),
            bytes(self.data_bytes),
            bytes(self.param_bytes),
            bytes(self.workspace_bytes),
            self.concurrent,
            bytes(self.shared_bytes),
            bytes(self.figure_bytes),
            self.multiply_adds
        )
    }
}

/// Estimates a sweep of `settings` on data of `shape`, with runs of batch sizes `batches` (resolved).
pub fn estimate(settings: &Settings, shape: Shape, batches: &[f64], threads: usize) -> Estimate {
    let net = net_shape(settings, shape);
    let largest = grown(settings, batches.iter().copied().fold(1.0, f64::max), shape.train);
    let noise = settings.noise.every > 0;
    let run = footprint(
        &net,
        RunShape {
            batch: largest,
            examples: shape.train,
            state_vectors: settings.training.optimizer.state_vectors() as f64,
            preconditioned: settings.training.optimizer.is_adaptive(),
            probe: noise.then(|| largest.max(probe_sizes(settings, shape.train).fold(0.0, f64::max))),
        },
    );
    let params = net.params();
    let examples = shape.train + shape.test;
    let data_bytes = 2.0 * examples * 4.0 * (shape.features + 1.0);
    let runs = batches.len() as f64
        * settings.repeats as f64
        * settings.sweep.learning_rates.len() as f64
        * settings.sweep.variants.len().max(1) as f64;
    let concurrent = runs.min(threads as f64);
    let (grid_bytes, arrow_bytes) = settings.landscape.map_or((0.0, 0.0), |l| {
        let arrows = runs * arrow_points(&l) * (l.arrows as f64 + 1.0) * ARROW_RECORD_BYTES;
        ((l.grid as f64).powi(2) * 24.0, arrows)
    });
    let snapshots = settings.landscape.map_or(0.0, |l| runs * l.points as f64 * params * 4.0);
    let shared_bytes = snapshots + grid_bytes + arrow_bytes + settings.repeats as f64 * params * 4.0;
    let p = &settings.plots;
    let scale = f64::from(p.dpi.max(50)) / 100.0;
    let figure_bytes =
        if p.enabled { f64::from(p.width) * f64::from(p.height) * scale * scale * 4.0 } else { 0.0 };
    let total_bytes = data_bytes + shared_bytes + figure_bytes + concurrent * run.total();
    let (multiply_adds, work_key) = work(settings, shape, batches, net.weights());
    Estimate {
        data_bytes,
        param_bytes: run.per_parameter(),
        workspace_bytes: run.workspaces(),
        concurrent,
        batch_dominates: largest > net.workspace(1.0) / 4.0,
        shared_bytes,
        grid_bytes,
        arrow_bytes,
        figure_bytes,
        total_bytes,
        multiply_adds,
        work_key,
    }
}

/// Points along a path where arrows are drawn: at most one a snapshot.
fn arrow_points(l: &super::LandscapePlan) -> f64 {
    (l.arrow_points as f64).min(l.points as f64)
}

/// Multiply-adds and the key behind most of them: training (forward + backward = 3 x weights per example)
/// with an evaluation per epoch, the probes at every checkpoint, the curvature checkpoints, the landscape
/// grid and arrows.
fn work(settings: &Settings, shape: Shape, batches: &[f64], weights: f64) -> (f64, &'static str) {
    let epochs = settings.training.epochs as f64;
    let per_config =
        epochs * shape.train * 3.0 * weights + (epochs + 1.0) * (shape.train + shape.test) * weights;
    let n = &settings.noise;
    let checkpoints = if n.every > 0 { epochs / n.every as f64 + 2.0 } else { 0.0 };
    let mean_batch = batches.iter().sum::<f64>() / batches.len().max(1) as f64;
    let probe_examples: f64 =
        if n.probe_batch_sizes.is_empty() { mean_batch } else { probe_sizes(settings, shape.train).sum() };
    let probes = checkpoints * (shape.train * 3.0 + n.probes as f64 * probe_examples * 3.0) * weights;
    let runs = batches.len() as f64
        * settings.repeats as f64
        * settings.sweep.learning_rates.len() as f64
        * settings.sweep.variants.len().max(1) as f64;
    let curvature = settings.curvature.map_or(0.0, |c| curvature_work(&c, epochs, shape.train * weights));
    let (grid, arrows) = settings.landscape.map_or((0.0, 0.0), |l| {
        let grid = settings.repeats as f64 * (l.grid as f64).powi(2) * shape.train * weights;
        let per_point = (shape.train + l.arrows as f64 * mean_batch) * 3.0 * weights;
        (grid, runs * arrow_points(&l) * per_point)
    });
    // Training and probes both grow with the epochs; the landscape's work does not.
    let parts = [
        (runs * (per_config + probes), "training.epochs"),
        (runs * curvature, "curvature.iterations"),
        (grid, "landscape.grid"),
        (arrows, "landscape.arrows"),
    ];
    let key =
        parts.iter().fold((f64::MIN, "training.epochs"), |b, &(v, k)| if v > b.0 { (v, k) } else { b }).1;
    (parts.iter().map(|(v, _)| v).sum(), key)
}

/// Multiply-adds of the curvature checkpoints of one run, `pass` being one forward pass over the training
/// set: a Hessian-vector product is the gradient pass (3 passes) and its R-passes (at most 5 more), at
/// most `iterations` of them per eigenvalue, one per probe and one for G^T H G; plus two gradient passes
/// (G, and tr(Sigma) for B_simple).
fn curvature_work(c: &super::CurvaturePlan, epochs: f64, pass: f64) -> f64 {
    let checkpoints = epochs / c.every as f64 + 2.0;
    let eigenvalues = if c.lambda_min { 2.0 } else { 1.0 };
    let products = c.iterations as f64 * eigenvalues + (c.trace_probes + c.noise_probes + 1) as f64;
    checkpoints * (products * 8.0 + 6.0) * pass
}

fn probe_sizes(settings: &Settings, n: f64) -> impl Iterator<Item = f64> + '_ {
    settings.noise.probe_batch_sizes.iter().map(move |b| resolve(*b, n))
}

fn resolve(b: BatchSize, n: f64) -> f64 {
    match b {
        BatchSize::Fixed(b) => (b as f64).min(n),
        BatchSize::Full => n,
    }
}

/// The largest batch size a run starting at `b` reaches under any variant's batch-size schedule, at most
/// `n`.
fn grown(settings: &Settings, b: f64, n: f64) -> f64 {
    let growth = |v: &crate::plan::VariantPlan| {
        v.batch_growth.as_ref().map_or(1.0, |g| (g.factor as f64).powi(g.milestones.len() as i32))
    };
    let factor = settings.sweep.variants.iter().map(growth).fold(1.0, f64::max);
    (b * factor).min(n.max(b))
}

/// Refuses, before the data is loaded, a spec whose model, synthetic data, landscape or figures alone
/// exceed the limits. csv and idx files are bounded below by their size on disk.
pub fn before_data(settings: &Settings, src: &SpecSource, limits: &Limits) -> Result<(), SpecError> {
    let file_bytes: f64 = settings
        .data
        .source
        .files()
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len() as f64)
        .sum();
    let shape = match &settings.data.source {
        SourcePlan::Digits => Shape { features: 64.0, outputs: 10.0, train: 1797.0, test: 0.0 },
        SourcePlan::Synthetic(s) => {
            let outputs = if s.generator == Generator::Linear { 1.0 } else { s.classes as f64 };
            Shape { features: s.features as f64, outputs, train: s.samples as f64, test: 0.0 }
        }
        SourcePlan::Csv { .. } | SourcePlan::Idx { .. } => {
            Shape { features: 1.0, outputs: 2.0, train: 1.0, test: 0.0 }
        }
    };
    let batches: Vec<f64> = settings.sweep.batch_sizes.iter().map(|b| resolve(*b, shape.train)).collect();
    let mut estimate = estimate(settings, shape, &batches, 1);
    estimate.data_bytes += file_bytes;
    estimate.total_bytes += file_bytes;
    refuse(settings, src, &estimate, limits)?;
    synthetic_values(settings, src)
}

/// Refuses a generator asked for more than [`MAX_SYNTHETIC_VALUES`] feature values.
fn synthetic_values(settings: &Settings, src: &SpecSource) -> Result<(), SpecError> {
    let SourcePlan::Synthetic(s) = &settings.data.source else { return Ok(()) };
    let values = s.samples as f64 * s.features as f64;
    if values <= MAX_SYNTHETIC_VALUES {
        return Ok(());
    }
    let key = if s.features > s.samples { "data.features" } else { "data.samples" };
    Err(src.error(
        key,
        format!(
            "data.samples x data.features = {} x {} exceeds {MAX_SYNTHETIC_VALUES} values",
            s.samples, s.features
        ),
    ))
}

/// The estimate for a built plan and loaded data; refuses it when it exceeds the limits.
pub fn after_plan(
    plan: &Plan,
    shape: Shape,
    src: &SpecSource,
    limits: &Limits,
) -> Result<Estimate, SpecError> {
    let settings = &plan.settings;
    let per_config: Vec<f64> =
        settings.sweep.batch_sizes.iter().map(|b| resolve(*b, plan.train_examples as f64)).collect();
    let estimate = estimate(settings, shape, &per_config, limits.threads);
    refuse(settings, src, &estimate, limits)?;
    Ok(estimate)
}

/// The error for an estimate above the memory cap or the work limit, placed at the key that dominates.
fn refuse(settings: &Settings, src: &SpecSource, e: &Estimate, limits: &Limits) -> Result<(), SpecError> {
    if let Some(cap) = limits.max_memory
        && e.total_bytes > cap as f64
    {
        let cap = bytes(cap as f64);
        let limit = if limits.from_flag {
            format!("the --max-memory cap of {cap}")
        } else {
            format!("the {cap} available (MemAvailable in /proc/meminfo)")
        };
        return Err(src.error(
            dominant_key(settings, e),
            format!(
                "the sweep needs {e}: more than {limit}; shrink what dominates, lower --threads, or raise \
                 --max-memory if you know better"
            ),
        ));
    }
    if e.multiply_adds > MAX_MULTIPLY_ADDS {
        return Err(src.error(
            e.work_key,
            format!(
                "the sweep would take {:.2e} multiply-adds (months of CPU time); allowed: at most \
                 {MAX_MULTIPLY_ADDS:.0e}; fewer epochs, runs or probes, or a smaller model. Estimate: {e}",
                e.multiply_adds
            ),
        ));
    }
    Ok(())
}

/// The spec key behind the largest share of the estimate.
fn dominant_key(settings: &Settings, e: &Estimate) -> &'static str {
    let data_key = match &settings.data.source {
        SourcePlan::Synthetic(s) if s.features > s.samples => "data.features",
        SourcePlan::Synthetic(_) => "data.samples",
        _ => "data.path",
    };
    let parts = [
        (e.data_bytes, data_key),
        (e.concurrent * e.param_bytes, "model.hidden"),
        (
            e.concurrent * e.workspace_bytes,
            if e.batch_dominates { "sweep.batch_sizes" } else { "model.hidden" },
        ),
        (
            e.shared_bytes - e.grid_bytes - e.arrow_bytes,
            if settings.landscape.is_some() { "landscape.points" } else { "experiment.repeats" },
        ),
        (e.grid_bytes, "landscape.grid"),
        (e.arrow_bytes, "landscape.arrows"),
        (e.figure_bytes, "plots.width"),
    ];
    parts.iter().fold((f64::MIN, "model.hidden"), |best, &(v, k)| if v > best.0 { (v, k) } else { best }).1
}

/// The network's shape for the memory model: the MLP of `model.hidden`, or the layer list fitted to the
/// example shape the estimate can know (`data.image_shape`, the digits' [1, 8, 8], else a square grey
/// image, as idx files hold); a list that does not fit yet is refused later, with its key, and counts
/// here as a softmax regression.
fn net_shape(settings: &Settings, shape: Shape) -> NetShape {
    let model = &settings.model;
    let Some(layers) = &model.layers else {
        let widths: Vec<f64> = model.hidden.iter().map(|&h| h as f64).chain([shape.outputs]).collect();
        return NetShape::dense(shape.features, &widths, model.bias);
    };
    let features = shape.features as usize;
    let side = (features as f64).sqrt().round() as usize;
    let input = match settings.data.image_shape {
        Some([channels, height, width]) => NetInput::Image { channels, height, width },
        None if side * side == features => NetInput::Image { channels: 1, height: side, width: side },
        None => NetInput::Flat(features),
    };
    let outputs = shape.outputs as usize;
    match Network::new(
        input,
        layers,
        outputs.max(1),
        model.activation,
        model.bias,
        crate::nn::Loss::MeanSquared,
    ) {
        Ok(net) => NetShape::of(&net),
        Err(_) => NetShape::dense(shape.features, &[shape.outputs], model.bias),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(hidden: &str) -> Settings {
        let text = format!(
            "[experiment]\nname = \"a\"\n[model]\nhidden = {hidden}\n[training]\nepochs = 2\nlearning_rate = 0.1\n\
             [sweep]\nbatch_sizes = [1, 100]\n[noise]\nevery = 0\n[plots]\nenabled = false\n"
        );
        let spec = toml::from_str(&text).expect("spec");
        let source = SpecSource { path: "spec.toml".into(), text, overrides: Vec::new() };
        super::super::check(&spec, &source).expect("a valid spec")
    }

    #[test]
    fn a_softmax_regression_counts_its_parameters_and_workspaces() {
        // 10 features -> 3 classes: 33 parameters x 12 bytes (the parameters and two gradients); workspaces at B = 100 and for evaluation (100
        // rows, all of N): 4 x 100 x (10 + 3 + 1 + 6) each, and the shuffle order of 100 indices.
        let shape = Shape { features: 10.0, outputs: 3.0, train: 100.0, test: 0.0 };
        let e = estimate(&spec("[]"), shape, &[1.0, 100.0], 4);
        assert_eq!(e.param_bytes, 33.0 * 12.0);
        // Each workspace also holds the norms' scratch once: the widest layer, 3 floats.
        assert_eq!(e.workspace_bytes, (4.0 * 100.0 * 20.0 + 4.0 * 3.0) * 2.0 + 8.0 * 100.0);
        assert_eq!(e.concurrent, 2.0);
        // 2 epochs x 100 examples x 3 x 30 weights + 3 evaluations x 100 x 30, for 2 runs.
        assert_eq!(e.multiply_adds, 2.0 * (2.0 * 100.0 * 90.0 + 3.0 * 100.0 * 30.0));
    }

    #[test]
    fn a_billion_unit_layer_needs_terabytes() {
        let shape = Shape { features: 64.0, outputs: 10.0, train: 1437.0, test: 360.0 };
        let e = estimate(&spec("[1000000000]"), shape, &[1.0], 1);
        assert!(e.total_bytes > 1e12, "{e}");
        assert_eq!(dominant_key(&spec("[1000000000]"), &e), "model.hidden");
    }
}
