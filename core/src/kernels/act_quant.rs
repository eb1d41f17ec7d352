//! Activation quantizers: one f32 row to Q8_0 or Q8_1 blocks right before
//! the integer dot products (the scalar twins of the SIMD ones).
//!
//! They follow llama.cpp's x86 SIMD quantizer rather than ggml's reference
//! one (which `quant::q8_0`/`quant::q8_1` keep, bit-exact with gguf-py,
//! for weights): the inverse scale is `127/amax` instead of
//! `1/(amax/127)`, and products round to nearest even instead of halves
//! away from zero. The two disagree by one step on a few elements per
//! row, and over 30 layers that moves SmolLM2's logits by tenths, enough
//! to flip greedy picks away from the reference outputs, which were all
//! made on x86. One rule for every ISA keeps scalar, AVX2 and NEON runs of
//! mote comparable with each other and with that reference.

use crate::quant::{f16_bytes, BlockQ8_0, BlockQ8_1};

/// `d = amax/127` and the multiplier `127/amax` (0 for an all-zero block).
#[inline(always)]
pub(crate) fn scale(amax: f32) -> (f32, f32) {
    let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
    (amax / 127.0, id)
}

/// `vcvtps2dq` after `vroundps` (nearest, ties to even): NaN and
/// out-of-range values become `i32::MIN`, as the instruction gives.
#[inline(always)]
pub(crate) fn to_i32(v: f32) -> i32 {
    let r = libm::rintf(v);
    if r.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&r) {
        i32::MIN
    } else {
        r as i32
    }
}

/// The saturating i32 → i16 → i8 packs.
#[inline(always)]
pub(crate) fn sat_i8(q: i32) -> i8 {
    q.clamp(-128, 127) as i8
}

/// The block's `max |x|`.
#[inline(always)]
fn amax(x: &[f32; 32]) -> f32 {
    x.iter().fold(0.0f32, |a, v| a.max(v.abs()))
}

/// One block: its scale, quants and their exact (wrapping, like the SIMD
/// adds) sum.
#[inline(always)]
fn block(x: &[f32; 32]) -> (f32, [i8; 32], i32) {
    let (d, id) = scale(amax(x));
    let mut qs = [0i8; 32];
    let mut sum = 0i32;
    for (q, v) in qs.iter_mut().zip(x) {
        let i = to_i32(v * id);
        sum = sum.wrapping_add(i);
        *q = sat_i8(i);
    }
    (d, qs, sum)
}

/// Fills `y` block by block from whole 32-element chunks of `x` (a partial
/// tail is left alone; matmul checks lengths first).
#[inline(always)]
pub(crate) fn each_block<B>(x: &[f32], y: &mut [B], mut f: impl FnMut(&[f32; 32], &mut B)) {
    for (b, x) in y.iter_mut().zip(x.chunks_exact(32)) {
        if let Ok(x) = <&[f32; 32]>::try_from(x) {
            f(x, b);
        }
    }
}

/// `x` into Q8_0 blocks `y`.
pub fn q8_0(x: &[f32], y: &mut [BlockQ8_0]) {
    each_block(x, y, |x, b| {
        let (d, qs, _) = block(x);
        *b = BlockQ8_0 {
            d: f16_bytes(d),
            qs,
        };
    });
}

/// As [`q8_0`], plus `s = d·Σq` for the Q4_1/Q5_1 minimum terms.
pub fn q8_1(x: &[f32], y: &mut [BlockQ8_1]) {
    each_block(x, y, |x, b| {
        let (d, qs, sum) = block(x);
        *b = BlockQ8_1 {
            d: f16_bytes(d),
            s: f16_bytes(d * sum as f32),
            qs,
        };
    });
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::vec::Vec;

    use super::*;
    use crate::kernels::available;
    use bytemuck::Zeroable;

    use crate::quant::q8_0::quantize_block;

    /// Rows that hit every branch: random values, exact ties (`amax` = 127
    /// makes the multiplier 1, so halves stay halves), zero blocks,
    /// constant blocks, huge and tiny magnitudes.
    fn rows() -> Vec<Vec<f32>> {
        let mut s = 0x9e37_79b9u32;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        };
        let random: Vec<f32> = (0..32 * 64).map(|_| rnd() * 3.0).collect();
        let mut ties: Vec<f32> = (0..32).map(|i| i as f32 - 15.5).collect();
        ties[0] = 127.0;
        let mut halves: Vec<f32> = (0..32).map(|i| -(i as f32) - 0.5).collect();
        halves[31] = -127.0;
        let heavy: Vec<f32> = (0..64)
            .map(|i| if i % 9 == 0 { 1e4 * rnd() } else { rnd() })
            .collect();
        std::vec![
            random,
            ties,
            halves,
            std::vec![0.0; 64],
            std::vec![-2.5; 32],
            (0..32).map(|_| rnd() * 1e30).collect(),
            (0..32).map(|_| rnd() * 1e-30).collect(),
            heavy,
        ]
    }

    #[test]
    fn every_table_quantizes_activations_like_the_scalar_twin_bit_for_bit() {
        for t in available() {
            for x in rows() {
                let n = x.len() / 32;
                let (mut a, mut b) = (
                    std::vec![BlockQ8_0::zeroed(); n],
                    std::vec![BlockQ8_0::zeroed(); n],
                );
                (t.act_q8_0)(&x, &mut a);
                q8_0(&x, &mut b);
                assert_eq!(a, b, "{} q8_0", t.isa);
                let (mut a, mut b) = (
                    std::vec![BlockQ8_1::zeroed(); n],
                    std::vec![BlockQ8_1::zeroed(); n],
                );
                (t.act_q8_1)(&x, &mut a);
                q8_1(&x, &mut b);
                assert_eq!(a, b, "{} q8_1", t.isa);
            }
        }
    }

    #[test]
    fn ties_round_to_even_and_the_rest_as_the_reference_within_one_step() {
        // amax 127 makes the multiplier exactly 1, so the halves stay halves.
        let x: Vec<f32> = (1..32).map(|i| i as f32 - 15.5).chain([127.0]).collect();
        let mut y = [BlockQ8_0::zeroed()];
        q8_0(&x, &mut y);
        let block: &[f32; 32] = x.as_slice().try_into().unwrap();
        let reference = quantize_block(block);
        assert_eq!(y[0].qs[..4], [-14, -14, -12, -12]);
        assert_eq!(y[0].qs[14..17], [0, 0, 2]);
        assert_eq!(reference.qs[..4], [-15, -14, -13, -12]);
        assert_eq!(reference.qs[14..17], [-1, 1, 2]);
        for x in rows() {
            for c in x.chunks_exact(32) {
                let mut ours = [BlockQ8_1::zeroed()];
                q8_1(c, &mut ours);
                let block: &[f32; 32] = c.try_into().unwrap();
                let reference = quantize_block(block);
                assert_eq!(ours[0].d, reference.d);
                for (a, b) in ours[0].qs.iter().zip(reference.qs) {
                    assert!((*a as i32 - b as i32).abs() <= 1);
                }
                // s = d·Σq with the unrounded d, then rounded to f16.
                let amax = block.iter().fold(0.0f32, |a, v| a.max(v.abs()));
                let sum: i32 = ours[0].qs.iter().map(|&q| q as i32).sum();
                assert_eq!(ours[0].s, f16_bytes(amax / 127.0 * sum as f32));
            }
        }
    }
}
