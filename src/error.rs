//! The one error type: which rule was broken, and the close code or HTTP status it maps to.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::close::CloseCode;

/// Everything that can go wrong, from a malformed frame to a refused handshake.
///
/// Protocol violations by the peer map to the close code the RFC asks for ([`Error::close_code`]);
/// a server's handshake validation failures map to the HTTP status to answer with ([`Error::http_status`]).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    // ---- Framing, RFC 6455 §5.2 (all 1002 unless noted) ----
    /// RSV bits set that no negotiated extension defines (§5.2).
    ReservedBits(u8),
    /// An opcode reserved for future use: 0x3–0x7, 0xB–0xF (§5.2).
    ReservedOpcode(u8),
    /// A control frame without FIN (§5.5).
    FragmentedControlFrame,
    /// A control frame with a payload over 125 bytes (§5.5).
    ControlFrameTooLong,
    /// A 64-bit payload length with its most significant bit set (§5.2).
    LengthTopBitSet,
    /// A payload length not in its minimal encoding (§5.2), refused unless `Config::allow_non_minimal_length`.
    NonMinimalLength,
    /// A client sent an unmasked frame (§5.1).
    UnmaskedFrame,
    /// A server sent a masked frame (§5.1).
    MaskedFrame,
    /// A continuation frame with no message to continue (§5.4).
    UnexpectedContinuation,
    /// A new Text or Binary frame while a fragmented message was still open (§5.4).
    ExpectedContinuation,
    /// RSV1 on a frame other than the first of a data message, while permessage-deflate is on (RFC 7692 §6.1).
    CompressedContinuationOrControl,

    // ---- Limits (1009) ----
    /// A frame's declared payload is larger than `Config::max_frame_size`.
    FrameTooLarge {
        /// The declared payload length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A message (across fragments, after decompression) would exceed `Config::max_message_size`.
    MessageTooLarge {
        /// The limit.
        max: usize,
    },
    /// A message arrived in more fragments than `Config::max_fragments`.
    TooManyFragments {
        /// The limit.
        max: usize,
    },

    // ---- Payload data (1007) ----
    /// A text message (or close reason) is not valid UTF-8; `offset` is the message byte where it became invalid.
    InvalidUtf8 {
        /// Offset of the first invalid byte in the message.
        offset: usize,
    },
    /// A Close frame whose reason is not UTF-8 (§5.5.1).
    InvalidCloseReason,
    /// A compressed message that does not inflate (RFC 7692 §6.2).
    InvalidCompressedData,

    // ---- Close frames (1002) ----
    /// A Close frame with a 1-byte payload (§5.5.1).
    CloseTooShort,
    /// A close code that may not be used on the wire (§7.4); also refused when sending.
    InvalidCloseCode(u16),
    /// A close reason over 123 bytes (sending side; §5.5).
    CloseReasonTooLong(usize),

    // ---- Local usage ----
    /// A control frame payload over 125 bytes was asked to be sent (§5.5).
    ControlPayloadTooLong(usize),
    /// The connection has sent its Close frame (or failed): nothing more can be sent.
    Closed,
    /// The randomness source failed.
    Random,
    /// `Connection::receive` was called while a payload was being collected by the caller, or
    /// `Connection::collected` with more bytes than the payload has left, or with none being collected
    /// (the call order of `Connection::receive_collecting`).
    CollectMisuse,

    // ---- Opening handshake, RFC 6455 §4 ----
    /// The HTTP head is not valid HTTP/1.1 (`what` names the part).
    MalformedHttp(&'static str),
    /// The HTTP head is larger than the configured limit (431 on the server).
    HeadTooLarge {
        /// The limit.
        max: usize,
    },
    /// The HTTP head has more header lines than the configured limit (431 on the server).
    TooManyHeaders {
        /// The limit.
        max: usize,
    },
    /// The request method is not GET (405 with `Allow: GET`; §4.2.1).
    MethodNotAllowed,
    /// The request is not HTTP/1.1 or later (§4.2.1).
    HttpVersion,
    /// A header the handshake needs is missing or has a wrong value (§4.2.1, §4.1).
    BadHeader(&'static str),
    /// `Sec-WebSocket-Key` is not base64 of exactly 16 bytes (§4.2.1 item 5).
    InvalidKey,
    /// `Sec-WebSocket-Version` is not 13 (426 with `Sec-WebSocket-Version: 13`; §4.2.2).
    UnsupportedVersion,
    /// `Sec-WebSocket-Accept` does not match the key that was sent (§4.1).
    InvalidAccept,
    /// The server chose a subprotocol the client did not offer (§4.1).
    UnexpectedProtocol(String),
    /// The server answered with an extension (or extension parameters) the client did not offer (§4.1; RFC 7692 §5).
    UnexpectedExtension(String),
    /// The server answered with a status other than 101 (§4.1).
    Rejected(Box<Rejection>),
    /// A header given by the application may not be set: reserved by the protocol, or not a valid name/value.
    InvalidRequestHeader(String),
    /// The URL, host or path cannot be used (`what` names the problem).
    InvalidUrl(&'static str),
    /// A subprotocol name is not an HTTP token, or is offered twice (§4.1).
    InvalidProtocol(String),
}

/// A non-101 answer to the opening handshake: status, headers and the start of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The response headers, in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body bytes that arrived with the head (the start of the body).
    pub body: Vec<u8>,
}

impl Error {
    /// A copy of an error that owns no heap data (every error a connection fails with); `None` for one of the
    /// handshake's that does. The connection keeps its failure with this rather than `clone`, whose copies of
    /// those strings and rejections would otherwise come along into every build (0.4 KB of the wasm, gzip'd).
    pub(crate) fn copied(&self) -> Option<Error> {
        use Error::*;
        Some(match *self {
            ReservedBits(b) => ReservedBits(b),
            ReservedOpcode(b) => ReservedOpcode(b),
            FragmentedControlFrame => FragmentedControlFrame,
            ControlFrameTooLong => ControlFrameTooLong,
            LengthTopBitSet => LengthTopBitSet,
            NonMinimalLength => NonMinimalLength,
            UnmaskedFrame => UnmaskedFrame,
            MaskedFrame => MaskedFrame,
            UnexpectedContinuation => UnexpectedContinuation,
            ExpectedContinuation => ExpectedContinuation,
            CompressedContinuationOrControl => CompressedContinuationOrControl,
            FrameTooLarge { len, max } => FrameTooLarge { len, max },
            MessageTooLarge { max } => MessageTooLarge { max },
            TooManyFragments { max } => TooManyFragments { max },
            InvalidUtf8 { offset } => InvalidUtf8 { offset },
            InvalidCloseReason => InvalidCloseReason,
            InvalidCompressedData => InvalidCompressedData,
            CloseTooShort => CloseTooShort,
            InvalidCloseCode(c) => InvalidCloseCode(c),
            CloseReasonTooLong(n) => CloseReasonTooLong(n),
            ControlPayloadTooLong(n) => ControlPayloadTooLong(n),
            Closed => Closed,
            Random => Random,
            CollectMisuse => CollectMisuse,
            MalformedHttp(s) => MalformedHttp(s),
            HeadTooLarge { max } => HeadTooLarge { max },
            TooManyHeaders { max } => TooManyHeaders { max },
            MethodNotAllowed => MethodNotAllowed,
            HttpVersion => HttpVersion,
            BadHeader(s) => BadHeader(s),
            InvalidKey => InvalidKey,
            UnsupportedVersion => UnsupportedVersion,
            InvalidAccept => InvalidAccept,
            InvalidUrl(s) => InvalidUrl(s),
            UnexpectedProtocol(_)
            | UnexpectedExtension(_)
            | Rejected(_)
            | InvalidRequestHeader(_)
            | InvalidProtocol(_) => return None,
        })
    }

    /// The variant's name (`"ReservedOpcode"`, `"MessageTooLarge"` …): a stable, machine-readable kind
    /// for bindings, without the formatting machinery of `Debug`.
    pub fn kind(&self) -> &'static str {
        use Error::*;
        match self {
            ReservedBits(..) => "ReservedBits",
            ReservedOpcode(..) => "ReservedOpcode",
            FragmentedControlFrame => "FragmentedControlFrame",
            ControlFrameTooLong => "ControlFrameTooLong",
            LengthTopBitSet => "LengthTopBitSet",
            NonMinimalLength => "NonMinimalLength",
            UnmaskedFrame => "UnmaskedFrame",
            MaskedFrame => "MaskedFrame",
            UnexpectedContinuation => "UnexpectedContinuation",
            ExpectedContinuation => "ExpectedContinuation",
            CompressedContinuationOrControl => "CompressedContinuationOrControl",
            FrameTooLarge { .. } => "FrameTooLarge",
            MessageTooLarge { .. } => "MessageTooLarge",
            TooManyFragments { .. } => "TooManyFragments",
            InvalidUtf8 { .. } => "InvalidUtf8",
            InvalidCloseReason => "InvalidCloseReason",
            InvalidCompressedData => "InvalidCompressedData",
            CloseTooShort => "CloseTooShort",
            InvalidCloseCode(..) => "InvalidCloseCode",
            CloseReasonTooLong(..) => "CloseReasonTooLong",
            ControlPayloadTooLong(..) => "ControlPayloadTooLong",
            Closed => "Closed",
            Random => "Random",
            CollectMisuse => "CollectMisuse",
            MalformedHttp(..) => "MalformedHttp",
            HeadTooLarge { .. } => "HeadTooLarge",
            TooManyHeaders { .. } => "TooManyHeaders",
            MethodNotAllowed => "MethodNotAllowed",
            HttpVersion => "HttpVersion",
            BadHeader(..) => "BadHeader",
            InvalidKey => "InvalidKey",
            UnsupportedVersion => "UnsupportedVersion",
            InvalidAccept => "InvalidAccept",
            UnexpectedProtocol(..) => "UnexpectedProtocol",
            UnexpectedExtension(..) => "UnexpectedExtension",
            Rejected(..) => "Rejected",
            InvalidRequestHeader(..) => "InvalidRequestHeader",
            InvalidUrl(..) => "InvalidUrl",
            InvalidProtocol(..) => "InvalidProtocol",
        }
    }

    /// The close code the RFC asks an endpoint to fail the connection with, for a peer's protocol violation.
    /// `None` for errors that are not about received frames (local misuse, handshake).
    pub fn close_code(&self) -> Option<CloseCode> {
        use Error::*;
        Some(match self {
            ReservedBits(_)
            | ReservedOpcode(_)
            | FragmentedControlFrame
            | ControlFrameTooLong
            | LengthTopBitSet
            | NonMinimalLength
            | UnmaskedFrame
            | MaskedFrame
            | UnexpectedContinuation
            | ExpectedContinuation
            | CompressedContinuationOrControl
            | CloseTooShort
            | InvalidCloseCode(_) => CloseCode::PROTOCOL_ERROR,
            FrameTooLarge { .. } | MessageTooLarge { .. } | TooManyFragments { .. } => CloseCode::MESSAGE_TOO_BIG,
            InvalidUtf8 { .. } | InvalidCloseReason | InvalidCompressedData => CloseCode::INVALID_PAYLOAD,
            _ => return None,
        })
    }

    /// The HTTP status a server answers a request with that failed validation this way
    /// (400 unless noted on the variant). `None` for errors that are not about a request.
    pub fn http_status(&self) -> Option<u16> {
        use Error::*;
        Some(match self {
            MethodNotAllowed => 405,
            UnsupportedVersion => 426,
            HeadTooLarge { .. } | TooManyHeaders { .. } => 431,
            MalformedHttp(_) | HttpVersion | BadHeader(_) | InvalidKey => 400,
            _ => return None,
        })
    }
}

impl Error {
    /// The error's text (what `Display` writes), built without the `core::fmt` machinery: the wasm build
    /// links no formatter for it.
    pub(crate) fn message(&self) -> String {
        let mut s = String::new();
        self.write_message(&mut s);
        s
    }

    pub(crate) fn write_message(&self, s: &mut String) {
        use Error::*;
        use Part::{Nothing, N, S};
        // Most texts are a head, one number or string, and a tail.
        let (head, part, tail) = match self {
            ReservedBits(b) => {
                s.push_str("reserved bits set without a negotiated extension (RSV=0b");
                // `{b:03b}`: at least three digits, all of them for a wider value.
                let width = (8 - b.leading_zeros()).max(3);
                for i in (0..width).rev() {
                    s.push(if b >> i & 1 == 1 { '1' } else { '0' });
                }
                ("", Nothing, ")")
            }
            ReservedOpcode(op) => {
                s.push_str("reserved opcode 0x");
                if *op > 0xf {
                    s.push(hex_digit(op >> 4));
                }
                s.push(hex_digit(*op));
                return;
            }
            FragmentedControlFrame => ("fragmented control frame", Nothing, ""),
            ControlFrameTooLong => ("control frame payload over 125 bytes", Nothing, ""),
            LengthTopBitSet => ("64-bit payload length with its most significant bit set", Nothing, ""),
            NonMinimalLength => ("payload length not in its minimal encoding", Nothing, ""),
            UnmaskedFrame => ("unmasked frame from a client", Nothing, ""),
            MaskedFrame => ("masked frame from a server", Nothing, ""),
            UnexpectedContinuation => ("continuation frame without a message to continue", Nothing, ""),
            ExpectedContinuation => ("new data frame inside a fragmented message", Nothing, ""),
            CompressedContinuationOrControl => ("RSV1 set on a continuation or control frame", Nothing, ""),
            FrameTooLarge { len, max } => {
                s.push_str("frame payload of ");
                push_decimal(s, *len);
                (" bytes exceeds the limit of ", N(*max as u64), "")
            }
            MessageTooLarge { max } => ("message exceeds the limit of ", N(*max as u64), " bytes"),
            TooManyFragments { max } => ("message exceeds the limit of ", N(*max as u64), " fragments"),
            InvalidUtf8 { offset } => ("invalid UTF-8 in text message at byte ", N(*offset as u64), ""),
            InvalidCloseReason => ("close reason is not valid UTF-8", Nothing, ""),
            InvalidCompressedData => ("compressed message does not inflate", Nothing, ""),
            CloseTooShort => ("close frame with a 1-byte payload", Nothing, ""),
            InvalidCloseCode(c) => ("close code ", N(u64::from(*c)), " is not allowed on the wire"),
            CloseReasonTooLong(n) => ("close reason of ", N(*n as u64), " bytes (at most 123)"),
            ControlPayloadTooLong(n) => ("control frame payload of ", N(*n as u64), " bytes (at most 125)"),
            Closed => ("the connection is closed", Nothing, ""),
            Random => ("the randomness source failed", Nothing, ""),
            CollectMisuse => ("receive or collected called out of order while collecting a payload", Nothing, ""),
            MalformedHttp(what) => ("malformed HTTP: ", S(what), ""),
            HeadTooLarge { max } => ("HTTP head exceeds the limit of ", N(*max as u64), " bytes"),
            TooManyHeaders { max } => ("HTTP head has more than ", N(*max as u64), " headers"),
            MethodNotAllowed => ("request method is not GET", Nothing, ""),
            HttpVersion => ("HTTP version is not 1.1", Nothing, ""),
            BadHeader(name) => ("missing or invalid ", S(name), " header"),
            InvalidKey => ("Sec-WebSocket-Key is not base64 of 16 bytes", Nothing, ""),
            UnsupportedVersion => ("Sec-WebSocket-Version is not 13", Nothing, ""),
            InvalidAccept => ("Sec-WebSocket-Accept does not match the key", Nothing, ""),
            UnexpectedProtocol(p) => ("server chose subprotocol \"", S(p), "\", which was not offered"),
            UnexpectedExtension(e) => ("server answered with extension \"", S(e), "\", which was not offered"),
            Rejected(r) => {
                s.push_str("server answered ");
                push_decimal(s, u64::from(r.status));
                (" ", S(&r.reason), " instead of 101")
            }
            InvalidRequestHeader(name) => ("header \"", S(name), "\" cannot be set"),
            InvalidUrl(what) => ("invalid URL: ", S(what), ""),
            InvalidProtocol(p) => ("invalid subprotocol \"", S(p), "\""),
        };
        s.push_str(head);
        match part {
            S(t) => s.push_str(t),
            N(n) => push_decimal(s, n),
            Nothing => {}
        }
        s.push_str(tail);
    }
}

/// The middle of an error message: text, a number written in decimal, or nothing.
enum Part<'a> {
    S(&'a str),
    N(u64),
    Nothing,
}

fn hex_digit(d: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(d & 0xf)])
}

/// Appends `n` in decimal (what `{n}` writes for an unsigned integer).
pub(crate) fn push_decimal(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        s.push(char::from(d));
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn kind_is_the_variant_name() {
        let samples = [
            Error::ReservedOpcode(3),
            Error::FrameTooLarge { len: 1, max: 0 },
            Error::Closed,
            Error::UnexpectedProtocol("x".into()),
            Error::Rejected(Box::new(Rejection {
                status: 401,
                reason: "x".into(),
                headers: Vec::new(),
                body: Vec::new(),
            })),
        ];
        for e in samples {
            let debug = format!("{e:?}");
            assert!(
                debug.starts_with(e.kind()) && !debug[e.kind().len()..].starts_with(char::is_alphanumeric),
                "{debug}"
            );
        }
    }

    #[test]
    fn copied_is_clone_for_errors_without_heap_data() {
        let plain = [
            Error::ReservedBits(5),
            Error::FrameTooLarge { len: 1 << 40, max: 7 },
            Error::InvalidUtf8 { offset: 9 },
            Error::InvalidCloseCode(1005),
            Error::MalformedHttp("x"),
            Error::InvalidUrl("y"),
            Error::Closed,
        ];
        for e in plain {
            assert_eq!(e.copied(), Some(e.clone()));
        }
        let rejection = Rejection { status: 401, reason: "x".into(), headers: Vec::new(), body: Vec::new() };
        assert_eq!(Error::Rejected(Box::new(rejection)).copied(), None);
        assert_eq!(Error::UnexpectedProtocol("p".into()).copied(), None);
    }

    #[test]
    fn message_matches_the_format_it_replaced() {
        for b in 0..=u8::MAX {
            assert_eq!(
                Error::ReservedBits(b).to_string(),
                format!("reserved bits set without a negotiated extension (RSV=0b{b:03b})")
            );
            assert_eq!(Error::ReservedOpcode(b).to_string(), format!("reserved opcode 0x{b:x}"));
        }
        for n in [0u64, 1, 9, 10, 99, 100, 125, 65535, 1 << 20, u32::MAX as u64, u64::MAX] {
            assert_eq!(
                Error::FrameTooLarge { len: n, max: n as usize }.to_string(),
                format!("frame payload of {n} bytes exceeds the limit of {}", n as usize)
            );
            assert_eq!(
                Error::InvalidUtf8 { offset: n as usize }.to_string(),
                format!("invalid UTF-8 in text message at byte {}", n as usize)
            );
            let c = n as u16;
            assert_eq!(Error::InvalidCloseCode(c).to_string(), format!("close code {c} is not allowed on the wire"));
        }
        let rejected = Error::Rejected(Box::new(Rejection {
            status: 403,
            reason: "Forbidden".into(),
            headers: Vec::new(),
            body: Vec::new(),
        }));
        assert_eq!(rejected.to_string(), "server answered 403 Forbidden instead of 101");
        assert_eq!(
            Error::UnexpectedProtocol("chat".into()).to_string(),
            "server chose subprotocol \"chat\", which was not offered"
        );
        assert_eq!(Error::BadHeader("Upgrade").to_string(), "missing or invalid Upgrade header");
        assert_eq!(Error::TooManyHeaders { max: 64 }.to_string(), "HTTP head has more than 64 headers");
    }
}
