//! `hybi::frame::Header::parse` on arbitrary bytes under arbitrary `Rules`.
//!
//! Input layout: byte 0 picks the role and the non-minimal-length switch, byte 1 the allowed RSV
//! bits, byte 2 the frame size limit; the rest is the buffer to parse.
#![no_main]

use hybi::frame::{Header, Rules, Status, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};
use libfuzzer_sys::fuzz_target;

/// Limits at and around every boundary the parser knows (7-bit, 16-bit, 64-bit lengths), and powers of two.
fn max_frame_size(sel: u8) -> u64 {
    const EDGES: [u64; 12] = [0, 1, 124, 125, 126, 127, 0xfffe, 0xffff, 0x1_0000, 0x1_0001, u64::MAX >> 1, u64::MAX];
    let shift = u32::from(sel & 63);
    match sel >> 6 {
        0 => u64::MAX,
        1 => EDGES[usize::from(sel & 63) % EDGES.len()],
        2 => 1u64 << shift,
        _ => (1u64 << shift) - 1,
    }
}

fn rules_from(sel: u8, rsv: u8, limit: u8) -> Rules {
    Rules {
        expect_masked: match sel % 3 {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        },
        allow_non_minimal_length: sel & 0x80 != 0,
        allowed_rsv: rsv & 0b111,
        max_frame_size: max_frame_size(limit),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[sel, rsv, limit], input)) = data.split_first_chunk::<3>() else { return };
    let rules = rules_from(sel, rsv, limit);

    match Header::parse(input, &rules) {
        Ok(Status::Complete(h, n)) => {
            assert!(n <= input.len(), "consumed {n} of {} bytes", input.len());
            assert!((2..=MAX_HEADER_LEN).contains(&n), "header of {n} bytes");
            if rules.allow_non_minimal_length {
                assert!(n >= h.encoded_len(), "{n} bytes, minimal form is {}", h.encoded_len());
            } else {
                assert_eq!(n, h.encoded_len(), "{h:?}");
            }
            assert!(h.len <= rules.max_frame_size, "{h:?} over the limit {}", rules.max_frame_size);
            assert_eq!(h.len >> 63, 0, "64-bit length with its top bit set: {h:?}");
            assert!(h.rsv <= 0b111 && h.rsv & !rules.allowed_rsv == 0, "{h:?} under {rules:?}");
            if h.opcode.is_control() {
                assert!(h.fin, "fragmented control frame accepted: {h:?}");
                assert!(h.len <= MAX_CONTROL_PAYLOAD as u64, "control frame too long: {h:?}");
            }
            if let Some(masked) = rules.expect_masked {
                assert_eq!(h.mask.is_some(), masked, "{h:?} under {rules:?}");
            }
            if let Some(key) = h.mask {
                assert_eq!(key[..], input[n - 4..n], "masking key is not the last 4 header bytes");
            }

            // Only the header's own bytes matter: the same result from exactly those bytes, and every
            // shorter prefix is "need more", never an error, never asking past the header.
            assert_eq!(Header::parse(&input[..n], &rules), Ok(Status::Complete(h, n)));
            for k in 0..n {
                match Header::parse(&input[..k], &rules) {
                    Ok(Status::Partial(need)) => {
                        assert!(k < need && need <= n, "prefix {k}: needs {need}, header is {n}")
                    }
                    other => panic!("prefix of {k} of a {n}-byte header gave {other:?}"),
                }
            }

            // Re-encoding gives the minimal form, which parses back to the same header under the same rules
            // (and is byte-identical to the input when that was minimal).
            let mut buf = [0u8; MAX_HEADER_LEN];
            let m = h.encode(&mut buf);
            assert_eq!(m, h.encoded_len());
            assert_eq!(Header::parse(&buf[..m], &rules), Ok(Status::Complete(h, m)), "re-encoded {:02x?}", &buf[..m]);
            let strict = Rules { allow_non_minimal_length: false, ..rules };
            assert_eq!(Header::parse(&buf[..m], &strict), Ok(Status::Complete(h, m)));
            if n == m {
                assert_eq!(buf[..m], input[..n], "re-encoding changed the bytes of {h:?}");
            }
        }
        Ok(Status::Partial(need)) => {
            assert!(need > input.len(), "asked for {need} with {} bytes present", input.len());
            assert!((2..=MAX_HEADER_LEN).contains(&need), "asked for {need} bytes");
            // Still "need more" from any shorter prefix, never asking for more than now.
            for k in 0..input.len() {
                match Header::parse(&input[..k], &rules) {
                    Ok(Status::Partial(p)) => assert!(k < p && p <= need, "prefix {k}: needs {p}, whole needs {need}"),
                    other => panic!("prefix {k} of a partial header gave {other:?}"),
                }
            }
        }
        Err(e) => {
            // Every header error is a protocol violation with the close code the RFC asks for.
            let code = e.close_code().unwrap_or_else(|| panic!("{e:?} has no close code"));
            assert!(matches!(code.0, 1002 | 1009), "{e:?} maps to {code:?}");
            // Decided by the bytes present: more bytes never change the verdict.
            let mut longer = input.to_vec();
            longer.extend_from_slice(&[0xff; MAX_HEADER_LEN]);
            assert_eq!(Header::parse(&longer, &rules), Err(e));
        }
    }
});
