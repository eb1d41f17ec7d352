//! Block quantization formats: layouts, reference quantize and dequantize.
//!
//! One file per format, each holding its `#[repr(C)]` block struct (with a
//! compile-time size check and its formula) and the readable reference
//! conversions, written to be bit-exact with ggml's `*_ref` functions and
//! gguf-py's `gguf.quants` (the test oracle).
//!
//! # Alignment
//! Every block struct has alignment 1: f16/f32 fields are stored as
//! little-endian byte arrays (`[u8; 2]`, `[u8; 4]`). GGUF only promises
//! that a tensor *starts* on a 32-byte boundary, and a caller's `Vec<u8>`
//! promises nothing, so align-1 blocks make the cast from bytes infallible
//! once the length is checked: [`bytemuck::try_cast_slice`] can then only
//! fail on a size mismatch, which we check first and report as an error.
//! Reading a scale costs one `from_le_bytes`, which compiles to a plain
//! (unaligned) load on the little-endian targets mote runs on.

pub mod float;
pub mod q4_0;
pub mod q4_1;
pub mod q4_k;
pub mod q5_0;
pub mod q5_1;
pub mod q6_k;
pub mod q8_0;
pub mod q8_1;
pub mod q8_k;
mod round;

pub use q4_0::BlockQ4_0;
pub use q4_1::BlockQ4_1;
pub use q4_k::BlockQ4K;
pub use q5_0::BlockQ5_0;
pub use q5_1::BlockQ5_1;
pub use q6_k::BlockQ6K;
pub use q8_0::BlockQ8_0;
pub use q8_1::BlockQ8_1;
pub use q8_k::BlockQ8K;

use crate::GgmlType;

/// What went wrong converting between f32 and a block format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// mote cannot convert this type in this direction.
    Unsupported {
        /// The block format asked for.
        ty: GgmlType,
        /// `true` for quantize, `false` for dequantize.
        quantize: bool,
    },
    /// The element count is not a whole number of the type's blocks.
    NotBlockMultiple {
        /// The block format.
        ty: GgmlType,
        /// Elements given.
        elements: usize,
    },
    /// The byte buffer does not hold exactly the blocks the element count needs.
    SizeMismatch {
        /// The block format.
        ty: GgmlType,
        /// Elements on the f32 side.
        elements: usize,
        /// Bytes the format needs for them.
        expected_bytes: usize,
        /// Bytes given.
        bytes: usize,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Error::Unsupported { ty, quantize } => write!(
                f,
                "{} to {ty} is not supported",
                if quantize {
                    "quantizing"
                } else {
                    "dequantizing"
                }
            ),
            Error::NotBlockMultiple { ty, elements } => write!(
                f,
                "{elements} elements is not a multiple of {ty}'s block size {}",
                ty.block_size()
            ),
            Error::SizeMismatch {
                ty,
                elements,
                expected_bytes,
                bytes,
            } => write!(
                f,
                "{elements} {ty} elements need {expected_bytes} bytes, got {bytes}"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// Checks that `bytes` holds exactly the blocks for `elements` values of `ty`.
fn check_sizes(ty: GgmlType, elements: usize, bytes: usize) -> Result<(), Error> {
    let expected_bytes = ty
        .row_bytes(elements)
        .ok_or(Error::NotBlockMultiple { ty, elements })?;
    if expected_bytes != bytes {
        return Err(Error::SizeMismatch {
            ty,
            elements,
            expected_bytes,
            bytes,
        });
    }
    Ok(())
}

/// Views `bytes` as blocks of `B` (align 1, so only the size can be wrong).
pub fn blocks<B: bytemuck::Pod>(ty: GgmlType, bytes: &[u8]) -> Result<&[B], Error> {
    bytemuck::try_cast_slice(bytes).map_err(|_| size_error::<B>(ty, bytes.len()))
}

/// Mutable twin of [`blocks`].
pub fn blocks_mut<B: bytemuck::Pod>(ty: GgmlType, bytes: &mut [u8]) -> Result<&mut [B], Error> {
    let len = bytes.len();
    bytemuck::try_cast_slice_mut(bytes).map_err(|_| size_error::<B>(ty, len))
}

fn size_error<B>(ty: GgmlType, bytes: usize) -> Error {
    let size = core::mem::size_of::<B>().max(1);
    Error::SizeMismatch {
        ty,
        elements: bytes / size * ty.block_size(),
        expected_bytes: bytes / size * size,
        bytes,
    }
}

/// Applies `f` to each (block, 32/256 floats) pair of a dequantization.
fn each_block<B: bytemuck::Pod, const N: usize>(
    ty: GgmlType,
    src: &[u8],
    dst: &mut [f32],
    f: fn(&B, &mut [f32; N]),
) -> Result<(), Error> {
    let bs: &[B] = blocks(ty, src)?;
    for (b, out) in bs.iter().zip(dst.chunks_exact_mut(N)) {
        if let Ok(out) = <&mut [f32; N]>::try_from(out) {
            f(b, out);
        }
    }
    Ok(())
}

/// Applies `f` to each (32/256 floats, block) pair of a quantization.
fn each_block_q<B: bytemuck::Pod, const N: usize>(
    ty: GgmlType,
    src: &[f32],
    dst: &mut [u8],
    f: fn(&[f32; N]) -> B,
) -> Result<(), Error> {
    let bs: &mut [B] = blocks_mut(ty, dst)?;
    for (x, b) in src.chunks_exact(N).zip(bs.iter_mut()) {
        if let Ok(x) = <&[f32; N]>::try_from(x) {
            *b = f(x);
        }
    }
    Ok(())
}

/// Decodes `dst.len()` values of type `ty` from `src` (exactly
/// `ty.row_bytes(dst.len())` bytes), as ggml's `to_float` does.
pub fn dequantize(ty: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<(), Error> {
    check_sizes(ty, dst.len(), src.len())?;
    match ty {
        GgmlType::F32 => float::f32_from_le(src, dst),
        GgmlType::F16 => float::f16_to_f32(src, dst),
        GgmlType::BF16 => float::bf16_to_f32(src, dst),
        GgmlType::Q4_0 => each_block(ty, src, dst, q4_0::dequantize_block)?,
        GgmlType::Q4_1 => each_block(ty, src, dst, q4_1::dequantize_block)?,
        GgmlType::Q5_0 => each_block(ty, src, dst, q5_0::dequantize_block)?,
        GgmlType::Q5_1 => each_block(ty, src, dst, q5_1::dequantize_block)?,
        GgmlType::Q8_0 => each_block(ty, src, dst, q8_0::dequantize_block)?,
        GgmlType::Q8_1 => each_block(ty, src, dst, q8_1::dequantize_block)?,
        GgmlType::Q4_K => each_block(ty, src, dst, q4_k::dequantize_block)?,
        GgmlType::Q6_K => each_block(ty, src, dst, q6_k::dequantize_block)?,
        GgmlType::Q8_K => each_block(ty, src, dst, q8_k::dequantize_block)?,
        _ => {
            return Err(Error::Unsupported {
                ty,
                quantize: false,
            })
        }
    }
    Ok(())
}

/// Encodes `src` as type `ty` into `dst` (exactly `ty.row_bytes(src.len())`
/// bytes) with ggml's reference quantizers (no importance matrix).
pub fn quantize(ty: GgmlType, src: &[f32], dst: &mut [u8]) -> Result<(), Error> {
    check_sizes(ty, src.len(), dst.len())?;
    match ty {
        GgmlType::F32 => float::f32_to_le(src, dst),
        GgmlType::F16 => float::f32_to_f16(src, dst),
        GgmlType::BF16 => float::f32_to_bf16(src, dst),
        GgmlType::Q4_0 => each_block_q(ty, src, dst, q4_0::quantize_block)?,
        GgmlType::Q4_1 => each_block_q(ty, src, dst, q4_1::quantize_block)?,
        GgmlType::Q5_0 => each_block_q(ty, src, dst, q5_0::quantize_block)?,
        GgmlType::Q5_1 => each_block_q(ty, src, dst, q5_1::quantize_block)?,
        GgmlType::Q8_0 => each_block_q(ty, src, dst, q8_0::quantize_block)?,
        GgmlType::Q8_1 => each_block_q(ty, src, dst, q8_1::quantize_block)?,
        GgmlType::Q4_K => each_block_q(ty, src, dst, q4_k::quantize_block)?,
        GgmlType::Q6_K => each_block_q(ty, src, dst, q6_k::quantize_block)?,
        GgmlType::Q8_K => each_block_q(ty, src, dst, q8_k::quantize_block)?,
        _ => return Err(Error::Unsupported { ty, quantize: true }),
    }
    Ok(())
}

/// Whether [`quantize`] supports `ty`.
pub const fn can_quantize(ty: GgmlType) -> bool {
    use GgmlType::*;
    matches!(
        ty,
        F32 | F16 | BF16 | Q4_0 | Q4_1 | Q5_0 | Q5_1 | Q8_0 | Q8_1 | Q4_K | Q6_K | Q8_K
    )
}

/// Whether [`dequantize`] supports `ty`.
pub const fn can_dequantize(ty: GgmlType) -> bool {
    can_quantize(ty)
}

/// Reads a little-endian f16 as f32 (exact).
#[inline(always)]
pub fn f16_le(b: [u8; 2]) -> f32 {
    half::f16::from_bits(u16::from_le_bytes(b)).to_f32()
}

/// Rounds an f32 to the nearest f16 (ties to even) as little-endian bytes,
/// as ggml's `GGML_FP32_TO_FP16` and numpy's `astype(float16)` do.
#[inline(always)]
pub fn f16_bytes(x: f32) -> [u8; 2] {
    half::f16::from_f32(x).to_bits().to_le_bytes()
}
