//! Running one spec end to end: read and check it, load the data, plan, prepare the results folder, then
//! train the scheduled runs in parallel ([`parallel`], the only rayon code) and write the summary once every
//! run is complete. Everything that can be refused is refused before the folder is touched, and every run
//! is claimed before any trains, so two processes never write the same run. [`resume`] decides which runs
//! a folder already holds (checking every record against its digest), [`merge`] combines shards' folders,
//! [`memory`] measures each run's bytes, [`fingerprint`] hashes configurations and names the machine.

mod extend;
pub mod fingerprint;
pub mod memory;
pub mod merge;
pub mod parallel;
pub mod resume;

pub use parallel::Progress;
pub use resume::{Options, Schedule, schedule};

use crate::data::{self, Dataset};
use crate::error::{Error, Result};
use crate::plan::estimate::{self, Estimate, Shape};
use crate::plan::limits::Limits;
use crate::plan::{self, Plan};
use crate::records::{self, Claims, RunFile, Target};
use crate::schema::RunSummary;
use crate::spec::{self, SpecSource};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A checked experiment, ready to run: the plan and the data it trains on.
pub struct Prepared {
    /// Where the spec came from.
    pub source: SpecSource,
    /// The runs.
    pub plan: Plan,
    /// The examples, split and standardised.
    pub data: Dataset,
    /// The initial weights of every run (`model.init_from`), when given; else each repeat draws its own.
    pub init: Option<Vec<f32>>,
    /// Memory and work the sweep needs.
    pub estimate: Estimate,
}

/// Reads `spec_path`, applies `overrides`, loads the data and builds the plan, within the machine's
/// available memory and one worker per core. Writes nothing.
pub fn prepare(spec_path: &Path, overrides: &[String]) -> Result<Prepared> {
    prepare_with(spec_path, overrides, &Limits::new(None, rayon::current_num_threads()))
}

/// [`prepare`] within `limits`: the memory and work estimates are checked before the data is loaded
/// (from the spec alone) and again after the plan is built.
pub fn prepare_with(spec_path: &Path, overrides: &[String], limits: &Limits) -> Result<Prepared> {
    let (spec, source) = spec::read(spec_path, overrides)?;
    let settings = plan::check(&spec, &source)?;
    estimate::before_data(&settings, &source, limits)?;
    let data = data::load_within(&settings.data, settings.seed, limits.max_memory).map_err(|e| {
        match e.spec_key.clone() {
            Some(key) => Error::Spec(source.error(&key, e.to_string())),
            None => Error::Data(e),
        }
    })?;
    let mut plan = plan::build(settings, &source, data.train.len())?;
    plan::layers::network(&plan.settings, &data, &source)?;
    let shape = Shape {
        features: data.features() as f64,
        outputs: data.outputs as f64,
        train: data.train.len() as f64,
        test: data.test.len() as f64,
    };
    let estimate = estimate::after_plan(&plan, shape, &source, limits)?;
    let init = initial_weights(&plan, &data, &source, limits)?;
    plan.data_hash = fingerprint::inputs_hash(&data, init.as_deref());
    Ok(Prepared { source, plan, data, init, estimate })
}

/// The weights of `model.init_from`, read and checked against the network of the plan.
fn initial_weights(
    plan: &Plan,
    data: &Dataset,
    source: &SpecSource,
    limits: &Limits,
) -> Result<Option<Vec<f32>>> {
    let Some(path) = &plan.settings.model.init_from else { return Ok(None) };
    let key = "model.init_from";
    let bytes = data::read_weights(path, limits.max_memory)
        .map_err(|e| Error::Spec(source.error(key, e.to_string())))?;
    let net = parallel::network(&plan.settings, data);
    let params = crate::nn::weights::decode(&net, &bytes, path)
        .map_err(|e| Error::Spec(source.error(key, e.to_string())))?;
    Ok(Some(params))
}

/// The spec as it will be saved in the results folder: the resolved values, with a note on provenance.
pub fn spec_as_run(prepared: &Prepared) -> Result<String> {
    let body = toml::to_string_pretty(prepared.plan.settings.provenance())
        .map_err(|e| Error::records(&prepared.source.path, format!("cannot serialise the spec: {e}")))?;
    let sets: Vec<&str> = prepared.source.overrides.iter().map(|(_, arg)| arg.as_str()).collect();
    let from = if sets.is_empty() { String::new() } else { format!(" with --set {}", sets.join(" --set ")) };
    Ok(format!(
        "{}: {}{from}, every default filled in.\n\n{body}",
        records::layout::SPEC_MARK,
        prepared.source.path.display()
    ))
}

/// Makes the results folder ready: refuses a path that is not a folder or a folder that does not hold
/// batchlab results, one that holds another spec's results unless `force` (which removes them, while no
/// other process writes there), and combinations that would lose results (`--force` with shards, which
/// would delete each other's runs). Writes spec.toml.
pub fn prepare_output(prepared: &Prepared, options: &Options) -> Result<PathBuf> {
    let output = prepared.plan.output().to_path_buf();
    if let Some(shard) = options.shard {
        resume::check_shardable(prepared, options, shard)?;
    }
    let text = spec_as_run(prepared)?;
    if let Target::Results(existing) = records::inspect_output(&output)? {
        if !same_training(&existing, &text) && !options.force {
            return Err(Error::Refused(format!(
                "{} holds the results of a different spec ({}); choose another experiment.output, or pass --force to replace them",
                output.display(),
                output.join(records::layout::SPEC).display()
            )));
        }
        if options.force {
            records::remove_results(&output)?;
        }
    }
    records::create_output(&output)?;
    records::write_spec(&output, &text)?;
    records::write_classes(&output, &prepared.data.class_names)?;
    write_replay(prepared, &output)?;
    Ok(output)
}

/// split.csv and standardization.csv, and with `training.record_order` each repeat's example order.
fn write_replay(prepared: &Prepared, output: &Path) -> Result<()> {
    let data = &prepared.data;
    records::write_split(output, (&data.train_rows, &data.test_rows), &data.standardization)?;
    let (settings, n) = (&prepared.plan.settings, data.train.len());
    if settings.training.record_order {
        for repeat in 0..settings.repeats {
            let shuffle = settings.training.shuffle;
            let mut fill = |epoch: u64, order: &mut Vec<usize>| {
                order.resize(n, 0);
                crate::train::order::epoch_order(settings.seed, repeat, epoch, shuffle, order);
            };
            records::write_order(output, repeat, settings.training.epochs, &mut fill)?;
        }
    }
    Ok(())
}

/// Claims every run this process will train, so that no other process writes them meanwhile; refuses,
/// naming the other process, when one does. Dropping the claims releases them.
pub fn claim(prepared: &Prepared, schedule: &Schedule) -> Result<Claims> {
    Claims::acquire(prepared.plan.output(), schedule.todo.iter().map(|r| r.id.as_str()))
}

/// Whether the results folder holds this spec's runs under other `[plots]` or another description only:
/// a re-run then keeps the complete runs (as `--resume` does) and re-renders.
pub fn restyle_only(prepared: &Prepared) -> bool {
    let output = prepared.plan.output();
    match (records::saved_spec(output), spec_as_run(prepared)) {
        (Some(existing), Ok(text)) => {
            strip_comments(&existing) != strip_comments(&text) && same_training(&existing, &text)
        }
        _ => false,
    }
}

/// Whether two spec texts train the same runs: equal once name, output, description and `[plots]` are set
/// aside (what the configuration hash leaves out); texts that do not parse are compared as text.
fn same_training(a: &str, b: &str) -> bool {
    match (toml::from_str::<spec::Spec>(a), toml::from_str::<spec::Spec>(b)) {
        (Ok(x), Ok(y)) => fingerprint::hashed_part(&x) == fingerprint::hashed_part(&y),
        _ => strip_comments(a) == strip_comments(b),
    }
}

/// How a sweep ended.
#[derive(Debug, Clone)]
pub enum Finished {
    /// Every run of the plan is complete; summary.csv is written.
    Complete {
        /// Summaries in plan order.
        summaries: Vec<RunSummary>,
        /// What the folder's runs disagree on (kernel paths), for the person to see.
        warnings: Vec<String>,
    },
    /// This shard is done but others are not: `complete` of `total` runs are on disk.
    Waiting {
        /// Runs of the whole plan complete on disk.
        complete: usize,
        /// Runs in the plan.
        total: usize,
    },
}

/// Trains the scheduled runs, then, with `sweep.extend_grid`, one more rate beyond every unbracketed edge
/// per round until every optimum is bracketed or the rounds run out. Whoever finds every run of the plan
/// complete afterwards writes summary.csv (atomically, so two shards finishing together write the same file
/// twice, harmlessly).
pub fn run(
    prepared: &Prepared,
    schedule: &Schedule,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Finished> {
    let mut plan = prepared.plan.clone();
    let mut todo = schedule.todo.clone();
    // Runs added by extending the grid are claimed as they are planned, and released when the sweep ends.
    let mut claims = Vec::new();
    for round in 0..=plan.settings.sweep.extend_grid {
        if !todo.is_empty() {
            let inputs = parallel::Inputs { data: &prepared.data, init: prepared.init.as_deref() };
            let ran = parallel::run(&plan, &todo, inputs, stop, progress)?;
            if !ran.complete {
                return Err(Error::Interrupted(resume::interrupted(prepared, schedule, &ran.summaries)));
            }
        }
        if round == plan.settings.sweep.extend_grid || finish(plan.output(), &plan)?.is_waiting() {
            break;
        }
        let added = extend::extension(&plan)?;
        if added.is_empty() {
            break;
        }
        todo =
            added.iter().filter(|r| resume::completed(plan.output(), &plan, r).is_none()).cloned().collect();
        claims.push(Claims::acquire(plan.output(), todo.iter().map(|r| r.id.as_str()))?);
        progress.extended(&added);
        plan.runs.extend(added);
    }
    finish(plan.output(), &plan)
}

impl Finished {
    /// Whether runs of the plan are still missing.
    pub fn is_waiting(&self) -> bool {
        matches!(self, Finished::Waiting { .. })
    }
}

/// Reads every run of `plan` back from `output`, each checked against its digests; writes summary.csv
/// when all are complete.
pub fn finish(output: &Path, plan: &Plan) -> Result<Finished> {
    let files: Vec<Option<RunFile>> =
        plan.runs.par_iter().map(|r| resume::completed(output, plan, r)).collect();
    let complete = files.iter().filter(|f| f.is_some()).count();
    if complete < plan.runs.len() {
        return Ok(Finished::Waiting { complete, total: plan.runs.len() });
    }
    let files: Vec<RunFile> = files.into_iter().flatten().collect();
    let warnings = fingerprint::mixed_kernels(output, &files).into_iter().collect();
    let summaries: Vec<RunSummary> = files.into_iter().map(|f| f.summary).collect();
    records::write_summary(output, &summaries)?;
    Ok(Finished::Complete { summaries, warnings })
}

fn strip_comments(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}
