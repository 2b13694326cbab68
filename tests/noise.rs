//! Gradient noise on the shipped default sweep: the mini-batch direction strays less as the batch grows.

mod common;

use common::{OUT, Workdir, read_csv};

#[test]
fn dispersion_and_error_fall_as_the_batch_grows_on_the_default_digits_sweep() {
    let dir = Workdir::new();
    let spec = std::fs::canonicalize("experiments/sweep.toml").unwrap();
    let output = format!("experiment.output=\"{}\"", dir.join(OUT).display());
    dir.run(&[
        spec.to_str().unwrap(),
        "-q",
        "--set",
        "training.epochs=1",
        "--set",
        "experiment.repeats=1",
        "--set",
        "sweep.learning_rates=[0.1]",
        "--set",
        "sweep.extend_grid=0",
        "--set",
        &output,
    ])
    .expect_success();
    // Epoch 0 of every run of the repeat sits at the same initial weights, so the rows compare batch sizes alone.
    let mut rows: Vec<(f64, f64, f64, f64)> = ["bs0001", "bs0008", "bs0032", "bs0128", "bs1437"]
        .iter()
        .map(|prefix| {
            let folder = std::fs::read_dir(dir.join(OUT).join("runs"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
                .unwrap();
            let noise = read_csv(folder.join("noise.csv"));
            let first = |name: &str| noise.numbers(name)[0];
            (first("probe_batch_size"), first("dispersion"), first("rel_error"), first("cos_mean"))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in rows.windows(2) {
        let (small, large) = (pair[0], pair[1]);
        assert!(large.1 < small.1, "dispersion B={} {} vs B={} {}", small.0, small.1, large.0, large.1);
        assert!(large.2 < small.2, "rel_error B={} {} vs B={} {}", small.0, small.2, large.0, large.2);
        assert!(large.3 > small.3, "cos_mean B={} {} vs B={} {}", small.0, small.3, large.0, large.3);
    }
    assert_eq!((rows[4].1, rows[4].2, rows[4].3), (0.0, 0.0, 1.0), "the full batch is the full gradient");
}
