//! x86-64 kernels. A table is handed out only after the CPU is known to
//! have its features (run-time detection with `std`, `cfg(target_feature)`
//! without), which is what makes the safe wrappers inside sound.

#[cfg(all(test, not(feature = "std")))]
extern crate std;

mod avx2;
mod avx2_rows;
mod avx2_rows_q8_0;
mod avx2_tile;
mod avx512;

use super::table::{Isa, KernelTable};

static AVX2: KernelTable = AVX2_CONST;

/// The AVX-512 kernels overlay the AVX2 table (formats without an AVX-512
/// kernel keep their AVX2 one, which is why AVX-512 requires AVX2 too).
static AVX512: KernelTable = KernelTable {
    isa: Isa::Avx512,
    q8_0_q8_0: avx512::vec_dot_q8_0_q8_0,
    q4_0_q8_0: avx512::vec_dot_q4_0_q8_0,
    q4_1_q8_1: avx512::vec_dot_q4_1_q8_1,
    f16_f32: avx512::vec_dot_f16_f32,
    f32_f32: avx512::vec_dot_f32_f32,
    ..AVX2_CONST
};

/// AVX-512 with VNNI (`vpdpbusd` replaces `vpmaddubsw` + `vpmaddwd`).
static AVX512_VNNI: KernelTable = KernelTable {
    isa: Isa::Avx512Vnni,
    q8_0_q8_0: avx512::vec_dot_q8_0_q8_0_vnni,
    q4_0_q8_0: avx512::vec_dot_q4_0_q8_0_vnni,
    q4_1_q8_1: avx512::vec_dot_q4_1_q8_1_vnni,
    ..AVX512
};

const AVX2_CONST: KernelTable = KernelTable {
    isa: Isa::Avx2,
    q8_0_q8_0: avx2::vec_dot_q8_0_q8_0,
    q4_0_q8_0: avx2::vec_dot_q4_0_q8_0,
    q4_1_q8_1: avx2_rows::vec_dot_q4_1_q8_1,
    q5_0_q8_0: avx2::vec_dot_q5_0_q8_0,
    q5_1_q8_1: avx2::vec_dot_q5_1_q8_1,
    q4_k_q8_k: avx2::vec_dot_q4_k_q8_k,
    q6_k_q8_k: avx2::vec_dot_q6_k_q8_k,
    f16_f32: avx2::vec_dot_f16_f32,
    bf16_f32: avx2::vec_dot_bf16_f32,
    f32_f32: avx2::vec_dot_f32_f32,
    q8_0_q8_0_tile: Some(avx2_tile::tile_q8_0_q8_0),
    q4_0_q8_0_tile: Some(avx2_tile::tile_q4_0_q8_0),
    q4_1_q8_1_tile: Some(avx2_tile::tile_q4_1_q8_1),
    q8_0_q8_0_matvec: Some(avx2_rows_q8_0::rows_q8_0_q8_0),
    q4_1_q8_1_matvec: Some(avx2_rows::rows_q4_1_q8_1),
    act_q8_0: avx2::quantize_q8_0,
    act_q8_1: avx2::quantize_q8_1,
};

#[cfg(any(feature = "std", test))]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("fma")
        && std::is_x86_feature_detected!("f16c")
}

#[cfg(not(any(feature = "std", test)))]
fn has_avx2() -> bool {
    cfg!(all(
        target_feature = "avx2",
        target_feature = "fma",
        target_feature = "f16c"
    ))
}

#[cfg(any(feature = "std", test))]
fn has_avx512() -> bool {
    has_avx2()
        && std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
}

#[cfg(not(any(feature = "std", test)))]
fn has_avx512() -> bool {
    has_avx2() && cfg!(all(target_feature = "avx512f", target_feature = "avx512bw"))
}

#[cfg(any(feature = "std", test))]
fn has_avx512_vnni() -> bool {
    has_avx512() && std::is_x86_feature_detected!("avx512vnni")
}

#[cfg(not(any(feature = "std", test)))]
fn has_avx512_vnni() -> bool {
    has_avx512() && cfg!(target_feature = "avx512vnni")
}

/// The AVX2 (+FMA, F16C) table, when this CPU has those features.
pub fn avx2_table() -> Option<&'static KernelTable> {
    has_avx2().then_some(&AVX2)
}

/// The AVX-512 table, when this CPU has AVX-512 F and BW (and AVX2 + FMA +
/// F16C, which its tails use).
pub fn avx512_table() -> Option<&'static KernelTable> {
    has_avx512().then_some(&AVX512)
}

/// The AVX-512 VNNI table, when this CPU also has AVX-512 VNNI.
pub fn avx512_vnni_table() -> Option<&'static KernelTable> {
    has_avx512_vnni().then_some(&AVX512_VNNI)
}
