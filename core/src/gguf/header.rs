//! The fixed header: magic, version, tensor count, metadata count.

use super::error::{Error, Item};
use super::limits::{MAX_KV, MAX_TENSORS, MIN_KV_BYTES, MIN_TENSOR_INFO_BYTES};
use super::reader::Reader;

/// The four bytes every GGUF file starts with.
pub const MAGIC: [u8; 4] = *b"GGUF";

/// Bytes in the v2/v3 header.
pub const HEADER_BYTES: usize = 24;

pub(crate) struct Header {
    pub(crate) version: u32,
    pub(crate) tensor_count: usize,
    pub(crate) kv_count: usize,
}

pub(crate) fn read_header(r: &mut Reader<'_>) -> Result<Header, Error> {
    let magic = r.take(4, Item::Magic)?;
    if magic != MAGIC {
        let mut found = [0u8; 4];
        found.copy_from_slice(magic);
        return Err(Error::BadMagic { found });
    }
    let version = r.u32(Item::Version)?;
    match version {
        2 | 3 => {}
        1 => return Err(Error::Version1),
        // gguf-py writes the magic little-endian and everything after it in
        // the file's byte order, so a big-endian v2/v3 shows up here as a
        // version with its low half zero.
        v if v & 0xffff == 0 && matches!(v.swap_bytes(), 1..=3) => {
            return Err(Error::BigEndian { raw: v })
        }
        v => return Err(Error::UnsupportedVersion { version: v }),
    }
    let tensor_count = r.u64(Item::TensorCount)?;
    let kv_count = r.u64(Item::KvCount)?;
    if tensor_count > MAX_TENSORS as u64 {
        return Err(Error::TooManyTensors {
            count: tensor_count,
        });
    }
    if kv_count > MAX_KV as u64 {
        return Err(Error::TooManyKvs { count: kv_count });
    }
    // Both counts are now small, so the products cannot overflow.
    let tensor_count = tensor_count as usize;
    let kv_count = kv_count as usize;
    let left = r.remaining();
    let tensor_bytes = tensor_count * MIN_TENSOR_INFO_BYTES;
    if tensor_bytes > left {
        return Err(Error::TensorCountTooLarge {
            offset: r.pos(),
            count: tensor_count as u64,
            bytes_left: left,
        });
    }
    if kv_count * MIN_KV_BYTES > left - tensor_bytes {
        return Err(Error::KvCountTooLarge {
            count: kv_count as u64,
            bytes_left: left,
        });
    }
    Ok(Header {
        version,
        tensor_count,
        kv_count,
    })
}
