//! Shared by the BERT tests: the fetched MiniLM checkpoint, converted by
//! `mote convert` into a temp file once per (type, head) per test process.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use mote_host::convert::{convert, ConvertOptions, OutType};

/// `$MOTE_MODELS/all-MiniLM-L6-v2` (tools/fetch-models puts it there).
pub fn minilm_dir() -> PathBuf {
    let models = std::env::var_os("MOTE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/mote/models")
        });
    let dir = models.join("all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} is missing: run tools/fetch-models",
        dir.display()
    );
    dir
}

/// The repository's copy of the intent head.
pub fn intent_head() -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../models/intent-head"
    ));
    (dir.join("intent_head.safetensors"), dir.join("labels.json"))
}

/// MiniLM as GGUF of type `ty`, with the intent head when `head`.
pub fn minilm_gguf(ty: OutType, head: bool) -> &'static [u8] {
    type Converted = Vec<((OutType, bool), &'static [u8])>;
    static CACHE: OnceLock<Mutex<Converted>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let mut c = cache.lock().unwrap();
    if let Some((_, b)) = c.iter().find(|(k, _)| *k == (ty, head)) {
        return b;
    }
    let out = std::env::temp_dir().join(format!(
        "mote-bert-test-{}-{ty:?}-{head}.gguf",
        std::process::id()
    ));
    let opts = ConvertOptions {
        out_type: ty,
        head: head.then(intent_head),
        progress: false,
    };
    convert(&minilm_dir(), &out, &opts).unwrap();
    let bytes: &'static [u8] = std::fs::read(&out).unwrap().leak();
    std::fs::remove_file(&out).unwrap();
    c.push(((ty, head), bytes));
    bytes
}

/// Reads a JSON file from tests/data.
pub fn data(name: &str) -> serde_json::Value {
    let path = format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
