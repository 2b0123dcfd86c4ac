// Profiling aid (not a row): one client alone against the echo server, long enough for `node --cpu-prof`.
//   node --cpu-prof profile.mjs hybi|ws URL SIZE CONNS WINDOW [MS]
// Prints messages/s; read the .cpuprofile in Chrome's DevTools or with `node bench/js/profile-top.mjs FILE`.
import { WebSocket as HybiWebSocket } from "hybi";
import { echoRun } from "./echo-core.mjs";

const [which, url, size, conns, window, ms = "3000"] = process.argv.slice(2);
let make = (u) => new HybiWebSocket(u);
if (which === "ws") {
  const { default: WS } = await import("ws");
  make = (u) => new WS(u, { perMessageDeflate: false });
}
const rate = await echoRun(make, url, { size: Number(size), conns: Number(conns), window: Number(window), ms: Number(ms), warmMs: 300 });
console.log(`${which} ${size} B x ${conns} conn(s), window ${window}: ${Math.round(rate)} msg/s`);
process.exit(0);
