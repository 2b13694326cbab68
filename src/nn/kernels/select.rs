//! Which kernel path this process runs: `BATCHLAB_KERNELS` read once, the CPU's features detected once,
//! and a plain description of both (and of matrixmultiply's own choice) for the records.

use super::{KernelPath, Kernels};
use std::ffi::OsString;
use std::sync::OnceLock;

/// The environment variable that forces a kernel path.
pub const VAR: &str = "BATCHLAB_KERNELS";

/// A `BATCHLAB_KERNELS` value this process cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelChoiceError {
    /// Not one of the allowed values.
    #[error("{VAR}=`{value}` is not a kernel path; allowed values: auto, portable, avx2")]
    Unknown {
        /// What the variable holds (lossily decoded).
        value: String,
    },
    /// The AVX2/FMA path on a CPU without AVX2 or FMA.
    #[error(
        "the avx2+fma kernels need a CPU with avx2 and fma, and this one has only `{features}`; \
         set {VAR}=auto or {VAR}=portable"
    )]
    Unsupported {
        /// The CPU's relevant features, as [`cpu_features`] lists them.
        features: String,
    },
}

static SELECTED: OnceLock<Result<Kernels, KernelChoiceError>> = OnceLock::new();

/// The kernels this process runs, chosen on the first call from `BATCHLAB_KERNELS` and the CPU. The
/// binary calls this before any work, so a bad value stops it with exit code 2 instead of a panic in
/// the first kernel call.
pub fn select() -> Result<Kernels, KernelChoiceError> {
    match SELECTED.get_or_init(|| choose(std::env::var_os(VAR))) {
        Ok(kernels) => Ok(*kernels),
        Err(e) => Err(e.clone()),
    }
}

/// The selected kernels, for the free functions: a bad `BATCHLAB_KERNELS` is refused by [`select`]
/// at the binary's start, so this panics only in a library user that skipped that check.
#[inline]
pub(super) fn selected() -> Kernels {
    select().unwrap_or_else(|e| panic!("{e}"))
}

/// The kernels for a value of `BATCHLAB_KERNELS` (`None` when unset).
fn choose(value: Option<OsString>) -> Result<Kernels, KernelChoiceError> {
    let value = value.map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
    match value.as_str() {
        "" | "auto" if has_avx2_fma() => Kernels::new(KernelPath::Avx2Fma),
        "" | "auto" | "portable" => Kernels::new(KernelPath::Portable),
        "avx2" | "avx2+fma" => Kernels::new(KernelPath::Avx2Fma),
        _ => Err(KernelChoiceError::Unknown { value }),
    }
}

/// Whether this CPU runs the AVX2/FMA path.
pub(super) fn has_avx2_fma() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        false
    }
}

/// The selected path's name for the records: `avx2+fma` or `portable`. Panics as the kernels would on
/// a bad `BATCHLAB_KERNELS`; call [`select`] first to get that as an error.
pub fn kernel_path() -> &'static str {
    selected().path().name()
}

/// The CPU features that decide the kernels here and in matrixmultiply, comma-separated in this order:
/// `sse2,sse4.1,avx,avx2,fma,avx512f` (absent ones left out); `neon` on aarch64; empty elsewhere.
pub fn cpu_features() -> String {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    let found = [
        ("sse2", is_x86_feature_detected!("sse2")),
        ("sse4.1", is_x86_feature_detected!("sse4.1")),
        ("avx", is_x86_feature_detected!("avx")),
        ("avx2", is_x86_feature_detected!("avx2")),
        ("fma", is_x86_feature_detected!("fma")),
        ("avx512f", is_x86_feature_detected!("avx512f")),
    ];
    #[cfg(target_arch = "aarch64")]
    let found = [("neon", std::arch::is_aarch64_feature_detected!("neon"))];
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    let found: [(&str, bool); 0] = [];
    found.iter().filter(|(_, has)| *has).map(|(name, _)| *name).collect::<Vec<_>>().join(",")
}

/// The sgemm kernel matrixmultiply 0.3.11 runs for batches of `GEMM_MIN_ROWS` and more (through
/// ndarray's `general_mat_mul`), by its own run-time detection (`sgemm_kernel::detect`, at each
/// call): `fma+avx2` where the CPU has both, else `avx`, else `fallback` (`neon` on aarch64). Its
/// AVX-512 kernel is not built: ndarray 0.17 depends on it with `default-features = false`, which
/// leaves out its `avx512` feature. So on the machine these kernels were measured on (AVX-512F, AVX2,
/// FMA) it runs `fma+avx2` (`kernel_target_fma` in a profile).
///
/// `BATCHLAB_KERNELS` does not change this choice: matrixmultiply has no run-time switch. Its only
/// one, `MMTEST_FEATURE`, is read when matrixmultiply is compiled (`option_env!`), is documented as
/// internal and for its own tests, and can only hide features from detection. So the GEMM half of a
/// run's arithmetic follows the CPU whatever `BATCHLAB_KERNELS` says; record this beside
/// [`kernel_path`].
pub fn gemm_kernel() -> &'static str {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if has_avx2_fma() {
            "fma+avx2"
        } else if is_x86_feature_detected!("avx") {
            "avx"
        } else {
            "fallback"
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") { "neon" } else { "fallback" }
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        "fallback"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_allowed_value_picks_its_path_and_others_are_refused() {
        let auto = if has_avx2_fma() { KernelPath::Avx2Fma } else { KernelPath::Portable };
        for (value, expected) in [(None, auto), (Some(""), auto), (Some("auto"), auto)] {
            assert_eq!(choose(value.map(OsString::from)).map(Kernels::path), Ok(expected), "{value:?}");
        }
        assert_eq!(choose(Some("portable".into())).map(Kernels::path), Ok(KernelPath::Portable));
        for value in ["avx2", "avx2+fma"] {
            let forced = choose(Some(value.into()));
            assert_eq!(forced.is_ok(), has_avx2_fma(), "{value}: {forced:?}");
        }
        for value in ["avx3", "AVX2", " portable", "sse2"] {
            let refused = choose(Some(value.into())).expect_err(value).to_string();
            assert!(refused.contains(VAR) && refused.contains("auto, portable, avx2"), "{refused}");
            assert!(refused.contains(&format!("`{value}`")), "{refused}");
        }
    }

    #[test]
    fn the_features_list_follows_the_documented_order() {
        let features = cpu_features();
        let order = ["sse2", "sse4.1", "avx", "avx2", "fma", "avx512f", "neon"];
        let positions: Vec<usize> = features
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| order.iter().position(|o| o == &f).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{features}");
        #[cfg(target_arch = "x86_64")]
        assert!(features.starts_with("sse2"), "every x86-64 CPU has SSE2: {features}");
        assert_eq!(has_avx2_fma(), features.contains("avx2") && features.contains("fma"));
    }
}
