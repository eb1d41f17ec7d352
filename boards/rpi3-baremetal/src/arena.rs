//! The arena: a `static` buffer in `.bss`, handed out once as `&'static mut`.
//!
//! No heap on this board. Tokenizer tables and every activation of the
//! forward pass are carved from this one buffer; its size is fixed at build
//! time, and the model's plan is checked against it before anything runs.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Arena size: MiniLM-L6 at 128 tokens needs about 3 MiB of activations and
/// the WordPiece tables about 1 MiB; 16 MiB leaves room for longer inputs
/// and larger encoders while staying far below the Pi 3's 1 GB.
pub const ARENA_BYTES: usize = 16 << 20;

#[repr(C, align(64))]
struct Memory(UnsafeCell<[u8; ARENA_BYTES]>);

// SAFETY: the buffer is only reachable through `take`, which hands out the
// single `&mut` at most once (TAKEN), so no two references ever alias.
unsafe impl Sync for Memory {}

static MEMORY: Memory = Memory(UnsafeCell::new([0; ARENA_BYTES]));
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The whole arena, the first time; `None` after that.
pub fn take() -> Option<&'static mut [u8]> {
    if TAKEN.swap(true, Ordering::AcqRel) {
        return None;
    }
    // SAFETY: TAKEN was false, so this is the only reference ever created to
    // MEMORY's contents, and it lives for the rest of the program.
    Some(unsafe { &mut *MEMORY.0.get() })
}
