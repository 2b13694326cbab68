//! Which runs this process trains: its shard of the plan, less the runs a results folder already holds
//! complete (with `--resume`), and what an interrupted sweep says about what is done.

use super::Prepared;
use super::fingerprint::config_hash;
use crate::error::{Error, Result};
use crate::plan::shard::Shard;
use crate::plan::{Plan, RunConfig};
use crate::records::{self, RunFile, Stored};
use crate::schema::RunSummary;
use rayon::prelude::*;
use std::collections::HashSet;
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
    /// Runs of this shard whose folder is damaged, each with what is wrong: recomputed.
    pub damaged: Vec<(String, String)>,
    /// The shard, if any.
    pub shard: Option<Shard>,
}

/// The record of `run` in `output` when its folder is complete, every record matches its digest, and it
/// was computed from the same resolved configuration; `None` when absent, damaged or different.
pub fn completed(output: &Path, plan: &Plan, run: &RunConfig) -> Option<RunFile> {
    check(output, plan, run).ok().flatten()
}

/// The record of `run` in `output` when complete with this plan's configuration, `None` when absent or
/// computed from another configuration, or what is wrong with a damaged folder.
pub fn check(output: &Path, plan: &Plan, run: &RunConfig) -> Result<Option<RunFile>, String> {
    match records::stored_run(output, &run.id) {
        Stored::Intact(file) => {
            let expected = config_hash(plan.settings.provenance(), &plan.data_hash, run);
            Ok((file.config_hash == expected).then_some(*file))
        }
        Stored::Absent => Ok(None),
        Stored::Damaged(what) => Err(what),
    }
}

/// Chooses the runs to train: this shard's, less those complete on disk when resuming. With the
/// landscape on, a repeat is skipped only as a whole (its landscape written too), since the landscape
/// needs the parameter paths of all its runs, which live only in memory: the others are recomputed.
pub fn schedule(prepared: &Prepared, options: &Options) -> Schedule {
    let plan = &prepared.plan;
    let mine: Vec<&RunConfig> =
        plan.runs.iter().filter(|r| options.shard.is_none_or(|s| s.contains(r))).collect();
    // Checking a run reads and hashes all its records: in parallel.
    let states: Vec<Result<bool, String>> = mine
        .par_iter()
        .map(|r| if options.resume { check(plan.output(), plan, r).map(|f| f.is_some()) } else { Ok(false) })
        .collect();
    let damaged: Vec<(String, String)> = (mine.iter().zip(&states))
        .filter_map(|(r, s)| s.as_ref().err().map(|what| (r.id.clone(), what.clone())))
        .collect();
    let done: Vec<bool> = states.iter().map(|s| *s.as_ref().unwrap_or(&false)).collect();
    let todo: Vec<RunConfig> = if plan.settings.landscape.is_some() {
        let repeat_done = |repeat: u64| {
            records::landscape_written(plan.output(), repeat)
                && mine.iter().zip(&done).filter(|(r, _)| r.repeat == repeat).all(|(_, d)| *d)
        };
        mine.iter().filter(|r| !repeat_done(r.repeat)).map(|r| (*r).clone()).collect()
    } else {
        mine.iter().zip(&done).filter(|(_, d)| !**d).map(|(r, _)| (*r).clone()).collect()
    };
    Schedule { skipped: mine.len() - todo.len(), mine: mine.len(), todo, damaged, shard: options.shard }
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

/// What an interrupted sweep says: how many runs this invocation finished (naming a few), how many
/// complete runs from earlier invocations remain valid, and how many of this shard's runs are complete.
/// The binary adds the command that resumes.
pub fn interrupted(prepared: &Prepared, schedule: &Schedule, finished_now: &[RunSummary]) -> String {
    let plan = &prepared.plan;
    let now: HashSet<&str> = finished_now.iter().map(|s| s.run_id.as_str()).collect();
    let complete = plan
        .runs
        .iter()
        .filter(|r| schedule.shard.is_none_or(|s| s.contains(r)))
        .filter(|r| completed(plan.output(), plan, r).is_some())
        .count();
    let earlier = complete.saturating_sub(now.len());
    let shown: Vec<&str> = finished_now.iter().map(|s| s.run_id.as_str()).take(4).collect();
    let more = finished_now.len() - shown.len();
    let listed = match (shown.is_empty(), more) {
        (true, _) => String::new(),
        (false, 0) => format!(" ({})", shown.join(", ")),
        (false, _) => format!(" ({} and {more} more)", shown.join(", ")),
    };
    format!(
        "{} finished in this invocation{listed}, {earlier} from earlier invocations remain valid: {complete} \
         of {} runs complete in {}; the runs in flight were discarded",
        now.len(),
        schedule.mine,
        plan.output().display()
    )
}
