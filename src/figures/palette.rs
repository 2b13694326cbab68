//! Colours keyed by batch size, the same in every figure of a results folder, never repeated within one:
//! a qualitative palette (the full batch near-black) for up to eight batch sizes, else a sequential scale
//! over log B (viridis, its pale end left out) that the figures explain with a colour bar. Learning rates
//! of one batch size differ in lightness within its hue.

use plotters::style::RGBColor;

/// Qualitative colours of the batch sizes, smallest first.
pub const QUALITATIVE: [RGBColor; 8] = [
    RGBColor(214, 39, 40),   // red
    RGBColor(255, 127, 14),  // orange
    RGBColor(44, 160, 44),   // green
    RGBColor(23, 190, 207),  // teal
    RGBColor(31, 119, 180),  // blue
    RGBColor(148, 103, 189), // purple
    RGBColor(140, 86, 75),   // brown
    RGBColor(227, 119, 194), // pink
];
/// Colour of the full batch on the qualitative palette.
pub const FULL_BATCH: RGBColor = RGBColor(30, 30, 30);
/// Share of the viridis scale used for batch sizes: its last, pale yellow part is hard to see on white.
const SEQUENTIAL_END: f64 = 0.85;

/// Colours of the batch sizes of one results folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Every batch size, increasing.
    pub sizes: Vec<usize>,
    /// The full batch, when the sweep has one.
    pub full: Option<usize>,
}

impl Palette {
    /// The palette of `sizes` (any order, repeats allowed); `full` is the full batch's size.
    pub fn new(sizes: impl IntoIterator<Item = usize>, full: Option<usize>) -> Palette {
        let mut sizes: Vec<usize> = sizes.into_iter().chain(full).collect();
        sizes.sort_unstable();
        sizes.dedup();
        Palette { sizes, full }
    }

    /// Whether the colours come from the sequential scale (more batch sizes than qualitative colours), so
    /// a figure shows a colour bar instead of a legend entry per batch size.
    pub fn sequential(&self) -> bool {
        self.sizes.iter().filter(|&&b| Some(b) != self.full).count() > QUALITATIVE.len()
    }

    /// The colour of `batch_size`.
    pub fn colour(&self, batch_size: usize) -> RGBColor {
        if self.sequential() {
            return scale(self.position(batch_size as f64));
        }
        if Some(batch_size) == self.full {
            return FULL_BATCH;
        }
        let rank = self.sizes.iter().filter(|&&b| Some(b) != self.full).position(|&b| b == batch_size);
        QUALITATIVE[rank.unwrap_or(0) % QUALITATIVE.len()]
    }

    /// Where `batch_size` sits on the log scale from the smallest to the largest size, 0 to 1.
    pub fn position(&self, batch_size: f64) -> f64 {
        let (lo, hi) = match (self.sizes.first(), self.sizes.last()) {
            (Some(&lo), Some(&hi)) if hi > lo => ((lo as f64).ln(), (hi as f64).ln()),
            _ => return 0.0,
        };
        ((batch_size.max(1.0).ln() - lo) / (hi - lo)).clamp(0.0, 1.0)
    }

    /// The colour of `batch_size` at the `rank`-th of `ranks` learning rates (smallest lightest).
    pub fn shade(&self, batch_size: usize, rank: usize, ranks: usize) -> RGBColor {
        lightness(self.colour(batch_size), rank, ranks)
    }
}

/// The sequential colour of position `t` in [0, 1].
pub fn scale(t: f64) -> RGBColor {
    viridis(t.clamp(0.0, 1.0) * SEQUENTIAL_END)
}

/// `colour` lightened (low ranks) or darkened (high ranks): the `rank`-th of `ranks` steps from a pale
/// tint to a deep shade; one rank leaves it as it is.
pub fn lightness(colour: RGBColor, rank: usize, ranks: usize) -> RGBColor {
    if ranks <= 1 {
        return colour;
    }
    let u = rank as f64 / (ranks - 1) as f64;
    // A near-black colour cannot get darker: spread its rates over greys instead.
    if colour.0.max(colour.1).max(colour.2) < 80 {
        return tint(colour, 0.3 + 0.7 * u);
    }
    if u < 0.5 { tint(colour, 0.4 + 1.2 * u) } else { shade(colour, 0.75 * (u - 0.5)) }
}

/// `colour` blended with white, `weight` of it kept: an opaque stand-in for transparency.
pub fn tint(colour: RGBColor, weight: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * weight + 255.0 * (1.0 - weight)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// `colour` blended with black, `amount` of black.
pub fn shade(colour: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * (1.0 - amount)).round() as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// Viridis, sampled at nine points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour map at `t` in [0, 1], linearly interpolated.
pub fn viridis(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let k = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - k as f64;
    let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - f) + f64::from(b) * f).round() as u8;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn distinct(colours: impl Iterator<Item = RGBColor>) -> bool {
        let all: Vec<RGBColor> = colours.collect();
        all.iter().map(|c| (c.0, c.1, c.2)).collect::<HashSet<_>>().len() == all.len()
    }

    #[test]
    fn no_two_batch_sizes_share_a_colour_however_many_there_are() {
        for n in 1..=40usize {
            let sizes: Vec<usize> = (1..=n).map(|i| 3 * i).collect();
            let p = Palette::new(sizes.clone(), None);
            assert!(distinct(p.sizes.iter().map(|&b| p.colour(b))), "{n} sizes");
            assert_eq!(p.sequential(), p.sizes.len() > 8);
        }
    }

    #[test]
    fn learning_rates_of_a_batch_size_get_distinct_lightness() {
        let p = Palette::new([1, 8, 32, 128], Some(1437));
        for ranks in 1..=6 {
            let all = p.sizes.iter().flat_map(|&b| (0..ranks).map(move |r| (b, r)));
            assert!(distinct(all.map(|(b, r)| p.shade(b, r, ranks))), "{ranks} rates");
        }
    }

    #[test]
    fn the_full_batch_is_dark_on_the_qualitative_palette_and_last_on_the_scale() {
        let p = Palette::new([1, 8], Some(1437));
        assert_eq!(p.colour(1437), FULL_BATCH);
        let many = Palette::new((0..11).map(|e| 1usize << e), Some(1437));
        assert_eq!(many.colour(1437), scale(1.0));
        assert_eq!(many.colour(1), scale(0.0));
    }
}
