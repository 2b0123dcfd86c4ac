// The harness's driver (run by scripts/bench.sh under Node 24): runs each group of rows, alternating candidates
// inside every row, and writes target/bench/results.json and target/bench/results.md.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { alternate, median, row, sizeName, sleep } from "./stats.mjs";
import { startEchoWorker } from "./echo-workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const ROOT = env.BENCH_ROOT;
const OUT = env.BENCH_OUT;
const SCRATCH = env.BENCH_SCRATCH;
const GROUPS = (env.BENCH_ROWS ?? "micro node echo-deflate runtimes server size criterion").split(/\s+/).filter(Boolean);
const QUICK = !!env.BENCH_QUICK;
const rows = [];
const log = (...a) => console.log("[bench]", ...a);
const t0 = Date.now();
// The tree measured (bench.sh builds the package from the working tree): its commit, `-dirty` if it had changes.
// Taken at the start and again at the end: an edit during a run makes its figures a mix, and the table says so.
const tree = () => {
  try {
    return execFileSync("git", ["-C", ROOT, "describe", "--always", "--dirty"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
const treeAtStart = tree();

// ------------------------------------------------------------------ helpers
function run(cmd, args, { timeout = 300_000, cwd = SCRATCH, extraEnv = {}, echoStderr = true } = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (echoStderr) process.stderr.write(d);
    });
    const t = setTimeout(() => p.kill("SIGKILL"), timeout);
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
function lastJson(res, what) {
  const line = res.stdout.trim().split("\n").filter(Boolean).at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what}: no JSON result (exit ${res.code})\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
  }
}
/** Starts a long-running server process that prints `listening PORT`; returns { port, stop }. */
function startServer(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: SCRATCH, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    const t = setTimeout(() => reject(new Error(`${cmd} ${args.join(" ")}: no "listening" line`)), 15000);
    p.stdout.on("data", (d) => {
      buf += d;
      const m = /listening (\d+)/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve({
          port: Number(m[1]),
          pid: p.pid,
          stop: () => new Promise((r) => (p.exitCode !== null ? r() : (p.once("close", r), p.kill("SIGTERM")))),
        });
      }
    });
    p.on("error", reject);
  });
}
async function group(name, fn) {
  if (!GROUPS.includes(name)) return;
  const start = Date.now();
  log(`---- ${name}`);
  try {
    await fn();
  } catch (e) {
    log(`${name} FAILED: ${e?.stack ?? e}`);
    rows.push({ name: `${name}: failed`, unit: "", hybi: null, peer: null, peer_name: "", ratio: null, error: String(e).slice(0, 500) });
  }
  log(`---- ${name}: ${((Date.now() - start) / 1000).toFixed(0)}s`);
}

// ------------------------------------------------------------------ rows 1–3
await group("micro", async () => {
  const res = await run(env.NODE24, [join(here, "micro.mjs")], {
    extraEnv: QUICK ? { BENCH_ROUNDS: "3", BENCH_MS: "60" } : {},
  });
  const r = lastJson(res, "micro.mjs");
  rows.push(...r.rows);
});

// ------------------------------------------------------------------ rows 4–5
const SIZES = [16, 1 << 10, 64 << 10, 1 << 20];
const windowFor = (size) => (size <= 1024 ? 32 : size <= 65536 ? 8 : 2);
const cells = [];
for (const size of SIZES) cells.push({ size, conns: 1, window: windowFor(size) });
for (const size of SIZES) cells.push({ size, conns: 100, window: 1 });
const echoConfig = QUICK
  ? { rounds: 3, warmup: 1, ms: 300, warmMs: 100 }
  : { rounds: 5, warmup: 1, ms: 700, warmMs: 200 };
const runtimeConfig = QUICK ? { ...echoConfig, rounds: 2 } : { ...echoConfig, rounds: 3 };

function echoRows(label, result) {
  for (const { cell, res } of result.results) {
    const names = Object.keys(res);
    const big = cell.size >= 65536;
    const unit = big ? "MB/s" : "msg/s";
    const conv = big ? (x) => (x * cell.size) / 1e6 : (x) => x;
    const shape = cell.conns === 1 ? `1 conn, window ${cell.window}` : `${cell.conns} conns, window ${cell.window}`;
    for (const peer of names.filter((n) => n !== "hybi")) {
      const r = row(`echo ${label}, ${sizeName(cell.size)}, ${shape}: hybi vs ${peer}`, unit, conv(res.hybi.median), conv(res[peer].median), peer, true, {
        runs: { hybi: res.hybi.runs.map(conv).map(Math.round), peer: res[peer].runs.map(conv).map(Math.round) },
      });
      if (res.hybi.error || res[peer].error) r.error = (res.hybi.error ?? res[peer].error).slice(0, 300);
      rows.push(r);
    }
  }
}

let echo = null;
async function echoServer() {
  if (!echo) echo = await startServer(env.ECHO_SERVER, ["0"]);
  return `ws://127.0.0.1:${echo.port}/`;
}

await group("node", async () => {
  const url = await echoServer();
  // A ceiling check: the native load generator against the native echo server (the server is not the bottleneck
  // if this is far above every JS client's figure; where it is not, as at 1 MiB, the row measures the server and
  // the kernel sharing two cores as much as the client).
  for (const [size, window] of [[16, 32], [65536, 8], [1048576, 2]]) {
    const r = lastJson(await run(env.LOADGEN, [String(echo.port), "--conns", "1", "--size", String(size), "--window", String(window), "--ms", "500", "--warmup-ms", "100"]), "loadgen");
    log(`echo server ceiling (native client), ${sizeName(size)} x 1 conn, window ${window}: ${Math.round(r.rate)} msg/s`);
    rows.push({ name: `echo server ceiling: native load generator, ${sizeName(size)}, 1 conn, window ${window} (not a comparison)`, unit: "msg/s", hybi: Math.round(r.rate), peer: null, peer_name: "", ratio: null });
  }
  const config = JSON.stringify({ ...echoConfig, cells });
  for (const [label, node] of [["Node 24", env.NODE24], ["Node 20", env.NODE20]]) {
    const r = lastJson(await run(node, [join(here, "echo-cli.mjs"), url, config], { timeout: 600_000 }), `echo ${label}`);
    if (!r.ok) throw new Error(`${label}: ${r.error}`);
    echoRows(`${label} (${r.version})`, r);
  }
  // Client CPU time per echoed message (bench/js/cpu.mjs), Node 24: µs, lower is better.
  const cpuCells = [
    { size: 65536, conns: 1, window: 8 },
    { size: 1 << 20, conns: 1, window: 2 },
    { size: 16, conns: 100, window: 1 },
    { size: 65536, conns: 100, window: 1 },
  ];
  const cpuConfig = JSON.stringify({ cells: cpuCells, rounds: QUICK ? 2 : 4, ms: QUICK ? 400 : 800, warmMs: 200 });
  const c = lastJson(await run(env.NODE24, [join(here, "cpu.mjs"), url, cpuConfig], { timeout: 600_000 }), "cpu.mjs");
  if (!c.ok) throw new Error(`cpu.mjs: ${c.error}`);
  for (const { cell, hybi, ws } of c.results) {
    const shape = cell.conns === 1 ? `1 conn, window ${cell.window}` : `${cell.conns} conns, window ${cell.window}`;
    rows.push(row(`client CPU per echoed message, Node 24, ${sizeName(cell.size)}, ${shape}: hybi vs ws`, "µs", hybi.cpuUs, ws.cpuUs, "ws", false));
  }
});

// ------------------------------------------------------------------ row 4, compressed (issue 6)
// The same client echo in Node 24 with permessage-deflate on both sides: hybi vs ws, both `perMessageDeflate: true`,
// against a second echo server started with `--deflate` (the uncompressed rows keep theirs, which declines it).
// Compressible JSON-like text, 1 KiB / 64 KiB / 1 MiB, one connection; msg/s and MB/s (of uncompressed payload).
await group("echo-deflate", async () => {
  const server = await startServer(env.ECHO_SERVER, ["0", "--deflate"]);
  try {
    const url = `ws://127.0.0.1:${server.port}/`;
    const cells = [1 << 10, 64 << 10, 1 << 20].map((size) => ({ size, conns: 1, window: windowFor(size) }));
    const config = JSON.stringify({ ...echoConfig, cells, serverPid: server.pid });
    const out = lastJson(await run(env.NODE24, [join(here, "echo-deflate.mjs"), url, config], { timeout: 300_000 }), "echo-deflate");
    if (!out.ok) throw new Error(out.error);
    const peers = {
      ws: ["ws", "ws (perMessageDeflate: true, bufferutil)"],
      "ws level 1": ["ws at zlib level 1 (hybi's level)", "ws (perMessageDeflate: { zlibDeflateOptions: { level: 1 } }, bufferutil)"],
    };
    for (const { cell, res, info } of out.results) {
      const shape = `1 conn, window ${cell.window}`;
      for (const [peer, [label, peerName]] of Object.entries(peers)) {
        const err = res.hybi.error || res[peer].error ? (res.hybi.error ?? res[peer].error).slice(0, 300) : undefined;
        for (const [unit, conv] of [["msg/s", (x) => x], ["MB/s", (x) => (x * cell.size) / 1e6]]) {
          const what = unit === "MB/s" ? "MB/s of uncompressed payload" : unit;
          const r = row(`echo Node 24 (${out.version}) permessage-deflate, ${sizeName(cell.size)} JSON-like text, ${shape}: hybi vs ${label} (${what})`, unit, conv(res.hybi.median), conv(res[peer].median), peerName, true, {
            runs: { hybi: res.hybi.runs.map(conv).map((x) => Number(x.toFixed(1))), peer: res[peer].runs.map(conv).map((x) => Number(x.toFixed(1))) },
            info,
          });
          if (err) r.error = err;
          rows.push(r);
        }
      }
    }
  } finally {
    await server.stop();
  }
});

await group("runtimes", async () => {
  const url = await echoServer();
  const config = JSON.stringify({ ...runtimeConfig, cells });
  // Deno
  try {
    const r = lastJson(await run(env.DENO, ["run", "--allow-net=127.0.0.1", "--allow-env", join(here, "echo-cli.mjs"), url, config], {
      timeout: 600_000,
      extraEnv: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    }), "deno");
    if (!r.ok) throw new Error(r.error);
    echoRows(`Deno ${r.version}`, r);
  } catch (e) {
    log(`deno failed: ${e.message}`);
    rows.push({ name: "echo Deno: failed", unit: "", hybi: null, peer: null, peer_name: "deno WebSocket", ratio: null, error: String(e.message).slice(0, 500) });
  }
  // Bun
  try {
    const r = lastJson(await run(env.BUN, [join(here, "echo-cli.mjs"), url, config], { timeout: 600_000 }), "bun");
    if (!r.ok) throw new Error(r.error);
    echoRows(`Bun ${r.version}`, r);
  } catch (e) {
    log(`bun failed: ${e.message}`);
    rows.push({ name: "echo Bun: failed", unit: "", hybi: null, peer: null, peer_name: "bun WebSocket", ratio: null, error: String(e.message).slice(0, 500) });
  }
  // workerd via miniflare: one request per cell (bounded requests)
  try {
    const mf = await startEchoWorker({ root: ROOT, cwd: SCRATCH, outdir: join(OUT, "worker") });
    try {
      const results = [];
      // One connection only: a Worker may have at most 6 connections open at once per request, so the 100-connection
      // cells cannot run on workerd's native WebSocket (hybi's sockets are not held to it under miniflare).
      for (const cell of cells.filter((c) => c.conns === 1)) {
        const cfg = { ...runtimeConfig, cells: [cell] };
        const resp = await mf.dispatchFetch(`http://bench.test/?url=${encodeURIComponent(url)}&config=${encodeURIComponent(JSON.stringify(cfg))}`);
        const r = await resp.json();
        if (!r.ok) throw new Error(r.error);
        const [{ res }] = r.results;
        log(`[workerd] ${cell.size} B x ${cell.conns}: ${Object.entries(res).map(([n, x]) => `${n} ${Math.round(x.median)}${x.error ? ` (error: ${x.error.split("\n")[0]})` : ""}`).join(", ")} msg/s`);
        results.push(...r.results);
      }
      echoRows("workerd (miniflare)", { results });
    } finally {
      await mf.dispose();
    }
  } catch (e) {
    log(`workerd failed: ${e.stack ?? e}`);
    rows.push({ name: "echo workerd: failed", unit: "", hybi: null, peer: null, peer_name: "workerd WebSocket", ratio: null, error: String(e.message).slice(0, 500) });
  }
});

// ------------------------------------------------------------------ row 6
await group("server", async () => {
  const hybi = await startServer(env.NODE24, [join(here, "server.mjs"), "hybi"]);
  const ws = await startServer(env.NODE24, [join(here, "server.mjs"), "ws"]);
  const wsNb = await startServer(env.NODE24, [join(here, "server.mjs"), "ws-nodebuffer"]);
  try {
    const ms = QUICK ? 700 : 1500;
    for (const size of [20, 16 << 10]) {
      const load = (port) => async () => {
        const r = lastJson(await run(env.LOADGEN, [String(port), "--conns", "100", "--size", String(size), "--window", "4", "--ms", String(ms), "--warmup-ms", "300"]), "loadgen");
        if (r.failed) throw new Error(`${r.failed} connections failed`);
        return r.rate;
      };
      const res = await alternate({ hybi: load(hybi.port), ws: load(ws.port), wsNb: load(wsNb.port) }, { warmup: 1, rounds: QUICK ? 3 : 5 });
      log(`server ${sizeName(size)}: hybi ${Math.round(res.hybi.median)} msg/s, ws ${Math.round(res.ws.median)} msg/s, ws nodebuffer ${Math.round(res.wsNb.median)} msg/s`);
      for (const [peer, label, name] of [
        [res.ws, "hybi vs ws", "ws WebSocketServer (binaryType arraybuffer)"],
        [res.wsNb, "hybi vs ws with its default binaryType nodebuffer (views of its reads, no copy; for understanding)", "ws WebSocketServer (nodebuffer)"],
      ]) {
        const r = row(`server in Node 24, 100 conns, ${sizeName(size)}, window 4 (native load generator): ${label}`, "msg/s", res.hybi.median, peer.median, name, true, {
          runs: { hybi: res.hybi.runs.map(Math.round), peer: peer.runs.map(Math.round) },
        });
        if (res.hybi.error || peer.error) r.error = (res.hybi.error ?? peer.error).slice(0, 300);
        rows.push(r);
      }
    }
  } finally {
    await hybi.stop();
    await ws.stop();
    await wsNb.stop();
  }
});

// ------------------------------------------------------------------ row 7
function gz(path) {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}
function dirGz(dir, filter) {
  let raw = 0;
  let gzip = 0;
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (filter(p)) {
        raw += statSync(p).size;
        gzip += gz(p);
      }
    }
  };
  walk(dir);
  return { raw, gzip };
}
await group("size", async () => {
  const shipped = join(env.HYBI_PKG, "hybi_bg.wasm");
  const nodeflate = join(env.HYBI_NODEFLATE_DIR, "hybi_bg.wasm");
  const target = 30 * 1024;
  rows.push(row("wasm gzip -9, shipped (with deflate) vs the 30 KiB target", "bytes", gz(shipped), target, "target 30 KiB", false));
  rows.push(row("wasm raw, shipped (with deflate)", "bytes", statSync(shipped).size, NaN, "", false));
  if (existsSync(nodeflate)) {
    rows.push(row("wasm gzip -9, without deflate vs the 30 KiB target", "bytes", gz(nodeflate), target, "target 30 KiB", false));
    rows.push(row("wasm raw, without deflate", "bytes", statSync(nodeflate).size, NaN, "", false));
  }
  // What Node loads: the bundled node entry (dist/, scripts/bundle-entries.sh) and the runtime wasm.
  const hybiPkg = dirGz(env.HYBI_PKG, (p) => p.endsWith("/dist/hybi.node.js") || p.endsWith("/hybi_bg.wasm"));
  const wsPkg = dirGz(join(ROOT, "node_modules/ws"), (p) => /\/(index\.js|lib\/[^/]+\.js)$/.test(p));
  rows.push(row("package gzip (each file gzip -9, as Node loads it): hybi (wasm + bundled node entry) vs ws (index + lib)", "bytes", hybiPkg.gzip, wsPkg.gzip, "ws", false));

  // Cold start: fresh processes, alternating.
  const url = await echoServer();
  const starts = {};
  for (const which of ["hybi", "ws", "undici"]) starts[which] = { ready: [], open: [] };
  const N = QUICK ? 5 : 11;
  for (let i = 0; i < N + 1; i++) {
    for (const which of ["hybi", "ws", "undici"]) {
      const r = lastJson(await run(env.NODE24, [join(here, "start.mjs"), which, url]), `start ${which}`);
      if (r.error) throw new Error(`start ${which}: ${r.error}`);
      if (i === 0) continue; // the first spawn warms the disk cache
      starts[which].ready.push(r.ready);
      starts[which].open.push(r.open);
    }
  }
  const m = (w, k) => median(starts[w][k]);
  log(`cold start ready (ms): hybi ${m("hybi", "ready").toFixed(2)}, ws ${m("ws", "ready").toFixed(2)}, undici ${m("undici", "ready").toFixed(2)}`);
  rows.push(row("cold start, Node 24: import → WebSocket constructed (ready to connect): hybi vs ws", "ms", m("hybi", "ready"), m("ws", "ready"), "ws", false));
  rows.push(row("cold start, Node 24: import → WebSocket constructed: hybi vs the 10 ms target", "ms", m("hybi", "ready"), 10, "target 10 ms", false));
  rows.push(row("cold start, Node 24: import → open (local echo server): hybi vs ws", "ms", m("hybi", "open"), m("ws", "open"), "ws", false));
  rows.push(row("cold start, Node 24: import → open: hybi vs undici (built in, nothing to import)", "ms", m("hybi", "open"), m("undici", "open"), "undici", false));

  // Memory per idle connection.
  const mem = {};
  for (const which of ["hybi", "ws"]) {
    const vals = [];
    for (let i = 0; i < (QUICK ? 1 : 3); i++) {
      const r = lastJson(await run(env.NODE24, ["--expose-gc", join(here, "memory.mjs"), which, url, "200"]), `memory ${which}`);
      log(`memory ${which}: ${JSON.stringify(r)}`);
      vals.push(r.perConn);
    }
    mem[which] = median(vals);
  }
  rows.push(row("memory per idle client connection, Node 24 (JS heap + external + wasm memory): hybi vs ws", "bytes", mem.hybi, mem.ws, "ws", false));
  rows.push(row("memory per idle client connection: hybi vs the 16 KiB target", "bytes", mem.hybi, 16 * 1024, "target 16 KiB", false));
});

// ------------------------------------------------------------------ row 8
await group("criterion", async () => {
  const args = ["bench", "-q", "--bench", "core", "--", "--noplot", "--warm-up-time", QUICK ? "0.3" : "0.5", "--measurement-time", QUICK ? "0.7" : "1.5"];
  const res = await run("cargo", args, { cwd: join(ROOT, "bench"), timeout: 900_000, echoStderr: false });
  if (res.code !== 0) throw new Error(`cargo bench failed\n${res.stderr.slice(-3000)}`);
  const base = join(ROOT, "bench/target/criterion");
  const est = (group, fn, param) => {
    const dir = join(base, group, fn, String(param), "new");
    const e = JSON.parse(readFileSync(join(dir, "estimates.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(dir, "benchmark.json"), "utf8"));
    return { ns: e.median.point_estimate, throughput: b.throughput };
  };
  const per = (x) => {
    const t = x.throughput;
    if (t?.Bytes) return { v: t.Bytes / x.ns, unit: "GB/s" };
    if (t?.Elements) return { v: (t.Elements / x.ns) * 1e3, unit: "M elements/s" };
    return { v: x.ns, unit: "ns", lower: true };
  };
  const dirName = (s) => s.replace(/\//g, "_"); // criterion keeps spaces and "+", turns "/" into "_"
  const pairs = [];
  for (const n of [16, 125, 4096, 65536, 1048576]) pairs.push(["mask", "hybi", "tungstenite", n, `mask ${sizeName(n)}`]);
  for (const id of ["ascii/1024", "ascii/1048576", "mixed/1024", "mixed/1048576"]) {
    pairs.push(["utf8", "hybi validate", "tungstenite Utf8Bytes", id, `UTF-8 ${id}`]);
  }
  for (const id of ["16B x 4096 client (unmasked)", "1MiB x 1 client (unmasked)"]) {
    pairs.push(["decode", "hybi Connection__receive", "tungstenite FrameSocket__read", id, `decode ${id}`]);
  }
  // A client's frames, unmasked by both: tungstenite's FrameSocket leaves them masked, its server's WebSocket::read
  // unmasks them in place in its read buffer. hybi's receive_mut likewise (the read copied into a buffer first).
  for (const id of ["16B x 4096 server (masked)", "1MiB x 1 server (masked)"]) {
    pairs.push(["decode", "hybi Connection__receive", "tungstenite WebSocket__read (server)", id, `decode ${id}`]);
    pairs.push(["decode", "hybi Connection__receive_mut", "tungstenite WebSocket__read (server)", id, `decode ${id}, receive_mut`]);
  }
  for (const n of [16, 125, 4096, 65536, 1048576]) {
    pairs.push(["encode masked", "hybi frame__encode", "tungstenite Frame__format", n, `encode masked ${sizeName(n)}`]);
  }
  for (const [g, a, b, p, label] of pairs) {
    try {
      const x = per(est(dirName(g), dirName(a), dirName(String(p))));
      const y = per(est(dirName(g), dirName(b), dirName(String(p))));
      rows.push(row(`native (criterion) ${label}: hybi vs tungstenite 0.27`, x.unit, x.v, y.v, "tungstenite 0.27", !x.lower));
    } catch (e) {
      log(`criterion ${label}: ${e.message}`);
    }
  }
});

if (echo) await echo.stop();

// ------------------------------------------------------------------ output
mkdirSync(OUT, { recursive: true });
const clean = rows.map(({ runs, info, ...r }) => r); // runs and info (per-round figures, CPU shares): results-runs.json
writeFileSync(join(OUT, "results.json"), JSON.stringify(clean, null, 2) + "\n");
writeFileSync(join(OUT, "results-runs.json"), JSON.stringify(rows, null, 2) + "\n");
const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
const fmt = (x) => (x === null || x === undefined ? "—" : typeof x === "number" ? x.toLocaleString("en-US", { maximumFractionDigits: 3 }) : x);
let md = `Machine: ${os.cpus().length} cores (nproc), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`;
const treeAtEnd = tree();
const treeNote = treeAtEnd === treeAtStart ? treeAtStart : `${treeAtStart} at the start, ${treeAtEnd} at the end: CHANGED DURING THE RUN`;
md += `Run: ${new Date().toISOString()}, ${((Date.now() - t0) / 1000).toFixed(0)} s, groups: ${GROUPS.join(" ")}${QUICK ? " (BENCH_QUICK)" : ""}; tree ${treeNote}\n\n`;
md += "| row | unit | hybi | peer | peer name | ratio (>1: hybi better) |\n|---|---|---:|---:|---|---:|\n";
for (const r of clean) md += `| ${r.name}${r.error ? ` (error: ${r.error.split("\n")[0].replace(/\|/g, "/")})` : ""} | ${r.unit} | ${fmt(r.hybi)} | ${fmt(r.peer)} | ${r.peer_name} | ${fmt(r.ratio)} |\n`;
writeFileSync(join(OUT, "results.md"), md);
console.log("\n" + md);
log(`wrote ${join(OUT, "results.json")} (${clean.length} rows) and results.md in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
