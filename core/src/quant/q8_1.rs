//! Q8_1: Q8_0 plus the block's scaled sum, the activation format paired
//! with the offset formats Q4_1 and Q5_1 (their `m·Σy` term needs it).

use super::{f16_bytes, f16_le, round::roundf};
use bytemuck::{Pod, Zeroable};

/// Q8_1 block: `x = d·q`, `s = d·Σq`; 9 bits per weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ8_1 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// `d · Σ qs`, f16 little-endian.
    pub s: [u8; 2],
    /// Quants.
    pub qs: [i8; 32],
}
const _: () = assert!(core::mem::size_of::<BlockQ8_1>() == 36);

impl BlockQ8_1 {
    /// The scale as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
    /// `d · Σ qs` as f32.
    #[inline(always)]
    pub fn s(&self) -> f32 {
        f16_le(self.s)
    }
}

/// ggml's `quantize_row_q8_1_ref` for one block.
pub fn quantize_block(x: &[f32; 32]) -> BlockQ8_1 {
    let amax = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0i8; 32];
    let mut sum = 0i32;
    for (q, v) in qs.iter_mut().zip(x) {
        *q = roundf(v * id) as i8;
        sum += *q as i32;
    }
    BlockQ8_1 {
        d: f16_bytes(d),
        s: f16_bytes(sum as f32 * d),
        qs,
    }
}

/// `y = d·q`.
pub fn dequantize_block(b: &BlockQ8_1, y: &mut [f32; 32]) {
    let d = b.d();
    for (y, q) in y.iter_mut().zip(b.qs) {
        *y = q as f32 * d;
    }
}
