//! sharpness: the edge-of-stability picture. The sharpness lambda_max at every curvature checkpoint, one
//! colour per configuration (mean over repeats with its band), and each configuration's stability threshold
//! (2/lr for SGD) as a dashed line of the same colour: full-batch descent rises to its line and hovers
//! there (Cohen et al. 2021), smaller batches stay below theirs. For adaptive optimisers both are the
//! preconditioned sharpness and its threshold.

use super::band::{BandChart, curves};
use super::draw::Dash;
use super::legend::{Entry, Mark};
use super::{Context, GUIDE, INK, Rendered, keys, select};
use crate::error::Result;
use crate::records::RunRecords;
use crate::schema::CurvatureRecord;

const NAME: &str = "sharpness";

/// The sharpness the threshold of `r` bounds: the preconditioned one for adaptive optimisers.
pub fn bounded(r: &CurvatureRecord) -> f64 {
    if r.threshold_preconditioned { r.preconditioned_lambda_max.unwrap_or(f64::NAN) } else { r.lambda_max }
}

/// (epoch, `value`) at every curvature checkpoint of `run`, in update order; empty without records.
pub fn over_training(run: &RunRecords, value: impl Fn(&CurvatureRecord) -> f64) -> Vec<(f64, f64)> {
    let mut rows: Vec<&CurvatureRecord> = run.curvature.iter().flatten().collect();
    rows.sort_by_key(|r| r.update);
    rows.iter().map(|r| (r.epoch as f64, value(r))).collect()
}

/// Whether any run of `ctx` took curvature checkpoints.
pub fn any(ctx: &Context<'_>) -> bool {
    ctx.results.runs.iter().any(|r| r.curvature.as_ref().is_some_and(|c| !c.is_empty()))
}

/// True when no run took curvature checkpoints; chart `name` is then listed as skipped only when the spec
/// asked for them (a spec without `[curvature]` did not ask for the chart).
pub fn absent(ctx: &Context<'_>, out: &mut Rendered, name: &str) -> bool {
    if any(ctx) {
        return false;
    }
    if ctx.results.settings.curvature.is_some() {
        out.skip(name, "no run has curvature records (curvature.csv)");
    }
    true
}

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    if absent(ctx, out, NAME) {
        return Ok(());
    }
    let configs = select::configs(ctx);
    let band = ctx.plots.band;
    let (mut all, mut lines) = (Vec::new(), Vec::new());
    for c in configs.iter().filter(|c| c.runs.iter().any(|r| r.curvature.is_some())) {
        all.extend(curves(c, band, Dash::Solid, |r: &RunRecords| over_training(r, bounded)));
        lines.extend(curves(c, band, Dash::Dashed, |r: &RunRecords| {
            over_training(r, |row| row.stability_threshold)
        }));
    }
    // A threshold is a line, not a measurement: it widens the range only when it lies within half as much
    // again of the highest sharpness (a small rate's 2/lr far above would squash the curves), and has no band.
    let top =
        all.iter().filter(|c| c.counts).flat_map(|c| c.points.iter().map(|p| p.1.mean)).fold(0.0, f64::max);
    for l in &mut lines {
        let highest = l.points.iter().map(|p| p.1.mean).fold(0.0, f64::max);
        (l.counts, l.band, l.width, l.failed) = (l.counts && highest <= 1.5 * top, false, 1.6, false);
    }
    all.extend(lines);
    let preconditioned = ctx
        .results
        .runs
        .iter()
        .flat_map(|r| r.curvature.iter().flatten())
        .any(|r| r.threshold_preconditioned);
    let mut legend = keys::configs(ctx, &configs, Mark::Line(Dash::Solid));
    let at = legend.entries.iter().position(|e| e.mark == Mark::Cross).unwrap_or(legend.entries.len());
    let styles = vec![
        Entry::line("sharpness λ_max", INK),
        Entry::new("stability threshold (2/lr for SGD)", INK, Mark::Line(Dash::Dashed)),
        Entry::new(super::band_name(band), GUIDE, Mark::Band),
    ];
    legend.entries.splice(at..at, styles);
    let what = if preconditioned { "preconditioned sharpness" } else { "sharpness" };
    let chart = BandChart {
        title: "Sharpness over training against the stability threshold".into(),
        x_desc: "epoch (passes over the training set)".into(),
        y_desc: format!("{what} λ_max of the training loss"),
        log_y: false,
        curves: all,
        legend,
    };
    let caption = format!(
        "The largest eigenvalue λ_max of the Hessian of the mean training loss (solid; power iteration on exact \
         Hessian-vector products, curvature.csv) at every curvature checkpoint, and each configuration's \
         stability threshold (dashed, same colour: 2/lr for SGD, (2 + 2 momentum)/lr with momentum; the \
         sharpness above which its step diverges on a quadratic), {}; {}. Full-batch gradient descent at the \
         edge of stability rises to its line and hovers there (Cohen et al. 2021). Thresholds above the \
         measured sharpness are clipped at the frame.{}",
        super::rates_shown(ctx),
        super::repeats_note(ctx),
        super::failed_note(&configs)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
