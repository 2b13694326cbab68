//! Fingerprints: the SHA-256 of the examples a sweep trains on and of every run's resolved configuration.
//!
//! A run folder counts as done only when its summary.json (written last, just before the folder is renamed
//! into place) holds the hash this process computes for the same run. The hash is SHA-256 over the
//! canonical JSON of the spec (without the fields that only name or draw the results), the hash of the
//! examples as split and standardised, and the run's configuration: a stable function of what the run
//! computes, unlike Rust's `DefaultHasher`, which may change between compiler versions.
//!
//! [`machine`] names the kernel path and the CPU features a run computed with, recorded beside the hash:
//! they do not enter it (the same run on another machine is the same experiment), but runs of different
//! kernel paths may differ in the last bits, so a folder that mixes them is flagged ([`mixed_kernels`]).

use crate::data::{Dataset, Examples, Targets};
use crate::plan::RunConfig;
use crate::records::RunFile;
use crate::spec::{PlotsSpec, Spec};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// SHA-256 of the training and test examples (features and targets), as lowercase hex.
pub fn data_hash(data: &Dataset) -> String {
    let mut hasher = Sha256::new();
    for examples in [&data.train, &data.test] {
        feed_examples(&mut hasher, examples);
    }
    hex(&hasher.finalize())
}

/// What the runs start from: [`data_hash`] of the examples, and with `model.init_from` the SHA-256 of
/// that hash followed by the weights' own (`nn::weights::init_hash`), so other weights are another
/// configuration.
pub fn inputs_hash(data: &Dataset, init: Option<&[f32]>) -> String {
    let examples = data_hash(data);
    match init {
        None => examples,
        Some(weights) => {
            let text = format!("{examples}{}", crate::nn::weights::init_hash(weights));
            hex(&Sha256::digest(text.as_bytes()))
        }
    }
}

fn feed_examples(hasher: &mut Sha256, examples: &Examples) {
    let (rows, cols) = examples.x.dim();
    hasher.update((rows as u64).to_le_bytes());
    hasher.update((cols as u64).to_le_bytes());
    feed_words(hasher, examples.x.iter().map(|v| v.to_bits()));
    match &examples.y {
        Targets::Classes(classes) => feed_words(hasher, classes.iter().copied()),
        Targets::Values(values) => feed_words(hasher, values.iter().map(|v| v.to_bits())),
    }
}

/// Feeds 32-bit words little-endian, a buffer at a time (one `update` per word is several times slower).
fn feed_words(hasher: &mut Sha256, words: impl Iterator<Item = u32>) {
    let mut buffer = Vec::with_capacity(1 << 16);
    for word in words {
        buffer.extend_from_slice(&word.to_le_bytes());
        if buffer.len() == buffer.capacity() {
            hasher.update(&buffer);
            buffer.clear();
        }
    }
    hasher.update(&buffer);
}

/// What the configuration hash covers.
#[derive(Serialize)]
struct Resolved<'a> {
    spec: Spec,
    data_hash: &'a str,
    run: &'a RunConfig,
}

/// SHA-256 of everything that determines the records of `run`: the spec (name, output folder,
/// description and `[plots]` excluded), the data and the run's configuration.
pub fn config_hash(spec: &Spec, data_hash: &str, run: &RunConfig) -> String {
    let resolved = Resolved { spec: hashed_part(spec), data_hash, run };
    // Serialising plain data with string keys cannot fail; an empty text would only make every run
    // look unfinished, never wrongly finished.
    let text = serde_json::to_string(&resolved).unwrap_or_default();
    hex(&Sha256::digest(text.as_bytes()))
}

/// The part of `spec` that shapes the records: without name, output folder, description and `[plots]`.
/// Two specs with equal parts train the same runs.
pub fn hashed_part(spec: &Spec) -> Spec {
    let mut spec = spec.clone();
    spec.experiment.name.clear();
    spec.experiment.output = None;
    spec.experiment.description = None;
    spec.plots = PlotsSpec::default();
    spec
}

/// The kernel path this process computes with (the row kernels' run-time choice, `BATCHLAB_KERNELS`) and
/// the CPU features it detected, with the matrix-product kernel matrixmultiply picks for itself.
pub fn machine() -> (&'static str, String) {
    use crate::nn::kernels;
    (kernels::kernel_path(), format!("{}; gemm {}", kernels::cpu_features(), kernels::gemm_kernel()))
}

/// A warning when the runs `files` of `folder` came from more than one kernel path, naming the paths with
/// their run counts and the ids of all but the commonest (at most five each).
pub fn mixed_kernels(folder: &std::path::Path, files: &[RunFile]) -> Option<String> {
    let mut paths: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in files {
        let path = if f.kernel_path.is_empty() { "unrecorded" } else { f.kernel_path.as_str() };
        paths.entry(path).or_default().push(f.config.id.as_str());
    }
    if paths.len() < 2 {
        return None;
    }
    let commonest = paths.iter().max_by_key(|(_, ids)| ids.len()).map(|(p, _)| *p);
    let groups: Vec<String> = paths
        .iter()
        .map(|(path, ids)| {
            let n = ids.len();
            if Some(*path) == commonest {
                return format!("{path} ({n} runs)");
            }
            let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            let more = if n > 5 { format!(" and {} more", n - 5) } else { String::new() };
            format!("{path} ({n} runs: {shown}{more})")
        })
        .collect();
    Some(format!(
        "the runs of {} came from different kernel paths: {}; their numbers may differ in the last bits, \
         so compare them with care or recompute them on one kind of machine",
        folder.display(),
        groups.join(", ")
    ))
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        toml::from_str(
            "[experiment]\nname = \"a\"\n[training]\nepochs = 2\nlearning_rate = 0.1\n[sweep]\nbatch_sizes = [1]\n",
        )
        .expect("spec")
    }

    fn run() -> RunConfig {
        RunConfig {
            index: 0,
            id: "bs1-lr0.1-rep0".into(),
            repeat: 0,
            batch_size: 1,
            batch_label: "1".into(),
            learning_rate: 0.1,
            epochs: 2,
            updates_per_epoch: 10,
            last_batch_size: 1,
            ..RunConfig::default()
        }
    }

    #[test]
    fn the_hash_is_sha256_hex_and_ignores_names_and_plots() {
        let base = config_hash(&spec(), "d", &run());
        assert_eq!(base.len(), 64);
        let mut renamed = spec();
        renamed.experiment.name = "b".into();
        renamed.plots.log_y = false;
        assert_eq!(config_hash(&renamed, "d", &run()), base);
    }

    #[test]
    fn the_hash_changes_with_the_training_the_data_and_the_run() {
        let base = config_hash(&spec(), "d", &run());
        let mut slower = spec();
        slower.training.momentum = Some(0.5);
        assert_ne!(config_hash(&slower, "d", &run()), base);
        assert_ne!(config_hash(&spec(), "e", &run()), base);
        let mut other = run();
        other.learning_rate = 0.2;
        assert_ne!(config_hash(&spec(), "d", &other), base);
    }

    #[test]
    fn the_kernel_path_is_one_of_the_two_and_agrees_with_the_features() {
        // `BATCHLAB_KERNELS=portable` (CI's second pass) forces the portable path on any CPU; the fast path
        // is only ever chosen where the CPU has it.
        let (path, features) = machine();
        assert!(path == "portable" || path == "avx2+fma");
        if path == "avx2+fma" {
            assert!(features.contains("avx2") && features.contains("fma"), "{features}");
        }
        assert!(features.contains("gemm"), "{features}");
    }

    #[test]
    fn a_folder_mixing_kernel_paths_is_named_with_the_odd_runs() {
        let file = |id: &str, path: &str| {
            let mut f: RunFile = serde_json::from_value(serde_json::json!({
                "config": run(), "training": spec().training, "model": spec().model, "data": "d",
                "summary": {"run_id": id, "repeat": 0, "batch_size": 1, "batch_label": "1",
                    "learning_rate": 0.1, "epochs": 2, "epochs_completed": 2, "updates_per_epoch": 10,
                    "last_batch_size": 1, "updates": 20, "examples_seen": 20, "final_train_loss": 0.5,
                    "train_time_s": 1.0, "examples_per_s": 20.0, "diverged": false},
            }))
            .expect("a run file");
            f.config.id = id.into();
            f.kernel_path = path.into();
            f
        };
        let same = [file("a", "avx2+fma"), file("b", "avx2+fma")];
        assert_eq!(mixed_kernels(std::path::Path::new("out"), &same), None);
        let mixed = [file("a", "avx2+fma"), file("b", "avx2+fma"), file("c", "portable"), file("d", "")];
        let warning = mixed_kernels(std::path::Path::new("out"), &mixed).expect("a warning");
        assert!(
            warning.contains("avx2+fma (2 runs), portable (1 runs: c), unrecorded (1 runs: d)"),
            "{warning}"
        );
    }

    #[test]
    fn sha256_of_the_empty_string_is_the_known_digest() {
        // FIPS 180-2 test vector: guards against a hex or digest mix-up.
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
