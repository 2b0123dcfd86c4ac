// WebSocketStream: the WHATWG shape, close paths, and real backpressure both ways.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { WebSocketStream, WebSocketError } from "hybi";
import { withTimeout } from "./helpers/client.mjs";
import { PEERS, startPeer } from "./helpers/peers.mjs";
import { rawServer } from "./helpers/raw.mjs";

const MiB = 1 << 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A socket for options.socket whose readable is pull-only (no queue of its own) and counts what hybi pulled. */
function countingSocket(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    s.once("error", reject);
    s.once("connect", () => {
      s.pause();
      const stats = { pulled: 0 };
      let ended = false;
      s.on("end", () => (ended = true));
      const readable = new ReadableStream(
        {
          async pull(c) {
            for (;;) {
              const chunk = s.read();
              if (chunk) {
                stats.pulled += chunk.length;
                c.enqueue(new Uint8Array(chunk));
                return;
              }
              if (ended || s.destroyed) return c.close();
              await new Promise((r) => {
                const done = () => {
                  s.off("readable", done);
                  s.off("end", done);
                  s.off("close", done);
                  r();
                };
                s.on("readable", done);
                s.on("end", done);
                s.on("close", done);
              });
            }
          },
          cancel: () => s.destroy(),
        },
        { highWaterMark: 0 },
      );
      const writable = new WritableStream({
        write: (chunk) => new Promise((r, j) => s.write(chunk, (e) => (e ? j(e) : r()))),
        close: () => new Promise((r) => s.end(r)),
        abort: () => s.destroy(),
      });
      resolve({ readable, writable, close: () => s.destroy(), stats });
    });
  });
}

for (const kind of PEERS) {
  describe(`WebSocketStream against the ${kind} peer`, () => {
    let peer;
    before(async () => (peer = await startPeer(kind)));
    after(async () => peer?.stop());

    test("echo, then close with a code: closed resolves with it", async () => {
      const { id, url } = peer.url("/echo");
      const wss = new WebSocketStream(url, { protocols: ["chat"] });
      assert.equal(wss.url, url);
      const { readable, writable, protocol, extensions } = await wss.opened;
      assert.equal(protocol, "chat");
      assert.equal(extensions, "");
      const writer = writable.getWriter();
      const reader = readable.getReader();
      await writer.write("hello");
      await writer.write(new Uint8Array([1, 2, 3]));
      await writer.write(new ArrayBuffer(0));
      assert.equal((await reader.read()).value, "hello");
      const bin = (await reader.read()).value;
      assert.ok(bin instanceof Uint8Array);
      assert.deepEqual([...bin], [1, 2, 3]);
      assert.equal((await reader.read()).value.byteLength, 0);
      wss.close({ closeCode: 4000, reason: "done" });
      assert.deepEqual(await withTimeout(wss.closed, 5000, "closed"), { closeCode: 4000, reason: "done" });
      assert.equal((await reader.read()).done, true);
      const seen = await peer.event(id, "close");
      assert.deepEqual([seen.code, seen.reason], [4000, "done"]);
    });

    test("server closes first: closed resolves, the readable ends", async () => {
      const { url } = peer.url("/close?code=4003&reason=later");
      const wss = new WebSocketStream(url);
      const { readable } = await wss.opened;
      const reader = readable.getReader();
      assert.equal((await reader.read()).done, true);
      assert.deepEqual(await wss.closed, { closeCode: 4003, reason: "later" });
    });

    test("a failure rejects closed with a WebSocketError and errors the readable", async () => {
      const { url } = peer.url("/invalid-utf8");
      const wss = new WebSocketStream(url);
      const { readable } = await wss.opened;
      const err = await wss.closed.then(() => null, (e) => e);
      assert.ok(err instanceof WebSocketError);
      assert.ok(err instanceof Error);
      assert.equal(err.closeCode, 1006);
      assert.equal(err.cause?.closeCode, 1007);
      await assert.rejects(readable.getReader().read(), WebSocketError);
    });

    test("a refused handshake rejects opened and closed", async () => {
      const { url } = peer.url("/reject");
      const wss = new WebSocketStream(url);
      const err = await wss.opened.then(() => null, (e) => e);
      assert.ok(err instanceof WebSocketError);
      assert.equal(err.cause.status, 401);
      await assert.rejects(wss.closed, WebSocketError);
    });

    test("backpressure: a reader that stops reading stops the socket being read; memory stays bounded", async () => {
      const count = 96, size = MiB; // the peer tries to send 96 MiB
      let sock;
      const { id, url } = peer.url(`/flood?count=${count}&size=${size}`);
      const wss = new WebSocketStream(url, { socket: async () => (sock = await countingSocket(peer.port)) });
      const { readable } = await wss.opened;
      const reader = readable.getReader();
      const first = await reader.read(); // one message, then nothing for a while
      assert.equal(first.value.byteLength, size);
      const mem0 = process.memoryUsage().arrayBuffers;
      await sleep(1200);
      const pulled = sock.stats.pulled;
      const grew = process.memoryUsage().arrayBuffers - mem0;
      assert.ok(pulled < 8 * MiB, `hybi pulled ${pulled} bytes while not being read`);
      assert.ok(grew < 24 * MiB, `array buffers grew by ${grew} bytes`);
      let got = 1;
      for (;;) {
        const { value, done } = await withTimeout(reader.read(), 10000, "flood message");
        if (done) break;
        assert.equal(value.byteLength, size);
        if (++got === count) break;
      }
      assert.equal(got, count);
      assert.ok(sock.stats.pulled >= count * size);
      assert.equal((await peer.event(id, "flooded")).sent, count);
      wss.close();
      await wss.closed;
    });

    test("backpressure with the built-in Node socket: memory stays bounded", async () => {
      const count = 96, size = MiB;
      const { url } = peer.url(`/flood?count=${count}&size=${size}`);
      const wss = new WebSocketStream(url);
      const { readable } = await wss.opened;
      const reader = readable.getReader();
      await reader.read();
      globalThis.gc?.();
      const mem0 = process.memoryUsage().arrayBuffers;
      await sleep(1200);
      const grew = process.memoryUsage().arrayBuffers - mem0;
      assert.ok(grew < 24 * MiB, `array buffers grew by ${grew} bytes`);
      let got = 1;
      while (got < count) {
        const { value } = await withTimeout(reader.read(), 10000, "flood message");
        assert.equal(value.byteLength, size);
        got++;
      }
      wss.close();
      await wss.closed;
    });
  });
}

test("the writable's promise waits until the socket accepted the bytes", async () => {
  let release;
  const srv = await rawServer((sock) => {
    sock.pause();
    release = () => sock.resume();
  });
  try {
    const wss = new WebSocketStream(srv.url);
    const { writable } = await wss.opened;
    const writer = writable.getWriter();
    let done = false;
    const p = writer.write(new Uint8Array(48 * MiB)).then(() => (done = true));
    await sleep(300);
    assert.equal(done, false, "not accepted while the peer reads nothing");
    assert.ok(writer.desiredSize <= 0);
    release();
    await withTimeout(p, 15000, "the write");
    assert.equal(done, true);
    wss.close();
    await withTimeout(wss.closed, 5000, "closed");
  } finally {
    await srv.close();
  }
});

test("close() while connecting rejects opened and closed; an aborted signal too", async () => {
  const srv = await rawServer(() => {}, { handshake: false });
  try {
    const wss = new WebSocketStream(srv.url);
    wss.close();
    await assert.rejects(wss.opened, WebSocketError);
    await assert.rejects(wss.closed, WebSocketError);
    const ac = new AbortController();
    const w2 = new WebSocketStream(srv.url, { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(w2.opened, (e) => e instanceof WebSocketError && /abort/i.test(e.message));
    const w3 = new WebSocketStream(srv.url, { signal: AbortSignal.abort() });
    await assert.rejects(w3.opened, { name: "AbortError" });
    assert.throws(() => wss.close({ closeCode: 1001 }), { name: "InvalidAccessError" });
    assert.throws(() => new WebSocketError("x", { closeCode: 1006 }), { name: "InvalidAccessError" });
    const e = new WebSocketError("m", { reason: "r" });
    assert.deepEqual([e.closeCode, e.reason, e.name, e.message], [1000, "r", "WebSocketError", "m"]);
  } finally {
    await srv.close();
  }
});

test("writer.abort(WebSocketError) / reader.cancel close with its code", async () => {
  const srv = await rawServer(() => {});
  try {
    const wss = new WebSocketStream(srv.url);
    const { writable } = await wss.opened;
    await writable.getWriter().abort(new WebSocketError("bye", { closeCode: 4321, reason: "aborted" }));
    assert.deepEqual(await withTimeout(wss.closed, 5000, "closed"), { closeCode: 4321, reason: "" });
    const f = srv.log.find((x) => x.opcode === 8);
    assert.equal(f.payload.readUInt16BE(0), 4321);
    assert.equal(f.payload.subarray(2).toString(), "aborted");
  } finally {
    await srv.close();
  }
});
