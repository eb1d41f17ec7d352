//! AArch64 kernels. A table is handed out only after the CPU is known to
//! have its features (run-time detection with `std`, `cfg(target_feature)`
//! without).

use super::table::KernelTable;

/// The NEON table (every AArch64 CPU mote targets has NEON).
pub fn neon_table() -> Option<&'static KernelTable> {
    None
}

/// The NEON + dot-product table, when this CPU has SDOT/UDOT.
pub fn dotprod_table() -> Option<&'static KernelTable> {
    None
}
