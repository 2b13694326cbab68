//! One experiment end to end: read and validate the spec, load the data, plan, then run the sweep into
//! the results folder. Everything that can be refused is refused before the folder is touched.

use crate::data::{self, Dataset};
use crate::error::{Error, Result};
use crate::plan::{self, Plan};
use crate::records::{self, RunSummary};
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
}

/// Reads `spec_path`, applies `overrides`, loads the data and builds the plan. Writes nothing.
pub fn prepare(spec_path: &Path, overrides: &[String]) -> Result<Prepared> {
    let (spec, source) = spec::read(spec_path, overrides)?;
    plan::check(&spec, &source)?;
    let base_dir = spec_path.parent().unwrap_or(Path::new("."));
    let data =
        data::load(&spec.data, base_dir, spec.experiment.seed).map_err(|e| match e.spec_key.clone() {
            Some(key) => Error::Spec(source.error(&key, e.to_string())),
            None => Error::Data(e),
        })?;
    let plan = plan::build(&spec, &source, data.train.len())?;
    Ok(Prepared { source, plan, data })
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

/// Makes the results folder ready: refuses one that holds another spec's results unless `force`.
pub fn prepare_output(prepared: &Prepared, force: bool) -> Result<PathBuf> {
    let output = prepared.plan.output.clone();
    let text = spec_as_run(prepared)?;
    let saved = output.join(SPEC_FILE);
    if let Ok(existing) = std::fs::read_to_string(&saved)
        && strip_comments(&existing) != strip_comments(&text)
        && !force
    {
        return Err(Error::Refused(format!(
            "{} holds the results of a different spec ({}); choose another experiment.output, or pass --force to replace them",
            output.display(),
            saved.display()
        )));
    }
    if force && output.join(records::RUNS).exists() {
        let runs = output.join(records::RUNS);
        std::fs::remove_dir_all(&runs).map_err(|e| Error::io(&runs, e))?;
    }
    records::write_bytes(&saved, text.as_bytes())?;
    Ok(output)
}

/// Runs every planned configuration and writes summary.csv.
pub fn run(prepared: &Prepared, stop: &AtomicBool, progress: &dyn Progress) -> Result<Vec<RunSummary>> {
    let plan = &prepared.plan;
    let summaries = sweep::run(plan, &plan.runs, &prepared.data, stop, progress)?;
    records::write_csv(&plan.output.join("summary.csv"), &summaries)?;
    Ok(summaries)
}

fn strip_comments(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}
