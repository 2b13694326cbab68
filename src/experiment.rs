//! One experiment end to end: read and validate the spec, load the data, plan, then run the sweep into
//! the results folder. Everything that can be refused is refused before the folder is touched.

use crate::data::{self, Dataset};
use crate::error::{Error, Result};
use crate::estimate::{self, Estimate, Limits, Shape};
use crate::plan::{self, Plan, RunConfig};
use crate::records::{self, RunSummary};
use crate::resume;
use crate::shard::Shard;
use crate::spec::{self, SpecSource};
use crate::sweep::{self, Progress};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The file in a results folder that holds the spec as run.
pub const SPEC_FILE: &str = "spec.toml";

/// A validated experiment, ready to run: the plan and the data it trains on.
pub struct Prepared {
    /// Where the spec came from.
    pub source: SpecSource,
    /// The runs.
    pub plan: Plan,
    /// The examples, split and standardised.
    pub data: Dataset,
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
    plan::check(&spec, &source)?;
    let base_dir = spec_path.parent().unwrap_or(Path::new("."));
    estimate::before_data(&spec, &source, base_dir, limits)?;
    let data =
        data::load(&spec.data, base_dir, spec.experiment.seed).map_err(|e| match e.spec_key.clone() {
            Some(key) => Error::Spec(source.error(&key, e.to_string())),
            None => Error::Data(e),
        })?;
    let mut plan = plan::build(&spec, &source, data.train.len())?;
    let shape = Shape {
        features: data.features() as f64,
        outputs: data.outputs as f64,
        train: data.train.len() as f64,
        test: data.test.len() as f64,
    };
    let estimate = estimate::after_plan(&plan, shape, &source, limits)?;
    plan.data_hash = resume::data_hash(&data);
    Ok(Prepared { source, plan, data, estimate })
}

/// The spec as it will be saved in the results folder: the resolved values, with a note on provenance.
pub fn spec_as_run(prepared: &Prepared) -> Result<String> {
    let body = toml::to_string_pretty(&prepared.plan.spec)
        .map_err(|e| Error::records(&prepared.source.path, format!("cannot serialise the spec: {e}")))?;
    let sets: Vec<&str> = prepared.source.overrides.iter().map(|(_, arg)| arg.as_str()).collect();
    let from = if sets.is_empty() { String::new() } else { format!(" with --set {}", sets.join(" --set ")) };
    Ok(format!(
        "# The spec as run: {}{from}, every default filled in.\n\n{body}",
        prepared.source.path.display()
    ))
}

/// How a sweep is run: which shard of the plan, whether to skip completed runs, whether to replace
/// another spec's results.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Skip every run whose folder is complete and whose configuration hash matches.
    pub resume: bool,
    /// Replace the results of a different spec in the output folder.
    pub force: bool,
    /// Run only this shard of the plan.
    pub shard: Option<Shard>,
}

/// Makes the results folder ready: refuses one that holds another spec's results unless `force`, and
/// combinations that would lose results (`--force` with shards, which would delete each other's runs).
pub fn prepare_output(prepared: &Prepared, options: &Options) -> Result<PathBuf> {
    let output = prepared.plan.output.clone();
    if let Some(shard) = options.shard {
        check_shardable(prepared, options, shard)?;
    }
    let text = spec_as_run(prepared)?;
    let saved = output.join(SPEC_FILE);
    if let Ok(existing) = std::fs::read_to_string(&saved)
        && strip_comments(&existing) != strip_comments(&text)
        && !options.force
    {
        return Err(Error::Refused(format!(
            "{} holds the results of a different spec ({}); choose another experiment.output, or pass --force to replace them",
            output.display(),
            saved.display()
        )));
    }
    if options.force {
        remove_results(&output)?;
    }
    records::write_bytes(&saved, text.as_bytes())?;
    Ok(output)
}

fn check_shardable(prepared: &Prepared, options: &Options, shard: Shard) -> Result<()> {
    if options.force {
        return Err(Error::Refused(format!(
            "--force with shard {shard} would let each shard delete the runs of the others; empty {} once \
             before starting the shards instead",
            prepared.plan.output.display()
        )));
    }
    if prepared.plan.spec.landscape.enabled {
        return Err(Error::Spec(prepared.source.error(
            "landscape.enabled",
            format!(
                "shard {shard}: the landscape needs the parameter paths of every run of a repeat in one \
                 process, so it cannot be sharded; run it without --shard, or set landscape.enabled = false"
            ),
        )));
    }
    Ok(())
}

/// Removes the runs, summary and landscape of a replaced spec.
fn remove_results(output: &Path) -> Result<()> {
    for dir in [records::RUNS, records::LANDSCAPE] {
        let path = output.join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    let summary = output.join(SUMMARY_FILE);
    if summary.exists() {
        std::fs::remove_file(&summary).map_err(|e| Error::io(&summary, e))?;
    }
    Ok(())
}

/// The file in a results folder with one row per run.
pub const SUMMARY_FILE: &str = "summary.csv";

/// What this process will do.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Runs to train, in plan order.
    pub todo: Vec<RunConfig>,
    /// Runs of this shard already complete (skipped by `--resume`).
    pub skipped: usize,
    /// Runs of this shard.
    pub mine: usize,
}

/// Chooses the runs to train: this shard's, less those complete on disk when resuming. With the
/// landscape on, a repeat is skipped only as a whole (its landscape written too), since the landscape
/// needs the parameter paths of all its runs, which live only in memory: the others are recomputed.
pub fn schedule(prepared: &Prepared, options: &Options) -> Schedule {
    let plan = &prepared.plan;
    let mine: Vec<&RunConfig> =
        plan.runs.iter().filter(|r| options.shard.is_none_or(|s| s.contains(r))).collect();
    let done = |r: &RunConfig| options.resume && resume::completed(&plan.output, plan, r).is_some();
    let todo: Vec<RunConfig> = if plan.spec.landscape.enabled {
        let repeat_done = |repeat: u64| {
            plan.output.join(records::LANDSCAPE).join(format!("rep{repeat}.csv")).exists()
                && mine.iter().filter(|r| r.repeat == repeat).all(|r| done(r))
        };
        mine.iter().filter(|r| !repeat_done(r.repeat)).map(|r| (*r).clone()).collect()
    } else {
        mine.iter().filter(|r| !done(r)).map(|r| (*r).clone()).collect()
    };
    Schedule { skipped: mine.len() - todo.len(), mine: mine.len(), todo }
}

/// How a sweep ended.
#[derive(Debug, Clone)]
pub enum Finished {
    /// Every run of the plan is complete; summary.csv is written. Summaries in plan order.
    Complete(Vec<RunSummary>),
    /// This shard is done but others are not: `complete` of `total` runs are on disk.
    Waiting {
        /// Runs of the whole plan complete on disk.
        complete: usize,
        /// Runs in the plan.
        total: usize,
    },
}

/// Trains the scheduled runs. Whoever finds every run of the plan complete afterwards writes summary.csv
/// (atomically, so two shards finishing together write the same file twice, harmlessly).
pub fn run(
    prepared: &Prepared,
    schedule: &Schedule,
    stop: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Finished> {
    let plan = &prepared.plan;
    if !schedule.todo.is_empty() {
        match sweep::run(plan, &schedule.todo, &prepared.data, stop, progress) {
            Err(Error::Interrupted(_)) => return Err(Error::Interrupted(interrupted(prepared, schedule))),
            other => drop(other?),
        }
    }
    finish(&plan.output, plan)
}

/// Reads every run of `plan` back from `output`; writes summary.csv when all are complete.
pub fn finish(output: &Path, plan: &Plan) -> Result<Finished> {
    let files: Vec<Option<RunSummary>> =
        plan.runs.iter().map(|r| resume::completed(output, plan, r).map(|f| f.summary)).collect();
    let complete = files.iter().filter(|f| f.is_some()).count();
    if complete < plan.runs.len() {
        return Ok(Finished::Waiting { complete, total: plan.runs.len() });
    }
    let summaries: Vec<RunSummary> = files.into_iter().flatten().collect();
    records::write_csv(&output.join(SUMMARY_FILE), &summaries)?;
    Ok(Finished::Complete(summaries))
}

/// What an interrupted sweep says: which runs are complete. The binary adds the command that resumes.
fn interrupted(prepared: &Prepared, schedule: &Schedule) -> String {
    let plan = &prepared.plan;
    let todo_done: Vec<&str> = schedule
        .todo
        .iter()
        .filter(|r| resume::completed(&plan.output, plan, r).is_some())
        .map(|r| r.id.as_str())
        .collect();
    let complete = schedule.skipped + todo_done.len();
    let listed = if todo_done.is_empty() { "none this time".to_string() } else { todo_done.join(", ") };
    format!(
        "{complete} of {} runs complete in {} (finished now: {listed}); the runs in flight were discarded",
        schedule.mine,
        plan.output.display()
    )
}

fn strip_comments(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}
