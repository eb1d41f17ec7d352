//! Empty: the cross-check lives in `tests/gguf_rs.rs` (see Cargo.toml for
//! why this is a separate workspace).
