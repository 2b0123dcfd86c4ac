// The client echo measurement (rows 4 and 5), runtime-neutral: `conns` WebSockets to the native echo server, each
// keeping `window` binary messages of `size` bytes in flight (every echo received sends the next message); counts
// echoes during `ms` after `warmMs`, then closes. Returns messages per second.
import { now, pattern, sleep } from "./stats.mjs";

function open(make, url) {
  return new Promise((resolve, reject) => {
    let ws;
    try {
      ws = make(url);
    } catch (e) {
      reject(e);
      return;
    }
    ws.binaryType = "arraybuffer";
    const t = setTimeout(() => reject(new Error("open timed out")), 10000);
    ws.onopen = () => {
      clearTimeout(t);
      // These rows run without compression on both sides (the echo server declines permessage-deflate; the compressed
      // row is echo-deflate.mjs): a server started with --deflate by mistake fails the row instead of skewing it.
      if (/permessage-deflate/.test(ws.extensions ?? "")) {
        ws.close();
        reject(new Error(`permessage-deflate negotiated in an uncompressed row (extensions: ${ws.extensions})`));
        return;
      }
      resolve(ws);
    };
    ws.onerror = (e) => {
      clearTimeout(t);
      reject(new Error(`connection failed: ${e?.message ?? e?.error?.message ?? e}`));
    };
  });
}

async function openAll(make, url, n) {
  // At most 25 handshakes at a time (a 100-connection burst overflows nothing, but keeps the server's accept calm).
  const out = [];
  for (let i = 0; i < n; i += 25) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => open(make, url)))));
  }
  return out;
}

export async function echoRun(make, url, { size, conns, window, ms, warmMs }) {
  const payload = pattern(size);
  const sockets = await openAll(make, url, conns);
  let counting = false;
  let stop = false;
  let count = 0;
  let bad = 0;
  for (const ws of sockets) {
    ws.onerror = () => bad++;
    ws.onmessage = (e) => {
      if (counting) {
        count++;
        if (e.data.byteLength !== size) bad++;
      }
      if (!stop) ws.send(payload);
    };
    for (let i = 0; i < window; i++) ws.send(payload);
  }
  await sleep(warmMs);
  counting = true;
  const t0 = now();
  await sleep(ms);
  const t = now() - t0;
  counting = false;
  stop = true;
  const closed = sockets.map(
    (ws) =>
      new Promise((r) => {
        if (ws.readyState === 3) return r();
        ws.onclose = () => r();
        try {
          ws.close(1000);
        } catch {
          r();
        }
      }),
  );
  await Promise.race([Promise.all(closed), sleep(3000)]);
  if (bad) throw new Error(`${bad} bad echoes or errors`);
  return count / (t / 1000);
}

/** The echo matrix for one runtime: `clients` is { name: url => WebSocket }; returns rows of raw medians. */
export async function echoMatrix(clients, url, cells, { rounds, warmup, ms, warmMs }, alternate, log = () => {}) {
  const out = [];
  for (const cell of cells) {
    const cands = {};
    for (const [name, make] of Object.entries(clients)) {
      // 1 MiB messages on 100 connections: 100 MiB in flight, so a longer window to count enough echoes.
      const scale = cell.size * cell.conns * cell.window >= 64 << 20 ? 3 : 1;
      cands[name] = () => echoRun(make, url, { ...cell, ms: ms * scale, warmMs: warmMs * scale });
    }
    const res = await alternate(cands, { warmup, rounds });
    out.push({ cell, res });
    log(cell, res);
  }
  return out;
}
