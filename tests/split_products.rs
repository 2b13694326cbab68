//! Idle cores in a run's matrix products (issue 17, item 1): when fewer runs than threads remain, a run's
//! large products are split over output blocks onto the idle threads, and no record changes. `peak_bytes`
//! is the one measured number allowed to differ besides the clocks: it counts the run's own thread, and
//! a block's packing buffer is smaller than the whole product's.

mod common;

use common::{OUT, TIME_COLUMNS, Workdir, blobs_spec, edit, records};

/// Batch sizes 8 and full on 96 features through two hidden layers of 256: the full-batch run's products
/// (448 x 96 x 256 and 448 x 256 x 256) and every 256-row evaluation chunk are past the split threshold;
/// B = 8 runs the row kernels. With 2 threads the shorter run ends first and leaves a tail of one run;
/// with 4, two threads are idle from the start.
fn spec() -> String {
    let spec = blobs_spec(560, r#"[8, "full"]"#, 3);
    let spec = edit(&spec, "features = 3", "features = 96");
    let spec = edit(&spec, "test_fraction = 0.0", "test_fraction = 0.2");
    let spec = edit(&spec, "hidden = []", "hidden = [256, 256]\nactivation = \"tanh\"");
    edit(&spec, "every = 0", "every = 1\nprobes = 4")
}

fn run(spec: &str, threads: &str, env: &[(&str, &str)]) -> Workdir {
    let wd = Workdir::new();
    wd.write("spec.toml", spec);
    wd.run_with_env(&["spec.toml", "-q", "--threads", threads], env).expect_success();
    wd
}

fn compared(wd: &Workdir) -> Vec<(std::path::PathBuf, common::Csv)> {
    let dropped: Vec<&str> = TIME_COLUMNS.iter().copied().chain(["peak_bytes"]).collect();
    records(wd, OUT).into_iter().map(|(path, csv)| (path, csv.without(&dropped))).collect()
}

#[test]
fn records_are_identical_when_idle_threads_split_the_last_runs_products() {
    let spec = spec();
    let one = compared(&run(&spec, "1", &[]));
    assert!(one.iter().filter(|(p, _)| p.ends_with("iterations.csv")).count() == 2, "{one:?}");
    assert!(one.iter().any(|(p, _)| p.ends_with("noise.csv")));
    for threads in ["2", "4"] {
        let other = compared(&run(&spec, threads, &[]));
        assert_eq!(one.len(), other.len(), "--threads {threads}: different files");
        for ((path, a), (_, b)) in one.iter().zip(&other) {
            assert!(a == b, "--threads 1 vs {threads}: {} differs", path.display());
        }
    }
    // The portable row kernels change B = 8's numbers, not whether a split changes any.
    let portable = [("BATCHLAB_KERNELS", "portable")];
    let (p1, p4) = (compared(&run(&spec, "1", &portable)), compared(&run(&spec, "4", &portable)));
    assert!(p1 == p4, "portable kernels: --threads 1 vs 4 differ");
}
