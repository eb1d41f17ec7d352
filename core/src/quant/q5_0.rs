//! Q5_0: 32 weights as 5-bit offsets around 16 with one f16 scale.

use super::{f16_bytes, f16_le, q4_0::signed_amax};
use bytemuck::{Pod, Zeroable};

/// Q5_0 block: `x = d·(q − 16)`, q ∈ 0..32; low 4 bits in nibbles as Q4_0,
/// bit 4 of element j in bit j of `qh` (little-endian u32); 5.5 bits per
/// weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ5_0 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// Fifth bits, u32 little-endian.
    pub qh: [u8; 4],
    /// Low nibbles.
    pub qs: [u8; 16],
}
const _: () = assert!(core::mem::size_of::<BlockQ5_0>() == 22);

impl BlockQ5_0 {
    /// The scale as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
    /// The fifth bits.
    #[inline(always)]
    pub fn qh(&self) -> u32 {
        u32::from_le_bytes(self.qh)
    }
}

/// ggml's `quantize_row_q5_0_ref` for one block: `d = max/−16`,
/// `q = min(31, trunc(x/d + 16.5))`.
pub fn quantize_block(x: &[f32; 32]) -> BlockQ5_0 {
    let d = signed_amax(x) / -16.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0u8; 16];
    let mut qh = 0u32;
    for (j, q) in qs.iter_mut().enumerate() {
        let q0 = ((x[j] * id + 16.5) as i8 as u8).min(31);
        let q1 = ((x[j + 16] * id + 16.5) as i8 as u8).min(31);
        *q = (q0 & 0x0f) | ((q1 & 0x0f) << 4);
        qh |= (((q0 & 0x10) >> 4) as u32) << j;
        qh |= (((q1 & 0x10) >> 4) as u32) << (j + 16);
    }
    BlockQ5_0 {
        d: f16_bytes(d),
        qh: qh.to_le_bytes(),
        qs,
    }
}

/// `y = d·(q − 16)`.
pub fn dequantize_block(b: &BlockQ5_0, y: &mut [f32; 32]) {
    let (d, qh) = (b.d(), b.qh());
    for (j, q) in b.qs.iter().enumerate() {
        let h0 = ((qh >> j) << 4) as u8 & 0x10;
        let h1 = (qh >> (j + 12)) as u8 & 0x10;
        y[j] = (((q & 0x0f) | h0) as i32 - 16) as f32 * d;
        y[j + 16] = (((q >> 4) | h1) as i32 - 16) as f32 * d;
    }
}
