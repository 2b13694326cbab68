//! Rendering a chart to bytes: an SVG document (text stays text) and a PNG through plotters' bitmap
//! backend, both drawn by the same `Chart::draw`; and the registration of the bundled font.

use super::{Chart, FONT, Style, fail};
use plotters::prelude::*;
use std::sync::Once;

/// DejaVu Sans, licence in assets/fonts/.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font with plotters, once.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType file compiled in; a failure would show as missing text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The SVG document of `chart` at `size` (SVG units), sizes scaled by `unit`.
pub fn svg(chart: &impl Chart, size: (u32, u32), unit: f64) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root, &Style { scale: 1.0, unit })?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The PNG file of `chart`, `scale` pixels per SVG unit.
pub fn png(chart: &impl Chart, size: (u32, u32), unit: f64, scale: f64) -> Result<Vec<u8>, String> {
    let (w, h) = ((f64::from(size.0) * scale) as u32, (f64::from(size.1) * scale) as u32);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root, &Style { scale, unit })?;
        root.present().map_err(fail)?;
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(&rgb).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(png)
}
