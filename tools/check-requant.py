#!/usr/bin/env python3
"""Checks a file `mote quantize` wrote against gguf-py.

    tools/check-requant.py ORIGINAL.gguf QUANTIZED.gguf TYPE
    tools/check-requant.py --make-fixture OUT.gguf
    tools/check-requant.py --compare A.gguf B.gguf

The second form writes a small F32 llama-style GGUF with gguf-py (token
embedding, output, two 2-D weights of 256- and 96-column rows, a 1-D norm)
to quantize in tests. The third compares two files tensor by tensor and
prints {"identical": {type: n}, "differ": {type: n}, "type_differs": [names]}.

gguf-py must read QUANTIZED; its metadata must equal ORIGINAL's except
`general.file_type` (and an added `general.quantization_version`); every
tensor must have ORIGINAL's shape, and either ORIGINAL's type and bytes
(tensors mote leaves alone) or, when TYPE is one gguf-py can quantize and the
tensor got TYPE, exactly the bytes of gguf-py's
`quantize(dequantize(original), TYPE)`. Prints one JSON line with counts.
"""
import json
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.quants import dequantize, quantize

GGUF_PY_QUANT = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"}


def fields(r):
    out = {}
    for k, f in r.fields.items():
        if k.startswith("GGUF."):
            continue
        out[k] = f.contents()
    return out


def make_fixture(path):
    from gguf import GGUFWriter
    rng = np.random.default_rng(7)
    w = GGUFWriter(path, "llama")
    w.add_uint32("llama.block_count", 1)
    w.add_string("general.name", "mote quantize fixture")
    w.add_file_type(0)
    w.add_tensor("token_embd.weight", rng.standard_normal((64, 256)).astype(np.float32))
    w.add_tensor("blk.0.attn_norm.weight", rng.standard_normal(256).astype(np.float32))
    w.add_tensor("blk.0.ffn_up.weight", (rng.standard_t(3, (96, 256)) * 0.05).astype(np.float32))
    w.add_tensor("blk.0.ffn_down.weight", (rng.standard_normal((256, 96)) * 0.02).astype(np.float32))
    w.add_tensor("output.weight", rng.standard_normal((64, 256)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def compare(pa, pb):
    a, b = GGUFReader(pa), GGUFReader(pb)
    tb = {t.name: t for t in b.tensors}
    same, diff, tdiff = {}, {}, []
    for t in a.tensors:
        u = tb[t.name]
        if t.tensor_type != u.tensor_type:
            tdiff.append(t.name)
            continue
        d = same if t.data.tobytes() == u.data.tobytes() else diff
        d[t.tensor_type.name] = d.get(t.tensor_type.name, 0) + 1
    print(json.dumps({"identical": same, "differ": diff, "type_differs": tdiff}))


def main():
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == "--make-fixture":
        make_fixture(sys.argv[2])
        return
    orig, new, ty = sys.argv[1], sys.argv[2], sys.argv[3].upper()
    a, b = GGUFReader(orig), GGUFReader(new)
    fa, fb = fields(a), fields(b)
    fa.pop("general.file_type", None)
    ftype = fb.pop("general.file_type")
    fb.pop("general.quantization_version", None) if "general.quantization_version" not in fa else None
    assert fa == fb, "metadata differs: " + str(set(fa) ^ set(fb))
    tb = {t.name: t for t in b.tensors}
    counts = {"copied": 0, "requantized_like_gguf_py": 0, "converted_unchecked": 0}
    for t in a.tensors:
        u = tb[t.name]
        assert list(t.shape) == list(u.shape), t.name
        if u.tensor_type == t.tensor_type:
            assert t.data.tobytes() == u.data.tobytes(), t.name
            counts["copied"] += 1
        elif u.tensor_type.name == ty and ty in GGUF_PY_QUANT:
            x = dequantize(t.data, t.tensor_type).astype(np.float32)
            want = quantize(x, T[ty])
            assert np.asarray(want).tobytes() == u.data.tobytes(), t.name
            counts["requantized_like_gguf_py"] += 1
        else:
            # Still readable and close to the original.
            x = dequantize(t.data, t.tensor_type).astype(np.float32)
            y = dequantize(u.data, u.tensor_type).astype(np.float32)
            assert y.shape == x.shape, t.name
            err = float(np.sqrt(np.mean((x - y) ** 2)) / (np.sqrt(np.mean(x ** 2)) + 1e-30))
            assert err < 0.1, (t.name, err)
            counts["converted_unchecked"] += 1
    print(json.dumps({"file_type": int(ftype), "tensors": len(a.tensors), **counts}))


if __name__ == "__main__":
    main()
