//! Kernel throughput: single-thread mat-vec in GB/s of weight bytes over a
//! matrix far larger than the last-level cache, next to a STREAM-style read
//! bandwidth measured in the same run, and mat-mul GOP/s for 128 activation
//! rows. Run with the `std` feature so the SIMD table is detected:
//!
//!     cargo bench -p mote-core --features std --bench kernels
//!
//! `MOTE_BENCH_WEIGHT_MIB` sets the mat-vec weight size (default 96 MiB).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mote_core::exec::Serial;
use mote_core::kernels::{
    activation_scratch_bytes, available, matmul_with, scalar_table, KernelTable, QMatrix,
};
use mote_core::GgmlType;

const FORMATS: [GgmlType; 10] = {
    use GgmlType::*;
    [Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K, F16, BF16, F32]
};

/// xorshift bytes (deterministic).
fn fill(buf: &mut [u8], mut s: u64) {
    for b in buf.iter_mut() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        *b = (s >> 24) as u8;
    }
}

/// Random weights of type `ty` with sane scales (random bytes elsewhere).
fn weights(ty: GgmlType, rows: usize, cols: usize) -> Vec<u8> {
    let rb = ty.row_bytes(cols).unwrap();
    let mut w = vec![0u8; rb * rows];
    fill(&mut w, 0x9e37_79b9_7f4a_7c15);
    let h = |v: f32| half::f16::from_f32(v).to_bits().to_le_bytes();
    let bs = ty.type_size();
    use GgmlType::*;
    match ty {
        F32 => {
            for c in w.chunks_exact_mut(4) {
                let v = (c[0] as f32 - 128.0) / 256.0;
                c.copy_from_slice(&v.to_le_bytes());
            }
        }
        F16 => {
            for c in w.chunks_exact_mut(2) {
                c.copy_from_slice(&h((c[0] as f32 - 128.0) / 256.0));
            }
        }
        BF16 => {
            for c in w.chunks_exact_mut(2) {
                c[1] = 0x3c | (c[1] & 0x80);
            }
        }
        Q6_K => {
            for b in w.chunks_exact_mut(bs) {
                b[208..210].copy_from_slice(&h(0.001));
            }
        }
        Q4_K => {
            for b in w.chunks_exact_mut(bs) {
                b[0..2].copy_from_slice(&h(0.001));
                b[2..4].copy_from_slice(&h(0.001));
            }
        }
        Q4_1 | Q5_1 => {
            for b in w.chunks_exact_mut(bs) {
                b[0..2].copy_from_slice(&h(0.01));
                b[2..4].copy_from_slice(&h(-0.1));
            }
        }
        _ => {
            for b in w.chunks_exact_mut(bs) {
                b[0..2].copy_from_slice(&h(0.01));
            }
        }
    }
    w
}

fn activations(n: usize) -> Vec<f32> {
    let mut b = vec![0u8; n];
    fill(&mut b, 42);
    b.iter().map(|&v| (v as f32 - 128.0) / 64.0).collect()
}

/// STREAM-style read: sum every u64 of `buf` (8 independent accumulators,
/// which the compiler vectorizes), so the loop is bound by memory reads.
fn read_all(buf: &[u64]) -> u64 {
    let mut acc = [0u64; 8];
    for c in buf.chunks_exact(8) {
        for (a, v) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(*v);
        }
    }
    acc.iter().fold(0, |a, b| a.wrapping_add(*b))
}

fn tables() -> Vec<&'static KernelTable> {
    let mut t = vec![scalar_table()];
    if let Some(best) = available().last() {
        if best.isa != scalar_table().isa {
            t.push(best);
        }
    }
    t
}

fn matvec(c: &mut Criterion) {
    let mib: usize = std::env::var("MOTE_BENCH_WEIGHT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96);
    let bytes = mib << 20;
    let mut g = c.benchmark_group("read_bandwidth");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    let buf: Vec<u64> = (0..bytes / 8).map(|i| i as u64).collect();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(format!("{mib}MiB"), |b| {
        b.iter(|| black_box(read_all(black_box(&buf))))
    });
    g.finish();
    drop(buf);

    let cols = 4096;
    let mut g = c.benchmark_group("matvec_1thread");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    let x = activations(cols);
    for ty in FORMATS {
        let rows = bytes / ty.row_bytes(cols).unwrap();
        let w = weights(ty, rows, cols);
        // f32 weights need 4-byte alignment: a Vec<u8> gives at least 8.
        let m = QMatrix {
            ty,
            rows,
            cols,
            data: &w,
        };
        let mut y = vec![0f32; rows];
        let mut scratch = vec![0u8; activation_scratch_bytes(ty, 1, cols)];
        g.throughput(Throughput::Bytes(w.len() as u64));
        for t in tables() {
            g.bench_with_input(BenchmarkId::new(ty.name(), t.isa.name()), &m, |b, m| {
                b.iter(|| matmul_with(t, m, &x, &mut y, &mut scratch, &Serial).unwrap())
            });
        }
    }
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let (rows, cols, n) = (1024, 4096, 128);
    let mut g = c.benchmark_group("matmul_128rows_1thread");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    let x = activations(n * cols);
    // Throughput in elements = multiply-adds·2 = operations.
    g.throughput(Throughput::Elements((2 * rows * cols * n) as u64));
    for ty in FORMATS {
        let w = weights(ty, rows, cols);
        let m = QMatrix {
            ty,
            rows,
            cols,
            data: &w,
        };
        let mut y = vec![0f32; rows * n];
        let mut scratch = vec![0u8; activation_scratch_bytes(ty, n, cols)];
        let t = available().last().unwrap();
        g.bench_with_input(BenchmarkId::new(ty.name(), t.isa.name()), &m, |b, m| {
            b.iter(|| matmul_with(t, m, &x, &mut y, &mut scratch, &Serial).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, matvec, matmul);
criterion_main!(benches);
