//! `merge`: combines the results folders of shards of one spec (or completes one shared folder) into one
//! results folder, summary, figures and report, identical to a single-machine run of the spec.
//!
//! The plan is rebuilt from spec.toml and the training-set size recorded in every summary.json; a run is
//! taken from the first folder where it is complete, intact (every record matches its digest) and of the
//! configuration hash of that plan. Nothing is written unless every run is found, every folder holds the
//! same spec (the output path aside) and the target folder is new, empty or of that spec too.

use super::{Finished, finish, resume};
use crate::error::{Error, Result};
use crate::plan::{self, Plan, RunConfig};
use crate::records::{self, Claims, RunFile, Target, layout, same_folder};
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
    /// What the merged runs disagree on (kernel paths), for the person to see.
    pub warnings: Vec<String>,
}

/// Merges `dirs` into `into` (default: the first of `dirs`) and writes summary.csv there. Every run is
/// checked against its digests; a folder holding another spec's results is never merged into.
pub fn merge(dirs: &[PathBuf], into: Option<&Path>) -> Result<Merged> {
    let first =
        dirs.first().ok_or_else(|| Error::Refused("merge needs at least one results folder".into()))?;
    let output = into.unwrap_or(first).to_path_buf();
    let (spec, text) = same_spec(dirs)?;
    if !dirs.iter().any(|d| same_folder(d, &output)) {
        check_into(&output, &spec, first)?;
    }
    let plan = rebuild_plan(&spec, &text, first, dirs, &output)?;
    let sources = find_runs(&plan, dirs)?;
    let copies: Vec<(&RunConfig, &PathBuf)> =
        plan.runs.iter().zip(sources).filter(|(_, source)| !same_folder(source, &output)).collect();
    records::create_output(&output)?;
    let claims = Claims::acquire(&output, copies.iter().map(|(run, _)| run.id.as_str()))?;
    for (run, source) in &copies {
        records::copy_run(&layout::run_dir(source, &run.id), &output, &run.id)?;
    }
    if records::saved_spec(&output).is_none() {
        records::write_spec(&output, &text)?;
    }
    for dir in dirs.iter().filter(|d| !same_folder(d, &output)) {
        records::copy_landscapes(dir, &output)?;
        records::copy_classes(dir, &output)?;
        records::copy_replay(dir, &output)?;
    }
    drop(claims);
    let copied = copies.len();
    match finish(&output, &plan)? {
        Finished::Complete { summaries, warnings } => {
            Ok(Merged { output, plan, summaries, copied, warnings })
        }
        Finished::Waiting { complete, total } => Err(Error::records(
            &output,
            format!(
                "only {complete} of {total} runs are complete after copying; is another process writing here?"
            ),
        )),
    }
}

/// Refuses to merge into `into` when it holds something other than the results of `spec` (or nothing),
/// naming both specs.
fn check_into(into: &Path, spec: &Spec, first: &Path) -> Result<()> {
    let Target::Results(text) = records::inspect_output(into)? else { return Ok(()) };
    let path = into.join(layout::SPEC);
    let mut theirs: Spec =
        toml::from_str(&text).map_err(|e| Error::records(&path, e.message().trim().to_string()))?;
    theirs.experiment.output = None;
    if theirs == *spec {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{} holds the results of another spec (`{}`) than {} (`{}`); merge into a new or empty folder, or \
         into a folder of the same spec",
        path.display(),
        theirs.experiment.name,
        first.join(layout::SPEC).display(),
        spec.experiment.name
    )))
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

/// For every run of the plan, the first folder holding it complete and intact; refuses when any is
/// missing, naming what is wrong with the damaged ones.
fn find_runs<'a>(plan: &Plan, dirs: &'a [PathBuf]) -> Result<Vec<&'a PathBuf>> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for run in &plan.runs {
        let mut damage = Vec::new();
        let mut source = None;
        for dir in dirs {
            match resume::check(dir, plan, run) {
                Ok(Some(_)) => {
                    source = Some(dir);
                    break;
                }
                Ok(None) => {}
                Err(what) => damage.push(format!("damaged in {}: {what}", dir.display())),
            }
        }
        match source {
            Some(dir) => found.push(dir),
            None if damage.is_empty() => missing.push(format!("{} (index {})", run.id, run.index)),
            None => missing.push(format!("{} (index {}; {})", run.id, run.index, damage.join("; "))),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    Err(Error::Refused(format!(
        "{} of {} runs are missing, incomplete or damaged in {}: {}; finish the shards that hold them (shard \
         K/N holds the runs whose index is K mod N; --resume skips what is done and recomputes what is \
         damaged), then merge again",
        missing.len(),
        plan.runs.len(),
        list(dirs),
        missing.join(", ")
    )))
}

fn list(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}
