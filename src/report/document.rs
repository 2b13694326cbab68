//! The report of a results folder: pure renderers returning report.md and a self-contained report.html
//! (figures inlined as SVG), both from the same [`Table`]s and sentences. `records` writes them.

use super::table::escape;
use super::{conclusions, spec_view, summary};
use crate::analysis::Analysis;
use crate::figures::{Figure, Rendered};
use crate::records::Results;
use std::fmt::Write;

/// What the report shows besides the records: the figures, the charts left out, and the class names.
pub struct Extras<'a> {
    /// Figures and skipped charts.
    pub rendered: &'a Rendered,
    /// Class names, index order; empty for regression.
    pub classes: &'a [String],
}

/// report.md: the spec, the summary table per configuration, then every figure with its caption.
pub fn markdown(results: &Results, extras: &Extras<'_>, analysis: &Analysis) -> String {
    let settings = &results.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", settings.name);
    if let Some(d) = &settings.description {
        let _ = writeln!(out, "{d}\n");
    }
    if let Some(classes) = classes_line(extras.classes) {
        let _ = writeln!(out, "{classes}\n");
    }
    out.push_str(&conclusions::markdown(analysis));
    let _ = writeln!(out, "\n## Summary per batch size\n\n{}\n", summary::note(results));
    out.push_str(&summary::table(results, analysis).markdown());
    let _ = writeln!(out, "\n## Figures\n");
    for f in &extras.rendered.figures {
        let file = if f.png.is_some() { format!("{}.png", f.name) } else { format!("{}.svg", f.name) };
        let _ = writeln!(out, "![{}](figures/{file})\n\n*{}*\n", f.name, f.caption);
    }
    for (name, why) in &extras.rendered.skipped {
        let _ = writeln!(out, "- *{name}* not drawn: {why}.");
    }
    let spec = spec_view::applicable(&results.spec_text, results.settings.provenance());
    let _ = writeln!(out, "\n## Spec as run\n\n```toml\n{}\n```", spec.trim_end());
    out
}

/// report.html: the same content, self-contained, figures inlined as SVG, one per row, sized for print.
pub fn html(results: &Results, extras: &Extras<'_>, analysis: &Analysis) -> String {
    let settings = &results.settings;
    let name = escape(&settings.name);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{name}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<h1>{name}</h1>\n"
    );
    if let Some(d) = &settings.description {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }
    if let Some(classes) = classes_line(extras.classes) {
        let _ = writeln!(out, "<p>{}</p>", escape(&classes));
    }
    out.push_str(&conclusions::html(analysis));
    let _ = writeln!(out, "<h2>Summary per batch size</h2>\n<p>{}</p>", escape(&summary::note(results)));
    out.push_str(&summary::table(results, analysis).html());
    let _ = writeln!(out, "<h2>Figures</h2>");
    for f in &extras.rendered.figures {
        out.push_str(&figure(f));
    }
    if !extras.rendered.skipped.is_empty() {
        out.push_str("<ul>\n");
        for (name, why) in &extras.rendered.skipped {
            let _ = writeln!(out, "<li><em>{}</em> not drawn: {}.</li>", escape(name), escape(why));
        }
        out.push_str("</ul>\n");
    }
    let spec = spec_view::applicable(&results.spec_text, results.settings.provenance());
    let _ =
        writeln!(out, "<h2>Spec as run</h2>\n<pre><code>{}</code></pre>\n</body>\n</html>", escape(&spec));
    out
}

/// One figure, its SVG inlined.
fn figure(f: &Figure) -> String {
    format!(
        "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
        f.name,
        f.svg,
        escape(&f.caption)
    )
}

/// "Classes (index: label): 0: cat, 1: dog", or none without class names.
fn classes_line(classes: &[String]) -> Option<String> {
    const SHOWN: usize = 50;
    if classes.is_empty() {
        return None;
    }
    if classes.iter().enumerate().all(|(i, c)| *c == i.to_string()) {
        return Some(format!("Classes: {}, labelled by their index (classes.csv).", classes.len()));
    }
    let listed: Vec<String> =
        classes.iter().take(SHOWN).enumerate().map(|(i, c)| format!("{i}: {c}")).collect();
    let more = if classes.len() > SHOWN {
        format!(", … ({} in all, classes.csv)", classes.len())
    } else {
        String::new()
    };
    Some(format!("Classes (index: label): {}{more}.", listed.join(", ")))
}

/// Figures one per row at the full text width, so their text (2 % of the figure width) prints at about
/// 10 pt on A4 or Letter; tables scroll rather than squeeze.
pub(super) const CSS: &str = "body { font-family: 'DejaVu Sans', sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #282828; }
table { border-collapse: collapse; margin: 1em 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f2f2f2; }
figure { display: block; margin: 2em 0; width: 100%; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: #555; font-style: italic; margin-top: 0.4em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  figure { break-inside: avoid; page-break-inside: avoid; margin: 1em 0; }
  table { display: table; font-size: 8pt; }
  pre { white-space: pre-wrap; }
}
";
