//! sharpness_gap: the generalisation gap (final test minus final training loss) against the final
//! sharpness, one dot per run in its configuration's colour: do sharper minima generalise worse (Keskar
//! et al. 2017)? Failed runs are left out.

use super::legend::Mark;
use super::select::Config;
use super::xy::{XScale, XyChart, XySeries};
use super::{Context, Rendered, keys, select, sharpness};
use crate::error::Result;

const NAME: &str = "sharpness_gap";

/// Adds the figure, or says why there is none.
pub fn add(ctx: &Context<'_>, out: &mut Rendered) -> Result<()> {
    if sharpness::absent(ctx, out, NAME) {
        return Ok(());
    }
    let mut configs = select::configs(ctx);
    let points: Vec<Vec<(f64, f64)>> = configs.iter().map(|c| points(ctx, c)).collect();
    let mut has = points.iter().map(|p| !p.is_empty());
    configs.retain(|_| has.next().unwrap_or(false));
    let series: Vec<XySeries> = configs
        .iter()
        .zip(points.into_iter().filter(|p| !p.is_empty()))
        .map(|(c, p)| XySeries::dots(c.colour, p))
        .collect();
    let count: usize = series.iter().map(|s| s.points.len()).sum();
    if count < 2 {
        let why = if ctx.analysis.runs.iter().all(|r| r.final_test_loss.is_none()) {
            "no run has a test loss (data.test_fraction = 0)".to_string()
        } else {
            format!(
                "{count} run(s) without failure have both a final sharpness and a test loss: a chart needs two"
            )
        };
        out.skip(NAME, why);
        return Ok(());
    }
    let legend = keys::configs(ctx, &configs, Mark::Dot);
    let chart = XyChart {
        title: "Generalisation gap against final sharpness".into(),
        x_desc: "final sharpness λ_max".into(),
        y_desc: format!("final test minus training loss ({})", ctx.loss_name()),
        x: XScale::Linear,
        y_log: false,
        series,
        diagonal: false,
        legend,
    };
    let caption = format!(
        "One dot per run: the final test loss minus the final training loss against λ_max of the Hessian of \
         the training loss at the last curvature checkpoint, {}. Runs that diverged or ended above their \
         initial loss are left out. A trend says sharper minima generalise worse only among runs that ended \
         at comparable training losses (see the conclusions).",
        super::rates_shown(ctx)
    );
    out.figures.push(ctx.figure(NAME, caption, &chart)?);
    Ok(())
}

/// (final sharpness, final test minus training loss) of every run of `c` that did not fail and has both.
fn points(ctx: &Context<'_>, c: &Config<'_>) -> Vec<(f64, f64)> {
    c.runs
        .iter()
        .filter_map(|r| ctx.analysis.runs.iter().find(|a| a.run_id == r.summary().run_id))
        .filter(|a| !a.failed)
        .filter_map(|a| Some((a.final_sharpness?, a.final_test_loss? - a.final_train_loss)))
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect()
}
