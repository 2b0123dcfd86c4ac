// Profiling aid (not a row): one client alone in workerd (miniflare), echoing against the echo server, with V8's
// sampling profiler attached through miniflare's inspector port; writes workerd.cpuprofile in the working
// directory (read it in Chrome's DevTools or with `node js/profile-top.mjs workerd.cpuprofile`).
// Run from the bench scratch directory that `make bench` sets up (its node_modules/hybi is the package measured):
//   cd target/bench/scratch && node js/profile-workerd.mjs hybi|native URL SIZE WINDOW [MS]
// (URL: a running echo server, e.g. `bench/target/release/echo-server 0` prints its port.)
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEchoWorker } from "./echo-workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../../..");
const [which, url, size, window, ms = "3000"] = process.argv.slice(2);
const only = which === "native" ? "workerd WebSocket" : "hybi";
const { default: WS } = await import(join(root, "node_modules/ws/index.js"));
const inspectorPort = 9300 + Math.floor(Math.random() * 600);
const mf = await startEchoWorker({ root, cwd: process.cwd(), outdir: resolve("worker-profile"), inspectorPort });
try {
  const [target] = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const inspector = new WS(target.webSocketDebuggerUrl);
  await new Promise((r, j) => (inspector.once("open", r), inspector.once("error", j)));
  let id = 0;
  const pending = new Map();
  inspector.on("message", (m) => {
    const j = JSON.parse(m);
    pending.get(j.id)?.(j);
    pending.delete(j.id);
  });
  const call = (method, params = {}) =>
    new Promise((r) => {
      pending.set(++id, r);
      inspector.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 100 });
  const config = { only, rounds: 1, warmup: 0, ms: Number(ms), warmMs: 200, cells: [{ size: Number(size), conns: 1, window: Number(window) }] };
  await call("Profiler.start");
  const r = await (await mf.dispatchFetch(`http://bench.test/?url=${encodeURIComponent(url)}&config=${encodeURIComponent(JSON.stringify(config))}`)).json();
  const { result } = await call("Profiler.stop");
  writeFileSync("workerd.cpuprofile", JSON.stringify(result.profile));
  if (!r.ok) throw new Error(r.error);
  console.log(`${only} in workerd, ${size} B, window ${window}: ${Math.round(r.results[0].res[only].median)} msg/s (workerd.cpuprofile)`);
  inspector.close();
} finally {
  await mf.dispose();
}
