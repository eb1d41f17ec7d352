//! `kernels::matmul` on the host thread pool gives exactly the serial
//! result (rows are split between jobs, never a single dot product), for
//! mat-vec and mat-mul, every weight format.

use mote_core::exec::Serial;
use mote_core::kernels::{activation_scratch_bytes, matmul, QMatrix};
use mote_core::{quant, GgmlType};
use mote_host::pool::ThreadPool;

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn pooled_matmul_equals_serial() {
    use GgmlType::*;
    let pools = [ThreadPool::new(2).unwrap(), ThreadPool::new(3).unwrap()];
    let (rows, cols) = (67, 512);
    for ty in [Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K, F16, BF16, F32] {
        let wf = values(rows * cols, 1);
        let mut w = vec![0u8; ty.row_bytes(cols).unwrap() * rows];
        quant::quantize(ty, &wf, &mut w).unwrap();
        // F32 weights must be 4-byte aligned: copy into f32 storage.
        let wa: Vec<f32> = w
            .chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], *c.get(3).unwrap_or(&0)]))
            .collect();
        let data: &[u8] = if ty == F32 {
            bytemuck::cast_slice(&wa)
        } else {
            &w
        };
        let m = QMatrix {
            ty,
            rows,
            cols,
            data,
        };
        for n in [1usize, 5, 33] {
            let x = values(n * cols, n as u64 + 9);
            let mut scratch = vec![0u8; activation_scratch_bytes(ty, n, cols)];
            let mut want = vec![0f32; n * rows];
            matmul(&m, &x, &mut want, &mut scratch, &Serial).unwrap();
            for p in &pools {
                let mut got = vec![f32::NAN; n * rows];
                matmul(&m, &x, &mut got, &mut scratch, p).unwrap();
                let same = got
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(
                    same,
                    "{ty} n={n} threads={}",
                    mote_core::exec::Executor::threads(p)
                );
            }
        }
    }
}
