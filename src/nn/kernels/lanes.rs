//! Eight `f32` lanes as a plain array, and the two ways a lane multiplies and adds. Nothing here names
//! an instruction set: every method is a fixed-length loop, inlined into the function that uses it,
//! so LLVM emits one 256-bit instruction per method inside an `avx2,fma` function and two 128-bit
//! SSE2 instructions in the baseline build. The `wide` crate would not do this: it picks its
//! implementation from compile-time `cfg(target_feature)`, blind to a `#[target_feature]` function.

/// Eight consecutive values, operated on lane by lane.
#[derive(Clone, Copy)]
pub(super) struct F8(pub(super) [f32; 8]);

impl F8 {
    pub(super) const ZERO: F8 = F8([0.0; 8]);

    /// The first eight values of `s`.
    #[inline(always)]
    pub(super) fn load(s: &[f32]) -> F8 {
        F8(*s.first_chunk::<8>().expect("callers slice eight values"))
    }

    /// Writes the lanes over the first eight values of `s`.
    #[inline(always)]
    pub(super) fn store(self, s: &mut [f32]) {
        *s.first_chunk_mut::<8>().expect("callers slice eight values") = self.0;
    }

    /// `v` in every lane.
    #[inline(always)]
    pub(super) fn splat(v: f32) -> F8 {
        F8([v; 8])
    }

    /// Lane-wise sum.
    #[inline(always)]
    pub(super) fn add(self, other: F8) -> F8 {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            *o += b;
        }
        F8(out)
    }

    /// Lane-wise `self * b + c`, fused or not as `M` says.
    #[inline(always)]
    pub(super) fn mul_add<M: MulAdd>(self, b: F8, c: F8) -> F8 {
        let mut out = c.0;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(b.0) {
            *o = M::mul_add(a, b, *o);
        }
        F8(out)
    }

    /// The lanes' sum in a fixed tree, `((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))`: halves, then
    /// quarters, then pairs, the order of the AVX horizontal sum the native build used (`wide`).
    #[inline(always)]
    pub(super) fn reduce_add(self) -> f32 {
        let v = self.0;
        let q = [v[0] + v[4], v[1] + v[5], v[2] + v[6], v[3] + v[7]];
        let d = [q[0] + q[2], q[1] + q[3]];
        d[0] + d[1]
    }
}

/// Four lane groups summed pairwise, then across lanes: `((a0 + a1) + (a2 + a3)).reduce_add()`.
#[inline(always)]
pub(super) fn reduce4(acc: [F8; 4]) -> f32 {
    acc[0].add(acc[1]).add(acc[2].add(acc[3])).reduce_add()
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

    #[test]
    fn lanes_are_summed_in_the_documented_tree() {
        // 2^24 + 1 rounds back to 2^24 in f32, so the order shows: v0 + v4 = 2^24 + 1 -> 2^24 and
        // v2 + v6 = -2^24 + 1 -> -2^24 + 1 (exact there); their sum is 1, and v1 + v5 + v3 + v7 = 0.
        // A left-to-right sum would give 2^24 + 0 - 2^24 + ... = 2 (v4 = 1 and v6 = 1 survive).
        let big = 16_777_216.0f32;
        let v = F8([big, 0.0, -big, 0.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(v.reduce_add(), 1.0);
        let left_to_right: f32 = v.0.iter().sum();
        assert_eq!(left_to_right, 2.0, "the example must tell the orders apart");
    }

    #[test]
    fn fused_and_separate_differ_by_the_product_rounding() {
        // a = 1 + 2^-23: a^2 = 1 + 2^-22 + 2^-46 rounds to 1 + 2^-22 (error 2^-46). Subtracting the
        // rounded square from the exact one leaves -2^-46 with one rounding and 0 with two.
        let a = 1.0 + f32::EPSILON;
        let square = a * a;
        assert_eq!(Fused::mul_add(a, -a, square), -(2.0f32.powi(-46)));
        assert_eq!(Separate::mul_add(a, -a, square), 0.0);
    }
}
