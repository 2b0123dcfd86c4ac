// hybi's server (WebSocketServer.handleUpgrade behind node:http, helpers/server-app.mjs) against real clients: the
// Node `ws` client and the Python `websockets` client, for the matrix the client tests use. Then accept() on the
// other kinds of connection, the handshake hook, stream mode and graceful shutdown.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { accept, handleUpgrade, HybiError, WebSocket, WebSocketServer } from "hybi";
import { client, pattern, sameBytes, withTimeout } from "./helpers/client.mjs";
import { runPyClient, scenario } from "./helpers/py-client.mjs";
import { startApp } from "./helpers/server-app.mjs";
import { wsClient } from "./helpers/ws-client.mjs";

const MiB = 1 << 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bytes = (s) => new TextEncoder().encode(s);

describe("hybi server ← ws client", () => {
  let app;
  before(async () => (app = await startApp()));
  after(() => app?.close());

  async function open(path, protocols, options) {
    const { id, url } = app.url(path);
    const c = wsClient(url, protocols, options);
    await c.opened;
    c.id = id;
    return c;
  }

  test("text and binary echo: empty and 125/126/65535/65536 bytes", async () => {
    const c = await open("/echo");
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      const text = "é".repeat(n >> 1) + "a".repeat(n & 1);
      c.ws.send(text);
      assert.equal(await c.next(), text, `text of ${n} bytes`);
      const bin = pattern(n, n);
      c.ws.send(bin);
      const got = await c.next();
      assert.ok(got instanceof Uint8Array && sameBytes(got, bin), `binary of ${n} bytes`);
    }
    c.ws.send("emoji 🎉 and 中文");
    assert.equal(await c.next(), "emoji 🎉 and 中文");
    const conn = await app.event(c.id, "connection");
    assert.equal(conn.remoteAddress, "127.0.0.1");
    c.ws.close(1000, "done");
    assert.deepEqual(await c.closed, { code: 1000, reason: "", error: null }); // the answer echoes the code only
    assert.deepEqual((await app.event(c.id, "close")).reason, "done");
  });

  test("a message is the bytes given to send(), not what they become after (a large payload written after its header)", async () => {
    for (const size of [8192, 4 * MiB]) {
      const c = await open(`/snapshot?size=${size}`);
      await sleep(50); // the handshake's write done
      c.ws.send("go");
      assert.ok(sameBytes(await c.next(30000), pattern(size, 1)), `${size} bytes, first`);
      assert.ok(sameBytes(await c.next(30000), new Uint8Array(size).fill(0xee)), `${size} bytes, second`);
      c.ws.close(1000);
      await c.closed;
    }
  });

  test("small and large messages sent in one go arrive in order, each as it was when sent", async () => {
    const c = await open("/burst");
    await sleep(50); // the handshake's write done
    c.ws.send("go");
    for (let i = 0; i < 40; i++) {
      assert.equal(await c.next(), `t${i}`);
      assert.ok(sameBytes(await c.next(), pattern(i % 3 === 0 ? 1000000 : 10, i)), `binary ${i}`);
    }
    c.ws.close(1000);
    await c.closed;
  });

  test("16 MiB each way (binary and text)", async () => {
    const c = await open(`/big?size=${16 * MiB}&seed=7`);
    assert.ok(sameBytes(await c.next(30000), pattern(16 * MiB, 7)));
    const big = pattern(16 * MiB, 3);
    c.ws.send(big);
    assert.ok(sameBytes(await c.next(30000), big));
    c.ws.send("x".repeat(16 * MiB));
    assert.equal((await c.next(30000)).length, 16 * MiB);
    c.ws.close();
    assert.equal((await c.closed).code, 1005);
    assert.equal((await app.event(c.id, "close")).wasClean, true);
  });

  test("fragmented messages: the client's, and the server's (fragmentSize)", async () => {
    const c = await open("/fragmented");
    assert.equal(await c.next(), "ü".repeat(3000)); // split inside code points by the server
    assert.ok(sameBytes(await c.next(), pattern(65536, 1)));
    await c.send("frag1", { fin: false });
    await c.send("frag2", { fin: false });
    await c.send("frag3", { fin: true });
    assert.equal(await c.next(), "frag1frag2frag3");
    await c.send(pattern(1000, 1), { binary: true, fin: false });
    await c.send(pattern(70000, 2), { binary: true, fin: false });
    await c.send(new Uint8Array(0), { binary: true, fin: true });
    const got = await c.next();
    assert.equal(got.byteLength, 71000);
    assert.ok(sameBytes(got.subarray(0, 1000), pattern(1000, 1)) && sameBytes(got.subarray(1000), pattern(70000, 2)));
    c.ws.close();
    await c.closed;
  });

  test("ping/pong both ways", async () => {
    const c = await open("/ping");
    assert.equal(await c.next(), "got pong: srv-ping"); // the server's ping(), resolved by ws's automatic Pong
    assert.ok((await app.event(c.id, "pong")).rtt >= 0);
    const pong = new Promise((r) => c.ws.once("pong", (d) => r(String(d))));
    c.ws.ping("client-ping");
    assert.equal(await withTimeout(pong, 5000, "pong"), "client-ping");
    c.ws.close();
    await c.closed;
  });

  test("close: client first, with code and reason; the server closes TCP first (RFC 6455 §7.1.1)", async () => {
    const c = await open("/echo");
    let serverEnded = false;
    c.ws._socket.on("end", () => (serverEnded = true)); // FIN from the server
    c.ws.close(4001, "bye ✓");
    const r = await c.closed;
    assert.equal(r.code, 4001);
    assert.ok(serverEnded, "the server sent FIN after the closing handshake");
    const seen = await app.event(c.id, "close");
    assert.deepEqual([seen.code, seen.reason, seen.wasClean], [4001, "bye ✓", true]);
  });

  test("close: server first, with server codes (1001, 1013) and an application code", async () => {
    for (const [code, reason] of [[1001, "going away"], [1013, "try again later"], [4002, "server bye"]]) {
      const { id, url } = app.url(`/close?code=${code}&reason=${encodeURIComponent(reason)}`);
      const c = wsClient(url);
      await c.opened;
      const r = await c.closed;
      assert.deepEqual([r.code, r.reason], [code, reason]);
      const seen = await app.event(id, "close");
      assert.deepEqual([seen.code, seen.wasClean], [code, true]);
    }
  });

  test("close: TCP lost without a closing handshake is 1006, both sides", async () => {
    const c = await open("/drop");
    assert.equal((await c.closed).code, 1006);
    const seen = await app.event(c.id, "close");
    assert.deepEqual([seen.code, seen.wasClean], [1006, false]);
    const d = await open("/echo");
    d.ws.terminate();
    const seen2 = await app.event(d.id, "close");
    assert.deepEqual([seen2.code, seen2.wasClean], [1006, false]);
  });

  test("subprotocols: the server's order of preference among those offered", async () => {
    // (the ws client refuses an answer without a subprotocol when it offered some: the Python test covers that)
    for (const [offer, want] of [[["other", "chat"], "chat"], [["chat", "superchat"], "superchat"]]) {
      const c = await open("/echo", offer);
      assert.equal(c.ws.protocol, want);
      assert.equal((await app.event(c.id, "connection")).protocol, want);
      c.ws.close();
      await c.closed;
    }
    const c = await open("/hook-protocol", ["a", "b"]); // the hook chose the last one
    assert.equal(c.ws.protocol, "b");
    c.ws.close();
    await c.closed;
  });

  test("custom headers: the request's reach the server, the server's reach the client", async () => {
    const { id, url } = app.url("/headers");
    let response;
    const c = wsClient(url, undefined, { headers: { Authorization: "Bearer t0k3n", "X-Custom": "yes" }, origin: "https://example.test" });
    c.ws.on("upgrade", (res) => (response = res));
    await c.opened;
    const { headers } = JSON.parse(await c.next());
    assert.equal(headers.authorization, "Bearer t0k3n");
    assert.equal(headers["x-custom"], "yes");
    assert.equal(headers.origin, "https://example.test");
    assert.equal((await app.event(id, "connection")).headers["x-custom"], "yes");
    assert.equal(response.headers["x-hybi-server"], "yes");
    c.ws.close();
    await c.closed;
  });

  test("refused handshakes: the hook's 401 with headers and body, 403 for an origin not allowed, 500 when the hook throws", async () => {
    const { url } = app.url("/reject");
    const e = await wsClient(url).opened.then(() => null, (err) => err);
    assert.equal(e.status, 401);
    assert.match(e.headers["www-authenticate"], /Bearer/);
    assert.equal(e.body, "no entry: token required\n");
    const bad = await wsClient(app.url("/origin").url, undefined, { origin: "https://evil.test" }).opened.then(() => null, (err) => err);
    assert.equal(bad.status, 403);
    const good = wsClient(app.url("/origin").url, undefined, { origin: "https://GOOD.test" });
    await good.opened;
    good.ws.close();
    const thrown = await wsClient(app.url("/hook-throws").url).opened.then(() => null, (err) => err);
    assert.equal(thrown.status, 500);
    await sleep(50);
    const kinds = app.events.filter((ev) => ev.event === "handshake-error").map((ev) => `${ev.kind} ${ev.status}`);
    for (const k of ["Refused 401", "OriginNotAllowed 403", "HandshakeHookFailed 500"]) assert.ok(kinds.includes(k), `${k} in ${kinds}`);
  });

  test("a message over maxMessageSize: the server fails the connection with 1009", async () => {
    const c = await open("/limit");
    c.ws.send(new Uint8Array(4096));
    assert.equal((await c.next()).byteLength, 4096);
    c.ws.send(new Uint8Array(5000));
    assert.equal((await c.closed).code, 1009);
    const seen = await app.event(c.id, "error");
    assert.deepEqual([seen.kind, seen.closeCode], ["MessageTooLarge", 1009]);
  });

  test("invalid UTF-8 from the client: the server fails the connection with 1007", async () => {
    const c = await open("/echo");
    c.ws.send(Buffer.from([0x68, 0x69, 0xff, 0xfe]), { binary: false });
    assert.equal((await c.closed).code, 1007);
    assert.equal((await app.event(c.id, "error")).closeCode, 1007);
    assert.equal((await app.event(c.id, "close")).code, 1006);
  });

  test("stream: true gives a WebSocketStream-shaped socket with backpressure (echo by pipeTo)", async () => {
    const c = await open("/stream");
    const msgs = ["a", pattern(100), "b".repeat(70000), pattern(MiB, 5)];
    for (const m of msgs) c.ws.send(m);
    for (const m of msgs) {
      const got = await c.next();
      assert.ok(typeof m === "string" ? got === m : sameBytes(got, m));
    }
    c.ws.close(4003, "stream done");
    assert.equal((await c.closed).code, 4003);
    assert.deepEqual((await app.event(c.id, "close")).code, 4003);
  });
});

describe("hybi server ← python websockets client", () => {
  let app, results;
  before(async () => {
    app = await startApp();
    results = await runPyClient(`ws://127.0.0.1:${app.port}`, "plain");
  });
  after(() => app?.close());

  test("text and binary echo: empty and 125/126/65535/65536 bytes", async () => {
    const r = scenario(results, "echo");
    assert.deepEqual(r.bad, []);
    assert.equal(r.code, 1000);
    assert.equal((await app.event(r.id, "close")).code, 1000);
  });

  test("16 MiB each way (binary and text)", () => {
    const r = scenario(results, "big");
    assert.deepEqual([r.first, r.binary, r.text], [true, true, true]);
  });

  test("fragmented messages both ways", () => {
    const r = scenario(results, "fragmented");
    assert.deepEqual([r.serverText, r.serverBinary, r.text, r.binary], [true, true, "frag1frag2frag3", true]);
  });

  test("ping/pong both ways", async () => {
    const r = scenario(results, "ping");
    assert.equal(r.got, "got pong: srv-ping");
    assert.ok(r.latency >= 0);
    assert.ok((await app.event(r.id, "pong")).rtt >= 0);
  });

  test("close: client first, server first (1001, 1013, 4002), TCP lost both ways", async () => {
    const c = scenario(results, "close-client");
    assert.equal(c.code, 4001);
    assert.deepEqual((await app.event(c.id, "close")).reason, "bye ✓");
    for (const [code, want] of Object.entries(scenario(results, "close-server").results)) {
      assert.equal(want.code, Number(code));
      assert.equal((await app.event(want.id, "close")).wasClean, true);
    }
    assert.equal(scenario(results, "close-server").results["1001"].reason, "going away");
    assert.equal(scenario(results, "drop").code, 1006);
    const a = scenario(results, "abort");
    const seen = await app.event(a.id, "close");
    assert.deepEqual([seen.code, seen.wasClean], [1006, false]);
  });

  test("subprotocols: the server's order of preference", () => {
    const got = scenario(results, "subprotocol").results.map((x) => x.protocol);
    assert.deepEqual(got, ["chat", "superchat", null]);
  });

  test("custom headers both ways", () => {
    const r = scenario(results, "headers");
    assert.equal(r.headers.authorization, "Bearer t0k3n");
    assert.equal(r.headers["x-custom"], "yes");
    assert.equal(r.headers.origin, "https://example.test");
    assert.equal(r.response["x-hybi-server"], "yes");
  });

  test("refused handshakes: 401 with headers and body; 403 for an origin not allowed", () => {
    const r = scenario(results, "reject");
    assert.equal(r.status, 401);
    assert.match(r.headers["www-authenticate"], /Bearer/);
    assert.equal(r.body, "no entry: token required\n");
    const o = scenario(results, "origin");
    assert.equal(o.bad.status, 403);
    assert.equal(o.good, "ok");
  });

  test("limits → 1009, invalid UTF-8 → 1007", async () => {
    const l = scenario(results, "limit");
    assert.deepEqual([l.fits, l.code], [4096, 1009]);
    const u = scenario(results, "utf8");
    assert.equal(u.code, 1007);
    assert.equal((await app.event(u.id, "error")).kind, "InvalidUtf8");
  });

  test("stream: true echo", async () => {
    const r = scenario(results, "stream");
    assert.deepEqual(r.echoed, [true, true, true, true]);
    assert.equal((await app.event(r.id, "close")).code, 4003);
  });
});

// ------------------------------------------------------------------------------------------------ the other ways in

/** A plain net server whose connections go to `onSocket`. */
async function netServer(onSocket) {
  const sockets = new Set();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `ws://127.0.0.1:${srv.address().port}`,
    port: srv.address().port,
    close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), srv.close(r))),
  };
}

const REQUEST = (path = "/", extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** A masked client frame. */
function maskedFrame(opcode, payload, fin = true) {
  payload = Buffer.from(payload);
  const key = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 255]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i & 3]));
  return Buffer.concat([head, key, body]);
}

test("accept(): await accept(socket) then attach handlers; frames sent with the request are not lost", async () => {
  const got = [];
  const srv = await netServer(async (sock) => {
    const ws = await accept(sock);
    assert.ok(ws instanceof WebSocket);
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(ws.url, "ws://127.0.0.1/early");
    ws.onmessage = (e) => {
      got.push(e.data);
      ws.send(`echo ${e.data}`);
    };
  });
  try {
    // the request and two frames in one write
    const s = net.connect(srv.port, "127.0.0.1");
    s.write(Buffer.concat([Buffer.from(REQUEST("/early")), maskedFrame(1, "first"), maskedFrame(1, "second")]));
    let buf = "";
    s.on("data", (d) => (buf += d.toString("latin1")));
    await withTimeout((async () => { while (!buf.includes("echo second")) await sleep(10); })(), 3000, "echoes");
    assert.match(buf, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(buf, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
    assert.deepEqual(got, ["first", "second"]);
    s.destroy();
  } finally {
    await srv.close();
  }
});

test("accept(): a { readable, writable } pair, with the hook seeing method, path, headers and remote address", async () => {
  let seen;
  const srv = await netServer(async (sock) => {
    const transport = {
      readable: new ReadableStream({ start: (c) => (sock.on("data", (d) => c.enqueue(new Uint8Array(d))), sock.on("end", () => c.close())) }),
      writable: new WritableStream({ write: (chunk) => new Promise((r) => sock.write(chunk, r)), close: () => new Promise((r) => sock.end(r)) }),
      close: () => sock.destroy(),
      remoteAddress: sock.remoteAddress,
      remotePort: sock.remotePort,
    };
    const ws = await accept(transport, {
      handshake: (request) => {
        seen = request;
        return { protocol: "b", headers: { "X-Hook": "1" } };
      },
    });
    ws.onmessage = (e) => ws.send(e.data);
  });
  try {
    const c = client(`${srv.url}/generic?x=1`, ["a", "b"], { headers: { "X-Custom": "yes" } });
    await c.opened;
    assert.equal(c.ws.protocol, "b");
    assert.equal(c.ws.response.headers.get("x-hook"), "1");
    c.ws.send("over streams");
    assert.equal(await c.next(), "over streams");
    assert.equal(seen.method, "GET");
    assert.equal(seen.path, "/generic?x=1");
    assert.equal(seen.url, `ws://127.0.0.1:${srv.port}/generic?x=1`);
    assert.equal(seen.headers.get("x-custom"), "yes");
    assert.deepEqual(seen.protocols, ["a", "b"]);
    assert.equal(seen.remoteAddress, "127.0.0.1");
    assert.equal(typeof seen.remotePort, "number");
    c.ws.close();
    await c.closed;
  } finally {
    await srv.close();
  }
});

test("handleUpgrade(): the standalone function keeps the head bytes; an invalid upgrade gets its answer", async () => {
  const server = http.createServer((req, res) => res.writeHead(404).end());
  const got = [];
  server.on("upgrade", async (req, socket, head) => {
    try {
      const ws = await handleUpgrade(req, socket, head);
      ws.onmessage = (e) => got.push(e.data);
    } catch (e) {
      got.push(`refused ${e.status}`);
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const s = net.connect(server.address().port, "127.0.0.1");
    s.write(Buffer.concat([Buffer.from(REQUEST("/up")), maskedFrame(1, "in the head")]));
    await withTimeout((async () => { while (!got.length) await sleep(10); })(), 3000, "the head's frame");
    assert.deepEqual(got, ["in the head"]);
    s.destroy();
    // version 8: Node's http parser passes it to `upgrade`; hybi answers 426 with the version it speaks
    const t = net.connect(server.address().port, "127.0.0.1");
    t.write(REQUEST("/v8").replace("Version: 13", "Version: 8"));
    let answer = "";
    t.on("data", (d) => (answer += d));
    await withTimeout(new Promise((r) => t.on("close", r)), 3000, "426 and close");
    assert.match(answer, /^HTTP\/1\.1 426 /);
    assert.match(answer, /Sec-WebSocket-Version: 13/i);
    assert.deepEqual(got, ["in the head", "refused 426"]);
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
});

test("the server closes TCP after closeTimeout when the client never answers its Close", async () => {
  let serverClose;
  const server = new WebSocketServer({
    closeTimeout: 300,
    onConnection: (ws) => {
      serverClose = new Promise((r) => ws.addEventListener("close", (e) => r(e)));
      ws.close(1001, "bye");
    },
  });
  const { port } = await server.listen({ hostname: "127.0.0.1" });
  try {
    const s = net.connect(port, "127.0.0.1");
    s.write(REQUEST());
    let data = Buffer.alloc(0);
    s.on("data", (d) => (data = Buffer.concat([data, d]))); // reads, never answers the Close
    const t0 = Date.now();
    await withTimeout(new Promise((r) => s.on("close", r)), 3000, "the server closes TCP");
    const e = await serverClose;
    assert.deepEqual([e.code, e.wasClean], [1006, false]);
    assert.ok(Date.now() - t0 >= 250, "after closeTimeout, not before");
    assert.ok(data.includes(Buffer.from([0x88, 0x05, 0x03, 0xe9])), "the Close (1001) was sent first");
    assert.equal(server.clients.size, 0);
  } finally {
    await server.close();
  }
});

test("WebSocketServer.close(): 1001 to every connection, waits, then terminates the ones that do not answer", async () => {
  const server = new WebSocketServer({ closeTimeout: 10_000 });
  const { port } = await server.listen({ hostname: "127.0.0.1" });
  // two well-behaved clients (hybi and ws) and one raw client that never answers a Close
  const a = client(`ws://127.0.0.1:${port}/a`);
  const b = wsClient(`ws://127.0.0.1:${port}/b`);
  await Promise.all([a.opened, b.opened]);
  const raw = net.connect(port, "127.0.0.1");
  raw.write(REQUEST());
  raw.on("data", () => {});
  const rawClosed = new Promise((r) => raw.on("close", r));
  await withTimeout((async () => { while (server.clients.size < 3) await sleep(10); })(), 3000, "3 clients");
  const t0 = Date.now();
  const res = await server.close({ timeout: 500 });
  assert.deepEqual(res, { closed: 2, terminated: 1 });
  assert.ok(Date.now() - t0 >= 450 && Date.now() - t0 < 3000);
  assert.deepEqual([(await a.closed).code, (await a.closed).wasClean], [1001, true]);
  assert.equal((await b.closed).code, 1001);
  await withTimeout(rawClosed, 2000, "the raw client's TCP closed");
  assert.equal(server.clients.size, 0);
  // closed: no more listening, and accept() answers 503
  await assert.rejects(new Promise((res2, rej) => net.connect(port, "127.0.0.1").on("connect", res2).on("error", rej)));
  const srv = await netServer((sock) => server.accept(sock).catch(() => {}));
  try {
    const c = wsClient(srv.url);
    assert.equal((await c.opened.catch((e) => e)).status, 503);
  } finally {
    await srv.close();
  }
});

test("server close codes: 1001/1008/1011–1014 allowed on the server; 1005/1006/1015 are not; WHATWG rules stay for clients", async () => {
  const server = new WebSocketServer({
    onConnection(ws) {
      for (const bad of [1004, 1005, 1006, 1015, 2000]) assert.throws(() => ws.close(bad), { name: "InvalidAccessError" });
      ws.onmessage = (e) => ws.close(Number(e.data), `code ${e.data}`);
    },
  });
  const { port } = await server.listen({ hostname: "127.0.0.1" });
  try {
    for (const code of [1001, 1008, 1011, 1012, 1013, 1014]) {
      const c = client(`ws://127.0.0.1:${port}/`);
      await c.opened;
      assert.throws(() => c.ws.close(code), { name: "InvalidAccessError" }); // a client may not
      c.ws.send(String(code));
      const r = await c.closed;
      assert.deepEqual([r.code, r.reason, r.wasClean], [code, `code ${code}`, true]);
    }
  } finally {
    await server.close();
  }
});

test("server options are checked; listen() twice is an error", async () => {
  assert.throws(() => new WebSocketServer({ handshake: 1 }), TypeError);
  assert.throws(() => new WebSocketServer({ protocols: ["bad token"] }), TypeError);
  assert.throws(() => new WebSocketServer({ perMessageDeflate: { level: 10 } }), RangeError);
  assert.throws(() => new WebSocketServer({ onConnection: "x" }), TypeError);
  await assert.rejects(accept({}), TypeError);
  const s = new WebSocketServer();
  await s.listen({ hostname: "127.0.0.1" });
  await assert.rejects(s.listen({ hostname: "127.0.0.1" }), (e) => e instanceof HybiError && e.kind === "AlreadyListening");
  await s.close();
});
