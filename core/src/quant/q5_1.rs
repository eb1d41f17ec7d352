//! Q5_1: 32 weights as 5-bit steps up from the block minimum.

use super::{f16_bytes, f16_le, q4_1::min_max};
use bytemuck::{Pod, Zeroable};

/// Q5_1 block: `x = d·q + m`, q ∈ 0..32; bits laid out as Q5_0; 6 bits per
/// weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ5_1 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// Minimum, f16 little-endian.
    pub m: [u8; 2],
    /// Fifth bits, u32 little-endian.
    pub qh: [u8; 4],
    /// Low nibbles.
    pub qs: [u8; 16],
}
const _: () = assert!(core::mem::size_of::<BlockQ5_1>() == 24);

impl BlockQ5_1 {
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
    /// The fifth bits.
    #[inline(always)]
    pub fn qh(&self) -> u32 {
        u32::from_le_bytes(self.qh)
    }
}

/// ggml's `quantize_row_q5_1_ref` for one block: `d = (max − min)/31`,
/// `q = min(31, trunc((x − min)/d + 0.5))`.
pub fn quantize_block(x: &[f32; 32]) -> BlockQ5_1 {
    let (min, max) = min_max(x);
    let d = (max - min) / 31.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0u8; 16];
    let mut qh = 0u32;
    for (j, q) in qs.iter_mut().enumerate() {
        let q0 = (((x[j] - min) * id + 0.5) as i8 as u8).min(31);
        let q1 = (((x[j + 16] - min) * id + 0.5) as i8 as u8).min(31);
        *q = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
        qh |= (((q0 & 0x10) >> 4) as u32) << j;
        qh |= (((q1 & 0x10) >> 4) as u32) << (j + 16);
    }
    BlockQ5_1 {
        d: f16_bytes(d),
        m: f16_bytes(min),
        qh: qh.to_le_bytes(),
        qs,
    }
}

/// `y = d·q + m`.
pub fn dequantize_block(b: &BlockQ5_1, y: &mut [f32; 32]) {
    let (d, m, qh) = (b.d(), b.m(), b.qh());
    for (j, q) in b.qs.iter().enumerate() {
        let h0 = ((qh >> j) << 4) as u8 & 0x10;
        let h1 = (qh >> (j + 12)) as u8 & 0x10;
        y[j] = ((q & 0x0f) | h0) as f32 * d + m;
        y[j + 16] = ((q >> 4) | h1) as f32 * d + m;
    }
}
