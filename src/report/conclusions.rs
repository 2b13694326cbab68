//! The conclusions section of the report (and of `analyze` on a terminal): warnings first, failed
//! configurations, the target, the answer table, then one sentence per conclusion with the numbers and
//! intervals it rests on (and the curvature ones when runs took curvature checkpoints). One list of blocks,
//! rendered to Markdown, HTML and plain text.

use super::table::{Table, escape};
use crate::analysis::curvature_text;
use crate::analysis::text::{self, capitalise, list, significant};
use crate::analysis::{Analysis, Tuning};

/// How the numbers were obtained; printed under the answer table.
const METHOD: &str = "Each batch size at its chosen learning rate: the fewest mean steps to the target among \
     the rates every repeat of which trained without failing and reached it (Shallue et al. 2018), else the \
     lowest mean final training loss. Means over the repeats of that rate, with 95 % Student t intervals \
     (none with fewer than 3 repeats). Steps to the target are interpolated between evaluation checkpoints \
     (evals.csv). Comparisons pair repeat r of the smallest and the largest batch size (same initial weights \
     and data order). Failed runs enter no mean, fit or verdict. analysis.csv and analysis_runs.csv hold \
     every number.";

/// One piece of the section.
enum Block {
    Heading(String),
    Paragraph(String),
    Bullets(Vec<String>),
    Table(Table),
}

/// The section's blocks.
fn blocks(a: &Analysis) -> Vec<Block> {
    let mut out = vec![Block::Heading("Conclusions".into())];
    if !a.warnings.is_empty() {
        out.push(Block::Paragraph("Read first:".into()));
        out.push(Block::Bullets(a.warnings.iter().map(|w| capitalise(w)).collect()));
    }
    if !a.failures.is_empty() {
        out.push(Block::Paragraph("Failed configurations (never counted as evidence):".into()));
        out.push(Block::Table(failures(a)));
    }
    if a.failed_runs == a.runs.len() {
        out.push(Block::Paragraph("No conclusion: every run failed.".into()));
        return out;
    }
    out.push(Block::Paragraph(format!("{}.", capitalise(&a.target.describe()))));
    out.push(Block::Paragraph(tuning(a)));
    let mut answers = Table::new(&text::COLUMNS);
    text::rows(a).into_iter().for_each(|r| answers.push(r));
    out.push(Block::Table(answers));
    out.push(Block::Paragraph(METHOD.into()));
    let [epoch, update] = text::smoothness(a);
    out.push(Block::Bullets(vec![
        epoch,
        update,
        text::generalisation(a),
        format!("{}.", capitalise(&text::critical_line(a))),
    ]));
    if let Some(scaling) = &a.rate_scaling {
        use crate::analysis::rate_scaling;
        if let Some(line) = rate_scaling::sentence(scaling) {
            out.push(Block::Paragraph(line));
        }
        if scaling.exponent.is_some() {
            let mut t = Table::new(&rate_scaling::COLUMNS);
            rate_scaling::rows(scaling).into_iter().for_each(|r| t.push(r));
            out.push(Block::Table(t));
        }
    }
    if let Some(c) = &a.curvature {
        out.push(Block::Paragraph("Curvature (curvature.csv):".into()));
        out.push(Block::Bullets(curvature_text::lines(c)));
        out.push(Block::Paragraph(curvature_text::METHOD.into()));
    }
    out
}

/// The failed configurations as a table.
fn failures(a: &Analysis) -> Table {
    let mut t = Table::new(&["batch size", "lr", "failed", "when", "likely cause"]);
    for f in &a.failures {
        t.push(vec![
            f.batch_label.clone(),
            significant(f.learning_rate),
            format!("{} of {}", f.failed, f.repeats),
            f.when.clone(),
            f.cause.clone().unwrap_or_else(|| "–".into()),
        ]);
    }
    t
}

/// Which batch sizes have a tuned (bracketed) rate.
fn tuning(a: &Analysis) -> String {
    let sizes = |t: Tuning| -> Vec<String> {
        a.batch_sizes.iter().filter(|b| b.tuning == t).map(|b| b.batch_size.to_string()).collect()
    };
    let tuned = sizes(Tuning::Bracketed);
    let untuned: Vec<String> = a
        .batch_sizes
        .iter()
        .filter(|b| b.tuning != Tuning::Bracketed)
        .map(|b| b.batch_size.to_string())
        .collect();
    match (tuned.is_empty(), untuned.is_empty()) {
        (false, true) => format!(
            "Learning rate tuned at every batch size (the best of at least three, inside the grid): B = {}.",
            list(&tuned)
        ),
        (true, _) => format!(
            "Learning rate tuned at no batch size (B = {}): differences below mix the batch size with how well one rate suits it.",
            list(&untuned)
        ),
        (false, false) => format!(
            "Learning rate tuned (best of at least three, inside the grid) at B = {}; not at B = {} (see the tuning column).",
            list(&tuned),
            list(&untuned)
        ),
    }
}

/// The section as Markdown.
pub fn markdown(a: &Analysis) -> String {
    let mut out = String::new();
    for block in blocks(a) {
        match block {
            Block::Heading(h) => out.push_str(&format!("\n## {h}\n\n")),
            Block::Paragraph(p) => out.push_str(&format!("{p}\n\n")),
            Block::Bullets(items) => {
                items.iter().for_each(|i| out.push_str(&format!("- {i}\n")));
                out.push('\n');
            }
            Block::Table(t) => {
                out.push_str(&t.markdown());
                out.push('\n');
            }
        }
    }
    out
}

/// The section as HTML.
pub fn html(a: &Analysis) -> String {
    let mut out = String::new();
    for block in blocks(a) {
        match block {
            Block::Heading(h) => out.push_str(&format!("<h2>{}</h2>\n", escape(&h))),
            Block::Paragraph(p) => out.push_str(&format!("<p>{}</p>\n", escape(&p))),
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                items.iter().for_each(|i| out.push_str(&format!("<li>{}</li>\n", escape(i))));
                out.push_str("</ul>\n");
            }
            Block::Table(t) => out.push_str(&t.html()),
        }
    }
    out
}

/// The section as plain text for a terminal (`analyze`).
pub fn terminal(a: &Analysis) -> String {
    let mut out = String::new();
    for block in blocks(a) {
        match block {
            Block::Heading(h) => out.push_str(&format!("{h}\n")),
            Block::Paragraph(p) => out.push_str(&format!("{p}\n")),
            Block::Bullets(items) => items.iter().for_each(|i| out.push_str(&format!("- {i}\n"))),
            Block::Table(t) => out.push_str(&t.text()),
        }
    }
    out
}
