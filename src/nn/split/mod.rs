//! Matrix products that use idle cores. The sweep lends its worker threads ([`Budget`]) and marks each
//! run in flight ([`Busy`]); the difference is the number of idle cores. A product large enough to be
//! worth it borrows up to `blocks - 1` of them, computes C in blocks of rows (or, for fewer than two
//! blocks' worth of rows, of columns), one block here and the others on helper threads (`pool`), and
//! gives them back when it ends, so a run that starts meanwhile finds them again at the next product.
//!
//! Numbers never depend on this: the blocks split the output only, never the reduction dimension, and
//! start at multiples of matrixmultiply's tile sizes (rows at multiples of its MC = 64, a multiple of
//! every MR; columns at multiples of 16, a multiple of every NR). Every element of C then lies in the same
//! MR x NR tile, takes the same kernel (full or masked) and the same KC blocks of the reduction in the
//! same order as in the whole product: it is computed by the same operations, bit for bit (tests.rs
//! checks it on odd shapes and transposed operands).

mod pool;
#[cfg(test)]
mod tests;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis, s};
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Flops (2 m k n) a block must have to be worth a helper. Not tuned by a bench yet: a 4 Mflop block
/// takes about 50 us at one core's SGEMM rate here (about 85 Gflop/s), against a few us to hand a block
/// to a helper that is spinning and tens to wake a sleeping one, and each block packs the shared operand
/// again. The digits network's largest product (1437 x 64 x 64 at full batch, 11.8 Mflop) makes two
/// blocks; at B = 128 its products stay whole.
pub const MIN_BLOCK_FLOPS: usize = 4_000_000;

/// The most blocks one product is cut into.
pub const MAX_BLOCKS: usize = 8;

/// Row blocks start at multiples of this: matrixmultiply's sgemm MC, itself a multiple of every MR.
const ROW_ALIGN: usize = 64;

/// Column blocks start at multiples of this: a multiple of every sgemm NR of matrixmultiply (4, 8, 16).
const COL_ALIGN: usize = 16;

/// Worker threads lent by running sweeps, less the runs in flight and the helpers borrowed.
static IDLE: AtomicIsize = AtomicIsize::new(0);

/// Products split so far in this process.
static SPLIT: AtomicU64 = AtomicU64::new(0);

/// `workers` threads lent to the products while this lives (a sweep's rayon threads).
#[derive(Debug)]
pub struct Budget(isize);

impl Budget {
    /// Lends `workers` threads.
    pub fn lend(workers: usize) -> Self {
        let workers = isize::try_from(workers).unwrap_or(isize::MAX / 2);
        IDLE.fetch_add(workers, Ordering::AcqRel);
        Budget(workers)
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        IDLE.fetch_sub(self.0, Ordering::AcqRel);
    }
}

/// One run in flight, holding one worker thread while this lives.
#[derive(Debug)]
pub struct Busy(());

impl Busy {
    /// Marks a run as started.
    pub fn start() -> Self {
        IDLE.fetch_sub(1, Ordering::AcqRel);
        Busy(())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        IDLE.fetch_add(1, Ordering::AcqRel);
    }
}

/// Products split over helpers since the process started.
pub fn products_split() -> u64 {
    SPLIT.load(Ordering::Relaxed)
}

/// c = a . b + beta c, on idle cores when there are some and the product is large enough.
pub fn product(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>, beta: f32, mut c: ArrayViewMut2<'_, f32>) {
    let worth = blocks_worth(a.nrows(), a.ncols(), b.ncols());
    let lent = if worth > 1 { borrow(&IDLE, worth - 1) } else { 0 };
    if lent == 0 {
        return general_mat_mul(1.0, &a, &b, beta, &mut c);
    }
    SPLIT.fetch_add(1, Ordering::Relaxed);
    // As many blocks as the product is worth, not one per thread: on a machine busy with other work a
    // helper may run slowly, and the caller takes over the blocks no helper has started.
    in_blocks(a, b, beta, c, worth, lent);
    IDLE.fetch_add(lent as isize, Ordering::AcqRel);
}

/// How many blocks an `m x k` by `k x n` product is worth: one per [`MIN_BLOCK_FLOPS`], at most as many
/// as there are aligned row (or column) blocks and [`MAX_BLOCKS`].
fn blocks_worth(m: usize, k: usize, n: usize) -> usize {
    let by_flops = (2 * m * k * n) / MIN_BLOCK_FLOPS;
    let (axis, align) = axis_of(m);
    let by_shape = if axis == Axis(0) { m } else { n } / align;
    by_flops.min(by_shape).min(MAX_BLOCKS)
}

/// Takes up to `wanted` threads from `idle`; returns how many it took (0 when none is idle).
fn borrow(idle: &AtomicIsize, wanted: usize) -> usize {
    let mut now = idle.load(Ordering::Acquire);
    loop {
        let take = now.min(wanted as isize);
        if take <= 0 {
            return 0;
        }
        match idle.compare_exchange_weak(now, now - take, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return take as usize,
            Err(seen) => now = seen,
        }
    }
}

/// Which axis of C the blocks cut, and at what multiple.
fn axis_of(m: usize) -> (Axis, usize) {
    if m >= 2 * ROW_ALIGN { (Axis(0), ROW_ALIGN) } else { (Axis(1), COL_ALIGN) }
}

/// Start and end of block `i` of `blocks` over `len`, cut at multiples of `align`.
fn bounds(len: usize, align: usize, blocks: usize, i: usize) -> (usize, usize) {
    let units = len.div_ceil(align);
    let cut = |j: usize| (units * j / blocks * align).min(len);
    (cut(i), cut(i + 1))
}

/// c = a . b + beta c computed in `blocks` output blocks by this thread and up to `helpers` helper threads
/// (`pool`). Each block is the same call matrixmultiply would make for those rows or columns alone.
pub(crate) fn in_blocks(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
    blocks: usize,
    helpers: usize,
) {
    let (axis, align) = axis_of(c.nrows());
    let len = c.len_of(axis);
    let blocks = blocks.clamp(1, MAX_BLOCKS).min(len.div_ceil(align).max(1));
    // Each block takes its own part of C out of a slot, so the blocks share only `&` references.
    let mut slots: [Mutex<Option<ArrayViewMut2<'_, f32>>>; MAX_BLOCKS] = Default::default();
    let mut rest = c;
    for i in (1..blocks).rev() {
        let (head, tail) = rest.split_at(axis, bounds(len, align, blocks, i).0);
        *slots[i].get_mut().unwrap_or_else(PoisonError::into_inner) = Some(tail);
        rest = head;
    }
    *slots[0].get_mut().unwrap_or_else(PoisonError::into_inner) = Some(rest);
    let block = |i: usize| {
        let (start, end) = bounds(len, align, blocks, i);
        let Some(mut c) = slots[i].lock().unwrap_or_else(PoisonError::into_inner).take() else { return };
        if axis == Axis(0) {
            general_mat_mul(1.0, &a.slice(s![start..end, ..]), &b, beta, &mut c);
        } else {
            general_mat_mul(1.0, &a, &b.slice(s![.., start..end]), beta, &mut c);
        }
    };
    pool::run(blocks, helpers, &block);
}
