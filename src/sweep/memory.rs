//! Memory as measured: a counting allocator with thread-local accounting. The binary installs it as the
//! global allocator (src/cli/allocator.rs); tests that count allocations install it themselves.
//!
//! [`Counting`] wraps the system allocator and keeps, per thread, the bytes currently allocated, the peak,
//! and how many allocations and bytes were made. The counters are `const`-initialised thread-local
//! `Cell`s without destructors, so touching them never allocates (the allocator cannot recurse) and works
//! at any point of a thread's life. Because the sweep runs each configuration sequentially on one rayon
//! thread, [`measure`] around a run counts that run only, whatever runs in parallel. Memory freed on a
//! different thread than it was allocated on would skew the counts of both threads; the training loop
//! never does that.
//! The analytic count beside each measurement is `plan::footprint`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting bytes per thread.
pub struct Counting;

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

/// Whether [`Counting`] is this process's global allocator: the binary installs it, a test or another
/// program linking the library may not, and then every count is zero rather than a measurement.
pub fn installed() -> bool {
    let ((), usage) = usage(|| drop(std::hint::black_box(Box::new(0u64))));
    usage.allocations > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static GLOBAL: Counting = Counting;

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
    fn the_counter_knows_it_is_installed() {
        assert!(installed());
    }
}
