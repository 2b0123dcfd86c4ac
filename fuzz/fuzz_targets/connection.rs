//! `hybi::Connection::receive` (and `receive_mut`) on arbitrary bytes in arbitrary splits, in both roles, with small limits,
//! interleaved with sends (into the output or framed in place) and output taking. Nothing may panic; the output buffer must stay bounded by what
//! this harness sent plus one automatic Pong and one Close; after an error, the same error sticks.
//!
//! Input layout: byte 0 picks the role and switches, byte 1 the limits; then records of
//! `[len, op, bytes…]`: `op` chooses receive / send / take output, `len` the number of bytes.
#![no_main]

use hybi::connection::MessageKind;
use hybi::{CloseCode, Config, Connection, Error, Rng, Role};
use libfuzzer_sys::fuzz_target;

struct Counter(u8);
impl Rng for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            self.0 = self.0.wrapping_mul(31).wrapping_add(7);
            *b = self.0;
        }
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let [sel, lim, rest @ ..] = data else { return };
    let role = if sel & 1 == 0 { Role::Server } else { Role::Client };
    let mut config = Config::default();
    config.auto_pong = sel & 2 == 0;
    config.allow_non_minimal_length = sel & 4 != 0;
    config.fragment_size = usize::from(sel >> 4);
    config.max_frame_size = 1 << (lim & 15);
    config.max_message_size = 1 << ((lim >> 4) + 2);
    config.max_fragments = usize::from(lim % 7) + 1;
    let mut conn = Connection::new(role, config, Counter(*sel));

    let mut sent = 0usize;
    let mut error: Option<Error> = None;
    let mut rest = rest;
    while let [len, op, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (chunk, tail) = tail.split_at(n);
        rest = tail;
        match op % 8 {
            0..=3 => {
                let mut events = 0usize;
                // Op 0 reads through `receive`, 1 through `receive_mut` (unmasking in place), 2 and 3 through
                // `receive_collecting` (stopping for binary payloads of `len` bytes or more), 3 with the bytes
                // owed to a collected payload counted through `collected` first, as a binding does.
                let r = match op % 4 {
                    0 => conn.receive(chunk, |_| events += 1),
                    1 => conn.receive_mut(&mut chunk.to_vec(), |_| events += 1),
                    _ => {
                        let mut input = chunk;
                        if op % 4 == 3 && conn.collected(0).is_ok() {
                            let k = input.len().min(conn.bytes_owed() as usize);
                            conn.collected(k).expect("collecting what is owed");
                            input = &input[k..];
                        }
                        match conn.receive_collecting(&mut input.to_vec(), u64::from(*len), |_| events += 1) {
                            Ok(Some(used)) => {
                                assert!(used <= input.len());
                                assert!(conn.bytes_owed() >= u64::from(*len).max(1));
                                Ok(())
                            }
                            Ok(None) => Ok(()),
                            Err(Error::CollectMisuse) => {
                                assert!(conn.error().is_none(), "misuse does not fail the connection");
                                Ok(())
                            }
                            Err(e) => Err(e),
                        }
                    }
                };
                match (&error, r) {
                    (Some(e), r) => assert_eq!(r.as_ref(), Err(e), "a fatal error sticks"),
                    // Bytes passed to `receive` while a payload is owed to the caller: refused, not fatal.
                    (None, Err(Error::CollectMisuse)) => assert!(conn.error().is_none()),
                    (None, Err(e)) => {
                        assert!(conn.error().is_some());
                        error = Some(e);
                    }
                    (None, Ok(())) => {}
                }
                // Each event takes at least two bytes of input.
                assert!(events <= chunk.len() / 2 + 1);
            }
            4 if *len & 1 == 1 => {
                // Framed in the caller's buffer: the frame is the payload behind at most 14 header bytes, or the
                // buffer is left as it was (and nothing queued).
                let mut buf = [&[0xee; 14][..], chunk].concat();
                let before = (buf.clone(), conn.output().len());
                match conn.frame_in_place(MessageKind::Binary, &mut buf) {
                    Ok(Some(start)) => assert!(start <= 12 && buf.len() - start >= chunk.len() + 2),
                    Ok(None) | Err(_) => assert_eq!((buf, conn.output().len()), before, "untouched"),
                }
            }
            4 => {
                if conn.send_message(MessageKind::Binary, chunk, usize::from(*len % 5)).is_ok() {
                    sent += chunk.len() + 14 * (chunk.len() + 1);
                }
            }
            5 => {
                if let Ok(text) = core::str::from_utf8(chunk) {
                    if conn.send_text(text).is_ok() {
                        sent += chunk.len() + 14 * (chunk.len() + 1);
                    }
                }
            }
            6 => {
                let _ = conn.ping(&chunk[..chunk.len().min(125)]);
                sent += 14 + 125;
                let _ = conn.close(Some(CloseCode(u16::from(*len) * 20)), "");
                sent += 14 + 125;
            }
            _ => {
                let n = conn.output().len();
                // Bounded: what we queued, plus at most one automatic Pong and one Close (2 × (14 + 125)).
                assert!(n <= sent + 2 * (14 + 125), "output {n} > {sent} sent");
                conn.advance_output(n / 2 + 1);
            }
        }
    }
    let n = conn.output().len();
    assert!(n <= sent + 2 * (14 + 125), "output {n} > {sent} sent");
});
