//! AArch64 kernels. A table is handed out only after the CPU is known to
//! have its features (run-time detection with `std`, `cfg(target_feature)`
//! without), which is what makes the safe wrappers inside sound.

#[cfg(all(test, not(feature = "std")))]
extern crate std;

mod neon;

use super::table::{Isa, KernelTable, SCALAR};

const NEON_CONST: KernelTable = KernelTable {
    isa: Isa::Neon,
    q8_0_q8_0: neon::vec_dot_q8_0_q8_0,
    q4_0_q8_0: neon::vec_dot_q4_0_q8_0,
    q4_1_q8_1: neon::vec_dot_q4_1_q8_1,
    q5_0_q8_0: neon::vec_dot_q5_0_q8_0,
    q5_1_q8_1: neon::vec_dot_q5_1_q8_1,
    q4_k_q8_k: neon::vec_dot_q4_k_q8_k,
    q6_k_q8_k: neon::vec_dot_q6_k_q8_k,
    bf16_f32: neon::vec_dot_bf16_f32,
    f32_f32: neon::vec_dot_f32_f32,
    ..SCALAR
};

static NEON: KernelTable = NEON_CONST;

static DOTPROD: KernelTable = KernelTable {
    isa: Isa::NeonDotprod,
    q8_0_q8_0: neon::vec_dot_q8_0_q8_0_sdot,
    q4_0_q8_0: neon::vec_dot_q4_0_q8_0_sdot,
    q4_1_q8_1: neon::vec_dot_q4_1_q8_1_sdot,
    q5_0_q8_0: neon::vec_dot_q5_0_q8_0_sdot,
    q5_1_q8_1: neon::vec_dot_q5_1_q8_1_sdot,
    q4_k_q8_k: neon::vec_dot_q4_k_q8_k_sdot,
    q6_k_q8_k: neon::vec_dot_q6_k_q8_k_sdot,
    ..NEON_CONST
};

#[cfg(any(feature = "std", test))]
fn has_neon() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

#[cfg(not(any(feature = "std", test)))]
fn has_neon() -> bool {
    cfg!(target_feature = "neon")
}

#[cfg(any(feature = "std", test))]
fn has_dotprod() -> bool {
    has_neon() && std::arch::is_aarch64_feature_detected!("dotprod")
}

#[cfg(not(any(feature = "std", test)))]
fn has_dotprod() -> bool {
    has_neon() && cfg!(target_feature = "dotprod")
}

/// The NEON table (every AArch64 CPU mote targets has NEON).
pub fn neon_table() -> Option<&'static KernelTable> {
    has_neon().then_some(&NEON)
}

/// The NEON + dot-product table, when this CPU has SDOT/UDOT.
pub fn dotprod_table() -> Option<&'static KernelTable> {
    has_dotprod().then_some(&DOTPROD)
}
