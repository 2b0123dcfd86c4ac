//! permessage-deflate through the connection: RFC 7692 §7.2.3 frames, round trips, RSV1 rules, and the bomb.
#![cfg(all(feature = "deflate", not(target_arch = "wasm32")))]

mod common;
use common::*;
use hybi::connection::MessageKind;
use hybi::deflate::{client_accept, client_offer, server_accept, DeflateConfig, Params};
use hybi::{Config, Connection, Error, Role};
use proptest::prelude::*;

/// A client and a server that negotiated permessage-deflate through the real offer/answer functions.
fn pair(
    client_cfg: &DeflateConfig,
    server_cfg: &DeflateConfig,
    config: Config,
) -> (Connection<TestRng>, Connection<TestRng>) {
    let offer = client_offer(client_cfg);
    let (server_params, answer) = server_accept(server_cfg, [offer.as_str()]).expect("server accepts the offer");
    let client_params = client_accept(client_cfg, &answer).expect("client accepts the answer");
    let mut c = with_config(Role::Client, config.clone());
    let mut s = with_config(Role::Server, config);
    c.enable_deflate(&client_params, client_cfg);
    s.enable_deflate(&server_params, server_cfg);
    (c, s)
}

fn client_with(params: Params) -> Connection<TestRng> {
    let mut c = client();
    c.enable_deflate(&params, &DeflateConfig::default());
    c
}

#[test]
fn rfc7692_hello_compressed_frame() {
    // §7.2.3.1: "Hello" compressed, one frame with RSV1.
    let mut c = client_with(Params::default());
    assert_eq!(
        feed(&mut c, &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
        (vec![Ev::Text("Hello".into())], Ok(()))
    );
    // §7.2.3.2: the same again with context takeover ("Hello" referencing the first).
    assert_eq!(feed(&mut c, &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]), (vec![Ev::Text("Hello".into())], Ok(())));
}

#[test]
fn rfc7692_fragmented_compressed_message() {
    // §7.2.3.1: the compressed "Hello" split into two frames; RSV1 on the first only.
    let bytes = [0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00];
    for step in 1..=bytes.len() {
        let mut c = client_with(Params::default());
        assert_eq!(feed_in(&mut c, &bytes, step), (vec![Ev::Text("Hello".into())], Ok(())), "step {step}");
    }
}

#[test]
fn rfc7692_uncompressed_block_and_bfinal() {
    let mut c = client_with(Params::default());
    // §7.2.3.3: a "no compression" block.
    let stored = [0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
    assert_eq!(feed(&mut c, &stored).0, vec![Ev::Text("Hello".into())]);
    // §7.2.3.4: BFINAL set.
    let mut c = client_with(Params::default());
    let bfinal = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(feed(&mut c, &bfinal).0, vec![Ev::Text("Hello".into())]);
}

#[test]
fn rsv1_on_a_continuation_or_control_frame_is_a_protocol_error() {
    let mut c = client_with(Params::default());
    let (_, r) = feed(&mut c, &[0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(r, Err(Error::CompressedContinuationOrControl));
    assert_eq!(r.unwrap_err().close_code().unwrap().0, 1002);
    let mut c = client_with(Params::default());
    assert_eq!(feed(&mut c, &[0xc9, 0x00]).1, Err(Error::CompressedContinuationOrControl));
    // Without negotiation RSV1 is just a reserved bit.
    let mut c = client();
    assert_eq!(
        feed(&mut c, &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).1,
        Err(Error::ReservedBits(0b100))
    );
}

#[test]
fn invalid_compressed_data_is_1007() {
    let mut c = client_with(Params::default());
    let (_, r) = feed(&mut c, &[0xc2, 0x02, 0xff, 0xff]);
    assert_eq!(r, Err(Error::InvalidCompressedData));
    assert_eq!(r.unwrap_err().close_code().unwrap().0, 1007);
}

#[test]
fn invalid_utf8_inside_compressed_text_is_1007() {
    let cfg = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
    let (mut c, mut s) = pair(&cfg, &cfg, Config::default());
    c.send_binary(&[b'a'; 300].iter().copied().chain([0xff]).collect::<Vec<_>>()).unwrap();
    // Re-label the compressed binary frame as text (opcode 1, RSV1 kept, masked): the inflated bytes are not UTF-8.
    let mut bytes = out(&mut c);
    bytes[0] = (bytes[0] & 0xf0) | 0x1;
    assert_eq!(feed(&mut s, &bytes).1, Err(Error::InvalidUtf8 { offset: 300 }));
}

#[test]
fn a_decompression_bomb_stops_at_the_limit() {
    // 64 MiB of zeros compress to ~64 KiB; the limit is 1 MiB.
    let cfg = DeflateConfig { level: 9, ..DeflateConfig::default() };
    let mut config = Config::default();
    config.max_message_size = 1 << 20;
    // Sending is not limited by max_message_size; receiving is.
    let (mut c, mut s) = pair(&cfg, &cfg, config);
    c.send_binary(&vec![0u8; 64 << 20]).unwrap();
    let bytes = out(&mut c);
    assert!(bytes.len() < 256 << 10, "the bomb is small on the wire: {}", bytes.len());
    let (events, r) = feed_in(&mut s, &bytes, 4096);
    assert!(events.is_empty());
    assert_eq!(r, Err(Error::MessageTooLarge { max: 1 << 20 }));
    assert_eq!(r.unwrap_err().close_code().unwrap().0, 1009);
}

#[test]
fn small_messages_go_uncompressed_and_large_ones_compressed() {
    let cfg = DeflateConfig::default();
    let (mut c, mut s) = pair(&cfg, &cfg, Config::default());
    s.send_text("hi").unwrap();
    let small = out(&mut s);
    assert_eq!(small, [0x81, 0x02, b'h', b'i'], "below the threshold: no RSV1");
    let text = "hello hello hello ".repeat(100);
    s.send_text(&text).unwrap();
    let big = out(&mut s);
    assert_eq!(big[0], 0xc1, "compressed: RSV1 + FIN + text");
    assert!(big.len() < text.len() / 4);
    assert_eq!(feed(&mut c, &[small, big].concat()).0, vec![Ev::Text("hi".into()), Ev::Text(text)]);
}

#[derive(Clone, Debug)]
enum Msg {
    Text(String),
    Binary(Vec<u8>),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any messages, any negotiated parameters, any fragmentation and read splits: what is sent arrives.
    #[test]
    fn round_trips(
        msgs in proptest::collection::vec(prop_oneof![
            "(ab|cd|é|🌍|x){0,400}".prop_map(Msg::Text),
            proptest::collection::vec(0u8..4, 0..3000).prop_map(Msg::Binary),
        ], 1..6),
        client_nct in any::<bool>(), server_nct in any::<bool>(),
        client_bits in proptest::option::of(8u8..=15), server_bits in proptest::option::of(8u8..=15),
        threshold in 0usize..200, fragment in 0usize..300, split in 1usize..500,
    ) {
        let cfg = DeflateConfig {
            client_no_context_takeover: client_nct,
            server_no_context_takeover: server_nct,
            client_max_window_bits: client_bits,
            server_max_window_bits: server_bits,
            threshold,
            ..DeflateConfig::default()
        };
        let (mut c, mut s) = pair(&cfg, &cfg, Config::default());
        {
            let (tx, rx) = (&mut c, &mut s);
            let mut expected = Vec::new();
            for m in &msgs {
                match m {
                    Msg::Text(t) => { tx.send_message(MessageKind::Text, t.as_bytes(), fragment).unwrap(); expected.push(Ev::Text(t.clone())); }
                    Msg::Binary(b) => { tx.send_message(MessageKind::Binary, b, fragment).unwrap(); expected.push(Ev::Binary(b.clone())); }
                }
            }
            let bytes = out(tx);
            let (got, r) = feed_in(rx, &bytes, split);
            prop_assert_eq!(r, Ok(()));
            prop_assert_eq!(got, expected);
        }
        // And the other way.
        let mut expected = Vec::new();
        for m in &msgs {
            match m {
                Msg::Text(t) => { s.send_text(t).unwrap(); expected.push(Ev::Text(t.clone())); }
                Msg::Binary(b) => { s.send_binary(b).unwrap(); expected.push(Ev::Binary(b.clone())); }
            }
        }
        let bytes = out(&mut s);
        let (got, r) = feed_in(&mut c, &bytes, split);
        prop_assert_eq!(r, Ok(()));
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn deflate_stream_is_neither_offered_nor_accepted() {
    // The draft's `deflate-stream` is obsolete (review point 18): only permessage-deflate is spoken.
    let cfg = DeflateConfig::default();
    assert!(!client_offer(&cfg).contains("deflate-stream"));
    assert_eq!(server_accept(&cfg, ["deflate-stream"]), None);
    assert!(matches!(client_accept(&cfg, "deflate-stream"), Err(Error::UnexpectedExtension(_))));
}

#[test]
fn with_deflate_the_connection_frames_every_message_itself() {
    let (_, mut s) = pair(&DeflateConfig::default(), &DeflateConfig::default(), Config::default());
    assert_eq!(s.send_binary_header(100), Ok(false));
    assert!(s.output().is_empty());
}

#[test]
fn with_deflate_on_the_connection_frames_every_message_itself() {
    // It may compress: no frame built in the caller's buffer.
    let (mut c, mut s) = pair(&DeflateConfig::default(), &DeflateConfig::default(), Config::default());
    let mut buf = vec![0; hybi::frame::MAX_HEADER_LEN + 4096];
    assert_eq!(c.frame_in_place(MessageKind::Binary, &mut buf), Ok(None));
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut buf), Ok(None));
    assert!(buf.iter().all(|&b| b == 0), "untouched");
}
