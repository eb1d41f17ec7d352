//! The unblocked float formats: F32 (stored little-endian), F16 (IEEE
//! half) and BF16 (the top 16 bits of an f32).

/// F32 bytes (little-endian) to f32. Sizes are checked by the caller.
pub(crate) fn f32_from_le(src: &[u8], dst: &mut [f32]) {
    for (b, y) in src.chunks_exact(4).zip(dst.iter_mut()) {
        *y = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
}

/// f32 to F32 bytes (little-endian).
pub(crate) fn f32_to_le(src: &[f32], dst: &mut [u8]) {
    for (x, b) in src.iter().zip(dst.chunks_exact_mut(4)) {
        b.copy_from_slice(&x.to_le_bytes());
    }
}

/// F16 bytes to f32 (exact).
pub(crate) fn f16_to_f32(src: &[u8], dst: &mut [f32]) {
    for (b, y) in src.chunks_exact(2).zip(dst.iter_mut()) {
        *y = super::f16_le([b[0], b[1]]);
    }
}

/// f32 to F16 bytes, rounding to nearest even (numpy's `astype(float16)`).
pub(crate) fn f32_to_f16(src: &[f32], dst: &mut [u8]) {
    for (x, b) in src.iter().zip(dst.chunks_exact_mut(2)) {
        b.copy_from_slice(&super::f16_bytes(*x));
    }
}

/// One BF16 value (little-endian bytes) as f32 (exact: a shift).
#[inline(always)]
pub fn bf16_le(b: [u8; 2]) -> f32 {
    f32::from_bits((u16::from_le_bytes(b) as u32) << 16)
}

/// ggml's `ggml_compute_fp32_to_bf16`: NaNs become quiet NaNs, everything
/// else rounds to nearest even.
#[inline(always)]
pub fn bf16_from_f32(x: f32) -> [u8; 2] {
    let u = x.to_bits();
    let h = if u & 0x7fff_ffff > 0x7f80_0000 {
        (u >> 16) | 64
    } else {
        // Cannot overflow: the largest non-NaN pattern is 0xff80_0000.
        (u + (0x7fff + ((u >> 16) & 1))) >> 16
    };
    (h as u16).to_le_bytes()
}

/// BF16 bytes to f32.
pub(crate) fn bf16_to_f32(src: &[u8], dst: &mut [f32]) {
    for (b, y) in src.chunks_exact(2).zip(dst.iter_mut()) {
        *y = bf16_le([b[0], b[1]]);
    }
}

/// f32 to BF16 bytes.
pub(crate) fn f32_to_bf16(src: &[f32], dst: &mut [u8]) {
    for (x, b) in src.iter().zip(dst.chunks_exact_mut(2)) {
        b.copy_from_slice(&bf16_from_f32(*x));
    }
}
