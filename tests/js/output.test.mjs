// The package's buffers between JS and wasm (lib/output.js): output copied into slabs that are used again only
// once every write carved from them is released; reads, whose large binary payloads are collected in JS. Reaches
// into the package (its unbundled modules, so that the glue and output.js are the same instances).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { pattern } from "./helpers/client.mjs";

const pkg = new URL("../node_modules/hybi/", import.meta.url);
await import(new URL("hybi.node.js", pkg)); // loads the wasm
const glue = await import(new URL("hybi.js", pkg));
const { COLLECT_MIN, receive, receiver, release, sendBinary, sendText, takeOutput } = await import(new URL("lib/output.js", pkg));

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

test("large binary payloads collected in JS arrive whole, in order, however the reads split them", () => {
  // What a server sends (unmasked): large binary messages (collected) between text, pings, small binary, a
  // fragmented binary message (read by the connection) and one message just under the threshold.
  const tx = server();
  const expected = [];
  // Bytes as length + digest: a mismatch reads at a glance (a diff of 300,000 numbers does not).
  const digest = (b) => `${b.length} bytes, sha1 ${createHash("sha1").update(b).digest("hex")}`;
  const add = (kind, data) => {
    if (kind === "text") sendText(tx, data);
    else if (kind === "binary") sendBinary(tx, data);
    else tx.ping(data);
    expected.push([kind, kind === "text" ? data : digest(data)]);
  };
  add("text", "before");
  add("binary", pattern(70000, 1));
  add("ping", pattern(5, 2));
  add("binary", pattern(COLLECT_MIN, 3));
  add("binary", pattern(COLLECT_MIN - 1, 4));
  add("binary", pattern(300000, 5));
  add("binary", pattern(20000, 6));
  // A fragmented message, framed by hand (a server's frames are unmasked): Binary without FIN, then a
  // Continuation with FIN, each with a 16-bit length.
  const head = new Uint8Array(takeOutput(tx));
  const frame = (first, payload) => [first, 126, payload.length >> 8, payload.length & 0xff, ...payload];
  const fragments = [...frame(0x02, pattern(30000, 7)), ...frame(0x80, pattern(30000, 8))];
  expected.push(["binary", digest(new Uint8Array([...pattern(30000, 7), ...pattern(30000, 8)]))]);
  add("text", "after");
  const wire = new Uint8Array([...head, ...fragments, ...new Uint8Array(takeOutput(tx))]);
  tx.free();
  let seed = 12345;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n) + 1;
  for (const [label, split] of [
    ["one read", () => wire.length],
    ["1-byte reads", () => 1],
    ["uneven reads up to 64 KiB", () => rand(65536)],
    ["uneven small reads", () => rand(3000)],
    ["reads larger than 64 KiB", () => 65536 + rand(200000)],
  ]) {
    const rx = new glue.WasmConnection(false, 0, 0, 0, false, 0);
    const st = receiver(COLLECT_MIN);
    const got = [];
    const sink = {
      text: (t) => got.push(["text", t]),
      binary: (b) => got.push(["binary", digest(b)]),
      ping: (b) => got.push(["ping", digest(b)]),
      pong() {},
      close() {},
    };
    let collected = 0;
    for (let off = 0; off < wire.length; ) {
      // Each read its own buffer, as a Node socket's: the collected payload keeps views of them.
      const n = Math.min(split(), wire.length - off);
      receive(rx, wire.slice(off, off + n), sink, st);
      if (st.parts !== null) collected++;
      off += n;
    }
    assert.equal(rx.bytesOwed, 0, label);
    assert.equal(st.parts, null, `${label}: nothing left half collected`);
    assert.deepEqual(got, expected, label);
    if (label !== "one read") assert.ok(collected > 0, `${label}: payloads were collected in JS`);
    rx.free();
  }
});
