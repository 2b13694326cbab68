//! The report of a results folder: pure renderers returning report.md and a self-contained report.html
//! (figures inlined as SVG), both from the same [`Table`]s and sentences. `records` writes them.

use super::table::{Table, escape};
use crate::analysis::{self, Analysis, stats};
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

const TRADEOFF_NOTE: &str = "Each batch size at the learning rate that reached the target in the fewest steps \
     (mean over repeats; every repeat must reach it). Times to the target are interpolated linearly between \
     epoch checkpoints. TV ratio = sum |L(t+1) − L(t)| / |L(first) − L(last)|, 1 for a monotone curve. \
     analysis.csv and analysis_runs.csv hold every number.";

/// report.md: the spec, the summary table per batch size, then every figure with its caption.
pub fn markdown(results: &Results, figures: &[Figure], analysis: &Analysis) -> String {
    let settings = &results.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", settings.name);
    if let Some(d) = &settings.description {
        let _ = writeln!(out, "{d}\n");
    }
    let _ = writeln!(out, "## Summary per batch size\n\n{}\n", spread_note(results));
    out.push_str(&summary(results).markdown());
    let _ =
        writeln!(out, "\n## Trade-offs\n\n{}. {TRADEOFF_NOTE}\n", capitalise(&analysis.target.describe()));
    out.push_str(&tradeoffs(analysis).markdown());
    let _ = writeln!(out, "\n{}\n", analysis.smoothness_verdict);
    let _ = writeln!(out, "{}.", capitalise(&analysis::text::critical_line(analysis)));
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
    let _ = writeln!(out, "<h2>Summary per batch size</h2>\n<p>{}</p>", escape(&spread_note(results)));
    out.push_str(&summary(results).html());
    let note = format!("{}. {TRADEOFF_NOTE}", capitalise(&analysis.target.describe()));
    let _ = writeln!(out, "<h2>Trade-offs</h2>\n<p>{}</p>", escape(&note));
    out.push_str(&tradeoffs(analysis).html());
    let _ = writeln!(out, "<p>{}</p>", escape(&analysis.smoothness_verdict));
    let _ = writeln!(out, "<p>{}.</p>", escape(&capitalise(&analysis::text::critical_line(analysis))));
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

/// The analysis as a terminal prints it: the target, the answer table, the critical batch size and the
/// smoothness verdict.
pub fn terminal(analysis: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", analysis.target.describe());
    out.push_str(&tradeoffs(analysis).text());
    let _ = writeln!(out, "{}", analysis::text::critical_line(analysis));
    let _ = writeln!(out, "{}", analysis.smoothness_verdict);
    out
}

/// The answer table: one row per batch size at its chosen rate.
fn tradeoffs(analysis: &Analysis) -> Table {
    let mut table = Table::new(&analysis::text::COLUMNS);
    analysis::text::rows(analysis).into_iter().for_each(|r| table.push(r));
    table
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
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
