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

use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::connection::MessageKind;
use crate::frame::MAX_HEADER_LEN;
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
    static KEYS: RefCell<OsRng<4096>> = const { RefCell::new(OsRng::with_pool()) };
    /// Where JS writes a socket read before `receiveStaged`.
    static RECV: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Where the key pool draws from, if JS set a source (`setRandomSource`).
    static SOURCE: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// Where JS writes a message before `sendStaged` (one per instance: JS fills it and sends at once).
    static STAGE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Small output copied out of a connection by `takeOutput`, for JS to copy once more into its own buffer.
    static TAKEN: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The length of what `takeOutput` took (JS reads it at `takenLenAddr`: one call instead of two).
    static TAKEN_LEN: Cell<u32> = const { Cell::new(0) };
}

/// Output up to this many bytes is taken in one call (`takeOutput`); larger output is copied by JS straight out
/// of the connection's buffer (`prepareOutput`): around 2 KiB the second copy in wasm costs what two calls save
/// (4 KiB encode: about 830 ns with two more calls, 960 ns with the copy; Node 24).
const TAKE_SMALL: usize = 2 << 10;
/// Staging room above this size is freed by `unstage` (lib/output.js knows it as STAGE_KEPT). One room per
/// instance, not per connection: kept up to 1 MiB, sending messages that large repeatedly needs neither a new
/// room nor its zero fill each time (1 MiB encode 118 → 101 µs in Node 24, against a room freed after each).
const KEEP: usize = 1 << 20;

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

/// At least `len` bytes of `buf` (zero-filled when it grows) and where they start; 0 if `buf` is in use.
fn room(buf: &RefCell<Vec<u8>>, len: usize) -> usize {
    let Ok(mut b) = buf.try_borrow_mut() else { return 0 };
    if b.len() < len {
        b.resize(len, 0);
    }
    b.as_ptr() as usize
}

/// Hands one event to the JS sink.
fn deliver(sink: &Sink, event: Event<'_>) {
    match event {
        Event::Text(t) => sink.text(t),
        Event::Binary(b) => sink.binary(bytes(b)),
        Event::Ping(b) => sink.ping(bytes(b)),
        Event::Pong(b) => sink.pong(bytes(b)),
        Event::Close(Some(f)) => sink.close(f.code.0, f.reason),
        Event::Close(None) => sink.close(CloseCode::NO_STATUS.0, ""),
    }
}

/// A connection after the handshake, driven from JS.
#[wasm_bindgen]
pub struct WasmConnection {
    conn: Connection<SharedRng>,
    /// For `takeError`.
    error: Option<JsValue>,
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
        WasmConnection { conn: Connection::new(role, config, SharedRng), error: None }
    }

    /// Processes one read from the socket, calling `sink` for each event. Throws a `HybiError` on a protocol
    /// violation (the Close frame is then waiting in the output). `data` is the copy wasm-bindgen made into wasm
    /// memory, so a masked frame (what a server receives) is unmasked in place there rather than copied again.
    pub fn receive(&mut self, mut data: Vec<u8>, sink: &Sink) -> Result<(), JsValue> {
        receive_into(&mut self.conn, &mut data, u64::MAX, sink).map(drop)
    }

    /// Makes room for a socket read of `len` bytes and returns where JS writes it ([`wasm_memory`]); the place
    /// stays the same until a read needs more room, and the room is kept (the package uses it for reads up to
    /// 64 KiB, larger ones through `receive`).
    /// Returns 0 while a `receiveStaged` runs (from one of its sink's calls): then use `receive`.
    #[wasm_bindgen(js_name = receiveRoom)]
    pub fn receive_room(len: usize) -> usize {
        RECV.with(|r| room(r, len))
    }

    /// `receive` for the `len` bytes JS wrote where `receiveRoom` said: saves the allocation and free of
    /// `receive`'s argument, and its `Result` (a JS array per call). Returns 0, or `u32::MAX` on a protocol
    /// violation (`takeError` has the `HybiError`; the Close is then waiting in the output). Not re-entrant:
    /// while one runs (its `sink` called), another is refused.
    ///
    /// With `collect_min` > 0, it stops after the header of a binary message of at least that many bytes that
    /// JS can keep where it lies (`Connection::receive_collecting`) and returns 1 + the bytes it read: the
    /// next `bytesOwed` bytes from the peer are the message, which JS keeps, counts with `collected` and
    /// delivers itself (a large payload then never enters wasm memory).
    #[wasm_bindgen(js_name = receiveStaged)]
    pub fn receive_staged(&mut self, len: usize, sink: &Sink, collect_min: usize) -> u32 {
        let r = RECV.with(|r| {
            let Ok(mut r) = r.try_borrow_mut() else {
                return Err(js_sys::Error::new("receiveStaged is not re-entrant").into());
            };
            let Some(data) = r.get_mut(..len) else {
                return Err(js_sys::RangeError::new("more bytes than receiveRoom made room for").into());
            };
            let min = if collect_min == 0 { u64::MAX } else { collect_min as u64 };
            receive_into(&mut self.conn, data, min, sink)
        });
        match r {
            Ok(None) => 0,
            // `used` ≤ `len` ≤ the room's size, far below u32::MAX - 1.
            Ok(Some(used)) => used as u32 + 1,
            Err(e) => self.refused(e),
        }
    }

    /// Counts `n` more bytes of the payload JS collects (after `receiveStaged` stopped for it): 1 once all of it
    /// has come (JS delivers the message), 0 while more is owed, `u32::MAX` if more than owed or nothing is
    /// collected (`takeError`; the connection is unchanged).
    pub fn collected(&mut self, n: usize) -> u32 {
        match self.conn.collected(n) {
            Ok(done) => u32::from(done),
            Err(e) => self.refused(js_error(&e)),
        }
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

    /// Makes room for a message of `len` bytes, with room for its frame's header before it, and returns where
    /// JS writes it in wasm memory ([`wasm_memory`]); `sendStaged` then sends it. Saves the allocation and free
    /// of `sendBinary`'s or `sendText`'s argument, and often the copy into the connection's output. The place is
    /// the same for every message until one needs more room than the last `stage` gave, or `unstage` frees it:
    /// JS calls `stage` only then. Returns 0 while a `sendStaged` runs (from a JS call it makes, such as the
    /// random source): then use `sendBinary`.
    pub fn stage(len: usize) -> usize {
        STAGE.with(|s| match room(s, MAX_HEADER_LEN.saturating_add(len)) {
            0 => 0,
            at => at + MAX_HEADER_LEN,
        })
    }

    /// Frees the staging room if a message larger than 1 MiB made it grow (lib/output.js calls it once it has
    /// copied such a message's frame out, or queued it); the next `stage` makes room again.
    pub fn unstage() {
        STAGE.with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if s.capacity() > MAX_HEADER_LEN + KEEP {
                    *s = Vec::new();
                }
            }
        });
    }

    /// Sends the message of `len` bytes that JS wrote where `stage` said (text: UTF-8, checked as `sendText`
    /// does). Returns the bytes now buffered; or, with `take`, what `takeOutput` returns, the output taken in
    /// the same call: when nothing was waiting to be written, the frame is built around the message where it
    /// lies (`Connection::frame_in_place`) and this is where it starts, valid until the next `stage` or
    /// `unstage`. Or `u32::MAX` if the core refused the message: `takeError` then has the `HybiError`. (A
    /// `Result` would cost a JS array per call to return.)
    #[wasm_bindgen(js_name = sendStaged)]
    pub fn send_staged(&mut self, len: usize, is_text: bool, take: bool) -> usize {
        let kind = if is_text { MessageKind::Text } else { MessageKind::Binary };
        let fragment_size = self.conn.config().fragment_size;
        let r = STAGE.with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else {
                return Err(js_sys::Error::new("sendStaged is not re-entrant").into());
            };
            let Some(buf) = MAX_HEADER_LEN.checked_add(len).and_then(|end| s.get_mut(..end)) else {
                return Err(js_sys::RangeError::new("more bytes than staged").into());
            };
            if take {
                match self.conn.frame_in_place(kind, buf) {
                    Ok(Some(start)) => return Ok(Some((buf.as_ptr() as usize + start, buf.len() - start))),
                    Ok(None) => {}
                    Err(e) => return Err(js_error(&e)),
                }
            }
            let r = self.conn.send_message(kind, &buf[MAX_HEADER_LEN..], fragment_size);
            r.map(|()| None).map_err(|e| js_error(&e))
        });
        match r {
            Ok(Some((frame, n))) => {
                TAKEN_LEN.with(|l| l.set(n as u32));
                frame
            }
            Ok(None) if take => self.take_output(),
            Ok(None) => self.conn.buffered_amount(),
            Err(e) => self.refused(e) as usize,
        }
    }

    /// Queues only the header of a binary message of `len` bytes whose payload JS writes itself
    /// (`Connection::send_binary_header`): returns 1 if it did (JS must then take the whole output and write the
    /// payload right after it), 0 if the connection frames this message itself, `u32::MAX` if it refused
    /// (`takeError`).
    #[wasm_bindgen(js_name = sendBinaryHeader)]
    pub fn send_binary_header(&mut self, len: usize) -> u32 {
        match self.conn.send_binary_header(len) {
            Ok(queued) => u32::from(queued),
            Err(e) => self.refused(js_error(&e)),
        }
    }

    /// Keeps `e` for `takeError` and returns the failure value (`u32::MAX`).
    fn refused(&mut self, e: JsValue) -> u32 {
        self.error = Some(e);
        u32::MAX
    }

    /// The error of the last call that returned its failure value, once.
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().unwrap_or_default()
    }

    /// Takes all the output if it is at most 2 KiB: copies it out of the connection, marks it written and returns
    /// where the copy is (valid until the next call into this wasm instance); its length is at `takenLenAddr`.
    /// Returns 0 with that length set when there is more: then copy it with `prepareOutput` and `advanceOutput`.
    #[wasm_bindgen(js_name = takeOutput)]
    pub fn take_output(&mut self) -> usize {
        let n = self.conn.output().len();
        TAKEN_LEN.with(|l| l.set(n as u32));
        if n > TAKE_SMALL {
            return 0;
        }
        TAKEN.with(|t| {
            // In use only if a JS call made from inside this one took output: leave it to prepareOutput.
            let Ok(mut t) = t.try_borrow_mut() else { return 0 };
            t.clear();
            self.conn.take_output(&mut t);
            t.as_ptr() as usize
        })
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

/// Both receives' one body (`Connection::receive_collecting`; `min` u64::MAX never stops to collect): a copy of the
/// receive loop, with its sink calls, in each would be 2.7 KB more wasm.
fn receive_into(
    conn: &mut Connection<SharedRng>,
    data: &mut [u8],
    min: u64,
    sink: &Sink,
) -> Result<Option<usize>, JsValue> {
    conn.receive_collecting(data, min, |event| deliver(sink, event)).map_err(|e| js_error(&e))
}

/// Where in wasm memory `takeOutput` leaves the length of what it took (a `u32`).
#[wasm_bindgen(js_name = takenLenAddr)]
pub fn taken_len_addr() -> usize {
    TAKEN_LEN.with(|l| l.as_ptr() as usize)
}

/// The wasm's allocator: talc instead of the standard library's dlmalloc, for size (the runtime wasm without
/// deflate: 2.3 KB smaller gzip); in the echo benchmarks faster at 64 KiB, slower at 1 MiB in Deno (README,
/// Performance). It grows wasm memory as needed.
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
