//! AVX2 Q8_0·Q8_0 mat-vec: many weight rows against one activation row
//! per call, each row a sequential dot product, bit for bit the table's
//! dot product ([`super::avx2`]'s `q8_0_q8_0`: even blocks into one
//! accumulator, odd into another, `d_w·d_x` as one f32 product).
//!
//! What it saves over a dot product per row: the activation scales are
//! converted to f32 once per call instead of once per row, four weight
//! scales are converted and multiplied with one instruction each, and the
//! next rows are prefetched while this one is summed (decode streams the
//! whole matrix from memory once per token).

use core::arch::x86_64::*;

use super::avx2::{hsum, load32, mul_sum_i8};
use crate::quant::BlockQ8_0;

/// Activation blocks whose scales are converted up front (1 KiB of stack);
/// longer rows convert them as they go, with the same results.
const MAX_NB: usize = 256;

/// How far ahead of the block being summed to prefetch, in bytes. The
/// hardware prefetchers alone left decode 20 % slower on Zen 1 (1024 and
/// 4096 measured within 2 % of 2048, 512 5 % slower).
const PREFETCH: usize = 2048;

/// Four f16 (little-endian bits) as f32.
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn f16x4(v: [[u8; 2]; 4]) -> __m128 {
    let b = |k: usize| u16::from_le_bytes(v[k]) as u64;
    let bits = b(0) | b(1) << 16 | b(2) << 32 | b(3) << 48;
    _mm_cvtph_ps(_mm_cvtsi64_si128(bits as i64))
}

/// The activation's scales of blocks `4g..4g + 4` (0 past the end).
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn x_scales(x: &[BlockQ8_0], g: usize, pre: Option<&[[f32; 4]]>) -> __m128 {
    if let Some(v) = pre.and_then(|p| p.get(g)) {
        // SAFETY: `v` is 4 readable f32; unaligned load.
        return unsafe { _mm_loadu_ps(v.as_ptr()) };
    }
    let d = |k: usize| x.get(4 * g + k).map_or([0; 2], |b| b.d);
    f16x4([d(0), d(1), d(2), d(3)])
}

/// Lane `k` (0..4) of `v` in all 8 lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn bcast(v: __m128, k: usize) -> __m256 {
    let v = match k {
        0 => v,
        1 => _mm_movehdup_ps(v),
        2 => _mm_movehl_ps(v, v),
        _ => _mm_shuffle_ps::<0xff>(v, v),
    };
    _mm256_broadcastss_ps(v)
}

/// Asks for the cache line `PREFETCH` bytes past `b`.
#[inline]
#[target_feature(enable = "sse")]
pub(super) fn prefetch<T>(b: &T) {
    let p = (b as *const T).cast::<i8>().wrapping_add(PREFETCH);
    // SAFETY: a prefetch never faults, whatever the address, and the
    // pointer is only computed (wrapping), never dereferenced. (The
    // intrinsic is an `unsafe fn` at the MSRV, safe in newer compilers.)
    #[allow(unused_unsafe)]
    unsafe {
        _mm_prefetch::<_MM_HINT_T0>(p)
    };
}

/// One row.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn row(w: &[BlockQ8_0], x: &[BlockQ8_0], pre: Option<&[[f32; 4]]>) -> f32 {
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let (w4, x4) = (w.chunks_exact(4), x.chunks_exact(4));
    let (wr, xr) = (w4.remainder(), x4.remainder());
    let groups = w4.len().min(x4.len());
    let block = |w: &BlockQ8_0, x: &BlockQ8_0, d: __m256, acc: __m256| {
        let q = mul_sum_i8(load32(&w.qs), load32(&x.qs));
        _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(q), acc)
    };
    for (g, (w, xg)) in w4.zip(x4).enumerate() {
        prefetch(&w[0]);
        prefetch(&w[2]);
        let p = _mm_mul_ps(f16x4([w[0].d, w[1].d, w[2].d, w[3].d]), x_scales(x, g, pre));
        a0 = block(&w[0], &xg[0], bcast(p, 0), a0);
        a1 = block(&w[1], &xg[1], bcast(p, 1), a1);
        a0 = block(&w[2], &xg[2], bcast(p, 2), a0);
        a1 = block(&w[3], &xg[3], bcast(p, 3), a1);
    }
    if !wr.is_empty() {
        let d = |k: usize| wr.get(k).map_or([0; 2], |b| b.d);
        let p = _mm_mul_ps(f16x4([d(0), d(1), d(2), d(3)]), x_scales(x, groups, pre));
        for (k, (w, x)) in wr.iter().zip(xr).enumerate() {
            if k % 2 == 0 {
                a0 = block(w, x, bcast(p, k), a0);
            } else {
                a1 = block(w, x, bcast(p, k), a1);
            }
        }
    }
    hsum(_mm256_add_ps(a0, a1))
}

/// `y[j] = dot(w row j, x)` for the `w.len() / nb` rows of `nb` blocks.
#[target_feature(enable = "avx2,fma,f16c")]
fn rows(w: &[BlockQ8_0], x: &[BlockQ8_0], nb: usize, y: &mut [f32]) {
    let Some(x) = x.get(..nb).filter(|_| nb > 0) else {
        y.iter_mut().for_each(|v| *v = 0.0);
        return;
    };
    let mut buf = [[0f32; 4]; MAX_NB / 4];
    let pre = if nb <= MAX_NB {
        for (g, o) in buf.iter_mut().enumerate().take(nb.div_ceil(4)) {
            // SAFETY: `o` is 4 writable f32; unaligned store.
            unsafe { _mm_storeu_ps(o.as_mut_ptr(), x_scales(x, g, None)) };
        }
        Some(&buf[..])
    } else {
        None
    };
    for (o, w) in y.iter_mut().zip(w.chunks_exact(nb)) {
        *o = row(w, x, pre);
    }
}

/// Q8_0 · Q8_0 mat-vec (table entry).
pub(super) fn rows_q8_0_q8_0(w: &[BlockQ8_0], x: &[BlockQ8_0], nb: usize, y: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 (or wider) tables, handed
    // out after detecting AVX2, FMA and F16C.
    unsafe { rows(w, x, nb, y) }
}
