// permessage-deflate (RFC 7692) through the JS API: the client's offer and its check of the answer (raw servers),
// hybi's client against the ws peer (with and without context takeover) and the Python peer (its default
// compression), hybi's server against the ws client and the Python client, and memory per connection.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { constants as zlib, inflateRawSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { HybiError, WebSocket } from "hybi";
import { client, pattern, sameBytes } from "./helpers/client.mjs";
import { PEERS, startPeer } from "./helpers/peers.mjs";
import { runPyClient, scenario } from "./helpers/py-client.mjs";
import { acceptKey, rawServer } from "./helpers/raw.mjs";
import { startApp } from "./helpers/server-app.mjs";
import { wsClient } from "./helpers/ws-client.mjs";

const MiB = 1 << 20;

/** Text that compresses well (and is not one repeated byte). */
function words(n, seed = 0) {
  const w = ["hybi", "websocket", "deflate", "context", "takeover", "window", "bits", "frame", "message", "rsv1"];
  let s = "";
  for (let i = 0; s.length < n; i++) s += w[(i * 7 + seed) % w.length] + (i % 11 === 0 ? "\n" : " ");
  return s.slice(0, n);
}

/** Sends small (repeated, so context takeover matters), tiny, empty and 1 MiB text and binary messages through
 * client `c` and checks each echo. */
async function echoMix(c) {
  const small = words(300);
  const cases = [small, small, small, pattern(300, 1), "hi", "", words(MiB, 3), pattern(MiB, 2), new Uint8Array(MiB)];
  for (const m of cases) {
    c.ws.send(m);
    const got = await c.next(20000);
    assert.ok(typeof m === "string" ? got === m : sameBytes(got, m), `echo of ${m.length ?? m.byteLength}`);
  }
}

function answer(extensions) {
  return (key) =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : "") +
    "\r\n";
}

// ------------------------------------------------------------------------------------------------- negotiation

test("the client offers permessage-deflate by default, with its options, and not with perMessageDeflate: false", async () => {
  const requests = [];
  const srv = await rawServer((sock, api) => requests.push(api.request));
  try {
    for (const opts of [
      undefined,
      { perMessageDeflate: false },
      { perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 } },
      { perMessageDeflate: { clientMaxWindowBits: null } },
    ]) {
      const c = client(srv.url, undefined, opts);
      await c.opened;
      assert.equal(c.ws.extensions, "");
      c.ws.close();
      await c.closed;
    }
    const ext = requests.map((r) => /sec-websocket-extensions: ([^\r\n]*)/i.exec(r)?.[1] ?? null);
    assert.deepEqual(ext, [
      "permessage-deflate; client_max_window_bits",
      null,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12",
      "permessage-deflate",
    ]);
  } finally {
    await srv.close();
  }
});

test("an accepted answer: ws.extensions, RFC 7692's compressed \"Hello\" decoded, our messages compressed (RSV1)", async () => {
  const srv = await rawServer(
    (sock) => sock.write(Buffer.from([0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])), // §7.2.3.1
    { response: answer("permessage-deflate; client_max_window_bits=15") },
  );
  try {
    const c = client(srv.url);
    await c.opened;
    assert.equal(c.ws.extensions, "permessage-deflate; client_max_window_bits=15");
    assert.equal(await c.next(), "Hello");
    const text = words(2000);
    c.ws.send(text);
    c.ws.send("tiny"); // under the threshold (128 bytes): sent as is
    c.ws.close();
    await c.closed;
    const [big, tiny] = srv.log.filter((f) => f.opcode === 1);
    assert.equal(big.rsv1, true);
    assert.ok(big.payload.length < 1000, `compressed to ${big.payload.length} bytes`);
    const inflated = inflateRawSync(Buffer.concat([big.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.Z_SYNC_FLUSH });
    assert.equal(inflated.toString(), text);
    assert.deepEqual([tiny.rsv1, tiny.payload.toString()], [false, "tiny"]);
  } finally {
    await srv.close();
  }
});

test("an answer the client cannot accept fails the connection: error (UnexpectedExtension), then close 1006", async () => {
  for (const [ext, opts] of [
    ["permessage-deflate; foo", undefined],
    ["permessage-deflate; server_max_window_bits=7", undefined],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", undefined],
    ["permessage-deflate; client_max_window_bits=10", { perMessageDeflate: { clientMaxWindowBits: null } }],
    ["x-webkit-deflate-frame", undefined],
    ["permessage-deflate, permessage-deflate", undefined],
    ["permessage-deflate", { perMessageDeflate: false }], // nothing was offered
  ]) {
    const srv = await rawServer(() => {}, { response: answer(ext) });
    try {
      const c = client(srv.url, undefined, opts);
      const r = await c.closed;
      assert.deepEqual([r.code, r.wasClean], [1006, false], ext);
      assert.deepEqual(c.events, ["error", "close"], ext);
      assert.ok(r.error instanceof HybiError, ext);
      assert.equal(r.error.kind, "UnexpectedExtension", `${ext}: ${r.error.message}`);
    } finally {
      await srv.close();
    }
  }
});

test("perMessageDeflate options are checked", () => {
  for (const [v, E] of [
    ["yes", TypeError],
    [{ bogus: 1 }, TypeError],
    [{ level: 10 }, RangeError],
    [{ serverMaxWindowBits: 7 }, RangeError],
    [{ clientMaxWindowBits: 16 }, RangeError],
    [{ threshold: -1 }, RangeError],
    [{ serverNoContextTakeover: "true" }, TypeError],
  ]) {
    assert.throws(() => new WebSocket("ws://127.0.0.1:9/", [], { perMessageDeflate: v }), E, JSON.stringify(v));
  }
});

// ------------------------------------------------------------------------------------- hybi client ↔ real servers

const CLIENT_MODES = [
  { peer: "ws", deflate: "ctx", options: {} },
  { peer: "ws", deflate: "noctx", options: { serverNoContextTakeover: true, clientNoContextTakeover: true } },
  { peer: "python", deflate: "ctx", options: {} },
].filter((m) => PEERS.includes(m.peer));

for (const kind of [...new Set(CLIENT_MODES.map((m) => m.peer))]) {
  describe(`hybi client (deflate) against the ${kind} peer`, () => {
    let peer;
    before(async () => (peer = await startPeer(kind)));
    after(() => peer?.stop());

    for (const mode of CLIENT_MODES.filter((m) => m.peer === kind)) {
      test(`${mode.deflate === "ctx" ? "context takeover" : "no context takeover"}: text and binary, small and 1 MiB, repeated, fragmented, both ways`, async () => {
        const { id, url } = peer.url("/echo", { deflate: mode.deflate });
        const c = client(url, undefined, { perMessageDeflate: mode.options, fragmentSize: 0 });
        await c.opened;
        assert.match(c.ws.extensions, /^permessage-deflate/);
        if (mode.deflate === "noctx") {
          assert.match(c.ws.extensions, /server_no_context_takeover/);
          assert.match(c.ws.extensions, /client_no_context_takeover/);
        }
        assert.equal((await peer.event(id, "connection")).extensions.split(";")[0].trim(), "permessage-deflate");
        await echoMix(c);
        c.ws.close(1000);
        await c.closed;
        if (kind === "ws") {
          // the 1 MiB of words and the 1 MiB of zeros went compressed both ways
          const { bytesRead, bytesWritten } = await peer.event(id, "close");
          assert.ok(bytesRead < 1.6 * MiB, `the peer read ${bytesRead} bytes`);
          assert.ok(bytesWritten < 1.6 * MiB, `the peer wrote ${bytesWritten} bytes`);
        }
      });

      test(`${mode.deflate}: fragmented compressed messages, ours (fragmentSize) and the server's; 1 MiB from the server`, async () => {
        const { id, url } = peer.url("/fragmented", { deflate: mode.deflate });
        const c = client(url, undefined, { perMessageDeflate: mode.options, fragmentSize: 1000 });
        await c.opened;
        assert.equal(await c.next(), "frag1frag2frag3");
        const text = words(70000, 5);
        c.ws.send(text);
        assert.equal(await c.next(), text);
        const bin = pattern(65536, 4);
        c.ws.send(bin);
        assert.ok(sameBytes(await c.next(), bin));
        c.ws.close();
        await c.closed;
        const big = peer.url(`/big?size=${MiB}&seed=6`, { deflate: mode.deflate });
        const d = client(big.url, undefined, { perMessageDeflate: mode.options });
        await d.opened;
        assert.ok(sameBytes(await d.next(20000), pattern(MiB, 6)));
        d.ws.close();
        await d.closed;
        void id;
      });
    }
  });
}

// ------------------------------------------------------------------------------------- hybi server ↔ real clients

describe("hybi server (perMessageDeflate: true) ← ws client", () => {
  let app;
  before(async () => (app = await startApp({ perMessageDeflate: true })));
  after(() => app?.close());

  for (const [name, wsOpts] of [
    ["context takeover", { threshold: 0 }],
    ["no context takeover", { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true }],
  ]) {
    test(`${name}: text and binary, small and 1 MiB, repeated, fragmented, both ways`, async () => {
      const { id, url } = app.url("/echo");
      const c = wsClient(url, undefined, { perMessageDeflate: wsOpts });
      await c.opened;
      assert.match(c.ws.extensions, /permessage-deflate/);
      const conn = await app.event(id, "connection");
      assert.match(conn.extensions, /^permessage-deflate/);
      if (wsOpts.serverNoContextTakeover) assert.match(conn.extensions, /server_no_context_takeover; client_no_context_takeover/);
      await echoMix(c);
      // fragmented, compressed (ws compresses each fragment of one message with the same context)
      await c.send(words(1000, 1), { fin: false, compress: true });
      await c.send(words(1000, 2), { fin: true, compress: true });
      assert.equal(await c.next(), words(1000, 1) + words(1000, 2));
      const sock = c.ws._socket;
      assert.ok(sock.bytesRead < 1.6 * MiB, `the client read ${sock.bytesRead} bytes`);
      assert.ok(sock.bytesWritten < 1.6 * MiB, `the client wrote ${sock.bytesWritten} bytes`);
      c.ws.close(1000);
      assert.equal((await c.closed).code, 1000);
    });
  }

  test("the server's fragments (fragmentSize) and 1 MiB from the server, compressed", async () => {
    const { url } = app.url("/fragmented");
    const c = wsClient(url, undefined, { perMessageDeflate: true });
    await c.opened;
    assert.equal(await c.next(), "ü".repeat(3000));
    assert.ok(sameBytes(await c.next(), pattern(65536, 1)));
    c.ws.close();
    await c.closed;
    const big = wsClient(app.url(`/big?size=${MiB}&seed=8`).url, undefined, { perMessageDeflate: true });
    await big.opened;
    assert.ok(sameBytes(await big.next(20000), pattern(MiB, 8)));
    big.ws.close();
    await big.closed;
  });

  test("a client that does not offer it gets no extension; a bomb is stopped at maxMessageSize with 1009", async () => {
    const c = wsClient(app.url("/echo").url, undefined, { perMessageDeflate: false });
    await c.opened;
    assert.equal(c.ws.extensions, "");
    c.ws.send("plain");
    assert.equal(await c.next(), "plain");
    c.ws.close();
    await c.closed;
    // 16 MiB of zeros compress to ~16 KiB: over /limit's 4096 bytes once inflated
    const { id, url } = app.url("/limit");
    const b = wsClient(url, undefined, { perMessageDeflate: { threshold: 0 } });
    await b.opened;
    b.ws.send(new Uint8Array(16 * MiB));
    assert.equal((await b.closed).code, 1009);
    assert.equal((await app.event(id, "error")).kind, "MessageTooLarge");
  });
});

describe("hybi server (perMessageDeflate: true) ← python websockets client (its default compression)", () => {
  let app, results;
  before(async () => {
    app = await startApp({ perMessageDeflate: true });
    results = await runPyClient(`ws://127.0.0.1:${app.port}`, "deflate");
  });
  after(() => app?.close());

  test("negotiated; text and binary, small and 1 MiB, fragmented, both ways", async () => {
    const r = scenario(results, "deflate-echo");
    assert.match(r.extensions, /^permessage-deflate/);
    for (const k of ["text-small", "binary-small", "text-1mib", "binary-1mib", "tiny", "empty", "fragmented"]) assert.equal(r[k], true, k);
    assert.match((await app.event(r.id, "connection")).extensions, /^permessage-deflate/);
    assert.equal(scenario(results, "deflate-big").first, true);
  });
});

test("hybi client ↔ hybi server: what each side's options negotiate, and messages both ways under each", async () => {
  const { WebSocketServer } = await import("hybi");
  for (const [serverOpts, clientOpts, want] of [
    [true, true, "permessage-deflate"],
    [true, { clientMaxWindowBits: 9 }, "permessage-deflate"],
    [{ clientMaxWindowBits: 10 }, true, "permessage-deflate; client_max_window_bits=10"],
    [{ serverMaxWindowBits: 9 }, true, "permessage-deflate; server_max_window_bits=9"],
    [true, { serverMaxWindowBits: 8, serverNoContextTakeover: true }, "permessage-deflate; server_no_context_takeover; server_max_window_bits=8"],
    [{ clientNoContextTakeover: true, level: 9 }, { clientNoContextTakeover: true }, "permessage-deflate; client_no_context_takeover"],
    [{ level: 0 }, true, "permessage-deflate"],
    [false, true, ""],
    [true, false, ""],
  ]) {
    const server = new WebSocketServer({ perMessageDeflate: serverOpts, onConnection: (ws) => (ws.onmessage = (e) => ws.send(e.data)) });
    const { port } = await server.listen({ hostname: "127.0.0.1" });
    try {
      const c = client(`ws://127.0.0.1:${port}/`, undefined, { perMessageDeflate: clientOpts });
      await c.opened;
      const what = `server ${JSON.stringify(serverOpts)}, client ${JSON.stringify(clientOpts)}`;
      assert.equal(c.ws.extensions, want, what);
      assert.equal([...server.clients][0].extensions, want, what);
      for (const m of [words(300), words(300), words(MiB, 1), pattern(70000, 3), "x", words(5000, 2)]) {
        c.ws.send(m);
        const got = await c.next(20000);
        assert.ok(typeof m === "string" ? got === m : sameBytes(got, m), `${what}: echo of ${m.length ?? m.byteLength}`);
      }
      c.ws.close();
      await c.closed;
    } finally {
      await server.close();
    }
  }
});

// ------------------------------------------------------------------------------------------ memory per connection

test("memory per connection with permessage-deflate (1,000 connections; numbers in the README)", async (t) => {
  const script = fileURLToPath(new URL("./helpers/deflate-memory.mjs", import.meta.url));
  const run = (mode) =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ["--expose-gc", script, "1000", mode], { timeout: 120_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split("\n").at(-1))),
      ),
    );
  const on = await run("on");
  const off = await run("off");
  const level0 = await run("level0");
  for (const r of [off, on, level0]) t.diagnostic(`${r.deflate}: per connection ${JSON.stringify(r.perConnection)}`);
  assert.equal(on.extensions, "permessage-deflate");
  // level 0: inflates what it receives, sends uncompressed: no compressor, only the inflater
  assert.ok(level0.perConnection.active.wasm < 64 * 1024, `level 0: wasm per connection ${level0.perConnection.active.wasm}`);
  // with deflate: the compressor (~312 KiB) and the inflater (~42 KiB) exist only after a compressed message
  assert.ok(on.perConnection.idle.wasm < 16 * 1024, `idle wasm per connection ${on.perConnection.idle.wasm}`);
  assert.ok(on.perConnection.active.wasm > 200 * 1024, `active wasm per connection ${on.perConnection.active.wasm}`);
  assert.ok(on.perConnection.active.wasm < 512 * 1024, `active wasm per connection ${on.perConnection.active.wasm}`);
  assert.ok(off.perConnection.active.wasm < 16 * 1024, `without deflate ${off.perConnection.active.wasm}`);
});
