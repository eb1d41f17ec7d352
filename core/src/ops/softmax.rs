//! Numerically stable softmax: the row's maximum is subtracted before
//! exponentiating so no `exp` overflows, which leaves the result unchanged.

/// Replaces `x` with `softmax(x)` in place. An empty slice stays empty;
/// a row of `-inf` (everything masked) becomes all zeros rather than NaN.
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        x.fill(0.0);
        return;
    }
    let mut sum = 0.0f32;
    for v in x.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    // sum >= 1 because the maximum contributes exp(0) = 1.
    let inv = 1.0 / sum;
    for v in x.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_f64_reference() {
        let mut x: [f32; 157] = core::array::from_fn(|i| libm::sinf(i as f32) * 20.0 + 500.0);
        let max = x
            .iter()
            .map(|&v| v as f64)
            .fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = x.iter().map(|&v| libm::exp(v as f64 - max)).sum();
        let want: [f64; 157] = core::array::from_fn(|i| libm::exp(x[i] as f64 - max) / sum);
        softmax(&mut x);
        for (g, w) in x.iter().zip(want.iter()) {
            assert!((*g as f64 - w).abs() < 1e-6, "{g} vs {w}");
        }
        let total: f32 = x.iter().sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn masked_and_empty_rows() {
        let mut x = [1.0, f32::NEG_INFINITY, 1.0];
        softmax(&mut x);
        assert_eq!(x, [0.5, 0.0, 0.5]);
        let mut all_masked = [f32::NEG_INFINITY; 4];
        softmax(&mut all_masked);
        assert_eq!(all_masked, [0.0; 4]);
        softmax(&mut []);
    }
}
