//! Memory: a counting global allocator with thread-local accounting, and the analytic byte count of a run.
//!
//! [`Counting`] wraps the system allocator and keeps, per thread, the bytes currently allocated, the peak,
//! and how many allocations and bytes were made. The counters are `const`-initialised thread-local
//! `Cell`s without destructors, so touching them never allocates (the allocator cannot recurse) and works
//! at any point of a thread's life. Because the sweep runs each configuration sequentially on one rayon
//! thread, [`measure`] around a run counts that run only, whatever runs in parallel. Memory freed on a
//! different thread than it was allocated on would skew the counts of both threads; the training loop
//! never does that.
//!
//! [`analytic`] counts what a run must hold from the network's shape and the batch size; README.md
//! lists its terms.

use crate::nn::Mlp;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting bytes per thread.
pub struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

thread_local! {
    /// Bytes allocated and not yet freed by this thread (can go negative when another thread's memory is
    /// freed here).
    static CURRENT: Cell<i64> = const { Cell::new(0) };
    /// Highest value of CURRENT since the last reset.
    static PEAK: Cell<i64> = const { Cell::new(0) };
    /// Allocations (alloc, alloc_zeroed, realloc) made by this thread.
    static COUNT: Cell<u64> = const { Cell::new(0) };
    /// Bytes requested by those allocations.
    static TOTAL: Cell<u64> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    let _ = CURRENT.try_with(|c| {
        let now = c.get().saturating_add(bytes);
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
    let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(bytes as u64)));
}

fn shrank(bytes: usize) {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    let _ = CURRENT.try_with(|c| c.set(c.get().saturating_sub(bytes)));
}

// SAFETY: every method forwards to `System` with the same arguments; the counters only read the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }
}

/// What a closure allocated on the calling thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Highest number of bytes held at once above what was held when the closure started.
    pub peak_bytes: u64,
    /// Allocations made (a `realloc` counts as one).
    pub allocations: u64,
    /// Bytes requested by those allocations, freed or not.
    pub allocated_bytes: u64,
}

/// Runs `f` and returns its value with the peak bytes it held above the starting point, on this thread.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let (value, usage) = usage(f);
    (value, usage.peak_bytes)
}

/// Runs `f` and returns its value with everything it allocated on this thread; `usage(..).1.allocations
/// == 0` asserts that a closure never allocates. Nested calls are fine: the outer peak keeps the inner.
pub fn usage<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let start = CURRENT.with(Cell::get);
    let outer_peak = PEAK.with(|p| p.replace(start));
    let (count, total) = (COUNT.with(Cell::get), TOTAL.with(Cell::get));
    let value = f();
    let peak = PEAK.with(Cell::get);
    PEAK.with(|p| p.set(outer_peak.max(peak)));
    let usage = Usage {
        peak_bytes: u64::try_from(peak - start).unwrap_or(0),
        allocations: COUNT.with(Cell::get) - count,
        allocated_bytes: TOTAL.with(Cell::get) - total,
    };
    (value, usage)
}

/// Rows of the evaluation workspace (train.rs evaluates in chunks of this many examples).
pub const EVAL_ROWS: usize = 256;
/// Rows of the gradient-noise scratch workspace (noise.rs works in chunks of this many examples).
pub const NOISE_ROWS: usize = 256;

/// What a run of `net` with batches of `batch` examples out of `n` must hold, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analytic {
    /// The network's parameters, f32.
    pub parameters: u64,
    /// Gradient and previous gradient (f32 each), momentum velocity (f32, when momentum > 0) and the
    /// weight-decay mask (one byte a parameter).
    pub optimiser: u64,
    /// Training workspace: inputs B x d, every layer's activations and errors B x width (f32), class
    /// labels (u32) and regression targets B x outputs (f32).
    pub batch: u64,
    /// Evaluation workspace of [`EVAL_ROWS`] rows, and the shuffle order (N indices).
    pub fixed: u64,
    /// Gradient-noise scratch when checkpoints are on: a [`NOISE_ROWS`]-row workspace, an f32 and an
    /// f64 gradient, the per-example norms (f64) and the largest probe's indices.
    pub noise: u64,
}

impl Analytic {
    /// The total.
    pub fn total(&self) -> u64 {
        self.parameters + self.optimiser + self.batch + self.fixed + self.noise
    }
}

/// The analytic count for `net`, batch size `batch`, `n` training examples, `momentum`, and the largest
/// probed batch size `probe` (`None` without noise checkpoints).
pub fn analytic(net: &Mlp, batch: usize, n: usize, momentum: f64, probe: Option<usize>) -> Analytic {
    let p = net.params as u64;
    let velocity = if momentum > 0.0 { 4 * p } else { 0 };
    let noise = probe.map_or(0, |largest| {
        workspace_bytes(net, NOISE_ROWS) + 4 * p + 8 * p + 8 * NOISE_ROWS as u64 + 8 * largest as u64
    });
    Analytic {
        parameters: 4 * p,
        optimiser: 8 * p + velocity + p,
        batch: workspace_bytes(net, batch),
        fixed: workspace_bytes(net, EVAL_ROWS.min(n.max(1))) + 8 * n as u64,
        noise,
    }
}

/// The analytic count of `run` in the sweep context `ctx`.
pub fn analytic_for(run: &crate::plan::RunConfig, ctx: &crate::train::Context<'_>) -> Analytic {
    let probe = (ctx.noise.every > 0)
        .then(|| ctx.probe_sizes.iter().copied().max().unwrap_or(run.batch_size).max(run.batch_size));
    analytic(ctx.net, run.batch_size, ctx.data.train.len(), ctx.training.momentum, probe)
}

/// Bytes of a workspace of `rows` rows: inputs, labels, regression targets, activations and errors.
pub fn workspace_bytes(net: &Mlp, rows: usize) -> u64 {
    let widths: usize = net.layers.iter().map(|l| l.fan_out).sum();
    let per_row = 4 * net.inputs() + 4 + 4 * net.outputs() + 2 * 4 * widths;
    (per_row * rows.max(1)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Loss;
    use crate::spec::Activation;

    #[test]
    fn a_closure_that_allocates_nothing_reports_zero_allocations() {
        let mut v = [0u64; 16];
        let ((), usage) = usage(|| v.iter_mut().for_each(|x| *x += 1));
        assert_eq!(usage, Usage::default());
    }

    #[test]
    fn a_vector_of_a_million_bytes_peaks_at_a_million_bytes() {
        let (len, peak) = measure(|| std::hint::black_box(vec![1u8; 1_000_000]).len());
        assert_eq!(len, 1_000_000);
        assert_eq!(peak, 1_000_000);
    }

    #[test]
    fn the_outer_peak_keeps_a_nested_peak() {
        let ((), outer) = usage(|| {
            let (_, inner) = measure(|| std::hint::black_box(vec![0u8; 4096]).len());
            assert_eq!(inner, 4096);
        });
        assert_eq!(outer.peak_bytes, 4096);
        assert_eq!(outer.allocations, 1);
    }

    #[test]
    fn workspace_of_the_digits_network_by_hand() {
        // 64 -> 64 -> 10: per row 4*64 inputs + 4 label + 4*10 targets + 2*4*(64+10) = 892 bytes.
        let net = Mlp::new(64, &[64], 10, Activation::Relu, true, Loss::CrossEntropy);
        assert_eq!(workspace_bytes(&net, 1), 892);
        assert_eq!(workspace_bytes(&net, 128), 892 * 128);
        let a = analytic(&net, 128, 1437, 0.0, None);
        // 4810 parameters: 4 bytes each, then 8 (two gradients) + 1 (decay mask) each.
        assert_eq!((a.parameters, a.optimiser), (4 * 4810, 9 * 4810));
        assert_eq!(a.fixed, 892 * 256 + 8 * 1437);
    }
}
