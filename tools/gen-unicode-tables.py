#!/usr/bin/env python3
"""Generates core/src/tokenizer/unicode_tables.rs: the few Unicode tables the
tokenizers need, as compact sorted range lists (no_std, no heap, ~20 KB).

Each table comes from the data the reference implementation itself uses, so
mote splits text exactly where the peer does:

* WordPiece (Hugging Face `tokenizers`' BertNormalizer / BertPreTokenizer):
  its category tests come from the `unicode_categories` 0.1.1 crate
  (`is_other` = Cc|Cf|Co, `is_mark_nonspacing` = Mn, `is_punctuation` = P*),
  whose tables are an older Unicode than Python's. We read that crate's
  src/tables.rs (fetched by cargo into ~/.cargo/registry; pass --ucat to
  point elsewhere). Canonical decompositions (NFD, for accent stripping) come
  from Python's `unicodedata`; the few decompositions newer than
  `tokenizers`' normalization tables are listed in NFD_TOO_NEW. Lower-casing
  and White_Space use Rust's `core` char methods, as `tokenizers` does.
* Byte-level BPE (llama.cpp's hand-written GPT-2/LLaMA-3/Qwen2 splitters):
  letter/number classes come from llama.cpp's own src/unicode-data.cpp
  (generated there from UnicodeData.txt; pass --llama-src). White_Space is
  the same 25 code points as Rust's `char::is_whitespace` (checked below).

With `tokenizers` installed the script also checks, for every code point,
that the tables reproduce BertNormalizer + BertPreTokenizer exactly.

Usage: tools/gen-unicode-tables.py [--ucat PATH/tables.rs] [--llama-src DIR] [--check]
"""
import argparse
import glob
import os
import re
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(__file__), "..", "core", "src", "tokenizer", "unicode_tables.rs")

# Decompositions Python's unicodedata (Unicode 14) has but tokenizers'
# normalization tables do not (found by --check): keep these code points as is.
NFD_TOO_NEW = {0x11938}

# BertNormalizer::is_chinese_char
CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
       (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def ucat_tables(path):
    src = open(path).read()

    def table(name):
        m = re.search(r"pub static %s : &'static \[char\] = &\[(.*?)\];" % name, src, re.S)
        if not m:
            sys.exit("table %s not found in %s" % (name, path))
        return set(int(x, 16) for x in re.findall(r"'\\u\{([0-9a-fA-F]+)\}'", m.group(1)))

    other = table("OTHER_CONTROL") | table("OTHER_FORMAT") | table("OTHER_PRIVATE_USE")
    # is_other_private_use hard-codes the private use planes.
    for a, b in [(0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]:
        other |= set(range(a, b + 1))
    mn = table("MARK_NONSPACING")
    punct = set()
    for n in ["PUNCTUATION_CLOSE", "PUNCTUATION_CONNECTOR", "PUNCTUATION_DASH", "PUNCTUATION_FINAL_QUOTE",
              "PUNCTUATION_INITIAL_QUOTE", "PUNCTUATION_OPEN", "PUNCTUATION_OTHER"]:
        punct |= table(n)
    # BertPreTokenizer: char::is_ascii_punctuation() || is_punctuation()
    punct |= set(ord(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    return other, mn, punct


def ranges(cps):
    out = []
    for c in sorted(cps):
        if out and out[-1][1] + 1 == c:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def nfd_strip(mn):
    """For every code point with a canonical decomposition (Hangul excepted:
    core decomposes those algorithmically), its NFD with Mn marks removed."""
    table = []
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000 or 0xAC00 <= c <= 0xD7A3 or c in NFD_TOO_NEW:
            continue
        d = unicodedata.decomposition(chr(c))
        if not d or d.startswith("<"):
            continue
        s = [ord(x) for x in unicodedata.normalize("NFD", chr(c)) if ord(x) not in mn]
        if s != [c]:
            table.append((c, s))
    return table


def llama_classes(path):
    src = open(path).read()
    body = src.split("unicode_ranges_flags = {")[1].split("};")[0]
    rs = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\{0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+)\}", body)]
    ws = src.split("unicode_set_whitespace = {")[1].split("};")[0]
    ws = set(int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", ws))
    py_ws = set(c for c in range(0x110000) if chr(c).isspace() and not (0x1C <= c <= 0x1F))
    if ws != py_ws:
        sys.exit("llama.cpp whitespace set differs from White_Space: %r" % sorted(ws ^ py_ws))
    # class: 1 = letter (\p{L}), 2 = number (\p{N}), 0 = anything else
    out = []
    for start, flags in rs:
        cls = 1 if flags & 0x4 else 2 if flags & 0x2 else 0
        if not out or out[-1][1] != cls:
            out.append((start, cls))
    return out


def check_bert(other, mn, punct, nfd):
    try:
        from tokenizers.normalizers import BertNormalizer
        from tokenizers.pre_tokenizers import BertPreTokenizer
    except ImportError:
        print("tokenizers not installed: skipping the check", file=sys.stderr)
        return
    norm = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    pre = BertPreTokenizer()
    nfd = dict(nfd)

    def predict(c):
        ch = chr(c)
        if c == 0 or c == 0xFFFD:
            return ""
        if ch in "\t\n\r":
            return " "
        if c in other:
            return ""
        if ch.isspace():
            return " "
        if 0xAC00 <= c <= 0xD7A3:
            s = unicodedata.normalize("NFD", ch)
        else:
            s = "".join(chr(x) for x in nfd.get(c, [c])) if c not in mn else ""
        s = "".join(x.lower() for x in s)
        if any(a <= c <= b for a, b in CJK):
            s = " " + s + " "
        return s

    bad = 0
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:
            continue
        got = norm.normalize_str(chr(c))
        if got != predict(c):
            # Python's str.lower() (Unicode 14) lags Rust's for a few new letters; core uses Rust's.
            if unicodedata.category(chr(c)) == "Cn":
                continue
            bad += 1
            print("normalize mismatch U+%04X: tokenizers %r tables %r" % (c, got, predict(c)), file=sys.stderr)
        p = pre.pre_tokenize_str("a" + chr(c) + "a")
        is_p = len(p) == 3 and p[1][0] == chr(c)
        if is_p != (c in punct) and not chr(c).isspace():
            bad += 1
            print("punctuation mismatch U+%04X" % c, file=sys.stderr)
    if bad:
        sys.exit("%d mismatches against tokenizers" % bad)
    print("checked every code point against tokenizers' BertNormalizer/BertPreTokenizer: equal", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ucat", default=None)
    ap.add_argument("--llama-src", default=os.path.expanduser("~/.cache/mote/llama.cpp/0.3.36/src"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    ucat = a.ucat or (sorted(glob.glob(os.path.expanduser(
        "~/.cargo/registry/src/*/unicode_categories-0.1.1/src/tables.rs"))) or [None])[0]
    if not ucat:
        sys.exit("unicode_categories 0.1.1 source not found: `cargo fetch` a crate depending on it, or pass --ucat")
    other, mn, punct = ucat_tables(ucat)
    nfd = nfd_strip(mn)
    classes = llama_classes(os.path.join(a.llama_src, "src", "unicode-data.cpp"))
    if a.check:
        check_bert(other, mn, punct, nfd)

    width = max(len(s) for _, s in nfd)
    lines = [
        "// @generated by tools/gen-unicode-tables.py -- do not edit.",
        "// Sources: unicode_categories 0.1.1 src/tables.rs (the category data of Hugging Face",
        "// `tokenizers`), Python %s unicodedata (canonical decompositions), llama.cpp" % unicodedata.unidata_version,
        "// src/unicode-data.cpp from the llama-cpp-python 0.3.36 sdist (letter/number classes).",
        "//! Generated Unicode tables (see tools/gen-unicode-tables.py).",
        "",
    ]
    lines = lines[:4] + [""]

    def emit_ranges(name, doc, rs):
        lines.append("/// %s" % doc)
        lines.append("pub(crate) static %s: &[(u32, u32)] = &[" % name)
        row = []
        for lo, hi in rs:
            row.append("(0x%X, 0x%X)," % (lo, hi))
            if len(row) == 6:
                lines.append("    " + " ".join(row))
                row = []
        if row:
            lines.append("    " + " ".join(row))
        lines.append("];")
        lines.append("")

    emit_ranges("BERT_OTHER", "Cc, Cf and Co code points (inclusive ranges): removed by BERT's text cleaning.", ranges(other))
    emit_ranges("BERT_MN", "Mn (non-spacing mark) code points: removed by BERT's accent stripping.", ranges(mn))
    emit_ranges("BERT_PUNCT", "ASCII punctuation and P* code points: split off as single tokens by BERT.", ranges(punct))
    lines.append("/// Longest accent-stripped decomposition in [`NFD_STRIP`].")
    lines.append("pub(crate) const NFD_STRIP_MAX: usize = %d;" % width)
    lines.append("")
    lines.append("/// Code point -> its canonical decomposition without Mn marks (0-padded), sorted.")
    lines.append("pub(crate) static NFD_STRIP: &[(u32, [u32; NFD_STRIP_MAX])] = &[")
    for c, s in nfd:
        s = s + [0] * (width - len(s))
        lines.append("    (0x%X, [%s])," % (c, ", ".join("0x%X" % x for x in s)))
    lines.append("];")
    lines.append("")
    lines.append("/// llama.cpp code point classes as (first code point, class) runs, sorted:")
    lines.append("/// class 1 = letter (`\\p{L}`), 2 = number (`\\p{N}`), 0 = other.")
    lines.append("pub(crate) static LLAMA_CLASS: &[(u32, u8)] = &[")
    row = []
    for start, cls in classes:
        row.append("(0x%X, %d)," % (start, cls))
        if len(row) == 8:
            lines.append("    " + " ".join(row))
            row = []
    if row:
        lines.append("    " + " ".join(row))
    lines.append("];")
    open(OUT, "w").write("\n".join(lines) + "\n")
    print("wrote %s: %d other, %d Mn, %d punct ranges, %d decompositions, %d class runs" % (
        OUT, len(ranges(other)), len(ranges(mn)), len(ranges(punct)), len(nfd), len(classes)), file=sys.stderr)


main()
