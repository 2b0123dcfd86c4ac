// Rows 4–5 in Node, Deno and Bun: `<runtime> echo-cli.mjs URL CONFIG_JSON` → one JSON line:
// { ok, runtime, version, results: [{ cell, res: { hybi: { median, runs }, <peer>: … } }] }.
// Clients: hybi's WebSocket (imported by package name, so the runtime's own export condition picks the entry), and
// the peers: in Node the `ws` client (perMessageDeflate off; bufferutil installed) and the built-in WebSocket
// (undici) where there is one; in Deno and Bun the runtime's native WebSocket. The echo server declines
// permessage-deflate, so no client compresses.
import { WebSocket as HybiWebSocket } from "hybi";
import { alternate } from "./stats.mjs";
import { echoMatrix } from "./echo-core.mjs";

const isDeno = typeof Deno !== "undefined";
const isBun = typeof Bun !== "undefined";
const args = isDeno ? Deno.args : process.argv.slice(2);
const [url, configJson] = args;
const config = JSON.parse(configJson);

const clients = { hybi: (u) => new HybiWebSocket(u) };
let runtime, version;
if (isDeno) {
  runtime = "deno";
  version = Deno.version.deno;
  clients["deno WebSocket"] = (u) => new globalThis.WebSocket(u);
} else if (isBun) {
  runtime = "bun";
  version = Bun.version;
  clients["bun WebSocket"] = (u) => new globalThis.WebSocket(u);
} else {
  runtime = "node";
  version = process.versions.node;
  const { default: WS } = await import("ws");
  clients.ws = (u) => new WS(u, { perMessageDeflate: false });
  if (typeof globalThis.WebSocket === "function" && config.undici !== false) {
    clients["undici (built-in WebSocket)"] = (u) => new globalThis.WebSocket(u);
  }
}

try {
  const results = await echoMatrix(clients, url, config.cells, config, alternate, (cell, res) => {
    const parts = Object.entries(res).map(([n, r]) => `${n} ${Math.round(r.median)}${r.error ? ` (error: ${r.error.split("\n")[0]})` : ""}`);
    (isDeno ? console.error : console.error)(`[${runtime}] ${cell.size} B x ${cell.conns} conn(s), window ${cell.window}: ${parts.join(", ")} msg/s`);
  });
  console.log(JSON.stringify({ ok: true, runtime, version, results }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, runtime, version, error: String(e?.stack ?? e) }));
}
if (isDeno) Deno.exit(0);
else process.exit(0);
