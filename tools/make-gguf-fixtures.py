#!/usr/bin/env python3
"""Write the GGUF interop fixtures in tests/data/gguf/ with gguf-py (the
`gguf` PyPI package, llama.cpp's own GGUF library), plus for each fixture a
JSON file of what gguf-py's GGUFReader reads back (tools/gguf-dump-json.py
--data): the expected values mote's reader is compared against.

  values.gguf   every metadata value type: extremes of every integer type,
                f32/f64 extremes (max, smallest subnormal, -0.0, inf, nan),
                unicode strings, arrays of every type, empty arrays, arrays
                of arrays (nested three deep, inner arrays of mixed types)
  tensors.gguf  tensors F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 of 1 to 4 dims,
                quantized by gguf.quants; Q4_K Q6_K (random blocks: gguf.quants
                cannot quantize them) and I8 I16 I32 F64
  aligned.gguf  general.alignment = 64 with tensor sizes that need padding

GGUFWriter refuses empty arrays and types nested arrays from their first
element, so those values go through `Arr`, a typed array packed by the same
GGUFWriter machinery (see TypedWriter); everything else uses GGUFWriter's
public API. The data is seeded: re-running writes identical files.

Usage: tools/make-gguf-fixtures.py [OUT_DIR]   (default tests/data/gguf)
"""
import json
import os
import subprocess
import sys

import numpy as np
from gguf import GGML_QUANT_SIZES, GGUFValueType as VT, GGUFWriter, GGMLQuantizationType as QT
from gguf.quants import quantize

HERE = os.path.dirname(os.path.abspath(__file__))


class Arr:
    """An array with an explicit element type; items may be Arr (nesting)."""

    def __init__(self, itype, items):
        self.itype, self.items = itype, items


class TypedWriter(GGUFWriter):
    def _pack_val(self, val, vtype, add_vtype, sub_type=None):
        if not isinstance(val, Arr):
            return super()._pack_val(val, vtype, add_vtype, sub_type)
        out = bytearray()
        if add_vtype:
            out += self._pack("I", VT.ARRAY)
        out += self._pack("I", val.itype)
        out += self._pack("Q", len(val.items))
        for item in val.items:
            out += self._pack_val(item, val.itype, add_vtype=False)
        return bytes(out)


F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).smallest_subnormal)
F32_NORM = float(np.finfo(np.float32).tiny)
F64_MAX = float(np.finfo(np.float64).max)
F64_TINY = float(np.finfo(np.float64).smallest_subnormal)


def write_values(path):
    w = TypedWriter(path, "test")  # adds general.architecture = "test"
    kv = w.add_key_value
    kv("test.u8.min", 0, VT.UINT8)
    kv("test.u8.max", 255, VT.UINT8)
    kv("test.i8.min", -128, VT.INT8)
    kv("test.i8.max", 127, VT.INT8)
    kv("test.u16.max", 65535, VT.UINT16)
    kv("test.i16.min", -32768, VT.INT16)
    kv("test.u32.max", 2**32 - 1, VT.UINT32)
    kv("test.i32.min", -(2**31), VT.INT32)
    kv("test.i32.max", 2**31 - 1, VT.INT32)
    kv("test.u64.max", 2**64 - 1, VT.UINT64)
    kv("test.u64.above_f64_precision", 2**53 + 1, VT.UINT64)
    kv("test.i64.min", -(2**63), VT.INT64)
    kv("test.i64.max", 2**63 - 1, VT.INT64)
    kv("test.f32.one_tenth", 0.1, VT.FLOAT32)
    kv("test.f32.max", F32_MAX, VT.FLOAT32)
    kv("test.f32.lowest", -F32_MAX, VT.FLOAT32)
    kv("test.f32.min_normal", F32_NORM, VT.FLOAT32)
    kv("test.f32.min_subnormal", F32_TINY, VT.FLOAT32)
    kv("test.f32.neg_zero", -0.0, VT.FLOAT32)
    kv("test.f32.inf", float("inf"), VT.FLOAT32)
    kv("test.f32.neg_inf", float("-inf"), VT.FLOAT32)
    kv("test.f32.nan", float("nan"), VT.FLOAT32)
    kv("test.f64.pi", 3.141592653589793, VT.FLOAT64)
    kv("test.f64.max", F64_MAX, VT.FLOAT64)
    kv("test.f64.min_subnormal", F64_TINY, VT.FLOAT64)
    kv("test.f64.integral", 1e21, VT.FLOAT64)
    kv("test.bool.true", True, VT.BOOL)
    kv("test.bool.false", False, VT.BOOL)
    kv("test.str.ascii", "hello, gguf", VT.STRING)
    kv("test.str.empty", "", VT.STRING)
    kv("test.str.unicode", "naïve café — 日本語 🦀 \u0000 tab\tquote\" backslash\\ newline\n", VT.STRING)
    kv("test.str.key.ünïcödé", "keys are UTF-8 too", VT.STRING)
    # Flat arrays through GGUFWriter's own array packing (sub_type given).
    kv("test.arr.u8", [0, 1, 254, 255], VT.ARRAY, VT.UINT8)
    kv("test.arr.i8", [-128, -1, 0, 127], VT.ARRAY, VT.INT8)
    kv("test.arr.u16", [0, 65535], VT.ARRAY, VT.UINT16)
    kv("test.arr.i16", [-32768, 32767], VT.ARRAY, VT.INT16)
    kv("test.arr.u32", [0, 1, 2**32 - 1], VT.ARRAY, VT.UINT32)
    kv("test.arr.i32", [-(2**31), -1, 0, 2**31 - 1], VT.ARRAY, VT.INT32)
    kv("test.arr.u64", [0, 2**64 - 1], VT.ARRAY, VT.UINT64)
    kv("test.arr.i64", [-(2**63), 2**63 - 1], VT.ARRAY, VT.INT64)
    kv("test.arr.f32", [0.5, -1.25, 0.1, F32_MAX, F32_TINY, -0.0, float("inf")], VT.ARRAY, VT.FLOAT32)
    kv("test.arr.f64", [0.1, -F64_MAX, F64_TINY, float("-inf"), float("nan")], VT.ARRAY, VT.FLOAT64)
    kv("test.arr.bool", [True, False, True], VT.ARRAY, VT.BOOL)
    kv("test.arr.str", ["a", "", "ü", "🦀🦀", "two words"], VT.ARRAY, VT.STRING)
    kv("test.arr.long_i32", list(range(-500, 500)), VT.ARRAY, VT.INT32)
    kv("test.arr.long_str", [f"tok{i}" for i in range(300)], VT.ARRAY, VT.STRING)
    # Empty arrays and arrays of arrays (see TypedWriter).
    for t in (VT.UINT8, VT.INT32, VT.FLOAT32, VT.BOOL, VT.STRING, VT.UINT64, VT.FLOAT64):
        kv(f"test.empty.{t.name.lower()}", Arr(t, []), VT.ARRAY)
    kv("test.empty.array", Arr(VT.ARRAY, []), VT.ARRAY)
    kv("test.nested.i32", Arr(VT.ARRAY, [Arr(VT.INT32, [1, 2, 3]), Arr(VT.INT32, []), Arr(VT.INT32, [-4])]), VT.ARRAY)
    kv("test.nested.str", Arr(VT.ARRAY, [Arr(VT.STRING, ["x", "yz"]), Arr(VT.STRING, ["日本"])]), VT.ARRAY)
    kv("test.nested.mixed", Arr(VT.ARRAY, [Arr(VT.UINT8, [7]), Arr(VT.STRING, ["s"]), Arr(VT.FLOAT64, [0.25]),
                                          Arr(VT.BOOL, [])]), VT.ARRAY)
    kv("test.nested.deep", Arr(VT.ARRAY, [Arr(VT.ARRAY, [Arr(VT.UINT16, [1, 2]), Arr(VT.UINT16, [])]),
                                         Arr(VT.ARRAY, [])]), VT.ARRAY)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_tensors(path):
    rng = np.random.default_rng(20261122)
    w = TypedWriter(path, "test")
    # numpy shapes are row-major (last dim contiguous); GGUF stores them reversed.
    cases = [
        ("f32.1d", QT.F32, (7,)),
        ("f32.2d", QT.F32, (3, 5)),
        ("f16.2d", QT.F16, (2, 64)),
        ("bf16.3d", QT.BF16, (2, 3, 32)),
        ("q8_0.2d", QT.Q8_0, (3, 64)),
        ("q4_0.2d", QT.Q4_0, (2, 96)),
        ("q4_1.2d", QT.Q4_1, (4, 32)),
        ("q5_0.3d", QT.Q5_0, (2, 2, 64)),
        ("q5_1.4d", QT.Q5_1, (2, 1, 2, 32)),
    ]
    for name, qt, shape in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        x.flat[0] = 0.0  # an exact zero, and blocks with a large outlier
        x.flat[-1] = 40.0
        if qt == QT.F32:
            w.add_tensor(name, x)
        elif qt == QT.F16:
            w.add_tensor(name, x.astype(np.float16))
        else:
            w.add_tensor(name, quantize(x, qt), raw_dtype=qt)
    # gguf.quants has no quantizer for K types: random bytes with the right
    # block geometry (the reader only needs the layout).
    for name, qt, shape in (("q4_k.2d", QT.Q4_K, (2, 256)), ("q6_k.2d", QT.Q6_K, (1, 512))):
        block, size = GGML_QUANT_SIZES[qt]
        raw = rng.integers(0, 256, size=(shape[0], shape[1] // block * size), dtype=np.uint8)
        w.add_tensor(name, raw, raw_dtype=qt)
    w.add_tensor("i8.1d", np.arange(-5, 6, dtype=np.int8))
    w.add_tensor("i16.2d", np.arange(-6, 6, dtype=np.int16).reshape(3, 4))
    w.add_tensor("i32.1d", np.array([-(2**31), 0, 2**31 - 1], dtype=np.int32))
    w.add_tensor("f64.1d", np.array([0.1, -2.5, 1e300], dtype=np.float64))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_aligned(path):
    w = TypedWriter(path, "test")
    w.add_custom_alignment(64)
    w.add_string("general.name", "alignment 64")
    w.add_tensor("a", np.arange(3, dtype=np.float32))  # 12 bytes, padded to 64
    w.add_tensor("b", np.arange(40, dtype=np.float16).reshape(2, 20))  # 80 bytes, padded to 128
    w.add_tensor("c", np.ones(1, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "data", "gguf")
    os.makedirs(out, exist_ok=True)
    for name, make in (("values", write_values), ("tensors", write_tensors), ("aligned", write_aligned)):
        path = os.path.join(out, name + ".gguf")
        make(path)
        dumped = subprocess.run([sys.executable, os.path.join(HERE, "gguf-dump-json.py"), "--data", path],
                                check=True, capture_output=True, text=True).stdout
        json.loads(dumped)  # well-formed
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            f.write(dumped)
        print(f"wrote {path} ({os.path.getsize(path)} bytes) and {name}.json")


if __name__ == "__main__":
    main()
