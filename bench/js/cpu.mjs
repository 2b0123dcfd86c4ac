// Client CPU time per echoed message (not a row; the README quotes it beside the echo rows): hybi's WebSocket and
// the `ws` client alternating in one Node process against the echo server, `process.cpuUsage()` over each run.
//   node cpu.mjs URL SIZE CONNS WINDOW [ROUNDS]   (from a directory where "hybi" and "ws" resolve, as profile.mjs)
// Prints, per client, the median rate and the median CPU time per message (the run's open, warm-up and close
// included, the same for both).
import { WebSocket as HybiWebSocket } from "hybi";
import WS from "ws";
import { echoRun } from "./echo-core.mjs";

const [url, size, conns, window, rounds = "4"] = process.argv.slice(2);
const clients = { hybi: (u) => new HybiWebSocket(u), ws: (u) => new WS(u, { perMessageDeflate: false }) };
const res = { hybi: [], ws: [] };
for (let r = 0; r < Number(rounds); r++) {
  for (const [name, make] of Object.entries(clients)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rate = await echoRun(make, url, { size: Number(size), conns: Number(conns), window: Number(window), ms: 800, warmMs: 200 });
    const c = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    res[name].push({ rate, cpuUs: (c.user + c.system) / (rate * seconds) });
  }
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const [name, runs] of Object.entries(res)) {
  const rate = Math.round(median(runs.map((x) => x.rate)));
  console.log(`${name} ${size} B x ${conns} conn(s), window ${window}: ${rate} msg/s, ${median(runs.map((x) => x.cpuUs)).toFixed(1)} µs CPU per message`);
}
process.exit(0);
