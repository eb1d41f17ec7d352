#!/usr/bin/env python3
"""Print what gguf-py (llama.cpp's `gguf` package) reads from a GGUF file, as
the same JSON object `mote inspect --json` prints:

    {"version", "tensor_count", "metadata": {key: value},
     "tensors": [{"name", "type", "shape", "offset"}]}

Values keep their natural JSON types; nested arrays stay nested (gguf-py's
`ReaderField.contents()` flattens them, so this walks the parts gguf-py
decoded instead); floats are the exact f64 of the stored f32/f64; the
non-finite floats JSON cannot hold are the strings "nan", "inf", "-inf".

--data adds "sha256" of each tensor's raw bytes (as gguf-py maps them).

Usage: tools/gguf-dump-json.py [--data] FILE
"""
import hashlib
import json
import math
import sys

from gguf import GGUFReader, GGUFValueType


def scalar(x):
    v = x.item()
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def walk(parts, i, vtype):
    """Decodes one value of type `vtype` starting at parts[i]; returns (value, next i)."""
    if vtype == GGUFValueType.STRING:
        # parts[i] is the length, parts[i + 1] the UTF-8 bytes.
        return bytes(parts[i + 1]).decode("utf-8"), i + 2
    if vtype == GGUFValueType.ARRAY:
        itype = GGUFValueType(int(parts[i][0]))
        n = int(parts[i + 1][0])
        i += 2
        out = []
        for _ in range(n):
            v, i = walk(parts, i, itype)
            out.append(v)
        return out, i
    return scalar(parts[i][0]), i + 1


def dump(path, with_data=False):
    r = GGUFReader(path)
    metadata = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue  # gguf-py's pseudo-fields for the header
        # parts[0..3] are the key length, key bytes and value type.
        value, end = walk(field.parts, 3, GGUFValueType(int(field.parts[2][0])))
        assert end == len(field.parts), key
        metadata[key] = value
    tensors = []
    for t in r.tensors:
        entry = {
            "name": t.name,
            "type": t.tensor_type.name,
            "shape": [int(d) for d in t.shape],
            "offset": int(t.data_offset - r.data_offset),
        }
        if with_data:
            entry["sha256"] = hashlib.sha256(t.data.tobytes()).hexdigest()
        tensors.append(entry)
    return {
        "version": int(r.fields["GGUF.version"].parts[0][0]),
        "tensor_count": len(r.tensors),
        "metadata": metadata,
        "tensors": tensors,
    }


def main(argv):
    with_data = "--data" in argv
    files = [a for a in argv if a != "--data"]
    if len(files) != 1:
        sys.exit(__doc__.strip().splitlines()[-1])
    json.dump(dump(files[0], with_data), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
