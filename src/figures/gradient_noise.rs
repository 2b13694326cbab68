//! gradient_noise: three charts from noise.csv. (1) cos(mini-batch gradient, full gradient) and dispersion
//! against the probed batch size on a log2 axis, one line per checkpoint (early, middle, late), error bars
//! one std over probes; (2) the noise scale B_simple over training for each batch size; (3) measured
//! rel_error against rel_error_predicted, with the diagonal where theory and measurement agree. No figure
//! when no run has noise.csv.

use super::frame::{Entry, Mark};
use super::series::groups;
use super::xy::{Draw, Scale, XyChart, XySeries};
use super::{BAND_KEY, Context, EPOCH_COLOURS, Figure, INK, palette};
use crate::error::Result;
use crate::schema::NoiseRecord;

/// The three figures, or none without noise records.
pub fn figures(ctx: &Context<'_>) -> Result<Vec<Figure>> {
    let rows: Vec<&NoiseRecord> =
        ctx.results.runs.iter().filter_map(|r| r.noise.as_ref()).flatten().collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let cos_caption = "cos(mini-batch gradient, full-batch gradient) (solid, ± 1 std over probes), its prediction \
                       (dots) and the dispersion of the directions (dashed), by batch size at early, middle and \
                       late checkpoints.";
    let scale_caption = "Simple gradient noise scale B_simple = tr(Σ)/|G|² over training (solid; dashed: the \
                         two-batch-size estimate, left out where noise at small B drives it to zero or below), mean over repeats.";
    let pred_caption = "Measured relative gradient error |g_B − G|²/|G|² against the sampling-theory prediction; \
                        points on the dashed diagonal agree.";
    Ok(vec![
        ctx.figure("gradient_noise_cosine", cos_caption.into(), &cosine(&rows))?,
        ctx.figure("gradient_noise_scale", scale_caption.into(), &noise_scale(ctx))?,
        ctx.figure("gradient_noise_prediction", pred_caption.into(), &prediction(ctx, &rows))?,
    ])
}

/// Checkpoint epochs shown: the first, the middle and the last.
fn checkpoints(rows: &[&NoiseRecord]) -> Vec<u64> {
    let mut epochs: Vec<u64> = rows.iter().map(|r| r.epoch).collect();
    epochs.sort_unstable();
    epochs.dedup();
    let mut picked = vec![epochs[0], epochs[epochs.len() / 2], epochs[epochs.len() - 1]];
    picked.dedup();
    picked
}

/// Mean of `value` over the rows of `epoch` probed at each batch size, by batch size.
fn by_batch(rows: &[&NoiseRecord], epoch: u64, value: impl Fn(&NoiseRecord) -> f64) -> Vec<(f64, f64)> {
    let mut sizes: Vec<usize> =
        rows.iter().filter(|r| r.epoch == epoch).map(|r| r.probe_batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .iter()
        .map(|&b| {
            let v: Vec<f64> = rows
                .iter()
                .filter(|r| r.epoch == epoch && r.probe_batch_size == b)
                .map(|r| value(r))
                .collect();
            (b as f64, v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect()
}

fn cosine(rows: &[&NoiseRecord]) -> XyChart {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let epochs = checkpoints(rows);
    for (i, &epoch) in epochs.iter().enumerate() {
        let colour = EPOCH_COLOURS[(i + EPOCH_COLOURS.len() - epochs.len()) % EPOCH_COLOURS.len()];
        let cos = by_batch(rows, epoch, |r| r.cos_mean);
        let std = by_batch(rows, epoch, |r| r.cos_std);
        let errors = cos.iter().zip(&std).map(|(c, s)| (c.0, c.1 - s.1, c.1 + s.1)).collect();
        series.push(XySeries { colour, points: cos, errors, draw: Draw::Line });
        let predicted = by_batch(rows, epoch, |r| r.cos_predicted);
        series.push(XySeries { colour, points: predicted, errors: Vec::new(), draw: Draw::Dots });
        let dispersion = by_batch(rows, epoch, |r| r.dispersion);
        series.push(XySeries { colour, points: dispersion, errors: Vec::new(), draw: Draw::Dashed });
        legend.push(Entry::new(format!("epoch {epoch}"), colour, Mark::Line));
    }
    legend.push(Entry::new("cos, ± 1 std", INK, Mark::Line));
    legend.push(Entry::new("cos predicted", INK, Mark::Dot));
    legend.push(Entry::new("dispersion", INK, Mark::Dashed));
    XyChart {
        title: "Mini-batch gradient direction against the full-batch one".into(),
        x_desc: "batch size B (log2)".into(),
        y_desc: "cosine to full gradient; dispersion".into(),
        x: Scale::Log2,
        y: Scale::Linear,
        series,
        diagonal: false,
        legend,
    }
}

fn noise_scale(ctx: &Context<'_>) -> XyChart {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    for g in groups(ctx.results) {
        let noise: Vec<&NoiseRecord> = g.runs.iter().filter_map(|r| r.noise.as_ref()).flatten().collect();
        if noise.is_empty() {
            continue;
        }
        let epochs = {
            let mut e: Vec<u64> = noise.iter().map(|r| r.epoch).collect();
            e.dedup();
            e.sort_unstable();
            e.dedup();
            e
        };
        let mean = |f: &dyn Fn(&NoiseRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            epochs
                .iter()
                .filter_map(|&e| {
                    let v: Vec<f64> = noise.iter().filter(|r| r.epoch == e).filter_map(|r| f(r)).collect();
                    (!v.is_empty()).then(|| (e as f64, v.iter().sum::<f64>() / v.len() as f64))
                })
                .collect()
        };
        let simple = mean(&|r| Some(r.b_simple));
        // The two-batch estimator is unbiased but noisy; a mean at or below zero has no place on a log axis.
        let two: Vec<(f64, f64)> =
            mean(&|r| r.b_simple_two_batch).into_iter().filter(|p| p.1 > 0.0).collect();
        series.push(XySeries { colour: g.colour, points: simple, errors: Vec::new(), draw: Draw::Line });
        series.push(XySeries { colour: g.colour, points: two, errors: Vec::new(), draw: Draw::Dashed });
        legend.push(Entry::new(&g.label, g.colour, Mark::Line));
    }
    legend.push(Entry::new("per-example norms", INK, Mark::Line));
    legend.push(Entry::new("two-batch estimate", INK, Mark::Dashed));
    XyChart {
        title: "Gradient noise scale B_simple over training, by batch size".into(),
        x_desc: "epoch (checkpoint)".into(),
        y_desc: "B_simple = tr(Σ)/|G|² (examples, log)".into(),
        x: Scale::Linear,
        y: Scale::Log10,
        series,
        diagonal: false,
        legend,
    }
}

fn prediction(ctx: &Context<'_>, rows: &[&NoiseRecord]) -> XyChart {
    let colours = palette(ctx.results);
    let mut sizes: Vec<usize> = rows.iter().map(|r| r.probe_batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut series = Vec::new();
    let mut legend = Vec::new();
    for b in sizes {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.probe_batch_size == b && r.rel_error > 0.0 && r.rel_error_predicted > 0.0)
            .map(|r| (r.rel_error_predicted, r.rel_error))
            .collect();
        if points.is_empty() {
            continue;
        }
        let colour = colours.colour(b);
        series.push(XySeries { colour, points, errors: Vec::new(), draw: Draw::Dots });
        legend.push(Entry::new(format!("B = {b}"), colour, Mark::Dot));
    }
    legend.push(Entry::new("measured = predicted", BAND_KEY, Mark::Dashed));
    XyChart {
        title: "Relative gradient error: measured against predicted".into(),
        x_desc: "predicted tr(Σ)/(B|G|²)·(N−B)/(N−1) (log)".into(),
        y_desc: "measured mean |g_B − G|²/|G|² (log)".into(),
        x: Scale::Log10,
        y: Scale::Log10,
        series,
        diagonal: true,
        legend,
    }
}
