//! The statistics of the earlier issues on a convolutional network through the binary: curvature
//! checkpoints (sharpness, the preconditioned sharpness of Adam, the trace, B_noise) and the
//! preconditioned noise scale are finite and identical at any thread count.

// Only the image generator is used here; the reference network serves tests/cnn.rs.
#[allow(dead_code)]
mod cnn_reference;
mod common;

use cnn_reference::SIDE;
use common::{OUT, TIME_COLUMNS, Workdir, read_csv};

fn spec() -> String {
    format!(
        r#"[experiment]
name = "cnn-curvature"
seed = 11
output = "{OUT}"

[data]
source = "csv"
path = "images.csv"
label = "label"
image_shape = [1, {SIDE}, {SIDE}]
test_fraction = 0.25

[model]
layers = [{{ type = "conv", filters = 3, kernel = 3, padding = "same" }}, {{ type = "maxpool", size = 2 }}, {{ type = "flatten" }}, {{ type = "dense", units = 6 }}]
activation = "tanh"
init = "xavier"

[training]
epochs = 2
learning_rate = 0.01
optimizer = "adam"

[sweep]
batch_sizes = [8, "full"]

[noise]
every = 1
probes = 3

[curvature]
every = 1
iterations = 30
trace_probes = 3
noise_probes = 4

[plots]
enabled = false
"#
    )
}

#[test]
fn curvature_and_preconditioned_noise_of_an_adam_trained_cnn_are_finite_and_thread_independent() {
    let rows = |threads: &str| {
        let wd = Workdir::new();
        wd.write("images.csv", cnn_reference::images(120).0);
        wd.write("spec.toml", spec());
        wd.run(&["spec.toml", "-q", "--threads", threads]).expect_success();
        ["bs08-lr0.01-rep0", "bs90-lr0.01-rep0"].map(|id| {
            let run = wd.run_dir(id);
            (
                read_csv(run.join("curvature.csv")).without(TIME_COLUMNS),
                read_csv(run.join("noise.csv")).without(TIME_COLUMNS),
            )
        })
    };
    let one = rows("1");
    for (curvature, noise) in &one {
        assert_eq!(curvature.column("epoch"), ["0", "1", "2"]);
        for column in ["lambda_max", "trace", "b_noise_se"] {
            assert!(
                curvature.numbers(column).iter().all(|v| v.is_finite()),
                "{column}: {:?}",
                curvature.column(column)
            );
        }
        assert!(curvature.numbers("lambda_max").iter().all(|&v| v > 0.0));
        // Adam's preconditioner exists after the first update: the checkpoints after epochs 1 and 2.
        let preconditioned = curvature.column("preconditioned_lambda_max");
        assert!(
            preconditioned[0].is_empty()
                && preconditioned[1..].iter().all(|v| v.parse::<f64>().is_ok_and(|v| v > 0.0))
        );
        let b = noise.column("b_simple_preconditioned");
        assert!(b.iter().skip(1).all(|v| v.parse::<f64>().is_ok_and(f64::is_finite)), "{b:?}");
    }
    assert!(one == rows("4"), "curvature.csv or noise.csv changed with the thread count");
}
