//! The caller's scratch memory, handed out as typed slices.
//!
//! A model's plan says how many bytes inference needs; the caller provides
//! them (a `Vec<u8>` on a host, a `static` buffer on bare metal) and the
//! forward pass carves its buffers out of it here. Nothing is freed: an
//! arena lives as long as one plan's worth of state.

/// Not enough bytes left in the arena for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ArenaFull {
    /// Bytes the request needed, alignment padding included.
    pub needed: usize,
    /// Bytes that were left.
    pub left: usize,
}

impl core::fmt::Display for ArenaFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "arena full: needed {} bytes, {} left",
            self.needed, self.left
        )
    }
}

impl core::error::Error for ArenaFull {}

/// Alignment of every slice the arena hands out: a cache line, which also
/// satisfies every SIMD load.
pub const ARENA_ALIGN: usize = 64;

/// Bytes a slice of `n` values of `T` takes in an arena, padding included.
pub const fn bytes_for<T>(n: usize) -> Option<usize> {
    match n.checked_mul(core::mem::size_of::<T>()) {
        Some(b) => match b.checked_add(ARENA_ALIGN - 1) {
            Some(p) => Some(p / ARENA_ALIGN * ARENA_ALIGN),
            None => None,
        },
        None => None,
    }
}

/// A bump allocator over borrowed bytes.
pub struct Arena<'m> {
    rest: &'m mut [u8],
}

impl<'m> Arena<'m> {
    /// Wraps the caller's buffer.
    pub fn new(buf: &'m mut [u8]) -> Self {
        Arena { rest: buf }
    }

    /// Bytes still free (before alignment of the next request).
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// A zeroed slice of `n` plain values, aligned to [`ARENA_ALIGN`].
    pub fn take<T: bytemuck::Pod>(&mut self, n: usize) -> Result<&'m mut [T], ArenaFull> {
        let left = self.rest.len();
        let size = n.checked_mul(core::mem::size_of::<T>()).ok_or(ArenaFull {
            needed: usize::MAX,
            left,
        })?;
        let pad = (ARENA_ALIGN - (self.rest.as_ptr() as usize % ARENA_ALIGN)) % ARENA_ALIGN;
        let needed = size.checked_add(pad).ok_or(ArenaFull {
            needed: usize::MAX,
            left,
        })?;
        if needed > left {
            return Err(ArenaFull { needed, left });
        }
        let rest = core::mem::take(&mut self.rest);
        let (head, tail) = rest.split_at_mut(needed);
        self.rest = tail;
        let bytes = &mut head[pad..];
        bytes.fill(0);
        // Alignment was arranged above, so the cast cannot fail; map the
        // impossible case to an error anyway rather than panic.
        bytemuck::try_cast_slice_mut(bytes).map_err(|_| ArenaFull { needed, left })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_are_aligned_disjoint_and_bounded() {
        let mut buf = [0u8; 1024];
        let mut a = Arena::new(&mut buf);
        let x: &mut [f32] = a.take(10).unwrap();
        let y: &mut [f32] = a.take(10).unwrap();
        assert_eq!(x.as_ptr() as usize % ARENA_ALIGN, 0);
        assert_eq!(y.as_ptr() as usize % ARENA_ALIGN, 0);
        x[9] = 1.0;
        y[0] = 2.0;
        assert!(a.take::<f32>(1000).is_err());
        assert!(a.take::<f32>(usize::MAX).is_err());
    }
}
