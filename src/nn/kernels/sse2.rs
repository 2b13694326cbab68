//! The portable path's lanes on x86: two SSE2 registers, multiply then add. SSE2 is part of every
//! x86-64 CPU and enabled in the baseline build (this module exists only where it is), so nothing
//! here needs detecting. The values are those of `F8<Separate>`, lane for lane and sum for sum: this
//! type only gives LLVM the grouping that its vectoriser misses on the plain arrays.
//!
//! SAFETY, for every `unsafe` below: the intrinsics need SSE/SSE2, enabled at compile time wherever
//! this module is compiled; loads and stores touch only the eight values that `first_chunk` has just
//! checked are there (or the four of a local array).

#[cfg(target_arch = "x86")]
use std::arch::x86::{
    __m128, _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_setzero_ps, _mm_storeu_ps,
};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128, _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_setzero_ps, _mm_storeu_ps,
};

use super::lanes::Lanes;

/// Eight lanes as two halves of four.
#[derive(Clone, Copy)]
pub(super) struct Sse8([__m128; 2]);

impl Lanes for Sse8 {
    #[inline(always)]
    fn zero() -> Self {
        // SAFETY: see the module's documentation.
        unsafe { Sse8([_mm_setzero_ps(); 2]) }
    }

    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let v = s.first_chunk::<8>().expect("callers slice eight values");
        // SAFETY: see the module's documentation.
        unsafe { Sse8([_mm_loadu_ps(v.as_ptr()), _mm_loadu_ps(v[4..].as_ptr())]) }
    }

    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let v = s.first_chunk_mut::<8>().expect("callers slice eight values");
        // SAFETY: see the module's documentation.
        unsafe {
            _mm_storeu_ps(v.as_mut_ptr(), self.0[0]);
            _mm_storeu_ps(v[4..].as_mut_ptr(), self.0[1]);
        }
    }

    #[inline(always)]
    fn splat(v: f32) -> Self {
        // SAFETY: see the module's documentation.
        unsafe { Sse8([_mm_set1_ps(v); 2]) }
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        // SAFETY: see the module's documentation.
        unsafe { Sse8([_mm_add_ps(self.0[0], other.0[0]), _mm_add_ps(self.0[1], other.0[1])]) }
    }

    /// Two roundings: the product, then the sum.
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see the module's documentation.
        let half = |k: usize| unsafe { _mm_add_ps(_mm_mul_ps(self.0[k], b.0[k]), c.0[k]) };
        Sse8([half(0), half(1)])
    }

    #[inline(always)]
    fn reduce_add(self) -> f32 {
        // Halves first (v_i + v_{i+4}, one vector add), then the tree of `F8::reduce_add` on four.
        let mut q = [0.0f32; 4];
        // SAFETY: see the module's documentation.
        unsafe { _mm_storeu_ps(q.as_mut_ptr(), _mm_add_ps(self.0[0], self.0[1])) };
        let d = [q[0] + q[2], q[1] + q[3]];
        d[0] + d[1]
    }
}
