//! permessage-deflate through the wasm bindings (run with tests/wasm.rs by scripts/test-wasm.sh).
#![cfg(all(target_arch = "wasm32", feature = "deflate"))]

mod common;
use common::take_wasm_output;
use hybi::wasm::{deflate_offer, Sink, WasmConnection};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn sink() -> (Sink, Array) {
    let events = Array::new();
    let obj = Object::new();
    Reflect::set(&obj, &"events".into(), &events).unwrap();
    for kind in ["text", "binary", "ping", "pong", "close"] {
        let f = Function::new_with_args("p", "this.events.push(p)");
        Reflect::set(&obj, &kind.into(), &f).unwrap();
    }
    (obj.unchecked_into(), events)
}

#[wasm_bindgen_test]
fn negotiated_compression_round_trip() {
    let options = JsValue::UNDEFINED;
    let offer = deflate_offer(options.clone());
    assert!(offer.starts_with("permessage-deflate"), "{offer}");
    let mut server = WasmConnection::new(true, 0, 0, 0, true, 0);
    let answer = server.enable_server_deflate(Array::of1(&offer.clone().into()), options.clone()).unwrap();
    let mut client = WasmConnection::new(false, 0, 0, 0, true, 0);
    client.enable_client_deflate(&answer, options).unwrap();
    assert!(client.deflate_enabled() && server.deflate_enabled());

    let text = "compress me ".repeat(200);
    client.send_text(&text).unwrap();
    let wire = take_wasm_output(&mut client).unwrap();
    assert_eq!(wire[0], 0xc1, "RSV1 set on the compressed message");
    assert!(wire.len() < text.len() / 4);
    let (s, events) = sink();
    server.receive(wire, &s).unwrap();
    assert_eq!(events.get(0).as_string().unwrap(), text);
}

#[wasm_bindgen_test]
fn an_answer_that_was_not_offered_is_refused() {
    let mut client = WasmConnection::new(false, 0, 0, 0, true, 0);
    let err = client.enable_client_deflate("permessage-deflate; foo=1", JsValue::UNDEFINED).unwrap_err();
    assert_eq!(Reflect::get(&err, &"kind".into()).unwrap().as_string().unwrap(), "UnexpectedExtension");
}
