//! The frame inspector: walks captured bytes frame by frame and reports every field, with the same rules
//! a [`Connection`](crate::Connection) applies; and the composer, which encodes a message into frames and
//! inspects them (one implementation for both directions).
//!
//! [`inspect`] never panics and never allocates by a declared length: a payload is copied only as far as the
//! input holds it, so a 10-byte input claiming a 2⁶² byte frame costs 10 bytes. Input that ends inside a
//! frame is reported with how many bytes are still missing, and the first broken rule stops the walk with its
//! byte offset, the [`Error`] (whose `Display` is the rule) and the close code an endpoint would answer with.
//!
//! ```
//! use hybi::inspect::{inspect, LengthForm, Options};
//! use hybi::{OpCode, Role};
//! // A masked "Hello" from a client (RFC 6455 §5.7).
//! let bytes = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
//! let ins = inspect(&bytes, &Options::default());
//! assert_eq!(ins.sender, Some(Role::Client));
//! let frame = &ins.frames[0];
//! assert_eq!((frame.opcode, frame.length_form, frame.mask), (OpCode::Text, LengthForm::Bits7, Some([0x37, 0xfa, 0x21, 0x3d])));
//! assert_eq!(frame.payload, b"Hello");
//! assert_eq!(ins.messages[0].text(), Some("Hello"));
//! assert!(ins.error.is_none() && ins.truncated.is_none());
//! ```

use alloc::vec;
use alloc::vec::Vec;
use core::str;

use crate::close::{self, CloseCode};
use crate::connection::Role;
use crate::error::Error;
use crate::frame::{self, Header, OpCode, Rules, Status, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use crate::mask;
use crate::rng::Rng;
use crate::utf8::{self, Validator};

/// How a payload length was encoded (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthForm {
    /// 0–125: the 7-bit field is the length.
    Bits7,
    /// 126 in the 7-bit field, then a 16-bit length (126–65535 in the minimal form).
    Bits16,
    /// 127 in the 7-bit field, then a 64-bit length with its top bit 0 (65536 and up in the minimal form).
    Bits64,
}

impl LengthForm {
    /// How many extended length bytes follow the first two header bytes: 0, 2 or 8.
    pub const fn extended_len(self) -> usize {
        match self {
            Self::Bits7 => 0,
            Self::Bits16 => 2,
            Self::Bits64 => 8,
        }
    }

    /// The form a 7-bit length field value selects.
    pub const fn of(len7: u8) -> Self {
        match len7 {
            126 => Self::Bits16,
            127 => Self::Bits64,
            _ => Self::Bits7,
        }
    }
}

/// One frame as it stands in the input: where it is, every header field, and its payload unmasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Offset of the frame's first byte in the input.
    pub offset: usize,
    /// Header length in bytes (2 to 14).
    pub header_len: usize,
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// RSV1–RSV3 as the low three bits (RSV1 = 0b100).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, if the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// The 7-bit payload length field as sent (126 and 127 select the extended forms).
    pub len7: u8,
    /// Which length encoding was used.
    pub length_form: LengthForm,
    /// Offset of the payload's first byte in the input.
    pub payload_offset: usize,
    /// The declared payload length.
    pub payload_len: u64,
    /// The payload, unmasked: the bytes present in the input (fewer than `payload_len` if the input ends early).
    pub payload: Vec<u8>,
    /// Index of the message (in [`Inspection::messages`]) this frame belongs to; `None` if the frame breaks a
    /// message-level rule (then it is the frame of [`Inspection::error`]).
    pub message: Option<usize>,
}

impl FrameInfo {
    /// Whether the MASK bit is set (a client's frame, RFC 6455 §5.1).
    pub const fn masked(&self) -> bool {
        self.mask.is_some()
    }

    /// Offset just past the frame (or past the end of the input, if it is cut off).
    pub fn end(&self) -> u64 {
        self.payload_offset as u64 + self.payload_len
    }
}

/// A message put together from its frames: a data message (Text or Binary, possibly fragmented) or a
/// control frame (Ping, Pong, Close).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Text, Binary, Ping, Pong or Close.
    pub opcode: OpCode,
    /// Indices (in [`Inspection::frames`]) of its frames, in order.
    pub frames: Vec<usize>,
    /// RSV1 on the first frame: compressed with permessage-deflate (RFC 7692 §6).
    pub compressed: bool,
    /// Whether the last frame arrived whole.
    pub complete: bool,
    /// The payload as sent: reassembled and unmasked (still compressed if `compressed`).
    pub data: Vec<u8>,
    /// A compressed message inflated (as far as its frames go).
    pub inflated: Option<Vec<u8>>,
    /// A Close frame's status code, if it carried one.
    pub close_code: Option<CloseCode>,
}

impl Message {
    /// The message's content: `inflated` for a compressed message, else `data`.
    pub fn content(&self) -> &[u8] {
        self.inflated.as_deref().unwrap_or(&self.data)
    }

    /// The text of a complete, valid Text message.
    pub fn text(&self) -> Option<&str> {
        (self.opcode == OpCode::Text && self.complete).then(|| str::from_utf8(self.content()).ok()).flatten()
    }

    /// A Close frame's reason, if it carried a status code and a valid reason.
    pub fn close_reason(&self) -> Option<&str> {
        self.close_code.and_then(|_| str::from_utf8(self.data.get(2..)?).ok())
    }
}

/// The first rule the input breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectError {
    /// Offset of the byte that breaks the rule (for a message-level rule, the first byte of the frame or of
    /// the bad payload data).
    pub offset: usize,
    /// The frame it is in, if its header could be decoded.
    pub frame: Option<usize>,
    /// The rule broken.
    pub error: Error,
}

impl InspectError {
    /// The close code an endpoint fails the connection with (RFC 6455 §7.4.1).
    pub fn close_code(&self) -> Option<CloseCode> {
        self.error.close_code()
    }
}

/// The input ends inside a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncated {
    /// Offset of the frame that is cut off.
    pub offset: usize,
    /// The frame, if its header is whole (then only payload bytes are missing).
    pub frame: Option<usize>,
    /// Bytes still missing to complete the frame.
    pub missing: u64,
    /// Whether `missing` is exact; if not, it is a lower bound (the payload length is not known yet).
    pub exact: bool,
}

/// What [`inspect`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    /// The sender's role, read from the first frame's MASK bit (RFC 6455 §5.1).
    pub sender: Option<Role>,
    /// Every frame whose header could be decoded, in order.
    pub frames: Vec<FrameInfo>,
    /// Every message begun, in the order of its first frame.
    pub messages: Vec<Message>,
    /// The first rule broken; the walk stops there.
    pub error: Option<InspectError>,
    /// The input ends inside a frame.
    pub truncated: Option<Truncated>,
    /// Offset of bytes following a Close frame, which a receiver ignores (RFC 6455 §5.5.1).
    pub after_close: Option<usize>,
    /// Offset where the walk stopped because [`Options::max_frames`] frames were reported.
    pub frame_limit: Option<usize>,
}

/// How to inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Read RSV1 as permessage-deflate's "compressed" bit (RFC 7692 §6), as if the extension was negotiated.
    /// Without the `deflate` feature this is ignored and RSV1 is a reserved bit.
    pub deflate: bool,
    /// Accept payload lengths not in their minimal encoding (RFC 6455 §5.2 forbids them).
    pub allow_non_minimal_length: bool,
    /// Stop after this many frames (a capture of tiny frames would otherwise cost far more than its bytes).
    pub max_frames: usize,
    /// The largest message accepted after inflating (1009 beyond it).
    pub max_message_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { deflate: true, allow_non_minimal_length: false, max_frames: 10_000, max_message_size: 64 << 20 }
    }
}

impl Inspection {
    fn fail(&mut self, offset: usize, frame: Option<usize>, error: Error) {
        self.error = Some(InspectError { offset, frame, error });
    }

    /// The input offset of byte `at` of message `msg`'s (wire, not inflated) payload.
    fn wire_offset(&self, msg: usize, at: usize) -> usize {
        let mut start = 0;
        let mut last = 0;
        for &f in &self.messages[msg].frames {
            let frame = &self.frames[f];
            if at < start + frame.payload.len() {
                return frame.payload_offset + (at - start);
            }
            start += frame.payload.len();
            last = frame.payload_offset + frame.payload.len();
        }
        last
    }
}

/// Whether RSV1 means "compressed" under `options`.
const fn deflate_on(options: &Options) -> bool {
    cfg!(feature = "deflate") && options.deflate
}

/// Walks `input` frame by frame. See the module docs.
pub fn inspect(input: &[u8], options: &Options) -> Inspection {
    let mut ins = Inspection::default();
    let mut rules = Rules {
        expect_masked: None,
        allowed_rsv: if deflate_on(options) { frame::RSV1 } else { 0 },
        allow_non_minimal_length: options.allow_non_minimal_length,
        max_frame_size: u64::MAX,
    };
    // The fragmented data message in progress, and its UTF-8 state.
    let mut open: Option<usize> = None;
    let mut text = Validator::new();
    let mut inflater = Inflater::default();
    let mut pos = 0;
    while pos < input.len() {
        if ins.frames.len() >= options.max_frames {
            ins.frame_limit = Some(pos);
            break;
        }
        let rest = &input[pos..];
        let (header, header_len) = match Header::parse(rest, &rules) {
            Ok(Status::Complete(h, n)) => (h, n),
            Ok(Status::Partial(needed)) => {
                ins.truncated = Some(truncated_header(rest, needed, &rules, pos));
                break;
            }
            Err(error) => {
                ins.fail(pos + header_error_byte(&error), None, error);
                break;
            }
        };
        if ins.sender.is_none() {
            // RFC 6455 §5.1: a client masks every frame and a server none, so the first frame tells the role,
            // and from here on the parser refuses a frame with the other MASK value.
            let masked = header.mask.is_some();
            ins.sender = Some(if masked { Role::Client } else { Role::Server });
            rules.expect_masked = Some(masked);
        }

        // Only what is present is copied: a declared length never sizes an allocation.
        let present = (rest.len() - header_len).min(usize::try_from(header.len).unwrap_or(usize::MAX));
        let mut payload = rest[header_len..header_len + present].to_vec();
        if let Some(key) = header.mask {
            // RFC 6455 §5.3: unmasking is the same XOR as masking.
            mask::apply(&mut payload, key, 0);
        }
        let index = ins.frames.len();
        let rsv1 = header.rsv & frame::RSV1 != 0;
        let payload_offset = pos + header_len;
        let len7 = rest[1] & 0x7f;
        ins.frames.push(FrameInfo {
            offset: pos,
            header_len,
            fin: header.fin,
            rsv: header.rsv,
            opcode: header.opcode,
            mask: header.mask,
            len7,
            length_form: LengthForm::of(len7),
            payload_offset,
            payload_len: header.len,
            payload,
            message: None,
        });

        // Message-level rules, in the order a receiver checks them before reading the payload.
        let msg = match header.opcode {
            OpCode::Text | OpCode::Binary => {
                // RFC 6455 §5.4: the fragments of one message may not be interleaved with another message.
                if open.is_some() {
                    ins.fail(pos, Some(index), Error::ExpectedContinuation);
                    break;
                }
                text = Validator::new();
                ins.messages.len()
            }
            OpCode::Continuation => match open {
                Some(m) => {
                    // RFC 7692 §6.1: only the first frame of a message carries the "compressed" bit.
                    if rsv1 {
                        ins.fail(pos, Some(index), Error::CompressedContinuationOrControl);
                        break;
                    }
                    m
                }
                // RFC 6455 §5.4: a continuation frame continues a message that was begun.
                None => {
                    ins.fail(pos, Some(index), Error::UnexpectedContinuation);
                    break;
                }
            },
            _ => {
                // RFC 7692 §6.1: control frames are never compressed.
                if rsv1 {
                    ins.fail(pos, Some(index), Error::CompressedContinuationOrControl);
                    break;
                }
                ins.messages.len()
            }
        };
        if msg == ins.messages.len() {
            ins.messages.push(Message {
                opcode: header.opcode,
                frames: Vec::new(),
                compressed: rsv1,
                complete: false,
                data: Vec::new(),
                inflated: None,
                close_code: None,
            });
        }
        ins.frames[index].message = Some(msg);
        let message = &mut ins.messages[msg];
        message.frames.push(index);
        let start = message.data.len();
        message.data.extend_from_slice(&ins.frames[index].payload);
        let is_text = message.opcode == OpCode::Text;
        let whole = present as u64 == header.len;

        if ins.messages[msg].compressed {
            // RFC 7692 §7.2.2: the frames' payloads together are one DEFLATE stream, inflated as they arrive.
            let message = &mut ins.messages[msg];
            let out = message.inflated.get_or_insert_with(Vec::new);
            let before = out.len();
            let last = header.fin && whole;
            if let Err(error) = inflater.inflate(&message.data[start..], out, options.max_message_size, last) {
                ins.fail(payload_offset, Some(index), error);
                break;
            }
            // RFC 6455 §8.1 on the inflated text; the byte can only be placed in this frame.
            if is_text {
                if let Err(e) = text.feed(&out[before..]) {
                    ins.fail(payload_offset, Some(index), Error::InvalidUtf8 { offset: e.offset });
                    break;
                }
            }
        } else if is_text {
            // RFC 6455 §8.1: text is checked as it arrives; the first invalid byte fails the connection (1007),
            // even before the message (or this frame) is over.
            if let Err(e) = text.feed(&ins.messages[msg].data[start..]) {
                let at = ins.wire_offset(msg, e.offset);
                ins.fail(at, Some(index), Error::InvalidUtf8 { offset: e.offset });
                break;
            }
        }
        if !whole {
            ins.truncated =
                Some(Truncated { offset: pos, frame: Some(index), missing: header.len - present as u64, exact: true });
            break;
        }
        pos = payload_offset + present;

        if header.opcode.is_control() {
            let message = &mut ins.messages[msg];
            message.complete = true;
            if header.opcode == OpCode::Close {
                match close::parse_payload(&message.data) {
                    Ok(frame) => message.close_code = frame.map(|f| f.code),
                    Err(error) => {
                        let at = match error {
                            // RFC 6455 §5.5.1: the reason is UTF-8; point at its first invalid byte.
                            Error::InvalidCloseReason => {
                                2 + utf8::validate(&message.data[2..]).err().map_or(0, |e| e.offset)
                            }
                            _ => 0,
                        };
                        ins.fail(payload_offset + at, Some(index), error);
                        break;
                    }
                }
                // RFC 6455 §5.5.1: nothing follows a Close; a receiver ignores whatever does.
                if pos < input.len() {
                    ins.after_close = Some(pos);
                }
                break;
            }
            continue;
        }
        if !header.fin {
            open = Some(msg);
            continue;
        }
        open = None;
        ins.messages[msg].complete = true;
        if is_text {
            // A code point cut off by the end of the message is invalid too.
            if let Err(e) = text.finish() {
                let at = match ins.messages[msg].compressed {
                    true => payload_offset,
                    false => ins.wire_offset(msg, e.offset),
                };
                ins.fail(at, Some(index), Error::InvalidUtf8 { offset: e.offset });
                break;
            }
        }
    }
    ins
}

/// The decompressor for a whole capture: one window across messages, as context takeover (the default,
/// RFC 7692 §7.1.1) keeps it; a sender that resets its own does not refer back, so keeping it is harmless.
#[derive(Default)]
struct Inflater {
    #[cfg(feature = "deflate")]
    codec: Option<crate::deflate::PerMessageDeflate>,
}

impl Inflater {
    /// Inflates the next piece of a compressed message into `out`; `last` ends the message.
    #[cfg(feature = "deflate")]
    fn inflate(&mut self, piece: &[u8], out: &mut Vec<u8>, max: usize, last: bool) -> Result<(), Error> {
        use crate::deflate::{DeflateConfig, Params, PerMessageDeflate};
        let codec = self
            .codec
            .get_or_insert_with(|| PerMessageDeflate::new(true, &Params::default(), &DeflateConfig::default()));
        codec.decompress(piece, out, max)?;
        if last {
            // RFC 7692 §7.2.2: append the 00 00 ff ff the sender removed.
            codec.finish_message(out, max)?;
        }
        Ok(())
    }

    /// Without the `deflate` feature RSV1 is a reserved bit, so no message is compressed.
    #[cfg(not(feature = "deflate"))]
    fn inflate(&mut self, _: &[u8], _: &mut Vec<u8>, _: usize, _: bool) -> Result<(), Error> {
        Ok(())
    }
}

/// The offset, within a header, of the byte that breaks `error`'s rule.
fn header_error_byte(error: &Error) -> usize {
    match error {
        // Byte 0: FIN, RSV and opcode.
        Error::ReservedBits(_) | Error::ReservedOpcode(_) | Error::FragmentedControlFrame => 0,
        // Byte 1: MASK and the 7-bit length.
        Error::ControlFrameTooLong | Error::MaskedFrame | Error::UnmaskedFrame => 1,
        // The extended length.
        _ => 2,
    }
}

/// How much of a frame whose header is cut off is missing: exact when only the masking key is cut off
/// (the payload length is known), a lower bound otherwise.
fn truncated_header(rest: &[u8], needed: usize, rules: &Rules, offset: usize) -> Truncated {
    let have = rest.len();
    let mut missing = (needed - have) as u64;
    let mut exact = false;
    let masked = rest.get(1).is_some_and(|b| b & 0x80 != 0);
    if have >= 2 && have + if masked { 4 } else { 0 } >= needed {
        // Parse again with the missing masking key bytes as zeros to read the length.
        let mut padded = [0u8; MAX_HEADER_LEN];
        padded[..have].copy_from_slice(rest);
        if let Ok(Status::Complete(h, _)) = Header::parse(&padded[..needed.min(MAX_HEADER_LEN)], rules) {
            missing += h.len;
            exact = true;
        }
    }
    Truncated { offset, frame: None, missing, exact }
}

/// The section of RFC 6455 (or RFC 7692) whose rule `error` breaks.
pub fn rule_section(error: &Error) -> &'static str {
    use Error::*;
    match error {
        ReservedBits(_) | ReservedOpcode(_) | LengthTopBitSet | NonMinimalLength => "RFC 6455 §5.2",
        UnmaskedFrame | MaskedFrame => "RFC 6455 §5.1",
        FragmentedControlFrame | ControlFrameTooLong | ControlPayloadTooLong(_) => "RFC 6455 §5.5",
        UnexpectedContinuation | ExpectedContinuation => "RFC 6455 §5.4",
        CompressedContinuationOrControl => "RFC 7692 §6.1",
        InvalidCompressedData => "RFC 7692 §6.2",
        InvalidUtf8 { .. } => "RFC 6455 §8.1",
        CloseTooShort | InvalidCloseReason | CloseReasonTooLong(_) => "RFC 6455 §5.5.1",
        InvalidCloseCode(_) => "RFC 6455 §7.4",
        FrameTooLarge { .. } | MessageTooLarge { .. } | TooManyFragments { .. } => "RFC 6455 §10.4",
        _ => "RFC 6455",
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------------------------------------------

/// The kind of message to compose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Text message (UTF-8).
    Text,
    /// A Binary message.
    Binary,
    /// A Ping (at most 125 bytes).
    Ping,
    /// A Pong (at most 125 bytes).
    Pong,
    /// A Close, with an optional code and reason.
    Close,
}

impl Kind {
    const fn opcode(self) -> OpCode {
        match self {
            Self::Text => OpCode::Text,
            Self::Binary => OpCode::Binary,
            Self::Ping => OpCode::Ping,
            Self::Pong => OpCode::Pong,
            Self::Close => OpCode::Close,
        }
    }
}

/// What to compose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compose<'a> {
    /// The sender: a client masks every frame, a server none (RFC 6455 §5.1).
    pub role: Role,
    /// The kind of message.
    pub kind: Kind,
    /// The message (Text: UTF-8), the Ping or Pong payload, or the Close reason (UTF-8).
    pub payload: &'a [u8],
    /// The Close status code; `None` sends an empty Close (then the reason must be empty).
    pub close_code: Option<CloseCode>,
    /// A client's masking key for every frame; `None` draws a fresh one per frame, as a client must
    /// (RFC 6455 §5.3). Ignored for a server.
    pub mask: Option<[u8; 4]>,
    /// Split a data message into frames of at most this many payload bytes; 0 for one frame. Control frames
    /// are never split (RFC 6455 §5.5).
    pub fragment_size: usize,
    /// Send a Ping between the first two fragments (RFC 6455 §5.4 allows control frames there).
    pub inject_ping: bool,
    /// Compress a Text or Binary message with permessage-deflate (RSV1 on its first frame, RFC 7692 §6), as if
    /// the extension was negotiated with default parameters. Ignored without the `deflate` feature.
    pub compress: bool,
}

/// A composed message: the bytes on the wire, and their inspection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    /// Every frame, in order.
    pub bytes: Vec<u8>,
    /// The same bytes inspected.
    pub inspection: Inspection,
}

/// Encodes a message as frames with [`frame::encode`], refusing what a sender may not send, then inspects them.
pub fn compose<R: Rng + ?Sized>(spec: &Compose<'_>, rng: &mut R) -> Result<Composed, Error> {
    let mut key = || -> Result<Option<[u8; 4]>, Error> {
        Ok(match (spec.role, spec.mask) {
            (Role::Server, _) => None,
            (Role::Client, Some(key)) => Some(key),
            (Role::Client, None) => {
                // RFC 6455 §5.3: a fresh, unpredictable key for every frame.
                let mut key = [0u8; 4];
                rng.fill(&mut key)?;
                Some(key)
            }
        })
    };
    let payload = spec.payload;
    let mut bytes = Vec::new();
    match spec.kind {
        Kind::Text | Kind::Binary => {
            if spec.kind == Kind::Text {
                // RFC 6455 §5.6: a text message is UTF-8.
                utf8::validate(payload).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
            }
            let (payload, mut rsv) = compress(spec, payload)?;
            let step = if spec.fragment_size == 0 { payload.len().max(1) } else { spec.fragment_size };
            let mut chunks = payload.chunks(step).peekable();
            let mut opcode = spec.kind.opcode();
            if chunks.peek().is_none() {
                frame::encode(&mut bytes, true, rsv, opcode, key()?, &[]);
            }
            let mut first = true;
            while let Some(chunk) = chunks.next() {
                let fin = chunks.peek().is_none();
                // RFC 6455 §5.4: the first frame carries the opcode, the rest are continuations, FIN on the last.
                // RFC 7692 §6.1: only the first frame carries RSV1.
                frame::encode(&mut bytes, fin, rsv, opcode, key()?, chunk);
                rsv = 0;
                if first && !fin && spec.inject_ping {
                    // RFC 6455 §5.4: control frames may be injected in the middle of a fragmented message.
                    frame::encode(&mut bytes, true, 0, OpCode::Ping, key()?, &[]);
                }
                first = false;
                opcode = OpCode::Continuation;
            }
        }
        Kind::Ping | Kind::Pong => {
            // RFC 6455 §5.5: control payloads are at most 125 bytes, and never fragmented.
            if payload.len() > MAX_CONTROL_PAYLOAD {
                return Err(Error::ControlPayloadTooLong(payload.len()));
            }
            frame::encode(&mut bytes, true, 0, spec.kind.opcode(), key()?, payload);
        }
        Kind::Close => {
            let reason = str::from_utf8(payload).map_err(|_| Error::InvalidCloseReason)?;
            let mut body = vec![];
            match spec.close_code {
                // RFC 6455 §5.5.1: a code, then a UTF-8 reason; §7.4: only some codes may be sent.
                Some(code) => {
                    close::check_outgoing(code, reason)?;
                    body.extend_from_slice(&code.0.to_be_bytes());
                    body.extend_from_slice(payload);
                }
                // A reason needs a code before it (§5.5.1).
                None if !payload.is_empty() => return Err(Error::InvalidCloseCode(CloseCode::NO_STATUS.0)),
                None => {}
            }
            frame::encode(&mut bytes, true, 0, OpCode::Close, key()?, &body);
        }
    }
    let inspection = inspect(&bytes, &Options { max_frames: usize::MAX, ..Options::default() });
    Ok(Composed { bytes, inspection })
}

/// The payload to frame and its RSV bits: compressed with RSV1 if asked and built in, else as it is.
fn compress<'a>(spec: &Compose<'_>, payload: &'a [u8]) -> Result<(alloc::borrow::Cow<'a, [u8]>, u8), Error> {
    #[cfg(feature = "deflate")]
    if spec.compress {
        use crate::deflate::{DeflateConfig, Params, PerMessageDeflate};
        // Every message is compressed, however short (the threshold is for real connections).
        let cfg = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
        let mut codec = PerMessageDeflate::new(spec.role == Role::Server, &Params::default(), &cfg);
        let mut out = Vec::new();
        if codec.compress(payload, &mut out)? {
            return Ok((out.into(), frame::RSV1));
        }
    }
    let _ = spec;
    Ok((payload.into(), 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn run(bytes: &[u8]) -> Inspection {
        inspect(bytes, &Options::default())
    }

    fn err(bytes: &[u8]) -> (usize, Error, u16) {
        let e = run(bytes).error.expect("an error");
        let code = e.close_code().expect("a close code").0;
        (e.offset, e.error, code)
    }

    struct Counter(u8);
    impl Rng for Counter {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
            for b in dest {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(())
        }
    }

    fn spec(role: Role, kind: Kind, payload: &[u8]) -> Compose<'_> {
        Compose {
            role,
            kind,
            payload,
            close_code: None,
            mask: Some(KEY),
            fragment_size: 0,
            inject_ping: false,
            compress: false,
        }
    }

    // ---- RFC 6455 §5.7 ----

    #[test]
    fn rfc_single_frame_unmasked_text() {
        let ins = run(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(ins.sender, Some(Role::Server));
        let f = &ins.frames[0];
        assert_eq!(
            (f.offset, f.header_len, f.fin, f.rsv, f.opcode, f.mask, f.len7),
            (0, 2, true, 0, OpCode::Text, None, 5)
        );
        assert_eq!((f.length_form, f.payload_offset, f.payload_len), (LengthForm::Bits7, 2, 5));
        assert_eq!(ins.messages.len(), 1);
        assert_eq!(ins.messages[0].text(), Some("Hello"));
        assert_eq!((ins.error, ins.truncated, ins.after_close), (None, None, None));
    }

    #[test]
    fn rfc_single_frame_masked_text() {
        let ins = run(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        assert_eq!(ins.sender, Some(Role::Client));
        let f = &ins.frames[0];
        assert_eq!((f.header_len, f.mask, f.len7, f.payload_offset), (6, Some(KEY), 5, 6));
        assert_eq!(f.payload, b"Hello");
        assert_eq!(ins.messages[0].text(), Some("Hello"));
    }

    #[test]
    fn rfc_fragmented_unmasked_text() {
        let ins = run(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
        assert_eq!(ins.frames.len(), 2);
        assert_eq!((ins.frames[0].fin, ins.frames[0].opcode), (false, OpCode::Text));
        assert_eq!((ins.frames[1].fin, ins.frames[1].opcode, ins.frames[1].offset), (true, OpCode::Continuation, 5));
        assert_eq!(ins.messages.len(), 1);
        assert_eq!(ins.messages[0].frames, [0, 1]);
        assert_eq!(ins.messages[0].text(), Some("Hello"));
    }

    #[test]
    fn rfc_ping_and_pong() {
        let ins = run(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!((ins.messages[0].opcode, &ins.messages[0].data[..]), (OpCode::Ping, &b"Hello"[..]));
        let ins = run(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        assert_eq!((ins.messages[0].opcode, &ins.messages[0].data[..]), (OpCode::Pong, &b"Hello"[..]));
    }

    #[test]
    fn rfc_extended_lengths() {
        let mut b = vec![0x82, 0x7e, 0x01, 0x00];
        b.extend(core::iter::repeat_n(7u8, 256));
        let ins = run(&b);
        let f = &ins.frames[0];
        assert_eq!((f.len7, f.length_form, f.header_len, f.payload_len), (126, LengthForm::Bits16, 4, 256));
        let mut b = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
        b.extend(core::iter::repeat_n(7u8, 65536));
        let ins = run(&b);
        let f = &ins.frames[0];
        assert_eq!((f.len7, f.length_form, f.header_len, f.payload_len), (127, LengthForm::Bits64, 10, 65536));
        assert_eq!(ins.messages[0].data.len(), 65536);
        assert!(ins.error.is_none() && ins.truncated.is_none());
    }

    #[test]
    fn ping_between_fragments() {
        let ins = run(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f]);
        assert_eq!(ins.error, None);
        assert_eq!(ins.frames.len(), 3);
        assert_eq!(ins.messages.len(), 2);
        assert_eq!(ins.messages[0].frames, [0, 2]);
        assert_eq!(ins.messages[1].frames, [1]);
        assert_eq!(ins.frames[1].message, Some(1));
        assert_eq!(ins.messages[0].text(), Some("Hello"));
    }

    #[test]
    fn close_with_reason() {
        let ins = run(&[0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']);
        let m = &ins.messages[0];
        assert_eq!((m.close_code, m.close_reason()), (Some(CloseCode::NORMAL), Some("bye")));
        let ins = run(&[0x88, 0x00, 0x81, 0x00]);
        assert_eq!((ins.messages[0].close_code, ins.after_close), (None, Some(2)));
        assert_eq!(ins.frames.len(), 1);
    }

    // ---- every error: offset and close code ----

    #[test]
    fn header_errors_point_at_their_byte() {
        let hello = [0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let mut two = vec![0x81, 0x05];
        two.extend_from_slice(&hello);
        // Each bad frame follows a valid 7-byte frame, so offsets are 7 + the byte within the header.
        let cases: [(&[u8], usize, Error, u16); 10] = [
            (&[0x83, 0x00], 7, Error::ReservedOpcode(3), 1002),
            (&[0x8b, 0x00], 7, Error::ReservedOpcode(0xb), 1002),
            (&[0xa1, 0x00], 7, Error::ReservedBits(0b010), 1002),
            (&[0x09, 0x00], 7, Error::FragmentedControlFrame, 1002),
            (&[0x89, 0x7e, 0x00, 0x80], 8, Error::ControlFrameTooLong, 1002),
            (&[0x82, 0x7e, 0x00, 0x05], 9, Error::NonMinimalLength, 1002),
            (&[0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 9, Error::NonMinimalLength, 1002),
            (&[0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0], 9, Error::LengthTopBitSet, 1002),
            // RFC 6455 §5.1: the first frame was unmasked (a server's); a masked one cannot follow.
            (&[0x82, 0x80, 1, 2, 3, 4], 8, Error::MaskedFrame, 1002),
            (&[0x00, 0x00], 7, Error::UnexpectedContinuation, 1002),
        ];
        for (bad, offset, error, code) in cases {
            let mut input = two.clone();
            input.extend_from_slice(bad);
            let ins = run(&input);
            // A frame whose header breaks a rule is not decoded; one that breaks a message rule is.
            let decoded = usize::from(error == Error::UnexpectedContinuation);
            assert_eq!(ins.frames.len(), 1 + decoded, "{error:?}");
            assert_eq!(ins.error.as_ref().unwrap().frame, (decoded == 1).then_some(1), "{error:?}");
            assert_eq!(err(&input), (offset, error.clone(), code), "{error:?}");
        }
    }

    #[test]
    fn role_mismatch_the_other_way() {
        // A client's masked frame, then an unmasked one.
        let input = [0x81, 0x80, 1, 2, 3, 4, 0x81, 0x00];
        assert_eq!(err(&input), (7, Error::UnmaskedFrame, 1002));
    }

    #[test]
    fn rsv1_without_deflate_is_reserved() {
        let input = [0xc1, 0x00];
        let ins = inspect(&input, &Options { deflate: false, ..Options::default() });
        let e = ins.error.unwrap();
        assert_eq!((e.offset, e.close_code().unwrap().0, e.error), (0, 1002, Error::ReservedBits(0b100)));
    }

    #[cfg(feature = "deflate")]
    #[test]
    fn rsv1_on_continuation_or_control() {
        assert_eq!(err(&[0x41, 0x00, 0xc0, 0x00]), (2, Error::CompressedContinuationOrControl, 1002));
        assert_eq!(err(&[0xc9, 0x00]), (0, Error::CompressedContinuationOrControl, 1002));
    }

    // ---- permessage-deflate (RFC 7692 §7.2.3) ----

    #[cfg(feature = "deflate")]
    #[test]
    fn compressed_messages_are_inflated() {
        // §7.2.3.1: "Hello" compressed in one frame, then in two fragments.
        let ins = run(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        let m = &ins.messages[0];
        assert_eq!((m.compressed, m.text(), m.data.len()), (true, Some("Hello"), 7));
        let ins = run(&[0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00]);
        assert_eq!((ins.error.as_ref(), ins.messages[0].text()), (None, Some("Hello")));
        // §7.2.3.2: the second message refers back into the first one's window.
        let ins =
            run(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
        assert_eq!(ins.messages[1].text(), Some("Hello"));
        // §7.2.3.3: a stored block; §7.2.3.5: two blocks in one message.
        let stored = [0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
        assert_eq!(run(&stored).messages[0].text(), Some("Hello"));
        let two = [0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(run(&two).messages[0].text(), Some("Hello"));
        // Cut off: what arrived is inflated, the text is not complete.
        let ins = run(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9]);
        assert_eq!((ins.messages[0].text(), ins.truncated.unwrap().missing), (None, 3));
    }

    #[cfg(feature = "deflate")]
    #[test]
    fn compressed_errors() {
        // BTYPE 11 is reserved: not DEFLATE (RFC 7692 §6.2 → 1007).
        assert_eq!(err(&[0x82, 0x00, 0xc2, 0x01, 0xff]), (4, Error::InvalidCompressedData, 1007));
        // Inflated text that is not UTF-8.
        let c = compose(&Compose { compress: true, ..spec(Role::Server, Kind::Binary, b"ab\xff") }, &mut Counter(0))
            .unwrap();
        let mut bytes = c.bytes.clone();
        bytes[0] = 0xc1;
        assert_eq!(err(&bytes), (2, Error::InvalidUtf8 { offset: 2 }, 1007));
        // A limit on what inflating may produce (1009).
        let zeros = vec![0u8; 100_000];
        let c =
            compose(&Compose { compress: true, ..spec(Role::Server, Kind::Binary, &zeros) }, &mut Counter(0)).unwrap();
        let ins = inspect(&c.bytes, &Options { max_message_size: 1000, ..Options::default() });
        assert_eq!(ins.error.unwrap().error, Error::MessageTooLarge { max: 1000 });
    }

    #[cfg(feature = "deflate")]
    #[test]
    fn compose_compressed_round_trips() {
        let text = "a message long enough to be worth compressing, a message long enough".repeat(4);
        for frag in [0, 7] {
            for role in [Role::Client, Role::Server] {
                let c = compose(
                    &Compose { compress: true, fragment_size: frag, ..spec(role, Kind::Text, text.as_bytes()) },
                    &mut Counter(0),
                )
                .unwrap();
                let ins = &c.inspection;
                assert_eq!(ins.error, None);
                assert_eq!(ins.frames[0].rsv, frame::RSV1);
                assert!(ins.frames[1..].iter().all(|f| f.rsv == 0));
                assert!(ins.messages[0].data.len() < text.len());
                assert_eq!(ins.messages[0].text(), Some(text.as_str()));
            }
        }
    }

    #[test]
    fn message_errors() {
        // A new Text frame inside a fragmented message (RFC 6455 §5.4).
        assert_eq!(err(&[0x01, 0x01, b'a', 0x81, 0x01, b'b']), (3, Error::ExpectedContinuation, 1002));
        // The frame that broke the rule is decoded, and belongs to no message.
        let ins = run(&[0x01, 0x01, b'a', 0x81, 0x01, b'b']);
        assert_eq!((ins.frames.len(), ins.frames[1].message, ins.messages.len()), (2, None, 1));
        // Close payload rules (RFC 6455 §5.5.1, §7.4).
        assert_eq!(err(&[0x88, 0x01, 0x03]), (2, Error::CloseTooShort, 1002));
        assert_eq!(err(&[0x88, 0x02, 0x03, 0xed]), (2, Error::InvalidCloseCode(1005), 1002));
        assert_eq!(err(&[0x88, 0x04, 0x03, 0xe8, b'a', 0xff]), (5, Error::InvalidCloseReason, 1007));
    }

    #[test]
    fn invalid_utf8_points_at_the_wire_byte() {
        // "ab" then 0xff in a single frame: message byte 2 is wire byte 4.
        let (offset, error, code) = err(&[0x81, 0x03, b'a', b'b', 0xff]);
        assert_eq!((offset, error, code), (4, Error::InvalidUtf8 { offset: 2 }, 1007));
        // Masked: the check runs on the unmasked bytes.
        let mut masked = vec![0x81, 0x83, 1, 2, 3, 4];
        masked.extend([b'a' ^ 1, b'b' ^ 2, 0xff ^ 3]);
        assert_eq!(err(&masked), (8, Error::InvalidUtf8 { offset: 2 }, 1007));
        // A code point split across fragments is fine...
        let euro = "€".as_bytes();
        let ok = [0x01, 0x01, euro[0], 0x80, 0x02, euro[1], euro[2]];
        assert_eq!(run(&ok).messages[0].text(), Some("€"));
        // ...but one cut off by the end of the message is not; the error points at its first byte.
        let cut = [0x01, 0x01, b'a', 0x80, 0x02, euro[0], euro[1]];
        assert_eq!(err(&cut), (5, Error::InvalidUtf8 { offset: 1 }, 1007));
        // Fail fast: a bad byte in the first fragment fails before the message ends, even if cut off.
        let early = [0x01, 0x05, b'a', 0xc0];
        assert_eq!(err(&early), (3, Error::InvalidUtf8 { offset: 1 }, 1007));
    }

    #[test]
    fn error_display_is_the_rule() {
        let e = run(&[0x83, 0x00]).error.unwrap();
        assert_eq!(e.error.to_string(), "reserved opcode 0x3");
        assert_eq!(rule_section(&e.error), "RFC 6455 §5.2");
    }

    // ---- truncated input ----

    #[test]
    fn truncated_counts_missing_bytes() {
        let full = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        // (cut at, missing, exact)
        let cases = [(1, 1, false), (2, 9, true), (4, 7, true), (6, 5, true), (9, 2, true), (10, 1, true)];
        for (cut, missing, exact) in cases {
            let t = run(&full[..cut]).truncated.expect("truncated");
            assert_eq!((t.offset, t.missing, t.exact), (0, missing, exact), "cut at {cut}");
            assert_eq!(t.frame.is_some(), cut >= 6, "cut at {cut}");
        }
        // 16-bit length cut inside the extended length: only the header's size is known.
        let t = run(&[0x81, 0x05, b'H', b'e', b'l', b'l', b'o', 0x82, 0x7e, 0x01]).truncated.unwrap();
        assert_eq!((t.offset, t.missing, t.exact), (7, 1, false));
        let t = run(&[0x82, 0x7e, 0x01, 0x00, 0xaa]).truncated.unwrap();
        assert_eq!((t.missing, t.exact), (255, true));
    }

    #[test]
    fn huge_declared_length_costs_only_what_is_present() {
        let input = [0x82, 0x7f, 0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        let ins = run(&input);
        assert_eq!(ins.frames[0].payload, [1, 2, 3]);
        assert_eq!(ins.truncated.unwrap().missing, 0x3fff_ffff_ffff_ffff - 3);
    }

    #[test]
    fn never_panics_on_any_short_input() {
        // Every 1- and 2-byte input, and every 3-byte prefix of an extended header.
        for a in 0..=255u8 {
            let _ = run(&[a]);
            for b in 0..=255u8 {
                let _ = run(&[a, b]);
                let _ = run(&[a, b, 0xff, 0x00, 0x81]);
            }
        }
    }

    #[test]
    fn frame_limit_stops_the_walk() {
        let input = [0x89, 0x00].repeat(5);
        let ins = inspect(&input, &Options { max_frames: 3, ..Options::default() });
        assert_eq!((ins.frames.len(), ins.frame_limit), (3, Some(6)));
    }

    // ---- compose ----

    #[test]
    fn compose_equals_frame_encode() {
        let text = b"Hello, world";
        for role in [Role::Client, Role::Server] {
            for frag in [0, 1, 3, 5, 12, 100] {
                for inject in [false, true] {
                    let c = compose(
                        &Compose { fragment_size: frag, inject_ping: inject, ..spec(role, Kind::Text, text) },
                        &mut Counter(0),
                    )
                    .unwrap();
                    let mask = (role == Role::Client).then_some(KEY);
                    let mut want = Vec::new();
                    let step = if frag == 0 { text.len() } else { frag };
                    let chunks: Vec<&[u8]> = text.chunks(step).collect();
                    for (i, chunk) in chunks.iter().enumerate() {
                        let op = if i == 0 { OpCode::Text } else { OpCode::Continuation };
                        frame::encode(&mut want, i + 1 == chunks.len(), 0, op, mask, chunk);
                        if i == 0 && inject && chunks.len() > 1 {
                            frame::encode(&mut want, true, 0, OpCode::Ping, mask, &[]);
                        }
                    }
                    assert_eq!(c.bytes, want, "{role:?} frag {frag} inject {inject}");
                    let ins = &c.inspection;
                    assert_eq!(ins.error, None);
                    assert_eq!(ins.messages[0].text(), Some("Hello, world"));
                    let pings = usize::from(inject && chunks.len() > 1);
                    assert_eq!(ins.frames.len(), chunks.len() + pings);
                }
            }
        }
    }

    #[test]
    fn compose_rfc_bytes() {
        let c = compose(&spec(Role::Client, Kind::Text, b"Hello"), &mut Counter(0)).unwrap();
        assert_eq!(c.bytes, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        let c = compose(&Compose { fragment_size: 3, ..spec(Role::Server, Kind::Text, b"Hello") }, &mut Counter(0))
            .unwrap();
        assert_eq!(c.bytes, [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
        let big = vec![0u8; 65536];
        let c = compose(&spec(Role::Server, Kind::Binary, &big), &mut Counter(0)).unwrap();
        assert_eq!(c.bytes[..10], [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
        let c = compose(&spec(Role::Server, Kind::Binary, &[]), &mut Counter(0)).unwrap();
        assert_eq!(c.bytes, [0x82, 0x00]);
    }

    #[test]
    fn compose_draws_fresh_keys_without_one() {
        let c = compose(
            &Compose { mask: None, fragment_size: 2, ..spec(Role::Client, Kind::Binary, b"abcd") },
            &mut Counter(0),
        )
        .unwrap();
        assert_eq!(c.inspection.frames[0].mask, Some([1, 2, 3, 4]));
        assert_eq!(c.inspection.frames[1].mask, Some([5, 6, 7, 8]));
    }

    #[test]
    fn compose_control_frames() {
        let c = compose(
            &Compose { close_code: Some(CloseCode::NORMAL), ..spec(Role::Server, Kind::Close, b"bye") },
            &mut Counter(0),
        )
        .unwrap();
        assert_eq!(c.bytes, [0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']);
        assert_eq!(c.inspection.messages[0].close_reason(), Some("bye"));
        let c = compose(&spec(Role::Server, Kind::Close, b""), &mut Counter(0)).unwrap();
        assert_eq!(c.bytes, [0x88, 0x00]);
        // Control frames are never fragmented, whatever the fragment size.
        let c = compose(&Compose { fragment_size: 1, ..spec(Role::Server, Kind::Ping, b"Hello") }, &mut Counter(0))
            .unwrap();
        assert_eq!(c.bytes, [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    }

    #[test]
    fn compose_refuses_what_may_not_be_sent() {
        let mut rng = Counter(0);
        let long = [b'x'; 126];
        assert_eq!(compose(&spec(Role::Server, Kind::Ping, &long), &mut rng), Err(Error::ControlPayloadTooLong(126)));
        assert_eq!(compose(&spec(Role::Server, Kind::Text, b"\xff"), &mut rng), Err(Error::InvalidUtf8 { offset: 0 }));
        let close = |code: Option<u16>, reason: &'static [u8]| {
            compose(
                &Compose { close_code: code.map(CloseCode), ..spec(Role::Server, Kind::Close, reason) },
                &mut Counter(0),
            )
        };
        assert_eq!(close(Some(1005), b""), Err(Error::InvalidCloseCode(1005)));
        assert_eq!(close(None, b"why"), Err(Error::InvalidCloseCode(1005)));
        assert_eq!(close(Some(1000), &[b'x'; 124]), Err(Error::CloseReasonTooLong(124)));
        assert_eq!(close(Some(1000), b"\xff"), Err(Error::InvalidCloseReason));
    }
}
