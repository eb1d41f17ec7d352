//! Zero-copy GGUF reader (owned by the foundation work; see issue 2).
