//! Named limits on what a GGUF file may ask of the parser.
//!
//! Each limit bounds either memory (nothing here is sized from the file, but
//! recursion depth and fixed stack tables are) or time: [`super::Gguf::parse`]
//! is linear in the file size except for the duplicate and overlap checks,
//! which compare items pairwise without an allocator. The caps below keep
//! their worst case, on a file built to defeat every shortcut, well under a
//! second; real files are far from all of them.

/// Tensor rank ggml supports (`GGML_MAX_DIMS`).
pub const MAX_DIMS: usize = 4;

/// Alignment of the data section and of every tensor when the file does not
/// set `general.alignment` (`GGUF_DEFAULT_ALIGNMENT`).
pub const DEFAULT_ALIGNMENT: usize = 32;

/// Largest `general.alignment` accepted. Real files use 32 (some 64); a
/// 64 KiB page is the largest sensible reason to align further, anything
/// above is a corrupt or hostile value.
pub const MAX_ALIGNMENT: usize = 1 << 16;

/// Deepest nesting of arrays inside arrays. gguf-py can write nested arrays
/// but no known model uses more than one level; the limit bounds the
/// recursion of the value walker.
pub const MAX_ARRAY_NESTING: usize = 8;

/// Most metadata pairs in a file. Real models carry 20–100 pairs. Duplicate
/// keys are found with a fixed stack table of key offsets (8 KiB on 64-bit
/// targets, 4 KiB on 32-bit) and pairwise comparison: at most
/// `MAX_KV² / 2` comparisons of keys of at most [`MAX_KEY_LEN`] bytes.
/// Measured worst case (every key of maximal length, differing only at the
/// end): 0.2 s on the same loaded VM.
pub const MAX_KV: usize = 1024;

/// Longest metadata key, in bytes. Real keys are under 100 bytes; the limit
/// bounds the cost of the pairwise duplicate check above.
pub const MAX_KEY_LEN: usize = 1024;

/// Most tensors in a file. The largest real models (per-expert MoE layouts)
/// have about 2,000. Duplicate names and overlapping data are found by
/// re-walking the already validated tensor table: a hash prefilter
/// ([`NAME_FILTER_BITS`]) and an in-order fast path (a tensor starting past
/// every earlier tensor's end cannot overlap one) make real files close to
/// linear, but a file built to defeat both costs `MAX_TENSORS² / 2` walk
/// steps, about 33 million. Measured: 0.4 s of CPU on a shared, heavily
/// loaded 2-core VM (`core/tests/gguf/limits.rs` builds such files).
pub const MAX_TENSORS: usize = 8192;

/// Longest tensor name, in bytes: ggml's `GGML_MAX_NAME` (64) minus the
/// terminating NUL, the same limit llama.cpp enforces when it loads a file.
pub const MAX_TENSOR_NAME_LEN: usize = 63;

/// Fewest bytes a metadata pair can take: key length (8), an empty key,
/// value type (4) and the smallest value (1).
pub const MIN_KV_BYTES: usize = 13;

/// Fewest bytes a tensor info can take: name length (8), an empty name,
/// `n_dims` (4) with no dims, type (4) and offset (8).
pub const MIN_TENSOR_INFO_BYTES: usize = 24;

/// Bits in the stack bitmap that prefilters duplicate tensor names (4 KiB,
/// no more than the key table above): a name whose hash bit is unset cannot
/// be a duplicate, so only colliding names pay for a walk of the earlier
/// table. With a few thousand tensors, collisions stay rare.
pub const NAME_FILTER_BITS: usize = 32768;
