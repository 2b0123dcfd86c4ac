// Wraps a hybi WebSocket for tests: queued messages, `opened`, `closed` (with the error event's error), timeouts.
import { WebSocket } from "hybi";

export function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}

export function pattern(n, seed = 0) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

export function sameBytes(a, b) {
  a = new Uint8Array(a);
  b = new Uint8Array(b);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function client(url, protocols, options) {
  const ws = new WebSocket(url, protocols, options);
  ws.binaryType = "arraybuffer";
  const queue = [];
  const waiters = [];
  let errorEvent = null;
  const events = [];
  ws.addEventListener("message", (e) => {
    events.push("message");
    const w = waiters.shift();
    if (w) w(e.data);
    else queue.push(e.data);
  });
  ws.addEventListener("error", (e) => {
    events.push("error");
    errorEvent = e;
  });
  const closed = new Promise((resolve) =>
    ws.addEventListener("close", (e) => {
      events.push("close");
      resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean, error: errorEvent?.error ?? null, event: e });
    }),
  );
  const opened = new Promise((resolve, reject) => {
    ws.addEventListener("open", () => {
      events.push("open");
      resolve();
    });
    closed.then((c) => reject(new Error(`closed before open (${c.code}): ${c.error?.message}`)));
  });
  opened.catch(() => {});
  return {
    ws,
    opened,
    closed: withTimeout(closed, 15000, `close of ${url}`),
    events,
    next(ms = 8000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return withTimeout(new Promise((r) => waiters.push(r)), ms, `a message on ${url}`);
    },
  };
}
