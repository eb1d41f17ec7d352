//! The two rounding rules ggml's reference quantizers use.

/// C's `roundf`: halves round away from zero (ggml's Q8 quantizers,
/// gguf-py's `np_roundf`).
#[inline(always)]
pub(crate) fn roundf(x: f32) -> f32 {
    libm::roundf(x)
}

/// ggml's `nearest_int`: adds 1.5·2²³ so the FPU rounds (ties to even) into
/// the low mantissa bits, then reads them back. Valid for |x| ≤ 4194303,
/// which every caller guarantees by construction (k-quant levels ≤ 127).
#[inline(always)]
pub(crate) fn nearest_int(x: f32) -> i32 {
    let v = x + 12_582_912.0;
    (v.to_bits() & 0x007f_ffff) as i32 - 0x0040_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_int_rounds_ties_to_even_and_roundf_away() {
        assert_eq!(nearest_int(2.5), 2);
        assert_eq!(nearest_int(3.5), 4);
        assert_eq!(nearest_int(-2.5), -2);
        assert_eq!(nearest_int(-7.4), -7);
        assert_eq!(roundf(2.5), 3.0);
        assert_eq!(roundf(-2.5), -3.0);
    }
}
