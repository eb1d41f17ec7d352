//! GPT-2's byte-level mapping: every byte becomes a printable code point so
//! that vocabulary strings never hold raw control bytes or spaces (`Ġ` is
//! the space). Bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` map to themselves; the
//! other 68 map to U+0100.. in byte order (llama.cpp `unicode_byte_to_utf8_map`).

const fn maps_to_self(b: usize) -> bool {
    (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
}

const fn build_cp() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut n = 0;
    let mut b = 0;
    while b < 256 {
        if maps_to_self(b) {
            t[b] = b as u16;
        } else {
            t[b] = 256 + n;
            n += 1;
        }
        b += 1;
    }
    t
}

/// Code point each byte maps to (all below U+0144).
pub(crate) const BYTE_TO_CP: [u16; 256] = build_cp();

const fn build_utf8() -> [[u8; 2]; 256] {
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        let cp = BYTE_TO_CP[b];
        if cp < 0x80 {
            t[b] = [cp as u8, 0];
        } else {
            t[b] = [0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8];
        }
        b += 1;
    }
    t
}

const BYTE_UTF8: [[u8; 2]; 256] = build_utf8();

/// The UTF-8 bytes of the code point `b` maps to (1 or 2 bytes).
#[inline]
pub(crate) fn mapped(b: u8) -> &'static [u8] {
    let e = &BYTE_UTF8[b as usize];
    if e[0] < 0x80 {
        &e[..1]
    } else {
        &e[..]
    }
}

const fn build_inverse() -> [i16; 0x144] {
    let mut t = [-1i16; 0x144];
    let mut b = 0;
    while b < 256 {
        t[BYTE_TO_CP[b] as usize] = b as i16;
        b += 1;
    }
    t
}

const CP_TO_BYTE: [i16; 0x144] = build_inverse();

/// The byte a mapped code point stands for, if it is one.
#[inline]
pub(crate) fn unmapped(c: char) -> Option<u8> {
    let v = *CP_TO_BYTE.get(c as usize)?;
    u8::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_is_a_bijection_with_gpt2_spellings() {
        assert_eq!(mapped(b' '), "Ġ".as_bytes());
        assert_eq!(mapped(b'\n'), "Ċ".as_bytes());
        assert_eq!(mapped(b'a'), b"a");
        for b in 0..=255u8 {
            let s = core::str::from_utf8(mapped(b)).unwrap();
            let c = s.chars().next().unwrap();
            assert_eq!(unmapped(c), Some(b));
        }
    }
}
