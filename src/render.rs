//! `plot`: re-renders every figure and the report of a results folder from its saved records, without
//! training. The sweep calls it at the end; `batchlab plot <dir>` calls it on demand. `analyze` writes the
//! trade-off analysis alone.

use crate::analysis::{self, Analysis};
use crate::error::Result;
use crate::figures;
use crate::records::{self, PlotReport};
use crate::report;
use crate::spec::{Format, PlotsSpec};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Reads the results folder `dir`, renders its figures into `dir/figures/` and writes report.md and
/// report.html into `dir`, every file atomically. `plots` overrides the `[plots]` table of the saved spec.
pub fn plot(dir: &Path, plots: Option<&PlotsSpec>) -> Result<PlotReport> {
    let results = records::read_results(dir)?;
    let plots = plots.cloned().unwrap_or_else(|| results.spec.plots.clone());
    let started = Instant::now();
    let analysis = analysis::analyze(&results);
    let figures = figures::render(&results, &plots, &analysis)?;
    let markdown = report::markdown(&results, &figures, &analysis);
    let html = report::html(&results, &figures, &analysis);
    let render_s = started.elapsed().as_secs_f64();
    let svg = plots.formats.contains(&Format::Svg);
    let mut files = write_analysis(dir, &analysis)?;
    files.extend(records::write_plot_files(dir, &figures, svg, &markdown, &html)?);
    Ok(PlotReport { files, figures: figures.iter().map(|f| f.name.clone()).collect(), render_s })
}

/// `analyze`: reads the results folder `dir`, analyses it and writes analysis.json, analysis.csv (one row
/// per batch size) and analysis_runs.csv (one row per run) into it; no figures.
pub fn analyze(dir: &Path) -> Result<(Analysis, Vec<PathBuf>)> {
    let results = records::read_results(dir)?;
    let analysis = analysis::analyze(&results);
    let files = write_analysis(dir, &analysis)?;
    Ok((analysis, files))
}

fn write_analysis(dir: &Path, analysis: &Analysis) -> Result<Vec<PathBuf>> {
    let files = [dir.join("analysis.json"), dir.join("analysis.csv"), dir.join("analysis_runs.csv")];
    records::write_json(&files[0], analysis)?;
    records::write_csv(&files[1], &analysis.batch_sizes)?;
    records::write_csv(&files[2], &analysis.runs)?;
    Ok(files.to_vec())
}
