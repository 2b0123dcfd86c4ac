// Self time per function from a .cpuprofile (node --cpu-prof): `node profile-top.mjs FILE [N]`.
import { readFileSync } from "node:fs";

const [file, n = "30"] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, "utf8"));
const self = new Map();
const byId = new Map(prof.nodes.map((node) => [node.id, node]));
const dt = prof.timeDeltas;
let total = 0;
prof.samples.forEach((id, i) => {
  const node = byId.get(id);
  const f = node.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  total += dt[i] ?? 0;
});
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}
