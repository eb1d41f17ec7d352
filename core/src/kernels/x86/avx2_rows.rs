//! AVX2 Q4_1·Q8_1 mat-vec: many weight rows against one activation row
//! per call, each row a sequential dot product (rows stream from memory
//! one after another, which the hardware prefetchers follow best).
//!
//! Decode spends most of its time here, and on the CPUs mote is measured
//! on (Zen 1: 256-bit operations split in two, one port for integer
//! multiplies) the 4-bit kernel is compute-bound, not bandwidth-bound. So:
//! the activation's f16 scales and sums are converted to f32 once per
//! call instead of once per weight row; four weight blocks' `d` and `m`
//! are converted with one instruction and multiplied by the activation's
//! in one; each block's low- and high-nibble products are added as i16
//! (see [`nibble_dot_i16`]) so two blocks share one widening multiply;
//! and the rows ahead are prefetched.

use core::arch::x86_64::*;

use super::avx2::{hsum, load16};
use super::avx2_rows_q8_0::prefetch;
use crate::quant::{BlockQ4_1, BlockQ8_1};

/// Activation blocks whose scales are converted up front (2 KiB of stack);
/// longer rows convert them as they go, with the same results.
const MAX_NB: usize = 256;

/// Σ q·y of one 4-bit block (unsigned nibbles `qs`, i8 `y`) as 8 i16
/// lanes: each `maddubs` lane is at most 2·15·128 in magnitude, so the
/// low- and high-nibble halves add without overflow, which saves a
/// widening multiply (the scarce one on Zen 1) per block.
#[inline]
#[target_feature(enable = "avx2")]
fn nibble_dot_i16(qs: &[u8; 16], y: &[i8; 32]) -> __m128i {
    let m4 = _mm_set1_epi8(0x0f);
    let t = load16(qs);
    let (lo, hi) = (
        _mm_and_si128(t, m4),
        _mm_and_si128(_mm_srli_epi16(t, 4), m4),
    );
    // SAFETY: `y` is 32 readable bytes: 16 at offset 0 and 16 at 16.
    let (y0, y1) = unsafe {
        (
            _mm_loadu_si128(y.as_ptr().cast()),
            _mm_loadu_si128(y.as_ptr().add(16).cast()),
        )
    };
    _mm_add_epi16(_mm_maddubs_epi16(lo, y0), _mm_maddubs_epi16(hi, y1))
}

/// `d | m << 16` (or `d | s << 16`) of four consecutive blocks as f32,
/// `[d0 m0 d1 m1 | d2 m2 d3 m3]`.
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn dm4(v: [u32; 4]) -> __m256 {
    let lo = v[0] as u64 | (v[1] as u64) << 32;
    let hi = v[2] as u64 | (v[3] as u64) << 32;
    _mm256_cvtph_ps(_mm_set_epi64x(hi as i64, lo as i64))
}

fn w_bits(w: &BlockQ4_1) -> u32 {
    u16::from_le_bytes(w.d) as u32 | (u16::from_le_bytes(w.m) as u32) << 16
}

fn x_bits(x: &BlockQ8_1) -> u32 {
    u16::from_le_bytes(x.d) as u32 | (u16::from_le_bytes(x.s) as u32) << 16
}

/// The activation's `[d s]` of blocks `4g..4g + 4` as f32.
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn x_scales(x: &[BlockQ8_1], g: usize, pre: Option<&[[f32; 8]]>) -> __m256 {
    if let Some(v) = pre.and_then(|p| p.get(g)) {
        // SAFETY: `v` is 8 readable f32; unaligned load.
        return unsafe { _mm256_loadu_ps(v.as_ptr()) };
    }
    let b = |k: usize| x.get(4 * g + k).map_or(0, x_bits);
    dm4([b(0), b(1), b(2), b(3)])
}

/// One row: `Σ_k d_w·d_x·Σq·y + m_w·s_x`. Blocks go four at a time:
/// blocks 0 and 2 of a group share one vector and accumulator, 1 and 3
/// another; the `m·s` products collect in the odd lanes of `am`; a
/// remainder of 1–3 blocks goes one block at a time into `at`.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn row(w: &[BlockQ4_1], x: &[BlockQ8_1], pre: Option<&[[f32; 8]]>) -> f32 {
    let ones = _mm256_set1_epi16(1);
    let (mut a0, mut a1, mut am) = (
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
    );
    let (w4, x4) = (w.chunks_exact(4), x.chunks_exact(4));
    let (wr, xr) = (w4.remainder(), x4.remainder());
    let groups = w4.len().min(x4.len());
    for (g, (w, xg)) in w4.zip(x4).enumerate() {
        prefetch(&w[0]);
        prefetch(&w[3]);
        let p = _mm256_mul_ps(
            dm4([w_bits(&w[0]), w_bits(&w[1]), w_bits(&w[2]), w_bits(&w[3])]),
            x_scales(x, g, pre),
        );
        let x = xg;
        am = _mm256_add_ps(am, p);
        let q02 = _mm256_set_m128i(
            nibble_dot_i16(&w[2].qs, &x[2].qs),
            nibble_dot_i16(&w[0].qs, &x[0].qs),
        );
        let q13 = _mm256_set_m128i(
            nibble_dot_i16(&w[3].qs, &x[3].qs),
            nibble_dot_i16(&w[1].qs, &x[1].qs),
        );
        let q02 = _mm256_cvtepi32_ps(_mm256_madd_epi16(q02, ones));
        let q13 = _mm256_cvtepi32_ps(_mm256_madd_epi16(q13, ones));
        a0 = _mm256_fmadd_ps(_mm256_shuffle_ps::<0x00>(p, p), q02, a0);
        a1 = _mm256_fmadd_ps(_mm256_shuffle_ps::<0xaa>(p, p), q13, a1);
    }
    let mut at = _mm_setzero_ps();
    let mut mt = 0f32;
    if !wr.is_empty() {
        let mut b = [0u32; 4];
        for (b, w) in b.iter_mut().zip(wr) {
            *b = w_bits(w);
        }
        let xs = match pre.and_then(|p| p.get(groups)) {
            // SAFETY: 8 readable f32; unaligned load.
            Some(v) => unsafe { _mm256_loadu_ps(v.as_ptr()) },
            None => {
                let mut c = [0u32; 4];
                for (c, x) in c.iter_mut().zip(xr) {
                    *c = x_bits(x);
                }
                dm4(c)
            }
        };
        let mut p = [0f32; 8];
        // SAFETY: `p` is 8 writable f32; unaligned store.
        unsafe { _mm256_storeu_ps(p.as_mut_ptr(), _mm256_mul_ps(dm4(b), xs)) };
        for (k, (w, x)) in wr.iter().zip(xr).enumerate() {
            let q = _mm_madd_epi16(nibble_dot_i16(&w.qs, &x.qs), _mm256_castsi256_si128(ones));
            at = _mm_fmadd_ps(_mm_set1_ps(p[2 * k]), _mm_cvtepi32_ps(q), at);
            mt += p[2 * k + 1];
        }
    }
    let mut m = [0f32; 8];
    // SAFETY: `m` is 8 writable f32; unaligned store.
    unsafe { _mm256_storeu_ps(m.as_mut_ptr(), am) };
    let at = _mm_add_ps(at, _mm_movehl_ps(at, at));
    let at = _mm_cvtss_f32(_mm_add_ss(at, _mm_movehdup_ps(at)));
    hsum(_mm256_add_ps(a0, a1)) + at + (((m[1] + m[3]) + (m[5] + m[7])) + mt)
}

/// `y[j] = dot(w row j, x)` for the `w.len() / nb` rows of `nb` blocks.
#[target_feature(enable = "avx2,fma,f16c")]
fn rows(w: &[BlockQ4_1], x: &[BlockQ8_1], nb: usize, y: &mut [f32]) {
    let Some(x) = x.get(..nb).filter(|_| nb > 0) else {
        y.iter_mut().for_each(|v| *v = 0.0);
        return;
    };
    let mut buf = [[0f32; 8]; MAX_NB / 4];
    let pre = if nb <= MAX_NB {
        for (g, o) in buf.iter_mut().enumerate().take(nb.div_ceil(4)) {
            // SAFETY: `o` is 8 writable f32; unaligned store.
            unsafe { _mm256_storeu_ps(o.as_mut_ptr(), x_scales(x, g, None)) };
        }
        Some(&buf[..])
    } else {
        None
    };
    for (o, w) in y.iter_mut().zip(w.chunks_exact(nb.max(1))) {
        *o = row(w, x, pre);
    }
}

/// Q4_1 · Q8_1 mat-vec (table entry).
pub(super) fn rows_q4_1_q8_1(w: &[BlockQ4_1], x: &[BlockQ8_1], nb: usize, y: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 (or wider) tables, handed
    // out after detecting AVX2, FMA and F16C.
    unsafe { rows(w, x, nb, y) }
}

/// Q4_1 · Q8_1 dot product (table entry): one row of [`rows_q4_1_q8_1`],
/// bit for bit.
pub(super) fn vec_dot_q4_1_q8_1(w: &[BlockQ4_1], x: &[BlockQ8_1]) -> f32 {
    let nb = w.len().min(x.len());
    let mut y = [0f32];
    rows_q4_1_q8_1(w.get(..nb).unwrap_or(&[]), x, nb, &mut y);
    y[0]
}
