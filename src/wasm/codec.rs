//! Frame inspector bindings (the `www/` page, and the npm package's `hybi/codec`): inspect captured bytes and
//! compose a message into frames. Results are plain JS objects; every byte array is an owned copy. (The page's
//! handshake view uses the handshake bindings: `WasmClientHandshake`, `parseRequest`, `buildResponse`.)

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::inspect::{self, Compose, FrameInfo, InspectError, Inspection, Kind, LengthForm, Message, Options};
use crate::{CloseCode, Error, OpCode, Role};

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &key.into(), &value.into());
}

fn opt<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::NULL, Into::into)
}

fn opcode_name(op: OpCode) -> &'static str {
    match op {
        OpCode::Continuation => "continuation",
        OpCode::Text => "text",
        OpCode::Binary => "binary",
        OpCode::Close => "close",
        OpCode::Ping => "ping",
        OpCode::Pong => "pong",
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Server => "server",
    }
}

/// `{ kind, message, closeCode, section }` for an error; `kind` is the variant's name.
fn error_js(e: &Error) -> Object {
    let o = Object::new();
    set(&o, "kind", e.kind());
    set(&o, "message", e.message());
    set(&o, "closeCode", opt(e.close_code().map(|c| c.0)));
    set(&o, "section", inspect::rule_section(e));
    o
}

fn frame_js(f: &FrameInfo) -> Object {
    let o = Object::new();
    set(&o, "offset", f.offset as u32);
    set(&o, "headerLength", f.header_len as u32);
    set(&o, "fin", f.fin);
    set(&o, "rsv", f.rsv);
    set(&o, "opcode", f.opcode as u8);
    set(&o, "opcodeName", opcode_name(f.opcode));
    set(&o, "control", f.opcode.is_control());
    set(&o, "masked", f.masked());
    set(&o, "maskKey", opt(f.mask.map(|k| Uint8Array::from(&k[..]))));
    set(&o, "len7", f.len7);
    let bits = match f.length_form {
        LengthForm::Bits7 => 7,
        LengthForm::Bits16 => 16,
        LengthForm::Bits64 => 64,
    };
    set(&o, "lengthBits", bits);
    set(&o, "payloadOffset", f.payload_offset as u32);
    // Up to 2^63 - 1: exact as a JS number up to 2^53.
    set(&o, "payloadLength", f.payload_len as f64);
    set(&o, "payload", Uint8Array::from(&f.payload[..]));
    set(&o, "message", opt(f.message.map(|m| m as u32)));
    o
}

fn message_js(m: &Message) -> Object {
    let o = Object::new();
    set(&o, "opcode", m.opcode as u8);
    set(&o, "kind", opcode_name(m.opcode));
    set(&o, "frames", m.frames.iter().map(|&i| JsValue::from(i as u32)).collect::<Array>());
    set(&o, "compressed", m.compressed);
    set(&o, "inflated", opt(m.inflated.as_deref().map(Uint8Array::from)));
    set(&o, "complete", m.complete);
    set(&o, "data", Uint8Array::from(&m.data[..]));
    set(&o, "text", opt(m.text()));
    set(&o, "closeCode", opt(m.close_code.map(|c| c.0)));
    set(&o, "reason", opt(m.close_reason()));
    o
}

fn inspection_js(ins: &Inspection) -> Object {
    let o = Object::new();
    set(&o, "sender", opt(ins.sender.map(role_name)));
    set(&o, "frames", ins.frames.iter().map(|f| JsValue::from(frame_js(f))).collect::<Array>());
    set(&o, "messages", ins.messages.iter().map(|m| JsValue::from(message_js(m))).collect::<Array>());
    set(
        &o,
        "error",
        opt(ins.error.as_ref().map(|InspectError { offset, frame, error }| {
            let e = error_js(error);
            set(&e, "offset", *offset as u32);
            set(&e, "frame", opt(frame.map(|f| f as u32)));
            e
        })),
    );
    set(
        &o,
        "truncated",
        opt(ins.truncated.map(|t| {
            let e = Object::new();
            set(&e, "offset", t.offset as u32);
            set(&e, "frame", opt(t.frame.map(|f| f as u32)));
            set(&e, "missing", t.missing as f64);
            set(&e, "exact", t.exact);
            e
        })),
    );
    set(&o, "afterClose", opt(ins.after_close.map(|p| p as u32)));
    set(&o, "frameLimit", opt(ins.frame_limit.map(|p| p as u32)));
    o
}

/// Splits captured bytes into frames: `{ sender, frames, messages, error, truncated, afterClose, frameLimit }`.
///
/// `sender` is `"client"` or `"server"` (from the first MASK bit). Each frame: `{ offset, headerLength, fin, rsv,
/// opcode, opcodeName, control, masked, maskKey, len7, lengthBits (7, 16, 64), payloadOffset, payloadLength,
/// payload (unmasked; only the bytes present), message }`. Each message: `{ opcode, kind, frames, compressed,
/// inflated, complete, data, text, closeCode, reason }`. `error`: `{ offset, frame, kind, message, closeCode,
/// section }` for the first rule broken. `truncated`: `{ offset, frame, missing, exact }` when the input ends
/// inside a frame. `deflate` reads RSV1 as permessage-deflate (compressed messages are inflated).
#[wasm_bindgen(js_name = inspect)]
pub fn inspect_js(bytes: &[u8], deflate: bool) -> JsValue {
    let options = Options { deflate, ..Options::default() };
    inspection_js(&inspect::inspect(bytes, &options)).into()
}

/// Composes a message into frames and inspects them: the same object as [`inspect_js`] plus `bytes`, every frame
/// on the wire. `kind` is text, binary, ping, pong or close; for close, `payload` is the reason (UTF-8) and
/// `closeCode` 0 sends no code. `mask` (4 bytes) is the client's key for every frame; without it each frame gets a
/// fresh random key. `fragmentSize` 0 sends one frame; `injectPing` puts a Ping between the first two fragments;
/// `compress` compresses with permessage-deflate (if built in). Throws a `HybiError` for what may not be sent.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = compose)]
pub fn compose_js(
    client: bool,
    kind: &str,
    payload: &[u8],
    mask: Option<Vec<u8>>,
    fragment_size: usize,
    inject_ping: bool,
    close_code: u16,
    compress: bool,
) -> Result<JsValue, JsValue> {
    let kind = match kind {
        "text" => Kind::Text,
        "binary" => Kind::Binary,
        "ping" => Kind::Ping,
        "pong" => Kind::Pong,
        "close" => Kind::Close,
        _ => return Err(js_sys::TypeError::new("kind must be text, binary, ping, pong or close").into()),
    };
    let mask = match mask {
        None => None,
        Some(m) => Some(<[u8; 4]>::try_from(&m[..]).map_err(|_| js_sys::TypeError::new("mask must be 4 bytes"))?),
    };
    let spec = Compose {
        role: if client { Role::Client } else { Role::Server },
        kind,
        payload,
        close_code: (close_code != 0).then_some(CloseCode(close_code)),
        mask,
        fragment_size,
        inject_ping,
        compress,
    };
    let composed = inspect::compose(&spec, &mut super::SharedRng).map_err(|e| js_error(&e))?;
    let o = inspection_js(&composed.inspection);
    set(&o, "bytes", Uint8Array::from(&composed.bytes[..]));
    Ok(o.into())
}

/// Whether this build inflates and compresses permessage-deflate messages.
#[wasm_bindgen(js_name = deflateSupported)]
pub fn deflate_supported() -> bool {
    cfg!(feature = "deflate")
}

// The two helpers below are the page's and `hybi/codec`'s; the package's runtime JS calls neither.

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
    Ok(Uint8Array::from(&v[..]))
}
