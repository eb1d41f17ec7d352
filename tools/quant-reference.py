#!/usr/bin/env python3
"""Reference vectors for mote's quantization formats, made by ggml's peers.

Two jobs:

  tools/quant-reference.py vectors [--ggml-src DIR] [--out tests/data/quant]
      Writes a fixed input (2048 floats: normal, all-zero, constant, huge,
      tiny, heavy-tailed, ties, ramps ... one 32-value segment each) and, per
      type T, `T.q` = its quantized bytes and `T.deq` = those bytes
      dequantized (f32 LE), plus `T.rand.q` / `T.rand.deq` = random valid
      blocks and their dequantization.
      Oracles: gguf-py's `gguf.quants` (F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,
      Q8_0 quantize; every dequantize it has). gguf-py cannot quantize Q4_K,
      Q6_K, Q8_1 or Q8_K: for those the script compiles ggml's own
      `ggml-quants.c` (the `*_ref` functions, from llama.cpp's source, e.g.
      the llama-cpp-python sdist: --ggml-src .../vendor/llama.cpp/ggml) with
      `-ffp-contract=off` and calls it through ctypes; Q8_1 and Q8_K, which
      gguf-py cannot dequantize either, are dequantized by the formula
      `d*q` in numpy.

  tools/quant-reference.py model-checksums MODEL.gguf --out FILE.json
      Dequantizes every tensor of MODEL with gguf-py and records, per tensor,
      the FNV-1a 64 hash of the f32 little-endian bytes, their count and sum;
      tests/tests/quant_model.rs compares mote's dequantization against it.
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.quants import dequantize, quantize

N = 2048
N_RAND = 512
BYTES = {  # (block elements, block bytes), as ggml's type_traits
    "F16": (1, 2), "BF16": (1, 2), "Q4_0": (32, 18), "Q4_1": (32, 20), "Q5_0": (32, 22),
    "Q5_1": (32, 24), "Q8_0": (32, 34), "Q8_1": (32, 36), "Q4_K": (256, 144),
    "Q6_K": (256, 210), "Q8_K": (256, 292),
}
GGUF_PY_QUANT = ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"]
C_QUANT = {"Q4_K": "quantize_row_q4_K_ref", "Q6_K": "quantize_row_q6_K_ref",
           "Q8_1": "quantize_row_q8_1_ref", "Q8_K": "quantize_row_q8_K_ref"}


def segments(rng):
    """64 segments of 32 values, each a case a quantizer must get right."""
    f = np.float32
    segs = []
    def add(v):
        segs.append(np.asarray(v, dtype=f).reshape(32))
    add(rng.standard_normal(32))
    add(np.zeros(32))
    add(np.full(32, 0.37))
    add(np.full(32, -1.5))
    add(rng.standard_normal(32) * 3e4)                 # huge (scales still finite in f16)
    add(rng.standard_normal(32) * 1e-7)                # tiny: f16 subnormal / zero scales
    add(np.clip(rng.standard_cauchy(32), -6e4, 6e4))   # heavy tails
    add(rng.uniform(0.5, 2.0, 32))                     # all positive (min > 0)
    add(rng.uniform(-2.0, -0.5, 32))                   # all negative
    add(np.arange(32) - 15.5)                          # ramp
    add(np.arange(32) * 0.5 - 8)                       # exact halves: rounding ties
    add(np.r_[127.0, np.arange(31) - 15.0])            # ties for the q8 scale 1
    one = np.zeros(32); one[7] = -3.0
    add(one)                                           # single outlier, rest zero
    add(np.where(np.arange(32) % 2 == 0, 1.0, -1.0))   # alternating
    add(rng.standard_normal(32) * 1e-3)
    add(rng.standard_normal(32) + 10.0)                # offset, small spread
    while len(segs) < N // 32:
        kind = len(segs) % 4
        scale = float(10.0 ** rng.uniform(-4, 2))
        if kind == 0:
            add(rng.standard_normal(32) * scale)
        elif kind == 1:
            add(rng.standard_t(2, 32) * scale)
        elif kind == 2:
            add(rng.laplace(0, 1, 32) * scale)
        else:
            v = rng.standard_normal(32) * scale
            v[rng.integers(32)] *= 50
            add(v)
    return np.concatenate(segs)


def random_blocks(name, rng):
    """Random bytes for N_RAND elements of `name`, with finite scales."""
    be, bb = BYTES[name]
    nb = N_RAND // be
    raw = rng.integers(0, 256, size=(nb, bb), dtype=np.uint8)
    def f16s(k):
        return (rng.standard_normal(k) * 0.05).astype(np.float16).view(np.uint8)
    if name == "F16":
        return (rng.standard_normal(nb) * 10).astype(np.float16).view(np.uint8)
    if name == "BF16":
        v = (rng.standard_normal(nb).astype(np.float32) * 10).view(np.uint32) >> 16
        return v.astype(np.uint16).view(np.uint8)
    for i in range(nb):
        if name in ("Q4_0", "Q5_0", "Q8_0"):
            raw[i, 0:2] = f16s(1)
        elif name in ("Q4_1", "Q5_1", "Q8_1", "Q4_K"):
            raw[i, 0:4] = f16s(2)
        elif name == "Q6_K":
            raw[i, 208:210] = f16s(1)
        elif name == "Q8_K":
            raw[i, 0:4] = np.float32(rng.standard_normal() * 0.01).reshape(1).view(np.uint8)
    return raw.reshape(-1)


def build_ggml(src):
    d = tempfile.mkdtemp(prefix="mote-ggml-")
    stub = os.path.join(d, "stub.c")
    with open(stub, "w") as f:
        f.write("#include <stdlib.h>\n#include <stddef.h>\n"
                "void ggml_abort(const char*f,int l,const char*fmt,...){abort();}\n"
                "size_t ggml_row_size(int t,long n){abort();}\n"
                "const char*ggml_type_name(int t){return \"?\";}\n"
                "size_t ggml_type_size(int t){abort();}\n")
    lib = os.path.join(d, "libggml-quants.so")
    subprocess.run(["cc", "-O2", "-ffp-contract=off", "-fPIC", "-shared",
                    "-I", os.path.join(src, "include"), "-I", os.path.join(src, "src"),
                    os.path.join(src, "src", "ggml-quants.c"), stub, "-o", lib, "-lm"],
                   check=True)
    return ctypes.CDLL(lib)


def c_quantize(lib, fn, name, x):
    be, bb = BYTES[name]
    out = np.zeros(len(x) // be * bb, dtype=np.uint8)
    x = np.ascontiguousarray(x, dtype=np.float32)
    f = getattr(lib, fn)
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    f(x.ctypes.data, out.ctypes.data, ctypes.c_int64(len(x)))
    return out


def deq(name, q):
    if name in ("Q8_1", "Q8_K"):
        be, bb = BYTES[name]
        b = q.reshape(-1, bb)
        if name == "Q8_1":
            d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
            qs = b[:, 4:36].copy().view(np.int8).astype(np.float32)
            return (qs * d).reshape(-1)
        d = b[:, 0:4].copy().view(np.float32)
        qs = b[:, 4:260].copy().view(np.int8).astype(np.float32)
        return (d * qs).reshape(-1)
    return dequantize(q, T[name]).astype(np.float32).reshape(-1)


def cmd_vectors(a):
    rng = np.random.default_rng(20261122)
    x = segments(rng).astype(np.float32)
    os.makedirs(a.out, exist_ok=True)
    x.tofile(os.path.join(a.out, "input.f32"))
    lib = build_ggml(a.ggml_src) if a.ggml_src else None
    for name in BYTES:
        if name in GGUF_PY_QUANT:
            q = np.asarray(quantize(x, T[name])).view(np.uint8).reshape(-1)
        elif lib is not None:
            q = c_quantize(lib, C_QUANT[name], name, x)
        else:
            print(f"skip {name}: needs --ggml-src", file=sys.stderr)
            continue
        q.tofile(os.path.join(a.out, f"{name}.q"))
        deq(name, q).tofile(os.path.join(a.out, f"{name}.deq"))
        r = random_blocks(name, rng)
        r.tofile(os.path.join(a.out, f"{name}.rand.q"))
        deq(name, r).tofile(os.path.join(a.out, f"{name}.rand.deq"))
    if lib is not None:
        # gguf-py's quantizers and ggml's C reference agree on this input.
        for name in ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"]:
            q = np.fromfile(os.path.join(a.out, f"{name}.q"), dtype=np.uint8)
            c = c_quantize(lib, f"quantize_row_{name.lower()}_ref", name, x)
            assert q.tobytes() == c.tobytes(), name
        # The C dequantizers agree with gguf-py on the k-quants.
        for name, fn in [("Q4_K", "dequantize_row_q4_K"), ("Q6_K", "dequantize_row_q6_K")]:
            q = np.fromfile(os.path.join(a.out, f"{name}.q"), dtype=np.uint8)
            y = np.zeros(N, dtype=np.float32)
            f = getattr(lib, fn)
            f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
            f(q.ctypes.data, y.ctypes.data, ctypes.c_int64(N))
            assert y.tobytes() == deq(name, q).tobytes(), name


def fnv1a64(b: bytes) -> int:
    """FNV-1a 64 in Python (to check the compiled one)."""
    h = 0xcbf29ce484222325
    for c in b:
        h ^= c
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def cmd_model(a):
    r = GGUFReader(a.model)
    out = {"source": os.path.basename(a.model),
           "made_by": "tools/quant-reference.py model-checksums (gguf-py "
                      "gguf.quants.dequantize, f32 little-endian bytes, FNV-1a 64)",
           "tensors": []}
    hasher = fast_fnv()
    for t in r.tensors:
        y = dequantize(t.data, t.tensor_type).astype(np.float32, copy=False)
        b = np.ascontiguousarray(y).tobytes()
        out["tensors"].append({"name": t.name, "type": t.tensor_type.name,
                               "elements": int(y.size), "fnv1a64": f"{hasher(b):016x}",
                               "sum": float(np.sum(y, dtype=np.float64))})
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


def fast_fnv():
    """FNV-1a 64 compiled with cc (a pure Python loop over 500 MB is too slow)."""
    d = tempfile.mkdtemp(prefix="mote-fnv-")
    src = os.path.join(d, "fnv.c")
    with open(src, "w") as f:
        f.write("#include <stdint.h>\n#include <stddef.h>\n"
                "uint64_t fnv(const uint8_t*p,size_t n){uint64_t h=0xcbf29ce484222325ULL;"
                "for(size_t i=0;i<n;i++){h^=p[i];h*=0x100000001b3ULL;}return h;}\n")
    lib = os.path.join(d, "libfnv.so")
    subprocess.run(["cc", "-O2", "-fPIC", "-shared", src, "-o", lib], check=True)
    c = ctypes.CDLL(lib)
    c.fnv.restype = ctypes.c_uint64
    c.fnv.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    def h(b: bytes) -> int:
        return c.fnv(b, len(b))
    assert h(b"abc") == fnv1a64(b"abc")
    return h


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vectors")
    v.add_argument("--ggml-src", help="llama.cpp's ggml/ directory (for the k-quant C oracle)")
    v.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "quant"))
    m = sub.add_parser("model-checksums")
    m.add_argument("model")
    m.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "vectors":
        cmd_vectors(a)
    else:
        cmd_model(a)


if __name__ == "__main__":
    main()
