//! noise_scale_curvature: McCandlish et al.'s noise scales at every curvature checkpoint: B_noise =
//! tr(H Sigma) / (G^T H G) (solid) and B_simple = tr(Sigma) / |G|^2 (dashed) at the same weights, one colour
//! per configuration, mean over repeats with its band, on a log axis. Where they differ, H is far from a
//! multiple of the identity and B_simple misjudges the critical batch size.

use super::band::{BandChart, curves};
use super::draw::Dash;
use super::legend::{Entry, Mark};
use super::{Context, GUIDE, INK, Rendered, keys, select, sharpness};
use crate::error::Result;
use crate::records::RunRecords;

const NAME: &str = "noise_scale_curvature";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    if sharpness::absent(ctx, out, NAME) {
        return Ok(());
    }
    let mut rows = ctx.results.runs.iter().flat_map(|r| r.curvature.iter().flatten());
    if !rows.any(|c| c.b_noise.is_some()) {
        let asked = ctx.results.settings.curvature.is_some_and(|c| c.noise_probes > 0);
        let why = if asked {
            "GᵀHG ≤ 0 at every curvature checkpoint, where B_noise is not defined"
        } else {
            "no checkpoint estimated B_noise (curvature.noise_probes = 0)"
        };
        out.skip(NAME, why);
        return Ok(());
    }
    let configs = select::configs(ctx);
    let band = ctx.plots.band;
    let mut all = Vec::new();
    for c in &configs {
        all.extend(curves(c, band, Dash::Solid, |r: &RunRecords| {
            sharpness::over_training(r, |row| row.b_noise.unwrap_or(f64::NAN))
        }));
        all.extend(curves(c, band, Dash::Dashed, |r: &RunRecords| {
            sharpness::over_training(r, |row| row.b_simple)
        }));
    }
    let mut legend = keys::configs(ctx, &configs, Mark::Line(Dash::Solid));
    let at = legend.entries.iter().position(|e| e.mark == Mark::Cross).unwrap_or(legend.entries.len());
    let styles = vec![
        Entry::line("B_noise = tr(HΣ)/(GᵀHG)", INK),
        Entry::new("B_simple = tr(Σ)/|G|²", INK, Mark::Line(Dash::Dashed)),
        Entry::new(super::band_name(band), GUIDE, Mark::Band),
    ];
    legend.entries.splice(at..at, styles);
    let chart = BandChart {
        title: "Curvature-weighted noise scale B_noise against B_simple".into(),
        x_desc: "epoch (passes over the training set)".into(),
        y_desc: "noise scale, examples (log)".into(),
        log_y: true,
        curves: all,
        legend,
    };
    let caption = format!(
        "At every curvature checkpoint, the noise scale of McCandlish et al. 2018 weighted by the Hessian, \
         B_noise = tr(HΣ)/(GᵀHG) (solid; tr(HΣ) from per-example gradients of sampled examples, one \
         Hessian-vector product each, curvature.noise_probes), and B_simple = tr(Σ)/|G|² (dashed), which \
         assumes H is a multiple of the identity, both at the same weights over the whole training set, {}; \
         {}. Checkpoints where GᵀHG ≤ 0 have no B_noise.{}",
        super::rates_shown(ctx),
        super::repeats_note(ctx),
        super::failed_note(&configs)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}
