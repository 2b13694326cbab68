//! Dense-layer kernels for small batches, where a general matrix product spends more time packing than
//! multiplying, chosen at run time: the binary is built for baseline x86-64 (or aarch64) and runs the
//! AVX2/FMA path where the CPU has both, as matrixmultiply does for its own kernels.
//!
//! The path is picked once per process ([`select()`]), from `BATCHLAB_KERNELS`:
//! - `auto` (or unset, or empty): AVX2/FMA when `is_x86_feature_detected!` finds both, else portable;
//! - `portable`: the baseline build's kernels on any CPU (multiply-adds rounded twice);
//! - `avx2` (or `avx2+fma`, the name [`kernel_path`] records): the fast path, an error where the CPU
//!   lacks it (never a SIGILL).
//!
//! The free functions below run the selected path; [`Kernels`] runs one named path, so tests can
//! compare both in one process. Each kernel's summation order is fixed (see `body.rs`) and the same
//! on both paths: a result depends only on the inputs and on whether multiply-adds are fused.

mod avx2;
mod body;
mod lanes;
mod portable;
mod select;
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
mod sse2;

pub use select::{KernelChoiceError, VAR, cpu_features, gemm_kernel, kernel_path, select};

/// One implementation of the kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelPath {
    /// Baseline instruction set (SSE2 on x86-64), separate multiply and add: runs everywhere.
    Portable,
    /// AVX2 with fused multiply-adds: x86 CPUs that have both (Haswell, Zen and later).
    Avx2Fma,
}

impl KernelPath {
    /// The name recorded for a run: `portable` or `avx2+fma`.
    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Portable => "portable",
            KernelPath::Avx2Fma => "avx2+fma",
        }
    }
}

/// A handle on one kernel path that this CPU can run; [`Kernels::new`] is the only way to get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernels {
    path: KernelPath,
}

impl Kernels {
    /// The kernels of `path`, or an error naming the missing CPU features.
    pub fn new(path: KernelPath) -> Result<Kernels, KernelChoiceError> {
        match path {
            KernelPath::Avx2Fma if !select::has_avx2_fma() => {
                Err(KernelChoiceError::Unsupported { features: cpu_features() })
            }
            _ => Ok(Kernels { path }),
        }
    }

    /// Which path these are.
    pub fn path(self) -> KernelPath {
        self.path
    }

    /// [`forward_rows`] on this path.
    pub fn forward_rows(self, input: &[f32], w: &[f32], fan_in: usize, fan_out: usize, out: &mut [f32]) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: `Kernels::new` gives this path only where avx2 and fma were detected.
            return unsafe { avx2::forward_rows(input, w, fan_in, fan_out, out) };
        }
        portable::forward_rows(input, w, fan_in, fan_out, out)
    }

    /// [`weight_gradient_rows`] on this path.
    pub fn weight_gradient_rows(
        self,
        input: &[f32],
        delta: &[f32],
        fan_in: usize,
        fan_out: usize,
        gw: &mut [f32],
    ) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::weight_gradient_rows(input, delta, fan_in, fan_out, gw) };
        }
        portable::weight_gradient_rows(input, delta, fan_in, fan_out, gw)
    }

    /// [`propagate_rows`] on this path.
    pub fn propagate_rows(self, delta: &[f32], w: &[f32], fan_in: usize, fan_out: usize, prev: &mut [f32]) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::propagate_rows(delta, w, fan_in, fan_out, prev) };
        }
        portable::propagate_rows(delta, w, fan_in, fan_out, prev)
    }

    /// [`axpy`] on this path.
    pub fn axpy(self, a: f32, x: &[f32], y: &mut [f32]) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::axpy(a, x, y) };
        }
        portable::axpy(a, x, y)
    }

    /// [`rank_one_update`] on this path.
    pub fn rank_one_update(self, w: &mut [f32], a: &[f32], delta: &[f32], alpha: f32, keep: f32) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::rank_one_update(w, a, delta, alpha, keep) };
        }
        portable::rank_one_update(w, a, delta, alpha, keep)
    }

    /// [`dot`] on this path.
    pub fn dot(self, x: &[f32], y: &[f32]) -> f32 {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::dot(x, y) };
        }
        portable::dot(x, y)
    }

    /// [`dot_and_squared_norm`] on this path.
    pub fn dot_and_squared_norm(self, x: &[f32], y: &[f32]) -> (f64, f64) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::dot_and_squared_norm(x, y) };
        }
        portable::dot_and_squared_norm(x, y)
    }

    /// [`descend_and_observe`] on this path.
    pub fn descend_and_observe(
        self,
        params: &mut [f32],
        grad: &[f32],
        previous: &[f32],
        lr: f32,
    ) -> (f64, f64) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if self.path == KernelPath::Avx2Fma {
            // SAFETY: as in `forward_rows`.
            return unsafe { avx2::descend_and_observe(params, grad, previous, lr) };
        }
        portable::descend_and_observe(params, grad, previous, lr)
    }
}

/// out[r, :] += sum_i input[r, i] * w[i, :] for each of the `b` rows (`out` holds the bias already).
pub fn forward_rows(input: &[f32], w: &[f32], fan_in: usize, fan_out: usize, out: &mut [f32]) {
    select::selected().forward_rows(input, w, fan_in, fan_out, out);
}

/// gw[i, :] = sum_r input[r, i] * delta[r, :] (the weight gradient, already divided by the batch).
pub fn weight_gradient_rows(input: &[f32], delta: &[f32], fan_in: usize, fan_out: usize, gw: &mut [f32]) {
    select::selected().weight_gradient_rows(input, delta, fan_in, fan_out, gw);
}

/// prev[r, i] = sum_j w[i, j] * delta[r, j] (the error reaching the layer's input).
pub fn propagate_rows(delta: &[f32], w: &[f32], fan_in: usize, fan_out: usize, prev: &mut [f32]) {
    select::selected().propagate_rows(delta, w, fan_in, fan_out, prev);
}

/// y += a x
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    select::selected().axpy(a, x, y);
}

/// w = keep w + alpha a delta^T, `w` being `a.len() x delta.len()` row-major: online SGD's update of
/// a dense layer's weights from one example (input `a`, error `delta`), in one pass over `w`.
pub fn rank_one_update(w: &mut [f32], a: &[f32], delta: &[f32], alpha: f32, keep: f32) {
    select::selected().rank_one_update(w, a, delta, alpha, keep);
}

/// x . y, in 32 interleaved partial sums (four vector registers, so successive multiply-adds do not
/// wait on each other), then across lanes, then the tail.
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    select::selected().dot(x, y)
}

/// (x . y, x . x) in one pass over both, each summed as [`dot`] in blocks of 1024 added up in f64.
pub fn dot_and_squared_norm(x: &[f32], y: &[f32]) -> (f64, f64) {
    select::selected().dot_and_squared_norm(x, y)
}

/// theta -= lr g, fused with (g . previous, g . g): one pass over the three vectors instead of two.
pub fn descend_and_observe(params: &mut [f32], grad: &[f32], previous: &[f32], lr: f32) -> (f64, f64) {
    select::selected().descend_and_observe(params, grad, previous, lr)
}

#[cfg(test)]
mod tests;
