//! Criterion micro-benchmarks of hybi's core (row 8 of issue 7): mask, UTF-8 validation, frame decode and encode,
//! each with tungstenite 0.27's frame codec as the peer where it has a public equivalent.
//!
//! Run through scripts/bench.sh (bounded times), or alone: `cd bench && cargo bench --bench core`.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hybi::frame::{self, OpCode};
use hybi::{Config, Connection, Event, Role};
use tungstenite::protocol::frame::coding::{Data, OpCode as TOpCode};
use tungstenite::protocol::frame::{Frame, FrameHeader, FrameSocket};
use tungstenite::protocol::{Role as TRole, WebSocket};
use tungstenite::Message;

/// Input for tungstenite's `WebSocket` (which wants a `Read + Write` stream): reads from the bytes, drops writes.
struct ReadOnly<'a>(Cursor<&'a [u8]>);
impl std::io::Read for ReadOnly<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
impl std::io::Write for ReadOnly<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const SIZES: [usize; 5] = [16, 125, 4 << 10, 64 << 10, 1 << 20];

/// A fixed, non-random Rng so that runs are comparable (masking cost does not depend on the key).
struct Fixed;
impl hybi::Rng for Fixed {
    fn fill(&mut self, d: &mut [u8]) -> Result<(), hybi::Error> {
        d.copy_from_slice(&[0x37, 0xfa, 0x21, 0x3d][..d.len()]);
        Ok(())
    }
}

/// tungstenite's `apply_mask_fast32`, copied verbatim from tungstenite 0.27 (its `mask` module is private), so
/// that the mask row has the peer's algorithm.
fn tungstenite_mask(buf: &mut [u8], mask: [u8; 4]) {
    fn fallback(buf: &mut [u8], mask: [u8; 4]) {
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte ^= mask[i & 3];
        }
    }
    let mask_u32 = u32::from_ne_bytes(mask);
    // SAFETY: u8 → u32 realignment of initialised bytes (as tungstenite does).
    let (prefix, words, suffix) = unsafe { buf.align_to_mut::<u32>() };
    fallback(prefix, mask);
    let head = prefix.len() & 3;
    let mask_u32 = if head > 0 { mask_u32.rotate_right(8 * head as u32) } else { mask_u32 };
    for word in words.iter_mut() {
        *word ^= mask_u32;
    }
    fallback(suffix, mask_u32.to_ne_bytes());
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31) as u8).collect()
}

fn mixed_text(n: usize) -> Vec<u8> {
    // Latin, Greek, CJK and emoji: 1-, 2-, 3- and 4-byte sequences.
    let unit = "hello, κόσμε — 世界 🌍 ok; ".as_bytes();
    let mut v = Vec::with_capacity(n + unit.len());
    while v.len() < n {
        v.extend_from_slice(unit);
    }
    // Cut at a character boundary at or below n.
    let mut end = n;
    while std::str::from_utf8(&v[..end]).is_err() {
        end -= 1;
    }
    v.truncate(end);
    v
}

fn mask(c: &mut Criterion) {
    let mut g = c.benchmark_group("mask");
    for n in SIZES {
        let mut buf = payload(n);
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_with_input(BenchmarkId::new("hybi", n), &n, |b, _| {
            b.iter(|| hybi::mask::apply(black_box(&mut buf), KEY, 0))
        });
        g.bench_with_input(BenchmarkId::new("tungstenite", n), &n, |b, _| {
            b.iter(|| tungstenite_mask(black_box(&mut buf), KEY))
        });
    }
    g.finish();
}

fn utf8(c: &mut Criterion) {
    let mut g = c.benchmark_group("utf8");
    for (name, n) in [("ascii", 1 << 10), ("ascii", 1 << 20), ("mixed", 1 << 10), ("mixed", 1 << 20)] {
        let data = if name == "ascii" { vec![b'a'; n] } else { mixed_text(n) };
        g.throughput(Throughput::Bytes(data.len() as u64));
        let id = format!("{name}/{n}");
        g.bench_function(BenchmarkId::new("hybi validate", &id), |b| {
            b.iter(|| hybi::utf8::validate(black_box(&data)).is_ok())
        });
        g.bench_function(BenchmarkId::new("hybi incremental 4KiB pieces", &id), |b| {
            b.iter(|| {
                let mut v = hybi::utf8::Validator::new();
                for piece in data.chunks(4096) {
                    v.feed(black_box(piece)).unwrap();
                }
                v.finish().is_ok()
            })
        });
        let bytes = tungstenite::Bytes::from(data.clone());
        g.bench_function(BenchmarkId::new("tungstenite Utf8Bytes", &id), |b| {
            b.iter(|| tungstenite::Utf8Bytes::try_from(black_box(bytes.clone())).is_ok())
        });
    }
    g.finish();
}

/// `count` frames of `n` bytes each, as a server sends them (unmasked) or a client (masked).
fn wire(n: usize, count: usize, masked: bool) -> Vec<u8> {
    let p = payload(n);
    let mut out = Vec::new();
    for _ in 0..count {
        frame::encode(&mut out, true, 0, OpCode::Binary, masked.then_some(KEY), &p);
    }
    out
}

/// The decode rows' event handler: each binary payload copied out into `owned` (a reused Vec) and counted.
fn copy_out<'o>(owned: &'o mut Vec<u8>, got: &'o mut usize) -> impl FnMut(Event<'_>) + 'o {
    move |e| {
        if let Event::Binary(p) = e {
            owned.clear();
            owned.extend_from_slice(p);
            *got += black_box(&*owned).len();
        }
    }
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    // Many small frames in one chunk (frames/s), and large frames (bytes/s); a client reading a server's
    // (unmasked) frames and a server reading a client's (masked) frames.
    for (label, n, count) in [("16B x 4096", 16usize, 4096usize), ("1MiB x 1", 1 << 20, 1)] {
        for masked in [false, true] {
            let bytes = wire(n, count, masked);
            let role = if masked { Role::Server } else { Role::Client };
            let side = if masked { "server (masked)" } else { "client (unmasked)" };
            if count > 1 {
                g.throughput(Throughput::Elements(count as u64));
            } else {
                g.throughput(Throughput::Bytes((n * count) as u64));
            }
            let id = format!("{label} {side}");
            // hybi lends a frame that is whole in the input without copying it; tungstenite's frames own their
            // payload. So that the rows compare the same work, each payload is copied out (into a reused Vec).
            g.bench_function(BenchmarkId::new("hybi Connection::receive", &id), |b| {
                let mut conn = Connection::new(role, Config::default(), Fixed);
                let mut owned = Vec::with_capacity(n);
                b.iter(|| {
                    let mut got = 0usize;
                    conn.receive(black_box(&bytes), copy_out(&mut owned, &mut got)).unwrap();
                    assert_eq!(got, n * count);
                })
            });
            if masked {
                // What a server does with a socket read (the wasm binding, a Rust server): the read lands in a
                // buffer of its own, which `receive_mut` unmasks in place; tungstenite likewise reads into its
                // buffer and unmasks there. The copy into that buffer is counted, as tungstenite's is.
                g.bench_function(BenchmarkId::new("hybi Connection::receive_mut", &id), |b| {
                    let mut conn = Connection::new(role, Config::default(), Fixed);
                    let mut owned = Vec::with_capacity(n);
                    let mut read = Vec::with_capacity(bytes.len());
                    b.iter(|| {
                        read.clear();
                        read.extend_from_slice(black_box(&bytes));
                        let mut got = 0usize;
                        conn.receive_mut(&mut read, copy_out(&mut owned, &mut got)).unwrap();
                        assert_eq!(got, n * count);
                    })
                });
            }
            g.bench_function(BenchmarkId::new("tungstenite FrameSocket::read", &id), |b| {
                b.iter(|| {
                    let mut sock = FrameSocket::new(Cursor::new(black_box(&bytes[..])));
                    let mut got = 0usize;
                    while let Some(f) = sock.read(None).unwrap() {
                        got += f.payload().len();
                    }
                    assert_eq!(got, n * count);
                })
            });
            if masked {
                // `FrameSocket::read` leaves a client's frames masked (tungstenite unmasks in `WebSocket::read`,
                // in place in its read buffer, RFC 6455 §5.3): the masked rows' peer is its server reading
                // messages, so that both sides unmask.
                g.bench_function(BenchmarkId::new("tungstenite WebSocket::read (server)", &id), |b| {
                    b.iter(|| {
                        let stream = ReadOnly(Cursor::new(black_box(&bytes[..])));
                        let mut ws = WebSocket::from_raw_socket(stream, TRole::Server, None);
                        let mut got = 0usize;
                        for _ in 0..count {
                            match ws.read().unwrap() {
                                Message::Binary(p) => got += p.len(),
                                m => panic!("unexpected {m:?}"),
                            }
                        }
                        assert_eq!(got, n * count);
                    })
                });
            }
        }
    }
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode masked");
    for n in SIZES {
        let p = payload(n);
        let tp = tungstenite::Bytes::from(p.clone());
        g.throughput(Throughput::Bytes(n as u64));
        let mut out = Vec::with_capacity(n + 14);
        g.bench_with_input(BenchmarkId::new("hybi frame::encode", n), &n, |b, _| {
            b.iter(|| {
                out.clear();
                frame::encode(&mut out, true, 0, OpCode::Binary, Some(KEY), black_box(&p));
                out.len()
            })
        });
        g.bench_with_input(BenchmarkId::new("hybi Connection::send_binary+take", n), &n, |b, _| {
            let mut conn = Connection::new(Role::Client, Config::default(), Fixed);
            b.iter(|| {
                conn.send_binary(black_box(&p)).unwrap();
                let len = conn.output().len();
                conn.advance_output(len);
                len
            })
        });
        g.bench_with_input(BenchmarkId::new("tungstenite Frame::format", n), &n, |b, _| {
            b.iter(|| {
                out.clear();
                let mut f = Frame::message(black_box(tp.clone()), TOpCode::Data(Data::Binary), true);
                f.header_mut().mask = Some(KEY);
                f.format(&mut out).unwrap();
                out.len()
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("header parse");
    let bytes = wire(16, 1, true);
    g.bench_function("hybi Header::parse", |b| {
        let rules = hybi::frame::Rules::new(Some(true));
        b.iter(|| hybi::frame::Header::parse(black_box(&bytes), &rules).unwrap())
    });
    g.bench_function("tungstenite FrameHeader::parse", |b| {
        b.iter(|| FrameHeader::parse(&mut Cursor::new(black_box(&bytes[..]))).unwrap())
    });
    g.finish();
}

criterion_group!(benches, mask, utf8, decode, encode);
criterion_main!(benches);
