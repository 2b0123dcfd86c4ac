//! The opening handshake (RFC 6455 §4): the client's request and the check of the server's answer;
//! the server's check of a request and its answer, 101 or a rejection.
//!
//! Bytes in, bytes out. Parsing is push-style like `httparse`: it returns [`Status::Partial`] until the
//! whole head has arrived, then [`Status::Complete`] with the head's length. Whatever follows the head in the
//! buffer is already WebSocket frames and belongs to the connection.
//!
//! ```
//! use hybi::handshake::{parse_request, ClientRequest, Limits, Status};
//! # struct Sevens;
//! # impl hybi::Rng for Sevens {
//! #     fn fill(&mut self, dest: &mut [u8]) -> Result<(), hybi::Error> { dest.fill(7); Ok(()) }
//! # }
//! # let mut rng = Sevens;
//! // Client: the request bytes to send, and the state that checks the answer.
//! let (request, mut client) = ClientRequest::from_url("ws://example.com/chat")?.protocol("chat").build(&mut rng)?;
//!
//! // Server: parse, choose a subprotocol by its own preference, answer 101.
//! let Status::Complete(req, _) = parse_request(&request, &Limits::default())? else { panic!("partial") };
//! let response = req.accept(req.select_protocol(&["superchat", "chat"]), None, &[])?;
//!
//! // Client: the connection is open; frames start at `n`.
//! let Status::Complete(res, n) = client.parse_response(&response)? else { panic!("partial") };
//! assert_eq!((res.protocol.as_deref(), n), (Some("chat"), response.len()));
//! # Ok::<(), hybi::Error>(())
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use sha1::{Digest, Sha1};

use crate::error::{push_decimal, Error, Rejection};
pub use crate::frame::Status;
use crate::rng::Rng;

/// The GUID a server appends to the client's key to prove it speaks WebSocket (RFC 6455 §1.3).
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The most body bytes a [`Rejection`] keeps: only those that arrived in the same buffer as the head,
/// no more than its `Content-Length`, and raw (a chunked body is not decoded).
pub const MAX_REJECTION_BODY: usize = 1024;

/// Header lines as received, in order: names as sent, values as raw bytes.
type Headers = Vec<(String, Vec<u8>)>;

/// Bounds on an HTTP head, so a peer cannot make us buffer or parse without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest head in bytes, request or status line through the blank line (default 16 KiB).
    pub max_head: usize,
    /// The most header lines (default 64). Each parse allocates this many empty header slots.
    pub max_headers: usize,
}

impl Limits {
    /// 16 KiB and 64 headers.
    pub const DEFAULT: Self = Self { max_head: 16 * 1024, max_headers: 64 };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The value of `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + [`GUID`])) (RFC 6455 §4.2.2).
///
/// ```
/// // RFC 6455 §1.3
/// assert_eq!(hybi::handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(GUID.as_bytes());
    base64_encode(&sha1.finalize())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), for the handshake's short values: what `base64`'s `STANDARD`
/// engine writes, without its general-purpose machinery in the wasm build.
fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(BASE64[(n >> (18 - 6 * i) & 63) as usize]) } else { '=' });
        }
    }
    out
}

/// Whether `key` is the canonical standard base64 of 16 bytes (what `STANDARD.decode` accepts as 16 bytes):
/// 22 symbols of the alphabet, the last with its 4 unused bits zero, then `==`.
fn is_base64_of_16_bytes(key: &[u8]) -> bool {
    let sextet = |c: u8| BASE64.iter().position(|&a| a == c);
    key.len() == 24
        && key[22..] == *b"=="
        && key[..22].iter().all(|&c| sextet(c).is_some())
        && sextet(key[21]).is_some_and(|v| v & 0xf == 0)
}

// ---------------------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------------------

/// A client's opening handshake request, built up and then turned into bytes by [`ClientRequest::build`].
///
/// The setters never fail; everything is checked by `build`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    host: String,
    port: Option<u16>,
    tls: bool,
    path: String,
    origin: Option<String>,
    protocols: Vec<String>,
    extensions: Vec<String>,
    headers: Vec<(String, String)>,
    limits: Limits,
}

impl ClientRequest {
    /// A request for `/` on `host` (a name, an IPv4 address or an IPv6 address, bracketed or not),
    /// on the default port, without TLS.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: None,
            tls: false,
            path: String::from("/"),
            origin: None,
            protocols: Vec::new(),
            extensions: Vec::new(),
            headers: Vec::new(),
            limits: Limits::DEFAULT,
        }
    }

    /// A request for a `ws://` or `wss://` URL (`http://` and `https://` are taken as their equivalents).
    ///
    /// The URL must be ASCII (percent-encode the rest) and may not carry user info or a fragment (RFC 6455 §3).
    pub fn from_url(url: &str) -> Result<Self, Error> {
        let (scheme, rest) = url.split_once("://").ok_or(Error::InvalidUrl("scheme"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            _ => return Err(Error::InvalidUrl("scheme")),
        };
        // RFC 6455 §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and MUST NOT be used".
        if rest.contains('#') {
            return Err(Error::InvalidUrl("fragment"));
        }
        let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => v6.split_once(']').ok_or(Error::InvalidUrl("host"))?,
            None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
        };
        let port = match port {
            "" | ":" => None,
            p => match p.strip_prefix(':') {
                Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok(),
                _ => None,
            }
            .map(Some)
            .ok_or(Error::InvalidUrl("port"))?,
        };
        let path = match target {
            "" => String::from("/"),
            t if t.starts_with('?') => ["/", t].concat(),
            t => String::from(t),
        };
        check_host(host)?;
        check_path(&path)?;
        Ok(Self { port, tls, path, ..Self::new(host) })
    }

    /// The port to connect to; the `Host` header names it unless it is the default (80, or 443 with TLS).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Whether the connection is over TLS (`wss://`), which makes 443 the default port.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The resource name: path and query, starting with `/` (default `/`). ASCII only: percent-encode the rest.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The `Origin` header (RFC 6455 §4.1 item 8, §10.2), which browsers always send.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offers a subprotocol, in order of preference (`Sec-WebSocket-Protocol`, RFC 6455 §4.1 item 10).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Offers an extension: an opaque `Sec-WebSocket-Extensions` value such as
    /// `permessage-deflate; client_max_window_bits` (RFC 6455 §4.1 item 11, §9.1).
    pub fn extension(mut self, offer: impl Into<String>) -> Self {
        self.extensions.push(offer.into());
        self
    }

    /// Adds a header (cookies, authorization...). Names the handshake sets itself are refused by `build`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The limits to apply to the server's response.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Checks the request, draws the key from `rng` and returns the request bytes to send with the state that
    /// checks the server's answer.
    ///
    /// Fails with [`Error::InvalidUrl`] for a bad host or path, [`Error::InvalidProtocol`] for a subprotocol that
    /// is not a token or is offered twice, [`Error::InvalidRequestHeader`] for a header the handshake reserves or
    /// that is not a valid name and value, and [`Error::Random`] if `rng` fails.
    pub fn build<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<(Vec<u8>, ClientHandshake), Error> {
        check_host(&self.host)?;
        check_path(&self.path)?;
        for (i, p) in self.protocols.iter().enumerate() {
            // RFC 6455 §4.1 item 10: subprotocols are tokens, each "unique".
            if !is_token(p.as_bytes()) || self.protocols[..i].contains(p) {
                return Err(Error::InvalidProtocol(p.clone()));
            }
        }
        if self.origin.as_ref().is_some_and(|o| !is_field_value(o.as_bytes())) {
            return Err(Error::InvalidRequestHeader(String::from("Origin")));
        }
        if self.extensions.iter().any(|e| trim(e.as_bytes()).is_empty() || !is_field_value(e.as_bytes())) {
            return Err(Error::InvalidRequestHeader(String::from("Sec-WebSocket-Extensions")));
        }
        for (name, value) in &self.headers {
            check_header(name, value.as_bytes(), reserved_by_handshake)?;
        }

        // RFC 6455 §4.1 item 7: a fresh 16-byte random nonce, base64-encoded.
        let mut nonce = [0u8; 16];
        rng.fill(&mut nonce)?;
        let key = base64_encode(&nonce);

        // RFC 6455 §4.1 items 2–4: an HTTP/1.1 GET of the resource name; the Host with the port only when it is not
        // the default, an IPv6 literal bracketed (RFC 3986 §3.2.2).
        let mut head = String::from("GET ");
        head.push_str(&self.path);
        head.push_str(" HTTP/1.1\r\nHost: ");
        let bracket = self.host.contains(':') && !self.host.starts_with('[');
        if bracket {
            head.push('[');
        }
        head.push_str(&self.host);
        if bracket {
            head.push(']');
        }
        if let Some(p) = self.port.filter(|&p| p != if self.tls { 443 } else { 80 }) {
            head.push(':');
            push_decimal(&mut head, p.into());
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        // RFC 6455 §4.1 items 5–9.
        push_header(&mut out, "Upgrade", b"websocket");
        push_header(&mut out, "Connection", b"Upgrade");
        push_header(&mut out, "Sec-WebSocket-Key", key.as_bytes());
        push_header(&mut out, "Sec-WebSocket-Version", b"13");
        if let Some(origin) = &self.origin {
            push_header(&mut out, "Origin", origin.as_bytes());
        }
        if !self.protocols.is_empty() {
            push_header(&mut out, "Sec-WebSocket-Protocol", self.protocols.join(", ").as_bytes());
        }
        if !self.extensions.is_empty() {
            push_header(&mut out, "Sec-WebSocket-Extensions", self.extensions.join(", ").as_bytes());
        }
        for (name, value) in &self.headers {
            push_header(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");

        let state = ClientHandshake {
            accept: accept_key(&key),
            key,
            protocols: self.protocols.clone(),
            offered_extensions: !self.extensions.is_empty(),
            limits: self.limits,
        };
        Ok((out, state))
    }
}

/// A client waiting for the server's answer to its handshake request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHandshake {
    key: String,
    accept: String,
    protocols: Vec<String>,
    offered_extensions: bool,
    limits: Limits,
}

/// A server's successful (101) answer to the opening handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code: always 101.
    pub status: u16,
    /// The response headers, in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The subprotocol the server chose, one of those offered.
    pub protocol: Option<String>,
    /// The `Sec-WebSocket-Extensions` value(s), joined by `, ` if repeated: for the extension (permessage-deflate)
    /// to accept or refuse. Only ever `Some` if the client offered an extension.
    pub extensions: Option<String>,
}

impl Response {
    /// The value of the first header named `name` (case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        values(&self.headers, name).next()
    }
}

impl ClientHandshake {
    /// The `Sec-WebSocket-Key` that was sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Parses and checks the server's answer from the start of `buf` (everything received so far).
    ///
    /// `Partial(n)`: the head is incomplete, call again with at least `n` bytes. `Complete(response, len)`: the
    /// connection is open and `buf[len..]` is the start of the WebSocket frames. A status other than 101 is
    /// [`Error::Rejected`] with the status, headers and the body bytes already in `buf` (see
    /// [`MAX_REJECTION_BODY`]), as soon as the head is complete.
    pub fn parse_response(&mut self, buf: &[u8]) -> Result<Status<Response>, Error> {
        let mut slots = vec![httparse::EMPTY_HEADER; self.limits.max_headers];
        let mut res = httparse::Response::new(&mut slots);
        let result = res.parse(window(buf, &self.limits));
        let Some(len) = head_len(result, buf.len(), &self.limits)? else {
            return Ok(Status::Partial(buf.len() + 1));
        };
        let status = res.code.ok_or(Error::MalformedHttp("status"))?;
        let headers: Headers = res.headers.iter().map(|h| (String::from(h.name), h.value.to_vec())).collect();

        // RFC 6455 §4.1: "If the status code received from the server is not 101, the client handles the response
        // per HTTP procedures"; the caller gets everything it needs to do so.
        if status != 101 {
            let declared =
                values(&headers, "Content-Length").next().and_then(|v| core::str::from_utf8(v).ok()?.parse().ok());
            let keep = declared.unwrap_or(usize::MAX).min(MAX_REJECTION_BODY);
            let body = buf.get(len..).unwrap_or_default().iter().take(keep).copied().collect();
            let reason = String::from(res.reason.unwrap_or_default());
            return Err(Error::Rejected(Box::new(Rejection { status, reason, headers, body })));
        }
        if res.version != Some(1) {
            return Err(Error::HttpVersion);
        }
        // RFC 6455 §4.1, the checks on the server's answer: Upgrade, Connection, Sec-WebSocket-Accept ...
        if !single(&headers, "Upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case(b"websocket")) {
            return Err(Error::BadHeader("Upgrade"));
        }
        if !list(&headers, "Connection").any(|t| t.eq_ignore_ascii_case(b"upgrade")) {
            return Err(Error::BadHeader("Connection"));
        }
        if single(&headers, "Sec-WebSocket-Accept")? != Some(self.accept.as_bytes()) {
            return Err(Error::InvalidAccept);
        }
        // ... a subprotocol only if it is one that was offered, and a single one ...
        let protocol = match joined(&headers, "Sec-WebSocket-Protocol") {
            None => None,
            Some(p) if self.protocols.contains(&p) => Some(p),
            Some(p) => return Err(Error::UnexpectedProtocol(p)),
        };
        // ... and no extension when none was offered (which parameters are acceptable is the extension's call).
        let extensions = joined(&headers, "Sec-WebSocket-Extensions");
        match extensions {
            Some(e) if !self.offered_extensions => Err(Error::UnexpectedExtension(e)),
            _ => Ok(Status::Complete(Response { status, headers, protocol, extensions }, len)),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------------

/// A client's valid opening handshake request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method: always `GET`.
    pub method: String,
    /// The request target as sent: normally path and query.
    pub path: String,
    /// The `Host` header.
    pub host: String,
    /// The `Sec-WebSocket-Key` header, trimmed.
    pub key: String,
    /// The `Origin` header, if any (RFC 6455 §10.2: the server decides whom to serve).
    pub origin: Option<String>,
    /// The subprotocols offered, in the client's order of preference, from every `Sec-WebSocket-Protocol` header.
    pub protocols: Vec<String>,
    /// The raw `Sec-WebSocket-Extensions` header values, in order, for the extension (permessage-deflate) to parse.
    pub extensions: Vec<String>,
    /// The request headers, in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Request {
    /// The value of the first header named `name` (case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        values(&self.headers, name).next()
    }

    /// The first of `supported` (the server's order of preference) that the client offered.
    pub fn select_protocol<'s>(&self, supported: &[&'s str]) -> Option<&'s str> {
        supported.iter().copied().find(|s| self.protocols.iter().any(|p| p == s))
    }

    /// The 101 answer to this request, as [`build_response`]; also refuses ([`Error::InvalidProtocol`]) a
    /// subprotocol the client did not offer.
    pub fn accept(
        &self,
        protocol: Option<&str>,
        extensions: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Vec<u8>, Error> {
        match protocol {
            Some(p) if !self.protocols.iter().any(|o| o == p) => Err(Error::InvalidProtocol(String::from(p))),
            _ => build_response(&self.key, protocol, extensions, headers),
        }
    }
}

/// Parses and checks a handshake request from the start of `buf` (everything received so far).
///
/// `Partial(n)`: the head is incomplete, call again with at least `n` bytes; a head that is already past
/// `limits.max_head` without its end fails at once with [`Error::HeadTooLarge`]. `Complete(request, len)`:
/// `buf[len..]` is what the client sent after the head. The rules are those of [`validate_request`].
/// On error, answer with [`error_response`].
pub fn parse_request(buf: &[u8], limits: &Limits) -> Result<Status<Request>, Error> {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut req = httparse::Request::new(&mut slots);
    let result = req.parse(window(buf, limits));
    let Some(len) = head_len(result, buf.len(), limits)? else {
        return Ok(Status::Partial(buf.len() + 1));
    };
    let (Some(method), Some(path), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(Error::MalformedHttp("request line"));
    };
    let headers = req.headers.iter().map(|h| (h.name, h.value));
    validate_request(method, path, (1, minor), headers).map(|r| Status::Complete(r, len))
}

/// Checks a handshake request that another HTTP stack has parsed (Node's `upgrade` event, a Worker's
/// `Request`...): the method, the request target, the HTTP version as (major, minor) and the header lines.
///
/// The rules (RFC 6455 §4.2.1), each failing with an error whose [`Error::http_status`] is the answer:
/// GET ([`Error::MethodNotAllowed`], 405); HTTP/1.1 or later ([`Error::HttpVersion`]); a single `Host`,
/// `Upgrade` with the `websocket` token and `Connection` with the `upgrade` token ([`Error::BadHeader`]); a single
/// `Sec-WebSocket-Key` ([`Error::BadHeader`]) that is base64 of 16 bytes ([`Error::InvalidKey`]); a single
/// `Sec-WebSocket-Version` ([`Error::BadHeader`]) that is 13 ([`Error::UnsupportedVersion`], 426). Header names are
/// case-insensitive; `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions` may be repeated.
pub fn validate_request<'h>(
    method: &str,
    path: &str,
    version: (u8, u8),
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
) -> Result<Request, Error> {
    // Only the copy of the headers is generic: the rules below are compiled once, not once per caller's iterator
    // (parse_request's and the wasm binding's: a copy of them each in the wasm).
    validate_owned(method, path, version, headers.into_iter().map(|(n, v)| (String::from(n), v.to_vec())).collect())
}

fn validate_owned(method: &str, path: &str, version: (u8, u8), headers: Headers) -> Result<Request, Error> {
    // RFC 6455 §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
    if method != "GET" {
        return Err(Error::MethodNotAllowed);
    }
    if version < (1, 1) {
        return Err(Error::HttpVersion);
    }
    if path.is_empty() || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Error::MalformedHttp("request target"));
    }
    // Item 2: Host (and RFC 7230 §5.4: exactly one).
    let host = single(&headers, "Host")?.and_then(text).filter(|h| !h.is_empty()).ok_or(Error::BadHeader("Host"))?;
    // Item 3: an Upgrade header including "websocket".
    if !list(&headers, "Upgrade").any(|t| t.eq_ignore_ascii_case(b"websocket")) {
        return Err(Error::BadHeader("Upgrade"));
    }
    // Item 4: a Connection header including "Upgrade".
    if !list(&headers, "Connection").any(|t| t.eq_ignore_ascii_case(b"upgrade")) {
        return Err(Error::BadHeader("Connection"));
    }
    // Item 5: a Sec-WebSocket-Key that base64-decodes to 16 bytes.
    let key = single(&headers, "Sec-WebSocket-Key")?.ok_or(Error::BadHeader("Sec-WebSocket-Key"))?;
    if !is_base64_of_16_bytes(key) {
        return Err(Error::InvalidKey);
    }
    let key = text(key).ok_or(Error::InvalidKey)?;
    // Item 6: Sec-WebSocket-Version 13 (§4.4: otherwise 426 with the versions we speak).
    if single(&headers, "Sec-WebSocket-Version")?.ok_or(Error::BadHeader("Sec-WebSocket-Version"))? != b"13" {
        return Err(Error::UnsupportedVersion);
    }
    // Items 7–9, optional: Origin, subprotocols (tokens, §4.1 item 10), extension offers (for the extension).
    let origin = match single(&headers, "Origin")? {
        Some(o) => Some(text(o).ok_or(Error::BadHeader("Origin"))?),
        None => None,
    };
    let protocols = list(&headers, "Sec-WebSocket-Protocol")
        .map(|p| text(p).filter(|_| is_token(p)).ok_or(Error::BadHeader("Sec-WebSocket-Protocol")))
        .collect::<Result<_, _>>()?;
    let extensions = values(&headers, "Sec-WebSocket-Extensions")
        .filter(|e| !e.is_empty())
        .map(|e| text(e).ok_or(Error::BadHeader("Sec-WebSocket-Extensions")))
        .collect::<Result<_, _>>()?;
    Ok(Request {
        method: String::from(method),
        path: String::from(path),
        host,
        key,
        origin,
        protocols,
        extensions,
        headers,
    })
}

/// The 101 answer that opens the connection (RFC 6455 §4.2.2 item 5): `Upgrade`, `Connection`,
/// `Sec-WebSocket-Accept` for `key`, then the chosen subprotocol and extensions if any, then `headers`.
///
/// Fails with [`Error::InvalidProtocol`] if `protocol` is not a token, and [`Error::InvalidRequestHeader`] for an
/// `extensions` value or header that is not valid or that the handshake sets itself.
pub fn build_response(
    key: &str,
    protocol: Option<&str>,
    extensions: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Vec<u8>, Error> {
    if let Some(p) = protocol.filter(|p| !is_token(p.as_bytes())) {
        return Err(Error::InvalidProtocol(String::from(p)));
    }
    if extensions.is_some_and(|e| trim(e.as_bytes()).is_empty() || !is_field_value(e.as_bytes())) {
        return Err(Error::InvalidRequestHeader(String::from("Sec-WebSocket-Extensions")));
    }
    for (name, value) in headers {
        check_header(name, value.as_bytes(), reserved_by_handshake)?;
    }
    let mut out = Vec::from(&b"HTTP/1.1 101 Switching Protocols\r\n"[..]);
    push_header(&mut out, "Upgrade", b"websocket");
    push_header(&mut out, "Connection", b"Upgrade");
    push_header(&mut out, "Sec-WebSocket-Accept", accept_key(key).as_bytes());
    if let Some(p) = protocol {
        push_header(&mut out, "Sec-WebSocket-Protocol", p.as_bytes());
    }
    if let Some(e) = extensions {
        push_header(&mut out, "Sec-WebSocket-Extensions", e.as_bytes());
    }
    for (name, value) in headers {
        push_header(&mut out, name, value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// A refusal (RFC 6455 §4.2.2: "any status code other than 101"): the status line with
/// [`reason_phrase`], `headers`, `Content-Length`, `Connection: close` and `body`.
///
/// Fails with [`Error::InvalidRequestHeader`] for a status outside 100–999 (named `status`), or a header that is
/// not a valid name and value or is one this function sets (`Connection`, `Content-Length`, `Transfer-Encoding`).
pub fn build_rejection(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>, Error> {
    if !(100..=999).contains(&status) {
        return Err(Error::InvalidRequestHeader(String::from("status")));
    }
    for (name, value) in headers {
        check_header(name, value.as_bytes(), |n| {
            ["connection", "content-length", "transfer-encoding"].iter().any(|r| n.eq_ignore_ascii_case(r))
        })?;
    }
    Ok(rejection(status, headers, body))
}

/// The answer to a request that failed with `error`: its [`Error::http_status`] (500 if it has none), `Allow: GET`
/// with 405, `Sec-WebSocket-Version: 13` with 426 (RFC 6455 §4.4), and the error's text as a `text/plain` body.
pub fn error_response(error: &Error) -> Vec<u8> {
    let status = error.http_status().unwrap_or(500);
    let mut headers = vec![("Content-Type", "text/plain; charset=utf-8")];
    match error {
        Error::MethodNotAllowed => headers.push(("Allow", "GET")),
        Error::UnsupportedVersion => headers.push(("Sec-WebSocket-Version", "13")),
        _ => {}
    }
    let body = match error.http_status() {
        Some(_) => error.message(),
        None => String::from(reason_phrase(status)),
    };
    rejection(status, &headers, body.as_bytes())
}

/// The reason phrase for a status code, or `""` (a valid, empty phrase) for one this table does not know.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn rejection(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = String::from("HTTP/1.1 ");
    push_decimal(&mut head, status.into());
    head.push(' ');
    head.push_str(reason_phrase(status));
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    for (name, value) in headers {
        push_header(&mut out, name, value.as_bytes());
    }
    let mut length = String::new();
    push_decimal(&mut length, body.len() as u64);
    push_header(&mut out, "Content-Length", length.as_bytes());
    push_header(&mut out, "Connection", b"close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

// ---------------------------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------------------------

/// What httparse may look at: never more than the limit.
fn window<'b>(buf: &'b [u8], limits: &Limits) -> &'b [u8] {
    buf.get(..limits.max_head).unwrap_or(buf)
}

/// The head's length once complete, `None` while partial. A partial head that already fills the limit can only
/// end past it, so it is refused now rather than buffered further.
fn head_len(
    result: Result<httparse::Status<usize>, httparse::Error>,
    buf_len: usize,
    limits: &Limits,
) -> Result<Option<usize>, Error> {
    match result {
        Ok(httparse::Status::Complete(len)) => Ok(Some(len)),
        Ok(httparse::Status::Partial) if buf_len >= limits.max_head => {
            Err(Error::HeadTooLarge { max: limits.max_head })
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(match e {
            httparse::Error::TooManyHeaders => Error::TooManyHeaders { max: limits.max_headers },
            httparse::Error::Version => Error::HttpVersion,
            httparse::Error::HeaderName => Error::MalformedHttp("header name"),
            httparse::Error::HeaderValue => Error::MalformedHttp("header value"),
            httparse::Error::NewLine => Error::MalformedHttp("line ending"),
            httparse::Error::Status => Error::MalformedHttp("status"),
            httparse::Error::Token => Error::MalformedHttp("token"),
        }),
    }
}

/// Every value of the header `name` (case-insensitive), trimmed.
fn values<'a, 'n>(headers: &'a [(String, Vec<u8>)], name: &'n str) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
    headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| trim(v))
}

/// The value of a header that may appear at most once; [`Error::BadHeader`] if repeated.
fn single<'a>(headers: &'a [(String, Vec<u8>)], name: &'static str) -> Result<Option<&'a [u8]>, Error> {
    let mut all = values(headers, name);
    match (all.next(), all.next()) {
        (first, None) => Ok(first),
        _ => Err(Error::BadHeader(name)),
    }
}

/// The elements of a comma-separated header (RFC 7230 §7), across all its lines, trimmed, empty ones skipped.
fn list<'a, 'n>(headers: &'a [(String, Vec<u8>)], name: &'n str) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
    values(headers, name).flat_map(|v| v.split(|&b| b == b',')).map(trim).filter(|t| !t.is_empty())
}

/// All lines of a header joined as one value (RFC 7230 §3.2.2), lossily as text; `None` if absent.
fn joined(headers: &[(String, Vec<u8>)], name: &str) -> Option<String> {
    // Joined, then decoded once: the same text as decoding each line (", " cannot complete a broken sequence).
    let mut all: Option<Vec<u8>> = None;
    for v in values(headers, name) {
        match &mut all {
            None => all = Some(v.to_vec()),
            Some(all) => {
                all.extend_from_slice(b", ");
                all.extend_from_slice(v);
            }
        }
    }
    all.map(|v| String::from_utf8_lossy(&v).into_owned())
}

fn text(v: &[u8]) -> Option<String> {
    core::str::from_utf8(v).ok().map(String::from)
}

/// Strips optional whitespace (RFC 7230 §3.2.3: SP and HTAB).
fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// An RFC 7230 §3.2.6 token: one or more tchar.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A value that cannot end its header line or start another: no control characters but HTAB (RFC 7230 §3.2).
fn is_field_value(v: &[u8]) -> bool {
    v.iter().all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f))
}

/// Refuses a header the application may not set: a name that is not a token, a value that could inject another
/// line, or a name that `reserved` claims.
fn check_header(name: &str, value: &[u8], reserved: fn(&str) -> bool) -> Result<(), Error> {
    if !is_token(name.as_bytes()) || !is_field_value(value) || reserved(name) {
        return Err(Error::InvalidRequestHeader(String::from(name)));
    }
    Ok(())
}

/// The headers the handshake sets itself: `Sec-WebSocket-*`, `Upgrade`, `Connection` and `Host`.
fn reserved_by_handshake(name: &str) -> bool {
    name.as_bytes().get(..14).is_some_and(|p| p.eq_ignore_ascii_case(b"sec-websocket-"))
        || ["upgrade", "connection", "host"].iter().any(|r| name.eq_ignore_ascii_case(r))
}

/// A host for the `Host` header (RFC 3986 §3.2.2): a registered name or IPv4 address, or an IPv6 address
/// (optionally with a zone), bracketed or not.
fn check_host(host: &str) -> Result<(), Error> {
    let ipv6 = |h: &str| {
        let (addr, zone) = match h.split_once('%') {
            Some((addr, zone)) => (addr, Some(zone)),
            None => (h, None),
        };
        addr.contains(':')
            && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            && zone
                .is_none_or(|z| !z.is_empty() && z.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)))
    };
    let ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(h) => ipv6(h),
        None if host.contains(':') => ipv6(host),
        None => !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(&b)),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidUrl("host"))
    }
}

/// A resource name (RFC 6455 §3): `/`, then printable ASCII without a fragment.
fn check_path(path: &str) -> Result<(), Error> {
    if path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        Ok(())
    } else {
        Err(Error::InvalidUrl("path"))
    }
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn joined_decodes_as_each_line_decoded_then_joined() {
        let lines: [&[u8]; 7] = [b"", b"a", b" \xe2\x82", b"\x82x", b"\xf0\x9f\x98", b"\xff", "é€😀".as_bytes()];
        for i in 0..lines.len() {
            for j in 0..lines.len() {
                for k in 0..lines.len() {
                    let picked = [lines[i], lines[j], lines[k]];
                    for n in 0..=3 {
                        let headers: Headers =
                            picked[..n].iter().map(|v| (String::from("X-List"), v.to_vec())).collect();
                        let each: Vec<_> = values(&headers, "x-list").map(String::from_utf8_lossy).collect();
                        let expected = (!each.is_empty()).then(|| each.join(", "));
                        assert_eq!(joined(&headers, "X-LIST"), expected, "{:?}", &picked[..n]);
                    }
                }
            }
        }
    }

    #[test]
    fn base64_is_what_the_standard_engine_does() {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        let data: Vec<u8> = (0..64u32).map(|i| (i.wrapping_mul(97) ^ 0xa5) as u8).collect();
        for n in 0..=data.len() {
            assert_eq!(base64_encode(&data[..n]), STANDARD.encode(&data[..n]), "{n} bytes");
        }
        let decodes_to_16 = |k: &[u8]| STANDARD.decode(k).is_ok_and(|k| k.len() == 16);
        for seed in 0..=255u8 {
            let key = base64_encode(&[seed; 16].map(|b| b.wrapping_add(seed.rotate_left(3))));
            let key = key.as_bytes();
            assert!(is_base64_of_16_bytes(key));
            for i in 0..key.len() {
                let mut k = key.to_vec();
                k[i] = seed;
                assert_eq!(is_base64_of_16_bytes(&k), decodes_to_16(&k), "{k:?}");
            }
            for n in 0..key.len() + 4 {
                let mut k = key.to_vec();
                k.resize(n, if seed % 2 == 0 { b'=' } else { b'A' });
                assert_eq!(is_base64_of_16_bytes(&k), decodes_to_16(&k), "{k:?}");
            }
        }
    }

    /// A predictable randomness source: 0, 1, 2, ...
    struct Counter(u8);

    impl Rng for Counter {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
            for b in dest {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    struct Broken;

    impl Rng for Broken {
        fn fill(&mut self, _: &mut [u8]) -> Result<(), Error> {
            Err(Error::Random)
        }
    }

    /// base64 of the bytes 0..16, the key [`Counter`] yields first.
    const KEY: &str = "AAECAwQFBgcICQoLDA0ODw==";

    /// The client handshake of RFC 6455 §1.2.
    const REQUEST: &str = "GET /chat HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    /// A 101 for [`KEY`], `{A}` standing for its accept value.
    const RESPONSE: &str =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {A}\r\n\r\n";

    /// `template` with its first `from` replaced by `to` (which must be there), `{A}` by the accept value for [`KEY`].
    fn edit(template: &str, from: &str, to: &str) -> String {
        assert!(template.contains(from), "{from:?} not in the template");
        template.replacen(from, to, 1).replace("{A}", &accept_key(KEY))
    }

    fn request(raw: &str) -> Result<Status<Request>, Error> {
        parse_request(raw.as_bytes(), &Limits::default())
    }

    fn complete<T>(status: Status<T>) -> T {
        match status {
            Status::Complete(value, _) => value,
            Status::Partial(n) => panic!("partial, {n} bytes wanted"),
        }
    }

    /// A client that offered `chat` and `superchat`, and the given extensions.
    fn client(extensions: &[&str]) -> ClientHandshake {
        let mut req = ClientRequest::new("example.com").protocol("chat").protocol("superchat");
        for e in extensions {
            req = req.extension(*e);
        }
        let (_, state) = req.build(&mut Counter(0)).unwrap();
        assert_eq!(state.key(), KEY);
        state
    }

    fn response(client: &mut ClientHandshake, raw: &str) -> Result<Response, Error> {
        client.parse_response(raw.as_bytes()).map(complete)
    }

    #[test]
    fn rfc_accept_example() {
        // RFC 6455 §1.3 and §4.2.2.
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn rfc_handshake_example() {
        let req = complete(request(REQUEST).unwrap());
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/chat");
        assert_eq!(req.host, "server.example.com");
        assert_eq!(req.key, "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(req.origin.as_deref(), Some("http://example.com"));
        assert_eq!(req.protocols, ["chat", "superchat"]);
        assert!(req.extensions.is_empty());
        assert_eq!(req.headers.len(), 7);
        assert_eq!(req.header("origin"), Some(&b"http://example.com"[..]));
        // RFC 6455 §1.2: the server's answer.
        let expected = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
        assert_eq!(req.accept(Some("chat"), None, &[]).unwrap(), expected.as_bytes());
    }

    /// One bad request per rule, each with the error and the HTTP status to answer with.
    macro_rules! bad_requests {
        ($($name:ident: $from:expr => $to:expr, $err:expr, $status:expr;)*) => {$(
            #[test]
            fn $name() {
                let err = request(&edit(REQUEST, $from, $to)).unwrap_err();
                assert_eq!(err, $err);
                assert_eq!(err.http_status(), Some($status));
            }
        )*};
    }

    const HOST: &str = "Host: server.example.com\r\n";
    const UPGRADE: &str = "Upgrade: websocket\r\n";
    const CONNECTION: &str = "Connection: Upgrade\r\n";
    const SEC_KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const VERSION: &str = "Sec-WebSocket-Version: 13\r\n";

    mod bad_request {
        use super::*;

        bad_requests! {
            post: "GET" => "POST", Error::MethodNotAllowed, 405;
            lowercase_get: "GET" => "get", Error::MethodNotAllowed, 405;
            http_1_0: "HTTP/1.1" => "HTTP/1.0", Error::HttpVersion, 400;
            http_2: "HTTP/1.1" => "HTTP/2.0", Error::HttpVersion, 400;
            missing_host: HOST => "", Error::BadHeader("Host"), 400;
            empty_host: HOST => "Host: \r\n", Error::BadHeader("Host"), 400;
            two_hosts: HOST => "Host: a\r\nHost: b\r\n", Error::BadHeader("Host"), 400;
            missing_upgrade: UPGRADE => "", Error::BadHeader("Upgrade"), 400;
            upgrade_h2c: UPGRADE => "Upgrade: h2c\r\n", Error::BadHeader("Upgrade"), 400;
            upgrade_websocket_prefix: UPGRADE => "Upgrade: websockets\r\n", Error::BadHeader("Upgrade"), 400;
            missing_connection: CONNECTION => "", Error::BadHeader("Connection"), 400;
            connection_keep_alive: CONNECTION => "Connection: keep-alive\r\n", Error::BadHeader("Connection"), 400;
            connection_upgrade_substring: CONNECTION => "Connection: upgraded\r\n", Error::BadHeader("Connection"), 400;
            missing_key: SEC_KEY => "", Error::BadHeader("Sec-WebSocket-Key"), 400;
            two_keys: SEC_KEY => "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n",
                Error::BadHeader("Sec-WebSocket-Key"), 400;
            key_15_bytes: SEC_KEY => "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0O\r\n", Error::InvalidKey, 400;
            key_17_bytes: SEC_KEY => "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODxA=\r\n", Error::InvalidKey, 400;
            key_unpadded: SEC_KEY => "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n", Error::InvalidKey, 400;
            key_not_base64: SEC_KEY => "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ!==\r\n", Error::InvalidKey, 400;
            key_empty: SEC_KEY => "Sec-WebSocket-Key: \r\n", Error::InvalidKey, 400;
            missing_version: VERSION => "", Error::BadHeader("Sec-WebSocket-Version"), 400;
            two_versions: VERSION => "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n",
                Error::BadHeader("Sec-WebSocket-Version"), 400;
            version_8: VERSION => "Sec-WebSocket-Version: 8\r\n", Error::UnsupportedVersion, 426;
            version_013: VERSION => "Sec-WebSocket-Version: 013\r\n", Error::UnsupportedVersion, 426;
            version_list: VERSION => "Sec-WebSocket-Version: 13, 8\r\n", Error::UnsupportedVersion, 426;
            protocol_not_token: "chat, superchat" => "chat, super chat", Error::BadHeader("Sec-WebSocket-Protocol"), 400;
            two_origins: "Origin: http://example.com\r\n" => "Origin: a\r\nOrigin: b\r\n", Error::BadHeader("Origin"), 400;
            header_name_with_space: HOST => "Host : a\r\n", Error::MalformedHttp("header name"), 400;
            bare_cr: UPGRADE => "Upgrade: websocket\rX: y\r\n", Error::MalformedHttp("header value"), 400;
        }
    }

    #[test]
    fn names_are_case_insensitive() {
        let raw = "GET / HTTP/1.1\r\nhOST: h\r\nuPGRADE: WebSocket\r\ncOnNeCtIoN: keep-alive, UPGRADE\r\n\
            sec-wEBSocket-kEY: dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-VERSION: 13\r\nsec-websocket-protocol: a\r\n\
            ORIGIN: o\r\nSec-Websocket-Extensions: x\r\n\r\n";
        let req = complete(request(raw).unwrap());
        assert_eq!((req.host.as_str(), req.key.as_str()), ("h", "dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!((req.protocols, req.extensions, req.origin), (vec!["a".into()], vec!["x".into()], Some("o".into())));
        assert_eq!(req.headers[0].0, "hOST", "names kept as sent");

        let mut client = client(&["x"]);
        let raw = edit(
            RESPONSE,
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept",
            "uPgRaDe: WEBSOCKET\r\nconnection: upgrade\r\nsec-websocket-accept",
        );
        let raw = raw.replace("\r\n\r\n", "\r\nSEC-WEBSOCKET-PROTOCOL: chat\r\nsec-websocket-extensions: x\r\n\r\n");
        let res = response(&mut client, &raw).unwrap();
        assert_eq!((res.protocol.as_deref(), res.extensions.as_deref()), (Some("chat"), Some("x")));
    }

    #[test]
    fn repeated_lists_are_collected() {
        let raw = REQUEST.replace(
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol: ,a\r\nSec-WebSocket-Extensions: foo; x=1, bar\r\nUpgrade: h2c\r\n\
             Sec-WebSocket-Extensions: baz\r\nConnection: keep-alive\r\nSec-WebSocket-Version",
        );
        let req = complete(request(&raw).unwrap());
        assert_eq!(req.protocols, ["chat", "superchat", "a"]);
        assert_eq!(req.extensions, ["foo; x=1, bar", "baz"]);
    }

    #[test]
    fn protocol_chosen_by_server_preference() {
        let req = complete(request(&REQUEST.replace("chat, superchat", "a, b\r\nSec-WebSocket-Protocol: c")).unwrap());
        assert_eq!(req.select_protocol(&["c", "b"]), Some("c"));
        assert_eq!(req.select_protocol(&["x", "b", "a"]), Some("b"));
        assert_eq!(req.select_protocol(&["A", "x"]), None, "names are case-sensitive");
        assert_eq!(req.select_protocol(&[]), None);
        assert_eq!(req.accept(Some("x"), None, &[]), Err(Error::InvalidProtocol("x".into())));
    }

    #[test]
    fn validate_request_shares_the_rules() {
        let ok = [("Host", &b"h"[..]), ("Upgrade", b"websocket"), ("Connection", b"Upgrade")];
        let ok = ok.into_iter().chain([("Sec-WebSocket-Key", KEY.as_bytes()), ("Sec-WebSocket-Version", b"13")]);
        let req = validate_request("GET", "/x?y", (1, 1), ok.clone()).unwrap();
        assert_eq!((req.path.as_str(), req.key.as_str()), ("/x?y", KEY));
        assert!(validate_request("GET", "/", (2, 0), ok.clone()).is_ok());
        assert_eq!(validate_request("PUT", "/", (1, 1), ok.clone()), Err(Error::MethodNotAllowed));
        assert_eq!(validate_request("GET", "/", (1, 0), ok.clone()), Err(Error::HttpVersion));
        assert_eq!(validate_request("GET", "/", (0, 9), ok.clone()), Err(Error::HttpVersion));
        assert_eq!(validate_request("GET", "", (1, 1), ok.clone()), Err(Error::MalformedHttp("request target")));
        assert_eq!(validate_request("GET", "/a b", (1, 1), ok.clone()), Err(Error::MalformedHttp("request target")));
        let bad_version = ok.clone().map(|(n, v)| (n, if n == "Sec-WebSocket-Version" { &b"7"[..] } else { v }));
        assert_eq!(validate_request("GET", "/", (1, 1), bad_version), Err(Error::UnsupportedVersion));
        let non_utf8_host = ok.map(|(n, v)| (n, if n == "Host" { &b"\xff"[..] } else { v }));
        assert_eq!(validate_request("GET", "/", (1, 1), non_utf8_host), Err(Error::BadHeader("Host")));
    }

    #[test]
    fn request_split_at_every_byte() {
        let whole = [REQUEST.as_bytes(), &[0x81, 0x80, 1, 2, 3, 4]].concat();
        let expected = request(REQUEST).unwrap();
        assert_eq!(expected, parse_request(&whole, &Limits::default()).unwrap(), "bytes after the head left alone");
        for i in 0..REQUEST.len() {
            assert_eq!(parse_request(&whole[..i], &Limits::default()), Ok(Status::Partial(i + 1)), "at {i}");
        }
        for i in REQUEST.len()..=whole.len() {
            assert_eq!(parse_request(&whole[..i], &Limits::default()).unwrap(), expected, "at {i}");
        }
    }

    #[test]
    fn endless_head_refused_while_partial() {
        let limits = Limits { max_head: 100, max_headers: 4 };
        let endless = [&b"GET / HTTP/1.1\r\nX: "[..], &[b'a'; 200]].concat();
        for i in 0..endless.len() {
            let got = parse_request(&endless[..i], &limits);
            if i < 100 {
                assert_eq!(got, Ok(Status::Partial(i + 1)), "at {i}");
            } else {
                assert_eq!(got, Err(Error::HeadTooLarge { max: 100 }), "at {i}");
            }
        }
        let mut client = ClientRequest::new("h").limits(limits).build(&mut Counter(0)).unwrap().1;
        let endless = [&b"HTTP/1.1 101 Switching Protocols\r\nX: "[..], &[b'a'; 200]].concat();
        assert_eq!(client.parse_response(&endless[..99]), Ok(Status::Partial(100)));
        assert_eq!(client.parse_response(&endless[..100]), Err(Error::HeadTooLarge { max: 100 }));
        assert_eq!(Error::HeadTooLarge { max: 100 }.http_status(), Some(431));
    }

    #[test]
    fn head_limit_is_inclusive() {
        let limits = Limits { max_head: REQUEST.len(), ..Limits::DEFAULT };
        let with_frame = [REQUEST.as_bytes(), b"\x81"].concat();
        assert!(matches!(parse_request(&with_frame, &limits), Ok(Status::Complete(_, n)) if n == REQUEST.len()));
        let longer = REQUEST.replace("/chat", "/chats");
        let limits = Limits { max_head: REQUEST.len(), ..Limits::DEFAULT };
        assert_eq!(request(&longer).map(|_| ()), Ok(()));
        assert_eq!(parse_request(longer.as_bytes(), &limits), Err(Error::HeadTooLarge { max: REQUEST.len() }));
    }

    #[test]
    fn header_count_limit() {
        let at_limit = Limits { max_headers: 7, ..Limits::DEFAULT };
        assert!(parse_request(REQUEST.as_bytes(), &at_limit).is_ok());
        let under = Limits { max_headers: 6, ..Limits::DEFAULT };
        let err = parse_request(REQUEST.as_bytes(), &under).unwrap_err();
        assert_eq!((err.clone(), err.http_status()), (Error::TooManyHeaders { max: 6 }, Some(431)));
        // Refused while partial too: the seventh header line is enough.
        assert_eq!(parse_request(&REQUEST.as_bytes()[..REQUEST.len() - 2], &under), Err(err));

        let client = ClientRequest::new("h").limits(Limits { max_headers: 3, ..Limits::DEFAULT });
        let mut client = client.build(&mut Counter(0)).unwrap().1;
        let raw = edit(RESPONSE, "\r\n\r\n", "\r\nX: 1\r\n\r\n");
        assert_eq!(client.parse_response(raw.as_bytes()), Err(Error::TooManyHeaders { max: 3 }));
        client = ClientRequest::new("h")
            .limits(Limits { max_headers: 4, ..Limits::DEFAULT })
            .build(&mut Counter(0))
            .unwrap()
            .1;
        assert!(response(&mut client, &raw).is_ok());
    }

    #[test]
    fn building_responses() {
        let out = build_response(KEY, None, Some("permessage-deflate"), &[("Set-Cookie", "a=b"), ("X-Tab", "a\tb")]);
        let expected = edit(
            RESPONSE,
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate\r\nSet-Cookie: a=b\r\nX-Tab: a\tb\r\n\r\n",
        );
        assert_eq!(String::from_utf8(out.unwrap()).unwrap(), expected);
        let invalid = |name: &str| Err(Error::InvalidRequestHeader(name.into()));
        assert_eq!(build_response(KEY, Some("a b"), None, &[]), Err(Error::InvalidProtocol("a b".into())));
        assert_eq!(build_response(KEY, Some(""), None, &[]), Err(Error::InvalidProtocol("".into())));
        assert_eq!(build_response(KEY, None, Some("x\r\nY: z"), &[]), invalid("Sec-WebSocket-Extensions"));
        assert_eq!(build_response(KEY, None, Some(" "), &[]), invalid("Sec-WebSocket-Extensions"));
        for name in ["Sec-WebSocket-Accept", "sec-websocket-protocol", "Upgrade", "CONNECTION", "Host"] {
            assert_eq!(build_response(KEY, None, None, &[(name, "x")]), invalid(name));
        }
        assert_eq!(build_response(KEY, None, None, &[("X", "1\r\nY: 2")]), invalid("X"));
        assert_eq!(build_response(KEY, None, None, &[("X:Y", "1")]), invalid("X:Y"));
    }

    #[test]
    fn building_rejections() {
        let out = build_rejection(403, &[("Content-Type", "text/plain"), ("Sec-WebSocket-Version", "13")], b"no");
        let expected = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nSec-WebSocket-Version: 13\r\n\
            Content-Length: 2\r\nConnection: close\r\n\r\nno";
        assert_eq!(String::from_utf8(out.unwrap()).unwrap(), expected);
        assert!(build_rejection(599, &[], b"").unwrap().starts_with(b"HTTP/1.1 599 \r\n"));
        let invalid = |name: &str| Err(Error::InvalidRequestHeader(name.into()));
        for name in ["Connection", "content-length", "Transfer-Encoding", "Bad Name", ""] {
            assert_eq!(build_rejection(400, &[(name, "1")], b""), invalid(name));
        }
        assert_eq!(build_rejection(400, &[("Location", "/\r\nX: y")], b""), invalid("Location"));
        assert_eq!(build_rejection(99, &[], b""), invalid("status"));
        assert_eq!(build_rejection(1000, &[], b""), invalid("status"));
    }

    #[test]
    fn error_responses() {
        for (err, head) in [
            (Error::MethodNotAllowed, "HTTP/1.1 405 Method Not Allowed\r\n"),
            (Error::UnsupportedVersion, "HTTP/1.1 426 Upgrade Required\r\n"),
            (Error::HeadTooLarge { max: 1 }, "HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            (Error::InvalidKey, "HTTP/1.1 400 Bad Request\r\n"),
            (Error::Closed, "HTTP/1.1 500 Internal Server Error\r\n"),
        ] {
            let out = error_response(&err);
            assert!(out.starts_with(head.as_bytes()), "{err:?}");
            let mut slots = [httparse::EMPTY_HEADER; 8];
            let mut res = httparse::Response::new(&mut slots);
            let httparse::Status::Complete(n) = res.parse(&out).unwrap() else { panic!("partial") };
            let headers: Headers = res.headers.iter().map(|h| (h.name.into(), h.value.into())).collect();
            let body = if err.http_status().is_some() { err.to_string() } else { "Internal Server Error".into() };
            assert_eq!(&out[n..], body.as_bytes());
            assert_eq!(single(&headers, "Content-Length"), Ok(Some(body.len().to_string().as_bytes())));
            assert_eq!(single(&headers, "Connection"), Ok(Some(&b"close"[..])));
            assert_eq!(single(&headers, "Content-Type"), Ok(Some(&b"text/plain; charset=utf-8"[..])));
            let allow = matches!(err, Error::MethodNotAllowed).then_some(&b"GET"[..]);
            assert_eq!(single(&headers, "Allow"), Ok(allow));
            let version = matches!(err, Error::UnsupportedVersion).then_some(&b"13"[..]);
            assert_eq!(single(&headers, "Sec-WebSocket-Version"), Ok(version));
        }
    }

    #[test]
    fn reason_phrases() {
        for (status, reason) in [
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (426, "Upgrade Required"),
            (431, "Request Header Fields Too Large"),
            (500, "Internal Server Error"),
            (503, "Service Unavailable"),
            (299, ""),
        ] {
            assert_eq!(reason_phrase(status), reason);
        }
    }

    // ---- Client ----

    fn request_text(req: ClientRequest) -> Result<String, Error> {
        req.build(&mut Counter(0)).map(|(bytes, _)| String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn minimal_request() {
        let expected = "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        assert_eq!(request_text(ClientRequest::new("example.com")).unwrap(), expected);
    }

    #[test]
    fn full_request() {
        let req = ClientRequest::new("example.com")
            .port(8443)
            .tls(true)
            .path("/chat?room=1")
            .origin("https://example.com")
            .protocol("chat")
            .protocol("v2.chat")
            .extension("permessage-deflate; client_max_window_bits")
            .extension("x-foo")
            .header("Cookie", "a=b; c=d")
            .header("Sec-Fetch-Mode", "websocket");
        let expected = "GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8443\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n\
            Origin: https://example.com\r\nSec-WebSocket-Protocol: chat, v2.chat\r\n\
            Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo\r\n\
            Cookie: a=b; c=d\r\nSec-Fetch-Mode: websocket\r\n\r\n";
        assert_eq!(request_text(req).unwrap(), expected);
    }

    #[test]
    fn keys_are_fresh() {
        let mut rng = Counter(0);
        let req = ClientRequest::new("h");
        let (first, second) = (req.build(&mut rng).unwrap().1, req.build(&mut rng).unwrap().1);
        assert_eq!((first.key(), second.key()), (KEY, "EBESExQVFhcYGRobHB0eHw=="));
        assert_eq!(req.build(&mut Broken), Err(Error::Random));
    }

    #[test]
    fn host_header() {
        for (host, port, tls, expected) in [
            ("example.com", None, false, "example.com"),
            ("example.com", Some(80), false, "example.com"),
            ("example.com", Some(443), false, "example.com:443"),
            ("example.com", None, true, "example.com"),
            ("example.com", Some(443), true, "example.com"),
            ("example.com", Some(80), true, "example.com:80"),
            ("127.0.0.1", Some(9001), false, "127.0.0.1:9001"),
            ("::1", Some(8080), false, "[::1]:8080"),
            ("[::1]", Some(8080), false, "[::1]:8080"),
            ("::ffff:192.0.2.1", None, true, "[::ffff:192.0.2.1]"),
            ("fe80::1%25eth0", None, false, "[fe80::1%25eth0]"),
        ] {
            let mut req = ClientRequest::new(host).tls(tls);
            if let Some(port) = port {
                req = req.port(port);
            }
            let text = request_text(req).unwrap();
            assert!(text.contains(&format!("\r\nHost: {expected}\r\n")), "{host} {port:?} {tls}: {text}");
        }
    }

    #[test]
    fn bad_hosts() {
        for host in ["", "exa mple.com", "example.com/x", "a\r\nX: y", "example.com:80", "[::1", "[]", "[example.com]"]
        {
            assert_eq!(request_text(ClientRequest::new(host)), Err(Error::InvalidUrl("host")), "{host:?}");
        }
        for host in ["user@host", "h\u{e9}.com", "[::1]:80", "fe80::1%", "::g"] {
            assert_eq!(request_text(ClientRequest::new(host)), Err(Error::InvalidUrl("host")), "{host:?}");
        }
    }

    #[test]
    fn bad_paths() {
        for path in ["", "chat", "/a b", "/a\r\nX: y", "/\t", "/#frag", "/caf\u{e9}", "/\x7f"] {
            let req = ClientRequest::new("h").path(path);
            assert_eq!(request_text(req), Err(Error::InvalidUrl("path")), "{path:?}");
        }
    }

    #[test]
    fn bad_protocols() {
        for (protocols, bad) in
            [(&["", "a"][..], ""), (&["a b"], "a b"), (&["a,b"], "a,b"), (&["chat", "x", "chat"], "chat")]
        {
            let req = protocols.iter().fold(ClientRequest::new("h"), |r, p| r.protocol(*p));
            assert_eq!(request_text(req), Err(Error::InvalidProtocol(bad.into())));
        }
    }

    #[test]
    fn reserved_headers_refused() {
        for name in
            ["Sec-WebSocket-Key", "sec-websocket-protocol", "SEC-WEBSOCKET-FOO", "Upgrade", "connection", "HOST"]
        {
            let req = ClientRequest::new("h").header(name, "x");
            assert_eq!(request_text(req), Err(Error::InvalidRequestHeader(name.into())));
        }
    }

    #[test]
    fn injection_refused() {
        for (name, value) in [
            ("X-A", "1\r\nX-B: 2"),
            ("X-A", "a\nb"),
            ("X-A", "a\rb"),
            ("X-A", "a\0b"),
            ("X-A", "a\x7fb"),
            ("X A", "1"),
            ("X:A", "1"),
            ("X-A\r\nX-B", "1"),
            ("", "1"),
            ("X-\u{e9}", "1"),
        ] {
            let req = ClientRequest::new("h").header(name, value);
            assert_eq!(request_text(req), Err(Error::InvalidRequestHeader(name.into())), "{name:?}: {value:?}");
        }
        let req = ClientRequest::new("h").origin("http://a\r\nX: y");
        assert_eq!(request_text(req), Err(Error::InvalidRequestHeader("Origin".into())));
        for offer in ["x\r\nY: z", "", "  "] {
            let req = ClientRequest::new("h").extension(offer);
            assert_eq!(request_text(req), Err(Error::InvalidRequestHeader("Sec-WebSocket-Extensions".into())));
        }
        let req = ClientRequest::new("h").header("X-Tab", "a\tb").header("X-Utf8", "caf\u{e9}");
        assert!(request_text(req).is_ok());
    }

    #[test]
    fn urls() {
        let h = || ClientRequest::new("example.com");
        for (url, expected) in [
            ("ws://example.com", h()),
            ("ws://example.com/", h()),
            ("ws://example.com:/", h()),
            ("wss://example.com", h().tls(true)),
            ("WSS://example.com:8443/chat?x=1&y", h().tls(true).port(8443).path("/chat?x=1&y")),
            ("ws://example.com?x", h().path("/?x")),
            ("http://example.com:80/a", h().port(80).path("/a")),
            ("https://example.com", h().tls(true)),
            ("ws://[::1]:9001/", ClientRequest::new("::1").port(9001)),
            ("ws://[fe80::1%25eth0]", ClientRequest::new("fe80::1%25eth0")),
            ("ws://127.0.0.1:1", ClientRequest::new("127.0.0.1").port(1)),
        ] {
            assert_eq!(ClientRequest::from_url(url), Ok(expected), "{url}");
        }
        for (url, what) in [
            ("example.com", "scheme"),
            ("ftp://example.com", "scheme"),
            ("ws:example.com", "scheme"),
            ("ws://example.com/#x", "fragment"),
            ("ws://example.com#", "fragment"),
            ("ws://example.com:99999", "port"),
            ("ws://example.com:+80", "port"),
            ("ws://example.com:8a", "port"),
            ("ws://example.com:80:80", "port"),
            ("ws://[::1]x", "port"),
            ("ws://[::1", "host"),
            ("ws://user@example.com", "host"),
            ("ws:///chat", "host"),
            ("ws://::1/", "port"),
            ("ws://example.com/a b", "path"),
        ] {
            assert_eq!(ClientRequest::from_url(url), Err(Error::InvalidUrl(what)), "{url}");
        }
    }

    #[test]
    fn good_response() {
        let mut client = client(&[]);
        let raw = edit(RESPONSE, "\r\n\r\n", "\r\nSec-WebSocket-Protocol: superchat\r\nX-Extra: 1\r\n\r\n");
        let res = response(&mut client, &raw).unwrap();
        assert_eq!((res.status, res.protocol.as_deref(), res.extensions.as_deref()), (101, Some("superchat"), None));
        assert_eq!(res.headers.len(), 5);
        assert_eq!(res.header("x-extra"), Some(&b"1"[..]));
        let res = response(&mut client, &edit(RESPONSE, "Upgrade\r\n", "keep-alive,  upgrade\r\n")).unwrap();
        assert_eq!(res.protocol, None);
    }

    /// One bad 101 per rule the client checks. The client offered `chat` and `superchat`, and no extension.
    macro_rules! bad_responses {
        ($($name:ident: $from:expr => $to:expr, $err:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(response(&mut client(&[]), &edit(RESPONSE, $from, $to)), Err($err));
            }
        )*};
    }

    const ACCEPT: &str = "Sec-WebSocket-Accept: {A}\r\n";
    const END: &str = "\r\n\r\n";

    mod bad_response {
        use super::*;

        bad_responses! {
            http_1_0_101: "HTTP/1.1" => "HTTP/1.0", Error::HttpVersion;
            http_2_101: "HTTP/1.1" => "HTTP/2", Error::HttpVersion;
            bad_status: "101" => "1x1", Error::MalformedHttp("status");
            missing_upgrade: UPGRADE => "", Error::BadHeader("Upgrade");
            upgrade_other: UPGRADE => "Upgrade: h2c\r\n", Error::BadHeader("Upgrade");
            upgrade_list: UPGRADE => "Upgrade: websocket, h2c\r\n", Error::BadHeader("Upgrade");
            two_upgrades: UPGRADE => "Upgrade: websocket\r\nUpgrade: websocket\r\n", Error::BadHeader("Upgrade");
            missing_connection: CONNECTION => "", Error::BadHeader("Connection");
            connection_close: CONNECTION => "Connection: close\r\n", Error::BadHeader("Connection");
            missing_accept: ACCEPT => "", Error::InvalidAccept;
            wrong_accept: "{A}" => "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Error::InvalidAccept;
            accept_other_case: "{A}" => &accept_key(KEY).to_lowercase(), Error::InvalidAccept;
            accept_of_key: "{A}" => KEY, Error::InvalidAccept;
            two_accepts: ACCEPT => "Sec-WebSocket-Accept: {A}\r\nSec-WebSocket-Accept: {A}\r\n",
                Error::BadHeader("Sec-WebSocket-Accept");
            protocol_not_offered: END => "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n", Error::UnexpectedProtocol("mqtt".into());
            protocol_other_case: END => "\r\nSec-WebSocket-Protocol: Chat\r\n\r\n", Error::UnexpectedProtocol("Chat".into());
            protocol_list: END => "\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n",
                Error::UnexpectedProtocol("chat, superchat".into());
            two_protocols: END => "\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
                Error::UnexpectedProtocol("chat, chat".into());
            empty_protocol: END => "\r\nSec-WebSocket-Protocol: \r\n\r\n", Error::UnexpectedProtocol("".into());
            extension_not_offered: END => "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
                Error::UnexpectedExtension("permessage-deflate".into());
            header_name_with_space: ACCEPT => "Sec-WebSocket-Accept : {A}\r\n", Error::MalformedHttp("header name");
        }
    }

    #[test]
    fn extensions_passed_on_when_offered() {
        let mut client = client(&["permessage-deflate; client_max_window_bits", "x-foo"]);
        let raw = edit(
            RESPONSE,
            END,
            "\r\nSec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: x-foo; y\r\n\r\n",
        );
        let res = response(&mut client, &raw).unwrap();
        assert_eq!(res.extensions.as_deref(), Some("permessage-deflate, x-foo; y"));
    }

    #[test]
    fn rejection_carries_status_headers_and_body() {
        let mut client = client(&[]);
        let raw = "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\nX-Why: origin\r\n\r\nnope!\r\nHTTP/1.1";
        let expected = Rejection {
            status: 403,
            reason: "Forbidden".into(),
            headers: vec![("Content-Length".into(), b"5".to_vec()), ("X-Why".into(), b"origin".to_vec())],
            body: b"nope!".to_vec(),
        };
        assert_eq!(response(&mut client, raw), Err(Error::Rejected(Box::new(expected.clone()))));
        // Only the body bytes already received.
        let head = raw.find("nope").unwrap();
        let err = response(&mut client, &raw[..head + 2]).unwrap_err();
        assert_eq!(err, Error::Rejected(Box::new(Rejection { body: b"no".to_vec(), ..expected })));
        assert_eq!(err.to_string(), "server answered 403 Forbidden instead of 101");
        // Capped, without Content-Length; and a Content-Length that does not parse is ignored.
        for raw in ["HTTP/1.1 500 Oops\r\n\r\n", "HTTP/1.1 500 Oops\r\nContent-Length: x\r\n\r\n"] {
            let raw = [raw.as_bytes(), &[b'a'; 2000]].concat();
            let Err(Error::Rejected(r)) = client.parse_response(&raw) else { panic!("not rejected") };
            assert_eq!((r.status, r.reason.as_str(), r.body.len()), (500, "Oops", MAX_REJECTION_BODY));
        }
        // Even a 200, and a 101 without the HTTP/1.1 checks being reached.
        let Err(Error::Rejected(r)) = response(&mut client, "HTTP/1.0 200 OK\r\n\r\n") else { panic!("not rejected") };
        assert_eq!((r.status, r.body.len()), (200, 0));
    }

    #[test]
    fn response_split_at_every_byte() {
        let head = edit(RESPONSE, END, "\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
        let frames = [0x81, 0x02, b'h', b'i', 0x89, 0x00];
        let whole = [head.as_bytes(), &frames].concat();
        let mut client = client(&[]);
        let Ok(Status::Complete(expected, n)) = client.parse_response(&whole) else { panic!("not complete") };
        assert_eq!((n, &whole[n..]), (head.len(), &frames[..]));
        for i in 0..head.len() {
            assert_eq!(client.parse_response(&whole[..i]), Ok(Status::Partial(i + 1)), "at {i}");
        }
        for i in head.len()..=whole.len() {
            assert_eq!(client.parse_response(&whole[..i]), Ok(Status::Complete(expected.clone(), n)), "at {i}");
        }
    }

    #[test]
    fn no_panic_on_garbage() {
        let mut client = client(&[]);
        let mut junk = Vec::new();
        for i in 0..4096u32 {
            junk.push((i.wrapping_mul(2_654_435_761) >> 13) as u8);
            let _ = client.parse_response(&junk);
            let _ = parse_request(&junk, &Limits::default());
        }
        let mut mixed = REQUEST.as_bytes().to_vec();
        for i in 0..mixed.len() {
            for b in [0u8, b'\r', b'\n', b':', b',', b' ', 0xff] {
                let saved = mixed[i];
                mixed[i] = b;
                let _ = parse_request(&mixed, &Limits::default());
                let _ = client.parse_response(&mixed);
                mixed[i] = saved;
            }
        }
    }
}
