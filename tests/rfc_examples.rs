//! The byte examples of RFC 6455 §5.7 and §1.3, through the whole connection.

#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use hybi::frame::{self, OpCode};
use hybi::{Config, Connection, Role};

const HELLO_UNMASKED: [u8; 7] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const HELLO_MASKED: [u8; 11] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
const HEL: [u8; 5] = [0x01, 0x03, 0x48, 0x65, 0x6c];
const LO: [u8; 4] = [0x80, 0x02, 0x6c, 0x6f];
const PING_HELLO_UNMASKED: [u8; 7] = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const PONG_HELLO_MASKED: [u8; 11] = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

#[test]
fn single_frame_unmasked_text() {
    let mut c = client();
    assert_eq!(feed(&mut c, &HELLO_UNMASKED), (vec![Ev::Text("Hello".into())], Ok(())));
    let mut s = server();
    s.send_text("Hello").unwrap();
    assert_eq!(out(&mut s), HELLO_UNMASKED);
}

#[test]
fn single_frame_masked_text() {
    let mut s = server();
    assert_eq!(feed(&mut s, &HELLO_MASKED), (vec![Ev::Text("Hello".into())], Ok(())));
    let mut encoded = Vec::new();
    frame::encode(&mut encoded, true, 0, OpCode::Text, Some([0x37, 0xfa, 0x21, 0x3d]), b"Hello");
    assert_eq!(encoded, HELLO_MASKED);
}

#[test]
fn fragmented_unmasked_text() {
    let mut c = client();
    let bytes = [&HEL[..], &LO[..]].concat();
    for step in 1..=bytes.len() {
        let mut c2 = client();
        assert_eq!(feed_in(&mut c2, &bytes, step), (vec![Ev::Text("Hello".into())], Ok(())), "step {step}");
    }
    let (ev, r) = feed(&mut c, &HEL);
    assert!(ev.is_empty() && r.is_ok());
    assert_eq!(feed(&mut c, &LO), (vec![Ev::Text("Hello".into())], Ok(())));
    let mut s = server();
    s.send_message(hybi::connection::MessageKind::Text, b"Hello", 3).unwrap();
    assert_eq!(out(&mut s), bytes);
}

#[test]
fn ping_and_masked_pong() {
    // A client receives the unmasked Ping and answers with a masked Pong carrying the same body.
    let mut c = client();
    assert_eq!(feed(&mut c, &PING_HELLO_UNMASKED), (vec![Ev::Ping(b"Hello".to_vec())], Ok(())));
    let pong = out(&mut c);
    assert_eq!(pong.len(), 11);
    assert_eq!(&pong[..2], &[0x8a, 0x85]);
    let key = [pong[2], pong[3], pong[4], pong[5]];
    let mut body = pong[6..].to_vec();
    hybi::mask::apply(&mut body, key, 0);
    assert_eq!(body, b"Hello");
    // A server receives the RFC's masked Pong.
    let mut s = server();
    assert_eq!(feed(&mut s, &PONG_HELLO_MASKED), (vec![Ev::Pong(b"Hello".to_vec())], Ok(())));
}

#[test]
fn binary_256_bytes_uses_16_bit_length() {
    let payload = vec![0xabu8; 256];
    let mut s = server();
    s.send_binary(&payload).unwrap();
    let bytes = out(&mut s);
    assert_eq!(&bytes[..4], &[0x82, 0x7e, 0x01, 0x00]);
    let mut c = client();
    assert_eq!(feed(&mut c, &bytes), (vec![Ev::Binary(payload)], Ok(())));
}

#[test]
fn binary_64k_uses_64_bit_length() {
    let payload: Vec<u8> = (0..65536u32).map(|i| i as u8).collect();
    let mut s = server();
    s.send_binary(&payload).unwrap();
    let bytes = out(&mut s);
    assert_eq!(&bytes[..10], &[0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    let mut c = client();
    assert_eq!(feed_in(&mut c, &bytes, 1000), (vec![Ev::Binary(payload)], Ok(())));
}

#[test]
fn client_masks_every_frame_with_a_fresh_key() {
    let mut c = Connection::new(Role::Client, Config::default(), TestRng(1));
    let mut keys = std::collections::HashSet::new();
    for _ in 0..100 {
        c.send_text("x").unwrap();
        let f = out(&mut c);
        assert_eq!(f[1] & 0x80, 0x80, "client frames are masked");
        keys.insert([f[2], f[3], f[4], f[5]]);
    }
    assert_eq!(keys.len(), 100);
}
