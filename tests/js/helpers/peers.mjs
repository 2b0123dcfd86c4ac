// Starts a reference peer (ws or python) as a child process and follows its JSON-line events.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testCerts } from "./certs.mjs";
import { waitEvent } from "./wait.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
let nextId = 0;

export async function startPeer(kind) {
  const certs = testCerts();
  const cmd = kind === "python"
    ? ["python3", [here("../peers/py-peer.py"), certs.certPath, certs.keyPath]]
    : [process.execPath, [here("../peers/ws-peer.mjs"), certs.certPath, certs.keyPath]];
  const child = spawn(cmd[0], cmd[1], { stdio: ["pipe", "pipe", "inherit"] });
  const events = [];
  const waiters = new Set();
  let buf = "";
  let ready;
  const listening = new Promise((r) => (ready = r));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.event === "listening") ready(ev);
      else {
        events.push(ev);
        for (const w of waiters) w();
      }
    }
  });
  let startTimer;
  const info = await Promise.race([
    listening,
    new Promise((_, rej) => (startTimer = setTimeout(() => rej(new Error(`${kind} peer did not start`)), 15000))),
  ]).finally(() => clearTimeout(startTimer));
  return {
    kind,
    certs,
    port: info.port,
    tlsPort: info.tlsPort,
    /**
     * A fresh id and the URL of `path` (with the id in the query) on the plain or TLS port. `deflate`: a server
     * with permessage-deflate: "ctx" (context takeover) or "noctx" (none, either way; the ws peer only).
     */
    url(path, { tls = false, host = "127.0.0.1", query = "", deflate = null } = {}) {
      const id = `c${++nextId}`;
      const sep = path.includes("?") ? "&" : "?";
      let port = tls ? info.tlsPort : info.port;
      if (deflate && kind === "python") {
        if (deflate !== "ctx") throw new Error(`the python peer has no deflate=${deflate} server`);
        port = info.deflatePort;
      } else if (deflate) {
        query += `&deflate=${deflate}`;
      }
      return { id, url: `${tls ? "wss" : "ws"}://${host}:${port}${path}${sep}id=${id}${query}` };
    },
    /** The first event of `type` for connection `id` (waits up to `ms`). */
    event(id, type, ms = 8000) {
      return waitEvent(events, waiters, id, type, ms, `${kind} peer`);
    },
    stop() {
      child.stdin.end();
      return new Promise((r) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => { clearTimeout(t); r(); });
      });
    },
  };
}

export const PEERS = (process.env.HYBI_PEERS ?? "ws,python").split(",").filter(Boolean);
