// hybi's server as the system under test: a WebSocketServer behind a Node http server's `upgrade` event
// (handleUpgrade, with per-path options), with the same behaviour by path as the reference peers
// (peers/ws-peer.mjs, peers/py-peer.py). Records one event per thing that happened ({ event, id, … }), as the peers
// print them.
import http from "node:http";
import { WebSocket, WebSocketServer } from "hybi";
import { pattern } from "./client.mjs";
import { waitEvent } from "./wait.mjs";

let nextId = 0;

/** Per-path socket options (handleUpgrade's per-call options). */
function optionsFor(path) {
  switch (path) {
    case "/fragmented":
      return { fragmentSize: 1000 };
    case "/limit":
      return { maxMessageSize: 4096 };
    case "/origin":
      return { allowedOrigins: ["https://good.test"] };
    case "/stream":
      return { stream: true };
    case "/close-timeout":
      return { closeTimeout: 300 };
    default:
      return undefined;
  }
}

export async function startApp({ perMessageDeflate = false, server: serverOptions = {} } = {}) {
  const events = [];
  const waiters = new Set();
  const record = (ev) => {
    events.push(ev);
    for (const w of waiters) w();
  };
  const sockets = new Set();
  const byPort = new Map(); // the upgrade event's sockets by remote port (for /drop)
  const server = new WebSocketServer({
    protocols: ["superchat", "chat"],
    perMessageDeflate,
    maxMessageSize: 128 << 20,
    headers: { "X-Hybi-Server": "yes" },
    handshake(request) {
      const u = new URL(request.path, "http://x");
      if (u.pathname === "/reject") {
        return { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="hybi"' }, body: "no entry: token required\n" };
      }
      if (u.pathname === "/hook-protocol") return { protocol: request.protocols.at(-1) ?? null, headers: [["X-Chosen", "last"]] };
      if (u.pathname === "/hook-throws") throw new Error("hook failure");
      return undefined;
    },
    onError: (e) => record({ event: "handshake-error", kind: e.kind, status: e.status ?? null }),
    onConnection(ws, request) {
      const u = new URL(request.path, "http://x");
      const id = u.searchParams.get("id") ?? "";
      const q = (k, d) => u.searchParams.get(k) ?? d;
      record({
        event: "connection",
        id,
        path: u.pathname,
        headers: Object.fromEntries(request.headers),
        protocol: ws.protocol ?? null,
        extensions: ws.extensions ?? null,
        remoteAddress: request.remoteAddress,
      });
      if (u.pathname === "/stream") return runStream(ws, id, record);
      ws.binaryType = "arraybuffer";
      ws.addEventListener("error", (e) => record({ event: "error", id, kind: e.error?.kind, closeCode: e.error?.closeCode ?? null }));
      ws.addEventListener("close", (e) => record({ event: "close", id, code: e.code, reason: e.reason, wasClean: e.wasClean }));
      const echo = () => (ws.onmessage = (e) => ws.send(e.data));
      switch (u.pathname) {
        case "/headers":
          ws.send(JSON.stringify({ headers: Object.fromEntries(request.headers) }));
          echo();
          break;
        case "/close":
          ws.close(Number(q("code", 1000)), q("reason", ""));
          break;
        case "/drop":
          setTimeout(() => byPort.get(request.remotePort)?.destroy(), 50);
          break;
        case "/ping":
          ws.ping("srv-ping").then(
            (rtt) => {
              record({ event: "pong", id, rtt });
              ws.send("got pong: srv-ping");
            },
            () => {},
          );
          echo();
          break;
        case "/fragmented":
          ws.send("ü".repeat(3000));
          ws.send(pattern(65536, 1));
          echo();
          break;
        case "/big":
          ws.send(pattern(Number(q("size", 1024)), Number(q("seed", 0))));
          echo();
          break;
        case "/snapshot":
          // send() takes the bytes as they are when it is called (WHATWG): changing them afterwards sends nothing
          // new. On a message, when no write is in flight (the first send takes the server's direct path).
          ws.onmessage = () => {
            const buf = pattern(Number(q("size", 8192)), 1);
            ws.send(buf);
            buf.fill(0xee);
            ws.send(buf);
            buf.fill(0x11);
          };
          break;
        case "/burst":
          // Small messages (held in the core while a write is in flight) between large binary ones (the direct
          // path, written at once even then): all in the order sent, each as it was when sent (1 MB, so that the
          // socket's buffer fills and a write that kept the caller's bytes would send them changed).
          ws.onmessage = () => {
            for (let i = 0; i < 40; i++) {
              ws.send(`t${i}`);
              const buf = pattern(i % 3 === 0 ? 1000000 : 10, i);
              ws.send(buf);
              buf.fill(0xee);
            }
          };
          break;
        case "/close-timeout":
          ws.onmessage = (e) => e.data === "close me" && ws.close(1001, "bye");
          break;
        default:
          echo();
      }
    },
  });
  const httpServer = http.createServer((req, res) => res.writeHead(404).end());
  httpServer.on("upgrade", (req, socket, head) => {
    sockets.add(socket);
    const remotePort = socket.remotePort;
    byPort.set(remotePort, socket);
    socket.on("close", () => {
      sockets.delete(socket);
      byPort.delete(remotePort);
    });
    server.handleUpgrade(req, socket, head, optionsFor(new URL(req.url, "http://x").pathname));
  });
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  const port = httpServer.address().port;
  return {
    port,
    server,
    events,
    sockets,
    url(path, { prefix = "t" } = {}) {
      const id = `${prefix}${++nextId}`;
      const sep = path.includes("?") ? "&" : "?";
      return { id, url: `ws://127.0.0.1:${port}${path}${sep}id=${id}` };
    },
    event(id, type, ms = 8000) {
      return waitEvent(events, waiters, id, type, ms, "hybi server");
    },
    async close() {
      await server.close({ timeout: 1000 });
      for (const s of sockets) s.destroy();
      await new Promise((r) => httpServer.close(r));
    },
  };
}

/** /stream: a WebSocketStream-shaped server socket that echoes by piping its readable into its writable. */
async function runStream(wss, id, record) {
  wss.closed.then(
    (c) => record({ event: "close", id, code: c.closeCode, reason: c.reason, wasClean: true }),
    (e) => record({ event: "close", id, code: e.closeCode ?? 1006, reason: "", wasClean: false }),
  );
  const { readable, writable } = await wss.opened;
  readable.pipeTo(writable).catch(() => {});
}

export { WebSocket };
