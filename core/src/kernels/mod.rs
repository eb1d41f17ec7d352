//! Dot products, mat-vec and mat-mul per weight format, with one kernel
//! table filled from the scalar reference and overlaid with SIMD.
//!
//! Layout: [`scalar`] holds the reference kernels, `x86/` and `arm/` the
//! SIMD ones (ISA code only, behind safe typed wrappers), [`table`] the
//! selection, and [`matmul`](mod@matmul) the row-range driver that quantizes
//! activations once and spreads output rows over an
//! [`Executor`](crate::exec::Executor).

pub mod act_quant;
pub mod matmul;
pub mod scalar;
pub mod table;

#[cfg(test)]
mod tests;

#[cfg(target_arch = "aarch64")]
pub mod arm;
#[cfg(target_arch = "x86_64")]
pub mod x86;

pub use matmul::{activation_scratch_bytes, activation_type, matmul, matmul_with, QMatrix};
pub use table::{available, scalar_forced, scalar_table, table, Isa, KernelTable};

use crate::GgmlType;

/// What went wrong setting up a mat-mul.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// No dot-product kernel for this weight type.
    UnsupportedType(GgmlType),
    /// The row length is not a whole number of the weight's (or its
    /// activation format's) blocks.
    NotBlockMultiple {
        /// The weight type.
        ty: GgmlType,
        /// Columns (elements per row).
        cols: usize,
    },
    /// A buffer has the wrong length.
    SizeMismatch {
        /// Which buffer: `"weights"`, `"x"`, `"y"`.
        what: &'static str,
        /// Length needed (elements for x/y, bytes for weights).
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The scratch buffer is smaller than [`activation_scratch_bytes`].
    ScratchTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// F32 weights must be 4-byte aligned (GGUF tensor data always is).
    Misaligned,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Error::UnsupportedType(ty) => write!(f, "no mat-mul kernel for {ty} weights"),
            Error::NotBlockMultiple { ty, cols } => {
                write!(f, "{cols} columns is not a whole number of {ty} blocks")
            }
            Error::SizeMismatch {
                what,
                expected,
                got,
            } => write!(f, "{what}: expected length {expected}, got {got}"),
            Error::ScratchTooSmall { needed, got } => {
                write!(
                    f,
                    "activation scratch too small: need {needed} bytes, got {got}"
                )
            }
            Error::Misaligned => f.write_str("F32 weight data is not 4-byte aligned"),
        }
    }
}

impl core::error::Error for Error {}
