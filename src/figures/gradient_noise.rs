//! gradient_noise_scale and gradient_noise_prediction, from noise.csv: the noise scale B_simple over
//! training for each configuration shown (mean over repeats; dashed, the two-batch-size estimate), and the
//! measured relative gradient error against its sampling-theory prediction, with the diagonal where they
//! agree. Failed configurations never set the axis ranges.

use super::draw::Dash;
use super::legend::{Entry, Legend, Mark};
use super::select::{Config, batch_label};
use super::series::mean_by;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, GUIDE, INK, Rendered, keys, select};
use crate::error::Result;
use crate::schema::NoiseRecord;

/// Adds the two figures, or says why they are missing.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    let configs = select::configs(ctx);
    if configs.iter().all(|c| rows(c).is_empty()) {
        for name in ["gradient_noise_scale", "gradient_noise_prediction"] {
            out.skip(name, "no run has gradient-noise records (noise.every = 0)");
        }
        return Ok(());
    }
    scale(ctx, &configs, out)?;
    prediction(ctx, &configs, out)
}

/// Every noise record of a configuration's repeats.
fn rows<'a>(c: &Config<'a>) -> Vec<&'a NoiseRecord> {
    c.runs.iter().filter_map(|r| r.noise.as_ref()).flatten().collect()
}

/// Mean of `value` per checkpoint epoch over `rows`; only positive values (the axis is logarithmic).
fn by_epoch(rows: &[&NoiseRecord], value: impl Fn(&NoiseRecord) -> Option<f64>) -> Vec<(f64, f64)> {
    mean_by(rows, |r| r.epoch, |r| value(r).filter(|v| *v > 0.0))
}

fn scale(ctx: &Context<'_>, configs: &[Config<'_>], out: &mut Rendered) -> Result<()> {
    const NAME: &str = "gradient_noise_scale";
    // With few probes the two-batch estimate is mostly noise: it is drawn from MIN_PROBES probes up, and
    // never sets the range (the per-example estimate is exact at the probed weights).
    const MIN_PROBES: u64 = 8;
    let two_batch = ctx.results.settings.noise.probes >= MIN_PROBES;
    let mut series = Vec::new();
    let mut checkpoints = 0;
    for c in configs {
        let r = rows(c);
        let simple = by_epoch(&r, |n| Some(n.b_simple));
        checkpoints = checkpoints.max(simple.len());
        let mut line = XySeries::line(c.colour, simple).dashed(Dash::Solid);
        (line.width, line.guide, line.marked) = (c.width(), c.failed(), c.failed());
        series.push(line);
        if two_batch {
            let mut two =
                XySeries::line(c.colour, by_epoch(&r, |n| n.b_simple_two_batch)).dashed(Dash::Dashed);
            (two.width, two.guide) = (1.2, true);
            series.push(two);
        }
    }
    if checkpoints < 2 {
        out.skip(NAME, "fewer than two noise checkpoints per run: a single point per line");
        return Ok(());
    }
    let mut legend = keys::configs(ctx, configs, Mark::Line(Dash::Solid));
    let at = legend.entries.iter().position(|e| e.mark == Mark::Cross).unwrap_or(legend.entries.len());
    let mut styles = vec![Entry::line("per-example norms", INK)];
    if two_batch {
        styles.push(Entry::new("two-batch estimate", INK, Mark::Line(Dash::Dashed)));
    }
    legend.entries.splice(at..at, styles);
    let chart = XyChart {
        title: "Gradient noise scale B_simple over training".into(),
        x_desc: "epoch (checkpoint)".into(),
        y_desc: "B_simple = tr(Σ)/|G|² (examples, log scale)".into(),
        x: XScale::Linear,
        y_log: true,
        series,
        diagonal: false,
        legend,
    };
    let caption = scale_caption(ctx, configs, two_batch);
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

fn scale_caption(ctx: &Context<'_>, configs: &[Config<'_>], two_batch: bool) -> String {
    let two = if two_batch {
        "; dashed, McCandlish et al.'s two-batch-size estimate, clipped to the range of the first and left out \
         where probe noise drives it to zero or below"
    } else {
        "; the two-batch-size estimate is left out: with fewer than 8 probes per checkpoint it is mostly noise"
    };
    format!(
        "Simple gradient noise scale B_simple = tr(Σ)/|G|² over training (solid, from per-example gradient \
         norms{two}), {}; mean over repeats.{}",
        super::rates_shown(ctx),
        super::failed_note(configs)
    )
}

fn prediction(ctx: &Context<'_>, configs: &[Config<'_>], out: &mut Rendered) -> Result<()> {
    const NAME: &str = "gradient_noise_prediction";
    let all: Vec<&NoiseRecord> = configs.iter().filter(|c| !c.failed()).flat_map(|c| rows(c)).collect();
    let usable =
        |r: &&&NoiseRecord| r.rel_error > 0.0 && r.rel_error_predicted > 0.0 && r.rel_error.is_finite();
    let mut sizes: Vec<usize> = all.iter().filter(usable).map(|r| r.probe_batch_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut series = Vec::new();
    let mut legend = Legend::default();
    for &b in &sizes {
        let points: Vec<(f64, f64)> = all
            .iter()
            .filter(usable)
            .filter(|r| r.probe_batch_size == b)
            .map(|r| (r.rel_error_predicted, r.rel_error))
            .collect();
        let colour = ctx.palette.colour(b);
        let mut dots = XySeries::dots(colour, points);
        dots.dots = 3.5;
        series.push(dots);
        if !ctx.palette.sequential() {
            let full = ctx.palette.full == Some(b);
            legend.entries.push(Entry::new(batch_label(b, full), colour, Mark::Dot));
        }
    }
    if series.iter().map(|s| s.points.len()).sum::<usize>() < 2 {
        out.skip(NAME, "fewer than two probes with a measurable error (probing the full batch has none)");
        return Ok(());
    }
    if ctx.palette.sequential() {
        legend.bar = Some(keys::bar(&ctx.palette));
    }
    legend.entries.push(Entry::new("measured = predicted", GUIDE, Mark::Line(Dash::Dashed)));
    let chart = XyChart {
        title: "Relative gradient error: measured against predicted".into(),
        x_desc: "predicted tr(Σ)/(B|G|²)·(N−B)/(N−1) (log scale)".into(),
        y_desc: "measured mean |g_B − G|²/|G|² (log scale)".into(),
        x: XScale::Log,
        y_log: true,
        series,
        diagonal: true,
        legend,
    };
    let caption = format!(
        "Measured relative gradient error |g_B − G|²/|G|² (mean over probes) against the sampling-theory \
         prediction for mini-batches drawn without replacement, one dot per checkpoint and probed batch size, {}; \
         dots on the dashed diagonal agree.",
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
