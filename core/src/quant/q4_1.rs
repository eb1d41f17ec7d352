//! Q4_1: 32 weights as 4-bit steps up from the block minimum.

use super::{f16_bytes, f16_le};
use bytemuck::{Pod, Zeroable};

/// Q4_1 block: `x = d·q + m`, q ∈ 0..16; low nibbles hold elements 0..16,
/// high nibbles 16..32; 5 bits per weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ4_1 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// Minimum, f16 little-endian.
    pub m: [u8; 2],
    /// Nibbles.
    pub qs: [u8; 16],
}
const _: () = assert!(core::mem::size_of::<BlockQ4_1>() == 20);

impl BlockQ4_1 {
    /// The scale as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
    /// The minimum as f32.
    #[inline(always)]
    pub fn m(&self) -> f32 {
        f16_le(self.m)
    }
}

/// The block's minimum and maximum, as ggml's offset quantizers scan them.
pub(crate) fn min_max(x: &[f32]) -> (f32, f32) {
    let (mut min, mut max) = (f32::MAX, -f32::MAX);
    for &v in x {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    (min, max)
}

/// ggml's `quantize_row_q4_1_ref` for one block: `d = (max − min)/15`,
/// `q = min(15, trunc((x − min)/d + 0.5))`.
pub fn quantize_block(x: &[f32; 32]) -> BlockQ4_1 {
    let (min, max) = min_max(x);
    let d = (max - min) / 15.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0u8; 16];
    for (j, q) in qs.iter_mut().enumerate() {
        let q0 = (((x[j] - min) * id + 0.5) as i8 as u8).min(15);
        let q1 = (((x[j + 16] - min) * id + 0.5) as i8 as u8).min(15);
        *q = q0 | (q1 << 4);
    }
    BlockQ4_1 {
        d: f16_bytes(d),
        m: f16_bytes(min),
        qs,
    }
}

/// `y = d·q + m`.
pub fn dequantize_block(b: &BlockQ4_1, y: &mut [f32; 32]) {
    let (d, m) = (b.d(), b.m());
    for (j, q) in b.qs.iter().enumerate() {
        y[j] = (q & 0x0f) as f32 * d + m;
        y[j + 16] = (q >> 4) as f32 * d + m;
    }
}
