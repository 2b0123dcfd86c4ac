//! permessage-deflate bindings: the client's offer and acceptance, the server's choice.
//!
//! Options come as a plain JS object, every field optional (the core's defaults otherwise):
//! `{ level, threshold, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits,
//! clientMaxWindowBits }` (a `null` `clientMaxWindowBits` means: do not offer it).

use alloc::string::String;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

use super::{js_error, WasmConnection};
use crate::deflate::{self, DeflateConfig};

fn config(options: &JsValue) -> DeflateConfig {
    let mut cfg = DeflateConfig::default();
    if !options.is_object() {
        return cfg;
    }
    // The fields present only, not a lookup per field: each lookup makes a JS string of its name, and the default
    // options (`{}`, on every client's first connection) then cost none (~0.3 ms of a cold start in Node).
    for entry in Object::entries(options.unchecked_ref()).iter() {
        let entry: Array = entry.unchecked_into();
        let (Some(key), v) = (entry.get(0).as_string(), entry.get(1)) else { continue };
        let num = v.as_f64().filter(|n| n.is_finite() && *n >= 0.0);
        match key.as_str() {
            "level" => {
                if let Some(n) = num {
                    cfg.level = n.min(9.0) as u8;
                }
            }
            "threshold" => {
                if let Some(n) = num {
                    cfg.threshold = n as usize;
                }
            }
            "serverNoContextTakeover" => {
                if let Some(b) = v.as_bool() {
                    cfg.server_no_context_takeover = b;
                }
            }
            "clientNoContextTakeover" => {
                if let Some(b) = v.as_bool() {
                    cfg.client_no_context_takeover = b;
                }
            }
            "serverMaxWindowBits" => {
                if let Some(n) = num {
                    cfg.server_max_window_bits = Some(n.clamp(8.0, 15.0) as u8);
                }
            }
            "clientMaxWindowBits" => {
                if v.is_null() {
                    cfg.client_max_window_bits = None;
                } else if let Some(n) = v.as_f64() {
                    cfg.client_max_window_bits = Some(n.clamp(8.0, 15.0) as u8);
                }
            }
            _ => {}
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
