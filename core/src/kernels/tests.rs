//! Every SIMD table against the scalar one, and every format against f32
//! within ggml's error budgets (tests/test-quantize-fns.cpp).
//!
//! Exactness: with all block scales set to powers of two, every float
//! operation in every kernel is exact, so any summation order gives the
//! same bits: SIMD must then equal scalar exactly, which checks the integer
//! arithmetic bit for bit. With real scales the float accumulation order
//! differs and the results agree within a bound relative to Σ|w·x|.

extern crate std;

use std::boxed::Box;
use std::vec::Vec;

use super::table::{available, scalar_table, KernelTable};
use crate::quant::{self, f16_bytes};
use crate::GgmlType;

type TestResult = Result<(), Box<dyn core::error::Error>>;

/// Deterministic values in −1..1 (xorshift; tests only).
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12345) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Weight formats with integer kernels, their activation formats.
const PAIRS: [(GgmlType, GgmlType); 7] = {
    use GgmlType::*;
    [
        (Q8_0, Q8_0),
        (Q4_0, Q8_0),
        (Q4_1, Q8_1),
        (Q5_0, Q8_0),
        (Q5_1, Q8_1),
        (Q4_K, Q8_K),
        (Q6_K, Q8_K),
    ]
};

fn dot(t: &KernelTable, wt: GgmlType, w: &[u8], x: &[u8], xf: &[f32]) -> f32 {
    use bytemuck::cast_slice as c;
    use GgmlType::*;
    match wt {
        Q8_0 => (t.q8_0_q8_0)(c(w), c(x)),
        Q4_0 => (t.q4_0_q8_0)(c(w), c(x)),
        Q4_1 => (t.q4_1_q8_1)(c(w), c(x)),
        Q5_0 => (t.q5_0_q8_0)(c(w), c(x)),
        Q5_1 => (t.q5_1_q8_1)(c(w), c(x)),
        Q4_K => (t.q4_k_q8_k)(c(w), c(x)),
        Q6_K => (t.q6_k_q8_k)(c(w), c(x)),
        F16 => (t.f16_f32)(c(w), xf),
        BF16 => (t.bf16_f32)(c(w), xf),
        // A Vec<u8> is not necessarily 4-byte aligned: copy.
        _ => {
            let wf: Vec<f32> = w
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (t.f32_f32)(&wf, xf)
        }
    }
}

/// Sets every scale field of every block to a power of two (and offsets
/// and sums to small multiples of one), so all float arithmetic is exact.
fn power_of_two_scales(ty: GgmlType, bytes: &mut [u8]) {
    use GgmlType::*;
    let bs = ty.type_size();
    for (i, b) in bytes.chunks_exact_mut(bs).enumerate() {
        let p2 = f16_bytes(1.0 / 64.0);
        let small = f16_bytes(((i % 7) as f32 - 3.0) / 8.0);
        match ty {
            Q8_0 | Q4_0 | Q5_0 => b[0..2].copy_from_slice(&p2),
            Q4_1 | Q5_1 | Q8_1 => {
                b[0..2].copy_from_slice(&p2);
                b[2..4].copy_from_slice(&small);
            }
            // k-quants: small sub-block scales too, so that per-lane and
            // per-block integer sums stay below 2^24 and convert exactly.
            Q4_K => {
                b[0..2].copy_from_slice(&p2);
                b[2..4].copy_from_slice(&f16_bytes(1.0 / 32.0));
                for (j, s) in b[4..16].iter_mut().enumerate() {
                    *s = if j < 8 { (j % 4) as u8 + 1 } else { 0x21 };
                }
            }
            Q6_K => {
                b[208..210].copy_from_slice(&p2);
                for (j, s) in b[192..208].iter_mut().enumerate() {
                    *s = (((i + j) % 5) as u8).wrapping_sub(2);
                }
            }
            Q8_K => b[0..4].copy_from_slice(&(1.0f32 / 128.0).to_le_bytes()),
            _ => {}
        }
    }
}

fn quantized(ty: GgmlType, x: &[f32]) -> Result<Vec<u8>, Box<dyn core::error::Error>> {
    let mut q = std::vec![0u8; ty.row_bytes(x.len()).ok_or("row")?];
    quant::quantize(ty, x, &mut q)?;
    Ok(q)
}

fn deq(ty: GgmlType, q: &[u8], n: usize) -> Result<Vec<f32>, Box<dyn core::error::Error>> {
    let mut y = std::vec![0f32; n];
    quant::dequantize(ty, q, &mut y)?;
    Ok(y)
}

const BLOCK_COUNTS: [usize; 8] = [0, 1, 2, 3, 4, 7, 16, 33];

#[test]
fn simd_kernels_equal_scalar() -> TestResult {
    let scalar = scalar_table();
    let mut exercised = Vec::new();
    for t in available().skip(1) {
        exercised.push(t.isa.name());
        for (wt, at) in PAIRS {
            for nb in BLOCK_COUNTS {
                let n = nb * wt.block_size();
                let wf = values(n, nb as u32 + 1);
                // Activations with an occasional large value, as real ones have.
                let mut xf = values(n, nb as u32 + 100);
                if let Some(v) = xf.get_mut(n / 3) {
                    *v *= 20.0;
                }
                let (mut w, mut x) = (quantized(wt, &wf)?, quantized(at, &xf)?);
                // Real scales: equal within a bound relative to Σ|w·x|.
                let (ws, xs) = (deq(wt, &w, n)?, deq(at, &x, n)?);
                let mag: f32 = ws.iter().zip(&xs).map(|(a, b)| (a * b).abs()).sum();
                let (a, b) = (dot(scalar, wt, &w, &x, &[]), dot(t, wt, &w, &x, &[]));
                assert!(
                    (a - b).abs() <= 1e-5 * mag + 1e-6 * (nb as f32),
                    "{} {wt}·{at} {nb} blocks: scalar {a} vs {b} (Σ|wx| {mag})",
                    t.isa
                );
                // Power-of-two scales: bit-identical.
                power_of_two_scales(wt, &mut w);
                power_of_two_scales(at, &mut x);
                let (a, b) = (dot(scalar, wt, &w, &x, &[]), dot(t, wt, &w, &x, &[]));
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{} {wt}·{at} {nb} blocks, exact scales: scalar {a} vs {b}",
                    t.isa
                );
            }
        }
        for wt in [GgmlType::F32, GgmlType::F16, GgmlType::BF16] {
            for n in [0usize, 1, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1000] {
                let wf = values(n, n as u32 + 7);
                let xf = values(n, n as u32 + 70);
                let w = quantized(wt, &wf)?;
                let ws = deq(wt, &w, n)?;
                let mag: f32 = ws.iter().zip(&xf).map(|(a, b)| (a * b).abs()).sum();
                let (a, b) = (dot(scalar, wt, &w, &[], &xf), dot(t, wt, &w, &[], &xf));
                assert!(
                    (a - b).abs() <= 1e-6 * mag * (n as f32).sqrt().max(1.0) + 1e-7,
                    "{} {wt} n={n}: scalar {a} vs {b}",
                    t.isa
                );
            }
        }
    }
    // Which ISAs ran is part of the result: say it.
    std::eprintln!(
        "simd_kernels_equal_scalar: SIMD tables exercised on this CPU: {:?}",
        exercised
    );
    Ok(())
}

/// Opt-in proof that a run exercised the ISAs it was meant to:
/// `MOTE_REQUIRE_ISA=avx512,avx512-vnni` (names as [`Isa::name`] prints
/// them) fails unless each is among [`available`], so a run on an emulated
/// CPU whose detection silently fell back to a lesser table cannot pass
/// (tools/avx512-test sets it).
///
/// [`Isa::name`]: super::table::Isa::name
#[test]
fn required_isas_are_available() {
    let Some(required) = std::env::var_os("MOTE_REQUIRE_ISA") else {
        return;
    };
    let required = required.to_string_lossy().into_owned();
    let have: Vec<&str> = available().map(|t| t.isa.name()).collect();
    for isa in required.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        assert!(
            have.contains(&isa),
            "MOTE_REQUIRE_ISA wants {isa}, but this CPU runs only {have:?}"
        );
    }
    std::eprintln!("required_isas_are_available: {required} among {have:?}");
}

/// ggml's `generate_data`: `0.1 + 2·cos(i + offset)`.
fn ggml_data(offset: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.1 + 2.0 * libm::cosf(i as f32 + offset))
        .collect()
}

#[test]
fn quantization_and_dot_errors_stay_within_ggml_budgets() -> TestResult {
    const N: usize = 32 * 128;
    const MAX_QUANTIZATION_TOTAL_ERROR: f64 = 0.002;
    const MAX_DOT_PRODUCT_ERROR: f64 = 0.02;
    let x1 = ggml_data(0.0, N);
    let x2 = ggml_data(1.0, N);
    let reference: f64 = x1.iter().zip(&x2).map(|(a, b)| *a as f64 * *b as f64).sum();
    for (wt, at) in PAIRS.into_iter().chain([
        (GgmlType::F16, GgmlType::F32),
        (GgmlType::BF16, GgmlType::F32),
    ]) {
        let q1 = quantized(wt, &x1)?;
        let y = deq(wt, &q1, N)?;
        let sq: f64 = x1
            .iter()
            .zip(&y)
            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
            .sum();
        let rmse = libm::sqrt(sq) / N as f64;
        assert!(
            rmse <= MAX_QUANTIZATION_TOTAL_ERROR,
            "{wt}: quantization error {rmse}"
        );
        let q2 = if at == GgmlType::F32 {
            Vec::new()
        } else {
            quantized(at, &x2)?
        };
        for t in available() {
            let d = dot(t, wt, &q1, &q2, &x2) as f64;
            let err = (d - reference).abs() / N as f64;
            assert!(
                err <= MAX_DOT_PRODUCT_ERROR,
                "{} {wt}: dot error {err}",
                t.isa
            );
        }
    }
    Ok(())
}

#[test]
fn the_selected_table_is_the_best_available_unless_scalar_is_forced() {
    let best = available().last().map(|t| t.isa);
    let chosen = super::table::table().isa;
    if super::table::scalar_forced() {
        assert_eq!(chosen, scalar_table().isa);
    } else {
        assert_eq!(Some(chosen), best);
    }
}

/// The table's register tile for `wt`, as bytes in and floats out (`None`
/// when the table has none for that format).
fn tile(t: &KernelTable, wt: GgmlType, w: &[u8], x: &[u8], nb: usize) -> Option<Vec<f32>> {
    use bytemuck::cast_slice as c;
    use GgmlType::*;
    let (r, cols) = (
        x.len() / wt_act_size(wt)? / nb.max(1),
        w.len() / wt.type_size() / nb.max(1),
    );
    let mut y = std::vec![f32::NAN; r * cols];
    match wt {
        Q8_0 => (t.q8_0_q8_0_tile?)(c(w), c(x), nb, &mut y),
        Q4_0 => (t.q4_0_q8_0_tile?)(c(w), c(x), nb, &mut y),
        Q4_1 => (t.q4_1_q8_1_tile?)(c(w), c(x), nb, &mut y),
        _ => return None,
    }
    Some(y)
}

/// Bytes per activation block of `wt`'s pairing.
fn wt_act_size(wt: GgmlType) -> Option<usize> {
    PAIRS
        .iter()
        .find(|(w, _)| *w == wt)
        .map(|(_, a)| a.type_size())
}

/// The scalar twin of [`tile`]: one scalar dot product per pair.
fn scalar_tile(wt: GgmlType, w: &[u8], x: &[u8], nb: usize) -> Option<Vec<f32>> {
    use bytemuck::cast_slice as c;
    use GgmlType::*;
    let s = scalar_table();
    let (r, cols) = (
        x.len() / wt_act_size(wt)? / nb,
        w.len() / wt.type_size() / nb,
    );
    let mut y = std::vec![f32::NAN; r * cols];
    match wt {
        Q8_0 => super::scalar::tile_by_dots(s.q8_0_q8_0, c(w), c(x), nb, &mut y),
        Q4_0 => super::scalar::tile_by_dots(s.q4_0_q8_0, c(w), c(x), nb, &mut y),
        Q4_1 => super::scalar::tile_by_dots(s.q4_1_q8_1, c(w), c(x), nb, &mut y),
        _ => return None,
    }
    Some(y)
}

#[test]
fn simd_tiles_equal_scalar_and_do_not_depend_on_the_tile_shape() -> TestResult {
    use super::table::TILE_MAX;
    let mut exercised = Vec::new();
    for t in available() {
        for (wt, at) in PAIRS {
            for nb in [1usize, 2, 3, 18, 33] {
                let n = nb * wt.block_size();
                let (wb, ab) = (wt.type_size() * nb, at.type_size() * nb);
                // TILE_MAX rows of each side; tiles take leading rows.
                let wf = values(TILE_MAX * n, nb as u32 + 11);
                let mut xf = values(TILE_MAX * n, nb as u32 + 111);
                if let Some(v) = xf.get_mut(n / 3) {
                    *v *= 20.0;
                }
                let (mut w, mut x) = (quantized(wt, &wf)?, quantized(at, &xf)?);
                for exact in [false, true] {
                    if exact {
                        power_of_two_scales(wt, &mut w);
                        power_of_two_scales(at, &mut x);
                    }
                    for r in 1..=TILE_MAX {
                        for c in 1..=TILE_MAX {
                            let (ws, xs) = (&w[..c * wb], &x[..r * ab]);
                            let Some(y) = tile(t, wt, ws, xs, nb) else {
                                continue;
                            };
                            let want = scalar_tile(wt, ws, xs, nb).ok_or("scalar")?;
                            for i in 0..r {
                                for j in 0..c {
                                    let (a, b) = (want[i * c + j], y[i * c + j]);
                                    // The same pair alone, as a 1 × 1 tile.
                                    let one = tile(
                                        t,
                                        wt,
                                        &w[j * wb..(j + 1) * wb],
                                        &x[i * ab..(i + 1) * ab],
                                        nb,
                                    )
                                    .ok_or("1x1")?[0];
                                    let what = std::format!(
                                        "{} {wt} {r}x{c} tile, pair ({i}, {j}), {nb} blocks, exact scales {exact}",
                                        t.isa
                                    );
                                    assert_eq!(
                                        b.to_bits(),
                                        one.to_bits(),
                                        "{what}: {b} vs 1x1 {one}"
                                    );
                                    if exact {
                                        assert_eq!(
                                            a.to_bits(),
                                            b.to_bits(),
                                            "{what}: scalar {a} vs {b}"
                                        );
                                    } else {
                                        let (wd, xd) = (
                                            deq(wt, &w[j * wb..(j + 1) * wb], n)?,
                                            deq(at, &x[i * ab..(i + 1) * ab], n)?,
                                        );
                                        let mag: f32 =
                                            wd.iter().zip(&xd).map(|(a, b)| (a * b).abs()).sum();
                                        assert!(
                                            (a - b).abs() <= 1e-5 * mag + 1e-6 * nb as f32,
                                            "{what}: scalar {a} vs {b} (Σ|wx| {mag})"
                                        );
                                    }
                                }
                            }
                            exercised.push(t.isa.name());
                        }
                    }
                }
            }
        }
    }
    exercised.dedup();
    std::eprintln!("tiles exercised: {exercised:?}");
    Ok(())
}

#[test]
fn tiled_matmul_equals_scalar_matmul_exactly() -> TestResult {
    use super::matmul::{activation_scratch_bytes, matmul_with, QMatrix};
    use crate::exec::Serial;
    let cols = 64;
    for t in available() {
        for (wt, at) in PAIRS.into_iter().take(3) {
            // Row and activation counts that leave every kind of tile
            // remainder.
            for rows in [1usize, 2, 5, 7, 9] {
                for n in [1usize, 2, 3, 5, 6, 9] {
                    let mut w = quantized(wt, &values(rows * cols, (rows * 31 + n) as u32))?;
                    power_of_two_scales(wt, &mut w);
                    // The activation scales come from the quantizer: with
                    // each block's max |x| at 127/128 and every value a
                    // multiple of 1/128 it makes d = 1/128 and exact quants.
                    let mut xf = values(n * cols, (rows + 7 * n) as u32);
                    for b in xf.chunks_exact_mut(at.block_size()) {
                        b[0] = 127.0 / 128.0;
                        for v in b[1..].iter_mut() {
                            *v = libm::roundf(*v * 127.0) / 128.0;
                        }
                    }
                    let m = QMatrix {
                        ty: wt,
                        rows,
                        cols,
                        data: &w,
                    };
                    let mut scratch = std::vec![0u8; activation_scratch_bytes(wt, n, cols)];
                    let (mut y, mut want) = (std::vec![0f32; n * rows], std::vec![1f32; n * rows]);
                    matmul_with(t, &m, &xf, &mut y, &mut scratch, &Serial)?;
                    matmul_with(scalar_table(), &m, &xf, &mut want, &mut scratch, &Serial)?;
                    for (k, (a, b)) in want.iter().zip(&y).enumerate() {
                        assert_eq!(
                            a.to_bits(),
                            b.to_bits(),
                            "{} {wt} {rows} rows, {n} activations, output {k}: scalar {a} vs {b}",
                            t.isa
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The table's mat-vec kernel for `wt` (`None` when it has none).
fn matvec(t: &KernelTable, wt: GgmlType, w: &[u8], x: &[u8], nb: usize) -> Option<Vec<f32>> {
    use bytemuck::cast_slice as c;
    let mut y = std::vec![f32::NAN; w.len() / wt.type_size() / nb.max(1)];
    match wt {
        GgmlType::Q8_0 => (t.q8_0_q8_0_matvec?)(c(w), c(x), nb, &mut y),
        GgmlType::Q4_1 => (t.q4_1_q8_1_matvec?)(c(w), c(x), nb, &mut y),
        _ => return None,
    }
    Some(y)
}

#[test]
fn matvec_kernels_do_not_depend_on_the_other_rows_and_equal_scalar() -> TestResult {
    let scalar = scalar_table();
    let mut exercised = Vec::new();
    for t in available() {
        for (wt, at) in PAIRS {
            // Past 256 blocks the AVX2 kernels convert activation scales
            // as they go instead of up front.
            for nb in [1usize, 2, 3, 4, 5, 7, 18, 48, 257, 300] {
                let n = 32 * nb;
                if n % wt.block_size() != 0 {
                    continue;
                }
                for rows in [1usize, 2, 5] {
                    let wf = values(rows * n, (nb * 7 + rows) as u32);
                    let mut xf = values(n, nb as u32 + 3);
                    if let Some(v) = xf.get_mut(n / 2) {
                        *v *= 20.0;
                    }
                    let (mut w, mut x) = (quantized(wt, &wf)?, quantized(at, &xf)?);
                    for exact in [false, true] {
                        if exact {
                            power_of_two_scales(wt, &mut w);
                            power_of_two_scales(at, &mut x);
                        }
                        let Some(y) = matvec(t, wt, &w, &x, nb) else {
                            continue;
                        };
                        exercised.push(std::format!("{} {wt}", t.isa));
                        let rb = wt.type_size() * nb;
                        for (j, &got) in y.iter().enumerate() {
                            let wj = &w[j * rb..(j + 1) * rb];
                            let what = std::format!(
                                "{} {wt} mat-vec, {nb} blocks, row {j} of {rows}, exact scales {exact}",
                                t.isa
                            );
                            // The same row alone (a table that overlays its own
                            // dot products on inherited mat-vec kernels makes
                            // the dot product a different sum).
                            let alone = matvec(t, wt, wj, &x, nb).ok_or("mat-vec")?[0];
                            assert_eq!(
                                got.to_bits(),
                                alone.to_bits(),
                                "{what}: {got} vs the row alone {alone}"
                            );
                            if t.isa == super::table::Isa::Avx2 {
                                let dot = dot(t, wt, wj, &x, &[]);
                                assert_eq!(
                                    got.to_bits(),
                                    dot.to_bits(),
                                    "{what}: {got} vs the dot product {dot}"
                                );
                            }
                            let want = dot_scalar(scalar, wt, wj, &x);
                            if exact {
                                assert_eq!(
                                    got.to_bits(),
                                    want.to_bits(),
                                    "{what}: {got} vs scalar {want}"
                                );
                            } else {
                                let (wd, xd) = (deq(wt, wj, n)?, deq(at, &x, n)?);
                                let mag: f32 = wd.iter().zip(&xd).map(|(a, b)| (a * b).abs()).sum();
                                assert!(
                                    (got - want).abs() <= 1e-5 * mag + 1e-6 * nb as f32,
                                    "{what}: {got} vs scalar {want} (Σ|wx| {mag})"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    exercised.dedup();
    std::eprintln!("mat-vec kernels exercised: {exercised:?}");
    Ok(())
}

fn dot_scalar(s: &KernelTable, wt: GgmlType, w: &[u8], x: &[u8]) -> f32 {
    dot(s, wt, w, x, &[])
}
