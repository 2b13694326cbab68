//! The gradient arrows of the landscape chart, chosen so they explain rather than clutter: only at points
//! where the full-batch gradient is large enough to have a direction (at least a sixth of the largest),
//! at most a few places spread over the plot and away from the minimum, all drawn at one consistent
//! scale (length proportional to the gradient in the plane), the mini-batch directions of the run's batch
//! size (thin, its colour) around the full-batch one (black).

use super::clip::Rect;
use super::frame::Frame;
use crate::schema::ArrowRecord;
use plotters::style::RGBColor;

/// Smallest full-batch gradient drawn, as a share of the largest.
const MIN_SHARE: f64 = 1.0 / 6.0;
/// Most places with arrows.
const MAX_PLACES: usize = 5;
/// Closest two places may be, as a share of the plot width.
const SPACING: f64 = 0.14;
/// Length of the longest full-batch arrow, as a share of the plot width.
const LONGEST: f64 = 0.15;

/// A polyline in pixels.
pub type Points = Vec<(f64, f64)>;

/// Arrows at one place along one run's path.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// The point, data coordinates.
    pub at: (f64, f64),
    /// The full-batch descent direction in the plane.
    pub full: (f64, f64),
    /// Mini-batch descent directions of the run's batch size.
    pub minis: Vec<(f64, f64)>,
    /// The run's colour.
    pub colour: RGBColor,
}

/// Every anchor of a run's arrows.csv; the full-batch run's mini-batches equal its full gradient and are
/// dropped.
pub fn anchors(arrows: &[ArrowRecord], colour: RGBColor, full_batch: bool) -> Vec<Anchor> {
    let mut points: Vec<u64> = arrows.iter().map(|a| a.point).collect();
    points.sort_unstable();
    points.dedup();
    points
        .iter()
        .filter_map(|&p| {
            let here: Vec<&ArrowRecord> = arrows.iter().filter(|a| a.point == p).collect();
            let full = here.iter().find(|a| a.kind == "full")?;
            let minis = if full_batch {
                Vec::new()
            } else {
                here.iter().filter(|a| a.kind == "mini").map(|a| (a.g0, a.g1)).collect()
            };
            Some(Anchor { at: (full.w0, full.w1), full: (full.g0, full.g1), minis, colour })
        })
        .collect()
}

/// The anchors worth drawing and pixels per gradient unit: strong enough, spread out, away from `minimum`.
/// Anchors at the same place (the shared start) are all kept, so each run's mini-batch fan shows there.
pub fn choose(candidates: &[Anchor], frame: &Frame, minimum: (f64, f64)) -> (Vec<Anchor>, f64) {
    let norm = |g: (f64, f64)| g.0.hypot(g.1);
    let strongest = candidates.iter().map(|a| norm(a.full)).filter(|n| n.is_finite()).fold(0.0, f64::max);
    if strongest <= 0.0 {
        return (Vec::new(), 0.0);
    }
    let mut order: Vec<&Anchor> =
        candidates.iter().filter(|a| norm(a.full) >= MIN_SHARE * strongest).collect();
    order.sort_by(|a, b| norm(b.full).total_cmp(&norm(a.full)));
    let width = frame.rect.width();
    let centre = frame.at(minimum.0, minimum.1);
    let mut places: Vec<(f64, f64)> = Vec::new();
    let mut kept = Vec::new();
    for a in order {
        let Some(p) = frame.at(a.at.0, a.at.1).filter(|p| frame.rect.contains(*p)) else { continue };
        let dist = |q: (f64, f64)| (p.0 - q.0).hypot(p.1 - q.1);
        let same = places.iter().any(|q| dist(*q) < 2.0);
        let far = places.iter().all(|q| dist(*q) >= SPACING * width);
        let clear = centre.is_none_or(|c| dist(c) >= SPACING * width);
        if same || (far && clear && places.len() < MAX_PLACES) {
            if !same {
                places.push(p);
            }
            kept.push(a.clone());
        }
    }
    (kept, LONGEST * width / strongest)
}

/// The shaft and the two-wing head of an arrow from `from` (pixels) along `g` (data units, y up) at
/// `scale` pixels per unit, clipped to `rect`; none for a zero or non-finite gradient.
pub fn shape(from: (f64, f64), g: (f64, f64), scale: f64, head: f64, rect: Rect) -> Option<(Points, Points)> {
    let (u, v) = (g.0 * scale, -g.1 * scale);
    let length = u.hypot(v);
    if !length.is_finite() || length < 1.0 {
        return None;
    }
    let tip = (from.0 + u, from.1 + v);
    let (du, dv) = (u / length, v / length);
    let head = head.min(length * 0.6);
    let (c, s) = (0.42f64.cos(), 0.42f64.sin());
    let wing = |sign: f64| (tip.0 - head * (du * c - sign * dv * s), tip.1 - head * (sign * du * s + dv * c));
    let shaft = super::clip::segment(from, tip, rect)?;
    let wings = vec![wing(1.0), tip, wing(-1.0)];
    let head = if rect.contains(tip) { wings } else { Vec::new() };
    Some((vec![shaft.0, shaft.1], head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::axis::Axis;

    fn frame() -> Frame {
        let axis = |d: &str| Axis::fixed(0.0, 10.0, false, d);
        Frame { rect: Rect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 100.0 }, x: axis("x"), y: axis("y") }
    }

    fn anchor(at: (f64, f64), g: f64) -> Anchor {
        Anchor { at, full: (g, 0.0), minis: Vec::new(), colour: RGBColor(0, 0, 0) }
    }

    #[test]
    fn weak_crowded_and_central_points_get_no_arrows() {
        let candidates = [
            anchor((1.0, 1.0), 1.0),  // strongest: kept
            anchor((1.2, 1.2), 0.9),  // too close to the first
            anchor((8.0, 8.0), 0.05), // too weak to have a direction
            anchor((5.1, 5.0), 0.8),  // on the minimum
            anchor((1.0, 1.0), 0.95), // the same place, another run: kept
            anchor((8.0, 2.0), 0.5),  // far and strong enough: kept
        ];
        let (kept, scale) = choose(&candidates, &frame(), (5.0, 5.0));
        let at: Vec<(f64, f64)> = kept.iter().map(|a| a.at).collect();
        assert_eq!(at, [(1.0, 1.0), (1.0, 1.0), (8.0, 2.0)]);
        // The longest arrow is 15 % of the 100-pixel width: 15 pixels for a gradient of 1.
        assert!((scale - 15.0).abs() < 1e-12);
    }

    #[test]
    fn arrows_point_along_the_gradient_with_y_up() {
        let rect = Rect { x0: 0.0, y0: 0.0, x1: 100.0, y1: 100.0 };
        let (shaft, head) = shape((50.0, 50.0), (0.0, 1.0), 10.0, 4.0, rect).unwrap();
        assert_eq!(shaft, vec![(50.0, 50.0), (50.0, 40.0)]);
        assert_eq!(head[1], (50.0, 40.0));
        assert!(shape((50.0, 50.0), (0.0, 0.0), 10.0, 4.0, rect).is_none());
    }
}
