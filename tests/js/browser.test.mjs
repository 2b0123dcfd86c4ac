// The `browser` entry in headless Chromium (Debian's, driven by playwright-core): the wasm loads by fetch (top-level
// await), hybi/codec works, WebSocket without options.socket reports NoSockets, and with a socket — here the page's
// own WebSocket to a byte relay on 127.0.0.1 — hybi's WebSocket and WebSocketStream talk to the `ws` peer.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { startPeer } from "./helpers/peers.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const pkgDir = fileURLToPath(new URL("../node_modules/hybi/", import.meta.url));
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (scripts/setup.sh browsers)`;
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };

const PAGE = `<!doctype html><meta charset="utf-8"><title>hybi browser entry</title>
<script type="module">
  const relay = new URLSearchParams(location.search).get("relay");
  const peer = new URLSearchParams(location.search).get("peer");
  const out = {};
  try {
    const hybi = await import("/pkg/hybi.browser.js");
    const codec = await import("/pkg/codec.browser.js");
    out.acceptKey = codec.acceptKey("dGhlIHNhbXBsZSBub25jZQ==");
    const bare = new hybi.WebSocket(peer + "/echo");
    out.noSockets = await new Promise((r) => (bare.onerror = (e) => r(e.error.kind)));
    // A byte stream over the page's own WebSocket to a TCP relay: what a page would use hybi with.
    const socket = () => new Promise((resolve, reject) => {
      const n = new globalThis.WebSocket(relay);
      n.binaryType = "arraybuffer";
      n.onerror = () => reject(new Error("relay failed"));
      n.onopen = () => resolve({
        readable: new ReadableStream({ start(c) { n.onmessage = (e) => c.enqueue(new Uint8Array(e.data)); n.onclose = () => { try { c.close(); } catch {} }; } }),
        writable: new WritableStream({ write(chunk) { n.send(chunk); }, close() { n.close(); } }),
        close() { n.close(); },
      });
    });
    const ws = new hybi.WebSocket(peer + "/echo?id=browser", ["chat"], { socket });
    ws.binaryType = "arraybuffer";
    await new Promise((r, j) => { ws.onopen = r; ws.onclose = () => j(new Error("closed before open")); });
    const got = [];
    const three = new Promise((r) => (ws.onmessage = (e) => { got.push(e.data); if (got.length === 3) r(); }));
    ws.send("hello from the page");
    ws.send(new Uint8Array([9, 8, 7]));
    ws.send(new Blob(["blob"]));
    await three;
    out.messages = [got[0], [...new Uint8Array(got[1])], new TextDecoder().decode(got[2])];
    out.protocol = ws.protocol;
    out.rtt = typeof (await ws.ping());
    out.close = await new Promise((r) => { ws.onclose = (e) => r([e.code, e.reason, e.wasClean]); ws.close(4000, "page done"); });
    const wss = new hybi.WebSocketStream(peer + "/echo?id=browser-stream", { socket });
    const { readable, writable } = await wss.opened;
    await writable.getWriter().write("stream");
    out.stream = (await readable.getReader().read()).value;
    wss.close({ closeCode: 4001 });
    out.streamClosed = await wss.closed;
  } catch (e) {
    out.error = String(e && e.stack || e);
  }
  window.__result = out;
</script>`;

let server, relay, peer, browser;
before(async () => {
  if (skip) return;
  peer = await startPeer("ws");
  server = http.createServer((req, res) => {
    const u = new URL(req.url, "http://x");
    if (u.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (u.pathname === "/favicon.ico") return res.writeHead(204).end();
    if (!u.pathname.startsWith("/pkg/")) return res.writeHead(404).end();
    const file = normalize(join(pkgDir, u.pathname.slice(5)));
    if (!file.startsWith(pkgDir) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  // The relay: a WebSocket whose binary messages are the bytes of a TCP connection to the peer.
  relay = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => relay.on("listening", r));
  relay.on("connection", (n) => {
    const tcp = net.connect(peer.port, "127.0.0.1");
    tcp.on("data", (d) => n.send(d));
    tcp.on("end", () => n.close());
    tcp.on("error", () => n.terminate());
    n.on("message", (d) => tcp.write(d));
    n.on("close", () => tcp.end());
  });
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    timeout: 30_000,
  });
});
after(async () => {
  await browser?.close();
  relay?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
  await peer?.stop();
});

test("browser entry in Chromium: wasm by fetch, codec, NoSockets, WebSocket and WebSocketStream over a socket", { skip }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  const base = `http://127.0.0.1:${server.address().port}`;
  await page.goto(`${base}/?relay=ws://127.0.0.1:${relay.address().port}&peer=ws://127.0.0.1:${peer.port}`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 });
  const r = await page.evaluate(() => window.__result);
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.acceptKey, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.equal(r.noSockets, "NoSockets");
  assert.deepEqual(r.messages, ["hello from the page", [9, 8, 7], "blob"]);
  assert.equal(r.protocol, "chat");
  assert.equal(r.rtt, "number");
  assert.deepEqual(r.close, [4000, "page done", true]);
  assert.equal(r.stream, "stream");
  assert.deepEqual(r.streamClosed, { closeCode: 4001, reason: "" });
  assert.equal((await peer.event("browser", "close")).code, 4000);
  assert.deepEqual(problems, []);
});
