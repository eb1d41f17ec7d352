//! Sentence pooling: turning one hidden state per token into one vector
//! per sentence, as sentence-transformers' `Pooling` module does.

/// Mean of the rows of `hidden` (`n_tokens × dim`, row-major) whose `mask`
/// value is non-zero, written to `out` (`dim`). Rows past the end of `mask`
/// count as masked. With no row selected `out` is all zeros, as
/// sentence-transformers clamps the token count to at least 1e-9.
pub fn mean_pool(hidden: &[f32], mask: &[u8], out: &mut [f32]) {
    let dim = out.len();
    out.fill(0.0);
    if dim == 0 {
        return;
    }
    let mut count = 0usize;
    for (row, &m) in hidden.chunks_exact(dim).zip(mask) {
        if m != 0 {
            count += 1;
            for (o, v) in out.iter_mut().zip(row) {
                *o += v;
            }
        }
    }
    if count > 0 {
        let inv = 1.0 / count as f32;
        for o in out.iter_mut() {
            *o *= inv;
        }
    }
}

/// The first token's hidden state (`[CLS]`): `hidden` is `n_tokens × dim`,
/// `out` is `dim`. With no token at all `out` is zeros.
pub fn cls_pool(hidden: &[f32], out: &mut [f32]) {
    match hidden.get(..out.len()) {
        Some(first) => out.copy_from_slice(first),
        None => out.fill(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_skips_masked_rows() {
        // 3 tokens × 2 dims; the middle one is padding.
        let hidden = [1.0, 2.0, 100.0, 100.0, 3.0, 6.0];
        let mut out = [0.0; 2];
        mean_pool(&hidden, &[1, 0, 1], &mut out);
        assert_eq!(out, [2.0, 4.0]);
        mean_pool(&hidden, &[0, 0, 0], &mut out);
        assert_eq!(out, [0.0, 0.0]);
    }

    #[test]
    fn mean_matches_f64_reference() {
        let hidden: [f32; 5 * 7] = core::array::from_fn(|i| libm::cosf(i as f32) * 3.0);
        let mask = [1u8, 1, 0, 1, 1];
        let mut out = [0.0f32; 7];
        mean_pool(&hidden, &mask, &mut out);
        for (d, o) in out.iter().enumerate() {
            let want: f64 = [0usize, 1, 3, 4]
                .iter()
                .map(|&t| hidden[t * 7 + d] as f64)
                .sum::<f64>()
                / 4.0;
            assert!((*o as f64 - want).abs() < 1e-6);
        }
    }

    #[test]
    fn cls_takes_first_row() {
        let hidden = [1.0, 2.0, 3.0, 4.0];
        let mut out = [0.0; 2];
        cls_pool(&hidden, &mut out);
        assert_eq!(out, [1.0, 2.0]);
        cls_pool(&[], &mut out);
        assert_eq!(out, [0.0, 0.0]);
    }
}
