//! Scalar dot products: the readable reference every SIMD kernel is tested
//! against. Each block's integer products are summed exactly in i32, then
//! scaled in f32, as ggml's generic kernels do.

use crate::quant::{
    f16_le, float::bf16_le, BlockQ4K, BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ6K,
    BlockQ8K, BlockQ8_0, BlockQ8_1,
};

/// Σ q8·q8 over one 32-block.
#[inline(always)]
fn dot_i8(a: &[i8; 32], b: &[i8; 32]) -> i32 {
    a.iter().zip(b).map(|(&a, &b)| a as i32 * b as i32).sum()
}

/// Q8_0 · Q8_0.
pub fn vec_dot_q8_0_q8_0(w: &[BlockQ8_0], x: &[BlockQ8_0]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        sumf += dot_i8(&w.qs, &x.qs) as f32 * (w.d() * x.d());
    }
    sumf
}

/// The integer sum Σ (q − 8)·y of one Q4_0 block.
#[inline(always)]
pub(crate) fn block_q4_0_q8(w: &BlockQ4_0, y: &[i8; 32]) -> i32 {
    let mut sumi = 0i32;
    for (j, &q) in w.qs.iter().enumerate() {
        sumi += ((q & 0xf) as i32 - 8) * y[j] as i32;
        sumi += ((q >> 4) as i32 - 8) * y[j + 16] as i32;
    }
    sumi
}

/// Q4_0 · Q8_0.
pub fn vec_dot_q4_0_q8_0(w: &[BlockQ4_0], x: &[BlockQ8_0]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        sumf += block_q4_0_q8(w, &x.qs) as f32 * (w.d() * x.d());
    }
    sumf
}

/// Q4_1 · Q8_1: `d_w·d_x·Σq·y + m_w·s_x`.
pub fn vec_dot_q4_1_q8_1(w: &[BlockQ4_1], x: &[BlockQ8_1]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let mut sumi = 0i32;
        for (j, &q) in w.qs.iter().enumerate() {
            sumi += (q & 0xf) as i32 * x.qs[j] as i32;
            sumi += (q >> 4) as i32 * x.qs[j + 16] as i32;
        }
        sumf += (w.d() * x.d()) * sumi as f32 + w.m() * x.s();
    }
    sumf
}

/// The 5-bit levels (0..32) of a Q5 block.
#[inline(always)]
fn q5_levels(qs: &[u8; 16], qh: u32) -> [u8; 32] {
    let mut q = [0u8; 32];
    for (j, &b) in qs.iter().enumerate() {
        q[j] = (b & 0xf) | ((((qh >> j) & 1) as u8) << 4);
        q[j + 16] = (b >> 4) | ((((qh >> (j + 16)) & 1) as u8) << 4);
    }
    q
}

/// Q5_0 · Q8_0.
pub fn vec_dot_q5_0_q8_0(w: &[BlockQ5_0], x: &[BlockQ8_0]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let q = q5_levels(&w.qs, w.qh());
        let sumi: i32 = q
            .iter()
            .zip(&x.qs)
            .map(|(&q, &y)| (q as i32 - 16) * y as i32)
            .sum();
        sumf += sumi as f32 * (w.d() * x.d());
    }
    sumf
}

/// Q5_1 · Q8_1.
pub fn vec_dot_q5_1_q8_1(w: &[BlockQ5_1], x: &[BlockQ8_1]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let q = q5_levels(&w.qs, w.qh());
        let sumi: i32 = q
            .iter()
            .zip(&x.qs)
            .map(|(&q, &y)| q as i32 * y as i32)
            .sum();
        sumf += (w.d() * x.d()) * sumi as f32 + w.m() * x.s();
    }
    sumf
}

/// Q4_K · Q8_K: per super-block `d_w·d_x·Σ_j sc_j·Σ q·y − dmin_w·d_x·Σ_j m_j·Σ y`
/// (the second sum from the Q8_K block sums).
pub fn vec_dot_q4_k_q8_k(w: &[BlockQ4K], x: &[BlockQ8K]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let (sc, m) = w.scales_mins();
        let mut sum_q = 0i32;
        let mut sum_m = 0i32;
        for j in 0..8 {
            let (p, hi) = (j / 2, j % 2 == 1);
            let mut s = 0i32;
            for l in 0..32 {
                let b = w.qs[32 * p + l];
                let q = if hi { b >> 4 } else { b & 0xf };
                s += q as i32 * x.qs[32 * j + l] as i32;
            }
            sum_q += sc[j] as i32 * s;
            sum_m += m[j] as i32 * (x.bsum(2 * j) as i32 + x.bsum(2 * j + 1) as i32);
        }
        let dy = x.d();
        sumf += (w.d() * dy) * sum_q as f32 - (w.dmin() * dy) * sum_m as f32;
    }
    sumf
}

/// Q6_K · Q8_K: per super-block `d_w·d_x·Σ_j sc_j·Σ (q − 32)·y`.
pub fn vec_dot_q6_k_q8_k(w: &[BlockQ6K], x: &[BlockQ8K]) -> f32 {
    let mut sumf = 0.0f32;
    for (w, x) in w.iter().zip(x) {
        let mut sum = 0i32;
        for j in 0..16 {
            let mut s = 0i32;
            for l in 0..16 {
                let i = 16 * j + l;
                s += (w.level(i) as i32 - 32) * x.qs[i] as i32;
            }
            sum += w.scales[j] as i32 * s;
        }
        sumf += (w.d() * x.d()) * sum as f32;
    }
    sumf
}

/// F16 · F32.
pub fn vec_dot_f16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    w.iter().zip(x).map(|(&w, &x)| f16_le(w) * x).sum()
}

/// BF16 · F32.
pub fn vec_dot_bf16_f32(w: &[[u8; 2]], x: &[f32]) -> f32 {
    w.iter().zip(x).map(|(&w, &x)| bf16_le(w) * x).sum()
}

/// F32 · F32.
pub fn vec_dot_f32_f32(w: &[f32], x: &[f32]) -> f32 {
    w.iter().zip(x).map(|(&w, &x)| w * x).sum()
}

/// A register tile (see [`TileFn`](super::table::TileFn)) computed one
/// pair at a time with `dot`: the scalar twin of the SIMD tiles.
pub fn tile_by_dots<W, A>(dot: fn(&[W], &[A]) -> f32, w: &[W], x: &[A], nb: usize, y: &mut [f32]) {
    if nb == 0 {
        return;
    }
    let c = w.len() / nb;
    for (i, xi) in x.chunks_exact(nb).enumerate() {
        for (j, wj) in w.chunks_exact(nb).enumerate() {
            if let Some(o) = y.get_mut(i * c + j) {
                *o = dot(wj, xi);
            }
        }
    }
}
