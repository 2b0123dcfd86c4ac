//! Behaviour of the connection state machine: control frames, the closing handshake, bounded output.

#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use hybi::connection::MessageKind;
use hybi::{CloseCode, Config, Error, Role};

fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut v = vec![first, 0x80 | payload.len() as u8];
    v.extend_from_slice(&key);
    let start = v.len();
    v.extend_from_slice(payload);
    hybi::mask::apply(&mut v[start..], key, 0);
    v
}

#[test]
fn ping_is_answered_with_the_same_payload() {
    let mut s = server();
    assert_eq!(feed(&mut s, &masked(0x89, b"abc")), (vec![Ev::Ping(b"abc".to_vec())], Ok(())));
    assert_eq!(out(&mut s), [0x8a, 0x03, b'a', b'b', b'c']);
}

#[test]
fn auto_pong_can_be_switched_off() {
    let mut config = Config::default();
    config.auto_pong = false;
    let mut s = with_config(Role::Server, config);
    assert_eq!(feed(&mut s, &masked(0x89, b"abc")).0, vec![Ev::Ping(b"abc".to_vec())]);
    assert!(out(&mut s).is_empty());
    s.pong(b"abc").unwrap();
    assert_eq!(out(&mut s), [0x8a, 0x03, b'a', b'b', b'c']);
}

#[test]
fn unsolicited_pong_is_reported_and_not_answered() {
    let mut s = server();
    assert_eq!(feed(&mut s, &masked(0x8a, b"hb")), (vec![Ev::Pong(b"hb".to_vec())], Ok(())));
    assert!(out(&mut s).is_empty());
}

#[test]
fn ping_flood_without_reading_keeps_output_bounded() {
    let mut s = server();
    let mut flood = Vec::new();
    for i in 0..10_000u32 {
        flood.extend(masked(0x89, &i.to_be_bytes()));
    }
    let (events, r) = feed(&mut s, &flood);
    assert!(r.is_ok());
    assert_eq!(events.len(), 10_000);
    // The owner never took output: only the latest Ping is answered (RFC 6455 §5.5.3).
    assert_eq!(s.buffered_amount(), 0);
    let o = s.output().to_vec();
    assert_eq!(o, [&[0x8a, 0x04][..], &9_999u32.to_be_bytes()].concat());
    // Asking for output again without writing does not add another Pong.
    assert!(feed(&mut s, &masked(0x89, b"again")).1.is_ok());
    assert_eq!(s.output().len(), o.len());
    s.advance_output(o.len());
    assert_eq!(s.output(), [0x8a, 0x05, b'a', b'g', b'a', b'i', b'n']);
}

#[test]
fn control_frames_between_fragments() {
    let mut s = server();
    let bytes = [masked(0x01, b"Hel"), masked(0x89, b"p"), masked(0x8a, b"q"), masked(0x80, b"lo")].concat();
    for step in 1..=bytes.len() {
        let mut s2 = server();
        let (events, r) = feed_in(&mut s2, &bytes, step);
        assert!(r.is_ok());
        assert_eq!(
            events,
            vec![Ev::Ping(b"p".to_vec()), Ev::Pong(b"q".to_vec()), Ev::Text("Hello".into())],
            "step {step}"
        );
    }
    assert!(feed(&mut s, &bytes).1.is_ok());
    assert_eq!(out(&mut s), [0x8a, 0x01, b'p']);
}

#[test]
fn peer_close_is_answered_once_echoing_the_code() {
    let mut s = server();
    let (events, r) = feed(&mut s, &masked(0x88, &[0x0f, 0xa0, b'b', b'y', b'e'])); // 4000 "bye"
    assert!(r.is_ok());
    assert_eq!(events, vec![Ev::Close(Some((4000, "bye".into())))]);
    assert_eq!(out(&mut s), [0x88, 0x02, 0x0f, 0xa0]);
    assert!(s.close_sent() && s.close_received());
    // The server closes TCP first once the handshake is done and written (RFC 6455 §7.1.1).
    assert!(s.should_close_transport());
    // Anything after the Close is ignored; nothing more is sent, not even a Pong.
    assert_eq!(feed(&mut s, &masked(0x89, b"late")), (vec![], Ok(())));
    assert!(out(&mut s).is_empty());
    assert_eq!(s.send_text("x"), Err(Error::Closed));
}

#[test]
fn empty_close_is_answered_with_an_empty_close() {
    let mut c = client();
    assert_eq!(feed(&mut c, &[0x88, 0x00]), (vec![Ev::Close(None)], Ok(())));
    let o = out(&mut c);
    assert_eq!(&o[..2], &[0x88, 0x80]); // masked, empty
                                        // A client waits for the server to close the transport.
    assert!(!c.should_close_transport());
}

#[test]
fn no_pong_after_a_close_in_the_same_read() {
    let mut s = server();
    let bytes = [masked(0x89, b"p"), masked(0x88, &[0x03, 0xe8])].concat();
    let (events, _) = feed(&mut s, &bytes);
    assert_eq!(events, vec![Ev::Ping(b"p".to_vec()), Ev::Close(Some((1000, String::new())))]);
    assert_eq!(out(&mut s), [0x88, 0x02, 0x03, 0xe8]);
}

#[test]
fn data_after_a_received_close_in_the_same_read_is_ignored() {
    let mut s = server();
    let bytes = [masked(0x88, &[0x03, 0xe8]), masked(0x81, b"ignored")].concat();
    assert_eq!(feed(&mut s, &bytes).0, vec![Ev::Close(Some((1000, String::new())))]);
}

#[test]
fn local_close_then_peer_close() {
    let mut s = server();
    s.send_text("last").unwrap();
    s.close(Some(CloseCode::GOING_AWAY), "restart").unwrap();
    assert!(!s.is_open());
    assert_eq!(s.send_binary(b"x"), Err(Error::Closed));
    assert_eq!(s.ping(b""), Err(Error::Closed));
    assert_eq!(s.close(Some(CloseCode::NORMAL), ""), Err(Error::Closed));
    let o = out(&mut s);
    assert_eq!(&o[6..10], &[0x88, 0x09, 0x03, 0xe9]);
    assert!(!s.should_close_transport(), "waits for the peer's Close");
    // Data may still arrive before the peer's Close.
    let (events, r) = feed(&mut s, &[masked(0x82, b"in"), masked(0x88, &[0x03, 0xe9])].concat());
    assert!(r.is_ok());
    assert_eq!(events, vec![Ev::Binary(b"in".to_vec()), Ev::Close(Some((1001, String::new())))]);
    assert!(out(&mut s).is_empty(), "no second Close");
    assert!(s.should_close_transport());
}

#[test]
fn close_arguments_are_checked() {
    let mut s = server();
    assert_eq!(s.close(Some(CloseCode(1005)), ""), Err(Error::InvalidCloseCode(1005)));
    assert_eq!(s.close(Some(CloseCode(999)), ""), Err(Error::InvalidCloseCode(999)));
    assert_eq!(s.close(Some(CloseCode::NORMAL), &"x".repeat(124)), Err(Error::CloseReasonTooLong(124)));
    assert!(s.is_open());
    s.close(None, "").unwrap();
    assert_eq!(out(&mut s), [0x88, 0x00]);
}

#[test]
fn failing_sends_a_close_with_a_reason() {
    let mut c = client();
    let (_, r) = feed(&mut c, &[0x83, 0x00]);
    assert_eq!(r, Err(Error::ReservedOpcode(3)));
    let o = out(&mut c);
    let mut body = o[6..].to_vec();
    hybi::mask::apply(&mut body, [o[2], o[3], o[4], o[5]], 0);
    assert_eq!(&body[..2], &[0x03, 0xea]);
    assert_eq!(std::str::from_utf8(&body[2..]).unwrap(), "reserved opcode 0x3");
}

#[test]
fn control_payload_limit_when_sending() {
    let mut c = client();
    assert_eq!(c.ping(&[0; 126]), Err(Error::ControlPayloadTooLong(126)));
    assert!(c.ping(&[0; 125]).is_ok());
}

#[test]
fn fragmented_sending_with_an_interleaved_ping() {
    let mut s = server();
    s.send_fragment(MessageKind::Text, "h\u{e9}".as_bytes().split_at(2).0, false).unwrap(); // "h" + first byte of é
    s.ping(b"!").unwrap();
    assert_eq!(s.send_binary(b"no"), Err(Error::ExpectedContinuation));
    s.send_fragment(MessageKind::Binary, &"h\u{e9}".as_bytes()[2..], true).unwrap();
    let bytes = out(&mut s);
    assert_eq!(bytes, [0x01, 0x02, b'h', 0xc3, 0x89, 0x01, b'!', 0x80, 0x01, 0xa9]);
    let mut c = client();
    assert_eq!(feed(&mut c, &bytes).0, vec![Ev::Ping(b"!".to_vec()), Ev::Text("h\u{e9}".into())]);
}

#[test]
fn invalid_utf8_is_refused_when_sending_fragments() {
    let mut s = server();
    assert_eq!(s.send_fragment(MessageKind::Text, b"\xff", false), Err(Error::InvalidUtf8 { offset: 0 }));
    s.send_fragment(MessageKind::Text, b"\xe2\x82", false).unwrap();
    assert_eq!(s.send_fragment(MessageKind::Text, b"", true), Err(Error::InvalidUtf8 { offset: 0 }));
    s.send_fragment(MessageKind::Text, b"\xac", true).unwrap(); // completes "€"
    let mut c = client();
    assert_eq!(feed(&mut c, &out(&mut s)).0, vec![Ev::Text("€".into())]);
}

#[test]
fn empty_messages() {
    let mut s = server();
    s.send_text("").unwrap();
    s.send_binary(b"").unwrap();
    let bytes = out(&mut s);
    assert_eq!(bytes, [0x81, 0x00, 0x82, 0x00]);
    let mut c = client();
    assert_eq!(feed(&mut c, &bytes).0, vec![Ev::Text(String::new()), Ev::Binary(vec![])]);
}

#[test]
fn configured_fragment_size_applies_to_sends() {
    let mut config = Config::default();
    config.fragment_size = 2;
    let mut s = with_config(Role::Server, config);
    s.send_text("abcde").unwrap();
    assert_eq!(out(&mut s), [0x01, 0x02, b'a', b'b', 0x00, 0x02, b'c', b'd', 0x80, 0x01, b'e']);
}

#[test]
fn a_4_mib_message_in_64_byte_fragments_arrives_with_the_defaults() {
    let payload: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut c = client();
    c.send_message(MessageKind::Binary, &payload, 64).unwrap();
    let bytes = out(&mut c);
    let mut s = server();
    let (events, r) = feed_in(&mut s, &bytes, 65536);
    assert_eq!(r, Ok(()));
    assert_eq!(events, vec![Ev::Binary(payload)]);
}

#[test]
fn receive_mut_unmasks_whole_frames_in_place_and_checks_them_as_receive_does() {
    // Two masked messages in one read: each is unmasked where it lies (the input is scratch afterwards).
    let mut bytes = masked(0x81, "κόσμε".as_bytes());
    bytes.extend(masked(0x82, &[0, 1, 2, 0xff]));
    let mut s = server();
    let mut got = Vec::new();
    s.receive_mut(&mut bytes.clone(), |e| got.push(Ev::from(e))).unwrap();
    assert_eq!(got, [Ev::Text("κόσμε".into()), Ev::Binary(vec![0, 1, 2, 0xff])]);
    // RFC 6455 §8.1: invalid UTF-8 in a frame unmasked in place fails with 1007, at the same offset.
    let mut s = server();
    let mut bad = masked(0x81, b"ok\xff");
    assert_eq!(s.receive_mut(&mut bad, |_| {}), Err(Error::InvalidUtf8 { offset: 2 }));
    assert_eq!(close_code_in(&out(&mut s)), Some(CloseCode::INVALID_PAYLOAD));
    // A server must refuse unmasked frames (RFC 6455 §5.1) on this path too.
    let mut s = server();
    assert_eq!(s.receive_mut(&mut [0x82, 0x01, 0x00], |_| {}), Err(Error::UnmaskedFrame));
}

#[test]
fn bytes_owed_counts_what_the_peer_must_still_send_for_the_frame_being_read() {
    // A client reads unmasked frames: 0x82, 126, then a 16-bit length (RFC 6455 §5.2).
    let mut c = client();
    let payload = vec![7u8; 1000];
    let mut frame = vec![0x82, 126, 0x03, 0xe8];
    frame.extend_from_slice(&payload);
    assert_eq!(c.bytes_owed(), 0, "between frames nothing is owed");
    let mut owed = Vec::new();
    for b in &frame {
        let (events, r) = feed(&mut c, core::slice::from_ref(b));
        r.unwrap();
        owed.push((c.bytes_owed(), events.len()));
    }
    assert_eq!(owed[0], (1, 0), "one byte read: the second says how long the header is");
    assert_eq!(owed[1], (2, 0), "length 126: two bytes of extended length follow");
    assert_eq!(owed[2], (1, 0));
    assert_eq!(owed[3], (1000, 0), "the header is read: the whole payload is owed");
    assert_eq!(owed[4], (999, 0));
    assert_eq!(owed[frame.len() - 2], (1, 0));
    assert_eq!(*owed.last().unwrap(), (0, 1), "the message is delivered, nothing is owed");

    // A server reads masked frames: 2 + 8 + 4 header bytes for a 64-bit length.
    let mut s = server();
    feed(&mut s, &[0x82, 0x80 | 127]).1.unwrap();
    assert_eq!(s.bytes_owed(), 12);
    feed(&mut s, &[0, 0, 0, 0, 0, 1, 0, 0]).1.unwrap();
    assert_eq!(s.bytes_owed(), 4);
    feed(&mut s, &[1, 2, 3, 4]).1.unwrap();
    assert_eq!(s.bytes_owed(), 65536);

    // A failed connection owes nothing (and reads nothing more).
    let mut f = server();
    assert!(feed(&mut f, &[0x83, 0x80]).1.is_err(), "reserved opcode");
    assert_eq!(f.bytes_owed(), 0);
}

#[test]
fn a_server_queues_only_the_header_of_a_payload_it_writes_itself() {
    for len in [0usize, 5, 125, 126, 65_535, 65_536, 1 << 20] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut plain = server();
        plain.send_binary(&payload).unwrap();
        let mut s = server();
        assert_eq!(s.send_binary_header(len), Ok(true));
        let mut wire = out(&mut s);
        wire.extend_from_slice(&payload);
        assert_eq!(wire, out(&mut plain), "{len} bytes: header + payload is the frame the connection would write");
    }
}

#[test]
fn a_header_goes_after_a_pending_pong_and_after_what_was_queued() {
    let mut s = server();
    s.send_text("a").unwrap();
    assert_eq!(feed(&mut s, &masked(0x89, b"p")).1, Ok(()));
    assert_eq!(s.send_binary_header(2), Ok(true));
    assert_eq!(out(&mut s), [0x81, 0x01, b'a', 0x8a, 0x01, b'p', 0x82, 0x02], "the Pong is not split from its frame");
}

#[test]
fn the_connection_frames_what_it_must_mask_split_or_refuse() {
    let mut c = client();
    assert_eq!(c.send_binary_header(10), Ok(false), "a client masks");
    assert!(out(&mut c).is_empty());
    let mut config = Config::default();
    config.fragment_size = 4;
    let mut s = with_config(Role::Server, config);
    assert_eq!(s.send_binary_header(5), Ok(false), "fragment_size splits it");
    assert_eq!(s.send_binary_header(4), Ok(true));
    let mut s = server();
    s.send_fragment(MessageKind::Binary, b"x", false).unwrap();
    assert_eq!(s.send_binary_header(1), Err(Error::ExpectedContinuation));
    s.close(Some(CloseCode::NORMAL), "").unwrap();
    assert_eq!(s.send_binary_header(1), Err(Error::Closed));
}

/// `payload` behind `MAX_HEADER_LEN` bytes of room, as `frame_in_place` takes it.
fn with_room(payload: &[u8]) -> Vec<u8> {
    [&[0xee; hybi::frame::MAX_HEADER_LEN][..], payload].concat()
}

#[test]
fn a_message_framed_in_place_is_the_frame_the_connection_would_queue() {
    for role in [Role::Client, Role::Server] {
        for len in [0usize, 5, 125, 126, 65_535, 65_536, 1 << 20] {
            for kind in [MessageKind::Binary, MessageKind::Text] {
                let payload: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                // Same role and key source: the same masking key for the next frame.
                let mut queued = with_config(role, Config::default());
                queued.send_message(kind, &payload, 0).unwrap();
                let mut placed = with_config(role, Config::default());
                let mut buf = with_room(&payload);
                let start = placed.frame_in_place(kind, &mut buf).unwrap().expect("framed in place");
                assert_eq!(buf[start..], out(&mut queued)[..], "{role:?} {kind:?} {len} bytes");
                assert!(out(&mut placed).is_empty(), "nothing queued");
            }
        }
    }
    // RFC 6455 §5.3: each frame a fresh key, in place as in the output.
    let mut c = client();
    let (mut a, mut b) = (with_room(b"same"), with_room(b"same"));
    let (sa, sb) = (c.frame_in_place(MessageKind::Binary, &mut a), c.frame_in_place(MessageKind::Binary, &mut b));
    assert_eq!((sa, sb), (Ok(Some(8)), Ok(Some(8))));
    assert_ne!(a[10..14], b[10..14], "masking keys");
}

#[test]
fn the_connection_frames_itself_what_waits_behind_output_or_must_be_compressed_or_split() {
    let untouched = with_room(b"hello");
    let mut c = client();
    c.send_text("first").unwrap();
    let mut buf = untouched.clone();
    assert_eq!(c.frame_in_place(MessageKind::Binary, &mut buf), Ok(None), "output waiting goes first");
    assert_eq!(buf, untouched);
    out(&mut c);
    assert_eq!(c.frame_in_place(MessageKind::Binary, &mut buf), Ok(Some(8)), "once it is taken");

    // An automatic Pong not yet in the output: the connection frames the message after it.
    let mut s = server();
    assert_eq!(feed(&mut s, &masked(0x89, b"p")).1, Ok(()));
    let mut buf = untouched.clone();
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut buf), Ok(None));
    assert_eq!(buf, untouched);

    let mut config = Config::default();
    config.fragment_size = 4;
    let mut s = with_config(Role::Server, config);
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut buf), Ok(None), "fragment_size splits it");
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut with_room(b"four")), Ok(Some(12)));
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut [0; 13]), Ok(None), "no room for a header");

    let mut s = server();
    let mut bad = with_room(b"a\xffb");
    let before = bad.clone();
    assert_eq!(s.frame_in_place(MessageKind::Text, &mut bad), Err(Error::InvalidUtf8 { offset: 1 }));
    assert_eq!(bad, before, "refused untouched");
    s.send_fragment(MessageKind::Binary, b"x", false).unwrap();
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut buf), Err(Error::ExpectedContinuation));
    s.send_fragment(MessageKind::Binary, b"y", true).unwrap();
    s.close(Some(CloseCode::NORMAL), "").unwrap();
    assert_eq!(s.frame_in_place(MessageKind::Binary, &mut buf), Err(Error::Closed));
}

#[test]
fn a_client_stops_for_a_large_binary_payload_and_the_caller_collects_it() {
    // A Ping, then the header and first 100 bytes of a 1000-byte binary message, in one read.
    let payload: Vec<u8> = (0..1000).map(|i| (i % 251) as u8).collect();
    let mut wire = vec![0x89, 0x01, b'p', 0x82, 126, 0x03, 0xe8];
    wire.extend_from_slice(&payload);
    let mut c = client();
    let mut got = Vec::new();
    let first = &mut wire[..107].to_vec();
    assert_eq!(c.receive_collecting(first, 1000, |e| got.push(Ev::from(e))), Ok(Some(7)), "stops after the header");
    assert_eq!(got, [Ev::Ping(b"p".to_vec())], "what came before was delivered");
    assert_eq!(c.bytes_owed(), 1000, "the whole payload is the caller's");
    // RFC 6455 §5.5.3: the Ping is answered; the output does not wait for the message.
    assert_eq!(out(&mut c)[0], 0x8a);
    assert_eq!(c.receive(b"x", |_| {}), Err(Error::CollectMisuse), "its bytes may not go to receive");
    assert_eq!(c.collected(1001), Err(Error::CollectMisuse), "nor more of them than it has");
    assert_eq!(c.collected(100), Ok(false));
    assert_eq!(c.bytes_owed(), 900);
    assert_eq!(c.collected(900), Ok(true), "the message is complete");
    assert_eq!(c.collected(0), Err(Error::CollectMisuse), "nothing is collected any more");
    assert_eq!(c.error(), None, "misuse does not fail the connection");
    // The next message reads as usual.
    let (events, r) = feed(&mut c, &[0x82, 0x01, 9]);
    assert_eq!((events, r), (vec![Ev::Binary(vec![9])], Ok(())));
}

#[test]
fn only_an_unfragmented_uncompressed_binary_message_not_all_in_the_input_is_left_to_collect() {
    let long = |first: u8| {
        let mut f = vec![first, 126, 0x01, 0x00];
        f.extend_from_slice(&[b'a'; 256]);
        f
    };
    let read_all = |c: &mut hybi::Connection<TestRng>, bytes: &[u8], min: u64| {
        let mut events = Vec::new();
        let r = c.receive_collecting(&mut bytes.to_vec(), min, |e| events.push(Ev::from(e)));
        (r, events)
    };
    // Whole in the input: delivered as usual (no copy to save).
    assert_eq!(read_all(&mut client(), &long(0x82), 1), (Ok(None), vec![Ev::Binary(vec![b'a'; 256])]));
    // Shorter than min_len: read as usual.
    let mut c = client();
    assert_eq!(read_all(&mut c, &long(0x82)[..10], 257), (Ok(None), vec![]));
    assert_eq!(c.bytes_owed(), 250);
    // Text (validated by the connection), a first fragment: read as usual.
    for first in [0x81, 0x02] {
        let mut c = client();
        assert_eq!(read_all(&mut c, &long(first)[..10], 1), (Ok(None), vec![]), "first byte {first:#x}");
    }
    // Masked (a server's input): read as usual, unmasked by the connection.
    assert_eq!(read_all(&mut server(), &[0x82, 0x81, 1, 2, 3, 4], 1).0, Ok(None));
    // The header's checks come first: RFC 6455 §10.4, a frame over the limit fails before it is collected.
    let mut config = Config::default();
    config.max_frame_size = 255;
    let mut c = with_config(Role::Client, config);
    assert_eq!(read_all(&mut c, &long(0x82)[..4], 1).0, Err(Error::FrameTooLarge { len: 256, max: 255 }));
    assert!(c.close_sent() && c.error().is_some(), "the connection failed (a masked Close with 1009 queued)");
    // A header split across reads: it stops in the read that completes it, having read only what it needed.
    let mut c = client();
    assert_eq!(read_all(&mut c, &[0x82, 126], 1).0, Ok(None));
    assert_eq!(read_all(&mut c, &[0x01, 0x00, b'a', b'a'], 1).0, Ok(Some(2)));
    assert_eq!(c.bytes_owed(), 256);
}
