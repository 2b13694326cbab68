//! `plot` and `analyze`: everything derived from a results folder's saved records, without training. The
//! sweep calls [`plot`] at the end; `batchlab plot <dir>` calls it on demand; [`analyze`] writes the
//! trade-off analysis alone. [`document`] renders report.md and report.html from one [`table`] model.

pub mod conclusions;
pub mod document;
pub mod spec_view;
pub mod summary;
pub mod table;
pub mod variants;

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
/// With `sweep.variants`, each variant gets all of that in `variants/<name>/` and the top report compares
/// them.
pub fn plot(dir: &Path, plots: Option<&PlotsSpec>) -> Result<PlotReport> {
    let results = records::read_results(dir)?;
    let plots = plots.cloned().unwrap_or_else(|| results.settings.plots.clone());
    let names = variants::names(&results);
    if names.is_empty() {
        return Ok(plot_one(&results, &plots, dir)?.0);
    }
    let started = Instant::now();
    let mut whole = PlotReport {
        files: Vec::new(),
        figures: Vec::new(),
        skipped: Vec::new(),
        render_s: 0.0,
        warnings: Vec::new(),
    };
    let mut analyses = Vec::new();
    for name in &names {
        let (report, analysis) = plot_one(&variants::only(&results, name), &plots, dir)?;
        whole.files.extend(report.files);
        whole.figures.extend(report.figures.iter().map(|f| format!("{name}/{f}")));
        whole.skipped.extend(report.skipped.into_iter().map(|(f, why)| (format!("{name}/{f}"), why)));
        whole.warnings.extend(report.warnings.iter().map(|w| format!("{name}: {w}")));
        analyses.push(analysis);
    }
    let (markdown, html) = variant_documents(&results, &names, &analyses);
    whole.files.extend(records::write_reports(dir, &markdown, &html)?);
    whole.render_s = started.elapsed().as_secs_f64();
    Ok(whole)
}

/// The analysis, figures and reports of `results` (one variant's runs, or every run), written into
/// `results.dir`; `root` is the results folder (classes.csv).
fn plot_one(results: &Results, plots: &PlotsSpec, root: &Path) -> Result<(PlotReport, Analysis)> {
    let dir = results.dir.as_path();
    let started = Instant::now();
    let analysis = analysis::analyze(results);
    let rendered = figures::render(results, plots, &analysis)?;
    let classes = records::read_classes(root)?;
    let extras = document::Extras { rendered: &rendered, classes: &classes };
    let markdown = document::markdown(results, &extras, &analysis);
    let html = document::html(results, &extras, &analysis);
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
    let report = PlotReport {
        files,
        figures: names,
        skipped: rendered.skipped,
        render_s,
        warnings: analysis.warnings.clone(),
    };
    Ok((report, analysis))
}

/// report.md and report.html of a sweep with variants: the comparison of every variant with the first.
fn variant_documents(results: &Results, names: &[String], analyses: &[Analysis]) -> (String, String) {
    let updates = |id: &str| {
        results.runs.iter().find(|r| r.file.config.id == id).map_or(f64::NAN, |r| r.summary().updates as f64)
    };
    let tables: Vec<(String, Table, String)> = names
        .iter()
        .zip(analyses)
        .skip(1)
        .map(|(name, a)| {
            let shared = variants::compare(&analyses[0], a, &updates);
            let updates = variants::updates_line(&names[0], name, &shared);
            (format!("{name} against {}", names[0]), variants::table(&names[0], name, &shared), updates)
        })
        .collect();
    let settings = &results.settings;
    let description = settings.description.as_deref().map_or(String::new(), |d| format!("{d}\n\n"));
    let spec = spec_view::applicable(&results.spec_text, settings.provenance());
    let markdown = format!(
        "# {}\n\n{description}{}\n## Spec as run\n\n```toml\n{}\n```\n",
        settings.name,
        variants::markdown(names, &tables),
        spec.trim_end()
    );
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n<style>\n{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
        table::escape(&settings.name),
        document::CSS
    );
    for (name, _) in names.iter().zip(analyses) {
        html.push_str(&format!("<p><a href=\"variants/{0}/report.html\">{0}</a></p>\n", table::escape(name)));
    }
    for (title, t, updates) in &tables {
        html.push_str(&format!(
            "<h2>{}</h2>\n{}<p>{}</p>\n",
            table::escape(title),
            t.html(),
            table::escape(updates)
        ));
    }
    html.push_str(&format!(
        "<h2>Spec as run</h2>\n<pre><code>{}</code></pre>\n</body>\n</html>\n",
        table::escape(&spec)
    ));
    (markdown, html)
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

/// An analysis and the variant it is of (empty without variants).
pub type Named = (String, Analysis);

/// `analyze`: reads the results folder `dir`, analyses it and writes analysis.json, analysis.csv (one row
/// per batch size) and analysis_runs.csv (one row per run) into it; no figures. With `sweep.variants`, one
/// analysis per variant (named), in `variants/<name>/`.
pub fn analyze(dir: &Path) -> Result<(Vec<Named>, Vec<PathBuf>)> {
    let results: Results = records::read_results(dir)?;
    let names = variants::names(&results);
    if names.is_empty() {
        let analysis = analysis::analyze(&results);
        let files = write_analysis(dir, &analysis)?;
        return Ok((vec![(String::new(), analysis)], files));
    }
    let (mut analyses, mut files) = (Vec::new(), Vec::new());
    for name in names {
        let only = variants::only(&results, &name);
        let analysis = analysis::analyze(&only);
        files.extend(write_analysis(&only.dir, &analysis)?);
        analyses.push((name, analysis));
    }
    Ok((analyses, files))
}

fn write_analysis(dir: &Path, analysis: &Analysis) -> Result<Vec<PathBuf>> {
    records::write_analysis(dir, analysis, &analysis.batch_sizes, &analysis.runs)
}
