//! permessage-deflate (RFC 7692): the RFC's examples, round trips, negotiation tables and limits.
#![cfg(feature = "deflate")]

use hybi::deflate::{client_accept, client_offer, server_accept, DeflateConfig, Params, PerMessageDeflate};
use hybi::frame::{Header, OpCode, Rules, Status, RSV1};
use hybi::Error;

const LIMIT: usize = 1 << 20;

/// A server-side codec with default parameters (context takeover both ways).
fn receiver() -> PerMessageDeflate {
    PerMessageDeflate::new(true, &Params::default(), &DeflateConfig::default())
}

/// Inflates one whole message from its pieces, as a connection does frame by frame.
fn inflate(codec: &mut PerMessageDeflate, pieces: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    for piece in pieces {
        codec.decompress(piece, &mut out, LIMIT)?;
    }
    codec.finish_message(&mut out, LIMIT)?;
    Ok(out)
}

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

// ---- RFC 7692 §7.2.3: every example ----

#[test]
fn rfc_7_2_3_1_one_compressed_block() {
    // The unfragmented frame: RSV1 on a Text frame, 7 bytes of payload.
    let frame = hex("c1 07 f2 48 cd c9 c9 07 00");
    let rules = Rules { allowed_rsv: RSV1, ..Rules::new(Some(false)) };
    let Ok(Status::Complete(header, n)) = Header::parse(&frame, &rules) else { panic!("header") };
    assert_eq!((header.rsv, header.opcode, header.fin, header.len), (RSV1, OpCode::Text, true, 7));
    assert_eq!(inflate(&mut receiver(), &[&frame[n..]]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_1_fragmented() {
    // "0x41 0x03 0xf2 0x48 0xcd" then "0x80 0x04 0xc9 0xc9 0x07 0x00".
    assert_eq!(inflate(&mut receiver(), &[&hex("f2 48 cd"), &hex("c9 c9 07 00")]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_1_split_anywhere() {
    let payload = hex("f2 48 cd c9 c9 07 00");
    for split in 0..=payload.len() {
        let (a, b) = payload.split_at(split);
        assert_eq!(inflate(&mut receiver(), &[a, b]).unwrap(), b"Hello", "split {split}");
    }
    let bytes: Vec<&[u8]> = payload.chunks(1).collect();
    assert_eq!(inflate(&mut receiver(), &bytes).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_2_sharing_the_window() {
    let mut codec = receiver();
    assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd c9 c9 07 00")]).unwrap(), b"Hello");
    // The second "Hello" is a back-reference into the first message.
    assert_eq!(inflate(&mut codec, &[&hex("f2 00 11 00 00")]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_2_without_context_takeover() {
    // The client does not take over context: each message stands alone, and the decompressor is reset between them.
    let params = Params { client_no_context_takeover: true, ..Params::default() };
    let mut codec = PerMessageDeflate::new(true, &params, &DeflateConfig::default());
    for _ in 0..3 {
        assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd c9 c9 07 00")]).unwrap(), b"Hello");
    }
}

#[test]
fn rfc_7_2_3_3_no_compression_block() {
    let frame = hex("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00");
    assert_eq!(inflate(&mut receiver(), &[&frame[2..]]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_4_bfinal_set() {
    let mut codec = receiver();
    assert_eq!(inflate(&mut codec, &[&hex("f3 48 cd c9 c9 07 00 00")]).unwrap(), b"Hello");
    // The stream goes on after the final block: later messages still inflate, and the window survived it.
    assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd c9 c9 07 00")]).unwrap(), b"Hello");
    assert_eq!(inflate(&mut codec, &[&hex("f2 00 11 00 00")]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_4_blocks_after_a_final_block_in_one_message() {
    // RFC 7692 §7.2.1: "The next DEFLATE block follows the padded data if any."
    // "Hel" in a final fixed-Huffman block, padded to a byte ...
    let mut w = BitWriter::default();
    w.put(1, 1); // BFINAL = 1
    w.put(1, 2); // BTYPE = 01
    for &c in b"Hel" {
        w.code(0x30 + u32::from(c), 8); // literals 0-143: 8-bit codes from 0x30
    }
    w.code(0, 7); // end of block
    let mut payload = w.finish();
    // ... then "lo" in a stored block, and the header bits of the empty stored block whose rest the sender removed.
    payload.extend(hex("00 02 00 fd ff 6c 6f 00"));
    let mut codec = receiver();
    assert_eq!(inflate(&mut codec, &[&payload]).unwrap(), b"Hello");
    for split in 0..=payload.len() {
        let (a, b) = payload.split_at(split);
        assert_eq!(inflate(&mut codec, &[a, b]).unwrap(), b"Hello", "split {split}");
    }
}

#[test]
fn rfc_7_2_3_5_two_deflate_blocks() {
    let frame = hex("c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00");
    assert_eq!(inflate(&mut receiver(), &[&frame[2..]]).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_6_empty_fragment() {
    // An empty message is the single octet 0x00 (an empty stored block with its LEN removed).
    let mut codec = receiver();
    assert_eq!(inflate(&mut codec, &[&hex("00")]).unwrap(), b"");
    // Empty fragments in the middle of a message ("0x00" continuation frames) are harmless too.
    assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd"), &[], &hex("c9 c9 07 00")]).unwrap(), b"Hello");
    // And an empty message compresses to exactly that octet.
    let cfg = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
    let mut sender = PerMessageDeflate::new(false, &Params::default(), &cfg);
    let mut out = Vec::new();
    assert!(sender.compress(b"", &mut out).unwrap());
    assert_eq!(out, [0x00]);
}

#[test]
fn empty_compressed_payload_is_an_empty_message() {
    // Not the RFC's form (that is 0x00), but what a sender gets from a DEFLATE library that emits nothing.
    let mut codec = receiver();
    assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd c9 c9 07 00")]).unwrap(), b"Hello");
    assert_eq!(inflate(&mut codec, &[]).unwrap(), b"");
    assert_eq!(inflate(&mut codec, &[&[], &[]]).unwrap(), b"");
    assert_eq!(inflate(&mut codec, &[&hex("f2 00 11 00 00")]).unwrap(), b"Hello");
}

// ---- Invalid data ----

#[test]
fn invalid_deflate_data() {
    for bad in ["ff", "07", "00 05 00 00 00", "ff ff ff ff ff ff"] {
        let err = inflate(&mut receiver(), &[&hex(bad)]).unwrap_err();
        assert_eq!(err, Error::InvalidCompressedData, "{bad}");
        assert_eq!(err.close_code().map(|c| c.0), Some(1007));
    }
    // After an error the stream state is unknown: every later call fails.
    let mut codec = receiver();
    assert!(inflate(&mut codec, &[&hex("ff")]).is_err());
    assert_eq!(inflate(&mut codec, &[&hex("f2 48 cd c9 c9 07 00")]), Err(Error::InvalidCompressedData));
    assert_eq!(codec.finish_message(&mut Vec::new(), LIMIT), Err(Error::InvalidCompressedData));
}

#[test]
fn garbage_never_panics() {
    let mut rng = Lcg(7);
    for round in 0..2000 {
        let mut codec = receiver();
        for _ in 0..3 {
            let len = (rng.next() % 64) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let mut out = Vec::new();
            let r = codec.decompress(&data, &mut out, 4096).and_then(|()| codec.finish_message(&mut out, 4096));
            assert!(out.len() <= 4096, "round {round}");
            if r.is_err() {
                break;
            }
        }
    }
}

// ---- Limits ----

/// A fixed-Huffman DEFLATE block of zeros: one literal, then length-258 distance-1 matches, 13 bytes per 2064 output
/// bytes. Returns the 3-byte start and a byte-aligned 13-byte unit that can be repeated forever.
fn zero_bomb() -> (Vec<u8>, Vec<u8>) {
    let mut w = BitWriter::default();
    w.put(0, 1); // BFINAL = 0
    w.put(1, 2); // BTYPE = 01, fixed Huffman codes
    w.code(0x30, 8); // literal 0
    let length_258_distance_1 = |w: &mut BitWriter| {
        w.code(0xc5, 8); // symbol 285: length 258, no extra bits
        w.code(0, 5); // distance code 0: distance 1
    };
    length_258_distance_1(&mut w); // 3 + 8 + 13 = 24 bits: byte-aligned
    for _ in 0..8 {
        length_258_distance_1(&mut w); // 8 × 13 bits = 13 bytes
    }
    let bytes = w.finish();
    (bytes[..3].to_vec(), bytes[3..].to_vec())
}

#[test]
fn bomb_is_stopped_at_the_limit() {
    let (start, unit) = zero_bomb();
    let piece: Vec<u8> = unit.repeat(315); // 4095 bytes of input, 650 KB of output
    let mut codec = receiver();
    let mut out = Vec::new();
    codec.decompress(&start, &mut out, LIMIT).unwrap();
    // 1700 pieces (7 MB of input) would inflate to 1.1 GB.
    let mut fed = 0;
    let err = loop {
        assert!(fed < 1700, "the limit was never hit");
        if let Err(e) = codec.decompress(&piece, &mut out, LIMIT) {
            break e;
        }
        fed += 1;
        assert!(out.len() <= LIMIT);
    };
    assert_eq!(err, Error::MessageTooLarge { max: LIMIT });
    assert_eq!(err.close_code().map(|c| c.0), Some(1009));
    assert_eq!(fed, 1, "stopped within the second piece");
    assert!(out.len() <= LIMIT, "out holds {} bytes", out.len());
    assert!(out.iter().all(|&b| b == 0));
    assert_eq!(codec.finish_message(&mut out, LIMIT), Err(Error::InvalidCompressedData));
}

#[test]
fn limit_is_exact() {
    let message = vec![b'x'; 1000];
    let mut sender = PerMessageDeflate::new(false, &Params::default(), &DeflateConfig::default());
    let mut payload = Vec::new();
    assert!(sender.compress(&message, &mut payload).unwrap());
    let mut out = Vec::new();
    let mut codec = receiver();
    codec.decompress(&payload, &mut out, 1000).unwrap();
    codec.finish_message(&mut out, 1000).unwrap();
    assert_eq!(out, message);

    let mut out = Vec::new();
    let mut codec = receiver();
    let r = codec.decompress(&payload, &mut out, 999).and_then(|()| codec.finish_message(&mut out, 999));
    assert_eq!(r, Err(Error::MessageTooLarge { max: 999 }));
    assert!(out.len() <= 999);
    // The limit counts what `out` already held (earlier frames of the same message).
    let mut out = vec![0; 500];
    let r = receiver().decompress(&payload, &mut out, 1400);
    assert_eq!(r, Err(Error::MessageTooLarge { max: 1400 }));
}

// ---- Round trips ----

/// Negotiates between a client and a server configuration and returns (client codec, server codec).
fn negotiate(client: &DeflateConfig, server: &DeflateConfig) -> (PerMessageDeflate, PerMessageDeflate) {
    let offer = client_offer(client);
    let (server_params, answer) = server_accept(server, [offer.as_str()]).expect("the server accepts");
    let client_params = client_accept(client, &answer).expect("the client accepts the answer");
    assert_eq!(server_params, client_params, "{offer} -> {answer}");
    (PerMessageDeflate::new(false, &client_params, client), PerMessageDeflate::new(true, &server_params, server))
}

/// Sends one message from `tx` to `rx` (in pieces of `piece` bytes), checks it arrives intact and returns the payload
/// size on the wire and whether it was compressed.
fn send(tx: &mut PerMessageDeflate, rx: &mut PerMessageDeflate, message: &[u8], piece: usize) -> (usize, bool) {
    let mut payload = Vec::new();
    if !tx.compress(message, &mut payload).unwrap() {
        assert!(payload.is_empty());
        return (message.len(), false);
    }
    let mut out = Vec::new();
    for chunk in payload.chunks(piece.max(1)) {
        rx.decompress(chunk, &mut out, usize::MAX).unwrap();
    }
    rx.finish_message(&mut out, usize::MAX).unwrap();
    assert_eq!(out, message);
    (payload.len(), true)
}

fn text(len: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &["the ", "message ", "server ", "client ", "frame ", "window ", "of ", "and ", "deflate "];
    let mut rng = Lcg(seed);
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(WORDS[(rng.next() % WORDS.len() as u64) as usize].as_bytes());
    }
    out.truncate(len);
    out
}

fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Lcg(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}

#[test]
fn round_trip_text_random_and_empty() {
    let cfg = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
    let (mut client, mut server) = negotiate(&cfg, &cfg);
    let message = text(100_000, 1);
    let (size, compressed) = send(&mut client, &mut server, &message, 4096);
    assert!(compressed && size < message.len() / 4, "text compresses: {size}");
    let message = random(100_000, 2);
    let (size, compressed) = send(&mut server, &mut client, &message, 1000);
    assert!(compressed && size < message.len() + message.len() / 500, "random data barely grows: {size}");
    assert_eq!(send(&mut client, &mut server, b"", 1), (1, true));
    assert!(send(&mut client, &mut server, &[0; 300_000], 7).1);
}

#[test]
fn many_messages_in_sequence_every_mode() {
    for (snct, cnct) in [(false, false), (true, false), (false, true), (true, true)] {
        let cfg = DeflateConfig {
            threshold: 16,
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            ..DeflateConfig::default()
        };
        let (mut client, mut server) = negotiate(&cfg, &cfg);
        for i in 0..200u64 {
            let len = (i as usize * 37) % 3000;
            let message = if i % 5 == 4 { random(len, i) } else { text(len, i % 7) };
            send(&mut client, &mut server, &message, 1 + (i as usize % 50));
            send(&mut server, &mut client, &message, 500);
        }
    }
}

#[test]
fn every_level_round_trips() {
    for level in 0..=12 {
        let cfg = DeflateConfig { level, ..DeflateConfig::default() };
        let (mut client, mut server) = negotiate(&cfg, &cfg);
        for seed in 0..3 {
            let message = text(20_000, seed);
            let (size, compressed) = send(&mut client, &mut server, &message, 999);
            assert_eq!(compressed, level > 0, "level {level}");
            assert!(level == 0 || size < message.len() / 3, "level {level}: {size}");
        }
    }
}

#[test]
fn context_takeover_pays_off_and_can_be_refused() {
    // Letters at random: compressible, but with few long repeats inside one message.
    let message: Vec<u8> = random(2000, 3).iter().map(|b| b'a' + b % 26).collect();
    let cfg = DeflateConfig::default();
    let (mut client, mut server) = negotiate(&cfg, &cfg);
    let (first, _) = send(&mut client, &mut server, &message, 100);
    let (second, _) = send(&mut client, &mut server, &message, 100);
    assert!(second * 5 < first, "the repeat refers back to the first: {first} then {second}");

    let cfg = DeflateConfig { client_no_context_takeover: true, ..DeflateConfig::default() };
    let (mut client, mut server) = negotiate(&cfg, &cfg);
    let (first, _) = send(&mut client, &mut server, &message, 100);
    let (second, _) = send(&mut client, &mut server, &message, 100);
    assert_eq!(first, second, "each message starts afresh");
}

#[test]
fn threshold_level_zero_and_incompressible_data() {
    let mut codec = PerMessageDeflate::new(false, &Params::default(), &DeflateConfig::default());
    let mut out = vec![9];
    assert!(!codec.compress(&[b'a'; 127], &mut out).unwrap(), "below the default threshold of 128");
    assert!(codec.compress(&[b'a'; 128], &mut out).unwrap());
    assert_eq!(out[0], 9, "appends");

    let cfg = DeflateConfig { level: 0, ..DeflateConfig::default() };
    let mut codec = PerMessageDeflate::new(false, &Params::default(), &cfg);
    assert!(!codec.compress(&text(5000, 1), &mut Vec::new()).unwrap());

    // Without context takeover nothing is lost by sending data that does not compress as it is.
    let params = Params { client_no_context_takeover: true, ..Params::default() };
    let mut codec = PerMessageDeflate::new(false, &params, &DeflateConfig::default());
    let mut out = Vec::new();
    assert!(!codec.compress(&random(5000, 1), &mut out).unwrap());
    assert!(out.is_empty());
    assert!(codec.compress(&text(5000, 1), &mut out).unwrap());
}

/// The honesty rule: with an agreed window below 15 bits our compressor must not refer further back than the window.
#[test]
fn small_windows_are_honoured() {
    let messages: Vec<Vec<u8>> = vec![text(40_000, 1), vec![0; 5000], text(3000, 2), random(2000, 3), text(9000, 1)];
    for bits in 8..=15u8 {
        // Asked by the client of the server ...
        let client = DeflateConfig { server_max_window_bits: Some(bits), ..DeflateConfig::default() };
        let (mut c, mut s) = negotiate(&client, &DeflateConfig::default());
        // ... and by the server of the client.
        let server = DeflateConfig { client_max_window_bits: Some(bits), ..DeflateConfig::default() };
        let (mut c2, mut s2) = negotiate(&DeflateConfig::default(), &server);
        assert_eq!(s.is_window_limited(), bits < 15);
        assert_eq!(c2.is_window_limited(), bits < 15);
        for (tx, rx) in [(&mut s, &mut c), (&mut c2, &mut s2)] {
            let mut history = Vec::new();
            let mut longest = 0;
            for message in &messages {
                let mut payload = Vec::new();
                assert!(tx.compress(message, &mut payload).unwrap());
                payload.extend_from_slice(&[0, 0, 0xff, 0xff]);
                longest = longest.max(reference_inflate(&payload, &mut history).unwrap());
                let mut out = Vec::new();
                rx.decompress(&payload[..payload.len() - 4], &mut out, usize::MAX).unwrap();
                rx.finish_message(&mut out, usize::MAX).unwrap();
                assert_eq!(&out, message);
            }
            assert_eq!(history.len(), messages.iter().map(Vec::len).sum::<usize>());
            assert!(longest <= 1 << bits, "{bits} bits: a match reaches back {longest} bytes");
            if bits == 15 {
                assert!(longest > 1 << 8, "the full window is used (and the check can fail): {longest}");
            }
        }
    }
}

#[test]
fn client_keeps_to_its_own_offered_window() {
    // Offering client_max_window_bits=10 promises a 10-bit window even if the answer does not repeat it.
    let cfg = DeflateConfig { client_max_window_bits: Some(10), ..DeflateConfig::default() };
    assert_eq!(client_offer(&cfg), "permessage-deflate; client_max_window_bits=10");
    let params = client_accept(&cfg, "permessage-deflate").unwrap();
    assert!(PerMessageDeflate::new(false, &params, &cfg).is_window_limited());
    assert!(!PerMessageDeflate::new(false, &params, &DeflateConfig::default()).is_window_limited());
}

// ---- Negotiation ----

#[test]
fn offers() {
    assert_eq!(client_offer(&DeflateConfig::default()), "permessage-deflate; client_max_window_bits");
    let cfg = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: Some(3), // clamped
        client_max_window_bits: None,
        ..DeflateConfig::default()
    };
    assert_eq!(
        client_offer(&cfg),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8"
    );
}

fn p(snct: bool, cnct: bool, smwb: Option<u8>, cmwb: Option<u8>) -> Params {
    Params {
        server_no_context_takeover: snct,
        client_no_context_takeover: cnct,
        server_max_window_bits: smwb,
        client_max_window_bits: cmwb,
    }
}

/// Answers a client accepts, with the parameters it ends up with.
macro_rules! good_answers {
    ($($name:ident: $answer:expr => $params:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(client_accept(&DeflateConfig::default(), $answer), Ok($params));
        }
    )*};
}

good_answers! {
    answer_plain: "permessage-deflate" => p(false, false, None, None);
    answer_all: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
        server_max_window_bits=10; client_max_window_bits=9" => p(true, true, Some(10), Some(9));
    answer_quoted: "permessage-deflate; server_max_window_bits=\"12\"; client_max_window_bits=\"8\""
        => p(false, false, Some(12), Some(8));
    answer_spacing_and_case: "  PerMessage-Deflate ;Server_No_Context_Takeover ;  client_max_window_bits = 15 "
        => p(true, false, None, Some(15));
    answer_trailing_empty_elements: "permessage-deflate, ," => p(false, false, None, None);
}

/// Answers a client must fail on (RFC 7692 §5, §7), with a piece of the message that names the problem.
macro_rules! bad_answers {
    ($($name:ident: $cfg:expr, $answer:expr => $why:expr;)*) => {$(
        #[test]
        fn $name() {
            match client_accept(&$cfg, $answer) {
                Err(Error::UnexpectedExtension(what)) => assert!(what.contains($why), "{what:?} lacks {:?}", $why),
                other => panic!("{other:?}"),
            }
        }
    )*};
}

const DEFAULT: DeflateConfig = DeflateConfig {
    level: 1,
    threshold: 128,
    server_no_context_takeover: false,
    client_no_context_takeover: false,
    server_max_window_bits: None,
    client_max_window_bits: Some(15),
};
const NO_CMWB: DeflateConfig = DeflateConfig { client_max_window_bits: None, ..DEFAULT };

bad_answers! {
    unknown_extension: DEFAULT, "x-webkit-deflate-frame" => "x-webkit-deflate-frame";
    unknown_parameter: DEFAULT, "permessage-deflate; mux" => "unknown parameter mux";
    duplicate_flag: DEFAULT, "permessage-deflate; server_no_context_takeover; server_no_context_takeover"
        => "duplicate parameter server_no_context_takeover";
    duplicate_window: DEFAULT, "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10"
        => "duplicate parameter server_max_window_bits";
    flag_with_value: DEFAULT, "permessage-deflate; server_no_context_takeover=1"
        => "server_no_context_takeover takes no value";
    flag_with_quoted_value: DEFAULT, "permessage-deflate; client_no_context_takeover=\"\""
        => "client_no_context_takeover takes no value";
    window_too_small: DEFAULT, "permessage-deflate; server_max_window_bits=7" => "server_max_window_bits=7";
    window_too_large: DEFAULT, "permessage-deflate; client_max_window_bits=16" => "client_max_window_bits=16";
    window_leading_zero: DEFAULT, "permessage-deflate; server_max_window_bits=09" => "server_max_window_bits=09";
    window_not_a_number: DEFAULT, "permessage-deflate; server_max_window_bits=ten" => "not a window size";
    window_quoted_garbage: DEFAULT, "permessage-deflate; server_max_window_bits=\"1 0\"" => "not a window size";
    server_window_without_value: DEFAULT, "permessage-deflate; server_max_window_bits"
        => "server_max_window_bits needs a value";
    client_window_without_value: DEFAULT, "permessage-deflate; client_max_window_bits"
        => "client_max_window_bits needs a value";
    client_window_not_offered: NO_CMWB, "permessage-deflate; client_max_window_bits=10"
        => "client_max_window_bits was not offered";
    two_extensions: DEFAULT, "permessage-deflate, permessage-deflate" => "more than one extension";
    another_extension_too: DEFAULT, "permessage-deflate, x-foo" => "more than one extension";
    empty_answer: DEFAULT, " " => "empty";
    malformed_answer: DEFAULT, "permessage-deflate; server_max_window_bits=\"10" => "unterminated quoted string";
    malformed_separator: DEFAULT, "permessage-deflate server_no_context_takeover" => "malformed";
}

/// How a server answers a request's offers: `Some((params, answer))` or `None` (declined).
macro_rules! server_answers {
    ($($name:ident: $cfg:expr, $offers:expr => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            let got = server_accept(&$cfg, $offers);
            let expected: Option<(Params, &str)> = $expected;
            assert_eq!(got.as_ref().map(|(p, s)| (*p, s.as_str())), expected);
            // Whatever a server answers, a client that offered the parameters must accept it.
            if let Some((params, answer)) = got {
                let client = DeflateConfig { client_max_window_bits: Some(15), ..DEFAULT };
                assert_eq!(client_accept(&client, &answer), Ok(params));
            }
        }
    )*};
}

const PMD: &str = "permessage-deflate";

server_answers! {
    accepts_plain: DEFAULT, ["permessage-deflate"] => Some((p(false, false, None, None), PMD));
    accepts_browser_offer: DEFAULT, ["permessage-deflate; client_max_window_bits"]
        => Some((p(false, false, None, None), PMD));
    accepts_no_headers: DEFAULT, [""; 0] => None;
    echoes_server_no_context_takeover: DEFAULT, ["permessage-deflate; server_no_context_takeover"]
        => Some((p(true, false, None, None), "permessage-deflate; server_no_context_takeover"));
    echoes_client_no_context_takeover: DEFAULT, ["permessage-deflate; client_no_context_takeover"]
        => Some((p(false, true, None, None), "permessage-deflate; client_no_context_takeover"));
    adds_no_context_takeover_from_config:
        DeflateConfig { server_no_context_takeover: true, client_no_context_takeover: true, ..DEFAULT },
        ["permessage-deflate"]
        => Some((p(true, true, None, None),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"));
    honours_small_server_window: DEFAULT, ["permessage-deflate; server_max_window_bits=10"]
        => Some((p(false, false, Some(10), None), "permessage-deflate; server_max_window_bits=10"));
    honours_server_window_8: DEFAULT, ["permessage-deflate; server_max_window_bits=8"]
        => Some((p(false, false, Some(8), None), "permessage-deflate; server_max_window_bits=8"));
    answers_server_window_15_when_asked: DEFAULT, ["permessage-deflate; server_max_window_bits=15"]
        => Some((p(false, false, Some(15), None), "permessage-deflate; server_max_window_bits=15"));
    own_server_window_smaller: DeflateConfig { server_max_window_bits: Some(9), ..DEFAULT },
        ["permessage-deflate; server_max_window_bits=12"]
        => Some((p(false, false, Some(9), None), "permessage-deflate; server_max_window_bits=9"));
    own_server_window_unasked: DeflateConfig { server_max_window_bits: Some(12), ..DEFAULT }, ["permessage-deflate"]
        => Some((p(false, false, Some(12), None), "permessage-deflate; server_max_window_bits=12"));
    asks_client_window: DeflateConfig { client_max_window_bits: Some(10), ..DEFAULT },
        ["permessage-deflate; client_max_window_bits"]
        => Some((p(false, false, None, Some(10)), "permessage-deflate; client_max_window_bits=10"));
    asks_client_window_within_offer: DeflateConfig { client_max_window_bits: Some(12), ..DEFAULT },
        ["permessage-deflate; client_max_window_bits=\"9\""]
        => Some((p(false, false, None, Some(9)), "permessage-deflate; client_max_window_bits=9"));
    cannot_ask_client_window_unoffered: DeflateConfig { client_max_window_bits: Some(10), ..DEFAULT },
        ["permessage-deflate"] => Some((p(false, false, None, None), PMD));
    skips_invalid_offer: DEFAULT, ["permessage-deflate; foo, permessage-deflate; server_max_window_bits=11"]
        => Some((p(false, false, Some(11), None), "permessage-deflate; server_max_window_bits=11"));
    skips_other_extensions_across_headers: DEFAULT,
        ["x-webkit-deflate-frame", "foo; bar=\"a,b\", permessage-deflate; client_no_context_takeover"]
        => Some((p(false, true, None, None), "permessage-deflate; client_no_context_takeover"));
    skips_malformed_element: DEFAULT, ["permessage-deflate; x=\"a,b\" junk, permessage-deflate"]
        => Some((p(false, false, None, None), PMD));
    first_acceptable_wins: DEFAULT,
        ["permessage-deflate; server_max_window_bits=10", "permessage-deflate"]
        => Some((p(false, false, Some(10), None), "permessage-deflate; server_max_window_bits=10"));
    accepts_bytes: DEFAULT, [b"PERMESSAGE-DEFLATE".as_slice()] => Some((p(false, false, None, None), PMD));
    declines_every_invalid_offer: DEFAULT, [
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=010",
        "permessage-deflate; server_no_context_takeover=true",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; unknown",
        "permessage-deflate; server_max_window_bits=\"10",
    ] => None;
    declines_without_permessage_deflate: DEFAULT, ["foo, bar; baz=1", "x-webkit-deflate-frame"] => None;
}

#[test]
fn server_accepts_a_vec_of_strings() {
    let headers = vec![String::from("permessage-deflate; server_no_context_takeover")];
    assert!(server_accept(&DeflateConfig::default(), &headers).is_some());
}

#[test]
fn header_garbage_never_panics() {
    const PARTS: &[&str] = &[
        "permessage-deflate",
        ";",
        ",",
        "=",
        "\"",
        "\\",
        " ",
        "server_max_window_bits",
        "client_max_window_bits",
        "server_no_context_takeover",
        "10",
        "8",
        "99",
        "\u{1}",
        "é",
    ];
    let mut rng = Lcg(11);
    for _ in 0..5000 {
        let n = rng.next() % 12;
        let header: String = (0..n).map(|_| PARTS[(rng.next() % PARTS.len() as u64) as usize]).collect();
        if let Some((params, answer)) = server_accept(&DeflateConfig::default(), [header.as_str()]) {
            assert_eq!(client_accept(&DeflateConfig::default(), &answer), Ok(params), "{header:?}");
        }
        let _ = client_accept(&DeflateConfig::default(), &header);
    }
}

// ---- Helpers ----

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// `bits` bits of `value`, least significant first (RFC 1951 §3.1.1).
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// An independent DEFLATE decoder (RFC 1951), written for these tests, that appends to `history` (the previous
/// messages, for context takeover) and returns the longest match distance used. Errors on a distance reaching before
/// the start of `history`. The input must end at a byte boundary after a block.
fn reference_inflate(data: &[u8], history: &mut Vec<u8>) -> Result<usize, &'static str> {
    let mut r = BitReader { data, pos: 0, acc: 0, n: 0 };
    let mut longest = 0;
    while r.pos < data.len() || r.n >= 8 {
        let _final = r.bits(1)?;
        match r.bits(2)? {
            0 => {
                r.acc = 0;
                r.n = 0;
                let len = r.bits(16)? as usize;
                let nlen = r.bits(16)? as usize;
                if len != !nlen & 0xffff {
                    return Err("stored length");
                }
                let bytes = data.get(r.pos..r.pos + len).ok_or("stored data")?;
                history.extend_from_slice(bytes);
                r.pos += len;
            }
            1 => {
                let mut lengths = [0u8; 320];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..288].fill(8);
                lengths[288..].fill(5);
                let (lit, dist) = (Huffman::new(&lengths[..288]), Huffman::new(&lengths[288..]));
                longest = longest.max(codes(&mut r, &lit, &dist, history)?);
            }
            2 => {
                let nlen = r.bits(5)? as usize + 257;
                let ndist = r.bits(5)? as usize + 1;
                let ncode = r.bits(4)? as usize + 4;
                const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
                let mut cl = [0u8; 19];
                for &i in &ORDER[..ncode] {
                    cl[i] = r.bits(3)? as u8;
                }
                let clh = Huffman::new(&cl);
                let mut lengths = Vec::new();
                while lengths.len() < nlen + ndist {
                    let sym = clh.decode(&mut r)?;
                    let (value, repeat) = match sym {
                        0..=15 => (sym as u8, 1),
                        16 => (*lengths.last().ok_or("repeat")?, 3 + r.bits(2)?),
                        17 => (0, 3 + r.bits(3)?),
                        _ => (0, 11 + r.bits(7)?),
                    };
                    lengths.extend(std::iter::repeat_n(value, repeat as usize));
                }
                if lengths.len() > nlen + ndist {
                    return Err("too many lengths");
                }
                let (lit, dist) = (Huffman::new(&lengths[..nlen]), Huffman::new(&lengths[nlen..]));
                longest = longest.max(codes(&mut r, &lit, &dist, history)?);
            }
            _ => return Err("block type 3"),
        }
    }
    Ok(longest)
}

fn codes(r: &mut BitReader<'_>, lit: &Huffman, dist: &Huffman, out: &mut Vec<u8>) -> Result<usize, &'static str> {
    const LBASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ];
    const LEXT: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    const DBASE: [u16; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ];
    const DEXT: [u8; 30] =
        [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
    let mut longest = 0;
    loop {
        let sym = lit.decode(r)?;
        match sym {
            0..=255 => out.push(sym as u8),
            256 => return Ok(longest),
            257..=285 => {
                let i = sym - 257;
                let len = LBASE[i] as usize + r.bits(u32::from(LEXT[i]))? as usize;
                let d = dist.decode(r)?;
                if d >= 30 {
                    return Err("distance symbol");
                }
                let distance = DBASE[d] as usize + r.bits(u32::from(DEXT[d]))? as usize;
                if distance > out.len() {
                    return Err("distance too far back");
                }
                longest = longest.max(distance);
                for _ in 0..len {
                    out.push(out[out.len() - distance]);
                }
            }
            _ => return Err("length symbol"),
        }
    }
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    n: u32,
}

impl BitReader<'_> {
    fn bits(&mut self, need: u32) -> Result<u32, &'static str> {
        while self.n < need {
            let byte = *self.data.get(self.pos).ok_or("out of input")?;
            self.pos += 1;
            self.acc |= u64::from(byte) << self.n;
            self.n += 8;
        }
        let value = (self.acc & ((1u64 << need) - 1)) as u32;
        self.acc >>= need;
        self.n -= need;
        Ok(value)
    }
}

/// A canonical Huffman code, decoded bit by bit (as zlib's puff does).
struct Huffman {
    count: [u16; 16],
    symbols: Vec<usize>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Self {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut symbols = Vec::new();
        for len in 1..16 {
            symbols.extend(lengths.iter().enumerate().filter(|(_, &l)| l as usize == len).map(|(s, _)| s));
        }
        Self { count, symbols }
    }

    fn decode(&self, r: &mut BitReader<'_>) -> Result<usize, &'static str> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= r.bits(1)? as i32;
            let count = i32::from(self.count[len]);
            if code - count < first {
                return Ok(self.symbols[(index + code - first) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("bad code")
    }
}
