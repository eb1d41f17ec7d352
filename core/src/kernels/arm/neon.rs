//! AArch64 NEON dot products, with a dot-product-extension (SDOT) variant
//! of every integer kernel. Same block arithmetic as the scalar kernels:
//! each 16-byte product is summed exactly in i32 lanes, then scaled in f32.
//!
//! F16 weights keep the scalar kernel here: Rust's f16 vector types are
//! not stable yet.
//!
//! Reachable only through the tables `neon_table()` / `dotprod_table()`
//! hand out after detecting (or being compiled with) the features.

use core::arch::aarch64::*;

use crate::kernels::scalar;

use crate::quant::{
    BlockQ4K, BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ6K, BlockQ8K, BlockQ8_0, BlockQ8_1,
};

#[inline]
#[target_feature(enable = "neon")]
fn ld_s8(a: &[i8; 16]) -> int8x16_t {
    // SAFETY: 16 readable bytes; NEON loads have no alignment requirement.
    unsafe { vld1q_s8(a.as_ptr()) }
}

#[inline]
#[target_feature(enable = "neon")]
fn ld_u8(a: &[u8; 16]) -> uint8x16_t {
    // SAFETY: 16 readable bytes.
    unsafe { vld1q_u8(a.as_ptr()) }
}

/// Bytes `16i..16i + 16` of `a` (zeros past the end, which callers never
/// reach: their indices are bounded by the block layout).
#[inline(always)]
fn u8_16(a: &[u8], i: usize) -> &[u8; 16] {
    a.get(16 * i..16 * i + 16)
        .and_then(|s| s.try_into().ok())
        .unwrap_or(&[0; 16])
}

/// Signed twin of [`u8_16`].
#[inline(always)]
fn i8_16(a: &[i8], i: usize) -> &[i8; 16] {
    a.get(16 * i..16 * i + 16)
        .and_then(|s| s.try_into().ok())
        .unwrap_or(&[0; 16])
}

/// Σ a·b over 16 signed bytes added to 4 i32 lanes (widening multiplies).
#[inline]
#[target_feature(enable = "neon")]
fn dot16(acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    let p0 = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    let p1 = vmull_high_s8(a, b);
    vpadalq_s16(vpadalq_s16(acc, p0), p1)
}

/// Σ a·b over 16 signed bytes with SDOT (inline assembly: the `vdotq_s32`
/// intrinsic is not stable in Rust yet).
#[inline]
#[target_feature(enable = "neon,dotprod")]
fn dot16_sdot(mut acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    // SAFETY: SDOT only reads `a`, `b` and `acc` and writes `acc` (no
    // memory, no flags); this function is compiled with the dotprod
    // feature, and only reachable when the CPU has it.
    unsafe {
        core::arch::asm!(
            "sdot {acc:v}.4s, {a:v}.16b, {b:v}.16b",
            acc = inout(vreg) acc,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags)
        );
    }
    acc
}

/// Nibbles of 16 bytes as (low, high) signed bytes 0..16.
#[inline]
#[target_feature(enable = "neon")]
fn nibbles(qs: &[u8; 16]) -> (int8x16_t, int8x16_t) {
    let v = ld_u8(qs);
    (
        vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f))),
        vreinterpretq_s8_u8(vshrq_n_u8(v, 4)),
    )
}

/// Bit 4 of the 5-bit levels: 0x10 where `qh` bit j is set, for elements
/// 0..16 and 16..32.
#[inline]
#[target_feature(enable = "neon")]
fn fifth_bits(qh: u32) -> (int8x16_t, int8x16_t) {
    const MASK: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    let mask = ld_u8(&MASK);
    let b = qh.to_le_bytes();
    let lo = vcombine_u8(vdup_n_u8(b[0]), vdup_n_u8(b[1]));
    let hi = vcombine_u8(vdup_n_u8(b[2]), vdup_n_u8(b[3]));
    let ten = vdupq_n_u8(0x10);
    (
        vreinterpretq_s8_u8(vandq_u8(vtstq_u8(lo, mask), ten)),
        vreinterpretq_s8_u8(vandq_u8(vtstq_u8(hi, mask), ten)),
    )
}

macro_rules! kernels {
    ($feat:literal, $dot:ident, $q8_0:ident, $q4_0:ident, $q4_1:ident, $q5_0:ident,
     $q5_1:ident, $q4_k:ident, $q6_k:ident) => {
        #[target_feature(enable = $feat)]
        fn $q8_0(w: &[BlockQ8_0], x: &[BlockQ8_0]) -> f32 {
            let mut acc = vdupq_n_f32(0.0);
            for (w, x) in w.iter().zip(x) {
                let z = vdupq_n_s32(0);
                let s = $dot(z, ld_s8(i8_16(&w.qs, 0)), ld_s8(i8_16(&x.qs, 0)));
                let s = $dot(s, ld_s8(i8_16(&w.qs, 1)), ld_s8(i8_16(&x.qs, 1)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(s), vdupq_n_f32(w.d() * x.d()));
            }
            vaddvq_f32(acc)
        }

        #[target_feature(enable = $feat)]
        fn $q4_0(w: &[BlockQ4_0], x: &[BlockQ8_0]) -> f32 {
            let mut acc = vdupq_n_f32(0.0);
            let eight = vdupq_n_s8(8);
            for (w, x) in w.iter().zip(x) {
                let (lo, hi) = nibbles(&w.qs);
                let z = vdupq_n_s32(0);
                let s = $dot(z, vsubq_s8(lo, eight), ld_s8(i8_16(&x.qs, 0)));
                let s = $dot(s, vsubq_s8(hi, eight), ld_s8(i8_16(&x.qs, 1)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(s), vdupq_n_f32(w.d() * x.d()));
            }
            vaddvq_f32(acc)
        }

        #[target_feature(enable = $feat)]
        fn $q4_1(w: &[BlockQ4_1], x: &[BlockQ8_1]) -> f32 {
            let mut acc = vdupq_n_f32(0.0);
            let mut summs = 0.0f32;
            for (w, x) in w.iter().zip(x) {
                let (lo, hi) = nibbles(&w.qs);
                let z = vdupq_n_s32(0);
                let s = $dot(z, lo, ld_s8(i8_16(&x.qs, 0)));
                let s = $dot(s, hi, ld_s8(i8_16(&x.qs, 1)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(s), vdupq_n_f32(w.d() * x.d()));
                summs += w.m() * x.s();
            }
            vaddvq_f32(acc) + summs
        }

        #[target_feature(enable = $feat)]
        fn $q5_0(w: &[BlockQ5_0], x: &[BlockQ8_0]) -> f32 {
            let mut acc = vdupq_n_f32(0.0);
            let sixteen = vdupq_n_s8(16);
            for (w, x) in w.iter().zip(x) {
                let (lo, hi) = nibbles(&w.qs);
                let (b0, b1) = fifth_bits(w.qh());
                let q0 = vsubq_s8(vorrq_s8(lo, b0), sixteen);
                let q1 = vsubq_s8(vorrq_s8(hi, b1), sixteen);
                let z = vdupq_n_s32(0);
                let s = $dot(z, q0, ld_s8(i8_16(&x.qs, 0)));
                let s = $dot(s, q1, ld_s8(i8_16(&x.qs, 1)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(s), vdupq_n_f32(w.d() * x.d()));
            }
            vaddvq_f32(acc)
        }

        #[target_feature(enable = $feat)]
        fn $q5_1(w: &[BlockQ5_1], x: &[BlockQ8_1]) -> f32 {
            let mut acc = vdupq_n_f32(0.0);
            let mut summs = 0.0f32;
            for (w, x) in w.iter().zip(x) {
                let (lo, hi) = nibbles(&w.qs);
                let (b0, b1) = fifth_bits(w.qh());
                let z = vdupq_n_s32(0);
                let s = $dot(z, vorrq_s8(lo, b0), ld_s8(i8_16(&x.qs, 0)));
                let s = $dot(s, vorrq_s8(hi, b1), ld_s8(i8_16(&x.qs, 1)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(s), vdupq_n_f32(w.d() * x.d()));
                summs += w.m() * x.s();
            }
            vaddvq_f32(acc) + summs
        }

        #[target_feature(enable = $feat)]
        fn $q4_k(w: &[BlockQ4K], x: &[BlockQ8K]) -> f32 {
            let mut sumf = 0.0f32;
            for (w, x) in w.iter().zip(x) {
                let (sc, m) = w.scales_mins();
                let mut sum_q = 0i32;
                for p in 0..4 {
                    let (lo0, hi0) = nibbles(u8_16(&w.qs, 2 * p));
                    let (lo1, hi1) = nibbles(u8_16(&w.qs, 2 * p + 1));
                    let z = vdupq_n_s32(0);
                    let sl = $dot(z, lo0, ld_s8(i8_16(&x.qs, 4 * p)));
                    let sl = $dot(sl, lo1, ld_s8(i8_16(&x.qs, 4 * p + 1)));
                    let sh = $dot(z, hi0, ld_s8(i8_16(&x.qs, 4 * p + 2)));
                    let sh = $dot(sh, hi1, ld_s8(i8_16(&x.qs, 4 * p + 3)));
                    sum_q +=
                        sc[2 * p] as i32 * vaddvq_s32(sl) + sc[2 * p + 1] as i32 * vaddvq_s32(sh);
                }
                let mut sum_m = 0i32;
                for (j, &m) in m.iter().enumerate() {
                    sum_m += m as i32 * (x.bsum(2 * j) as i32 + x.bsum(2 * j + 1) as i32);
                }
                let dy = x.d();
                sumf += (w.d() * dy) * sum_q as f32 - (w.dmin() * dy) * sum_m as f32;
            }
            sumf
        }

        #[target_feature(enable = $feat)]
        fn $q6_k(w: &[BlockQ6K], x: &[BlockQ8K]) -> f32 {
            let mut sumf = 0.0f32;
            let m4 = vdupq_n_u8(0x0f);
            let m3 = vdupq_n_u8(0x03);
            let off = vdupq_n_s8(32);
            for (w, x) in w.iter().zip(x) {
                let mut sum = 0i32;
                for h in 0..2 {
                    for c in 0..2 {
                        let ql0 = ld_u8(u8_16(&w.ql, 4 * h + c));
                        let ql1 = ld_u8(u8_16(&w.ql, 4 * h + 2 + c));
                        let qh = ld_u8(u8_16(&w.qh, 2 * h + c));
                        let q = [
                            vorrq_u8(vandq_u8(ql0, m4), vshlq_n_u8(vandq_u8(qh, m3), 4)),
                            vorrq_u8(
                                vandq_u8(ql1, m4),
                                vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 2), m3), 4),
                            ),
                            vorrq_u8(
                                vshrq_n_u8(ql0, 4),
                                vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 4), m3), 4),
                            ),
                            vorrq_u8(vshrq_n_u8(ql1, 4), vshlq_n_u8(vshrq_n_u8(qh, 6), 4)),
                        ];
                        for (k, q) in q.into_iter().enumerate() {
                            // Elements 128h + 32k + 16c + (0..16): sub-block 8h + 2k + c.
                            let sb = 8 * h + 2 * k + c;
                            let qs = vsubq_s8(vreinterpretq_s8_u8(q), off);
                            let y = ld_s8(i8_16(&x.qs, sb));
                            let s = $dot(vdupq_n_s32(0), qs, y);
                            sum += w.scales[sb] as i32 * vaddvq_s32(s);
                        }
                    }
                }
                sumf += (w.d() * x.d()) * sum as f32;
            }
            sumf
        }
    };
}

kernels!(
    "neon", dot16, q8_0_q8_0, q4_0_q8_0, q4_1_q8_1, q5_0_q8_0, q5_1_q8_1, q4_k_q8_k, q6_k_q8_k
);
kernels!(
    "neon,dotprod",
    dot16_sdot,
    q8_0_q8_0_sdot,
    q4_0_q8_0_sdot,
    q4_1_q8_1_sdot,
    q5_0_q8_0_sdot,
    q5_1_q8_1_sdot,
    q4_k_q8_k_sdot,
    q6_k_q8_k_sdot
);

#[target_feature(enable = "neon")]
fn f32_f32(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w4, x4) = (w[..n].chunks_exact(4), x[..n].chunks_exact(4));
    let (wr, xr) = (w4.remainder(), x4.remainder());
    let mut acc = [vdupq_n_f32(0.0); 4];
    for (k, (w, x)) in w4.zip(x4).enumerate() {
        // SAFETY: both chunks hold exactly 4 f32.
        let (a, b) = unsafe { (vld1q_f32(w.as_ptr()), vld1q_f32(x.as_ptr())) };
        acc[k & 3] = vfmaq_f32(acc[k & 3], a, b);
    }
    let s = vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3]));
    vaddvq_f32(s) + scalar::vec_dot_f32_f32(wr, xr)
}

#[target_feature(enable = "neon")]
fn bf16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w8, x8) = (w[..n].chunks_exact(8), x[..n].chunks_exact(8));
    let (wr, xr) = (w8.remainder(), x8.remainder());
    let (mut a0, mut a1) = (vdupq_n_f32(0.0), vdupq_n_f32(0.0));
    for (w, x) in w8.zip(x8) {
        // SAFETY: 8 bf16 = 16 bytes and 8 f32 readable.
        let (v, b0, b1) = unsafe {
            (
                vld1q_u8(w.as_ptr().cast()),
                vld1q_f32(x.as_ptr()),
                vld1q_f32(x.as_ptr().add(4)),
            )
        };
        let v = vreinterpretq_u16_u8(v);
        let lo = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(v), 16));
        let hi = vreinterpretq_f32_u32(vshll_high_n_u16(v, 16));
        a0 = vfmaq_f32(a0, lo, b0);
        a1 = vfmaq_f32(a1, hi, b1);
    }
    vaddvq_f32(vaddq_f32(a0, a1))
        + wr.iter()
            .zip(xr)
            .map(|(&a, b)| crate::quant::float::bf16_le(a) * b)
            .sum::<f32>()
}

// SAFETY (all wrappers): reachable only through the NEON tables, handed out
// after detecting (or being compiled with) the features each kernel enables.
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
    vec_dot_q4_0_q8_0 => q4_0_q8_0(BlockQ4_0, BlockQ8_0);
    vec_dot_q4_1_q8_1 => q4_1_q8_1(BlockQ4_1, BlockQ8_1);
    vec_dot_q5_0_q8_0 => q5_0_q8_0(BlockQ5_0, BlockQ8_0);
    vec_dot_q5_1_q8_1 => q5_1_q8_1(BlockQ5_1, BlockQ8_1);
    vec_dot_q4_k_q8_k => q4_k_q8_k(BlockQ4K, BlockQ8K);
    vec_dot_q6_k_q8_k => q6_k_q8_k(BlockQ6K, BlockQ8K);
    vec_dot_q8_0_q8_0_sdot => q8_0_q8_0_sdot(BlockQ8_0, BlockQ8_0);
    vec_dot_q4_0_q8_0_sdot => q4_0_q8_0_sdot(BlockQ4_0, BlockQ8_0);
    vec_dot_q4_1_q8_1_sdot => q4_1_q8_1_sdot(BlockQ4_1, BlockQ8_1);
    vec_dot_q5_0_q8_0_sdot => q5_0_q8_0_sdot(BlockQ5_0, BlockQ8_0);
    vec_dot_q5_1_q8_1_sdot => q5_1_q8_1_sdot(BlockQ5_1, BlockQ8_1);
    vec_dot_q4_k_q8_k_sdot => q4_k_q8_k_sdot(BlockQ4K, BlockQ8K);
    vec_dot_q6_k_q8_k_sdot => q6_k_q8_k_sdot(BlockQ6K, BlockQ8K);
    vec_dot_bf16_f32 => bf16_f32([u8; 2], f32);
    vec_dot_f32_f32 => f32_f32(f32, f32);
}
