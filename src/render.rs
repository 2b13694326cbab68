//! `plot`: re-renders every figure and the report of a results folder from its saved records, without
//! training. The sweep calls it at the end; `batchlab plot <dir>` calls it on demand.

use crate::error::Result;
use crate::figures;
use crate::records::{self, PlotReport};
use crate::report;
use crate::spec::{Format, PlotsSpec};
use std::path::Path;
use std::time::Instant;

/// Reads the results folder `dir`, renders its figures into `dir/figures/` and writes report.md and
/// report.html into `dir`, every file atomically. `plots` overrides the [plots] table of the saved spec.
pub fn plot(dir: &Path, plots: Option<&PlotsSpec>) -> Result<PlotReport> {
    let results = records::read_results(dir)?;
    let plots = plots.cloned().unwrap_or_else(|| results.spec.plots.clone());
    let started = Instant::now();
    let figures = figures::render(&results, &plots)?;
    let markdown = report::markdown(&results, &figures);
    let html = report::html(&results, &figures);
    let render_s = started.elapsed().as_secs_f64();
    let svg = plots.formats.contains(&Format::Svg);
    let files = records::write_plot_files(dir, &figures, svg, &markdown, &html)?;
    Ok(PlotReport { files, figures: figures.iter().map(|f| f.name.clone()).collect(), render_s })
}
