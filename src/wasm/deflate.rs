//! permessage-deflate bindings: the client's offer and acceptance, the server's choice.
//!
//! Options come as a plain JS object, every field optional (the core's defaults otherwise):
//! `{ level, threshold, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits,
//! clientMaxWindowBits }` (a `null` `clientMaxWindowBits` means: do not offer it).

use alloc::string::String;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use super::{js_error, WasmConnection};
use crate::deflate::{self, DeflateConfig};

fn config(options: &JsValue) -> DeflateConfig {
    let mut cfg = DeflateConfig::default();
    if !options.is_object() {
        return cfg;
    }
    let get = |k: &str| Reflect::get(options, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let num = |k: &str| get(k).as_f64().filter(|n| n.is_finite() && *n >= 0.0);
    if let Some(n) = num("level") {
        cfg.level = n.min(9.0) as u8;
    }
    if let Some(n) = num("threshold") {
        cfg.threshold = n as usize;
    }
    if let Some(b) = get("serverNoContextTakeover").as_bool() {
        cfg.server_no_context_takeover = b;
    }
    if let Some(b) = get("clientNoContextTakeover").as_bool() {
        cfg.client_no_context_takeover = b;
    }
    if let Some(n) = num("serverMaxWindowBits") {
        cfg.server_max_window_bits = Some(n.clamp(8.0, 15.0) as u8);
    }
    match get("clientMaxWindowBits") {
        v if v.is_null() => cfg.client_max_window_bits = None,
        v => {
            if let Some(n) = v.as_f64() {
                cfg.client_max_window_bits = Some(n.clamp(8.0, 15.0) as u8);
            }
        }
    }
    cfg
}

/// The `Sec-WebSocket-Extensions` value a client offers (RFC 7692 §5).
#[wasm_bindgen(js_name = deflateOffer)]
pub fn deflate_offer(options: JsValue) -> String {
    deflate::client_offer(&config(&options))
}

#[wasm_bindgen]
impl WasmConnection {
    /// Client: accepts the server's `Sec-WebSocket-Extensions` answer to [`deflate_offer`] (with the same
    /// options) and turns compression on. Throws a `HybiError` for an answer the client did not offer or
    /// cannot honour (the connection must then be failed).
    #[wasm_bindgen(js_name = enableClientDeflate)]
    pub fn enable_client_deflate(&mut self, response: &str, options: JsValue) -> Result<(), JsValue> {
        let cfg = config(&options);
        let params = deflate::client_accept(&cfg, response).map_err(|e| js_error(&e))?;
        self.conn.enable_deflate(&params, &cfg);
        Ok(())
    }

    /// Server: picks the first of the client's offers (raw `Sec-WebSocket-Extensions` values) it can honour,
    /// turns compression on, and returns the value to answer with; `undefined` when none is acceptable.
    #[wasm_bindgen(js_name = enableServerDeflate)]
    pub fn enable_server_deflate(&mut self, offers: Array, options: JsValue) -> Option<String> {
        let cfg = config(&options);
        let offers: alloc::vec::Vec<String> = offers.iter().filter_map(|v| v.as_string()).collect();
        let (params, answer) = deflate::server_accept(&cfg, &offers)?;
        self.conn.enable_deflate(&params, &cfg);
        Some(answer)
    }

    /// Whether permessage-deflate is on.
    #[wasm_bindgen(getter, js_name = deflateEnabled)]
    pub fn deflate_enabled(&self) -> bool {
        self.conn.deflate_enabled()
    }
}
