//! Character classes the tokenizers split on, looked up in the generated
//! tables (tools/gen-unicode-tables.py says where each table comes from).

use super::unicode_tables::{
    BERT_MN, BERT_OTHER, BERT_PUNCT, LLAMA_CLASS, NFD_STRIP, NFD_STRIP_MAX,
};

fn in_ranges(table: &[(u32, u32)], c: u32) -> bool {
    // First range whose end is >= c; c is inside if that range starts <= c.
    let i = table.partition_point(|&(_, hi)| hi < c);
    table.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// BERT text cleaning drops these: NUL, U+FFFD and "other" (Cc, Cf, Co)
/// characters except tab, newline and carriage return (which are whitespace).
pub(crate) fn bert_is_dropped(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        '\0' | '\u{FFFD}' => true,
        _ => in_ranges(BERT_OTHER, c as u32),
    }
}

/// ASCII punctuation or Unicode P*, as BERT's pre-tokenizer isolates them.
pub(crate) fn bert_is_punct(c: char) -> bool {
    in_ranges(BERT_PUNCT, c as u32)
}

/// CJK ideographs that BERT surrounds with spaces (`BertNormalizer::is_chinese_char`).
pub(crate) fn bert_is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

/// A character's canonical decomposition without non-spacing marks, as BERT's
/// accent stripping (NFD, then drop Mn) produces it: at most 3 characters.
pub(crate) struct Stripped {
    buf: [u32; NFD_STRIP_MAX],
    len: usize,
    at: usize,
}

impl Iterator for Stripped {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        while self.at < self.len {
            let c = self.buf.get(self.at).copied();
            self.at += 1;
            if let Some(c) = c.and_then(char::from_u32) {
                return Some(c);
            }
        }
        None
    }
}

/// NFD of `c` with Mn marks removed.
pub(crate) fn bert_strip_accents(c: char) -> Stripped {
    let cp = c as u32;
    let mut out = Stripped {
        buf: [0; NFD_STRIP_MAX],
        len: 0,
        at: 0,
    };
    // Hangul syllables decompose algorithmically into 2 or 3 jamo (none is Mn).
    const S_BASE: u32 = 0xAC00;
    const S_COUNT: u32 = 11172;
    if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
        let s = cp - S_BASE;
        out.buf[0] = 0x1100 + s / (21 * 28);
        out.buf[1] = 0x1161 + (s % (21 * 28)) / 28;
        out.len = 2;
        if !s.is_multiple_of(28) {
            out.buf[2] = 0x11A7 + s % 28;
            out.len = 3;
        }
        return out;
    }
    if in_ranges(BERT_MN, cp) {
        return out;
    }
    match NFD_STRIP.binary_search_by_key(&cp, |&(k, _)| k) {
        Ok(i) => {
            if let Some(&(_, d)) = NFD_STRIP.get(i) {
                out.buf = d;
                out.len = d.iter().take_while(|&&x| x != 0).count();
            }
        }
        Err(_) => {
            out.buf[0] = cp;
            out.len = 1;
        }
    }
    out
}

/// llama.cpp's code point class: the only categories its GPT-2, LLaMA-3 and
/// Qwen2 splitters test (plus White_Space, which is `char::is_whitespace`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    /// `\p{L}`
    Letter,
    /// `\p{N}`
    Number,
    /// Anything else.
    Other,
}

pub(crate) fn llama_class(c: char) -> Class {
    if c.is_ascii() {
        // The table's ASCII runs, without the search.
        return if c.is_ascii_alphabetic() {
            Class::Letter
        } else if c.is_ascii_digit() {
            Class::Number
        } else {
            Class::Other
        };
    }
    let cp = c as u32;
    let i = LLAMA_CLASS.partition_point(|&(start, _)| start <= cp);
    match i.checked_sub(1).and_then(|i| LLAMA_CLASS.get(i)) {
        Some(&(_, 1)) => Class::Letter,
        Some(&(_, 2)) => Class::Number,
        _ => Class::Other,
    }
}

// `bert_strip_accents` writes Hangul jamo into three slots.
const _: () = assert!(NFD_STRIP_MAX >= 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_known_characters() {
        assert!(
            bert_is_punct('!') && bert_is_punct('$') && bert_is_punct('¿') && bert_is_punct('「')
        );
        assert!(!bert_is_punct('a') && !bert_is_punct('€'));
        assert!(bert_is_dropped('\u{200B}') && bert_is_dropped('\u{7}') && !bert_is_dropped('\n'));
        let mut e = bert_strip_accents('é');
        assert_eq!((e.next(), e.next()), (Some('e'), None));
        assert_eq!(bert_strip_accents('\u{301}').count(), 0);
        assert_eq!(bert_strip_accents('한').count(), 3);
        assert_eq!(llama_class('a'), Class::Letter);
        assert_eq!(llama_class('٣'), Class::Number);
        assert_eq!(llama_class('!'), Class::Other);
        assert_eq!(llama_class('中'), Class::Letter);
        // The ASCII shortcut agrees with the table.
        for b in 0u8..128 {
            let c = char::from(b);
            let i = LLAMA_CLASS.partition_point(|&(start, _)| start <= u32::from(b));
            let want = match LLAMA_CLASS[i - 1].1 {
                1 => Class::Letter,
                2 => Class::Number,
                _ => Class::Other,
            };
            assert_eq!(llama_class(c), want, "{b:#x}");
        }
    }
}
