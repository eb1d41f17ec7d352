#!/usr/bin/env python3
"""Writes the reader's seed corpus (tiny valid GGUF files) with gguf-py.

Usage: python3 core/fuzz/make_seeds.py [SMOLLM2.gguf]
With a real model file, also writes its metadata (arrays cut to 8 items)
with three tiny tensors under the model's tensor names.
"""
import os
import sys

import numpy as np
import gguf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "reader")
Q = gguf.GGMLQuantizationType
rng = np.random.default_rng(7)


def raw(qtype, shape):
    """Random bytes for a tensor of `shape` (ne[0] last, numpy order)."""
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    row = shape[-1] // block * size
    return rng.integers(0, 256, size=(*shape[:-1], row), dtype=np.uint8)


def write(name, fill, arch="llama", version=None):
    path = os.path.join(OUT, name)
    w = gguf.GGUFWriter(path, arch)
    fill(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    if version is not None:
        with open(path, "r+b") as f:
            f.seek(4)
            f.write(version.to_bytes(4, "little"))
    print(name, os.path.getsize(path))


def all_types(w):
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -100)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -30000)
    w.add_uint32("t.u32", 4_000_000_000)
    w.add_int32("t.i32", -2_000_000_000)
    w.add_float32("t.f32", 1.5e-5)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "héllo ✓")
    w.add_uint64("t.u64", 2**64 - 1)
    w.add_int64("t.i64", -(2**63))
    w.add_float64("t.f64", -2.5e300)
    w.add_array("t.arr_str", ["a", "", "ĠΩ"])
    w.add_array("t.arr_i32", [-1, 7, 9])
    w.add_array("t.arr_f32", [0.5, -1.0])
    w.add_array("t.arr_bool", [False, True])
    w.add_array("t.arr_arr", [[1, 2], [3], ["x", "y"], [[0.25]]])
    w.add_tensor("token_embd.weight", raw(Q.Q8_0, (3, 64)), raw_dtype=Q.Q8_0)
    w.add_tensor("norm.weight", np.arange(5, dtype=np.float32))
    w.add_tensor("w.q4_1", raw(Q.Q4_1, (2, 32)), raw_dtype=Q.Q4_1)
    w.add_tensor("w.f16", np.ones((2, 1, 3), dtype=np.float16))


def metadata_only(w):
    w.add_uint32("general.alignment", 64)
    w.add_string("general.name", "seed")
    w.add_array("tokenizer.ggml.tokens", ["<s>", "a", "b"])
    w.add_array("tokenizer.ggml.scores", [0.0, -1.0, -2.0])


def tensors_only(w):
    w.add_tensor("a", np.zeros(8, dtype=np.float32))
    w.add_tensor("b", raw(Q.Q4_K, (1, 256)), raw_dtype=Q.Q4_K)
    w.add_tensor("c", np.zeros((2, 2, 2, 2), dtype=np.int8))


def from_model(path):
    r = gguf.GGUFReader(path)

    def fill(w):
        for f in r.fields.values():
            if f.name.startswith("GGUF.") or f.name == "general.architecture":
                continue
            vt = f.types[0]
            if vt == gguf.GGUFValueType.ARRAY:
                items = f.contents()[:8]
                w.add_key_value(f.name, items, vt, sub_type=f.types[1])
            else:
                w.add_key_value(f.name, f.contents(), vt)
        w.add_tensor("token_embd.weight", raw(Q.Q8_0, (2, 32)), raw_dtype=Q.Q8_0)
        w.add_tensor("blk.0.attn_norm.weight", np.ones(4, dtype=np.float32))
        w.add_tensor("blk.0.ffn_down.weight", raw(Q.Q4_1, (1, 32)), raw_dtype=Q.Q4_1)

    write("smollm2-metadata", fill)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write("all-types-v3", all_types)
    write("all-types-v2", all_types, version=2)
    write("metadata-only-align64", metadata_only, arch="bert")
    write("tensors-only", tensors_only)
    if len(sys.argv) > 1:
        from_model(sys.argv[1])
