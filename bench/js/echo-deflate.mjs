// The compressed echo row (issue 6, "a benchmark row for compressed throughput beside the uncompressed one"), Node
// only: `node echo-deflate.mjs URL CONFIG_JSON` → one JSON line { ok, version, results: [{ cell, res, info }] }.
//
// Both clients run with permessage-deflate on — hybi's WebSocket with `perMessageDeflate: true` (its defaults:
// level 1, threshold 128, context takeover) and the `ws` client with `perMessageDeflate: true` (its defaults: zlib
// level 6 through zlib's thread pool, threshold 1024, context takeover; bufferutil installed) — against the native
// echo server started with `--deflate` (it accepts the offer and compresses its echoes at level 1). A third candidate,
// ws with zlib level 1, isolates what the compression level accounts for. Every run asserts
// that the connection really negotiated permessage-deflate (`ws.extensions`) and checks every echo against the
// message it answers (same text, in order), warm-up included.
//
// Messages are compressible JSON-like text (records with a few repeated keys and pseudo-random values), several
// distinct messages per size sent in turn, so that a message is never a copy of one still in the 32 KiB window
// (which would make context takeover compress it to a few bytes). Same shape as the uncompressed rows: one
// connection, a window of messages in flight (every echo received sends the next), counted for `ms` after `warmMs`.
import { deflateRawSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { WebSocket as HybiWebSocket } from "hybi";
import WS from "ws";
import { alternate, now, sleep } from "./stats.mjs";

const [url, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);

const clients = {
  hybi: (u) => new HybiWebSocket(u, { perMessageDeflate: true }),
  ws: (u) => new WS(u, { perMessageDeflate: true }),
  // A second peer at hybi's compression level, so the level's share of the difference shows (not the headline row:
  // `perMessageDeflate: true` is what ws users run).
  "ws level 1": (u) => new WS(u, { perMessageDeflate: { zlibDeflateOptions: { level: 1 } } }),
};

// ---- payloads
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "lambda", "theta", "zeta"];
const TYPES = ["create", "update", "delete", "view", "login", "logout"];
/** `size` bytes of ASCII JSON-like text: an array of event records, cut at `size`. */
export function jsonText(size, seed) {
  const r = prng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  let s = '{"events":[';
  let id = Math.floor(r() * 1e6);
  while (s.length < size) {
    id += 1 + Math.floor(r() * 5);
    s +=
      `{"id":${id},"type":"${pick(TYPES)}","user":"user_${Math.floor(r() * 5000)}",` +
      `"ts":${1714060800000 + Math.floor(r() * 1e9)},"price":${(r() * 1000).toFixed(2)},` +
      `"tags":["${pick(WORDS)}","${pick(WORDS)}"],"active":${r() < 0.5}},`;
  }
  return s.slice(0, size);
}
/** Distinct messages for one size: enough that the pool spans more than the 32 KiB window. */
function pool(size) {
  const n = Math.max(2, Math.ceil((64 << 10) / size));
  return Array.from({ length: n }, (_, i) => jsonText(size, size * 1000 + i));
}

// ---- CPU probes (Linux): the echo server's CPU share during the counted time shows whether it ever limits a row.
const TICK = 100; // USER_HZ
function serverCpu(pid) {
  if (!pid) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK; // utime + stime, seconds
  } catch {
    return NaN;
  }
}
const clientCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// ---- one run
function open(make, u) {
  return new Promise((resolve, reject) => {
    const ws = make(u);
    ws.binaryType = "arraybuffer";
    const t = setTimeout(() => reject(new Error("open timed out")), 10000);
    ws.onopen = () => {
      clearTimeout(t);
      resolve(ws);
    };
    ws.onerror = (e) => {
      clearTimeout(t);
      reject(new Error(`connection failed: ${e?.message ?? e?.error?.message ?? e}`));
    };
  });
}

async function run(make, msgs, { window, ms, warmMs }, probe) {
  const ws = await open(make, url);
  if (!/^permessage-deflate\b/.test(ws.extensions ?? "")) {
    ws.close();
    throw new Error(`permessage-deflate not negotiated (extensions: ${JSON.stringify(ws.extensions)})`);
  }
  probe.extensions = ws.extensions;
  let sent = 0;
  let received = 0;
  let counting = false;
  let stop = false;
  let count = 0;
  let bad = 0;
  let firstBad = "";
  ws.onerror = (e) => {
    bad++;
    firstBad ||= `error event: ${e?.message ?? e?.error?.message ?? e}`;
  };
  ws.onmessage = (e) => {
    const want = msgs[received++ % msgs.length];
    if (e.data !== want) {
      bad++;
      firstBad ||= `echo ${received - 1}: ${typeof e.data} of ${e.data?.length ?? e.data?.byteLength} chars, expected ${want.length}`;
    }
    if (counting) count++;
    if (!stop) ws.send(msgs[sent++ % msgs.length]);
  };
  for (let i = 0; i < window; i++) ws.send(msgs[sent++ % msgs.length]);
  await sleep(warmMs);
  counting = true;
  const s0 = serverCpu(config.serverPid);
  const c0 = clientCpu();
  const t0 = now();
  await sleep(ms);
  const t = (now() - t0) / 1000;
  counting = false;
  stop = true;
  probe.server.push((serverCpu(config.serverPid) - s0) / t);
  probe.client.push((clientCpu() - c0) / t);
  await Promise.race([
    new Promise((r) => {
      ws.onclose = () => r();
      try {
        ws.close(1000);
      } catch {
        r();
      }
    }),
    sleep(5000),
  ]);
  // Echoes that arrive while closing go through the same check.
  if (bad) throw new Error(`${bad} bad echoes or errors (first: ${firstBad})`);
  if (count === 0) throw new Error("no echo counted");
  return count / t;
}

try {
  const results = [];
  for (const cell of config.cells) {
    const msgs = pool(cell.size);
    const bytes = msgs.reduce((n, m) => n + m.length, 0);
    const level = (l) => msgs.reduce((n, m) => n + deflateRawSync(m, { level: l }).length, 0) / bytes;
    const info = {
      messages: msgs.length,
      deflated_level1: Number(level(1).toFixed(3)), // compressed/original, each message alone (no takeover)
      deflated_level6: Number(level(6).toFixed(3)),
    };
    const probes = {};
    const cands = {};
    for (const [name, make] of Object.entries(clients)) {
      probes[name] = { server: [], client: [], extensions: "" };
      // 1 MiB: a few dozen echoes per second, so twice the counted time (fewer whole-message steps in the count).
      const scale = cell.size >= 1 << 20 ? 2 : 1;
      cands[name] = () => run(make, msgs, { ...cell, ms: config.ms * scale, warmMs: config.warmMs * scale }, probes[name]);
    }
    const res = await alternate(cands, { warmup: config.warmup, rounds: config.rounds });
    const med = (xs) => {
      const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
      return s.length ? Number(s[s.length >> 1].toFixed(2)) : null;
    };
    for (const name of Object.keys(clients)) {
      // CPU shares (1.0 = one core) over the counted rounds, the warm-up left out.
      const p = probes[name];
      info[name] = { extensions: p.extensions, server_cpu: med(p.server.slice(config.warmup)), client_cpu: med(p.client.slice(config.warmup)) };
    }
    results.push({ cell, res, info });
    const parts = Object.entries(res).map(([n, r]) => `${n} ${Math.round(r.median)}${r.error ? ` (error: ${r.error.split("\n")[0]})` : ""}`);
    console.error(`[echo-deflate] ${cell.size} B x 1 conn, window ${cell.window}: ${parts.join(", ")} msg/s; ${JSON.stringify(info)}`);
  }
  console.log(JSON.stringify({ ok: true, version: process.versions.node, results }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, version: process.versions.node, error: String(e?.stack ?? e) }));
}
process.exit(0);
