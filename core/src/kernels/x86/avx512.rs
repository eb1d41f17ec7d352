//! AVX-512 F/BW dot products (and VNNI variants): two 32-blocks per
//! 512-bit vector, otherwise the same arithmetic as the AVX2 kernels, whose
//! helpers and kernels handle the odd trailing block.
//!
//! Reachable only through the tables `avx512_table()` /
//! `avx512_vnni_table()` hand out after detecting AVX-512 F+BW (+VNNI) and
//! AVX2 + FMA + F16C.
//!
//! Tested against scalar on CPUs without AVX-512 by `tools/avx512-test`:
//! Debian's kernel under Bochs 2.7's `corei7_icelake_u` model (AVX-512
//! F/BW/VNNI); on 2026-11-23 the 11 kernel tests passed with the `avx512`
//! and `avx512-vnni` tables exercised (and required), in 1-3 minutes.
//!
//! The AVX-512 intrinsics are stable since Rust 1.89, which is why that is
//! the workspace's `rust-version`.

use core::arch::x86_64::*;

use super::avx2;
use crate::quant::{BlockQ4_0, BlockQ4_1, BlockQ8_0, BlockQ8_1};

/// Two 256-bit halves as one vector (`lo` in lanes 0..8).
#[inline]
#[target_feature(enable = "avx512f")]
fn join(lo: __m256i, hi: __m256i) -> __m512i {
    _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1)
}

/// Per-half scale products: `wa·xa` in lanes 0..8, `wb·xb` in 8..16.
#[inline]
#[target_feature(enable = "avx512f,avx2,f16c")]
fn scales(wa: [u8; 2], xa: [u8; 2], wb: [u8; 2], xb: [u8; 2]) -> __m512 {
    let bits = u16::from_le_bytes(wa) as u64
        | (u16::from_le_bytes(xa) as u64) << 16
        | (u16::from_le_bytes(wb) as u64) << 32
        | (u16::from_le_bytes(xb) as u64) << 48;
    let v = _mm_cvtph_ps(_mm_cvtsi64_si128(bits as i64));
    let p = _mm_mul_ps(v, _mm_movehdup_ps(v));
    let (a, b) = (_mm_cvtss_f32(p), _mm_cvtss_f32(_mm_movehl_ps(p, p)));
    _mm512_mask_mov_ps(_mm512_set1_ps(a), 0xff00, _mm512_set1_ps(b))
}

/// `|x|` and `y·sign(x)` for the signed × signed products.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn sign_split(x: __m512i, y: __m512i) -> (__m512i, __m512i) {
    // Where x = 0, |x| = 0 makes the product 0 whatever y's sign.
    let neg = _mm512_movepi8_mask(x);
    let sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);
    (_mm512_abs_epi8(x), sy)
}

/// u8 × i8 → 16 lanes of i32 (maddubs + madd).
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn dot_u8(ux: __m512i, sy: __m512i) -> __m512i {
    _mm512_madd_epi16(_mm512_maddubs_epi16(ux, sy), _mm512_set1_epi16(1))
}

/// u8 × i8 → 16 lanes of i32 (VNNI).
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn dot_u8_vnni(ux: __m512i, sy: __m512i) -> __m512i {
    _mm512_dpbusd_epi32(_mm512_setzero_si512(), ux, sy)
}

macro_rules! kernel_q8_0 {
    ($name:ident, $feat:literal, $dot:ident) => {
        #[target_feature(enable = $feat)]
        fn $name(w: &[BlockQ8_0], x: &[BlockQ8_0]) -> f32 {
            let mut acc = _mm512_setzero_ps();
            let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
            let (wr, xr) = (w2.remainder(), x2.remainder());
            for (w, x) in w2.zip(x2) {
                let qx = join(avx2::load32(&w[0].qs), avx2::load32(&w[1].qs));
                let qy = join(avx2::load32(&x[0].qs), avx2::load32(&x[1].qs));
                let (ax, sy) = sign_split(qx, qy);
                let p = _mm512_cvtepi32_ps($dot(ax, sy));
                acc = _mm512_fmadd_ps(scales(w[0].d, x[0].d, w[1].d, x[1].d), p, acc);
            }
            _mm512_reduce_add_ps(acc) + avx2::q8_0_q8_0(wr, xr)
        }
    };
}

macro_rules! kernel_q4_0 {
    ($name:ident, $feat:literal, $dot:ident) => {
        #[target_feature(enable = $feat)]
        fn $name(w: &[BlockQ4_0], x: &[BlockQ8_0]) -> f32 {
            let mut acc = _mm512_setzero_ps();
            let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
            let (wr, xr) = (w2.remainder(), x2.remainder());
            for (w, x) in w2.zip(x2) {
                let qx = join(avx2::nibbles(&w[0].qs), avx2::nibbles(&w[1].qs));
                let qx = _mm512_sub_epi8(qx, _mm512_set1_epi8(8));
                let qy = join(avx2::load32(&x[0].qs), avx2::load32(&x[1].qs));
                let (ax, sy) = sign_split(qx, qy);
                let p = _mm512_cvtepi32_ps($dot(ax, sy));
                acc = _mm512_fmadd_ps(scales(w[0].d, x[0].d, w[1].d, x[1].d), p, acc);
            }
            _mm512_reduce_add_ps(acc) + avx2::q4_0_q8_0(wr, xr)
        }
    };
}

macro_rules! kernel_q4_1 {
    ($name:ident, $feat:literal, $dot:ident) => {
        #[target_feature(enable = $feat)]
        fn $name(w: &[BlockQ4_1], x: &[BlockQ8_1]) -> f32 {
            let mut acc = _mm512_setzero_ps();
            let mut summs = 0.0f32;
            let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
            let (wr, xr) = (w2.remainder(), x2.remainder());
            for (w, x) in w2.zip(x2) {
                let qx = join(avx2::nibbles(&w[0].qs), avx2::nibbles(&w[1].qs));
                let qy = join(avx2::load32(&x[0].qs), avx2::load32(&x[1].qs));
                let p = _mm512_cvtepi32_ps($dot(qx, qy));
                acc = _mm512_fmadd_ps(scales(w[0].d, x[0].d, w[1].d, x[1].d), p, acc);
                summs += avx2::f16(w[0].m) * avx2::f16(x[0].s);
                summs += avx2::f16(w[1].m) * avx2::f16(x[1].s);
            }
            _mm512_reduce_add_ps(acc) + summs + avx2::q4_1_q8_1(wr, xr)
        }
    };
}

kernel_q8_0!(q8_0_q8_0, "avx512f,avx512bw,avx2,fma,f16c", dot_u8);
kernel_q8_0!(
    q8_0_q8_0_vnni,
    "avx512f,avx512bw,avx512vnni,avx2,fma,f16c",
    dot_u8_vnni
);
kernel_q4_0!(q4_0_q8_0, "avx512f,avx512bw,avx2,fma,f16c", dot_u8);
kernel_q4_0!(
    q4_0_q8_0_vnni,
    "avx512f,avx512bw,avx512vnni,avx2,fma,f16c",
    dot_u8_vnni
);
kernel_q4_1!(q4_1_q8_1, "avx512f,avx512bw,avx2,fma,f16c", dot_u8);
kernel_q4_1!(
    q4_1_q8_1_vnni,
    "avx512f,avx512bw,avx512vnni,avx2,fma,f16c",
    dot_u8_vnni
);

#[target_feature(enable = "avx512f,avx512bw,avx2,fma,f16c")]
fn f32_f32(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w16, x16) = (w[..n].chunks_exact(16), x[..n].chunks_exact(16));
    let (wr, xr) = (w16.remainder(), x16.remainder());
    let (mut a0, mut a1) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    let mut odd = false;
    for (w, x) in w16.zip(x16) {
        // SAFETY: both chunks hold exactly 16 f32; unaligned loads.
        let (a, b) = unsafe { (_mm512_loadu_ps(w.as_ptr()), _mm512_loadu_ps(x.as_ptr())) };
        if odd {
            a1 = _mm512_fmadd_ps(a, b, a1);
        } else {
            a0 = _mm512_fmadd_ps(a, b, a0);
        }
        odd = !odd;
    }
    _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + avx2::f32_f32(wr, xr)
}

#[target_feature(enable = "avx512f,avx512bw,avx2,fma,f16c")]
fn f16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w16, x16) = (w[..n].chunks_exact(16), x[..n].chunks_exact(16));
    let (wr, xr) = (w16.remainder(), x16.remainder());
    let mut acc = _mm512_setzero_ps();
    for (w, x) in w16.zip(x16) {
        // SAFETY: 16 f16 = 32 bytes and 16 f32 readable; unaligned loads.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(w.as_ptr().cast()),
                _mm512_loadu_ps(x.as_ptr()),
            )
        };
        acc = _mm512_fmadd_ps(_mm512_cvtph_ps(a), b, acc);
    }
    _mm512_reduce_add_ps(acc) + avx2::f16_f32(wr, xr)
}

// SAFETY (all wrappers): reachable only through the AVX-512 tables, handed
// out after detecting the features each kernel enables.
macro_rules! wrap {
    ($($name:ident => $kernel:ident ($w:ty, $x:ty);)*) => {$(
        pub(super) fn $name(w: &[$w], x: &[$x]) -> f32 {
            // SAFETY: see above: the CPU has the kernel's features.
            unsafe { $kernel(w, x) }
        }
    )*};
}

wrap! {
    vec_dot_q8_0_q8_0 => q8_0_q8_0(BlockQ8_0, BlockQ8_0);
    vec_dot_q8_0_q8_0_vnni => q8_0_q8_0_vnni(BlockQ8_0, BlockQ8_0);
    vec_dot_q4_0_q8_0 => q4_0_q8_0(BlockQ4_0, BlockQ8_0);
    vec_dot_q4_0_q8_0_vnni => q4_0_q8_0_vnni(BlockQ4_0, BlockQ8_0);
    vec_dot_q4_1_q8_1 => q4_1_q8_1(BlockQ4_1, BlockQ8_1);
    vec_dot_q4_1_q8_1_vnni => q4_1_q8_1_vnni(BlockQ4_1, BlockQ8_1);
    vec_dot_f16_f32 => f16_f32([u8; 2], f32);
    vec_dot_f32_f32 => f32_f32(f32, f32);
}
