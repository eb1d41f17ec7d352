//! Hyperbolic tangent over a slice: the activation of BERT's pooler
//! (`BertPooler`: dense layer over `[CLS]`, then tanh).

/// Applies `tanh` to every value in place.
pub fn tanh_in_place(x: &mut [f32]) {
    for v in x {
        *v = libm::tanhf(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_f64_reference() {
        let mut x: [f32; 401] = core::array::from_fn(|i| (i as f32 - 200.0) * 0.05);
        let want: [f64; 401] = core::array::from_fn(|i| libm::tanh(x[i] as f64));
        tanh_in_place(&mut x);
        for (g, w) in x.iter().zip(want.iter()) {
            assert!((*g as f64 - w).abs() < 1e-6);
        }
    }
}
