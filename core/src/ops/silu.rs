//! SiLU and the SwiGLU gate LLaMA's feed-forward uses.

/// `silu(x) = x * sigmoid(x)`, written as ggml writes it: `x / (1 + e^-x)`.
#[inline]
pub fn silu(x: f32) -> f32 {
    x / (1.0 + libm::expf(-x))
}

/// SwiGLU in place: `gate[i] = silu(gate[i]) * up[i]` over the common length.
pub fn swiglu(gate: &mut [f32], up: &[f32]) {
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = silu(*g) * u;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silu_properties() {
        assert_eq!(silu(0.0), 0.0);
        // silu(x) - silu(-x) = x for every x (sigmoid(x) + sigmoid(-x) = 1).
        for &x in &[0.1f32, 1.0, 3.5, 10.0] {
            assert!((silu(x) - silu(-x) - x).abs() < 1e-5, "{x}");
        }
        // Large negative inputs go to zero without NaN.
        assert_eq!(silu(-200.0), -0.0);
        assert!((silu(200.0) - 200.0).abs() < 1e-3);
    }

    #[test]
    fn swiglu_is_silu_times_up() {
        let mut g = [-1.0f32, 0.5, 2.0];
        let u = [2.0f32, -3.0, 0.25];
        let want: [f32; 3] = core::array::from_fn(|i| silu(g[i]) * u[i]);
        swiglu(&mut g, &u);
        assert_eq!(g, want);
    }
}
