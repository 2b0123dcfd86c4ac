//! One malformed input per rule, each asserting the error, the close code the RFC asks for, and that the
//! Close frame with that code is what the connection queues. Every input is also fed one byte at a time.

#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use hybi::{CloseCode, Config, Error, Role};

/// Masks a client frame body with the key 00 00 00 00 (masked, bytes unchanged).
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut v = vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    v.extend_from_slice(payload);
    v
}

fn unmasked(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut v = vec![first, payload.len() as u8];
    v.extend_from_slice(payload);
    v
}

macro_rules! malformed {
    ($($name:ident: $role:expr, $config:expr, $bytes:expr => $err:expr, $code:expr;)*) => {$(
        #[test]
        fn $name() {
            let bytes: Vec<u8> = $bytes;
            for step in [bytes.len().max(1), 1] {
                let mut conn = with_config($role, $config);
                let (_, result) = feed_in(&mut conn, &bytes, step);
                assert_eq!(result, Err($err), "step {step}");
                assert_eq!($err.close_code(), Some(CloseCode($code)));
                // The Close the RFC asks for is queued (servers send it unmasked; check the code there).
                if $role == Role::Server {
                    assert_eq!(close_code_in(&out(&mut conn)), Some(CloseCode($code)), "queued close");
                } else {
                    assert_eq!(out(&mut conn)[0], 0x88, "queued close");
                }
                // The error sticks.
                assert_eq!(feed(&mut conn, &[0x81, 0x00]).1, Err($err));
                assert!(conn.should_close_transport());
            }
        }
    )*};
}

const S: Role = Role::Server;
const C: Role = Role::Client;
fn d() -> Config {
    Config::default()
}
fn limits(frame: usize, message: usize, fragments: usize) -> Config {
    let mut c = Config::default();
    c.max_frame_size = frame;
    c.max_message_size = message;
    c.max_fragments = fragments;
    c
}

malformed! {
    rsv1: S, d(), masked(0xc1, b"x") => Error::ReservedBits(0b100), 1002;
    rsv2: S, d(), masked(0xa1, b"x") => Error::ReservedBits(0b010), 1002;
    rsv3: C, d(), unmasked(0x91, b"x") => Error::ReservedBits(0b001), 1002;
    opcode_3: S, d(), masked(0x83, b"") => Error::ReservedOpcode(3), 1002;
    opcode_7: C, d(), unmasked(0x87, b"") => Error::ReservedOpcode(7), 1002;
    opcode_b: S, d(), masked(0x8b, b"") => Error::ReservedOpcode(0xb), 1002;
    opcode_f: C, d(), unmasked(0x8f, b"") => Error::ReservedOpcode(0xf), 1002;
    fragmented_ping: S, d(), masked(0x09, b"") => Error::FragmentedControlFrame, 1002;
    fragmented_close: C, d(), unmasked(0x08, b"") => Error::FragmentedControlFrame, 1002;
    ping_over_125: C, d(), [vec![0x89, 0x7e, 0x00, 0x7e], vec![0; 126]].concat() => Error::ControlFrameTooLong, 1002;
    length_top_bit: C, d(), vec![0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1] => Error::LengthTopBitSet, 1002;
    non_minimal_16: C, d(), [vec![0x82, 0x7e, 0x00, 0x03], vec![1, 2, 3]].concat() => Error::NonMinimalLength, 1002;
    non_minimal_64: C, d(), vec![0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x00] => Error::NonMinimalLength, 1002;
    unmasked_from_client: S, d(), unmasked(0x81, b"hi") => Error::UnmaskedFrame, 1002;
    masked_from_server: C, d(), masked(0x81, b"hi") => Error::MaskedFrame, 1002;
    continuation_without_start: C, d(), unmasked(0x80, b"x") => Error::UnexpectedContinuation, 1002;
    new_message_inside_fragmented: C, d(),
        [unmasked(0x01, b"a"), unmasked(0x81, b"b")].concat() => Error::ExpectedContinuation, 1002;
    close_one_byte: S, d(), masked(0x88, &[0x03]) => Error::CloseTooShort, 1002;
    close_code_1005: S, d(), masked(0x88, &[0x03, 0xed]) => Error::InvalidCloseCode(1005), 1002;
    close_code_1006: C, d(), unmasked(0x88, &[0x03, 0xee]) => Error::InvalidCloseCode(1006), 1002;
    close_code_999: C, d(), unmasked(0x88, &[0x03, 0xe7]) => Error::InvalidCloseCode(999), 1002;
    close_code_5000: C, d(), unmasked(0x88, &[0x13, 0x88]) => Error::InvalidCloseCode(5000), 1002;
    close_reason_not_utf8: S, d(), masked(0x88, &[0x03, 0xe8, 0xc0, 0x80]) => Error::InvalidCloseReason, 1007;
    invalid_utf8_single_frame: C, d(), unmasked(0x81, b"ok\xff") => Error::InvalidUtf8 { offset: 2 }, 1007;
    invalid_utf8_second_fragment: S, d(),
        [masked(0x01, b"abc"), masked(0x80, b"\xed\xa0\x80")].concat() => Error::InvalidUtf8 { offset: 3 }, 1007;
    truncated_code_point_at_message_end: C, d(), unmasked(0x81, b"\xe2\x82") => Error::InvalidUtf8 { offset: 0 }, 1007;
    frame_too_large: C, limits(100, 1000, 10), [vec![0x82, 101], vec![0; 101]].concat()
        => Error::FrameTooLarge { len: 101, max: 100 }, 1009;
    message_too_large: C, limits(100, 150, 10),
        [unmasked(0x02, &[0; 100]), unmasked(0x80, &[0; 51])].concat() => Error::MessageTooLarge { max: 150 }, 1009;
    too_many_fragments: S, limits(100, 1000, 3),
        [masked(0x02, b"a"), masked(0x00, b"b"), masked(0x00, b"c"), masked(0x80, b"d")].concat()
        => Error::TooManyFragments { max: 3 }, 1009;
}

#[test]
fn utf8_fails_fast_mid_frame() {
    // The frame declares 100 bytes; the invalid byte comes third. The error must come without the rest.
    let mut c = client();
    let (_, r) = feed(&mut c, &[0x81, 100, b'a', b'b', 0xff]);
    assert_eq!(r, Err(Error::InvalidUtf8 { offset: 2 }));
}

#[test]
fn too_large_is_refused_from_the_header_alone() {
    // Only the header of a 2^62-byte frame arrives: refused without waiting for (or buffering) the payload.
    let mut c = client();
    let (_, r) = feed(&mut c, &[0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(r, Err(Error::FrameTooLarge { len: 1 << 62, max: 16 << 20 }));
    // And a message growing past the limit across fragments is refused at the frame that would pass it.
    let mut c = with_config(Role::Client, limits(1 << 20, 1000, 100));
    let (_, r) = feed(&mut c, &[0x02, 0x7e, 0x03, 0x20]); // 800 bytes declared
    assert_eq!(r, Ok(()));
    let (_, r) = feed(&mut c, &[0u8; 800]);
    assert_eq!(r, Ok(()));
    let (_, r) = feed(&mut c, &[0x80, 0x7e, 0x00, 0xc8]); // 200 more: 1000 allowed
    assert_eq!(r, Ok(()));
}

#[test]
fn non_minimal_length_allowed_by_switch() {
    let mut config = Config::default();
    config.allow_non_minimal_length = true;
    let mut c = with_config(Role::Client, config);
    assert_eq!(feed(&mut c, &[0x82, 0x7e, 0x00, 0x02, 7, 8]), (vec![Ev::Binary(vec![7, 8])], Ok(())));
}
