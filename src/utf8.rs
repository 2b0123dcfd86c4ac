//! Incremental UTF-8 validation that fails fast (RFC 6455 §5.6, §8.1).
//!
//! A text message may be split anywhere, even inside a code point, across frames and reads.
//! [`Validator`] keeps the (at most 3) bytes of an unfinished code point and reports an error at the
//! first byte that can no longer begin or continue valid UTF-8, without waiting for the message to end.

use core::str;

/// Where validation failed: the byte offset (from the start of everything fed) of the first invalid sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// Byte offset of the invalid sequence, counted from the first byte fed to the validator.
    pub offset: usize,
}

/// Validates a complete byte string: a thin wrapper over `core::str::from_utf8` that reports the offset.
pub fn validate(bytes: &[u8]) -> Result<&str, Utf8Error> {
    str::from_utf8(bytes).map_err(|e| Utf8Error { offset: e.valid_up_to() })
}

/// An incremental validator. Feed it pieces in order; call [`Validator::finish`] at the end of the message.
#[derive(Clone, Debug, Default)]
pub struct Validator {
    /// Bytes of a code point begun at the end of the last piece.
    partial: [u8; 4],
    partial_len: u8,
    /// Bytes fed so far, for error offsets.
    fed: usize,
}

impl Validator {
    /// A validator at the start of a message.
    pub const fn new() -> Self {
        Self { partial: [0; 4], partial_len: 0, fed: 0 }
    }

    /// Validates the next piece. Fails as soon as a sequence is invalid, even if the message is not over.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Utf8Error> {
        let start = self.fed;
        self.fed += bytes.len();
        let mut pos = start;
        if self.partial_len > 0 {
            let have = usize::from(self.partial_len);
            let need = width(self.partial[0]) - have;
            let take = need.min(bytes.len());
            let mut tmp = [0u8; 4];
            tmp[..have].copy_from_slice(&self.partial[..have]);
            tmp[have..have + take].copy_from_slice(&bytes[..take]);
            match str::from_utf8(&tmp[..have + take]) {
                Ok(_) => self.partial_len = 0,
                // Still a valid prefix: the piece ended inside the code point again.
                Err(e) if e.error_len().is_none() => {
                    self.partial = tmp;
                    self.partial_len = (have + take) as u8;
                    return Ok(());
                }
                // The sequence began `have` bytes before this piece.
                Err(_) => return Err(Utf8Error { offset: start - have }),
            }
            bytes = &bytes[take..];
            pos += take;
        }
        match str::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) => {
                let valid = e.valid_up_to();
                if e.error_len().is_some() {
                    return Err(Utf8Error { offset: pos + valid });
                }
                // A valid prefix of a code point (at most 3 bytes) ends the piece: keep it.
                let rest = &bytes[valid..];
                self.partial[..rest.len()].copy_from_slice(rest);
                self.partial_len = rest.len() as u8;
                Ok(())
            }
        }
    }

    /// Whether the pieces so far end inside a code point.
    pub fn is_incomplete(&self) -> bool {
        self.partial_len > 0
    }

    /// Ends the message: an unfinished code point is an error. Resets the validator for the next message.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let result = if self.partial_len > 0 {
            Err(Utf8Error { offset: self.fed - usize::from(self.partial_len) })
        } else {
            Ok(())
        };
        *self = Self::new();
        result
    }
}

/// Length of the sequence a valid lead byte begins.
fn width(lead: u8) -> usize {
    match lead {
        0xF0..=0xF4 => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(bytes: &[u8], split: usize) -> Result<(), Utf8Error> {
        let mut v = Validator::new();
        v.feed(&bytes[..split])?;
        v.feed(&bytes[split..])?;
        v.finish()
    }

    #[test]
    fn valid_text_at_every_split() {
        let text = "κόσμε — héllo 🌍 ok".as_bytes();
        for split in 0..=text.len() {
            assert_eq!(feed_split(text, split), Ok(()), "split {split}");
        }
    }

    #[test]
    fn invalid_fails_at_the_right_offset_at_every_split() {
        // "ab", then a lead byte followed by a non-continuation byte.
        let bad = b"ab\xe2\x82Xcd";
        for split in 0..=bad.len() {
            assert_eq!(feed_split(bad, split), Err(Utf8Error { offset: 2 }), "split {split}");
        }
    }

    #[test]
    fn fails_fast_before_the_message_ends() {
        let mut v = Validator::new();
        assert!(v.feed(b"hello ").is_ok());
        // 0xC0 can never start valid UTF-8: fail now, not at finish().
        assert_eq!(v.feed(b"\xc0"), Err(Utf8Error { offset: 6 }));
        // A surrogate half (ED A0..BF) is rejected as soon as its second byte arrives.
        let mut v = Validator::new();
        assert!(v.feed(b"\xed").is_ok());
        assert_eq!(v.feed(b"\xa0"), Err(Utf8Error { offset: 0 }));
    }

    #[test]
    fn truncated_code_point_is_fine_until_the_end() {
        let mut v = Validator::new();
        assert!(v.feed(b"\xf0\x9f").is_ok());
        assert!(v.is_incomplete());
        assert_eq!(v.finish(), Err(Utf8Error { offset: 0 }));
        let mut v = Validator::new();
        for b in "🌍".as_bytes() {
            assert!(v.feed(&[*b]).is_ok());
        }
        assert_eq!(v.finish(), Ok(()));
    }
}
