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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            ReservedBits(b) => write!(f, "reserved bits set without a negotiated extension (RSV=0b{b:03b})"),
            ReservedOpcode(op) => write!(f, "reserved opcode 0x{op:x}"),
            FragmentedControlFrame => f.write_str("fragmented control frame"),
            ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            LengthTopBitSet => f.write_str("64-bit payload length with its most significant bit set"),
            NonMinimalLength => f.write_str("payload length not in its minimal encoding"),
            UnmaskedFrame => f.write_str("unmasked frame from a client"),
            MaskedFrame => f.write_str("masked frame from a server"),
            UnexpectedContinuation => f.write_str("continuation frame without a message to continue"),
            ExpectedContinuation => f.write_str("new data frame inside a fragmented message"),
            CompressedContinuationOrControl => f.write_str("RSV1 set on a continuation or control frame"),
            FrameTooLarge { len, max } => write!(f, "frame payload of {len} bytes exceeds the limit of {max}"),
            MessageTooLarge { max } => write!(f, "message exceeds the limit of {max} bytes"),
            TooManyFragments { max } => write!(f, "message exceeds the limit of {max} fragments"),
            InvalidUtf8 { offset } => write!(f, "invalid UTF-8 in text message at byte {offset}"),
            InvalidCloseReason => f.write_str("close reason is not valid UTF-8"),
            InvalidCompressedData => f.write_str("compressed message does not inflate"),
            CloseTooShort => f.write_str("close frame with a 1-byte payload"),
            InvalidCloseCode(c) => write!(f, "close code {c} is not allowed on the wire"),
            CloseReasonTooLong(n) => write!(f, "close reason of {n} bytes (at most 123)"),
            ControlPayloadTooLong(n) => write!(f, "control frame payload of {n} bytes (at most 125)"),
            Closed => f.write_str("the connection is closed"),
            Random => f.write_str("the randomness source failed"),
            MalformedHttp(what) => write!(f, "malformed HTTP: {what}"),
            HeadTooLarge { max } => write!(f, "HTTP head exceeds the limit of {max} bytes"),
            TooManyHeaders { max } => write!(f, "HTTP head has more than {max} headers"),
            MethodNotAllowed => f.write_str("request method is not GET"),
            HttpVersion => f.write_str("HTTP version is not 1.1"),
            BadHeader(name) => write!(f, "missing or invalid {name} header"),
            InvalidKey => f.write_str("Sec-WebSocket-Key is not base64 of 16 bytes"),
            UnsupportedVersion => f.write_str("Sec-WebSocket-Version is not 13"),
            InvalidAccept => f.write_str("Sec-WebSocket-Accept does not match the key"),
            UnexpectedProtocol(p) => write!(f, "server chose subprotocol \"{p}\", which was not offered"),
            UnexpectedExtension(e) => write!(f, "server answered with extension \"{e}\", which was not offered"),
            Rejected(r) => write!(f, "server answered {} {} instead of 101", r.status, r.reason),
            InvalidRequestHeader(name) => write!(f, "header \"{name}\" cannot be set"),
            InvalidUrl(what) => write!(f, "invalid URL: {what}"),
            InvalidProtocol(p) => write!(f, "invalid subprotocol \"{p}\""),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

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
}
