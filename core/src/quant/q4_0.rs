//! Q4_0: 32 weights as 4-bit offsets around 8 with one f16 scale.

use super::{f16_bytes, f16_le};
use bytemuck::{Pod, Zeroable};

/// Q4_0 block: `x = d·(q − 8)`, q ∈ 0..16; low nibbles hold elements
/// 0..16, high nibbles 16..32; 4.5 bits per weight.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockQ4_0 {
    /// Scale, f16 little-endian.
    pub d: [u8; 2],
    /// Nibbles.
    pub qs: [u8; 16],
}
const _: () = assert!(core::mem::size_of::<BlockQ4_0>() == 18);

impl BlockQ4_0 {
    /// The scale as f32.
    #[inline(always)]
    pub fn d(&self) -> f32 {
        f16_le(self.d)
    }
}

/// The signed value with the largest magnitude (the first one on ties), as
/// ggml's symmetric quantizers pick it.
pub(crate) fn signed_amax(x: &[f32]) -> f32 {
    let (mut amax, mut max) = (0.0f32, 0.0f32);
    for &v in x {
        if amax < v.abs() {
            amax = v.abs();
            max = v;
        }
    }
    max
}

/// ggml's `quantize_row_q4_0_ref` for one block: `d = max/−8` (max the
/// signed value of largest magnitude), `q = min(15, trunc(x/d + 8.5))`.
pub fn quantize_block(x: &[f32; 32]) -> BlockQ4_0 {
    let d = signed_amax(x) / -8.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0u8; 16];
    for (j, q) in qs.iter_mut().enumerate() {
        let q0 = ((x[j] * id + 8.5) as i8 as u8).min(15);
        let q1 = ((x[j + 16] * id + 8.5) as i8 as u8).min(15);
        *q = q0 | (q1 << 4);
    }
    BlockQ4_0 {
        d: f16_bytes(d),
        qs,
    }
}

/// `y = d·(q − 8)`.
pub fn dequantize_block(b: &BlockQ4_0, y: &mut [f32; 32]) {
    let d = b.d();
    for (j, q) in b.qs.iter().enumerate() {
        y[j] = ((q & 0x0f) as i32 - 8) as f32 * d;
        y[j + 16] = ((q >> 4) as i32 - 8) as f32 * d;
    }
}
