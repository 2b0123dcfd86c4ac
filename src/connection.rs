//! The connection state machine (RFC 6455 §5–§7): bytes in → events; calls → bytes out.
//!
//! # Call order
//!
//! 1. Complete the opening handshake ([`crate::handshake`]); bytes that followed the handshake head
//!    are frames: pass them to [`Connection::receive`] first.
//! 2. Whenever the transport delivers bytes, call [`Connection::receive`] once with all of them. It calls
//!    your handler for every complete message, ping, pong and close, then returns. (A caller that can keep a
//!    large binary payload where it arrived, rather than have it copied, uses [`Connection::receive_collecting`]
//!    and [`Connection::collected`] instead.)
//! 3. After every `receive` and every `send_*`/`ping`/`close` call, write out [`Connection::output`] and
//!    report how much was written with [`Connection::advance_output`]. (A caller that writes a message out at
//!    once can have its frame built in its own buffer instead, sparing the copy into the output:
//!    [`Connection::frame_in_place`]; a server writing a payload itself after its header:
//!    [`Connection::send_binary_header`].)
//! 4. When [`Connection::should_close_transport`] is true, close the transport. A client waits for the
//!    server to close first after a clean close (RFC 6455 §7.1.1), with a timeout the owner keeps.
//!
//! The connection never reads a clock, never does I/O and never draws randomness except through the
//! [`Rng`] it was given (for client masking keys). A protocol error is fatal and sticks: the Close frame
//! the RFC asks for is queued, and every later `receive` returns the same error.

use alloc::string::String;
use alloc::vec::Vec;

use crate::close::{self, CloseCode, CloseFrame};
#[cfg(feature = "deflate")]
use crate::deflate::{DeflateConfig, Params, PerMessageDeflate};
use crate::error::Error;
use crate::frame::{self, Header, OpCode, Rules, Status, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, RSV1};
use crate::mask;
use crate::rng::Rng;
use crate::utf8::{self, Validator};

/// Which end of the connection this is. Clients mask what they send; servers must not (RFC 6455 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The end that opened the connection.
    Client,
    /// The end that accepted it.
    Server,
}

/// Limits and switches. Every limit has a safe default.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The largest frame payload accepted; a larger declared length fails the connection with 1009 before
    /// any of it is buffered. Default: 16 MiB.
    pub max_frame_size: usize,
    /// The largest message accepted, across fragments (and after decompression); a message that would grow
    /// past it fails the connection with 1009 before the excess is buffered. Default: 64 MiB.
    pub max_message_size: usize,
    /// The most fragments one message may arrive in; more fails with 1009. Fragments append into one
    /// buffer, so this bounds CPU, not memory. Default: 1,048,576 (a 64 MiB message in 64-byte fragments).
    pub max_fragments: usize,
    /// Answer Pings with Pongs automatically (RFC 6455 §5.5.2). Default: `true`.
    pub auto_pong: bool,
    /// Accept payload lengths not in their minimal encoding (RFC 6455 §5.2 says the minimal form MUST be
    /// used). Default: `false`, such frames fail with 1002.
    pub allow_non_minimal_length: bool,
    /// Split outgoing messages into frames of at most this many payload bytes; 0 sends each message as one
    /// frame. Default: 0.
    pub fragment_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            max_fragments: 1 << 20,
            auto_pong: true,
            allow_non_minimal_length: false,
            fragment_size: 0,
        }
    }
}

/// Something the peer sent. Payloads borrow from the input or from the connection's buffer, so they are
/// valid only during the handler call: copy what you keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A complete text message, validated UTF-8.
    Text(&'a str),
    /// A complete binary message.
    Binary(&'a [u8]),
    /// A Ping; a Pong with the same payload is queued unless `auto_pong` is off (RFC 6455 §5.5.2).
    Ping(&'a [u8]),
    /// A Pong (solicited or not; RFC 6455 §5.5.3).
    Pong(&'a [u8]),
    /// The peer's Close, with its code and reason if it gave one. The answering Close is already queued.
    Close(Option<CloseFrame<'a>>),
}

/// The kind of an outgoing message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Binary data (opcode 0x2).
    Binary,
}

impl MessageKind {
    const fn opcode(self) -> OpCode {
        match self {
            Self::Text => OpCode::Text,
            Self::Binary => OpCode::Binary,
        }
    }
}

/// Where the reader is within the current frame.
#[derive(Clone, Copy, Debug)]
enum Read {
    /// Collecting a frame header (a header split across reads is kept here: at most 14 bytes).
    Header { buf: [u8; MAX_HEADER_LEN], len: u8 },
    /// Reading a payload: `remaining` bytes are still to come, `done` have been read.
    Payload { header: Header, remaining: u64, done: u64 },
    /// The caller collects a binary message's payload itself ([`Connection::receive_collecting`]): `remaining`
    /// bytes of it are still to come.
    Collect { remaining: u64 },
}

/// Received bytes, read-only (`&[u8]`) or modifiable in place (`&mut [u8]`, see [`Connection::receive_mut`]).
trait Input<'a>: Sized {
    /// Whether a masked payload can be unmasked where it lies.
    const UNMASKS_IN_PLACE: bool;
    fn bytes(&self) -> &[u8];
    fn len(&self) -> usize {
        self.bytes().len()
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn split(self, n: usize) -> (Self, Self);
    /// These bytes as a payload, unmasked with `key` if `masked` (only ever masked if `UNMASKS_IN_PLACE`).
    /// Not an `Option<[u8; 4]>`: read back from the header's copy on the stack, its tag and key were loaded as one
    /// word across two stores, a store-forwarding stall that took half the time of a small masked frame.
    fn unmasked(self, masked: bool, key: [u8; 4]) -> &'a [u8];
}

impl<'a> Input<'a> for &'a [u8] {
    const UNMASKS_IN_PLACE: bool = false;
    fn bytes(&self) -> &[u8] {
        self
    }
    fn split(self, n: usize) -> (Self, Self) {
        self.split_at(n)
    }
    fn unmasked(self, masked: bool, _key: [u8; 4]) -> &'a [u8] {
        debug_assert!(!masked);
        self
    }
}

impl<'a> Input<'a> for &'a mut [u8] {
    const UNMASKS_IN_PLACE: bool = true;
    fn bytes(&self) -> &[u8] {
        self
    }
    fn split(self, n: usize) -> (Self, Self) {
        self.split_at_mut(n)
    }
    fn unmasked(self, masked: bool, key: [u8; 4]) -> &'a [u8] {
        if masked {
            mask::apply(self, key, 0);
        }
        self
    }
}

/// A WebSocket connection in either role, after the opening handshake. See the module docs for the call order.
///
/// ```
/// use hybi::{Config, Connection, Event, Role};
/// # #[derive(Default)] struct Counter(u8);
/// # impl hybi::Rng for Counter { fn fill(&mut self, d: &mut [u8]) -> Result<(), hybi::Error> {
/// #     for b in d { self.0 = self.0.wrapping_add(1); *b = self.0; } Ok(()) } }
/// let mut server = Connection::new(Role::Server, Config::default(), Counter::default());
/// // A masked "Hello" from a client (RFC 6455 §5.7):
/// let bytes = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let mut got = String::new();
/// server.receive(&bytes, |event| if let Event::Text(t) = event { got.push_str(t) }).unwrap();
/// assert_eq!(got, "Hello");
/// server.send_text("Hi").unwrap();
/// assert_eq!(server.output(), [0x81, 0x02, b'H', b'i']);
/// ```
pub struct Connection<R> {
    role: Role,
    config: Config,
    rules: Rules,
    rng: R,
    read: Read,

    // The message being received.
    msg_kind: Option<MessageKind>,
    msg: Vec<u8>,
    msg_fragments: usize,
    utf8_in: Validator,
    /// Whether the message being received is compressed (RSV1 on its first frame, RFC 7692 §6.1).
    msg_compressed: bool,
    /// Compressed bytes of that message so far (bounded by `max_message_size` too).
    msg_wire: u64,
    /// permessage-deflate, once negotiated, and a reused buffer for unmasked or compressed payloads.
    #[cfg(feature = "deflate")]
    deflate: Option<PerMessageDeflate>,
    #[cfg(feature = "deflate")]
    scratch: Vec<u8>,

    // The control frame being received (never more than 125 bytes).
    control: [u8; MAX_CONTROL_PAYLOAD],
    control_len: u8,

    // Bytes to write: `out[out_start..]`.
    out: Vec<u8>,
    out_start: usize,
    /// The latest Ping's payload, answered when the owner next takes output (only the latest Ping needs a
    /// Pong, RFC 6455 §5.5.3, so a flood of Pings cannot grow the output).
    pending_pong: Option<([u8; MAX_CONTROL_PAYLOAD], u8)>,
    /// End (index into `out`) of an automatic Pong not yet taken by the owner; 0 if none.
    unsent_pong_end: usize,

    // An outgoing message sent in pieces with `send_fragment`.
    sending: Option<MessageKind>,
    utf8_out: Validator,

    close_sent: bool,
    close_received: bool,
    failed: Option<Error>,
}

impl<R: Rng> Connection<R> {
    /// A connection in `role` with `config`, drawing client masking keys from `rng`.
    pub fn new(role: Role, config: Config, rng: R) -> Self {
        let rules = Rules {
            expect_masked: Some(role == Role::Server),
            allowed_rsv: 0,
            allow_non_minimal_length: config.allow_non_minimal_length,
            max_frame_size: config.max_frame_size as u64,
        };
        Self {
            role,
            config,
            rules,
            rng,
            read: Read::Header { buf: [0; MAX_HEADER_LEN], len: 0 },
            msg_kind: None,
            msg: Vec::new(),
            msg_fragments: 0,
            utf8_in: Validator::new(),
            msg_compressed: false,
            msg_wire: 0,
            #[cfg(feature = "deflate")]
            deflate: None,
            #[cfg(feature = "deflate")]
            scratch: Vec::new(),
            control: [0; MAX_CONTROL_PAYLOAD],
            control_len: 0,
            out: Vec::new(),
            out_start: 0,
            pending_pong: None,
            unsent_pong_end: 0,
            sending: None,
            utf8_out: Validator::new(),
            close_sent: false,
            close_received: false,
            failed: None,
        }
    }

    /// Turns on permessage-deflate (RFC 7692) with the parameters the handshake agreed on
    /// ([`crate::deflate::client_accept`] or [`crate::deflate::server_accept`]) and the `cfg` used to negotiate.
    /// Call it before any frame is received or sent: from then on RSV1 marks compressed messages.
    #[cfg(feature = "deflate")]
    pub fn enable_deflate(&mut self, params: &Params, cfg: &DeflateConfig) {
        self.deflate = Some(PerMessageDeflate::new(self.role == Role::Server, params, cfg));
        // RFC 7692 §6: the extension defines RSV1 (the "Per-Message Compressed" bit).
        self.rules.allowed_rsv = RSV1;
    }

    /// Whether permessage-deflate is on.
    pub fn deflate_enabled(&self) -> bool {
        self.rules.allowed_rsv & RSV1 != 0
    }

    /// This connection's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ------------------------------------------------------------------ receiving

    /// How many more bytes the peer must send to finish the frame being read: the rest of its payload once
    /// its header is read, the rest of a partial header (as far as its first bytes tell), and 0 between
    /// frames, after a received Close or once the connection has failed. A transport may wait for this many
    /// bytes before handing a read over (fewer, larger reads); waiting for more could wait forever.
    pub fn bytes_owed(&self) -> u64 {
        if self.close_received || self.failed.is_some() {
            return 0;
        }
        match self.read {
            Read::Header { len: 0, .. } => 0,
            Read::Header { len, .. } if len < 2 => 2 - u64::from(len),
            Read::Header { buf, len } => {
                // RFC 6455 §5.2: 2 bytes, then 2 or 8 of extended length, then 4 of masking key if MASK is set.
                let ext: u64 = match buf[1] & 0x7f {
                    126 => 2,
                    127 => 8,
                    _ => 0,
                };
                let mask: u64 = if buf[1] & 0x80 != 0 { 4 } else { 0 };
                (2 + ext + mask).saturating_sub(u64::from(len))
            }
            Read::Payload { remaining, .. } | Read::Collect { remaining } => remaining,
        }
    }

    /// Processes bytes received from the transport, calling `on_event` for each complete message, ping,
    /// pong and close, in order. Bytes may be split anywhere: one byte at a time gives the same events.
    ///
    /// On a protocol violation, the Close frame the RFC asks for is queued (see [`Error::close_code`]) and
    /// the error is returned, now and on every later call. Bytes after a received Close are ignored
    /// (RFC 6455 §5.5.1).
    pub fn receive(&mut self, input: &[u8], mut on_event: impl FnMut(Event<'_>)) -> Result<(), Error> {
        self.receive_checked(input, &mut on_event)
    }

    /// [`Connection::receive`] for input the connection may modify: a masked data frame that arrives whole in
    /// `input` (what a server receives, RFC 6455 §5.3) is unmasked in place and handed over without being copied
    /// into the message buffer. The bytes of `input` are unspecified afterwards.
    pub fn receive_mut(&mut self, input: &mut [u8], mut on_event: impl FnMut(Event<'_>)) -> Result<(), Error> {
        self.receive_checked(input, &mut on_event)
    }

    /// [`Connection::receive_mut`] for a caller that can keep a large payload where it lies rather than have the
    /// connection copy it (a wasm binding whose reads arrive in JS memory). It stops after the header of an
    /// unfragmented, uncompressed, unmasked binary message (what a client receives) of at least `min_len` bytes
    /// whose payload is not all in `input`, and returns `Some(n)`, `n` being how many bytes of `input` it read
    /// (`None` when it read them all without stopping). The next [`Connection::bytes_owed`] bytes from the peer
    /// are then that message, kept by the caller: it reports each piece's length to [`Connection::collected`]
    /// instead of passing it to `receive`, and delivers the message itself once `collected` returns `true`; the
    /// bytes after it go to `receive` again. The header was checked as for `receive` (limits included).
    pub fn receive_collecting(
        &mut self,
        input: &mut [u8],
        min_len: u64,
        mut on_event: impl FnMut(Event<'_>),
    ) -> Result<Option<usize>, Error> {
        self.receive_checked_until(input, min_len.max(1), &mut on_event)
    }

    /// Counts `n` more bytes of the payload the caller collects (see [`Connection::receive_collecting`]) as
    /// received; returns `true` once all of it is, the message complete. More bytes than it has left, or a call
    /// while nothing is collected, is [`Error::CollectMisuse`] (the connection is unchanged).
    pub fn collected(&mut self, n: usize) -> Result<bool, Error> {
        let Read::Collect { remaining } = self.read else { return Err(Error::CollectMisuse) };
        let left = remaining.checked_sub(n as u64).ok_or(Error::CollectMisuse)?;
        if left > 0 {
            self.read = Read::Collect { remaining: left };
            return Ok(false);
        }
        self.read = Read::Header { buf: [0; MAX_HEADER_LEN], len: 0 };
        self.msg_kind = None;
        self.msg_fragments = 0;
        Ok(true)
    }

    /// A fatal error sticks: it is returned again without reading; a new one fails the connection.
    fn receive_checked<'a, I: Input<'a>>(
        &mut self,
        input: I,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<(), Error> {
        self.receive_checked_until(input, u64::MAX, on_event).map(drop)
    }

    fn receive_checked_until<'a, I: Input<'a>>(
        &mut self,
        input: I,
        collect_min: u64,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<Option<usize>, Error> {
        if let Some(e) = &self.failed {
            return Err(e.copied().unwrap_or(Error::Closed));
        }
        if let Read::Collect { .. } = self.read {
            // The bytes owed are the caller's: reading these as frames would lose the message's place.
            return Err(Error::CollectMisuse);
        }
        let total = input.len();
        match self.receive_inner(input, collect_min, on_event) {
            Ok(unread) => Ok(unread.map(|n| total - n)),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Reads frames from `input`; returns `Some(bytes left unread)` if it stopped for the caller to collect a
    /// payload (`collect_min`: the least length to stop for, `u64::MAX` for never).
    fn receive_inner<'a, I: Input<'a>>(
        &mut self,
        mut input: I,
        collect_min: u64,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<Option<usize>, Error> {
        while !self.close_received {
            // A frame whose header and payload are in `input` goes through in locals: `self.read` is written
            // only when a read ends inside a frame.
            let (header, remaining, done, rest) = match self.read {
                Read::Header { len: 0, .. } => {
                    // Common case: the header is whole in the input; parse it in place.
                    let (header, used) = match Header::parse(input.bytes(), &self.rules)? {
                        Status::Complete(h, n) => (h, n),
                        Status::Partial(_) => {
                            // A partial header is shorter than 14 bytes.
                            let mut buf = [0; MAX_HEADER_LEN];
                            buf[..input.len()].copy_from_slice(input.bytes());
                            self.read = Read::Header { buf, len: input.len() as u8 };
                            return Ok(None);
                        }
                    };
                    self.start_frame(&header)?;
                    (header, header.len, 0, input.split(used).1)
                }
                Read::Header { mut buf, len } => {
                    let len = usize::from(len);
                    let take = input.len().min(MAX_HEADER_LEN - len);
                    buf[len..len + take].copy_from_slice(&input.bytes()[..take]);
                    let (header, used) = match Header::parse(&buf[..len + take], &self.rules)? {
                        Status::Complete(h, n) => (h, n - len),
                        Status::Partial(_) => {
                            self.read = Read::Header { buf, len: (len + take) as u8 };
                            return Ok(None);
                        }
                    };
                    self.read = Read::Header { buf: [0; MAX_HEADER_LEN], len: 0 };
                    self.start_frame(&header)?;
                    (header, header.len, 0, input.split(used).1)
                }
                Read::Payload { header, remaining, done } => {
                    self.read = Read::Header { buf: [0; MAX_HEADER_LEN], len: 0 };
                    (header, remaining, done, input)
                }
                Read::Collect { .. } => return Ok(Some(input.len())),
            };
            if done == 0
                && header.len >= collect_min
                && header.fin
                && header.rsv == 0
                && header.mask.is_none()
                && header.opcode == OpCode::Binary
                && (rest.len() as u64) < header.len
            {
                // `start_frame` began the message; `collected` ends it.
                self.read = Read::Collect { remaining: header.len };
                return Ok(Some(rest.len()));
            }
            input = match self.payload(header, remaining, done, rest, on_event)? {
                Some(rest) => rest,
                None => return Ok(None),
            };
            if input.is_empty() {
                break;
            }
        }
        Ok(None)
    }

    /// Reads what `input` holds of a frame's payload (`remaining` bytes still to come, `done` read before; the
    /// header is checked and `self.read` is between frames). Returns the input after the frame once it is
    /// complete (its events emitted), or `None` when the input ended inside it (then `self.read` says where).
    #[inline]
    fn payload<'a, I: Input<'a>>(
        &mut self,
        header: Header,
        remaining: u64,
        done: u64,
        input: I,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<Option<I>, Error> {
        let input = match self.whole_frame(&header, done, input, on_event)? {
            Ok(rest) => return Ok(Some(rest)),
            Err(input) => input,
        };
        let n = input.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let (chunk, rest) = input.split(n);
        self.read_payload(&header, chunk.bytes(), done)?;
        let remaining = remaining - n as u64;
        if remaining > 0 {
            self.read = Read::Payload { header, remaining, done: done + n as u64 };
            return Ok(None);
        }
        self.end_frame(&header, on_event)?;
        Ok(Some(rest))
    }

    /// The whole payload of an unfragmented data frame that is in `input`, unmasked or unmaskable in place, is
    /// handed over without copying: `Ok(Ok(rest))` then, and `Ok(Err(input))` (untouched) when the frame does not
    /// qualify. `done` is how much of the payload was read before (it must be 0).
    #[inline]
    fn whole_frame<'a, I: Input<'a>>(
        &mut self,
        header: &Header,
        done: u64,
        input: I,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<Result<I, I>, Error> {
        if !(done == 0
            && header.fin
            && header.rsv == 0
            && (header.mask.is_none() || I::UNMASKS_IN_PLACE)
            && matches!(header.opcode, OpCode::Text | OpCode::Binary)
            && (input.len() as u64) >= header.len)
        {
            return Ok(Err(input));
        }
        let (payload, rest) = input.split(header.len as usize);
        let payload = payload.unmasked(header.mask.is_some(), header.mask.unwrap_or_default());
        self.msg_kind = None;
        self.msg_fragments = 0;
        match header.opcode {
            OpCode::Text => {
                // RFC 6455 §8.1: a text message must be valid UTF-8 (1007).
                let text = utf8::validate(payload).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
                on_event(Event::Text(text));
            }
            _ => on_event(Event::Binary(payload)),
        }
        Ok(Ok(rest))
    }

    /// Checks a frame against the message state before any of its payload is read.
    fn start_frame(&mut self, header: &Header) -> Result<(), Error> {
        match header.opcode {
            OpCode::Text | OpCode::Binary => {
                // RFC 6455 §5.4: a fragmented message's frames may not be interleaved with another message.
                if self.msg_kind.is_some() {
                    return Err(Error::ExpectedContinuation);
                }
                self.msg_compressed = header.rsv & RSV1 != 0;
                self.msg_wire = 0;
                self.check_message_size(header.len)?;
                self.msg_kind =
                    Some(if header.opcode == OpCode::Text { MessageKind::Text } else { MessageKind::Binary });
                self.msg_fragments = 1;
            }
            OpCode::Continuation => {
                // RFC 6455 §5.4: a continuation frame continues a message that was begun.
                if self.msg_kind.is_none() {
                    return Err(Error::UnexpectedContinuation);
                }
                // RFC 7692 §6.1: RSV1 is set on the first frame of a compressed message only.
                if header.rsv & RSV1 != 0 {
                    return Err(Error::CompressedContinuationOrControl);
                }
                self.msg_fragments += 1;
                if self.msg_fragments > self.config.max_fragments {
                    return Err(Error::TooManyFragments { max: self.config.max_fragments });
                }
                self.check_message_size(header.len)?;
            }
            _ => {
                // RFC 7692 §6.1: control frames are never compressed.
                if header.rsv & RSV1 != 0 {
                    return Err(Error::CompressedContinuationOrControl);
                }
                self.control_len = 0;
            }
        }
        Ok(())
    }

    /// RFC 6455 §10.4: refuse a message that would outgrow the limit before buffering the excess.
    /// For a compressed message this bounds the compressed bytes; the inflated size is bounded while inflating.
    fn check_message_size(&mut self, frame_len: u64) -> Result<(), Error> {
        let max = self.config.max_message_size;
        let so_far = if self.msg_compressed { self.msg_wire } else { self.msg.len() as u64 };
        self.msg_wire = self.msg_wire.saturating_add(frame_len);
        if so_far.saturating_add(frame_len) > max as u64 {
            return Err(Error::MessageTooLarge { max });
        }
        Ok(())
    }

    /// Takes in `chunk`, the payload bytes `done..done + chunk.len()` of the current frame.
    fn read_payload(&mut self, header: &Header, chunk: &[u8], done: u64) -> Result<(), Error> {
        if header.opcode.is_control() {
            let start = usize::from(self.control_len);
            let dst = &mut self.control[start..start + chunk.len()];
            dst.copy_from_slice(chunk);
            if let Some(key) = header.mask {
                mask::apply(dst, key, done as usize);
            }
            self.control_len += chunk.len() as u8;
            return Ok(());
        }
        let start = self.msg.len();
        if self.msg_compressed {
            #[cfg(feature = "deflate")]
            self.inflate(header.mask, chunk, done)?;
        } else {
            self.append(header.mask, chunk, done);
        }
        // A single-frame text message read in one piece is validated once, in `end_frame`.
        let whole = header.fin && done == 0 && chunk.len() as u64 == header.len && start == 0 && !self.msg_compressed;
        if self.msg_kind == Some(MessageKind::Text) && !whole {
            // Fail fast (RFC 6455 §8.1): the first invalid sequence ends the connection, mid-frame.
            self.utf8_in.feed(&self.msg[start..]).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
        }
        Ok(())
    }

    fn append(&mut self, mask: Option<[u8; 4]>, chunk: &[u8], done: u64) {
        let start = self.msg.len();
        match mask {
            Some(key) => {
                self.msg.resize(start + chunk.len(), 0);
                mask::apply_copy(&mut self.msg[start..], chunk, key, done as usize);
            }
            None => self.msg.extend_from_slice(chunk),
        }
    }

    /// Inflates a piece of a compressed message into the message buffer, bounded by `max_message_size`
    /// while inflating (RFC 7692 §6.2), so a small frame that expands without end stops at the limit.
    #[cfg(feature = "deflate")]
    fn inflate(&mut self, mask: Option<[u8; 4]>, chunk: &[u8], done: u64) -> Result<(), Error> {
        let Some(pmd) = self.deflate.as_mut() else { return Err(Error::ReservedBits(RSV1)) };
        let max = self.config.max_message_size;
        match mask {
            Some(key) => {
                self.scratch.clear();
                self.scratch.resize(chunk.len(), 0);
                mask::apply_copy(&mut self.scratch, chunk, key, done as usize);
                pmd.decompress(&self.scratch, &mut self.msg, max)?;
                self.scratch.clear();
                self.scratch.shrink_to(64 << 10);
            }
            None => pmd.decompress(chunk, &mut self.msg, max)?,
        }
        Ok(())
    }

    fn end_frame(&mut self, header: &Header, on_event: &mut impl FnMut(Event<'_>)) -> Result<(), Error> {
        if header.opcode.is_control() {
            return self.end_control(header.opcode, on_event);
        }
        if !header.fin {
            return Ok(());
        }
        #[cfg(feature = "deflate")]
        if self.msg_compressed {
            // RFC 7692 §7.2.2: append 00 00 ff ff and inflate the rest.
            let start = self.msg.len();
            let max = self.config.max_message_size;
            if let Some(pmd) = self.deflate.as_mut() {
                pmd.finish_message(&mut self.msg, max)?;
            }
            if self.msg_kind == Some(MessageKind::Text) {
                self.utf8_in.feed(&self.msg[start..]).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
            }
        }
        let kind = self.msg_kind.take();
        self.msg_fragments = 0;
        self.msg_compressed = false;
        match kind {
            Some(MessageKind::Text) => {
                // A code point cut off at the end of the message is invalid.
                self.utf8_in.finish().map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
                let text = utf8::validate(&self.msg).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
                on_event(Event::Text(text));
            }
            _ => on_event(Event::Binary(&self.msg)),
        }
        self.msg.clear();
        // Keep a buffer for the next message, but do not hold on to a large one.
        self.msg.shrink_to(64 << 10);
        Ok(())
    }

    fn end_control(&mut self, opcode: OpCode, on_event: &mut impl FnMut(Event<'_>)) -> Result<(), Error> {
        let len = usize::from(self.control_len);
        let control = self.control;
        let payload = &control[..len];
        match opcode {
            OpCode::Ping => {
                on_event(Event::Ping(payload));
                // RFC 6455 §5.5.2: answer with a Pong carrying the same payload; only the latest
                // Ping needs one (§5.5.3), so this replaces any Pong not yet queued.
                if self.config.auto_pong && !self.close_sent {
                    let mut copy = [0u8; MAX_CONTROL_PAYLOAD];
                    copy[..len].copy_from_slice(payload);
                    self.pending_pong = Some((copy, len as u8));
                }
            }
            OpCode::Pong => on_event(Event::Pong(payload)),
            _ => {
                let frame = close::parse_payload(payload)?;
                self.close_received = true;
                // RFC 6455 §5.5.1: after a Close is received, nothing is sent but the answering Close.
                self.pending_pong = None;
                if !self.close_sent {
                    let code = frame.map(|f| f.code);
                    self.write_close(code, "");
                }
                on_event(Event::Close(frame));
            }
        }
        Ok(())
    }

    /// Fails the connection (RFC 6455 §7.1.7): queues a Close with the error's code and makes the error stick.
    fn fail(&mut self, error: Error) -> Error {
        self.pending_pong = None;
        if let Some(code) = error.close_code() {
            if !self.close_sent {
                let mut reason = String::new();
                error.write_message(&mut reason);
                truncate_utf8(&mut reason, close::MAX_REASON_LEN);
                self.write_close(Some(code), &reason);
            }
        }
        // A fatal error sticks: later calls get it again (a connection's errors own no heap data: `copied`).
        self.failed = Some(error.copied().unwrap_or(Error::Closed));
        error
    }

    // ------------------------------------------------------------------ sending

    /// Queues a text message (split per `Config::fragment_size`).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_message(MessageKind::Text, text.as_bytes(), self.config.fragment_size)
    }

    /// Queues a binary message (split per `Config::fragment_size`).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_message(MessageKind::Binary, data, self.config.fragment_size)
    }

    /// Queues a message split into frames of at most `fragment_size` payload bytes (0: one frame).
    /// A text `payload` must be valid UTF-8 as a whole.
    pub fn send_message(&mut self, kind: MessageKind, payload: &[u8], fragment_size: usize) -> Result<(), Error> {
        self.check_can_start_message()?;
        if kind == MessageKind::Text {
            utf8::validate(payload).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
        }
        #[cfg(feature = "deflate")]
        if let Some(pmd) = self.deflate.as_mut() {
            let mut compressed = core::mem::take(&mut self.scratch);
            compressed.clear();
            if pmd.compress(payload, &mut compressed)? {
                // RFC 7692 §6.1: RSV1 on the first frame of a compressed message.
                let r = self.write_message(kind, &compressed, fragment_size, RSV1);
                compressed.clear();
                compressed.shrink_to(64 << 10);
                self.scratch = compressed;
                return r;
            }
            self.scratch = compressed;
        }
        self.write_message(kind, payload, fragment_size, 0)
    }

    fn write_message(&mut self, kind: MessageKind, payload: &[u8], fragment_size: usize, rsv: u8) -> Result<(), Error> {
        if fragment_size == 0 || payload.len() <= fragment_size {
            // One frame (the common case, without the splitting below).
            return self.write_frame_rsv(true, rsv, kind.opcode(), payload);
        }
        // RFC 6455 §5.4: the first frame has the message's opcode, the others are continuations; FIN on the last.
        let mut chunks = payload.chunks(fragment_size).peekable();
        let (mut opcode, mut rsv) = (kind.opcode(), rsv);
        while let Some(chunk) = chunks.next() {
            self.write_frame_rsv(chunks.peek().is_none(), rsv, opcode, chunk)?;
            (opcode, rsv) = (OpCode::Continuation, 0);
        }
        Ok(())
    }

    /// Queues only the header of a binary message of `len` bytes whose payload the caller writes itself, so that a
    /// server can send a payload without copying it through the connection (a server's frames are not masked,
    /// RFC 6455 §5.1). Returns `Ok(false)`, queuing nothing, when the connection must frame the message itself:
    /// a client (it masks), permessage-deflate on (it may compress), or a message that `Config::fragment_size`
    /// splits. After `Ok(true)` the caller must take the whole output ([`Connection::output`], which ends with
    /// this header) and write the payload right after it, before anything else is queued.
    pub fn send_binary_header(&mut self, len: usize) -> Result<bool, Error> {
        self.check_can_start_message()?;
        if self.role == Role::Client || !self.frames_as_sent(len) {
            return Ok(false);
        }
        // An automatic Pong waiting to be added goes before the header, not between it and the payload.
        self.output();
        frame::push_header(
            &mut self.out,
            &Header { fin: true, rsv: 0, opcode: OpCode::Binary, mask: None, len: len as u64 },
        );
        Ok(true)
    }

    /// Frames a whole message in the caller's buffer rather than in the connection's output, sparing the copy
    /// into it: `buf` is room for a header ([`frame::MAX_HEADER_LEN`] bytes) followed by the payload. On
    /// `Ok(Some(start))` the frame is `buf[start..]`, its header written just before the payload and, from a
    /// client, the payload masked in place (RFC 6455 §5.3: a fresh key); the caller must write it to the
    /// transport before anything the connection queues later. `Ok(None)`, with `buf` untouched, when the
    /// connection must frame the message itself ([`Connection::send_message`]): output is waiting (it goes
    /// first), permessage-deflate is on (it may compress), `Config::fragment_size` splits the message, or `buf`
    /// has no room for a header. A text payload must be valid UTF-8, as for `send_message`.
    pub fn frame_in_place(&mut self, kind: MessageKind, buf: &mut [u8]) -> Result<Option<usize>, Error> {
        self.check_can_start_message()?;
        let Some(len) = buf.len().checked_sub(MAX_HEADER_LEN) else { return Ok(None) };
        if self.buffered_amount() > 0 || self.pending_pong.is_some() || !self.frames_as_sent(len) {
            return Ok(None);
        }
        let (room, payload) = buf.split_at_mut(MAX_HEADER_LEN);
        if kind == MessageKind::Text {
            utf8::validate(payload).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
        }
        let mask = self.mask_key()?;
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = Header { fin: true, rsv: 0, opcode: kind.opcode(), mask, len: len as u64 }.encode(&mut header);
        room[MAX_HEADER_LEN - n..].copy_from_slice(&header[..n]);
        if let Some(key) = mask {
            mask::apply(payload, key, 0);
        }
        Ok(Some(MAX_HEADER_LEN - n))
    }

    /// Whether a message of `len` bytes goes on the wire as it is sent: one frame, not compressed.
    fn frames_as_sent(&self, len: usize) -> bool {
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return false;
        }
        self.config.fragment_size == 0 || len <= self.config.fragment_size
    }

    /// Queues one fragment of a message sent in pieces: the first call begins a `kind` message, later calls
    /// continue it (their `kind` is ignored), and `fin` ends it. Control frames may be sent between
    /// fragments (RFC 6455 §5.4). Text may be split anywhere, even inside a code point; it is validated
    /// incrementally, and invalid UTF-8 is refused before anything of that fragment is queued.
    /// Messages sent this way are never compressed (permessage-deflate allows that per message).
    pub fn send_fragment(&mut self, kind: MessageKind, payload: &[u8], fin: bool) -> Result<(), Error> {
        self.check_can_send()?;
        let (kind, opcode) = match self.sending {
            Some(k) => (k, OpCode::Continuation),
            None => (kind, kind.opcode()),
        };
        if kind == MessageKind::Text {
            let mut v = self.utf8_out.clone();
            v.feed(payload).map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
            if fin {
                v.finish().map_err(|e| Error::InvalidUtf8 { offset: e.offset })?;
            }
            self.utf8_out = v;
        }
        self.write_frame(fin, opcode, payload)?;
        self.sending = if fin { None } else { Some(kind) };
        Ok(())
    }

    /// Queues a Ping with up to 125 bytes of payload (RFC 6455 §5.5.2).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::Ping, payload)
    }

    /// Queues an unsolicited Pong, e.g. as a heartbeat (RFC 6455 §5.5.3).
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.send_control(OpCode::Pong, payload)
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        self.check_can_send()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::ControlPayloadTooLong(payload.len()));
        }
        self.write_frame(true, opcode, payload)
    }

    /// Starts the closing handshake (RFC 6455 §7.1.2): queues a Close with `code` (none: an empty Close)
    /// and `reason` (at most 123 bytes). Nothing else can be sent afterwards; receiving goes on until the
    /// peer's Close arrives. A code not valid on the wire (§7.4) is refused.
    pub fn close(&mut self, code: Option<CloseCode>, reason: &str) -> Result<(), Error> {
        if self.close_sent || self.failed.is_some() {
            return Err(Error::Closed);
        }
        match code {
            Some(code) => close::check_outgoing(code, reason)?,
            None if !reason.is_empty() => return Err(Error::InvalidCloseCode(CloseCode::NO_STATUS.0)),
            None => {}
        }
        self.write_close(code, reason);
        Ok(())
    }

    fn check_can_send(&self) -> Result<(), Error> {
        if self.close_sent || self.failed.is_some() {
            // RFC 6455 §5.5.1: no data frames after a Close.
            return Err(Error::Closed);
        }
        Ok(())
    }

    fn check_can_start_message(&self) -> Result<(), Error> {
        self.check_can_send()?;
        if self.sending.is_some() {
            // A whole message cannot start inside a fragmented one (RFC 6455 §5.4).
            return Err(Error::ExpectedContinuation);
        }
        Ok(())
    }

    fn write_close(&mut self, code: Option<CloseCode>, reason: &str) {
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = match code {
            Some(code) => {
                payload[..2].copy_from_slice(&code.0.to_be_bytes());
                payload[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
                2 + reason.len()
            }
            None => 0,
        };
        // Only a randomness failure can stop a frame being written; the Close is then lost and the
        // owner still learns (from `should_close_transport`) that the transport must go.
        let _ = self.write_frame(true, OpCode::Close, &payload[..len]);
        self.close_sent = true;
    }

    fn write_frame(&mut self, fin: bool, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        self.write_frame_rsv(fin, 0, opcode, payload)
    }

    fn write_frame_rsv(&mut self, fin: bool, rsv: u8, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        let mask = self.mask_key()?;
        // An empty buffer too small is replaced, not grown: growing copies all of its capacity (the allocator
        // cannot know that it holds nothing), and `advance_output` keeps 64 KiB of it after each write.
        let need = payload.len() + MAX_HEADER_LEN;
        if self.out.is_empty() && self.out.capacity() < need {
            self.out = Vec::with_capacity(need);
        }
        frame::encode(&mut self.out, fin, rsv, opcode, mask, payload);
        Ok(())
    }

    /// The masking key of the next frame: from a client, RFC 6455 §5.3's fresh, unpredictable key for every
    /// frame; a server masks nothing (§5.1).
    fn mask_key(&mut self) -> Result<Option<[u8; 4]>, Error> {
        match self.role {
            Role::Client => {
                let mut key = [0u8; 4];
                self.rng.fill(&mut key)?;
                Ok(Some(key))
            }
            Role::Server => Ok(None),
        }
    }

    // ------------------------------------------------------------------ output

    /// The bytes waiting to be written to the transport, oldest first. An automatic Pong is added here,
    /// when the owner comes to write, unless one is still waiting in this buffer.
    pub fn output(&mut self) -> &[u8] {
        if self.unsent_pong_end == 0 {
            if let Some((payload, len)) = self.pending_pong.take() {
                let _ = self.write_frame(true, OpCode::Pong, &payload[..usize::from(len)]);
                self.unsent_pong_end = self.out.len();
            }
        }
        &self.out[self.out_start..]
    }

    /// Marks the first `n` bytes of [`Connection::output`] as written.
    pub fn advance_output(&mut self, n: usize) {
        self.out_start = (self.out_start + n).min(self.out.len());
        if self.unsent_pong_end <= self.out_start {
            self.unsent_pong_end = 0;
        }
        if self.out_start == self.out.len() {
            self.out.clear();
            self.out_start = 0;
            self.unsent_pong_end = 0;
            self.out.shrink_to(64 << 10);
        }
    }

    /// Appends all waiting bytes to `dst` and marks them written.
    pub fn take_output(&mut self, dst: &mut Vec<u8>) {
        let n = {
            let out = self.output();
            crate::short::extend(dst, out);
            out.len()
        };
        self.advance_output(n);
    }

    /// Bytes queued and not yet taken (the WHATWG `bufferedAmount` counts these).
    pub fn buffered_amount(&self) -> usize {
        self.out.len() - self.out_start
    }

    // ------------------------------------------------------------------ state

    /// Whether messages can still be sent: no Close sent and no failure.
    pub fn is_open(&self) -> bool {
        !self.close_sent && self.failed.is_none()
    }

    /// Whether a Close has been sent (by [`Connection::close`], in answer to the peer's, or on failure).
    pub fn close_sent(&self) -> bool {
        self.close_sent
    }

    /// Whether the peer's Close has been received.
    pub fn close_received(&self) -> bool {
        self.close_received
    }

    /// The error that failed the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// Whether the owner should now close the transport: all output is taken, and either the connection
    /// failed, or the closing handshake is complete and this is the server, which closes the TCP
    /// connection first (RFC 6455 §7.1.1). A client whose close handshake is complete waits for the
    /// server to close, with a timeout of its own.
    pub fn should_close_transport(&self) -> bool {
        let drained = self.buffered_amount() == 0;
        let handshake_done = self.close_sent && self.close_received;
        drained && (self.failed.is_some() || (handshake_done && self.role == Role::Server))
    }
}

#[cfg(feature = "getrandom")]
impl Connection<crate::rng::OsRng> {
    /// A client connection with masking keys from the operating system's CSPRNG.
    pub fn client(config: Config) -> Self {
        Self::new(Role::Client, config, crate::rng::OsRng::new())
    }

    /// A server connection (servers do not mask).
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config, crate::rng::OsRng::new())
    }
}

impl<R> core::fmt::Debug for Connection<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("close_sent", &self.close_sent)
            .field("close_received", &self.close_received)
            .field("failed", &self.failed)
            .field("buffered", &(self.out.len() - self.out_start))
            .finish_non_exhaustive()
    }
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}
