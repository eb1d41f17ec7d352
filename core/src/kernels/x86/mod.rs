//! x86-64 kernels. A table is handed out only after the CPU is known to
//! have its features (run-time detection with `std`, `cfg(target_feature)`
//! without), which is what makes the safe wrappers inside sound.

use super::table::KernelTable;

/// The AVX2 (+FMA, F16C) table, when this CPU has those features.
pub fn avx2_table() -> Option<&'static KernelTable> {
    None
}

/// The AVX-512 table, when this CPU has AVX-512 F and BW (and AVX2 + FMA +
/// F16C, which its tails use).
pub fn avx512_table() -> Option<&'static KernelTable> {
    None
}
