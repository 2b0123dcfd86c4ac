// hybi's WebSocket (the packed package, imported by name) against real peers: a Node `ws` server and a Python
// `websockets` server. Every case runs against both.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CloseEvent, ErrorEvent, HybiError, MessageEvent, WebSocket } from "hybi";
import { client, pattern, sameBytes, withTimeout } from "./helpers/client.mjs";
import { PEERS, startPeer } from "./helpers/peers.mjs";
import { startProxy } from "./helpers/proxy.mjs";

const MiB = 1 << 20;

for (const kind of PEERS) {
  describe(`against the ${kind} peer`, () => {
    let peer, proxy;
    before(async () => {
      peer = await startPeer(kind);
      proxy = await startProxy();
    });
    after(async () => {
      await peer?.stop();
      await proxy?.close();
    });

    async function echoClient(opts) {
      const { id, url } = peer.url("/echo");
      const c = client(url, undefined, opts);
      await c.opened;
      return { ...c, id };
    }

    async function closeClean(c, id) {
      c.ws.close(1000, "done");
      const r = await c.closed;
      assert.equal(r.code, 1000);
      assert.equal(r.wasClean, true);
      if (id) assert.equal((await peer.event(id, "close")).code, 1000);
    }

    test("text and binary echo: empty and 125/126/65535/65536 bytes", async () => {
      const c = await echoClient();
      assert.equal(c.ws.readyState, WebSocket.OPEN);
      for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
        const text = "é".repeat(n >> 1) + "a".repeat(n & 1); // n bytes of UTF-8
        c.ws.send(text);
        assert.equal(await c.next(), text, `text of ${n} bytes`);
        const bin = pattern(n, n);
        c.ws.send(bin);
        const got = await c.next();
        assert.ok(got instanceof ArrayBuffer);
        assert.ok(sameBytes(got, bin), `binary of ${n} bytes`);
      }
      c.ws.send("emoji 🎉 and 中文");
      assert.equal(await c.next(), "emoji 🎉 and 中文");
      await closeClean(c, c.id);
    });

    test("text is sent as the UTF-8 of its scalar values (ASCII copied by hand, the rest encoded; lone surrogates become U+FFFD)", async () => {
      const c = await echoClient();
      const texts = ["", "a", "a".repeat(63) + "é", "a".repeat(64) + "é", "a".repeat(200), "é" + "a".repeat(70),
        "🌍".repeat(10), "x\ud800y", "\udc00", "a".repeat(64) + "\ud83d", "κόσμε".repeat(5000), "z".repeat(30000)];
      for (const t of texts) c.ws.send(t);
      for (const t of texts) {
        const want = t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
        assert.equal(await c.next(), want, `${t.length} code units`);
      }
      await closeClean(c, c.id);
    });

    test("back-to-back messages of every size class arrive intact and in order (pooled and recycled output buffers)", async () => {
      // Below 16 KiB output is carved from shared slabs; above, buffers are reused after their write completes
      // (lib/output.js). Hundreds of sends without waiting cross many slabs and reuse buffers while other writes
      // are in flight: any reuse too early would corrupt what the peer echoes.
      const c = await echoClient();
      const sizes = [10, 100, 4000, 16383, 16390, 17000, 70000, 200000, 1, 65536];
      const sent = [];
      for (let i = 0; i < 200; i++) {
        const bin = pattern(sizes[i % sizes.length], i);
        sent.push(bin);
        c.ws.send(bin);
      }
      for (let i = 0; i < sent.length; i++) {
        const got = await c.next(20000);
        assert.ok(sameBytes(got, sent[i]), `message ${i} (${sent[i].byteLength} bytes)`);
      }
      await closeClean(c, c.id);
    });

    test("16 MiB each way; a message kept across later reads and wasm memory growth stays intact", async () => {
      const { id, url } = peer.url("/big?size=1024&seed=7");
      const c = client(url);
      await c.opened;
      const first = await c.next(); // 1 KiB from the server
      const keep = new Uint8Array(first);
      assert.ok(sameBytes(keep, pattern(1024, 7)));
      const big = pattern(16 * MiB, 3);
      c.ws.send(big);
      assert.ok(c.ws.bufferedAmount >= 16 * MiB, `bufferedAmount ${c.ws.bufferedAmount}`);
      const echoed = await c.next(30000);
      assert.equal(echoed.byteLength, 16 * MiB);
      assert.ok(sameBytes(echoed, big));
      c.ws.send("x".repeat(16 * MiB));
      assert.equal((await c.next(30000)).length, 16 * MiB);
      assert.ok(sameBytes(first, pattern(1024, 7)), "the first message is unchanged");
      assert.equal(c.ws.bufferedAmount, 0);
      await closeClean(c, id);
    });

    test("a burst of small messages (batched while a write is in flight) arrives whole and in order", async () => {
      const c = await echoClient();
      const n = 5000;
      for (let i = 0; i < n; i++) {
        if (i % 2) c.ws.send(`m${i}`);
        else c.ws.send(new Uint32Array([i]));
      }
      assert.ok(c.ws.bufferedAmount > 0);
      const pong = c.ws.ping("mid-burst");
      for (let i = 0; i < n; i++) {
        const m = await c.next();
        if (i % 2) assert.equal(m, `m${i}`);
        else assert.equal(new Uint32Array(m)[0], i);
      }
      await withTimeout(pong, 5000, "pong during a burst");
      assert.equal(c.ws.bufferedAmount, 0);
      await closeClean(c, c.id);
    });

    test("binaryType blob is the default", async () => {
      const { url } = peer.url("/echo");
      const ws = new WebSocket(url);
      assert.equal(ws.binaryType, "blob");
      await new Promise((r) => (ws.onopen = r));
      ws.send(new Uint8Array([1, 2, 3]));
      const data = await new Promise((r) => (ws.onmessage = (e) => r(e.data)));
      assert.ok(data instanceof Blob);
      assert.deepEqual([...new Uint8Array(await data.arrayBuffer())], [1, 2, 3]);
      ws.close();
      await new Promise((r) => (ws.onclose = r));
    });

    test("send() takes strings, ArrayBuffers, views and Blobs, in order", async () => {
      const c = await echoClient();
      c.ws.send("a");
      c.ws.send(new Blob(["b-blob"]));
      c.ws.send(new Uint16Array([0x6363]).buffer);
      c.ws.send(new DataView(new Uint8Array([100, 100, 100]).buffer, 1, 2));
      c.ws.send(new Blob([new Uint8Array([101])]));
      c.ws.send("f");
      const got = [];
      for (let i = 0; i < 6; i++) {
        const m = await c.next();
        got.push(typeof m === "string" ? m : new TextDecoder().decode(m));
      }
      assert.deepEqual(got, ["a", "b-blob", "cc", "dd", "e", "f"]);
      await closeClean(c, c.id);
    });

    test("fragmented messages: the server's, and ours with fragmentSize", async () => {
      const { id, url } = peer.url("/fragmented");
      const c = client(url, undefined, { fragmentSize: 1000 });
      await c.opened;
      assert.equal(await c.next(), "frag1frag2frag3");
      const bin = pattern(65536, 1);
      c.ws.send(bin);
      assert.ok(sameBytes(await c.next(), bin));
      c.ws.send("ü".repeat(3000)); // fragments split inside code points
      assert.equal(await c.next(), "ü".repeat(3000));
      await closeClean(c, id);
    });

    test("ping/pong both ways", async () => {
      const { id, url } = peer.url("/ping");
      const c = client(url);
      await c.opened;
      assert.equal(await c.next(), "got pong: srv-ping"); // the server's ping, answered by the core
      assert.equal((await peer.event(id, "pong")).data, "srv-ping");
      const rtt = await withTimeout(c.ws.ping("client-ping"), 5000, "pong");
      assert.equal(typeof rtt, "number");
      const [a, b] = await withTimeout(Promise.all([c.ws.ping(), c.ws.ping(new Uint8Array([1, 2]))]), 5000, "pongs");
      assert.ok(a >= 0 && b >= 0);
      await closeClean(c, id);
    });

    test("close: client first, with code and reason", async () => {
      const c = await echoClient();
      c.ws.close(4001, "bye ✓");
      assert.equal(c.ws.readyState, WebSocket.CLOSING);
      const r = await c.closed;
      assert.deepEqual([r.code, r.reason, r.wasClean], [4001, "bye ✓", true]);
      assert.equal(c.ws.readyState, WebSocket.CLOSED);
      const seen = await peer.event(c.id, "close");
      assert.deepEqual([seen.code, seen.reason], [4001, "bye ✓"]);
      assert.ok(!c.events.includes("error"));
    });

    test("close: server first", async () => {
      const { id, url } = peer.url("/close?code=4002&reason=server%20bye");
      const c = client(url);
      await c.opened;
      const r = await c.closed;
      assert.deepEqual([r.code, r.reason, r.wasClean], [4002, "server bye", true]);
      assert.equal((await peer.event(id, "close")).code, 4002); // our answer echoes the code
      assert.ok(!c.events.includes("error"));
    });

    test("close: abrupt TCP loss is 1006", async () => {
      const { url } = peer.url("/drop");
      const c = client(url);
      await c.opened;
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false]);
    });

    test("close() while connecting fails the handshake: error, then close 1006", async () => {
      const { url } = peer.url("/echo");
      const c = client(url);
      c.ws.close();
      assert.equal(c.ws.readyState, WebSocket.CLOSING);
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false]);
      assert.deepEqual(c.events, ["error", "close"]);
      assert.ok(r.error instanceof HybiError);
      assert.equal(r.error.kind, "Aborted");
    });

    test("invalid UTF-8 from the server: we fail with 1007", async () => {
      const { id, url } = peer.url("/invalid-utf8");
      const c = client(url);
      await c.opened;
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false]);
      assert.deepEqual(c.events, ["open", "error", "close"]);
      assert.ok(r.error instanceof HybiError);
      assert.equal(r.error.closeCode, 1007);
      assert.match(r.error.message, /UTF-8/);
      assert.equal((await peer.event(id, "close")).code, 1007);
    });

    test("a message over maxMessageSize: we fail with 1009", async () => {
      const { id, url } = peer.url("/big?size=5000");
      const c = client(url, undefined, { maxMessageSize: 4096 });
      await c.opened;
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false]);
      assert.equal(r.error.closeCode, 1009);
      assert.match(r.error.message, /limit/);
      assert.equal((await peer.event(id, "close")).code, 1009);
    });

    test("subprotocol negotiation", async () => {
      const { id, url } = peer.url("/echo");
      const c = client(url, ["other", "chat"]);
      await c.opened;
      assert.equal(c.ws.protocol, "chat");
      assert.equal((await peer.event(id, "connection")).protocol, "chat");
      await closeClean(c, id);
    });

    test("custom request headers reach the server; response headers reach the client", async () => {
      const { id, url } = peer.url("/headers");
      const c = client(url, undefined, {
        headers: { Authorization: "Bearer t0k3n", "X-Custom": "yes" },
        origin: "https://example.test",
      });
      await c.opened;
      const { headers } = JSON.parse(await c.next());
      assert.equal(headers.authorization, "Bearer t0k3n");
      assert.equal(headers["x-custom"], "yes");
      assert.equal(headers.origin, "https://example.test");
      assert.equal(c.ws.response.status, 101);
      assert.equal(c.ws.response.headers.get("x-hybi-peer"), kind);
      assert.equal(c.ws.response.headers.get("upgrade").toLowerCase(), "websocket");
      await closeClean(c, id);
    });

    test("a refused handshake (401 with a body) is an error with status, headers and body", async () => {
      const { url } = peer.url("/reject");
      const c = client(url);
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false]);
      assert.deepEqual(c.events, ["error", "close"]);
      assert.ok(r.error instanceof HybiError);
      assert.equal(r.error.kind, "Rejected");
      assert.equal(r.error.status, 401);
      assert.match(r.error.headers.get("www-authenticate"), /Bearer/);
      assert.equal(new TextDecoder().decode(r.error.body), "no entry: token required\n");
      assert.match(r.error.message, /401/);
    });

    test("wss:// with a test CA: SNI sent, certificate checked", async () => {
      const { id, url } = peer.url("/headers", { tls: true, host: "localhost" });
      const c = client(url, undefined, { tls: { ca: peer.certs.ca } });
      await c.opened;
      const { sni } = JSON.parse(await c.next());
      assert.equal(sni, "localhost");
      c.ws.send(pattern(100000));
      assert.ok(sameBytes(await c.next(), pattern(100000)));
      await closeClean(c, id);
    });

    test("wss:// to an IP address (IP SAN)", async () => {
      const { id, url } = peer.url("/echo", { tls: true });
      const c = client(url, undefined, { tls: { ca: peer.certs.ca } });
      await c.opened;
      c.ws.send("over tls");
      assert.equal(await c.next(), "over tls");
      await closeClean(c, id);
    });

    test("wss:// refused: untrusted CA, and a wrong host name", async () => {
      for (const [opts, why] of [
        [{ tls: { ca: peer.certs.otherCa } }, /certificate|self.signed|verify/i],
        [{}, /certificate|self.signed|verify/i],
        [{ tls: { ca: peer.certs.ca, servername: "wrong.test" } }, /altname|host|name/i],
      ]) {
        const { url } = peer.url("/echo", { tls: true, host: "localhost" });
        const c = client(url, undefined, opts);
        const r = await c.closed;
        assert.deepEqual([r.code, r.wasClean], [1006, false]);
        assert.deepEqual(c.events, ["error", "close"]);
        assert.equal(r.error.kind, "ConnectFailed");
        assert.match(r.error.message, why);
      }
    });

    test("through an HTTP CONNECT proxy, ws:// and wss://", async () => {
      const before = proxy.tunnels.length;
      for (const tls of [false, true]) {
        const { id, url } = peer.url("/echo", { tls, host: tls ? "localhost" : "127.0.0.1" });
        const c = client(url, undefined, { proxy: proxy.url, tls: { ca: peer.certs.ca } });
        await c.opened;
        c.ws.send("via proxy");
        assert.equal(await c.next(), "via proxy");
        await closeClean(c, id);
      }
      assert.deepEqual(proxy.tunnels.slice(before).map((t) => t.target),
        [`127.0.0.1:${peer.port}`, `localhost:${peer.tlsPort}`]);
    });
  });
}

test("Node's event classes are hybi's own (touching undici's costs a cold start), tagged as WHATWG's", () => {
  const kinds = [
    [MessageEvent, "MessageEvent", { data: 1, origin: "o" }],
    [CloseEvent, "CloseEvent", { code: 1000, reason: "r", wasClean: true }],
    [ErrorEvent, "ErrorEvent", { message: "m", error: 1 }],
  ];
  for (const [C, tag, init] of kinds) {
    const e = new C("x", init);
    assert.equal(Object.prototype.toString.call(e), `[object ${tag}]`);
    assert.ok(e instanceof Event);
    for (const [k, v] of Object.entries(init)) assert.equal(e[k], v, `${tag}.${k}`);
  }
});

test("a proxy that refuses CONNECT is an error naming the proxy", async () => {
  const proxy = await startProxy({ requireAuth: "Basic dTpw" });
  try {
    const c = client("ws://127.0.0.1:9/echo", undefined, { proxy: proxy.url });
    const r = await c.closed;
    assert.equal(r.code, 1006);
    assert.equal(r.error.kind, "ProxyRefused");
    assert.equal(r.error.status, 407);
    // with credentials in the proxy URL it gets through to the (closed) target, and the proxy saw them
    const peer = await startPeer("ws");
    try {
      const { url } = peer.url("/echo");
      const ok = client(url, undefined, { proxy: proxy.url.replace("http://", "http://u:p@") });
      await ok.opened;
      assert.equal(proxy.tunnels.at(-1).auth, "Basic dTpw");
      ok.ws.close();
      await ok.closed;
    } finally {
      await peer.stop();
    }
  } finally {
    await proxy.close();
  }
});
