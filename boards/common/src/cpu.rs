//! Does the CPU we run on have what the board promises?
//!
//! A binary built for the Pi 5 on a Pi 4 still runs (mote's kernel table
//! picks kernels at run time), but slower than expected; say so at start.

/// The features of `wanted` the running CPU lacks. Empty off aarch64: the
/// board binaries also build on the x86 host, where there is nothing to check.
pub fn missing_features(wanted: &[&'static str]) -> Vec<&'static str> {
    if !cfg!(target_arch = "aarch64") {
        return Vec::new();
    }
    wanted.iter().copied().filter(|f| !has_feature(f)).collect()
}

/// Whether the running CPU has `feature` (aarch64 names: `neon`, `dotprod`, `fp16`, ...).
#[cfg(target_arch = "aarch64")]
pub fn has_feature(feature: &str) -> bool {
    match feature {
        "neon" => std::arch::is_aarch64_feature_detected!("neon"),
        "dotprod" => std::arch::is_aarch64_feature_detected!("dotprod"),
        "fp16" => std::arch::is_aarch64_feature_detected!("fp16"),
        "i8mm" => std::arch::is_aarch64_feature_detected!("i8mm"),
        _ => false,
    }
}

/// Whether the running CPU has `feature`. Off aarch64 (a 32-bit Pi, or the
/// x86 host building the boards) no feature is checked: the 32-bit board uses
/// the portable kernels and lists no features.
#[cfg(not(target_arch = "aarch64"))]
pub fn has_feature(_feature: &str) -> bool {
    false
}
