//! AVX2 register tiles for mat-mul: up to 4 activation rows against up
//! to 4 weight rows per call, for the 32-element block formats
//! (Q8_0·Q8_0, Q4_0·Q8_0, Q4_1·Q8_1).
//!
//! A per-pair dot product decodes every weight block once per activation
//! row and pays a call, a horizontal sum and the scale conversions per
//! pair. A tile decodes each weight block once for all its activation
//! rows, loads each activation block once for all its weight rows, turns
//! the tile's f16 scales into f32 four at a time, and keeps one
//! accumulator per pair in registers (matmul uses 4 × 2).
//!
//! Every pair is summed in the same order whatever the tile shape: one
//! accumulator, block after block, `acc = d_w·d_x · Σq + acc`, then a
//! fixed horizontal sum, then (Q4_1) `+ Σ m_w·s_x` summed block after
//! block with FMAs. So a pair's result does not depend on the tile it was
//! computed in (which rows were its neighbours, how many threads split
//! the rows). For Q4_1 that order is llama.cpp's own (see [`tile_q4_1`]);
//! Q8_0 and Q4_0 sum in 128-bit lanes, which on Zen 1 is what pays.

use core::arch::x86_64::*;

use super::avx2::{hsum, load32, nibbles};
use crate::quant::{BlockQ4_0, BlockQ4_1, BlockQ8_0, BlockQ8_1};

/// The most rows on either side of a tile.
const MAX: usize = crate::kernels::table::TILE_MAX;

/// How a weight format's quants enter the integer product.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Signed 8-bit quants (Q8_0).
    I8,
    /// Nibbles minus 8 (Q4_0).
    Nibbles8,
    /// Unsigned nibbles plus a per-block minimum (Q4_1).
    NibblesMin,
}

/// A weight block format a tile handles (plain field access; the SIMD
/// work stays inside the `#[target_feature]` kernels).
trait TileWeight: Copy {
    const KIND: Kind;
    /// Scale `d` and (`NibblesMin`) minimum `m` as f16 bits, `d | m << 16`.
    fn dm(&self) -> u32;
    /// The 32 quants (`I8`).
    fn q32(&self) -> &[i8; 32] {
        &[0; 32]
    }
    /// The 16 packed nibbles (`Nibbles8`, `NibblesMin`).
    fn q16(&self) -> &[u8; 16] {
        &[0; 16]
    }
}

impl TileWeight for BlockQ8_0 {
    const KIND: Kind = Kind::I8;
    fn dm(&self) -> u32 {
        u16::from_le_bytes(self.d) as u32
    }
    fn q32(&self) -> &[i8; 32] {
        &self.qs
    }
}

impl TileWeight for BlockQ4_0 {
    const KIND: Kind = Kind::Nibbles8;
    fn dm(&self) -> u32 {
        u16::from_le_bytes(self.d) as u32
    }
    fn q16(&self) -> &[u8; 16] {
        &self.qs
    }
}

impl TileWeight for BlockQ4_1 {
    const KIND: Kind = Kind::NibblesMin;
    fn dm(&self) -> u32 {
        u16::from_le_bytes(self.d) as u32 | (u16::from_le_bytes(self.m) as u32) << 16
    }
    fn q16(&self) -> &[u8; 16] {
        &self.qs
    }
}

/// An activation block format: Q8_0 or Q8_1 (scale, and for Q8_1 the
/// block sum `s`).
trait TileAct: Copy {
    /// `d | s << 16` as f16 bits (`s` = 0 for Q8_0).
    fn ds(&self) -> u32;
    fn qs(&self) -> &[i8; 32];
}

impl TileAct for BlockQ8_0 {
    fn ds(&self) -> u32 {
        u16::from_le_bytes(self.d) as u32
    }
    fn qs(&self) -> &[i8; 32] {
        &self.qs
    }
}

impl TileAct for BlockQ8_1 {
    fn ds(&self) -> u32 {
        u16::from_le_bytes(self.d) as u32 | (u16::from_le_bytes(self.s) as u32) << 16
    }
    fn qs(&self) -> &[i8; 32] {
        &self.qs
    }
}

/// `v` as `N` rows of `nb` blocks (rows past the end are empty).
#[inline(always)]
fn split<T, const N: usize>(v: &[T], nb: usize) -> [&[T]; N] {
    let mut rows: [&[T]; N] = [&[]; N];
    for (r, c) in rows.iter_mut().zip(v.chunks_exact(nb.max(1))) {
        *r = c;
    }
    rows
}

/// Block `l`'s packed f16 scale bits of every weight row and every
/// activation row of a tile (0 where a row is missing).
#[inline(always)]
fn scale_bits<W: TileWeight, A: TileAct>(
    wr: &[&[W]],
    xr: &[&[A]],
    l: usize,
) -> ([u32; MAX], [u32; MAX]) {
    let (mut wb, mut xb) = ([0u32; MAX], [0u32; MAX]);
    for (v, r) in wb.iter_mut().zip(wr) {
        *v = r.get(l).map_or(0, |b| b.dm());
    }
    for (v, r) in xb.iter_mut().zip(xr) {
        *v = r.get(l).map_or(0, |b| b.ds());
    }
    (wb, xb)
}

/// Up to four `d | e << 16` pairs of f16 bits as f32: `([d0..d3],
/// [e0..e3])` (pairs past `n` are 0).
#[inline]
#[target_feature(enable = "avx2,f16c")]
fn pairs4(v: [u32; MAX], n: usize) -> (__m128, __m128) {
    let mut a = [0u64; MAX];
    for (k, (a, &v)) in a.iter_mut().zip(&v).enumerate() {
        if k < n {
            *a = v as u64;
        }
    }
    let lo = a[0] | a[1] << 32;
    let hi = a[2] | a[3] << 32;
    // [d0 e0 d1 e1 | d2 e2 d3 e3]
    let f = _mm256_cvtph_ps(_mm_set_epi64x(hi as i64, lo as i64));
    let (l, h) = (_mm256_castps256_ps128(f), _mm256_extractf128_ps::<1>(f));
    (
        _mm_shuffle_ps::<0b10_00_10_00>(l, h),
        _mm_shuffle_ps::<0b11_01_11_01>(l, h),
    )
}

/// Lane `i` (0..4) of `v` in all 4 lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn lane(v: __m128, i: usize) -> __m128 {
    match i {
        0 => _mm_shuffle_ps::<0x00>(v, v),
        1 => _mm_shuffle_ps::<0x55>(v, v),
        2 => _mm_shuffle_ps::<0xaa>(v, v),
        _ => _mm_shuffle_ps::<0xff>(v, v),
    }
}

/// 16 bytes.
#[inline]
#[target_feature(enable = "avx2")]
fn load16<T: bytemuck::Pod>(a: &[T; 16]) -> __m128i
where
    [T; 16]: bytemuck::Pod,
{
    let b: &[u8] = bytemuck::bytes_of(a);
    // SAFETY: 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

/// The two 16-element halves of a block's 32 quants.
#[inline]
fn halves(q: &[i8; 32]) -> (&[i8; 16], &[i8; 16]) {
    let (a, b) = q.split_at(16);
    (
        a.try_into().unwrap_or(&[0; 16]),
        b.try_into().unwrap_or(&[0; 16]),
    )
}

/// `y[i·C + j] = dot(w row j, x row i)` for `R` activation rows and `C`
/// weight rows of `nb` blocks each (`w`: `C·nb` blocks, `x`: `R·nb`).
///
/// Q8_0 and Q4_0 here; Q4_1 goes to [`tile_q4_1`]. 128-bit lanes
/// throughout: on Zen 1 a 256-bit operation costs two, and the integer
/// multiplies, which only one port runs, dominate. A Q4_0 block's two
/// `maddubs` halves add as i16 (each lane is at most 2·8·127 in
/// magnitude) before the one widening `madd`; a Q8_0 block's cannot
/// (2·127·127 each), so it takes two.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn tile<const R: usize, const C: usize, W: TileWeight, A: TileAct>(
    w: &[W],
    x: &[A],
    nb: usize,
    y: &mut [f32],
) {
    if W::KIND == Kind::NibblesMin {
        tile_q4_1::<R, C, W, A>(w, x, nb, y);
        return;
    }
    let (Some(w), Some(x)) = (w.get(..C * nb), x.get(..R * nb)) else {
        return;
    };
    let (wr, xr) = (split::<W, C>(w, nb), split::<A, R>(x, nb));
    let ones = _mm_set1_epi16(1);
    let m4 = _mm_set1_epi8(0x0f);
    let eight = _mm_set1_epi8(8);
    // One accumulator per pair.
    let mut acc = [[_mm_setzero_ps(); C]; R];
    for l in 0..nb {
        let (wb, xb) = scale_bits(&wr, &xr, l);
        let ((dw, _), (dx, _)) = (pairs4(wb, C), pairs4(xb, R));
        for j in 0..C {
            let Some(wb) = wr[j].get(l) else {
                continue;
            };
            // The pair scales d_w·d_x of weight row j, lane i for
            // activation row i.
            let pd = _mm_mul_ps(dx, lane(dw, j));
            // The weight quants as two 16-byte halves (elements 0..16,
            // 16..32).
            let (w0, w1) = match W::KIND {
                Kind::I8 => {
                    let (a, b) = halves(wb.q32());
                    (load16(a), load16(b))
                }
                Kind::Nibbles8 | Kind::NibblesMin => {
                    let t = load16(wb.q16());
                    let (lo, hi) = (
                        _mm_and_si128(t, m4),
                        _mm_and_si128(_mm_srli_epi16(t, 4), m4),
                    );
                    if W::KIND == Kind::Nibbles8 {
                        (_mm_sub_epi8(lo, eight), _mm_sub_epi8(hi, eight))
                    } else {
                        (lo, hi)
                    }
                }
            };
            // |w| · (x · sign w): maddubs needs one unsigned side.
            let (a0, a1) = (_mm_sign_epi8(w0, w0), _mm_sign_epi8(w1, w1));
            for i in 0..R {
                let Some(xb) = xr[i].get(l) else {
                    continue;
                };
                let (x0, x1) = halves(xb.qs());
                let (x0, x1) = (load16(x0), load16(x1));
                let q = match W::KIND {
                    Kind::I8 => _mm_add_epi32(
                        _mm_madd_epi16(_mm_maddubs_epi16(a0, _mm_sign_epi8(x0, w0)), ones),
                        _mm_madd_epi16(_mm_maddubs_epi16(a1, _mm_sign_epi8(x1, w1)), ones),
                    ),
                    Kind::Nibbles8 | Kind::NibblesMin => _mm_madd_epi16(
                        _mm_add_epi16(
                            _mm_maddubs_epi16(a0, _mm_sign_epi8(x0, w0)),
                            _mm_maddubs_epi16(a1, _mm_sign_epi8(x1, w1)),
                        ),
                        ones,
                    ),
                };
                acc[i][j] = _mm_fmadd_ps(lane(pd, i), _mm_cvtepi32_ps(q), acc[i][j]);
            }
        }
    }
    for (i, acc) in acc.iter().enumerate() {
        for (j, &a) in acc.iter().enumerate() {
            let a = _mm_add_ps(a, _mm_movehl_ps(a, a));
            if let Some(o) = y.get_mut(i * C + j) {
                *o = _mm_cvtss_f32(_mm_add_ss(a, _mm_movehdup_ps(a)));
            }
        }
    }
}

/// The Q4_1 tile, summed exactly as llama.cpp's x86 `ggml_vec_dot_q4_1_q8_1`
/// sums one pair (which its prefill uses for Q4_1): per block
/// `acc = d_w·d_x · Σq + acc` over 8 lanes (low nibbles' products in
/// lanes 0..4, high in 4..8), `Σ m_w·s_x` as a chain of FMAs, then the
/// horizontal sum plus that. Rounding like the reference matters here:
/// faster orders (the i16 trick of the other formats) moved SmolLM2's
/// logits by a third of a logit on a reference prompt, enough to flip a
/// greedy pick.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn tile_q4_1<const R: usize, const C: usize, W: TileWeight, A: TileAct>(
    w: &[W],
    x: &[A],
    nb: usize,
    y: &mut [f32],
) {
    let (Some(w), Some(x)) = (w.get(..C * nb), x.get(..R * nb)) else {
        return;
    };
    let (wr, xr) = (split::<W, C>(w, nb), split::<A, R>(x, nb));
    let ones = _mm256_set1_epi16(1);
    let mut acc = [[_mm256_setzero_ps(); C]; R];
    let mut ms = [_mm_setzero_ps(); C];
    for l in 0..nb {
        let (wb, xb) = scale_bits(&wr, &xr, l);
        let ((dw, mw), (dx, sx)) = (pairs4(wb, C), pairs4(xb, R));
        for j in 0..C {
            let Some(wb) = wr[j].get(l) else {
                continue;
            };
            let pd = _mm_mul_ps(dx, lane(dw, j));
            let pd = _mm256_set_m128(pd, pd);
            ms[j] = _mm_fmadd_ps(sx, lane(mw, j), ms[j]);
            let wq = nibbles(wb.q16());
            for i in 0..R {
                let Some(xb) = xr[i].get(l) else {
                    continue;
                };
                let p = _mm256_madd_epi16(_mm256_maddubs_epi16(wq, load32(xb.qs())), ones);
                let d = match i {
                    0 => _mm256_shuffle_ps::<0x00>(pd, pd),
                    1 => _mm256_shuffle_ps::<0x55>(pd, pd),
                    2 => _mm256_shuffle_ps::<0xaa>(pd, pd),
                    _ => _mm256_shuffle_ps::<0xff>(pd, pd),
                };
                acc[i][j] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc[i][j]);
            }
        }
    }
    let mut msf = [[0f32; 4]; C];
    for (o, v) in msf.iter_mut().zip(ms) {
        // SAFETY: `o` is 4 writable f32; unaligned store.
        unsafe { _mm_storeu_ps(o.as_mut_ptr(), v) };
    }
    for (i, acc) in acc.iter().enumerate() {
        for (j, &a) in acc.iter().enumerate() {
            if let Some(o) = y.get_mut(i * C + j) {
                *o = hsum(a) + msf[j][i];
            }
        }
    }
}

/// Any shape up to `MAX × MAX`: the shapes matmul asks for run as one
/// tile, others as a few.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
fn any_tile<W: TileWeight, A: TileAct>(w: &[W], x: &[A], nb: usize, y: &mut [f32]) {
    let Some((r, c)) = x.len().checked_div(nb).zip(w.len().checked_div(nb)) else {
        return;
    };
    // Matmul's 4 × 2 and its edges.
    match (r, c) {
        (4, 2) => tile::<4, 2, W, A>(w, x, nb, y),
        (4, 1) => tile::<4, 1, W, A>(w, x, nb, y),
        (3, 2) => tile::<3, 2, W, A>(w, x, nb, y),
        (3, 1) => tile::<3, 1, W, A>(w, x, nb, y),
        (2, 2) => tile::<2, 2, W, A>(w, x, nb, y),
        (2, 1) => tile::<2, 1, W, A>(w, x, nb, y),
        (1, 2) => tile::<1, 2, W, A>(w, x, nb, y),
        (1, 1) => tile::<1, 1, W, A>(w, x, nb, y),
        _ => {
            // Remainder shapes: one weight row at a time against up to
            // four activation rows.
            for j in 0..c.min(MAX) {
                let wj = w.get(j * nb..(j + 1) * nb).unwrap_or(&[]);
                for i in 0..r.min(MAX) {
                    let xi = x.get(i * nb..(i + 1) * nb).unwrap_or(&[]);
                    let mut o = [0f32];
                    tile::<1, 1, W, A>(wj, xi, nb, &mut o);
                    if let Some(y) = y.get_mut(i * c + j) {
                        *y = o[0];
                    }
                }
            }
        }
    }
}

// The wrappers the table holds. SAFETY (all of them): they are reachable
// only through the table `avx2_table()` returns (or the AVX-512 tables
// built on it), which it returns only after detecting (or being compiled
// with) AVX2, FMA and F16C.
macro_rules! wrap {
    ($($tile:ident: $w:ty, $x:ty;)*) => {$(
        pub(super) fn $tile(w: &[$w], x: &[$x], nb: usize, y: &mut [f32]) {
            // SAFETY: see above: the CPU has the kernel's features.
            unsafe { any_tile(w, x, nb, y) }
        }
    )*};
}

wrap! {
    tile_q8_0_q8_0: BlockQ8_0, BlockQ8_0;
    tile_q4_0_q8_0: BlockQ4_0, BlockQ8_0;
    tile_q4_1_q8_1: BlockQ4_1, BlockQ8_1;
}
