//! The benchmark's echo server (issue 7, rows 4–5): native Rust on hybi's core, one tokio thread, so that the
//! clients under test (one JS thread each) are the bottleneck, never the server. Echoes every text and binary
//! message as one unmasked frame; answers pings and closes through the core. Declines every extension, so every
//! client runs without permessage-deflate.
//!
//!   echo-server [PORT]       (0 or nothing: any free port) → prints `listening PORT`, serves 127.0.0.1 until killed.

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

async fn serve(mut sock: TcpStream) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut head = Vec::new();
    let leftover = loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        match handshake::parse_request(&head, &Limits::default()) {
            Ok(frame::Status::Complete(req, len)) => {
                let resp = req.accept(None, None, &[]).map_err(std::io::Error::other)?;
                sock.write_all(&resp).await?;
                break head.split_off(len);
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
    let mut out: Vec<u8> = Vec::with_capacity(64 << 10);
    let mut input: &[u8] = &leftover;
    let mut owned;
    loop {
        let r = conn.receive(input, |e| match e {
            Event::Text(t) => frame::encode(&mut out, true, 0, OpCode::Text, None, t.as_bytes()),
            Event::Binary(b) => frame::encode(&mut out, true, 0, OpCode::Binary, None, b),
            _ => {}
        });
        conn.take_output(&mut out);
        if !out.is_empty() {
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
        if n == 0 {
            return Ok(());
        }
        owned = &buf[..n];
        input = owned;
    }
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).map(|p| p.parse().expect("port")).unwrap_or(0);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening {}", listener.local_addr()?.port());
        loop {
            let (sock, _) = listener.accept().await?;
            tokio::spawn(async move {
                let _ = serve(sock).await;
            });
        }
    })
}
