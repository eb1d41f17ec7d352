//! Vocabulary strings read in place, and the id <-> string index built over
//! them in the caller's scratch.
//!
//! Strings stay where GGUF put them: a string array's data is, per string, a
//! little-endian `u64` byte length followed by the bytes. [`StrArray`] walks
//! that data; [`TokenIndex`] records each string's (offset, length) and an
//! open-addressing hash table from string to id, both as `u32` slices carved
//! from an [`Arena`].

use super::Error;
use crate::arena::{bytes_for, Arena};

/// A GGUF string array's data read in place: `len` strings, each a `u64` LE
/// byte length then the bytes (not necessarily valid UTF-8).
#[derive(Clone, Copy, Debug)]
pub struct StrArray<'a> {
    data: &'a [u8],
    len: usize,
}

impl<'a> StrArray<'a> {
    /// Wraps `len` strings laid out in `data`; checks that they all fit.
    pub fn new(data: &'a [u8], len: usize, what: &'static str) -> Result<Self, Error> {
        let mut at = 0usize;
        for index in 0..len {
            let end = next_string(data, at).ok_or(Error::BadStringArray { what, index })?;
            at = end;
        }
        if u32::try_from(data.len()).is_err() {
            return Err(Error::ArrayTooLarge { what });
        }
        Ok(StrArray { data, len })
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no strings.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The strings in order, with their byte offsets in the array data.
    pub fn iter(&self) -> StrIter<'a> {
        StrIter {
            data: self.data,
            at: 0,
            left: self.len,
        }
    }

    /// The raw array data.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

/// Offset one past the string starting at `at` (its length prefix), if it fits.
fn next_string(data: &[u8], at: usize) -> Option<usize> {
    let head = data.get(at..at.checked_add(8)?)?;
    let n = u64::from_le_bytes(head.try_into().ok()?);
    let n = usize::try_from(n).ok()?;
    let end = at.checked_add(8)?.checked_add(n)?;
    (end <= data.len()).then_some(end)
}

/// Iterator over a [`StrArray`]: yields `(offset of the bytes, bytes)`.
pub struct StrIter<'a> {
    data: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Iterator for StrIter<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let end = next_string(self.data, self.at)?;
        let start = self.at + 8;
        let s = self.data.get(start..end)?;
        self.at = end;
        self.left -= 1;
        Some((start, s))
    }
}

/// Bytes of `n` little-endian `i32`s read in place (GGUF `token_type`).
#[derive(Clone, Copy, Debug)]
pub struct I32Array<'a> {
    data: &'a [u8],
}

impl<'a> I32Array<'a> {
    /// Wraps `data`; its length must be a multiple of 4.
    pub fn new(data: &'a [u8]) -> Self {
        I32Array { data }
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len() / 4
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Value `i`, if present.
    pub fn get(&self, i: usize) -> Option<i32> {
        let b = self
            .data
            .get(i.checked_mul(4)?..i.checked_mul(4)?.checked_add(4)?)?;
        Some(i32::from_le_bytes(b.try_into().ok()?))
    }
}

/// FxHash-style byte hasher: fast, and good enough for a table that always
/// compares the full string on a hit.
#[derive(Clone, Copy)]
pub(crate) struct Hasher(u64);

impl Hasher {
    pub(crate) fn new() -> Self {
        Hasher(0)
    }
    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    pub(crate) fn bytes(&mut self, s: &[u8]) {
        for &b in s {
            self.byte(b);
        }
    }
    pub(crate) fn finish(&self) -> u64 {
        // The multiply leaves the low bits (the table index) weak: mix them
        // with MurmurHash3's 64-bit finalizer.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A lookup key that can hash itself and compare against stored bytes
/// without being materialized (e.g. `"##" + piece`, or raw bytes seen
/// through the byte-level BPE mapping).
pub(crate) trait Key {
    fn hash(&self) -> u64;
    fn matches(&self, stored: &[u8]) -> bool;
}

impl Key for &[u8] {
    fn hash(&self) -> u64 {
        let mut h = Hasher::new();
        h.bytes(self);
        h.finish()
    }
    fn matches(&self, stored: &[u8]) -> bool {
        *self == stored
    }
}

/// Hash-table slots for `n` entries: a power of two at least twice `n`.
pub(crate) fn slots_for(n: usize) -> Option<usize> {
    n.checked_mul(2)?.max(16).checked_next_power_of_two()
}

/// Arena bytes a [`TokenIndex`] over `n` strings takes.
pub(crate) fn index_bytes(n: usize) -> Option<usize> {
    bytes_for::<u32>(n.checked_mul(2)?)?
        .checked_add(bytes_for::<u32>(slots_for(n)?.checked_mul(2)?)?)
}

/// Id -> string spans and string -> id hash table over a [`StrArray`].
pub(crate) struct TokenIndex<'a, 's> {
    data: &'a [u8],
    /// (offset, length) of string `i` at `[2i]`, `[2i+1]`.
    spans: &'s [u32],
    /// Open addressing, linear probing: pairs of (`id + 1`, hash tag);
    /// id 0 = empty. The tag (high hash bits) rejects most probes without
    /// touching the string data.
    slots: &'s [u32],
}

/// How duplicate strings resolve.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dup {
    /// The first occurrence keeps the key (C++ `map::emplace`).
    KeepFirst,
    /// The last occurrence wins (C++ `map[key] = id`).
    KeepLast,
}

impl<'a, 's> TokenIndex<'a, 's> {
    pub(crate) fn build(
        strs: &StrArray<'a>,
        arena: &mut Arena<'s>,
        dup: Dup,
        what: &'static str,
    ) -> Result<Self, Error> {
        let n = strs.len();
        if u32::try_from(n).map_or(true, |n| n == u32::MAX) {
            return Err(Error::ArrayTooLarge { what });
        }
        let n_slots = slots_for(n).ok_or(Error::ArrayTooLarge { what })?;
        let spans: &'s mut [u32] =
            arena.take(n.checked_mul(2).ok_or(Error::ArrayTooLarge { what })?)?;
        let slots: &'s mut [u32] = arena.take(n_slots * 2)?;
        let mask = n_slots - 1;
        for (id, (off, s)) in strs.iter().enumerate() {
            // StrArray::new checked that the data (hence every offset) fits in u32.
            let (o, l) = (off as u32, s.len() as u32);
            if let Some(span) = spans.get_mut(2 * id..2 * id + 2) {
                span.copy_from_slice(&[o, l]);
            }
            let h = s.hash();
            let tag = (h >> 32) as u32;
            let mut i = (h as usize) & mask;
            while let Some(slot) = slots.get_mut(2 * i..2 * i + 2) {
                if slot[0] == 0 {
                    slot.copy_from_slice(&[id as u32 + 1, tag]);
                    break;
                }
                let other = slot[0] as usize - 1;
                let same = slot[1] == tag
                    && spans.get(2 * other..2 * other + 2).and_then(|sp| {
                        strs.data()
                            .get(sp[0] as usize..(sp[0] as usize + sp[1] as usize))
                    }) == Some(s);
                if same {
                    if dup == Dup::KeepLast {
                        slot[0] = id as u32 + 1;
                    }
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        Ok(TokenIndex {
            data: strs.data(),
            spans,
            slots,
        })
    }

    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.spans.len() / 2
    }

    /// String `id`.
    pub(crate) fn get(&self, id: u32) -> Option<&'a [u8]> {
        let i = usize::try_from(id).ok()?.checked_mul(2)?;
        let sp = self.spans.get(i..i.checked_add(2)?)?;
        let start = sp[0] as usize;
        self.data.get(start..start.checked_add(sp[1] as usize)?)
    }

    /// Id of the string equal to `key`.
    pub(crate) fn find<K: Key + ?Sized>(&self, key: &K) -> Option<u32> {
        let mask = (self.slots.len() / 2).checked_sub(1)?;
        let h = key.hash();
        let tag = (h >> 32) as u32;
        let mut i = (h as usize) & mask;
        loop {
            let slot = self.slots.get(2 * i..2 * i + 2)?;
            if slot[0] == 0 {
                return None;
            }
            if slot[1] == tag {
                let id = slot[0] - 1;
                if key.matches(self.get(id)?) {
                    return Some(id);
                }
            }
            i = (i + 1) & mask;
        }
    }
}
