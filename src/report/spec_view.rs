//! The "spec as run" of the report: spec.toml with only the settings that apply to this experiment (no
//! synthetic `samples`/`features`/`classes` for the digits data, no landscape grid when the landscape is
//! off, no `base_batch_size` without scaling), so a reader sees what shaped the results. spec.toml itself
//! keeps every value.

use crate::spec::{Generator, LrScaling, Source, Spec};

/// `text` (spec.toml) without the `key = value` lines that do not apply to `spec`, arrays on one line.
pub fn applicable(text: &str, spec: &Spec) -> String {
    let dropped = dropped(spec);
    let mut table = String::new();
    let lines = joined(text);
    let mut out = Vec::new();
    for line in &lines {
        let line = line.as_str();
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            table = trimmed.trim_matches(|c| c == '[' || c == ']').to_string();
        } else if let Some((key, _)) = trimmed.split_once('=')
            && !trimmed.starts_with('#')
            && dropped.iter().any(|(t, k)| *t == table && *k == key.trim())
        {
            continue;
        }
        out.push(line);
    }
    out.join("\n")
}

/// The lines of `text` with every multi-line array (`key = [` ... `]`) joined onto one line.
fn joined(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open: Option<String> = None;
    for line in text.lines() {
        match open.as_mut() {
            Some(array) => {
                let item = line.trim().trim_end_matches(',');
                if item == "]" {
                    out.push(format!("{array}]"));
                    open = None;
                } else {
                    let sep = if array.ends_with('[') { "" } else { ", " };
                    array.push_str(&format!("{sep}{item}"));
                }
            }
            None if line.trim_end().ends_with("= [") && !line.trim_start().starts_with('#') => {
                open = Some(line.trim_end().to_string());
            }
            None => out.push(line.to_string()),
        }
    }
    out.extend(open);
    out
}

/// (table, key) pairs that do not apply.
fn dropped(spec: &Spec) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let d = &spec.data;
    let synthetic = ["generator", "samples", "features", "classes", "noise", "correlation"];
    let file = ["path", "labels", "label", "task"];
    let data: Vec<&'static str> = match d.source {
        Source::Digits => synthetic.iter().chain(&file[..3]).copied().collect(),
        Source::Csv => synthetic.iter().copied().chain(["labels"]).collect(),
        Source::Idx => synthetic.iter().copied().chain(["label", "task"]).collect(),
        Source::Synthetic => {
            let extra: &[&str] = match d.generator {
                Some(Generator::Linear) => &["classes"],
                Some(Generator::Blobs) => &["correlation"],
                Some(Generator::Spirals) => &["correlation"],
                None => &[],
            };
            file.iter().chain(extra).copied().collect()
        }
    };
    out.extend(data.into_iter().map(|k| ("data", k)));
    if spec.sweep.learning_rates.is_some() {
        out.push(("training", "learning_rate"));
    }
    if spec.sweep.lr_scaling == LrScaling::None {
        out.push(("sweep", "base_batch_size"));
    }
    if spec.noise.every == 0 {
        out.extend([("noise", "probes"), ("noise", "probe_batch_sizes")]);
    }
    if !spec.landscape.enabled {
        out.extend(["grid", "points", "arrow_points", "arrows"].map(|k| ("landscape", k)));
    }
    if !spec.plots.enabled {
        let plots =
            ["formats", "width", "height", "dpi", "log_y", "x_axis", "smoothing", "band", "learning_rates"];
        out.extend(plots.map(|k| ("plots", k)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# header\n[experiment]\nname = \"d\"\n\n[data]\nsource = \"digits\"\nsamples = 1000\nfeatures = 2\ntest_fraction = 0.2\n\n[training]\nepochs = 3\nlearning_rate = 0.1\n\n[sweep]\nbatch_sizes = [1]\n\n[landscape]\nenabled = false\ngrid = 41\n";

    #[test]
    fn digits_specs_show_no_synthetic_settings_and_an_off_landscape_shows_only_its_switch() {
        let spec: Spec = toml::from_str(&TEXT.replace("# header\n", "")).unwrap();
        let shown = applicable(TEXT, &spec);
        assert!(
            shown.contains("# header")
                && shown.contains("test_fraction = 0.2")
                && shown.contains("enabled = false")
        );
        for gone in ["samples", "features", "grid ="] {
            assert!(!shown.contains(gone), "{gone} in\n{shown}");
        }
        assert!(shown.contains("learning_rate = 0.1"), "the rate applies without a grid");
    }

    #[test]
    fn multi_line_arrays_are_shown_on_one_line() {
        let text = "[sweep]\nbatch_sizes = [\n    1,\n    \"full\",\n]\nlr_scaling = \"none\"\n";
        assert_eq!(joined(text), ["[sweep]", "batch_sizes = [1, \"full\"]", "lr_scaling = \"none\""]);
    }
}
