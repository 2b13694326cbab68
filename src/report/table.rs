//! One table model, rendered to Markdown, HTML and aligned terminal text, so a table is written once and
//! every format shows the same cells (as hyperfine's exporters share one markup model).

use std::fmt::Write;

/// How a column's cells line up in terminal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Against the left edge (names, ids).
    Left,
    /// Against the right edge (numbers).
    Right,
}

/// Headers and rows of cells, already formatted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column headers.
    pub columns: Vec<String>,
    /// Alignment of each column in terminal text.
    pub align: Vec<Align>,
    /// One vector of cells per row, as many as columns.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these headers, every column right-aligned.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            align: vec![Align::Right; columns.len()],
            rows: Vec::new(),
        }
    }

    /// The same table with column `index` aligned left in terminal text.
    pub fn left(mut self, index: usize) -> Table {
        if let Some(a) = self.align.get_mut(index) {
            *a = Align::Left;
        }
        self
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// A Markdown pipe table, numbers right-aligned.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", self.columns.join(" | "));
        let _ = writeln!(out, "|{}", " ---: |".repeat(self.columns.len()));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }

    /// An HTML table, cells escaped.
    pub fn html(&self) -> String {
        let mut out = String::from("<table>\n");
        let head: String = self.columns.iter().map(|c| format!("<th>{}</th>", escape(c))).collect();
        let _ = writeln!(out, "<tr>{head}</tr>");
        for row in &self.rows {
            let cells: String = row.iter().map(|c| format!("<td>{}</td>", escape(c))).collect();
            let _ = writeln!(out, "<tr>{cells}</tr>");
        }
        out.push_str("</table>\n");
        out
    }

    /// Plain text for a terminal: columns padded to their widest cell, two spaces apart.
    pub fn text(&self) -> String {
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                let cells = self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count());
                cells.chain([self.columns[c].chars().count()]).max().unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .zip(&self.align)
                .map(|((c, &w), a)| match a {
                    Align::Left => format!("{c:<w$}"),
                    Align::Right => format!("{c:>w$}"),
                })
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", line(&self.columns));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
        out
    }
}

/// Three significant figures in plain decimals: 0.0173, 0.192, 37.8, 2960.
pub fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { "–".into() };
    }
    let exponent = v.abs().log10().floor() as i32;
    if exponent >= 2 {
        let unit = 10f64.powi(exponent - 2);
        return format!("{:.0}", (v / unit).round() * unit);
    }
    let decimals = (2 - exponent) as usize;
    format!("{v:.decimals$}")
}

/// Three significant figures in powers of ten: 1.05e-3, 3.86e7.
pub fn scientific(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    format!("{v:.2e}")
}

/// The cells of one numeric column: three significant figures, and powers of ten for the whole column
/// when any value is below 0.001 or from 10^5 up, so a column never mixes "1.05e-3" and "0.0173";
/// missing values read "–".
pub fn column(values: &[Option<f64>]) -> Vec<String> {
    let finite = || values.iter().flatten().filter(|v| v.is_finite() && **v != 0.0);
    let powers = finite().any(|v| v.abs() < 1e-3 || v.abs() >= 1e5);
    values
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() => {
                if powers && *v != 0.0 {
                    scientific(*v)
                } else {
                    significant(*v)
                }
            }
            _ => "–".into(),
        })
        .collect()
}

/// `text` with the HTML special characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&["run", "loss"]).left(0);
        t.push(vec!["a".into(), "0.5".into()]);
        t.push(vec!["b<c".into(), "12.25".into()]);
        t
    }

    #[test]
    fn one_table_renders_the_same_cells_in_every_format() {
        let t = sample();
        assert_eq!(t.markdown(), "| run | loss |\n| ---: | ---: |\n| a | 0.5 |\n| b<c | 12.25 |\n");
        assert_eq!(
            t.html(),
            "<table>\n<tr><th>run</th><th>loss</th></tr>\n<tr><td>a</td><td>0.5</td></tr>\n\
             <tr><td>b&lt;c</td><td>12.25</td></tr>\n</table>\n"
        );
        assert_eq!(t.text(), "run   loss\na      0.5\nb<c  12.25\n");
    }

    #[test]
    fn numbers_have_three_significant_figures_and_one_notation_per_column() {
        assert_eq!(
            column(&[Some(0.0173), Some(0.19163), Some(2959.1274), None]),
            ["0.0173", "0.192", "2960", "–"]
        );
        assert_eq!(column(&[Some(1.048e-3), Some(0.0173)]), ["0.00105", "0.0173"]);
        assert_eq!(column(&[Some(9.9e-4), Some(0.0173)]), ["9.90e-4", "1.73e-2"]);
        assert_eq!(column(&[Some(38577642.0), Some(145062.0)]), ["3.86e7", "1.45e5"]);
        assert_eq!(column(&[Some(f64::NAN), Some(1.0)]), ["–", "1.00"]);
    }
}
