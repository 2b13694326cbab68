//! Checks on rendered SVG figures that a reviewer would otherwise do by eye: every coordinate finite,
//! every text inside the canvas, at least three labelled ticks on every axis, distinct colours for
//! distinct batch sizes. The SVG is plotters' output: flat elements, one per line, text as `<text>`.

#![allow(dead_code)] // each test crate uses its own subset

/// Tick labels are the only text of this size anchored "middle" (x axes) or "end" (y axes).
pub const TICK_SIZE: f64 = 19.0;

/// One `<text>` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub dy: String,
    pub anchor: String,
    pub size: f64,
    pub rotated: bool,
    pub content: String,
}

/// The value of attribute `name` in the tag text `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// The canvas size from the root element.
pub fn canvas(svg: &str) -> (f64, f64) {
    let root = &svg[svg.find("<svg").expect("an svg element")..];
    let n = |a| attribute(root, a).and_then(|v| v.parse().ok()).expect("width and height");
    (n("width"), n("height"))
}

/// Every `<text>` element.
pub fn texts(svg: &str) -> Vec<Text> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let (tag, rest) = t.split_once('>')?;
            let content = rest.split_once("</text>")?.0.trim().to_string();
            let num = |a| attribute(tag, a).and_then(|v| v.parse::<f64>().ok());
            Some(Text {
                x: num("x")?,
                y: num("y")?,
                dy: attribute(tag, "dy").unwrap_or("").to_string(),
                anchor: attribute(tag, "text-anchor").unwrap_or("start").to_string(),
                size: num("font-size")?,
                rotated: tag.contains("rotate("),
                content,
            })
        })
        .collect()
}

/// Every number in the attributes of every element (text content excluded) that is not finite, with
/// the element; `NaN` or `inf` written anywhere in a tag counts.
pub fn non_finite(svg: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for tag in svg.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("")) {
        let numbers = tag
            .split(['"', ',', ' ', '(', ')'])
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '.'))
            .filter_map(|w| w.trim_end_matches(|c: char| c.is_alphabetic()).parse::<f64>().ok());
        let words = ["NaN", "nan", "inf", "Infinity"];
        if numbers.clone().any(|v| !v.is_finite()) || words.iter().any(|w| tag.contains(w)) {
            bad.push(tag.chars().take(120).collect());
        }
    }
    bad
}

/// Advance of `c` in DejaVu Sans, in ems (close enough to tell a label that leaves the canvas).
fn advance(c: char) -> f64 {
    match c {
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
        ' ' => 0.32,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' => 0.4,
        'm' | 'w' | 'M' | 'W' => 0.95,
        '=' | '+' | '×' | '−' | '<' | '>' | '±' | '≤' | '≥' | '→' => 0.84,
        '0'..='9' => 0.64,
        c if c.is_uppercase() => 0.72,
        c if "⁰¹²³⁴⁵⁶⁷⁸⁹⁻".contains(c) => 0.4,
        _ => 0.6,
    }
}

/// The box a text covers: (left, top, right, bottom).
pub fn extent(t: &Text) -> (f64, f64, f64, f64) {
    let width: f64 = t.content.chars().map(advance).sum::<f64>() * t.size;
    let (along_lo, along_hi) = match t.anchor.as_str() {
        "middle" => (-width / 2.0, width / 2.0),
        "end" => (-width, 0.0),
        _ => (0.0, width),
    };
    let (across_lo, across_hi) = match t.dy.as_str() {
        "0.76em" => (0.0, t.size),
        "0.5ex" => (-0.55 * t.size, 0.45 * t.size),
        _ => (-0.95 * t.size, 0.25 * t.size),
    };
    if t.rotated {
        // rotate(270) turns the text to read upwards: along the text is up the page.
        (t.x + across_lo, t.y - along_hi, t.x + across_hi, t.y - along_lo)
    } else {
        (t.x + along_lo, t.y + across_lo, t.x + along_hi, t.y + across_hi)
    }
}

/// Texts that reach outside the canvas (by more than a pixel).
pub fn outside(svg: &str) -> Vec<String> {
    let (w, h) = canvas(svg);
    texts(svg)
        .into_iter()
        .filter(|t| {
            let (l, top, r, b) = extent(t);
            l < -1.0 || top < -1.0 || r > w + 1.0 || b > h + 1.0
        })
        .map(|t| format!("{:?} at ({}, {}) covers {:?} of {w} x {h}", t.content, t.x, t.y, extent(&t)))
        .collect()
}

/// Tick labels grouped by axis: x axes are "middle" labels on one baseline, y axes "end" labels on one x.
/// An axis without labels has no group.
pub fn tick_groups(svg: &str) -> Vec<Vec<String>> {
    let ticks: Vec<Text> =
        texts(svg).into_iter().filter(|t| (t.size - TICK_SIZE).abs() < 1e-6 && !t.rotated).collect();
    let mut groups: Vec<(String, f64, Vec<String>)> = Vec::new();
    for t in ticks.iter().filter(|t| t.anchor == "middle" || t.anchor == "end") {
        let key = if t.anchor == "middle" { t.y } else { t.x };
        match groups.iter_mut().find(|g| g.0 == t.anchor && (g.1 - key).abs() < 0.5) {
            Some(g) => g.2.push(t.content.clone()),
            None => groups.push((t.anchor.clone(), key, vec![t.content.clone()])),
        }
    }
    groups.into_iter().map(|g| g.2).collect()
}

/// The colour of the legend sample just before each legend text starting with `prefix` ("B = ").
pub fn legend_colours(svg: &str, prefix: &str) -> Vec<(String, String)> {
    let elements: Vec<&str> = svg.split('<').skip(1).collect();
    let mut out = Vec::new();
    for (i, e) in elements.iter().enumerate() {
        let Some(content) = e.strip_prefix("text").and_then(|t| t.split_once('>')).map(|t| t.1.trim()) else {
            continue;
        };
        // Legend texts are anchored left and centred on their sample; notes on failed runs (with a ':') repeat
        // their configuration's colour on purpose.
        if !content.starts_with(prefix)
            || content.contains(':')
            || !e.contains("text-anchor=\"start\"")
            || !e.contains("dy=\"0.5ex\"")
        {
            continue;
        }
        let sample = elements[..i].iter().rev().find(|p| !p.starts_with("/") && !p.starts_with("text"));
        let colour = sample.and_then(|p| {
            let paint = |a| attribute(p, a).filter(|v| *v != "none");
            paint("stroke").or(paint("fill")).map(str::to_string)
        });
        out.push((content.to_string(), colour.unwrap_or_default()));
    }
    out
}

/// Distinct stroke colours of the lines (`polyline`) of a figure.
pub fn line_colours(svg: &str) -> Vec<String> {
    let mut colours: Vec<String> =
        svg.split("<polyline").skip(1).filter_map(|t| attribute(t, "stroke").map(str::to_string)).collect();
    colours.sort();
    colours.dedup();
    colours
}
