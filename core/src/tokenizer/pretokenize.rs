//! llama.cpp's hand-written pre-tokenizer splits (src/unicode.cpp:
//! `unicode_regex_split_custom_gpt2`, `_llama3`, `_qwen2`), transcribed
//! branch for branch so the words come out exactly as llama.cpp's do.
//! They run on code points of one text fragment; positions outside the
//! fragment have no class (the C++ `_get_flags` returns empty flags).

use super::unicode::{llama_class, Class};

/// Which split a vocabulary uses (`tokenizer.ggml.pre`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PreTokenizer {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (`gpt2`, `gpt-2`, ...).
    Gpt2,
    /// Every `\p{N}` alone, then GPT-2 (`smollm`, `starcoder`, `refact`, ...).
    SmolLm,
    /// LLaMA-3: `(?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    Llama3,
    /// Qwen2: LLaMA-3 with single digits (`\p{N}`).
    Qwen2,
}

impl PreTokenizer {
    /// The split for a `tokenizer.ggml.pre` value, grouped as llama.cpp's
    /// llama-vocab.cpp groups them.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "gpt-2" | "gpt2" | "phi-2" | "gigachat" | "mellum" | "modern-bert" | "mpt" | "olmo"
            | "jais" | "trillion" | "granite-docling" | "exaone4" => PreTokenizer::Gpt2,
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
            | "minerva-7b" => PreTokenizer::SmolLm,
            "llama3" | "llama-bpe" | "falcon3" | "pixtral" | "lfm2" | "jina-v5-nano" => {
                PreTokenizer::Llama3
            }
            "qwen2" | "deepseek-r1-qwen" | "stablelm2" | "hunyuan" | "kormo" | "f2llmv2" => {
                PreTokenizer::Qwen2
            }
            _ => return None,
        })
    }

    /// llama.cpp's `ignore_merges`: a word that is a whole vocabulary token is taken as is.
    pub fn ignores_merges(self) -> bool {
        matches!(self, PreTokenizer::Llama3)
    }

    /// llama.cpp's default `add_bos` for this pre-tokenizer, before metadata overrides it.
    pub fn default_add_bos(self) -> bool {
        matches!(self, PreTokenizer::Llama3)
    }
}

/// Code point at byte `i` of `s` and its length; invalid UTF-8 is one
/// U+FFFD per byte, as llama.cpp's `unicode_cpts_from_utf8` reads it.
fn dec(s: &[u8], i: usize) -> Option<(char, usize)> {
    let b0 = *s.get(i)?;
    let n = match b0 {
        0x00..=0x7F => return Some((char::from(b0), 1)),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return Some(('\u{FFFD}', 1)),
    };
    let bytes = match s.get(i..i + n) {
        Some(b) => b,
        None => return Some(('\u{FFFD}', 1)),
    };
    match core::str::from_utf8(bytes)
        .ok()
        .and_then(|t| t.chars().next())
    {
        Some(c) => Some((c, n)),
        None => Some(('\u{FFFD}', 1)),
    }
}

/// Flags of the code point at a position: `None` outside the fragment.
#[derive(Clone, Copy)]
struct Flags {
    letter: bool,
    number: bool,
    space: bool,
}

fn flags_at(s: &[u8], i: usize) -> Option<(char, usize, Flags)> {
    let (c, n) = dec(s, i)?;
    let class = llama_class(c);
    Some((
        c,
        n,
        Flags {
            letter: class == Class::Letter,
            number: class == Class::Number,
            space: c.is_whitespace(),
        },
    ))
}

fn is_letter(s: &[u8], i: usize) -> bool {
    flags_at(s, i).is_some_and(|(_, _, f)| f.letter)
}
fn is_number(s: &[u8], i: usize) -> bool {
    flags_at(s, i).is_some_and(|(_, _, f)| f.number)
}
fn is_space(s: &[u8], i: usize) -> bool {
    flags_at(s, i).is_some_and(|(_, _, f)| f.space)
}
/// `[^\s\p{L}\p{N}]` and inside the fragment.
fn is_other(s: &[u8], i: usize) -> bool {
    flags_at(s, i).is_some_and(|(_, _, f)| !(f.space || f.letter || f.number))
}
fn cp(s: &[u8], i: usize) -> Option<char> {
    dec(s, i).map(|(c, _)| c)
}
/// Byte index one code point after `i`.
fn next(s: &[u8], i: usize) -> usize {
    dec(s, i).map_or(s.len(), |(_, n)| i + n)
}

/// Calls `word(start, end)` for every pre-token of `s` (byte ranges, in order).
pub(crate) fn split<E>(
    pre: PreTokenizer,
    s: &[u8],
    word: &mut dyn FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    match pre {
        PreTokenizer::Gpt2 => gpt2(s, 0, word),
        PreTokenizer::Llama3 => llama3(s, 3, word),
        PreTokenizer::Qwen2 => llama3(s, 1, word),
        PreTokenizer::SmolLm => {
            // First regex `\p{N}`: each number alone, the text between kept whole.
            let mut start = 0;
            let mut i = 0;
            while i < s.len() {
                let n = next(s, i);
                if is_number(s, i) {
                    if start < i {
                        gpt2(s.get(start..i).unwrap_or(&[]), start, word)?;
                    }
                    gpt2(s.get(i..n).unwrap_or(&[]), i, word)?;
                    start = n;
                }
                i = n;
            }
            if start < s.len() {
                gpt2(s.get(start..).unwrap_or(&[]), start, word)?;
            }
            Ok(())
        }
    }
}

/// `'s|'t|'re|'ve|'m|'ll|'d` at `pos` (a `'` is there); `lower` folds ASCII case (LLaMA-3).
fn contraction(s: &[u8], pos: usize, lower: bool) -> Option<usize> {
    let fold = |c: Option<char>| c.map(|c| if lower { c.to_ascii_lowercase() } else { c });
    let p1 = pos + 1;
    let c1 = fold(cp(s, p1))?;
    if matches!(c1, 's' | 't' | 'm' | 'd') {
        return Some(p1 + 1);
    }
    let p2 = next(s, p1);
    let c2 = fold(cp(s, p2))?;
    if matches!((c1, c2), ('r', 'e') | ('v', 'e') | ('l', 'l')) {
        return Some(p2 + 1);
    }
    None
}

fn gpt2<E>(
    s: &[u8],
    base: usize,
    word: &mut dyn FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    let mut pos = 0;
    while pos < s.len() {
        let Some((c, n, flags)) = flags_at(s, pos) else {
            break;
        };
        let start = pos;
        let mut emit = |end: usize| word(base + start, base + end);

        if c == '\'' {
            if let Some(end) = contraction(s, pos, false) {
                emit(end)?;
                pos = end;
                continue;
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: the class of the char after an optional space.
        let at = if c == ' ' { pos + n } else { pos };
        let f2 = if c == ' ' {
            flags_at(s, at).map(|x| x.2)
        } else {
            Some(flags)
        };
        if let Some(f2) = f2 {
            let run: Option<fn(&[u8], usize) -> bool> = if f2.letter {
                Some(is_letter)
            } else if f2.number {
                Some(is_number)
            } else if !f2.space {
                Some(is_other)
            } else {
                None
            };
            if let Some(run) = run {
                let mut p = at;
                while run(s, p) {
                    p = next(s, p);
                }
                emit(p)?;
                pos = p;
                continue;
            }
        }
        // `\s+(?!\S)|\s+`
        let (ws_end, ws_count, last_ws_start) = whitespace_run(s, pos);
        if ws_count > 1 && ws_end < s.len() {
            emit(last_ws_start)?;
            pos = last_ws_start;
            continue;
        }
        if ws_count > 0 {
            emit(ws_end)?;
            pos = ws_end;
            continue;
        }
        emit(pos + n)?;
        pos += n;
    }
    Ok(())
}

/// From `pos`: end of the whitespace run, its length in code points, and
/// where its last code point starts.
fn whitespace_run(s: &[u8], pos: usize) -> (usize, usize, usize) {
    let mut p = pos;
    let mut count = 0;
    let mut last = pos;
    while is_space(s, p) {
        last = p;
        p = next(s, p);
        count += 1;
    }
    (p, count, last)
}

fn llama3<E>(
    s: &[u8],
    max_digits: usize,
    word: &mut dyn FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    let mut pos = 0;
    while pos < s.len() {
        let Some((c, n, flags)) = flags_at(s, pos) else {
            break;
        };
        let start = pos;

        if c == '\'' {
            if let Some(end) = contraction(s, pos, true) {
                word(start, end)?;
                pos = end;
                continue;
            }
        }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        if !(c == '\r' || c == '\n' || flags.number) && (flags.letter || is_letter(s, pos + n)) {
            let mut p = pos + n;
            while is_letter(s, p) {
                p = next(s, p);
            }
            word(start, p)?;
            pos = p;
            continue;
        }
        // `\p{N}{1,3}` (Qwen2: `\p{N}`)
        if flags.number {
            let mut p = pos;
            let mut ini = pos;
            let mut digits = 0;
            while is_number(s, p) {
                p = next(s, p);
                digits += 1;
                if digits >= max_digits {
                    word(ini, p)?;
                    ini = p;
                    digits = 0;
                }
            }
            if ini < p {
                word(ini, p)?;
            }
            pos = p;
            continue;
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let f2 = if c == ' ' {
            flags_at(s, pos + n).map(|x| x.2)
        } else {
            Some(flags)
        };
        let f2_other = match f2 {
            Some(f) => !(f.space || f.letter || f.number),
            // Past the fragment the C++ flags are empty: "not space/letter/number" holds.
            None => true,
        };
        if f2_other {
            let mut p = if c == ' ' { pos + n } else { pos };
            while is_other(s, p) {
                p = next(s, p);
            }
            while matches!(cp(s, p), Some('\r' | '\n')) {
                p = next(s, p);
            }
            word(start, p)?;
            pos = p;
            continue;
        }
        // `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`
        let mut p = pos;
        let mut count = 0;
        let mut last = pos;
        let mut last_rn_end = None;
        while is_space(s, p) {
            last = p;
            let np = next(s, p);
            if matches!(cp(s, p), Some('\r' | '\n')) {
                last_rn_end = Some(np);
            }
            p = np;
            count += 1;
        }
        if let Some(end) = last_rn_end {
            word(start, end)?;
            pos = end;
            continue;
        }
        if count > 1 && p < s.len() {
            word(start, last)?;
            pos = last;
            continue;
        }
        if count > 0 {
            word(start, p)?;
            pos = p;
            continue;
        }
        word(start, pos + n)?;
        pos += n;
    }
    Ok(())
}
