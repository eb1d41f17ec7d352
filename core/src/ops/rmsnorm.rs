//! RMS normalization as ggml computes it (`ggml_rms_norm` followed by the
//! element-wise weight multiply LLaMA applies).

/// `y[i] = x[i] / sqrt(mean(x²) + eps) * w[i]`, in place on `x`.
///
/// The sum of squares is accumulated in `f64` like ggml's `ggml_float`, so
/// the scale matches llama.cpp's to the last bit for the same input. Works
/// on the common length of `x` and `w`; the model checks shapes at load.
pub fn rmsnorm(x: &mut [f32], w: &[f32], eps: f32) {
    let n = x.len().min(w.len());
    if n == 0 {
        return;
    }
    let x = &mut x[..n];
    let sum: f64 = x.iter().map(|&v| f64::from(v * v)).sum();
    let mean = (sum / n as f64) as f32;
    let scale = 1.0 / libm::sqrtf(mean + eps);
    for (v, &g) in x.iter_mut().zip(w) {
        *v = *v * scale * g;
    }
}

/// [`rmsnorm`] from `x` into `out` (same length), leaving `x` untouched.
pub fn rmsnorm_into(out: &mut [f32], x: &[f32], w: &[f32], eps: f32) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v;
    }
    let n = out.len().min(x.len());
    rmsnorm(&mut out[..n], w, eps);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_has_unit_rms_before_weights() {
        let mut x = [1.0f32, -2.0, 3.0, 0.5, 7.0];
        let w = [1.0f32; 5];
        rmsnorm(&mut x, &w, 0.0);
        let rms = (x.iter().map(|v| v * v).sum::<f32>() / 5.0).sqrt();
        assert!((rms - 1.0).abs() < 1e-6, "rms {rms}");
    }

    #[test]
    fn matches_f64_reference_with_weights_and_eps() {
        let x0: [f32; 6] = [0.3, -1.25, 2.5, 0.0, -0.75, 4.0];
        let w: [f32; 6] = [0.5, 1.5, -1.0, 2.0, 0.25, 1.0];
        let eps = 1e-5f32;
        let mut x = x0;
        rmsnorm(&mut x, &w, eps);
        let ms: f64 = x0.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / 6.0;
        let s = 1.0 / (ms + eps as f64).sqrt();
        for i in 0..6 {
            let r = x0[i] as f64 * s * w[i] as f64;
            assert!((x[i] as f64 - r).abs() < 1e-6 * r.abs().max(1.0), "{i}");
        }
        let mut y = [0.0f32; 6];
        rmsnorm_into(&mut y, &x0, &w, eps);
        assert_eq!(x, y);
    }
}
