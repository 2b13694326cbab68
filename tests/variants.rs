//! `[[sweep.variants]]` through the binary: each variant is analysed on its own runs only (never pooled
//! with another variant's as extra repeats), the top report compares them paired over repeats, and
//! `--force` removes the variants' folders with the rest of the old results.

mod common;

use common::{OUT, Workdir, blobs_spec, edit, read_csv};

/// Two schedules over batch sizes 5 and 20, three repeats: a rate decayed 5x after epoch 2, or a batch
/// grown 4x there.
fn spec() -> String {
    let spec = blobs_spec(120, "[5, 20]", 4);
    let spec = edit(&spec, "seed = 7", "seed = 7\nrepeats = 3");
    // A rate at which B = 20 learns in its 20 updates (at 0.1 it ends at a uniform guess: failed).
    let spec = edit(&spec, "learning_rate = 0.1", "learning_rate = 0.5");
    spec + r#"
[[sweep.variants]]
name = "decay"
schedule = "step"
milestones = [2]
gamma = 0.2

[[sweep.variants]]
name = "grow"
batch_size_milestones = [2]
batch_size_factor = 4

[plots]
formats = ["svg"]
"#
}

#[test]
fn each_variant_is_analysed_alone_and_the_report_compares_them_paired() {
    let w = Workdir::new();
    w.write("spec.toml", spec());
    w.run(&["spec.toml", "-q"]).expect_success();
    for (variant, other) in [("decay", "grow"), ("grow", "decay")] {
        let dir = w.out().join("variants").join(variant);
        let runs = read_csv(dir.join("analysis_runs.csv"));
        let ids = runs.column("run_id");
        assert_eq!(ids.len(), 6, "{variant}: 2 batch sizes x 3 repeats, its own runs only: {ids:?}");
        assert!(ids.iter().all(|id| id.ends_with(&format!("-{variant}")) && !id.contains(other)));
        let per_batch = read_csv(dir.join("analysis.csv"));
        assert_eq!(per_batch.column("repeats"), ["3", "3"], "{variant}: three repeats, not six");
        assert!(dir.join("report.md").is_file() && dir.join("figures/convergence_epoch.svg").is_file());
    }
    let report = std::fs::read_to_string(w.out().join("report.md")).expect("top report");
    assert!(report.contains("## Variants compared"), "{report}");
    assert!(report.contains("### grow against decay"), "{report}");
    // One row per starting batch size, three pairs each; growing B makes fewer updates (4 epochs of
    // 96 training examples: 20 + 20 + 5 + 5 = 50 updates at B = 5 decayed, 20 + 20 + 5 + 5 vs ...).
    for b in ["| 5 | 0.500 | 3 |", "| 20 | 0.500 | 3 |"] {
        assert!(report.contains(b), "no row `{b}` in {report}");
    }
    assert!(report.contains("made ") && report.contains("of decay's updates"), "{report}");
    // The terminal analysis names each variant.
    let analyzed = w.run(&["analyze", OUT]);
    analyzed.expect_success();
    assert!(analyzed.stdout.contains("variant decay:") && analyzed.stdout.contains("variant grow:"));

    // A different spec with --force leaves nothing of the variants behind.
    w.write("plain.toml", blobs_spec(120, "[5]", 1));
    w.run(&["plain.toml", "-q", "--force"]).expect_success();
    assert!(!w.out().join("variants").exists(), "the variants' folders outlived --force");
}
