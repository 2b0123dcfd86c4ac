// Memory per server connection, with and without permessage-deflate:
//   node --expose-gc deflate-memory.mjs [N=1000] [on|off|level0]
// A hybi WebSocketServer in this process; N `ws` clients (offering permessage-deflate, threshold 0) in a child
// process. Measured after listen (baseline), with N idle connections, and after each client sent one 1 KiB text
// message and got it back (so both the server's compressor and its inflater exist). Prints one JSON line.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const [, , nArg = "1000", mode = "on"] = process.argv;
const N = Number(nArg);

if (mode === "client") {
  // The client side: N ws connections to the port in argv[4]; "send" on IPC makes each send one message.
  const { default: WebSocket } = await import("ws");
  const port = Number(process.argv[4]);
  const text = "hybi websocket deflate memory per connection ".repeat(24).slice(0, 1024);
  const sockets = [];
  for (let i = 0; i < N; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, N - i) }, () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
        sockets.push(ws);
        return new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
      }),
    );
  }
  process.send({ opened: sockets.length, extensions: sockets[0].extensions });
  process.on("message", async (m) => {
    if (m !== "send") return;
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise((r, j) => {
            ws.once("message", (d) => (String(d) === text ? r() : j(new Error("bad echo"))));
            ws.send(text);
          }),
      ),
    );
    process.send({ echoed: sockets.length });
  });
} else {
  const pkg = new URL("../../node_modules/hybi/", import.meta.url);
  // The unbundled node entry shares the glue's wasm instance ("hybi" is a bundle with a copy of its own).
  const glue = await import(new URL("hybi.js", pkg));
  const { WebSocketServer } = await import(new URL("hybi.node.js", pkg));
  const wasmMemory = () => glue.initSync().memory.buffer.byteLength;
  const sample = () => {
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasm: wasmMemory() };
  };
  const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Math.round((b[k] - a[k]) / N)]));
  const server = new WebSocketServer({
    perMessageDeflate: mode === "on" ? true : mode === "level0" ? { level: 0 } : false,
    onConnection: (ws) => (ws.onmessage = (e) => ws.send(e.data)),
  });
  const { port } = await server.listen({ hostname: "127.0.0.1", backlog: 2048 });
  const baseline = sample();
  const child = fork(fileURLToPath(import.meta.url), [String(N), "client", String(port)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const next = () => new Promise((r) => child.once("message", r));
  const opened = await next();
  while (server.clients.size < N) await new Promise((r) => setTimeout(r, 10));
  const idle = sample();
  child.send("send");
  await next();
  const active = sample();
  child.kill();
  await server.close({ timeout: 1000 });
  console.log(
    JSON.stringify({
      connections: N,
      deflate: mode === "on" ? true : mode === "level0" ? "level 0 (inflate only)" : false,
      extensions: opened.extensions,
      node: process.version,
      baseline,
      idle,
      active,
      perConnection: { idle: diff(baseline, idle), active: diff(baseline, active) },
    }),
  );
  process.exit(0);
}
