//! The report of a results folder: pure renderers returning report.md and a self-contained report.html
//! (figures inlined as SVG), both from the same [`Table`]s and sentences. `records` writes them.

use super::conclusions;
use super::table::{Table, escape};
use crate::analysis::{Analysis, stats};
use crate::figures::Figure;
use crate::figures::series::{Group, batch_label};
use crate::records::{Results, RunRecords};
use std::fmt::Write;

/// Column headers of the summary table.
const COLUMNS: [&str; 9] = [
    "batch size",
    "updates / epoch",
    "final train loss",
    "final test loss",
    "test accuracy",
    "train s",
    "examples / s",
    "B_simple start",
    "B_simple end",
];

/// report.md: the spec, the summary table per batch size, then every figure with its caption.
pub fn markdown(results: &Results, figures: &[Figure], analysis: &Analysis) -> String {
    let settings = &results.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", settings.name);
    if let Some(d) = &settings.description {
        let _ = writeln!(out, "{d}\n");
    }
    out.push_str(&conclusions::markdown(analysis));
    let _ = writeln!(out, "\n## Summary per batch size\n\n{}\n", spread_note(results));
    out.push_str(&summary(results).markdown());
    let _ = writeln!(out, "\n## Figures\n");
    for f in figures {
        let file = if f.png.is_some() { format!("{}.png", f.name) } else { format!("{}.svg", f.name) };
        let _ = writeln!(out, "![{}](figures/{file})\n\n*{}*\n", f.name, f.caption);
    }
    let _ = writeln!(out, "## Spec as run\n\n```toml\n{}\n```", results.spec_text.trim_end());
    out
}

/// report.html: the same content, self-contained, figures inlined as SVG.
pub fn html(results: &Results, figures: &[Figure], analysis: &Analysis) -> String {
    let settings = &results.settings;
    let name = escape(&settings.name);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{name}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<h1>{name}</h1>\n"
    );
    if let Some(d) = &settings.description {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }
    out.push_str(&conclusions::html(analysis));
    let _ = writeln!(out, "<h2>Summary per batch size</h2>\n<p>{}</p>", escape(&spread_note(results)));
    out.push_str(&summary(results).html());
    let _ = writeln!(out, "<h2>Figures</h2>");
    for f in figures {
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            f.name,
            f.svg,
            escape(&f.caption)
        );
    }
    let _ = writeln!(
        out,
        "<h2>Spec as run</h2>\n<pre><code>{}</code></pre>\n</body>\n</html>",
        escape(&results.spec_text)
    );
    out
}

const CSS: &str =
    "body { font-family: 'DejaVu Sans', sans-serif; max-width: 1000px; margin: 2em auto; color: #282828; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f2f2f2; }
figure { margin: 2em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-style: italic; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
";

fn spread_note(results: &Results) -> String {
    let repeats = results.settings.repeats;
    format!(
        "Mean over {repeats} repeat(s); accuracy shows the range over repeats in brackets. \
         B_simple is the gradient noise scale tr(Σ)/|G|² at the first and last checkpoint (noise.csv)."
    )
}

/// The summary table: one row per batch size (and rate).
fn summary(results: &Results) -> Table {
    let mut table = Table::new(&COLUMNS);
    crate::figures::series::groups(results).iter().for_each(|g| table.push(row(g)));
    table
}

fn row(g: &Group<'_>) -> Vec<String> {
    let s = |f: fn(&RunRecords) -> Option<f64>| -> Vec<f64> { g.runs.iter().filter_map(|r| f(r)).collect() };
    let first = g.runs[0].summary();
    vec![
        batch_label(g.batch_size, &first.batch_label).trim_start_matches("B = ").to_string(),
        first.updates_per_epoch.to_string(),
        mean(&s(|r| Some(r.summary().final_train_loss)), number),
        mean(&s(|r| r.summary().final_test_loss), number),
        with_range(&s(|r| r.summary().final_test_accuracy)),
        mean(&s(|r| Some(r.summary().train_time_s)), |v| format!("{v:.3}")),
        mean(&s(|r| Some(r.summary().examples_per_s)), |v| format!("{v:.0}")),
        mean(&s(|r| b_simple(r, true)), number),
        mean(&s(|r| b_simple(r, false)), number),
    ]
}

/// B_simple at the first (`start`) or last checkpoint of a run.
fn b_simple(run: &RunRecords, start: bool) -> Option<f64> {
    let noise = run.noise.as_ref()?;
    let row = if start { noise.iter().min_by_key(|n| n.epoch) } else { noise.iter().max_by_key(|n| n.epoch) };
    row.map(|n| n.b_simple)
}

fn mean(values: &[f64], fmt: fn(f64) -> String) -> String {
    stats::mean(values).map_or("–".into(), fmt)
}

fn with_range(values: &[f64]) -> String {
    match (stats::mean(values), stats::min_max(values)) {
        (Some(m), Some((lo, hi))) if values.len() > 1 => format!("{m:.3} ({lo:.3}–{hi:.3})"),
        (Some(m), _) => format!("{m:.3}"),
        _ => "–".into(),
    }
}

/// Four significant digits, scientific below 0.01.
fn number(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 { format!("{v:.3e}") } else { format!("{v:.4}") }
}
