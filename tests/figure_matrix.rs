//! The figure matrix: small results folders built by the binary (a learning-rate grid, diverged runs, a
//! regression task, one batch size, twenty batch sizes, one repeat with a landscape), every figure rendered
//! to SVG with the default `[plots]` and with every learning rate, and checks that fail on the faults a
//! reviewer would reject: a NaN or infinite coordinate, text outside the canvas, an axis with fewer than
//! three tick labels, two batch sizes in one colour, a loss named for the wrong task. Each check is also
//! shown to fire on an SVG that breaks it.

mod svg_check;

use batchlab::report::{plot, plots_with};
use std::path::{Path, PathBuf};
use std::process::Command;
use svg_check::{legend_colours, line_colours, non_finite, outside, tick_groups};

const BIN: &str = env!("CARGO_BIN_EXE_batchlab");

/// A spec over synthetic data: `data` and `sweep` lines spliced into a small, fast experiment.
fn spec(name: &str, data: &str, sweep: &str, extra: &str) -> String {
    format!(
        "[experiment]\nname = \"{name}\"\nseed = 5\nrepeats = 2\n\n[data]\nsource = \"synthetic\"\n{data}\n\n\
         [model]\nhidden = [8]\nactivation = \"tanh\"\n\n[training]\nepochs = 4\nlearning_rate = 0.05\n\n\
         [sweep]\n{sweep}\n\n[noise]\nevery = 2\nprobes = 6\n\n[plots]\nformats = [\"svg\"]\n{extra}\n"
    )
}

const BLOBS: &str = "generator = \"blobs\"\nsamples = 240\nfeatures = 4\nclasses = 3\nnoise = 1.5";
const LINEAR: &str = "generator = \"linear\"\nsamples = 200\nfeatures = 4\nnoise = 0.3";

/// The cases: (name, spec, the task's loss, the other task's loss).
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let sweep20 =
        "batch_sizes = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32, 40, 64, 96, 128, \"full\"]";
    let (ce, mse) = ("cross-entropy", "mean squared error");
    vec![
        (
            "grid",
            spec("grid", BLOBS, "batch_sizes = [1, 8, \"full\"]\nlearning_rates = [0.01, 0.1, 0.5]", "")
                .replace("every = 2\n", "every = 2\nprobe_batch_sizes = \"sweep\"\n"),
            ce,
            mse,
        ),
        (
            "diverged",
            spec(
                "diverged",
                LINEAR,
                "batch_sizes = [1, 8, \"full\"]\nlearning_rates = [0.01, 0.05, 0.6]",
                "",
            ),
            mse,
            ce,
        ),
        ("regression", spec("regression", LINEAR, "batch_sizes = [1, 16, \"full\"]", ""), mse, ce),
        ("one-size", spec("one-size", BLOBS, "batch_sizes = [8]", ""), ce, mse),
        ("twenty", spec("twenty", BLOBS, sweep20, "").replace("epochs = 4", "epochs = 2"), ce, mse),
        (
            "one-repeat",
            spec(
                "one-repeat",
                "generator = \"linear\"\nsamples = 120\nfeatures = 2\ncorrelation = 0.8",
                "batch_sizes = [1, 8, \"full\"]\nlr_scaling = \"sqrt\"\nbase_batch_size = 1",
                "",
            )
            .replace("repeats = 2", "repeats = 1")
            .replace("hidden = [8]", "hidden = []\nbias = false\ninit = \"zeros\"")
            .replace("[plots]", "[landscape]\nenabled = true\ngrid = 15\n\n[plots]"),
            mse,
            ce,
        ),
    ]
}

/// Runs `text` into `root/<name>` without figures; returns the results folder.
fn results(root: &Path, name: &str, text: &str) -> PathBuf {
    let path = root.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let out = root.join(name);
    let status = Command::new(BIN)
        .arg(&path)
        .args(["-q", "--set", "plots.enabled=false", "--set"])
        .arg(format!("experiment.output=\"{}\"", out.display()))
        .status()
        .expect("the binary runs");
    assert!(status.success(), "{name}: the sweep failed");
    out
}

/// Every problem of one rendered figure.
fn problems(name: &str, svg: &str, loss: &str, other: &str) -> Vec<String> {
    let mut found = Vec::new();
    for bad in non_finite(svg) {
        found.push(format!("{name}: a non-finite coordinate in <{bad}"));
    }
    for text in outside(svg) {
        found.push(format!("{name}: text outside the canvas: {text}"));
    }
    let groups = tick_groups(svg);
    for group in &groups {
        if group.len() < 3 {
            found.push(format!("{name}: an axis with {} tick label(s): {group:?}", group.len()));
        }
    }
    // Every chart has both axes labelled: a chart with an empty axis has no group for it.
    if groups.len() < 2 {
        found.push(format!("{name}: {} labelled axis(es)", groups.len()));
    }
    let keyed = legend_colours(svg, "B = ");
    let mut colours: Vec<&String> = keyed.iter().map(|k| &k.1).collect();
    colours.sort();
    colours.dedup();
    if colours.len() != keyed.len() {
        found.push(format!("{name}: batch sizes share a colour: {keyed:?}"));
    }
    if svg.contains(other) || (shows_loss(name) && !svg.contains(loss)) {
        found.push(format!("{name}: the loss is not named \"{loss}\""));
    }
    found
}

/// Figures whose axes show a loss.
fn shows_loss(name: &str) -> bool {
    name.starts_with("convergence_") || name == "generalisation_loss"
}

#[test]
fn every_figure_of_every_case_passes_the_reviewer_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("BATCHLAB_FIGURE_MATRIX").map(PathBuf::from);
    let root = keep.as_deref().unwrap_or(tmp.path());
    let mut found = Vec::new();
    for (case, text, loss, other) in cases() {
        let dir = results(root, case, &text);
        for rates in ["chosen", "all"] {
            let plots = plots_with(
                &dir,
                &[format!("plots.learning_rates={rates}"), "plots.formats=[\"svg\", \"png\"]".into()],
            )
            .unwrap();
            let report = plot(&dir, Some(&plots)).unwrap();
            assert!(!report.figures.is_empty(), "{case}: no figure");
            for figure in &report.figures {
                let svg = std::fs::read_to_string(dir.join("figures").join(format!("{figure}.svg"))).unwrap();
                found.extend(problems(&format!("{case}/{rates}/{figure}"), &svg, loss, other));
            }
            if let Some(keep) = &keep {
                let copy = keep.join("png").join(format!("{case}-{rates}"));
                std::fs::create_dir_all(&copy).unwrap();
                for f in &report.figures {
                    let png = dir.join("figures").join(format!("{f}.png"));
                    std::fs::copy(&png, copy.join(format!("{f}.png"))).unwrap();
                }
            }
        }
    }
    assert!(found.is_empty(), "{} problems:\n{}", found.len(), found.join("\n"));
}

#[test]
fn twenty_batch_sizes_get_twenty_colours_and_a_colour_bar() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, text, ..) = cases().into_iter().find(|c| c.0 == "twenty").unwrap();
    let dir = results(tmp.path(), "twenty", &text);
    plot(&dir, None).unwrap();
    let svg = std::fs::read_to_string(dir.join("figures/convergence_epoch.svg")).unwrap();
    assert!(
        svg.contains(">\nbatch size B\n<") || svg.contains("batch size B"),
        "a colour bar names the batch sizes"
    );
    // Training and test lines of twenty batch sizes, in twenty colours (plus the black legend samples).
    assert!(line_colours(&svg).len() >= 20, "{:?}", line_colours(&svg));
}

#[test]
fn a_chart_with_a_single_batch_size_is_skipped_and_the_report_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, text, ..) = cases().into_iter().find(|c| c.0 == "one-size").unwrap();
    let dir = results(tmp.path(), "one-size", &text);
    let report = plot(&dir, None).unwrap();
    for name in ["steps_to_target", "generalisation_accuracy", "gradient_noise_cosine"] {
        assert!(!report.figures.iter().any(|f| f == name), "{name} drawn for one batch size");
        assert!(report.skipped.iter().any(|(n, _)| n == name), "{name} not listed as skipped");
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("*steps_to_target* not drawn: "), "{md}");
}

#[test]
fn each_check_fires_on_a_figure_that_breaks_it() {
    let good = "<svg width=\"100\" height=\"50\" viewBox=\"0 0 100 50\">\n\
        <polyline fill=\"none\" stroke=\"#D62728\" points=\"1,1 2,2 \"/>\n\
        <text x=\"50\" y=\"25\" dy=\"0.5ex\" text-anchor=\"middle\" font-size=\"19\">1</text>\n</svg>";
    assert!(non_finite(good).is_empty() && outside(good).is_empty());
    assert_eq!(non_finite(&good.replace("2,2", "2,NaN")).len(), 1);
    assert_eq!(outside(&good.replace("x=\"50\"", "x=\"99\"").replace(">1<", ">1000<")).len(), 1);
    let axis = |labels: &[&str]| {
        labels.iter().enumerate().map(|(i, l)| {
            format!("<text x=\"{}\" y=\"40\" dy=\"0.76em\" text-anchor=\"middle\" font-size=\"19\">{l}</text>\n", 10 + 20 * i)
        }).collect::<String>()
    };
    assert_eq!(tick_groups(&axis(&["1", "10"])), vec![vec!["1".to_string(), "10".to_string()]]);
    // A chart whose y axis lost its labels (an empty steps_to_target did) is caught.
    let one_axis = format!("<svg width=\"100\" height=\"50\">\n{}</svg>", axis(&["1", "2", "4"]));
    assert!(problems("memory", &one_axis, "", "none").iter().any(|p| p.contains("1 labelled axis")));
    let legend = |a: &str, b: &str| {
        format!(
            "<polyline stroke=\"{a}\" points=\"0,0 1,1\"/>\n<text x=\"1\" y=\"10\" dy=\"0.5ex\" text-anchor=\"start\" font-size=\"19\">B = 1</text>\n\
                 <polyline stroke=\"{b}\" points=\"0,0 1,1\"/>\n<text x=\"1\" y=\"30\" dy=\"0.5ex\" text-anchor=\"start\" font-size=\"19\">B = 8</text>\n"
        )
    };
    let twice = format!("<svg width=\"100\" height=\"50\">\n{}</svg>", legend("#111111", "#111111"));
    assert!(
        problems("convergence_epoch", &twice, "cross-entropy", "mean squared error")
            .iter()
            .any(|p| p.contains("share a colour"))
    );
    let wrong = format!(
        "<svg width=\"100\" height=\"50\">\n{}<text x=\"5\" y=\"20\">loss (mean squared error)</text></svg>",
        legend("#111111", "#222222")
    );
    assert!(
        problems("convergence_epoch", &wrong, "cross-entropy", "mean squared error")
            .iter()
            .any(|p| p.contains("loss is not named"))
    );
}
