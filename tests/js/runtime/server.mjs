// hybi's echo server inside a runtime (Deno: Deno.listen, Bun: Bun.listen, Node: net), importing `hybi` by name so
// that the runtime's export condition picks the entry. Prints one JSON line with its ports, then serves until a
// client sends "shutdown" (graceful close: 1001 to everyone), prints the result of close() and exits.
//   <runtime> server.mjs
import { WebSocketServer } from "hybi";

const MiB = 1 << 20;
const print = (o) => console.log(JSON.stringify(o));
const exit = (code) => (typeof Deno !== "undefined" ? Deno.exit(code) : process.exit(code));

function pattern(n, seed = 0) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

let shuttingDown = false;
async function shutdown() {
  if (shuttingDown) return;
  shuttingDown = true;
  const results = await Promise.all([echo.close({ timeout: 2000 }), streams.close({ timeout: 2000 })]);
  print({ shutdown: results });
  setTimeout(() => exit(0), 50);
}

const echo = new WebSocketServer({
  perMessageDeflate: true,
  protocols: ["chat"],
  maxMessageSize: 64 * MiB,
  headers: { "X-Runtime": typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node" },
  onConnection(ws, request) {
    ws.binaryType = "arraybuffer";
    const path = new URL(request.path, "http://x").pathname;
    if (path === "/big") ws.send(pattern(16 * MiB, 5));
    ws.onmessage = (e) => {
      if (e.data === "shutdown") shutdown();
      else ws.send(e.data);
    };
  },
});

const streams = new WebSocketServer({
  stream: true,
  async onConnection(wss) {
    const { readable, writable } = await wss.opened;
    readable.pipeTo(writable).catch(() => {});
  },
});

const a = await echo.listen({ hostname: "127.0.0.1", port: 0 });
const b = await streams.listen({ hostname: "127.0.0.1", port: 0 });
print({ port: a.port, streamPort: b.port });
setTimeout(() => exit(2), 120_000); // never outlive the test
