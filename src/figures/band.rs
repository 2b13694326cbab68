//! Curves over training (per epoch, per second): the mean over repeats of each healthy configuration
//! with its band, and each repeat of a failed configuration alone, up to its last finite value and marked
//! with an "×" where it ends or leaves the plot. Only healthy curves set the axis ranges, so a run that blew up to 10^36
//! cannot squash the others; it is clipped at the frame.

use super::axis::Axis;
use super::draw::{self, Dash, Stroke};
use super::layout;
use super::legend::Legend;
use super::select::Config;
use super::series::{Spread, finite_prefix, mean_series, spread};
use super::{Chart, DrawResult, Style};
use crate::records::RunRecords;
use crate::spec::Band;
use plotters::prelude::*;

/// One curve.
pub struct Curve {
    /// Colour.
    pub colour: RGBColor,
    /// Width, SVG units.
    pub width: f64,
    /// Pattern.
    pub dash: Dash,
    /// (x, mean and band of y).
    pub points: Vec<(f64, Spread)>,
    /// Shade the band.
    pub band: bool,
    /// Counts toward the automatic axis ranges (healthy).
    pub counts: bool,
    /// Its run failed (diverged, or ended above its initial loss): an "×" marks where the curve ends or
    /// leaves the plot.
    pub failed: bool,
}

/// The curves of `config` for the value `value` of each record of a run: a mean with its band when every
/// repeat is healthy, else one curve per repeat (failed ones never count toward the ranges).
pub fn curves(
    config: &Config<'_>,
    band: Band,
    dash: Dash,
    value: impl Fn(&RunRecords) -> Vec<(f64, f64)>,
) -> Vec<Curve> {
    let base = Curve {
        colour: config.colour,
        width: config.width(),
        dash,
        points: Vec::new(),
        band: false,
        counts: true,
        failed: false,
    };
    if !config.failed() {
        let per_run: Vec<Vec<(f64, f64)>> = config.runs.iter().map(|r| value(r)).collect();
        let points = mean_series(&per_run, band);
        return if points.is_empty() {
            Vec::new()
        } else {
            vec![Curve { points, band: per_run.len() > 1, ..base }]
        };
    }
    config
        .runs
        .iter()
        .map(|r| {
            let all = value(r);
            let kept = finite_prefix(&all);
            let failed = config.failures.iter().any(|f| f.repeat == r.summary().repeat);
            let points = kept.iter().map(|&(x, y)| (x, spread(&[y], band))).collect();
            Curve { points, counts: false, failed, width: 1.4, ..base }
        })
        .filter(|c| !c.points.is_empty())
        .collect()
}

/// A chart of curves against a linear x axis.
pub struct BandChart {
    /// Title.
    pub title: String,
    /// x axis description.
    pub x_desc: String,
    /// y axis description.
    pub y_desc: String,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Curves, drawn in order.
    pub curves: Vec<Curve>,
    /// The legend.
    pub legend: Legend,
}

impl BandChart {
    fn axes(&self) -> (Axis, Axis) {
        let counted = self.curves.iter().any(|c| c.counts);
        let used = || self.curves.iter().filter(move |c| c.counts || !counted);
        let xs = used().flat_map(|c| c.points.iter().map(|p| p.0));
        let ys = used().flat_map(|c| c.points.iter().flat_map(|p| [p.1.mean, p.1.low, p.1.high]));
        (Axis::auto(xs, false, &self.x_desc), Axis::auto(ys, self.log_y, &self.y_desc))
    }
}

impl Chart for BandChart {
    fn legend(&self) -> Option<&Legend> {
        Some(&self.legend)
    }

    fn draw<DB: DrawingBackend>(&self, root: &draw::Area<DB>, s: &Style) -> DrawResult {
        let body = layout::canvas(root, &self.title, &self.legend, s)?;
        let (x, y) = self.axes();
        let frame = layout::single(root, body, x, y, s)?;
        for c in self.curves.iter().filter(|c| c.band) {
            let band: Vec<(f64, f64, f64)> = c.points.iter().map(|(x, p)| (*x, p.low, p.high)).collect();
            frame.band(root, &band, c.colour)?;
        }
        for c in &self.curves {
            let mean: Vec<(f64, f64)> = c.points.iter().map(|(x, p)| (*x, p.mean)).collect();
            let pieces =
                frame.line(root, &mean, Stroke { colour: c.colour, width: c.width, dash: c.dash }, s)?;
            if let Some(end) = frame.end_mark(&pieces, &mean).filter(|_| c.failed) {
                draw::cross(root, end, 5.0, c.colour, s)?;
            }
        }
        Ok(())
    }
}
