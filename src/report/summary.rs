//! The report's summary table: one row per configuration (batch size and learning rate), means over the
//! repeats that did not fail, with the number of completed and failed repeats. Numbers carry three
//! significant figures, a column switches to powers of ten as a whole when it holds very large or very
//! small values, and times under 10 ms (the timer's noise on a loaded machine) read "< 0.01" with no
//! speed computed from them.

use super::table::{Table, column};
use crate::analysis::{Analysis, stats};
use crate::records::{Results, RunRecords};

/// Column headers.
const COLUMNS: [&str; 11] = [
    "batch size",
    "learning rate",
    "repeats",
    "failed",
    "updates / epoch",
    "final train loss",
    "final test loss",
    "test accuracy",
    "train s",
    "examples / s",
    "B_simple start → end",
];

/// Training times below this are at the timer's noise level.
const TIMER_NOISE_S: f64 = 0.01;

/// The note above the table.
pub fn note(results: &Results) -> String {
    let repeats = results.settings.repeats;
    format!(
        "One row per batch size and learning rate; means over the repeats that did not fail (of {repeats}; a run \
         fails when it diverges or ends above its initial training loss); accuracy shows the range over repeats \
         in brackets. Times under 0.01 s are below the timer's noise and give no speed. B_simple is the gradient \
         noise scale tr(Σ)/|G|² at the first and last checkpoint (noise.csv)."
    )
}

/// One configuration's repeats.
struct Row<'a> {
    runs: Vec<&'a RunRecords>,
    healthy: Vec<&'a RunRecords>,
}

/// The table.
pub fn table(results: &Results, analysis: &Analysis) -> Table {
    let (keys, rows) = rows(results, analysis);
    let mean = |f: &dyn Fn(&RunRecords) -> Option<f64>| -> Vec<Option<f64>> {
        rows.iter()
            .map(|r| stats::mean(&r.healthy.iter().filter_map(|x| f(x)).collect::<Vec<f64>>()))
            .collect()
    };
    let times = mean(&|r| Some(r.summary().train_time_s));
    let speeds: Vec<Option<f64>> = mean(&|r| Some(r.summary().examples_per_s))
        .into_iter()
        .zip(&times)
        .map(|(v, t)| v.filter(|_| t.is_some_and(|t| t >= TIMER_NOISE_S)))
        .collect();
    let cells: [Vec<String>; 6] = [
        column(&mean(&|r| Some(r.summary().final_train_loss))),
        column(&mean(&|r| r.summary().final_test_loss)),
        accuracy(&rows),
        times.iter().map(|t| seconds(*t)).collect(),
        column(&speeds),
        b_simple(&rows),
    ];
    // Rates as the spec (or the scaling rule, to four figures) gives them.
    let rates: Vec<String> = keys.iter().map(|k| format!("{}", f64::from_bits(k.1))).collect();
    let mut table = Table::new(&COLUMNS);
    for (i, row) in rows.iter().enumerate() {
        let first = row.runs[0].summary();
        let size = if first.batch_label == "full" {
            format!("full ({})", first.batch_size)
        } else {
            first.batch_size.to_string()
        };
        let mut line = vec![
            size,
            rates[i].clone(),
            row.runs.len().to_string(),
            (row.runs.len() - row.healthy.len()).to_string(),
            first.updates_per_epoch.to_string(),
        ];
        line.extend(cells.iter().map(|c| c[i].clone()));
        table.push(line);
    }
    table
}

/// The configurations (batch size, rate bits) in order, with their repeats.
fn rows<'a>(results: &'a Results, analysis: &Analysis) -> (Vec<(usize, u64)>, Vec<Row<'a>>) {
    let mut keys: Vec<(usize, u64)> =
        results.runs.iter().map(|r| (r.summary().batch_size, r.summary().learning_rate.to_bits())).collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1))));
    keys.dedup();
    let failed = |r: &RunRecords| analysis.runs.iter().any(|a| a.run_id == r.summary().run_id && a.failed);
    let rows = keys
        .iter()
        .map(|&(b, lr)| {
            let runs: Vec<&RunRecords> = results
                .runs
                .iter()
                .filter(|r| r.summary().batch_size == b && r.summary().learning_rate.to_bits() == lr)
                .collect();
            let healthy = runs.iter().copied().filter(|r| !failed(r)).collect();
            Row { runs, healthy }
        })
        .collect();
    (keys, rows)
}

fn seconds(t: Option<f64>) -> String {
    match t {
        None => "–".into(),
        Some(t) if t < TIMER_NOISE_S => "< 0.01".into(),
        Some(t) => super::table::significant(t),
    }
}

fn accuracy(rows: &[Row<'_>]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let v: Vec<f64> = r.healthy.iter().filter_map(|x| x.summary().final_test_accuracy).collect();
            match (stats::mean(&v), stats::min_max(&v)) {
                (Some(m), Some((lo, hi))) if v.len() > 1 => format!("{m:.3} ({lo:.3}–{hi:.3})"),
                (Some(m), _) => format!("{m:.3}"),
                _ => "–".into(),
            }
        })
        .collect()
}

/// "38.0 → 2960": B_simple at the first and last checkpoint, means over the healthy repeats.
fn b_simple(rows: &[Row<'_>]) -> Vec<String> {
    let at = |run: &RunRecords, first: bool| -> Option<f64> {
        let noise = run.noise.as_ref()?;
        let row =
            if first { noise.iter().min_by_key(|n| n.epoch) } else { noise.iter().max_by_key(|n| n.epoch) };
        row.map(|n| n.b_simple).filter(|v| v.is_finite())
    };
    let ends = |first: bool| -> Vec<Option<f64>> {
        rows.iter()
            .map(|r| stats::mean(&r.healthy.iter().filter_map(|x| at(x, first)).collect::<Vec<f64>>()))
            .collect()
    };
    let (start, end) = (ends(true), ends(false));
    let both: Vec<Option<f64>> = start.iter().chain(&end).copied().collect();
    let cells = column(&both);
    let n = rows.len();
    (0..n)
        .map(|i| {
            if start[i].is_none() && end[i].is_none() {
                "–".into()
            } else {
                format!("{} → {}", cells[i], cells[n + i])
            }
        })
        .collect()
}
