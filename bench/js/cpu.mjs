// Client CPU time per echoed message (rows beside the echo rows): hybi's WebSocket and the `ws` client alternating
// in one Node process against the echo server, `process.cpuUsage()` over each run (the run's open, warm-up and
// close included, the same for both). On a 2-core machine the echo rates also measure how the client, the echo
// server and the kernel share the cores; the CPU a client spends per message does not depend on that.
//   node cpu.mjs URL CONFIG_JSON   CONFIG: { cells: [{ size, conns, window }], rounds, ms, warmMs }
// Progress on stderr; one JSON line on stdout: { ok, results: [{ cell, hybi: { rate, cpuUs }, ws: { … } }] }
// (medians over the rounds).
import { WebSocket as HybiWebSocket } from "hybi";
import WS from "ws";
import { echoRun } from "./echo-core.mjs";

const [url, configJson] = process.argv.slice(2);
const { cells, rounds = 4, ms = 800, warmMs = 200 } = JSON.parse(configJson);
const clients = { hybi: (u) => new HybiWebSocket(u), ws: (u) => new WS(u, { perMessageDeflate: false }) };
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

try {
  const results = [];
  for (const cell of cells) {
    const runs = { hybi: [], ws: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, make] of Object.entries(clients)) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const rate = await echoRun(make, url, { ...cell, ms, warmMs });
        const c = process.cpuUsage(c0);
        const seconds = (performance.now() - t0) / 1000;
        runs[name].push({ rate, cpuUs: (c.user + c.system) / (rate * seconds) });
      }
    }
    const res = { cell };
    for (const [name, list] of Object.entries(runs)) {
      res[name] = { rate: median(list.map((x) => x.rate)), cpuUs: median(list.map((x) => x.cpuUs)) };
    }
    console.error(`[cpu] ${cell.size} B x ${cell.conns} conn(s): hybi ${res.hybi.cpuUs.toFixed(1)} µs, ws ${res.ws.cpuUs.toFixed(1)} µs CPU per message`);
    results.push(res);
  }
  console.log(JSON.stringify({ ok: true, results }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
}
process.exit(0);
