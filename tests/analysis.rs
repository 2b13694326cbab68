//! The trade-off analysis end to end: `analyze` on a results folder the binary wrote, the memory columns
//! of summary.csv against the analytic count, lr scaling in the plan, and the analysis keys' checks.

mod common;

use common::{OUT, Workdir, read_csv};

/// A digits sweep into [`OUT`]: B = 1, 8, 128 and full, two rates, `epochs` epochs, no noise, no plots.
fn spec(epochs: u32, extra: &str) -> String {
    format!(
        r#"
[experiment]
name = "analysis-test"
output = "{OUT}"
seed = 3

[data]
source = "digits"

[model]
hidden = [16]

[training]
epochs = {epochs}
learning_rate = 0.1

[sweep]
batch_sizes = [1, 8, 128, "full"]
learning_rates = [0.05, 0.2]

[noise]
every = 0

[plots]
enabled = false
{extra}
"#
    )
}

#[test]
fn analyze_prints_the_answer_table_and_writes_analysis_json_and_csv() {
    let w = Workdir::new();
    let path = w.write("spec.toml", spec(3, ""));
    w.run(&[path.to_str().unwrap(), "-q"]).expect_success();
    let out = w.run(&["analyze", OUT]);
    out.expect_success();
    // No target was given: the automatic one is stated, and every batch size reaches it.
    assert!(out.stdout.contains("chosen automatically"), "{}", out.stdout);
    for header in ["batch size", "tuning", "steps to target", "peak memory", "B_simple at target"] {
        assert!(out.stdout.contains(header), "no `{header}` in\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains("full (1437)") && out.stdout.to_lowercase().contains("critical batch size"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.out().join("analysis.json")).unwrap()).unwrap();
    assert_eq!(json["batch_sizes"].as_array().unwrap().len(), 4);
    assert_eq!(json["runs"].as_array().unwrap().len(), 8);
    let table = read_csv(w.out().join("analysis.csv"));
    assert_eq!(table.column("batch_size"), ["1", "8", "128", "1437"]);
    // The automatic target is reached by every batch size at its best rate, in every repeat.
    assert_eq!(table.column("repeats_reached"), ["1", "1", "1", "1"]);
    // An epoch is N = 1437 examples, so the interpolated examples are the interpolated epochs times N; an
    // update takes B examples except the last of an epoch, which may take fewer, so
    // examples / B <= steps <= examples / B + epochs + 1.
    let epochs = table.numbers("epochs_to_target");
    let sizes = table.numbers("batch_size");
    for ((e, b), (s, x)) in epochs
        .iter()
        .zip(&sizes)
        .zip(table.numbers("steps_to_target").iter().zip(table.numbers("examples_to_target")))
    {
        assert!((e * 1437.0 - x).abs() < 1e-6 * x.max(1.0), "examples {x} != {e} epochs x 1437");
        assert!(*s >= x / b - 1e-9 && *s <= x / b + e + 1.0, "steps {s} against {x} examples of B = {b}");
    }
    let runs = read_csv(w.out().join("analysis_runs.csv"));
    assert_eq!(runs.rows.len(), 8);
}

#[test]
fn a_given_target_that_no_run_reaches_is_reported_as_not_reached() {
    let w = Workdir::new();
    let path = w.write("spec.toml", spec(1, "[analysis]\ntarget_train_loss = 1e-6\n"));
    w.run(&[path.to_str().unwrap(), "-q"]).expect_success();
    let out = w.run(&["analyze", OUT]);
    out.expect_success();
    assert!(out.stdout.contains("from [analysis]") && out.stdout.contains("not reached"), "{}", out.stdout);
    assert!(out.stdout.contains("not fitted"), "{}", out.stdout);
}

#[test]
fn measured_peak_memory_grows_with_batch_size_like_the_analytic_count() {
    // One epoch of the default digits network (64 -> 64 -> 10) at B = 1, 32 and 128, no noise probes.
    let w = Workdir::new();
    let text = spec(1, "")
        .replace("hidden = [16]", "hidden = [64]")
        .replace("[1, 8, 128, \"full\"]", "[1, 32, 128]")
        .replace("learning_rates = [0.05, 0.2]", "");
    let path = w.write("spec.toml", text);
    w.run(&[path.to_str().unwrap(), "-q"]).expect_success();
    let summary = read_csv(w.out().join("summary.csv"));
    let measured = summary.numbers("peak_bytes");
    let analytic = summary.numbers("analytic_bytes");
    assert!(measured.windows(2).all(|w| w[1] > w[0]), "peak grows with B: {measured:?}");
    // The analytic count is ~0.3 MB at B = 1 (parameters, gradients, 256-row evaluation buffers) and adds
    // 892 bytes a row of batch, so analytic(128)/analytic(1) is about 1.37; the measurement must agree
    // within 20 %.
    let (m, a) = (measured[2] / measured[0], analytic[2] / analytic[0]);
    assert!((m / a - 1.0).abs() < 0.2, "measured ratio {m:.3}, analytic ratio {a:.3}");
    assert!(m > 1.2, "B = 128 holds visibly more than B = 1: {m:.3}");
}

#[test]
fn sqrt_scaling_gives_four_times_the_batch_twice_the_rate() {
    let w = Workdir::new();
    let text = spec(1, "").replace(
        "learning_rates = [0.05, 0.2]",
        "learning_rates = [0.05]\nlr_scaling = \"sqrt\"\nbase_batch_size = 32",
    );
    let path = w.write("spec.toml", text.replace("[1, 8, 128, \"full\"]", "[8, 32, 128]"));
    let out = w.run(&["plan", path.to_str().unwrap()]);
    out.expect_success();
    // 0.05 x sqrt(8/32) = 0.025, 0.05 at the base, 0.05 x sqrt(128/32) = 0.1.
    for id in ["bs0008-lr0.025-rep0", "bs0032-lr0.05-rep0", "bs0128-lr0.1-rep0"] {
        assert!(out.stdout.contains(id), "no {id} in\n{}", out.stdout);
    }
}

#[test]
fn lr_scaling_without_a_base_batch_size_is_refused_at_its_key() {
    let w = Workdir::new();
    let text = spec(1, "").replace("learning_rates = [0.05, 0.2]", "lr_scaling = \"linear\"");
    let path = w.write("spec.toml", text);
    let out = w.run(&[path.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stderr.contains("sweep.base_batch_size"), "{}", out.stderr);
    assert!(!w.out().exists(), "nothing is written");
}

#[test]
fn a_test_accuracy_target_outside_zero_to_one_is_refused_with_its_line() {
    let w = Workdir::new();
    let path = w.write("spec.toml", spec(1, "[analysis]\ntarget_test_accuracy = 97\n"));
    let out = w.run(&[path.to_str().unwrap()]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("analysis.target_test_accuracy") && out.stderr.contains("line"),
        "{}",
        out.stderr
    );
}

#[test]
fn plot_draws_the_trade_off_figures_and_puts_the_answers_in_the_report() {
    let w = Workdir::new();
    let path =
        w.write("spec.toml", spec(3, "").replace("enabled = false", "enabled = true\nformats = [\"svg\"]"));
    w.run(&[path.to_str().unwrap(), "-q"]).expect_success();
    let figures = w.out().join("figures");
    for name in
        ["steps_to_target", "steps_vs_examples", "memory", "generalisation_accuracy", "generalisation_loss"]
    {
        assert!(figures.join(format!("{name}.svg")).exists(), "no {name}.svg");
    }
    let md = std::fs::read_to_string(w.out().join("report.md")).unwrap();
    // Seconds to the target of a tiny sweep are at the timer's noise level: the report says why there is no chart.
    assert!(figures.join("time_to_target.svg").exists() || md.contains("*time_to_target* not drawn"), "{md}");
    let steps = std::fs::read_to_string(figures.join("steps_to_target.svg")).unwrap();
    for legend in ["perfect scaling", "chosen rate of each batch size"] {
        assert!(steps.contains(legend), "no legend `{legend}` in steps_to_target.svg");
    }
    // Every rate, on request, without retraining.
    w.run(&["plot", "out", "--set", "plots.learning_rates=all"]).expect_success();
    let steps = std::fs::read_to_string(figures.join("steps_to_target.svg")).unwrap();
    for legend in ["lr = 0.05", "lr = 0.2"] {
        assert!(steps.contains(legend), "no legend `{legend}` in steps_to_target.svg");
    }
    assert!(md.contains("## Conclusions") && md.contains("Critical batch size"), "{md}");
    // Two rates per batch size bracket nothing, so the fit is refused and says why.
    assert!(md.contains("not fitted"), "{md}");
    assert!(md.contains("Per-epoch training loss"), "the smoothness sentence is in the report");
    assert!(md.contains("Per-update (mini-batch) loss"), "both smoothness sentences are in the report");
    assert!(w.out().join("analysis.json").exists() && w.out().join("analysis_runs.csv").exists());
}
