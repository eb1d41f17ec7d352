//! Mat-vec and mat-mul: `y = x · Wᵀ` over a quantized weight matrix.
//!
//! Activations are quantized once, into the caller's scratch, to the
//! format ggml pairs with the weight type (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1
//! for Q4_1/Q5_1, Q8_K for the k-quants; float weights take f32 as is).
//! Output rows are then split into contiguous ranges, one job each, on the
//! [`Executor`]. With several activation rows (prefill, batches) each job
//! keeps its weight rows cache-resident while every activation row passes
//! over them, so weights are read from memory once per call, not once per
//! token. Nothing here allocates.

use core::marker::PhantomData;

use bytemuck::Pod;

use super::table::{table, MatVecFn, TileFn, TILE_MAX};
use super::{Error, KernelTable};
use crate::exec::Executor;
use crate::quant::{self, BlockQ4K, BlockQ4_0, BlockQ4_1, BlockQ5_0, BlockQ5_1, BlockQ6K};
use crate::quant::{BlockQ8K, BlockQ8_0, BlockQ8_1};
use crate::GgmlType;

/// A row-major weight matrix in one of ggml's formats, viewed in place:
/// `rows` rows of `cols` elements, each row `ty.row_bytes(cols)` bytes.
/// In GGUF terms `ne[0] = cols`, `ne[1] = rows`.
#[derive(Clone, Copy, Debug)]
pub struct QMatrix<'a> {
    /// The weight format.
    pub ty: GgmlType,
    /// Output features.
    pub rows: usize,
    /// Input features (the contiguous dimension).
    pub cols: usize,
    /// `rows · ty.row_bytes(cols)` bytes.
    pub data: &'a [u8],
}

impl<'a> QMatrix<'a> {
    /// Bytes per row, or `None` when `cols` is not a whole number of blocks.
    pub fn row_bytes(&self) -> Option<usize> {
        self.ty.row_bytes(self.cols)
    }

    /// The bytes of row `r`.
    pub fn row(&self, r: usize) -> Option<&'a [u8]> {
        let rb = self.row_bytes()?;
        let start = r.checked_mul(rb)?;
        self.data.get(start..start.checked_add(rb)?)
    }
}

/// The activation format a weight type's kernel consumes: Q8_0, Q8_1,
/// Q8_K, or F32 for float weights; `None` when mote has no kernel.
pub const fn activation_type(w: GgmlType) -> Option<GgmlType> {
    use GgmlType::*;
    match w {
        Q8_0 | Q4_0 | Q5_0 => Some(Q8_0),
        Q4_1 | Q5_1 => Some(Q8_1),
        Q4_K | Q6_K => Some(Q8_K),
        F32 | F16 | BF16 => Some(F32),
        _ => None,
    }
}

/// Scratch bytes [`matmul`] needs for `n` activation rows of `cols`
/// elements against `w_ty` weights (0 for float weights; saturates
/// instead of overflowing, and is 0 for unsupported shapes, which
/// [`matmul`] rejects anyway).
pub fn activation_scratch_bytes(w_ty: GgmlType, n: usize, cols: usize) -> usize {
    match activation_type(w_ty) {
        Some(GgmlType::F32) | None => 0,
        Some(a) => a.row_bytes(cols).unwrap_or(0).saturating_mul(n),
    }
}

/// `y[i·rows + r] = dot(W row r, x row i)` for every activation row `i` of
/// `x` (`n × cols`, row-major) and weight row `r`, with the process's
/// kernel [`table`]. `n = 1` is a mat-vec. `scratch` needs
/// [`activation_scratch_bytes`] bytes.
pub fn matmul(
    w: &QMatrix,
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [u8],
    exec: &dyn Executor,
) -> Result<(), Error> {
    matmul_with(table(), w, x, y, scratch, exec)
}

/// [`matmul`] with an explicit kernel table (tests and benchmarks compare
/// tables this way).
pub fn matmul_with(
    t: &KernelTable,
    w: &QMatrix,
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [u8],
    exec: &dyn Executor,
) -> Result<(), Error> {
    let (ty, rows, cols) = (w.ty, w.rows, w.cols);
    let act = activation_type(ty).ok_or(Error::UnsupportedType(ty))?;
    let not_blocks = Error::NotBlockMultiple { ty, cols };
    let rb = ty.row_bytes(cols).ok_or(not_blocks)?;
    act.row_bytes(cols).ok_or(not_blocks)?;
    let wbytes = rb.checked_mul(rows).ok_or(Error::SizeMismatch {
        what: "weights",
        expected: usize::MAX,
        got: w.data.len(),
    })?;
    if w.data.len() != wbytes {
        return Err(Error::SizeMismatch {
            what: "weights",
            expected: wbytes,
            got: w.data.len(),
        });
    }
    let n = x.len().checked_div(cols).unwrap_or(0);
    if n * cols != x.len() {
        return Err(Error::SizeMismatch {
            what: "x",
            expected: (n + 1) * cols,
            got: x.len(),
        });
    }
    let ylen = n.checked_mul(rows).ok_or(Error::SizeMismatch {
        what: "y",
        expected: usize::MAX,
        got: y.len(),
    })?;
    if y.len() != ylen {
        return Err(Error::SizeMismatch {
            what: "y",
            expected: ylen,
            got: y.len(),
        });
    }
    let need = activation_scratch_bytes(ty, n, cols);
    let got = scratch.len();
    let scratch = scratch
        .get_mut(..need)
        .ok_or(Error::ScratchTooSmall { needed: need, got })?;
    if act != GgmlType::F32 {
        let arb = need.checked_div(n).unwrap_or(0);
        for (xr, sr) in x.chunks_exact(cols).zip(scratch.chunks_exact_mut(arb)) {
            // Q8_0/Q8_1 follow llama.cpp's x86 rule (see `act_quant`); Q8_K
            // activations use ggml's reference quantizer there too.
            match act {
                GgmlType::Q8_0 => {
                    (t.act_q8_0)(xr, quant::blocks_mut(act, sr).map_err(|_| not_blocks)?)
                }
                GgmlType::Q8_1 => {
                    (t.act_q8_1)(xr, quant::blocks_mut(act, sr).map_err(|_| not_blocks)?)
                }
                _ => quant::quantize(act, xr, sr).map_err(|_| not_blocks)?,
            }
        }
    }
    let shape = Shape { rows, n, rb };
    let s: &[u8] = scratch;
    // Sizes were all checked above; a failed cast is still reported, not
    // unwrapped.
    let b = |_: quant::Error| Error::SizeMismatch {
        what: "weights",
        expected: wbytes,
        got: w.data.len(),
    };
    // Block-quantized weights pair with quantized activations in scratch;
    // each arm differs only in its block types and kernel.
    macro_rules! quantized {
        ($w:ty, $a:ty, $kernel:ident) => {
            quantized!($w, $a, $kernel, None, None)
        };
        ($w:ty, $a:ty, $kernel:ident, $tile:expr, $matvec:expr) => {
            run::<$w, $a>(
                quant::blocks(ty, w.data).map_err(b)?,
                quant::blocks(act, s).map_err(b)?,
                Kernels {
                    dot: t.$kernel,
                    tile: $tile,
                    matvec: $matvec,
                },
                shape,
                y,
                exec,
            )
        };
    }
    use GgmlType::*;
    match ty {
        Q8_0 => quantized!(
            BlockQ8_0,
            BlockQ8_0,
            q8_0_q8_0,
            t.q8_0_q8_0_tile,
            t.q8_0_q8_0_matvec
        ),
        Q4_0 => quantized!(BlockQ4_0, BlockQ8_0, q4_0_q8_0, t.q4_0_q8_0_tile, None),
        Q4_1 => quantized!(
            BlockQ4_1,
            BlockQ8_1,
            q4_1_q8_1,
            t.q4_1_q8_1_tile,
            t.q4_1_q8_1_matvec
        ),
        Q5_0 => quantized!(BlockQ5_0, BlockQ8_0, q5_0_q8_0),
        Q5_1 => quantized!(BlockQ5_1, BlockQ8_1, q5_1_q8_1),
        Q4_K => quantized!(BlockQ4K, BlockQ8K, q4_k_q8_k),
        Q6_K => quantized!(BlockQ6K, BlockQ8K, q6_k_q8_k),
        F16 => run::<[u8; 2], f32>(
            quant::blocks(ty, w.data).map_err(b)?,
            x,
            Kernels {
                dot: t.f16_f32,
                tile: None,
                matvec: None,
            },
            shape,
            y,
            exec,
        ),
        BF16 => run::<[u8; 2], f32>(
            quant::blocks(ty, w.data).map_err(b)?,
            x,
            Kernels {
                dot: t.bf16_f32,
                tile: None,
                matvec: None,
            },
            shape,
            y,
            exec,
        ),
        F32 => run::<f32, f32>(
            bytemuck::try_cast_slice(w.data).map_err(|_| Error::Misaligned)?,
            x,
            Kernels {
                dot: t.f32_f32,
                tile: None,
                matvec: None,
            },
            shape,
            y,
            exec,
        ),
        _ => return Err(Error::UnsupportedType(ty)),
    }
    Ok(())
}

/// One pairing's kernels from the table: the dot product, and the tile and
/// mat-vec kernels when the table has them.
struct Kernels<W, A> {
    dot: fn(&[W], &[A]) -> f32,
    tile: Option<TileFn<W, A>>,
    matvec: Option<MatVecFn<W, A>>,
}

/// The dimensions `run` needs besides the data.
#[derive(Clone, Copy)]
struct Shape {
    rows: usize,
    n: usize,
    /// Weight bytes per row (for tile sizing).
    rb: usize,
}

/// Bytes of weight rows a prefill job keeps hot while all activation rows
/// pass over them: well inside a 256 KiB–1 MiB L2.
const TILE_BYTES: usize = 64 * 1024;

/// Jobs per thread for load balance when threads > 1.
const JOBS_PER_THREAD: usize = 4;

/// Rows per job, and the job count.
fn plan(s: Shape, threads: usize) -> (usize, usize) {
    if s.rows == 0 || s.n == 0 {
        return (1, 0);
    }
    let mut jobs = if threads <= 1 {
        1
    } else {
        threads.saturating_mul(JOBS_PER_THREAD)
    };
    if s.n > 1 {
        let tile_rows = (TILE_BYTES / s.rb.max(1)).max(1);
        jobs = jobs.max(s.rows.div_ceil(tile_rows));
    }
    let chunk = s.rows.div_ceil(jobs.clamp(1, s.rows));
    (chunk, s.rows.div_ceil(chunk))
}

/// Mat-mul tile shape: activation rows × weight rows per [`TileFn`] call
/// (each weight block decoded once for 4 activation rows; 4 × 2 was the
/// fastest shape measured on AVX2, where 16 registers bound the tile).
const TILE_X: usize = 4;
const TILE_W: usize = 2;

/// Runs `dot` for every (activation row, weight row) pair, weight rows
/// split into jobs, or `tile` over blocks of pairs when the table has one.
/// `w` holds `rows` rows of equal length, `a` holds `n`.
fn run<W: Pod + Sync, A: Pod + Sync>(
    w: &[W],
    a: &[A],
    k: Kernels<W, A>,
    s: Shape,
    y: &mut [f32],
    exec: &dyn Executor,
) {
    let wpr = w.len().checked_div(s.rows).unwrap_or(0);
    let apr = a.len().checked_div(s.n).unwrap_or(0);
    // Tiles need whole blocks on both sides, one activation block per
    // weight block (true of every pairing that has tiles).
    let blocks = wpr == apr && wpr > 0;
    let (dot, tile, matvec) = (k.dot, k.tile, k.matvec);
    let tile = tile.filter(|_| blocks && s.n > 1);
    let matvec = matvec.filter(|_| blocks && s.n == 1);
    let (chunk, jobs) = plan(s, exec.threads());
    let out = Out::new(y);
    exec.for_each(jobs, &|job| {
        let r0 = job.saturating_mul(chunk).min(s.rows);
        let r1 = r0.saturating_add(chunk).min(s.rows);
        let Some(wchunk) = w.get(r0 * wpr..r1 * wpr) else {
            return;
        };
        if let Some(matvec) = matvec {
            // SAFETY: job `job` alone owns weight rows r0..r1, so it alone
            // writes y[r0..r1] (n = 1).
            matvec(wchunk, a, wpr, unsafe { out.slice(r0, r1) });
            return;
        }
        if let Some(tile) = tile {
            let (tx, tw) = (TILE_X, TILE_W);
            // Tiles of TILE_X activation rows × TILE_W weight rows, smaller
            // at the edges.
            let mut buf = [0f32; TILE_MAX * TILE_MAX];
            for (ib, xs) in a.chunks(apr * tx).enumerate() {
                let ri = xs.len() / apr;
                for (kb, ws) in wchunk.chunks(wpr * tw).enumerate() {
                    let cj = ws.len() / wpr;
                    tile(ws, xs, wpr, &mut buf);
                    for i in 0..ri {
                        for (j, &v) in buf.iter().skip(i * cj).take(cj).enumerate() {
                            // SAFETY: job `job` alone owns weight rows
                            // r0..r1, and r0 + kb·tw + j is one of them.
                            unsafe { out.set((ib * tx + i) * s.rows + r0 + kb * tw + j, v) };
                        }
                    }
                }
            }
            return;
        }
        for (i, xa) in a.chunks_exact(apr.max(1)).enumerate() {
            for (k, wr) in wchunk.chunks_exact(wpr.max(1)).enumerate() {
                // SAFETY: job `job` alone owns weight rows r0..r1, so index
                // i·rows + r0 + k is written by this job only.
                unsafe { out.set(i * s.rows + r0 + k, dot(wr, xa)) };
            }
        }
    });
}

/// `y`, shared by jobs that each write their own elements.
struct Out<'y> {
    ptr: *mut f32,
    len: usize,
    _y: PhantomData<&'y mut [f32]>,
}

// SAFETY: `Out` only hands out writes through `set`, whose contract makes
// every element written by at most one job; the `&mut` borrow it was made
// from keeps everyone else away from `y` for its lifetime.
unsafe impl Sync for Out<'_> {}

impl<'y> Out<'y> {
    fn new(y: &'y mut [f32]) -> Self {
        Out {
            ptr: y.as_mut_ptr(),
            len: y.len(),
            _y: PhantomData,
        }
    }

    /// `y[r0..r1]` (empty when out of range).
    ///
    /// # Safety
    /// No other thread may read or write those elements while the slice
    /// lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, r0: usize, r1: usize) -> &mut [f32] {
        if r0 <= r1 && r1 <= self.len {
            // SAFETY: in bounds, and exclusive by the caller's contract.
            unsafe { core::slice::from_raw_parts_mut(self.ptr.add(r0), r1 - r0) }
        } else {
            &mut []
        }
    }

    /// Writes `y[i]` (ignored when out of range).
    ///
    /// # Safety
    /// No other thread may read or write `y[i]` during the call.
    #[inline(always)]
    unsafe fn set(&self, i: usize, v: f32) {
        if i < self.len {
            // SAFETY: in bounds, and exclusive by the caller's contract.
            unsafe { self.ptr.add(i).write(v) };
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::exec::Serial;
    use crate::kernels::table::SCALAR;
    use std::boxed::Box;

    /// A small deterministic generator (tests only).
    fn values(n: usize, seed: u32) -> impl Iterator<Item = f32> {
        let mut s = seed.wrapping_mul(747796405).wrapping_add(2891336453);
        (0..n).map(move |_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
    }

    #[test]
    fn matmul_equals_per_row_dot_for_every_weight_type() -> Result<(), Box<dyn core::error::Error>>
    {
        use GgmlType::*;
        let (rows, cols, n) = (5, 512, 3);
        let wf: std::vec::Vec<f32> = values(rows * cols, 1).collect();
        let x: std::vec::Vec<f32> = values(n * cols, 2).collect();
        for ty in [Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K, F16, BF16, F32] {
            let rb = ty.row_bytes(cols).ok_or("row")?;
            let mut wq = std::vec![0u8; rb * rows];
            quant::quantize(ty, &wf, &mut wq)?;
            let w = QMatrix {
                ty,
                rows,
                cols,
                data: &wq,
            };
            let mut scratch = std::vec![0u8; activation_scratch_bytes(ty, n, cols)];
            let mut y = std::vec![0f32; n * rows];
            matmul_with(&SCALAR, &w, &x, &mut y, &mut scratch, &Serial)?;
            // Each output is exactly the table's dot product of that weight
            // row with that activation row, quantized the same way.
            let act = activation_type(ty).ok_or("act")?;
            for i in 0..n {
                let xi = &x[i * cols..(i + 1) * cols];
                let mut q = std::vec![0u8; act.row_bytes(cols).ok_or("row")?];
                if act != F32 {
                    quant::quantize(act, xi, &mut q)?;
                }
                for r in 0..rows {
                    let wr = w.row(r).ok_or("row")?;
                    let want = match ty {
                        Q8_0 => {
                            (SCALAR.q8_0_q8_0)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q4_0 => {
                            (SCALAR.q4_0_q8_0)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q4_1 => {
                            (SCALAR.q4_1_q8_1)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q5_0 => {
                            (SCALAR.q5_0_q8_0)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q5_1 => {
                            (SCALAR.q5_1_q8_1)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q4_K => {
                            (SCALAR.q4_k_q8_k)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        Q6_K => {
                            (SCALAR.q6_k_q8_k)(bytemuck::cast_slice(wr), bytemuck::cast_slice(&q))
                        }
                        F16 => (SCALAR.f16_f32)(bytemuck::cast_slice(wr), xi),
                        BF16 => (SCALAR.bf16_f32)(bytemuck::cast_slice(wr), xi),
                        _ => (SCALAR.f32_f32)(bytemuck::cast_slice(wr), xi),
                    };
                    assert_eq!(
                        y[i * rows + r].to_bits(),
                        want.to_bits(),
                        "{ty} row {r} act {i}"
                    );
                }
            }
        }
        Ok(())
    }

    #[test]
    fn matmul_rejects_bad_shapes() {
        let data = [0u8; 34 * 2];
        let w = QMatrix {
            ty: GgmlType::Q8_0,
            rows: 2,
            cols: 32,
            data: &data,
        };
        let mut y = [0f32; 2];
        let mut s = [0u8; 34];
        assert!(matmul(&w, &[0.0; 32], &mut y, &mut s, &Serial).is_ok());
        assert!(matches!(
            matmul(&w, &[0.0; 31], &mut y, &mut s, &Serial),
            Err(Error::SizeMismatch { what: "x", .. })
        ));
        assert!(matches!(
            matmul(&w, &[0.0; 32], &mut y, &mut s[..10], &Serial),
            Err(Error::ScratchTooSmall { .. })
        ));
        let w2 = QMatrix { cols: 31, ..w };
        assert!(matches!(
            matmul(&w2, &[0.0; 31], &mut y, &mut s, &Serial),
            Err(Error::NotBlockMultiple { .. })
        ));
        let w3 = QMatrix {
            ty: GgmlType::IQ2_XS,
            ..w
        };
        assert!(matches!(
            matmul(&w3, &[0.0; 32], &mut y, &mut s, &Serial),
            Err(Error::UnsupportedType(_))
        ));
    }
}
