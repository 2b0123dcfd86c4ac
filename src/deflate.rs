//! permessage-deflate (RFC 7692): negotiation over `Sec-WebSocket-Extensions` values, and the per-message codec.
//!
//! Negotiation is a set of pure functions: a client sends [`client_offer`] and checks the answer with
//! [`client_accept`]; a server picks an offer with [`server_accept`]. Both ends get the agreed [`Params`] and build a
//! [`PerMessageDeflate`] from them, which compresses outgoing messages and inflates incoming ones frame by frame.
//!
//! DEFLATE comes from `miniz_oxide` (no_std + alloc, no unsafe code). Its compressor always keeps a 32 KiB window and
//! cannot honestly limit it (its own `window_bits` setting still emits longer distances), so when the agreed
//! `*_max_window_bits` for our side is below 15 we compress in run-length mode: every match has distance 1, which fits
//! any window the RFC allows (§7.1.2). The decompressor keeps a 32 KiB window, which inflates data made with any
//! smaller one. docs/deflate.md has the measurements behind the choice and the memory per connection.
//!
//! ```
//! use hybi::deflate::{client_accept, client_offer, server_accept, DeflateConfig, PerMessageDeflate};
//!
//! let cfg = DeflateConfig::default();
//! let offer = client_offer(&cfg);
//! let (server_params, answer) = server_accept(&cfg, [offer.as_str()]).expect("accepted");
//! let client_params = client_accept(&cfg, &answer).unwrap();
//!
//! let mut client = PerMessageDeflate::new(false, &client_params, &cfg);
//! let mut server = PerMessageDeflate::new(true, &server_params, &cfg);
//! let message = "a message long enough to be worth compressing, a message long enough".repeat(4);
//! let mut payload = Vec::new();
//! assert!(client.compress(message.as_bytes(), &mut payload).unwrap()); // sent with RSV1 set
//! let mut inflated = Vec::new();
//! server.decompress(&payload, &mut inflated, 1 << 20).unwrap(); // once per frame
//! server.finish_message(&mut inflated, 1 << 20).unwrap(); // after the FIN frame
//! assert_eq!(inflated, message.as_bytes());
//! ```

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressionStrategy, CompressorOxide, TDEFLFlush,
    TDEFLStatus,
};
use miniz_oxide::inflate::core::{decompress_with_limit, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::error::Error;

/// The extension token (RFC 7692 §5).
pub const EXTENSION: &str = "permessage-deflate";

/// The empty stored block a sender strips from the end of each compressed message and a receiver appends back
/// (RFC 7692 §7.2.1, §7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The largest LZ77 window, as `*_max_window_bits` (RFC 7692 §7.1.2): 2^15 = 32 KiB.
pub const MAX_WINDOW_BITS: u8 = 15;

/// The smallest LZ77 window the parameters can ask for (RFC 7692 §7.1.2.1): 2^8 = 256 bytes.
pub const MIN_WINDOW_BITS: u8 = 8;

/// The decompressor's window: the largest the RFC allows, so it inflates data from any compressor.
const WINDOW: usize = 1 << MAX_WINDOW_BITS;

/// What this end asks for and how it compresses. The same fields serve a client (what to put in the offer) and a
/// server (what to answer); each names the RFC 7692 §7.1 parameter it drives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Compression level, 0–9 (higher is treated as 9). 0 never compresses outgoing messages but still negotiates
    /// the extension and inflates incoming ones. Default 1: miniz_oxide's fast path, several times faster than
    /// level 6 for ~35% larger output on text (docs/deflate.md).
    pub level: u8,
    /// Messages shorter than this many bytes are sent uncompressed (and without RSV1). Default 128: below that the
    /// saving is a few bytes and the per-message cost of the compressor dominates (docs/deflate.md).
    pub threshold: usize,
    /// Client: offer `server_no_context_takeover` (ask the server to reset its compressor after every message).
    /// Server: answer with it even when not asked, and reset our compressor after every message. Default `false`.
    pub server_no_context_takeover: bool,
    /// Client: offer `client_no_context_takeover` and reset our compressor after every message.
    /// Server: answer with it, so that the client must reset its compressor. Default `false`.
    pub client_no_context_takeover: bool,
    /// Client: offer `server_max_window_bits` with this value. Server: use at most this window and answer with it.
    /// Values are clamped to 8–15. Default `None`: not asked for (a server still honours what an offer asks).
    pub server_max_window_bits: Option<u8>,
    /// Client: `Some(15)` offers a bare `client_max_window_bits` (the server may then limit our window; we honour
    /// any value), `Some(n < 15)` offers `client_max_window_bits=n` (and we keep to it), `None` does not offer it.
    /// Server: ask the client for at most this window when its offer allows that; 15 or `None` asks nothing.
    /// Values are clamped to 8–15. Default `Some(15)`.
    pub client_max_window_bits: Option<u8>,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            level: 1,
            threshold: 128,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: Some(MAX_WINDOW_BITS),
        }
    }
}

/// The agreed parameters: those of the server's answer (RFC 7692 §7.1). A window of `None` means the parameter was
/// not in the answer, so that side may use the full 32 KiB (15 bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// The server resets its compressor after every message (§7.1.1.1).
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message (§7.1.1.2).
    pub client_no_context_takeover: bool,
    /// The largest window the server compresses with, 8–15 (§7.1.2.1).
    pub server_max_window_bits: Option<u8>,
    /// The largest window the client compresses with, 8–15 (§7.1.2.2).
    pub client_max_window_bits: Option<u8>,
}

impl Params {
    /// The parameters as they appear in a `Sec-WebSocket-Extensions` answer, after the extension token.
    fn render(&self) -> String {
        let mut s = String::from(EXTENSION);
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if let Some(bits) = self.server_max_window_bits {
            s.push_str(&format!("; server_max_window_bits={bits}"));
        }
        if let Some(bits) = self.client_max_window_bits {
            s.push_str(&format!("; client_max_window_bits={bits}"));
        }
        s
    }
}

fn clamp_bits(bits: u8) -> u8 {
    bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS)
}

// ---- Negotiation ----

/// The client's `Sec-WebSocket-Extensions` value: one permessage-deflate offer built from `cfg`.
///
/// `client_max_window_bits` is offered (by default) because our compressor honours any window the server may answer
/// with: below 15 bits it only emits distance-1 matches (see the module docs).
pub fn client_offer(cfg: &DeflateConfig) -> String {
    let mut s = String::from(EXTENSION);
    if cfg.server_no_context_takeover {
        s.push_str("; server_no_context_takeover");
    }
    if cfg.client_no_context_takeover {
        s.push_str("; client_no_context_takeover");
    }
    if let Some(bits) = cfg.server_max_window_bits {
        s.push_str(&format!("; server_max_window_bits={}", clamp_bits(bits)));
    }
    match cfg.client_max_window_bits.map(clamp_bits) {
        Some(MAX_WINDOW_BITS) => s.push_str("; client_max_window_bits"),
        Some(bits) => s.push_str(&format!("; client_max_window_bits={bits}")),
        None => {}
    }
    s
}

/// Checks the server's `Sec-WebSocket-Extensions` answer to [`client_offer`] and returns the agreed parameters.
///
/// Several answer header fields must be joined with `", "` first. Fails with [`Error::UnexpectedExtension`] naming
/// the problem (RFC 7692 §5, §7): an extension other than permessage-deflate, more than one extension, an unknown or
/// repeated parameter, a value on a flag parameter or a window size that is not 8–15 in decimal without leading
/// zeros, or `client_max_window_bits` when it was not offered.
///
/// A server that answers with a larger `server_max_window_bits` than asked, or without `server_no_context_takeover`
/// when it was asked, breaks a "MUST" of §7.1 but not one that the client is required to fail on: our 32 KiB
/// decompressor handles either, so both are accepted.
pub fn client_accept(cfg: &DeflateConfig, response: &str) -> Result<Params, Error> {
    let bad = |what: String| Error::UnexpectedExtension(what);
    let mut elements = parse_list(response.as_bytes()).into_iter();
    let element = match (elements.next(), elements.next()) {
        (None, _) => return Err(bad(String::from("empty Sec-WebSocket-Extensions answer"))),
        // RFC 7692 §5: the answer accepts one offer; we made only one.
        (Some(_), Some(_)) => return Err(bad(format!("{}: more than one extension in the answer", response.trim()))),
        (Some(Err(malformed)), None) => return Err(bad(malformed.describe())),
        (Some(Ok(element)), None) => element,
    };
    if !element.name.eq_ignore_ascii_case(EXTENSION.as_bytes()) {
        return Err(bad(lossy(element.name)));
    }
    let params = parse_params(&element, Direction::Answer).map_err(bad)?;
    // RFC 7692 §7.1.2.2: a server must not answer with client_max_window_bits unless the offer had it.
    if params.client_max_window_bits.is_some() && cfg.client_max_window_bits.is_none() {
        return Err(bad(format!("{}: client_max_window_bits was not offered", lossy(element.text))));
    }
    Ok(Params {
        server_no_context_takeover: params.server_no_context_takeover,
        client_no_context_takeover: params.client_no_context_takeover,
        server_max_window_bits: params.server_max_window_bits,
        client_max_window_bits: params.client_max_window_bits.flatten(),
    })
}

/// Picks the first permessage-deflate offer the server can accept from the request's `Sec-WebSocket-Extensions`
/// header values (in order, each a comma-separated list), and returns the agreed parameters with the value to answer
/// with. `None`: no acceptable offer, so the connection goes on without compression.
///
/// Offers with an unknown or repeated parameter or an invalid value are skipped (RFC 7692 §5: "MUST decline"), as
/// are other extensions and malformed list elements. Every valid offer can be honoured: a small
/// `server_max_window_bits` makes us compress with distance-1 matches only.
pub fn server_accept<I>(cfg: &DeflateConfig, offers: I) -> Option<(Params, String)>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    for value in offers {
        for element in parse_list(value.as_ref()).into_iter().flatten() {
            if !element.name.eq_ignore_ascii_case(EXTENSION.as_bytes()) {
                continue;
            }
            let Ok(offer) = parse_params(&element, Direction::Offer) else { continue };
            let params = server_params(cfg, &offer);
            return Some((params, params.render()));
        }
    }
    None
}

/// The answer to a valid offer.
fn server_params(cfg: &DeflateConfig, offer: &RawParams) -> Params {
    // §7.1.2.1: answer with the offered value or a smaller one; we may also limit ourselves unasked.
    let server_max_window_bits = match (offer.server_max_window_bits, cfg.server_max_window_bits.map(clamp_bits)) {
        (Some(offered), Some(ours)) => Some(offered.min(ours)),
        (Some(offered), None) => Some(offered),
        (None, Some(ours)) if ours < MAX_WINDOW_BITS => Some(ours),
        (None, _) => None,
    };
    // §7.1.2.2: client_max_window_bits may be answered only if offered, and not above an offered value.
    let client_max_window_bits = match (offer.client_max_window_bits, cfg.client_max_window_bits.map(clamp_bits)) {
        (Some(offered), Some(ours)) if ours < MAX_WINDOW_BITS => Some(offered.map_or(ours, |o| o.min(ours))),
        _ => None,
    };
    Params {
        // §7.1.1.1: an offer with server_no_context_takeover is accepted only by answering with it.
        server_no_context_takeover: offer.server_no_context_takeover || cfg.server_no_context_takeover,
        // §7.1.1.2: the client said it will not take over context (echoed), or we require it.
        client_no_context_takeover: offer.client_no_context_takeover || cfg.client_no_context_takeover,
        server_max_window_bits,
        client_max_window_bits,
    }
}

/// Which way a parameter list goes: the rules differ for `client_max_window_bits` (RFC 7692 §7.1.2.2).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Offer,
    Answer,
}

/// permessage-deflate parameters as parsed, before a side decides on them.
#[derive(Debug, Default, PartialEq, Eq)]
struct RawParams {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in an offer only).
    client_max_window_bits: Option<Option<u8>>,
}

/// Validates the parameters of one permessage-deflate element (RFC 7692 §7): every parameter known, none repeated,
/// flags without a value, window sizes 8–15.
fn parse_params(element: &Element<'_>, direction: Direction) -> Result<RawParams, String> {
    let problem = |what: &str| format!("{}: {what}", lossy(element.text));
    let mut raw = RawParams::default();
    let mut seen = [false; 4];
    for param in &element.params {
        let index = PARAM_NAMES
            .iter()
            .position(|n| param.name.eq_ignore_ascii_case(n.as_bytes()))
            .ok_or_else(|| problem(&format!("unknown parameter {}", lossy(param.name))))?;
        let name = PARAM_NAMES[index];
        // §7: "multiple extension parameters with the same name" is a reason to decline or fail.
        if core::mem::replace(&mut seen[index], true) {
            return Err(problem(&format!("duplicate parameter {name}")));
        }
        match index {
            0 | 1 => {
                // §7.1.1.1, §7.1.1.2: these parameters have no value.
                if param.value.is_some() {
                    return Err(problem(&format!("{name} takes no value")));
                }
                if index == 0 {
                    raw.server_no_context_takeover = true;
                } else {
                    raw.client_no_context_takeover = true;
                }
            }
            2 => {
                let value = param.value.as_deref().ok_or_else(|| problem(&format!("{name} needs a value")))?;
                raw.server_max_window_bits = Some(window_bits(value).ok_or_else(|| bad_bits(name, value))?);
            }
            _ => {
                // §7.1.2.2: an offer may carry the parameter without a value; an answer must give one.
                let bits = match param.value.as_deref() {
                    None if direction == Direction::Offer => None,
                    None => return Err(problem(&format!("{name} needs a value"))),
                    Some(value) => Some(window_bits(value).ok_or_else(|| bad_bits(name, value))?),
                };
                raw.client_max_window_bits = Some(bits);
            }
        }
    }
    Ok(raw)
}

fn bad_bits(name: &str, value: &[u8]) -> String {
    format!("{name}={} is not a window size 8-15", lossy(value))
}

/// In index order for [`parse_params`].
const PARAM_NAMES: [&str; 4] =
    ["server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits", "client_max_window_bits"];

/// RFC 7692 §7.1.2.1: "a decimal integer value without leading zeros between 8 to 15, inclusive".
fn window_bits(value: &[u8]) -> Option<u8> {
    match value {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- Sec-WebSocket-Extensions syntax (RFC 6455 §9.1, with RFC 7230 §3.2.6 tokens and quoted strings) ----
//
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]

/// One list element: `name; param; param=value`.
#[derive(Debug, PartialEq, Eq)]
struct Element<'a> {
    /// The element as written (for error messages).
    text: &'a [u8],
    name: &'a [u8],
    params: Vec<Param<'a>>,
}

#[derive(Debug, PartialEq, Eq)]
struct Param<'a> {
    name: &'a [u8],
    /// The value, unquoted if it was a quoted-string (RFC 7692 §7.1: both forms are equivalent).
    value: Option<Vec<u8>>,
}

/// A list element that does not follow the grammar.
#[derive(Debug, PartialEq, Eq)]
struct Malformed<'a> {
    text: &'a [u8],
    why: &'static str,
}

impl Malformed<'_> {
    fn describe(&self) -> String {
        format!("malformed extension \"{}\": {}", lossy(self.text), self.why)
    }
}

/// Splits a header value into its elements. A malformed element is reported and skipped up to the next comma outside
/// a quoted string; empty elements (`a, , b`) are ignored as RFC 7230 §7 asks.
fn parse_list(input: &[u8]) -> Vec<Result<Element<'_>, Malformed<'_>>> {
    let mut out = Vec::new();
    let mut cur = Cursor { s: input, i: 0 };
    loop {
        cur.skip_ows();
        match cur.peek() {
            None => break,
            Some(b',') => {
                cur.i += 1;
                continue;
            }
            Some(_) => {}
        }
        let start = cur.i;
        match parse_element(&mut cur) {
            Ok((name, params)) => {
                let text = trim_end(&input[start..cur.i]);
                out.push(Ok(Element { text, name, params }));
            }
            Err(why) => {
                cur.skip_to_comma();
                out.push(Err(Malformed { text: trim_end(&input[start..cur.i]), why }));
            }
        }
    }
    out
}

type Parsed<'a> = (&'a [u8], Vec<Param<'a>>);

/// Parses one element, leaving the cursor at the comma that ends it or at the end of input.
fn parse_element<'a>(cur: &mut Cursor<'a>) -> Result<Parsed<'a>, &'static str> {
    let name = cur.token().ok_or("expected an extension name")?;
    let mut params = Vec::new();
    loop {
        cur.skip_ows();
        match cur.peek() {
            None | Some(b',') => return Ok((name, params)),
            Some(b';') => cur.i += 1,
            Some(_) => return Err("unexpected character"),
        }
        cur.skip_ows();
        let pname = cur.token().ok_or("expected a parameter name")?;
        cur.skip_ows();
        let value = if cur.peek() == Some(b'=') {
            cur.i += 1;
            cur.skip_ows();
            Some(match cur.peek() {
                Some(b'"') => cur.quoted()?,
                _ => cur.token().ok_or("expected a parameter value")?.to_vec(),
            })
        } else {
            None
        };
        params.push(Param { name: pname, value });
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// A non-empty RFC 7230 token.
    fn token(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// A quoted-string starting at the cursor, unquoted (RFC 7230 §3.2.6: `\` escapes the next character).
    fn quoted(&mut self) -> Result<Vec<u8>, &'static str> {
        self.i += 1;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(value);
                }
                Some(b'\\') => {
                    let escaped = self.s.get(self.i + 1).copied().ok_or("unterminated quoted string")?;
                    value.push(escaped);
                    self.i += 2;
                }
                Some(c) if c == b'\t' || c == b' ' || (0x21..=0x7e).contains(&c) || c >= 0x80 => {
                    value.push(c);
                    self.i += 1;
                }
                Some(_) => return Err("control character in quoted string"),
            }
        }
    }

    /// Skips to the next comma outside a quoted string (or to the end).
    fn skip_to_comma(&mut self) {
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                b',' if !quoted => return,
                b'"' => quoted = !quoted,
                b'\\' if quoted => self.i += 1,
                _ => {}
            }
            self.i += 1;
        }
        self.i = self.s.len();
    }
}

/// RFC 7230 §3.2.6 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn trim_end(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

// ---- The codec ----

/// The permessage-deflate state of one connection: a compressor for the messages we send and a decompressor for the
/// ones we receive, each allocated on first use (about 312 KiB and 43 KiB; docs/deflate.md).
pub struct PerMessageDeflate {
    level: u8,
    threshold: usize,
    /// Our agreed window is below 15 bits: compress with distance-1 matches only.
    small_window: bool,
    /// Reset our compressor after each message (our side's `*_no_context_takeover`).
    reset_own: bool,
    /// Reset the decompressor after each message (the peer's `*_no_context_takeover`).
    reset_peer: bool,
    compressor: Option<Box<CompressorOxide>>,
    inflater: Option<Inflater>,
}

impl core::fmt::Debug for PerMessageDeflate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PerMessageDeflate")
            .field("level", &self.level)
            .field("threshold", &self.threshold)
            .field("small_window", &self.small_window)
            .field("reset_own", &self.reset_own)
            .field("reset_peer", &self.reset_peer)
            .field("compressor_allocated", &self.compressor.is_some())
            .field("decompressor_allocated", &self.inflater.is_some())
            .finish()
    }
}

/// The decompressor and its 32 KiB window (a ring: miniz_oxide inflates into it and reads matches back from it).
struct Inflater {
    state: Box<DecompressorOxide>,
    window: Box<[u8]>,
    /// Where the next inflated byte goes in `window`.
    pos: usize,
    /// Some input of the current message has been fed.
    fed: bool,
    /// An error left the stream in an unknown state: every later call fails.
    broken: bool,
}

impl PerMessageDeflate {
    /// The codec for one end of a connection with the agreed `params` (from [`client_accept`] or
    /// [`server_accept`]) and our `cfg` (level and threshold; a client also keeps to what it offered: its own
    /// `client_no_context_takeover` and `client_max_window_bits`).
    pub fn new(is_server: bool, params: &Params, cfg: &DeflateConfig) -> Self {
        let (own_bits, reset_own, reset_peer) = if is_server {
            (params.server_max_window_bits, params.server_no_context_takeover, params.client_no_context_takeover)
        } else {
            let offered = cfg.client_max_window_bits.map(clamp_bits);
            let bits = match (params.client_max_window_bits, offered) {
                (Some(answered), Some(offered)) => Some(answered.min(offered)),
                (answered, offered) => answered.or(offered),
            };
            (
                bits,
                params.client_no_context_takeover || cfg.client_no_context_takeover,
                params.server_no_context_takeover,
            )
        };
        Self {
            level: cfg.level.min(9),
            threshold: cfg.threshold,
            small_window: own_bits.is_some_and(|b| b < MAX_WINDOW_BITS),
            reset_own,
            reset_peer,
            compressor: None,
            inflater: None,
        }
    }

    /// Compresses one whole message, appending the payload to send to `out`: the DEFLATE data with the trailing
    /// `00 00 ff ff` removed (RFC 7692 §7.2.1). Returns whether it compressed: `false` leaves `out` unchanged and
    /// the message goes out as it is, without RSV1 (shorter than the threshold, level 0, or — with our
    /// no_context_takeover — compression would not make it smaller). Does not fail at present.
    pub fn compress(&mut self, message: &[u8], out: &mut Vec<u8>) -> Result<bool, Error> {
        if self.level == 0 || message.len() < self.threshold {
            return Ok(false);
        }
        let (level, small_window) = (self.level, self.small_window);
        let compressor = self.compressor.get_or_insert_with(|| new_compressor(level, small_window));
        let start = out.len();
        // RFC 7692 §7.2.1: compress, then end with a sync flush (an empty stored block, 00 00 ff ff) ...
        let (status, consumed) = compress_to_output(compressor, message, TDEFLFlush::Sync, |chunk| {
            out.extend_from_slice(chunk);
            true
        });
        let ok = status == TDEFLStatus::Okay && consumed == message.len() && out[start..].ends_with(&TAIL);
        if !ok {
            // Cannot happen with a healthy compressor; send the message plainly. The peer's window will not hold it,
            // so ours must not either.
            out.truncate(start);
            compressor.reset();
            return Ok(false);
        }
        // ... and remove the 4 octets 00 00 ff ff from the tail end.
        out.truncate(out.len() - TAIL.len());
        if self.reset_own {
            // §7.1.1: no context takeover: the next message starts with an empty window.
            compressor.reset();
            // Nothing is carried over, so sending plainly costs nothing when compression did not help.
            if out.len() - start >= message.len() {
                out.truncate(start);
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Inflates the next piece of a compressed message (a frame's unmasked payload, or part of it), appending to
    /// `out`. Fails with [`Error::MessageTooLarge`] as soon as `out` would grow past `max_total` bytes — inflating at
    /// most 32 KiB at a time, so `out` never exceeds `max_total` — and with [`Error::InvalidCompressedData`] on data
    /// that is not DEFLATE. Blocks after a block with BFINAL set are inflated too (RFC 7692 §7.2.3.4).
    ///
    /// After an error the stream is in an unknown state and every later call fails with
    /// [`Error::InvalidCompressedData`]: the connection is to be failed anyway.
    pub fn decompress(&mut self, input: &[u8], out: &mut Vec<u8>, max_total: usize) -> Result<(), Error> {
        let inflater = self.inflater.get_or_insert_with(Inflater::new);
        inflater.fed |= !input.is_empty();
        inflater.inflate(input, out, max_total)
    }

    /// Ends a compressed message: inflates the `00 00 ff ff` the sender removed (RFC 7692 §7.2.2), and resets the
    /// decompressor if the peer does not take over context. Same errors as [`PerMessageDeflate::decompress`].
    ///
    /// A compressed message with an empty payload is taken as an empty message (the RFC's form is the single octet
    /// `00`, §7.2.3.6, but a sender whose DEFLATE library emits nothing for empty input sends nothing).
    pub fn finish_message(&mut self, out: &mut Vec<u8>, max_total: usize) -> Result<(), Error> {
        let inflater = self.inflater.get_or_insert_with(Inflater::new);
        if core::mem::take(&mut inflater.fed) {
            inflater.inflate(&TAIL, out, max_total)?;
        } else if inflater.broken {
            return Err(Error::InvalidCompressedData);
        }
        if self.reset_peer {
            // The window's old contents stay but the peer may no longer refer to them.
            inflater.state.init();
        }
        Ok(())
    }

    /// Whether our outgoing messages use distance-1 matches only, because the agreed window for our side is below
    /// 15 bits and the compressor cannot limit its window otherwise.
    pub fn is_window_limited(&self) -> bool {
        self.small_window
    }
}

fn new_compressor(level: u8, small_window: bool) -> Box<CompressorOxide> {
    let flags = if small_window {
        // Run-length matches only (distance 1), which every window of 2^8 bytes or more holds. Level 1 would select
        // miniz_oxide's fast path, which ignores the RLE flag, so take at least level 2 (docs/deflate.md).
        create_comp_flags_from_zip_params(i32::from(level.max(2)), -15, CompressionStrategy::RLE as i32)
    } else {
        // Negative window bits: raw DEFLATE, no zlib header (RFC 7692 §7.2.1).
        create_comp_flags_from_zip_params(i32::from(level), -15, CompressionStrategy::Default as i32)
    };
    Box::new(CompressorOxide::new(flags))
}

impl Inflater {
    fn new() -> Self {
        Self { state: Box::default(), window: vec![0u8; WINDOW].into_boxed_slice(), pos: 0, fed: false, broken: false }
    }

    fn inflate(&mut self, input: &[u8], out: &mut Vec<u8>, max_total: usize) -> Result<(), Error> {
        if self.broken {
            return Err(Error::InvalidCompressedData);
        }
        let result = self.inflate_inner(input, out, max_total);
        self.broken = result.is_err();
        result
    }

    fn inflate_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>, max_total: usize) -> Result<(), Error> {
        // The message is never over from the decompressor's point of view: the caller feeds its end (the tail).
        let flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
        let mut stalled = false;
        loop {
            // At most one byte past the limit, so that exceeding it is seen without inflating further.
            let allowed = max_total.saturating_sub(out.len()).saturating_add(1);
            let room = (self.window.len() - self.pos).min(allowed);
            let (status, read, written) =
                decompress_with_limit(&mut self.state, input, &mut self.window, self.pos, room, flags);
            input = &input[read..];
            if written > 0 {
                if out.len() + written > max_total {
                    return Err(Error::MessageTooLarge { max: max_total });
                }
                out.extend_from_slice(&self.window[self.pos..self.pos + written]);
                self.pos = (self.pos + written) & (WINDOW - 1);
            }
            let progress = read > 0 || written > 0;
            match status {
                TINFLStatus::NeedsMoreInput if input.is_empty() => return Ok(()),
                TINFLStatus::HasMoreOutput | TINFLStatus::NeedsMoreInput => {}
                // RFC 7692 §7.2.1: after a block with BFINAL set (padded to a byte) the next block may follow. Start
                // a new stream on the same window, so later data may still refer back to what came before.
                TINFLStatus::Done => {
                    self.state.init();
                    if input.is_empty() {
                        return Ok(());
                    }
                }
                _ => return Err(Error::InvalidCompressedData),
            }
            // Two rounds in a row without progress would be a loop: treat as broken data.
            if progress {
                stalled = false;
            } else if stalled {
                return Err(Error::InvalidCompressedData);
            } else {
                stalled = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element as owned strings: name and (parameter, value) pairs.
    type Owned = (String, Vec<(String, Option<String>)>);

    fn names(input: &str) -> Vec<Result<Owned, &'static str>> {
        parse_list(input.as_bytes())
            .into_iter()
            .map(|e| {
                e.map(|e| {
                    let params = e.params.iter().map(|p| (lossy(p.name), p.value.as_ref().map(|v| lossy(v)))).collect();
                    (lossy(e.name), params)
                })
                .map_err(|m| m.why)
            })
            .collect()
    }

    fn s(x: &str) -> String {
        String::from(x)
    }

    #[test]
    fn list_syntax() {
        assert_eq!(names(""), []);
        assert_eq!(names(" , ,"), []);
        assert_eq!(
            names("permessage-deflate; client_max_window_bits, foo ;a=1; b=\"x,\\\"y\" , bar"),
            [
                Ok((s("permessage-deflate"), vec![(s("client_max_window_bits"), None)])),
                Ok((s("foo"), vec![(s("a"), Some(s("1"))), (s("b"), Some(s("x,\"y")))])),
                Ok((s("bar"), vec![])),
            ]
        );
        // A malformed element is skipped up to the next comma outside quotes.
        assert_eq!(
            names("a; =1, b; x=\"1,2\" junk, c"),
            [Err("expected a parameter name"), Err("unexpected character"), Ok((s("c"), vec![]))]
        );
        assert_eq!(names("a; x=\"open"), [Err("unterminated quoted string")]);
        assert_eq!(names("a; x="), [Err("expected a parameter value")]);
        assert_eq!(names("a b"), [Err("unexpected character")]);
        assert_eq!(names("a; x=\"\u{1}\""), [Err("control character in quoted string")]);
    }

    #[test]
    fn element_text_is_trimmed() {
        let list = parse_list(b"  foo ; a=1  ,bar");
        assert_eq!(list[0].as_ref().unwrap().text, b"foo ; a=1");
        assert_eq!(list[1].as_ref().unwrap().text, b"bar");
    }

    #[test]
    fn window_bits_values() {
        for (v, want) in [
            ("8", Some(8)),
            ("9", Some(9)),
            ("10", Some(10)),
            ("15", Some(15)),
            ("7", None),
            ("16", None),
            ("08", None),
            ("015", None),
            ("", None),
            ("1", None),
            ("+9", None),
            ("9 ", None),
        ] {
            assert_eq!(window_bits(v.as_bytes()), want, "{v:?}");
        }
    }
}
