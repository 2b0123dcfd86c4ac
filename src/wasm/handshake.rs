//! Handshake bindings: the client's request and response check, the server's request check and answers.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::{js_error, SharedRng};
use crate::handshake::{self, ClientHandshake, ClientRequest, Limits, Request, Status};

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &key.into(), &value.into());
}

fn limits(max_head: usize, max_headers: usize) -> Limits {
    let mut l = Limits::DEFAULT;
    if max_head > 0 {
        l.max_head = max_head;
    }
    if max_headers > 0 {
        l.max_headers = max_headers;
    }
    l
}

/// `[[name, value], …]` with values decoded as Latin-1 (as HTTP header values are bytes).
pub(crate) fn headers_js(headers: &[(String, Vec<u8>)]) -> Array {
    headers
        .iter()
        .map(|(n, v)| {
            let value: String = v.iter().map(|&b| char::from(b)).collect();
            Array::of2(&n.into(), &value.into())
        })
        .collect()
}

fn strings(list: &[String]) -> Array {
    list.iter().map(|s| JsValue::from(s.as_str())).collect()
}

/// `[[name, value], …]` from JS into owned pairs; anything not a string pair is refused.
fn pairs(headers: &Array) -> Result<Vec<(String, String)>, JsValue> {
    headers
        .iter()
        .map(|pair| {
            let pair: Array =
                pair.dyn_into().map_err(|_| js_sys::TypeError::new("headers must be [name, value] pairs"))?;
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(n), Some(v)) => Ok((n, v)),
                _ => Err(js_sys::TypeError::new("header names and values must be strings").into()),
            }
        })
        .collect()
}

/// A client's opening handshake: the request to send, then the check of the server's answer.
#[wasm_bindgen]
pub struct WasmClientHandshake {
    request: Vec<u8>,
    state: ClientHandshake,
}

#[wasm_bindgen]
impl WasmClientHandshake {
    /// Builds the request. `port` 0 means the scheme's default; `headers` is `[[name, value], …]`.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(constructor)]
    pub fn new(
        host: &str,
        port: u16,
        tls: bool,
        path: &str,
        origin: Option<String>,
        protocols: Array,
        extensions: Option<String>,
        headers: Array,
        max_head: usize,
        max_headers: usize,
    ) -> Result<WasmClientHandshake, JsValue> {
        let mut req = ClientRequest::new(host).tls(tls).path(path).limits(limits(max_head, max_headers));
        if port != 0 {
            req = req.port(port);
        }
        if let Some(origin) = origin {
            req = req.origin(origin);
        }
        for p in protocols.iter() {
            req = req.protocol(p.as_string().ok_or_else(|| js_sys::TypeError::new("protocols must be strings"))?);
        }
        if let Some(ext) = extensions {
            req = req.extension(ext);
        }
        for (n, v) in pairs(&headers)? {
            req = req.header(n, v);
        }
        let (request, state) = req.build(&mut SharedRng).map_err(|e| js_error(&e))?;
        Ok(WasmClientHandshake { request, state })
    }

    /// The request bytes to write.
    #[wasm_bindgen(getter)]
    pub fn request(&self) -> Uint8Array {
        Uint8Array::from(&self.request[..])
    }

    /// Checks the bytes received so far: `undefined` while the head is incomplete, else
    /// `{ status, headers, protocol, extensions, headLength }`; bytes after `headLength` are frames.
    /// Throws a `HybiError` (for a non-101 answer, with `status`, `headers` and `body`).
    pub fn parse(&mut self, buf: &[u8]) -> Result<JsValue, JsValue> {
        match self.state.parse_response(buf).map_err(|e| js_error(&e))? {
            Status::Partial(_) => Ok(JsValue::UNDEFINED),
            Status::Complete(resp, n) => {
                let o = Object::new();
                set(&o, "status", resp.status);
                set(&o, "headers", headers_js(&resp.headers));
                set(&o, "protocol", resp.protocol.unwrap_or_default());
                set(&o, "extensions", resp.extensions.unwrap_or_default());
                set(&o, "headLength", n as u32);
                Ok(o.into())
            }
        }
    }
}

fn request_js(req: &Request) -> Object {
    let o = Object::new();
    set(&o, "method", req.method.as_str());
    set(&o, "path", req.path.as_str());
    set(&o, "host", req.host.as_str());
    set(&o, "key", req.key.as_str());
    set(&o, "origin", req.origin.as_deref().map_or(JsValue::NULL, JsValue::from));
    set(&o, "protocols", strings(&req.protocols));
    set(&o, "extensions", strings(&req.extensions));
    set(&o, "headers", headers_js(&req.headers));
    o
}

/// The server's check of a request head in raw bytes: `undefined` while incomplete, else the request
/// (`{ method, path, host, key, origin, protocols, extensions, headers, headLength }`). Throws a
/// `HybiError` whose `response` holds the HTTP answer to send (400, 405, 426, 431 …).
#[wasm_bindgen(js_name = parseRequest)]
pub fn parse_request(buf: &[u8], max_head: usize, max_headers: usize) -> Result<JsValue, JsValue> {
    match handshake::parse_request(buf, &limits(max_head, max_headers)) {
        Ok(Status::Partial(_)) => Ok(JsValue::UNDEFINED),
        Ok(Status::Complete(req, n)) => {
            let o = request_js(&req);
            set(&o, "headLength", n as u32);
            Ok(o.into())
        }
        Err(e) => Err(rejecting(&e)),
    }
}

/// The same checks on a request another HTTP stack already parsed (Node's `upgrade` event).
/// `headers` is `[[name, value], …]`.
#[wasm_bindgen(js_name = validateRequest)]
pub fn validate_request(method: &str, path: &str, major: u8, minor: u8, headers: Array) -> Result<JsValue, JsValue> {
    let owned = pairs(&headers)?;
    let iter = owned.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
    match handshake::validate_request(method, path, (major, minor), iter) {
        Ok(req) => Ok(request_js(&req).into()),
        Err(e) => Err(rejecting(&e)),
    }
}

fn rejecting(e: &crate::Error) -> JsValue {
    let err = js_error(e);
    let _ = Reflect::set(&err, &"response".into(), &Uint8Array::from(&handshake::error_response(e)[..]));
    err
}

/// The 101 answer for a valid request (`headers` is `[[name, value], …]`).
#[wasm_bindgen(js_name = buildResponse)]
pub fn build_response(
    key: &str,
    protocol: Option<String>,
    extensions: Option<String>,
    headers: Array,
) -> Result<Uint8Array, JsValue> {
    let owned = pairs(&headers)?;
    let list: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    handshake::build_response(key, protocol.as_deref(), extensions.as_deref(), &list)
        .map(|r| Uint8Array::from(&r[..]))
        .map_err(|e| js_error(&e))
}

/// A refusal: `status`, headers (`[[name, value], …]`) and body.
#[wasm_bindgen(js_name = buildRejection)]
pub fn build_rejection(status: u16, headers: Array, body: &[u8]) -> Result<Uint8Array, JsValue> {
    let owned = pairs(&headers)?;
    let list: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    handshake::build_rejection(status, &list, body).map(|r| Uint8Array::from(&r[..])).map_err(|e| js_error(&e))
}
