//! Which runs this process trains: its shard of the plan, less the runs a results folder already holds
//! complete (with `--resume`), and what an interrupted sweep says about what is done.

use super::Prepared;
use super::fingerprint::config_hash;
use crate::error::{Error, Result};
use crate::plan::shard::Shard;
use crate::plan::{Plan, RunConfig};
use crate::records::{self, RunFile};
use std::path::Path;

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

/// The record of `run` in `output` when its folder is complete and was computed from the same resolved
/// configuration; `None` when absent, unreadable or different.
pub fn completed(output: &Path, plan: &Plan, run: &RunConfig) -> Option<RunFile> {
    let file = records::completed_run(output, &run.id)?;
    let expected = config_hash(plan.settings.provenance(), &plan.data_hash, run);
    (file.config_hash == expected).then_some(file)
}

/// Chooses the runs to train: this shard's, less those complete on disk when resuming. With the
/// landscape on, a repeat is skipped only as a whole (its landscape written too), since the landscape
/// needs the parameter paths of all its runs, which live only in memory: the others are recomputed.
pub fn schedule(prepared: &Prepared, options: &Options) -> Schedule {
    let plan = &prepared.plan;
    let mine: Vec<&RunConfig> =
        plan.runs.iter().filter(|r| options.shard.is_none_or(|s| s.contains(r))).collect();
    let done = |r: &RunConfig| options.resume && completed(plan.output(), plan, r).is_some();
    let todo: Vec<RunConfig> = if plan.settings.landscape.is_some() {
        let repeat_done = |repeat: u64| {
            records::landscape_written(plan.output(), repeat)
                && mine.iter().filter(|r| r.repeat == repeat).all(|r| done(r))
        };
        mine.iter().filter(|r| !repeat_done(r.repeat)).map(|r| (*r).clone()).collect()
    } else {
        mine.iter().filter(|r| !done(r)).map(|r| (*r).clone()).collect()
    };
    Schedule { skipped: mine.len() - todo.len(), mine: mine.len(), todo }
}

/// Refuses shard options that would lose results or cannot work.
pub fn check_shardable(prepared: &Prepared, options: &Options, shard: Shard) -> Result<()> {
    if options.force {
        return Err(Error::Refused(format!(
            "--force with shard {shard} would let each shard delete the runs of the others; empty {} once \
             before starting the shards instead",
            prepared.plan.output().display()
        )));
    }
    if prepared.plan.settings.sweep.extend_grid > 0 {
        return Err(Error::Spec(prepared.source.error(
            "sweep.extend_grid",
            format!(
                "shard {shard}: extending the grid decides each next rate from every run of the previous round, \
                 so it needs the whole sweep in one process; run it without --shard, or set extend_grid = 0"
            ),
        )));
    }
    if prepared.plan.settings.landscape.is_some() {
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

/// What an interrupted sweep says: which runs are complete. The binary adds the command that resumes.
pub fn interrupted(prepared: &Prepared, schedule: &Schedule) -> String {
    let plan = &prepared.plan;
    let todo_done: Vec<&str> = schedule
        .todo
        .iter()
        .filter(|r| completed(plan.output(), plan, r).is_some())
        .map(|r| r.id.as_str())
        .collect();
    let complete = schedule.skipped + todo_done.len();
    let listed = if todo_done.is_empty() { "none this time".to_string() } else { todo_done.join(", ") };
    format!(
        "{complete} of {} runs complete in {} (finished now: {listed}); the runs in flight were discarded",
        schedule.mine,
        plan.output().display()
    )
}
