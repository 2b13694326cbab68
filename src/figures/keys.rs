//! Legend entries for the configurations a chart shows: one entry per configuration when there are few,
//! else one per batch size (or a colour bar on the sequential scale) and one per learning rate in grey
//! lightness; then a note with an "×" for every configuration that failed ("B = 1, lr = 0.3: diverged at
//! epoch 4").

use super::Context;
use super::legend::{ColourBar, Entry, Legend, Mark};
use super::palette::{Palette, scale};
use super::select::{Config, batch_label, rate_key, rate_labels};
use crate::plan::SweepPlan;

/// Most configurations listed one by one.
const MAX_ENTRIES: usize = 12;

/// The legend naming `configs`, with `mark` as the sample of their lines.
pub fn configs(ctx: &Context<'_>, configs: &[Config<'_>], mark: Mark) -> Legend {
    let mut legend = Legend::default();
    let palette = &ctx.palette;
    let ranks = configs.iter().map(|c| c.ranks).max().unwrap_or(1);
    if palette.sequential() {
        legend.bar = Some(bar(palette));
    } else if configs.len() <= MAX_ENTRIES {
        legend.entries.extend(configs.iter().map(|c| Entry::new(&c.label, c.colour, mark)));
    } else {
        let mut sizes: Vec<(usize, bool)> = configs.iter().map(|c| (c.batch_size, c.full)).collect();
        sizes.dedup();
        legend
            .entries
            .extend(sizes.iter().map(|&(b, full)| Entry::new(batch_label(b, full), palette.colour(b), mark)));
    }
    if ranks > 1 && (palette.sequential() || configs.len() > MAX_ENTRIES) {
        legend.entries.extend(rates(&ctx.results.settings.sweep, ranks, mark));
    }
    legend.entries.extend(failures(configs));
    legend
}

/// One entry per grid rate, light (smallest) to dark (largest) grey.
pub fn rates(sweep: &SweepPlan, ranks: usize, mark: Mark) -> Vec<Entry> {
    rate_labels(sweep, ranks)
        .into_iter()
        .enumerate()
        .map(|(i, l)| Entry::new(l, rate_key(i, ranks), mark))
        .collect()
}

/// An "×" entry for each failed configuration, in its colour.
pub fn failures(configs: &[Config<'_>]) -> Vec<Entry> {
    configs.iter().filter_map(|c| c.note().map(|n| Entry::new(n, c.colour, Mark::Cross))).collect()
}

/// The colour bar of the sequential batch-size scale, ticked at the batch sizes.
pub fn bar(palette: &Palette) -> ColourBar {
    const SLICES: usize = 64;
    ColourBar {
        title: "batch size B".into(),
        colours: (0..SLICES).map(|k| scale((k as f64 + 0.5) / SLICES as f64)).collect(),
        ticks: palette.sizes.iter().rev().map(|&b| (palette.position(b as f64), b.to_string())).collect(),
    }
}
