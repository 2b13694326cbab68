use super::*;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0))
}

fn bits(c: &Array2<f32>) -> Vec<u32> {
    c.iter().map(|v| v.to_bits()).collect()
}

/// The whole product and its split into `blocks`, from the same starting C.
fn whole_and_split(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c0: &Array2<f32>,
    blocks: usize,
) -> (Array2<f32>, Array2<f32>) {
    let mut whole = c0.clone();
    general_mat_mul(1.0, &a, &b, beta, &mut whole);
    let mut split = c0.clone();
    in_blocks(a, b, beta, split.view_mut(), blocks, blocks - 1);
    (whole, split)
}

#[test]
fn row_and_column_blocks_equal_the_whole_product_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    // (m, k, n): rows split when m >= 128 (odd m, k past one KC block of 256, n past one NR tile); columns
    // when m < 128, including n not a multiple of 16 and blocks ending in a partial tile.
    let shapes = [(200, 300, 77), (129, 5, 9), (1001, 513, 33), (37, 785, 530), (16, 64, 47), (100, 257, 10)];
    for (m, k, n) in shapes {
        let (a, b, c0) = (random(m, k, &mut rng), random(k, n, &mut rng), random(m, n, &mut rng));
        // The same operands transposed in memory, as the weight gradient (a^T . delta) and the error
        // propagation (delta . W^T) pass them.
        let (at, bt) = (a.t().as_standard_layout().into_owned(), b.t().as_standard_layout().into_owned());
        for blocks in 2..=5 {
            for beta in [0.0, 1.0] {
                for (x, y) in [(a.view(), b.view()), (at.t(), bt.t())] {
                    let (whole, split) = whole_and_split(x, y, beta, &c0, blocks);
                    assert!(bits(&whole) == bits(&split), "{m}x{k}x{n}, {blocks} blocks, beta {beta}");
                }
            }
        }
    }
}

#[test]
fn splitting_the_reduction_instead_changes_some_bits() {
    // What the rule above guards against: halves of k summed afterwards round differently, so the check
    // that passes for output blocks would reject this split.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (m, k, n) = (64, 600, 64);
    let (a, b) = (random(m, k, &mut rng), random(k, n, &mut rng));
    let mut whole = Array2::zeros((m, n));
    general_mat_mul(1.0, &a.view(), &b.view(), 0.0, &mut whole);
    let mut halves = Array2::zeros((m, n));
    general_mat_mul(1.0, &a.slice(s![.., ..300]), &b.slice(s![..300, ..]), 0.0, &mut halves);
    general_mat_mul(1.0, &a.slice(s![.., 300..]), &b.slice(s![300.., ..]), 1.0, &mut halves);
    assert!(bits(&whole) != bits(&halves));
}

#[test]
fn blocks_cover_the_axis_at_aligned_starts() {
    for (len, align, blocks) in [(200, 64, 2), (200, 64, 4), (530, 16, 3), (33, 16, 3), (1001, 64, 8)] {
        let mut next = 0;
        for i in 0..blocks {
            let (start, end) = bounds(len, align, blocks, i);
            assert_eq!(start, next, "{len} {align} {blocks}");
            assert!(start % align == 0 && end > start, "{len} {align} {blocks}: {start}..{end}");
            next = end;
        }
        assert_eq!(next, len);
    }
}

#[test]
fn borrowing_takes_only_idle_threads_and_never_drives_the_count_negative() {
    let idle = AtomicIsize::new(3);
    assert_eq!(borrow(&idle, 2), 2);
    assert_eq!(idle.load(Ordering::Relaxed), 1);
    assert_eq!(borrow(&idle, 5), 1);
    assert_eq!(borrow(&idle, 1), 0);
    // More runs in flight than threads lent (a run started while helpers were out): nothing to borrow.
    idle.store(-1, Ordering::Relaxed);
    assert_eq!(borrow(&idle, 1), 0);
    assert_eq!(idle.load(Ordering::Relaxed), -1);
}

#[test]
fn a_product_is_worth_blocks_only_past_the_flop_threshold() {
    // 32 x 784 x 512 (a B = 32 forward product of the MNIST-shaped network): 25.7 Mflop, column blocks.
    assert_eq!(blocks_worth(32, 784, 512), (2 * 32 * 784 * 512 / MIN_BLOCK_FLOPS).min(MAX_BLOCKS));
    // The digits network's output layer at B = 32: 32 x 64 x 10, far below.
    assert_eq!(blocks_worth(32, 64, 10), 0);
    // Too narrow to cut: fewer than two aligned blocks either way.
    assert!(blocks_worth(100, 100_000, 20) <= 1);
}

#[test]
fn a_large_product_splits_when_a_sweep_lends_idle_threads() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (a, b) = (random(256, 512, &mut rng), random(512, 256, &mut rng));
    let mut whole = Array2::zeros((256, 256));
    general_mat_mul(1.0, &a.view(), &b.view(), 0.0, &mut whole);
    let before = products_split();
    let mut lent = Array2::zeros((256, 256));
    {
        let _budget = Budget::lend(2);
        let _run = Busy::start();
        product(a.view(), b.view(), 0.0, lent.view_mut());
    }
    assert!(products_split() > before, "one run in flight on two threads leaves one idle");
    assert!(bits(&whole) == bits(&lent));
}
