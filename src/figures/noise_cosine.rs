//! gradient_noise_cosine: how well a mini-batch gradient points along the full-batch gradient, against the
//! probed batch size, always at shared weights. With `noise.probe_batch_sizes` listing several sizes (or
//! `"sweep"`), one reference run probes them all at each checkpoint: its early, middle and late checkpoints
//! are one line each. Otherwise only the checkpoint before training is shared (every run of a repeat starts
//! from the same weights), so the chart shows that one. Missing cosines (zero gradients) are skipped.

use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::series::mean_by;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, INK, Rendered};
use crate::error::Result;
use crate::records::RunRecords;
use crate::schema::NoiseRecord;
use plotters::style::RGBColor;

const NAME: &str = "gradient_noise_cosine";
/// Checkpoints, light to dark: early, middle, late.
const EPOCH_COLOURS: [RGBColor; 3] = [RGBColor(120, 180, 220), RGBColor(40, 110, 180), RGBColor(8, 40, 95)];

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let runs: Vec<&RunRecords> =
        ctx.results.runs.iter().filter(|r| r.noise.as_ref().is_some_and(|n| !n.is_empty())).collect();
    if runs.is_empty() {
        out.skip(NAME, "no run has gradient-noise records (noise.every = 0)");
        return Ok(());
    }
    let (lines, what) = match reference(ctx, &runs) {
        Some(run) => (shared_checkpoints(run), describe(run)),
        None => (vec![(0, initial_rows(&runs))], "before training, where every run of repeat 0 has the same weights; \
             set noise.probe_batch_sizes = \"sweep\" to probe every batch size at shared weights later in training too".into()),
    };
    if lines.iter().all(|(_, rows)| sizes(rows).len() < 2) {
        out.skip(
            NAME,
            "every checkpoint at shared weights probes a single batch size (see noise.probe_batch_sizes): the chart \
             would be a single point per line",
        );
        return Ok(());
    }
    let (series, legend) = draw_lines(&lines);
    let shown: Vec<usize> = lines.iter().flat_map(|(_, rows)| sizes(rows)).collect();
    let chart = XyChart {
        title: "Mini-batch gradient direction against the full-batch one, at shared weights".into(),
        x_desc: "probed batch size B (log scale)".into(),
        y_desc: "cosine to the full gradient; dispersion".into(),
        x: XScale::Batch(shown),
        y_log: false,
        series,
        diagonal: false,
        legend,
    };
    let caption = format!(
        "cos(mini-batch gradient, full-batch gradient) (solid, error bars ± 1 std over probes), its sampling-theory \
         prediction 1/√(1 + tr(Σ)/(B|G|²)·(N−B)/(N−1)) (dots) and the dispersion of the directions (dashed), every \
         batch size probed at the same weights: {what}. Probes whose gradient is zero have no direction and are left out."
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// The probed batch sizes of `rows` that have a cosine.
fn sizes(rows: &[&NoiseRecord]) -> Vec<usize> {
    let mut b: Vec<usize> =
        rows.iter().filter(|r| r.cos_mean.is_some_and(f64::is_finite)).map(|r| r.probe_batch_size).collect();
    b.sort_unstable();
    b.dedup();
    b
}

/// For each checkpoint: the cosine with ± 1 std error bars, its prediction (dots) and the dispersion
/// (dashed), light to dark; with the legend.
fn draw_lines(lines: &[(u64, Vec<&NoiseRecord>)]) -> (Vec<XySeries>, Legend) {
    let mut series = Vec::new();
    let mut legend = Legend::default();
    for (i, (epoch, rows)) in lines.iter().enumerate() {
        let colour = EPOCH_COLOURS[(i + EPOCH_COLOURS.len() - lines.len()) % EPOCH_COLOURS.len()];
        let cos = mean_by_size(rows, |r| r.cos_mean);
        let std = mean_by_size(rows, |r| r.cos_std);
        let mut line = XySeries::line(colour, cos.clone());
        line.errors = cos
            .iter()
            .filter_map(|c| std.iter().find(|s| s.0 == c.0).map(|s| (c.0, c.1 - s.1, c.1 + s.1)))
            .collect();
        series.push(line);
        series.push(XySeries::dots(colour, mean_by_size(rows, |r| Some(r.cos_predicted))));
        series.push(XySeries::line(colour, mean_by_size(rows, |r| r.dispersion)).dashed(Dash::Dashed));
        legend.entries.push(Entry::line(format!("epoch {epoch}"), colour));
    }
    legend.entries.push(Entry::line("cos, ± 1 std over probes", INK));
    legend.entries.push(Entry::new("cos predicted", INK, Mark::Dot));
    legend.entries.push(Entry::new("dispersion", INK, Mark::Line(Dash::Dashed)));
    (series, legend)
}

/// The run whose checkpoints probe the most batch sizes at once: a chosen configuration, repeat 0, and of
/// those the batch size nearest the middle of the sweep on a log scale; none when no run probes two sizes.
fn reference<'a>(ctx: &Context<'_>, runs: &[&'a RunRecords]) -> Option<&'a RunRecords> {
    let width = |r: &RunRecords| {
        let rows = r.noise.as_deref().unwrap_or_default();
        rows.iter().map(|n| rows.iter().filter(|m| m.epoch == n.epoch).count()).max().unwrap_or(0)
    };
    let most = runs.iter().map(|r| width(r)).max()?;
    if most < 2 {
        return None;
    }
    let sizes = &ctx.palette.sizes;
    let middle =
        sizes.first().zip(sizes.last()).map_or(1.0, |(a, b)| ((*a as f64).ln() + (*b as f64).ln()) / 2.0);
    let chosen = |r: &RunRecords| {
        ctx.analysis
            .runs
            .iter()
            .any(|a| a.run_id == r.summary().run_id && super::by_batch::chosen(ctx.analysis, a))
    };
    let failed =
        |r: &RunRecords| ctx.analysis.runs.iter().any(|a| a.run_id == r.summary().run_id && a.failed);
    runs.iter()
        .filter(|r| width(r) == most)
        .min_by(|a, b| {
            let key = |r: &RunRecords| {
                (
                    failed(r),
                    !chosen(r),
                    r.summary().repeat,
                    ((r.summary().batch_size as f64).ln() - middle).abs(),
                )
            };
            let (ka, kb) = (key(a), key(b));
            (ka.0, ka.1, ka.2).cmp(&(kb.0, kb.1, kb.2)).then(ka.3.total_cmp(&kb.3))
        })
        .copied()
}

fn describe(run: &RunRecords) -> String {
    let s = run.summary();
    let b =
        if s.batch_label == "full" { format!("full ({})", s.batch_size) } else { s.batch_size.to_string() };
    format!(
        "at the weights of run {} (B = {b}, lr = {}, repeat {}) at each checkpoint",
        s.run_id, s.learning_rate, s.repeat
    )
}

/// The reference run's first, middle and last checkpoint with at least two probed sizes.
fn shared_checkpoints(run: &RunRecords) -> Vec<(u64, Vec<&NoiseRecord>)> {
    let rows = run.noise.as_deref().unwrap_or_default();
    let mut epochs: Vec<u64> =
        rows.iter().map(|r| r.epoch).filter(|e| rows.iter().filter(|r| r.epoch == *e).count() > 1).collect();
    epochs.sort_unstable();
    epochs.dedup();
    if epochs.is_empty() {
        return Vec::new();
    }
    let mut picked = vec![epochs[0], epochs[epochs.len() / 2], epochs[epochs.len() - 1]];
    picked.dedup();
    picked.into_iter().map(|e| (e, rows.iter().filter(|r| r.epoch == e).collect())).collect()
}

/// The rows of the checkpoint before training of every run of repeat 0 (all at the same initial weights).
fn initial_rows<'a>(runs: &[&'a RunRecords]) -> Vec<&'a NoiseRecord> {
    runs.iter()
        .filter(|r| r.summary().repeat == 0)
        .flat_map(|r| r.noise.as_deref().unwrap_or_default().iter().filter(|n| n.epoch == 0))
        .collect()
}

/// Mean of `value` by probed batch size over `rows`, skipping missing and non-finite values.
fn mean_by_size(rows: &[&NoiseRecord], value: impl Fn(&NoiseRecord) -> Option<f64>) -> Vec<(f64, f64)> {
    mean_by(rows, |r| r.probe_batch_size as u64, value)
}
