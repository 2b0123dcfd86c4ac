// The package's buffers between JS and wasm (lib/output.js): output copied into slabs that are used again only
// once every write carved from them is released. Reaches into the package (its unbundled modules, so that the
// glue and output.js are the same instances).
import assert from "node:assert/strict";
import { test } from "node:test";
import { pattern } from "./helpers/client.mjs";

const pkg = new URL("../node_modules/hybi/", import.meta.url);
await import(new URL("hybi.node.js", pkg)); // loads the wasm
const glue = await import(new URL("hybi.js", pkg));
const { release, sendBinary, takeOutput } = await import(new URL("lib/output.js", pkg));

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
