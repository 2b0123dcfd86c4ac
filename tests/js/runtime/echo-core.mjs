// The echo test every runtime runs (workerd via miniflare, Deno, Bun, Node), importing `hybi` by package name so
// that the runtime's own export condition picks the entry. No runtime-specific imports here.
import { WebSocket, WebSocketStream, HybiError, MessageEvent } from "hybi";
import { acceptKey, mask } from "hybi/codec";

function timeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms))),
  ]);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// Bytes with no period, so that a payload put back in the wrong place cannot compare equal.
function pattern(n, seed = 1) {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
}

function same(a, b) {
  a = new Uint8Array(a);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Opens a WebSocket, echoes text/binary/64 KiB+, pings, closes with 1000: returns what it saw. */
async function webSocketEcho(url, options) {
  const ws = new WebSocket(url, ["chat"], options);
  ws.binaryType = "arraybuffer";
  const messages = [];
  let wake = null;
  let eventShape = null;
  ws.onmessage = (e) => {
    // The runtime's own MessageEvent where it has one (hybi's export is it), whatever class hybi constructs.
    eventShape ??= [e instanceof MessageEvent, e instanceof Event, e.type, e.origin, e.lastEventId, e.source, Object.prototype.toString.call(e)];
    messages.push(e.data);
    wake?.();
  };
  let error = null;
  ws.onerror = (e) => (error = e.error);
  const closed = new Promise((r) => (ws.onclose = (e) => r({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
  await timeout(
    new Promise((res, rej) => {
      ws.onopen = res;
      closed.then(() => rej(new Error(`closed before open: ${error?.message}`)));
    }),
    10000,
    "open",
  );
  const big = pattern(70000);
  // Large ones back to back (each runtime collects them its own way: views of Node's and Bun's reads, Deno's
  // read straight into the message, workerd's BYOB reads), and one just under the size collected.
  const large = [pattern(16 * 1024, 2), pattern(100003, 3), pattern((1 << 20) + 5, 4), pattern(16 * 1024 - 1, 5)];
  ws.send("hello");
  ws.send(new Uint8Array([1, 2, 3]));
  ws.send(big);
  for (const m of large) ws.send(m);
  await timeout(
    new Promise((r) => {
      wake = () => messages.length >= 3 + large.length && r();
      wake();
    }),
    10000,
    "echoes",
  );
  check(messages[0] === "hello", "text echo");
  const origin = new URL(url).origin.replace(/^http/, "ws");
  const want = [true, true, "message", origin, "", null, Object.prototype.toString.call(new MessageEvent("message"))];
  check(JSON.stringify(eventShape) === JSON.stringify(want), `message event: ${JSON.stringify(eventShape)}, want ${JSON.stringify(want)}`);
  const show = (m) => (typeof m === "string" ? JSON.stringify(m.slice(0, 20)) : `${Object.prototype.toString.call(m)}(${m?.byteLength}) [${[...new Uint8Array(m ?? new ArrayBuffer(0)).slice(0, 8)]}]`);
  check(same(messages[1], new Uint8Array([1, 2, 3])), `binary echo: got ${show(messages[1])}`);
  check(same(messages[2], big), `70000-byte echo: got ${show(messages[2])}`);
  large.forEach((m, i) => check(same(messages[3 + i], m), `${m.length}-byte echo: got ${show(messages[3 + i])}`));
  const rtt = await timeout(ws.ping("are you there"), 5000, "pong");
  check(typeof rtt === "number", "ping resolves with the round trip");
  check(ws.protocol === "chat", "subprotocol");
  check(ws.response?.status === 101, "response status");
  ws.close(1000, "bye");
  const c = await timeout(closed, 10000, "close");
  check(c.code === 1000 && c.reason === "bye" && c.wasClean, `clean close (${JSON.stringify(c)})`);
  return c;
}

/**
 * Two bursts of every size class to a peer that stops reading for a while after each burst starts (`/stall`): the
 * socket fills, and the runtime holds writes it could not finish. Output buffers are used again once the socket is
 * done with them (Node's and Bun's write callbacks, workerd's write promises): a buffer reused while the socket
 * still held it would corrupt an echo. Returns the bytes echoed.
 */
async function burstEcho(url) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const messages = [];
  let wake = null;
  ws.onmessage = (e) => {
    messages.push(e.data);
    wake?.();
  };
  const closed = new Promise((r) => (ws.onclose = (e) => r({ code: e.code, wasClean: e.wasClean })));
  await timeout(new Promise((r, rej) => ((ws.onopen = r), closed.then(() => rej(new Error("closed before open"))))), 10000, "burst open");
  const sizes = [10, 4000, 16390, 70000, 200000, 300, 500000, 1 << 20]; // ~9 MB a burst: more than the socket takes
  let bytes = 0;
  for (let wave = 0; wave < 2; wave++) {
    const burst = Array.from({ length: 40 }, (_, i) => pattern(sizes[i % sizes.length], 10 + wave * 40 + i));
    const from = messages.length;
    ws.send(`stall ${wave}`); // the peer stops reading when this arrives, then echoes everything
    for (const m of burst) ws.send(m);
    await timeout(
      new Promise((r) => {
        wake = () => messages.length >= from + 1 + burst.length && r();
        wake();
      }),
      15000,
      `burst ${wave} echoes`,
    );
    check(messages[from] === `stall ${wave}`, "burst marker");
    burst.forEach((m, i) => check(same(messages[from + 1 + i], m), `burst ${wave}, message ${i} (${m.length} bytes) intact`));
    bytes += burst.reduce((a, m) => a + m.length, 0);
  }
  ws.close(1000);
  const c = await timeout(closed, 10000, "burst close");
  check(c.code === 1000 && c.wasClean, "burst clean close");
  return bytes;
}

async function streamEcho(url) {
  const wss = new WebSocketStream(url);
  const { readable, writable } = await timeout(wss.opened, 10000, "stream open");
  const w = writable.getWriter();
  const r = readable.getReader();
  await w.write("stream hello");
  const { value } = await timeout(r.read(), 5000, "stream read");
  check(value === "stream hello", "stream echo");
  wss.close({ closeCode: 4000, reason: "stream bye" });
  const c = await timeout(wss.closed, 10000, "stream closed");
  check(c.closeCode === 4000 && c.reason === "stream bye", `stream close (${JSON.stringify(c)})`);
  return c;
}

async function failure(url) {
  const ws = new WebSocket(url);
  let error = null;
  ws.onerror = (e) => (error = e.error);
  const c = await timeout(new Promise((r) => (ws.onclose = (e) => r(e))), 10000, "failure close");
  check(c.code === 1006 && !c.wasClean, "failure: close 1006");
  check(error instanceof HybiError && error.closeCode === 1007, `failure: error with 1007 (${error?.message})`);
  return { code: c.code, errorCloseCode: error.closeCode };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function floodStatus(base, id) {
  const ws = new WebSocket(`${base}/status?of=${id}`);
  const msg = await timeout(new Promise((r, j) => {
    ws.onmessage = (e) => r(JSON.parse(e.data));
    ws.onclose = () => j(new Error("status: closed without an answer"));
  }), 5000, "flood status");
  ws.onclose = null;
  return msg;
}

/** The peer floods 48 MiB while we read nothing for a while: it must not get far (the socket is not read). */
async function backpressure(base) {
  const count = 48, size = 1 << 20;
  const wss = new WebSocketStream(`${base}/flood?id=rt-flood&count=${count}&size=${size}`);
  const { readable } = await timeout(wss.opened, 10000, "flood open");
  const reader = readable.getReader();
  check((await timeout(reader.read(), 5000, "first flood message")).value.byteLength === size, "flood message size");
  await sleep(1500);
  const during = await floodStatus(base, "rt-flood");
  check(during && !during.done && during.sent < count, `the peer is held back while we do not read (${JSON.stringify(during)})`);
  for (let got = 1; got < count; got++) {
    const { value } = await timeout(reader.read(), 10000, "flood message");
    check(value.byteLength === size, "flood message size");
  }
  await sleep(50);
  const afterwards = await floodStatus(base, "rt-flood");
  check(afterwards.done && afterwards.sent === count, `flood completes once read (${JSON.stringify(afterwards)})`);
  wss.close();
  await timeout(wss.closed, 5000, "flood close");
  return { heldAt: during.sent, of: count };
}

async function viaProxy(base, proxy, tls) {
  const ws = new WebSocket(`${base}/echo?id=rt-proxy`, [], { proxy, ...(tls ? { tls } : {}) });
  await timeout(new Promise((r, j) => ((ws.onopen = r), (ws.onclose = (e) => j(new Error(`proxy: closed ${e.code}`))))), 10000, "proxy open");
  ws.onclose = null;
  const got = new Promise((r) => (ws.onmessage = (e) => r(e.data)));
  ws.send("via proxy");
  check((await timeout(got, 5000, "proxy echo")) === "via proxy", "echo through the CONNECT proxy");
  const closed = new Promise((r) => (ws.onclose = (e) => r(e.code)));
  ws.close();
  return { code: await timeout(closed, 5000, "proxy close") };
}

/** A certificate that does not name the host must be refused: error (ConnectFailed), then close 1006. */
async function tlsRefused(url, options) {
  const ws = new WebSocket(url, [], options);
  let error = null, opened = false;
  ws.onopen = () => (opened = true);
  ws.onerror = (e) => (error = e.error);
  const c = await timeout(new Promise((r) => (ws.onclose = (e) => r(e))), 10000, "tls refusal");
  check(!opened && c.code === 1006 && error instanceof HybiError, `tls refused (${error?.message})`);
  // Where TLS is negotiated after the socket opened (workerd's startTls), it fails during the opening handshake.
  const kind = error.kind === "HandshakeFailed" ? "ConnectFailed" : error.kind;
  return { code: c.code, kind, message: error.message };
}

/** base: ws://host:port (the ws peer); tlsBase: wss://localhost:port or ""; ca: PEM (or "" where the runtime
 *  trusts it another way). */
export async function runEcho({ base, tlsBase, ca, proxy }) {
  const out = {};
  // hybi/codec through the same runtime condition (RFC 6455 §1.3's example key).
  check(acceptKey("dGhlIHNhbXBsZSBub25jZQ==") === "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "hybi/codec acceptKey");
  check([...mask(new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array([1, 1, 1, 1]), 0)].join() === "0,3,2,5,4", "hybi/codec mask");
  out.codec = true;
  out.webSocket = await webSocketEcho(`${base}/echo?id=rt-ws`);
  out.stream = await streamEcho(`${base}/echo?id=rt-stream`);
  out.failure = await failure(`${base}/invalid-utf8?id=rt-fail`);
  if (tlsBase) {
    out.tls = await webSocketEcho(`${tlsBase}/echo?id=rt-tls`, ca ? { tls: { ca } } : undefined);
    out.tlsWrongName = await tlsRefused(`${tlsBase}/echo?id=rt-tls-bad`, { tls: { ...(ca ? { ca } : {}), servername: "wrong.test" } });
  }
  if (proxy) out.proxy = await viaProxy(base, proxy);
  if (proxy && tlsBase) out.proxyTls = await viaProxy(tlsBase, proxy, ca ? { ca } : undefined);
  out.burst = await burstEcho(`${base}/stall?id=rt-stall&ms=300`);
  out.backpressure = await backpressure(base);
  out.ok = true;
  return out;
}
