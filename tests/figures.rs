//! Figures and report from results folders the tests create: a tiny sweep run by the binary, with
//! hand-written noise and landscape records added where a chart needs them.

use batchlab::records::{FileDigest, RunFile};
use batchlab::report::plot;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_batchlab");

/// Runs a two-epoch, two-repeat digits sweep over B = 1, 32, full into `root/results`, without noise
/// checkpoints, so the tests choose the noise records.
fn tiny_sweep(root: &Path) -> PathBuf {
    let out = root.join("results");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/naive.toml");
    let status = Command::new(BIN)
        .arg(spec)
        .args(["--set", "training.epochs=2", "--set", "experiment.repeats=2", "-q"])
        .args(["--set", "sweep.batch_sizes=[1, 32, \"full\"]", "--set", "plots.enabled=false"])
        .args(["--set", "plots.dpi=60", "--set", "noise.every=0"])
        .arg("--set")
        .arg(format!("experiment.output=\"{}\"", out.display()))
        .status()
        .expect("the binary runs");
    assert!(status.success());
    out
}

/// Writes a noise.csv into every run folder: checkpoints at epochs 0, 1, 2, probed at 1, 8, 32 and N.
fn add_noise(dir: &Path) {
    for run in fs::read_dir(dir.join("runs")).unwrap() {
        let run = run.unwrap().path();
        let mut text = String::from(
            "epoch,probe_batch_size,probes,grad_norm,trace_sigma,b_simple,cos_mean,cos_std,cos_predicted,\
             angle_deg_mean,dispersion,rel_error,rel_error_predicted,b_simple_two_batch,probe_time_s\n",
        );
        for epoch in 0..3u32 {
            let b_simple = 20.0 + 10.0 * f64::from(epoch);
            for b in [1usize, 8, 32, 1437] {
                let pred = b_simple / b as f64 * (1437.0 - b as f64) / 1436.0;
                let cos = 1.0 / (1.0 + pred).sqrt();
                let two = if b == 1437 { String::new() } else { format!("{}", b_simple * 1.1) };
                text.push_str(&format!(
                    "{epoch},{b},32,1.0,{b_simple},{b_simple},{cos},0.05,{cos},{},{},{},{pred},{two},0.001\n",
                    cos.acos().to_degrees(),
                    1.0 - cos,
                    pred * 1.05
                ));
            }
        }
        add_record(&run, "noise.csv", &text);
    }
}

/// Writes record `name` into the run folder `run` and lists its digest in summary.json, as a run that
/// recorded it would (readers ignore files summary.json does not list).
fn add_record(run: &Path, name: &str, text: &str) {
    fs::write(run.join(name), text).unwrap();
    let path = run.join("summary.json");
    let mut file: RunFile = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    file.files.retain(|d| d.name != name);
    file.files.push(FileDigest::of(name, text.as_bytes()));
    fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
}

/// A cheap well-formedness check: every opened element is closed, in order.
fn assert_balanced(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name = tag.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_string();
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "unbalanced </{name}>");
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

/// The text content of every `<text>` element, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_string()))
        .collect()
}

fn svg(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join("figures").join(format!("{name}.svg"))).unwrap()
}

#[test]
fn every_convergence_figure_has_one_line_and_one_legend_entry_per_batch_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let report = plot(&dir, None).unwrap();
    // The convergence figures come first; the trade-off figures of the analysis follow (tests/analysis.rs).
    assert_eq!(report.figures[..2], ["convergence_epoch", "convergence_iteration"]);
    // The time chart needs runs longer than the timer's noise, which a fast, idle machine may not give.
    let timed = report.figures[2] == "convergence_time";
    for name in &report.figures[..if timed { 3 } else { 2 }] {
        let text = svg(&dir, name);
        assert_balanced(&text);
        let labels = texts(&text);
        for (label, colour) in [("B = 1", "#D62728"), ("B = 32", "#FF7F0E"), ("B = full (1437)", "#1E1E1E")] {
            assert!(labels.iter().any(|l| l == label), "{name}: legend {label} in {labels:?}");
            // The per-update chart names its panels instead of keeping a legend of batch sizes.
            let lines = text.matches(&format!("stroke=\"{colour}\"")).count();
            let wanted = if name == "convergence_iteration" { 1 } else { 2 };
            assert!(lines >= wanted, "{name}: {label} has a line and a legend sample ({lines})");
        }
        assert!(text.contains("<text"), "text stays text in SVG");
        let png = fs::read(dir.join("figures").join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("![convergence_epoch](figures/convergence_epoch.png)"));
    // Two full-batch updates leave the network at a uniform guess over the ten classes: failed, and said so.
    assert!(md.contains("| full (1437) | 0.02 | 2 | 2 | 1 |"), "{md}");
    assert!(md.contains("ended no better than a uniform guess over the 10 classes"), "{md}");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), report.figures.len(), "figures inlined");
}

#[test]
fn plotting_twice_reproduces_the_same_svg_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    add_noise(&dir);
    let first = plot(&dir, None).unwrap();
    let before: Vec<String> = first.figures.iter().map(|n| svg(&dir, n)).collect();
    let second = plot(&dir, None).unwrap();
    let after: Vec<String> = second.figures.iter().map(|n| svg(&dir, n)).collect();
    assert_eq!(first.figures, second.figures);
    assert!(before == after, "SVG bytes differ between two plots of the same folder");
    assert_eq!(fs::read(dir.join("report.md")).unwrap(), fs::read(dir.join("report.md")).unwrap());
}

#[test]
fn gradient_noise_figures_appear_only_with_noise_records() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let without = plot(&dir, None).unwrap();
    assert!(!without.figures.iter().any(|f| f.starts_with("gradient_noise")));
    add_noise(&dir);
    let with = plot(&dir, None).unwrap();
    let noise: Vec<&String> = with.figures.iter().filter(|f| f.starts_with("gradient_noise")).collect();
    assert_eq!(noise.len(), 3, "{:?}", with.figures);
    for name in noise {
        assert_balanced(&svg(&dir, name));
    }
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("| 20.0 → 40.0 |"), "{md}");
}

#[test]
fn a_missing_csv_is_an_error_naming_the_file_and_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let run = dir.join("runs/bs0032-lr0.02-rep0");
    fs::remove_file(run.join("epochs.csv")).unwrap();
    let err = plot(&dir, None).unwrap_err().to_string();
    assert!(err.contains("bs0032-lr0.02-rep0: damaged run: epochs.csv cannot be read"), "{err}");
    let out = Command::new(BIN).arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("epochs.csv"));
}

#[test]
fn a_truncated_csv_is_an_error_naming_the_file_and_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let path = dir.join("runs/bs0001-lr0.02-rep1/iterations.csv");
    let text = fs::read_to_string(&path).unwrap();
    // Cut in the middle of a row, as an interrupted writer would leave it.
    let cut = text[..text.len() / 2].rfind('\n').unwrap();
    fs::write(&path, format!("{}\n1,7,7,1,0.", &text[..cut])).unwrap();
    // The digest in summary.json catches it before the parser reads a row.
    let err = plot(&dir, None).unwrap_err().to_string();
    assert!(err.contains("iterations.csv holds") && err.contains("(truncated or appended to)"), "{err}");
    let out = Command::new(BIN).arg("plot").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unfinished_run_folders_are_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    fs::create_dir_all(dir.join("runs/.bs0008-lr0.02-rep0.partial")).unwrap();
    assert!(plot(&dir, None).is_ok());
}

#[test]
fn the_landscape_figure_draws_every_batch_size_over_the_loss_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/landscape.toml");
    let status = Command::new(BIN)
        .arg(spec)
        .args(["--set", "data.samples=100", "--set", "training.epochs=2", "-q"])
        .args(["--set", "sweep.batch_sizes=[1, 8, \"full\"]", "--set", "plots.enabled=false"])
        .args(["--set", "landscape.enabled=true", "--set", "landscape.grid=11", "--set", "plots.dpi=60"])
        .arg("--set")
        .arg(format!("experiment.output=\"{}\"", dir.display()))
        .status()
        .expect("the binary runs");
    assert!(status.success());
    let report = plot(&dir, None).unwrap();
    assert!(report.figures.iter().any(|f| f == "landscape"), "{:?}", report.figures);
    let text = svg(&dir, "landscape");
    assert_balanced(&text);
    let labels = texts(&text);
    // With square-root lr scaling the legend names each batch size's rate too: "B = 8, lr = 0.05657".
    for label in
        ["B = 1,", "B = 8,", "B = full (80),", "training loss", "weight w0", "weight w1", "grid minimum"]
    {
        assert!(labels.iter().any(|l| l == label || l.starts_with(label)), "legend {label} in {labels:?}");
    }
    assert!(labels.iter().any(|l| l == "Loss landscape: paths from the same start"));
}

/// Runs the tiny sweep's spec again into `dir` with `extra` overrides; returns (exit code, stderr).
fn rerun(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/naive.toml");
    let out = Command::new(BIN)
        .arg(spec)
        .args(["--set", "training.epochs=2", "--set", "experiment.repeats=2", "-q"])
        .args(["--set", "sweep.batch_sizes=[1, 32, \"full\"]", "--set", "noise.every=0"])
        .args(extra)
        .arg("--set")
        .arg(format!("experiment.output=\"{}\"", dir.display()))
        .output()
        .expect("the binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_rerun_that_changes_only_plots_or_the_description_rerenders_without_retraining() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let records = dir.join("runs/bs0001-lr0.02-rep0/iterations.csv");
    let before = fs::read(&records).unwrap();
    // tiny_sweep ran with plots.enabled=false and dpi 60: only [plots] and the description differ now.
    let (code, stderr) =
        rerun(&dir, &["--set", "plots.log_y=false", "--set", "experiment.description=again"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("keeping its complete runs"), "{stderr}");
    // Retraining would rewrite wall_s; the records are the very same bytes.
    assert_eq!(fs::read(&records).unwrap(), before, "the runs were retrained");
    assert!(dir.join("figures/convergence_epoch.svg").exists(), "no figures rendered");
    assert!(fs::read_to_string(dir.join("spec.toml")).unwrap().contains("log_y = false"));
    let (code, stderr) = rerun(&dir, &["--set", "training.momentum=0.5"]);
    assert_eq!(code, Some(2), "a changed training key is a different spec: {stderr}");
    assert!(stderr.contains("different spec"), "{stderr}");
}

#[test]
fn plot_set_changes_only_plots_keys_with_the_checks_of_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_sweep(tmp.path());
    let run = |args: &[&str]| Command::new(BIN).arg("plot").arg(&dir).args(args).output().unwrap();
    let ok = run(&["--set", "plots.learning_rates=all", "--set", "plots.x_axis=epochs"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let svg = svg(&dir, "convergence_iteration");
    assert!(svg.contains("epochs (examples seen / N)"), "the x axis follows --set");
    for (set, fragment) in [("training.epochs=5", "only plots.* keys"), ("plots.dpi=0", "plots.dpi")] {
        let out = run(&["--set", set]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(fragment) && stderr.contains(set), "{set}: {stderr}");
    }
}
