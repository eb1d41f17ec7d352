//! The kernel table: one function per (weight, activation) pairing, filled
//! from [`scalar`](super::scalar) and overlaid with the best SIMD the CPU
//! has. Matmul only ever calls through a table.

use crate::quant::{
    BlockQ4K, BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ6K, BlockQ8K, BlockQ8_0, BlockQ8_1,
};

use super::{act_quant, scalar};

/// Which instruction set a table's kernels use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Isa {
    /// Portable Rust.
    Scalar,
    /// x86-64 AVX2 + FMA + F16C.
    Avx2,
    /// x86-64 AVX-512 F/BW.
    Avx512,
    /// x86-64 AVX-512 F/BW with VNNI.
    Avx512Vnni,
    /// AArch64 Advanced SIMD.
    Neon,
    /// AArch64 Advanced SIMD with the SDOT/UDOT dot-product extension.
    NeonDotprod,
}

impl Isa {
    /// Lower-case name for logs and benchmark labels.
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Avx512Vnni => "avx512-vnni",
            Isa::Neon => "neon",
            Isa::NeonDotprod => "neon-dotprod",
        }
    }
}

impl core::fmt::Display for Isa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A register tile: `y[i·c + j] = dot(w row j, x row i)` for the
/// `c = w.len() / nb` weight rows and `r = x.len() / nb` activation rows
/// (both 1..=[`TILE_MAX`], rows of `nb` blocks, stored one after another);
/// `y` holds at least `r·c` values. A pair's result is the same, bit for
/// bit, whatever the shape of the tile it is computed in; the scalar twin
/// is [`scalar::tile_by_dots`] over the scalar dot product.
pub type TileFn<W, A> = fn(w: &[W], x: &[A], nb: usize, y: &mut [f32]);

/// Mat-vec over many rows: `y[j] = dot(w row j, x)` for every row of `w`
/// (`w.len() / nb` rows of `nb` blocks; `x` is one row of `nb` blocks).
/// A row's result does not depend on the other rows of the call (the
/// AVX2 kernels equal their table's dot products bit for bit).
pub type MatVecFn<W, A> = fn(w: &[W], x: &[A], nb: usize, y: &mut [f32]);

/// The most rows on either side of a [`TileFn`] call.
pub const TILE_MAX: usize = 4;

/// One dot-product kernel per pairing ggml uses. Every kernel reads
/// `min(w.len(), x.len())` elements of each side; callers pass equal
/// lengths.
#[derive(Clone, Copy, Debug)]
pub struct KernelTable {
    /// The instruction set of the fastest kernels in this table.
    pub isa: Isa,
    /// Q8_0 weights · Q8_0 activations.
    pub q8_0_q8_0: fn(&[BlockQ8_0], &[BlockQ8_0]) -> f32,
    /// Q4_0 · Q8_0.
    pub q4_0_q8_0: fn(&[BlockQ4_0], &[BlockQ8_0]) -> f32,
    /// Q4_1 · Q8_1.
    pub q4_1_q8_1: fn(&[BlockQ4_1], &[BlockQ8_1]) -> f32,
    /// Q5_0 · Q8_0.
    pub q5_0_q8_0: fn(&[BlockQ5_0], &[BlockQ8_0]) -> f32,
    /// Q5_1 · Q8_1.
    pub q5_1_q8_1: fn(&[BlockQ5_1], &[BlockQ8_1]) -> f32,
    /// Q4_K · Q8_K.
    pub q4_k_q8_k: fn(&[BlockQ4K], &[BlockQ8K]) -> f32,
    /// Q6_K · Q8_K.
    pub q6_k_q8_k: fn(&[BlockQ6K], &[BlockQ8K]) -> f32,
    /// F16 weights (little-endian bytes) · f32.
    pub f16_f32: fn(&[[u8; 2]], &[f32]) -> f32,
    /// BF16 weights (little-endian bytes) · f32.
    pub bf16_f32: fn(&[[u8; 2]], &[f32]) -> f32,
    /// f32 · f32.
    pub f32_f32: fn(&[f32], &[f32]) -> f32,
    /// Q8_0 · Q8_0 register tiles (`None`: matmul calls the dot product
    /// per pair). Tables without a tile of their own leave it `None` rather
    /// than inherit a scalar one, so matmul keeps their SIMD dot products.
    pub q8_0_q8_0_tile: Option<TileFn<BlockQ8_0, BlockQ8_0>>,
    /// Q4_0 · Q8_0 register tiles.
    pub q4_0_q8_0_tile: Option<TileFn<BlockQ4_0, BlockQ8_0>>,
    /// Q4_1 · Q8_1 register tiles.
    pub q4_1_q8_1_tile: Option<TileFn<BlockQ4_1, BlockQ8_1>>,
    /// Q8_0 · Q8_0 mat-vec (`None`: one dot product per row).
    pub q8_0_q8_0_matvec: Option<MatVecFn<BlockQ8_0, BlockQ8_0>>,
    /// Q4_1 · Q8_1 mat-vec.
    pub q4_1_q8_1_matvec: Option<MatVecFn<BlockQ4_1, BlockQ8_1>>,
    /// An f32 row to Q8_0 activation blocks ([`act_quant`](super::act_quant)'s rule).
    pub act_q8_0: fn(&[f32], &mut [BlockQ8_0]),
    /// An f32 row to Q8_1 activation blocks.
    pub act_q8_1: fn(&[f32], &mut [BlockQ8_1]),
}

/// The portable table, and the base every SIMD table overlays.
pub const SCALAR: KernelTable = KernelTable {
    isa: Isa::Scalar,
    q8_0_q8_0: scalar::vec_dot_q8_0_q8_0,
    q4_0_q8_0: scalar::vec_dot_q4_0_q8_0,
    q4_1_q8_1: scalar::vec_dot_q4_1_q8_1,
    q5_0_q8_0: scalar::vec_dot_q5_0_q8_0,
    q5_1_q8_1: scalar::vec_dot_q5_1_q8_1,
    q4_k_q8_k: scalar::vec_dot_q4_k_q8_k,
    q6_k_q8_k: scalar::vec_dot_q6_k_q8_k,
    f16_f32: scalar::vec_dot_f16_f32,
    bf16_f32: scalar::vec_dot_bf16_f32,
    f32_f32: scalar::vec_dot_f32_f32,
    q8_0_q8_0_tile: None,
    q4_0_q8_0_tile: None,
    q4_1_q8_1_tile: None,
    q8_0_q8_0_matvec: None,
    q4_1_q8_1_matvec: None,
    act_q8_0: act_quant::q8_0,
    act_q8_1: act_quant::q8_1,
};

static SCALAR_TABLE: KernelTable = SCALAR;

/// The scalar table.
pub fn scalar_table() -> &'static KernelTable {
    &SCALAR_TABLE
}

/// Every table this CPU can run, scalar first and the fastest last.
/// Tests run each against scalar; [`table`] picks the last.
pub fn available() -> impl Iterator<Item = &'static KernelTable> {
    let simd: [Option<&'static KernelTable>; 3] = simd_tables();
    core::iter::once(scalar_table()).chain(simd.into_iter().flatten())
}

#[cfg(target_arch = "x86_64")]
fn simd_tables() -> [Option<&'static KernelTable>; 3] {
    [
        super::x86::avx2_table(),
        super::x86::avx512_table(),
        super::x86::avx512_vnni_table(),
    ]
}

#[cfg(target_arch = "aarch64")]
fn simd_tables() -> [Option<&'static KernelTable>; 3] {
    [super::arm::neon_table(), super::arm::dotprod_table(), None]
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn simd_tables() -> [Option<&'static KernelTable>; 3] {
    [None, None, None]
}

/// Whether the scalar kernels are forced: the `force-scalar` feature, or
/// (with `std`) `MOTE_FORCE_SCALAR=1` in the environment.
pub fn scalar_forced() -> bool {
    if cfg!(feature = "force-scalar") {
        return true;
    }
    #[cfg(feature = "std")]
    {
        if std::env::var_os("MOTE_FORCE_SCALAR").is_some_and(|v| v == "1") {
            return true;
        }
    }
    false
}

fn select() -> &'static KernelTable {
    if scalar_forced() {
        return scalar_table();
    }
    available().last().unwrap_or(scalar_table())
}

/// The kernel table for this process: with `std`, detected once at first
/// use and cached; without, fixed at compile time by `cfg(target_feature)`.
pub fn table() -> &'static KernelTable {
    #[cfg(feature = "std")]
    {
        static TABLE: std::sync::OnceLock<&'static KernelTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(select)
    }
    #[cfg(not(feature = "std"))]
    {
        select()
    }
}
