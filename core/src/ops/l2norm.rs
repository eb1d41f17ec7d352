//! L2 normalization, as `torch.nn.functional.normalize(p=2)` does it:
//! `x / max(||x||, eps)` so an all-zero vector stays zero instead of NaN.

/// The smallest norm divided by, `torch.nn.functional.normalize`'s default.
pub const L2_EPS: f32 = 1e-12;

/// Scales `x` in place to unit Euclidean length.
pub fn l2_normalize(x: &mut [f32]) {
    // Accumulate in f64: the sum of squares of a few hundred values is where
    // f32 rounding would show up first in a cosine comparison.
    let sum: f64 = x.iter().map(|&v| v as f64 * v as f64).sum();
    let norm = libm::sqrt(sum) as f32;
    let inv = 1.0 / norm.max(L2_EPS);
    for v in x.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_length_and_direction() {
        let mut x = [3.0f32, -4.0, 0.0];
        l2_normalize(&mut x);
        assert_eq!(x, [0.6, -0.8, 0.0]);
        let mut y: [f32; 384] = core::array::from_fn(|i| libm::sinf(i as f32 * 0.1));
        let orig = y;
        l2_normalize(&mut y);
        let len: f64 = y.iter().map(|&v| (v as f64).powi(2)).sum();
        assert!((len - 1.0).abs() < 1e-6);
        let norm: f64 = orig.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
        for (a, b) in y.iter().zip(orig.iter()) {
            assert!((*a as f64 - *b as f64 / norm).abs() < 1e-7);
        }
    }

    #[test]
    fn zero_stays_zero() {
        let mut z = [0.0f32; 4];
        l2_normalize(&mut z);
        assert_eq!(z, [0.0; 4]);
    }
}
