//! Rotary position embedding, as ggml's `ggml_rope` computes it.
//!
//! For pair `i` of the first `n_dims` dimensions of a head, the angle at
//! position `pos` is `theta_i = pos * base^(-2i/n_dims)`. ggml builds the
//! angles by repeated multiplication in `f32` (`theta *= theta_scale`), and
//! so does [`Rope::cos_sin`], so the rounding matches llama.cpp's.
//!
//! Two layouts pair the dimensions differently:
//! - [`RopeLayout::Normal`] rotates adjacent pairs `(2i, 2i+1)`; this is what
//!   LLaMA GGUF files use (llama.cpp's converter permutes Q/K rows for it).
//! - [`RopeLayout::NeoX`] rotates `(i, i + n_dims/2)` (GPT-NeoX, Qwen2, ...).
//!
//! Dimensions past `n_dims` in a head pass through unchanged.

/// Which dimensions of a head form a rotated pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RopeLayout {
    /// Adjacent pairs `(2i, 2i+1)` (ggml mode 0).
    Normal,
    /// Halves `(i, i + n_dims/2)` (ggml mode 2, `GGML_ROPE_TYPE_NEOX`).
    NeoX,
}

/// RoPE parameters for one model.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rope {
    /// Rotated dimensions per head (even; at most the head size).
    pub n_dims: usize,
    /// `base^(-2/n_dims)`: the ratio between consecutive pair frequencies.
    pub theta_scale: f32,
    /// How dimensions are paired.
    pub layout: RopeLayout,
}

impl Rope {
    /// RoPE over `n_dims` dimensions with frequency base `base`.
    pub fn new(n_dims: usize, base: f32, layout: RopeLayout) -> Self {
        let theta_scale = if n_dims == 0 {
            1.0
        } else {
            libm::powf(base, -2.0 / n_dims as f32)
        };
        Rope {
            n_dims,
            theta_scale,
            layout,
        }
    }

    /// Fills `cs` (length `n_dims`) with `(cos θ_i, sin θ_i)` pairs for
    /// position `pos`: `cs[2i] = cos`, `cs[2i+1] = sin`.
    pub fn cos_sin(&self, pos: usize, cs: &mut [f32]) {
        let mut theta = pos as f32;
        for pair in cs.chunks_exact_mut(2).take(self.n_dims / 2) {
            pair[0] = libm::cosf(theta);
            pair[1] = libm::sinf(theta);
            theta *= self.theta_scale;
        }
    }

    /// Rotates one head `x` (its length is the head size) by the angles in
    /// `cs` (from [`Rope::cos_sin`]). Pairs that do not fit are left alone.
    pub fn apply(&self, x: &mut [f32], cs: &[f32]) {
        let n_dims = self.n_dims.min(x.len()) & !1;
        let x = &mut x[..n_dims];
        match self.layout {
            RopeLayout::Normal => {
                for (p, c) in x.chunks_exact_mut(2).zip(cs.chunks_exact(2)) {
                    let (x0, x1) = (p[0], p[1]);
                    p[0] = x0 * c[0] - x1 * c[1];
                    p[1] = x0 * c[1] + x1 * c[0];
                }
            }
            RopeLayout::NeoX => {
                let (lo, hi) = x.split_at_mut(n_dims / 2);
                for ((a, b), c) in lo.iter_mut().zip(hi.iter_mut()).zip(cs.chunks_exact(2)) {
                    let (x0, x1) = (*a, *b);
                    *a = x0 * c[0] - x1 * c[1];
                    *b = x0 * c[1] + x1 * c[0];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(x: &[f32], pos: usize, n_dims: usize, base: f64, neox: bool) -> [f64; 8] {
        let mut out = [0.0f64; 8];
        for (o, &v) in out.iter_mut().zip(x) {
            *o = v as f64;
        }
        for i in 0..n_dims / 2 {
            let theta = pos as f64 * base.powf(-2.0 * i as f64 / n_dims as f64);
            let (a, b) = if neox {
                (i, i + n_dims / 2)
            } else {
                (2 * i, 2 * i + 1)
            };
            let (x0, x1) = (x[a] as f64, x[b] as f64);
            out[a] = x0 * theta.cos() - x1 * theta.sin();
            out[b] = x0 * theta.sin() + x1 * theta.cos();
        }
        out
    }

    #[test]
    fn both_layouts_match_the_closed_form() {
        let x0 = [0.5f32, -1.0, 2.0, 0.25, -0.75, 1.5, 3.0, -2.0];
        for &(layout, neox) in &[(RopeLayout::Normal, false), (RopeLayout::NeoX, true)] {
            // Rotate 6 of 8 dims: the last two pass through.
            let rope = Rope::new(6, 10000.0, layout);
            for &pos in &[0usize, 1, 7, 100] {
                let mut cs = [0.0f32; 6];
                rope.cos_sin(pos, &mut cs);
                let mut x = x0;
                rope.apply(&mut x, &cs);
                let r = reference(&x0, pos, 6, 10000.0, neox);
                for i in 0..8 {
                    assert!(
                        (x[i] as f64 - r[i]).abs() < 2e-4,
                        "{layout:?} pos {pos} dim {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn rotation_preserves_pair_norms_and_relative_angle() {
        // q·k after rotation depends only on the position difference.
        let rope = Rope::new(8, 100000.0, RopeLayout::Normal);
        let q0 = [0.3f32, 0.1, -0.2, 0.9, 0.5, -0.4, 0.7, 0.2];
        let k0 = [-0.6f32, 0.2, 0.8, 0.1, -0.3, 0.5, 0.05, 0.4];
        let dot_at = |pq: usize, pk: usize| {
            let (mut q, mut k) = (q0, k0);
            let mut cs = [0.0f32; 8];
            rope.cos_sin(pq, &mut cs);
            rope.apply(&mut q, &cs);
            rope.cos_sin(pk, &mut cs);
            rope.apply(&mut k, &cs);
            q.iter().zip(&k).map(|(a, b)| a * b).sum::<f32>()
        };
        assert!((dot_at(5, 3) - dot_at(12, 10)).abs() < 1e-4);
        assert!((dot_at(5, 3) - dot_at(5, 4)).abs() > 1e-3);
    }
}
