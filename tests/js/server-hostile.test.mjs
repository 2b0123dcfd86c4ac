// hybi's server against hostile clients written here as raw TCP: slowloris, oversized and invalid requests, an
// unmasked frame, floods of frames and of Pings from clients that never read (memory asserted bounded), and
// 1,000 concurrent connections echoing with nothing lost.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { WebSocketServer } from "hybi";
import { withTimeout } from "./helpers/client.mjs";
import { closeCodeOf, parseFrames } from "./helpers/raw.mjs";
import { wsClient } from "./helpers/ws-client.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const MiB = 1 << 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes ArrayBuffers and the wasm memory
}

const REQUEST = (path = "/", extra = "", version = "13") =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;

/** A client frame, masked unless told otherwise. */
function clientFrame(opcode, payload, { masked = true, fin = true } = {}) {
  payload = Buffer.from(payload);
  const len = payload.length;
  const b0 = (fin ? 0x80 : 0) | opcode;
  const m = masked ? 0x80 : 0;
  let head;
  if (len < 126) head = Buffer.from([b0, m | len]);
  else if (len < 65536) head = Buffer.from([b0, m | 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = m | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!masked) return Buffer.concat([head, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

/**
 * A raw client: connects, keeps what it reads (unless paused), tells when the server closed. Like most clients it
 * closes its side when the server's FIN arrives (allowHalfOpen false), so `closeP` settles once the server closed.
 */
function rawClient(port, { allowHalfOpen = false } = {}) {
  const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen });
  const c = { sock: s, data: Buffer.alloc(0), ended: false, closed: false };
  s.on("data", (d) => (c.data = Buffer.concat([c.data, d])));
  s.on("error", () => {});
  c.endP = new Promise((r) => s.on("end", () => ((c.ended = true), r())));
  c.closeP = new Promise((r) => s.on("close", () => ((c.closed = true), r())));
  c.connected = new Promise((r) => s.on("connect", r));
  c.head = async (ms = 3000) => {
    await withTimeout((async () => { while (!c.data.includes("\r\n\r\n") && !c.closed) await sleep(5); })(), ms, "the response head");
    const end = c.data.indexOf("\r\n\r\n");
    const head = c.data.subarray(0, end).toString("latin1");
    c.data = c.data.subarray(end + 4);
    return head;
  };
  return c;
}

async function withServer(options, fn) {
  const errors = [];
  const server = new WebSocketServer({ onError: (e) => errors.push(e), ...options });
  const { port } = await server.listen({ hostname: "127.0.0.1", backlog: 2048 });
  try {
    return await fn({ server, port, errors });
  } finally {
    await server.close({ timeout: 500 });
  }
}

test("slowloris: a request sent a byte at a time is cut off at handshakeTimeout", async () => {
  await withServer({ handshakeTimeout: 600 }, async ({ port, errors }) => {
    const c = rawClient(port);
    await c.connected;
    const t0 = Date.now();
    const req = REQUEST();
    let i = 0;
    const drip = setInterval(() => i < req.length && !c.closed && c.sock.write(req[i++]), 40);
    try {
      await withTimeout(c.closeP, 3000, "the server drops the connection");
    } finally {
      clearInterval(drip);
    }
    const took = Date.now() - t0;
    assert.ok(took >= 550 && took < 2000, `cut off after ${took} ms`);
    assert.ok(i < req.length, "the request was not complete");
    assert.equal(c.data.length, 0, "no answer");
    assert.equal(errors[0]?.kind, "HandshakeTimeout");
  });
});

test("a head over maxHeadSize → 431 and closed; too many headers → 431; the limit is configurable", async () => {
  await withServer({}, async ({ port, errors }) => {
    for (const extra of [`X-Big: ${"a".repeat(20 * 1024)}\r\n`, Array.from({ length: 80 }, (_, i) => `X-H${i}: v\r\n`).join("")]) {
      const c = rawClient(port);
      c.sock.write(REQUEST("/", extra));
      const head = await c.head();
      assert.match(head, /^HTTP\/1\.1 431 /);
      assert.match(head, /Connection: close/i);
      await withTimeout(c.closeP, 3000, "closed after 431");
    }
    assert.deepEqual(errors.map((e) => e.status), [431, 431]);
  });
  await withServer({ maxHeadSize: 512 }, async ({ port }) => {
    const c = rawClient(port);
    c.sock.write(REQUEST("/", `X-Big: ${"a".repeat(600)}\r\n`));
    assert.match(await c.head(), /^HTTP\/1\.1 431 /);
    await withTimeout(c.closeP, 3000, "closed after 431");
    // a client that keeps sending after the 431 is still closed (the linger is bounded)
    const d = rawClient(port);
    d.sock.write(REQUEST("/", `X-Big: ${"a".repeat(600)}\r\n`));
    const feed = setInterval(() => !d.closed && d.sock.write("x".repeat(1000)), 20);
    try {
      assert.match(await d.head(), /^HTTP\/1\.1 431 /);
      await withTimeout(d.closeP, 4000, "closed while still sending");
    } finally {
      clearInterval(feed);
    }
  });
});

test("invalid requests are answered without the hook: 400, 405 with Allow, 426 with Sec-WebSocket-Version", async () => {
  let hookCalls = 0;
  await withServer({ handshake: () => void hookCalls++ }, async ({ port }) => {
    const cases = [
      [REQUEST().replace("dGhlIHNhbXBsZSBub25jZQ==", "short"), /^HTTP\/1\.1 400 /, null],
      [REQUEST().replace("Upgrade: websocket\r\n", ""), /^HTTP\/1\.1 400 /, null],
      [REQUEST().replace("GET", "POST"), /^HTTP\/1\.1 405 /, /\r\nAllow: GET/i],
      [REQUEST("/", "", "8"), /^HTTP\/1\.1 426 /, /\r\nSec-WebSocket-Version: 13/i],
      ["NOT HTTP AT ALL\r\n\r\n", /^HTTP\/1\.1 400 /, null],
    ];
    for (const [req, status, header] of cases) {
      const c = rawClient(port);
      c.sock.write(req);
      const head = await c.head();
      assert.match(head, status, req.split("\r\n")[0]);
      if (header) assert.match(head, header);
      await withTimeout(c.closeP, 3000, "closed after the refusal");
    }
    assert.equal(hookCalls, 0);
  });
});

test("an unmasked client frame: the server fails the connection with 1002 and closes TCP", async () => {
  let closeEvent;
  await withServer(
    { onConnection: (ws) => ws.addEventListener("close", (e) => (closeEvent = e)) },
    async ({ port }) => {
      const c = rawClient(port);
      c.sock.write(REQUEST());
      assert.match(await c.head(), /^HTTP\/1\.1 101 /);
      c.sock.write(clientFrame(1, "not masked", { masked: false }));
      await withTimeout(c.endP, 3000, "FIN from the server");
      const [frames] = parseFrames(c.data);
      assert.equal(frames.length, 1);
      assert.equal(closeCodeOf({ opcode: frames[0].opcode, payload: Buffer.from(frames[0].payload) }), 1002);
      c.sock.end();
      await withTimeout(c.closeP, 6000, "closed");
      await withTimeout((async () => { while (!closeEvent) await sleep(10); })(), 6000, "the server's close event");
      assert.equal(closeEvent.code, 1006);
    },
  );
});

test("pingInterval on the server: a client that never answers Pings is failed with 1011; one that answers stays", async () => {
  const closes = [];
  await withServer(
    { pingInterval: 100, pingTimeout: 200, onConnection: (ws) => ws.addEventListener("close", (e) => closes.push(e.code)) },
    async ({ port }) => {
      const good = wsClient(`ws://127.0.0.1:${port}/`); // ws answers Pings by itself
      await good.opened;
      const c = rawClient(port);
      c.sock.write(REQUEST());
      assert.match(await c.head(), /^HTTP\/1\.1 101 /);
      await withTimeout(c.endP, 3000, "the server gives up on the silent client");
      const [frames] = parseFrames(c.data);
      assert.ok(frames.some((f) => f.opcode === 9), "it was pinged");
      const close = frames.find((f) => f.opcode === 8);
      assert.equal(close?.payload.readUInt16BE(0), 1011);
      assert.equal(good.ws.readyState, 1, "the client that answers is still open");
      good.ws.close();
      await good.closed;
    },
  );
  assert.deepEqual(closes.sort(), [1005, 1006]);
});

/**
 * Floods `frame` (repeated) into the server until no more goes in for `idleMs` (the server stopped reading) or
 * `capBytes` were written; never reads. Returns the bytes written and whether it stalled.
 */
async function flood(c, frame, { idleMs = 1000, capBytes = 512 * MiB, maxMs = 8000 } = {}) {
  c.sock.pause(); // never read: what the server sends stays in the kernel's buffers
  const chunk = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65536 / frame.length)) }, () => frame));
  let written = 0;
  const t0 = Date.now();
  for (;;) {
    if (written >= capBytes || Date.now() - t0 > maxMs) return { written, stalled: false };
    if (c.sock.write(chunk)) {
      written += chunk.length;
      continue;
    }
    written += chunk.length;
    const drained = await Promise.race([new Promise((r) => c.sock.once("drain", () => r(true))), sleep(idleMs).then(() => false)]);
    if (!drained) return { written, stalled: true };
  }
}

test("a client that floods messages and never reads: the server stops reading (highWaterMark), memory stays bounded, nothing is lost", async (t) => {
  let serverWs;
  await withServer(
    {
      highWaterMark: process.env.HYBI_TEST_HWM === undefined ? undefined : Number(process.env.HYBI_TEST_HWM),
      onConnection: (ws) => {
        serverWs = ws;
        ws.binaryType = "arraybuffer";
        ws.onmessage = (e) => ws.send(e.data); // echo everything: the client never reads
      },
    },
    async ({ port }) => {
      const c = rawClient(port);
      c.sock.write(REQUEST());
      assert.match(await c.head(), /^HTTP\/1\.1 101 /);
      const before = memory();
      const payload = Buffer.alloc(64 * 1024, 7);
      const res = await flood(c, clientFrame(2, payload));
      const grown = memory() - before;
      t.diagnostic(`flood: ${(res.written / MiB).toFixed(1)} MiB sent, stalled ${res.stalled}, server output ${serverWs.bufferedAmount} B, memory +${(grown / MiB).toFixed(1)} MiB`);
      assert.ok(res.stalled, `the flood was held back (wrote ${(res.written / MiB).toFixed(1)} MiB)`);
      assert.ok(serverWs.bufferedAmount <= 2 * MiB, `the server holds ${serverWs.bufferedAmount} bytes of output`);
      assert.ok(grown < 48 * MiB, `memory grew by ${(grown / MiB).toFixed(1)} MiB while ${(res.written / MiB).toFixed(1)} MiB were sent`);
      // now read: every message comes back
      const frameCount = res.written / (payload.length + 14);
      c.sock.resume();
      const sent = clientFrame(2, "done");
      c.sock.write(sent);
      let got = 0, rest = c.data;
      c.data = Buffer.alloc(0);
      await withTimeout(
        (async () => {
          for (;;) {
            const [frames, r] = parseFrames(Buffer.concat([rest, c.data]));
            c.data = Buffer.alloc(0);
            rest = r;
            for (const f of frames) {
              if (f.payload.length === 4 && f.payload.toString() === "done") return;
              assert.equal(f.payload.length, payload.length);
              got++;
            }
            await sleep(5);
          }
        })(),
        30000,
        "all echoes",
      );
      assert.equal(got, frameCount, "every message was echoed");
      c.sock.destroy();
    },
  );
});

test("a client that floods Pings and never reads: Pongs do not pile up, memory stays bounded; the last Ping is answered", async (t) => {
  let serverWs;
  await withServer({ onConnection: (ws) => (serverWs = ws) }, async ({ port }) => {
    const c = rawClient(port);
    c.sock.write(REQUEST());
    assert.match(await c.head(), /^HTTP\/1\.1 101 /);
    const before = memory();
    const res = await flood(c, clientFrame(9, Buffer.alloc(125, 1)), { capBytes: 96 * MiB, maxMs: 6000 });
    const grown = memory() - before;
    t.diagnostic(`ping flood: ${(res.written / MiB).toFixed(1)} MiB sent, stalled ${res.stalled}, server output ${serverWs.bufferedAmount} B, memory +${(grown / MiB).toFixed(1)} MiB`);
    assert.ok(res.written >= 16 * MiB || res.stalled, `${(res.written / MiB).toFixed(1)} MiB of Pings`);
    assert.ok(serverWs.bufferedAmount <= 2 * MiB, `the server holds ${serverWs.bufferedAmount} bytes of output`);
    assert.ok(grown < 48 * MiB, `memory grew by ${(grown / MiB).toFixed(1)} MiB while ${(res.written / MiB).toFixed(1)} MiB of Pings were sent`);
    // read now, and ping once more: the answer to the last Ping comes
    c.sock.resume();
    c.sock.write(clientFrame(9, "last ping"));
    await withTimeout(
      (async () => {
        for (;;) {
          const [frames, rest] = parseFrames(c.data);
          if (frames.some((f) => f.opcode === 10 && f.payload.toString() === "last ping")) return;
          c.data = Buffer.from(rest);
          await sleep(5);
        }
      })(),
      20000,
      "the Pong to the last Ping",
    );
    c.sock.destroy();
  });
});

test("1,000 concurrent connections on loopback echo 20 messages each, nothing lost; graceful close reaches all", async () => {
  const N = 1000, M = 20;
  await withServer({ onConnection: (ws) => (ws.onmessage = (e) => ws.send(e.data)) }, async ({ server, port }) => {
    const clients = [];
    for (let i = 0; i < N; i += 250) {
      const batch = Array.from({ length: Math.min(250, N - i) }, () => wsClient(`ws://127.0.0.1:${port}/load`));
      await Promise.all(batch.map((c) => c.opened));
      clients.push(...batch);
    }
    assert.equal(server.clients.size, N);
    await Promise.all(
      clients.map(async (c, i) => {
        const sent = [];
        for (let j = 0; j < M; j++) {
          const m = j % 2 ? `c${i}m${j}`.padEnd(1 + ((i * 37 + j * 101) % 4000), ".") : new Uint8Array(1 + ((i + j) % 2000)).fill(j);
          sent.push(m);
          c.ws.send(m);
        }
        for (const m of sent) {
          const got = await c.next(30000);
          if (typeof m === "string") assert.equal(got, m);
          else assert.ok(got.byteLength === m.byteLength && got[0] === m[0]);
        }
      }),
    );
    const closes = clients.map((c) => c.closed);
    const res = await server.close({ timeout: 5000 });
    assert.deepEqual(res, { closed: N, terminated: 0 });
    const codes = await Promise.all(closes);
    assert.ok(codes.every((c) => c.code === 1001), "every client got 1001");
    assert.equal(server.clients.size, 0);
  });
});
