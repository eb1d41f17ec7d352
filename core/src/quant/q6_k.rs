//! Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16, each with an
//! 8-bit signed scale under one f16 super-scale.

use super::{f16_bytes, f16_le, round::nearest_int};
use bytemuck::{Pod, Zeroable};

/// Q6_K block: `x = d·sc_j·(q − 32)` for sub-block j (16 weights),
/// q ∈ 0..64 (low 4 bits in `ql`, high 2 in `qh`); 6.5625 bits per weight.
///
/// Per half (128 weights) `h`: `ql[64h + l]` holds elements `l` (low
/// nibble) and `l + 64` (high); `ql[64h + 32 + l]` elements `l + 32` and
/// `l + 96`; `qh[32h + l]` bits 0–1, 2–3, 4–5, 6–7 are the high bits of
/// elements `l`, `l + 32`, `l + 64`, `l + 96` (all offsets within the half).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ6K {
    /// Low 4 bits.
    pub ql: [u8; 128],
    /// High 2 bits.
    pub qh: [u8; 64],
    /// Sub-block scales.
    pub scales: [i8; 16],
    /// Super-scale, f16 little-endian.
    pub d: [u8; 2],
}
const _: () = assert!(core::mem::size_of::<BlockQ6K>() == 210);

impl BlockQ6K {
    /// `d` as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }

    /// The 6-bit level (0..64) of element `i` (0..256).
    #[inline(always)]
    pub fn level(&self, i: usize) -> u8 {
        let (h, r) = ((i / 128) & 1, i % 128);
        let (quarter, l) = (r / 32, r % 32);
        let ql = self.ql[64 * h + 32 * (quarter & 1) + l];
        let lo = if quarter < 2 { ql & 0xf } else { ql >> 4 };
        let hi = (self.qh[32 * h + l] >> (2 * quarter)) & 3;
        lo | (hi << 4)
    }
}

const GROUP_MAX_EPS: f32 = 1e-15;

/// ggml's `make_qx_quants` with `rmse_type = 1` and no importance weights
/// (weights `x²`), for 16 values and `nmax = 32`: the best of 19 candidate
/// scales by weighted least squares. Levels go to `l` as `q + 32`.
fn make_qx_quants(x: &[f32], l: &mut [i8]) -> f32 {
    const NMAX: i32 = 32;
    let (mut amax, mut max) = (0.0f32, 0.0f32);
    for &v in x {
        if v.abs() > amax {
            amax = v.abs();
            max = v;
        }
    }
    if amax < GROUP_MAX_EPS {
        l.fill(0);
        return 0.0;
    }
    let level = |iscale: f32, v: f32| nearest_int(iscale * v).clamp(-NMAX, NMAX - 1);
    let mut iscale = -(NMAX as f32) / max;
    let (mut sumlx, mut suml2) = (0.0f32, 0.0f32);
    for (li, &v) in l.iter_mut().zip(x) {
        let q = level(iscale, v);
        *li = (q + NMAX) as i8;
        let w = v * v;
        sumlx += w * v * q as f32;
        suml2 += w * q as f32 * q as f32;
    }
    let mut scale = if suml2 != 0.0 { sumlx / suml2 } else { 0.0 };
    let mut best = scale * sumlx;
    for is in -9i32..=9 {
        if is == 0 {
            continue;
        }
        iscale = -(NMAX as f32 + 0.1 * is as f32) / max;
        sumlx = 0.0;
        suml2 = 0.0;
        for &v in x {
            let q = level(iscale, v) as f32;
            let w = v * v;
            sumlx += w * v * q;
            suml2 += w * q * q;
        }
        if suml2 > 0.0 && sumlx * sumlx > best * suml2 {
            for (li, &v) in l.iter_mut().zip(x) {
                *li = (level(iscale, v) + NMAX) as i8;
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    scale
}

/// ggml's `quantize_row_q6_K_ref` for one super-block (no importance
/// matrix).
pub fn quantize_block(x: &[f32; 256]) -> BlockQ6K {
    let mut l = [0i8; 256];
    let mut scales = [0.0f32; 16];
    let (mut max_scale, mut max_abs_scale) = (0.0f32, 0.0f32);
    for ib in 0..16 {
        let s = make_qx_quants(&x[16 * ib..16 * ib + 16], &mut l[16 * ib..16 * ib + 16]);
        scales[ib] = s;
        if s.abs() > max_abs_scale {
            max_abs_scale = s.abs();
            max_scale = s;
        }
    }
    let mut b = BlockQ6K::zeroed();
    if max_abs_scale < GROUP_MAX_EPS {
        return b;
    }
    let iscale = -128.0 / max_scale;
    b.d = f16_bytes(1.0 / iscale);
    for (sc, s) in b.scales.iter_mut().zip(scales) {
        *sc = nearest_int(iscale * s).min(127) as i8;
    }
    for j in 0..16 {
        let d = b.d() * b.scales[j] as f32;
        if d == 0.0 {
            continue;
        }
        for i in 0..16 {
            let q = nearest_int(x[16 * j + i] / d).clamp(-32, 31);
            l[16 * j + i] = (q + 32) as i8;
        }
    }
    for h in 0..2 {
        let (j, ql, qh) = (128 * h, 64 * h, 32 * h);
        for i in 0..32 {
            let q = |k: usize| l[j + i + k] as u8;
            b.ql[ql + i] = (q(0) & 0xf) | ((q(64) & 0xf) << 4);
            b.ql[ql + 32 + i] = (q(32) & 0xf) | ((q(96) & 0xf) << 4);
            b.qh[qh + i] =
                (q(0) >> 4) | ((q(32) >> 4) << 2) | ((q(64) >> 4) << 4) | ((q(96) >> 4) << 6);
        }
    }
    b
}

/// `y = d·sc_j·(q − 32)`.
pub fn dequantize_block(b: &BlockQ6K, y: &mut [f32; 256]) {
    let d = b.d();
    for (i, y) in y.iter_mut().enumerate() {
        let sc = b.scales[i / 16] as f32;
        *y = d * sc * (b.level(i) as i32 - 32) as f32;
    }
}
