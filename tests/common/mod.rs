//! Helpers shared by the integration tests.
#![allow(dead_code)]

use hybi::{CloseCode, Config, Connection, Error, Event, Rng, Role};

/// A deterministic stand-in for a CSPRNG: tests need reproducible keys.
#[derive(Clone, Default)]
pub struct TestRng(pub u32);

impl Rng for TestRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            // xorshift32
            let mut x = self.0 | 1;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            self.0 = x;
            *b = x as u8;
        }
        Ok(())
    }
}

/// An owned copy of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<(u16, String)>),
}

impl From<Event<'_>> for Ev {
    fn from(e: Event<'_>) -> Self {
        match e {
            Event::Text(t) => Ev::Text(t.to_owned()),
            Event::Binary(b) => Ev::Binary(b.to_vec()),
            Event::Ping(b) => Ev::Ping(b.to_vec()),
            Event::Pong(b) => Ev::Pong(b.to_vec()),
            Event::Close(f) => Ev::Close(f.map(|f| (f.code.0, f.reason.to_owned()))),
        }
    }
}

pub fn client() -> Connection<TestRng> {
    Connection::new(Role::Client, Config::default(), TestRng(7))
}

pub fn server() -> Connection<TestRng> {
    Connection::new(Role::Server, Config::default(), TestRng(9))
}

pub fn with_config(role: Role, config: Config) -> Connection<TestRng> {
    Connection::new(role, config, TestRng(11))
}

/// Feeds `bytes` in one call; returns the events and the result.
pub fn feed(conn: &mut Connection<TestRng>, bytes: &[u8]) -> (Vec<Ev>, Result<(), Error>) {
    let mut events = Vec::new();
    let r = conn.receive(bytes, |e| events.push(Ev::from(e)));
    (events, r)
}

/// Feeds `bytes` split into pieces of `step` bytes; stops at the first error.
pub fn feed_in(conn: &mut Connection<TestRng>, bytes: &[u8], step: usize) -> (Vec<Ev>, Result<(), Error>) {
    let mut events = Vec::new();
    for piece in bytes.chunks(step.max(1)) {
        let r = conn.receive(piece, |e| events.push(Ev::from(e)));
        if r.is_err() {
            return (events, r);
        }
    }
    (events, Ok(()))
}

/// Takes all pending output.
pub fn out(conn: &mut Connection<TestRng>) -> Vec<u8> {
    let mut v = Vec::new();
    conn.take_output(&mut v);
    v
}

/// The close code in an unmasked Close frame at the start of `bytes`, if that is what they hold.
pub fn close_code_in(bytes: &[u8]) -> Option<CloseCode> {
    match bytes {
        [0x88, len, hi, lo, ..] if *len >= 2 => Some(CloseCode(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
    }
}

/// Takes a `WasmConnection`'s output as the package does (lib/output.js): `prepareOutput`, a copy out of wasm
/// memory, `advanceOutput`.
#[cfg(target_arch = "wasm32")]
pub fn take_wasm_output(conn: &mut hybi::wasm::WasmConnection) -> Option<Vec<u8>> {
    use wasm_bindgen::JsCast;
    let ptr = conn.prepare_output() as u32;
    let n = conn.buffered_amount();
    if n == 0 {
        return None;
    }
    let memory = hybi::wasm::wasm_memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    // Allocated before the view is made: growing wasm memory would detach it.
    let mut out = vec![0; n];
    js_sys::Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), ptr, n as u32).copy_to(&mut out);
    conn.advance_output(n);
    Some(out)
}
