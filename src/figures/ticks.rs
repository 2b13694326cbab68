//! Tick positions and tick labels: round values on linear axes, decades (with 2 and 5 between them when
//! fewer than about two decades show) on log axes, and one number format per axis: plain decimals with
//! the same number of decimals on a linear axis, or powers of ten ("10⁻⁴", "2×10⁻⁴") when the values
//! are very large or very small. A linear axis of very large or small values gets a common factor
//! ("×10⁶") named once in the axis description instead.

/// Fewest labelled ticks an axis shows.
pub const MIN_TICKS: usize = 3;

/// Round values from `lo` to `hi`: steps of 1, 2 or 5 times a power of ten, aiming at four to eight
/// ticks, never fewer than [`MIN_TICKS`].
pub fn linear(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let span = hi - lo;
    let mut best = Vec::new();
    for exponent in (span.log10().floor() as i32 - 2)..=(span.log10().ceil() as i32) {
        for m in [5.0, 2.0, 1.0] {
            let step = m * 10f64.powi(exponent);
            let ticks = multiples(lo, hi, step);
            if ticks.len() >= 4 && ticks.len() <= 8 {
                return ticks;
            }
            if ticks.len() >= MIN_TICKS && best.is_empty() {
                best = ticks;
            }
        }
    }
    best
}

/// Multiples of `step` within [lo, hi], rounded so that sums of steps print cleanly.
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last - first > 50 {
        return Vec::new();
    }
    (first..=last).map(|k| clean(k as f64 * step)).collect()
}

/// `v` rounded to 12 significant digits: 3 x 0.1 prints as 0.3.
fn clean(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let digits = 11 - v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (v * scale).round() / scale
}

/// Ticks of a log axis from `lo` to `hi` (both > 0): decades over a wide range (every second or third
/// decade over a very wide one), 1-2-5 over one to two decades, 1 to 9 over less, and round linear steps
/// when even that gives fewer than [`MIN_TICKS`].
pub fn log(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    // Within a fraction of a decade a log axis looks linear: round linear steps label it evenly.
    if decades < 0.7 {
        let steps: Vec<f64> = linear(lo, hi).into_iter().filter(|&v| v > 0.0).collect();
        if steps.len() >= MIN_TICKS {
            return steps;
        }
    }
    let every = (decades / 7.0).ceil().max(1.0) as i32;
    // Over less than two decades, 1-2-5 only when it gives four labels (three can leave most of the data
    // between two ticks), else 1-2-3-5, else every integer mantissa.
    let tries: [(&[f64], usize); 4] = [
        (&[1.0], if decades >= 2.0 { MIN_TICKS } else { usize::MAX }),
        (&[1.0, 2.0, 5.0], MIN_TICKS + 1),
        (&[1.0, 2.0, 3.0, 5.0], MIN_TICKS),
        (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], MIN_TICKS),
    ];
    for (mantissas, wanted) in tries {
        let ticks = in_decades(lo, hi, mantissas, every);
        if ticks.len() >= wanted {
            return ticks;
        }
    }
    linear(lo, hi).into_iter().filter(|&v| v > 0.0).collect()
}

fn in_decades(lo: f64, hi: f64, mantissas: &[f64], every: i32) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mut out = Vec::new();
    for e in first..=last {
        if mantissas.len() == 1 && e.rem_euclid(every) != 0 {
            continue;
        }
        for m in mantissas {
            let v = clean(m * 10f64.powi(e));
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                out.push(v);
            }
        }
    }
    out
}

/// Whether an axis of these values needs powers of ten: any non-zero value below 0.001 or from 10^5 up.
fn needs_powers(values: &[f64]) -> bool {
    values.iter().any(|v| *v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5))
}

/// Labels of the ticks of a linear axis and the common factor, if any, for the axis description
/// (" (×10⁶)"): every label with the same number of decimals.
pub fn linear_labels(ticks: &[f64]) -> (Vec<String>, Option<String>) {
    let largest = ticks.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (scaled, factor) = if needs_powers(ticks) && largest > 0.0 {
        let e = largest.log10().floor() as i32;
        let s: Vec<f64> = ticks.iter().map(|v| clean(v / 10f64.powi(e))).collect();
        (s, Some(format!("×10{}", superscript(e))))
    } else {
        (ticks.to_vec(), None)
    };
    let decimals = scaled.iter().map(|v| decimals_of(*v)).max().unwrap_or(0);
    (scaled.iter().map(|v| fixed(*v, decimals)).collect(), factor)
}

/// Labels of the ticks of a log axis: plain numbers, or powers of ten for all of them.
pub fn log_labels(ticks: &[f64]) -> Vec<String> {
    if needs_powers(ticks) {
        return ticks.iter().map(|v| power(*v)).collect();
    }
    ticks.iter().map(|v| fixed(*v, decimals_of(*v))).collect()
}

/// Decimals `v` needs to print exactly (up to 6).
fn decimals_of(v: f64) -> usize {
    (0..=6)
        .find(|&d| ((v * 10f64.powi(d as i32)).round() - v * 10f64.powi(d as i32)).abs() < 1e-6)
        .unwrap_or(6)
}

fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    // "-0" and "-0.0" print as zero.
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.replace('-', "")
    } else {
        text
    }
}

/// `v` as m×10ⁿ, or 10ⁿ when the mantissa is 1.
pub fn power(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let e = v.abs().log10().floor() as i32;
    let m = clean(v / 10f64.powi(e));
    let m = if (m.abs() - 10.0).abs() < 1e-9 { return power_of(v.signum(), e + 1) } else { m };
    if (m.abs() - 1.0).abs() < 1e-9 {
        return power_of(m.signum(), e);
    }
    format!("{}×10{}", fixed(m, decimals_of(m).min(2)), superscript(e))
}

fn power_of(sign: f64, e: i32) -> String {
    format!("{}10{}", if sign < 0.0 { "−" } else { "" }, superscript(e))
}

/// An integer in superscript digits.
pub fn superscript(e: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::new();
    if e < 0 {
        out.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        out.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_at_least_three() {
        assert_eq!(linear(0.0, 1.0), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(linear(0.93, 0.99), vec![0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99]);
        for (lo, hi) in [(0.0, 1e-9), (3.0, 3.0001), (-5.0, 1e7), (0.1, 0.35)] {
            let t = linear(lo, hi);
            assert!(t.len() >= MIN_TICKS, "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|v| *v >= lo && *v <= hi), "{lo}..{hi}: {t:?}");
        }
    }

    #[test]
    fn log_ticks_fill_in_two_and_five_when_few_decades_show() {
        assert_eq!(log(1e-4, 1e2), vec![1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]);
        assert_eq!(log(0.03, 0.6), vec![0.05, 0.1, 0.2, 0.5]);
        assert_eq!(log(0.23, 3.0), vec![0.3, 0.5, 1.0, 2.0, 3.0]);
        assert_eq!(log(0.21, 1.5), vec![0.3, 0.5, 1.0]);
        assert_eq!(log(0.6, 2.0), vec![0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]);
        assert_eq!(log(0.048, 0.16), vec![0.06, 0.08, 0.1, 0.12, 0.14, 0.16]);
        // A very wide range labels every second decade, at most about seven labels.
        let wide = log(1e-4, 1e36);
        assert!(wide.len() <= 8 && wide.len() >= MIN_TICKS, "{wide:?}");
        // A sliver of a decade falls back to round linear steps.
        assert!(log(1.01, 1.05).len() >= MIN_TICKS);
    }

    #[test]
    fn one_axis_uses_one_number_format() {
        assert_eq!(log_labels(&[1e-3, 1e-2, 0.1]), ["0.001", "0.01", "0.1"]);
        assert_eq!(log_labels(&[5e-4, 1e-3, 2e-3]), ["5×10⁻⁴", "10⁻³", "2×10⁻³"]);
        assert_eq!(linear_labels(&[0.0, 0.5, 1.0]).0, ["0.0", "0.5", "1.0"]);
        let (labels, factor) = linear_labels(&[0.0, 5e5, 1e6, 1.5e6]);
        assert_eq!(labels, ["0.0", "0.5", "1.0", "1.5"]);
        assert_eq!(factor.as_deref(), Some("×10⁶"));
        assert_eq!(linear_labels(&[0.0, 10.0, 20.0]).0, ["0", "10", "20"]);
    }

    #[test]
    fn powers_of_ten_print_as_superscripts() {
        assert_eq!(power(1e36), "10³⁶");
        assert_eq!(power(2e-4), "2×10⁻⁴");
        assert_eq!(power(0.001), "10⁻³");
        assert_eq!(superscript(-12), "⁻¹²");
    }
}
