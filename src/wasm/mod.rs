//! The wasm-bindgen layer: a thin shell over the core, compiled only for `wasm32`.
//!
//! One call per socket read ([`WasmConnection::receive`]); each payload crosses the boundary once each way.
//! Everything handed to JS is an owned copy: no view into wasm memory escapes.

extern crate std;

// The inspector's bindings: only in the codec wasm (scripts/build-wasm.sh), not in the one `import "hybi"` loads.
#[cfg(feature = "codec")]
mod codec;
#[cfg(feature = "deflate")]
mod deflate;
#[cfg(feature = "deflate")]
pub use deflate::deflate_offer;
pub mod handshake;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::connection::MessageKind;
use crate::{CloseCode, Config, Connection, Error, Event, OsRng, Rng, Role};

#[wasm_bindgen]
extern "C" {
    /// The JS object that receives a connection's events (one method per event).
    pub type Sink;
    #[wasm_bindgen(method)]
    fn text(this: &Sink, text: &str);
    #[wasm_bindgen(method)]
    fn binary(this: &Sink, data: Uint8Array);
    #[wasm_bindgen(method)]
    fn ping(this: &Sink, data: Uint8Array);
    #[wasm_bindgen(method)]
    fn pong(this: &Sink, data: Uint8Array);
    /// `code` is 1005 when the Close carried no status (RFC 6455 §7.1.5).
    #[wasm_bindgen(method)]
    fn close(this: &Sink, code: u16, reason: &str);
}

/// Turns a core error into a JS `Error` whose `name` is `HybiError`, with `kind` (the rule broken),
/// `closeCode` (what the connection was failed with) and `status` (the HTTP status a server answers).
pub(crate) fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    err.set_name("HybiError");
    let kind = e.kind();
    let _ = Reflect::set(&err, &"kind".into(), &kind.into());
    if let Some(code) = e.close_code() {
        let _ = Reflect::set(&err, &"closeCode".into(), &code.0.into());
    }
    if let Some(status) = e.http_status() {
        let _ = Reflect::set(&err, &"status".into(), &status.into());
    }
    if let Error::Rejected(r) = e {
        let _ = Reflect::set(&err, &"status".into(), &r.status.into());
        let _ = Reflect::set(&err, &"headers".into(), &handshake::headers_js(&r.headers));
        let _ = Reflect::set(&err, &"body".into(), &bytes(&r.body));
    }
    err.into()
}

fn bytes(data: &[u8]) -> Uint8Array {
    Uint8Array::from(data)
}

std::thread_local! {
    static KEYS: core::cell::RefCell<OsRng<4096>> = const { core::cell::RefCell::new(OsRng::with_pool()) };
    static SOURCE: core::cell::RefCell<Option<js_sys::Function>> = const { core::cell::RefCell::new(None) };
}

/// Masking keys (RFC 6455 §5.3) for every connection of this wasm instance, from one pool drawn 4 KiB at a time:
/// `crypto.getRandomValues` costs about 2 µs per call in Node whatever its size up to 4 KiB, more than framing a
/// small message, and a pool per connection would cost each one its bytes. Handshake keys come from it too.
pub(crate) struct SharedRng;

impl Rng for SharedRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        KEYS.with(|k| k.try_borrow_mut().map_err(|_| Error::Random)?.fill_from(dest, fill_from_source))
    }
}

/// Sets the CSPRNG the pool draws from: `fill(Uint8Array)` fills its argument with random bytes (or throws).
/// Without one, `crypto.getRandomValues`. Node's entry installs the OS's own: the first touch of
/// `globalThis.crypto` loads Node's WebCrypto, about 4 ms of a cold start before the first handshake key.
#[wasm_bindgen(js_name = setRandomSource)]
pub fn set_random_source(fill: js_sys::Function) {
    SOURCE.with(|s| *s.borrow_mut() = Some(fill));
}

fn fill_from_source(dest: &mut [u8]) -> Result<(), Error> {
    SOURCE.with(|s| match s.borrow().as_ref() {
        Some(fill) => {
            let buf = Uint8Array::new_with_length(dest.len() as u32);
            fill.call1(&JsValue::NULL, &buf).map_err(|_| Error::Random)?;
            buf.copy_to(dest);
            Ok(())
        }
        None => getrandom::fill(dest).map_err(|_| Error::Random),
    })
}

/// A connection after the handshake, driven from JS.
#[wasm_bindgen]
pub struct WasmConnection {
    conn: Connection<SharedRng>,
}

#[wasm_bindgen]
impl WasmConnection {
    /// A connection; a limit of 0 keeps the core's default.
    #[wasm_bindgen(constructor)]
    pub fn new(
        is_server: bool,
        max_frame_size: usize,
        max_message_size: usize,
        max_fragments: usize,
        auto_pong: bool,
        fragment_size: usize,
    ) -> WasmConnection {
        let mut config = Config::default();
        if max_frame_size > 0 {
            config.max_frame_size = max_frame_size;
        }
        if max_message_size > 0 {
            config.max_message_size = max_message_size;
        }
        if max_fragments > 0 {
            config.max_fragments = max_fragments;
        }
        config.auto_pong = auto_pong;
        config.fragment_size = fragment_size;
        let role = if is_server { Role::Server } else { Role::Client };
        WasmConnection { conn: Connection::new(role, config, SharedRng) }
    }

    /// Processes one read from the socket, calling `sink` for each event. Throws a `HybiError` on a protocol
    /// violation (the Close frame is then waiting in the output). `data` is the copy wasm-bindgen made into wasm
    /// memory, so a masked frame (what a server receives) is unmasked in place there rather than copied again.
    pub fn receive(&mut self, mut data: Vec<u8>, sink: &Sink) -> Result<(), JsValue> {
        self.conn
            .receive_mut(&mut data, |event| match event {
                Event::Text(t) => sink.text(t),
                Event::Binary(b) => sink.binary(bytes(b)),
                Event::Ping(b) => sink.ping(bytes(b)),
                Event::Pong(b) => sink.pong(bytes(b)),
                Event::Close(Some(f)) => sink.close(f.code.0, f.reason),
                Event::Close(None) => sink.close(CloseCode::NO_STATUS.0, ""),
            })
            .map_err(|e| js_error(&e))
    }

    /// Queues a text message.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&mut self, text: &str) -> Result<(), JsValue> {
        self.conn.send_text(text).map_err(|e| js_error(&e))
    }

    /// Queues a binary message.
    #[wasm_bindgen(js_name = sendBinary)]
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), JsValue> {
        self.conn.send_binary(data).map_err(|e| js_error(&e))
    }

    /// Queues one fragment of a message sent in pieces.
    #[wasm_bindgen(js_name = sendFragment)]
    pub fn send_fragment(&mut self, is_text: bool, data: &[u8], fin: bool) -> Result<(), JsValue> {
        let kind = if is_text { MessageKind::Text } else { MessageKind::Binary };
        self.conn.send_fragment(kind, data, fin).map_err(|e| js_error(&e))
    }

    /// Queues a Ping.
    pub fn ping(&mut self, data: &[u8]) -> Result<(), JsValue> {
        self.conn.ping(data).map_err(|e| js_error(&e))
    }

    /// Queues a Pong.
    pub fn pong(&mut self, data: &[u8]) -> Result<(), JsValue> {
        self.conn.pong(data).map_err(|e| js_error(&e))
    }

    /// Queues a Close; `code` 0 sends a Close without a status.
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), JsValue> {
        let code = (code != 0).then_some(CloseCode(code));
        self.conn.close(code, reason).map_err(|e| js_error(&e))
    }

    /// Makes every byte waiting to be written ready to copy and returns where it starts in wasm memory
    /// ([`wasm_memory`]); `bufferedAmount` is its length. The bytes stay there until the next call on this
    /// connection: copy them, then call `advanceOutput`. (The package copies them into a buffer of its own
    /// choosing, pooled for small writes, rather than have wasm allocate one per write: lib/output.js.)
    #[wasm_bindgen(js_name = prepareOutput)]
    pub fn prepare_output(&mut self) -> usize {
        self.conn.output().as_ptr() as usize
    }

    /// Marks the first `n` bytes of the output as written.
    #[wasm_bindgen(js_name = advanceOutput)]
    pub fn advance_output(&mut self, n: usize) {
        self.conn.advance_output(n);
    }

    /// Bytes queued and not yet taken.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> usize {
        self.conn.buffered_amount()
    }

    /// Bytes the peer must still send to finish the frame being read (`Connection::bytes_owed`), at most
    /// `u32::MAX`: a read may wait for that many (a BYOB read's `min`) without risk of waiting forever.
    #[wasm_bindgen(getter, js_name = bytesOwed)]
    pub fn bytes_owed(&self) -> u32 {
        u32::try_from(self.conn.bytes_owed()).unwrap_or(u32::MAX)
    }

    /// Whether messages can still be sent.
    #[wasm_bindgen(getter, js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.conn.is_open()
    }

    /// Whether a Close was sent.
    #[wasm_bindgen(getter, js_name = closeSent)]
    pub fn close_sent(&self) -> bool {
        self.conn.close_sent()
    }

    /// Whether the peer's Close was received.
    #[wasm_bindgen(getter, js_name = closeReceived)]
    pub fn close_received(&self) -> bool {
        self.conn.close_received()
    }

    /// Whether the owner should close the transport now (RFC 6455 §7.1.1).
    #[wasm_bindgen(getter, js_name = shouldCloseTransport)]
    pub fn should_close_transport(&self) -> bool {
        self.conn.should_close_transport()
    }
}

/// The wasm instance's memory (for copying output out of it without an allocation per write: `prepareOutput`).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2).
#[wasm_bindgen(js_name = acceptKey)]
pub fn accept_key(key: &str) -> String {
    crate::handshake::accept_key(key)
}

/// XORs `data` with `key` (4 bytes) as if it started at payload byte `offset`; returns the result.
#[wasm_bindgen]
pub fn mask(data: Vec<u8>, key: &[u8], offset: usize) -> Result<Uint8Array, JsValue> {
    // `data` is already the copy wasm-bindgen made into wasm memory: mask it in place.
    let key: [u8; 4] = key.try_into().map_err(|_| JsValue::from(js_sys::TypeError::new("mask key must be 4 bytes")))?;
    let mut v = data;
    crate::mask::apply(&mut v, key, offset);
    Ok(bytes(&v))
}
