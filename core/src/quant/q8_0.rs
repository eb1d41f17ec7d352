//! Q8_0: blocks of 32 signed bytes with one f16 scale.

use super::{f16_bytes, f16_le, round::roundf};
use bytemuck::{Pod, Zeroable};

/// Q8_0 block: `x = d·q`, q ∈ −127..=127; 8.5 bits per weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ8_0 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// Quants.
    pub qs: [i8; 32],
}
const _: () = assert!(core::mem::size_of::<BlockQ8_0>() == 34);

impl BlockQ8_0 {
    /// The scale as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
}

/// ggml's `quantize_row_q8_0_ref` for one block: `d = amax/127`,
/// `q = roundf(x/d)` (halves away from zero).
pub fn quantize_block(x: &[f32; 32]) -> BlockQ8_0 {
    let amax = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0i8; 32];
    for (q, v) in qs.iter_mut().zip(x) {
        *q = roundf(v * id) as i8;
    }
    BlockQ8_0 {
        d: f16_bytes(d),
        qs,
    }
}

/// `y = d·q`.
pub fn dequantize_block(b: &BlockQ8_0, y: &mut [f32; 32]) {
    let d = b.d();
    for (y, q) in y.iter_mut().zip(b.qs) {
        *y = q as f32 * d;
    }
}
