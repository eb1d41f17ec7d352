//! Layer normalization (Ba et al. 2016), as `torch.nn.LayerNorm` computes it:
//! `y = (x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance.

/// Normalizes one row in place.
///
/// `weight` and `bias` have the row's length (the model checks shapes when
/// it loads; a shorter slice only touches that many values).
pub fn layernorm(x: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
    let n = x.len();
    if n == 0 {
        return;
    }
    let inv_n = 1.0 / n as f32;
    let mean = x.iter().sum::<f32>() * inv_n;
    // Two passes (mean, then squared deviations) rather than E[x²] - mean²:
    // the one-pass form cancels badly when the mean is large.
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() * inv_n;
    let inv_std = 1.0 / libm::sqrtf(var + eps);
    for ((v, w), b) in x.iter_mut().zip(weight).zip(bias) {
        *v = (*v - mean) * inv_std * w + b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(x: &[f32], w: &[f32], b: &[f32], eps: f64) -> std::vec::Vec<f64> {
        let n = x.len() as f64;
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        x.iter()
            .zip(w)
            .zip(b)
            .map(|((&v, &w), &b)| (v as f64 - mean) / (var + eps).sqrt() * w as f64 + b as f64)
            .collect()
    }

    extern crate std;

    #[test]
    fn matches_f64_reference() {
        for &n in &[1usize, 2, 7, 384, 1000] {
            let x: std::vec::Vec<f32> = (0..n)
                .map(|i| libm::sinf(i as f32 * 0.37) * 3.0 + 100.0)
                .collect();
            let w: std::vec::Vec<f32> = (0..n).map(|i| 0.5 + (i % 5) as f32 * 0.1).collect();
            let b: std::vec::Vec<f32> = (0..n).map(|i| (i % 3) as f32 * 0.01).collect();
            let want = reference(&x, &w, &b, 1e-12);
            let mut got = x.clone();
            layernorm(&mut got, &w, &b, 1e-12);
            for (g, r) in got.iter().zip(&want) {
                assert!((*g as f64 - r).abs() < 1e-4, "n={n}: {g} vs {r}");
            }
        }
    }

    #[test]
    fn constant_row_gives_bias() {
        let mut x = [5.0f32; 8];
        let w = [2.0f32; 8];
        let b = [0.25f32; 8];
        layernorm(&mut x, &w, &b, 1e-5);
        assert!(x.iter().all(|&v| v == 0.25));
        layernorm(&mut [], &[], &[], 1e-5);
    }
}
