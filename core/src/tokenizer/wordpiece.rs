//! WordPiece (BERT) tokenizer, matching Hugging Face `tokenizers`'
//! BertNormalizer + BertPreTokenizer + WordPiece + BERT post-processing.
//!
//! Pipeline for each text:
//! 1. special tokens written literally (`[CLS]`, `[SEP]`, `[MASK]`, ...) are
//!    split out first, leftmost-longest, on the raw text (HF's added vocabulary);
//! 2. the rest is normalized character by character: clean (drop NUL, U+FFFD,
//!    Cc/Cf/Co; whitespace becomes a space), spaces around CJK ideographs,
//!    accent stripping (NFD, drop Mn), lower-casing;
//! 3. split on whitespace, and every punctuation character is its own word;
//! 4. each word becomes its greedy longest-match pieces, or `[UNK]` when a
//!    part has no piece or the word is longer than 100 characters;
//! 5. `[CLS] ... [SEP]`, keeping at most `max_len` ids.
//!
//! Vocabulary forms: llama.cpp's BERT GGUFs store WordPiece in "phantom space"
//! form (`tokenizer.ggml.model = "bert"`): a word-initial piece `foo` is stored
//! as `▁foo`, a continuation `##bar` as `bar`, control tokens unchanged.
//! [`PieceForm::Phantom`] reads that; [`PieceForm::Hash`] reads vocab.txt form.

use super::strings::{index_bytes, Dup, Hasher, Key, TokenIndex};
use super::unicode::{bert_is_cjk, bert_is_dropped, bert_is_punct, bert_strip_accents};
use super::{Error, Vocab};
use crate::arena::{bytes_for, Arena, ARENA_ALIGN};

/// How word-initial and continuation pieces are spelled in the vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PieceForm {
    /// vocab.txt / tokenizer.json: `foo`, `##bar`.
    Hash,
    /// llama.cpp GGUF: `▁foo`, `bar`.
    Phantom,
}

impl PieceForm {
    /// Prefix of a word-initial piece and of a continuation piece.
    fn prefixes(self) -> (&'static [u8], &'static [u8]) {
        match self {
            PieceForm::Hash => (b"", b"##"),
            PieceForm::Phantom => ("\u{2581}".as_bytes(), b""),
        }
    }
}

/// BERT tokenizer options (Hugging Face tokenizer.json's `normalizer` and `model`).
#[derive(Clone, Copy, Debug)]
pub struct WordPieceConfig {
    /// Lower-case (`do_lower_case`, uncased models).
    pub lowercase: bool,
    /// Strip accents (NFD, drop Mn); HF's default follows `lowercase`.
    pub strip_accents: bool,
    /// Drop control characters and normalize whitespace.
    pub clean_text: bool,
    /// Put spaces around CJK ideographs.
    pub handle_cjk: bool,
    /// Most ids per sequence, `[CLS]` and `[SEP]` included (256 for all-MiniLM-L6-v2
    /// as sentence-transformers runs it; `usize::MAX` for none).
    pub max_len: usize,
    /// Words with more characters become `[UNK]` (HF `max_input_chars_per_word`), at most 128.
    pub max_chars_per_word: usize,
    /// Spelling of pieces in the vocabulary.
    pub form: PieceForm,
    /// `[CLS]` id; `None` looks up the text `[CLS]`.
    pub cls: Option<u32>,
    /// `[SEP]` id; `None` looks up `[SEP]`.
    pub sep: Option<u32>,
    /// `[UNK]` id; `None` looks up `[UNK]`.
    pub unk: Option<u32>,
}

impl Default for WordPieceConfig {
    /// Uncased BERT (bert-base-uncased, all-MiniLM-L6-v2), 512 ids.
    fn default() -> Self {
        WordPieceConfig {
            lowercase: true,
            strip_accents: true,
            clean_text: true,
            handle_cjk: true,
            max_len: 512,
            max_chars_per_word: 100,
            form: PieceForm::Hash,
            cls: None,
            sep: None,
            unk: None,
        }
    }
}

/// Longest word (in normalized characters) the tokenizer buffers.
const WORD_CHARS: usize = 128;

/// Special tokens recognized in text when the vocabulary records no types.
const DEFAULT_SPECIALS: [&[u8]; 5] = [b"[PAD]", b"[UNK]", b"[CLS]", b"[SEP]", b"[MASK]"];

/// A WordPiece tokenizer over a vocabulary read in place.
pub struct WordPiece<'a, 's> {
    index: TokenIndex<'a, 's>,
    /// Ids matched literally in the raw text.
    specials: &'s [u32],
    cfg: WordPieceConfig,
    cls: u32,
    sep: u32,
    unk: u32,
}

/// `prefix + piece`, hashed and compared without building it.
struct Prefixed<'k> {
    prefix: &'static [u8],
    piece: &'k [u8],
}

impl Key for Prefixed<'_> {
    fn hash(&self) -> u64 {
        let mut h = Hasher::new();
        h.bytes(self.prefix);
        h.bytes(self.piece);
        h.finish()
    }
    fn matches(&self, stored: &[u8]) -> bool {
        stored.len() == self.prefix.len() + self.piece.len()
            && stored.starts_with(self.prefix)
            && stored.ends_with(self.piece)
    }
}

/// Why encoding stopped early.
enum Stop {
    /// `max_len` reached: the rest is truncated, as HF does.
    Truncated,
    /// The caller's buffer is full.
    Full,
}

/// Output cursor: content ids go to `out[1..]` (after `[CLS]`).
struct Sink<'o> {
    out: &'o mut [u32],
    n: usize,
    /// Most content ids kept.
    limit: usize,
}

impl Sink<'_> {
    fn push(&mut self, id: u32) -> Result<(), Stop> {
        if self.n >= self.limit {
            return Err(Stop::Truncated);
        }
        let slot = self.out.get_mut(self.n).ok_or(Stop::Full)?;
        *slot = id;
        self.n += 1;
        Ok(())
    }
}

/// The word being accumulated from normalized characters.
struct Word {
    buf: [u8; WORD_CHARS * 4],
    bytes: usize,
    chars: usize,
}

impl<'a, 's> WordPiece<'a, 's> {
    /// Scratch bytes [`WordPiece::new`] needs for `vocab`.
    pub fn scratch_bytes(vocab: &Vocab<'_>) -> usize {
        let specials = match vocab.types {
            Some(_) => vocab.special_count(),
            None => DEFAULT_SPECIALS.len(),
        };
        index_bytes(vocab.len())
            .and_then(|b| b.checked_add(bytes_for::<u32>(specials)?))
            .and_then(|b| b.checked_add(ARENA_ALIGN))
            .unwrap_or(usize::MAX)
    }

    /// Builds the lookup tables in `scratch` (at least [`WordPiece::scratch_bytes`]).
    pub fn new(
        vocab: &Vocab<'a>,
        cfg: WordPieceConfig,
        scratch: &'s mut [u8],
    ) -> Result<Self, Error> {
        let mut arena = Arena::new(scratch);
        let index = TokenIndex::build(&vocab.tokens, &mut arena, Dup::KeepLast, "tokens")?;
        let n_special = match vocab.types {
            Some(_) => vocab.special_count(),
            None => DEFAULT_SPECIALS
                .iter()
                .filter(|t| index.find(&**t).is_some())
                .count(),
        };
        let specials: &'s mut [u32] = arena.take(n_special)?;
        let mut k = 0;
        match vocab.types {
            Some(_) => {
                for id in 0..vocab.len() {
                    if vocab.token_type(id).is_special() {
                        if let Some(s) = specials.get_mut(k) {
                            *s = id as u32;
                            k += 1;
                        }
                    }
                }
            }
            None => {
                for t in DEFAULT_SPECIALS {
                    if let (Some(id), Some(s)) = (index.find(&t), specials.get_mut(k)) {
                        *s = id;
                        k += 1;
                    }
                }
            }
        }
        let n_vocab = index.len();
        let pick = |given: Option<u32>, text: &'static str| -> Result<u32, Error> {
            match given {
                Some(id) if (id as usize) < n_vocab => Ok(id),
                Some(id) => Err(Error::TokenIdOutOfRange {
                    what: text,
                    id,
                    n_vocab,
                }),
                None => index
                    .find(&text.as_bytes())
                    .ok_or(Error::MissingToken { what: text }),
            }
        };
        let cls = pick(cfg.cls, "[CLS]")?;
        let sep = pick(cfg.sep, "[SEP]")?;
        let unk = pick(cfg.unk, "[UNK]")?;
        let mut cfg = cfg;
        cfg.max_chars_per_word = cfg.max_chars_per_word.min(WORD_CHARS);
        Ok(WordPiece {
            index,
            specials,
            cfg,
            cls,
            sep,
            unk,
        })
    }

    /// Vocabulary size.
    pub fn n_vocab(&self) -> usize {
        self.index.len()
    }

    /// `[CLS]` id.
    pub fn cls(&self) -> u32 {
        self.cls
    }

    /// `[SEP]` id.
    pub fn sep(&self) -> u32 {
        self.sep
    }

    /// `[UNK]` id.
    pub fn unk(&self) -> u32 {
        self.unk
    }

    /// The options in use.
    pub fn config(&self) -> &WordPieceConfig {
        &self.cfg
    }

    /// Token `id` as stored in the vocabulary.
    pub fn token(&self, id: u32) -> Option<&'a [u8]> {
        self.index.get(id)
    }

    /// Token `id` as Hugging Face spells it (`foo`, `##bar`, `[CLS]`), as a
    /// prefix and the stored bytes after the vocabulary's own prefix.
    pub fn hf_token(&self, id: u32) -> Option<(&'static str, &'a [u8])> {
        let t = self.index.get(id)?;
        if self.cfg.form == PieceForm::Hash || self.specials.contains(&id) {
            return Some(("", t));
        }
        match t.strip_prefix("\u{2581}".as_bytes()) {
            Some(rest) => Some(("", rest)),
            None => Some(("##", t)),
        }
    }

    /// Id of a vocabulary string (stored form).
    pub fn token_id(&self, text: &[u8]) -> Option<u32> {
        self.index.find(&text)
    }

    /// Encodes `text` as `[CLS] pieces [SEP]` into `out`, truncated to
    /// `max_len` ids; returns the count. Errors when `out` cannot hold them.
    pub fn encode(&self, text: &str, out: &mut [u32]) -> Result<usize, Error> {
        self.encode_with(text, true, out)
    }

    /// As [`WordPiece::encode`]; `add_special = false` leaves out `[CLS]`/`[SEP]`
    /// (the `max_len` limit then applies to the pieces alone).
    pub fn encode_with(
        &self,
        text: &str,
        add_special: bool,
        out: &mut [u32],
    ) -> Result<usize, Error> {
        let capacity = out.len();
        let extra = if add_special { 2 } else { 0 };
        let limit = self.cfg.max_len.saturating_sub(extra);
        let (head, body) = if add_special {
            let (h, b) = out
                .split_first_mut()
                .ok_or(Error::OutputTooSmall { capacity })?;
            *h = self.cls;
            (1, b)
        } else {
            (0, out)
        };
        let mut sink = Sink {
            out: body,
            n: 0,
            limit,
        };
        match self.encode_specials(text, &mut sink) {
            Ok(()) | Err(Stop::Truncated) => {}
            Err(Stop::Full) => return Err(Error::OutputTooSmall { capacity }),
        }
        let n = sink.n;
        if add_special {
            let slot = sink
                .out
                .get_mut(n)
                .ok_or(Error::OutputTooSmall { capacity })?;
            *slot = self.sep;
        }
        Ok(head + n + if add_special { 1 } else { 0 })
    }

    /// Splits out literal special tokens (leftmost, then longest), and
    /// tokenizes the text between them.
    fn encode_specials(&self, text: &str, sink: &mut Sink<'_>) -> Result<(), Stop> {
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let mut best: Option<(u32, usize)> = None;
            for &id in self.specials {
                let Some(t) = self.index.get(id) else {
                    continue;
                };
                if !t.is_empty()
                    && bytes.get(i..).is_some_and(|rest| rest.starts_with(t))
                    && best.is_none_or(|(_, len)| t.len() > len)
                {
                    best = Some((id, t.len()));
                }
            }
            match best {
                Some((id, len)) => {
                    self.encode_text(text.get(start..i).unwrap_or(""), sink)?;
                    sink.push(id)?;
                    i += len;
                    start = i;
                }
                None => i += 1,
            }
        }
        self.encode_text(text.get(start..).unwrap_or(""), sink)
    }

    /// Normalizes and pre-tokenizes `text` on the fly, word by word.
    fn encode_text(&self, text: &str, sink: &mut Sink<'_>) -> Result<(), Stop> {
        let mut word = Word {
            buf: [0; WORD_CHARS * 4],
            bytes: 0,
            chars: 0,
        };
        for c in text.chars() {
            let c = if self.cfg.clean_text {
                if bert_is_dropped(c) {
                    continue;
                }
                if c.is_whitespace() {
                    ' '
                } else {
                    c
                }
            } else {
                c
            };
            if self.cfg.handle_cjk && bert_is_cjk(c) {
                self.pre_tokenize(' ', &mut word, sink)?;
                self.normalize(c, &mut word, sink)?;
                self.pre_tokenize(' ', &mut word, sink)?;
            } else {
                self.normalize(c, &mut word, sink)?;
            }
        }
        self.flush(&mut word, sink)
    }

    /// Accent stripping then lower-casing (HF's order).
    fn normalize(&self, c: char, word: &mut Word, sink: &mut Sink<'_>) -> Result<(), Stop> {
        if self.cfg.strip_accents {
            for d in bert_strip_accents(c) {
                self.lower(d, word, sink)?;
            }
            Ok(())
        } else {
            self.lower(c, word, sink)
        }
    }

    fn lower(&self, c: char, word: &mut Word, sink: &mut Sink<'_>) -> Result<(), Stop> {
        if self.cfg.lowercase {
            for l in c.to_lowercase() {
                self.pre_tokenize(l, word, sink)?;
            }
            Ok(())
        } else {
            self.pre_tokenize(c, word, sink)
        }
    }

    /// BertPreTokenizer: whitespace ends a word; punctuation is a word of its own.
    fn pre_tokenize(&self, c: char, word: &mut Word, sink: &mut Sink<'_>) -> Result<(), Stop> {
        if c.is_whitespace() {
            return self.flush(word, sink);
        }
        if bert_is_punct(c) {
            self.flush(word, sink)?;
            push_char(word, c);
            return self.flush(word, sink);
        }
        push_char(word, c);
        Ok(())
    }

    /// Emits the pieces of the buffered word and clears it.
    fn flush(&self, word: &mut Word, sink: &mut Sink<'_>) -> Result<(), Stop> {
        if word.chars == 0 {
            return Ok(());
        }
        let chars = word.chars;
        let len = word.bytes;
        word.chars = 0;
        word.bytes = 0;
        if chars > self.cfg.max_chars_per_word {
            return sink.push(self.unk);
        }
        let w = word.buf.get(..len).unwrap_or(&[]);
        // HF decides a word's fate before truncating, so check that every
        // part has a piece before emitting any.
        if !self.pieces(w, &mut |_| Ok(())).unwrap_or(false) {
            return sink.push(self.unk);
        }
        self.pieces(w, &mut |id| sink.push(id)).map(|_| ())
    }

    /// Greedy longest-match pieces of `w`, passed to `emit`; `Ok(false)` when
    /// some part has no piece (the word is `[UNK]`).
    fn pieces(
        &self,
        w: &[u8],
        emit: &mut dyn FnMut(u32) -> Result<(), Stop>,
    ) -> Result<bool, Stop> {
        let (initial, continuation) = self.cfg.form.prefixes();
        let mut start = 0;
        while start < w.len() {
            let prefix = if start == 0 { initial } else { continuation };
            let mut end = w.len();
            let mut found = None;
            while end > start {
                let piece = w.get(start..end).unwrap_or(&[]);
                // Phantom form spells word-initial `x` as `▁x` and continuation
                // `##y` as `y`, so a continuation starting with `▁` would hit a
                // word-initial piece: BERT vocabularies have no `##▁` pieces.
                let ambiguous = start > 0
                    && self.cfg.form == PieceForm::Phantom
                    && piece.starts_with("\u{2581}".as_bytes());
                if !ambiguous {
                    if let Some(id) = self.index.find(&Prefixed { prefix, piece }) {
                        found = Some(id);
                        break;
                    }
                }
                end -= 1;
                // Back up to a character boundary.
                while end > start && w.get(end).is_some_and(|&b| b & 0xC0 == 0x80) {
                    end -= 1;
                }
            }
            match found {
                Some(id) => emit(id)?,
                None => return Ok(false),
            }
            start = end;
        }
        Ok(true)
    }
}

fn push_char(word: &mut Word, c: char) {
    word.chars += 1;
    if word.chars > WORD_CHARS {
        // Too long for any piece lookup: flush() turns it into [UNK].
        return;
    }
    let mut tmp = [0u8; 4];
    let s = c.encode_utf8(&mut tmp).as_bytes();
    if let Some(dst) = word.buf.get_mut(word.bytes..word.bytes + s.len()) {
        dst.copy_from_slice(s);
        word.bytes += s.len();
    }
}
