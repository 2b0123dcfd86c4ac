//! Property tests: whatever is sent, however it is fragmented and however the bytes are split,
//! is what is received; incremental UTF-8 validation agrees with `std` at every split.

#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use hybi::connection::MessageKind;
use hybi::Role;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Msg {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

fn msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        ".{0,300}".prop_map(Msg::Text),
        proptest::collection::vec(any::<u8>(), 0..3000).prop_map(Msg::Binary),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Msg::Ping),
    ]
}

/// How the receiver reads.
#[derive(Clone, Copy, Debug)]
enum Via {
    Receive,
    /// `receive_mut`, which unmasks whole frames where they lie.
    InPlace,
    /// `receive_collecting` with this `min_len`: binary payloads it stops for are kept here, as a binding would.
    Collect(u64),
}

fn via() -> impl Strategy<Value = Via> {
    prop_oneof![Just(Via::Receive), Just(Via::InPlace), (0u64..2000).prop_map(Via::Collect)]
}

/// Sends `msgs` from `sender_role` and feeds the bytes to the other end in pieces of `splits` bytes, read `via`.
/// After every piece, the receiver owes no more bytes (`bytes_owed`) than the sender has left.
fn round_trip(sender_role: Role, msgs: &[Msg], fragment: usize, splits: &[usize], via: Via) {
    let receiver_role = if sender_role == Role::Client { Role::Server } else { Role::Client };
    let mut tx = with_config(sender_role, Default::default());
    let mut rx = with_config(receiver_role, Default::default());
    let mut expected = Vec::new();
    for m in msgs {
        match m {
            Msg::Text(t) => {
                tx.send_message(MessageKind::Text, t.as_bytes(), fragment).unwrap();
                expected.push(Ev::Text(t.clone()));
            }
            Msg::Binary(b) => {
                tx.send_message(MessageKind::Binary, b, fragment).unwrap();
                expected.push(Ev::Binary(b.clone()));
            }
            Msg::Ping(p) => {
                tx.ping(p).unwrap();
                expected.push(Ev::Ping(p.clone()));
            }
        }
    }
    let bytes = out(&mut tx);
    let mut got = Vec::new();
    let mut rest = &bytes[..];
    let mut i = 0;
    let mut collecting: Option<Vec<u8>> = None;
    while !rest.is_empty() {
        let n = splits.get(i).copied().unwrap_or(rest.len()).clamp(1, rest.len());
        i += 1;
        match via {
            Via::Receive => rx.receive(&rest[..n], |e| got.push(Ev::from(e))).unwrap(),
            Via::InPlace => rx.receive_mut(&mut rest[..n].to_vec(), |e| got.push(Ev::from(e))).unwrap(),
            Via::Collect(min) => {
                let mut piece = &rest[..n];
                while !piece.is_empty() {
                    if let Some(kept) = collecting.as_mut() {
                        let k = piece.len().min(rx.bytes_owed() as usize);
                        kept.extend_from_slice(&piece[..k]);
                        piece = &piece[k..];
                        if rx.collected(k).unwrap() {
                            got.push(Ev::Binary(collecting.take().unwrap()));
                        }
                        continue;
                    }
                    match rx.receive_collecting(&mut piece.to_vec(), min, |e| got.push(Ev::from(e))).unwrap() {
                        None => piece = &[],
                        Some(used) => {
                            // Stopped: the payload that follows is ours to keep.
                            let owed = rx.bytes_owed();
                            assert!(owed >= min.max(1), "stopped for {owed} bytes, min {min}");
                            assert!(owed > (piece.len() - used) as u64, "stopped for a payload all in the input");
                            collecting = Some(Vec::new());
                            piece = &piece[used..];
                        }
                    }
                }
            }
        }
        rest = &rest[n..];
        // A transport may wait for `bytes_owed` bytes before handing over a read: the sender must have them
        // to send, or that wait would never end.
        assert!(rx.bytes_owed() <= rest.len() as u64, "owes {} with {} left", rx.bytes_owed(), rest.len());
    }
    assert_eq!(rx.bytes_owed(), 0);
    assert!(collecting.is_none());
    assert_eq!(got, expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn client_to_server(msgs in proptest::collection::vec(msg(), 1..8), fragment in prop_oneof![Just(0usize), 0usize..400],
                        splits in proptest::collection::vec(1usize..700, 0..40), via in via()) {
        round_trip(Role::Client, &msgs, fragment, &splits, via);
    }

    #[test]
    fn server_to_client(msgs in proptest::collection::vec(msg(), 1..8), fragment in prop_oneof![Just(0usize), 0usize..400],
                        splits in proptest::collection::vec(1usize..700, 0..40), via in via()) {
        round_trip(Role::Server, &msgs, fragment, &splits, via);
    }

    #[test]
    fn byte_at_a_time_equals_one_chunk(msgs in proptest::collection::vec(msg(), 1..4), fragment in 0usize..50, via in via()) {
        round_trip(Role::Client, &msgs, fragment, &[1; 100_000], via);
    }

    /// Valid or corrupted text, split at every position: the validator agrees with `std::str::from_utf8`,
    /// including where the first invalid sequence starts.
    #[test]
    fn utf8_split_anywhere(text in ".{0,40}", corrupt in proptest::option::of((any::<prop::sample::Index>(), any::<u8>()))) {
        let mut bytes = text.into_bytes();
        if let (Some((i, b)), false) = (corrupt, bytes.is_empty()) {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let expected = std::str::from_utf8(&bytes).map(|_| ()).map_err(|e| e.valid_up_to());
        for split in 0..=bytes.len() {
            let mut v = hybi::utf8::Validator::new();
            let r = v.feed(&bytes[..split]).and_then(|_| v.feed(&bytes[split..])).and_then(|_| v.finish());
            prop_assert_eq!(r.map_err(|e| e.offset), expected, "split {}", split);
        }
    }
}
