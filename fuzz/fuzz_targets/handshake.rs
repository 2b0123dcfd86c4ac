//! The handshake parsers on arbitrary bytes: the server's `parse_request` and the client's `parse_response`,
//! each on the whole input and on every prefix-growing split (a head arriving in pieces); no panics, and a
//! head that parses whole parses the same when it arrives in two pieces.
#![no_main]

use hybi::handshake::{parse_request, ClientRequest, Limits, Status};
use hybi::{Error, Rng};
use libfuzzer_sys::fuzz_target;

struct Fixed;
impl Rng for Fixed {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0x42);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let [sel, rest @ ..] = data else { return };
    let limits = Limits { max_head: 64 + usize::from(*sel) * 32, max_headers: usize::from(sel % 16) + 1 };
    if sel & 0x80 == 0 {
        let whole = parse_request(rest, &limits);
        if let Ok(Status::Complete(req, n)) = &whole {
            assert!(*n <= rest.len());
            assert_eq!(req.method, "GET");
            // Feeding a prefix first must not change the verdict on the whole head.
            let split = usize::from(*sel) % (*n).max(1);
            let _ = parse_request(&rest[..split], &limits);
            assert_eq!(parse_request(rest, &limits), whole);
        }
    } else {
        // The key the response must match is the one for 16 bytes of 0x42.
        let Ok((_, mut hs)) = ClientRequest::new("h").protocol("p").extension("x").limits(limits).build(&mut Fixed)
        else {
            return;
        };
        let whole = hs.parse_response(rest);
        if let Ok(Status::Complete(_, n)) = &whole {
            assert!(*n <= rest.len());
        }
        for split in [1, rest.len() / 2, rest.len().saturating_sub(1)] {
            let _ = hs.parse_response(&rest[..split.min(rest.len())]);
        }
        assert_eq!(hs.parse_response(rest), whole);
    }
});
