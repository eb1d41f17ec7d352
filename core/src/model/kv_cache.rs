//! The key/value cache: every layer's keys and values for every position
//! so far, stored as f16 like llama.cpp's default cache, in the arena.
//!
//! Attention reads a layer's window back as f32 ([`KvCache::load`]) once per
//! forward call, so the grouped query heads that share a key head do not
//! each convert it again.

use crate::arena::{bytes_for, Arena, ArenaFull};

/// Keys and values of `n_layer` layers for up to `max_ctx` positions.
pub struct KvCache<'m> {
    /// (n_layer, max_ctx, kv_dim) f16 bits: keys after RoPE.
    k: &'m mut [u16],
    /// (n_layer, max_ctx, kv_dim) f16 bits: values.
    v: &'m mut [u16],
    max_ctx: usize,
    kv_dim: usize,
}

impl<'m> KvCache<'m> {
    /// Arena bytes a cache of this size takes (`None` on overflow).
    pub fn bytes(n_layer: usize, max_ctx: usize, kv_dim: usize) -> Option<usize> {
        let n = n_layer.checked_mul(max_ctx)?.checked_mul(kv_dim)?;
        bytes_for::<u16>(n)?.checked_mul(2)
    }

    /// Carves the cache out of `arena`.
    pub fn new(
        arena: &mut Arena<'m>,
        n_layer: usize,
        max_ctx: usize,
        kv_dim: usize,
    ) -> Result<Self, ArenaFull> {
        let n = n_layer
            .checked_mul(max_ctx)
            .and_then(|x| x.checked_mul(kv_dim))
            .ok_or(ArenaFull {
                needed: usize::MAX,
                left: arena.remaining(),
            })?;
        Ok(KvCache {
            k: arena.take(n)?,
            v: arena.take(n)?,
            max_ctx,
            kv_dim,
        })
    }

    /// Positions the cache can hold.
    pub fn max_ctx(&self) -> usize {
        self.max_ctx
    }

    /// Stores the keys and values of consecutive positions starting at
    /// `pos` in layer `layer`: `k` and `v` are (n, kv_dim). Rows that fall
    /// outside the cache are dropped (the model checks the context first).
    pub fn store(&mut self, layer: usize, pos: usize, k: &[f32], v: &[f32]) {
        let Some(start) = self.offset(layer, pos) else {
            return;
        };
        let end = self.offset(layer, self.max_ctx).unwrap_or(start);
        if let Some(dst) = self.k.get_mut(start..end) {
            for (d, &s) in dst.iter_mut().zip(k) {
                *d = half::f16::from_f32(s).to_bits();
            }
        }
        if let Some(dst) = self.v.get_mut(start..end) {
            for (d, &s) in dst.iter_mut().zip(v) {
                *d = half::f16::from_f32(s).to_bits();
            }
        }
    }

    /// Converts positions `0..n_pos` of layer `layer` to f32 into `k` and
    /// `v` (each at least n_pos × kv_dim).
    pub fn load(&self, layer: usize, n_pos: usize, k: &mut [f32], v: &mut [f32]) {
        let (Some(start), Some(end)) = (self.offset(layer, 0), self.offset(layer, n_pos)) else {
            return;
        };
        if let (Some(src), Some(dst)) = (self.k.get(start..end), k.get_mut(..end - start)) {
            f16_to_f32_slice(src, dst);
        }
        if let (Some(src), Some(dst)) = (self.v.get(start..end), v.get_mut(..end - start)) {
            f16_to_f32_slice(src, dst);
        }
    }

    /// Element offset of (layer, pos, 0), if inside the cache.
    fn offset(&self, layer: usize, pos: usize) -> Option<usize> {
        if pos > self.max_ctx {
            return None;
        }
        let o = layer
            .checked_mul(self.max_ctx)?
            .checked_add(pos)?
            .checked_mul(self.kv_dim)?;
        (o <= self.k.len()).then_some(o)
    }
}

/// f16 bits to f32, branch-free so the loop vectorizes: shifting the
/// exponent and mantissa into f32 position and multiplying by 2^112
/// rebiases normals and normalizes subnormals in one step (F. Giesen's
/// `half_to_float_fast`); infinities and NaNs get their exponent forced.
#[inline(always)]
pub fn f16_to_f32(h: u16) -> f32 {
    let h = u32::from(h);
    let em = h & 0x7fff;
    let scaled = f32::from_bits(em << 13) * f32::from_bits(0x7780_0000);
    let inf_nan = if em >= 0x7c00 { 0x7f80_0000 } else { 0 };
    f32::from_bits(scaled.to_bits() | inf_nan | ((h & 0x8000) << 16))
}

/// [`f16_to_f32`] over a slice (common length).
pub fn f16_to_f32_slice(src: &[u16], dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f16_to_f32(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f16_conversion_is_exact_for_every_value() {
        for bits in 0..=u16::MAX {
            let want = half::f16::from_bits(bits).to_f32();
            let got = f16_to_f32(bits);
            if want.is_nan() {
                assert!(got.is_nan(), "{bits:#06x}");
            } else {
                assert_eq!(got.to_bits(), want.to_bits(), "{bits:#06x}");
            }
        }
    }

    #[test]
    fn store_then_load_rounds_to_f16_per_layer() -> Result<(), ArenaFull> {
        let (n_layer, max_ctx, kv_dim) = (2, 4, 3);
        let mut buf = [0u8; 1024];
        assert!(KvCache::bytes(n_layer, max_ctx, kv_dim).is_some_and(|b| b <= 1024 - 64));
        let mut arena = Arena::new(&mut buf);
        let mut c = KvCache::new(&mut arena, n_layer, max_ctx, kv_dim)?;
        let k = [1.0f32, 0.1, -3.5, 2.0, 1e-3, 65504.0];
        let v = [0.5f32, -0.25, 7.0, 1.0 / 3.0, 100.0, -0.0];
        c.store(1, 1, &k, &v);
        c.store(0, 0, &[9.0; 3], &[8.0; 3]);
        let (mut kf, mut vf) = ([0.0f32; 9], [0.0f32; 9]);
        c.load(1, 3, &mut kf, &mut vf);
        assert_eq!(&kf[..3], &[0.0; 3]);
        for i in 0..6 {
            assert_eq!(kf[3 + i], half::f16::from_f32(k[i]).to_f32());
            assert_eq!(vf[3 + i], half::f16::from_f32(v[i]).to_f32());
        }
        // Writes past the end are dropped, not a panic.
        c.store(1, 4, &k, &v);
        c.store(9, 0, &k, &v);
        Ok(())
    }
}
