//! The results folder as a target, before a sweep or a merge writes into it: what it holds (nothing, or
//! the results of a spec; anything else is refused, so batchlab never writes among a user's own files),
//! and replacing a spec's results, which removes every file batchlab writes there and only those.

use super::claim;
use super::layout::{self, FIGURES, LANDSCAPE, ORDER, RUNS, SPEC, SPEC_MARK, VARIANTS};
use crate::error::{Error, Result};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

/// What a results folder holds before a sweep or a merge writes into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing: the folder is absent or empty.
    New,
    /// The results of a spec: the text of its spec.toml.
    Results(String),
}

/// What `output` holds. Refuses (as bad input) a path that is not a folder, and a folder of files that
/// are not batchlab results (one whose spec.toml batchlab did not write).
pub fn inspect_output(output: &Path) -> Result<Target> {
    let unusable = |e: std::io::Error| {
        Error::Refused(format!("cannot use {} as the results folder: {e}", output.display()))
    };
    match fs::metadata(output) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Target::New),
        Err(e) => return Err(unusable(e)),
        Ok(m) if !m.is_dir() => {
            return Err(Error::Refused(format!(
                "the results folder {} is a file, not a folder; choose another experiment.output",
                output.display()
            )));
        }
        Ok(_) => {}
    }
    // A process starting at the same moment (a shard, say) may be writing spec.toml under a temporary name.
    let entries = fs::read_dir(output).map_err(unusable)?;
    let Some(first) = entries.flatten().find(|e| !is_temporary(&e.file_name().to_string_lossy())) else {
        return Ok(Target::New);
    };
    match fs::read_to_string(output.join(SPEC)) {
        Ok(text) if text.starts_with(SPEC_MARK) => Ok(Target::Results(text)),
        _ => Err(Error::Refused(format!(
            "{} is not a batchlab results folder (it holds `{}` and no {SPEC} written by batchlab); \
             choose a new or empty folder",
            output.display(),
            first.file_name().to_string_lossy()
        ))),
    }
}

/// Creates the results folder; a path that cannot be one is bad input.
pub fn create_output(output: &Path) -> Result<()> {
    fs::create_dir_all(output)
        .map_err(|e| Error::Refused(format!("cannot create the results folder {}: {e}", output.display())))
}

/// Files batchlab writes at the top of a results folder (spec.toml aside, which is rewritten), besides
/// the derived ones.
const WRITTEN: [&str; 4] = [layout::SUMMARY, layout::CLASSES, layout::SPLIT, layout::STANDARDIZATION];

/// Files `plot` and `analyze` write into a results folder and into each variant's folder.
const DERIVED: [&str; 5] = [
    layout::ANALYSIS_JSON,
    layout::ANALYSIS_CSV,
    layout::ANALYSIS_RUNS_CSV,
    layout::REPORT_MD,
    layout::REPORT_HTML,
];

/// Removes the results of a replaced spec: runs, loss grids, summary, analysis, report and figures (the
/// variants' too), the replay files (split, standardisation, orders), and the temporary files of
/// interrupted writes; a user's own files stay. Refused while another process writes there.
pub fn remove_results(output: &Path) -> Result<()> {
    if let Some(h) = claim::live_holder(output) {
        return Err(Error::Refused(format!(
            "{} is being written by another batchlab process (pid {} on host {}, {}); --force would delete \
             its runs: wait for it to finish, or stop it",
            output.display(),
            h.pid,
            h.host,
            h.claim.display()
        )));
    }
    remove_runs(&output.join(RUNS))?;
    remove_matching(&output.join(LANDSCAPE), |n| n.starts_with("rep") && n.ends_with(".csv"))?;
    remove_derived(output)?;
    if let Ok(entries) = fs::read_dir(output.join(VARIANTS)) {
        for variant in entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
            remove_derived(&variant)?;
            let _ = fs::remove_dir(&variant);
        }
    }
    remove_matching(&output.join(ORDER), |n| n.starts_with("rep") && n.ends_with(".csv"))?;
    remove_matching(output, |n| WRITTEN.contains(&n))?;
    for dir in [LANDSCAPE, RUNS, ORDER, VARIANTS] {
        let _ = fs::remove_dir(output.join(dir)); // only when empty: a user's file keeps its folder
    }
    Ok(())
}

/// Removes what `plot` and `analyze` wrote into `dir` (the results folder, or a variant's folder): the
/// figures, the analysis and the reports.
fn remove_derived(dir: &Path) -> Result<()> {
    remove_matching(&dir.join(FIGURES), |n| n.ends_with(".svg") || n.ends_with(".png"))?;
    let _ = fs::remove_dir(dir.join(FIGURES)); // only when empty: a user's file keeps its folder
    remove_matching(dir, |n| DERIVED.contains(&n))
}

/// Removes the run folders under `runs` and the hidden files beside them (partial runs, stale claims).
fn remove_runs(runs: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(runs) else { return Ok(()) };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        } else if entry.file_name().to_string_lossy().starts_with('.') {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Removes the files of `dir` whose names match `ours`, and batchlab's temporary files.
fn remove_matching(dir: &Path, ours: impl Fn(&str) -> bool) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_file() && (ours(&name) || is_temporary(&name)) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Whether `name` is a temporary file of an atomic write: `<name>.<pid>-<n>.tmp`.
pub(super) fn is_temporary(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".tmp") else { return false };
    let Some((_, tag)) = stem.rsplit_once('.') else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    tag.split_once('-').is_some_and(|(pid, n)| digits(pid) && digits(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_temporary_names_of_atomic_writes_count_as_temporary() {
        assert!(is_temporary("report.md.1234-0.tmp") && is_temporary("rep0.csv.7-12.tmp"));
        assert!(!is_temporary("notes.tmp") && !is_temporary("a.12.tmp") && !is_temporary("a.x-1.tmp"));
    }

    #[test]
    fn a_folder_is_new_results_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert_eq!(inspect_output(&out).unwrap(), Target::New);
        fs::create_dir(&out).unwrap();
        fs::write(out.join("spec.toml.12-0.tmp"), "being written").unwrap();
        assert_eq!(inspect_output(&out).unwrap(), Target::New);
        fs::write(out.join(SPEC), "[experiment]\n").unwrap();
        assert!(inspect_output(&out).unwrap_err().to_string().contains("not a batchlab results folder"));
        fs::write(out.join(SPEC), format!("{SPEC_MARK}: x\n")).unwrap();
        assert!(matches!(inspect_output(&out).unwrap(), Target::Results(_)));
        assert!(inspect_output(&out.join(SPEC)).unwrap_err().to_string().contains("not a folder"));
    }
}
