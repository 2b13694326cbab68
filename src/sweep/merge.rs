//! `merge`: combines the results folders of shards of one spec (or completes one shared folder) into one
//! results folder, summary, figures and report, identical to a single-machine run of the spec.
//!
//! The plan is rebuilt from spec.toml and the training-set size recorded in every summary.json; a run is
//! taken from the first folder where it is complete with the configuration hash of that plan. Nothing is
//! written unless every run is found and every folder holds the same spec (the output path aside).

use super::{Finished, finish, resume};
use crate::error::{Error, Result};
use crate::plan::{self, Plan};
use crate::records::{self, RunFile, layout, same_folder};
use crate::schema::RunSummary;
use crate::spec::{Spec, SpecSource};
use std::path::{Path, PathBuf};

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged results folder.
    pub output: PathBuf,
    /// The plan as rebuilt from spec.toml.
    pub plan: Plan,
    /// One summary per run, in plan order.
    pub summaries: Vec<RunSummary>,
    /// Runs copied in from other folders.
    pub copied: usize,
}

/// Merges `dirs` into `into` (default: the first of `dirs`) and writes summary.csv there.
pub fn merge(dirs: &[PathBuf], into: Option<&Path>) -> Result<Merged> {
    let first =
        dirs.first().ok_or_else(|| Error::Refused("merge needs at least one results folder".into()))?;
    let output = into.unwrap_or(first).to_path_buf();
    let (spec, text) = same_spec(dirs)?;
    let plan = rebuild_plan(&spec, &text, first, dirs, &output)?;
    let sources = find_runs(&plan, dirs)?;
    let mut copied = 0;
    for (run, source) in plan.runs.iter().zip(&sources) {
        if !same_folder(source, &output) {
            records::copy_run(&layout::run_dir(source, &run.id), &output, &run.id)?;
            copied += 1;
        }
    }
    if records::saved_spec(&output).is_none() {
        records::write_spec(&output, &text)?;
    }
    for dir in dirs.iter().filter(|d| !same_folder(d, &output)) {
        records::copy_landscapes(dir, &output)?;
        records::copy_classes(dir, &output)?;
    }
    match finish(&output, &plan)? {
        Finished::Complete(summaries) => Ok(Merged { output, plan, summaries, copied }),
        Finished::Waiting { complete, total } => Err(Error::records(
            &output,
            format!(
                "only {complete} of {total} runs are complete after copying; is another process writing here?"
            ),
        )),
    }
}

/// Reads spec.toml of every folder; refuses folders whose specs differ in more than the output path.
fn same_spec(dirs: &[PathBuf]) -> Result<(Spec, String)> {
    let mut first: Option<(Spec, String, &Path)> = None;
    for dir in dirs {
        let (path, text) = records::read_spec_text(dir)?;
        let mut spec: Spec =
            toml::from_str(&text).map_err(|e| Error::records(&path, e.message().trim().to_string()))?;
        spec.experiment.output = None;
        match &first {
            None => first = Some((spec, text, dir)),
            Some((reference, _, other)) if *reference != spec => {
                return Err(Error::Refused(format!(
                    "{} and {} hold results of different specs; merge only the shards of one spec",
                    other.display(),
                    dir.display()
                )));
            }
            Some(_) => {}
        }
    }
    let (spec, text, _) =
        first.ok_or_else(|| Error::Refused("merge needs at least one results folder".into()))?;
    Ok((spec, text))
}

/// The plan of `spec` for the training-set size and data hash every run folder records.
fn rebuild_plan(spec: &Spec, text: &str, first: &Path, dirs: &[PathBuf], output: &Path) -> Result<Plan> {
    let files = run_files(dirs)?;
    let (n, data_hash) = match files.first() {
        Some((_, f)) => (f.train_examples, f.data_hash.clone()),
        None => return Err(Error::Refused(format!("no complete run folder under {}", list(dirs)))),
    };
    if let Some((dir, _)) = files.iter().find(|(_, f)| f.train_examples != n || f.data_hash != data_hash) {
        return Err(Error::records(
            dir.join(layout::RUN_SUMMARY),
            "trained on other data than the other runs (training-set size or data hash differ); merge only shards of one spec on the same data",
        ));
    }
    if data_hash.is_empty() {
        return Err(Error::Refused(
            "the run folders predate configuration hashes; re-run the sweep to merge it".into(),
        ));
    }
    let source = SpecSource { path: first.join(layout::SPEC), text: text.to_string(), overrides: Vec::new() };
    let mut settings = plan::check(spec, &source)?;
    settings.output = output.to_path_buf();
    let mut plan = plan::build(settings, &source, n)?;
    plan.data_hash = data_hash;
    Ok(plan)
}

/// Every complete run folder's summary.json under `dirs`.
fn run_files(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, RunFile)>> {
    let mut files = Vec::new();
    for dir in dirs {
        files.extend(records::run_files(dir)?);
    }
    Ok(files)
}

/// For every run of the plan, the first folder holding it complete; refuses when any is missing.
fn find_runs<'a>(plan: &Plan, dirs: &'a [PathBuf]) -> Result<Vec<&'a PathBuf>> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for run in &plan.runs {
        match dirs.iter().find(|d| resume::completed(d, plan, run).is_some()) {
            Some(dir) => found.push(dir),
            None => missing.push(format!("{} (index {})", run.id, run.index)),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    Err(Error::Refused(format!(
        "{} of {} runs are missing or incomplete in {}: {}; finish the shards that hold them (shard K/N holds \
         the runs whose index is K mod N; --resume skips what is done), then merge again",
        missing.len(),
        plan.runs.len(),
        list(dirs),
        missing.join(", ")
    )))
}

fn list(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}
