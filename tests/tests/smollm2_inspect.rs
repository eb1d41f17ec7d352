//! A real model: `mote inspect --json` of SmolLM2-135M-Instruct Q4_1 (from
//! tools/fetch-models) agrees with gguf-py on every value, every tensor's
//! type, shape and offset, and every tensor's bytes.

use mote_core::gguf::Gguf;
use mote_host::mmap::Mapped;
use mote_tests::{assert_json_eq, gguf_py_dump, run_mote, sha256_hex, smollm2_q4_1};
use serde_json::Value as Json;

#[test]
fn smollm2_inspect_json_matches_gguf_py() {
    let path = smollm2_q4_1();
    let out = run_mote(&["inspect".as_ref(), "--json".as_ref(), path.as_os_str()]);
    assert!(
        out.status.success(),
        "mote inspect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "--json prints one line");
    let mote: Json = serde_json::from_str(&text).unwrap();

    let mut gguf_py = gguf_py_dump(&path, true);
    // Tensor checksums are compared below against mote's data slices.
    let sums: Vec<String> = gguf_py["tensors"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|t| {
            t.as_object_mut()
                .unwrap()
                .remove("sha256")
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_json_eq(&mote, &gguf_py);

    assert_eq!(mote["version"], 3);
    assert_eq!(mote["tensor_count"], 272);
    assert_eq!(mote["tensors"].as_array().unwrap().len(), 272);
    assert_eq!(mote["metadata"].as_object().unwrap().len(), 33);
    assert_eq!(mote["metadata"]["general.architecture"], "llama");

    let map = Mapped::open(&path).unwrap();
    let g = Gguf::parse(&map).unwrap();
    assert_eq!(g.tensor_count(), sums.len());
    for (t, sum) in g.tensors().zip(&sums) {
        assert_eq!(&sha256_hex(t.data), sum, "data of {}", t.name);
    }
}
