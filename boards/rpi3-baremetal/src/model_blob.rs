//! Where the model is: a GGUF file that QEMU's `-device loader` (or, on a
//! real board, the firmware's `initramfs` line in config.txt) copied into RAM.
//!
//! GGUF has no total-size field, so a 16-byte header sits just below the file:
//! the magic `MOTEBLOB` and the file's size as a little-endian u64. QEMU
//! writes both with `-device loader,addr=...,data=...,data-len=8`, no file
//! needed (tools/cross-test):
//!
//! ```text
//! HEADER_ADDR      "MOTEBLOB" (u64 0x424F4C424554_4F4D)
//! HEADER_ADDR + 8  size of the GGUF in bytes
//! MODEL_ADDR       the GGUF file itself (HEADER_ADDR + 4 KiB, page aligned)
//! ```

/// Address of the header.
pub const HEADER_ADDR: usize = 0x1000_0000 - 0x1000;
/// Address of the GGUF file.
pub const MODEL_ADDR: usize = 0x1000_0000;
/// `MOTEBLOB` read as a little-endian u64.
pub const MAGIC: u64 = u64::from_le_bytes(*b"MOTEBLOB");
/// The most RAM a model may take: from MODEL_ADDR up to where the GPU's
/// memory starts (0x3C00_0000 on a 1 GB Pi 3 with the default 64 MB split).
pub const MAX_MODEL_BYTES: usize = 0x3C00_0000 - MODEL_ADDR;

/// The model's bytes, if the loader put a header there.
pub fn find() -> Option<&'static [u8]> {
    // SAFETY: HEADER_ADDR is in RAM, identity-mapped as normal memory by
    // mmu.rs, 8-byte aligned, and below every address the program image uses
    // (link.x places the image at 0x80000, far lower: see the size check in
    // tools/cross-test). Reading it is always defined; its contents are
    // checked before use.
    let (magic, size) = unsafe {
        let p = HEADER_ADDR as *const u64;
        (p.read_volatile(), p.add(1).read_volatile())
    };
    if magic != MAGIC {
        return None;
    }
    let len = usize::try_from(size)
        .ok()
        .filter(|&n| n <= MAX_MODEL_BYTES)?;
    // SAFETY: MODEL_ADDR..MODEL_ADDR + len lies in RAM below the GPU split
    // (checked against MAX_MODEL_BYTES above), is identity-mapped as normal
    // memory, and nothing in the program writes there: it was filled by the
    // loader before reset and is only read from here on, so a shared
    // `'static` slice is sound.
    Some(unsafe { core::slice::from_raw_parts(MODEL_ADDR as *const u8, len) })
}
