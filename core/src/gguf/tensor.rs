//! The tensor table: one info per tensor (name, shape, ggml type, offset
//! into the data section), validated in one pass and then walked in place.

use core::fmt;

use super::error::{Error, Item};
use super::limits::{MAX_DIMS, MAX_TENSOR_NAME_LEN, NAME_FILTER_BITS};
use super::reader::Reader;
use crate::GgmlType;

/// One tensor: its info from the table and its data, borrowed from the file.
#[derive(Clone, Copy, PartialEq)]
pub struct TensorInfo<'a> {
    /// Name, e.g. `blk.0.attn_q.weight`.
    pub name: &'a str,
    /// Element type.
    pub ty: GgmlType,
    /// Number of dimensions (0..=4).
    pub n_dims: usize,
    /// Dimensions, ne\[0\] (the contiguous one) first; unused ones are 1.
    pub dims: [u64; MAX_DIMS],
    /// Offset of the data from the start of the data section.
    pub offset: u64,
    /// The data: exactly the tensor's bytes.
    pub data: &'a [u8],
}

impl TensorInfo<'_> {
    /// The used dimensions, ne\[0\] first (GGUF order, as gguf-py shows it).
    pub fn shape(&self) -> &[u64] {
        self.dims.get(..self.n_dims).unwrap_or(&self.dims)
    }

    /// Number of elements (validated not to overflow).
    pub fn n_elements(&self) -> u64 {
        self.dims.iter().fold(1, |n, &d| n.saturating_mul(d))
    }

    /// Number of rows: every dimension but ne\[0\] multiplied.
    pub fn n_rows(&self) -> u64 {
        self.dims
            .iter()
            .skip(1)
            .fold(1, |n, &d| n.saturating_mul(d))
    }
}

impl fmt::Debug for TensorInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TensorInfo")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .field("shape", &self.shape())
            .field("offset", &self.offset)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// A tensor info as read from the table, before its data is located.
pub(crate) struct RawInfo<'a> {
    /// Offset of the info in the file.
    pub(crate) at: usize,
    pub(crate) name: &'a str,
    pub(crate) ty: GgmlType,
    pub(crate) n_dims: usize,
    pub(crate) dims: [u64; MAX_DIMS],
    pub(crate) offset: u64,
    pub(crate) size: u64,
}

/// Reads and checks one tensor info (all checks that need only the info
/// itself), as tensor number `index`.
pub(crate) fn read_info<'a>(r: &mut Reader<'a>, index: usize) -> Result<RawInfo<'a>, Error> {
    let at = r.pos();
    let len = { *r }.u64(Item::TensorName)?;
    if len > MAX_TENSOR_NAME_LEN as u64 {
        return Err(Error::TensorNameTooLong {
            offset: at,
            tensor: index,
            len,
        });
    }
    let name = r.string_bytes(Item::TensorName)?;
    let name = core::str::from_utf8(name).map_err(|_| Error::TensorNameNotUtf8 {
        offset: at,
        tensor: index,
    })?;
    let n_dims = r.u32(Item::TensorDims)?;
    if n_dims as usize > MAX_DIMS {
        return Err(Error::TooManyDims {
            offset: at,
            tensor: index,
            n_dims,
        });
    }
    let too_large = Error::TensorTooLarge {
        offset: at,
        tensor: index,
    };
    let mut dims = [1u64; MAX_DIMS];
    let mut n_elements: u64 = 1;
    for (dim, slot) in dims.iter_mut().take(n_dims as usize).enumerate() {
        let ne = r.u64(Item::TensorDims)?;
        if ne == 0 {
            return Err(Error::ZeroDimension {
                offset: at,
                tensor: index,
                dim,
            });
        }
        // ggml keeps shapes in int64_t.
        n_elements = n_elements
            .checked_mul(ne)
            .filter(|&n| n <= i64::MAX as u64)
            .ok_or(too_large)?;
        *slot = ne;
    }
    let raw_ty = r.u32(Item::TensorType)?;
    let ty = GgmlType::from_u32(raw_ty).ok_or(Error::InvalidTensorType {
        offset: at,
        tensor: index,
        ty: raw_ty,
    })?;
    let offset = r.u64(Item::TensorOffset)?;
    let (block, block_bytes) = ty.block_geometry();
    let ne0 = dims[0];
    if ne0 % block as u64 != 0 {
        return Err(Error::RowNotBlockMultiple {
            offset: at,
            tensor: index,
            ty,
            ne0,
        });
    }
    let size = (n_elements / block as u64)
        .checked_mul(block_bytes as u64)
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or(too_large)?;
    Ok(RawInfo {
        at,
        name,
        ty,
        n_dims: n_dims as usize,
        dims,
        offset,
        size,
    })
}

/// FNV-1a, for the duplicate-name prefilter.
fn name_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `(block size, block bytes)` by type id, for the pairwise walk (ids
/// ggml does not define map to `(1, 0)`).
const GEOMETRY: [(u64, u64); 64] = {
    let mut t = [(1u64, 0u64); 64];
    let mut id = 0;
    while id < t.len() {
        if let Some(ty) = GgmlType::from_u32(id as u32) {
            let (block, bytes) = ty.block_geometry();
            t[id] = (block as u64, bytes as u64);
        }
        id += 1;
    }
    t
};

/// An already validated tensor info, read as cheaply as possible for the
/// pairwise checks: name and offset only, the size on demand.
struct Skim<'a> {
    name: &'a [u8],
    dims: &'a [u8],
    ty: u32,
    offset: u64,
}

impl Skim<'_> {
    /// Reads the info at `*pos` and moves past it; `None` only on bytes
    /// that were not validated (which the callers never pass).
    #[inline]
    fn next<'a>(bytes: &'a [u8], pos: &mut usize) -> Option<Skim<'a>> {
        fn le<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
            bytes.get(at..at.checked_add(N)?)?.try_into().ok()
        }
        let at = *pos;
        let len = usize::try_from(u64::from_le_bytes(le(bytes, at)?)).ok()?;
        let name_at = at.checked_add(8)?;
        let dims_at = name_at.checked_add(len)?;
        let name = bytes.get(name_at..dims_at)?;
        let n_dims = (u32::from_le_bytes(le(bytes, dims_at)?) as usize).min(MAX_DIMS);
        let dims_start = dims_at + 4;
        let ty_at = dims_start.checked_add(n_dims * 8)?;
        let dims = bytes.get(dims_start..ty_at)?;
        let ty = u32::from_le_bytes(le(bytes, ty_at)?);
        let offset = u64::from_le_bytes(le(bytes, ty_at + 4)?);
        *pos = ty_at + 12;
        Some(Skim {
            name,
            dims,
            ty,
            offset,
        })
    }

    /// End of the data (saturating: the info was validated).
    fn end(&self) -> u64 {
        let n = self.dims.chunks_exact(8).fold(1u64, |n, d| {
            let d = d.try_into().map_or(0, u64::from_le_bytes);
            n.saturating_mul(d)
        });
        let (block, bytes) = GEOMETRY.get(self.ty as usize).copied().unwrap_or((1, 0));
        let size = (n / block).saturating_mul(bytes);
        self.offset.saturating_add(size)
    }
}

/// Validates `count` tensor infos from `r` (names unique, offsets aligned,
/// data ranges disjoint) and returns the end of the furthest tensor's data,
/// relative to the data section.
// Not inlined: its fixed stack table must not add to the caller's frame.
#[inline(never)]
pub(crate) fn validate_table(
    r: &mut Reader<'_>,
    count: usize,
    alignment: usize,
) -> Result<u64, Error> {
    let table_start = r.pos();
    let mut seen_names = [0u64; NAME_FILTER_BITS / 64];
    let mut max_end: u64 = 0;
    for index in 0..count {
        let info = read_info(r, index)?;
        if info.offset % alignment as u64 != 0 {
            return Err(Error::TensorMisaligned {
                offset: info.at,
                tensor: index,
                data_offset: info.offset,
                alignment,
            });
        }
        let end = info
            .offset
            .checked_add(info.size)
            .ok_or(Error::TensorOutOfBounds {
                offset: info.at,
                tensor: index,
                end: u64::MAX,
                file_len: r.bytes().len(),
            })?;
        let name = info.name.as_bytes();
        let bit = (name_hash(name) % NAME_FILTER_BITS as u64) as usize;
        let word = seen_names.get_mut(bit / 64);
        let mask = 1u64 << (bit % 64);
        let maybe_duplicate = word.as_ref().is_none_or(|w| **w & mask != 0);
        if let Some(w) = word {
            *w |= mask;
        }
        // Tensors laid out in file order (as every writer does) start at or
        // after the furthest end so far and cannot overlap an earlier one.
        let maybe_overlap = info.offset < max_end;
        if maybe_duplicate || maybe_overlap {
            let bytes = r.bytes();
            let mut pos = table_start;
            for first in 0..index {
                let Some(prev) = Skim::next(bytes, &mut pos) else {
                    break;
                };
                if maybe_duplicate && prev.name == name {
                    return Err(Error::DuplicateTensorName {
                        offset: info.at,
                        tensor: index,
                        first,
                    });
                }
                if maybe_overlap && prev.offset < end && info.offset < prev.end() {
                    return Err(Error::TensorOverlap {
                        offset: info.at,
                        tensor: index,
                        other: first,
                    });
                }
            }
        }
        max_end = max_end.max(end);
    }
    Ok(max_end)
}

/// Iterator over the tensors in table order.
#[derive(Clone, Debug)]
pub struct Tensors<'a> {
    pub(crate) r: Reader<'a>,
    pub(crate) index: usize,
    pub(crate) count: usize,
    /// The data section, from its start to the end of the file.
    pub(crate) data: &'a [u8],
}

impl<'a> Iterator for Tensors<'a> {
    type Item = TensorInfo<'a>;

    fn next(&mut self) -> Option<TensorInfo<'a>> {
        if self.index >= self.count {
            return None;
        }
        let info = read_info(&mut self.r, self.index).ok().and_then(|i| {
            let start = usize::try_from(i.offset).ok()?;
            let end = start.checked_add(usize::try_from(i.size).ok()?)?;
            Some(TensorInfo {
                name: i.name,
                ty: i.ty,
                n_dims: i.n_dims,
                dims: i.dims,
                offset: i.offset,
                data: self.data.get(start..end)?,
            })
        });
        // Validated bytes cannot fail; stop rather than panic if they do.
        self.index = if info.is_some() {
            self.index + 1
        } else {
            self.count
        };
        info
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.count.saturating_sub(self.index)))
    }
}
