//! The wasm-bindgen layer, run by `wasm-bindgen-test-runner` in Node, in headless Chromium and Firefox,
//! in a page and in a dedicated worker (`scripts/test-wasm.sh` runs each).
#![cfg(target_arch = "wasm32")]

mod common;
use common::take_wasm_output;
use hybi::wasm::handshake::{build_response, parse_request, WasmClientHandshake};
use hybi::wasm::{Sink, WasmConnection};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A sink that records `[kind, payload]` pairs in `sink.events`.
fn sink() -> (Sink, Array) {
    let events = Array::new();
    let obj = Object::new();
    Reflect::set(&obj, &"events".into(), &events).unwrap();
    for kind in ["text", "binary", "ping", "pong"] {
        let f = Function::new_with_args("p", &format!("this.events.push(['{kind}', p])"));
        Reflect::set(&obj, &kind.into(), &f).unwrap();
    }
    let close = Function::new_with_args("c, r", "this.events.push(['close', c, r])");
    Reflect::set(&obj, &"close".into(), &close).unwrap();
    (obj.unchecked_into(), events)
}

fn server() -> WasmConnection {
    WasmConnection::new(true, 0, 0, 0, true, 0)
}

fn client() -> WasmConnection {
    WasmConnection::new(false, 0, 0, 0, true, 0)
}

#[wasm_bindgen_test]
fn rfc_masked_hello_arrives_as_text() {
    let (sink, events) = sink();
    let mut s = server();
    s.receive(vec![0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58], &sink).unwrap();
    assert_eq!(events.length(), 1);
    let ev: Array = events.get(0).unchecked_into();
    assert_eq!(ev.get(0).as_string().unwrap(), "text");
    assert_eq!(ev.get(1).as_string().unwrap(), "Hello");
}

#[wasm_bindgen_test]
fn client_frames_are_masked_with_fresh_keys_from_the_platform_rng() {
    let mut c = client();
    c.send_text("Hello").unwrap();
    c.send_text("Hello").unwrap();
    let out = take_wasm_output(&mut c).unwrap();
    assert_eq!(out.len(), 22);
    assert_eq!(&out[..2], &[0x81, 0x85]);
    assert_ne!(&out[2..6], &out[13..17], "a fresh key per frame");
    let (sink, events) = sink();
    let mut s = server();
    s.receive(out, &sink).unwrap();
    assert_eq!(events.length(), 2);
    assert!(take_wasm_output(&mut c).is_none());
}

#[wasm_bindgen_test]
fn connections_draw_keys_from_the_shared_pool_across_refills() {
    // Every connection of the instance takes its keys from one pool refilled 4 KiB (1024 keys) at a time, and
    // each byte handed out is zeroed: 2100 frames over three connections cross two refills, and a pool that was
    // not refilled would hand out zero keys. (A CSPRNG gives a zero or a repeated key with odds of about 2^-32.)
    let mut conns = [client(), client(), client()];
    let mut last = [0u8; 4];
    for i in 0..2100 {
        let c = &mut conns[i % 3];
        c.send_binary(&[]).unwrap();
        let out = take_wasm_output(c).unwrap();
        assert_eq!(&out[..2], &[0x82, 0x80]);
        let key = [out[2], out[3], out[4], out[5]];
        assert_ne!(key, [0; 4], "a zero key at frame {i}: the pool was not refilled");
        assert_ne!(key, last, "the same key twice in a row at frame {i}");
        last = key;
    }
}

#[wasm_bindgen_test]
fn protocol_errors_are_typed_js_errors_and_queue_the_close() {
    let (sink, _) = sink();
    let mut c = client();
    let err = c.receive(vec![0x83, 0x00], &sink).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    let get = |k: &str| Reflect::get(&err, &k.into()).unwrap();
    assert_eq!(get("name").as_string().unwrap(), "HybiError");
    assert_eq!(get("kind").as_string().unwrap(), "ReservedOpcode");
    assert_eq!(get("closeCode").as_f64().unwrap(), 1002.0);
    assert_eq!(get("message").as_string().unwrap(), "reserved opcode 0x3");
    let out = take_wasm_output(&mut c).unwrap();
    assert_eq!(out[0], 0x88);
    assert!(c.should_close_transport());
}

#[wasm_bindgen_test]
fn messages_own_their_bytes_across_memory_growth() {
    let (sink, events) = sink();
    let mut c = client();
    let small: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let mut frame = vec![0x82, 0x7e, 0x04, 0x00];
    frame.extend_from_slice(&small);
    c.receive(frame, &sink).unwrap();
    let first: Uint8Array = events.get(0).unchecked_into::<Array>().get(1).unchecked_into();
    // 16 MiB more: wasm memory grows, which detaches views of the old buffer.
    let big = vec![0x5au8; 16 << 20];
    let mut frame = vec![0x82, 0x7f, 0, 0, 0, 0, 0x01, 0, 0, 0];
    frame.extend_from_slice(&big);
    c.receive(frame, &sink).unwrap();
    assert_eq!(first.to_vec(), small, "the first message is intact");
    assert_ne!(
        JsValue::from(first.buffer()),
        wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer()
    );
    let second: Uint8Array = events.get(1).unchecked_into::<Array>().get(1).unchecked_into();
    assert_eq!(second.length(), 16 << 20);
}

#[wasm_bindgen_test]
fn handshake_round_trip() {
    let headers = Array::of1(&Array::of2(&"Authorization".into(), &"Bearer t".into()));
    let protocols = Array::of2(&"a".into(), &"b".into());
    let mut hs =
        WasmClientHandshake::new("127.0.0.1", 8080, false, "/x?y", None, protocols, None, headers, 0, 0).unwrap();
    let request = hs.request().to_vec();
    let req = parse_request(&request, 0, 0).unwrap();
    let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into()).unwrap();
    assert_eq!(get(&req, "path").as_string().unwrap(), "/x?y");
    assert_eq!(get(&req, "host").as_string().unwrap(), "127.0.0.1:8080");
    let key = get(&req, "key").as_string().unwrap();
    let response = build_response(&key, Some("b".into()), None, Array::new()).unwrap().to_vec();
    let mut bytes = response.clone();
    bytes.extend_from_slice(&[0x81, 0x00]); // a frame right after the head
    let resp = hs.parse(&bytes).unwrap();
    assert_eq!(get(&resp, "status").as_f64().unwrap(), 101.0);
    assert_eq!(get(&resp, "protocol").as_string().unwrap(), "b");
    assert_eq!(get(&resp, "headLength").as_f64().unwrap() as usize, response.len());
    assert!(hs.parse(&response[..10]).unwrap().is_undefined(), "partial head");
}

#[wasm_bindgen_test]
fn bad_requests_carry_the_answer_to_send() {
    let err = parse_request(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 0).unwrap_err();
    assert_eq!(Reflect::get(&err, &"status".into()).unwrap().as_f64().unwrap(), 405.0);
    let response = Reflect::get(&err, &"response".into()).unwrap().unchecked_into::<Uint8Array>().to_vec();
    let text = String::from_utf8(response).unwrap();
    assert!(text.starts_with("HTTP/1.1 405 "), "{text}");
    assert!(text.contains("Allow: GET"), "{text}");
}

/// What `takeOutput` took (its fast path), or the output copied the long way when it said there is more.
fn take_fused(conn: &mut WasmConnection) -> Vec<u8> {
    let memory = hybi::wasm::wasm_memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let ptr = conn.take_output() as u32;
    let len_addr = hybi::wasm::taken_len_addr() as u32;
    let n = js_sys::Uint32Array::new_with_byte_offset_and_length(&memory.buffer(), len_addr, 1).get_index(0);
    if ptr == 0 {
        assert!(n > 2 << 10, "only output above 2 KiB is left for prepareOutput ({n} bytes)");
        let out = take_wasm_output(conn).unwrap();
        assert_eq!(out.len(), n as usize);
        return out;
    }
    let mut out = vec![0; n as usize]; // before the view: growing wasm memory would detach it
    Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), ptr, n).copy_to(&mut out);
    out
}

#[wasm_bindgen_test]
fn staged_sends_and_fused_takes_give_the_bytes_of_the_plain_path() {
    let memory = hybi::wasm::wasm_memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let (mut fast, mut plain) = (server(), server());
    for n in [0usize, 5, 125, 126, 2 << 10, (2 << 10) - 4, 70_000, 3] {
        let data: Vec<u8> = (0..n).map(|i| (i % 253) as u8).collect();
        let ptr = WasmConnection::stage(n) as u32;
        Uint8Array::new(&memory.buffer()).set(&Uint8Array::from(&data[..]), ptr);
        let buffered = fast.send_staged(n, false, false);
        plain.send_binary(&data).unwrap();
        let want = take_wasm_output(&mut plain).unwrap();
        assert_eq!(buffered, want.len(), "{n} bytes: sendStaged returns what is buffered");
        assert_eq!(take_fused(&mut fast), want, "{n} bytes");
        assert_eq!(fast.buffered_amount(), 0, "{n} bytes: the take marked it written");
        assert!(take_fused(&mut fast).is_empty());
    }
    // Text is checked as sendText checks it.
    for (text, ok) in [(&b"caf\xc3\xa9"[..], true), (&b"caf\xc3"[..], false)] {
        let ptr = WasmConnection::stage(text.len()) as u32;
        Uint8Array::new(&memory.buffer()).set(&Uint8Array::from(text), ptr);
        if ok {
            assert_eq!(fast.send_staged(text.len(), true, false), 2 + text.len());
            assert_eq!(take_fused(&mut fast), [&[0x81, 5][..], text].concat());
        } else {
            assert_eq!(fast.send_staged(text.len(), true, false), usize::MAX);
            assert_eq!(Reflect::get(&fast.take_error(), &"kind".into()).unwrap(), "InvalidUtf8");
            assert_eq!(fast.buffered_amount(), 0, "nothing of it is queued");
        }
    }
    // Sent and taken in one call: the same bytes as takeOutput gives. With nothing queued before it, the frame
    // is built where the message was staged (any size; above 1 MiB the room is freed by `unstage` after).
    let memory8 = || Uint8Array::new(&memory.buffer());
    let taken_len = || {
        let len_addr = hybi::wasm::taken_len_addr() as u32;
        js_sys::Uint32Array::new_with_byte_offset_and_length(&memory.buffer(), len_addr, 1).get_index(0)
    };
    for (n, queued_before) in
        [(7usize, false), (3000, false), (70_000, false), ((1 << 20) + 1, false), (7, true), (3000, true)]
    {
        let data: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
        if queued_before {
            fast.ping(b"q").unwrap();
            plain.ping(b"q").unwrap();
        }
        let ptr = WasmConnection::stage(n) as u32;
        memory8().set(&Uint8Array::from(&data[..]), ptr);
        let r = fast.send_staged(n, false, true) as u32;
        let len = taken_len();
        plain.send_binary(&data).unwrap();
        let want = take_wasm_output(&mut plain).unwrap();
        assert_eq!(len as usize, want.len());
        if !queued_before || n < 2000 {
            if !queued_before {
                assert_eq!(r, ptr - (want.len() - n) as u32, "{n} bytes: framed in place, its header just before it");
            }
            let mut got = vec![0; want.len()];
            Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), r, len).copy_to(&mut got);
            assert_eq!(got, want, "{n} bytes, taken");
            assert_eq!(fast.buffered_amount(), 0);
        } else {
            assert_eq!(r, 0, "{n} bytes behind a Ping: too large to take in the same call");
            assert_eq!(take_wasm_output(&mut fast).unwrap(), want);
        }
        WasmConnection::unstage();
    }
    // The place stays put for messages that fit in it (lib/output.js writes there without asking again).
    let at = WasmConnection::stage(100);
    assert_eq!(WasmConnection::stage(40), at);
    // An automatic Pong goes out with the next take, as with prepareOutput.
    let (sink, _) = sink();
    fast.receive(vec![0x89, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2], &sink).unwrap();
    assert_eq!(take_fused(&mut fast), [0x8a, 0x02, b'h', b'i']);
    // More than was staged is refused, not read past the staged bytes.
    assert_eq!(fast.send_staged(usize::MAX / 2, false, false), usize::MAX);
    assert!(fast.take_error().is_instance_of::<js_sys::RangeError>());
    assert!(fast.take_error().is_undefined(), "an error is taken once");
    // A refusal by the core: nothing can be sent after a Close.
    fast.close(1000, "").unwrap();
    take_fused(&mut fast);
    WasmConnection::stage(1);
    assert_eq!(fast.send_staged(1, false, true), usize::MAX);
    let err = fast.take_error();
    assert_eq!(Reflect::get(&err, &"kind".into()).unwrap(), "Closed");
    assert_eq!(fast.buffered_amount(), 0);
}

#[wasm_bindgen_test]
fn a_server_sends_a_header_for_a_payload_js_writes() {
    let mut s = server();
    assert_eq!(s.send_binary_header(300), 1);
    assert_eq!(take_fused(&mut s), [0x82, 0x7e, 0x01, 0x2c]);
    assert_eq!(client().send_binary_header(300), 0, "a client masks: the connection frames it");
    s.close(1000, "").unwrap();
    assert_eq!(s.send_binary_header(1), u32::MAX);
    assert_eq!(Reflect::get(&s.take_error(), &"kind".into()).unwrap(), "Closed");
}

/// Writes `bytes` where `receiveRoom` says, as lib/output.js does; returns their length (for `receive_staged`).
fn write_to_room(bytes: &[u8]) -> usize {
    let memory = hybi::wasm::wasm_memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    let ptr = WasmConnection::receive_room(bytes.len()) as u32;
    Uint8Array::new(&memory.buffer()).set(&Uint8Array::from(bytes), ptr);
    bytes.len()
}

#[wasm_bindgen_test]
fn a_read_written_into_the_kept_room_is_received_as_receive_would() {
    let (sink, events) = sink();
    let mut s = server();
    // RFC 6455 §5.7: a masked "Hello" from a client.
    let n = write_to_room(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    assert_eq!(s.receive_staged(n, &sink, 0), 0);
    assert_eq!(events.get(0).unchecked_into::<Array>().get(1), "Hello");
    // More than the room holds is refused, not read past it.
    assert_eq!(s.receive_staged(usize::MAX / 2, &sink, 0), u32::MAX);
    assert!(s.take_error().is_instance_of::<js_sys::RangeError>());
    // A protocol violation: the error, and the Close waiting in the output.
    let n = write_to_room(&[0x82, 0x05, b'h', b'e', b'l', b'l', b'o']); // unmasked, from a client
    assert_eq!(s.receive_staged(n, &sink, 0), u32::MAX);
    assert_eq!(Reflect::get(&s.take_error(), &"closeCode".into()).unwrap(), 1002);
    let close = take_fused(&mut s);
    assert_eq!((close[0], &close[2..4]), (0x88, &[0x03, 0xea][..]), "a Close with 1002");
}

#[wasm_bindgen_test]
fn a_client_stops_for_a_payload_js_collects_and_counts() {
    let (sink, events) = sink();
    let mut c = client();
    // A text message, then the header of a 300-byte binary message and 10 bytes of its payload.
    let mut read = vec![0x81, 0x02, b'h', b'i', 0x82, 0x7e, 0x01, 0x2c];
    read.extend_from_slice(&[7; 10]);
    let n = write_to_room(&read);
    assert_eq!(c.receive_staged(n, &sink, 301), 0, "shorter than collect_min: read by the connection");
    assert_eq!(events.length(), 1);
    let (sink, events) = self::sink();
    let mut c = client();
    assert_eq!(c.receive_staged(n, &sink, 300), 8 + 1, "stopped after 8 bytes (1 + that)");
    assert_eq!(events.length(), 1, "the text message before it was delivered");
    assert_eq!(c.bytes_owed(), 300);
    assert_eq!(c.collected(301), u32::MAX, "more than owed");
    assert_eq!(Reflect::get(&c.take_error(), &"kind".into()).unwrap(), "CollectMisuse");
    assert_eq!(c.collected(10), 0);
    assert_eq!(c.collected(290), 1, "complete");
    // The connection reads frames again.
    let n = write_to_room(&[0x82, 0x01, 9]);
    assert_eq!(c.receive_staged(n, &sink, 300), 0);
    assert_eq!(events.length(), 2);
}
