//! Writes what `plot` renders: `figures/<name>.svg` and .png, report.md and report.html, each atomically.

use super::write_bytes;
use crate::error::Result;
use crate::figures::Figure;
use std::path::{Path, PathBuf};

/// Folder of the figures inside a results folder.
pub const FIGURES: &str = "figures";

/// What a `plot` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotReport {
    /// Every file written, figures first, then report.md and report.html.
    pub files: Vec<PathBuf>,
    /// The figures' names, in report order.
    pub figures: Vec<String>,
    /// Seconds spent rendering (reading and writing excluded).
    pub render_s: f64,
}

/// Writes `figures` under `dir/figures/` (the SVG only when `svg` is set, the PNG when rendered), then the
/// two reports into `dir`; returns the paths written.
pub fn write_plot_files(
    dir: &Path,
    figures: &[Figure],
    svg: bool,
    markdown: &str,
    html: &str,
) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for figure in figures {
        if svg {
            let path = dir.join(FIGURES).join(format!("{}.svg", figure.name));
            write_bytes(&path, figure.svg.as_bytes())?;
            files.push(path);
        }
        if let Some(png) = &figure.png {
            let path = dir.join(FIGURES).join(format!("{}.png", figure.name));
            write_bytes(&path, png)?;
            files.push(path);
        }
    }
    for (name, text) in [("report.md", markdown), ("report.html", html)] {
        let path = dir.join(name);
        write_bytes(&path, text.as_bytes())?;
        files.push(path);
    }
    Ok(files)
}
