// hybi's WebSocket against raw TCP servers that misbehave on purpose, plus the WHATWG argument checks.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { WebSocket, HybiError } from "hybi";
import { client, pattern, sameBytes, withTimeout } from "./helpers/client.mjs";
import { closeCodeOf, closeFrame, frame, rawServer } from "./helpers/raw.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a reserved opcode from the server: we fail with 1002", async () => {
  const srv = await rawServer((sock) => sock.write(frame(0x3, "x")));
  try {
    const c = client(srv.url);
    await c.opened;
    const r = await c.closed;
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.deepEqual(c.events, ["open", "error", "close"]);
    assert.ok(r.error instanceof HybiError);
    assert.equal(r.error.closeCode, 1002);
    assert.equal(r.error.kind, "ReservedOpcode");
    assert.match(r.error.message, /reserved opcode/);
    assert.equal(closeCodeOf(srv.log.find((f) => f.opcode === 8)), 1002);
    assert.ok(srv.log.every((f) => f.masked), "client frames are masked");
  } finally {
    await srv.close();
  }
});

test("frames that arrive with the 101 are delivered after open", async () => {
  const srv = await rawServer(() => {}, {
    response: (key) => {
      const accept = (k) => require_accept(k);
      return Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`),
        frame(0x1, "early"),
        closeFrame(1000, "done"),
      ]);
    },
  });
  try {
    const c = client(srv.url);
    await c.opened;
    assert.equal(await c.next(), "early");
    srv.sockets.forEach((s) => setTimeout(() => s.end(), 20));
    const r = await c.closed;
    assert.deepEqual([r.code, r.reason, r.wasClean], [1000, "done", true]);
    assert.deepEqual(c.events, ["open", "message", "close"]);
  } finally {
    await srv.close();
  }
});

import { createHash } from "node:crypto";
function require_accept(key) {
  return createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
}

test("a rejection body that arrives after the head is still captured", async () => {
  const srv = await rawServer(() => {}, { handshake: false });
  const server = net.createServer((sock) => {
    sock.once("data", async () => {
      sock.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\n");
      await sleep(50);
      sock.end("forbidden");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const c = client(`ws://127.0.0.1:${server.address().port}/`);
    const r = await c.closed;
    assert.equal(r.error.status, 403);
    assert.equal(new TextDecoder().decode(r.error.body), "forbidden");
  } finally {
    server.close();
    await srv.close();
  }
});

test("handshakeTimeout: a server that never answers", async () => {
  const srv = await rawServer(() => {}, { handshake: false });
  try {
    const t0 = Date.now();
    const c = client(srv.url, undefined, { handshakeTimeout: 300 });
    const r = await c.closed;
    assert.ok(Date.now() - t0 >= 280);
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.equal(r.error.kind, "HandshakeTimeout");
    assert.deepEqual(c.events, ["error", "close"]);
    await sleep(50);
    assert.equal(srv.sockets.size, 0, "the socket was closed");
  } finally {
    await srv.close();
  }
});

test("close() while connecting, with the TCP connection already up", async () => {
  let connected;
  const up = new Promise((r) => (connected = r));
  const srv = await rawServer(() => connected(), { handshake: false });
  try {
    const c = client(srv.url);
    await up;
    c.ws.close(1000);
    const r = await c.closed;
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.deepEqual(c.events, ["error", "close"]);
    assert.equal(r.error.kind, "Aborted");
  } finally {
    await srv.close();
  }
});

test("signal: aborting while connecting fails the connection", async () => {
  const srv = await rawServer(() => {}, { handshake: false });
  try {
    const ac = new AbortController();
    const c = client(srv.url, undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user gave up")), 50);
    const r = await c.closed;
    assert.equal(r.code, 1006);
    assert.equal(r.error.kind, "Aborted");
    assert.match(r.error.message, /user gave up/);
    const c2 = client(srv.url, undefined, { signal: AbortSignal.abort() });
    assert.equal((await c2.closed).error.kind, "Aborted");
  } finally {
    await srv.close();
  }
});

test("closeTimeout: the server answers the Close but keeps TCP open; we close it ourselves", async () => {
  const srv = await rawServer(async (sock, api) => {
    const f = await api.nextFrame();
    if (f?.opcode === 8) sock.write(closeFrame(closeCodeOf(f), "ok"));
  }, { autoClose: false });
  try {
    const c = client(srv.url, undefined, { closeTimeout: 300 });
    await c.opened;
    const t0 = Date.now();
    c.ws.close(4100);
    const r = await c.closed;
    const dt = Date.now() - t0;
    assert.ok(dt >= 280 && dt < 3000, `closed after ${dt} ms`);
    assert.deepEqual([r.code, r.reason, r.wasClean], [4100, "ok", true]);
  } finally {
    await srv.close();
  }
});

test("closeTimeout: the server never answers the Close: 1006", async () => {
  const srv = await rawServer(() => {}, { autoClose: false });
  try {
    const c = client(srv.url, undefined, { closeTimeout: 200 });
    await c.opened;
    c.ws.close();
    const r = await c.closed;
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.equal(closeCodeOf(srv.log[0]), null, "a Close without a status was sent");
    assert.equal(srv.log[0].opcode, 8);
  } finally {
    await srv.close();
  }
});

test("pingInterval: no Pong in time fails the connection (1011 sent, close 1006)", async () => {
  const srv = await rawServer(() => {}, { autoClose: false }); // never answers anything
  try {
    const c = client(srv.url, undefined, { pingInterval: 100, pingTimeout: 150, closeTimeout: 300 });
    await c.opened;
    const r = await c.closed;
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.equal(r.error.kind, "PingTimeout");
    assert.equal(r.error.closeCode, 1011);
    assert.equal(srv.log[0].opcode, 9, "a Ping went out");
    assert.equal(closeCodeOf(srv.log.find((f) => f.opcode === 8)), 1011);
  } finally {
    await srv.close();
  }
});

test("pingInterval: a peer that answers keeps the connection", async () => {
  const srv = await rawServer(async (sock, api) => {
    for (;;) {
      const f = await api.nextFrame(5000).catch(() => null);
      if (!f) return;
      if (f.opcode === 9) sock.write(frame(0xa, f.payload));
    }
  });
  try {
    const c = client(srv.url, undefined, { pingInterval: 50 });
    await c.opened;
    await sleep(400);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.ok(srv.log.filter((f) => f.opcode === 9).length >= 3);
    c.ws.close();
    assert.equal((await c.closed).wasClean, true);
  } finally {
    await srv.close();
  }
});

test("a Pong answers every earlier pending ping; pending pings reject on close", async () => {
  const srv = await rawServer(async (sock, api) => {
    const pings = [await api.nextFrame(), await api.nextFrame(), await api.nextFrame()];
    sock.write(frame(0xa, pings[1].payload)); // only the second one: answers the first too
  });
  try {
    const c = client(srv.url);
    await c.opened;
    const p1 = c.ws.ping("one");
    const p2 = c.ws.ping("two");
    const p3 = c.ws.ping("three");
    p3.catch(() => {});
    await withTimeout(Promise.all([p1, p2]), 3000, "pongs for one and two");
    c.ws.close();
    await assert.rejects(p3, (e) => e instanceof Error && /clos/.test(e.message));
    await c.closed;
    await assert.rejects(c.ws.ping(), { name: "InvalidStateError" });
  } finally {
    await srv.close();
  }
});

test("bufferedAmount counts bytes not yet written to the socket", async () => {
  let release;
  const srv = await rawServer((sock) => {
    sock.pause(); // read nothing until told
    release = () => sock.resume();
  });
  try {
    const c = client(srv.url);
    await c.opened;
    const big = new Uint8Array(16 << 20);
    c.ws.send(big);
    await sleep(200);
    const stuck = c.ws.bufferedAmount;
    assert.ok(stuck > 0 && stuck <= big.length + 14, `bufferedAmount ${stuck}`);
    release();
    const t0 = Date.now();
    while (c.ws.bufferedAmount > 0 && Date.now() - t0 < 10000) await sleep(20);
    assert.equal(c.ws.bufferedAmount, 0);
    c.ws.close();
  } finally {
    await srv.close();
  }
});

test("WHATWG checks: URL, protocols, close() arguments, send() while connecting", async () => {
  assert.throws(() => new WebSocket("ws://127.0.0.1:1/#frag"), { name: "SyntaxError" });
  assert.throws(() => new WebSocket("ftp://127.0.0.1:1/"), { name: "SyntaxError" });
  assert.throws(() => new WebSocket("not a url"), { name: "SyntaxError" });
  assert.throws(() => new WebSocket("ws://127.0.0.1:1/", ["a", "a"]), { name: "SyntaxError" });
  assert.throws(() => new WebSocket("ws://127.0.0.1:1/", ["bad protocol"]), { name: "SyntaxError" });
  for (const name of ["Sec-WebSocket-Key", "upgrade", "Connection", "Host", "sec-websocket-protocol"]) {
    assert.throws(() => new WebSocket("ws://127.0.0.1:1/", [], { headers: { [name]: "x" } }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, new RegExp(name, "i"));
      assert.match(e.message, /set by the handshake/);
      return true;
    });
  }
  assert.throws(() => new WebSocket("ws://127.0.0.1:1/", [], { headers: { "X-Bad": "a\r\nb" } }), TypeError);

  const srv = await rawServer(() => {});
  try {
    const c = client(`${srv.url.replace("ws:", "http:")}/path?q=1`);
    assert.equal(c.ws.url, `${srv.url}/path?q=1`);
    assert.throws(() => c.ws.send("early"), { name: "InvalidStateError" });
    await c.opened;
    assert.throws(() => c.ws.close(1001), { name: "InvalidAccessError" });
    assert.throws(() => c.ws.close(2999), { name: "InvalidAccessError" });
    assert.throws(() => c.ws.close(5000), { name: "InvalidAccessError" });
    assert.throws(() => c.ws.close(1000, "x".repeat(124)), { name: "SyntaxError" });
    assert.throws(() => c.ws.close(1000, "é".repeat(62)), { name: "SyntaxError" });
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.ok(srv.sockets.size === 1);
    c.ws.close(3000, "é".repeat(61));
    c.ws.send("after close"); // ignored, counted
    assert.ok(c.ws.bufferedAmount >= 11);
    assert.equal(closeCodeOf(await waitFor(() => srv.log[0])), 3000);
  } finally {
    await srv.close();
  }
});

async function waitFor(f, ms = 3000) {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error("waitFor timed out");
    await sleep(10);
  }
}

test("options.socket: an open { readable, writable }, or a function returning a promise of one", async () => {
  const srv = await rawServer((sock) => sock.write(frame(0x1, "via socket option")));
  try {
    const dial = () =>
      new Promise((resolve) => {
        const s = net.connect(srv.port, "127.0.0.1", () => {
          const readable = new ReadableStream({
            start(c) {
              s.on("data", (d) => c.enqueue(new Uint8Array(d)));
              s.on("end", () => c.close());
            },
          });
          const writable = new WritableStream({ write: (chunk) => new Promise((r) => s.write(chunk, r)), close: () => s.end() });
          resolve({ readable, writable, close: () => s.destroy() });
        });
      });
    const c1 = client("ws://example.invalid/x", undefined, { socket: await dial() });
    await c1.opened;
    assert.equal(await c1.next(), "via socket option");
    c1.ws.close();
    const c2 = client("ws://example.invalid/y", undefined, { socket: dial });
    await c2.opened;
    assert.equal(await c2.next(), "via socket option");
    c2.ws.close();
    await Promise.all([c1.closed, c2.closed]);
  } finally {
    await srv.close();
  }
});

for (const bytes of [true, false]) {
  test(`options.socket, ${bytes ? "a byte stream: large frames are read through a BYOB reader" : "not a byte stream: default reads"}, waiting only for what a frame owes`, async () => {
    // Large frames (above 16 KiB owed) are read with `min` = what the frame still owes: the last frame, with
    // nothing sent after it, must still arrive whole (no read may wait for bytes the peer never sends).
    const sizes = [100 << 10, 10, 300 << 10, 3, 40 << 10, 200 << 10];
    const srv = await rawServer(async (sock) => {
      const all = Buffer.concat(sizes.map((n, i) => frame(0x2, Buffer.from(pattern(n, i)))));
      const last = all.length - (20 << 10); // the last 20 KiB go alone, once the rest has been read
      for (let off = 0; off < all.length; ) {
        const n = Math.min((off < last ? last : all.length) - off, 1 + ((off * 7919) % 70000)); // uneven pieces
        sock.write(all.subarray(off, off + n));
        off += n;
        await sleep(off === last ? 50 : 1);
      }
    });
    try {
      const modes = [];
      const s = await new Promise((resolve) => {
        const s = net.connect(srv.port, "127.0.0.1", () => resolve(s));
      });
      const readable = new ReadableStream({
        ...(bytes ? { type: "bytes" } : {}),
        start(c) {
          s.on("data", (d) => c.enqueue(new Uint8Array(d)));
          s.on("end", () => c.close());
        },
      });
      const getReader = readable.getReader.bind(readable);
      readable.getReader = (o) => (modes.push(o?.mode ?? "default"), getReader(o));
      const writable = new WritableStream({ write: (chunk) => new Promise((r) => s.write(chunk, r)), close: () => s.end() });
      const c = client("ws://example.invalid/big", undefined, { socket: { readable, writable, close: () => s.destroy() } });
      c.ws.binaryType = "arraybuffer";
      await c.opened;
      for (const [i, n] of sizes.entries()) {
        const got = await withTimeout(c.next(), 5000, `message ${i} (${n} bytes)`);
        assert.ok(sameBytes(got, pattern(n, i)), `message ${i} (${n} bytes) intact`);
      }
      if (bytes) assert.ok(modes.includes("byob"), `a BYOB reader was used (${modes})`);
      else assert.deepEqual(modes.filter((m) => m === "byob").length, 1, `BYOB tried once, then default reads (${modes})`);
      c.ws.close();
      await c.closed;
    } finally {
      await srv.close();
    }
  });
}

test("options.socket, a byte stream: a BYOB read buffer is used again once the message it held part of is whole", async () => {
  // Reads that end inside the next message keep their buffer for it, and must free those of the message they
  // completed: otherwise every read takes a fresh 256 KiB buffer (zero-filled; workerd's 64 KiB echo paid for it).
  // A buffer used again still holds the bytes of its last read; a fresh one is zeros.
  const count = 40;
  const size = 64 << 10;
  const srv = await rawServer((sock) => {
    sock.write(Buffer.concat(Array.from({ length: count }, (_, i) => frame(0x2, Buffer.from(pattern(size, i))))));
  });
  try {
    const s = await new Promise((resolve) => {
      const s = net.connect(srv.port, "127.0.0.1", () => resolve(s));
    });
    const queue = [];
    let wake = null;
    let ended = false;
    s.on("data", (d) => (queue.push(d), wake?.()));
    s.on("end", () => ((ended = true), wake?.()));
    const take = (n) => {
      const d = queue[0].subarray(0, n);
      if (d.length === queue[0].length) queue.shift();
      else queue[0] = queue[0].subarray(n);
      return d;
    };
    let fresh = 0;
    let reused = 0;
    const readable = new ReadableStream({
      type: "bytes",
      async pull(c) {
        while (queue.length === 0 && !ended) await new Promise((r) => (wake = r));
        wake = null;
        const req = c.byobRequest;
        if (queue.length === 0) {
          c.close();
          req?.respond(0);
          return;
        }
        if (!req) return c.enqueue(new Uint8Array(take(5000)));
        const v = req.view;
        if (v.byteOffset === 0) v.subarray(0, 1024).some((x) => x !== 0) ? reused++ : fresh++;
        // At most 5000 bytes a pull: a read waiting for what a frame owes ends some way into the next frame.
        const d = take(Math.min(v.length, 5000));
        v.set(d);
        req.respond(d.length);
      },
    });
    const writable = new WritableStream({ write: (chunk) => new Promise((r) => s.write(chunk, r)), close: () => s.end() });
    const c = client("ws://example.invalid/reuse", undefined, { socket: { readable, writable, close: () => s.destroy() } });
    c.ws.binaryType = "arraybuffer";
    await c.opened;
    for (let i = 0; i < count; i++) {
      const got = await withTimeout(c.next(), 5000, `message ${i}`);
      assert.ok(sameBytes(got, pattern(size, i)), `message ${i} intact`);
    }
    assert.ok(fresh + reused >= count / 2, `BYOB reads were made (${fresh} fresh, ${reused} reused)`);
    assert.ok(fresh <= 4, `${fresh} fresh buffers for ${fresh + reused} BYOB reads`);
    c.ws.close();
    await c.closed;
  } finally {
    await srv.close();
  }
});

test("maxFrameSize: a frame declaring more fails with 1009 before its payload is read", async () => {
  const srv = await rawServer((sock) => {
    const head = Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]); // binary, 65536 bytes declared
    sock.write(head); // no payload follows: the header alone must fail it
  });
  try {
    const c = client(srv.url, undefined, { maxFrameSize: 1000 });
    await c.opened;
    const r = await c.closed;
    assert.deepEqual([r.code, r.wasClean], [1006, false]);
    assert.equal(r.error.closeCode, 1009);
    assert.equal(r.error.kind, "FrameTooLarge");
    assert.equal(closeCodeOf(srv.log.find((f) => f.opcode === 8)), 1009);
  } finally {
    await srv.close();
  }
});

test("a Close without a status reports 1005; a bad Sec-WebSocket-Accept and a dropped handshake are errors", async () => {
  const srv = await rawServer((sock) => {
    sock.write(frame(0x8)); // empty Close
    setTimeout(() => sock.end(), 20);
  }, { autoClose: false });
  const bad = await rawServer(() => {}, {
    response: () => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n",
  });
  const drop = await rawServer((sock) => sock.destroy(), { handshake: false });
  try {
    const c = client(srv.url);
    await c.opened;
    const r = await c.closed;
    assert.deepEqual([r.code, r.reason, r.wasClean], [1005, "", true]);
    assert.equal(srv.log[0].opcode, 8);
    assert.equal(srv.log[0].payload.length, 0, "the answer echoes: no status");

    const b = client(bad.url);
    const rb = await b.closed;
    assert.deepEqual([rb.code, rb.error.kind], [1006, "InvalidAccept"]);
    assert.deepEqual(b.events, ["error", "close"]);

    const d = client(drop.url);
    const rd = await d.closed;
    assert.deepEqual([rd.code, rd.error.kind], [1006, "ConnectionClosed"]);
  } finally {
    await Promise.all([srv.close(), bad.close(), drop.close()]);
  }
});

test("IPv6 literal URLs: ws://[::1]:port (Host bracketed)", async (t) => {
  const server = net.createServer();
  const ok = await new Promise((r) => server.once("error", () => r(false)).listen(0, "::1", () => r(true)));
  if (!ok) return t.skip("no IPv6 loopback here");
  server.close();
  let request = "";
  const srv = await rawServer((sock, api) => (request = api.request), { host: "::1" });
  try {
    const c = client(`ws://[::1]:${srv.port}/v6`);
    await c.opened;
    assert.match(request, new RegExp(`\\r\\nHost: \\[::1\\]:${srv.port}\\r\\n`));
    assert.equal(c.ws.url, `ws://[::1]:${srv.port}/v6`);
    c.ws.close();
    await c.closed;
  } finally {
    await srv.close();
  }
});
