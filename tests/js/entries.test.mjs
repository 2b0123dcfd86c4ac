// The `default` entry (runtimes without their own): explicit init(), and WebSocket only with options.socket.
// Imported by file path because Node itself always matches the `node` condition. Runs in its own process, so the
// wasm is not initialized yet when the test starts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { test } from "node:test";
import { frame, rawServer } from "./helpers/raw.mjs";

const pkg = new URL("../node_modules/hybi/", import.meta.url);

test("default entry: init(bytes) then WebSocket over options.socket; no socket → NoSockets error", async () => {
  const hybi = await import(new URL("hybi.default.js", pkg));
  const codec = await import(new URL("codec.default.js", pkg));
  assert.equal(typeof hybi.init, "function");
  await hybi.init(readFileSync(new URL("hybi_bg.wasm", pkg)));
  await hybi.init(new URL("hybi_bg.wasm", pkg).href).catch(() => {}); // again: a no-op (Node's fetch has no file:)
  // hybi/codec has its own wasm and its own init(): the runtime's init() does not load it.
  assert.equal(typeof codec.init, "function");
  await codec.init(readFileSync(new URL("hybi_codec_bg.wasm", pkg)));
  await codec.init(new URL("hybi_codec_bg.wasm", pkg).href).catch(() => {}); // again: a no-op
  assert.equal(codec.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.equal(codec.inspect(new Uint8Array([0x81, 0x02, 0x68, 0x69]), false).messages[0].text, "hi");

  const ws = new hybi.WebSocket("ws://127.0.0.1:9/");
  const err = await new Promise((r) => (ws.onerror = (e) => r(e.error)));
  assert.equal(err.kind, "NoSockets");
  assert.match(err.message, /options\.socket/);
  // no server sockets either: WebSocketServer.listen() says to use accept()
  await assert.rejects(new hybi.WebSocketServer().listen(), (e) => e.kind === "NoSockets" && /accept\(\)/.test(e.message));

  const srv = await rawServer((sock) => sock.write(frame(0x1, "default entry")));
  try {
    const socket = () =>
      new Promise((resolve) => {
        const s = net.connect(srv.port, "127.0.0.1", () =>
          resolve({
            readable: new ReadableStream({ start: (c) => (s.on("data", (d) => c.enqueue(new Uint8Array(d))), s.on("end", () => c.close())) }),
            writable: new WritableStream({ write: (chunk) => new Promise((r) => s.write(chunk, r)), close: () => s.end() }),
            close: () => s.destroy(),
          }),
        );
      });
    const ws2 = new hybi.WebSocket("ws://anything.test/", [], { socket });
    const msg = await new Promise((r, j) => ((ws2.onmessage = (e) => r(e.data)), (ws2.onclose = () => j(new Error("closed")))));
    assert.equal(msg, "default entry");
    ws2.onclose = null;
    const closed = new Promise((r) => (ws2.onclose = (e) => r(e.wasClean)));
    ws2.close();
    assert.equal(await closed, true);
  } finally {
    await srv.close();
  }
});

test("package.json: exports per runtime in condition order, ./codec, ./hybi_bg.wasm, ./hybi_codec_bg.wasm, sideEffects", () => {
  const p = JSON.parse(readFileSync(new URL("package.json", pkg), "utf8"));
  assert.deepEqual(Object.keys(p.exports["."]), ["types", "workerd", "deno", "bun", "node", "browser", "default"]);
  assert.deepEqual(Object.keys(p.exports["./codec"]), ["types", "workerd", "deno", "bun", "node", "browser", "default"]);
  assert.equal(p.exports["./hybi_bg.wasm"], "./hybi_bg.wasm");
  assert.equal(p.exports["./hybi_codec_bg.wasm"], "./hybi_codec_bg.wasm");
  for (const cond of Object.values(p.exports["."]).concat(Object.values(p.exports["./codec"]))) {
    assert.ok(readFileSync(new URL(cond, pkg)).length > 0, cond);
    if (cond.endsWith(".js")) assert.ok(p.sideEffects.includes(cond), `${cond} is in sideEffects`);
  }
});

test("the runtime wasm leaves the inspector out: inspect/compose only in hybi_codec_bg.wasm, which no main entry loads", () => {
  const exportsOf = (file) => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(new URL(file, pkg)))).map((e) => e.name);
  const runtime = exportsOf("hybi_bg.wasm");
  const codec = exportsOf("hybi_codec_bg.wasm");
  for (const name of ["inspect", "compose", "deflateSupported", "acceptKey", "mask"]) {
    assert.ok(!runtime.includes(name), `hybi_bg.wasm exports ${name}: a codec-only binding leaked into the runtime wasm`);
    assert.ok(codec.includes(name), `hybi_codec_bg.wasm lacks ${name}`);
  }
  // What the package calls on the runtime wasm stays there.
  for (const name of ["wasmconnection_new", "wasmconnection_receiveStaged", "parseRequest"]) assert.ok(runtime.includes(name), name);
  // No main entry (nor what it imports) names the codec wasm or its glue.
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(new URL(file, pkg), "utf8");
    assert.ok(!/hybi_codec/.test(src), `${file} refers to the codec wasm`);
    for (const [, spec] of src.matchAll(/(?:import|export)\s[^"']*?["'](\.{1,2}\/[^"']+)["']/g)) {
      if (spec.endsWith(".js")) walk(new URL(spec, new URL(file, pkg)).href.slice(pkg.href.length));
    }
  };
  for (const entry of ["hybi.workerd.js", "hybi.deno.js", "hybi.bun.js", "hybi.node.js", "hybi.browser.js", "hybi.default.js", "dist/hybi.node.js", "dist/hybi.bun.js"]) walk(entry);
  assert.ok(seen.has("hybi.js") && seen.has("lib/api.js"), [...seen].join(" "));
});

test("the node and bun conditions load one bundled file (cold start), which reads the wasm beside the package", async () => {
  const p = JSON.parse(readFileSync(new URL("package.json", pkg), "utf8"));
  for (const cond of ["node", "bun"]) {
    const file = p.exports["."][cond];
    assert.equal(file, `./dist/hybi.${cond}.js`);
    const src = readFileSync(new URL(file, pkg), "utf8");
    const imports = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^"';]*?["']([^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual(imports.filter((s) => !s.startsWith("node:")), [], `${file} imports only node: builtins`);
    assert.match(src, /new URL\("\.\.\/hybi_bg\.wasm",\s*import\.meta\.url\)/, `${file} reads ../hybi_bg.wasm`);
  }
  // Loaded by name, the bundle works: the wasm is found and a connection can be made (client suites do that).
  const { WebSocket } = await import("hybi");
  assert.equal(typeof WebSocket, "function");
});

test("require('hybi') and require('hybi/codec') work (Node's require of ES modules)", async () => {
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync(process.execPath, ["-e", `
    const { WebSocket, WebSocketStream } = require("hybi");
    const { acceptKey } = require("hybi/codec");
    console.log(typeof WebSocket, typeof WebSocketStream, acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
  `], { cwd: new URL("..", import.meta.url), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.equal(out.trim(), "function function s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

test("cold start in Node: a ws:// client loads neither undici, node:tls nor Node's crypto on the way to its first message", async () => {
  // Node loads undici (about 25 ms) on the first touch of its Headers/MessageEvent globals, node:tls with
  // node:crypto on import, and its WebCrypto (about 4 ms) on the first touch of globalThis.crypto: hybi builds
  // `response.headers` on first read, imports node:tls for wss:// only and draws its keys from /dev/urandom.
  const { execFile } = await import("node:child_process");
  const srv = await rawServer((sock) => sock.write(frame(0x1, "hello")));
  try {
    const script = `
      import { WebSocket } from "hybi";
      const ws = new WebSocket("ws://127.0.0.1:${srv.port}/");
      ws.onmessage = (e) => {
        const loaded = process.moduleLoadList.filter((m) => /undici|NativeModule (tls|crypto|internal\\/crypto\\/.*)$/.test(m));
        console.log(JSON.stringify({ data: e.data, status: ws.response.status, loaded }));
        const headers = ws.response.headers; // now it is built
        console.log(JSON.stringify({ upgrade: headers.get("upgrade") }));
        process.exit(0);
      };
      ws.onerror = (e) => { console.log(JSON.stringify({ error: String(e.error) })); process.exit(1); };
    `;
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("..", import.meta.url), timeout: 10_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const [first, second] = out.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(first, { data: "hello", status: 101, loaded: [] });
    assert.equal(second.upgrade.toLowerCase(), "websocket");
  } finally {
    await srv.close();
  }
});

test("Node's key source (/dev/urandom through the shared pool): fresh masking keys across pool refills, fresh handshake keys", async () => {
  const { WebSocket } = await import("hybi");
  const { acceptKey } = await import("./helpers/raw.mjs");
  const COUNT = 3000; // keys are drawn 4 bytes at a time from a 4 KiB pool: about three refills
  const handshakeKeys = [];
  const maskKeys = [];
  let done;
  const finished = new Promise((r) => (done = r));
  const sockets = new Set();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    let open = false;
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(buf.subarray(0, end).toString())[1];
        handshakeKeys.push(key);
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
        buf = buf.subarray(end + 4);
        open = true;
      }
      // Client frames of 1-byte payloads: 0x82 0x81 key(4) payload(1).
      while (buf.length >= 7) {
        assert.deepEqual([buf[0], buf[1]], [0x82, 0x81]);
        maskKeys.push(buf.readUInt32BE(2));
        buf = buf.subarray(7);
      }
      if (maskKeys.length === COUNT) done();
    });
    sock.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `ws://127.0.0.1:${server.address().port}/`;
    const first = new WebSocket(url);
    await new Promise((r, j) => ((first.onopen = r), (first.onerror = j)));
    for (let i = 0; i < COUNT; i++) first.send(new Uint8Array([i & 255]));
    await finished;
    const second = new WebSocket(url);
    await new Promise((r, j) => ((second.onopen = r), (second.onerror = j)));
    first.onerror = second.onerror = () => {};
  } finally {
    for (const s of sockets) s.destroy(); // the clients see the connection lost: no closing handshake to wait for
    server.close();
  }
  assert.equal(handshakeKeys.length, 2);
  assert.notEqual(handshakeKeys[0], handshakeKeys[1], "a fresh Sec-WebSocket-Key per connection");
  assert.equal(maskKeys.length, COUNT);
  // 3000 random 32-bit keys: a repeat is unlikely (about 0.1%), two repeats of one key practically impossible.
  const seen = new Map();
  for (const k of maskKeys) seen.set(k, (seen.get(k) ?? 0) + 1);
  assert.ok(seen.size >= COUNT - 2, `${COUNT - seen.size} repeated masking keys`);
  assert.ok(!seen.has(0) || seen.get(0) === 1, "no run of zero keys");
});
