// The Node `ws` client as a reference client for hybi's server: queued messages, `opened` (rejects with the HTTP
// answer of a refused handshake), `closed` ({ code, reason }).
import WebSocket from "ws";
import { withTimeout } from "./client.mjs";

export function wsClient(url, protocols, options = {}) {
  const ws = new WebSocket(url, protocols, { maxPayload: 128 << 20, perMessageDeflate: false, ...options });
  const queue = [];
  const waiters = [];
  ws.on("message", (data, isBinary) => {
    const m = isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : String(data);
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  let error = null;
  ws.on("error", (e) => (error = e));
  const closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason), error })));
  const opened = new Promise((resolve, reject) => {
    ws.on("open", resolve);
    ws.on("unexpected-response", (req, res) => {
      const chunks = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => {
        reject(Object.assign(new Error(`refused: ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }));
        req.destroy();
      });
    });
    closed.then((c) => reject(Object.assign(new Error(`closed before open: ${c.code} ${error?.message}`), { error })));
  });
  opened.catch(() => {});
  return {
    ws,
    opened,
    /** { code, reason, error } once closed (a timeout error after 15 s; only when asked for). */
    get closed() {
      return withTimeout(closed, 15000, `close of ${url}`);
    },
    next(ms = 8000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return withTimeout(new Promise((r) => waiters.push(r)), ms, `a message on ${url}`);
    },
    send(data, opts) {
      return new Promise((resolve, reject) => ws.send(data, opts ?? {}, (e) => (e ? reject(e) : resolve())));
    },
  };
}
