//! Long runs keep flat memory: per-iteration records stream to disk through a buffer, so an MNIST-sized
//! data set (60000 x 784) at B = 1 peaks at the same resident memory for two epochs (120000 rows of
//! iterations.csv) as for one (60000 rows). Peak resident memory of each child process comes from
//! getrusage(RUSAGE_CHILDREN), which reports the largest child so far: run the short sweep first.

mod common;

use common::{Workdir, read_csv};

const SPEC: &str = r#"
[experiment]
name = "mnist-sized"
output = "out"

[data]
source = "synthetic"
generator = "blobs"
samples = 75000
features = 784
classes = 10
noise = 1.0
test_fraction = 0.2

[model]
hidden = [32]

[training]
epochs = 1
learning_rate = 0.01

[sweep]
batch_sizes = [1]

[noise]
every = 0

[plots]
enabled = false
"#;

/// The largest peak resident set of any child that has ended so far, in kilobytes.
fn largest_child_peak_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage.ru_maxrss
    }
}

#[test]
fn an_mnist_sized_online_run_keeps_flat_memory_as_iterations_pile_up() {
    let wd = Workdir::new();
    wd.write("spec.toml", SPEC);
    wd.run(&["spec.toml", "-q", "--threads", "1"]).expect_success();
    let one_epoch = largest_child_peak_kb();
    wd.run(&["spec.toml", "-q", "--threads", "1", "--force", "--set", "training.epochs=2"]).expect_success();
    let two_epochs = largest_child_peak_kb();
    let rows = read_csv(wd.out().join("runs").join("bs00001-lr0.01-rep0").join("iterations.csv").as_path());
    assert_eq!(rows.column("iteration").len(), 120_000);
    // Two epochs write 60000 more rows; kept in memory as records (48 bytes each) they would add 2.9 MB.
    assert!(
        two_epochs <= one_epoch + 2048,
        "peak resident memory grew from {one_epoch} kB to {two_epochs} kB"
    );
}
