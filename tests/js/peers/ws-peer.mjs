// Reference peer: a `ws` server (plain and TLS) on 127.0.0.1. Prints JSON lines: the ports, then one line per event
// ({event, id, ...}). Behaviour by path, the same as py-peer.py. Exits when stdin closes or after 10 minutes.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { WebSocketServer } from "ws";

const [certFile, keyFile] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 128 << 20,
  perMessageDeflate: false,
  handleProtocols: (offered) => ["superchat", "chat"].find((p) => offered.has(p)) ?? false,
});
// permessage-deflate, by query (?deflate=ctx|noctx): with context takeover, or with none either way. Threshold 0 so
// that small messages are compressed too.
const wssDeflate = {
  ctx: new WebSocketServer({ noServer: true, maxPayload: 128 << 20, perMessageDeflate: { threshold: 0 } }),
  noctx: new WebSocketServer({
    noServer: true,
    maxPayload: 128 << 20,
    perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
  }),
};
for (const w of [wss, ...Object.values(wssDeflate)]) w.on("headers", (headers) => headers.push("X-Hybi-Peer: ws"));

function pattern(n, seed = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

function onUpgrade(req, socket, head) {
  socket.on("error", () => {});
  const u = new URL(req.url, "http://x");
  if (u.pathname === "/reject") {
    const body = "no entry: token required\n";
    socket.end(`HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="hybi"\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return;
  }
  const deflate = u.searchParams.get("deflate");
  (deflate ? wssDeflate[deflate] : wss).handleUpgrade(req, socket, head, (ws) => run(ws, req, u));
}

const floods = new Map(); // id → { sent, done }

function run(ws, req, u) {
  const id = u.searchParams.get("id") ?? "";
  if (u.pathname === "/status") {
    // How far a flood got (for clients in other runtimes, which cannot see this process's events).
    ws.send(JSON.stringify(floods.get(u.searchParams.get("of")) ?? null));
    ws.close(1000);
    return;
  }
  const q = (k, d) => u.searchParams.get(k) ?? d;
  out({
    event: "connection",
    id,
    path: u.pathname,
    headers: req.headers,
    protocol: ws.protocol,
    extensions: ws.extensions,
    sni: req.socket.servername ?? null,
  });
  const sock = req.socket;
  ws.on("close", (code, reason) =>
    out({ event: "close", id, code, reason: String(reason), bytesRead: sock.bytesRead, bytesWritten: sock.bytesWritten }),
  );
  ws.on("pong", (d) => out({ event: "pong", id, data: String(d) }));
  ws.on("error", (e) => out({ event: "error", id, message: e.message }));
  const echo = () => ws.on("message", (d, binary) => ws.send(d, { binary }));
  switch (u.pathname) {
    case "/headers":
      ws.send(JSON.stringify({ headers: req.headers, sni: req.socket.servername ?? null }));
      echo();
      break;
    case "/close":
      ws.close(Number(q("code", 1000)), q("reason", ""));
      break;
    case "/drop":
      setTimeout(() => ws.terminate(), 50);
      break;
    case "/ping":
      ws.once("pong", (d) => ws.send(`got pong: ${d}`));
      ws.ping("srv-ping");
      echo();
      break;
    case "/fragmented":
      ws.send("frag1", { fin: false });
      ws.send("frag2", { fin: false });
      ws.send("frag3", { fin: true });
      echo();
      break;
    case "/invalid-utf8":
      ws.send(Buffer.from([0x68, 0x69, 0xff, 0xfe]), { binary: false });
      break;
    case "/big":
      ws.send(pattern(Number(q("size", 1024)), Number(q("seed", 0))));
      echo();
      break;
    case "/flood": {
      const count = Number(q("count", 16)), size = Number(q("size", 1 << 20));
      const chunk = pattern(size);
      let sent = 0;
      const state = { sent: 0, done: false };
      floods.set(id, state);
      const next = () => {
        // stay a little ahead of the socket so that the flood is limited by the client, not by us
        while (sent < count && ws.bufferedAmount < 4 * size && ws.readyState === 1) {
          ws.send(chunk);
          state.sent = ++sent;
        }
        if (sent < count && ws.readyState === 1) setTimeout(next, 5);
        else if (ws.bufferedAmount > 0 && ws.readyState === 1) setTimeout(next, 5);
        else {
          state.done = true;
          out({ event: "flooded", id, sent });
        }
      };
      next();
      echo();
      break;
    }
    case "/stall":
      // Echoes; a text "stall …" makes it stop reading for `ms` first (the client's socket fills meanwhile).
      ws.on("message", (d, binary) => {
        if (!binary && String(d).startsWith("stall")) {
          ws.pause();
          setTimeout(() => ws.resume(), Number(q("ms", 300)));
        }
        ws.send(d, { binary });
      });
      break;
    default:
      echo();
  }
}

const plain = http.createServer((req, res) => res.writeHead(404).end());
plain.on("upgrade", onUpgrade);
await new Promise((r) => plain.listen(0, "127.0.0.1", r));
let tlsPort = null;
if (certFile) {
  const secure = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => res.writeHead(404).end());
  secure.on("upgrade", onUpgrade);
  secure.on("tlsClientError", () => {});
  await new Promise((r) => secure.listen(0, "127.0.0.1", r));
  tlsPort = secure.address().port;
}
out({ event: "listening", port: plain.address().port, tlsPort });
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
setTimeout(() => process.exit(0), 600_000).unref();
