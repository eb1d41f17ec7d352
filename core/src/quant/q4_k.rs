//! Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32, each with a
//! 6-bit scale and 6-bit min, themselves scaled by f16 `d` and `dmin`.

use super::{f16_bytes, f16_le, round::nearest_int};
use bytemuck::{Pod, Zeroable};

/// Q4_K block: `x = d·sc_j·q − dmin·m_j` for sub-block j, q ∈ 0..16;
/// 4.5 bits per weight. `qs` byte `32·p + l` holds element `64p + l` in its
/// low nibble and `64p + 32 + l` in its high nibble.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ4K {
    /// Super-scale of the sub-block scales, f16 little-endian.
    pub d: [u8; 2],
    /// Super-scale of the sub-block mins, f16 little-endian.
    pub dmin: [u8; 2],
    /// Eight 6-bit scales and eight 6-bit mins, packed (see [`scale_min`]).
    pub scales: [u8; 12],
    /// Nibbles.
    pub qs: [u8; 128],
}
const _: () = assert!(core::mem::size_of::<BlockQ4K>() == 144);

impl BlockQ4K {
    /// `d` as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
    /// `dmin` as f32.
    #[inline(always)]
    pub fn dmin(&self) -> f32 {
        f16_le(self.dmin)
    }
    /// All eight (scale, min) pairs.
    #[inline(always)]
    pub fn scales_mins(&self) -> ([u8; 8], [u8; 8]) {
        let (mut sc, mut m) = ([0u8; 8], [0u8; 8]);
        for j in 0..8 {
            (sc[j], m[j]) = scale_min(j, &self.scales);
        }
        (sc, m)
    }
}

/// ggml's `get_scale_min_k4`: sub-block j's 6-bit scale and min. Bytes 0–3
/// hold scales 0–3 (low 6 bits), bytes 4–7 mins 0–3; bytes 8–11 hold the
/// low nibbles of scales/mins 4–7, whose top 2 bits sit in the top bits of
/// bytes 0–7.
#[inline(always)]
pub fn scale_min(j: usize, q: &[u8; 12]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        let j = j & 7;
        (
            (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// ggml's `make_qkx2_quants` (weighted, min-clamped, 20 refinement steps
/// of the scale): returns `(scale, −min)` and the levels in `l`.
fn make_qkx2_quants(x: &[f32; 32], weights: &[f32; 32], l: &mut [u8; 32]) -> (f32, f32) {
    const NMAX: i32 = 15;
    const RMIN: f32 = -1.0;
    const RDELTA: f32 = 0.1;
    const NSTEP: i32 = 20;
    let mut min = x[0];
    let mut max = x[0];
    let mut sum_w = weights[0];
    let mut sum_x = sum_w * x[0];
    for i in 1..32 {
        if x[i] < min {
            min = x[i];
        }
        if x[i] > max {
            max = x[i];
        }
        let w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if min > 0.0 {
        min = 0.0;
    }
    if max == min {
        l.fill(0);
        return (0.0, -min);
    }
    let mut iscale = NMAX as f32 / (max - min);
    let mut scale = 1.0 / iscale;
    let mut best_error = 0.0f32;
    for i in 0..32 {
        let q = nearest_int(iscale * (x[i] - min)).clamp(0, NMAX);
        l[i] = q as u8;
        let diff = scale * l[i] as f32 + min - x[i];
        best_error += weights[i] * (diff * diff);
    }
    let mut laux = [0u8; 32];
    for is in 0..=NSTEP {
        iscale = (RMIN + RDELTA * is as f32 + NMAX as f32) / (max - min);
        let (mut sum_l, mut sum_l2, mut sum_xl) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..32 {
            let q = nearest_int(iscale * (x[i] - min)).clamp(0, NMAX);
            laux[i] = q as u8;
            let w = weights[i];
            let q = q as f32;
            sum_l += w * q;
            sum_l2 += w * q * q;
            sum_xl += w * q * x[i];
        }
        let dd = sum_w * sum_l2 - sum_l * sum_l;
        if dd > 0.0 {
            let mut this_scale = (sum_w * sum_xl - sum_x * sum_l) / dd;
            let mut this_min = (sum_l2 * sum_x - sum_l * sum_xl) / dd;
            if this_min > 0.0 {
                this_min = 0.0;
                this_scale = sum_xl / sum_l2;
            }
            let mut cur_error = 0.0f32;
            for i in 0..32 {
                let diff = this_scale * laux[i] as f32 + this_min - x[i];
                cur_error += weights[i] * (diff * diff);
            }
            if cur_error < best_error {
                *l = laux;
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    (scale, -min)
}

/// ggml's `quantize_row_q4_K_ref` for one super-block (no importance
/// matrix): per sub-block a weighted scale/min fit, then both quantized to
/// 6 bits against their maxima, then the weights re-quantized against the
/// rounded scales.
pub fn quantize_block(x: &[f32; 256]) -> BlockQ4K {
    let mut l = [0u8; 256];
    let mut scales = [0.0f32; 8];
    let mut mins = [0.0f32; 8];
    let (mut max_scale, mut max_min) = (0.0f32, 0.0f32);
    for j in 0..8 {
        let xs: &[f32; 32] = sub32(x, j);
        let mut sum_x2 = 0.0f32;
        for v in xs {
            sum_x2 += v * v;
        }
        let av_x = libm::sqrtf(sum_x2 / 32.0);
        let mut weights = [0.0f32; 32];
        for (w, v) in weights.iter_mut().zip(xs) {
            *w = av_x + v.abs();
        }
        let mut lj = [0u8; 32];
        let (s, m) = make_qkx2_quants(xs, &weights, &mut lj);
        l[32 * j..32 * j + 32].copy_from_slice(&lj);
        scales[j] = s;
        mins[j] = m;
        if s > max_scale {
            max_scale = s;
        }
        if m > max_min {
            max_min = m;
        }
    }
    let inv_scale = if max_scale > 0.0 {
        63.0 / max_scale
    } else {
        0.0
    };
    let inv_min = if max_min > 0.0 { 63.0 / max_min } else { 0.0 };
    let mut b = BlockQ4K::zeroed();
    for j in 0..8 {
        // C stores nearest_int's result in a uint8_t before the MIN: keep
        // that wrap-around.
        let ls = (nearest_int(inv_scale * scales[j]) as u8).min(63);
        let lm = (nearest_int(inv_min * mins[j]) as u8).min(63);
        if j < 4 {
            b.scales[j] = ls;
            b.scales[j + 4] = lm;
        } else {
            b.scales[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
            b.scales[j - 4] |= (ls >> 4) << 6;
            b.scales[j] |= (lm >> 4) << 6;
        }
    }
    b.d = f16_bytes(max_scale / 63.0);
    b.dmin = f16_bytes(max_min / 63.0);
    for j in 0..8 {
        let (sc, m) = scale_min(j, &b.scales);
        let d = b.d() * sc as f32;
        if d == 0.0 {
            continue;
        }
        let dm = b.dmin() * m as f32;
        for i in 0..32 {
            l[32 * j + i] = nearest_int((x[32 * j + i] + dm) / d).clamp(0, 15) as u8;
        }
    }
    for p in 0..4 {
        for i in 0..32 {
            b.qs[32 * p + i] = l[64 * p + i] | (l[64 * p + 32 + i] << 4);
        }
    }
    b
}

/// Sub-block `j` (32 values) of a super-block.
#[inline(always)]
fn sub32(x: &[f32; 256], j: usize) -> &[f32; 32] {
    let j = j & 7;
    x[32 * j..32 * j + 32].try_into().unwrap_or(&[0.0; 32])
}

/// `y = d·sc_j·q − dmin·m_j`.
pub fn dequantize_block(b: &BlockQ4K, y: &mut [f32; 256]) {
    let (d, dmin) = (b.d(), b.dmin());
    for p in 0..4 {
        let (sc0, m0) = scale_min(2 * p, &b.scales);
        let (sc1, m1) = scale_min(2 * p + 1, &b.scales);
        let (d1, m1v) = (d * sc0 as f32, dmin * m0 as f32);
        let (d2, m2v) = (d * sc1 as f32, dmin * m1 as f32);
        for i in 0..32 {
            let q = b.qs[32 * p + i];
            y[64 * p + i] = d1 * (q & 0xf) as f32 - m1v;
            y[64 * p + 32 + i] = d2 * (q >> 4) as f32 - m2v;
        }
    }
}
