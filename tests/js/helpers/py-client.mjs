// Runs the Python `websockets` reference client (peers/py-client.py) against hybi's server and collects its results.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs peers/py-client.py against `base` in `mode`; resolves to { scenario: result }. */
export function runPyClient(base, mode) {
  const script = fileURLToPath(new URL("../peers/py-client.py", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile("python3", [script, base, mode], { timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const results = {};
      for (const line of stdout.split("\n")) {
        if (!line.trim()) continue;
        const r = JSON.parse(line);
        results[r.scenario] = r;
      }
      if (err && Object.keys(results).length === 0) reject(new Error(`py-client failed: ${err.message}\n${stderr}`));
      else resolve(results);
    });
  });
}

export function scenario(results, name) {
  const r = results[name];
  assert.ok(r, `the python client ran ${name}`);
  assert.ok(r.ok, `${name}: ${r.error}\n${r.trace ?? ""}`);
  return r;
}

