//! Properties of both tokenizers on small vocabularies built here: no panic
//! on any input, typed errors for short buffers, and BPE decoding that gives
//! back the input bytes. Compiled only under #[cfg(test)] (see mod.rs).

extern crate std;

use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;

use super::byte_map::mapped;
use super::{
    Bpe, BpeConfig, Error, PreTokenizer, StrArray, Utf8Stream, Vocab, WordPiece, WordPieceConfig,
};

fn gguf_strings(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in items {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s);
    }
    out
}

/// All 256 byte tokens, a few merged ones and their merges.
fn bpe_arrays() -> (Vec<u8>, usize, Vec<u8>, usize) {
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| mapped(b).to_vec()).collect();
    let mut merges: Vec<Vec<u8>> = Vec::new();
    for (l, r) in [
        ("t", "h"),
        ("th", "e"),
        ("Ġ", "the"),
        ("a", "a"),
        ("aa", "aa"),
        ("Ġ", "Ġ"),
    ] {
        merges.push(std::format!("{l} {r}").into_bytes());
        tokens.push(std::format!("{l}{r}").into_bytes());
    }
    (
        gguf_strings(&tokens),
        tokens.len(),
        gguf_strings(&merges),
        merges.len(),
    )
}

fn with_bpe<R>(pre: PreTokenizer, f: impl FnOnce(&Bpe<'_, '_>) -> R) -> R {
    let (t, nt, m, nm) = bpe_arrays();
    let vocab = Vocab::new(
        StrArray::new(&t, nt, "tokens").unwrap(),
        None,
        Some(StrArray::new(&m, nm, "merges").unwrap()),
    )
    .unwrap();
    let mut scratch = std::vec![0u8; Bpe::scratch_bytes(&vocab)];
    let cfg = BpeConfig {
        add_bos: false,
        ..BpeConfig::new(pre)
    };
    let bpe = Bpe::new(&vocab, cfg, &mut scratch).unwrap();
    f(&bpe)
}

fn decode(bpe: &Bpe<'_, '_>, ids: &[u32]) -> String {
    let mut s = String::new();
    let mut stream = Utf8Stream::new();
    let mut buf = [0u8; 16];
    for &id in ids {
        let n = bpe.piece(id, true, &mut buf).unwrap();
        stream.push(&buf[..n], &mut |t| s.push_str(t));
    }
    stream.finish(&mut |t| s.push_str(t));
    s
}

#[test]
fn bpe_merges_lowest_rank_first() {
    with_bpe(PreTokenizer::Gpt2, |bpe| {
        let mut out = [0u32; 16];
        let n = bpe.encode("the the", true, true, &mut out).unwrap();
        let the = bpe.token_id(b"the").unwrap();
        let gthe = bpe.token_id("Ġthe".as_bytes()).unwrap();
        assert_eq!(out[..n], [the, gthe]);
        // 5 a's: the "a a" pairs (rank 3) merge leftmost first, then "aa aa" (rank 4).
        let n = bpe.encode("aaaaa", true, true, &mut out).unwrap();
        let (a, aaaa) = (bpe.token_id(b"a").unwrap(), bpe.token_id(b"aaaa").unwrap());
        assert_eq!(out[..n], [aaaa, a]);
        // Without a merge to join them the symbols stay apart: "Ġ" then "a".
        let n = bpe.encode(" a", true, true, &mut out).unwrap();
        assert_eq!(out[..n], [bpe.token_id("Ġ".as_bytes()).unwrap(), a]);
    });
}

#[test]
fn bpe_long_words_borrow_the_output_tail() {
    with_bpe(PreTokenizer::Gpt2, |bpe| {
        let text: String = core::iter::repeat_n('a', 1001).collect();
        let mut out = std::vec![0u32; text.len() + 2];
        let n = bpe.encode(&text, true, true, &mut out).unwrap();
        assert_eq!(n, 251); // 250 × "aaaa" + "a"
        assert_eq!(decode(bpe, &out[..n]), text);
        let mut short = std::vec![0u32; 300];
        assert!(matches!(
            bpe.encode(&text, true, true, &mut short),
            Err(Error::WorkTooSmall {
                word_bytes: 1001,
                ..
            })
        ));
    });
}

proptest! {
    #[test]
    fn bpe_round_trips_any_text(text in "\\PC{0,60}|[ a\\t\\n'0-9th]{0,60}", pre in 0usize..4) {
        let pre = [PreTokenizer::Gpt2, PreTokenizer::SmolLm, PreTokenizer::Llama3, PreTokenizer::Qwen2][pre];
        with_bpe(pre, |bpe| {
            let mut out = std::vec![0u32; text.len() + 2];
            let n = bpe.encode(&text, true, true, &mut out).unwrap();
            prop_assert_eq!(decode(bpe, &out[..n]), text.clone());
            if n > 0 {
                let mut small = std::vec![0u32; n - 1];
                prop_assert!(bpe.encode(&text, true, true, &mut small).is_err());
            }
            Ok(())
        })?;
    }

    #[test]
    fn wordpiece_never_panics_and_reports_short_buffers(text in "\\PC{0,80}|[a-z \\[\\]CLSEP]{0,80}") {
        let tokens: Vec<Vec<u8>> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##a", "##b", "ab", "!", "é"]
            .iter().map(|s| s.as_bytes().to_vec()).collect();
        let t = gguf_strings(&tokens);
        let vocab = Vocab::new(StrArray::new(&t, tokens.len(), "tokens").unwrap(), None, None).unwrap();
        let mut scratch = std::vec![0u8; WordPiece::scratch_bytes(&vocab)];
        let cfg = WordPieceConfig { max_len: 16, ..WordPieceConfig::default() };
        let wp = WordPiece::new(&vocab, cfg, &mut scratch).unwrap();
        let mut out = [0u32; 16];
        let n = wp.encode(&text, &mut out).unwrap();
        prop_assert!((2..=16).contains(&n));
        prop_assert_eq!((out[0], out[n - 1]), (2, 3));
        let mut small = std::vec![0u32; n - 1];
        let short = matches!(wp.encode(&text, &mut small), Err(Error::OutputTooSmall { .. }));
        prop_assert!(short);
    }

    #[test]
    fn malformed_string_arrays_are_errors(data in proptest::collection::vec(any::<u8>(), 0..64), n in 0usize..8) {
        // Any bytes: either a valid array whose strings all fit, or an error.
        if let Ok(a) = StrArray::new(&data, n, "tokens") {
            prop_assert_eq!(a.iter().count(), n);
        }
    }
}
