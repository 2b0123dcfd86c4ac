//! The benchmark's echo server (issue 7, rows 4–5): native Rust on hybi's core, one tokio thread, so that the
//! clients under test (one JS thread each) are the bottleneck, never the server. Echoes every text and binary
//! message as one unmasked frame; answers pings and closes through the core. By default it declines every extension,
//! so every client runs without permessage-deflate (the uncompressed rows).
//!
//! With `--deflate` (the compressed row, issue 6) it accepts the first permessage-deflate offer it can honour
//! (`hybi::deflate::server_accept` on the request's `Sec-WebSocket-Extensions` values, the core's default
//! `DeflateConfig`: level 1, context takeover) and turns it on with `Connection::enable_deflate`; echoes then go out
//! through `send_text`/`send_binary`, so each one is compressed with the server's own (takeover) context. A client
//! that offers nothing still gets an uncompressed connection.
//!
//!   echo-server [PORT] [--deflate] [--stats]   (0 or nothing: any free port) → prints `listening PORT`, serves
//!                                              127.0.0.1 until killed.
//!
//! `--stats` prints one line per connection to stderr when it ends: bytes read and written on the wire after the
//! handshake, and the messages echoed with their (inflated) payload bytes — how the compression is checked by hand.

use hybi::deflate::{self, DeflateConfig};
use hybi::frame::{self, OpCode};
use hybi::handshake::{self, Limits};
use hybi::{Config, Connection, Event, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct NoRng;
impl hybi::Rng for NoRng {
    fn fill(&mut self, _: &mut [u8]) -> Result<(), hybi::Error> {
        unreachable!("a server never masks")
    }
}

#[derive(Default)]
struct Stats {
    deflate: bool,
    wire_in: u64,
    wire_out: u64,
    messages: u64,
    payload: u64,
}

async fn serve(mut sock: TcpStream, offer_deflate: bool, stats: &mut Stats) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut head = Vec::new();
    let deflate_cfg = DeflateConfig::default();
    let (leftover, agreed) = loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        match handshake::parse_request(&head, &Limits::default()) {
            Ok(frame::Status::Complete(req, len)) => {
                let answer = if offer_deflate { deflate::server_accept(&deflate_cfg, &req.extensions) } else { None };
                let resp =
                    req.accept(None, answer.as_ref().map(|(_, a)| a.as_str()), &[]).map_err(std::io::Error::other)?;
                sock.write_all(&resp).await?;
                break (head.split_off(len), answer.map(|(params, _)| params));
            }
            Ok(frame::Status::Partial(_)) => continue,
            Err(e) => {
                sock.write_all(&handshake::error_response(&e)).await?;
                return Ok(());
            }
        }
    };
    let mut config = Config::default();
    config.max_frame_size = 64 << 20;
    let mut conn = Connection::new(Role::Server, config, NoRng);
    if let Some(params) = &agreed {
        conn.enable_deflate(params, &deflate_cfg);
    }
    let compressed = conn.deflate_enabled();
    stats.deflate = compressed;
    stats.wire_in = leftover.len() as u64;
    // With deflate, echoes are compressed by the connection itself (its context), after `receive` returns: the
    // messages are copied out of the event (it borrows the connection) and sent in order.
    let mut echoes: Vec<(bool, Vec<u8>)> = Vec::new();
    let mut out: Vec<u8> = Vec::with_capacity(64 << 10);
    let mut input: &[u8] = &leftover;
    let mut owned;
    loop {
        let r = if compressed {
            conn.receive(input, |e| match e {
                Event::Text(t) => echoes.push((true, t.as_bytes().to_vec())),
                Event::Binary(b) => echoes.push((false, b.to_vec())),
                _ => {}
            })
        } else {
            conn.receive(input, |e| match e {
                Event::Text(t) => frame::encode(&mut out, true, 0, OpCode::Text, None, t.as_bytes()),
                Event::Binary(b) => frame::encode(&mut out, true, 0, OpCode::Binary, None, b),
                _ => {}
            })
        };
        for (text, payload) in echoes.drain(..) {
            stats.messages += 1;
            stats.payload += payload.len() as u64;
            // After a Close the core refuses to send: the remaining echoes are dropped, as in the uncompressed path.
            let _ = if text {
                conn.send_text(std::str::from_utf8(&payload).expect("validated by the core"))
            } else {
                conn.send_binary(&payload)
            };
        }
        conn.take_output(&mut out);
        if !out.is_empty() {
            stats.wire_out += out.len() as u64;
            sock.write_all(&out).await?;
            out.clear();
            if out.capacity() > (4 << 20) {
                out.shrink_to(64 << 10);
            }
        }
        if r.is_err() || conn.should_close_transport() {
            return Ok(());
        }
        let n = sock.read(&mut buf).await?;
        stats.wire_in += n as u64;
        if n == 0 {
            return Ok(());
        }
        owned = &buf[..n];
        input = owned;
    }
}

fn main() -> std::io::Result<()> {
    let mut port: u16 = 0;
    let mut offer_deflate = false;
    let mut print_stats = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--deflate" => offer_deflate = true,
            "--stats" => print_stats = true,
            p => port = p.parse().expect("usage: echo-server [PORT] [--deflate] [--stats]"),
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening {}{}", listener.local_addr()?.port(), if offer_deflate { " (permessage-deflate)" } else { "" });
        loop {
            let (sock, _) = listener.accept().await?;
            tokio::spawn(async move {
                let mut stats = Stats::default();
                let r = serve(sock, offer_deflate, &mut stats).await;
                if print_stats {
                    let Stats { deflate, wire_in, wire_out, messages, payload } = stats;
                    eprintln!(
                        "echo-server: connection ended ({}): permessage-deflate {}, wire in {wire_in} B, out {wire_out} B; \
                         {messages} messages echoed through send_text/send_binary (deflate only), {payload} B of payload",
                        r.map_or_else(|e| e.to_string(), |()| "ok".into()),
                        if deflate { "on" } else { "off" },
                    );
                }
            });
        }
    })
}
