//! Streams token bytes out as valid UTF-8: a token may end inside a
//! multi-byte character (byte-level BPE splits emoji and CJK across tokens),
//! so the incomplete tail is held until the next token completes it.

/// Holds at most one incomplete UTF-8 sequence between pushes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Utf8Stream {
    pending: [u8; 4],
    n: usize,
}

/// Length of the UTF-8 sequence a lead byte starts (0 for a non-lead byte).
fn seq_len(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

impl Utf8Stream {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds `bytes`; calls `emit` with each run of complete characters.
    /// Invalid bytes come out as U+FFFD; an incomplete character at the end is held.
    pub fn push(&mut self, bytes: &[u8], emit: &mut dyn FnMut(&str)) {
        let mut rest = bytes;
        // Complete the held sequence first.
        while self.n > 0 {
            let Some((&b, tail)) = rest.split_first() else {
                return;
            };
            let need = seq_len(self.pending[0]);
            if b & 0xC0 != 0x80 {
                // The held sequence was cut short: replace it, then go on with `b`.
                emit("\u{FFFD}");
                self.n = 0;
                break;
            }
            self.pending[self.n] = b;
            self.n += 1;
            rest = tail;
            if self.n == need {
                let held = self.pending;
                let n = self.n;
                self.n = 0;
                match core::str::from_utf8(&held[..n]) {
                    Ok(s) => emit(s),
                    Err(_) => emit("\u{FFFD}"),
                }
            }
        }
        while !rest.is_empty() {
            match core::str::from_utf8(rest) {
                Ok(s) => {
                    emit(s);
                    return;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    if let Ok(s) = core::str::from_utf8(good) {
                        if !s.is_empty() {
                            emit(s);
                        }
                    }
                    match e.error_len() {
                        Some(k) => {
                            emit("\u{FFFD}");
                            rest = bad.get(k..).unwrap_or(&[]);
                        }
                        None => {
                            // Incomplete at the end: hold it (at most 3 bytes).
                            let k = bad.len().min(3);
                            self.pending[..k].copy_from_slice(&bad[..k]);
                            self.n = k;
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Ends the stream: a held incomplete character comes out as U+FFFD.
    pub fn finish(&mut self, emit: &mut dyn FnMut(&str)) {
        if self.n > 0 {
            self.n = 0;
            emit("\u{FFFD}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> ([u8; 64], usize) {
        let mut out = [0u8; 64];
        let mut n = 0;
        let mut s = Utf8Stream::new();
        let mut emit = |t: &str| {
            out[n..n + t.len()].copy_from_slice(t.as_bytes());
            n += t.len();
        };
        for c in chunks {
            s.push(c, &mut emit);
        }
        s.finish(&mut emit);
        (out, n)
    }

    #[test]
    fn split_characters_are_joined_and_invalid_bytes_replaced() {
        let smile = "a😀b".as_bytes();
        for cut in 0..smile.len() {
            let (a, b) = smile.split_at(cut);
            let (out, n) = collect(&[a, b]);
            assert_eq!(&out[..n], smile, "cut at {cut}");
        }
        let (out, n) = collect(&[&[0xF0, 0x9F], b"x"]);
        assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), "\u{FFFD}x");
        let (out, n) = collect(&[&[0xFF, b'y', 0xE4, 0xB8]]);
        assert_eq!(
            core::str::from_utf8(&out[..n]).unwrap(),
            "\u{FFFD}y\u{FFFD}"
        );
    }
}
