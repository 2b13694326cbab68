//! Caption phrases shared by the charts, so every figure says the same thing the same way: which learning
//! rates it shows, how many repeats the means cover, what the band is, and how failed runs are drawn.

use super::Context;
use super::select::Config;
use crate::spec::{Band, LrScaling, RateChoice};

/// "min to max" or "mean ± 1 std", for captions and legends.
pub fn band_name(band: Band) -> &'static str {
    match band {
        Band::Minmax => "min to max over repeats",
        Band::Std => "mean ± 1 std over repeats",
    }
}

/// Which learning rates the configuration charts show.
pub fn rates_shown(ctx: &Context<'_>) -> String {
    let sweep = &ctx.results.settings.sweep;
    if sweep.learning_rates.len() == 1 {
        return match sweep.lr_scaling {
            LrScaling::None => format!("learning rate {}", sweep.learning_rates[0]),
            LrScaling::Linear => format!(
                "learning rate {} at B = {} scaled in proportion to B (named in the legend)",
                sweep.learning_rates[0], sweep.base_batch_size
            ),
            LrScaling::Sqrt => format!(
                "learning rate {} at B = {} scaled by √(B/{}) (named in the legend)",
                sweep.learning_rates[0], sweep.base_batch_size, sweep.base_batch_size
            ),
            LrScaling::Sde => format!(
                "learning rate {} at B = {} scaled by √(B/{}), betas and epsilon by the SDE rule (named in \
                 the legend)",
                sweep.learning_rates[0], sweep.base_batch_size, sweep.base_batch_size
            ),
        };
    }
    match ctx.plots.learning_rates {
        RateChoice::Chosen => {
            "each batch size at the learning rate the analysis chose for it (named in the legend; \
                               plots.learning_rates = \"all\" shows every rate)"
                .into()
        }
        RateChoice::All => {
            "every learning rate of every batch size, lighter for smaller rates (the chosen rate \
                            drawn thicker)"
                .into()
        }
    }
}

/// "mean of 3 repeats, band min to max over repeats", or "one repeat".
pub fn repeats_note(ctx: &Context<'_>) -> String {
    match ctx.results.settings.repeats {
        1 => "one repeat".into(),
        n => format!("mean of {n} repeats, band {}", band_name(ctx.plots.band)),
    }
}

/// A sentence on failed configurations, when some are shown.
pub fn failed_note(configs: &[Config<'_>]) -> String {
    if configs.iter().any(Config::failed) {
        " Configurations with a failed repeat (diverged, or ended above its initial loss) are drawn repeat by \
         repeat up to their last finite value, marked × where they diverged, clipped at the frame and left out \
         of the axis ranges."
            .into()
    } else {
        String::new()
    }
}
