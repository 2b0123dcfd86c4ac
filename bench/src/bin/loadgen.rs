//! The benchmark's load generator (issue 7, row 6): native Rust on hybi's core, one tokio thread, N connections,
//! each keeping `window` messages of `size` bytes in flight to an echo server (the shapes uWebSockets' and
//! fastwebsockets' charts use: 100 connections, 20 B and 16 KiB). Messages are pre-framed and masked once per
//! connection (fresh keys per frame), so the generator spends its time on syscalls, not on framing. Counts the
//! echoes received during the measured time after a warm-up, and prints one JSON line.
//!
//!   loadgen PORT [--conns 100] [--size 20] [--window 16] [--ms 2000] [--warmup-ms 500] [--text]

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hybi::frame::{self, OpCode};
use hybi::handshake::ClientRequest;
use hybi::{Config, Connection, Event, OsRng, Role};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Opts {
    port: u16,
    conns: usize,
    size: usize,
    window: usize,
    ms: u64,
    warmup_ms: u64,
    text: bool,
}

fn opts() -> Opts {
    let mut a = std::env::args().skip(1);
    let mut o = Opts { port: 0, conns: 100, size: 20, window: 16, ms: 2000, warmup_ms: 500, text: false };
    o.port = a.next().expect("PORT").parse().expect("port");
    while let Some(k) = a.next() {
        let mut v = || a.next().expect("value").parse::<u64>().expect("number");
        match k.as_str() {
            "--conns" => o.conns = v() as usize,
            "--size" => o.size = v() as usize,
            "--window" => o.window = v() as usize,
            "--ms" => o.ms = v(),
            "--warmup-ms" => o.warmup_ms = v(),
            "--text" => o.text = true,
            _ => panic!("unknown option {k}"),
        }
    }
    o
}

struct Fixed;
impl hybi::Rng for Fixed {
    fn fill(&mut self, _: &mut [u8]) -> Result<(), hybi::Error> {
        unreachable!("only receives")
    }
}

async fn connect(port: u16) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).await?;
    sock.set_nodelay(true)?;
    let (req, mut hs) =
        ClientRequest::new("127.0.0.1").port(port).build(&mut OsRng::new()).map_err(std::io::Error::other)?;
    sock.write_all(&req).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed during the handshake"));
        }
        head.extend_from_slice(&buf[..n]);
        match hs.parse_response(&head).map_err(std::io::Error::other)? {
            frame::Status::Complete(_, len) => return Ok((sock, head.split_off(len))),
            frame::Status::Partial(_) => {}
        }
    }
}

async fn run(o: Rc<Opts>, counting: Rc<Cell<bool>>, count: Rc<Cell<u64>>, stop: Rc<Cell<bool>>) -> std::io::Result<()> {
    let (mut sock, leftover) = connect(o.port).await?;
    // `window` frames, each with its own masking key.
    let payload: Vec<u8> = if o.text { vec![b'x'; o.size] } else { (0..o.size).map(|i| (i * 31) as u8).collect() };
    let op = if o.text { OpCode::Text } else { OpCode::Binary };
    let mut rng = OsRng::new();
    let mut frames = Vec::new();
    for _ in 0..o.window {
        let mut key = [0u8; 4];
        hybi::Rng::fill(&mut rng, &mut key).map_err(std::io::Error::other)?;
        frame::encode(&mut frames, true, 0, op, Some(key), &payload);
    }
    let frame_len = frames.len() / o.window;
    sock.write_all(&frames).await?;
    let mut conn = Connection::new(Role::Client, Config::default(), Fixed);
    let mut buf = vec![0u8; 64 << 10];
    let mut got = 0usize;
    let handle = |bytes: &[u8], conn: &mut Connection<Fixed>| -> std::io::Result<usize> {
        let mut n = 0usize;
        conn.receive(bytes, |e| {
            if matches!(e, Event::Text(_) | Event::Binary(_)) {
                n += 1;
            }
        })
        .map_err(std::io::Error::other)?;
        Ok(n)
    };
    got += handle(&leftover, &mut conn)?;
    loop {
        if got > 0 {
            if counting.get() {
                count.set(count.get() + got as u64);
            }
            if stop.get() {
                return Ok(());
            }
            // Refill the window: one write of `got` frames.
            let mut left = got;
            while left > 0 {
                let k = left.min(o.window);
                sock.write_all(&frames[..k * frame_len]).await?;
                left -= k;
            }
            got = 0;
        }
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("the server closed the connection"));
        }
        got += handle(&buf[..n], &mut conn)?;
    }
}

fn main() {
    let o = Rc::new(opts());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    let o2 = o.clone();
    let result = local.block_on(&rt, async move {
        let o = o2;
        let counting = Rc::new(Cell::new(false));
        let count = Rc::new(Cell::new(0u64));
        let stop = Rc::new(Cell::new(false));
        let failed = Rc::new(Cell::new(0u32));
        let mut tasks = Vec::new();
        for _ in 0..o.conns {
            let (o, c1, c2, s, f) = (o.clone(), counting.clone(), count.clone(), stop.clone(), failed.clone());
            tasks.push(tokio::task::spawn_local(async move {
                if let Err(e) = run(o, c1, c2, s).await {
                    f.set(f.get() + 1);
                    eprintln!("loadgen: {e}");
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(o.warmup_ms)).await;
        counting.set(true);
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_millis(o.ms)).await;
        counting.set(false);
        let secs = t0.elapsed().as_secs_f64();
        stop.set(true);
        // Tasks stop at their next echo; the process exits without waiting on them.
        drop(tasks);
        (count.get(), secs, failed.get())
    });
    let (messages, secs, failed) = result;
    println!(
        "{{\"messages\":{messages},\"seconds\":{secs:.4},\"rate\":{:.1},\"conns\":{},\"size\":{},\"window\":{},\"failed\":{failed}}}",
        messages as f64 / secs,
        o.conns,
        o.size,
        o.window
    );
    std::process::exit(if failed > 0 { 1 } else { 0 });
}
