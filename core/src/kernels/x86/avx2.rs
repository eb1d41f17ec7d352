//! AVX2 (+FMA, F16C) dot products, ggml's x86 kernels rewritten.
//!
//! Integer blocks: `maddubs` (u8 × i8 → i16 pairs) then `madd` with ones
//! (→ i32), converted to f32 and fused-multiply-added with the block's
//! scale product into 8 float lanes; two accumulators hide FMA latency.
//! Signed × signed products use the sign trick `|x| · (y·sign x)`.
//!
//! Every kernel here is a safe `#[target_feature]` fn; the `vec_dot_*`
//! wrappers call them and are reachable only through the table
//! [`super::avx2_table`] hands out once the CPU is known to have the
//! features.

use core::arch::x86_64::*;

use crate::kernels::act_quant::each_block;
use crate::kernels::scalar;

use crate::quant::{
    BlockQ4K, BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ6K, BlockQ8K, BlockQ8_0, BlockQ8_1,
};

/// 32 bytes from a 32-byte array.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn load32<T: bytemuck::Pod>(a: &[T; 32]) -> __m256i
where
    [T; 32]: bytemuck::Pod,
{
    let b: &[u8] = bytemuck::bytes_of(a);
    let p = b.as_ptr().cast::<__m256i>();
    // SAFETY: `a` is 32 elements of a type at least one byte wide, so 32
    // bytes are readable at `p`; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_si256(p) }
}

/// 16 bytes.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn load16(a: &[u8; 16]) -> __m128i {
    // SAFETY: 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(a.as_ptr().cast()) }
}

/// Two f16 (little-endian bits) multiplied as f32, broadcast to 8 lanes.
#[inline]
#[target_feature(enable = "avx2,f16c")]
pub(super) fn scale2(a: [u8; 2], b: [u8; 2]) -> __m256 {
    let bits = u16::from_le_bytes(a) as u32 | (u16::from_le_bytes(b) as u32) << 16;
    let v = _mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32));
    _mm256_broadcastss_ps(_mm_mul_ss(v, _mm_movehdup_ps(v)))
}

/// Products `a0·b0` and `a1·b1` of four f16 (one conversion), in lanes 0
/// and 2 of the result.
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn products2(a0: [u8; 2], b0: [u8; 2], a1: [u8; 2], b1: [u8; 2]) -> __m128 {
    let bits = u16::from_le_bytes(a0) as u64
        | (u16::from_le_bytes(b0) as u64) << 16
        | (u16::from_le_bytes(a1) as u64) << 32
        | (u16::from_le_bytes(b1) as u64) << 48;
    let v = _mm_cvtph_ps(_mm_cvtsi64_si128(bits as i64));
    _mm_mul_ps(v, _mm_movehdup_ps(v))
}

/// Lanes 0 and 2 of [`products2`] broadcast to two 8-lane vectors.
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn scales2x(a0: [u8; 2], b0: [u8; 2], a1: [u8; 2], b1: [u8; 2]) -> (__m256, __m256) {
    let p = products2(a0, b0, a1, b1);
    (
        _mm256_broadcastss_ps(p),
        _mm256_broadcastss_ps(_mm_movehl_ps(p, p)),
    )
}

/// One f16 as f32.
#[inline]
#[target_feature(enable = "f16c")]
pub(super) fn f16(a: [u8; 2]) -> f32 {
    _mm_cvtss_f32(_mm_cvtph_ps(
        _mm_cvtsi32_si128(u16::from_le_bytes(a) as i32),
    ))
}

/// Σ of the 8 lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
}

/// i8 × i8 → 8 lanes of i32 pair-of-pair sums.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn mul_sum_i8(x: __m256i, y: __m256i) -> __m256i {
    let ax = _mm256_sign_epi8(x, x);
    let sy = _mm256_sign_epi8(y, x);
    _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1))
}

/// u8 × i8 → 8 lanes of i32.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn mul_sum_u8(ux: __m256i, sy: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_maddubs_epi16(ux, sy), _mm256_set1_epi16(1))
}

/// 16 packed nibbles as 32 bytes: low nibbles (elements 0..16), then high.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn nibbles(qs: &[u8; 16]) -> __m256i {
    let t = load16(qs);
    let v = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    _mm256_and_si256(v, _mm256_set1_epi8(0x0f))
}

/// 32 bits as 32 bytes, 0xff where the bit is set (ggml's `bytes_from_bits_32`).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn bits_to_bytes(qh: u32) -> __m256i {
    let shuf = _mm256_set_epi64x(
        0x0303_0303_0303_0303,
        0x0202_0202_0202_0202,
        0x0101_0101_0101_0101,
        0,
    );
    let bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(qh as i32), shuf);
    let bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe));
    _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q8_0_q8_0(w: &[BlockQ8_0], x: &[BlockQ8_0]) -> f32 {
    let block = |w: &BlockQ8_0, x: &BlockQ8_0, acc: __m256| {
        let q = mul_sum_i8(load32(&w.qs), load32(&x.qs));
        _mm256_fmadd_ps(scale2(w.d, x.d), _mm256_cvtepi32_ps(q), acc)
    };
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
    let (wr, xr) = (w2.remainder(), x2.remainder());
    for (w, x) in w2.zip(x2) {
        let (d0, d1) = scales2x(w[0].d, x[0].d, w[1].d, x[1].d);
        let q0 = mul_sum_i8(load32(&w[0].qs), load32(&x[0].qs));
        let q1 = mul_sum_i8(load32(&w[1].qs), load32(&x[1].qs));
        a0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(q0), a0);
        a1 = _mm256_fmadd_ps(d1, _mm256_cvtepi32_ps(q1), a1);
    }
    if let (Some(w), Some(x)) = (wr.first(), xr.first()) {
        a0 = block(w, x, a0);
    }
    hsum(_mm256_add_ps(a0, a1))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q4_0_q8_0(w: &[BlockQ4_0], x: &[BlockQ8_0]) -> f32 {
    let block = |w: &BlockQ4_0, x: &BlockQ8_0, acc: __m256| {
        let qx = _mm256_sub_epi8(nibbles(&w.qs), _mm256_set1_epi8(8));
        let q = mul_sum_i8(qx, load32(&x.qs));
        _mm256_fmadd_ps(scale2(w.d, x.d), _mm256_cvtepi32_ps(q), acc)
    };
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
    let (wr, xr) = (w2.remainder(), x2.remainder());
    let eight = _mm256_set1_epi8(8);
    for (w, x) in w2.zip(x2) {
        let (d0, d1) = scales2x(w[0].d, x[0].d, w[1].d, x[1].d);
        let q0 = mul_sum_i8(_mm256_sub_epi8(nibbles(&w[0].qs), eight), load32(&x[0].qs));
        let q1 = mul_sum_i8(_mm256_sub_epi8(nibbles(&w[1].qs), eight), load32(&x[1].qs));
        a0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(q0), a0);
        a1 = _mm256_fmadd_ps(d1, _mm256_cvtepi32_ps(q1), a1);
    }
    if let (Some(w), Some(x)) = (wr.first(), xr.first()) {
        a0 = block(w, x, a0);
    }
    hsum(_mm256_add_ps(a0, a1))
}

#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn q4_1_q8_1(w: &[BlockQ4_1], x: &[BlockQ8_1]) -> f32 {
    let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    // Σ m·s: lanes 0 and 2 of `am` (lanes 1 and 3 hold unused products).
    let mut am = _mm_setzero_ps();
    let (w2, x2) = (w.chunks_exact(2), x.chunks_exact(2));
    let (wr, xr) = (w2.remainder(), x2.remainder());
    for (w, x) in w2.zip(x2) {
        let (d0, d1) = scales2x(w[0].d, x[0].d, w[1].d, x[1].d);
        am = _mm_add_ps(am, products2(w[0].m, x[0].s, w[1].m, x[1].s));
        let q0 = mul_sum_u8(nibbles(&w[0].qs), load32(&x[0].qs));
        let q1 = mul_sum_u8(nibbles(&w[1].qs), load32(&x[1].qs));
        a0 = _mm256_fmadd_ps(d0, _mm256_cvtepi32_ps(q0), a0);
        a1 = _mm256_fmadd_ps(d1, _mm256_cvtepi32_ps(q1), a1);
    }
    let mut summs = _mm_cvtss_f32(am) + _mm_cvtss_f32(_mm_movehl_ps(am, am));
    if let (Some(w), Some(x)) = (wr.first(), xr.first()) {
        let q = mul_sum_u8(nibbles(&w.qs), load32(&x.qs));
        a0 = _mm256_fmadd_ps(scale2(w.d, x.d), _mm256_cvtepi32_ps(q), a0);
        summs += f16(w.m) * f16(x.s);
    }
    hsum(_mm256_add_ps(a0, a1)) + summs
}

#[target_feature(enable = "avx2,fma,f16c")]
fn q5_0_q8_0(w: &[BlockQ5_0], x: &[BlockQ8_0]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, x) in w.iter().zip(x) {
        // Levels without bit 4 get 0xF0 or'ed in: (q − 16) as i8.
        let hi = _mm256_andnot_si256(bits_to_bytes(w.qh()), _mm256_set1_epi8(0xf0u8 as i8));
        let qx = _mm256_or_si256(nibbles(&w.qs), hi);
        let q = mul_sum_i8(qx, load32(&x.qs));
        acc = _mm256_fmadd_ps(scale2(w.d, x.d), _mm256_cvtepi32_ps(q), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx2,fma,f16c")]
fn q5_1_q8_1(w: &[BlockQ5_1], x: &[BlockQ8_1]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let mut summs = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let hi = _mm256_and_si256(bits_to_bytes(w.qh()), _mm256_set1_epi8(0x10));
        let qx = _mm256_or_si256(nibbles(&w.qs), hi);
        let q = mul_sum_u8(qx, load32(&x.qs));
        acc = _mm256_fmadd_ps(scale2(w.d, x.d), _mm256_cvtepi32_ps(q), acc);
        summs += f16(w.m) * f16(x.s);
    }
    hsum(acc) + summs
}

/// The 32 quants of Q8_K sub-block `j` (0..8).
#[inline]
fn q8k_32(x: &BlockQ8K, j: usize) -> &[i8; 32] {
    let j = j & 7;
    x.qs[32 * j..32 * j + 32].try_into().unwrap_or(&[0; 32])
}

/// The 32 bytes of Q4_K nibble group `p` (0..4).
#[inline]
fn q4k_32(w: &BlockQ4K, p: usize) -> &[u8; 32] {
    let p = p & 3;
    w.qs[32 * p..32 * p + 32].try_into().unwrap_or(&[0; 32])
}

#[target_feature(enable = "avx2,fma,f16c")]
fn q4_k_q8_k(w: &[BlockQ4K], x: &[BlockQ8K]) -> f32 {
    let m4 = _mm256_set1_epi8(0x0f);
    let mut acc = _mm256_setzero_ps();
    let mut summ = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let (sc, m) = w.scales_mins();
        let mut sumi = _mm256_setzero_si256();
        for p in 0..4 {
            let q4 = load32(q4k_32(w, p));
            let lo = _mm256_and_si256(q4, m4);
            let hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), m4);
            let pl = _mm256_maddubs_epi16(lo, load32(q8k_32(x, 2 * p)));
            let ph = _mm256_maddubs_epi16(hi, load32(q8k_32(x, 2 * p + 1)));
            let pl = _mm256_madd_epi16(pl, _mm256_set1_epi16(sc[2 * p] as i16));
            let ph = _mm256_madd_epi16(ph, _mm256_set1_epi16(sc[2 * p + 1] as i16));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
        }
        let mut sum_m = 0i32;
        for (j, &m) in m.iter().enumerate() {
            sum_m += m as i32 * (x.bsum(2 * j) as i32 + x.bsum(2 * j + 1) as i32);
        }
        let dy = x.d();
        acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(w.d) * dy), _mm256_cvtepi32_ps(sumi), acc);
        summ += (f16(w.dmin) * dy) * sum_m as f32;
    }
    hsum(acc) - summ
}

#[target_feature(enable = "avx2,fma,f16c")]
fn q6_k_q8_k(w: &[BlockQ6K], x: &[BlockQ8K]) -> f32 {
    let m4 = _mm256_set1_epi8(0x0f);
    let m3 = _mm256_set1_epi8(0x03);
    let mut acc = _mm256_setzero_ps();
    for (w, x) in w.iter().zip(x) {
        let mut sumi = _mm256_setzero_si256();
        // Σ_j sc_j·Σ(q − 32)·y = Σ_j sc_j·Σ q·y − 32·Σ_j sc_j·bsum_j.
        let mut corr = 0i32;
        for j in 0..16 {
            corr += w.scales[j] as i32 * x.bsum(j) as i32;
        }
        for h in 0..2 {
            let ql = |k: usize| -> &[u8; 32] {
                let s = 64 * h + 32 * (k & 1);
                w.ql[s..s + 32].try_into().unwrap_or(&[0; 32])
            };
            let qh: &[u8; 32] = w.qh[32 * h..32 * h + 32].try_into().unwrap_or(&[0; 32]);
            let (l0, l1, bh) = (load32(ql(0)), load32(ql(1)), load32(qh));
            let q = [
                _mm256_or_si256(
                    _mm256_and_si256(l0, m4),
                    _mm256_slli_epi16(_mm256_and_si256(bh, m3), 4),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(l1, m4),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 2), m3), 4),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 4), m3), 4),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bh, 6), m3), 4),
                ),
            ];
            for (k, qk) in q.into_iter().enumerate() {
                // Elements 128h + 32k + (0..32): sub-blocks 8h + 2k and +1.
                let s = 8 * h + 2 * k;
                let scale = _mm256_set_m128i(
                    _mm_set1_epi16(w.scales[s + 1] as i16),
                    _mm_set1_epi16(w.scales[s] as i16),
                );
                let p = _mm256_maddubs_epi16(qk, load32(q8k_32(x, 4 * h + k)));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale));
            }
        }
        let d = f16(w.d) * x.d();
        let total = _mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * corr, 0, 0, 0, 0, 0, 0, 0));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(total), acc);
    }
    hsum(acc)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn f32_f32(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w8, x8) = (w[..n].chunks_exact(8), x[..n].chunks_exact(8));
    let (wr, xr) = (w8.remainder(), x8.remainder());
    let mut acc = [_mm256_setzero_ps(); 4];
    for (k, (w, x)) in w8.zip(x8).enumerate() {
        // SAFETY: both chunks hold exactly 8 f32; unaligned loads.
        let (a, b) = unsafe { (_mm256_loadu_ps(w.as_ptr()), _mm256_loadu_ps(x.as_ptr())) };
        acc[k & 3] = _mm256_fmadd_ps(a, b, acc[k & 3]);
    }
    let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    hsum(s) + scalar::vec_dot_f32_f32(wr, xr)
}

#[target_feature(enable = "avx2,fma,f16c")]
pub(super) fn f16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w8, x8) = (w[..n].chunks_exact(8), x[..n].chunks_exact(8));
    let (wr, xr) = (w8.remainder(), x8.remainder());
    let mut acc = [_mm256_setzero_ps(); 4];
    for (k, (w, x)) in w8.zip(x8).enumerate() {
        // SAFETY: 8 f16 = 16 bytes and 8 f32 readable; unaligned loads.
        let (a, b) = unsafe {
            (
                _mm_loadu_si128(w.as_ptr().cast()),
                _mm256_loadu_ps(x.as_ptr()),
            )
        };
        acc[k & 3] = _mm256_fmadd_ps(_mm256_cvtph_ps(a), b, acc[k & 3]);
    }
    let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    hsum(s) + scalar::vec_dot_f16_f32(wr, xr)
}

#[target_feature(enable = "avx2,fma,f16c")]
fn bf16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w8, x8) = (w[..n].chunks_exact(8), x[..n].chunks_exact(8));
    let (wr, xr) = (w8.remainder(), x8.remainder());
    let mut acc = [_mm256_setzero_ps(); 4];
    for (k, (w, x)) in w8.zip(x8).enumerate() {
        // SAFETY: 8 bf16 = 16 bytes and 8 f32 readable; unaligned loads.
        let (a, b) = unsafe {
            (
                _mm_loadu_si128(w.as_ptr().cast()),
                _mm256_loadu_ps(x.as_ptr()),
            )
        };
        let a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(a), 16));
        acc[k & 3] = _mm256_fmadd_ps(a, b, acc[k & 3]);
    }
    let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    hsum(s)
        + wr.iter()
            .zip(xr)
            .map(|(&a, b)| crate::quant::float::bf16_le(a) * b)
            .sum::<f32>()
}

/// One activation block as llama.cpp's x86 quantizer makes it
/// ([`act_quant`](crate::kernels::act_quant) is the scalar twin): the
/// scale `d`, the 32 quants, and their wrapping i32 sum.
#[inline]
#[target_feature(enable = "avx2")]
fn act_block(x: &[f32; 32], qs: &mut [i8; 32]) -> (f32, i32) {
    let p = x.as_ptr();
    // SAFETY: `x` holds 32 f32, so offsets 0, 8, 16 and 24 each start 8
    // readable floats; unaligned loads.
    let v = unsafe {
        [
            _mm256_loadu_ps(p),
            _mm256_loadu_ps(p.add(8)),
            _mm256_loadu_ps(p.add(16)),
            _mm256_loadu_ps(p.add(24)),
        ]
    };
    let sign = _mm256_set1_ps(-0.0);
    let mut m = _mm256_andnot_ps(sign, v[0]);
    for &vi in &v[1..] {
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, vi));
    }
    let m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    let m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    let m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    let (d, id) = crate::kernels::act_quant::scale(_mm_cvtss_f32(m4));
    let mul = _mm256_set1_ps(id);
    let mut q = [_mm256_setzero_si256(); 4];
    for (q, &vi) in q.iter_mut().zip(&v) {
        let r = _mm256_round_ps::<_MM_FROUND_TO_NEAREST_INT>(_mm256_mul_ps(vi, mul));
        *q = _mm256_cvtps_epi32(r);
    }
    let s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    let s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
    // The packs work per 128-bit lane; the permute puts the quants back in
    // order.
    let w = _mm256_packs_epi16(
        _mm256_packs_epi32(q[0], q[1]),
        _mm256_packs_epi32(q[2], q[3]),
    );
    let w = _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    // SAFETY: `qs` is 32 writable bytes; unaligned store.
    unsafe { _mm256_storeu_si256(qs.as_mut_ptr().cast(), w) };
    (d, _mm_cvtsi128_si32(s))
}

#[target_feature(enable = "avx2")]
fn act_q8_0(x: &[f32], y: &mut [BlockQ8_0]) {
    each_block(x, y, |x, b| {
        let (d, _) = act_block(x, &mut b.qs);
        b.d = crate::quant::f16_bytes(d);
    });
}

#[target_feature(enable = "avx2")]
fn act_q8_1(x: &[f32], y: &mut [BlockQ8_1]) {
    each_block(x, y, |x, b| {
        let (d, sum) = act_block(x, &mut b.qs);
        b.d = crate::quant::f16_bytes(d);
        b.s = crate::quant::f16_bytes(d * sum as f32);
    });
}

/// Q8_0 activations (table entry).
pub(super) fn quantize_q8_0(x: &[f32], y: &mut [BlockQ8_0]) {
    // SAFETY: reachable only through the AVX2 (or wider) table, handed out
    // after detecting AVX2.
    unsafe { act_q8_0(x, y) }
}

/// Q8_1 activations (table entry).
pub(super) fn quantize_q8_1(x: &[f32], y: &mut [BlockQ8_1]) {
    // SAFETY: as `quantize_q8_0`.
    unsafe { act_q8_1(x, y) }
}

// The wrappers the table holds. SAFETY (all of them): they are reachable
// only through the table `avx2_table()` returns, which it returns only
// after detecting (or being compiled with) AVX2, FMA and F16C.
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
    vec_dot_q5_0_q8_0 => q5_0_q8_0(BlockQ5_0, BlockQ8_0);
    vec_dot_q5_1_q8_1 => q5_1_q8_1(BlockQ5_1, BlockQ8_1);
    vec_dot_q4_k_q8_k => q4_k_q8_k(BlockQ4K, BlockQ8K);
    vec_dot_q6_k_q8_k => q6_k_q8_k(BlockQ6K, BlockQ8K);
    vec_dot_f16_f32 => f16_f32([u8; 2], f32);
    vec_dot_bf16_f32 => bf16_f32([u8; 2], f32);
    vec_dot_f32_f32 => f32_f32(f32, f32);
}
