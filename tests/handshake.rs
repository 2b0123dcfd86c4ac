//! The opening handshake end to end, through the public API only: client request → server parse → server
//! answer → client check.

#![cfg(not(target_arch = "wasm32"))]

use hybi::handshake::{
    accept_key, build_rejection, error_response, parse_request, validate_request, ClientHandshake, ClientRequest,
    Limits, Request, Response, Status,
};
use hybi::{Error, Rng};

/// A predictable randomness source: 0, 1, 2, ...
struct Counter(u8);

impl Rng for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for b in dest {
            *b = self.0;
            self.0 = self.0.wrapping_add(1);
        }
        Ok(())
    }
}

fn complete<T>(status: Result<Status<T>, Error>) -> (T, usize) {
    match status {
        Ok(Status::Complete(value, len)) => (value, len),
        other => panic!("not complete: {:?}", other.err()),
    }
}

/// Builds the client's request and has the server parse it.
fn send(req: ClientRequest) -> (Request, ClientHandshake) {
    let (bytes, client) = req.build(&mut Counter(0)).unwrap();
    let (request, len) = complete(parse_request(&bytes, &Limits::default()));
    assert_eq!(len, bytes.len());
    (request, client)
}

#[test]
fn round_trip() {
    let (req, mut client) = send(
        ClientRequest::from_url("wss://chat.example.com:8443/room/1?token=abc")
            .unwrap()
            .origin("https://example.com")
            .protocol("v1.chat")
            .protocol("v2.chat")
            .header("Cookie", "session=1"),
    );
    assert_eq!(req.path, "/room/1?token=abc");
    assert_eq!(req.host, "chat.example.com:8443");
    assert_eq!(req.key, client.key());
    assert_eq!(req.origin.as_deref(), Some("https://example.com"));
    assert_eq!(req.protocols, ["v1.chat", "v2.chat"]);
    assert_eq!(req.header("cookie"), Some(&b"session=1"[..]));

    let protocol = req.select_protocol(&["v2.chat", "v1.chat"]);
    assert_eq!(protocol, Some("v2.chat"));
    let answer = req.accept(protocol, None, &[("Set-Cookie", "seen=1")]).unwrap();
    let (res, len) = complete(client.parse_response(&answer));
    assert_eq!(len, answer.len());
    assert_eq!(res.status, 101);
    assert_eq!(res.protocol.as_deref(), Some("v2.chat"));
    assert_eq!(res.extensions, None);
    assert_eq!(res.header("Sec-WebSocket-Accept"), Some(accept_key(client.key()).as_bytes()));
    assert_eq!(res.header("set-cookie"), Some(&b"seen=1"[..]));
}

#[test]
fn extension_offer_and_answer_pass_through() {
    let offer = "permessage-deflate; client_max_window_bits";
    let (req, mut client) = send(ClientRequest::new("example.com").extension(offer));
    assert_eq!(req.extensions, [offer]);
    let answer = req.accept(None, Some("permessage-deflate; server_no_context_takeover"), &[]).unwrap();
    let (res, _) = complete(client.parse_response(&answer));
    assert_eq!(res.extensions.as_deref(), Some("permessage-deflate; server_no_context_takeover"));

    // Without an offer, the same answer is refused.
    let (req, mut client) = send(ClientRequest::new("example.com"));
    let answer = req.accept(None, Some("permessage-deflate"), &[]).unwrap();
    assert_eq!(client.parse_response(&answer), Err(Error::UnexpectedExtension("permessage-deflate".into())));
}

#[test]
fn ipv6_host() {
    let (bytes, _) = ClientRequest::new("::1").port(8080).build(&mut Counter(0)).unwrap();
    assert!(String::from_utf8(bytes).unwrap().starts_with("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n"));
    let (req, _) = send(ClientRequest::from_url("ws://[2001:db8::7]/").unwrap());
    assert_eq!(req.host, "[2001:db8::7]");
}

#[test]
fn frames_after_the_head_are_preserved() {
    let (req, mut client) = send(ClientRequest::new("example.com"));
    let mut wire = req.accept(None, None, &[]).unwrap();
    let head = wire.len();
    let frames = [0x81, 0x05, b'H', b'e', b'l', b'l', b'o', 0x89, 0x00];
    wire.extend_from_slice(&frames);
    let (_, len) = complete(client.parse_response(&wire));
    assert_eq!(len, head);
    assert_eq!(&wire[len..], frames);

    // And on the server: a client may send its first frame right behind its request.
    let (mut bytes, _) = ClientRequest::new("example.com").build(&mut Counter(0)).unwrap();
    let head = bytes.len();
    bytes.extend_from_slice(&[0x81, 0x80, 1, 2, 3, 4]);
    let (_, len) = complete(parse_request(&bytes, &Limits::default()));
    assert_eq!((len, &bytes[len..]), (head, &[0x81, 0x80, 1, 2, 3, 4][..]));
}

#[test]
fn every_split_gives_the_same_result() {
    let (bytes, mut client) =
        ClientRequest::new("example.com").protocol("chat").extension("x").build(&mut Counter(9)).unwrap();
    let whole = complete(parse_request(&bytes, &Limits::default()));
    for i in 0..bytes.len() {
        assert_eq!(parse_request(&bytes[..i], &Limits::default()), Ok(Status::Partial(i + 1)));
    }
    let answer = whole.0.accept(Some("chat"), Some("x"), &[]).unwrap();
    let expected: (Response, usize) = complete(client.parse_response(&answer));
    for i in 0..answer.len() {
        assert_eq!(client.parse_response(&answer[..i]), Ok(Status::Partial(i + 1)));
    }
    assert_eq!(complete(client.parse_response(&answer)), expected);
}

#[test]
fn server_refusals_reach_the_client_as_rejections() {
    let (bytes, mut client) = ClientRequest::new("example.com").build(&mut Counter(0)).unwrap();
    let old = String::from_utf8(bytes).unwrap().replace("Version: 13", "Version: 8");
    let err = parse_request(old.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!((&err, err.http_status()), (&Error::UnsupportedVersion, Some(426)));
    let Err(Error::Rejected(r)) = client.parse_response(&error_response(&err)) else { panic!("not rejected") };
    assert_eq!((r.status, r.reason.as_str()), (426, "Upgrade Required"));
    assert!(r.headers.iter().any(|(n, v)| n == "Sec-WebSocket-Version" && v == b"13"));
    assert_eq!(r.body, err.to_string().as_bytes());

    let err = validate_request("POST", "/", (1, 1), [("Host", &b"h"[..])]).unwrap_err();
    let Err(Error::Rejected(r)) = client.parse_response(&error_response(&err)) else { panic!("not rejected") };
    assert_eq!(r.status, 405);
    assert!(r.headers.iter().any(|(n, v)| n == "Allow" && v == b"GET"));

    let answer = build_rejection(401, &[("WWW-Authenticate", "Bearer")], b"log in first").unwrap();
    let Err(Error::Rejected(r)) = client.parse_response(&answer) else { panic!("not rejected") };
    assert_eq!((r.status, r.reason.as_str(), &r.body[..]), (401, "Unauthorized", &b"log in first"[..]));
}

#[test]
fn oversized_heads_refused_early() {
    let limits = Limits { max_head: 256, max_headers: 8 };
    let mut endless = b"GET / HTTP/1.1\r\nHost: h\r\nX-Filler: ".to_vec();
    endless.resize(10_000, b'a');
    let first_error = (0..endless.len()).find(|&i| parse_request(&endless[..i], &limits).is_err());
    assert_eq!(first_error, Some(256));
    assert_eq!(parse_request(&endless, &limits), Err(Error::HeadTooLarge { max: 256 }));

    let many: String = (0..9).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let req = format!("GET / HTTP/1.1\r\n{many}\r\n");
    let err = parse_request(req.as_bytes(), &limits).unwrap_err();
    assert_eq!((err.clone(), err.http_status()), (Error::TooManyHeaders { max: 8 }, Some(431)));
}
