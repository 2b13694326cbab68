//! Eight `f32` lanes, the operations the kernel bodies need from them ([`Lanes`]), and the two ways a
//! lane multiplies and adds. [`F8`] names no instruction set: every method is a fixed-length loop,
//! inlined into the function that uses it, so inside an `avx2,fma` function LLVM emits one 256-bit
//! instruction per method. (The `wide` crate would not do this: it picks its implementation from
//! compile-time `cfg(target_feature)`, blind to a `#[target_feature]` function.) In the baseline
//! build the same loops are grouped badly by LLVM's SLP vectoriser, so x86's portable path uses
//! `sse2.rs` instead, which computes exactly the same lanes.

use std::marker::PhantomData;

/// What a kernel body does with eight lanes. Every implementation computes the same values: only
/// whether [`Lanes::mul_add`] rounds once or twice differs, as the type says.
pub(super) trait Lanes: Copy {
    /// Zero in every lane.
    fn zero() -> Self;
    /// The first eight values of `s`.
    fn load(s: &[f32]) -> Self;
    /// Writes the lanes over the first eight values of `s`.
    fn store(self, s: &mut [f32]);
    /// `v` in every lane.
    fn splat(v: f32) -> Self;
    /// Lane-wise sum.
    fn add(self, other: Self) -> Self;
    /// Lane-wise `self * b + c`.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// The lanes' sum in a fixed tree, `((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))`: halves,
    /// then quarters, then pairs, the order of the AVX horizontal sum the native build used (`wide`).
    fn reduce_add(self) -> f32;
}

/// Four lane groups summed pairwise, then across lanes: `((a0 + a1) + (a2 + a3)).reduce_add()`.
#[inline(always)]
pub(super) fn reduce4<V: Lanes>(acc: [V; 4]) -> f32 {
    acc[0].add(acc[1]).add(acc[2].add(acc[3])).reduce_add()
}

/// Eight consecutive values as a plain array, multiply-adds rounded as `M` says.
pub(super) struct F8<M>(pub(super) [f32; 8], PhantomData<M>);

// By hand: a derive would ask `M` (a marker) to be `Copy` too.
impl<M> Clone for F8<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for F8<M> {}

impl<M: MulAdd> Lanes for F8<M> {
    #[inline(always)]
    fn zero() -> Self {
        F8([0.0; 8], PhantomData)
    }

    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        F8(*s.first_chunk::<8>().expect("callers slice eight values"), PhantomData)
    }

    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        *s.first_chunk_mut::<8>().expect("callers slice eight values") = self.0;
    }

    #[inline(always)]
    fn splat(v: f32) -> Self {
        F8([v; 8], PhantomData)
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            *o += b;
        }
        F8(out, PhantomData)
    }

    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        let mut out = c.0;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(b.0) {
            *o = M::mul_add(a, b, *o);
        }
        F8(out, PhantomData)
    }

    #[inline(always)]
    fn reduce_add(self) -> f32 {
        let v = self.0;
        let q = [v[0] + v[4], v[1] + v[5], v[2] + v[6], v[3] + v[7]];
        let d = [q[0] + q[2], q[1] + q[3]];
        d[0] + d[1]
    }
}

/// How one lane computes `a * b + c`.
pub(super) trait MulAdd {
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}

/// One rounding (`vfmadd` on the AVX2/FMA path). Only for functions compiled with `fma` enabled:
/// elsewhere `f32::mul_add` is a call into libm's `fmaf`.
pub(super) struct Fused;

impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

/// Two roundings, the product and then the sum: what every x86-64 CPU computes the same way.
// On x86 only the tests use it (the portable path there runs `Sse8`, which computes the same values).
#[cfg_attr(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"), allow(dead_code))]
pub(super) struct Separate;

impl MulAdd for Separate {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight values of `v`.
    fn values<V: Lanes>(v: V) -> [f32; 8] {
        let mut out = [0.0; 8];
        v.store(&mut out);
        out
    }

    /// 2^24 + 1 rounds back to 2^24 in f32, so the order shows: v0 + v4 = 2^24 + 1 -> 2^24 and
    /// v2 + v6 = -2^24 + 1 (exact); their sum is 1, and v1 + v5 + v3 + v7 = 0. Left to right would
    /// give 2 (v4 = 1 and v6 = 1 survive the cancellation of 2^24).
    fn sums_in_the_documented_tree<V: Lanes>() {
        let big = 16_777_216.0f32;
        let v = [big, 0.0, -big, 0.0, 1.0, 0.0, 1.0, 0.0];
        assert_eq!(V::load(&v).reduce_add(), 1.0);
        let left_to_right: f32 = v.iter().sum();
        assert_eq!(left_to_right, 2.0, "the example must tell the orders apart");
    }

    #[test]
    fn lanes_are_summed_in_the_documented_tree() {
        sums_in_the_documented_tree::<F8<Separate>>();
        sums_in_the_documented_tree::<F8<Fused>>();
        #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
        sums_in_the_documented_tree::<super::super::sse2::Sse8>();
    }

    #[test]
    fn fused_and_separate_differ_by_the_product_rounding() {
        // a = 1 + 2^-23: a^2 = 1 + 2^-22 + 2^-46 rounds to 1 + 2^-22 (error 2^-46). Subtracting the
        // rounded square from the exact one leaves -2^-46 with one rounding and 0 with two.
        let a = 1.0 + f32::EPSILON;
        let square = a * a;
        assert_eq!(Fused::mul_add(a, -a, square), -(2.0f32.powi(-46)));
        assert_eq!(Separate::mul_add(a, -a, square), 0.0);
        let lanes = |x: f32| F8::<Separate>::splat(x);
        assert_eq!(values(lanes(a).mul_add(lanes(-a), lanes(square))), [0.0; 8]);
    }

    /// The SSE2 lanes of the x86 portable path against the plain arrays of the other portable builds:
    /// every operation, bit for bit, on values whose sums round (so a different order would show).
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2"))]
    #[test]
    fn the_sse2_lanes_compute_exactly_what_the_plain_lanes_do() {
        use super::super::sse2::Sse8;
        let bits = |v: [f32; 8]| v.map(f32::to_bits);
        for seed in 0..200u32 {
            let x: Vec<f32> = (0..24).map(|i| ((seed * 31 + i * 17) % 97) as f32 / 7.0 - 6.0).collect();
            let x: Vec<f32> = x.iter().enumerate().map(|(i, v)| v * (1.0 + i as f32 * 1e-3)).collect();
            let (a, b, c) = (&x[..8], &x[8..16], &x[16..]);
            let (p, q) = (F8::<Separate>::load(a), Sse8::load(a));
            let (pb, qb, pc, qc) =
                (F8::<Separate>::load(b), Sse8::load(b), F8::<Separate>::load(c), Sse8::load(c));
            assert_eq!(bits(values(p.mul_add(pb, pc))), bits(values(q.mul_add(qb, qc))), "seed {seed}");
            assert_eq!(bits(values(p.add(pb))), bits(values(q.add(qb))), "seed {seed}");
            assert_eq!(p.reduce_add().to_bits(), q.reduce_add().to_bits(), "seed {seed}");
            assert_eq!(reduce4([p, pb, pc, p]).to_bits(), reduce4([q, qb, qc, q]).to_bits(), "seed {seed}");
            assert_eq!(bits(values(Sse8::splat(a[3]))), bits(values(F8::<Separate>::splat(a[3]))));
            assert_eq!(bits(values(Sse8::zero())), bits(values(F8::<Separate>::zero())));
        }
    }
}
