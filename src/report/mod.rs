//! `plot` and `analyze`: everything derived from a results folder's saved records, without training. The
//! sweep calls [`plot`] at the end; `batchlab plot <dir>` calls it on demand; [`analyze`] writes the
//! trade-off analysis alone. [`document`] renders report.md and report.html from one [`table`] model.

pub mod conclusions;
pub mod document;
pub mod spec_view;
pub mod summary;
pub mod table;

pub use table::Table;

use crate::analysis::{self, Analysis};
use crate::error::{Error, Result, SpecError};
use crate::figures;
use crate::records::{self, Results};
use crate::spec::{Format, PlotsSpec};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a `plot` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotReport {
    /// Every file written: the analysis, the figures, then report.md and report.html.
    pub files: Vec<PathBuf>,
    /// The figures' names, in report order.
    pub figures: Vec<String>,
    /// (figure, why it was not drawn), as the report lists them.
    pub skipped: Vec<(String, String)>,
    /// Seconds spent rendering (reading and writing excluded).
    pub render_s: f64,
    /// The analysis's warnings, for the person at the terminal to see on stderr too.
    pub warnings: Vec<String>,
}

/// Reads the results folder `dir`, renders its figures into `dir/figures/` and writes report.md and
/// report.html into `dir`, every file atomically. `plots` overrides the `[plots]` table of the saved spec.
pub fn plot(dir: &Path, plots: Option<&PlotsSpec>) -> Result<PlotReport> {
    let results = records::read_results(dir)?;
    let plots = plots.cloned().unwrap_or_else(|| results.settings.plots.clone());
    let started = Instant::now();
    let analysis = analysis::analyze(&results);
    let rendered = figures::render(&results, &plots, &analysis)?;
    let classes = records::read_classes(dir)?;
    let extras = document::Extras { rendered: &rendered, classes: &classes };
    let markdown = document::markdown(&results, &extras, &analysis);
    let html = document::html(&results, &extras, &analysis);
    let render_s = started.elapsed().as_secs_f64();
    let mut files = write_analysis(dir, &analysis)?;
    let svg = plots.formats.contains(&Format::Svg);
    for figure in &rendered.figures {
        if svg {
            files.push(records::write_figure(dir, &figure.name, "svg", figure.svg.as_bytes())?);
        }
        if let Some(png) = &figure.png {
            files.push(records::write_figure(dir, &figure.name, "png", png)?);
        }
    }
    files.extend(records::write_reports(dir, &markdown, &html)?);
    let names = rendered.figures.iter().map(|f| f.name.clone()).collect();
    Ok(PlotReport {
        files,
        figures: names,
        skipped: rendered.skipped,
        render_s,
        warnings: analysis.warnings.clone(),
    })
}

/// The `[plots]` of the results folder `dir` with `overrides` (`plots.KEY=VALUE`, as `--set`) applied and
/// checked like any spec value. Only `[plots]` may change: everything else shaped the records.
pub fn plots_with(dir: &Path, overrides: &[String]) -> Result<PlotsSpec> {
    let (path, _) = records::read_spec_text(dir)?;
    for arg in overrides {
        let key = arg.split_once('=').map_or(arg.as_str(), |(k, _)| k.trim());
        if !key.starts_with("plots.") {
            return Err(Error::Spec(SpecError {
                file: path.clone(),
                origin: crate::error::Origin::Override(arg.clone()),
                key: key.to_string(),
                message: "plot re-renders saved records, so only plots.* keys can change; re-run the sweep to change anything else".into(),
            }));
        }
    }
    let (spec, source) = crate::spec::read(&path, overrides)?;
    Ok(crate::plan::check(&spec, &source)?.plots)
}

/// `analyze`: reads the results folder `dir`, analyses it and writes analysis.json, analysis.csv (one row
/// per batch size) and analysis_runs.csv (one row per run) into it; no figures.
pub fn analyze(dir: &Path) -> Result<(Analysis, Vec<PathBuf>)> {
    let results: Results = records::read_results(dir)?;
    let analysis = analysis::analyze(&results);
    let files = write_analysis(dir, &analysis)?;
    Ok((analysis, files))
}

fn write_analysis(dir: &Path, analysis: &Analysis) -> Result<Vec<PathBuf>> {
    records::write_analysis(dir, analysis, &analysis.batch_sizes, &analysis.runs)
}
