//! Clipping in pixel space: polylines cut at the frame of the plot (Liang-Barsky per segment) and broken
//! at missing values, polygons cut to the frame (Sutherland-Hodgman). A curve that leaves the frame
//! stops at its edge instead of being drawn over the axes, and no NaN or infinity reaches a backend.

/// A rectangle in pixels: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Whether `p` lies inside (edges included).
    pub fn contains(&self, p: (f64, f64)) -> bool {
        p.0 >= self.x0 - 1e-9 && p.0 <= self.x1 + 1e-9 && p.1 >= self.y0 - 1e-9 && p.1 <= self.y1 + 1e-9
    }

    /// Width in pixels.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height in pixels.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// The visible pieces of a polyline: `None` (or a non-finite point) breaks it; each piece holds at least
/// two points, all inside `rect`.
pub fn polyline(points: &[Option<(f64, f64)>], rect: Rect) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let finite = |p: &Option<(f64, f64)>| p.filter(|q| q.0.is_finite() && q.1.is_finite());
    let mut close = |current: &mut Vec<(f64, f64)>| {
        if current.len() > 1 {
            pieces.push(std::mem::take(current));
        }
        current.clear();
    };
    for pair in points.windows(2) {
        let (Some(a), Some(b)) = (finite(&pair[0]), finite(&pair[1])) else {
            close(&mut current);
            continue;
        };
        match segment(a, b, rect) {
            None => close(&mut current),
            Some((p, q)) => {
                if current.last() != Some(&p) {
                    close(&mut current);
                    current.push(p);
                }
                current.push(q);
                if q != b {
                    close(&mut current);
                }
            }
        }
    }
    close(&mut current);
    // A single point (a line of one finite value) is kept as a degenerate piece so markers can find it.
    pieces
}

/// The part of segment a-b inside `rect` (Liang-Barsky), if any.
pub fn segment(a: (f64, f64), b: (f64, f64), rect: Rect) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - rect.x0), (dx, rect.x1 - a.0), (-dy, a.1 - rect.y0), (dy, rect.y1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// `polygon` cut to `rect` (Sutherland-Hodgman); empty when nothing of it is inside.
pub fn polygon(points: &[(f64, f64)], rect: Rect) -> Vec<(f64, f64)> {
    type Inside = fn(&Rect, (f64, f64)) -> bool;
    type Cross = fn(&Rect, (f64, f64), (f64, f64)) -> (f64, f64);
    let edges: [(Inside, Cross); 4] = [
        (|r, p| p.0 >= r.x0, |r, a, b| at_x(a, b, r.x0)),
        (|r, p| p.0 <= r.x1, |r, a, b| at_x(a, b, r.x1)),
        (|r, p| p.1 >= r.y0, |r, a, b| at_y(a, b, r.y0)),
        (|r, p| p.1 <= r.y1, |r, a, b| at_y(a, b, r.y1)),
    ];
    let mut out: Vec<(f64, f64)> =
        points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    for (inside, cross) in edges {
        let input = std::mem::take(&mut out);
        for (i, &b) in input.iter().enumerate() {
            let a = input[(i + input.len() - 1) % input.len()];
            match (inside(&rect, a), inside(&rect, b)) {
                (true, true) => out.push(b),
                (true, false) => out.push(cross(&rect, a, b)),
                (false, true) => {
                    out.push(cross(&rect, a, b));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
    }
    out
}

fn at_x(a: (f64, f64), b: (f64, f64), x: f64) -> (f64, f64) {
    (x, a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0))
}

fn at_y(a: (f64, f64), b: (f64, f64), y: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * (y - a.1) / (b.1 - a.1), y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: Rect = Rect { x0: 0.0, y0: 0.0, x1: 10.0, y1: 10.0 };

    #[test]
    fn a_line_leaving_the_frame_stops_at_its_edge() {
        let pieces = polyline(&[Some((1.0, 5.0)), Some((5.0, 5.0)), Some((5.0, -1e30))], UNIT);
        assert_eq!(pieces, vec![vec![(1.0, 5.0), (5.0, 5.0), (5.0, 0.0)]]);
    }

    #[test]
    fn missing_values_break_the_line_and_are_never_drawn() {
        let points = [Some((1.0, 1.0)), Some((2.0, 2.0)), None, Some((4.0, 4.0)), Some((f64::NAN, 5.0))];
        assert_eq!(polyline(&points, UNIT), vec![vec![(1.0, 1.0), (2.0, 2.0)]]);
    }

    #[test]
    fn a_segment_crossing_the_frame_keeps_only_its_inside() {
        let (p, q) = segment((-5.0, 5.0), (15.0, 5.0), UNIT).unwrap();
        assert_eq!((p, q), ((0.0, 5.0), (10.0, 5.0)));
        assert_eq!(segment((-5.0, -5.0), (-1.0, 20.0), UNIT), None);
    }

    #[test]
    fn a_line_that_leaves_and_returns_becomes_two_pieces() {
        let points = [Some((1.0, 5.0)), Some((5.0, 20.0)), Some((9.0, 5.0))];
        let pieces = polyline(&points, UNIT);
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().flatten().all(|p| UNIT.contains(*p)));
    }

    #[test]
    fn polygons_are_cut_to_the_frame() {
        let square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)];
        let cut = polygon(&square, UNIT);
        assert!(cut.iter().all(|p| UNIT.contains(*p)), "{cut:?}");
        assert!(cut.contains(&(5.0, 5.0)) && cut.contains(&(0.0, 0.0)), "{cut:?}");
        assert!(polygon(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], UNIT).is_empty());
    }
}
