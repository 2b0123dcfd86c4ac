//! The frame codec (RFC 6455 §5.2): header parsing with every validity rule, and header/frame encoding.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! | Masking-key (continued)       |          Payload Data         |
//! +-------------------------------- - - - - - - - - - - - - - - - +
//! ```

use alloc::vec::Vec;

use crate::error::Error;
use crate::{mask, short};

/// The longest frame header: 2 bytes, 8 bytes of extended length, 4 bytes of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// The largest control frame payload (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A frame opcode (RFC 6455 §5.2). Reserved opcodes are refused at parse time, so they have no variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation = 0x0,
    /// 0x1: the first frame of a text message.
    Text = 0x1,
    /// 0x2: the first frame of a binary message.
    Binary = 0x2,
    /// 0x8: close.
    Close = 0x8,
    /// 0x9: ping.
    Ping = 0x9,
    /// 0xA: pong.
    Pong = 0xA,
}

impl OpCode {
    /// The opcode for a 4-bit value, or `None` for the reserved ones (0x3–0x7, 0xB–0xF).
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    /// Control frames have the high bit of the opcode set (RFC 6455 §5.5).
    pub const fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// A parsed or to-be-encoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// RSV1–RSV3 as the low three bits (RSV1 = 0b100).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, if the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub len: u64,
}

/// The RSV1 bit in [`Header::rsv`] (used by permessage-deflate, RFC 7692 §6).
pub const RSV1: u8 = 0b100;

/// Which frames a receiver accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Whether frames must be masked (`Some(true)`: we are a server, RFC 6455 §5.1), must not be
    /// (`Some(false)`: we are a client), or either (`None`: an inspector decoding a capture).
    pub expect_masked: Option<bool>,
    /// RSV bits that a negotiated extension defines (RFC 6455 §5.2); others must be 0.
    pub allowed_rsv: u8,
    /// Accept payload lengths not in their minimal encoding.
    pub allow_non_minimal_length: bool,
    /// The largest payload accepted; larger fails with 1009 before any of it is buffered.
    pub max_frame_size: u64,
}

impl Rules {
    /// Rules for a receiver in the given role with default limits and no extension.
    pub const fn new(expect_masked: Option<bool>) -> Self {
        Self { expect_masked, allowed_rsv: 0, allow_non_minimal_length: false, max_frame_size: u64::MAX }
    }
}

/// The result of parsing from a buffer that may not hold everything yet (as `httparse::Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// Parsed; the value and the number of bytes it took.
    Complete(T, usize),
    /// More bytes are needed: at least this many in all (from the start of the buffer).
    Partial(usize),
}

impl Header {
    /// Parses a header at the start of `buf`, checking every rule that the header alone can break.
    ///
    /// Fails as early as the bytes allow: everything knowable from the first two bytes is checked
    /// before waiting for the extended length. Partial input is not an error.
    // Always inlined: returned through memory, the header's fields were written as bytes and read back as wider
    // words (store-forwarding stalls): natively, 16 B frames decode 1.5× as fast inlined.
    #[inline(always)]
    pub fn parse(buf: &[u8], rules: &Rules) -> Result<Status<Header>, Error> {
        let (b0, b1) = match buf {
            [b0, b1, ..] => (*b0, *b1),
            _ => {
                // Even one byte can already be wrong.
                if let Some(&b0) = buf.first() {
                    check_first_byte(b0, rules)?;
                }
                return Ok(Status::Partial(2));
            }
        };
        let (fin, rsv, opcode) = check_first_byte(b0, rules)?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7f;
        if opcode.is_control() && len7 > MAX_CONTROL_PAYLOAD as u8 {
            // RFC 6455 §5.5: control payloads are at most 125 bytes (so never use an extended length).
            return Err(Error::ControlFrameTooLong);
        }
        match rules.expect_masked {
            // RFC 6455 §5.1: a server must close on an unmasked frame, a client on a masked one.
            Some(true) if !masked => return Err(Error::UnmaskedFrame),
            Some(false) if masked => return Err(Error::MaskedFrame),
            _ => {}
        }
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let total = 2 + ext + if masked { 4 } else { 0 };
        if buf.len() < 2 + ext {
            return Ok(Status::Partial(total));
        }
        let len = match len7 {
            126 => {
                let len = u64::from(u16::from_be_bytes([buf[2], buf[3]]));
                // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
                if len < 126 && !rules.allow_non_minimal_length {
                    return Err(Error::NonMinimalLength);
                }
                len
            }
            127 => {
                let mut be = [0u8; 8];
                be.copy_from_slice(&buf[2..10]);
                let len = u64::from_be_bytes(be);
                // RFC 6455 §5.2: "the most significant bit MUST be 0".
                if len >> 63 != 0 {
                    return Err(Error::LengthTopBitSet);
                }
                if len <= 0xffff && !rules.allow_non_minimal_length {
                    return Err(Error::NonMinimalLength);
                }
                len
            }
            n => u64::from(n),
        };
        if len > rules.max_frame_size {
            // Refused from the header, before any payload is buffered (1009).
            return Err(Error::FrameTooLarge { len, max: usize::try_from(rules.max_frame_size).unwrap_or(usize::MAX) });
        }
        if buf.len() < total {
            return Ok(Status::Partial(total));
        }
        let mask = masked.then(|| [buf[total - 4], buf[total - 3], buf[total - 2], buf[total - 1]]);
        Ok(Status::Complete(Header { fin, rsv, opcode, mask, len }, total))
    }

    /// The encoded size of this header (minimal length form).
    pub const fn encoded_len(&self) -> usize {
        let ext = if self.len < 126 {
            0
        } else if self.len <= 0xffff {
            2
        } else {
            8
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Encodes the header into `out`, always in the minimal length form (RFC 6455 §5.2), and returns its size.
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0b111) << 4) | self.opcode as u8;
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut n = if self.len < 126 {
            out[1] = mask_bit | self.len as u8;
            2
        } else if self.len <= 0xffff {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&(self.len as u16).to_be_bytes());
            4
        } else {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&self.len.to_be_bytes());
            10
        };
        if let Some(key) = self.mask {
            out[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }
}

fn check_first_byte(b0: u8, rules: &Rules) -> Result<(bool, u8, OpCode), Error> {
    let fin = b0 & 0x80 != 0;
    let rsv = (b0 >> 4) & 0b111;
    // RFC 6455 §5.2: opcodes 0x3–0x7 and 0xB–0xF are reserved; receiving one fails the connection.
    let opcode = OpCode::from_u8(b0 & 0x0f).ok_or(Error::ReservedOpcode(b0 & 0x0f))?;
    // RFC 6455 §5.2: RSV bits must be 0 unless an extension defines them.
    if rsv & !rules.allowed_rsv != 0 {
        return Err(Error::ReservedBits(rsv));
    }
    // RFC 6455 §5.5: control frames must not be fragmented.
    if opcode.is_control() && !fin {
        return Err(Error::FragmentedControlFrame);
    }
    Ok((fin, rsv, opcode))
}

/// Appends `header`'s bytes to `out`.
pub(crate) fn push_header(out: &mut Vec<u8>, header: &Header) {
    let mut buf = [0u8; MAX_HEADER_LEN];
    let n = header.encode(&mut buf);
    short::extend(out, &buf[..n]);
}

/// Appends one whole frame (header, then the payload masked with `mask` if given) to `out`.
///
/// ```
/// use hybi::frame::{encode, OpCode};
/// let mut out = Vec::new();
/// encode(&mut out, true, 0, OpCode::Text, Some([0x37, 0xfa, 0x21, 0x3d]), b"Hello");
/// assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7
/// ```
pub fn encode(out: &mut Vec<u8>, fin: bool, rsv: u8, opcode: OpCode, mask: Option<[u8; 4]>, payload: &[u8]) {
    // Room for the short copies' constant-length appends too (`short::extend`).
    out.reserve(MAX_HEADER_LEN + payload.len() + short::MAX);
    push_header(out, &Header { fin, rsv, opcode, mask, len: payload.len() as u64 });
    let start = out.len();
    short::extend(out, payload);
    if let Some(key) = mask {
        // Copy, then mask in place: both run at memory speed (a zero fill then a masked copy did not).
        mask::apply(&mut out[start..], key, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: Rules = Rules::new(Some(true));
    const CLIENT: Rules = Rules::new(Some(false));
    const ANY: Rules = Rules::new(None);

    fn parse(buf: &[u8], rules: &Rules) -> Result<Status<Header>, Error> {
        Header::parse(buf, rules)
    }

    #[test]
    fn partial_input_is_not_an_error() {
        let frame = [0x82, 0x7e, 0x01, 0x00];
        assert_eq!(parse(&frame[..0], &CLIENT), Ok(Status::Partial(2)));
        assert_eq!(parse(&frame[..1], &CLIENT), Ok(Status::Partial(2)));
        assert_eq!(parse(&frame[..2], &CLIENT), Ok(Status::Partial(4)));
        assert_eq!(parse(&frame[..3], &CLIENT), Ok(Status::Partial(4)));
        let h = Header { fin: true, rsv: 0, opcode: OpCode::Binary, mask: None, len: 256 };
        assert_eq!(parse(&frame, &CLIENT), Ok(Status::Complete(h, 4)));
    }

    /// One malformed header per rule, each with the close code the RFC asks for.
    macro_rules! bad_headers {
        ($($name:ident: $bytes:expr, $rules:expr => $err:expr, $code:expr;)*) => {$(
            #[test]
            fn $name() {
                let err = parse(&$bytes, &$rules).unwrap_err();
                assert_eq!(err, $err);
                assert_eq!(err.close_code().map(|c| c.0), Some($code));
            }
        )*};
    }

    bad_headers! {
        rsv1_without_extension: [0xc1, 0x00], CLIENT => Error::ReservedBits(0b100), 1002;
        rsv3_without_extension: [0x91, 0x00], CLIENT => Error::ReservedBits(0b001), 1002;
        reserved_opcode_3: [0x83, 0x00], CLIENT => Error::ReservedOpcode(3), 1002;
        reserved_opcode_7: [0x87], CLIENT => Error::ReservedOpcode(7), 1002;
        reserved_opcode_b: [0x8b, 0x00], CLIENT => Error::ReservedOpcode(0xb), 1002;
        reserved_opcode_f: [0x8f, 0x00], CLIENT => Error::ReservedOpcode(0xf), 1002;
        fragmented_ping: [0x09, 0x00], CLIENT => Error::FragmentedControlFrame, 1002;
        fragmented_close: [0x08], CLIENT => Error::FragmentedControlFrame, 1002;
        ping_126: [0x89, 0x7e], CLIENT => Error::ControlFrameTooLong, 1002;
        top_bit_set: [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0], CLIENT => Error::LengthTopBitSet, 1002;
        non_minimal_16: [0x82, 0x7e, 0x00, 0x05], CLIENT => Error::NonMinimalLength, 1002;
        non_minimal_64: [0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff], CLIENT => Error::NonMinimalLength, 1002;
        unmasked_from_client: [0x81, 0x05], SERVER => Error::UnmaskedFrame, 1002;
        masked_from_server: [0x81, 0x85], CLIENT => Error::MaskedFrame, 1002;
        too_large: [0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0],
            Rules { max_frame_size: 1 << 20, ..CLIENT } => Error::FrameTooLarge { len: 1 << 32, max: 1 << 20 }, 1009;
    }

    #[test]
    fn non_minimal_allowed_by_switch() {
        let rules = Rules { allow_non_minimal_length: true, ..CLIENT };
        let h = parse(&[0x82, 0x7e, 0x00, 0x05], &rules).unwrap();
        assert!(matches!(h, Status::Complete(Header { len: 5, .. }, 4)));
    }

    #[test]
    fn rsv1_allowed_when_negotiated() {
        let rules = Rules { allowed_rsv: RSV1, ..CLIENT };
        assert!(matches!(parse(&[0xc1, 0x00], &rules), Ok(Status::Complete(Header { rsv: RSV1, .. }, 2))));
    }

    #[test]
    fn either_role_when_inspecting() {
        assert!(parse(&[0x81, 0x85, 1, 2, 3, 4], &ANY).is_ok());
        assert!(parse(&[0x81, 0x05], &ANY).is_ok());
    }

    #[test]
    fn encoder_uses_minimal_lengths() {
        for (len, hlen) in [(0u64, 2), (125, 2), (126, 4), (0xffff, 4), (0x10000, 10), (u64::MAX >> 1, 10)] {
            let h = Header { fin: true, rsv: 0, opcode: OpCode::Binary, mask: None, len };
            let mut buf = [0; MAX_HEADER_LEN];
            assert_eq!(h.encode(&mut buf), hlen);
            assert_eq!(h.encoded_len(), hlen);
            assert_eq!(parse(&buf[..hlen], &CLIENT), Ok(Status::Complete(h, hlen)), "len {len}");
        }
    }
}
