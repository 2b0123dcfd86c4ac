// Row 7, one cold process: `node start.mjs hybi|ws|undici URL` → one JSON line { ready, open }:
//   ready  ms from the start of the import to a constructed WebSocket (ready to connect)
//   open   ms from the start of the import to its open event (against the local echo server)
const [which, url] = process.argv.slice(2);
const t0 = performance.now();
let WS;
if (which === "hybi") WS = (await import("hybi")).WebSocket;
else if (which === "ws") {
  const m = await import("ws");
  WS = class extends m.default {
    constructor(u) {
      super(u, { perMessageDeflate: false });
    }
  };
} else WS = globalThis.WebSocket;
const ws = new WS(url);
const ready = performance.now() - t0;
ws.onopen = () => {
  const open = performance.now() - t0;
  console.log(JSON.stringify({ ready, open }));
  ws.close(1000);
  setTimeout(() => process.exit(0), 20);
};
ws.onerror = (e) => {
  console.log(JSON.stringify({ error: String(e?.message ?? e) }));
  process.exit(1);
};
