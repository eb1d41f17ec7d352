//! GELU in its exact (erf) form, as `torch.nn.functional.gelu` computes it
//! by default and as BERT was trained: `0.5 * x * (1 + erf(x / sqrt(2)))`.

use core::f32::consts::FRAC_1_SQRT_2;

/// GELU of one value.
#[inline]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * FRAC_1_SQRT_2))
}

/// Applies GELU to every value in place.
pub fn gelu_in_place(x: &mut [f32]) {
    for v in x {
        *v = gelu(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_f64_reference() {
        let mut x = [0f32; 2001];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as f32 - 1000.0) * 0.01;
        }
        let want: [f64; 2001] = core::array::from_fn(|i| {
            let v = x[i] as f64;
            0.5 * v * (1.0 + libm::erf(v / core::f64::consts::SQRT_2))
        });
        gelu_in_place(&mut x);
        for (g, w) in x.iter().zip(want.iter()) {
            assert!((*g as f64 - w).abs() < 1e-6 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }

    #[test]
    fn known_points() {
        assert_eq!(gelu(0.0), 0.0);
        // Large inputs pass through, large negative ones vanish.
        assert!((gelu(10.0) - 10.0).abs() < 1e-6);
        assert!(gelu(-10.0).abs() < 1e-6);
    }
}
