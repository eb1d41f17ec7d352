//! A bounded little-endian cursor: every read checks the bytes left and
//! fails with the offset and field it was reading, never panics.

use super::error::{Error, Item};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at `pos` in `bytes` (past the end reads as empty).
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Reader { bytes, pos }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, item: Item) -> Result<&'a [u8], Error> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.bytes.get(self.pos..end))
            .ok_or(Error::Truncated {
                offset: self.pos,
                needed: n,
                item,
            })?;
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, item: Item) -> Result<[u8; N], Error> {
        let at = self.pos;
        self.take(N, item)?
            .try_into()
            .map_err(|_| Error::Truncated {
                offset: at,
                needed: N,
                item,
            })
    }

    pub(crate) fn u8(&mut self, item: Item) -> Result<u8, Error> {
        Ok(u8::from_le_bytes(self.array(item)?))
    }
    pub(crate) fn u16(&mut self, item: Item) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(self.array(item)?))
    }
    pub(crate) fn u32(&mut self, item: Item) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array(item)?))
    }
    pub(crate) fn u64(&mut self, item: Item) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array(item)?))
    }

    /// A GGUF string (u64 length, then bytes), unchecked for UTF-8.
    pub(crate) fn string_bytes(&mut self, item: Item) -> Result<&'a [u8], Error> {
        let at = self.pos;
        let len = self.u64(item)?;
        let n = usize::try_from(len)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or(Error::StringPastEnd { offset: at, len })?;
        self.take(n, item)
    }
}
