// The package's buffers between JS and wasm (lib/output.js): output copied into slabs that are used again only
// once every write carved from them is released; reads, whose large binary payloads are collected in JS. Reaches
// into the package (its unbundled modules, so that the glue and output.js are the same instances).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { WebSocketServer } from "ws";
import { pattern, sameBytes, withTimeout } from "./helpers/client.mjs";

const pkg = new URL("../node_modules/hybi/", import.meta.url);
const { WebSocket } = await import(new URL("hybi.node.js", pkg)); // loads the wasm
const glue = await import(new URL("hybi.js", pkg));
const { COLLECT_MIN, readRoom, receive, receiver, release, sendBinary, sendText, takeOutput } = await import(
  new URL("lib/output.js", pkg)
);
const { fromDenoConn } = await import(new URL("lib/transport-deno.js", pkg));
const { BunConn } = await import(new URL("lib/transport-bun.js", pkg));

// Servers: frames are not masked, so the output is predictable.
const server = () => new glue.WasmConnection(true, 0, 0, 0, true, 0);

test("a write not yet released keeps its bytes while other connections' writes come and go", () => {
  const a = server();
  const b = server();
  sendBinary(a, pattern(1000, 1));
  const held = takeOutput(a);
  const want = held.slice();
  assert.deepEqual([...want.subarray(0, 4)], [0x82, 0x7e, 0x03, 0xe8]);
  // About 6 MB of small writes, each released at once: many slabs' worth.
  for (let i = 0; i < 2000; i++) {
    sendBinary(b, pattern(3000, i));
    release(takeOutput(b));
  }
  assert.deepEqual(held, want, "the held write's bytes are unchanged");
  release(held);
  a.free();
  b.free();
});

test("once its writes are released, a slab is used again (no fresh memory per slab)", () => {
  const c = server();
  sendBinary(c, pattern(100, 2));
  const first = takeOutput(c);
  release(first);
  sendBinary(c, pattern(100, 3));
  const second = takeOutput(c);
  assert.equal(second.buffer, first.buffer, "the same slab");
  assert.equal(second.byteOffset, first.byteOffset, "from its start again: nothing of it was in use");
  release(second);
  c.free();
});

// Bytes with no period (pattern() repeats every 256 bytes: a payload misplaced by a multiple of that would pass).
function noise(n, seed) {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
}

/** What a server sends (unmasked) to test collecting: the wire bytes, and what a reader should get from them. */
function collectWire() {
  // Large binary messages (collected) between text, pings, small binary, a fragmented binary message (read by
  // the connection) and one message just under the threshold.
  const tx = server();
  const expected = [];
  const add = (kind, data) => {
    if (kind === "text") sendText(tx, data);
    else if (kind === "binary") sendBinary(tx, data);
    else tx.ping(data);
    expected.push([kind, kind === "text" ? data : digest(data)]);
  };
  add("text", "before");
  add("binary", noise(70000, 1));
  add("ping", noise(5, 2));
  add("binary", noise(COLLECT_MIN, 3));
  add("binary", noise(COLLECT_MIN - 1, 4));
  add("binary", noise(300000, 5));
  add("binary", noise(20000, 6));
  add("binary", noise((1 << 20) + 3, 9));
  // A fragmented message, framed by hand (a server's frames are unmasked): Binary without FIN, then a
  // Continuation with FIN, each with a 16-bit length.
  const head = new Uint8Array(takeOutput(tx));
  const frame = (first, payload) => [first, 126, payload.length >> 8, payload.length & 0xff, ...payload];
  const fragments = [...frame(0x02, noise(30000, 7)), ...frame(0x80, noise(30000, 8))];
  expected.push(["binary", digest(new Uint8Array([...noise(30000, 7), ...noise(30000, 8)]))]);
  add("text", "after");
  const tail = new Uint8Array(takeOutput(tx));
  const wire = new Uint8Array(head.length + fragments.length + tail.length);
  wire.set(head);
  wire.set(fragments, head.length);
  wire.set(tail, head.length + fragments.length);
  tx.free();
  return { wire, expected };
}

// Bytes as length + digest: a mismatch reads at a glance (a diff of 300,000 numbers does not).
const digest = (b) => `${b.length} bytes, sha1 ${createHash("sha1").update(b).digest("hex")}`;

/** A receive sink that records text, binary and pings into `got` as [kind, text or digest]. */
const recorder = (got) => ({
  text: (t) => got.push(["text", t]),
  binary: (b) => got.push(["binary", digest(b)]),
  ping: (b) => got.push(["ping", digest(b)]),
  pong() {},
  close() {},
});

function splits() {
  let seed = 12345;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n) + 1;
  return [
    ["one read", () => Infinity],
    ["1-byte reads", () => 1],
    ["uneven reads up to 64 KiB", () => rand(65536)],
    ["uneven small reads", () => rand(3000)],
    ["reads larger than 64 KiB", () => 65536 + rand(200000)],
  ];
}

/**
 * A client reading `wire` in reads of split() bytes; `lend`: into one buffer reused for every read, as Deno's and
 * Node's client sockets do; `into`: into the message when readRoom offers it, as transport-deno.js does.
 */
function readAll(wire, split, lend, into = false) {
  const rx = new glue.WasmConnection(false, 0, 0, 0, false, 0);
  const st = receiver(COLLECT_MIN, lend);
  const got = [];
  const stats = { collected: 0, inPlace: 0, maxOver: 0 };
  const sink = recorder(got);
  const lent = new Uint8Array(300000); // the transport's one read buffer, overwritten after every call
  for (let off = 0; off < wire.length; ) {
    let n = Math.min(split(), wire.length - off);
    let chunk;
    const room = into ? readRoom(st) : null;
    if (room !== null) {
      // As transport-deno.js does: the read lands in the message itself, at most what it still owes.
      n = Math.min(n, room.length);
      room.set(wire.subarray(off, off + n));
      chunk = room.subarray(0, n);
      stats.inPlace += n;
    } else if (lend) {
      n = Math.min(n, lent.length);
      lent.set(wire.subarray(off, off + n));
      chunk = lent.subarray(0, n);
    } else chunk = wire.slice(off, off + n); // each read its own buffer, as a Node socket's
    receive(rx, chunk, sink, st);
    if (lend && room === null) lent.fill(0xee, 0, n); // lent for the call only
    if (st.parts !== null || st.buf !== null) stats.collected++;
    if (st.buf !== null) {
      // The message grows as its bytes come, never by the length its header declares.
      const have = st.len - st.owed;
      stats.maxOver = Math.max(stats.maxOver, st.buf.length - Math.max(64 * 1024, 4 * have));
    }
    off += n;
  }
  assert.equal(rx.bytesOwed, 0);
  assert.equal(st.parts, null, "nothing left half collected");
  assert.equal(st.buf, null, "nothing left half copied");
  rx.free();
  return { got, stats };
}

test("a client's messages taken as they are sent (framed where they were staged) arrive whole, in order", () => {
  const tx = new glue.WasmConnection(false, 0, 0, 0, false, 0); // a client: it masks
  const wire = [];
  const expected = [];
  const send = (kind, data, how) => {
    const f = kind === "text" ? sendText : sendBinary;
    if (how === "queued") {
      f(tx, data);
      wire.push(takeOutput(tx));
    } else if (how === "behind a ping") {
      tx.ping(new Uint8Array([7]));
      wire.push(f(tx, data, true)); // output waiting: the connection frames it, after the ping
      expected.push(["ping", digest(new Uint8Array([7]))]);
    } else wire.push(f(tx, data, true));
    expected.push([kind, kind === "text" ? data : digest(data)]);
  };
  // Empty first and after a large one (the room is freed then), every header length, more than the room kept.
  const sizes = [0, 1, 125, 126, 65535, 65536, 65537, 0, 300000, (1 << 20) + 3, 7, 0, 20000];
  sizes.forEach((n, i) => send("binary", noise(n, i + 1), i === 4 ? "queued" : i === 6 ? "behind a ping" : "taken"));
  send("text", "", "taken");
  send("text", "héllo wörld ✓", "taken");
  send("text", "x".repeat(70000), "taken");
  send("text", "queued", "queued");
  send("binary", noise(40, 99), "taken");
  const rx = server();
  const got = [];
  const sink = recorder(got);
  for (const w of wire) rx.receive(w, sink);
  assert.deepEqual(got, expected);
  // Each frame masked with a fresh key (RFC 6455 §5.3): bytes 2–5 of the two 0-byte frames.
  assert.notDeepEqual([...wire[0].subarray(2, 6)], [...wire[7].subarray(2, 6)]);
  tx.free();
  rx.free();
});

test("large binary payloads collected in JS arrive whole, in order, however the reads split them", () => {
  const { wire, expected } = collectWire();
  for (const [label, split] of splits()) {
    const { got, stats } = readAll(wire, split, false);
    assert.deepEqual(got, expected, label);
    if (label !== "one read") assert.ok(stats.collected > 0, `${label}: payloads were collected in JS`);
  }
});

test("from a transport that lends its reads, large payloads are copied into the message as they come", () => {
  const { wire, expected } = collectWire();
  for (const [label, split] of splits()) {
    const { got, stats } = readAll(wire, split, true);
    assert.deepEqual(got, expected, label);
    if (label !== "one read") assert.ok(stats.collected > 0, `${label}: payloads were collected in JS`);
    assert.ok(stats.maxOver <= 0, `${label}: the message never outgrew 4× its bytes (or 64 KiB): ${stats.maxOver}`);
  }
});

test("a transport that lends its reads can read straight into the message (readRoom), with no copy", () => {
  const { wire, expected } = collectWire();
  for (const [label, split] of splits()) {
    if (label === "one read") continue; // nothing left to read into
    const { got, stats } = readAll(wire, split, true, true);
    assert.deepEqual(got, expected, label);
    assert.ok(stats.maxOver <= 0, `${label}: the message never outgrew 4× its bytes (or 64 KiB): ${stats.maxOver}`);
    // Most of the 1 MiB message at least (a read into it stops where it ends, and its last 16 KiB are copied).
    assert.ok(stats.inPlace > 1000000, `${label}: bytes read into the message itself: ${stats.inPlace}`);
  }
});

test("Deno's socket: writes go out whole and in order, partial ones finished, past a callback that throws", async () => {
  const wrote = [];
  const conn = {
    remoteAddr: { hostname: "127.0.0.1", port: 1 },
    write: async (b) => {
      const n = Math.min(b.length, 3); // partial writes, as Deno.Conn.write may make
      wrote.push(...b.subarray(0, n));
      return n;
    },
    read: async () => null,
    closeWrite: async () => {},
    close() {},
    readable: { getReader() {} },
  };
  const d = fromDenoConn(conn).direct;
  const reported = [];
  const saved = globalThis.reportError;
  globalThis.reportError = (e) => reported.push(e.message);
  try {
    const calls = [];
    d.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), () => {
      calls.push("first");
      throw new Error("from the first callback");
    });
    const second = new Promise((resolve) => d.send(new Uint8Array([8, 9]), (e) => (calls.push(`second ${e}`), resolve())));
    let timer;
    const stalled = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the second write stalled")), 2000)));
    await Promise.race([second, stalled]).finally(() => clearTimeout(timer));
    assert.deepEqual(wrote, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(calls, ["first", "second undefined"]);
    assert.deepEqual(reported, ["from the first callback"], "the thrown error is reported, not lost");
  } finally {
    globalThis.reportError = saved;
  }
});

test("Bun's socket: frames are written from wasm memory; what the socket does not take goes out later, unchanged", async () => {
  // A `ws` echo server, reached through a stand-in for a Bun socket (Bun.connect's): `write` takes what it can at
  // once (here a random part, at times none), copies it then, keeps no reference, and asks for the rest on `drain`.
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await once(wss, "listening");
  wss.on("connection", (peer) => peer.on("message", (data, binary) => peer.send(data, { binary })));
  const ns = net.connect(wss.address().port, "127.0.0.1");
  await once(ns, "connect");
  const conn = new BunConn();
  let seed = 7;
  const rand = (n) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  const seen = { fromWasm: 0, partial: 0 };
  const sock = {
    write(bytes) {
      if (ns.destroyed) return -1;
      if (bytes.buffer === glue.wasmMemory().buffer) seen.fromWasm++;
      const k = Math.min(bytes.length, rand(4) === 0 ? rand(100) : rand(150000));
      ns.write(Buffer.from(bytes.subarray(0, k)));
      if (k < bytes.length) {
        seen.partial++;
        setImmediate(() => conn.drain());
      }
      return k;
    },
    shutdown: () => ns.end(),
    terminate: () => ns.destroy(),
    end: () => ns.end(),
    pause: () => ns.pause(),
    resume: () => ns.resume(),
    setNoDelay() {},
  };
  ns.on("data", (d) => conn.data(sock, new Uint8Array(d)));
  ns.on("end", () => conn.end());
  ns.on("close", () => conn.close());
  conn.attach(sock);
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}/`, { socket: conn.transport, perMessageDeflate: false });
    ws.binaryType = "arraybuffer";
    const got = [];
    let all;
    const done = new Promise((resolve) => (all = resolve));
    const sent = [];
    ws.onmessage = (e) => got.push(e.data) === sent.length && all();
    await withTimeout(new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onclose = reject))), 5000, "open");
    // Small and large, several in one go (held while one is out, then written together) and one at a time.
    const sizes = [0, 5, 125, 126, 16383, 16384, 65536, 70000, 300000, (1 << 20) + 3, 10, 2000];
    for (let round = 0; round < 2; round++) {
      for (const [i, n] of sizes.entries()) {
        const m = pattern(n, i + 17 * round);
        sent.push(m);
        ws.send(m);
        if (round === 1) await new Promise((r) => setImmediate(r));
      }
      sent.push("text ✓ " + round);
      ws.send("text ✓ " + round);
    }
    await withTimeout(done, 10000, `echoes (${got.length} of ${sent.length})`);
    sent.forEach((m, i) => assert.ok(typeof m === "string" ? got[i] === m : sameBytes(got[i], m), `echo ${i} differs`));
    assert.ok(seen.fromWasm > 0, "frames were written from wasm memory");
    assert.ok(seen.partial > 0, "the socket took only part of some writes");
    const closed = new Promise((resolve) => (ws.onclose = resolve));
    ws.close(1000, "done");
    const e = await withTimeout(closed, 5000, "close");
    assert.deepEqual([e.code, e.wasClean], [1000, true]);
  } finally {
    ns.destroy();
    wss.close();
  }
});
