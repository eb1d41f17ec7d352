//! Tokenizers whose vocabularies are read in place from GGUF metadata.
