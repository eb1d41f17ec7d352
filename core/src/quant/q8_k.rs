//! Q8_K: the activation format paired with the k-quants: 256 signed bytes,
//! an f32 scale and per-16 sums (for the k-quants' `min` term).

use super::round::nearest_int;
use bytemuck::{Pod, Zeroable};

/// Q8_K block: `x = d·q`, q ∈ −128..=127, `bsums[i] = Σ q[16i..16i+16]`;
/// 9.125 bits per weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ8K {
    /// Scale, f32 little-endian.
    pub d: [u8; 4],
    /// Quants.
    pub qs: [i8; 256],
    /// Sums of each 16 quants, i16 little-endian.
    pub bsums: [[u8; 2]; 16],
}
const _: () = assert!(core::mem::size_of::<BlockQ8K>() == 292);

impl BlockQ8K {
    /// The scale.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f32::from_le_bytes(self.d)
    }
    /// Sum of quants `16i..16i+16`.
    #[inline(always)]
    pub fn bsum(&self, i: usize) -> i16 {
        self.bsums.get(i).map_or(0, |b| i16::from_le_bytes(*b))
    }
}

/// ggml's `quantize_row_q8_K_ref` for one block: `d = max/−127` (max the
/// signed value of largest magnitude), `q = min(127, nearest_int(x/d))`.
pub fn quantize_block(x: &[f32; 256]) -> BlockQ8K {
    let mut b = BlockQ8K::zeroed();
    let (mut amax, mut max) = (0.0f32, 0.0f32);
    for &v in x {
        if v.abs() > amax {
            amax = v.abs();
            max = v;
        }
    }
    if amax == 0.0 {
        return b;
    }
    let iscale = -127.0 / max;
    for (q, v) in b.qs.iter_mut().zip(x) {
        *q = nearest_int(iscale * v).min(127) as i8;
    }
    for (s, q) in b.bsums.iter_mut().zip(b.qs.chunks_exact(16)) {
        let sum: i32 = q.iter().map(|&q| q as i32).sum();
        *s = (sum as i16).to_le_bytes();
    }
    b.d = (1.0 / iscale).to_le_bytes();
    b
}

/// `y = d·q`.
pub fn dequantize_block(b: &BlockQ8K, y: &mut [f32; 256]) {
    let d = b.d();
    for (y, q) in y.iter_mut().zip(b.qs) {
        *y = d * q as f32;
    }
}
