//! Byte-level BPE (GPT-2 / LLaMA-3 / Qwen2 / SmolLM2), matching llama.cpp's
//! `llm_tokenizer_bpe` for `tokenizer.ggml.model = "gpt2"`.
//!
//! Encoding a text:
//! 1. special tokens (control, user-defined, unknown types) are cut out of the
//!    raw text, longest token first, as llama.cpp's `tokenizer_st_partition`
//!    does (control and unknown ones only when `parse_special`);
//! 2. each remaining fragment is split into words by the model's
//!    pre-tokenizer ([`PreTokenizer`]);
//! 3. each word's bytes are seen through the byte-level mapping and merged
//!    pairwise, lowest merge rank first (leftmost on ties), until no adjacent
//!    pair has a merge; each resulting symbol is a token (or, if a symbol is
//!    not in the vocabulary, its single-byte pieces are, as llama.cpp falls back).
//!
//! Nothing is copied out of the vocabulary: the lookup tables are hash tables
//! of ids in the caller's scratch, keyed by hashing the mapped bytes on the fly.

use super::byte_map::{mapped, unmapped};
use super::pretokenize::{split, PreTokenizer};
use super::strings::{index_bytes, Dup, Hasher, Key, TokenIndex};
use super::{Error, TokenType, Vocab};
use crate::arena::{bytes_for, Arena, ARENA_ALIGN};

/// BPE options, normally read from GGUF metadata.
#[derive(Clone, Copy, Debug)]
pub struct BpeConfig {
    /// `tokenizer.ggml.pre`.
    pub pre: PreTokenizer,
    /// `tokenizer.ggml.add_bos_token` (default: the pre-tokenizer's, as llama.cpp).
    pub add_bos: bool,
    /// `tokenizer.ggml.add_eos_token`.
    pub add_eos: bool,
    /// `tokenizer.ggml.bos_token_id`.
    pub bos: Option<u32>,
    /// `tokenizer.ggml.eos_token_id`.
    pub eos: Option<u32>,
}

impl BpeConfig {
    /// llama.cpp's defaults for a pre-tokenizer, before metadata overrides.
    pub fn new(pre: PreTokenizer) -> Self {
        BpeConfig {
            pre,
            add_bos: pre.default_add_bos(),
            add_eos: false,
            bos: None,
            eos: None,
        }
    }
}

/// Marks a byte of a word that does not start a symbol (merge work space).
const NOT_START: u32 = u32::MAX;
/// A symbol with no merge to its right.
const NO_MERGE: u32 = u32::MAX - 1;
/// Words up to this many bytes use a work buffer on the stack; longer ones
/// use the free tail of the output buffer.
const STACK_WORK: usize = 256;

/// A byte-level BPE tokenizer over a vocabulary read in place.
pub struct Bpe<'a, 's> {
    vocab: Vocab<'a>,
    tokens: TokenIndex<'a, 's>,
    merges: TokenIndex<'a, 's>,
    /// Special token ids, longest text first (ties by id).
    specials: &'s [u32],
    cfg: BpeConfig,
}

/// Raw bytes seen through the byte-level mapping.
struct Mapped<'k>(&'k [u8]);

impl Key for Mapped<'_> {
    fn hash(&self) -> u64 {
        let mut h = Hasher::new();
        for &b in self.0 {
            h.bytes(mapped(b));
        }
        h.finish()
    }
    fn matches(&self, stored: &[u8]) -> bool {
        mapped_prefix_len(self.0, stored) == Some(stored.len())
    }
}

/// If `stored` starts with the mapped spelling of `raw`, that prefix's length.
/// (Byte by byte: the pieces are 1-2 bytes, too short for `memcmp` to pay.)
#[inline]
fn mapped_prefix_len(raw: &[u8], stored: &[u8]) -> Option<usize> {
    let mut i = 0;
    for &b in raw {
        for &m in mapped(b) {
            if stored.get(i) != Some(&m) {
                return None;
            }
            i += 1;
        }
    }
    Some(i)
}

/// A merge `"left right"` of two raw byte runs, mapped.
struct MergeKey<'k>(&'k [u8], &'k [u8]);

impl Key for MergeKey<'_> {
    fn hash(&self) -> u64 {
        let mut h = Hasher::new();
        for &b in self.0 {
            h.bytes(mapped(b));
        }
        h.byte(b' ');
        for &b in self.1 {
            h.bytes(mapped(b));
        }
        h.finish()
    }
    fn matches(&self, stored: &[u8]) -> bool {
        let Some(i) = mapped_prefix_len(self.0, stored) else {
            return false;
        };
        match stored.get(i..) {
            Some([b' ', rest @ ..]) => Mapped(self.1).matches(rest),
            _ => false,
        }
    }
}

/// First occurrence of `needle` (non-empty) in `hay`: scan for its first
/// byte, compare the rest only there.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let last_start = hay.len().checked_sub(needle.len())?;
    let mut i = 0;
    while i <= last_start {
        let at = hay.get(i..=last_start)?.iter().position(|&b| b == first)?;
        i += at;
        if hay.get(i + 1..i + needle.len()) == Some(tail) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Output cursor over the caller's id buffer.
struct Out<'o> {
    ids: &'o mut [u32],
    n: usize,
}

impl Out<'_> {
    fn push(&mut self, id: u32) -> Result<(), Error> {
        let capacity = self.ids.len();
        let slot = self
            .ids
            .get_mut(self.n)
            .ok_or(Error::OutputTooSmall { capacity })?;
        *slot = id;
        self.n += 1;
        Ok(())
    }
}

impl<'a, 's> Bpe<'a, 's> {
    /// Scratch bytes [`Bpe::new`] needs for `vocab`.
    pub fn scratch_bytes(vocab: &Vocab<'_>) -> usize {
        let n_merges = vocab.merges.map_or(0, |m| m.len());
        index_bytes(vocab.len())
            .and_then(|b| b.checked_add(index_bytes(n_merges)?))
            .and_then(|b| b.checked_add(bytes_for::<u32>(vocab.special_count())?))
            .and_then(|b| b.checked_add(ARENA_ALIGN))
            .unwrap_or(usize::MAX)
    }

    /// Builds the lookup tables in `scratch` (at least [`Bpe::scratch_bytes`]).
    pub fn new(vocab: &Vocab<'a>, cfg: BpeConfig, scratch: &'s mut [u8]) -> Result<Self, Error> {
        let mut arena = Arena::new(scratch);
        let tokens = TokenIndex::build(&vocab.tokens, &mut arena, Dup::KeepLast, "tokens")?;
        let empty = super::StrArray::new(&[], 0, "merges")?;
        let merges = TokenIndex::build(
            vocab.merges.as_ref().unwrap_or(&empty),
            &mut arena,
            Dup::KeepFirst,
            "merges",
        )?;
        let n_special = vocab.special_count();
        let specials: &'s mut [u32] = arena.take(n_special)?;
        let mut k = 0;
        for id in 0..vocab.len() {
            if vocab.token_type(id).is_special() {
                if let Some(s) = specials.get_mut(k) {
                    *s = id as u32;
                    k += 1;
                }
            }
        }
        specials.sort_unstable_by_key(|&id| {
            (
                core::cmp::Reverse(tokens.get(id).map_or(0, <[u8]>::len)),
                id,
            )
        });
        let n_vocab = tokens.len();
        for (what, id) in [("bos", cfg.bos), ("eos", cfg.eos)] {
            if let Some(id) = id {
                if id as usize >= n_vocab {
                    return Err(Error::TokenIdOutOfRange { what, id, n_vocab });
                }
            }
        }
        if cfg.add_bos && cfg.bos.is_none() {
            return Err(Error::MissingToken { what: "bos" });
        }
        if cfg.add_eos && cfg.eos.is_none() {
            return Err(Error::MissingToken { what: "eos" });
        }
        Ok(Bpe {
            vocab: *vocab,
            tokens,
            merges,
            specials,
            cfg,
        })
    }

    /// Vocabulary size.
    pub fn n_vocab(&self) -> usize {
        self.tokens.len()
    }

    /// The options in use.
    pub fn config(&self) -> &BpeConfig {
        &self.cfg
    }

    /// Token `id` as stored (byte-level mapped for normal tokens).
    pub fn token(&self, id: u32) -> Option<&'a [u8]> {
        self.tokens.get(id)
    }

    /// Type of token `id`.
    pub fn token_type(&self, id: u32) -> TokenType {
        self.vocab.token_type(id as usize)
    }

    /// Id of a stored token string.
    pub fn token_id(&self, text: &[u8]) -> Option<u32> {
        self.tokens.find(&text)
    }

    /// Encodes `text` into `out`; returns the number of ids.
    ///
    /// `add_special` adds BOS/EOS as the model's metadata says; `parse_special`
    /// turns control-token text such as `<|im_start|>` into its id
    /// (user-defined tokens are always matched, as in llama.cpp).
    /// `out.len() >= text.len() + 2` always suffices; a word longer than 256
    /// bytes borrows as many free slots of `out` as it has bytes while merging.
    pub fn encode(
        &self,
        text: &str,
        add_special: bool,
        parse_special: bool,
        out: &mut [u32],
    ) -> Result<usize, Error> {
        let mut o = Out { ids: out, n: 0 };
        if add_special && self.cfg.add_bos {
            if let Some(bos) = self.cfg.bos {
                o.push(bos)?;
            }
        }
        self.partition(text.as_bytes(), 0, parse_special, &mut o)?;
        if add_special && self.cfg.add_eos {
            if let Some(eos) = self.cfg.eos {
                o.push(eos)?;
            }
        }
        Ok(o.n)
    }

    /// llama.cpp's special-token partition: for each special token (longest
    /// first), every occurrence in the not-yet-matched text becomes that token.
    /// The text left of a match can only hold later tokens; the text right of
    /// it is searched again for the same token.
    fn partition(
        &self,
        text: &[u8],
        first: usize,
        parse_special: bool,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        let mut rest = text;
        let mut k = first;
        'search: while !rest.is_empty() {
            for (j, &id) in self.specials.iter().enumerate().skip(k) {
                let ty = self.vocab.token_type(id as usize);
                if !parse_special && matches!(ty, TokenType::Control | TokenType::Unknown) {
                    continue;
                }
                let Some(t) = self.tokens.get(id) else {
                    continue;
                };
                if t.is_empty() || t.len() > rest.len() {
                    continue;
                }
                if let Some(m) = find_bytes(rest, t) {
                    let (left, tail) = rest.split_at(m);
                    if !left.is_empty() {
                        self.partition(left, j + 1, parse_special, out)?;
                    }
                    out.push(id)?;
                    rest = tail.get(t.len()..).unwrap_or(&[]);
                    k = j;
                    continue 'search;
                }
            }
            break;
        }
        if !rest.is_empty() {
            split(self.cfg.pre, rest, &mut |a, b| {
                self.word(rest.get(a..b).unwrap_or(&[]), out)
            })?;
        }
        Ok(())
    }

    /// Merge rank of the pair of adjacent byte runs.
    fn rank(&self, left: &[u8], right: &[u8]) -> u32 {
        self.merges.find(&MergeKey(left, right)).unwrap_or(NO_MERGE)
    }

    /// BPE-merges one word and emits its tokens.
    fn word(&self, w: &[u8], out: &mut Out<'_>) -> Result<(), Error> {
        if w.is_empty() {
            return Ok(());
        }
        if self.cfg.pre.ignores_merges() || w.len() == 1 {
            if let Some(id) = self.tokens.find(&Mapped(w)) {
                return out.push(id);
            }
        }
        if w.len() <= STACK_WORK {
            let mut stack = [0u32; STACK_WORK];
            let work = stack.get_mut(..w.len()).unwrap_or(&mut []);
            let n = self.merge_and_emit(w, work);
            for &id in work.get(..n).unwrap_or(&[]) {
                out.push(id)?;
            }
            Ok(())
        } else {
            let capacity = out.ids.len();
            let free = capacity.saturating_sub(out.n);
            let work = out
                .ids
                .get_mut(out.n..out.n + w.len())
                .ok_or(Error::WorkTooSmall {
                    word_bytes: w.len(),
                    free,
                })?;
            let n = self.merge_and_emit(w, work);
            out.n += n;
            Ok(())
        }
    }

    /// Runs the merges over `w` with `work[i]` = merge rank of the symbol
    /// starting at byte `i` with its right neighbour ([`NOT_START`] inside a
    /// symbol), then overwrites `work` from the front with the token ids.
    /// Returns how many ids. (Ids never overtake the symbol being read: a
    /// symbol of `n` bytes yields at most `n` ids.)
    fn merge_and_emit(&self, w: &[u8], work: &mut [u32]) -> usize {
        let len = w.len().min(work.len());
        let end_of = |work: &[u32], i: usize| -> usize {
            let mut j = i + 1;
            while j < len && work.get(j) == Some(&NOT_START) {
                j += 1;
            }
            j
        };
        let sym = |a: usize, b: usize| w.get(a..b).unwrap_or(&[]);
        for (i, slot) in work.iter_mut().enumerate().take(len) {
            *slot = if i + 1 < len {
                self.rank(sym(i, i + 1), sym(i + 1, i + 2))
            } else {
                NO_MERGE
            };
        }
        loop {
            // Lowest rank, leftmost on ties (llama.cpp's bigram queue order).
            let mut best = NO_MERGE;
            let mut at = usize::MAX;
            for (i, &r) in work.iter().enumerate().take(len) {
                if r < best {
                    best = r;
                    at = i;
                }
            }
            if best == NO_MERGE {
                break;
            }
            let right = end_of(work, at);
            let after = end_of(work, right);
            work[right] = NOT_START;
            work[at] = if after < len {
                self.rank(sym(at, after), sym(after, end_of(work, after)))
            } else {
                NO_MERGE
            };
            // Previous symbol: its pair now ends with the merged symbol.
            if at > 0 {
                let mut p = at - 1;
                while p > 0 && work[p] == NOT_START {
                    p -= 1;
                }
                work[p] = self.rank(sym(p, at), sym(at, after));
            }
        }
        // Emit: symbol i..e -> its token, or the single mapped bytes that are tokens.
        let mut n = 0;
        let mut i = 0;
        while i < len {
            let e = end_of(work, i);
            let s = sym(i, e);
            match self.tokens.find(&Mapped(s)) {
                Some(id) => {
                    work[n] = id;
                    n += 1;
                }
                None => {
                    for &b in s {
                        for &mb in mapped(b) {
                            if let Some(id) = self.tokens.find(&[mb].as_slice()) {
                                work[n] = id;
                                n += 1;
                            }
                        }
                    }
                }
            }
            i = e;
        }
        n
    }

    /// The bytes token `id` stands for, written to `buf`; returns the count.
    /// Normal tokens are un-mapped to raw bytes; control and unknown tokens
    /// give their text only with `special` (else nothing), as llama.cpp's
    /// `token_to_piece`. Errors with the needed size when `buf` is too small.
    pub fn piece(&self, id: u32, special: bool, buf: &mut [u8]) -> Result<usize, Error> {
        let Some(t) = self.tokens.get(id) else {
            return Ok(0);
        };
        let ty = self.token_type(id);
        let mut n = 0;
        let mut put = |bytes: &[u8]| -> Result<(), Error> {
            let dst = buf
                .get_mut(n..n + bytes.len())
                .ok_or(Error::OutputTooSmall {
                    capacity: n + bytes.len(),
                })?;
            dst.copy_from_slice(bytes);
            n += bytes.len();
            Ok(())
        };
        match ty {
            TokenType::Control | TokenType::Unknown => {
                if special {
                    put(t)?;
                }
            }
            TokenType::UserDefined => put(t)?,
            TokenType::Byte => {
                // `<0xXX>`
                if let Some(b) = t
                    .strip_prefix(b"<0x")
                    .and_then(|h| h.strip_suffix(b">"))
                    .and_then(|h| core::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    put(&[b])?;
                }
            }
            // llama.cpp prints nothing for undefined and unused tokens.
            TokenType::Undefined | TokenType::Unused => {}
            TokenType::Normal => {
                let s = core::str::from_utf8(t).ok();
                match s {
                    Some(s) => {
                        for c in s.chars() {
                            match unmapped(c) {
                                Some(b) => put(&[b])?,
                                None => {
                                    let mut tmp = [0u8; 4];
                                    put(c.encode_utf8(&mut tmp).as_bytes())?;
                                }
                            }
                        }
                    }
                    None => put(t)?,
                }
            }
        }
        Ok(n)
    }
}
