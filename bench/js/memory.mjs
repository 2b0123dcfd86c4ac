// Row 7, memory per idle connection: `node --expose-gc memory.mjs hybi|ws URL N` → one JSON line { perConn, … }.
// Opens N idle client connections to the echo server and measures what the process grew by, after GC: V8 heap
// used + external memory + ArrayBuffers, which includes (hybi) the growth of the wasm instance's linear memory
// (reported separately as `wasm`). Sockets' kernel buffers are the same for both and not counted.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [which, url, nArg] = process.argv.slice(2);
const N = Number(nArg ?? 200);
let WS;
let wasmMemory = () => 0;
if (which === "hybi") {
  // The unbundled node entry shares the glue's wasm instance ("hybi" is a bundle with a copy of its own).
  WS = (await import(pathToFileURL(join(process.env.HYBI_PKG, "hybi.node.js")).href)).WebSocket;
  const glue = await import(pathToFileURL(join(process.env.HYBI_PKG, "hybi.js")).href);
  const exports = glue.initSync({ module: new Uint8Array(0) }); // already initialised: returns the instance's exports
  wasmMemory = () => exports.memory.buffer.byteLength;
} else {
  const m = await import("ws");
  WS = class extends m.default {
    constructor(u) {
      super(u, { perMessageDeflate: false });
    }
  };
}
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
};
const used = () => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasm: wasmMemory() };
};
// One connection first, so that lazily created state (stream classes, code) is not counted per connection.
const warm = new WS(url);
await new Promise((r, j) => ((warm.onopen = r), (warm.onerror = j)));
await settle();
const before = used();
const sockets = [];
for (let i = 0; i < N; i++) {
  const ws = new WS(url);
  await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
  sockets.push(ws);
}
await settle();
const after = used();
const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
// Node's `external` already includes ArrayBuffers and the growth of wasm linear memory (checked: the two deltas
// match), so `wasm` is reported but not added again.
const total = d.heap + d.external;
console.log(JSON.stringify({ perConn: total / N, delta: d, n: N }));
for (const ws of sockets) ws.close(1000);
warm.close(1000);
setTimeout(() => process.exit(0), 200);
